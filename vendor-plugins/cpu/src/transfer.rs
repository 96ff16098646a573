//! The data movement behind copies and memsets, shared by the synchronous
//! entries (run on the calling thread) and the stream workers. Device ranges
//! were checked against the allocation map when the operation was issued;
//! host pointers come from the application.

use crate::memory::DeviceRange;
use flaghal_sys::ptr::{in_bytes, out_bytes};
use flaghal_sys::FfiResult;
use std::ffi::c_void;

/// A host address carried to a stream worker. The application keeps the
/// buffer alive and unchanged until the stream reaches the copy (flaghal.h,
/// "Ordering").
#[derive(Debug, Clone, Copy)]
pub struct HostAddress(pub usize);

/// Copies host memory into a device range.
///
/// # Safety
/// `src` is readable for `dst.len` bytes; `dst` is a checked live range.
pub unsafe fn host_to_device(dst: DeviceRange, src: HostAddress) -> FfiResult {
    // SAFETY: forwarded from the caller.
    let source = unsafe { in_bytes(src.0 as *const c_void, dst.len, "src") }?;
    // SAFETY: `dst` lies inside a live allocation; host and device memory may
    // overlap only through caller error, so `copy` (memmove) is used.
    unsafe { std::ptr::copy(source.as_ptr(), dst.ptr(), dst.len) };
    Ok(())
}

/// Copies a device range into host memory.
///
/// # Safety
/// `dst` is writable for `src.len` bytes; `src` is a checked live range.
pub unsafe fn device_to_host(dst: HostAddress, src: DeviceRange) -> FfiResult {
    // SAFETY: forwarded from the caller.
    let target = unsafe { out_bytes(dst.0 as *mut c_void, src.len, "dst") }?;
    // SAFETY: `src` lies inside a live allocation.
    unsafe { std::ptr::copy(src.ptr().cast_const(), target.as_mut_ptr(), src.len) };
    Ok(())
}

/// Copies between device ranges of equal length (overlap: memmove).
///
/// # Safety
/// Both are checked live ranges of `dst.len` bytes.
pub unsafe fn device_to_device(dst: DeviceRange, src: DeviceRange) {
    // SAFETY: both ranges lie inside live allocations.
    unsafe { std::ptr::copy(src.ptr().cast_const(), dst.ptr(), dst.len) };
}

/// Fills a device range with repetitions of `pattern`.
///
/// # Safety
/// `dst` is a checked live range whose length is a multiple of the pattern's.
pub unsafe fn fill(dst: DeviceRange, pattern: &[u8]) {
    if dst.len == 0 {
        return;
    }
    // SAFETY: the range lies inside a live allocation; nothing else in the
    // plugin accesses it during the call (stream order).
    let target = unsafe { std::slice::from_raw_parts_mut(dst.ptr(), dst.len) };
    crate::conv::fill_pattern(target, pattern);
}
