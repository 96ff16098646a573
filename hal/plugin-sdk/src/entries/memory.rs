//! Memory entries: allocation, copies and memsets, synchronous and queued.
//! Host pointers are checked non-NULL even for a zero size (flaghal.h).

use super::{element_size, nonzero};
use crate::handles;
use crate::sys::ptr::{in_bytes, out_bytes, require_non_null, write_out};
use crate::sys::sized::{read_sized, write_sized};
use crate::sys::struct_sizes::FH_POINTER_ATTRIBUTES_STRUCT_SIZE_1_2 as ATTRIBUTES_MIN_SIZE;
use crate::sys::{
    fh_deviceptr_t, fh_pointer_attributes_t, fh_status_t, fhp_device_t, fhp_stream_t, FH_ERROR_NOT_FOUND, FH_MEMORY_TYPE_DEVICE,
    FH_MEMORY_TYPE_HOST,
};
use crate::{pointers, FfiError};
use crate::traits::{Device, Plugin, Stream};
use crate::boundary;
use std::ffi::c_void;

/// # Safety
/// See the module doc of `entries`.
pub unsafe extern "C" fn mem_alloc<P: Plugin>(device: fhp_device_t, size: usize, ptr: *mut fh_deviceptr_t) -> fh_status_t {
    boundary(|| {
        // SAFETY: a handle of this plugin or one the check refuses.
        let device = unsafe { handles::device::<P>(device) }?;
        require_non_null(ptr, "ptr")?;
        nonzero(size, "size")?;
        let base = device.mem_alloc(size)?;
        pointers::record::<P>(device, FH_MEMORY_TYPE_DEVICE, base, size);
        // SAFETY: checked non-NULL; the loader passes a valid output pointer.
        unsafe { write_out(ptr, base, "ptr") }
    })
}

/// # Safety
/// See the module doc of `entries`.
pub unsafe extern "C" fn mem_free<P: Plugin>(device: fhp_device_t, ptr: fh_deviceptr_t) -> fh_status_t {
    boundary(|| {
        // SAFETY: a handle of this plugin or one the check refuses.
        let device = unsafe { handles::device::<P>(device) }?;
        device.mem_free(ptr)?;
        pointers::forget::<P>(device, FH_MEMORY_TYPE_DEVICE, ptr);
        Ok(())
    })
}

/// # Safety
/// See the module doc of `entries`.
pub unsafe extern "C" fn mem_alloc_host<P: Plugin>(device: fhp_device_t, size: usize, ptr: *mut *mut c_void) -> fh_status_t {
    boundary(|| {
        // SAFETY: a handle of this plugin or one the check refuses.
        let device = unsafe { handles::device::<P>(device) }?;
        require_non_null(ptr, "ptr")?;
        nonzero(size, "size")?;
        let memory = device.mem_alloc_host(size)?;
        pointers::record::<P>(device, FH_MEMORY_TYPE_HOST, memory as u64, size);
        // SAFETY: checked non-NULL.
        unsafe { write_out(ptr, memory, "ptr") }
    })
}

/// # Safety
/// See the module doc of `entries`.
pub unsafe extern "C" fn mem_free_host<P: Plugin>(device: fhp_device_t, ptr: *mut c_void) -> fh_status_t {
    boundary(|| {
        // SAFETY: a handle of this plugin or one the check refuses.
        let device = unsafe { handles::device::<P>(device) }?;
        require_non_null(ptr, "ptr")?;
        device.mem_free_host(ptr)?;
        pointers::forget::<P>(device, FH_MEMORY_TYPE_HOST, ptr as u64);
        Ok(())
    })
}

/// # Safety
/// See the module doc of `entries`.
pub unsafe extern "C" fn pointer_get_attributes<P: Plugin>(
    device: fhp_device_t,
    address: fh_deviceptr_t,
    attributes: *mut fh_pointer_attributes_t,
) -> fh_status_t {
    boundary(|| {
        // SAFETY: a handle of this plugin or one the check refuses.
        let device = unsafe { handles::device::<P>(device) }?;
        // SAFETY: NULL or a sized struct (the loader passes a current-size one).
        let mut answer: fh_pointer_attributes_t = unsafe { read_sized(attributes, ATTRIBUTES_MIN_SIZE, "attributes") }?;
        // "Not mine" is the ordinary answer: no detail text (flaghal_plugin.h).
        let found = pointers::find::<P>(device, address).ok_or_else(|| FfiError::new(FH_ERROR_NOT_FOUND, ""))?;
        answer.type_ = found.memory_type;
        answer.base = found.base;
        answer.size = found.size;
        // SAFETY: as above; written only inside the caller's struct_size.
        unsafe { write_sized(attributes, &answer, ATTRIBUTES_MIN_SIZE, "attributes") }?;
        Ok(())
    })
}

/// # Safety
/// See the module doc of `entries`.
pub unsafe extern "C" fn memcpy_htod<P: Plugin>(device: fhp_device_t, dst: fh_deviceptr_t, src: *const c_void, size: usize) -> fh_status_t {
    boundary(|| {
        // SAFETY: a handle of this plugin or one the check refuses.
        let device = unsafe { handles::device::<P>(device) }?;
        require_non_null(src, "src")?;
        // SAFETY: the application passes `size` readable bytes at src.
        device.memcpy_htod(dst, unsafe { in_bytes(src, size, "src") }?)
    })
}

/// # Safety
/// See the module doc of `entries`.
pub unsafe extern "C" fn memcpy_dtoh<P: Plugin>(device: fhp_device_t, dst: *mut c_void, src: fh_deviceptr_t, size: usize) -> fh_status_t {
    boundary(|| {
        // SAFETY: a handle of this plugin or one the check refuses.
        let device = unsafe { handles::device::<P>(device) }?;
        require_non_null(dst, "dst")?;
        // SAFETY: the application passes `size` writable bytes at dst.
        device.memcpy_dtoh(unsafe { out_bytes(dst, size, "dst") }?, src)
    })
}

/// # Safety
/// See the module doc of `entries`.
pub unsafe extern "C" fn memcpy_dtod<P: Plugin>(device: fhp_device_t, dst: fh_deviceptr_t, src: fh_deviceptr_t, size: usize) -> fh_status_t {
    // SAFETY: a handle of this plugin or one the check refuses.
    boundary(|| unsafe { handles::device::<P>(device) }?.memcpy_dtod(dst, src, size))
}

/// # Safety
/// See the module doc of `entries`.
pub unsafe extern "C" fn memset<P: Plugin>(device: fhp_device_t, dst: fh_deviceptr_t, value: u32, size: u32, count: usize) -> fh_status_t {
    boundary(|| {
        // SAFETY: a handle of this plugin or one the check refuses.
        let device = unsafe { handles::device::<P>(device) }?;
        element_size(size)?;
        device.memset(dst, value, size, count)
    })
}

/// # Safety
/// See the module doc of `entries`.
pub unsafe extern "C" fn memcpy_htod_async<P: Plugin>(stream: fhp_stream_t, dst: fh_deviceptr_t, src: *const c_void, size: usize) -> fh_status_t {
    boundary(|| {
        // SAFETY: a handle of this plugin or one the check refuses.
        let stream = unsafe { handles::stream::<P>(stream) }?;
        require_non_null(src, "src")?;
        // SAFETY: the application passes `size` bytes at src, readable until
        // the stream reaches the copy.
        stream.memcpy_htod_async(dst, unsafe { in_bytes(src, size, "src") }?)
    })
}

/// # Safety
/// See the module doc of `entries`.
pub unsafe extern "C" fn memcpy_dtoh_async<P: Plugin>(stream: fhp_stream_t, dst: *mut c_void, src: fh_deviceptr_t, size: usize) -> fh_status_t {
    boundary(|| {
        // SAFETY: a handle of this plugin or one the check refuses.
        let stream = unsafe { handles::stream::<P>(stream) }?;
        require_non_null(dst, "dst")?;
        // SAFETY: the application passes `size` bytes at dst, writable until
        // the stream reaches the copy and untouched by it meanwhile.
        stream.memcpy_dtoh_async(unsafe { out_bytes(dst, size, "dst") }?, src)
    })
}

/// # Safety
/// See the module doc of `entries`.
pub unsafe extern "C" fn memcpy_dtod_async<P: Plugin>(stream: fhp_stream_t, dst: fh_deviceptr_t, src: fh_deviceptr_t, size: usize) -> fh_status_t {
    // SAFETY: a handle of this plugin or one the check refuses.
    boundary(|| unsafe { handles::stream::<P>(stream) }?.memcpy_dtod_async(dst, src, size))
}

/// # Safety
/// See the module doc of `entries`.
pub unsafe extern "C" fn memset_async<P: Plugin>(stream: fhp_stream_t, dst: fh_deviceptr_t, value: u32, size: u32, count: usize) -> fh_status_t {
    boundary(|| {
        // SAFETY: a handle of this plugin or one the check refuses.
        let stream = unsafe { handles::stream::<P>(stream) }?;
        element_size(size)?;
        stream.memset_async(dst, value, size, count)
    })
}
