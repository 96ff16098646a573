//! The kernels the benchmarks launch, embedded in the binary: the native CPU
//! library compiled by build.rs from kernels/cpu/bench_kernels.c, the
//! committed SPIR-V modules from kernels/spirv/ (GLSL beside them), and the
//! tiled matmul of the C examples as the module bundle build.rs makes with
//! flaghal-kernel, beside the bundle's own SPIR-V for the raw ash baseline;
//! and the OpenCL rows' kernels (kernels/opencl/*.fhk) as bundles with one
//! OpenCL C image each, beside that image for the raw OpenCL baseline.

/// Shared library holding the native CPU kernels `empty` and `saxpy`.
pub const CPU_LIBRARY: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/bench_kernels_cpu.so"));
/// SPIR-V: entry point `empty`.
pub const EMPTY_SPV: &[u8] = include_bytes!("../kernels/spirv/empty.spv");
/// SPIR-V: entry point `saxpy`.
pub const SAXPY_SPV: &[u8] = include_bytes!("../kernels/spirv/saxpy.spv");

/// Module bundle (FH_MODULE_FORMAT_BUNDLE) of `matmul_tiled`
/// (c-examples/kernels/matmul_tiled.fhk): SPIR-V and native CPU images.
pub const MATMUL_BUNDLE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/matmul_tiled.fhbundle"));
/// The committed SPIR-V the bundle carries (a one-kernel bundle's SPIR-V
/// image is this file unchanged): entry point `matmul_tiled`.
pub const MATMUL_SPV: &[u8] = include_bytes!("../../c-examples/kernels/spirv/matmul_tiled.spv");
/// `matmul_tiled` computes a 64 x 64 tile of c per block of 16 x 16 threads.
pub const MATMUL_TILE: u32 = 64;
pub const MATMUL_BLOCK: [u32; 3] = [16, 16, 1];

/// The grid of `matmul_tiled` for an m x n result: (ceil(n/64), ceil(m/64), 1).
pub fn matmul_grid(m: u32, n: u32) -> [u32; 3] {
    [n.div_ceil(MATMUL_TILE), m.div_ceil(MATMUL_TILE), 1]
}

/// Module bundle of `saxpy` (kernels/opencl/saxpy.fhk): one OpenCL C image.
pub const OPENCL_SAXPY_BUNDLE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/saxpy.opencl.fhbundle"));
/// The OpenCL C image that bundle carries (one NUL-terminated translation
/// unit): what the raw OpenCL baseline builds.
pub const OPENCL_SAXPY_C: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/saxpy.cl"));
/// Module bundle of `empty` (kernels/opencl/empty.fhk): one OpenCL C image.
pub const OPENCL_EMPTY_BUNDLE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/empty.opencl.fhbundle"));
/// The OpenCL C image of that bundle.
pub const OPENCL_EMPTY_C: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/empty.cl"));

/// The argument blob of `matmul_tiled` (struct matmul_tiled_args):
/// a at 0, b at 8, c at 16, m at 24, n at 28, k at 32; sizeof 40 (padding).
pub fn matmul_args(a: u64, b: u64, c: u64, m: u32, n: u32, k: u32) -> [u8; 40] {
    let mut blob = [0u8; 40];
    blob[0..8].copy_from_slice(&a.to_ne_bytes());
    blob[8..16].copy_from_slice(&b.to_ne_bytes());
    blob[16..24].copy_from_slice(&c.to_ne_bytes());
    blob[24..28].copy_from_slice(&m.to_ne_bytes());
    blob[28..32].copy_from_slice(&n.to_ne_bytes());
    blob[32..36].copy_from_slice(&k.to_ne_bytes());
    blob
}

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
    fn matmul_blob_and_grid_follow_the_kernel_source() {
        let blob = matmul_args(1, 2, 3, 1000, 800, 600);
        assert_eq!(u64::from_ne_bytes(blob[16..24].try_into().unwrap()), 3);
        assert_eq!(u32::from_ne_bytes(blob[24..28].try_into().unwrap()), 1000);
        assert_eq!(u32::from_ne_bytes(blob[32..36].try_into().unwrap()), 600);
        assert_eq!(&blob[36..], &[0; 4]);
        // x covers the columns (n), y the rows (m), rounded up.
        assert_eq!(matmul_grid(1000, 800), [13, 16, 1]);
        assert_eq!(matmul_grid(64, 65), [2, 1, 1]);
    }

    /// Whether `bundle` holds `image` byte for byte.
    fn carries(bundle: &[u8], image: &[u8]) -> bool {
        bundle.windows(image.len()).any(|w| w == image)
    }

    #[test]
    fn embedded_modules_are_what_they_claim() {
        assert_eq!(&CPU_LIBRARY[..4], b"\x7fELF");
        assert_eq!(&MATMUL_BUNDLE[..8], b"FHBUNDLE", "a FlagHAL module bundle");
        // The raw ash baseline runs exactly the bundle's SPIR-V image.
        assert!(carries(MATMUL_BUNDLE, MATMUL_SPV), "the bundle does not carry matmul_tiled.spv unchanged");
        // The raw OpenCL baseline builds exactly the bundles' OpenCL C images:
        // one translation unit each, NUL-terminated, defining the kernel.
        for (bundle, image, kernel) in [(OPENCL_SAXPY_BUNDLE, OPENCL_SAXPY_C, "saxpy"), (OPENCL_EMPTY_BUNDLE, OPENCL_EMPTY_C, "empty")] {
            assert_eq!(&bundle[..8], b"FHBUNDLE");
            assert!(carries(bundle, image), "the {kernel} bundle does not carry its OpenCL C image unchanged");
            assert_eq!(image.iter().filter(|&&b| b == 0).count(), 1, "{kernel}: one translation unit, one NUL at its end");
            assert_eq!(image.last(), Some(&0));
            let text = std::str::from_utf8(&image[..image.len() - 1]).unwrap();
            assert!(text.contains(&format!("__kernel void {kernel}(")), "{kernel} is not defined in its image");
        }
        for spv in [EMPTY_SPV, SAXPY_SPV, MATMUL_SPV] {
            assert_eq!(u32::from_ne_bytes(spv[..4].try_into().unwrap()), 0x0723_0203);
        }
    }
}
