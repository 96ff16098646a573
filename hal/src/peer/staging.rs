//! Staging buffers for copies between devices (fhMemcpyPeer*): host memory
//! of [`CHUNK`] bytes, pinned by a device where one offers it.
//!
//! Ownership: a buffer is allocated on first need (fhMemAllocHost of its
//! owner device, or a leaked `Box<[u8]>` when neither device pins memory)
//! and never freed: a copy takes buffers from the pool and gives them back
//! once both streams are past it (the last host function of an async copy
//! runs after both), so the pool holds as many buffers as were ever in use
//! at once (two per concurrent copy), until the process exits. Giving back
//! is a push under a mutex and calls no plugin, so it may run inside a
//! plugin's host function.

use crate::failure::{fail, plugin_status, ApiResult};
use crate::handles::Device;
use flaghal_sys::*;
use parking_lot::Mutex;
use std::ffi::c_void;

/// Bytes per chunk: large enough that the per-chunk cost (two queued copies
/// and two host functions) is small beside the transfer, small enough that
/// the two halves of a copy overlap on a few MiB.
pub const CHUNK: usize = 4 << 20;

/// Whose memory a buffer is: a device's pinned memory, or plain host memory.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Owner {
    Pinned(usize),
    Heap,
}

/// One staging buffer of [`CHUNK`] bytes.
pub struct Buffer {
    owner: Owner,
    address: usize,
}

impl Buffer {
    pub fn as_mut_ptr(&self) -> *mut c_void {
        self.address as *mut c_void
    }
}

/// Free buffers.
static FREE: Mutex<Vec<Buffer>> = Mutex::new(Vec::new());

fn pins(device: &Device) -> bool {
    device.has_capability(FH_DEVICE_CAP_PINNED_HOST_MEMORY) && device.plugin.api.mem_alloc_host.is_some()
}

/// Whose memory stages a copy: the destination device's pinned memory,
/// else the source's, else plain host memory. The destination's comes first
/// because a queued host-to-device copy reads only pinned memory of its own
/// device in stream order (flaghal.h, "Ordering"); any other host source it
/// may read as soon as it is queued, before the source device has filled it.
fn owner_for(src: &'static Device, dst: &'static Device) -> (Owner, Option<&'static Device>) {
    for device in [dst, src] {
        if pins(device) {
            return (Owner::Pinned(device as *const Device as usize), Some(device));
        }
    }
    (Owner::Heap, None)
}

/// Takes `count` buffers for a copy from `src` to `dst`, allocating what
/// the pool lacks. On failure nothing is kept from the pool.
pub fn take(src: &'static Device, dst: &'static Device, count: usize, function: &'static str) -> ApiResult<Vec<Buffer>> {
    let (owner, device) = owner_for(src, dst);
    let mut taken = Vec::with_capacity(count);
    {
        let mut free = FREE.lock();
        while taken.len() < count {
            match free.iter().position(|b| b.owner == owner) {
                Some(i) => taken.push(free.swap_remove(i)),
                None => break,
            }
        }
    }
    while taken.len() < count {
        match allocate(owner, device, function) {
            Ok(b) => taken.push(b),
            Err(e) => {
                give_back(taken);
                return Err(e);
            }
        }
    }
    Ok(taken)
}

/// Returns buffers to the pool.
pub fn give_back(buffers: Vec<Buffer>) {
    FREE.lock().extend(buffers);
}

fn allocate(owner: Owner, device: Option<&'static Device>, function: &'static str) -> ApiResult<Buffer> {
    let Some(device) = device else {
        let memory: &'static mut [u8] = Box::leak(vec![0u8; CHUNK].into_boxed_slice());
        return Ok(Buffer { owner, address: memory.as_mut_ptr() as usize });
    };
    let f = crate::required!(device.plugin, mem_alloc_host);
    let mut host: *mut c_void = std::ptr::null_mut();
    // SAFETY: a checked device with FH_DEVICE_CAP_PINNED_HOST_MEMORY, a
    // non-zero size and a valid output (plugin ABI rule 7).
    let status = unsafe { f(device.native, CHUNK, &mut host) };
    plugin_status(&device.plugin.name, function, status)?;
    if host.is_null() {
        return Err(fail(FH_ERROR_OUT_OF_MEMORY, format!("{} returned NULL pinned memory for staging", device.describe())));
    }
    Ok(Buffer { owner, address: host as usize })
}
