//! fhMemAlloc/Free, fhMemAllocHost/FreeHost, the six copies and the six
//! memsets. Zero-size copies and memsets succeed without calling the plugin
//! (host pointers are still checked). With FLAGHAL_VALIDATION=1 every device
//! range is checked against the device's live allocations.

use super::{call_plugin, device, stream};
use crate::failure::{export, fail, ApiResult};
use crate::handles::Device;
use crate::validation;
use flaghal_sys::*;
use std::ffi::c_void;

fn not_supported(d: &Device, what: &str) -> crate::failure::Failure {
    fail(FH_ERROR_NOT_SUPPORTED, format!("{} does not support {what}", d.describe()))
}

/// # Safety
/// `ptr_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn fhMemAlloc(handle: fh_device_t, size: usize, ptr_out: *mut fh_deviceptr_t) -> fh_status_t {
    export("fhMemAlloc", || {
        let d = device(handle)?;
        ptr::require_non_null(ptr_out, "ptr")?;
        if size == 0 {
            return Err(fail(FH_ERROR_INVALID_VALUE, "size is 0"));
        }
        let mut address: fh_deviceptr_t = 0;
        call_plugin!(d.plugin, mem_alloc, "fhMemAlloc", d.native, size, &mut address)?;
        validation::record_allocation(d, address, size);
        // SAFETY: non-NULL and writable per the contract.
        Ok(unsafe { ptr::write_out(ptr_out, address, "ptr") }?)
    })
}

/// # Safety
/// None beyond the C signature.
#[no_mangle]
pub unsafe extern "C" fn fhMemFree(handle: fh_device_t, address: fh_deviceptr_t) -> fh_status_t {
    export("fhMemFree", || {
        let d = device(handle)?;
        if address == 0 {
            return Ok(());
        }
        let taken = validation::take_allocation(d, address)?;
        call_plugin!(d.plugin, mem_free, "fhMemFree", d.native, address).inspect_err(|_| {
            validation::restore_allocation(d, address, taken);
        })
    })
}

/// # Safety
/// `ptr_out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn fhMemAllocHost(handle: fh_device_t, size: usize, ptr_out: *mut *mut c_void) -> fh_status_t {
    export("fhMemAllocHost", || {
        let d = device(handle)?;
        ptr::require_non_null(ptr_out, "ptr")?;
        let f = match d.plugin.api.mem_alloc_host {
            Some(f) if d.has_capability(FH_DEVICE_CAP_PINNED_HOST_MEMORY) => f,
            _ => return Err(not_supported(d, "pinned host memory (FH_DEVICE_CAP_PINNED_HOST_MEMORY)")),
        };
        if size == 0 {
            return Err(fail(FH_ERROR_INVALID_VALUE, "size is 0"));
        }
        let mut host: *mut c_void = std::ptr::null_mut();
        // SAFETY: checked device handle, non-zero size, valid output (rule 7).
        let status = unsafe { f(d.native, size, &mut host) };
        crate::failure::plugin_status(&d.plugin.name, "fhMemAllocHost", status)?;
        // SAFETY: non-NULL and writable per the contract.
        Ok(unsafe { ptr::write_out(ptr_out, host, "ptr") }?)
    })
}

/// # Safety
/// `host` is NULL or memory from fhMemAllocHost on this device.
#[no_mangle]
pub unsafe extern "C" fn fhMemFreeHost(handle: fh_device_t, host: *mut c_void) -> fh_status_t {
    export("fhMemFreeHost", || {
        let d = device(handle)?;
        if host.is_null() {
            return Ok(());
        }
        let f = match d.plugin.api.mem_free_host {
            Some(f) if d.has_capability(FH_DEVICE_CAP_PINNED_HOST_MEMORY) => f,
            _ => return Err(not_supported(d, "pinned host memory (FH_DEVICE_CAP_PINNED_HOST_MEMORY)")),
        };
        // SAFETY: checked device handle and a non-NULL pointer (rule 7).
        let status = unsafe { f(d.native, host) };
        crate::failure::plugin_status(&d.plugin.name, "fhMemFreeHost", status)
    })
}

fn host_src(src: *const c_void) -> ApiResult {
    Ok(ptr::require_non_null(src, "src")?)
}

fn host_dst(dst: *mut c_void) -> ApiResult {
    Ok(ptr::require_non_null(dst, "dst")?)
}

/// # Safety
/// `src` is NULL or readable for `size` bytes.
#[no_mangle]
pub unsafe extern "C" fn fhMemcpyHtoD(handle: fh_device_t, dst: fh_deviceptr_t, src: *const c_void, size: usize) -> fh_status_t {
    export("fhMemcpyHtoD", || {
        let d = device(handle)?;
        host_src(src)?;
        if size == 0 {
            return Ok(());
        }
        validation::check_range(d, dst, size, "dst")?;
        call_plugin!(d.plugin, memcpy_htod, "fhMemcpyHtoD", d.native, dst, src, size)
    })
}

/// # Safety
/// `dst` is NULL or writable for `size` bytes.
#[no_mangle]
pub unsafe extern "C" fn fhMemcpyDtoH(handle: fh_device_t, dst: *mut c_void, src: fh_deviceptr_t, size: usize) -> fh_status_t {
    export("fhMemcpyDtoH", || {
        let d = device(handle)?;
        host_dst(dst)?;
        if size == 0 {
            return Ok(());
        }
        validation::check_range(d, src, size, "src")?;
        call_plugin!(d.plugin, memcpy_dtoh, "fhMemcpyDtoH", d.native, dst, src, size)
    })
}

/// # Safety
/// None beyond the C signature.
#[no_mangle]
pub unsafe extern "C" fn fhMemcpyDtoD(handle: fh_device_t, dst: fh_deviceptr_t, src: fh_deviceptr_t, size: usize) -> fh_status_t {
    export("fhMemcpyDtoD", || {
        let d = device(handle)?;
        if size == 0 {
            return Ok(());
        }
        validation::check_range(d, dst, size, "dst")?;
        validation::check_range(d, src, size, "src")?;
        call_plugin!(d.plugin, memcpy_dtod, "fhMemcpyDtoD", d.native, dst, src, size)
    })
}

/// # Safety
/// `src` is NULL or readable for `size` bytes until the stream reaches the copy.
#[no_mangle]
pub unsafe extern "C" fn fhMemcpyHtoDAsync(dst: fh_deviceptr_t, src: *const c_void, size: usize, handle: fh_stream_t) -> fh_status_t {
    export("fhMemcpyHtoDAsync", || {
        let s = stream(handle)?;
        host_src(src)?;
        if size == 0 {
            return Ok(());
        }
        let d = s.device();
        validation::check_range(d, dst, size, "dst")?;
        call_plugin!(d.plugin, memcpy_htod_async, "fhMemcpyHtoDAsync", s.native(), dst, src, size)
    })
}

/// # Safety
/// `dst` is NULL or writable for `size` bytes until the stream reaches the copy.
#[no_mangle]
pub unsafe extern "C" fn fhMemcpyDtoHAsync(dst: *mut c_void, src: fh_deviceptr_t, size: usize, handle: fh_stream_t) -> fh_status_t {
    export("fhMemcpyDtoHAsync", || {
        let s = stream(handle)?;
        host_dst(dst)?;
        if size == 0 {
            return Ok(());
        }
        let d = s.device();
        validation::check_range(d, src, size, "src")?;
        call_plugin!(d.plugin, memcpy_dtoh_async, "fhMemcpyDtoHAsync", s.native(), dst, src, size)
    })
}

/// # Safety
/// None beyond the C signature.
#[no_mangle]
pub unsafe extern "C" fn fhMemcpyDtoDAsync(dst: fh_deviceptr_t, src: fh_deviceptr_t, size: usize, handle: fh_stream_t) -> fh_status_t {
    export("fhMemcpyDtoDAsync", || {
        let s = stream(handle)?;
        if size == 0 {
            return Ok(());
        }
        let d = s.device();
        validation::check_range(d, dst, size, "dst")?;
        validation::check_range(d, src, size, "src")?;
        call_plugin!(d.plugin, memcpy_dtod_async, "fhMemcpyDtoDAsync", s.native(), dst, src, size)
    })
}

fn memset_sync(function: &'static str, handle: fh_device_t, dst: fh_deviceptr_t, value: u32, element: u32, count: usize) -> fh_status_t {
    export(function, || {
        let d = device(handle)?;
        if count == 0 {
            return Ok(());
        }
        let bytes = count.checked_mul(element as usize).ok_or_else(|| fail(FH_ERROR_INVALID_VALUE, "count overflows"))?;
        validation::check_range(d, dst, bytes, "dst")?;
        let f = crate::required!(d.plugin, memset);
        // SAFETY: checked device handle; data arguments pass through (rule 7).
        let status = unsafe { f(d.native, dst, value, element, count) };
        crate::failure::plugin_status(&d.plugin.name, function, status)
    })
}

fn memset_async(function: &'static str, dst: fh_deviceptr_t, value: u32, element: u32, count: usize, handle: fh_stream_t) -> fh_status_t {
    export(function, || {
        let s = stream(handle)?;
        if count == 0 {
            return Ok(());
        }
        let d = s.device();
        let bytes = count.checked_mul(element as usize).ok_or_else(|| fail(FH_ERROR_INVALID_VALUE, "count overflows"))?;
        validation::check_range(d, dst, bytes, "dst")?;
        let f = crate::required!(d.plugin, memset_async);
        // SAFETY: checked stream handle; data arguments pass through (rule 7).
        let status = unsafe { f(s.native(), dst, value, element, count) };
        crate::failure::plugin_status(&d.plugin.name, function, status)
    })
}

/// # Safety
/// None beyond the C signature.
#[no_mangle]
pub unsafe extern "C" fn fhMemsetD8(handle: fh_device_t, dst: fh_deviceptr_t, value: u8, count: usize) -> fh_status_t {
    memset_sync("fhMemsetD8", handle, dst, value.into(), 1, count)
}

/// # Safety
/// None beyond the C signature.
#[no_mangle]
pub unsafe extern "C" fn fhMemsetD16(handle: fh_device_t, dst: fh_deviceptr_t, value: u16, count: usize) -> fh_status_t {
    memset_sync("fhMemsetD16", handle, dst, value.into(), 2, count)
}

/// # Safety
/// None beyond the C signature.
#[no_mangle]
pub unsafe extern "C" fn fhMemsetD32(handle: fh_device_t, dst: fh_deviceptr_t, value: u32, count: usize) -> fh_status_t {
    memset_sync("fhMemsetD32", handle, dst, value, 4, count)
}

/// # Safety
/// None beyond the C signature.
#[no_mangle]
pub unsafe extern "C" fn fhMemsetD8Async(dst: fh_deviceptr_t, value: u8, count: usize, handle: fh_stream_t) -> fh_status_t {
    memset_async("fhMemsetD8Async", dst, value.into(), 1, count, handle)
}

/// # Safety
/// None beyond the C signature.
#[no_mangle]
pub unsafe extern "C" fn fhMemsetD16Async(dst: fh_deviceptr_t, value: u16, count: usize, handle: fh_stream_t) -> fh_status_t {
    memset_async("fhMemsetD16Async", dst, value.into(), 2, count, handle)
}

/// # Safety
/// None beyond the C signature.
#[no_mangle]
pub unsafe extern "C" fn fhMemsetD32Async(dst: fh_deviceptr_t, value: u32, count: usize, handle: fh_stream_t) -> fh_status_t {
    memset_async("fhMemsetD32Async", dst, value, 4, count, handle)
}
