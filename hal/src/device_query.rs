//! Enumerating a freshly initialised plugin's devices and caching their
//! properties, with the capability/table agreement check (plugin ABI rule 4).

use crate::failure::plugin_status;
use crate::plugin::Plugin;
use crate::skip::Skip;
use flaghal_sys::*;

/// A device as the plugin reported it, before ordering.
pub struct QueriedDevice {
    pub native: fhp_device_t,
    pub props: fh_device_properties_t,
    pub index: u32,
}

/// Pure: the first capability flag a device claims whose table entries are
/// NULL, as a message.
pub fn capability_mismatch(capabilities: u64, api: &fh_plugin_api_t) -> Option<String> {
    let checks: [(u64, &str, bool, &str); 3] = [
        (FH_DEVICE_CAP_EVENT_TIMING, "FH_DEVICE_CAP_EVENT_TIMING", api.event_elapsed_time.is_some(), "event_elapsed_time"),
        (FH_DEVICE_CAP_HOST_FUNC, "FH_DEVICE_CAP_HOST_FUNC", api.launch_host_func.is_some(), "launch_host_func"),
        (
            FH_DEVICE_CAP_PINNED_HOST_MEMORY,
            "FH_DEVICE_CAP_PINNED_HOST_MEMORY",
            api.mem_alloc_host.is_some() && api.mem_free_host.is_some(),
            "mem_alloc_host/mem_free_host",
        ),
    ];
    checks
        .iter()
        .find(|(flag, _, present, _)| capabilities & flag != 0 && !present)
        .map(|(_, flag_name, _, entries)| format!("claims {flag_name} but {entries} is NULL"))
}

fn query_failed(plugin: &Plugin, function: &str, status: fh_status_t) -> Skip {
    let message = plugin_status(&plugin.name, function, status).map(|_| String::new()).unwrap_or_else(|f| f.message);
    Skip { reason: FH_PLUGIN_SKIP_DEVICE_QUERY_FAILED, detail: message }
}

/// Asks the plugin for its devices and their properties.
pub fn query_devices(plugin: &'static Plugin) -> Result<Vec<QueriedDevice>, Skip> {
    let (Some(count_fn), Some(get_fn), Some(props_fn)) =
        (plugin.api.device_count, plugin.api.device_get, plugin.api.device_get_properties)
    else {
        return Err(Skip { reason: FH_PLUGIN_SKIP_MISSING_REQUIRED_ENTRY, detail: "device entries are NULL".into() });
    };
    let mut count = 0u32;
    // SAFETY: a required entry of an initialised plugin, given a valid output.
    let status = unsafe { count_fn(&mut count) };
    if status != FH_SUCCESS {
        return Err(query_failed(plugin, "device_count", status));
    }
    let mut devices = Vec::new();
    for index in 0..count {
        let mut native: fhp_device_t = std::ptr::null_mut();
        // SAFETY: index < count; valid output pointer.
        let status = unsafe { get_fn(index, &mut native) };
        if status != FH_SUCCESS {
            return Err(query_failed(plugin, "device_get", status));
        }
        if native.is_null() {
            return Err(Skip {
                reason: FH_PLUGIN_SKIP_DEVICE_QUERY_FAILED,
                detail: format!("device_get({index}) returned a NULL device"),
            });
        }
        let mut props = fh_device_properties_t {
            struct_size: std::mem::size_of::<fh_device_properties_t>(),
            ..Default::default()
        };
        // SAFETY: a device handle the plugin just returned, and a full-size
        // properties struct with struct_size set.
        let status = unsafe { props_fn(native, &mut props) };
        if status != FH_SUCCESS {
            return Err(query_failed(plugin, "device_get_properties", status));
        }
        props.struct_size = std::mem::size_of::<fh_device_properties_t>();
        props.next = std::ptr::null_mut();
        if props.module_format_count > FH_MAX_MODULE_FORMATS {
            return Err(Skip {
                reason: FH_PLUGIN_SKIP_DEVICE_QUERY_FAILED,
                detail: format!("device {index}: module_format_count {} exceeds {FH_MAX_MODULE_FORMATS}", props.module_format_count),
            });
        }
        if let Some(problem) = capability_mismatch(props.capabilities, &plugin.api) {
            return Err(Skip { reason: FH_PLUGIN_SKIP_CAPABILITY_MISMATCH, detail: format!("device {index} {problem}") });
        }
        ptr::copy_to_char_array(&mut props.plugin_name, &plugin.name);
        props.plugin_device_index = index;
        devices.push(QueriedDevice { native, props, index });
    }
    Ok(devices)
}

#[cfg(test)]
mod tests {
    use super::*;

    unsafe extern "C" fn elapsed(_: *mut f32, _: fhp_event_t, _: fhp_event_t) -> fh_status_t {
        0
    }

    #[test]
    fn claimed_capabilities_need_their_entries() {
        let mut api = fh_plugin_api_t::default();
        assert_eq!(capability_mismatch(FH_DEVICE_CAP_FLOAT64 | FH_DEVICE_CAP_ADDRESS_CHECKS, &api), None);
        let m = capability_mismatch(FH_DEVICE_CAP_EVENT_TIMING, &api).unwrap();
        assert_eq!(m, "claims FH_DEVICE_CAP_EVENT_TIMING but event_elapsed_time is NULL");
        api.event_elapsed_time = Some(elapsed);
        assert_eq!(capability_mismatch(FH_DEVICE_CAP_EVENT_TIMING, &api), None);
        assert!(capability_mismatch(FH_DEVICE_CAP_PINNED_HOST_MEMORY, &api).unwrap().contains("mem_alloc_host"));
        assert!(capability_mismatch(FH_DEVICE_CAP_HOST_FUNC, &api).unwrap().contains("launch_host_func"));
    }
}
