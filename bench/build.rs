//! Compiles the native CPU kernels (kernels/cpu/bench_kernels.c) into one
//! shared library with the cc crate's compiler; src/kernels.rs embeds it with
//! include_bytes!, so the binary loads it with fhModuleLoadData from memory.
//! The SPIR-V kernels are committed (kernels/spirv/*.spv, built by
//! conformance/kernels/spirv/build.sh) and embedded directly.

use std::path::PathBuf;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo"));
    let include = manifest_dir.join("../include");
    let source = manifest_dir.join("kernels/cpu/bench_kernels.c");
    let output = out_dir.join("bench_kernels_cpu.so");
    let compiler = cc::Build::new().opt_level(3).get_compiler();
    let mut command = compiler.to_command();
    command
        .args(["-shared", "-fPIC", "-std=c11", "-O3", "-march=native", "-Wall", "-Wextra", "-Werror", "-fvisibility=hidden"])
        .arg("-I")
        .arg(&include)
        .arg(&source)
        .arg("-o")
        .arg(&output);
    let status = command.status().unwrap_or_else(|e| panic!("cannot run the C compiler {command:?}: {e}"));
    assert!(status.success(), "compiling the CPU bench kernels failed: {command:?}");
    println!("cargo:rerun-if-changed={}", source.display());
    println!("cargo:rerun-if-changed={}", include.join("flaghal/flaghal_cpu_kernel.h").display());
    println!("cargo:rerun-if-changed=build.rs");
}
