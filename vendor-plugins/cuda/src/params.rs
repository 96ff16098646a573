//! Argument packing for cuLaunchKernel (pure), the PTX/cubin convention of
//! docs/kernels.md: the blob is the kernel's parameter struct, passed whole
//! as the parameter buffer through `extra` =
//! `{CU_LAUNCH_PARAM_BUFFER_POINTER, buf, CU_LAUNCH_PARAM_BUFFER_SIZE, &size,
//! CU_LAUNCH_PARAM_END}`.
//!
//! The convention zero-pads a blob shorter than the kernel's parameters to
//! their size (a raw kernel such as `args_probe` declares 4096 bytes and
//! reads what a blob of any length left there). The driver also wants
//! `size` to be exactly the kernel's parameter size, the end of its last
//! parameter without tail padding (a kernel `(int *a, short b)` takes 10
//! bytes, while `sizeof` of the C struct is 16), so a longer blob, such as
//! a C struct with tail padding (which flaghal.h says is always right to
//! pass), is cut to it: the kernel cannot read past its parameters anyway.
//! The size comes from the driver (cuFuncGetParamInfo, CUDA 12.4+), else,
//! for PTX, from the module's text (ptx.rs); without either (a cubin on an
//! older driver) the blob goes as it is.

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
/// it is known: exactly that many bytes, the blob's first ones, zero past
/// its end.
pub fn pack(blob: &[u8], param_size: Option<usize>) -> ParamBuffer {
    match param_size {
        Some(size) if blob.len() < size => {
            let mut bytes = blob.to_vec();
            bytes.resize(size, 0);
            ParamBuffer::from_bytes(&bytes)
        }
        Some(size) => ParamBuffer::from_bytes(&blob[..size]),
        None => ParamBuffer::from_bytes(blob),
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
        let packed = pack(&blob, Some(10));
        assert_eq!(packed.len(), 10);
        assert_eq!(packed.bytes(), &blob[..10]);
        assert_eq!(packed.as_ptr() as usize % 16, 0, "16-byte aligned");
    }

    #[test]
    fn a_short_blob_is_zero_padded_to_the_parameters() {
        // args_probe: 4096 bytes of parameters, a 48-byte blob.
        let blob: Vec<u8> = (1..=48).collect();
        let packed = pack(&blob, Some(4096));
        assert_eq!(packed.len(), 4096);
        let bytes = packed.bytes();
        assert_eq!(&bytes[..48], &blob[..]);
        assert!(bytes[48..].iter().all(|b| *b == 0), "zero past the blob's end");
        assert_eq!(pack(&[9; 512], Some(512)).bytes(), vec![9; 512], "exact");
        assert_eq!(pack(&[], Some(8)).bytes(), vec![0; 8], "an empty blob for 8 bytes of parameters");
    }

    #[test]
    fn without_the_layout_the_blob_goes_as_it_is() {
        let blob: Vec<u8> = (0..37).collect();
        assert_eq!(pack(&blob, None).bytes(), blob);
        assert!(pack(&[], None).is_empty());
    }

    #[test]
    fn the_extra_array_names_buffer_and_size_then_ends() {
        let packed = pack(&[1, 2, 3, 4], None);
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
