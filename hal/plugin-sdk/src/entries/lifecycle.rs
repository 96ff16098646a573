//! init and the device entries.

use super::reported_capabilities;
use crate::handles;
use crate::sys::ptr::{in_ref, require_non_null, write_out};
use crate::sys::sized::{read_sized, write_sized};
use crate::sys::struct_sizes::{
    FH_DEVICE_PROPERTIES_MIN_STRUCT_SIZE, FH_PLUGIN_HOST_SERVICES_STRUCT_SIZE_1_0, FH_PLUGIN_INIT_ARGS_STRUCT_SIZE_1_0,
};
use crate::sys::version::{version_major, version_minor};
use crate::sys::{self, fh_device_properties_t, fh_plugin_host_services_t, fh_plugin_init_args_t, fh_status_t, fhp_device_t};
use crate::traits::{Device, Plugin};
use crate::{boundary, host, FfiError, FfiResult};

/// The device handles, or FH_ERROR_NOT_INITIALIZED before init.
fn devices() -> FfiResult<impl ExactSizeIterator<Item = fhp_device_t>> {
    handles::device_handles().ok_or_else(|| FfiError::new(sys::FH_ERROR_NOT_INITIALIZED, "the plugin's init has not run"))
}

/// `init`: checks its arguments and the negotiated version, stores the host
/// services, then calls `Plugin::init`.
///
/// # Safety
/// See the module doc of `entries`.
pub unsafe extern "C" fn init<P: Plugin>(args: *const fh_plugin_init_args_t) -> fh_status_t {
    boundary(|| {
        // SAFETY: the loader passes a sized init-args struct.
        let args = unsafe { read_sized(args, FH_PLUGIN_INIT_ARGS_STRUCT_SIZE_1_0, "args") }?;
        // SAFETY: `host` points to services valid until process exit.
        let services = unsafe { in_ref(args.host, "args->host") }?;
        // SAFETY: as above; a sized struct.
        let services: fh_plugin_host_services_t =
            unsafe { read_sized(services, FH_PLUGIN_HOST_SERVICES_STRUCT_SIZE_1_0, "args->host") }?;
        host::install(&services);
        let (major, minor) = (version_major(args.abi_version), version_minor(args.abi_version));
        if major != sys::FH_PLUGIN_ABI_VERSION_MAJOR || minor > P::ABI_MAX_MINOR {
            return Err(FfiError::new(
                sys::FH_ERROR_INVALID_VALUE,
                format!(
                    "init with ABI {major}.{minor}, which negotiation cannot have agreed: this plugin implements {}.0 to {}.{}",
                    sys::FH_PLUGIN_ABI_VERSION_MAJOR,
                    sys::FH_PLUGIN_ABI_VERSION_MAJOR,
                    P::ABI_MAX_MINOR
                ),
            ));
        }
        let devices = P::init()?;
        crate::pointers::register::<P>(devices);
        handles::register_devices::<P>(devices);
        Ok(())
    })
}

/// # Safety
/// See the module doc of `entries`.
pub unsafe extern "C" fn device_count<P: Plugin>(count: *mut u32) -> fh_status_t {
    boundary(|| {
        let n = u32::try_from(devices()?.len()).unwrap_or(u32::MAX);
        // SAFETY: the loader passes a valid output pointer (NULL is refused).
        unsafe { write_out(count, n, "count") }
    })
}

/// # Safety
/// See the module doc of `entries`.
pub unsafe extern "C" fn device_get<P: Plugin>(index: u32, out: *mut fhp_device_t) -> fh_status_t {
    boundary(|| {
        let mut devices = devices()?;
        require_non_null(out, "device")?;
        let count = devices.len();
        let handle = devices.nth(index as usize).ok_or_else(|| {
            FfiError::new(sys::FH_ERROR_INVALID_DEVICE, format!("device index {index}; the {} plugin has {count} device(s)", P::NAME.to_string_lossy()))
        })?;
        // SAFETY: checked non-NULL; the loader passes a valid output pointer.
        unsafe { write_out(out, handle, "device") }
    })
}

/// `device_get_properties`: writes only inside props->struct_size.
///
/// # Safety
/// See the module doc of `entries`.
pub unsafe extern "C" fn device_get_properties<P: Plugin>(device: fhp_device_t, props: *mut fh_device_properties_t) -> fh_status_t {
    boundary(|| {
        // SAFETY: a handle of this plugin or one the check refuses.
        let device = unsafe { handles::device::<P>(device) }?;
        let mut value: fh_device_properties_t = **device.properties();
        let reported = reported_capabilities::<P>(value.capabilities);
        if reported != value.capabilities {
            host::warn(&format!(
                "device {:?} reports capabilities {:#x} whose optional entries are not in Plugin::OPTIONAL_ENTRIES: not reported",
                crate::sys::ptr::char_array_to_string(&value.name),
                value.capabilities & !reported
            ));
            value.capabilities = reported;
        }
        // SAFETY: the loader passes a sized properties struct.
        unsafe { write_sized(props, &value, FH_DEVICE_PROPERTIES_MIN_STRUCT_SIZE, "props") }.map(|_| ())
    })
}

/// # Safety
/// See the module doc of `entries`.
pub unsafe extern "C" fn device_synchronize<P: Plugin>(device: fhp_device_t) -> fh_status_t {
    // SAFETY: a handle of this plugin or one the check refuses.
    boundary(|| unsafe { handles::device::<P>(device) }?.synchronize())
}

/// # Safety
/// See the module doc of `entries`.
pub unsafe extern "C" fn mem_get_info<P: Plugin>(device: fhp_device_t, free: *mut usize, total: *mut usize) -> fh_status_t {
    boundary(|| {
        // SAFETY: a handle of this plugin or one the check refuses.
        let device = unsafe { handles::device::<P>(device) }?;
        require_non_null(free, "free_bytes")?;
        require_non_null(total, "total_bytes")?;
        let (free_bytes, total_bytes) = device.mem_info();
        let clamp = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        // SAFETY: both checked non-NULL; the loader passes valid pointers.
        unsafe {
            write_out(free, clamp(free_bytes), "free_bytes")?;
            write_out(total, clamp(total_bytes), "total_bytes")
        }
    })
}
