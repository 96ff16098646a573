//! Streams: one non-blocking CUstream each (`CU_STREAM_NON_BLOCKING`, so
//! no implicit ordering with the legacy default stream or with each other;
//! FlagHAL streams are ordered only by events). Asynchronous copies through
//! pageable host memory are staged (staging.rs says why); host functions
//! are cuLaunchHostFunc with a trampoline.
//!
//! Ownership: `Arc<Stream>` (the SDK's); the CUstream is destroyed by
//! fhStreamDestroy after its work completes (CUDA's cuStreamDestroy would
//! return at once, FlagHAL's destroy waits).

use crate::device::{memset_name, queue_memset, Device};
use crate::driver::Handle;
use crate::health::Caller;
use crate::staging::Buffer;
use flaghal_plugin::HostCall;
use flaghal_sys::{fh_deviceptr_t, FfiResult};
use std::ffi::c_void;

pub struct Stream {
    pub device: &'static Device,
    pub raw: Handle,
}

/// Work a host function does on the driver's callback thread: never a CUDA
/// call (the driver forbids it), only the application's function, a host
/// copy and the staging pool's lock.
enum HostJob {
    /// fhLaunchHostFunc.
    Call(HostCall),
    /// A host-to-device copy left its staging buffer: give it back.
    Recycle { device: &'static Device, buffer: Buffer },
    /// A device-to-host copy reached its staging buffer: copy it to the
    /// application's destination, then give the buffer back.
    CopyBack { device: &'static Device, buffer: Buffer, dst: usize, len: usize },
}

impl HostJob {
    /// # Safety
    /// Once, on the driver's callback thread, when the stream reaches it.
    unsafe fn run(self) {
        match self {
            // SAFETY: the contract fhLaunchHostFunc gave the call.
            HostJob::Call(call) => unsafe { call.run() },
            HostJob::Recycle { device, buffer } => device.give_staging(buffer),
            HostJob::CopyBack { device, buffer, dst, len } => {
                // SAFETY: the DMA into the staging buffer has completed (the
                // stream is past it), and the application keeps `dst` valid
                // for `len` bytes until the stream reaches the copy
                // (flaghal.h, "Ordering"); the two never overlap.
                unsafe { std::ptr::copy_nonoverlapping(buffer.addr as *const u8, dst as *mut u8, len) };
                device.give_staging(buffer);
            }
        }
    }
}

/// The `CUhostFn` of every host job.
///
/// # Safety
/// `data` is a `Box<HostJob>` from [`Stream::queue_job`], passed once.
unsafe extern "C" fn run_host_job(data: *mut c_void) {
    flaghal_sys::ffi_boundary(
        || {
            // SAFETY: per this function's contract the box is ours to take.
            let job = unsafe { Box::from_raw(data.cast::<HostJob>()) };
            // SAFETY: the driver calls this once, when the stream reaches it.
            unsafe { job.run() };
            Ok(())
        },
        |_| {},
    );
}

impl Stream {
    pub fn create(device: &'static Device) -> FfiResult<Stream> {
        device.usable(Caller::Other)?;
        let raw = device.create_stream()?;
        device.register_stream(raw);
        Ok(Stream { device, raw })
    }

    /// fhStreamDestroy: waits for the stream's work (reporting a kernel
    /// failure once more), then destroys it.
    pub fn destroy(&self) -> FfiResult {
        let waited = self.synchronize();
        self.device.unregister_stream(self.raw);
        let _current = self.device.enter()?;
        // SAFETY: a stream of this device with no work left; never used again.
        let result = unsafe { (self.device.driver.cuStreamDestroy)(self.raw.0) };
        self.device.check("cuStreamDestroy", result, Caller::Destroy)?;
        match waited {
            Err(e) if e.status == flaghal_sys::FH_ERROR_DEVICE_LOST => Ok(()),
            other => other,
        }
    }

    pub fn synchronize(&self) -> FfiResult {
        self.device.usable(Caller::Wait)?;
        let _current = self.device.enter()?;
        // SAFETY: a live stream; the context is current.
        let result = unsafe { (self.device.driver.cuStreamSynchronize)(self.raw.0) };
        self.device.check("cuStreamSynchronize", result, Caller::Wait)
    }

    pub fn query(&self) -> FfiResult {
        self.device.usable(Caller::Other)?;
        let _current = self.device.enter()?;
        // SAFETY: a live stream; the context is current.
        let result = unsafe { (self.device.driver.cuStreamQuery)(self.raw.0) };
        self.device.check_query("cuStreamQuery", result)
    }

    pub fn wait_event(&self, event: Handle) -> FfiResult {
        self.device.usable(Caller::Other)?;
        let _current = self.device.enter()?;
        // SAFETY: a live stream and event of this device; flags 0.
        let result = unsafe { (self.device.driver.cuStreamWaitEvent)(self.raw.0, event.0, 0) };
        self.device.check("cuStreamWaitEvent", result, Caller::Other)
    }

    /// Queues a host job; on failure the job is dropped without running,
    /// except staging buffers, which a queued copy may still use (leaked).
    fn queue_job(&self, job: HostJob) -> FfiResult {
        let data = Box::into_raw(Box::new(job));
        // SAFETY: a live stream; `run_host_job` takes the box exactly once
        // when the stream reaches it.
        let result = unsafe { (self.device.driver.cuLaunchHostFunc)(self.raw.0, Some(run_host_job), data.cast()) };
        let checked = self.device.check("cuLaunchHostFunc", result, Caller::Other);
        if checked.is_err() {
            // SAFETY: the driver did not take the job: it is still ours.
            let job = unsafe { Box::from_raw(data) };
            if !matches!(*job, HostJob::Call(_)) {
                std::mem::forget(job);
            }
        }
        checked
    }

    pub fn launch_host_func(&self, call: HostCall) -> FfiResult {
        self.device.usable(Caller::Other)?;
        let _current = self.device.enter()?;
        self.queue_job(HostJob::Call(call))
    }

    pub fn memcpy_htod_async(&self, dst: fh_deviceptr_t, src: &[u8]) -> FfiResult {
        if src.is_empty() {
            return Ok(());
        }
        self.device.usable(Caller::Other)?;
        self.device.check_range("the destination", dst, src.len())?;
        let driver = self.device.driver;
        if self.device.is_pinned(src.as_ptr() as usize, src.len()) {
            let _current = self.device.enter()?;
            // SAFETY: pinned source the application keeps valid until the
            // stream reaches the copy; a checked destination range.
            let result = unsafe { (driver.cuMemcpyHtoDAsync)(dst, src.as_ptr().cast(), src.len(), self.raw.0) };
            return self.device.check("cuMemcpyHtoDAsync", result, Caller::Other);
        }
        let buffer = self.device.take_staging(src.len())?;
        // SAFETY: the staging buffer holds at least src.len() bytes and no
        // stream uses it (it came out of the pool).
        unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), buffer.addr as *mut u8, src.len()) };
        let _current = self.device.enter()?;
        // SAFETY: a pinned staging source of src.len() bytes, kept until the
        // host job below gives it back; a checked destination range.
        let result = unsafe { (driver.cuMemcpyHtoDAsync)(dst, buffer.addr as *const c_void, src.len(), self.raw.0) };
        if let Err(e) = self.device.check("cuMemcpyHtoDAsync", result, Caller::Other) {
            self.device.give_staging(buffer);
            return Err(e);
        }
        self.queue_job(HostJob::Recycle { device: self.device, buffer })
    }

    pub fn memcpy_dtoh_async(&self, dst: &mut [u8], src: fh_deviceptr_t) -> FfiResult {
        if dst.is_empty() {
            return Ok(());
        }
        self.device.usable(Caller::Other)?;
        self.device.check_range("the source", src, dst.len())?;
        let driver = self.device.driver;
        if self.device.is_pinned(dst.as_ptr() as usize, dst.len()) {
            let _current = self.device.enter()?;
            // SAFETY: a pinned destination the application keeps valid until
            // the stream reaches the copy; a checked source range.
            let result = unsafe { (driver.cuMemcpyDtoHAsync)(dst.as_mut_ptr().cast(), src, dst.len(), self.raw.0) };
            return self.device.check("cuMemcpyDtoHAsync", result, Caller::Other);
        }
        let buffer = self.device.take_staging(dst.len())?;
        let _current = self.device.enter()?;
        // SAFETY: a pinned staging destination of at least dst.len() bytes,
        // kept until the host job below; a checked source range.
        let result = unsafe { (driver.cuMemcpyDtoHAsync)(buffer.addr as *mut c_void, src, dst.len(), self.raw.0) };
        if let Err(e) = self.device.check("cuMemcpyDtoHAsync", result, Caller::Other) {
            self.device.give_staging(buffer);
            return Err(e);
        }
        self.queue_job(HostJob::CopyBack { device: self.device, buffer, dst: dst.as_mut_ptr() as usize, len: dst.len() })
    }

    pub fn memcpy_dtod_async(&self, dst: fh_deviceptr_t, src: fh_deviceptr_t, size: usize) -> FfiResult {
        self.device.usable(Caller::Other)?;
        self.device.check_range("the source", src, size)?;
        self.device.check_range("the destination", dst, size)?;
        let _current = self.device.enter()?;
        // SAFETY: checked ranges of live allocations; a live stream.
        let result = unsafe { (self.device.driver.cuMemcpyDtoDAsync)(dst, src, size, self.raw.0) };
        self.device.check("cuMemcpyDtoDAsync", result, Caller::Other)
    }

    pub fn memset_async(&self, dst: fh_deviceptr_t, value: u32, element_size: u32, count: usize) -> FfiResult {
        self.device.usable(Caller::Other)?;
        self.device.check_memset(dst, element_size, count)?;
        let _current = self.device.enter()?;
        let result = queue_memset(self.device.driver, dst, value, element_size, count, self.raw);
        self.device.check(memset_name(element_size), result, Caller::Other)
    }
}
