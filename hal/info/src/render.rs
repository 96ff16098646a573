//! The two renderings of a snapshot: text for people, JSON for scripts.
//! Pure functions of the snapshot.

use crate::names;
use crate::query::{Device, Plugin, Snapshot};
use flaghal_sys::ptr::char_array_to_string;
use serde_json::{json, Value};
use std::fmt::Write;

fn formats(device: &Device) -> Vec<String> {
    let p = &device.props;
    let count = (p.module_format_count as usize).min(p.module_formats.len());
    p.module_formats[..count].iter().map(|f| names::module_format(*f)).collect()
}

fn plugin_status(plugin: &Plugin) -> String {
    if plugin.loaded {
        format!("loaded, ABI {}", names::version(plugin.abi_version))
    } else {
        format!("SKIPPED ({})", names::skip_reason(plugin.skip_reason))
    }
}

/// The human-readable report, like vulkaninfo --summary.
pub fn text(library: &str, snap: &Snapshot) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "FlagHAL {} ({library})", names::version(snap.loader_version));
    let _ = writeln!(out, "\nPlugins: {}", snap.plugins.len());
    for (index, plugin) in snap.plugins.iter().enumerate() {
        let _ = writeln!(out, "  [{index}] {} {} - {}", plugin.name, plugin.version, plugin_status(plugin));
        if !plugin.vendor.is_empty() {
            let _ = writeln!(out, "      vendor:   {}", plugin.vendor);
        }
        let _ = writeln!(out, "      library:  {}", plugin.library_path);
        if !plugin.manifest_path.is_empty() {
            let _ = writeln!(out, "      manifest: {}", plugin.manifest_path);
        }
        if plugin.loaded {
            let _ = writeln!(out, "      devices:  {}", plugin.device_count);
        } else {
            let _ = writeln!(out, "      reason:   {}", plugin.skip_detail);
        }
    }
    let _ = writeln!(out, "\nDevices: {}", snap.devices.len());
    if snap.devices.is_empty() {
        let _ = writeln!(out, "  (none: set FLAGHAL_LOADER_DEBUG=all to see why)");
    }
    for (ordinal, device) in snap.devices.iter().enumerate() {
        let p = &device.props;
        let _ = writeln!(
            out,
            "  [{ordinal}] {} ({}, {} device {} of plugin {})",
            char_array_to_string(&p.name),
            char_array_to_string(&p.vendor),
            names::device_type(p.type_),
            p.plugin_device_index,
            char_array_to_string(&p.plugin_name)
        );
        let free = device.free_memory.map(names::bytes).unwrap_or_else(|| "?".into());
        let rows = [
            ("uuid", names::uuid(&p.uuid)),
            ("memory", format!("{} total, {free} free", names::bytes(p.total_memory))),
            ("compute units", p.compute_units.to_string()),
            ("max threads/block", p.max_threads_per_block.to_string()),
            ("max block dim", format!("{:?}", p.max_block_dim)),
            ("max grid dim", format!("{:?}", p.max_grid_dim)),
            ("subgroup size", p.subgroup_size.to_string()),
            ("shared mem/block", names::bytes(p.max_shared_memory_per_block.into())),
            ("max kernel args", names::bytes(p.max_kernel_args_size.into())),
            ("alignment", format!("{} B", p.memory_alignment)),
            ("module formats", formats(device).join(", ")),
            ("capabilities", names::capabilities(p.capabilities).join(", ")),
        ];
        for (label, value) in rows {
            let _ = writeln!(out, "      {label:<18} {value}");
        }
    }
    out
}

/// The machine-readable report (`--json`).
pub fn json(library: &str, snap: &Snapshot) -> Value {
    let plugins: Vec<Value> = snap
        .plugins
        .iter()
        .map(|p| {
            json!({
                "name": p.name,
                "vendor": p.vendor,
                "version": p.version,
                "library_path": p.library_path,
                "manifest_path": p.manifest_path,
                "abi_version": names::version(p.abi_version),
                "status": if p.loaded { "loaded" } else { "skipped" },
                "skip_reason": names::skip_reason(p.skip_reason),
                "skip_reason_code": p.skip_reason,
                "skip_detail": p.skip_detail,
                "device_count": p.device_count,
            })
        })
        .collect();
    let devices: Vec<Value> = snap
        .devices
        .iter()
        .enumerate()
        .map(|(ordinal, d)| {
            let p = &d.props;
            json!({
                "ordinal": ordinal,
                "name": char_array_to_string(&p.name),
                "vendor": char_array_to_string(&p.vendor),
                "plugin": char_array_to_string(&p.plugin_name),
                "plugin_device_index": p.plugin_device_index,
                "type": names::device_type(p.type_),
                "uuid": names::uuid(&p.uuid),
                "total_memory": p.total_memory,
                "free_memory": d.free_memory,
                "compute_units": p.compute_units,
                "max_threads_per_block": p.max_threads_per_block,
                "max_block_dim": p.max_block_dim,
                "max_grid_dim": p.max_grid_dim,
                "subgroup_size": p.subgroup_size,
                "max_shared_memory_per_block": p.max_shared_memory_per_block,
                "max_kernel_args_size": p.max_kernel_args_size,
                "memory_alignment": p.memory_alignment,
                "module_formats": formats(d),
                "capabilities": names::capabilities(p.capabilities),
            })
        })
        .collect();
    json!({
        "loader": { "version": names::version(snap.loader_version), "library": library },
        "plugins": plugins,
        "devices": devices,
    })
}
