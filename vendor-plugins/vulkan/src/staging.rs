//! Transient host-visible buffers for copies that cannot touch device memory
//! directly (device memory that is not host-visible, or
//! FLAGHAL_VULKAN_FORCE_STAGING=1), and the argument buffers of launches
//! whose blob does not fit in push constants. Freed when dropped: a recorded
//! command keeps its staging buffer in the batch until the batch completes.

use crate::device::Device;
use crate::memory::Region;
use flaghal_sys::FfiResult;

pub struct Staging {
    device: &'static Device,
    address: u64,
    pub region: Region,
    len: usize,
}

impl Staging {
    pub fn new(device: &'static Device, len: usize) -> FfiResult<Staging> {
        let mut pool = device.staging.lock();
        let address = pool.alloc(len.max(1) as u64)?;
        let region = pool.resolve(address, len as u64).expect("a fresh allocation resolves");
        assert!(region.host.is_some(), "staging memory is mapped");
        Ok(Staging { device, address, region, len })
    }

    /// A staging buffer holding a copy of `bytes`.
    pub fn with_bytes(device: &'static Device, bytes: &[u8]) -> FfiResult<Staging> {
        let mut staging = Staging::new(device, bytes.len())?;
        staging.bytes_mut().copy_from_slice(bytes);
        Ok(staging)
    }

    /// The buffer device address of the first byte (the staging pool's
    /// buffers have SHADER_DEVICE_ADDRESS usage: kernels may read them).
    pub fn address(&self) -> u64 {
        self.address
    }

    pub fn bytes(&self) -> &[u8] {
        let host = self.region.host.expect("mapped");
        // SAFETY: the mapped range [host, host+len) belongs to this live
        // allocation alone until drop; coherent memory needs no invalidate.
        unsafe { std::slice::from_raw_parts(host as *const u8, self.len) }
    }

    pub fn bytes_mut(&mut self) -> &mut [u8] {
        let host = self.region.host.expect("mapped");
        // SAFETY: as in `bytes`, and `&mut self` makes the borrow unique.
        unsafe { std::slice::from_raw_parts_mut(host as *mut u8, self.len) }
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = self.device.staging.lock().free(self.address);
    }
}
