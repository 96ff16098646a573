//! Memory entries: allocation, copies and memsets, synchronous and queued.
//!
//! Synchronous calls check their arguments first (bad input changes
//! nothing), then wait for all work already submitted to every stream of the
//! device, then move the data on the calling thread. Queued calls check the
//! same arguments when queued and move the data when the stream reaches them.

use super::run;
use crate::memory::DeviceRange;
use crate::stream::Work;
use crate::transfer::{self, HostAddress};
use crate::{conv, device, handles};
use flaghal_sys::ptr::{require_non_null, write_out};
use flaghal_sys::{fh_deviceptr_t, fh_status_t, fhp_device_t, fhp_stream_t, FfiResult};
use std::ffi::c_void;

fn host_src(src: *const c_void) -> FfiResult<HostAddress> {
    require_non_null(src, "src")?;
    Ok(HostAddress(src as usize))
}

fn host_dst(dst: *mut c_void) -> FfiResult<HostAddress> {
    require_non_null(dst, "dst")?;
    Ok(HostAddress(dst as usize))
}

/// Checks a memset and returns its range and element pattern.
fn memset_args(dst: fh_deviceptr_t, value: u32, element_size: u32, count: usize) -> FfiResult<(DeviceRange, Vec<u8>)> {
    let bytes = conv::memset_bytes(dst, element_size, count)?;
    let range = device::get()?.memory.check(dst, bytes, "dst")?;
    Ok((range, conv::memset_pattern(value, element_size)))
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub unsafe extern "C" fn mem_alloc(device: fhp_device_t, size: usize, ptr: *mut fh_deviceptr_t) -> fh_status_t {
    run(|| {
        // SAFETY: a device handle from device_get.
        let device = unsafe { handles::device(device) }?;
        require_non_null(ptr, "ptr")?;
        let base = device.memory.alloc(size)?;
        // SAFETY: checked non-NULL; the loader passes a valid output pointer.
        unsafe { write_out(ptr, base, "ptr") }
    })
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub unsafe extern "C" fn mem_free(device: fhp_device_t, ptr: fh_deviceptr_t) -> fh_status_t {
    // SAFETY: a device handle from device_get.
    run(|| unsafe { handles::device(device) }?.memory.free_allocation(ptr))
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub unsafe extern "C" fn mem_alloc_host(device: fhp_device_t, size: usize, ptr: *mut *mut c_void) -> fh_status_t {
    run(|| {
        // SAFETY: a device handle from device_get.
        let device = unsafe { handles::device(device) }?;
        require_non_null(ptr, "ptr")?;
        let memory = device.pinned.alloc(size)?;
        // SAFETY: checked non-NULL.
        unsafe { write_out(ptr, memory.cast(), "ptr") }
    })
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub unsafe extern "C" fn mem_free_host(device: fhp_device_t, ptr: *mut c_void) -> fh_status_t {
    // SAFETY: a device handle from device_get.
    run(|| unsafe { handles::device(device) }?.pinned.free(ptr as usize))
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub unsafe extern "C" fn memcpy_htod(device: fhp_device_t, dst: fh_deviceptr_t, src: *const c_void, size: usize) -> fh_status_t {
    run(|| {
        // SAFETY: a device handle from device_get.
        let device = unsafe { handles::device(device) }?;
        let (dst, src) = (device.memory.check(dst, size, "dst")?, host_src(src)?);
        device.wait_all_streams();
        // SAFETY: the application passes `size` readable bytes at src.
        unsafe { transfer::host_to_device(dst, src) }
    })
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub unsafe extern "C" fn memcpy_dtoh(device: fhp_device_t, dst: *mut c_void, src: fh_deviceptr_t, size: usize) -> fh_status_t {
    run(|| {
        // SAFETY: a device handle from device_get.
        let device = unsafe { handles::device(device) }?;
        let (src, dst) = (device.memory.check(src, size, "src")?, host_dst(dst)?);
        device.wait_all_streams();
        // SAFETY: the application passes `size` writable bytes at dst.
        unsafe { transfer::device_to_host(dst, src) }
    })
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub unsafe extern "C" fn memcpy_dtod(device: fhp_device_t, dst: fh_deviceptr_t, src: fh_deviceptr_t, size: usize) -> fh_status_t {
    run(|| {
        // SAFETY: a device handle from device_get.
        let device = unsafe { handles::device(device) }?;
        let (dst, src) = (device.memory.check(dst, size, "dst")?, device.memory.check(src, size, "src")?);
        device.wait_all_streams();
        // SAFETY: both ranges checked.
        unsafe { transfer::device_to_device(dst, src) };
        Ok(())
    })
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub unsafe extern "C" fn memcpy_htod_async(stream: fhp_stream_t, dst: fh_deviceptr_t, src: *const c_void, size: usize) -> fh_status_t {
    run(|| {
        // SAFETY: a live stream handle.
        let stream = unsafe { handles::stream(stream) }?;
        let work = Work::HostToDevice { dst: device::get()?.memory.check(dst, size, "dst")?, src: host_src(src)? };
        stream.queue.submit(work);
        Ok(())
    })
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub unsafe extern "C" fn memcpy_dtoh_async(stream: fhp_stream_t, dst: *mut c_void, src: fh_deviceptr_t, size: usize) -> fh_status_t {
    run(|| {
        // SAFETY: a live stream handle.
        let stream = unsafe { handles::stream(stream) }?;
        let work = Work::DeviceToHost { src: device::get()?.memory.check(src, size, "src")?, dst: host_dst(dst)? };
        stream.queue.submit(work);
        Ok(())
    })
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub unsafe extern "C" fn memcpy_dtod_async(stream: fhp_stream_t, dst: fh_deviceptr_t, src: fh_deviceptr_t, size: usize) -> fh_status_t {
    run(|| {
        // SAFETY: a live stream handle.
        let stream = unsafe { handles::stream(stream) }?;
        let memory = &device::get()?.memory;
        let work = Work::DeviceToDevice { dst: memory.check(dst, size, "dst")?, src: memory.check(src, size, "src")? };
        stream.queue.submit(work);
        Ok(())
    })
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub unsafe extern "C" fn memset(device: fhp_device_t, dst: fh_deviceptr_t, value: u32, element_size: u32, count: usize) -> fh_status_t {
    run(|| {
        // SAFETY: a device handle from device_get.
        let device = unsafe { handles::device(device) }?;
        let (range, pattern) = memset_args(dst, value, element_size, count)?;
        device.wait_all_streams();
        // SAFETY: the range was checked; its length is count * element_size.
        unsafe { transfer::fill(range, &pattern) };
        Ok(())
    })
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub unsafe extern "C" fn memset_async(stream: fhp_stream_t, dst: fh_deviceptr_t, value: u32, element_size: u32, count: usize) -> fh_status_t {
    run(|| {
        // SAFETY: a live stream handle.
        let stream = unsafe { handles::stream(stream) }?;
        let (dst, pattern) = memset_args(dst, value, element_size, count)?;
        stream.queue.submit(Work::Memset { dst, pattern });
        Ok(())
    })
}
