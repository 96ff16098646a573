//! fhDeviceGetCount, fhDeviceGet, fhDeviceGetProperties, fhDeviceSynchronize,
//! fhMemGetInfo.

use super::{call_plugin, device, exports};
use crate::failure::fail;
use crate::registry;
use flaghal_sys::*;
// Smallest fh_device_properties_t accepted (flaghal.h: "any size >= offsetof(name)").
use flaghal_sys::struct_sizes::FH_DEVICE_PROPERTIES_MIN_STRUCT_SIZE as PROPERTIES_MIN_SIZE;

exports! {
    /// # Safety
    /// `count` is NULL or writable.
    fn fhDeviceGetCount(count: *mut u32) {
        let registry = registry::get()?;
        // SAFETY: NULL or writable per the contract.
        Ok(unsafe { ptr::write_out(count, registry.devices.len() as u32, "count") }?)
    }

    /// # Safety
    /// `handle` is NULL or writable.
    fn fhDeviceGet(ordinal: u32, handle: *mut fh_device_t) {
        let registry = registry::get()?;
        ptr::require_non_null(handle, "device")?;
        let d = registry.devices.get(ordinal as usize).ok_or_else(|| {
            fail(FH_ERROR_INVALID_DEVICE, format!("ordinal {ordinal} is out of range ({} devices)", registry.devices.len()))
        })?;
        // SAFETY: non-NULL and writable per the contract.
        Ok(unsafe { ptr::write_out(handle, d.as_handle(), "device") }?)
    }

    /// # Safety
    /// `properties` is NULL or a struct whose `struct_size` bytes are writable.
    fn fhDeviceGetProperties(handle: fh_device_t, properties: *mut fh_device_properties_t) {
        let d = device(handle)?;
        // SAFETY: NULL or a sized struct; read only inside its size.
        let given: fh_device_properties_t = unsafe { sized::read_sized(properties, PROPERTIES_MIN_SIZE, "properties") }?;
        let value = fh_device_properties_t { struct_size: given.struct_size, next: given.next, ..d.props };
        // SAFETY: as above; writes only inside the caller's struct_size.
        unsafe { sized::write_sized(properties, &value, PROPERTIES_MIN_SIZE, "properties") }?;
        Ok(())
    }

    /// # Safety
    /// `handle` is NULL or a handle from fhDeviceGet.
    fn fhDeviceSynchronize(handle: fh_device_t) {
        let d = device(handle)?;
        let result = call_plugin!(d.plugin, device_synchronize, FUNCTION, d.native);
        crate::trace::device_synchronized(d);
        result
    }

    /// # Safety
    /// `free_bytes` and `total_bytes` are NULL or writable (not both NULL).
    fn fhMemGetInfo(handle: fh_device_t, free_bytes: *mut usize, total_bytes: *mut usize) {
        let d = device(handle)?;
        if free_bytes.is_null() && total_bytes.is_null() {
            return Err(fail(FH_ERROR_INVALID_VALUE, "free_bytes and total_bytes are both NULL"));
        }
        let (mut free, mut total) = (0usize, 0usize);
        call_plugin!(d.plugin, mem_get_info, FUNCTION, d.native, &mut free, &mut total)?;
        // SAFETY: each is NULL or writable per the contract.
        unsafe {
            ptr::write_optional(free_bytes, free);
            ptr::write_optional(total_bytes, total);
        }
        Ok(())
    }
}
