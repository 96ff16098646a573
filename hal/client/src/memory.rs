//! fhMemAlloc/Free, fhMemAllocHost/FreeHost, the six copies and the six
//! memsets.

use crate::error::Result;
use crate::hal::Hal;
use crate::handles::{Device, Stream};
use flaghal_sys::fh_deviceptr_t;
use std::ffi::c_void;

impl Hal {
    /// fhMemAlloc: `size` bytes of device memory.
    pub fn mem_alloc(&self, device: Device, size: usize) -> Result<fh_deviceptr_t> {
        let mut ptr = 0;
        // SAFETY: `ptr` is a valid out pointer.
        self.check("fhMemAlloc", unsafe { self.raw().fhMemAlloc(device.0, size, &mut ptr) })?;
        Ok(ptr)
    }

    /// fhMemFree (0 is a no-op).
    pub fn mem_free(&self, device: Device, ptr: fh_deviceptr_t) -> Result {
        // SAFETY: no host pointers.
        self.check("fhMemFree", unsafe { self.raw().fhMemFree(device.0, ptr) })
    }

    /// fhMemAllocHost: `size` bytes of pinned host memory, owned by the
    /// caller until [`Hal::mem_free_host`].
    pub fn mem_alloc_host(&self, device: Device, size: usize) -> Result<*mut u8> {
        let mut ptr: *mut c_void = std::ptr::null_mut();
        // SAFETY: `ptr` is a valid out pointer.
        self.check("fhMemAllocHost", unsafe { self.raw().fhMemAllocHost(device.0, size, &mut ptr) })?;
        Ok(ptr.cast())
    }

    /// fhMemFreeHost (NULL is a no-op).
    ///
    /// # Safety
    /// `ptr` is NULL or came from [`Hal::mem_alloc_host`] on `device`, and is
    /// not used afterwards (by the host or by a stream).
    pub unsafe fn mem_free_host(&self, device: Device, ptr: *mut u8) -> Result {
        // SAFETY: the caller's contract above.
        self.check("fhMemFreeHost", unsafe { self.raw().fhMemFreeHost(device.0, ptr.cast()) })
    }

    /// fhMemcpyHtoD: synchronous, so `src` is needed only during the call.
    pub fn htod(&self, device: Device, dst: fh_deviceptr_t, src: &[u8]) -> Result {
        // SAFETY: `src` is readable for its length during this synchronous call.
        self.check("fhMemcpyHtoD", unsafe { self.raw().fhMemcpyHtoD(device.0, dst, src.as_ptr().cast(), src.len()) })
    }

    /// fhMemcpyDtoH: synchronous, fills all of `dst`.
    pub fn dtoh(&self, device: Device, dst: &mut [u8], src: fh_deviceptr_t) -> Result {
        // SAFETY: `dst` is writable for its length during this synchronous call.
        self.check("fhMemcpyDtoH", unsafe { self.raw().fhMemcpyDtoH(device.0, dst.as_mut_ptr().cast(), src, dst.len()) })
    }

    /// `len` bytes of device memory at `src`, read with fhMemcpyDtoH.
    pub fn read(&self, device: Device, src: fh_deviceptr_t, len: usize) -> Result<Vec<u8>> {
        let mut bytes = vec![0u8; len];
        self.dtoh(device, &mut bytes, src)?;
        Ok(bytes)
    }

    /// fhMemcpyDtoD.
    pub fn dtod(&self, device: Device, dst: fh_deviceptr_t, src: fh_deviceptr_t, size: usize) -> Result {
        // SAFETY: no host pointers.
        self.check("fhMemcpyDtoD", unsafe { self.raw().fhMemcpyDtoD(device.0, dst, src, size) })
    }

    /// fhMemcpyHtoDAsync: queues the copy on `stream`.
    ///
    /// # Safety
    /// `src` stays alive and unchanged until the stream has reached the copy
    /// (synchronise the stream before dropping or changing it).
    pub unsafe fn htod_async(&self, dst: fh_deviceptr_t, src: &[u8], stream: Stream) -> Result {
        // SAFETY: readable for its length now; the caller keeps it so until the copy runs.
        self.check("fhMemcpyHtoDAsync", unsafe { self.raw().fhMemcpyHtoDAsync(dst, src.as_ptr().cast(), src.len(), stream.0) })
    }

    /// fhMemcpyDtoHAsync: queues the copy on `stream`.
    ///
    /// # Safety
    /// `dst` stays alive, and is neither read nor written by the host, until
    /// the stream has reached the copy.
    pub unsafe fn dtoh_async(&self, dst: &mut [u8], src: fh_deviceptr_t, stream: Stream) -> Result {
        // SAFETY: writable for its length now; the caller keeps it so, unaliased, until the copy runs.
        self.check("fhMemcpyDtoHAsync", unsafe { self.raw().fhMemcpyDtoHAsync(dst.as_mut_ptr().cast(), src, dst.len(), stream.0) })
    }

    /// fhMemcpyDtoDAsync.
    pub fn dtod_async(&self, dst: fh_deviceptr_t, src: fh_deviceptr_t, size: usize, stream: Stream) -> Result {
        // SAFETY: no host pointers.
        self.check("fhMemcpyDtoDAsync", unsafe { self.raw().fhMemcpyDtoDAsync(dst, src, size, stream.0) })
    }

    /// fhMemcpyPeer: `size` bytes from `src` on `src_device` to `dst` on
    /// `dst_device` (any two devices, also of different plugins).
    pub fn peer(&self, dst_device: Device, dst: fh_deviceptr_t, src_device: Device, src: fh_deviceptr_t, size: usize) -> Result {
        let v1_2 = self.raw_v1_2("fhMemcpyPeer")?;
        // SAFETY: no host pointers.
        self.check("fhMemcpyPeer", unsafe { v1_2.fhMemcpyPeer(dst_device.0, dst, src_device.0, src, size) })
    }

    /// fhMemcpyPeerAsync: queued after the earlier work of both streams,
    /// before the later work of both.
    pub fn peer_async(&self, dst: fh_deviceptr_t, src: fh_deviceptr_t, size: usize, dst_stream: Stream, src_stream: Stream) -> Result {
        let v1_2 = self.raw_v1_2("fhMemcpyPeerAsync")?;
        // SAFETY: no host pointers.
        self.check("fhMemcpyPeerAsync", unsafe { v1_2.fhMemcpyPeerAsync(dst, src, size, dst_stream.0, src_stream.0) })
    }

    /// fhMemsetD8, fhMemsetD16 or fhMemsetD32 by `element` (1, 2 or 4
    /// bytes): `count` elements of `value` (its low bytes for D8 and D16).
    pub fn memset(&self, device: Device, dst: fh_deviceptr_t, value: u32, element: u32, count: usize) -> Result {
        let t = self.raw();
        // SAFETY: no host pointers.
        let (function, status) = unsafe {
            match element {
                1 => ("fhMemsetD8", t.fhMemsetD8(device.0, dst, value as u8, count)),
                2 => ("fhMemsetD16", t.fhMemsetD16(device.0, dst, value as u16, count)),
                4 => ("fhMemsetD32", t.fhMemsetD32(device.0, dst, value, count)),
                _ => panic!("memset: element size {element} is not 1, 2 or 4"),
            }
        };
        self.check(function, status)
    }

    /// fhMemsetD8Async, fhMemsetD16Async or fhMemsetD32Async by `element`
    /// (1, 2 or 4 bytes).
    pub fn memset_async(&self, dst: fh_deviceptr_t, value: u32, element: u32, count: usize, stream: Stream) -> Result {
        let t = self.raw();
        // SAFETY: no host pointers.
        let (function, status) = unsafe {
            match element {
                1 => ("fhMemsetD8Async", t.fhMemsetD8Async(dst, value as u8, count, stream.0)),
                2 => ("fhMemsetD16Async", t.fhMemsetD16Async(dst, value as u16, count, stream.0)),
                4 => ("fhMemsetD32Async", t.fhMemsetD32Async(dst, value, count, stream.0)),
                _ => panic!("memset_async: element size {element} is not 1, 2 or 4"),
            }
        };
        self.check(function, status)
    }
}
