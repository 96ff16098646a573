//! The OpenCL C image of kernels (FH_MODULE_FORMAT_OPENCL_C): each kernel
//! source preprocessed by the host C preprocessor with __OPENCL_C_VERSION__
//! defined (target_opencl.h maps the language), fixed up where OpenCL C
//! differs (below), and prefixed with opencl_prologue.cl; each kernel is one
//! translation unit of the image, NUL-terminated, so the plugin compiles them
//! apart and links them and their file-scope names never meet.
//!
//! The fix-ups ([`finish`], a pure function): OpenCL C allows `__local`
//! variables only in kernel scope, so the file-scope FH_SHARED and
//! FH_DYNAMIC_SHARED declarations (marked by target_opencl.h) move to the
//! start of the kernel body; and the body is given its `args`, a copy of the
//! parameter struct read from the blob.

use crate::source::KernelSource;
use crate::tools::{run, Tools};
use std::path::Path;
use std::process::Command;

/// The OpenCL C version the preprocessor pretends to be (1.2: what the
/// kernel language needs; a device compiles with its own -cl-std).
const OPENCL_C_VERSION: &str = "120";
const SHARED_MARK: &str = "fh_opencl_hoist_shared ";
const DYNAMIC_MARK: &str = "fh_opencl_hoist_dynamic ";

/// The prologue every translation unit starts with.
pub fn prologue(include: &Path) -> Result<String, String> {
    let path = include.join("flaghal/kernel/opencl_prologue.cl");
    std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// `source` run through the host preprocessor for the OpenCL target.
fn preprocess(source: &KernelSource, include: &Path, tools: &Tools) -> Result<String, String> {
    let mut command = Command::new(&tools.cc);
    command
        .args(["-E", "-P", "-x", "c", "-undef", "-nostdinc"])
        .arg(format!("-D__OPENCL_C_VERSION__={OPENCL_C_VERSION}"))
        .arg("-I")
        .arg(include)
        .arg(&source.path);
    let out = run(command, &format!("preprocessing {} for OpenCL C", source.path.display()))?;
    String::from_utf8(out).map_err(|_| format!("{}: the preprocessed source is not UTF-8", source.path.display()))
}

/// One kernel's translation unit: the prologue, then its preprocessed text
/// fixed up by [`finish`], then a NUL.
pub fn translation_unit(source: &KernelSource, include: &Path, tools: &Tools) -> Result<Vec<u8>, String> {
    let text = finish(source, &preprocess(source, include, tools)?)?;
    let mut unit = prologue(include)?.into_bytes();
    unit.push(b'\n');
    unit.extend_from_slice(text.as_bytes());
    unit.push(0);
    Ok(unit)
}

/// Moves the shared-memory declarations into the kernel body and gives the
/// body its `args`. Pure: `text` is the preprocessed source.
pub fn finish(source: &KernelSource, text: &str) -> Result<String, String> {
    let what = source.path.display();
    let mut hoisted = String::new();
    let mut rest = String::with_capacity(text.len());
    for line in text.lines() {
        let trimmed = line.trim_start();
        if let Some(decl) = trimmed.strip_prefix(SHARED_MARK) {
            hoisted.push_str(&format!("    __local {}\n", decl.trim()));
        } else if let Some(decl) = trimmed.strip_prefix(DYNAMIC_MARK) {
            // "T NAME;" -> a pointer NAME into the dynamic local memory.
            let decl = decl.trim().trim_end_matches(';').trim();
            let (ty, name) = decl.rsplit_once(' ').ok_or_else(|| format!("{what}: cannot read FH_DYNAMIC_SHARED({decl})"))?;
            hoisted.push_str(&format!("    __local {ty} *{name} = (__local {ty} *)fh_dynamic_shared_base;\n"));
        } else if trimmed.contains("fh_opencl_hoist_") {
            return Err(format!("{what}: FH_SHARED / FH_DYNAMIC_SHARED must start a line at file scope: {}", line.trim()));
        } else {
            rest.push_str(line);
            rest.push('\n');
        }
    }
    let signature = format!("__kernel void {}(", source.name);
    let at = rest.find(&signature).ok_or_else(|| format!("{what}: the preprocessed source has no kernel {}", source.name))?;
    let open = rest[at..].find('{').map(|i| at + i).ok_or_else(|| format!("{what}: kernel {} has no body", source.name))?;
    let mut prelude = String::from("\n");
    if let Some(args) = &source.args_type {
        prelude.push_str(&format!("    const {args} args = *(__global const {args} *)fh_args_blob;\n"));
    }
    prelude.push_str(&hoisted);
    rest.insert_str(open + 1, &prelude);
    Ok(rest)
}

/// The image of several kernels: their translation units one after another.
pub fn image(sources: &[KernelSource], include: &Path, tools: &Tools) -> Result<Vec<u8>, String> {
    let mut image = Vec::new();
    for source in sources {
        image.extend(translation_unit(source, include, tools)?);
    }
    Ok(image)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(args: Option<&str>) -> KernelSource {
        KernelSource { path: "/k/reduce.fhk".into(), name: "reduce".into(), args_type: args.map(str::to_string) }
    }

    #[test]
    fn shared_memory_moves_into_the_kernel_and_args_are_read_from_the_blob() {
        let text = "typedef struct reduce_args reduce_args;\nfh_opencl_hoist_shared float tile[16][16];\n\
                    fh_opencl_hoist_dynamic uint32_t partial;\n__kernel void reduce(__global const uchar *fh_args_blob, \
                    __local uchar *fh_dynamic_shared_base, uint fh_dynamic_shared_bytes) {\n    tile[0][0] = 1.0f;\n}\n";
        let done = finish(&source(Some("reduce_args")), text).unwrap();
        assert!(!done.contains("fh_opencl_hoist"), "{done}");
        let body = &done[done.find('{').unwrap()..];
        let args = body.find("const reduce_args args = *(__global const reduce_args *)fh_args_blob;").unwrap();
        let tile = body.find("__local float tile[16][16];").unwrap();
        let partial = body.find("__local uint32_t *partial = (__local uint32_t *)fh_dynamic_shared_base;").unwrap();
        let first_statement = body.find("tile[0][0] = 1.0f;").unwrap();
        assert!(args < tile && tile < partial && partial < first_statement, "{done}");
        let raw = finish(&source(None), text).unwrap();
        assert!(!raw.contains(" args = "), "a raw kernel reads its blob itself");
    }

    #[test]
    fn a_misplaced_marker_or_a_missing_kernel_is_an_error() {
        let text = "__kernel void reduce(__global const uchar *b) { int x; fh_opencl_hoist_shared float t[4]; }\n";
        assert!(finish(&source(None), text).unwrap_err().contains("must start a line at file scope"));
        assert!(finish(&source(None), "int x;\n").unwrap_err().contains("has no kernel reduce"));
    }
}
