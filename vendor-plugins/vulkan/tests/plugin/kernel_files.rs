//! The committed SPIR-V kernels match their MANIFEST (no tools needed), and,
//! where glslc and SPIRV-Tools are installed, build.sh regenerates them
//! byte for byte and spirv-val accepts them (under CI=true the tools must be
//! there).

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn kernel_dirs() -> Vec<PathBuf> {
    vec![
        root().join("conformance/kernels/spirv"),
        root().join("c-examples/kernels"),
        root().join("vendor-plugins/vulkan/tests/kernels"),
    ]
}

/// SHA-256 (FIPS 180-4), small and dependency-free.
fn sha256(data: &[u8]) -> String {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
        0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
        0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
        0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
        0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
        0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
        0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut h: [u32; 8] =
        [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
    let mut message = data.to_vec();
    message.push(0x80);
    while message.len() % 64 != 56 {
        message.push(0);
    }
    message.extend_from_slice(&((data.len() as u64) * 8).to_be_bytes());
    for chunk in message.chunks(64) {
        let mut w = [0u32; 64];
        for i in 0..16 {
            w[i] = u32::from_be_bytes([chunk[4 * i], chunk[4 * i + 1], chunk[4 * i + 2], chunk[4 * i + 3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16].wrapping_add(s0).wrapping_add(w[i - 7]).wrapping_add(s1);
        }
        let mut v = h;
        for i in 0..64 {
            let s1 = v[4].rotate_right(6) ^ v[4].rotate_right(11) ^ v[4].rotate_right(25);
            let ch = (v[4] & v[5]) ^ (!v[4] & v[6]);
            let t1 = v[7].wrapping_add(s1).wrapping_add(ch).wrapping_add(K[i]).wrapping_add(w[i]);
            let s0 = v[0].rotate_right(2) ^ v[0].rotate_right(13) ^ v[0].rotate_right(22);
            let maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
            let t2 = s0.wrapping_add(maj);
            v = [t1.wrapping_add(t2), v[0], v[1], v[2], v[3].wrapping_add(t1), v[4], v[5], v[6]];
        }
        for i in 0..8 {
            h[i] = h[i].wrapping_add(v[i]);
        }
    }
    h.iter().map(|x| format!("{x:08x}")).collect()
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
fn sha256_is_correct() {
    assert_eq!(sha256(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_eq!(sha256(b""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
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
            assert_eq!(sha256(&source), source_sha, "{name}.comp changed: run conformance/kernels/spirv/build.sh");
            assert_eq!(sha256(&spv), spv_sha, "{name}.spv does not match the MANIFEST");
            let info = flaghal_vulkan::spirv::parse(&spv).unwrap();
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
        assert!(std::env::var("CI").as_deref() != Ok("true"), "CI needs {missing} (glslc, spirv-tools)");
        eprintln!("SKIPPED: {missing} is not installed");
        return;
    }
    let out = std::env::temp_dir().join(format!("flaghal-spirv-{}", std::process::id()));
    let status = Command::new("bash")
        .arg(root().join("conformance/kernels/spirv/build.sh"))
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
