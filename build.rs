//! Builds the C side of the integration tests into OUT_DIR with the C compiler
//! the `cc` crate picks (so CC / CFLAGS / cross setups are honoured):
//!
//! - the minimal plain-C plugin (`c-examples/minimal_plugin/minimal_plugin.c`)
//!   and, from the same file with one `-DZOO_CASE=...` each, the broken-plugin
//!   zoo, plus a text file named like a plugin library;
//! - the examples' one-source kernels (`c-examples/kernels/*.fhk`, with their
//!   committed SPIR-V) with flaghal-kernel: one bundle of all of them,
//!   `examples.fhbundle`, and each one's native CPU image, `<name>.so`;
//! - the native-CPU kernel modules only the tests use (`tests/kernels/*.c`,
//!   flaghal_cpu_kernel.h, one module per kernel, `<name>.so`).
//!
//! Tests find them through `env!("FLAGHAL_IT_...")` variables set below.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Zoo cases: (the ZOO_CASE macro, the file stem, the env var the tests read).
const PLUGINS: &[(&str, &str, &str)] = &[
    ("ZOO_NONE", "libflaghal_minimal", "FLAGHAL_IT_MINIMAL_PLUGIN"),
    ("ZOO_NO_ENTRY", "libzoo_no_entry", "FLAGHAL_IT_ZOO_NO_ENTRY"),
    ("ZOO_WRONG_MAJOR", "libzoo_wrong_major", "FLAGHAL_IT_ZOO_WRONG_MAJOR"),
    ("ZOO_TABLE_TOO_SMALL", "libzoo_table_too_small", "FLAGHAL_IT_ZOO_TABLE_TOO_SMALL"),
    ("ZOO_MISSING_REQUIRED", "libzoo_missing_required", "FLAGHAL_IT_ZOO_MISSING_REQUIRED"),
    ("ZOO_INIT_FAILS", "libzoo_init_fails", "FLAGHAL_IT_ZOO_INIT_FAILS"),
    ("ZOO_INIT_PANICS", "libzoo_init_panics", "FLAGHAL_IT_ZOO_INIT_PANICS"),
    ("ZOO_CAP_MISMATCH", "libzoo_cap_mismatch", "FLAGHAL_IT_ZOO_CAP_MISMATCH"),
    ("ZOO_NEGOTIATE_FAILS", "libzoo_negotiate_fails", "FLAGHAL_IT_ZOO_NEGOTIATE_FAILS"),
    ("ZOO_FUTURE_MINOR", "libzoo_future_minor", "FLAGHAL_IT_ZOO_FUTURE_MINOR"),
    ("ZOO_NEGOTIATE_LIES", "libzoo_negotiate_lies", "FLAGHAL_IT_ZOO_NEGOTIATE_LIES"),
    ("ZOO_DEVICE_QUERY_FAILS", "libzoo_device_query_fails", "FLAGHAL_IT_ZOO_DEVICE_QUERY_FAILS"),
    ("ZOO_ABI_1_0", "libzoo_abi_1_0", "FLAGHAL_IT_ZOO_ABI_1_0"),
];

/// The same C warnings the headers promise to compile cleanly under.
const STRICT: &[&str] = &["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"];

fn main() {
    let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
    let include = root.join("include");
    let plugin_src = root.join("c-examples/minimal_plugin/minimal_plugin.c");
    let examples = root.join("c-examples/kernels");
    let test_kernels = root.join("tests/kernels");
    println!("cargo:rerun-if-changed={}", include.display());
    println!("cargo:rerun-if-changed={}", plugin_src.display());
    for dir in [&examples, &test_kernels] {
        println!("cargo:rerun-if-changed={}", dir.display());
    }

    let zoo = out.join("zoo");
    std::fs::create_dir_all(&zoo).expect("create OUT_DIR/zoo");
    for (case, stem, var) in PLUGINS {
        let lib = zoo.join(format!("{stem}.so"));
        let define = format!("-DZOO_CASE={case}");
        compile_shared(&plugin_src, &lib, &include, &[&define, "-lpthread", "-ldl"]);
        println!("cargo:rustc-env={var}={}", lib.display());
    }
    let text = zoo.join("libzoo_not_a_library.so");
    std::fs::write(&text, "This is a text file that only looks like a plugin library.\n")
        .expect("write the not-a-library case");
    println!("cargo:rustc-env=FLAGHAL_IT_ZOO_NOT_A_LIBRARY={}", text.display());

    let kernels = out.join("kernels");
    std::fs::create_dir_all(&kernels).expect("create OUT_DIR/kernels");
    build_example_kernels(&examples, &include, &out, &kernels);
    for src in c_files(&test_kernels) {
        let stem = src.file_stem().expect("file stem").to_string_lossy().into_owned();
        compile_shared(&src, &kernels.join(format!("{stem}.so")), &include, &["-O2"]);
    }
    println!("cargo:rustc-env=FLAGHAL_IT_KERNELS={}", kernels.display());
}

/// `kernels/examples.fhbundle` and `kernels/<name>.so` of every example kernel.
fn build_example_kernels(examples: &Path, include: &Path, out: &Path, kernels: &Path) {
    let mut build = flaghal_kernel::Build::new(&out.join("kernel-build"));
    build.include = include.to_path_buf();
    build.tools.cc = cc::Build::new().get_compiler().path().to_path_buf();
    build.cflags = vec!["-Werror".into()];
    let committed = flaghal_kernel::SpirvFrom::Committed;
    let sources = flaghal_kernel::committed::sources(examples).unwrap_or_else(|e| panic!("{e}"));
    let all = build.bundle(&sources, &committed, true).unwrap_or_else(|e| panic!("the example kernels: {e}"));
    std::fs::write(kernels.join("examples.fhbundle"), &all.bundle).expect("write examples.fhbundle");
    for source in &sources {
        let name = source.file_stem().expect("file stem").to_string_lossy().into_owned();
        build.work = out.join("kernel-build").join(&name);
        let one = build.bundle(std::slice::from_ref(source), &flaghal_kernel::SpirvFrom::Skip, true);
        let native = one.unwrap_or_else(|e| panic!("{name}: {e}")).native.expect("a native image");
        std::fs::write(kernels.join(format!("{name}.so")), native).expect("write a native kernel module");
    }
}

/// The `.c` files of a folder, sorted.
fn c_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "c"))
        .collect();
    files.sort();
    files
}

/// Compiles one C file into a shared library with the strict warning set.
fn compile_shared(src: &Path, lib: &Path, include: &Path, extra: &[&str]) {
    let compiler = cc::Build::new().get_compiler();
    let mut cmd: Command = compiler.to_command();
    cmd.args(STRICT)
        .args(["-shared", "-fPIC", "-fvisibility=hidden"])
        .arg(format!("-I{}", include.display()))
        .arg(src)
        .arg("-o")
        .arg(lib)
        .args(extra);
    let status = cmd.status().unwrap_or_else(|e| panic!("cannot run the C compiler {:?}: {e}", compiler.path()));
    assert!(status.success(), "compiling {} failed: {cmd:?}", src.display());
}
