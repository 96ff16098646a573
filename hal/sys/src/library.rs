//! Finding and opening libflaghal.so for Rust programs that use the API the
//! way a C framework does, through the shared library: flaghal-client
//! (`Hal::open`), which the tests, the conformance suite and flaghal-info use.

use crate::dynamic::FlagHal;
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
