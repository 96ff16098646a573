//! Finding and opening the plugin the shim wraps: the library named by
//! FLAGHAL_PLANTED_BUG_TARGET, else `libflaghal_cpu.so` beside this shim
//! (found through /proc/self/maps), opened by the shared plugin test host as
//! the loader opens plugins. The library stays loaded for the life of the
//! process (docs/abi.md, "Lifetime": never dlclose).

pub use flaghal_plugin_host::NegotiateFn;
use std::path::PathBuf;

const SHIM_FILE: &str = "libflaghal_planted_bugs.so";
const DEFAULT_TARGET: &str = "libflaghal_cpu.so";

/// The folder this shim was loaded from, read from /proc/self/maps.
fn own_folder() -> Option<PathBuf> {
    let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
    maps.lines()
        .filter_map(|line| line.split_whitespace().nth(5))
        .map(PathBuf::from)
        .find(|p| p.file_name().is_some_and(|n| n == SHIM_FILE))
        .and_then(|p| p.parent().map(|d| d.to_path_buf()))
}

pub fn target_path() -> Result<PathBuf, String> {
    if let Some(explicit) = std::env::var_os("FLAGHAL_PLANTED_BUG_TARGET") {
        return Ok(PathBuf::from(explicit));
    }
    own_folder()
        .map(|d| d.join(DEFAULT_TARGET))
        .ok_or_else(|| "cannot find the shim's own folder; set FLAGHAL_PLANTED_BUG_TARGET".to_string())
}

/// Opens the target and returns its entry point.
pub fn open() -> Result<NegotiateFn, String> {
    flaghal_plugin_host::open(&target_path()?)
}
