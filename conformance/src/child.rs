//! The child side (`--run-group`): runs the named tests of one group in this
//! process and reports each on stdout with the record.rs protocol. A crash
//! or hang here is seen by the parent, which records it and goes on.

use crate::kernels::{load_pack, KernelSet};
use crate::options::Options;
use crate::outcome::Status;
use crate::record::{fatal_line, probe_line, result_line, start_line};
use crate::status_names::capability_names;
use crate::suite::{catalogue, Body, Ctx, Gate, Stop, TestDef};
use flaghal_client::{Hal, PluginInfo, Properties};
use flaghal_sys as sys;
use std::io::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::time::Instant;

pub const PROBE_GROUP: &str = "@probe";

fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn fatal(message: &str) -> i32 {
    say(&fatal_line(message));
    3
}

pub fn run(options: &Options) -> i32 {
    let group = options.run_group.clone().unwrap_or_default();
    let hal = match Hal::open() {
        Ok(h) => h,
        Err(e) => return fatal(&format!("cannot open libflaghal: {e}")),
    };
    if group == PROBE_GROUP {
        return probe(hal, options);
    }
    let all = catalogue();
    let tests: Vec<TestDef> = options.run_tests.iter().filter_map(|n| all.iter().find(|t| t.name == n).copied()).collect();
    if group == "init" {
        for test in tests {
            if let Body::PreInit(body) = test.body {
                report(test.name, || body(&hal), Vec::new);
            }
        }
        return 0;
    }
    let ctx = match device_context(hal, options) {
        Ok(ctx) => ctx,
        Err(message) => return fatal(&message),
    };
    for test in tests {
        let Body::Device(body) = test.body else { continue };
        if let Gate::Optional(cap) = test.gate {
            if cap != 0 && !ctx.props.has(cap) {
                say(&start_line(test.name));
                let message = format!("the device does not report {}", capability_names(cap).join("|"));
                say(&result_line(test.name, Status::Unsupported, &message, 0.0));
                continue;
            }
        }
        report(test.name, || body(&ctx), || ctx.take_warnings());
    }
    0
}

/// Runs one body with the panic boundary of the suite itself: a Rust panic
/// in test code is a failure of that test, not a crash of the run.
fn report(name: &str, body: impl FnOnce() -> crate::suite::TestResult, warnings: impl FnOnce() -> Vec<String>) {
    say(&start_line(name));
    let start = Instant::now();
    let result = catch_unwind(AssertUnwindSafe(body));
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    let warnings = warnings();
    let (status, message) = match result {
        Ok(Ok(())) if warnings.is_empty() => (Status::Pass, String::new()),
        Ok(Ok(())) => (Status::Warning, warnings.join("; ")),
        Ok(Err(Stop::Fail(m))) => (Status::Fail, m),
        Ok(Err(Stop::Unsupported(m))) => (Status::Unsupported, m),
        Err(payload) => (Status::Fail, format!("test code panicked: {}", sys::boundary::panic_message(&*payload))),
    };
    say(&result_line(name, status, &message, ms));
}

/// fhInit, the device under test, its plugin library, and its kernels.
fn device_context(hal: Hal, options: &Options) -> Result<Ctx, String> {
    hal.init(0).map_err(|e| e.to_string())?;
    let count = hal.device_count().map_err(|e| e.to_string())?;
    if options.device >= count {
        return Err(format!("device {} requested, {count} found", options.device));
    }
    let device = hal.device(options.device).map_err(|e| e.to_string())?;
    let props = hal.properties(device).map_err(|e| e.to_string())?;
    let library = plugin_of(&hal, &props).map(|p| PathBuf::from(p.library_path));
    let pack = match &options.kernel_pack {
        Some(dir) => Some(load_pack(dir)?),
        None => None,
    };
    let kernels = KernelSet::choose(&props.formats(), pack);
    Ok(Ctx::new(hal, options.device, device, props, kernels, library))
}

fn plugin_of(hal: &Hal, props: &Properties) -> Option<PluginInfo> {
    let count = hal.plugin_count().ok()?;
    (0..count).filter_map(|i| hal.plugin_info(i).ok()).find(|p| p.loaded && p.name == props.plugin_name())
}

/// Describes the loader, the plugins and the device under test for the report.
fn probe(hal: Hal, options: &Options) -> i32 {
    let version = hal.version().map(|v| format!("{}.{}.{}", v >> 22, (v >> 12) & 0x3FF, v & 0xFFF)).unwrap_or_default();
    if let Err(e) = hal.init(0) {
        return fatal(&format!("fhInit failed: {e}"));
    }
    let plugins: Vec<serde_json::Value> = (0..hal.plugin_count().unwrap_or(0))
        .filter_map(|i| hal.plugin_info(i).ok())
        .map(|p| {
            serde_json::json!({"name": p.name, "vendor": p.vendor, "version": p.version, "library_path": p.library_path,
                "manifest_path": p.manifest_path, "loaded": p.loaded, "abi_version": abi_text(p.abi_version),
                "skip_reason": p.skip_reason, "skip_detail": p.skip_detail, "device_count": p.device_count})
        })
        .collect();
    let count = hal.device_count().unwrap_or(0);
    let mut value = serde_json::json!({
        "library": hal.path().display().to_string(), "loader_version": version,
        "plugins": plugins, "device_count": count, "device": null, "plugin": null, "kernels": null,
    });
    if options.device < count {
        if let Ok(props) = hal.device(options.device).and_then(|d| hal.properties(d)) {
            let p = props.0;
            let uuid: String = p.uuid.iter().map(|b| format!("{b:02x}")).collect();
            value["device"] = serde_json::json!({
                "ordinal": options.device, "name": props.name(), "vendor": props.vendor(), "plugin_name": props.plugin_name(),
                "type": p.type_, "uuid": uuid, "total_memory": p.total_memory, "compute_units": p.compute_units,
                "max_threads_per_block": p.max_threads_per_block, "max_block_dim": p.max_block_dim, "max_grid_dim": p.max_grid_dim,
                "subgroup_size": p.subgroup_size, "max_shared_memory_per_block": p.max_shared_memory_per_block,
                "max_kernel_args_size": p.max_kernel_args_size, "memory_alignment": p.memory_alignment,
                "module_formats": props.formats(), "capabilities": capability_names(p.capabilities),
                "capability_bits": p.capabilities, "plugin_device_index": p.plugin_device_index,
            });
            if let Some(plugin) = plugin_of(&hal, &props) {
                value["plugin"] = serde_json::json!({"name": plugin.name, "vendor": plugin.vendor, "version": plugin.version,
                    "library_path": plugin.library_path, "manifest_path": plugin.manifest_path, "abi_version": abi_text(plugin.abi_version)});
            }
            let pack = options.kernel_pack.as_ref().and_then(|d| load_pack(d).ok());
            value["kernels"] = KernelSet::choose(&props.formats(), pack).describe();
        }
    }
    say(&probe_line(&value));
    0
}

fn abi_text(v: u32) -> String {
    format!("{}.{}", v >> 22, (v >> 12) & 0x3FF)
}
