//! The JSON certification report (docs/conformance.md lists every field).

use super::Run;
use crate::outcome::Status;

pub const SUITE_VERSION: &str = env!("CARGO_PKG_VERSION");
pub const GIT_HASH: &str = env!("FLAGHAL_CONFORMANCE_GIT_HASH");

pub fn render(run: &Run) -> serde_json::Value {
    let probe = run.probe.clone().unwrap_or(serde_json::Value::Null);
    let results: Vec<serde_json::Value> = run
        .records
        .iter()
        .map(|r| {
            serde_json::json!({
                "name": r.name, "group": r.group(), "tag": r.tag, "core": r.core,
                "status": r.status.name(), "message": r.message,
                "duration_ms": (r.duration_ms * 1000.0).round() / 1000.0, "expectation": r.expectation,
            })
        })
        .collect();
    let mut counts = serde_json::Map::new();
    for s in Status::ALL {
        counts.insert(s.name().to_string(), serde_json::json!(run.count(s)));
    }
    serde_json::json!({
        "report_format": 1,
        "suite": { "name": "flaghal-conformance", "version": SUITE_VERSION, "git_hash": GIT_HASH },
        "started_unix": run.started_unix,
        "duration_s": (run.duration_s * 1000.0).round() / 1000.0,
        "command_line": run.command_line,
        "loader": {
            "library": probe["library"], "version": probe["loader_version"],
            "plugin_abi": format!("{}.{}", flaghal_sys::FH_PLUGIN_ABI_VERSION_MAJOR, flaghal_sys::FH_PLUGIN_ABI_VERSION_MINOR),
        },
        "plugin": {
            "requested": run.plugin_arg, "sha256": run.plugin_sha256,
            "name": probe["plugin"]["name"], "vendor": probe["plugin"]["vendor"], "version": probe["plugin"]["version"],
            "library_path": probe["plugin"]["library_path"], "manifest_path": probe["plugin"]["manifest_path"],
            "abi_version": probe["plugin"]["abi_version"],
        },
        "discovered_plugins": probe["plugins"],
        "device_count": probe["device_count"],
        "device": probe["device"],
        "kernels": probe["kernels"],
        "probe_error": run.probe_error,
        "results": results,
        "counts": counts,
        "gave_up": run.gave_up,
        "verdict": run.verdict_text(),
    })
}
