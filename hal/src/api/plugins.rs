//! fhPluginGetCount and fhPluginGetInfo: which plugins were found, and why
//! one was skipped.

use super::exports;
use crate::failure::fail;
use crate::registry;
use flaghal_sys::*;
// Smallest fh_plugin_info_t accepted: up to and including `next`.
use flaghal_sys::struct_sizes::FH_PLUGIN_INFO_MIN_STRUCT_SIZE as INFO_MIN_SIZE;

exports! {
    /// # Safety
    /// `count` is NULL or writable.
    fn fhPluginGetCount(count: *mut u32) {
        let registry = registry::get()?;
        // SAFETY: NULL or writable per the contract.
        Ok(unsafe { ptr::write_out(count, registry.plugins.len() as u32, "count") }?)
    }

    /// # Safety
    /// `info` is NULL or a struct whose `struct_size` bytes are writable.
    fn fhPluginGetInfo(index: u32, info: *mut fh_plugin_info_t) {
        let registry = registry::get()?;
        // SAFETY: NULL or a sized struct per the contract; reads only inside its size.
        let given: fh_plugin_info_t = unsafe { sized::read_sized(info, INFO_MIN_SIZE, "info") }?;
        super::require_no_extension(given.next, "info")?;
        let p = registry.plugins.get(index as usize).ok_or_else(|| {
            fail(FH_ERROR_INVALID_VALUE, format!("index {index} is out of range ({} plugins)", registry.plugins.len()))
        })?;
        let value = fh_plugin_info_t {
            struct_size: given.struct_size,
            next: given.next,
            name: p.name.as_ptr(),
            vendor: p.vendor.as_ptr(),
            version: p.version.as_ptr(),
            library_path: p.library_path.as_ptr(),
            manifest_path: p.manifest_path.as_ptr(),
            abi_version: p.abi_version,
            status: p.status,
            skip_reason: p.skip_reason,
            skip_detail: p.skip_detail.as_ptr(),
            device_count: p.device_count,
        };
        // SAFETY: as above; writes only inside the caller's struct_size.
        unsafe { sized::write_sized(info, &value, INFO_MIN_SIZE, "info") }?;
        Ok(())
    }
}
