//! The reference kernels (docs/kernels.md) in the module format a device
//! takes: embedded native CPU library, embedded SPIR-V modules, or a vendor's
//! kernel pack directory.

use crate::sha256::sha256_hex;
use flaghal_sys as sys;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Every reference kernel name, in catalogue order.
pub const KERNEL_NAMES: [&str; 10] = [
    "fill_u32",
    "vector_add_f32",
    "scale_index_3d",
    "args_probe",
    "block_reduce_shared",
    "atomic_add_u32",
    "atomic_add_u64",
    "atomic_add_f32",
    "spin",
    "fault",
];

/// The native CPU reference kernels, one library holding all of them.
pub static NATIVE_CPU_LIBRARY: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/reference_kernels_cpu.so"));

include!(concat!(env!("OUT_DIR"), "/spirv_kernels.rs"));

/// Kernel modules in one format: kernel name -> module bytes (kernels that
/// share a module share the same `Arc`).
#[derive(Debug, Clone)]
pub struct KernelSet {
    pub format: sys::fh_module_format_t,
    /// "embedded native CPU", "embedded SPIR-V", or the pack directory.
    pub origin: String,
    pub modules: BTreeMap<String, Arc<Vec<u8>>>,
}

impl KernelSet {
    pub fn empty() -> Self {
        KernelSet { format: sys::FH_MODULE_FORMAT_INVALID, origin: "none".into(), modules: BTreeMap::new() }
    }

    pub fn native_cpu() -> Self {
        let bytes = Arc::new(NATIVE_CPU_LIBRARY.to_vec());
        let modules = KERNEL_NAMES.iter().map(|n| (n.to_string(), bytes.clone())).collect();
        KernelSet { format: sys::FH_MODULE_FORMAT_NATIVE_CPU, origin: "embedded native CPU".into(), modules }
    }

    pub fn spirv() -> Self {
        let modules = SPIRV_KERNELS.iter().map(|(n, b)| (n.to_string(), Arc::new(b.to_vec()))).collect();
        KernelSet { format: sys::FH_MODULE_FORMAT_SPIRV, origin: "embedded SPIR-V".into(), modules }
    }

    pub fn get(&self, name: &str) -> Option<&Arc<Vec<u8>>> {
        self.modules.get(name)
    }

    /// Names present, and the sha256 of each distinct module.
    pub fn describe(&self) -> serde_json::Value {
        let mut kernels = serde_json::Map::new();
        for (name, bytes) in &self.modules {
            kernels.insert(name.clone(), serde_json::Value::String(sha256_hex(bytes)));
        }
        serde_json::json!({ "format": self.format, "origin": self.origin, "kernels": kernels })
    }

    /// Chooses the kernels for a device: the pack if it is in one of the
    /// device's formats, else the first embedded set the device accepts.
    pub fn choose(formats: &[sys::fh_module_format_t], pack: Option<KernelSet>) -> KernelSet {
        if let Some(pack) = pack {
            if formats.contains(&pack.format) {
                return pack;
            }
        }
        for format in formats {
            match *format {
                sys::FH_MODULE_FORMAT_NATIVE_CPU => return KernelSet::native_cpu(),
                sys::FH_MODULE_FORMAT_SPIRV if !SPIRV_KERNELS.is_empty() => return KernelSet::spirv(),
                _ => {}
            }
        }
        KernelSet::empty()
    }
}

/// What pack.json says (parsed without touching the files).
#[derive(Debug, Clone, PartialEq)]
pub struct PackSpec {
    pub format: sys::fh_module_format_t,
    pub extension: String,
    pub files: BTreeMap<String, String>,
}

/// Parses pack.json text. Pure.
pub fn parse_pack_spec(text: &str) -> Result<PackSpec, String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("pack.json is not JSON: {e}"))?;
    let object = value.as_object().ok_or("pack.json must be a JSON object")?;
    let format = match object.get("format") {
        Some(serde_json::Value::Number(n)) => n
            .as_u64()
            .filter(|v| *v > 0 && *v < 0x7FFF_FFFF)
            .ok_or_else(|| format!("pack.json: \"format\" {n} is not a module format number"))?
            as sys::fh_module_format_t,
        Some(serde_json::Value::String(s)) => match s.as_str() {
            "spirv" => sys::FH_MODULE_FORMAT_SPIRV,
            "ptx" => sys::FH_MODULE_FORMAT_PTX,
            "native_cpu" => sys::FH_MODULE_FORMAT_NATIVE_CPU,
            other => return Err(format!("pack.json: unknown \"format\" name '{other}' (spirv, ptx, native_cpu or a number)")),
        },
        _ => return Err("pack.json: \"format\" (number or name) is required".into()),
    };
    let extension = match object.get("extension") {
        None => match format {
            sys::FH_MODULE_FORMAT_SPIRV => "spv",
            sys::FH_MODULE_FORMAT_PTX => "ptx",
            sys::FH_MODULE_FORMAT_NATIVE_CPU => "so",
            _ => "bin",
        }
        .to_string(),
        Some(serde_json::Value::String(s)) => s.trim_start_matches('.').to_string(),
        Some(_) => return Err("pack.json: \"extension\" must be a string".into()),
    };
    let mut files: BTreeMap<String, String> =
        KERNEL_NAMES.iter().map(|n| (n.to_string(), format!("{n}.{extension}"))).collect();
    if let Some(modules) = object.get("modules") {
        let modules = modules.as_object().ok_or("pack.json: \"modules\" must be an object")?;
        for (name, file) in modules {
            if !KERNEL_NAMES.contains(&name.as_str()) {
                return Err(format!("pack.json: \"modules\" names unknown kernel '{name}'"));
            }
            let file = file.as_str().ok_or_else(|| format!("pack.json: modules.{name} must be a file name"))?;
            files.insert(name.clone(), file.to_string());
        }
    }
    Ok(PackSpec { format, extension, files })
}

/// Loads a kernel pack directory. Absent kernel files are simply absent.
pub fn load_pack(dir: &Path) -> Result<KernelSet, String> {
    let spec_path = dir.join("pack.json");
    let text = std::fs::read_to_string(&spec_path).map_err(|e| format!("cannot read {}: {e}", spec_path.display()))?;
    let spec = parse_pack_spec(&text).map_err(|e| format!("{}: {e}", spec_path.display()))?;
    let mut by_file: BTreeMap<PathBuf, Arc<Vec<u8>>> = BTreeMap::new();
    let mut modules = BTreeMap::new();
    for (name, file) in &spec.files {
        let path = dir.join(file);
        if !path.is_file() {
            continue;
        }
        let bytes = match by_file.get(&path) {
            Some(b) => b.clone(),
            None => {
                let b = Arc::new(std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?);
                by_file.insert(path.clone(), b.clone());
                b
            }
        };
        modules.insert(name.clone(), bytes);
    }
    Ok(KernelSet { format: spec.format, origin: dir.display().to_string(), modules })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pack_specs_parse_and_reject() {
        let spec = parse_pack_spec(r#"{"format": 65536, "modules": {"spin": "all.bin", "fault": "all.bin"}}"#).unwrap();
        assert_eq!(spec.format, 65536);
        assert_eq!(spec.files["fill_u32"], "fill_u32.bin");
        assert_eq!(spec.files["spin"], "all.bin");
        assert_eq!(parse_pack_spec(r#"{"format": "spirv"}"#).unwrap().files["fault"], "fault.spv");
        assert!(parse_pack_spec("{").unwrap_err().contains("not JSON"));
        assert!(parse_pack_spec(r#"{"format": "cuda"}"#).unwrap_err().contains("unknown"));
        assert!(parse_pack_spec(r#"{}"#).unwrap_err().contains("required"));
        assert!(parse_pack_spec(r#"{"format": 1, "modules": {"nope": "x"}}"#).unwrap_err().contains("nope"));
    }

    #[test]
    fn the_embedded_cpu_library_is_an_elf_with_every_kernel() {
        assert_eq!(&NATIVE_CPU_LIBRARY[..4], b"\x7fELF");
        let set = KernelSet::native_cpu();
        assert_eq!(set.modules.len(), KERNEL_NAMES.len());
        for name in KERNEL_NAMES {
            let meta = format!("{name}__fh_meta");
            assert!(NATIVE_CPU_LIBRARY.windows(meta.len()).any(|w| w == meta.as_bytes()), "{meta} missing");
        }
    }

    #[test]
    fn choice_follows_device_formats() {
        assert_eq!(KernelSet::choose(&[sys::FH_MODULE_FORMAT_NATIVE_CPU], None).format, sys::FH_MODULE_FORMAT_NATIVE_CPU);
        assert_eq!(KernelSet::choose(&[sys::FH_MODULE_FORMAT_PTX], None).format, sys::FH_MODULE_FORMAT_INVALID);
    }
}
