//! Builds what the benchmarks embed (src/kernels.rs) or link:
//! - the native CPU kernels (kernels/cpu/bench_kernels.c) as one shared
//!   library, loaded with fhModuleLoadData from memory;
//! - the tiled matmul of the C examples (c-examples/kernels/matmul_tiled.fhk,
//!   the kernel language) as a module bundle with flaghal-kernel: its
//!   committed SPIR-V and a native CPU image compiled here, loaded with
//!   FH_MODULE_FORMAT_BUNDLE on every device (the matmul section);
//! - the matmul section's CPU baseline (kernels/cpu/matmul_loop.c, a plain
//!   i-k-j loop) as a static library linked into the binary, compiled -O2
//!   like the bundle's native image (flaghal_kernel::native_build::CFLAGS);
//! - the OpenCL rows' kernels (kernels/opencl/*.fhk, the kernel language) as
//!   one module bundle each with flaghal-kernel, holding only an OpenCL C
//!   image, and that image on its own for the raw OpenCL baseline.
//!
//! The other SPIR-V kernels are committed (kernels/spirv/*.spv, built by
//! conformance/kernels/spirv/build.sh) and embedded directly.

use std::path::{Path, PathBuf};

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo"));
    let include = manifest_dir.join("../include");
    build_cpu_kernels(&manifest_dir, &out_dir, &include);
    build_matmul_bundle(&manifest_dir, &out_dir, &include);
    build_matmul_loop(&manifest_dir, &include);
    for kernel in OPENCL_KERNELS {
        build_opencl_bundle(&manifest_dir, &out_dir, &include, kernel);
    }
    println!("cargo:rerun-if-changed=build.rs");
}

fn build_cpu_kernels(manifest_dir: &Path, out_dir: &Path, include: &Path) {
    let source = manifest_dir.join("kernels/cpu/bench_kernels.c");
    let output = out_dir.join("bench_kernels_cpu.so");
    let compiler = cc::Build::new().opt_level(3).get_compiler();
    let mut command = compiler.to_command();
    command
        .args(["-shared", "-fPIC", "-std=c11", "-O3", "-march=native", "-Wall", "-Wextra", "-Werror", "-fvisibility=hidden"])
        .arg("-I")
        .arg(include)
        .arg(&source)
        .arg("-o")
        .arg(&output);
    let status = command.status().unwrap_or_else(|e| panic!("cannot run the C compiler {command:?}: {e}"));
    assert!(status.success(), "compiling the CPU bench kernels failed: {command:?}");
    println!("cargo:rerun-if-changed={}", source.display());
    println!("cargo:rerun-if-changed={}", include.join("flaghal/flaghal_cpu_kernel.h").display());
}

/// OUT_DIR/matmul_tiled.fhbundle: the committed SPIR-V (no glslc needed) and
/// a native CPU image, as conformance/build.rs builds the same kernel.
fn build_matmul_bundle(manifest_dir: &Path, out_dir: &Path, include: &Path) {
    let source = manifest_dir.join("../c-examples/kernels/matmul_tiled.fhk");
    let spirv = manifest_dir.join("../c-examples/kernels/spirv/matmul_tiled.spv");
    let mut build = flaghal_kernel::Build::new(&out_dir.join("kernel-build"));
    build.include = include.to_path_buf();
    build.tools.cc = cc::Build::new().get_compiler().path().to_path_buf();
    build.cflags = vec!["-Werror".into()];
    let built = build
        .bundle(std::slice::from_ref(&source), &flaghal_kernel::SpirvFrom::Committed, true)
        .unwrap_or_else(|e| panic!("building {}: {e}", source.display()));
    std::fs::write(out_dir.join("matmul_tiled.fhbundle"), &built.bundle).expect("write matmul_tiled.fhbundle");
    println!("cargo:rerun-if-changed={}", source.display());
    println!("cargo:rerun-if-changed={}", spirv.display());
    println!("cargo:rerun-if-changed={}", include.join("flaghal").display());
}

/// The kernels of kernels/opencl/, one bundle each.
const OPENCL_KERNELS: [&str; 2] = ["empty", "saxpy"];

/// OUT_DIR/<kernel>.opencl.fhbundle (FH_MODULE_FORMAT_BUNDLE with one
/// OPENCL_C image) and OUT_DIR/<kernel>.cl, that image's bytes: what the
/// FlagHAL side loads and what the raw OpenCL side builds. No SPIR-V, PTX or
/// native image: these rows run only on OpenCL devices, and without the
/// SPIR-V reflection the bundle's kernel table records 0 parameter bytes (the
/// loader then leaves the blob's length to the kernel).
fn build_opencl_bundle(manifest_dir: &Path, out_dir: &Path, include: &Path, kernel: &str) {
    let source = manifest_dir.join(format!("kernels/opencl/{kernel}.fhk"));
    let mut build = flaghal_kernel::Build::new(&out_dir.join(format!("kernel-build-{kernel}")));
    build.include = include.to_path_buf();
    build.tools.cc = cc::Build::new().get_compiler().path().to_path_buf();
    build.ptx = false;
    let built = build
        .bundle(std::slice::from_ref(&source), &flaghal_kernel::SpirvFrom::Skip, false)
        .unwrap_or_else(|e| panic!("building {}: {e}", source.display()));
    let image = built.opencl_c.unwrap_or_else(|| panic!("{}: the build made no OpenCL C image", source.display()));
    std::fs::write(out_dir.join(format!("{kernel}.opencl.fhbundle")), &built.bundle).expect("write the OpenCL bundle");
    std::fs::write(out_dir.join(format!("{kernel}.cl")), image).expect("write the OpenCL C image");
    println!("cargo:rerun-if-changed={}", source.display());
}

fn build_matmul_loop(manifest_dir: &Path, include: &Path) {
    let source = manifest_dir.join("kernels/cpu/matmul_loop.c");
    cc::Build::new()
        .file(&source)
        .include(include)
        .opt_level(2)
        .flag("-std=c11")
        .flag("-Wall")
        .flag("-Wextra")
        .flag("-Werror")
        .compile("bench_matmul_loop");
    println!("cargo:rerun-if-changed={}", source.display());
}
