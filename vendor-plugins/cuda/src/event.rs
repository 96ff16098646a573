//! Events: one CUevent each, with timing unless FH_EVENT_DISABLE_TIMING.
//! CUDA's event semantics are FlagHAL's: a record replaces the previous
//! one, a never-recorded event is complete, a stream waiting on an event
//! waits for the record current at the time of the wait, and destroying an
//! event that a stream waits on is safe (the driver releases it once it
//! completes). The plugin adds what CUDA answers differently: elapsed time
//! on a never-recorded or untimed event is FH_ERROR_INVALID_VALUE (CUDA
//! says CUDA_ERROR_INVALID_HANDLE).
//!
//! Ownership: `Box<Event>` (the SDK's); dropping it destroys the CUevent.

use crate::device::Device;
use crate::driver::{Handle, CU_EVENT_DEFAULT, CU_EVENT_DISABLE_TIMING};
use crate::error::invalid_value;
use crate::health::Caller;
use flaghal_sys::{self as sys, FfiResult};
use std::ffi::c_void;
use std::sync::atomic::{AtomicBool, Ordering};

pub struct Event {
    pub device: &'static Device,
    pub raw: Handle,
    timing: bool,
    recorded: AtomicBool,
}

impl Event {
    pub fn create(device: &'static Device, flags: u32) -> FfiResult<Event> {
        device.usable(Caller::Other)?;
        let timing = flags & sys::FH_EVENT_DISABLE_TIMING == 0;
        let _current = device.enter()?;
        let mut raw: *mut c_void = std::ptr::null_mut();
        let cu_flags = if timing { CU_EVENT_DEFAULT } else { CU_EVENT_DISABLE_TIMING };
        // SAFETY: `raw` is a valid out pointer; the context is current.
        let result = unsafe { (device.driver.cuEventCreate)(&mut raw, cu_flags) };
        device.check("cuEventCreate", result, Caller::Other)?;
        Ok(Event { device, raw: Handle(raw), timing, recorded: AtomicBool::new(false) })
    }

    pub fn record(&self, stream: Handle) -> FfiResult {
        self.device.usable(Caller::Other)?;
        let _current = self.device.enter()?;
        // SAFETY: a live event and stream of this device.
        let result = unsafe { (self.device.driver.cuEventRecord)(self.raw.0, stream.0) };
        self.device.check("cuEventRecord", result, Caller::Other)?;
        self.recorded.store(true, Ordering::Release);
        Ok(())
    }

    pub fn synchronize(&self) -> FfiResult {
        self.device.usable(Caller::Wait)?;
        let _current = self.device.enter()?;
        // SAFETY: a live event; never recorded returns at once.
        let result = unsafe { (self.device.driver.cuEventSynchronize)(self.raw.0) };
        self.device.check("cuEventSynchronize", result, Caller::Wait)
    }

    pub fn query(&self) -> FfiResult {
        self.device.usable(Caller::Other)?;
        let _current = self.device.enter()?;
        // SAFETY: a live event.
        let result = unsafe { (self.device.driver.cuEventQuery)(self.raw.0) };
        self.device.check_query("cuEventQuery", result)
    }

    /// fhEventElapsedTime: NOT_READY at once when either record is pending
    /// (cuEventElapsedTime never waits).
    pub fn elapsed_ms(start: &Event, end: &Event) -> FfiResult<f32> {
        for (which, event) in [("start", start), ("end", end)] {
            if !event.timing {
                return Err(invalid_value(format!("the {which} event was created with FH_EVENT_DISABLE_TIMING")));
            }
            if !event.recorded.load(Ordering::Acquire) {
                return Err(invalid_value(format!("the {which} event was never recorded")));
            }
        }
        let device = start.device;
        device.usable(Caller::Other)?;
        let _current = device.enter()?;
        let elapsed = device.driver.cuEventElapsedTime_v2.unwrap_or(device.driver.cuEventElapsedTime);
        let mut ms = 0f32;
        // SAFETY: `ms` is a valid out pointer; two live, recorded, timed events.
        let result = unsafe { elapsed(&mut ms, start.raw.0, end.raw.0) };
        device.check_query("cuEventElapsedTime", result)?;
        Ok(ms)
    }
}

impl Drop for Event {
    fn drop(&mut self) {
        if let Ok(_current) = self.device.enter() {
            // SAFETY: the event is never used again; waits queued on it keep
            // it alive inside the driver until they complete.
            unsafe { (self.device.driver.cuEventDestroy)(self.raw.0) };
        }
    }
}
