//! The kernels the benchmarks launch, embedded in the binary: the native CPU
//! library compiled by build.rs from kernels/cpu/bench_kernels.c, and the
//! committed SPIR-V modules from kernels/spirv/ (GLSL beside them).

/// Shared library holding the native CPU kernels `empty` and `saxpy`.
pub const CPU_LIBRARY: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/bench_kernels_cpu.so"));
/// SPIR-V: entry point `empty`.
pub const EMPTY_SPV: &[u8] = include_bytes!("../kernels/spirv/empty.spv");
/// SPIR-V: entry point `saxpy`.
pub const SAXPY_SPV: &[u8] = include_bytes!("../kernels/spirv/saxpy.spv");

/// The argument blob of `saxpy` (struct saxpy_args in both sources):
/// x at 0, y at 8, a at 16, n at 20; 24 bytes.
pub fn saxpy_args(x: u64, y: u64, a: f32, n: u32) -> [u8; 24] {
    let mut blob = [0u8; 24];
    blob[0..8].copy_from_slice(&x.to_ne_bytes());
    blob[8..16].copy_from_slice(&y.to_ne_bytes());
    blob[16..20].copy_from_slice(&a.to_ne_bytes());
    blob[20..24].copy_from_slice(&n.to_ne_bytes());
    blob
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saxpy_blob_has_the_c_layout() {
        let blob = saxpy_args(0x1122, 0x3344, 2.0, 7);
        assert_eq!(u64::from_ne_bytes(blob[8..16].try_into().unwrap()), 0x3344);
        assert_eq!(f32::from_ne_bytes(blob[16..20].try_into().unwrap()), 2.0);
        assert_eq!(u32::from_ne_bytes(blob[20..24].try_into().unwrap()), 7);
    }

    #[test]
    fn embedded_modules_are_what_they_claim() {
        assert_eq!(&CPU_LIBRARY[..4], b"\x7fELF");
        for spv in [EMPTY_SPV, SAXPY_SPV] {
            assert_eq!(u32::from_ne_bytes(spv[..4].try_into().unwrap()), 0x0723_0203);
        }
    }
}
