//! The reference kernels (docs/kernels.md): module bundles built from one
//! source per kernel (conformance/kernels/*.fhk) and embedded at build time,
//! so every device that accepts SPIR-V or native CPU modules runs the same
//! kernels; or a vendor's kernel pack directory for other formats.

use crate::sha256::sha256_hex;
use flaghal_formats::bundle;
use flaghal_sys as sys;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

include!(concat!(env!("OUT_DIR"), "/reference_bundles.rs"));

/// Every reference kernel name, in catalogue order.
pub const KERNEL_NAMES: [&str; 16] = [
    "fill_u32",
    "vector_add_f32",
    "scale_index_3d",
    "args_probe",
    "wide_args",
    "block_reduce_shared",
    "matmul_tiled",
    "atomic_add_u32",
    "atomic_add_u64",
    "atomic_add_f32",
    "float16_axpb",
    "int8_mix",
    "subgroup_ops",
    "subgroup_shuffle",
    "spin",
    "fault",
];

/// Kernels only optional tests use: a device's image may lack them (`fault`
/// has no SPIR-V version; the others need a capability the device may not
/// have), and that makes those tests `unsupported`, never failed.
pub const OPTIONAL_KERNELS: [&str; 7] =
    ["fault", "atomic_add_u64", "atomic_add_f32", "float16_axpb", "int8_mix", "subgroup_ops", "subgroup_shuffle"];

/// The capability an optional kernel's module needs before the suite may
/// even load it (a SPIR-V module declaring a capability the device lacks is
/// invalid to create); 0 for `fault`, which needs none but may be absent.
pub fn required_capability(kernel: &str) -> u64 {
    match kernel {
        "atomic_add_u64" => sys::FH_DEVICE_CAP_ATOMIC_INT64,
        "atomic_add_f32" => sys::FH_DEVICE_CAP_ATOMIC_FLOAT32,
        "float16_axpb" => sys::FH_DEVICE_CAP_FLOAT16,
        "int8_mix" => sys::FH_DEVICE_CAP_INT8,
        "subgroup_ops" => sys::FH_DEVICE_CAP_SUBGROUP_ARITHMETIC,
        "subgroup_shuffle" => sys::FH_DEVICE_CAP_SUBGROUP_SHUFFLE,
        _ => 0,
    }
}

/// Kernel modules in one format: kernel name -> module bytes (kernels that
/// share a module share the same `Arc`).
#[derive(Debug, Clone)]
pub struct KernelSet {
    pub format: sys::fh_module_format_t,
    /// "embedded bundles", or the pack directory.
    pub origin: String,
    pub modules: BTreeMap<String, Arc<Vec<u8>>>,
    /// The image of the core bundle the device loads (format and bytes),
    /// for tests of the plugin's own image checks; for a pack, its format and
    /// the fill_u32 module.
    pub image: Option<(sys::fh_module_format_t, Arc<Vec<u8>>)>,
}

/// The core bundle (every core reference kernel and `fault`).
pub fn core_bundle() -> &'static [u8] {
    BUNDLES.iter().find(|(names, _)| names.contains(&"fill_u32")).map(|(_, bytes)| *bytes).expect("the core bundle is embedded")
}

/// The core bundle's native CPU image for this host (what a CPU device
/// loads), for tests that need a native CPU module.
pub fn native_cpu_image() -> Vec<u8> {
    let parsed = bundle::parse(core_bundle()).expect("the embedded bundle is valid");
    let candidates = bundle::candidates(&parsed, &[sys::FH_MODULE_FORMAT_NATIVE_CPU], bundle::host_target());
    candidates.first().expect("the core bundle has a native image for this host").bytes.to_vec()
}

impl KernelSet {
    pub fn empty() -> Self {
        KernelSet { format: sys::FH_MODULE_FORMAT_INVALID, origin: "none".into(), modules: BTreeMap::new(), image: None }
    }

    /// The embedded bundles, if the device can load the core one: the image
    /// it would load, or None.
    pub fn bundles(formats: &[sys::fh_module_format_t]) -> Option<Self> {
        let parsed = bundle::parse(core_bundle()).expect("the embedded bundle is valid");
        let image = bundle::candidates(&parsed, formats, bundle::host_target()).first().map(|i| (i.format, Arc::new(i.bytes.to_vec())))?;
        let mut modules = BTreeMap::new();
        for (names, bytes) in BUNDLES {
            let bytes = Arc::new(bytes.to_vec());
            for name in *names {
                modules.insert(name.to_string(), bytes.clone());
            }
        }
        Some(KernelSet { format: sys::FH_MODULE_FORMAT_BUNDLE, origin: "embedded bundles".into(), modules, image: Some(image) })
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
        let image = self.image.as_ref().map(|(format, bytes)| {
            serde_json::json!({ "format": format, "name": sys::names::module_format(*format), "sha256": sha256_hex(bytes) })
        });
        serde_json::json!({ "format": self.format, "origin": self.origin, "kernels": kernels, "image": image })
    }

    /// Chooses the kernels for a device: the pack if it is in one of the
    /// device's formats, else the embedded bundles where the device runs one
    /// of their images.
    pub fn choose(formats: &[sys::fh_module_format_t], pack: Option<KernelSet>) -> KernelSet {
        if let Some(pack) = pack {
            if formats.contains(&pack.format) || pack.format == sys::FH_MODULE_FORMAT_BUNDLE {
                return pack;
            }
        }
        KernelSet::bundles(formats).unwrap_or_else(KernelSet::empty)
    }
}

/// What pack.json says (parsed without touching the files).
#[derive(Debug, Clone, PartialEq)]
pub struct PackSpec {
    pub format: sys::fh_module_format_t,
    pub extension: String,
    pub files: BTreeMap<String, String>,
}

/// The module format named in pack.json.
fn format_by_name(name: &str) -> Option<sys::fh_module_format_t> {
    Some(match name {
        "spirv" => sys::FH_MODULE_FORMAT_SPIRV,
        "ptx" => sys::FH_MODULE_FORMAT_PTX,
        "native_cpu" => sys::FH_MODULE_FORMAT_NATIVE_CPU,
        "opencl_c" => sys::FH_MODULE_FORMAT_OPENCL_C,
        "opencl_spirv" => sys::FH_MODULE_FORMAT_OPENCL_SPIRV,
        "cubin" => sys::FH_MODULE_FORMAT_CUBIN,
        "bundle" => sys::FH_MODULE_FORMAT_BUNDLE,
        _ => return None,
    })
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
        Some(serde_json::Value::String(s)) => format_by_name(s).ok_or_else(|| {
            format!("pack.json: unknown \"format\" name '{s}' (spirv, ptx, native_cpu, opencl_c, opencl_spirv, cubin, bundle or a number)")
        })?,
        _ => return Err("pack.json: \"format\" (number or name) is required".into()),
    };
    let extension = match object.get("extension") {
        None => match format {
            sys::FH_MODULE_FORMAT_SPIRV | sys::FH_MODULE_FORMAT_OPENCL_SPIRV => "spv",
            sys::FH_MODULE_FORMAT_PTX => "ptx",
            sys::FH_MODULE_FORMAT_NATIVE_CPU => "so",
            sys::FH_MODULE_FORMAT_OPENCL_C => "cl",
            sys::FH_MODULE_FORMAT_CUBIN => "cubin",
            sys::FH_MODULE_FORMAT_BUNDLE => "fhbundle",
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
    let image = modules.get("fill_u32").map(|bytes| (spec.format, bytes.clone()));
    Ok(KernelSet { format: spec.format, origin: dir.display().to_string(), modules, image })
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
        assert_eq!(parse_pack_spec(r#"{"format": "opencl_c"}"#).unwrap().files["fill_u32"], "fill_u32.cl");
        assert!(parse_pack_spec("{").unwrap_err().contains("not JSON"));
        assert!(parse_pack_spec(r#"{"format": "cuda"}"#).unwrap_err().contains("unknown"));
        assert!(parse_pack_spec(r#"{}"#).unwrap_err().contains("required"));
        assert!(parse_pack_spec(r#"{"format": 1, "modules": {"nope": "x"}}"#).unwrap_err().contains("nope"));
    }

    #[test]
    fn the_embedded_bundles_hold_every_kernel_in_both_images() {
        let mut named: Vec<&str> = BUNDLES.iter().flat_map(|(names, _)| names.iter().copied()).collect();
        named.sort();
        let mut all = KERNEL_NAMES.to_vec();
        all.sort();
        assert_eq!(named, all, "every reference kernel is in exactly one bundle");
        for (names, bytes) in BUNDLES {
            let parsed = bundle::parse(bytes).unwrap();
            let formats: Vec<u32> = parsed.images.iter().map(|i| i.format).collect();
            let want = [sys::FH_MODULE_FORMAT_SPIRV, sys::FH_MODULE_FORMAT_NATIVE_CPU, sys::FH_MODULE_FORMAT_OPENCL_C, sys::FH_MODULE_FORMAT_PTX];
            assert_eq!(formats, want, "{names:?}");
            for name in names.iter().filter(|n| **n != "fault") {
                assert!(parsed.kernels.iter().any(|k| k.name == *name), "{name} in the kernel table");
                let native = parsed.images[1].bytes;
                let meta = format!("{name}__fh_meta");
                assert!(native.windows(meta.len()).any(|w| w == meta.as_bytes()), "{meta} in the native image");
            }
        }
        assert_eq!(&native_cpu_image()[..4], b"\x7fELF");
        let parsed = bundle::parse(core_bundle()).unwrap();
        assert_eq!(parsed.params_size("wide_args"), 512, "the 512-byte kernel records its parameters");
        assert_eq!(parsed.params_size("args_probe"), 0, "a raw kernel records none");
    }

    #[test]
    fn choice_follows_device_formats() {
        let cpu = KernelSet::choose(&[sys::FH_MODULE_FORMAT_NATIVE_CPU], None);
        assert_eq!(cpu.format, sys::FH_MODULE_FORMAT_BUNDLE);
        assert_eq!(cpu.image.as_ref().unwrap().0, sys::FH_MODULE_FORMAT_NATIVE_CPU);
        let gpu = KernelSet::choose(&[sys::FH_MODULE_FORMAT_SPIRV, sys::FH_MODULE_FORMAT_PTX], None);
        assert_eq!(gpu.image.as_ref().unwrap().0, sys::FH_MODULE_FORMAT_SPIRV, "the device's first choice");
        let cuda = KernelSet::choose(&[sys::FH_MODULE_FORMAT_CUBIN, sys::FH_MODULE_FORMAT_PTX], None);
        assert_eq!(cuda.image.as_ref().unwrap().0, sys::FH_MODULE_FORMAT_PTX, "the bundles carry PTX, not cubins");
        let opencl = KernelSet::choose(&[sys::FH_MODULE_FORMAT_OPENCL_C], None);
        assert_eq!(opencl.image.as_ref().unwrap().0, sys::FH_MODULE_FORMAT_OPENCL_C);
        let vendor = KernelSet::choose(&[sys::FH_MODULE_FORMAT_VENDOR_BEGIN + 1], None);
        assert_eq!(vendor.format, sys::FH_MODULE_FORMAT_INVALID, "a vendor format needs a kernel pack");
    }
}
