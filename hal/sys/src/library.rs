//! Finding and opening libflaghal.so for Rust programs that use the API the
//! way a C framework does, through the shared library: flaghal-client
//! (`Hal::open`), which the tests, the conformance suite and flaghal-info use.

use crate::dynamic::FlagHal;
use crate::dynamic_v1_2::{self, FlagHalV1_2};
use crate::version::{version_major, version_minor};
use std::path::{Path, PathBuf};

/// The library file names, most specific first.
const NAMES: [&str; 2] = ["libflaghal.so.1", "libflaghal.so"];

/// Candidate paths in search order:
/// 1. `FLAGHAL_LIBRARY` (a file path), if set;
/// 2. beside the running executable, then its parent folder (cargo puts test
///    binaries in `target/<profile>/deps/`), then `../lib` (an install prefix:
///    `prefix/bin/tool` finds `prefix/lib/libflaghal.so.1`).
///
/// The bare soname, resolved by the dynamic linker, is tried last by [`open`].
pub fn candidates() -> Vec<PathBuf> {
    let mut paths = Vec::new();
    if let Some(explicit) = std::env::var_os("FLAGHAL_LIBRARY") {
        paths.push(PathBuf::from(explicit));
    }
    if let Some(dir) = std::env::current_exe().ok().and_then(|exe| exe.parent().map(Path::to_path_buf)) {
        let mut dirs = vec![dir.clone()];
        if let Some(parent) = dir.parent() {
            dirs.push(parent.to_path_buf());
            dirs.push(parent.join("lib"));
        }
        for dir in dirs {
            for name in NAMES {
                paths.push(dir.join(name));
            }
        }
    }
    paths
}

/// Opens libflaghal.so: `explicit` if given, else the first existing
/// [`candidates`] entry, else the soname through the dynamic linker's path.
/// Returns the table and the path it came from.
pub fn open(explicit: Option<&Path>) -> Result<(FlagHal, PathBuf), String> {
    let path = match explicit {
        Some(path) => path.to_path_buf(),
        None => candidates().into_iter().find(|p| p.is_file()).unwrap_or_else(|| PathBuf::from(NAMES[0])),
    };
    // SAFETY: loading libflaghal runs no initialisers with preconditions (its
    // only constructor-time work is Rust statics); every symbol is resolved
    // with the exact signature bindgen derived from flaghal.h.
    let table = unsafe { FlagHal::new(&path) }.map_err(|e| format!("cannot load {}: {e}", path.display()))?;
    Ok((table, path))
}

/// The functions added in API 1.2 of the library `core` was opened from
/// (`path`): `None` when its fhGetVersion reports an older API, so that a
/// program built with the 1.2 header opens a 1.1 libflaghal.so and only its
/// 1.2 calls fail. A library that reports 1.2 or later but lacks one of
/// them is broken, and an error.
pub fn open_v1_2(core: &FlagHal, path: &Path) -> Result<Option<FlagHalV1_2>, String> {
    let version = reported_version(core, path)?;
    if version < dynamic_v1_2::ADDED_IN {
        return Ok(None);
    }
    // SAFETY: as in [`open`]; the library is already loaded, so this only
    // takes another reference to it and resolves the 1.2 symbols.
    let table = unsafe { FlagHalV1_2::new(path) }.map_err(|e| {
        format!("{} reports API {} but lacks a function API 1.2 added: {e}", path.display(), version_text(version))
    })?;
    Ok(Some(table))
}

/// fhGetVersion of an opened library.
pub fn reported_version(core: &FlagHal, path: &Path) -> Result<u32, String> {
    let mut version = 0u32;
    // SAFETY: `version` is a valid out pointer; callable before fhInit.
    let status = unsafe { core.fhGetVersion(&mut version) };
    if status != crate::FH_SUCCESS {
        return Err(format!("{}: fhGetVersion returned status {status}", path.display()));
    }
    Ok(version)
}

/// `1.2` for FH_MAKE_VERSION(1, 2, 0) (the patch level never changes the API).
pub fn version_text(version: u32) -> String {
    format!("{}.{}", version_major(version), version_minor(version))
}

#[cfg(test)]
mod tests {
    use super::version_text;
    use crate::version::make_version;

    #[test]
    fn versions_read_as_major_dot_minor() {
        assert_eq!(version_text(make_version(1, 2, 0)), "1.2");
        assert_eq!(version_text(make_version(1, 1, 7)), "1.1");
    }
}
