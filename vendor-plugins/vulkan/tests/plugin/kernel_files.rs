//! The plugin's own hand-written GLSL test kernels (tests/kernels) match
//! their MANIFEST (no tools needed), and, where glslc and SPIRV-Tools are
//! installed, tests/kernels/build.sh regenerates them byte for byte and
//! spirv-val accepts them (under CI=true the tools must be there). Kernels in
//! the FlagHAL kernel language are checked by flaghal-kernel's tests.

use std::path::{Path, PathBuf};
use flaghal_conformance::sha256::sha256_hex as sha256;
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn kernel_dirs() -> Vec<PathBuf> {
    vec![root().join("vendor-plugins/vulkan/tests/kernels")]
}

/// (source sha, spv sha, name) lines of a MANIFEST.
fn manifest(dir: &Path) -> Vec<(String, String, String)> {
    let text = std::fs::read_to_string(dir.join("MANIFEST")).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            assert_eq!(f.len(), 3, "bad MANIFEST line {l:?}");
            (f[0].to_string(), f[1].to_string(), f[2].to_string())
        })
        .collect()
}

#[test]
fn committed_spirv_matches_the_manifest_and_names_its_entry_point() {
    for dir in kernel_dirs() {
        let entries = manifest(&dir);
        let sources: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().to_str().and_then(|n| n.strip_suffix(".comp")).map(String::from))
            .collect();
        assert_eq!(entries.len(), sources.len(), "{}: every .comp has a MANIFEST line", dir.display());
        for (source_sha, spv_sha, name) in entries {
            let source = std::fs::read(dir.join(format!("{name}.comp"))).unwrap();
            let spv = std::fs::read(dir.join(format!("{name}.spv"))).unwrap();
            assert_eq!(sha256(&source), source_sha, "{name}.comp changed: run vendor-plugins/vulkan/tests/kernels/build.sh");
            assert_eq!(sha256(&spv), spv_sha, "{name}.spv does not match the MANIFEST");
            let info = flaghal_formats::spirv::parse(&spv).unwrap();
            let names: Vec<&str> = info.entry_points.iter().map(|e| e.name.as_str()).collect();
            assert_eq!(names, [name.as_str()], "{name}.spv entry points");
            if !name.starts_with("fixed_") {
                for id in 0..3 {
                    assert!(info.spec_ids.contains(&id), "{name}: block size spec constant {id}");
                }
            }
        }
    }
}

fn have(tool: &str) -> bool {
    Command::new(tool).arg("--version").output().is_ok_and(|o| o.status.success())
}

#[test]
fn build_sh_regenerates_identical_validated_binaries() {
    if std::env::var_os("FLAGHAL_VULKAN_TEST_CHILD").is_some() {
        return; // the parent run (modes.rs) already checked the files
    }
    let tools = ["glslc", "spirv-dis", "spirv-as", "spirv-val"];
    if let Some(missing) = tools.iter().find(|t| !have(t)) {
        flaghal_plugin_host::nothing_checked(&format!("{missing} is not installed (glslc, spirv-tools)"));
        return;
    }
    let out = std::env::temp_dir().join(format!("flaghal-spirv-{}", std::process::id()));
    let status = Command::new("bash")
        .arg(root().join("vendor-plugins/vulkan/tests/kernels/build.sh"))
        .arg("--out")
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success(), "build.sh failed");
    for (i, dir) in kernel_dirs().iter().enumerate() {
        let committed = std::fs::read_to_string(dir.join("MANIFEST")).unwrap();
        let fresh = std::fs::read_to_string(out.join(i.to_string()).join("MANIFEST")).unwrap();
        let version = |m: &str| m.lines().nth(1).unwrap_or("").to_string();
        if version(&committed) == version(&fresh) {
            assert_eq!(committed, fresh, "{}: regenerate with build.sh and commit", dir.display());
        } else {
            eprintln!("note: compiler differs from the MANIFEST's; binaries validated, not compared");
        }
    }
    let _ = std::fs::remove_dir_all(&out);
}
