//! Argument packing for cuLaunchKernel (pure), the PTX/cubin convention of
//! docs/kernels.md: the blob is the kernel's parameter struct, passed whole
//! as the parameter buffer through `extra` =
//! `{CU_LAUNCH_PARAM_BUFFER_POINTER, buf, CU_LAUNCH_PARAM_BUFFER_SIZE, &size,
//! CU_LAUNCH_PARAM_END}`.
//!
//! The driver wants `size` to be exactly the kernel's parameter size, the
//! end of its last parameter without the C struct's tail padding (a kernel
//! `(int *a, short b)` takes 10 bytes, while `sizeof` of the struct is 16).
//! Where the driver tells the parameter layout (cuFuncGetParamInfo, CUDA
//! 12.4+), the plugin passes exactly that many bytes: a longer blob (tail
//! padding, which flaghal.h says is always right to pass) is cut, a shorter
//! one is refused with FH_ERROR_INVALID_VALUE (flaghal.h, fhLaunchKernel: the
//! module records the parameters' size). Without that query (older drivers)
//! the blob goes as it is, so it must then be exactly the parameter size.

/// The parameter buffer size of a kernel whose parameters lie at these
/// (offset, size) pairs: the end of the last one.
pub fn param_size(params: &[(usize, usize)]) -> usize {
    params.iter().map(|(offset, size)| offset + size).max().unwrap_or(0)
}

/// A copy of the bytes the kernel receives, 16-byte aligned (the strictest
/// alignment of a PTX parameter the FlagHAL kernel language declares).
#[derive(Debug, Clone, PartialEq)]
pub struct ParamBuffer {
    words: Vec<u128>,
    len: usize,
}

impl ParamBuffer {
    fn from_bytes(bytes: &[u8]) -> ParamBuffer {
        let mut words = vec![0u128; bytes.len().div_ceil(16)];
        for (i, chunk) in bytes.chunks(16).enumerate() {
            let mut word = [0u8; 16];
            word[..chunk.len()].copy_from_slice(chunk);
            words[i] = u128::from_ne_bytes(word);
        }
        ParamBuffer { words, len: bytes.len() }
    }

    /// The buffer's bytes.
    pub fn bytes(&self) -> Vec<u8> {
        self.words.iter().flat_map(|w| w.to_ne_bytes()).take(self.len).collect()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The first byte (valid while `self` lives; dangling but aligned when empty).
    pub fn as_ptr(&self) -> *const u8 {
        self.words.as_ptr().cast()
    }
}

/// The parameter buffer for `blob`, given the kernel's parameter size when
/// the driver told it; Err(detail) for a blob shorter than the parameters.
pub fn pack(blob: &[u8], param_size: Option<usize>) -> Result<ParamBuffer, String> {
    match param_size {
        Some(size) if blob.len() < size => Err(format!(
            "the argument blob has {} bytes; the kernel's parameters take {size} (flaghal.h, fhLaunchKernel: a blob shorter than the kernel's parameters is refused)",
            blob.len()
        )),
        Some(size) => Ok(ParamBuffer::from_bytes(&blob[..size])),
        None => Ok(ParamBuffer::from_bytes(blob)),
    }
}

/// cuLaunchKernel's `extra` array for a buffer at `buffer` whose size is the
/// `usize` at `size`; both must outlive the call. None for an empty buffer:
/// then both `kernelParams` and `extra` are NULL (a kernel without
/// parameters).
pub fn extra(buffer: *const u8, size: *const usize, len: usize) -> Option<[*mut std::ffi::c_void; 5]> {
    use crate::driver::{CU_LAUNCH_PARAM_BUFFER_POINTER, CU_LAUNCH_PARAM_BUFFER_SIZE, CU_LAUNCH_PARAM_END};
    (len > 0).then_some(
        [
            CU_LAUNCH_PARAM_BUFFER_POINTER as *mut std::ffi::c_void,
            buffer as *mut std::ffi::c_void,
            CU_LAUNCH_PARAM_BUFFER_SIZE as *mut std::ffi::c_void,
            size as *mut std::ffi::c_void,
            CU_LAUNCH_PARAM_END as *mut std::ffi::c_void,
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_parameter_size_ends_at_the_last_parameter_without_tail_padding() {
        // (int *a, short b): 8 + 2 bytes, though sizeof the C struct is 16.
        assert_eq!(param_size(&[(0, 8), (8, 2)]), 10);
        // fill_u32 (dst @0, value @8, count @12).
        assert_eq!(param_size(&[(0, 8), (8, 4), (12, 4)]), 16);
        // Whatever order the driver lists them in.
        assert_eq!(param_size(&[(12, 4), (0, 8)]), 16);
        assert_eq!(param_size(&[]), 0);
    }

    #[test]
    fn a_blob_with_tail_padding_is_cut_to_the_parameters() {
        let blob: Vec<u8> = (1..=16).collect();
        let packed = pack(&blob, Some(10)).expect("a longer blob is accepted");
        assert_eq!(packed.len(), 10);
        assert_eq!(packed.bytes(), &blob[..10]);
        assert_eq!(packed.as_ptr() as usize % 16, 0, "16-byte aligned");
    }

    #[test]
    fn a_short_blob_is_refused_where_the_layout_is_known() {
        let err = pack(&[0; 500], Some(512)).expect_err("500 bytes for 512 bytes of parameters");
        assert!(err.contains("500 bytes") && err.contains("512"), "{err}");
        let exact = pack(&[9; 512], Some(512)).expect("exact");
        assert_eq!(exact.bytes(), vec![9; 512]);
    }

    #[test]
    fn without_the_layout_the_blob_goes_as_it_is() {
        let blob: Vec<u8> = (0..37).collect();
        let packed = pack(&blob, None).expect("always");
        assert_eq!(packed.bytes(), blob);
        assert!(pack(&[], None).expect("empty").is_empty());
    }

    #[test]
    fn the_extra_array_names_buffer_and_size_then_ends() {
        let packed = pack(&[1, 2, 3, 4], None).unwrap();
        let size = packed.len();
        let extra = extra(packed.as_ptr(), &size, size).expect("a non-empty buffer");
        assert_eq!(extra[0] as usize, 1, "CU_LAUNCH_PARAM_BUFFER_POINTER");
        assert_eq!(extra[1] as usize, packed.as_ptr() as usize);
        assert_eq!(extra[2] as usize, 2, "CU_LAUNCH_PARAM_BUFFER_SIZE");
        assert_eq!(extra[3] as usize, &size as *const usize as usize);
        assert_eq!(extra[4] as usize, 0, "CU_LAUNCH_PARAM_END");
        assert!(super::extra(packed.as_ptr(), &0, 0).is_none(), "no parameters: NULL extra");
    }
}
