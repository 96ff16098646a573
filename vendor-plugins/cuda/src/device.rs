//! A FlagHAL device: one CUDA device and its primary context, the maps of
//! its live allocations (device and pinned), its staging pool, the registry
//! of its live streams, its retired modules and its health.
//!
//! Ownership: devices are created once in init, live in a static vector and
//! are never destroyed; the SDK holds them as `&'static Device`. The primary
//! context is retained once and never released (devices live until exit).
//!
//! Every call makes the device's context current for its duration
//! ([`Device::enter`]: cuCtxPushCurrent / cuCtxPopCurrent), since FlagHAL
//! has no current device and calls come from any thread; pushing (not
//! setting) leaves whatever context the application's thread had current.

use crate::conv::{self, DeviceAttributes};
use crate::driver::{attribute, CUdevice, CUresult, Driver, Handle, CUDA_ERROR_NOT_READY, CUDA_SUCCESS};
use crate::error::{cu_error, invalid_address, invalid_value, out_of_memory};
use crate::health::{Caller, Health};
use crate::ranges::{describe_miss, RangeMap};
use crate::staging::{self, Buffer};
use flaghal_plugin::DeviceProperties;
use flaghal_sys::{fh_deviceptr_t, FfiResult};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::ffi::{c_char, c_void};
use std::sync::atomic::{AtomicBool, Ordering};

/// A module unloaded while launches may still be queued: unloaded for real
/// once every fence (an event recorded on each live stream at unload time)
/// has completed (flaghal.h: "launches already queued keep the code alive").
pub struct Retired {
    pub module: Handle,
    pub fences: Vec<Handle>,
}

pub struct Device {
    /// Index within the plugin (device_get order).
    pub index: u32,
    pub cu: CUdevice,
    pub driver: &'static Driver,
    context: Handle,
    /// Where synchronous copies and memsets run, after every stream.
    internal: Handle,
    pub attributes: DeviceAttributes,
    props: DeviceProperties,
    /// fhMemAlloc allocations (address checks).
    memory: Mutex<RangeMap>,
    /// fhMemAllocHost allocations (host addresses): async copies whose host
    /// range lies inside one need no staging.
    pinned: Mutex<RangeMap>,
    staging: Mutex<staging::Pool>,
    /// Live streams (by handle), for the fences of retired modules.
    streams: Mutex<HashMap<usize, Handle>>,
    retired: Mutex<Vec<Retired>>,
    lost: AtomicBool,
    health: Mutex<Health>,
}

/// The device's context, current on this thread until dropped.
pub struct Current<'d> {
    driver: &'d Driver,
}

impl Drop for Current<'_> {
    fn drop(&mut self) {
        let mut popped: *mut c_void = std::ptr::null_mut();
        // SAFETY: pops the context `Device::enter` pushed on this thread.
        unsafe { (self.driver.cuCtxPopCurrent)(&mut popped) };
    }
}

/// Reads one attribute (0 if the driver does not know it).
fn attribute_of(driver: &Driver, device: CUdevice, which: i32) -> i32 {
    let mut value = 0;
    // SAFETY: `value` is a valid out pointer; an unknown attribute only
    // returns CUDA_ERROR_INVALID_VALUE.
    let result = unsafe { (driver.cuDeviceGetAttribute)(&mut value, which, device) };
    if result == CUDA_SUCCESS { value } else { 0 }
}

/// Everything conv::properties needs, from the driver.
fn query_attributes(driver: &Driver, device: CUdevice) -> Result<DeviceAttributes, String> {
    let mut name = [0 as c_char; 256];
    // SAFETY: the buffer holds `name.len()` bytes; the driver NUL-terminates.
    let result = unsafe { (driver.cuDeviceGetName)(name.as_mut_ptr(), name.len() as i32, device) };
    if result != CUDA_SUCCESS {
        return Err(format!("cuDeviceGetName failed: {}", conv::result_name(result)));
    }
    let mut uuid = crate::driver::CUuuid::default();
    let get_uuid = driver.cuDeviceGetUuid_v2.unwrap_or(driver.cuDeviceGetUuid);
    // SAFETY: `uuid` is a valid out pointer of the CUuuid layout.
    let result = unsafe { get_uuid(&mut uuid, device) };
    if result != CUDA_SUCCESS {
        return Err(format!("cuDeviceGetUuid failed: {}", conv::result_name(result)));
    }
    let mut total = 0usize;
    // SAFETY: `total` is a valid out pointer.
    let result = unsafe { (driver.cuDeviceTotalMem)(&mut total, device) };
    if result != CUDA_SUCCESS {
        return Err(format!("cuDeviceTotalMem failed: {}", conv::result_name(result)));
    }
    let a = |which| attribute_of(driver, device, which);
    Ok(DeviceAttributes {
        name: flaghal_sys::ptr::char_array_to_string(&name),
        uuid: uuid.bytes,
        total_memory: total as u64,
        compute_capability: (a(attribute::COMPUTE_CAPABILITY_MAJOR), a(attribute::COMPUTE_CAPABILITY_MINOR)),
        multiprocessors: a(attribute::MULTIPROCESSOR_COUNT),
        max_threads_per_block: a(attribute::MAX_THREADS_PER_BLOCK),
        max_block_dim: [a(attribute::MAX_BLOCK_DIM_X), a(attribute::MAX_BLOCK_DIM_Y), a(attribute::MAX_BLOCK_DIM_Z)],
        max_grid_dim: [a(attribute::MAX_GRID_DIM_X), a(attribute::MAX_GRID_DIM_Y), a(attribute::MAX_GRID_DIM_Z)],
        warp_size: a(attribute::WARP_SIZE),
        max_shared_memory_per_block: a(attribute::MAX_SHARED_MEMORY_PER_BLOCK),
        max_shared_memory_per_block_optin: a(attribute::MAX_SHARED_MEMORY_PER_BLOCK_OPTIN),
    })
}

impl Device {
    /// Opens CUDA device `ordinal` as plugin device `index`; Err(reason)
    /// skips it (logged by plugin.rs).
    pub fn open(driver: &'static Driver, ordinal: i32, index: u32) -> Result<Device, String> {
        let mut cu: CUdevice = 0;
        // SAFETY: `cu` is a valid out pointer; the ordinal is below cuDeviceGetCount.
        let result = unsafe { (driver.cuDeviceGet)(&mut cu, ordinal) };
        if result != CUDA_SUCCESS {
            return Err(format!("cuDeviceGet({ordinal}) failed: {}", conv::result_name(result)));
        }
        if attribute_of(driver, cu, attribute::COMPUTE_MODE) == crate::driver::CU_COMPUTEMODE_PROHIBITED {
            return Err(format!("CUDA device {ordinal}: its compute mode is PROHIBITED (nvidia-smi -c), no context can be created"));
        }
        if attribute_of(driver, cu, attribute::UNIFIED_ADDRESSING) != 1 {
            return Err(format!("CUDA device {ordinal}: no unified addressing (FlagHAL needs 64-bit device addresses)"));
        }
        let attributes = query_attributes(driver, cu).map_err(|e| format!("CUDA device {ordinal}: {e}"))?;
        let mut context: *mut c_void = std::ptr::null_mut();
        // SAFETY: `context` is a valid out pointer; the retain is never released.
        let result = unsafe { (driver.cuDevicePrimaryCtxRetain)(&mut context, cu) };
        if result != CUDA_SUCCESS {
            return Err(format!("CUDA device {ordinal}: cuDevicePrimaryCtxRetain failed: {}", conv::result_name(result)));
        }
        let props = DeviceProperties::new(conv::properties(&attributes));
        let mut device = Device {
            index,
            cu,
            driver,
            context: Handle(context),
            internal: Handle(std::ptr::null_mut()),
            attributes,
            props,
            memory: Mutex::new(RangeMap::new()),
            pinned: Mutex::new(RangeMap::new()),
            staging: Mutex::new(staging::Pool::default()),
            streams: Mutex::new(HashMap::new()),
            retired: Mutex::new(Vec::new()),
            lost: AtomicBool::new(false),
            health: Mutex::new(Health::default()),
        };
        let internal = device.create_stream().map_err(|e| format!("CUDA device {ordinal}: the internal stream: {}", e.message))?;
        device.internal = internal;
        Ok(device)
    }

    pub fn properties(&self) -> &DeviceProperties {
        &self.props
    }

    pub fn name(&self) -> &str {
        &self.attributes.name
    }

    /// Makes the device's primary context current on this thread until the
    /// guard drops.
    pub fn enter(&self) -> FfiResult<Current<'_>> {
        // SAFETY: a context retained at open and never released.
        let result = unsafe { (self.driver.cuCtxPushCurrent)(self.context.0) };
        if result != CUDA_SUCCESS {
            return Err(cu_error("cuCtxPushCurrent", result));
        }
        Ok(Current { driver: self.driver })
    }

    /// Ok while the device has not faulted; else what `caller` returns
    /// (health.rs).
    pub fn usable(&self, caller: Caller) -> FfiResult {
        if !self.lost.load(Ordering::Acquire) {
            return Ok(());
        }
        match self.health.lock().verdict(caller) {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    /// The outcome of a CUDA call by `caller`: Ok on success; a sticky
    /// kernel fault is recorded and answered by the health record; anything
    /// else becomes its FlagHAL status.
    pub fn check(&self, operation: &str, result: CUresult, caller: Caller) -> FfiResult {
        if result == CUDA_SUCCESS {
            return Ok(());
        }
        if conv::is_sticky(result) {
            let mut health = self.health.lock();
            health.record(result, operation);
            self.lost.store(true, Ordering::Release);
            return match health.verdict(caller) {
                Some(error) => Err(error),
                None => Ok(()),
            };
        }
        if caller == Caller::Destroy && self.lost.load(Ordering::Acquire) {
            return Ok(());
        }
        Err(cu_error(operation, result))
    }

    /// Like [`Device::check`] for the queries: CUDA_ERROR_NOT_READY is
    /// FH_ERROR_NOT_READY with no detail.
    pub fn check_query(&self, operation: &str, result: CUresult) -> FfiResult {
        if result == CUDA_ERROR_NOT_READY {
            return Err(crate::error::not_ready());
        }
        self.check(operation, result, Caller::Other)
    }

    /// A new non-blocking stream (ordered with other streams only by events).
    pub fn create_stream(&self) -> FfiResult<Handle> {
        let _current = self.enter()?;
        let mut stream: *mut c_void = std::ptr::null_mut();
        // SAFETY: `stream` is a valid out pointer; the context is current.
        let result = unsafe { (self.driver.cuStreamCreate)(&mut stream, crate::driver::CU_STREAM_NON_BLOCKING) };
        self.check("cuStreamCreate", result, Caller::Other)?;
        Ok(Handle(stream))
    }

    pub fn register_stream(&self, stream: Handle) {
        self.streams.lock().insert(stream.0 as usize, stream);
    }

    pub fn unregister_stream(&self, stream: Handle) {
        self.streams.lock().remove(&(stream.0 as usize));
    }

    /// fhDeviceSynchronize: every stream's work, then the reclaim of what
    /// waited for it (staging buffers over the cap, retired modules).
    pub fn synchronize(&self) -> FfiResult {
        self.usable(Caller::Wait)?;
        {
            let _current = self.enter()?;
            // SAFETY: the device's context is current.
            let result = unsafe { (self.driver.cuCtxSynchronize)() };
            self.check("cuCtxSynchronize", result, Caller::Wait)?;
        }
        self.reclaim();
        Ok(())
    }

    /// Frees staging buffers the pool let go of and unloads retired modules
    /// whose fences completed. Only on threads that may call CUDA.
    pub fn reclaim(&self) {
        let doomed = self.staging.lock().take_doomed();
        if !doomed.is_empty() {
            if let Ok(_current) = self.enter() {
                for buffer in doomed {
                    // SAFETY: a buffer from cuMemHostAlloc that no stream uses any more.
                    unsafe { (self.driver.cuMemFreeHost)(buffer.addr as *mut c_void) };
                }
            }
        }
        crate::module::sweep(self);
    }

    /// Runs a synchronous copy or memset: waits for every stream of the
    /// device (flaghal.h, "Ordering"), queues `op` on the internal stream and
    /// waits for it, so its effect is visible to the host and to later work.
    /// A kernel fault found on the way is DEVICE_LOST here: synchronous
    /// calls never report LAUNCH_FAILED.
    pub fn run_synchronously(&self, operation: &str, op: impl FnOnce(Handle) -> CUresult) -> FfiResult {
        self.usable(Caller::Other)?;
        {
            let _current = self.enter()?;
            // SAFETY: the device's context is current.
            let result = unsafe { (self.driver.cuCtxSynchronize)() };
            self.check("cuCtxSynchronize", result, Caller::Other)?;
            let result = op(self.internal);
            self.check(operation, result, Caller::Other)?;
            // SAFETY: the internal stream lives as long as the device.
            let result = unsafe { (self.driver.cuStreamSynchronize)(self.internal.0) };
            self.check("cuStreamSynchronize", result, Caller::Other)?;
        }
        self.reclaim();
        Ok(())
    }

    /// (free, total) device memory.
    pub fn mem_info(&self) -> (u64, u64) {
        let total = self.attributes.total_memory;
        let fallback = (total.saturating_sub(self.memory.lock().bytes()), total);
        let Ok(_current) = self.enter() else { return fallback };
        let (mut free, mut total_now) = (0usize, 0usize);
        // SAFETY: valid out pointers; the context is current.
        let result = unsafe { (self.driver.cuMemGetInfo)(&mut free, &mut total_now) };
        if result == CUDA_SUCCESS { (free as u64, total) } else { fallback }
    }

    pub fn mem_alloc(&self, size: usize) -> FfiResult<fh_deviceptr_t> {
        self.usable(Caller::Other)?;
        if size as u64 > self.attributes.total_memory {
            return Err(out_of_memory(format!("{size} bytes requested; the device has {} bytes", self.attributes.total_memory)));
        }
        let _current = self.enter()?;
        let mut ptr = 0u64;
        // SAFETY: `ptr` is a valid out pointer; the context is current.
        let result = unsafe { (self.driver.cuMemAlloc)(&mut ptr, size) };
        self.check(&format!("cuMemAlloc({size} bytes)"), result, Caller::Other)?;
        self.memory.lock().insert(ptr, size as u64);
        Ok(ptr)
    }

    pub fn mem_free(&self, ptr: fh_deviceptr_t) -> FfiResult {
        {
            let mut memory = self.memory.lock();
            if memory.remove(ptr).is_none() {
                let miss = describe_miss(&memory, "the address", ptr, 1);
                return Err(invalid_address(format!("fhMemFree: {ptr:#x} is not the base of a live allocation ({miss})")));
            }
        }
        let _current = self.enter()?;
        // SAFETY: the base of a live cuMemAlloc allocation, now forgotten.
        let result = unsafe { (self.driver.cuMemFree)(ptr) };
        self.check("cuMemFree", result, Caller::Destroy)
    }

    pub fn mem_alloc_host(&self, size: usize) -> FfiResult<*mut c_void> {
        self.usable(Caller::Other)?;
        let _current = self.enter()?;
        let mut ptr: *mut c_void = std::ptr::null_mut();
        // SAFETY: `ptr` is a valid out pointer; the context is current.
        let result = unsafe { (self.driver.cuMemHostAlloc)(&mut ptr, size, crate::driver::CU_MEMHOSTALLOC_PORTABLE) };
        self.check(&format!("cuMemHostAlloc({size} bytes)"), result, Caller::Other)?;
        self.pinned.lock().insert(ptr as u64, size as u64);
        Ok(ptr)
    }

    /// fhMemFreeHost of the pinned memory at `addr`.
    pub fn mem_free_host(&self, addr: usize) -> FfiResult {
        if self.pinned.lock().remove(addr as u64).is_none() {
            return Err(invalid_value(format!("fhMemFreeHost: {addr:#x} was not returned by fhMemAllocHost on this device")));
        }
        let _current = self.enter()?;
        // SAFETY: memory from cuMemHostAlloc, now forgotten.
        let result = unsafe { (self.driver.cuMemFreeHost)(addr as *mut c_void) };
        self.check("cuMemFreeHost", result, Caller::Destroy)
    }

    /// FH_ERROR_INVALID_ADDRESS unless `[addr, addr + len)` lies inside one
    /// live allocation (`what` names it in the detail).
    pub fn check_range(&self, what: &str, addr: fh_deviceptr_t, len: usize) -> FfiResult {
        let memory = self.memory.lock();
        if memory.contains_range(addr, len as u64) {
            Ok(())
        } else {
            Err(invalid_address(describe_miss(&memory, what, addr, len as u64)))
        }
    }

    /// Whether the host range lies inside memory from fhMemAllocHost.
    pub fn is_pinned(&self, addr: usize, len: usize) -> bool {
        self.pinned.lock().contains_range(addr as u64, len as u64)
    }

    /// A pinned staging buffer of at least `len` bytes.
    pub fn take_staging(&self, len: usize) -> FfiResult<Buffer> {
        if let Some(buffer) = self.staging.lock().take(len) {
            return Ok(buffer);
        }
        let size = staging::buffer_size(len);
        let _current = self.enter()?;
        let mut ptr: *mut c_void = std::ptr::null_mut();
        // SAFETY: `ptr` is a valid out pointer; the context is current.
        let result = unsafe { (self.driver.cuMemHostAlloc)(&mut ptr, size, crate::driver::CU_MEMHOSTALLOC_PORTABLE) };
        self.check(&format!("cuMemHostAlloc({size} bytes of staging)"), result, Caller::Other)?;
        Ok(Buffer { addr: ptr as usize, size })
    }

    /// Gives a staging buffer back (also from a host function: no CUDA call).
    pub fn give_staging(&self, buffer: Buffer) {
        self.staging.lock().give(buffer);
    }

    /// The streams alive now.
    pub fn live_streams(&self) -> Vec<Handle> {
        self.streams.lock().values().copied().collect()
    }

    pub fn retired(&self) -> &Mutex<Vec<Retired>> {
        &self.retired
    }

    pub fn is_lost(&self) -> bool {
        self.lost.load(Ordering::Acquire)
    }

    /// Checks a memset's destination: alignment (FH_ERROR_INVALID_VALUE),
    /// then the range.
    pub fn check_memset(&self, dst: fh_deviceptr_t, element_size: u32, count: usize) -> FfiResult {
        if dst % u64::from(element_size) != 0 {
            return Err(invalid_value(format!("a {}-bit memset needs a {element_size}-byte aligned destination; {dst:#x} is not", element_size * 8)));
        }
        let len = count.checked_mul(element_size as usize).ok_or_else(|| invalid_value("memset size overflows"))?;
        self.check_range("the memset destination", dst, len)
    }
}

/// Queues a memset of `count` elements of `element_size` bytes on `stream`.
pub fn queue_memset(driver: &Driver, dst: fh_deviceptr_t, value: u32, element_size: u32, count: usize, stream: Handle) -> CUresult {
    // SAFETY: the caller checked the range and alignment; the stream is live
    // and the context current.
    unsafe {
        match element_size {
            1 => (driver.cuMemsetD8Async)(dst, value as u8, count, stream.0),
            2 => (driver.cuMemsetD16Async)(dst, value as u16, count, stream.0),
            _ => (driver.cuMemsetD32Async)(dst, value, count, stream.0),
        }
    }
}

/// The name of a memset call, for details.
pub fn memset_name(element_size: u32) -> &'static str {
    match element_size {
        1 => "cuMemsetD8Async",
        2 => "cuMemsetD16Async",
        _ => "cuMemsetD32Async",
    }
}
