//! The native CPU image of kernels: each source compiled as C11 by the host
//! C compiler (target_native_cpu.h maps the language), every kernel's
//! parameter layout checked against its SPIR-V with static assertions, and
//! the objects linked into one shared library (FH_MODULE_FORMAT_NATIVE_CPU).

use crate::source::KernelSource;
use crate::spirv_build::Params;
use crate::tools::{run, Tools};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Flags every kernel object is compiled with.
pub const CFLAGS: [&str; 6] = ["-std=c11", "-O2", "-fPIC", "-fvisibility=hidden", "-Wall", "-Wextra"];

/// The C file compiled for `source`: the source itself, then one
/// `_Static_assert` per parameter member, so a layout on which C and the
/// SPIR-V disagree is a compile error naming the member.
pub fn wrapper(source: &KernelSource, params: Option<&Params>) -> String {
    let mut c = format!("#include \"{}\"\n", source.path.display());
    if let (Some(args), Some(params)) = (&source.args_type, params) {
        if !params.members.is_empty() {
            c.push_str("/* Parameter layout of the SPIR-V image (flaghal-kernel). */\n#include <stddef.h>\n");
        }
        for (member, offset) in &params.members {
            c.push_str(&format!(
                "_Static_assert(offsetof({args}, {member}) == {offset}, \"{args}.{member} is at byte {offset} in the SPIR-V image: \
                 C and GLSL disagree on the parameter layout (use scalars, pointer types and no bool)\");\n"
            ));
        }
    }
    c
}

/// Compiles one kernel to an object file in `work`.
pub fn compile(
    source: &KernelSource,
    params: Option<&Params>,
    include: &Path,
    tools: &Tools,
    extra_flags: &[String],
    work: &Path,
) -> Result<PathBuf, String> {
    let c = work.join(format!("{}.native.c", source.name));
    std::fs::write(&c, wrapper(source, params)).map_err(|e| format!("writing {}: {e}", c.display()))?;
    let object = work.join(format!("{}.o", source.name));
    let mut command = Command::new(&tools.cc);
    command.args(CFLAGS).args(extra_flags).arg("-I").arg(include).arg("-c").arg(&c).arg("-o").arg(&object);
    run(command, &format!("compiling {} for the native CPU", source.path.display()))?;
    Ok(object)
}

/// Compiles a plain C source of native-only kernels (flaghal_cpu_kernel.h).
pub fn compile_c(path: &Path, index: usize, include: &Path, tools: &Tools, extra_flags: &[String], work: &Path) -> Result<PathBuf, String> {
    let object = work.join(format!("native-c-{index}.o"));
    let mut command = Command::new(&tools.cc);
    command.args(CFLAGS).args(extra_flags).arg("-I").arg(include).arg("-c").arg(path).arg("-o").arg(&object);
    run(command, &format!("compiling {}", path.display()))?;
    Ok(object)
}

/// Links kernel objects into one native CPU module and returns its bytes.
pub fn link(objects: &[PathBuf], tools: &Tools, work: &Path) -> Result<Vec<u8>, String> {
    let out = work.join("module.so");
    let mut command = Command::new(&tools.cc);
    command.args(["-shared", "-fPIC"]).args(objects).arg("-o").arg(&out).arg("-lm");
    run(command, "linking the native CPU module")?;
    std::fs::read(&out).map_err(|e| format!("reading {}: {e}", out.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wrapper_asserts_every_member_offset() {
        let source = KernelSource { path: "/k/add.fhk".into(), name: "add".into(), args_type: Some("add_args".into()) };
        let params = Params { size: 28, members: vec![("a".into(), 0), ("n".into(), 24)], in_buffer: false };
        let c = wrapper(&source, Some(&params));
        assert!(c.starts_with("#include \"/k/add.fhk\"\n"));
        assert!(c.contains("_Static_assert(offsetof(add_args, a) == 0,"));
        assert!(c.contains("_Static_assert(offsetof(add_args, n) == 24,"));
        let raw = KernelSource { args_type: None, ..source };
        assert_eq!(wrapper(&raw, Some(&params)).lines().count(), 1, "a raw kernel has no struct to check");
    }
}
