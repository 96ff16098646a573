//! Table entries: Allocation, copies and memsets.

use super::*;

/// # Safety
/// `src` is NULL or readable for `size` bytes.
unsafe fn host_src<'a>(src: *const c_void, size: usize) -> FfiResult<&'a [u8]> {
    flaghal_sys::ptr::require_non_null(src, "src")?;
    // SAFETY: per the function contract.
    unsafe { in_bytes(src, size, "src") }
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub(crate) unsafe extern "C" fn mem_alloc(handle: sys::fhp_device_t, size: usize, out: *mut sys::fh_deviceptr_t) -> sys::fh_status_t {
    call(|| {
        flaghal_sys::ptr::require_non_null(out, "ptr")?;
        if size == 0 {
            return Err(invalid_value("size is 0"));
        }
        // SAFETY: loader-validated handle.
        let d = unsafe { device(handle) }?;
        let address = d.memory.lock().alloc(size as u64)?;
        // SAFETY: checked non-NULL above.
        unsafe { write_out(out, address, "ptr") }
    })
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub(crate) unsafe extern "C" fn mem_free(handle: sys::fhp_device_t, ptr: sys::fh_deviceptr_t) -> sys::fh_status_t {
    // SAFETY: loader-validated handle.
    call(|| unsafe { device(handle) }?.memory.lock().free(ptr))
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub(crate) unsafe extern "C" fn mem_alloc_host(handle: sys::fhp_device_t, size: usize, out: *mut *mut c_void) -> sys::fh_status_t {
    call(|| {
        flaghal_sys::ptr::require_non_null(out, "ptr")?;
        if size == 0 {
            return Err(invalid_value("size is 0"));
        }
        // SAFETY: loader-validated handle.
        let d = unsafe { device(handle) }?;
        let mut pool = d.pinned.lock();
        let address = pool.alloc(size as u64)?;
        let host = pool.resolve(address, size as u64)?.host.expect("pinned memory is mapped");
        // SAFETY: checked non-NULL above.
        unsafe { write_out(out, host as *mut c_void, "ptr") }
    })
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub(crate) unsafe extern "C" fn mem_free_host(handle: sys::fhp_device_t, ptr: *mut c_void) -> sys::fh_status_t {
    call(|| {
        // SAFETY: loader-validated handle.
        let d = unsafe { device(handle) }?;
        let mut pool = d.pinned.lock();
        let address = pool
            .address_of_host(ptr as usize, 0)
            .ok_or_else(|| invalid_value(format!("{ptr:p} is not memory from fhMemAllocHost on this device")))?;
        pool.free(address).map_err(|_| invalid_value(format!("{ptr:p} is not the start of a pinned allocation")))
    })
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub(crate) unsafe extern "C" fn memcpy_htod(
    handle: sys::fhp_device_t,
    dst: sys::fh_deviceptr_t,
    src: *const c_void,
    size: usize,
) -> sys::fh_status_t {
    call(|| {
        // SAFETY: loader-validated handle; the caller provides `size` bytes at src.
        let (d, bytes) = unsafe { (device(handle)?, host_src(src, size)?) };
        copy::htod(d, dst, bytes)
    })
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub(crate) unsafe extern "C" fn memcpy_dtoh(
    handle: sys::fhp_device_t,
    dst: *mut c_void,
    src: sys::fh_deviceptr_t,
    size: usize,
) -> sys::fh_status_t {
    call(|| {
        flaghal_sys::ptr::require_non_null(dst, "dst")?;
        // SAFETY: loader-validated handle; the caller provides `size` writable bytes.
        let (d, bytes) = unsafe { (device(handle)?, out_bytes(dst, size, "dst")?) };
        copy::dtoh(d, bytes, src)
    })
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub(crate) unsafe extern "C" fn memcpy_dtod(
    handle: sys::fhp_device_t,
    dst: sys::fh_deviceptr_t,
    src: sys::fh_deviceptr_t,
    size: usize,
) -> sys::fh_status_t {
    // SAFETY: loader-validated handle.
    call(|| copy::dtod(unsafe { device(handle) }?, dst, src, size as u64))
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub(crate) unsafe extern "C" fn memcpy_htod_async(
    s: sys::fhp_stream_t,
    dst: sys::fh_deviceptr_t,
    src: *const c_void,
    size: usize,
) -> sys::fh_status_t {
    call(|| {
        // SAFETY: loader-validated handle; `size` readable bytes at src.
        let (s, bytes) = unsafe { (stream(s)?, host_src(src, size)?) };
        copy::htod_async(s, dst, bytes)
    })
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub(crate) unsafe extern "C" fn memcpy_dtoh_async(
    s: sys::fhp_stream_t,
    dst: *mut c_void,
    src: sys::fh_deviceptr_t,
    size: usize,
) -> sys::fh_status_t {
    call(|| {
        flaghal_sys::ptr::require_non_null(dst, "dst")?;
        // SAFETY: loader-validated handle.
        copy::dtoh_async(unsafe { stream(s) }?, dst as usize, src, size)
    })
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub(crate) unsafe extern "C" fn memcpy_dtod_async(
    s: sys::fhp_stream_t,
    dst: sys::fh_deviceptr_t,
    src: sys::fh_deviceptr_t,
    size: usize,
) -> sys::fh_status_t {
    // SAFETY: loader-validated handle.
    call(|| copy::dtod_async(unsafe { stream(s) }?, dst, src, size as u64))
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub(crate) unsafe extern "C" fn memset(
    handle: sys::fhp_device_t,
    dst: sys::fh_deviceptr_t,
    value: u32,
    element_size: u32,
    count: usize,
) -> sys::fh_status_t {
    // SAFETY: loader-validated handle.
    call(|| copy::memset(unsafe { device(handle) }?, dst, value, element_size, count))
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub(crate) unsafe extern "C" fn memset_async(
    s: sys::fhp_stream_t,
    dst: sys::fh_deviceptr_t,
    value: u32,
    element_size: u32,
    count: usize,
) -> sys::fh_status_t {
    // SAFETY: loader-validated handle.
    call(|| copy::memset_async(unsafe { stream(s) }?, dst, value, element_size, count))
}
