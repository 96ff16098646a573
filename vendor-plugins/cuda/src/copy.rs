//! Synchronous copies and memsets (fhMemcpyHtoD/DtoH/DtoD, fhMemsetD*):
//! address checks, then `Device::run_synchronously`, which waits for every
//! stream of the device first and for the operation after (flaghal.h,
//! "Ordering"). CUDA's own synchronous calls would not do: cuMemcpyDtoD and
//! cuMemsetD* may return before they finish, and cuMemcpyHtoD from pageable
//! memory returns once the bytes are staged, not written. The asynchronous
//! variants are in stream.rs.

use crate::device::{memset_name, queue_memset, Device};
use flaghal_sys::{fh_deviceptr_t, FfiResult};

pub fn htod(device: &Device, dst: fh_deviceptr_t, src: &[u8]) -> FfiResult {
    if src.is_empty() {
        return Ok(());
    }
    device.check_range("the destination", dst, src.len())?;
    device.run_synchronously("cuMemcpyHtoDAsync", |stream| {
        // SAFETY: a checked destination range; `src` stays valid until the
        // internal stream is synchronised, before this call returns.
        unsafe { (device.driver.cuMemcpyHtoDAsync)(dst, src.as_ptr().cast(), src.len(), stream.0) }
    })
}

pub fn dtoh(device: &Device, dst: &mut [u8], src: fh_deviceptr_t) -> FfiResult {
    if dst.is_empty() {
        return Ok(());
    }
    device.check_range("the source", src, dst.len())?;
    let (ptr, len) = (dst.as_mut_ptr(), dst.len());
    device.run_synchronously("cuMemcpyDtoHAsync", |stream| {
        // SAFETY: a checked source range; `dst` stays valid until the
        // internal stream is synchronised, before this call returns.
        unsafe { (device.driver.cuMemcpyDtoHAsync)(ptr.cast(), src, len, stream.0) }
    })
}

pub fn dtod(device: &Device, dst: fh_deviceptr_t, src: fh_deviceptr_t, size: usize) -> FfiResult {
    if size == 0 {
        return Ok(());
    }
    device.check_range("the source", src, size)?;
    device.check_range("the destination", dst, size)?;
    device.run_synchronously("cuMemcpyDtoDAsync", |stream| {
        // SAFETY: checked ranges of live allocations.
        unsafe { (device.driver.cuMemcpyDtoDAsync)(dst, src, size, stream.0) }
    })
}

pub fn memset(device: &Device, dst: fh_deviceptr_t, value: u32, element_size: u32, count: usize) -> FfiResult {
    if count == 0 {
        return Ok(());
    }
    device.check_memset(dst, element_size, count)?;
    device.run_synchronously(memset_name(element_size), |stream| queue_memset(device.driver, dst, value, element_size, count, stream))
}
