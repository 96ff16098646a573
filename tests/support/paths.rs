//! Where the pieces under test live. Test executables sit in
//! `target/<profile>/deps/`; libflaghal.so and the CPU plugin are built there
//! too (they are dev-dependencies of this package, so `cargo test -p
//! flaghal-integration` builds them) and uplifted into `target/<profile>/` by a
//! direct `cargo build -p flaghal`.

use std::path::{Path, PathBuf};

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `include/`, holding `flaghal/*.h`.
pub fn include_dir() -> PathBuf {
    repo_root().join("include")
}

/// `target/<profile>`, found from the running test executable.
pub fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    let dir = exe.parent().expect("executable folder").to_path_buf();
    if dir.file_name().is_some_and(|n| n == "deps") {
        dir.parent().expect("target/<profile>").to_path_buf()
    } else {
        dir
    }
}

/// A library built by cargo: `env_override` if set, else `deps/NAME` (built
/// with this test run), else `target/<profile>/NAME`.
fn built_library(name: &str, env_override: &str, package: &str) -> PathBuf {
    if let Some(path) = std::env::var_os(env_override) {
        return PathBuf::from(path);
    }
    let profile = profile_dir();
    [profile.join("deps").join(name), profile.join(name)]
        .into_iter()
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!("{name} not found under {}: build it with `cargo build -p {package}`", profile.display())
        })
}

/// libflaghal.so (override: FLAGHAL_LIBRARY).
pub fn libflaghal() -> PathBuf {
    built_library("libflaghal.so", "FLAGHAL_LIBRARY", "flaghal")
}

/// A folder holding libflaghal.so and libflaghal.so.1 (its SONAME, which
/// programs linked with -lflaghal ask for), both links to [`libflaghal`], as
/// an install has them: for `-L`, the rpath and LD_LIBRARY_PATH.
pub fn libflaghal_dir() -> PathBuf {
    let target = libflaghal();
    let dir = profile_dir().join("flaghal-it").join("lib");
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    for name in ["libflaghal.so", "libflaghal.so.1"] {
        // Tests run in parallel: make each link under a unique name, then
        // rename it into place, which replaces atomically.
        let tmp = dir.join(format!(".{name}.{}.{:?}", std::process::id(), std::thread::current().id()));
        let _ = std::fs::remove_file(&tmp);
        std::os::unix::fs::symlink(&target, &tmp).unwrap_or_else(|e| panic!("symlink {}: {e}", tmp.display()));
        std::fs::rename(&tmp, dir.join(name)).unwrap_or_else(|e| panic!("rename {}: {e}", tmp.display()));
    }
    dir
}

/// The CPU reference plugin (override: FLAGHAL_IT_CPU_PLUGIN).
pub fn cpu_plugin() -> PathBuf {
    built_library("libflaghal_cpu.so", "FLAGHAL_IT_CPU_PLUGIN", "flaghal-plugin-cpu")
}

/// The Vulkan reference plugin (override: FLAGHAL_IT_VULKAN_PLUGIN). Loading
/// it is always safe: without a Vulkan driver it has zero devices.
pub fn vulkan_plugin() -> PathBuf {
    built_library("libflaghal_vulkan.so", "FLAGHAL_IT_VULKAN_PLUGIN", "flaghal-plugin-vulkan")
}

/// The OpenCL plugin (override: FLAGHAL_IT_OPENCL_PLUGIN). Loading it is
/// always safe: without an OpenCL driver it has zero devices.
pub fn opencl_plugin() -> PathBuf {
    built_library("libflaghal_opencl.so", "FLAGHAL_IT_OPENCL_PLUGIN", "flaghal-plugin-opencl")
}

/// The CUDA plugin (override: FLAGHAL_IT_CUDA_PLUGIN). Loading it is always
/// safe: without the NVIDIA driver it has zero devices.
pub fn cuda_plugin() -> PathBuf {
    built_library("libflaghal_cuda.so", "FLAGHAL_IT_CUDA_PLUGIN", "flaghal-plugin-cuda")
}

/// The planted-bug shim plugin (conformance/planted-bugs; override:
/// FLAGHAL_IT_PLANTED_BUGS_PLUGIN): the CPU plugin with the bug that
/// FLAGHAL_PLANTED_BUG names. As a dependency it is built into deps/, so
/// that copy is preferred over an older one in the profile folder.
pub fn planted_bugs_plugin() -> PathBuf {
    built_library("libflaghal_planted_bugs.so", "FLAGHAL_IT_PLANTED_BUGS_PLUGIN", "flaghal-planted-bugs")
}

/// The minimal plain-C plugin (c-examples/minimal_plugin), built by build.rs.
pub fn minimal_plugin() -> PathBuf {
    PathBuf::from(env!("FLAGHAL_IT_MINIMAL_PLUGIN"))
}

/// Kernels built by build.rs: `<dir>/<kernel>.so` native CPU modules, and
/// `<dir>/examples.fhbundle`, the bundle of the examples' kernels.
pub fn kernels_dir() -> PathBuf {
    PathBuf::from(env!("FLAGHAL_IT_KERNELS"))
}

/// The bundle of the examples' one-source kernels (vector_add, scale,
/// matmul_tiled): every device that runs SPIR-V or native CPU code loads it.
pub fn examples_bundle() -> Vec<u8> {
    let path = kernels_dir().join("examples.fhbundle");
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// One native CPU kernel module's bytes.
pub fn kernel_bytes(name: &str) -> Vec<u8> {
    let path = kernels_dir().join(format!("{name}.so"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// A fresh, empty scratch folder for one test (under target/, kept for
/// inspection after a failure).
pub fn scratch_dir(test: &str) -> PathBuf {
    let dir = profile_dir().join("flaghal-it").join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    dir
}

/// Path as text (the tests only use UTF-8 paths).
pub fn text(path: &Path) -> String {
    path.to_str().unwrap_or_else(|| panic!("non-UTF-8 path {}", path.display())).to_owned()
}
