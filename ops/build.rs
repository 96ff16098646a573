//! Builds what libflaghal_ops.so embeds and how it links:
//! - the operator kernels (`kernels/*.fhk`, one source each, docs/ops.md)
//!   into three module bundles with flaghal-kernel: `core` (f32 only, loads
//!   on every device), `f16` (FH_DEVICE_CAP_FLOAT16) and `q8_0`
//!   (FLOAT16 and INT8); a module that declares a capability the device lacks
//!   cannot be created, so each capability set is a bundle of its own. Each
//!   bundle carries the committed SPIR-V (`kernels/spirv/`), a native CPU
//!   image compiled here, the OpenCL C image and the committed PTX.
//! - SONAME libflaghal_ops.so.0 and a version script exporting exactly the
//!   fhops* functions (the cdylib only).

use flaghal_kernel::{Build, SpirvFrom};
use std::path::{Path, PathBuf};

/// Bundle name and the kernels of its capability set; every kernel source
/// of kernels/ is in exactly one.
const BUNDLES: [(&str, &[&str]); 3] = [
    (
        "core",
        &[
            "binary_f32", "unary_f32", "swiglu_f32", "rms_norm_f32", "soft_max_f32", "rope_f32", "get_rows_f32",
            "set_rows_f32", "cpy_f32_f32", "mul_mat_f32", "mul_mat_wide_f32", "mul_mat_vec_f32",
        ],
    ),
    (
        "f16",
        &["cpy_f32_f16", "cpy_f16_f32", "cpy_f16_f16", "get_rows_f16", "set_rows_f16", "soft_max_f32_mask_f16", "mul_mat_f16", "mul_mat_wide_f16", "mul_mat_vec_f16"],
    ),
    ("q8_0", &["get_rows_q8_0", "mul_mat_q8_0", "mul_mat_wide_q8_0", "mul_mat_vec_q8_0"]),
];

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    build_bundles(&manifest_dir, &out_dir);
    let map = manifest_dir.join("libflaghal_ops.map");
    println!("cargo:rerun-if-changed=libflaghal_ops.map");
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libflaghal_ops.so.0");
    println!("cargo:rustc-cdylib-link-arg=-Wl,--version-script={}", map.display());
}

fn build_bundles(manifest_dir: &Path, out_dir: &Path) {
    let dir = manifest_dir.join("kernels");
    let include = manifest_dir.join("../include");
    println!("cargo:rerun-if-changed={}", dir.display());
    println!("cargo:rerun-if-changed={}", include.join("flaghal").display());
    let sources = flaghal_kernel::committed::sources(&dir).unwrap_or_else(|e| panic!("{e}"));
    let stem = |p: &PathBuf| p.file_stem().unwrap().to_string_lossy().into_owned();
    for source in &sources {
        let name = stem(source);
        assert!(
            BUNDLES.iter().any(|(_, kernels)| kernels.contains(&name.as_str())),
            "kernels/{name}.fhk is in no bundle of ops/build.rs"
        );
    }
    let mut build = Build::new(&out_dir.join("kernel-build"));
    build.include = include;
    build.tools.cc = cc::Build::new().get_compiler().path().to_path_buf();
    build.cflags = vec!["-Werror".into()];
    let mut index = String::from("/// The embedded bundles: (name, kernels it holds, bytes).\npub static BUNDLES: &[(&str, &[&str], &[u8])] = &[\n");
    for (group, kernels) in BUNDLES {
        let members: Vec<PathBuf> = kernels
            .iter()
            .map(|k| sources.iter().find(|p| stem(p) == *k).unwrap_or_else(|| panic!("kernels/{k}.fhk is missing")).clone())
            .collect();
        build.work = out_dir.join("kernel-build").join(group);
        let built = build.bundle(&members, &SpirvFrom::Committed, true).unwrap_or_else(|e| panic!("building the {group} operator kernels: {e}"));
        let path = out_dir.join(format!("ops_{group}.fhbundle"));
        std::fs::write(&path, &built.bundle).unwrap();
        let names: Vec<String> = built.kernels.iter().map(|k| format!("{:?}", k.name)).collect();
        index.push_str(&format!("    ({group:?}, &[{}], include_bytes!({:?})),\n", names.join(", "), path.display().to_string()));
    }
    index.push_str("];\n");
    std::fs::write(out_dir.join("bundles.rs"), index).unwrap();
}
