//! Copies and memsets, synchronous and queued. Every device range is
//! checked against the live allocations first (FH_DEVICE_CAP_ADDRESS_CHECKS);
//! bad input changes nothing.
//!
//! Synchronous calls wait for the work already queued on every stream of
//! the device (flaghal.h, "Ordering"), then:
//! - on fine-grained SVM, copy or fill with the host (the memory is host
//!   memory, coherent at the synchronisation point just passed);
//! - on coarse-grained SVM, run the command on the device's internal queue
//!   and wait for it.
//!
//! Queued calls are clEnqueueSVMMemcpy / clEnqueueSVMMemFill on the stream;
//! host buffers are read or written when the stream reaches them (the
//! application keeps them alive until then, flaghal.h).
//!
//! clEnqueueSVMMemcpy refuses overlapping ranges (CL_MEM_COPY_OVERLAP), so a
//! device-to-device copy within one allocation that overlaps goes through a
//! temporary SVM buffer: the result is memmove's.

use crate::cl::{self, cl_command_queue, cl_event};
use crate::conv::{self, SvmMode};
use crate::device::Device;
use crate::error::{check, invalid_value};
use crate::objects::ClEvent;
use crate::stream::Stream;
use flaghal_sys::{fh_deviceptr_t, FfiResult};
use std::ffi::c_void;

fn device_ptr(address: fh_deviceptr_t) -> *mut c_void {
    address as usize as *mut c_void
}

/// fhMemcpyHtoD.
pub fn htod(device: &'static Device, dst: fh_deviceptr_t, src: &[u8]) -> FfiResult {
    if src.is_empty() {
        return Ok(());
    }
    device.memory.check(dst, src.len() as u64, "destination")?;
    device.wait_for_streams();
    match device.mode {
        SvmMode::Fine => {
            // SAFETY: [dst, dst + len) is inside a live fine-grained SVM
            // allocation, which is host memory; `src` is readable for len.
            // copy (memmove) because a host-accessible source may alias it.
            unsafe { std::ptr::copy(src.as_ptr(), dst as usize as *mut u8, src.len()) };
            Ok(())
        }
        SvmMode::Coarse => blocking_copy(device, device_ptr(dst), src.as_ptr().cast(), src.len()),
    }
}

/// fhMemcpyDtoH.
pub fn dtoh(device: &'static Device, dst: &mut [u8], src: fh_deviceptr_t) -> FfiResult {
    if dst.is_empty() {
        return Ok(());
    }
    device.memory.check(src, dst.len() as u64, "source")?;
    device.wait_for_streams();
    match device.mode {
        SvmMode::Fine => {
            // SAFETY: as in htod, with the roles swapped; `dst` is writable.
            unsafe { std::ptr::copy(src as usize as *const u8, dst.as_mut_ptr(), dst.len()) };
            Ok(())
        }
        SvmMode::Coarse => blocking_copy(device, dst.as_mut_ptr().cast(), device_ptr(src), dst.len()),
    }
}

/// fhMemcpyDtoD (memmove semantics for overlapping ranges).
pub fn dtod(device: &'static Device, dst: fh_deviceptr_t, src: fh_deviceptr_t, size: usize) -> FfiResult {
    if size == 0 {
        return Ok(());
    }
    device.memory.check(src, size as u64, "source")?;
    device.memory.check(dst, size as u64, "destination")?;
    device.wait_for_streams();
    match device.mode {
        SvmMode::Fine => {
            // SAFETY: both ranges lie inside live fine-grained allocations
            // (host memory); ptr::copy allows overlap.
            unsafe { std::ptr::copy(src as usize as *const u8, dst as usize as *mut u8, size) };
            Ok(())
        }
        SvmMode::Coarse if conv::overlaps(dst, src, size as u64) => {
            let temp = TempSvm::new(device, size)?;
            blocking_copy(device, temp.ptr, device_ptr(src), size)?;
            blocking_copy(device, device_ptr(dst), temp.ptr, size)
        }
        SvmMode::Coarse => blocking_copy(device, device_ptr(dst), device_ptr(src), size),
    }
}

/// The byte length of a memset after its checks: dst aligned to the
/// element, the range inside one allocation.
fn memset_bytes(device: &Device, dst: fh_deviceptr_t, element_size: u32, count: usize) -> FfiResult<usize> {
    if !matches!(element_size, 1 | 2 | 4) {
        return Err(invalid_value(format!("memset element size {element_size} (1, 2 or 4)")));
    }
    if dst % u64::from(element_size) != 0 {
        return Err(invalid_value(format!("memset of {element_size}-byte elements at {dst:#x}, which is not {element_size}-byte aligned")));
    }
    let bytes = count
        .checked_mul(element_size as usize)
        .ok_or_else(|| crate::error::invalid_address(format!("{count} elements of {element_size} bytes overflow the address space")))?;
    device.memory.check(dst, bytes as u64, "memset")?;
    Ok(bytes)
}

/// fhMemsetD8/D16/D32.
pub fn memset(device: &'static Device, dst: fh_deviceptr_t, value: u32, element_size: u32, count: usize) -> FfiResult {
    if count == 0 {
        return Ok(());
    }
    let bytes = memset_bytes(device, dst, element_size, count)?;
    let pattern = conv::fill_pattern(value, element_size);
    device.wait_for_streams();
    match device.mode {
        SvmMode::Fine => {
            let base = dst as usize as *mut u8;
            if element_size == 1 {
                // SAFETY: [dst, dst + bytes) lies inside a live fine-grained
                // allocation (host memory).
                unsafe { std::ptr::write_bytes(base, pattern[0], bytes) };
            } else {
                for offset in (0..bytes).step_by(pattern.len()) {
                    // SAFETY: as above; each element lies inside the range.
                    unsafe { std::ptr::copy_nonoverlapping(pattern.as_ptr(), base.add(offset), pattern.len()) };
                }
            }
            Ok(())
        }
        SvmMode::Coarse => {
            let cl = device.cl;
            let mut event: cl_event = std::ptr::null_mut();
            // SAFETY: the internal queue is live; the range was checked and
            // is pattern-aligned; the pattern is copied before the call returns.
            let rc = unsafe {
                (cl.clEnqueueSVMMemFill)(device.internal.raw, device_ptr(dst), pattern.as_ptr().cast(), pattern.len(), bytes, 0, std::ptr::null(), &mut event)
            };
            check("clEnqueueSVMMemFill", rc)?;
            check("waiting for clEnqueueSVMMemFill", ClEvent::own(cl, event).wait())
        }
    }
}

fn blocking_copy(device: &Device, dst: *mut c_void, src: *const c_void, size: usize) -> FfiResult {
    // SAFETY: the internal queue is live; the device ranges were checked,
    // host ranges are valid for `size` bytes during this blocking call, and
    // the ranges do not overlap (callers stage overlapping copies).
    let rc = unsafe { (device.cl.clEnqueueSVMMemcpy)(device.internal.raw, cl::CL_TRUE, dst, src, size, 0, std::ptr::null(), std::ptr::null_mut()) };
    check("clEnqueueSVMMemcpy", rc)
}

/// A transient coarse-grained SVM buffer, freed on drop.
struct TempSvm<'a> {
    device: &'a Device,
    ptr: *mut c_void,
}

impl<'a> TempSvm<'a> {
    fn new(device: &'a Device, size: usize) -> FfiResult<TempSvm<'a>> {
        // SAFETY: a live context; the size is that of a checked allocation range.
        let ptr = unsafe { (device.cl.clSVMAlloc)(device.context.raw, cl::CL_MEM_READ_WRITE, size, 0) };
        if ptr.is_null() {
            return Err(crate::error::out_of_memory(format!("clSVMAlloc of a {size}-byte staging buffer for an overlapping copy failed")));
        }
        Ok(TempSvm { device, ptr })
    }
}

impl Drop for TempSvm<'_> {
    fn drop(&mut self) {
        // SAFETY: allocated by new on this context; the blocking copies that
        // used it have completed.
        unsafe { (self.device.cl.clSVMFree)(self.device.context.raw, self.ptr) };
    }
}

/// One non-blocking clEnqueueSVMMemcpy on a queue.
///
/// # Safety
/// `queue` is live; the ranges are valid until the command completes and
/// do not overlap; `event` is writable.
unsafe fn enqueue_copy(device: &Device, queue: cl_command_queue, dst: *mut c_void, src: *const c_void, size: usize, event: *mut cl_event) -> cl::cl_int {
    // SAFETY: forwarded from the caller.
    unsafe { (device.cl.clEnqueueSVMMemcpy)(queue, cl::CL_FALSE, dst, src, size, 0, std::ptr::null(), event) }
}

/// fhMemcpyHtoDAsync.
pub fn htod_async(stream: &Stream, dst: fh_deviceptr_t, src: &[u8]) -> FfiResult {
    if src.is_empty() {
        return Ok(());
    }
    let device = stream.device;
    device.memory.check(dst, src.len() as u64, "destination")?;
    let (from, len) = (src.as_ptr() as usize, src.len());
    stream
        .submit("clEnqueueSVMMemcpy", |queue, event| {
            // SAFETY: the destination range was checked; the application
            // keeps the host source alive until the stream reaches the copy.
            unsafe { enqueue_copy(device, queue, device_ptr(dst), from as *const c_void, len, event) }
        })
        .map(drop)
}

/// fhMemcpyDtoHAsync; `dst`/`len` is the host destination.
pub fn dtoh_async(stream: &Stream, dst: usize, src: fh_deviceptr_t, len: usize) -> FfiResult {
    if len == 0 {
        return Ok(());
    }
    let device = stream.device;
    device.memory.check(src, len as u64, "source")?;
    stream
        .submit("clEnqueueSVMMemcpy", |queue, event| {
            // SAFETY: the source range was checked; the application keeps
            // the host destination alive until the stream reaches the copy.
            unsafe { enqueue_copy(device, queue, dst as *mut c_void, device_ptr(src), len, event) }
        })
        .map(drop)
}

/// fhMemcpyDtoDAsync (memmove semantics for overlapping ranges).
pub fn dtod_async(stream: &Stream, dst: fh_deviceptr_t, src: fh_deviceptr_t, size: usize) -> FfiResult {
    if size == 0 {
        return Ok(());
    }
    let device = stream.device;
    device.memory.check(src, size as u64, "source")?;
    device.memory.check(dst, size as u64, "destination")?;
    if !conv::overlaps(dst, src, size as u64) {
        return stream
            .submit("clEnqueueSVMMemcpy", |queue, event| {
                // SAFETY: both ranges were checked and do not overlap.
                unsafe { enqueue_copy(device, queue, device_ptr(dst), device_ptr(src), size, event) }
            })
            .map(drop);
    }
    let cl = device.cl;
    stream
        .submit("an overlapping clEnqueueSVMMemcpy through a staging buffer", |queue, event| {
            // SAFETY: a live context.
            let temp = unsafe { (cl.clSVMAlloc)(device.context.raw, cl::CL_MEM_READ_WRITE, size, 0) };
            if temp.is_null() {
                return -4; // CL_MEM_OBJECT_ALLOCATION_FAILURE
            }
            let mut free_list = [temp];
            // SAFETY: the in-order queue runs the two copies, then frees the
            // staging buffer after them (clEnqueueSVMFree); if queuing fails
            // part way, the free is still queued or done at once.
            unsafe {
                let mut rc = enqueue_copy(device, queue, temp, device_ptr(src), size, std::ptr::null_mut());
                if rc == cl::CL_SUCCESS {
                    rc = enqueue_copy(device, queue, device_ptr(dst), temp, size, std::ptr::null_mut());
                }
                let freed = (cl.clEnqueueSVMFree)(queue, 1, free_list.as_mut_ptr(), None, std::ptr::null_mut(), 0, std::ptr::null(), event);
                if freed != cl::CL_SUCCESS {
                    let _ = (cl.clFinish)(queue);
                    (cl.clSVMFree)(device.context.raw, temp);
                    return freed;
                }
                rc
            }
        })
        .map(drop)
}

/// fhMemsetD*Async.
pub fn memset_async(stream: &Stream, dst: fh_deviceptr_t, value: u32, element_size: u32, count: usize) -> FfiResult {
    if count == 0 {
        return Ok(());
    }
    let device = stream.device;
    let bytes = memset_bytes(device, dst, element_size, count)?;
    let pattern = conv::fill_pattern(value, element_size);
    stream
        .submit("clEnqueueSVMMemFill", |queue, event| {
            // SAFETY: the range was checked and is pattern-aligned; OpenCL
            // copies the pattern before returning.
            unsafe { (device.cl.clEnqueueSVMMemFill)(queue, device_ptr(dst), pattern.as_ptr().cast(), pattern.len(), bytes, 0, std::ptr::null(), event) }
        })
        .map(drop)
}
