//! Streams (fhStreamCreate/Destroy/Synchronize/Query/WaitEvent,
//! fhLaunchHostFunc) and events (fhEventCreate/Destroy/Record/Synchronize/
//! Query/ElapsedTime).
//!
//! The queries return `Ok(())` when the work is complete and an error with
//! status FH_ERROR_NOT_READY (and no message) while it is pending, so a
//! query's status is [`crate::status_of`] of its result, as for every call.

use crate::error::Result;
use crate::hal::Hal;
use crate::handles::{Device, Event, Stream};
use flaghal_sys::FH_STREAM_DEFAULT;
use std::ffi::c_void;

impl Hal {
    /// fhStreamCreate with FH_STREAM_DEFAULT.
    pub fn stream_create(&self, device: Device) -> Result<Stream> {
        let mut stream = std::ptr::null_mut();
        // SAFETY: `stream` is a valid out pointer.
        self.check("fhStreamCreate", unsafe { self.raw().fhStreamCreate(device.0, FH_STREAM_DEFAULT, &mut stream) })?;
        Ok(Stream(stream))
    }

    /// fhStreamDestroy: the handle is invalid afterwards, whatever the status.
    pub fn stream_destroy(&self, stream: Stream) -> Result {
        // SAFETY: no pointers besides the handle, which the loader validates.
        self.check("fhStreamDestroy", unsafe { self.raw().fhStreamDestroy(stream.0) })
    }

    /// fhStreamSynchronize.
    pub fn stream_synchronize(&self, stream: Stream) -> Result {
        // SAFETY: no pointers besides the handle.
        self.check("fhStreamSynchronize", unsafe { self.raw().fhStreamSynchronize(stream.0) })
    }

    /// fhStreamQuery: `Ok` when idle, FH_ERROR_NOT_READY while work is pending.
    pub fn stream_query(&self, stream: Stream) -> Result {
        // SAFETY: no pointers besides the handle.
        self.check("fhStreamQuery", unsafe { self.raw().fhStreamQuery(stream.0) })
    }

    /// fhStreamWaitEvent: later work on `stream` waits for `event`.
    pub fn stream_wait_event(&self, stream: Stream, event: Event) -> Result {
        // SAFETY: no pointers besides the handles.
        self.check("fhStreamWaitEvent", unsafe { self.raw().fhStreamWaitEvent(stream.0, event.0) })
    }

    /// fhLaunchHostFunc: queues `f(user_data)`, run on a plugin thread.
    ///
    /// # Safety
    /// `user_data` stays valid for `f` until the stream has run it, and `f`
    /// may run on another thread.
    pub unsafe fn launch_host_func(&self, stream: Stream, f: unsafe extern "C" fn(*mut c_void), user_data: *mut c_void) -> Result {
        // SAFETY: the caller keeps user_data valid until f has run.
        self.check("fhLaunchHostFunc", unsafe { self.raw().fhLaunchHostFunc(stream.0, Some(f), user_data) })
    }

    /// fhEventCreate(flags): FH_EVENT_DEFAULT or FH_EVENT_DISABLE_TIMING.
    pub fn event_create(&self, device: Device, flags: u32) -> Result<Event> {
        let mut event = std::ptr::null_mut();
        // SAFETY: `event` is a valid out pointer.
        self.check("fhEventCreate", unsafe { self.raw().fhEventCreate(device.0, flags, &mut event) })?;
        Ok(Event(event))
    }

    /// fhEventDestroy: the handle is invalid afterwards, whatever the status.
    pub fn event_destroy(&self, event: Event) -> Result {
        // SAFETY: no pointers besides the handle, which the loader validates.
        self.check("fhEventDestroy", unsafe { self.raw().fhEventDestroy(event.0) })
    }

    /// fhEventRecord: `event` completes when `stream` reaches this point.
    pub fn event_record(&self, event: Event, stream: Stream) -> Result {
        // SAFETY: no pointers besides the handles.
        self.check("fhEventRecord", unsafe { self.raw().fhEventRecord(event.0, stream.0) })
    }

    /// fhEventSynchronize.
    pub fn event_synchronize(&self, event: Event) -> Result {
        // SAFETY: no pointers besides the handle.
        self.check("fhEventSynchronize", unsafe { self.raw().fhEventSynchronize(event.0) })
    }

    /// fhEventQuery: `Ok` when complete, FH_ERROR_NOT_READY while pending.
    pub fn event_query(&self, event: Event) -> Result {
        // SAFETY: no pointers besides the handle.
        self.check("fhEventQuery", unsafe { self.raw().fhEventQuery(event.0) })
    }

    /// fhEventElapsedTime: milliseconds from `start` to `end`.
    pub fn event_elapsed(&self, start: Event, end: Event) -> Result<f32> {
        let mut ms = f32::NAN;
        // SAFETY: `ms` is a valid out pointer.
        self.check("fhEventElapsedTime", unsafe { self.raw().fhEventElapsedTime(&mut ms, start.0, end.0) })?;
        Ok(ms)
    }
}
