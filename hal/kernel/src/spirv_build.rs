//! The SPIR-V image of a kernel: glslc compiles the source as GLSL 4.60
//! (target_spirv.h maps the language), the entry point glslc calls "main" is
//! renamed after the kernel, and the parameter struct's layout is read back
//! from the push-constant block the convention puts there.
//!
//! Parameters of at most FH_KERNEL_INLINE_ARGS_BYTES (120) bytes travel in
//! push constants; the source is compiled once more with FH_ARGS_IN_BUFFER=1
//! when they are longer, so the kernel reads them through the argument
//! buffer address at push-constant byte 120 (docs/kernels.md).

use crate::source::KernelSource;
use crate::tools::{run, Tools};
use flaghal_formats::spirv::{self, ModuleInfo, StructLayout, Type};
use std::path::Path;
use std::process::Command;

/// Push-constant bytes that carry the blob inline (flaghal_kernel.h).
pub const INLINE_ARGS_BYTES: u64 = 120;

/// What a kernel's SPIR-V says about its parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    /// Bytes from the first parameter to the end of the last (0 for a raw
    /// kernel, or one whose parameters the compiler dropped as unused).
    pub size: u32,
    /// Each top-level member of the parameter struct: name and byte offset.
    pub members: Vec<(String, u64)>,
    /// The kernel reads its parameters through the argument buffer.
    pub in_buffer: bool,
}

/// A kernel compiled to SPIR-V, its entry point named after it.
#[derive(Debug, Clone)]
pub struct SpirvKernel {
    pub bytes: Vec<u8>,
    pub params: Params,
}

fn glslc(source: &KernelSource, include: &Path, tools: &Tools, in_buffer: bool, out: &Path) -> Result<Vec<u8>, String> {
    let mut command = Command::new(&tools.glslc);
    command
        .args(["-std=460", "--target-env=vulkan1.2", "-fshader-stage=comp", "-x", "glsl"])
        .arg("-I")
        .arg(include)
        .arg(format!("-DFH_ARGS_IN_BUFFER={}", u8::from(in_buffer)))
        .arg(&source.path)
        .arg("-o")
        .arg(out);
    run(command, &format!("compiling {} to SPIR-V", source.path.display()))?;
    std::fs::read(out).map_err(|e| format!("reading {}: {e}", out.display()))
}

/// Compiles `source` to SPIR-V in `work` (a scratch folder).
pub fn compile(source: &KernelSource, include: &Path, tools: &Tools, work: &Path) -> Result<SpirvKernel, String> {
    let out = work.join(format!("{}.spv", source.name));
    let inline = glslc(source, include, tools, false, &out)?;
    let inline = spirv::rename_entry_point(&inline, "main", &source.name).map_err(|e| format!("{}: {e}", source.path.display()))?;
    let params = reflect(source, &inline)?;
    if u64::from(params.size) <= INLINE_ARGS_BYTES {
        return Ok(SpirvKernel { bytes: inline, params });
    }
    let buffered = glslc(source, include, tools, true, &out)?;
    let bytes = spirv::rename_entry_point(&buffered, "main", &source.name).map_err(|e| format!("{}: {e}", source.path.display()))?;
    let params = reflect(source, &bytes)?;
    if !params.in_buffer {
        return Err(format!("{}: compiled with FH_ARGS_IN_BUFFER=1 but reads no argument buffer", source.path.display()));
    }
    Ok(SpirvKernel { bytes, params })
}

fn struct_of(info: &ModuleInfo, type_id: u32) -> Option<StructLayout> {
    info.struct_layout(type_id)
}

/// Reads the parameters of kernel `source.name` from its SPIR-V (compiled
/// here, or committed): the convention's push-constant block is either the
/// parameter struct at offset 0, or one PhysicalStorageBuffer pointer at
/// offset 120 to a block whose first member is the parameter struct.
pub fn reflect(source: &KernelSource, bytes: &[u8]) -> Result<Params, String> {
    let what = source.path.display();
    let info = spirv::parse(bytes).map_err(|e| format!("{what}: {e}"))?;
    let entry = info
        .entry_points
        .iter()
        .find(|e| e.name == source.name)
        .ok_or_else(|| format!("{what}: the SPIR-V has no GLCompute entry point {:?}", source.name))?;
    let none = Params { size: 0, members: Vec::new(), in_buffer: false };
    let Some(block) = entry.push_constants.and_then(|id| struct_of(&info, id)) else {
        return Ok(none);
    };
    if source.args_type.is_none() {
        let in_buffer = block.members.iter().any(|m| m.offset == Some(INLINE_ARGS_BYTES));
        return Ok(Params { in_buffer, ..none });
    }
    let [member] = block.members.as_slice() else {
        return Err(format!("{what}: the push-constant block has {} members; FH_KERNEL declares one", block.members.len()));
    };
    let (args, in_buffer) = match (member.offset, member.ty) {
        (Some(0), Some(Type::Struct)) => (struct_of(&info, member.type_id), false),
        (Some(INLINE_ARGS_BYTES), Some(Type::Pointer { storage, pointee })) if storage == spirv::STORAGE_CLASS_PHYSICAL_STORAGE_BUFFER => {
            let holder = struct_of(&info, pointee);
            let inner = holder.and_then(|h| h.members.first().filter(|m| m.offset == Some(0)).map(|m| m.type_id));
            (inner.and_then(|id| struct_of(&info, id)), true)
        }
        _ => return Err(format!("{what}: the push-constant block is not the FlagHAL SPIR-V convention's")),
    };
    let args = args.ok_or_else(|| format!("{what}: cannot find the parameter struct behind the push constants"))?;
    let size = args.extent().ok_or_else(|| format!("{what}: a member of the parameter struct has no known offset or size"))?;
    let members = args
        .members
        .iter()
        .map(|m| Ok((m.name.clone().unwrap_or_default(), m.offset.ok_or("member without Offset")?)))
        .collect::<Result<Vec<_>, String>>()
        .map_err(|e| format!("{what}: {e}"))?;
    let size = u32::try_from(size).map_err(|_| format!("{what}: parameters of {size} bytes"))?;
    Ok(Params { size, members, in_buffer })
}

/// Links kernels' SPIR-V into one module with all their entry points (or
/// returns the one there is).
pub fn link(images: &[Vec<u8>], tools: &Tools, work: &Path) -> Result<Vec<u8>, String> {
    match images {
        [] => Err("no SPIR-V to link".into()),
        [one] => Ok(one.clone()),
        many => {
            let mut command = Command::new(&tools.spirv_link);
            command.arg("--target-env").arg("vulkan1.2");
            for (i, image) in many.iter().enumerate() {
                let path = work.join(format!("part{i}.spv"));
                std::fs::write(&path, image).map_err(|e| format!("writing {}: {e}", path.display()))?;
                command.arg(path);
            }
            let out = work.join("linked.spv");
            command.arg("-o").arg(&out);
            run(command, "linking the kernels' SPIR-V")?;
            std::fs::read(&out).map_err(|e| format!("reading {}: {e}", out.display()))
        }
    }
}
