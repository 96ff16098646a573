//! Minimal SPIR-V reading, pure functions: enough to reject malformed bytes
//! with FH_ERROR_INVALID_IMAGE before the driver sees them, to find GLCompute
//! entry points by name (FH_ERROR_NOT_FOUND for unknown ones), and to report
//! a kernel's statically declared shared memory and specialization ids.

use std::collections::{BTreeSet, HashMap};

pub const MAGIC: u32 = 0x0723_0203;
const HEADER_WORDS: usize = 5;

const OP_ENTRY_POINT: u32 = 15;
const OP_EXECUTION_MODE: u32 = 16;
const EXECUTION_MODE_LOCAL_SIZE: u32 = 17;
const OP_DECORATE: u32 = 71;
const OP_TYPE_BOOL: u32 = 20;
const OP_TYPE_INT: u32 = 21;
const OP_TYPE_FLOAT: u32 = 22;
const OP_TYPE_VECTOR: u32 = 23;
const OP_TYPE_MATRIX: u32 = 24;
const OP_TYPE_ARRAY: u32 = 28;
const OP_TYPE_STRUCT: u32 = 30;
const OP_TYPE_POINTER: u32 = 32;
const OP_CONSTANT: u32 = 43;
const OP_VARIABLE: u32 = 59;
const DECORATION_SPEC_ID: u32 = 1;
const EXECUTION_MODEL_GLCOMPUTE: u32 = 5;
const STORAGE_CLASS_WORKGROUP: u32 = 4;

/// One GLCompute entry point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryPoint {
    pub name: String,
    /// Bytes of statically sized workgroup (shared) variables it may use.
    pub static_shared_bytes: u32,
    /// The block size when the kernel fixes it (LocalSize, and none of the
    /// specialization constants 0..2): launches must use exactly this block.
    pub fixed_block: Option<[u32; 3]>,
}

/// What the plugin needs to know about a module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleInfo {
    pub version: u32,
    pub entry_points: Vec<EntryPoint>,
    /// SpecId decorations present (0..2: block size, 3: dynamic shared memory).
    pub spec_ids: BTreeSet<u32>,
}

/// The bytes as SPIR-V words, after the size and magic checks.
pub fn words(bytes: &[u8]) -> Result<Vec<u32>, String> {
    if bytes.len() % 4 != 0 {
        return Err(format!("SPIR-V size {} is not a multiple of 4", bytes.len()));
    }
    if bytes.len() < HEADER_WORDS * 4 {
        return Err(format!("SPIR-V of {} bytes is shorter than its 20-byte header", bytes.len()));
    }
    let words: Vec<u32> = bytes.chunks_exact(4).map(|c| u32::from_ne_bytes([c[0], c[1], c[2], c[3]])).collect();
    if words[0] != MAGIC {
        return Err(if words[0].swap_bytes() == MAGIC {
            "SPIR-V is in the other byte order (Vulkan requires host byte order)".to_string()
        } else {
            format!("not SPIR-V: magic 0x{:08x}, expected 0x{MAGIC:08x}", words[0])
        });
    }
    Ok(words)
}

/// A literal string operand starting at `operands[0]`: the text and the
/// number of words it occupies.
fn literal_string(operands: &[u32]) -> Result<(String, usize), String> {
    let mut bytes = Vec::new();
    for (i, word) in operands.iter().enumerate() {
        for b in word.to_le_bytes() {
            if b == 0 {
                return String::from_utf8(bytes).map(|s| (s, i + 1)).map_err(|_| "entry point name is not UTF-8".into());
            }
            bytes.push(b);
        }
    }
    Err("unterminated literal string".into())
}

#[derive(Clone, Copy)]
enum Type {
    Scalar(u32),
    Composite { element: u32, count_id: Option<u32>, count: u32 },
    Struct,
    Pointer { storage: u32, pointee: u32 },
}

/// Parses and checks the instruction stream.
pub fn parse(bytes: &[u8]) -> Result<ModuleInfo, String> {
    let words = words(bytes)?;
    let version = words[1];
    let mut entries: Vec<(u32, String, Vec<u32>)> = Vec::new();
    let mut local_sizes: HashMap<u32, [u32; 3]> = HashMap::new();
    let mut spec_ids = BTreeSet::new();
    let mut spec_targets = BTreeSet::new();
    let mut types: HashMap<u32, Type> = HashMap::new();
    let mut struct_members: HashMap<u32, Vec<u32>> = HashMap::new();
    let mut constants: HashMap<u32, u32> = HashMap::new();
    let mut workgroup_vars: Vec<(u32, u32)> = Vec::new(); // (variable id, pointer type)
    let mut at = HEADER_WORDS;
    while at < words.len() {
        let count = (words[at] >> 16) as usize;
        let opcode = words[at] & 0xFFFF;
        if count == 0 || at + count > words.len() {
            return Err(format!("SPIR-V instruction at word {at} has a bad word count {count}"));
        }
        let ops = &words[at + 1..at + count];
        let need = |n: usize| -> Result<(), String> {
            if ops.len() < n {
                Err(format!("SPIR-V instruction (opcode {opcode}) at word {at} is truncated"))
            } else {
                Ok(())
            }
        };
        match opcode {
            OP_ENTRY_POINT => {
                need(3)?;
                if ops[0] == EXECUTION_MODEL_GLCOMPUTE {
                    let (name, used) = literal_string(&ops[2..])?;
                    entries.push((ops[1], name, ops[2 + used..].to_vec()));
                }
            }
            OP_EXECUTION_MODE => {
                need(2)?;
                if ops[1] == EXECUTION_MODE_LOCAL_SIZE {
                    need(5)?;
                    local_sizes.insert(ops[0], [ops[2], ops[3], ops[4]]);
                }
            }
            OP_DECORATE => {
                need(2)?;
                if ops[1] == DECORATION_SPEC_ID {
                    need(3)?;
                    spec_ids.insert(ops[2]);
                    spec_targets.insert(ops[0]);
                }
            }
            OP_TYPE_BOOL => {
                need(1)?;
                types.insert(ops[0], Type::Scalar(4));
            }
            OP_TYPE_INT | OP_TYPE_FLOAT => {
                need(2)?;
                types.insert(ops[0], Type::Scalar(ops[1] / 8));
            }
            OP_TYPE_VECTOR | OP_TYPE_MATRIX => {
                need(3)?;
                types.insert(ops[0], Type::Composite { element: ops[1], count_id: None, count: ops[2] });
            }
            OP_TYPE_ARRAY => {
                need(3)?;
                types.insert(ops[0], Type::Composite { element: ops[1], count_id: Some(ops[2]), count: 0 });
            }
            OP_TYPE_STRUCT => {
                need(1)?;
                types.insert(ops[0], Type::Struct);
                struct_members.insert(ops[0], ops[1..].to_vec());
            }
            OP_TYPE_POINTER => {
                need(3)?;
                types.insert(ops[0], Type::Pointer { storage: ops[1], pointee: ops[2] });
            }
            OP_CONSTANT => {
                need(3)?;
                constants.insert(ops[1], ops[2]);
            }
            OP_VARIABLE => {
                need(3)?;
                if ops[2] == STORAGE_CLASS_WORKGROUP {
                    workgroup_vars.push((ops[1], ops[0]));
                }
            }
            _ => {}
        }
        at += count;
    }
    // Size of a type in bytes; None when it depends on a specialization
    // constant (the dynamic shared memory array) or is unknown.
    fn size_of(
        id: u32,
        types: &HashMap<u32, Type>,
        members: &HashMap<u32, Vec<u32>>,
        constants: &HashMap<u32, u32>,
        spec: &BTreeSet<u32>,
        depth: u32,
    ) -> Option<u64> {
        if depth > 32 {
            return None;
        }
        match *types.get(&id)? {
            Type::Scalar(bytes) => Some(bytes as u64),
            Type::Composite { element, count_id, count } => {
                let n = match count_id {
                    Some(cid) if spec.contains(&cid) => return None,
                    Some(cid) => *constants.get(&cid)? as u64,
                    None => count as u64,
                };
                Some(n * size_of(element, types, members, constants, spec, depth + 1)?)
            }
            Type::Struct => members
                .get(&id)?
                .iter()
                .map(|m| size_of(*m, types, members, constants, spec, depth + 1))
                .sum(),
            Type::Pointer { .. } => Some(8),
        }
    }
    let shared_of = |var: u32, ptr_type: u32| -> u64 {
        let _ = var;
        match types.get(&ptr_type) {
            Some(Type::Pointer { storage, pointee }) if *storage == STORAGE_CLASS_WORKGROUP => {
                size_of(*pointee, &types, &struct_members, &constants, &spec_targets, 0).unwrap_or(0)
            }
            _ => 0,
        }
    };
    let uses_interface = version >= 0x0001_0400;
    let entry_points = entries
        .into_iter()
        .map(|(id, name, interface)| {
            let bytes: u64 = workgroup_vars
                .iter()
                .filter(|(var, _)| !uses_interface || interface.contains(var))
                .map(|(var, ty)| shared_of(*var, *ty))
                .sum();
            // glslc also emits a WorkgroupSize built-in for a fixed size, as a
            // plain constant; only the convention's spec constants make the
            // block size the launch's.
            let spec_sized = (0..3).any(|i| spec_ids.contains(&i));
            let fixed_block = if spec_sized { None } else { local_sizes.get(&id).copied() };
            EntryPoint { name, static_shared_bytes: bytes.min(u32::MAX as u64) as u32, fixed_block }
        })
        .collect();
    Ok(ModuleInfo { version, entry_points, spec_ids })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn to_bytes(words: &[u32]) -> Vec<u8> {
        words.iter().flat_map(|w| w.to_ne_bytes()).collect()
    }

    fn name_words(name: &str) -> Vec<u32> {
        let mut bytes = name.as_bytes().to_vec();
        bytes.push(0);
        while bytes.len() % 4 != 0 {
            bytes.push(0);
        }
        bytes.chunks(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
    }

    /// A hand-assembled module: two entry points, a uint[64] shared array and
    /// a spec-constant sized one.
    fn module() -> Vec<u32> {
        let mut w = vec![MAGIC, 0x0001_0300, 0, 100, 0];
        for (id, name) in [(1u32, "vector_add"), (2, "scale")] {
            let mut ep = vec![EXECUTION_MODEL_GLCOMPUTE, id];
            ep.extend(name_words(name));
            w.push(((ep.len() as u32 + 1) << 16) | OP_ENTRY_POINT);
            w.extend(ep);
        }
        let mut push = |op: u32, ops: &[u32]| {
            w.push(((ops.len() as u32 + 1) << 16) | op);
            w.extend_from_slice(ops);
        };
        push(OP_EXECUTION_MODE, &[2, EXECUTION_MODE_LOCAL_SIZE, 64, 2, 1]);
        push(OP_DECORATE, &[31, DECORATION_SPEC_ID, 3]);
        push(OP_TYPE_INT, &[10, 32, 0]);
        push(OP_CONSTANT, &[10, 11, 64]);
        push(OP_TYPE_ARRAY, &[12, 10, 11]);
        push(OP_TYPE_POINTER, &[13, STORAGE_CLASS_WORKGROUP, 12]);
        push(OP_VARIABLE, &[13, 14, STORAGE_CLASS_WORKGROUP]);
        push(50 /* OpSpecConstant */, &[10, 31, 4]);
        push(OP_TYPE_ARRAY, &[32, 10, 31]);
        push(OP_TYPE_POINTER, &[33, STORAGE_CLASS_WORKGROUP, 32]);
        push(OP_VARIABLE, &[33, 34, STORAGE_CLASS_WORKGROUP]);
        w
    }

    #[test]
    fn entry_points_spec_ids_and_static_shared_memory() {
        let info = parse(&to_bytes(&module())).unwrap();
        let names: Vec<&str> = info.entry_points.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["vector_add", "scale"]);
        assert_eq!(info.entry_points[0].static_shared_bytes, 256, "uint[64]; the spec-sized array is dynamic");
        assert!(info.spec_ids.contains(&3));
        assert_eq!(info.entry_points[1].fixed_block, Some([64, 2, 1]), "LocalSize with no override");
        assert_eq!(info.entry_points[0].fixed_block, None);
    }

    #[test]
    fn malformed_bytes_are_rejected_with_a_reason() {
        let good = to_bytes(&module());
        assert!(parse(&good[..good.len() - 2]).unwrap_err().contains("multiple of 4"));
        assert!(parse(&good[..16]).unwrap_err().contains("header"));
        let mut bad_magic = good.clone();
        bad_magic[0] ^= 0xFF;
        assert!(parse(&bad_magic).unwrap_err().contains("magic"));
        let swapped: Vec<u8> = module().iter().flat_map(|w| w.swap_bytes().to_ne_bytes()).collect();
        assert!(parse(&swapped).unwrap_err().contains("byte order"));
        // truncate inside the last instruction: its word count now overruns
        let truncated = &good[..good.len() - 4];
        assert!(parse(truncated).unwrap_err().contains("word count"));
        let mut zero_count = module();
        zero_count[5] &= 0xFFFF;
        assert!(parse(&to_bytes(&zero_count)).unwrap_err().contains("word count 0"));
    }
}
