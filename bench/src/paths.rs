//! Where the libraries under test are: libflaghal.so and the plugins that
//! cargo built beside this executable (`target/<profile>/` or its `deps/`,
//! whichever is newer), and the environment that points the loader at them.

use std::path::{Path, PathBuf};

pub const LOADER: &str = "libflaghal.so";
pub const CPU_PLUGIN: &str = "libflaghal_cpu.so";
pub const VULKAN_PLUGIN: &str = "libflaghal_vulkan.so";
pub const OPENCL_PLUGIN: &str = "libflaghal_opencl.so";

/// `target/<profile>`: the executable's folder, or its parent when the
/// executable is a test in `deps/`.
pub fn profile_dir() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this executable: {e}"))?;
    let dir = exe.parent().ok_or("executable has no folder")?.to_path_buf();
    Ok(if dir.file_name().is_some_and(|n| n == "deps") { dir.parent().map(Path::to_path_buf).unwrap_or(dir) } else { dir })
}

/// The newest of `<profile>/deps/NAME` and `<profile>/NAME` (cargo leaves a
/// dependency's cdylib in deps/ and a directly built one in the profile dir).
pub fn built_library(name: &str) -> Result<PathBuf, String> {
    let profile = profile_dir()?;
    let candidates = [profile.join("deps").join(name), profile.join(name)];
    candidates
        .iter()
        .filter_map(|p| Some((std::fs::metadata(p).ok()?.modified().ok()?, p.clone())))
        .max_by_key(|(time, _)| *time)
        .map(|(_, p)| p)
        .ok_or_else(|| {
            format!(
                "{name} not found in {} or its deps/: build it with `cargo build --release -p flaghal -p flaghal-plugin-cpu -p flaghal-plugin-vulkan -p flaghal-plugin-opencl`",
                profile.display()
            )
        })
}

/// libflaghal.so: FLAGHAL_LIBRARY if set, else the built one.
pub fn loader() -> Result<PathBuf, String> {
    match std::env::var_os("FLAGHAL_LIBRARY") {
        Some(path) => Ok(PathBuf::from(path)),
        None => built_library(LOADER),
    }
}

/// Points the loader at the built plugins (unless FLAGHAL_PLUGIN_FILES is
/// already set) and disables Mesa's shader cache (stale entries compiled for
/// another vector width). Called first thing in main, before any thread.
pub fn prepare_environment() -> Result<(), String> {
    if std::env::var_os("FLAGHAL_PLUGIN_FILES").is_none() {
        let plugins = [built_library(CPU_PLUGIN)?, built_library(VULKAN_PLUGIN)?, built_library(OPENCL_PLUGIN)?];
        let joined = std::env::join_paths(plugins.iter()).map_err(|e| e.to_string())?;
        std::env::set_var("FLAGHAL_PLUGIN_FILES", joined);
    }
    if std::env::var_os("MESA_SHADER_CACHE_DISABLE").is_none() {
        std::env::set_var("MESA_SHADER_CACHE_DISABLE", "true");
    }
    Ok(())
}

/// The plugins a FLAGHAL_PLUGIN_FILES list names, for labels:
/// `cpu + vulkan + opencl` for libflaghal_cpu.so, libflaghal_vulkan.so and
/// libflaghal_opencl.so (other files by their file name).
pub fn plugin_names(files: &str) -> String {
    std::env::split_paths(files)
        .filter_map(|p| {
            let name = p.file_name()?.to_string_lossy().into_owned();
            let plugin = name.strip_prefix("libflaghal_").and_then(|n| n.strip_suffix(".so")).map(str::to_string);
            Some(plugin.unwrap_or(name))
        })
        .collect::<Vec<_>>()
        .join(" + ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn plugin_lists_are_named_by_plugin() {
        let files = "/t/deps/libflaghal_cpu.so:/t/libflaghal_vulkan.so:/t/libflaghal_opencl.so:/x/libother.so";
        assert_eq!(super::plugin_names(files), "cpu + vulkan + opencl + libother.so");
        assert_eq!(super::plugin_names(""), "");
    }
}
