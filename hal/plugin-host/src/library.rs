//! Opening a plugin library and finding its one entry point, as the loader
//! does (RTLD_NOW | RTLD_LOCAL; the library is never closed, since plugins
//! may keep thread-local destructors and threads: docs/abi.md, "Lifetime").

use flaghal_sys::{fh_plugin_negotiate_args_t, fh_status_t, FH_PLUGIN_ENTRY_SYMBOL};
use libloading::os::unix::{Library, RTLD_LOCAL, RTLD_NOW};
use std::path::{Path, PathBuf};

/// `fhPluginNegotiate` (fh_plugin_negotiate_fn_t).
pub type NegotiateFn = unsafe extern "C" fn(*mut fh_plugin_negotiate_args_t) -> fh_status_t;

/// Opens the plugin library at `path` and returns its entry point.
pub fn open(path: &Path) -> Result<NegotiateFn, String> {
    // SAFETY: loading a plugin runs its initialisers; that is what a plugin
    // is. The library is never closed afterwards (leaked below).
    let library = unsafe { Library::open(Some(path), RTLD_NOW | RTLD_LOCAL) }.map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    // SAFETY: the symbol, if present, has the type flaghal_plugin.h declares.
    let entry = unsafe { library.get::<NegotiateFn>(FH_PLUGIN_ENTRY_SYMBOL) }.map(|symbol| *symbol);
    std::mem::forget(library);
    entry.map_err(|e| format!("{}: no {}: {e}", path.display(), String::from_utf8_lossy(FH_PLUGIN_ENTRY_SYMBOL)))
}

/// A library cargo built in this test run: `target/<profile>/deps/NAME`
/// (dev-dependencies are built there) or `target/<profile>/NAME`, found from
/// the running test executable.
pub fn built_library(file_name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    let mut dir = exe.parent().expect("executable folder").to_path_buf();
    if dir.file_name().is_some_and(|n| n == "deps") {
        dir.pop();
    }
    [dir.join("deps").join(file_name), dir.join(file_name)]
        .into_iter()
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{file_name} not found under {}: build its crate first", dir.display()))
}

/// The dynamic symbols a library defines (`nm -D --defined-only`), to check
/// that a plugin exports exactly `fhPluginNegotiate` (flaghal_plugin.h, "Shape").
pub fn exported_symbols(library: &Path) -> Vec<String> {
    assert!(library.is_file(), "{} was not built", library.display());
    let output = std::process::Command::new("nm")
        .args(["-D", "--defined-only", "--format=posix"])
        .arg(library)
        .output()
        .expect("nm (binutils) is needed for this test");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let text = String::from_utf8_lossy(&output.stdout);
    text.lines().filter_map(|l| l.split_whitespace().next()).map(str::to_string).collect()
}
