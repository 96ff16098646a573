//! SPIR-V reading, pure functions: enough to reject malformed bytes with
//! FH_ERROR_INVALID_IMAGE before a driver sees them, to find GLCompute entry
//! points by name, to report a kernel's statically declared shared memory,
//! specialization ids and push-constant block layout (what the FlagHAL
//! SPIR-V convention of docs/kernels.md puts there), and to rename an entry
//! point (glslc always calls it "main").
//!
//! Only the instructions these questions need are decoded; the rest are
//! stepped over by their word counts, which are all checked.

use std::collections::{BTreeSet, HashMap};

pub const MAGIC: u32 = 0x0723_0203;
const HEADER_WORDS: usize = 5;

const OP_NAME: u32 = 5;
const OP_MEMBER_NAME: u32 = 6;
const OP_ENTRY_POINT: u32 = 15;
const OP_EXECUTION_MODE: u32 = 16;
const EXECUTION_MODE_LOCAL_SIZE: u32 = 17;
const OP_TYPE_BOOL: u32 = 20;
const OP_TYPE_INT: u32 = 21;
const OP_TYPE_FLOAT: u32 = 22;
const OP_TYPE_VECTOR: u32 = 23;
const OP_TYPE_MATRIX: u32 = 24;
const OP_TYPE_ARRAY: u32 = 28;
const OP_TYPE_RUNTIME_ARRAY: u32 = 29;
const OP_TYPE_STRUCT: u32 = 30;
const OP_TYPE_POINTER: u32 = 32;
const OP_CONSTANT: u32 = 43;
const OP_VARIABLE: u32 = 59;
const OP_DECORATE: u32 = 71;
const OP_MEMBER_DECORATE: u32 = 72;
const DECORATION_SPEC_ID: u32 = 1;
const DECORATION_ARRAY_STRIDE: u32 = 6;
const DECORATION_OFFSET: u32 = 35;
const EXECUTION_MODEL_GLCOMPUTE: u32 = 5;
const STORAGE_CLASS_WORKGROUP: u32 = 4;
const STORAGE_CLASS_PUSH_CONSTANT: u32 = 9;
pub const STORAGE_CLASS_PHYSICAL_STORAGE_BUFFER: u32 = 5349;

/// One GLCompute entry point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryPoint {
    pub name: String,
    /// Bytes of statically sized workgroup (shared) variables it may use.
    pub static_shared_bytes: u32,
    /// The block size when the kernel fixes it (LocalSize, and none of the
    /// specialization constants 0..2): launches must use exactly this block.
    pub fixed_block: Option<[u32; 3]>,
    /// The type id of the struct behind its push-constant variable, if it
    /// has one (see [`ModuleInfo::struct_layout`]).
    pub push_constants: Option<u32>,
}

/// A member's type, as far as layouts need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    /// bool, int or float of this many bytes.
    Scalar(u32),
    /// A vector or matrix of `count` elements.
    Vector { element: u32, count: u32 },
    /// A fixed-size array; `count_id` names its length constant.
    Array { element: u32, count_id: u32 },
    RuntimeArray { element: u32 },
    Struct,
    Pointer { storage: u32, pointee: u32 },
}

/// One member of a struct: its offset (the Offset decoration), its size in
/// bytes where known, and its type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub name: Option<String>,
    pub offset: Option<u64>,
    pub size: Option<u64>,
    pub type_id: u32,
    pub ty: Option<Type>,
}

/// A struct type's members, in declaration order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StructLayout {
    pub name: Option<String>,
    pub members: Vec<Member>,
}

impl StructLayout {
    /// Bytes from the struct's start to the end of its last member (no tail
    /// padding): the parameter size of an argument blob. None when a member's
    /// offset or size is unknown.
    pub fn extent(&self) -> Option<u64> {
        self.members.iter().try_fold(0u64, |end, m| Some(end.max(m.offset? + m.size?)))
    }
}

/// What the readers of a module need to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleInfo {
    pub version: u32,
    pub entry_points: Vec<EntryPoint>,
    /// SpecId decorations present (0..2: block size, 3: dynamic shared memory).
    pub spec_ids: BTreeSet<u32>,
    types: HashMap<u32, Type>,
    struct_members: HashMap<u32, Vec<u32>>,
    member_offsets: HashMap<(u32, u32), u64>,
    array_strides: HashMap<u32, u64>,
    names: HashMap<u32, String>,
    member_names: HashMap<(u32, u32), String>,
    constants: HashMap<u32, u32>,
    spec_targets: BTreeSet<u32>,
}

/// The bytes as SPIR-V words, after the size and magic checks.
pub fn words(bytes: &[u8]) -> Result<Vec<u32>, String> {
    if !bytes.len().is_multiple_of(4) {
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
                return String::from_utf8(bytes).map(|s| (s, i + 1)).map_err(|_| "a literal string is not UTF-8".into());
            }
            bytes.push(b);
        }
    }
    Err("unterminated literal string".into())
}

/// The words of a literal string operand (NUL-terminated, zero-padded).
fn string_words(text: &str) -> Vec<u32> {
    let mut bytes = text.as_bytes().to_vec();
    bytes.push(0);
    while !bytes.len().is_multiple_of(4) {
        bytes.push(0);
    }
    bytes.chunks(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
}

/// Calls `visit(at, opcode, operands)` for every instruction after the
/// header, checking each word count.
fn instructions(words: &[u32], mut visit: impl FnMut(usize, u32, &[u32]) -> Result<(), String>) -> Result<(), String> {
    let mut at = HEADER_WORDS;
    while at < words.len() {
        let count = (words[at] >> 16) as usize;
        let opcode = words[at] & 0xFFFF;
        if count == 0 || at + count > words.len() {
            return Err(format!("SPIR-V instruction at word {at} has a bad word count {count}"));
        }
        visit(at, opcode, &words[at + 1..at + count])?;
        at += count;
    }
    Ok(())
}

/// Parses and checks the instruction stream.
pub fn parse(bytes: &[u8]) -> Result<ModuleInfo, String> {
    let words = words(bytes)?;
    let mut info = ModuleInfo {
        version: words[1],
        entry_points: Vec::new(),
        spec_ids: BTreeSet::new(),
        types: HashMap::new(),
        struct_members: HashMap::new(),
        member_offsets: HashMap::new(),
        array_strides: HashMap::new(),
        names: HashMap::new(),
        member_names: HashMap::new(),
        constants: HashMap::new(),
        spec_targets: BTreeSet::new(),
    };
    let mut entries: Vec<(u32, String, Vec<u32>)> = Vec::new();
    let mut local_sizes: HashMap<u32, [u32; 3]> = HashMap::new();
    // (variable id, pointer type id, storage class)
    let mut variables: Vec<(u32, u32, u32)> = Vec::new();
    instructions(&words, |at, opcode, ops| {
        let need = |n: usize| -> Result<(), String> {
            if ops.len() < n {
                Err(format!("SPIR-V instruction (opcode {opcode}) at word {at} is truncated"))
            } else {
                Ok(())
            }
        };
        match opcode {
            OP_NAME => {
                need(2)?;
                info.names.insert(ops[0], literal_string(&ops[1..])?.0);
            }
            OP_MEMBER_NAME => {
                need(3)?;
                info.member_names.insert((ops[0], ops[1]), literal_string(&ops[2..])?.0);
            }
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
                    info.spec_ids.insert(ops[2]);
                    info.spec_targets.insert(ops[0]);
                } else if ops[1] == DECORATION_ARRAY_STRIDE {
                    need(3)?;
                    info.array_strides.insert(ops[0], ops[2] as u64);
                }
            }
            OP_MEMBER_DECORATE => {
                need(3)?;
                if ops[2] == DECORATION_OFFSET {
                    need(4)?;
                    info.member_offsets.insert((ops[0], ops[1]), ops[3] as u64);
                }
            }
            OP_TYPE_BOOL => {
                need(1)?;
                info.types.insert(ops[0], Type::Scalar(4));
            }
            OP_TYPE_INT | OP_TYPE_FLOAT => {
                need(2)?;
                info.types.insert(ops[0], Type::Scalar(ops[1] / 8));
            }
            OP_TYPE_VECTOR | OP_TYPE_MATRIX => {
                need(3)?;
                info.types.insert(ops[0], Type::Vector { element: ops[1], count: ops[2] });
            }
            OP_TYPE_ARRAY => {
                need(3)?;
                info.types.insert(ops[0], Type::Array { element: ops[1], count_id: ops[2] });
            }
            OP_TYPE_RUNTIME_ARRAY => {
                need(2)?;
                info.types.insert(ops[0], Type::RuntimeArray { element: ops[1] });
            }
            OP_TYPE_STRUCT => {
                need(1)?;
                info.types.insert(ops[0], Type::Struct);
                info.struct_members.insert(ops[0], ops[1..].to_vec());
            }
            OP_TYPE_POINTER => {
                need(3)?;
                info.types.insert(ops[0], Type::Pointer { storage: ops[1], pointee: ops[2] });
            }
            OP_CONSTANT => {
                need(3)?;
                info.constants.insert(ops[1], ops[2]);
            }
            OP_VARIABLE => {
                need(3)?;
                variables.push((ops[1], ops[0], ops[2]));
            }
            _ => {}
        }
        Ok(())
    })?;
    let uses_interface = info.version >= 0x0001_0400;
    let spec_sized = (0..3).any(|i| info.spec_ids.contains(&i));
    let mut entry_points = Vec::with_capacity(entries.len());
    for (id, name, interface) in entries {
        let used = |var: &u32| !uses_interface || interface.contains(var);
        let pointee = |ptr_type: u32, storage_class: u32| match info.types.get(&ptr_type) {
            Some(Type::Pointer { storage, pointee }) if *storage == storage_class => Some(*pointee),
            _ => None,
        };
        let static_shared: u64 = variables
            .iter()
            .filter(|(var, _, storage)| *storage == STORAGE_CLASS_WORKGROUP && used(var))
            .filter_map(|(_, ty, _)| pointee(*ty, STORAGE_CLASS_WORKGROUP))
            .map(|t| info.size_of(t, 0).unwrap_or(0))
            .sum();
        let push_constants = variables
            .iter()
            .filter(|(var, _, storage)| *storage == STORAGE_CLASS_PUSH_CONSTANT && used(var))
            .find_map(|(_, ty, _)| pointee(*ty, STORAGE_CLASS_PUSH_CONSTANT));
        // glslc also emits a WorkgroupSize built-in for a fixed size, as a
        // plain constant; only the convention's spec constants make the
        // block size the launch's.
        let fixed_block = if spec_sized { None } else { local_sizes.get(&id).copied() };
        entry_points.push(EntryPoint {
            name,
            static_shared_bytes: static_shared.min(u32::MAX as u64) as u32,
            fixed_block,
            push_constants,
        });
    }
    info.entry_points = entry_points;
    Ok(info)
}

impl ModuleInfo {
    /// Size of a type in bytes (scalar layout: arrays by their ArrayStride);
    /// None when it depends on a specialization constant (the dynamic shared
    /// memory array), is a runtime array, or is unknown.
    pub fn size_of(&self, id: u32, depth: u32) -> Option<u64> {
        if depth > 32 {
            return None;
        }
        match *self.types.get(&id)? {
            Type::Scalar(bytes) => Some(bytes as u64),
            Type::Vector { element, count } => Some(count as u64 * self.size_of(element, depth + 1)?),
            Type::Array { element, count_id } => {
                if self.spec_targets.contains(&count_id) {
                    return None;
                }
                let n = *self.constants.get(&count_id)? as u64;
                let stride = match self.array_strides.get(&id) {
                    Some(s) => *s,
                    None => self.size_of(element, depth + 1)?,
                };
                Some(n * stride)
            }
            Type::RuntimeArray { .. } => None,
            Type::Struct => {
                let members = self.struct_members.get(&id)?;
                let mut end = 0u64;
                let mut packed = 0u64;
                for (index, member) in members.iter().enumerate() {
                    let size = self.size_of(*member, depth + 1)?;
                    match self.member_offsets.get(&(id, index as u32)) {
                        Some(offset) => end = end.max(offset + size),
                        None => {
                            packed += size;
                            end = end.max(packed);
                        }
                    }
                }
                Some(end)
            }
            Type::Pointer { .. } => Some(8),
        }
    }

    /// The layout of struct type `id`: each member's name, offset, size and
    /// type (None when `id` is not a struct).
    pub fn struct_layout(&self, id: u32) -> Option<StructLayout> {
        let members = self.struct_members.get(&id)?;
        Some(StructLayout {
            name: self.names.get(&id).cloned(),
            members: members
                .iter()
                .enumerate()
                .map(|(index, type_id)| Member {
                    name: self.member_names.get(&(id, index as u32)).cloned(),
                    offset: self.member_offsets.get(&(id, index as u32)).copied(),
                    size: self.size_of(*type_id, 0),
                    type_id: *type_id,
                    ty: self.types.get(type_id).copied(),
                })
                .collect(),
        })
    }

    /// The type id a pointer type points to.
    pub fn pointee(&self, pointer_type: u32) -> Option<u32> {
        match self.types.get(&pointer_type) {
            Some(Type::Pointer { pointee, .. }) => Some(*pointee),
            _ => None,
        }
    }
}

/// The module with GLCompute entry point `from` renamed `to` (and its OpName,
/// if any). Fails unless exactly one entry point is called `from`.
pub fn rename_entry_point(bytes: &[u8], from: &str, to: &str) -> Result<Vec<u8>, String> {
    if to.is_empty() || to.contains('\0') {
        return Err(format!("{to:?} cannot name an entry point"));
    }
    let words = words(bytes)?;
    let mut out: Vec<u32> = words[..HEADER_WORDS].to_vec();
    let mut renamed = 0;
    let mut entry_id = None;
    let mut edits: Vec<(usize, usize, Vec<u32>)> = Vec::new();
    instructions(&words, |at, opcode, ops| {
        if opcode == OP_ENTRY_POINT && ops.len() >= 3 && ops[0] == EXECUTION_MODEL_GLCOMPUTE {
            let (name, used) = literal_string(&ops[2..])?;
            if name == from {
                renamed += 1;
                entry_id = Some(ops[1]);
                let mut new_ops = ops[..2].to_vec();
                new_ops.extend(string_words(to));
                new_ops.extend_from_slice(&ops[2 + used..]);
                edits.push((at, ops.len() + 1, new_ops));
            }
        }
        Ok(())
    })?;
    if renamed != 1 {
        return Err(format!("{renamed} GLCompute entry points are named {from:?}; expected exactly one"));
    }
    instructions(&words, |at, opcode, ops| {
        if opcode == OP_NAME && Some(ops[0]) == entry_id && literal_string(&ops[1..]).is_ok_and(|(n, _)| n == from) {
            let mut new_ops = vec![ops[0]];
            new_ops.extend(string_words(to));
            edits.push((at, ops.len() + 1, new_ops));
        }
        Ok(())
    })?;
    edits.sort_by_key(|(at, _, _)| *at);
    let mut next = HEADER_WORDS;
    for (at, len, ops) in edits {
        out.extend_from_slice(&words[next..at]);
        out.push((((ops.len() + 1) as u32) << 16) | (words[at] & 0xFFFF));
        out.extend(ops);
        next = at + len;
    }
    out.extend_from_slice(&words[next..]);
    Ok(out.iter().flat_map(|w| w.to_ne_bytes()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn to_bytes(words: &[u32]) -> Vec<u8> {
        words.iter().flat_map(|w| w.to_ne_bytes()).collect()
    }

    /// A hand-assembled module: two entry points, a uint[64] shared array, a
    /// spec-constant sized one, and a push-constant block
    /// { struct { u64 a @0; u32 n @8; } args @0 } used by "vector_add".
    fn module() -> Vec<u32> {
        let mut w = vec![MAGIC, 0x0001_0500, 0, 100, 0];
        let mut push = |op: u32, ops: &[u32]| {
            w.push(((ops.len() as u32 + 1) << 16) | op);
            w.extend_from_slice(ops);
        };
        for (id, name, interface) in [(1u32, "vector_add", vec![14u32, 34, 44]), (2, "scale", vec![14])] {
            let mut ep = vec![EXECUTION_MODEL_GLCOMPUTE, id];
            ep.extend(string_words(name));
            ep.extend(interface);
            push(OP_ENTRY_POINT, &ep);
        }
        push(OP_EXECUTION_MODE, &[2, EXECUTION_MODE_LOCAL_SIZE, 64, 2, 1]);
        let mut named = vec![1];
        named.extend(string_words("vector_add"));
        push(OP_NAME, &named);
        let mut member = vec![40, 1];
        member.extend(string_words("n"));
        push(OP_MEMBER_NAME, &member);
        push(OP_DECORATE, &[31, DECORATION_SPEC_ID, 3]);
        push(OP_MEMBER_DECORATE, &[40, 0, DECORATION_OFFSET, 0]);
        push(OP_MEMBER_DECORATE, &[40, 1, DECORATION_OFFSET, 8]);
        push(OP_MEMBER_DECORATE, &[41, 0, DECORATION_OFFSET, 0]);
        push(OP_TYPE_INT, &[10, 32, 0]);
        push(OP_TYPE_INT, &[15, 64, 0]);
        push(OP_CONSTANT, &[10, 11, 64]);
        push(OP_TYPE_ARRAY, &[12, 10, 11]);
        push(OP_TYPE_POINTER, &[13, STORAGE_CLASS_WORKGROUP, 12]);
        push(OP_VARIABLE, &[13, 14, STORAGE_CLASS_WORKGROUP]);
        push(50 /* OpSpecConstant */, &[10, 31, 4]);
        push(OP_TYPE_ARRAY, &[32, 10, 31]);
        push(OP_TYPE_POINTER, &[33, STORAGE_CLASS_WORKGROUP, 32]);
        push(OP_VARIABLE, &[33, 34, STORAGE_CLASS_WORKGROUP]);
        push(OP_TYPE_STRUCT, &[40, 15, 10]);
        push(OP_TYPE_STRUCT, &[41, 40]);
        push(OP_TYPE_POINTER, &[42, STORAGE_CLASS_PUSH_CONSTANT, 41]);
        push(OP_VARIABLE, &[42, 44, STORAGE_CLASS_PUSH_CONSTANT]);
        w
    }

    #[test]
    fn entry_points_spec_ids_and_static_shared_memory() {
        let info = parse(&to_bytes(&module())).unwrap();
        let names: Vec<&str> = info.entry_points.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["vector_add", "scale"]);
        assert_eq!(info.entry_points[0].static_shared_bytes, 256, "uint[64]; the spec-sized array is dynamic");
        assert_eq!(info.entry_points[1].static_shared_bytes, 256);
        assert!(info.spec_ids.contains(&3));
        assert_eq!(info.entry_points[1].fixed_block, Some([64, 2, 1]), "LocalSize with no override");
        assert_eq!(info.entry_points[0].fixed_block, None);
    }

    #[test]
    fn the_push_constant_block_layout_is_reflected() {
        let info = parse(&to_bytes(&module())).unwrap();
        assert_eq!(info.entry_points[1].push_constants, None, "scale's interface has no push constants");
        let block = info.struct_layout(info.entry_points[0].push_constants.unwrap()).unwrap();
        assert_eq!(block.members.len(), 1);
        assert_eq!(block.members[0].offset, Some(0));
        let args = info.struct_layout(block.members[0].type_id).unwrap();
        assert_eq!(args.members.iter().map(|m| (m.offset, m.size)).collect::<Vec<_>>(), [(Some(0), Some(8)), (Some(8), Some(4))]);
        assert_eq!(args.members[1].name.as_deref(), Some("n"));
        assert_eq!(args.extent(), Some(12), "no tail padding");
        assert_eq!(block.extent(), Some(12));
    }

    #[test]
    fn an_entry_point_is_renamed_with_its_name() {
        let bytes = to_bytes(&module());
        let renamed = rename_entry_point(&bytes, "vector_add", "saxpy_f32").unwrap();
        let info = parse(&renamed).unwrap();
        assert_eq!(info.entry_points[0].name, "saxpy_f32");
        assert_eq!(info.entry_points[0].push_constants, parse(&bytes).unwrap().entry_points[0].push_constants);
        assert_eq!(info.names.get(&1).map(String::as_str), Some("saxpy_f32"));
        assert_eq!(info.entry_points[1].name, "scale");
        assert!(rename_entry_point(&bytes, "absent", "x").unwrap_err().contains("0 GLCompute entry points"));
        assert!(rename_entry_point(&bytes, "scale", "").is_err());
        let back = rename_entry_point(&renamed, "saxpy_f32", "vector_add").unwrap();
        assert_eq!(back, bytes, "renaming back restores the bytes");
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
