//! Table entries: Init, devices, properties, synchronisation and memory info.

use super::*;

pub(crate) fn devices() -> &'static [Device] {
    plugin::get().map(|p| p.devices.as_slice()).unwrap_or(&[])
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub(crate) unsafe extern "C" fn init(args: *const sys::fh_plugin_init_args_t) -> sys::fh_status_t {
    call(|| {
        // SAFETY: the loader passes a valid init-args struct.
        let a: sys::fh_plugin_init_args_t = unsafe { read_sized(args, INIT_SIZE_1_0, "args") }?;
        if !a.host.is_null() {
            // SAFETY: host services are valid until the process exits.
            let services: sys::fh_plugin_host_services_t = unsafe { read_sized(a.host, HOST_SIZE_1_0, "host") }?;
            host::install(&services);
        }
        plugin::init();
        Ok(())
    })
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub(crate) unsafe extern "C" fn device_count(count: *mut u32) -> sys::fh_status_t {
    // SAFETY: `count` is a non-NULL output per the loader.
    call(|| unsafe { write_out(count, devices().len() as u32, "count") })
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub(crate) unsafe extern "C" fn device_get(index: u32, out: *mut sys::fhp_device_t) -> sys::fh_status_t {
    call(|| {
        let device = devices().get(index as usize).ok_or_else(|| {
            FfiError::new(sys::FH_ERROR_INVALID_DEVICE, format!("device index {index} out of range ({})", devices().len()))
        })?;
        // SAFETY: non-NULL output per the loader.
        unsafe { write_out(out, device as *const Device as sys::fhp_device_t, "device") }
    })
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub(crate) unsafe extern "C" fn device_get_properties(
    handle: sys::fhp_device_t,
    props: *mut sys::fh_device_properties_t,
) -> sys::fh_status_t {
    call(|| {
        // SAFETY: loader-validated handle; `props` has struct_size set.
        let d = unsafe { device(handle) }?;
        let value = d.properties();
        // SAFETY: as above.
        unsafe { write_sized(props, &value, PROPS_SIZE_1_0, "props") }.map(|_| ())
    })
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub(crate) unsafe extern "C" fn device_synchronize(handle: sys::fhp_device_t) -> sys::fh_status_t {
    // SAFETY: loader-validated handle.
    call(|| unsafe { device(handle) }?.synchronize_all(true))
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub(crate) unsafe extern "C" fn mem_get_info(handle: sys::fhp_device_t, free: *mut usize, total: *mut usize) -> sys::fh_status_t {
    call(|| {
        // SAFETY: loader-validated handle and outputs.
        let (f, t) = unsafe { device(handle) }?.mem_info();
        // SAFETY: non-NULL outputs per the loader (checked anyway).
        unsafe {
            write_out(free, f as usize, "free_bytes")?;
            write_out(total, t as usize, "total_bytes")
        }
    })
}
