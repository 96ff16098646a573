//! The plugins the cross-component tests load beside the CPU plugin (the
//! broken-plugin zoo and the minimal C plugin, built by build.rs), manifests
//! for them, and the assertions on what fhPluginGetInfo reports. Shared by
//! `tests/zoo.rs` (broken plugins and manifests) and `tests/discovery.rs`
//! (search order, filters, device order, debug lines).

use flaghal_client::PluginInfo;
use flaghal_sys::*;
use serde_json::json;
use std::path::{Path, PathBuf};

/// The zoo library of case `var` (build.rs compiles one per broken rule).
pub fn zoo(var: &str) -> PathBuf {
    PathBuf::from(match var {
        "not_a_library" => env!("FLAGHAL_IT_ZOO_NOT_A_LIBRARY"),
        "no_entry" => env!("FLAGHAL_IT_ZOO_NO_ENTRY"),
        "wrong_major" => env!("FLAGHAL_IT_ZOO_WRONG_MAJOR"),
        "table_too_small" => env!("FLAGHAL_IT_ZOO_TABLE_TOO_SMALL"),
        "missing_required" => env!("FLAGHAL_IT_ZOO_MISSING_REQUIRED"),
        "init_fails" => env!("FLAGHAL_IT_ZOO_INIT_FAILS"),
        "init_panics" => env!("FLAGHAL_IT_ZOO_INIT_PANICS"),
        "cap_mismatch" => env!("FLAGHAL_IT_ZOO_CAP_MISMATCH"),
        "negotiate_fails" => env!("FLAGHAL_IT_ZOO_NEGOTIATE_FAILS"),
        "future_minor" => env!("FLAGHAL_IT_ZOO_FUTURE_MINOR"),
        "negotiate_lies" => env!("FLAGHAL_IT_ZOO_NEGOTIATE_LIES"),
        "device_query_fails" => env!("FLAGHAL_IT_ZOO_DEVICE_QUERY_FAILS"),
        "abi_1_0" => env!("FLAGHAL_IT_ZOO_ABI_1_0"),
        other => panic!("no zoo case {other}"),
    })
}

/// The plugin entry whose library is `file` (compared by file name: the
/// loader may report the path canonicalised).
pub fn entry<'a>(plugins: &'a [PluginInfo], file: &Path) -> &'a PluginInfo {
    let name = file.file_name().expect("file name").to_string_lossy();
    let found: Vec<&PluginInfo> = plugins.iter().filter(|p| p.library_path.ends_with(&*name)).collect();
    assert_eq!(found.len(), 1, "exactly one plugin entry for {name} in {plugins:#?}");
    found[0]
}

/// Asserts `file` was skipped for `reason`, with a detail naming one of `hints`.
pub fn assert_skipped(plugins: &[PluginInfo], file: &Path, reason: fh_plugin_skip_reason_t, hints: &[&str]) {
    let info = entry(plugins, file);
    assert!(!info.loaded, "{} must be skipped: {info:#?}", file.display());
    assert_eq!(info.skip_reason, reason, "skip reason of {}: {info:#?}", file.display());
    assert_eq!(info.device_count, 0, "a skipped plugin contributes no device: {info:#?}");
    assert!(
        hints.iter().any(|h| info.skip_detail.contains(h)),
        "the detail for {} should mention one of {hints:?}: {:?}",
        file.display(),
        info.skip_detail
    );
}

/// Asserts `file` loaded with at least one device and no skip reason.
pub fn assert_loaded<'a>(plugins: &'a [PluginInfo], file: &Path) -> &'a PluginInfo {
    let info = entry(plugins, file);
    assert!(info.loaded, "{} must load: {info:#?}", file.display());
    assert_eq!(info.skip_reason, FH_PLUGIN_SKIP_NONE);
    assert_eq!(info.skip_detail, "", "a loaded plugin has an empty skip detail");
    assert!(info.device_count >= 1, "{info:#?}");
    info
}

/// Writes `text` as `dir/file`.
pub fn write_manifest(dir: &Path, file: &str, text: &str) -> PathBuf {
    let path = dir.join(file);
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
    path
}

/// A 1.0 manifest naming `library_path` for `arch`.
pub fn manifest_json(name: &str, library_path: &str, arch: &str) -> String {
    json!({
        "file_format_version": "1.0.0",
        "plugin": {"name": name, "library_path": library_path, "abi_version": "1.0", "library_arch": arch}
    })
    .to_string()
}
