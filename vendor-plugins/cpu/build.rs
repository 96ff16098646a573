//! Build script of the CPU plugin.
//!
//! 1. Links libflaghal_cpu.so with `exports.map`, a linker version script
//!    that exports exactly `fhPluginNegotiate` (the plugin ABI allows one
//!    exported symbol). `tests/exports.rs` checks the result with `nm -D`.
//! 2. Compiles the C test kernels in `tests/kernels/*.c` into shared objects
//!    (`cc -shared -fPIC`, the compiler the `cc` crate picks) under
//!    `$OUT_DIR/kernels/`, and tells the tests where through the compile-time
//!    variable `FLAGHAL_CPU_TEST_KERNELS`. Files named `*_nodelete.c` are
//!    linked with `-z nodelete`. A missing C compiler fails the
//!    build with the compiler's message rather than skipping tests silently.
//! 3. Compiles `tests/c/table_from_c.c`, a C program that drives the plugin
//!    through dlopen (`FLAGHAL_CPU_C_DRIVER`, run by `tests/from_c.rs`).

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let map = manifest_dir.join("exports.map");
    println!("cargo:rerun-if-changed={}", map.display());
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,--version-script={}", map.display());
    }
    compile_test_kernels(&manifest_dir);
    compile_c_driver(&manifest_dir);
}

/// Builds tests/c/table_from_c.c, a C program that drives the plugin through
/// dlopen and the C header's layout (run by tests/from_c.rs).
fn compile_c_driver(manifest_dir: &Path) {
    let source = manifest_dir.join("tests/c/table_from_c.c");
    let include_dir = manifest_dir.join("../../include");
    let output = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR")).join("table_from_c");
    println!("cargo:rerun-if-changed={}", source.display());
    println!("cargo:rustc-env=FLAGHAL_CPU_C_DRIVER={}", output.display());
    let compiler = cc::Build::new().cargo_metadata(false).opt_level(0).get_compiler();
    let mut command: Command = compiler.to_command();
    command
        .args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-g"])
        .arg("-I")
        .arg(&include_dir)
        .arg(&source)
        .arg("-o")
        .arg(&output)
        .arg("-ldl");
    run_compiler(command, &source);
}

fn run_compiler(mut command: Command, source: &Path) {
    let result = command.output().unwrap_or_else(|e| panic!("cannot run the C compiler {command:?}: {e}"));
    if !result.status.success() {
        panic!(
            "compiling {} failed:\n{}{}",
            source.display(),
            String::from_utf8_lossy(&result.stdout),
            String::from_utf8_lossy(&result.stderr)
        );
    }
}

fn compile_test_kernels(manifest_dir: &Path) {
    let source_dir = manifest_dir.join("tests/kernels");
    let include_dir = manifest_dir.join("../../include");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR")).join("kernels");
    std::fs::create_dir_all(&out_dir).expect("create $OUT_DIR/kernels");
    println!("cargo:rerun-if-changed={}", source_dir.display());
    println!("cargo:rerun-if-changed={}", include_dir.join("flaghal/flaghal_cpu_kernel.h").display());
    println!("cargo:rustc-env=FLAGHAL_CPU_TEST_KERNELS={}", out_dir.display());

    let mut sources: Vec<PathBuf> = std::fs::read_dir(&source_dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    sources.retain(|p| p.extension().is_some_and(|e| e == "c"));
    sources.sort();
    let compiler = cc::Build::new().cargo_metadata(false).opt_level(2).get_compiler();
    for source in sources {
        println!("cargo:rerun-if-changed={}", source.display());
        let stem = source.file_stem().expect("file stem").to_string_lossy().into_owned();
        let output = out_dir.join(format!("{stem}.so"));
        let mut command: Command = compiler.to_command();
        command
            .args(["-shared", "-fPIC", "-O2", "-std=c11", "-Wall", "-Wextra", "-Werror"])
            .arg("-I")
            .arg(&include_dir)
            .arg(&source)
            .arg("-o")
            .arg(&output)
            .arg("-lpthread");
        if stem.ends_with("_nodelete") {
            // A module dlclose cannot unload (as C++ modules with unique symbols are).
            command.arg("-Wl,-z,nodelete");
        }
        run_compiler(command, &source);
    }
}
