//! Builds what the suite embeds:
//! - the native CPU reference kernels (`kernels/cpu/*.c`) into one shared
//!   library with the cc crate's compiler, embedded with include_bytes!;
//! - an index of the SPIR-V reference kernels present in `kernels/spirv/`;
//! - the git hash of the source tree, for the certification report.

use std::path::{Path, PathBuf};
use std::process::Command;

const KERNEL_SOURCES: [&str; 3] = ["basic.c", "shared_atomics.c", "control.c"];

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    build_cpu_kernels(&manifest_dir, &out_dir);
    index_spirv_kernels(&manifest_dir, &out_dir);
    record_git_hash(&manifest_dir);
}

fn build_cpu_kernels(manifest_dir: &Path, out_dir: &Path) {
    let include = manifest_dir.join("../include");
    let sources: Vec<PathBuf> = KERNEL_SOURCES.iter().map(|s| manifest_dir.join("kernels/cpu").join(s)).collect();
    let output = out_dir.join("reference_kernels_cpu.so");
    let compiler = cc::Build::new().opt_level(2).get_compiler();
    let mut command = compiler.to_command();
    command
        .args(["-shared", "-fPIC", "-std=c11", "-Wall", "-Wextra", "-Werror", "-fvisibility=hidden"])
        .arg("-I")
        .arg(&include)
        .args(&sources)
        .arg("-o")
        .arg(&output);
    let status = command.status().unwrap_or_else(|e| panic!("cannot run the C compiler {command:?}: {e}"));
    assert!(status.success(), "compiling the CPU reference kernels failed: {command:?}");
    for source in &sources {
        println!("cargo:rerun-if-changed={}", source.display());
    }
    println!("cargo:rerun-if-changed={}", include.join("flaghal/flaghal_cpu_kernel.h").display());
}

/// Writes `spirv_kernels.rs`: `&[(name, bytes)]` for every `<name>.spv` present.
fn index_spirv_kernels(manifest_dir: &Path, out_dir: &Path) {
    let dir = manifest_dir.join("kernels/spirv");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut entries: Vec<(String, PathBuf)> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "spv"))
                .filter_map(|p| Some((p.file_stem()?.to_str()?.to_string(), p)))
                .collect()
        })
        .unwrap_or_default();
    entries.sort();
    let mut code = String::from("pub const SPIRV_KERNELS: &[(&str, &[u8])] = &[\n");
    for (name, path) in entries {
        println!("cargo:rerun-if-changed={}", path.display());
        code.push_str(&format!("    ({name:?}, include_bytes!({:?})),\n", path.display().to_string()));
    }
    code.push_str("];\n");
    std::fs::write(out_dir.join("spirv_kernels.rs"), code).unwrap();
}

fn record_git_hash(manifest_dir: &Path) {
    let hash = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(manifest_dir)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=FLAGHAL_CONFORMANCE_GIT_HASH={hash}");
    let head = manifest_dir.join("../.git/HEAD");
    if head.exists() {
        println!("cargo:rerun-if-changed={}", head.display());
    }
}
