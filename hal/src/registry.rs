//! The result of fhInit: every discovered plugin (loaded or skipped, for
//! fhPluginGetInfo) and the visible devices in order (fhDeviceGet).
//! Built once, by the first fhInit; concurrent first calls wait for it.
//!
//! Ownership: the registry is a process-wide static; its strings and the
//! devices it points to live until the process exits.

use crate::debug_log::{self, DEBUG, ERROR, INFO, WARN};
use crate::device_order::{self, DeviceKey};
use crate::discovery::environment::Environment;
use crate::discovery::search_paths::{self, Origin};
use crate::discovery::scan;
use crate::failure::{fail, ApiResult};
use crate::handles::Device;
use crate::plugin_load::{self, LoadContext};
use crate::plugin_record::Record;
use crate::validation;
use flaghal_sys::*;
use once_cell::sync::OnceCell;
use std::ffi::CString;

/// One fhPluginGetInfo entry, with loader-owned C strings.
pub struct PluginInfo {
    pub name: CString,
    pub vendor: CString,
    pub version: CString,
    pub library_path: CString,
    pub manifest_path: CString,
    pub skip_detail: CString,
    pub abi_version: u32,
    pub status: fh_plugin_status_t,
    pub skip_reason: fh_plugin_skip_reason_t,
    pub device_count: u32,
}

pub struct Registry {
    pub plugins: Vec<PluginInfo>,
    pub devices: Vec<&'static Device>,
}

static REGISTRY: OnceCell<Registry> = OnceCell::new();

/// The registry, or FH_ERROR_NOT_INITIALIZED.
#[inline]
pub fn get() -> ApiResult<&'static Registry> {
    match REGISTRY.get() {
        Some(r) => Ok(r),
        None => Err(not_initialized()),
    }
}

#[cold]
#[inline(never)]
fn not_initialized() -> crate::failure::Failure {
    fail(FH_ERROR_NOT_INITIALIZED, "fhInit has not been called")
}

pub fn get_if_initialized() -> Option<&'static Registry> {
    REGISTRY.get()
}

/// Builds the registry once; later and concurrent callers get the same one.
pub fn initialize() -> &'static Registry {
    REGISTRY.get_or_init(build)
}

fn c_string(text: &str) -> CString {
    CString::new(text.replace('\0', "?")).expect("NULs replaced")
}

fn build() -> Registry {
    let (env, ignored) = Environment::read();
    let (mask, unknown) = debug_log::parse_levels(env.loader_debug.as_deref().unwrap_or(""));
    debug_log::set_mask(mask);
    for word in unknown {
        debug_log::log(ERROR, &format!("FLAGHAL_LOADER_DEBUG: unknown level \"{word}\" ignored (use error,warn,info,debug,all)"));
    }
    if !ignored.is_empty() {
        debug_log::log(
            ERROR,
            &format!("running with elevated privileges (setuid/AT_SECURE): ignoring {}", ignored.join(", ")),
        );
    }
    match validation::parse_setting(env.validation.as_deref().unwrap_or("")) {
        Ok(true) => {
            validation::enable();
            debug_log::log(INFO, "validation layer on (FLAGHAL_VALIDATION=1)");
        }
        Ok(false) => {}
        Err(message) => debug_log::log(ERROR, &message),
    }

    let entries = search_paths::search_entries(&env);
    for entry in &entries {
        debug_log::log(DEBUG, &format!("search place {}", entry.path.display()));
    }
    let mut ctx = LoadContext::new(env.plugins_select.clone(), env.plugins_disable.clone());
    let records: Vec<Record> = scan::candidates(&entries).iter().map(|c| plugin_load::load(c, &mut ctx)).collect();
    for record in &records {
        log_outcome(record);
    }

    // Devices: default order, then FLAGHAL_VISIBLE_DEVICES.
    let mut all = Vec::new(); // (record index, device index in record)
    let mut keys = Vec::new();
    for (rank, record) in records.iter().enumerate() {
        if let Ok(loaded) = &record.outcome {
            for (i, d) in loaded.devices.iter().enumerate() {
                all.push((rank, i));
                keys.push(DeviceKey {
                    plugin_name: record.name.clone(),
                    plugin_rank: rank,
                    device_index: d.index,
                    is_cpu: d.props.type_ == FH_DEVICE_TYPE_CPU,
                });
            }
        }
    }
    let order = device_order::default_order(&keys);
    let ordered_keys: Vec<DeviceKey> = order.iter().map(|&i| keys[i].clone()).collect();
    let visible: Vec<usize> = match env.visible_devices.as_deref() {
        None => (0..ordered_keys.len()).collect(),
        Some(spec) => {
            let (chosen, errors) = device_order::apply_visible(spec, &ordered_keys);
            errors.iter().for_each(|e| debug_log::log(ERROR, e));
            chosen
        }
    };
    let mut device_counts = vec![0u32; records.len()];
    let mut devices = Vec::new();
    for (ordinal, &position) in visible.iter().enumerate() {
        let (rank, i) = all[order[position]];
        let loaded = records[rank].outcome.as_ref().expect("devices come from loaded plugins");
        let d = &loaded.devices[i];
        let device = Device::leak(loaded.plugin, d.native, d.props, ordinal as u32);
        device_counts[rank] += 1;
        debug_log::log(
            INFO,
            &format!(
                "device {ordinal}: \"{}\" ({} device {}, type {})",
                ptr::char_array_to_string(&d.props.name),
                records[rank].name,
                d.index,
                flaghal_sys::names::device_type(d.props.type_)
            ),
        );
        devices.push(device);
    }

    if let Some(path) = env.trace.as_deref().filter(|p| !p.is_empty()) {
        crate::trace::enable(path.into(), &devices);
        debug_log::log(INFO, &format!("trace layer on: writing {} at exit (FLAGHAL_TRACE)", std::path::Path::new(path).display()));
    }

    let plugins = records
        .iter()
        .zip(device_counts)
        .map(|(r, device_count)| {
            let (status, reason, detail) = match &r.outcome {
                Ok(_) => (FH_PLUGIN_STATUS_LOADED, FH_PLUGIN_SKIP_NONE, ""),
                Err(s) => (FH_PLUGIN_STATUS_SKIPPED, s.reason, s.detail.as_str()),
            };
            PluginInfo {
                name: c_string(&r.name),
                vendor: c_string(&r.vendor),
                version: c_string(&r.version),
                library_path: c_string(&r.library_path),
                manifest_path: c_string(&r.manifest_path),
                skip_detail: c_string(detail),
                abi_version: r.abi_version,
                status,
                skip_reason: reason,
                device_count,
            }
        })
        .collect();
    Registry { plugins, devices }
}

fn log_outcome(record: &Record) {
    let from = if record.manifest_path.is_empty() { &record.library_path } else { &record.manifest_path };
    match &record.outcome {
        Ok(loaded) => debug_log::log(
            INFO,
            &format!(
                "loaded plugin \"{}\" {} ({}) from {}: ABI {}.{}, {} device(s)",
                record.name,
                record.version,
                record.vendor,
                record.library_path,
                record.abi_version >> 22,
                (record.abi_version >> 12) & 0x3FF,
                loaded.devices.len()
            ),
        ),
        Err(skip) => {
            let line = format!(
                "skipped plugin \"{}\" from {from}: {}: {}",
                record.name,
                flaghal_sys::names::skip_reason(skip.reason),
                skip.detail
            );
            debug_log::log(WARN, &line);
            // Something the user named explicitly could not be used: say so
            // even with the default (error-only) setting.
            let benign = skip.reason == FH_PLUGIN_SKIP_DISABLED || skip.reason == FH_PLUGIN_SKIP_DUPLICATE;
            if let (Origin::Explicit(var), false) = (record.origin, benign) {
                debug_log::log(ERROR, &format!("{var} entry {from} could not be used: {line}"));
            }
        }
    }
}
