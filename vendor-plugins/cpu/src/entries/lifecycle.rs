//! init and the device entries.

use super::run;
use crate::{device, handles, host};
use flaghal_sys::struct_sizes;
use flaghal_sys::ptr::{in_ref, write_out};
use flaghal_sys::sized::{read_sized, write_sized};
use flaghal_sys::{
    fh_device_properties_t, fh_plugin_host_services_t, fh_plugin_init_args_t, fh_status_t, fhp_device_t, FfiError,
    FH_ERROR_INVALID_DEVICE, FH_ERROR_INVALID_VALUE, FH_PLUGIN_ABI_VERSION_MAJOR, FH_PLUGIN_ABI_VERSION_MINOR,
};

/// `init`: checks the negotiated version, stores the host services, probes the device.
/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub unsafe extern "C" fn init(args: *const fh_plugin_init_args_t) -> fh_status_t {
    run(|| {
        // SAFETY: the loader passes a sized init-args struct.
        let args = unsafe { read_sized(args, struct_sizes::FH_PLUGIN_INIT_ARGS_STRUCT_SIZE_1_0, "args") }?;
        // SAFETY: `host` points to services valid until process exit.
        let services = unsafe { in_ref(args.host, "args->host") }?;
        // SAFETY: as above; a sized struct.
        let services: fh_plugin_host_services_t =
            unsafe { read_sized(services, struct_sizes::FH_PLUGIN_HOST_SERVICES_STRUCT_SIZE_1_0, "args->host") }?;
        host::install(&services);
        let (major, minor) = (args.abi_version >> 22, (args.abi_version >> 12) & 0x3FF);
        if major != FH_PLUGIN_ABI_VERSION_MAJOR || minor > FH_PLUGIN_ABI_VERSION_MINOR {
            return Err(FfiError::new(
                FH_ERROR_INVALID_VALUE,
                format!(
                    "init with ABI {major}.{minor}, which negotiation cannot have agreed: this plugin implements {FH_PLUGIN_ABI_VERSION_MAJOR}.0 to {FH_PLUGIN_ABI_VERSION_MAJOR}.{FH_PLUGIN_ABI_VERSION_MINOR}"
                ),
            ));
        }
        device::init();
        Ok(())
    })
}

/// `device_count`: one CPU device.
/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub unsafe extern "C" fn device_count(count: *mut u32) -> fh_status_t {
    run(|| {
        device::get()?;
        // SAFETY: the loader passes a valid output pointer.
        unsafe { write_out(count, 1, "count") }
    })
}

/// `device_get`.
/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub unsafe extern "C" fn device_get(index: u32, out: *mut fhp_device_t) -> fh_status_t {
    run(|| {
        let device = device::get()?;
        if index != 0 {
            return Err(FfiError::new(FH_ERROR_INVALID_DEVICE, format!("device index {index}; the CPU plugin has 1 device")));
        }
        // SAFETY: the loader passes a valid output pointer.
        unsafe { write_out(out, handles::device_handle(device), "device") }
    })
}

/// `device_get_properties`: writes only inside props->struct_size.
/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub unsafe extern "C" fn device_get_properties(device: fhp_device_t, props: *mut fh_device_properties_t) -> fh_status_t {
    run(|| {
        // SAFETY: a device handle from device_get.
        let device = unsafe { handles::device(device) }?;
        // SAFETY: the loader passes a sized properties struct.
        unsafe { write_sized(props, &device.properties, struct_sizes::FH_DEVICE_PROPERTIES_MIN_STRUCT_SIZE, "props") }.map(|_| ())
    })
}

/// `device_synchronize`.
/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub unsafe extern "C" fn device_synchronize(device: fhp_device_t) -> fh_status_t {
    // SAFETY: a device handle from device_get.
    run(|| unsafe { handles::device(device) }?.synchronize())
}

/// `mem_get_info`.
/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub unsafe extern "C" fn mem_get_info(device: fhp_device_t, free: *mut usize, total: *mut usize) -> fh_status_t {
    run(|| {
        // SAFETY: a device handle from device_get.
        let device = unsafe { handles::device(device) }?;
        flaghal_sys::ptr::require_non_null(free, "free_bytes")?;
        flaghal_sys::ptr::require_non_null(total, "total_bytes")?;
        let clamp = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        // SAFETY: both checked non-NULL; the loader passes valid pointers.
        unsafe {
            write_out(free, clamp(device.memory.free()), "free_bytes")?;
            write_out(total, clamp(device.memory.total()), "total_bytes")
        }
    })
}
