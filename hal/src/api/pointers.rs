//! fhPointerGetAttributes (API 1.2): which device's allocation contains an
//! address. A device whose plugin has `pointer_get_attributes` (ABI 1.1) is
//! asked through it; for any other device (ABI 1.0) the loader answers from
//! `Device::pointer_records`, which api/memory.rs keeps as allocations pass
//! through fhMemAlloc/fhMemAllocHost and their frees. Those records exist
//! only for such devices, so a 1.1 plugin's allocations cost the loader
//! nothing.

use super::{device, exports};
use crate::failure::{plugin_status, ApiResult};
use crate::handles::Device;
use crate::registry;
use flaghal_sys::struct_sizes::FH_POINTER_ATTRIBUTES_STRUCT_SIZE_1_2 as ATTRIBUTES_MIN_SIZE;
use flaghal_sys::*;

/// Records an allocation the plugin just made, where the loader answers for it.
#[inline]
pub(crate) fn record(d: &Device, memory_type: fh_memory_type_t, base: u64, size: usize) {
    if let Some(records) = &d.pointer_records {
        records.insert(memory_type, base, size as u64);
    }
}

/// Forgets an allocation the plugin just freed, where the loader answers for it.
#[inline]
pub(crate) fn forget(d: &Device, memory_type: fh_memory_type_t, base: u64) {
    if let Some(records) = &d.pointer_records {
        records.remove(memory_type, base);
    }
}

/// Pure: the answer for an address no device asked owns.
pub fn unregistered(next: *mut std::ffi::c_void) -> fh_pointer_attributes_t {
    fh_pointer_attributes_t {
        struct_size: std::mem::size_of::<fh_pointer_attributes_t>(),
        next,
        type_: FH_MEMORY_TYPE_UNREGISTERED,
        device_ordinal: u32::MAX,
        device: std::ptr::null_mut(),
        base: 0,
        size: 0,
    }
}

/// Asks one device: `Some` with type, base and size when it owns `address`.
fn ask(d: &'static Device, address: fh_deviceptr_t, function: &str) -> ApiResult<Option<fh_pointer_attributes_t>> {
    let mut found = unregistered(std::ptr::null_mut());
    match d.plugin.api.pointer_get_attributes {
        Some(f) => {
            found.device_ordinal = 0;
            // SAFETY: a checked device handle of this plugin and a current-size
            // struct it may write (plugin ABI, pointer_get_attributes).
            let status = unsafe { f(d.native, address, &mut found) };
            if status == FH_ERROR_NOT_FOUND {
                // The ordinary "not mine": no failure, no detail kept.
                crate::error_state::discard_stale_plugin_detail();
                return Ok(None);
            }
            plugin_status(&d.plugin.name, function, status)?;
        }
        None => {
            let Some(hit) = d.pointer_records.as_ref().and_then(|r| r.find(address)) else {
                return Ok(None);
            };
            found.type_ = hit.memory_type;
            found.base = hit.base;
            found.size = hit.size;
        }
    }
    found.device = d.as_handle();
    found.device_ordinal = d.ordinal;
    Ok(Some(found))
}

exports! {
    /// # Safety
    /// `attributes` is NULL or a sized struct writable for its struct_size.
    fn fhPointerGetAttributes(attributes: *mut fh_pointer_attributes_t, handle: fh_device_t, address: fh_deviceptr_t) {
        let registry = registry::get()?;
        // SAFETY: NULL or a sized struct; read only inside its size.
        let given: fh_pointer_attributes_t = unsafe { sized::read_sized(attributes, ATTRIBUTES_MIN_SIZE, "attributes") }?;
        let mut answer = None;
        if handle.is_null() {
            for d in &registry.devices {
                answer = ask(d, address, FUNCTION)?;
                if answer.is_some() {
                    break;
                }
            }
        } else {
            answer = ask(device(handle)?, address, FUNCTION)?;
        }
        let mut answer = answer.unwrap_or_else(|| unregistered(given.next));
        answer.next = given.next;
        // SAFETY: checked above: non-NULL and at least the 1.2 size; written
        // only inside the caller's struct_size.
        unsafe { sized::write_sized(attributes, &answer, ATTRIBUTES_MIN_SIZE, "attributes") }?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_unregistered_answer_names_no_device() {
        let a = unregistered(std::ptr::null_mut());
        assert_eq!((a.type_, a.device_ordinal, a.base, a.size), (FH_MEMORY_TYPE_UNREGISTERED, u32::MAX, 0, 0));
        assert!(a.device.is_null());
    }
}
