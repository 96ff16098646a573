//! Builds what the suite embeds:
//! - the reference kernels (`kernels/*.fhk`, one source each, docs/kernels.md,
//!   and the C examples' `matmul_tiled.fhk`) into module bundles with
//!   flaghal-kernel: the committed SPIR-V beside each source and a native
//!   CPU image compiled here with the cc crate's C compiler. Kernels that need an optional capability get a
//!   bundle of their own, so a device without it still loads the others;
//!   `kernels/native/fault.c` joins the core bundle's native image only.
//! - the git hash of the source tree, for the certification report.

use flaghal_kernel::{Build, SpirvFrom};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Kernels in bundles of their own (they need an optional capability).
const OPTIONAL_KERNELS: [&str; 6] =
    ["atomic_add_u64", "atomic_add_f32", "float16_axpb", "int8_mix", "subgroup_ops", "subgroup_shuffle"];

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    build_reference_kernels(&manifest_dir, &out_dir);
    record_git_hash(&manifest_dir);
}

fn build_reference_kernels(manifest_dir: &Path, out_dir: &Path) {
    let dir = manifest_dir.join("kernels");
    let include = manifest_dir.join("../include");
    println!("cargo:rerun-if-changed={}", dir.display());
    println!("cargo:rerun-if-changed={}", include.join("flaghal").display());
    let mut build = Build::new(&out_dir.join("kernel-build"));
    build.include = include;
    build.tools.cc = cc::Build::new().get_compiler().path().to_path_buf();
    build.cflags = vec!["-Werror".into()];
    let mut sources = flaghal_kernel::committed::sources(&dir).unwrap_or_else(|e| panic!("{e}"));
    let examples = manifest_dir.join("../c-examples/kernels");
    println!("cargo:rerun-if-changed={}", examples.display());
    sources.push(examples.join("matmul_tiled.fhk"));
    let stem = |p: &PathBuf| p.file_stem().unwrap().to_string_lossy().into_owned();
    let spirv = SpirvFrom::Committed;
    let mut index = String::from("/// Every embedded bundle: (kernels it holds, bytes).\npub static BUNDLES: &[(&[&str], &[u8])] = &[\n");
    let core: Vec<PathBuf> = sources.iter().filter(|p| !OPTIONAL_KERNELS.contains(&stem(p).as_str())).cloned().collect();
    let mut groups: Vec<(String, Vec<PathBuf>, Vec<PathBuf>)> = vec![("core".into(), core, vec![dir.join("native/fault.c")])];
    for name in OPTIONAL_KERNELS {
        let source = sources.iter().find(|p| stem(p) == name).unwrap_or_else(|| panic!("kernels/{name}.fhk is missing"));
        groups.push((name.to_string(), vec![source.clone()], Vec::new()));
    }
    for (group, members, native_c) in groups {
        build.work = out_dir.join("kernel-build").join(&group);
        build.native_c = native_c;
        let built = build.bundle(&members, &spirv, true).unwrap_or_else(|e| panic!("building the {group} reference kernels: {e}"));
        let path = out_dir.join(format!("reference_{group}.fhbundle"));
        std::fs::write(&path, &built.bundle).unwrap();
        let mut names: Vec<String> = built.kernels.iter().map(|k| format!("{:?}", k.name)).collect();
        if group == "core" {
            names.push("\"fault\"".into());
        }
        index.push_str(&format!("    (&[{}], include_bytes!({:?})),\n", names.join(", "), path.display().to_string()));
    }
    index.push_str("];\n");
    std::fs::write(out_dir.join("reference_bundles.rs"), index).unwrap();
}

/// Records `git rev-parse HEAD` and reruns when it can move: HEAD itself
/// (a checkout), the branch it names (a commit) and packed-refs. Paths come
/// from `git rev-parse --git-path`, which is right in worktrees too (.git
/// there is a file, and branches live in the common directory).
fn record_git_hash(manifest_dir: &Path) {
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(manifest_dir)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let hash = git(&["rev-parse", "HEAD"]).unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=FLAGHAL_CONFORMANCE_GIT_HASH={hash}");
    let mut watched = vec!["HEAD".to_string(), "packed-refs".to_string()];
    if let Some(branch) = git(&["rev-parse", "--symbolic-full-name", "HEAD"]).filter(|b| b.starts_with("refs/")) {
        watched.push(branch);
    }
    for name in watched {
        if let Some(path) = git(&["rev-parse", "--path-format=absolute", "--git-path", &name]) {
            if Path::new(&path).exists() {
                println!("cargo:rerun-if-changed={path}");
            }
        }
    }
}
