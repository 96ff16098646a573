//! fhMemAlloc/Free, fhMemAllocHost/FreeHost, the six copies and the six
//! memsets. Zero-size copies and memsets succeed without calling the plugin
//! (host pointers are still checked). With FLAGHAL_VALIDATION=1 every device
//! range is checked against the device's live allocations.

use super::{call_plugin, device, exports, pointers, stream};
use crate::failure::{fail, ApiResult};
use crate::handles::Device;
use crate::{trace, validation};
use flaghal_sys::*;
use std::ffi::c_void;

fn not_supported(d: &Device, what: &str) -> crate::failure::Failure {
    fail(FH_ERROR_NOT_SUPPORTED, format!("{} does not support {what}", d.describe()))
}

exports! {
    /// # Safety
    /// `ptr_out` is NULL or writable.
    fn fhMemAlloc(handle: fh_device_t, size: usize, ptr_out: *mut fh_deviceptr_t) {
        let d = device(handle)?;
        ptr::require_non_null(ptr_out, "ptr")?;
        if size == 0 {
            return Err(fail(FH_ERROR_INVALID_VALUE, "size is 0"));
        }
        let mut address: fh_deviceptr_t = 0;
        call_plugin!(d.plugin, mem_alloc, FUNCTION, d.native, size, &mut address)?;
        validation::record_allocation(d, address, size);
        pointers::record(d, FH_MEMORY_TYPE_DEVICE, address, size);
        // SAFETY: non-NULL and writable per the contract.
        Ok(unsafe { ptr::write_out(ptr_out, address, "ptr") }?)
    }

    /// # Safety
    /// None beyond the C signature.
    fn fhMemFree(handle: fh_device_t, address: fh_deviceptr_t) {
        let d = device(handle)?;
        if address == 0 {
            return Ok(());
        }
        let taken = validation::take_allocation(d, address)?;
        call_plugin!(d.plugin, mem_free, FUNCTION, d.native, address).inspect_err(|_| {
            validation::restore_allocation(d, address, taken);
        })?;
        pointers::forget(d, FH_MEMORY_TYPE_DEVICE, address);
        Ok(())
    }

    /// # Safety
    /// `ptr_out` is NULL or writable.
    fn fhMemAllocHost(handle: fh_device_t, size: usize, ptr_out: *mut *mut c_void) {
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
        crate::failure::plugin_status(&d.plugin.name, FUNCTION, status)?;
        pointers::record(d, FH_MEMORY_TYPE_HOST, host as u64, size);
        // SAFETY: non-NULL and writable per the contract.
        Ok(unsafe { ptr::write_out(ptr_out, host, "ptr") }?)
    }

    /// # Safety
    /// `host` is NULL or memory from fhMemAllocHost on this device.
    fn fhMemFreeHost(handle: fh_device_t, host: *mut c_void) {
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
        crate::failure::plugin_status(&d.plugin.name, FUNCTION, status)?;
        pointers::forget(d, FH_MEMORY_TYPE_HOST, host as u64);
        Ok(())
    }

    /// # Safety
    /// `src` is NULL or readable for `size` bytes.
    fn fhMemcpyHtoD(handle: fh_device_t, dst: fh_deviceptr_t, src: *const c_void, size: usize) {
        let d = device(handle)?;
        host_src(src)?;
        if size == 0 {
            return Ok(());
        }
        validation::check_range(d, dst, size, "dst")?;
        call_plugin!(d.plugin, memcpy_htod, FUNCTION, d.native, dst, src, size)
    }

    /// # Safety
    /// `dst` is NULL or writable for `size` bytes.
    fn fhMemcpyDtoH(handle: fh_device_t, dst: *mut c_void, src: fh_deviceptr_t, size: usize) {
        let d = device(handle)?;
        host_dst(dst)?;
        if size == 0 {
            return Ok(());
        }
        validation::check_range(d, src, size, "src")?;
        call_plugin!(d.plugin, memcpy_dtoh, FUNCTION, d.native, dst, src, size)
    }

    /// # Safety
    /// None beyond the C signature.
    fn fhMemcpyDtoD(handle: fh_device_t, dst: fh_deviceptr_t, src: fh_deviceptr_t, size: usize) {
        let d = device(handle)?;
        if size == 0 {
            return Ok(());
        }
        validation::check_range(d, dst, size, "dst")?;
        validation::check_range(d, src, size, "src")?;
        call_plugin!(d.plugin, memcpy_dtod, FUNCTION, d.native, dst, src, size)
    }

    /// # Safety
    /// `src` is NULL or readable for `size` bytes until the stream reaches the copy.
    fn fhMemcpyHtoDAsync(dst: fh_deviceptr_t, src: *const c_void, size: usize, handle: fh_stream_t) {
        let s = stream(handle)?;
        host_src(src)?;
        if size == 0 {
            return Ok(());
        }
        let d = s.device();
        validation::check_range(d, dst, size, "dst")?;
        trace::stream_work(s, || "HtoD copy".into(), || trace_bytes(size), || {
            call_plugin!(d.plugin, memcpy_htod_async, FUNCTION, s.native(), dst, src, size)
        })
    }

    /// # Safety
    /// `dst` is NULL or writable for `size` bytes until the stream reaches the copy.
    fn fhMemcpyDtoHAsync(dst: *mut c_void, src: fh_deviceptr_t, size: usize, handle: fh_stream_t) {
        let s = stream(handle)?;
        host_dst(dst)?;
        if size == 0 {
            return Ok(());
        }
        let d = s.device();
        validation::check_range(d, src, size, "src")?;
        trace::stream_work(s, || "DtoH copy".into(), || trace_bytes(size), || {
            call_plugin!(d.plugin, memcpy_dtoh_async, FUNCTION, s.native(), dst, src, size)
        })
    }

    /// # Safety
    /// None beyond the C signature.
    fn fhMemcpyDtoDAsync(dst: fh_deviceptr_t, src: fh_deviceptr_t, size: usize, handle: fh_stream_t) {
        let s = stream(handle)?;
        if size == 0 {
            return Ok(());
        }
        let d = s.device();
        validation::check_range(d, dst, size, "dst")?;
        validation::check_range(d, src, size, "src")?;
        trace::stream_work(s, || "DtoD copy".into(), || trace_bytes(size), || {
            call_plugin!(d.plugin, memcpy_dtod_async, FUNCTION, s.native(), dst, src, size)
        })
    }

    /// # Safety
    /// None beyond the C signature.
    fn fhMemsetD8(handle: fh_device_t, dst: fh_deviceptr_t, value: u8, count: usize) {
        memset_sync(FUNCTION, handle, dst, value.into(), 1, count)
    }

    /// # Safety
    /// None beyond the C signature.
    fn fhMemsetD16(handle: fh_device_t, dst: fh_deviceptr_t, value: u16, count: usize) {
        memset_sync(FUNCTION, handle, dst, value.into(), 2, count)
    }

    /// # Safety
    /// None beyond the C signature.
    fn fhMemsetD32(handle: fh_device_t, dst: fh_deviceptr_t, value: u32, count: usize) {
        memset_sync(FUNCTION, handle, dst, value, 4, count)
    }

    /// # Safety
    /// None beyond the C signature.
    fn fhMemsetD8Async(dst: fh_deviceptr_t, value: u8, count: usize, handle: fh_stream_t) {
        memset_async(FUNCTION, dst, value.into(), 1, count, handle)
    }

    /// # Safety
    /// None beyond the C signature.
    fn fhMemsetD16Async(dst: fh_deviceptr_t, value: u16, count: usize, handle: fh_stream_t) {
        memset_async(FUNCTION, dst, value.into(), 2, count, handle)
    }

    /// # Safety
    /// None beyond the C signature.
    fn fhMemsetD32Async(dst: fh_deviceptr_t, value: u32, count: usize, handle: fh_stream_t) {
        memset_async(FUNCTION, dst, value, 4, count, handle)
    }
}

fn host_src(src: *const c_void) -> ApiResult {
    Ok(ptr::require_non_null(src, "src")?)
}

fn host_dst(dst: *mut c_void) -> ApiResult {
    Ok(ptr::require_non_null(dst, "dst")?)
}

fn memset_sync(function: &'static str, handle: fh_device_t, dst: fh_deviceptr_t, value: u32, element: u32, count: usize) -> ApiResult {
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
}

fn memset_async(function: &'static str, dst: fh_deviceptr_t, value: u32, element: u32, count: usize, handle: fh_stream_t) -> ApiResult {
    let s = stream(handle)?;
    if count == 0 {
        return Ok(());
    }
    let d = s.device();
    let bytes = count.checked_mul(element as usize).ok_or_else(|| fail(FH_ERROR_INVALID_VALUE, "count overflows"))?;
    validation::check_range(d, dst, bytes, "dst")?;
    let f = crate::required!(d.plugin, memset_async);
    trace::stream_work(s, || ["memset D8", "memset D16", "memset D32"][element as usize / 2].into(), || trace_bytes(bytes), || {
        // SAFETY: checked stream handle; data arguments pass through (rule 7).
        let status = unsafe { f(s.native(), dst, value, element, count) };
        crate::failure::plugin_status(&d.plugin.name, function, status)
    })
}

/// The trace arguments of a copy or memset.
fn trace_bytes(size: usize) -> serde_json::Map<String, serde_json::Value> {
    let mut args = serde_json::Map::new();
    args.insert("bytes".into(), size.into());
    args
}
