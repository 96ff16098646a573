//! [`PinnedBuffer`]: memory from fhMemAllocHost owned by a Rust value, read
//! and written as a byte slice, freed with fhMemFreeHost.
//!
//! Ownership: the one client type that frees on drop. A raw pointer from
//! [`Hal::mem_alloc_host`] cannot be a safe slice without an owner that
//! knows its length and outlives every borrow; this is that owner. It
//! borrows the [`Hal`] it came from. [`PinnedBuffer::free`] frees it
//! explicitly and returns fhMemFreeHost's status; dropping it frees it and
//! ignores the status.

use crate::error::{contract_violation, Result};
use crate::hal::Hal;
use crate::handles::Device;
use std::ops::{Deref, DerefMut};

/// `len` bytes of pinned host memory on one device, zeroed at creation.
pub struct PinnedBuffer<'hal> {
    hal: &'hal Hal,
    device: Device,
    /// From fhMemAllocHost, `len` bytes, never NULL; NULL once freed.
    ptr: *mut u8,
    len: usize,
}

impl<'hal> PinnedBuffer<'hal> {
    /// fhMemAllocHost(device, len), then every byte set to 0: the contents
    /// are undefined until written (so only written memory becomes a
    /// slice), and writing touches every page, so the first transfer does
    /// not pay the page faults. A NULL pointer with FH_SUCCESS breaks
    /// flaghal.h's contract and is refused: `Err` with FH_ERROR_UNKNOWN.
    pub fn new(hal: &'hal Hal, device: Device, len: usize) -> Result<PinnedBuffer<'hal>> {
        let ptr = hal.mem_alloc_host(device, len)?;
        if ptr.is_null() {
            return Err(contract_violation("fhMemAllocHost", "a NULL pointer"));
        }
        // SAFETY: fhMemAllocHost returned `len` writable bytes that nothing else uses.
        unsafe { std::ptr::write_bytes(ptr, 0, len) };
        Ok(PinnedBuffer { hal, device, ptr, len })
    }

    /// The device whose fhMemAllocHost made it.
    pub fn device(&self) -> Device {
        self.device
    }

    /// fhMemFreeHost now, with its status.
    pub fn free(mut self) -> Result {
        self.release()
    }

    fn release(&mut self) -> Result {
        let ptr = std::mem::replace(&mut self.ptr, std::ptr::null_mut());
        // SAFETY: `ptr` came from mem_alloc_host on `device` and is freed
        // once (NULL afterwards, a no-op); no borrow of it outlives `self`.
        unsafe { self.hal.mem_free_host(self.device, ptr) }
    }
}

impl Deref for PinnedBuffer<'_> {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        // SAFETY: `len` initialised bytes owned by self, live until release,
        // which takes `&mut self`.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

impl DerefMut for PinnedBuffer<'_> {
    fn deref_mut(&mut self) -> &mut [u8] {
        // SAFETY: as in `deref`, borrowed mutably through `&mut self`.
        unsafe { std::slice::from_raw_parts_mut(self.ptr, self.len) }
    }
}

impl Drop for PinnedBuffer<'_> {
    fn drop(&mut self) {
        if !self.ptr.is_null() {
            let _ = self.release();
        }
    }
}
