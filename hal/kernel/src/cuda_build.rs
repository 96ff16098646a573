//! The PTX image of kernels (FH_MODULE_FORMAT_PTX): each kernel source
//! compiled by clang as CUDA for the GPU alone (`--cuda-device-only
//! -nocudainc -nocudalib`, target_cuda.h maps the language), so no CUDA
//! toolkit is needed; each kernel's PTX is one NUL-terminated unit of the
//! image, which the plugin JIT-links (docs/kernels.md).
//!
//! PTX for compute capability 7.0 (Volta) and PTX ISA 7.0 (CUDA 11.0): the
//! driver JIT-compiles it for any newer GPU.

use crate::source::KernelSource;
use crate::tools::{run, Tools};
use std::path::Path;
use std::process::Command;

/// The GPU architecture and PTX version of the images.
pub const GPU_ARCH: &str = "sm_70";
pub const PTX_FEATURE: &str = "+ptx70";

/// One kernel's PTX text.
pub fn compile(source: &KernelSource, include: &Path, tools: &Tools, work: &Path) -> Result<Vec<u8>, String> {
    let out = work.join(format!("{}.ptx", source.name));
    let mut command = Command::new(&tools.clang);
    command
        .args(["-x", "cuda", "--cuda-device-only", "-nocudainc", "-nocudalib", "-std=c++17", "-O2", "-S"])
        .arg(format!("--cuda-gpu-arch={GPU_ARCH}"))
        .args(["-Xclang", "-target-feature", "-Xclang", PTX_FEATURE, "-Wall", "-Wextra"])
        .arg("-I")
        .arg(include)
        .arg(&source.path)
        .arg("-o")
        .arg(&out);
    run(command, &format!("compiling {} to PTX", source.path.display()))?;
    let text = std::fs::read(&out).map_err(|e| format!("reading {}: {e}", out.display()))?;
    check(source, &text)?;
    Ok(text)
}

/// The PTX names the kernel as a visible entry (the language's extern "C").
pub fn check(source: &KernelSource, ptx: &[u8]) -> Result<(), String> {
    let text = std::str::from_utf8(ptx).map_err(|_| format!("{}: the PTX is not UTF-8", source.path.display()))?;
    let entry = format!(".visible .entry {}(", source.name);
    if !text.contains(&entry) {
        return Err(format!("{}: the PTX has no entry `{}`", source.path.display(), source.name));
    }
    Ok(())
}

/// The image of several kernels: their PTX units, each NUL-terminated.
pub fn image(units: &[Vec<u8>]) -> Vec<u8> {
    let mut image = Vec::new();
    for unit in units {
        image.extend_from_slice(unit);
        image.push(0);
    }
    image
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_are_nul_terminated_and_entries_checked() {
        assert_eq!(image(&[b"a".to_vec(), b"bc".to_vec()]), b"a\0bc\0");
        let source = KernelSource { path: "/k/fill.fhk".into(), name: "fill".into(), args_type: Some("fill_args".into()) };
        assert!(check(&source, b".version 7.0\n.visible .entry fill(\n").is_ok());
        assert!(check(&source, b".visible .entry fill_u32(\n").unwrap_err().contains("no entry `fill`"));
    }
}
