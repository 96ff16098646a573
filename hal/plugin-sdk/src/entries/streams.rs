//! Stream and event entries.

use super::same_device;
use crate::handles;
use crate::sys::ptr::{require_non_null, write_out};
use crate::sys::{self, fh_host_fn_t, fh_status_t, fhp_device_t, fhp_event_t, fhp_stream_t};
use crate::traits::{Device, Event, HostCall, Plugin, Stream};
use crate::{boundary, FfiError};
use std::ffi::c_void;

/// # Safety
/// See the module doc of `entries`.
pub unsafe extern "C" fn stream_create<P: Plugin>(device: fhp_device_t, flags: u32, out: *mut fhp_stream_t) -> fh_status_t {
    boundary(|| {
        // SAFETY: a handle of this plugin or one the check refuses.
        let device = unsafe { handles::device::<P>(device) }?;
        require_non_null(out, "stream")?;
        if flags != sys::FH_STREAM_DEFAULT {
            return Err(FfiError::new(sys::FH_ERROR_INVALID_VALUE, format!("unknown stream flags {flags:#x}; 1.0 defines only 0")));
        }
        let stream = device.stream_create(flags)?;
        // SAFETY: checked non-NULL.
        unsafe { write_out(out, handles::stream_handle::<P>(stream), "stream") }
    })
}

/// # Safety
/// See the module doc of `entries`.
pub unsafe extern "C" fn stream_destroy<P: Plugin>(stream: fhp_stream_t) -> fh_status_t {
    // SAFETY: a handle of this plugin or one the check refuses; the loader
    // forgets it after this call.
    boundary(|| unsafe { handles::take_stream::<P>(stream) }?.destroy())
}

/// # Safety
/// See the module doc of `entries`.
pub unsafe extern "C" fn stream_synchronize<P: Plugin>(stream: fhp_stream_t) -> fh_status_t {
    // SAFETY: a handle of this plugin or one the check refuses.
    boundary(|| unsafe { handles::stream::<P>(stream) }?.synchronize())
}

/// # Safety
/// See the module doc of `entries`.
pub unsafe extern "C" fn stream_query<P: Plugin>(stream: fhp_stream_t) -> fh_status_t {
    // SAFETY: a handle of this plugin or one the check refuses.
    boundary(|| unsafe { handles::stream::<P>(stream) }?.query())
}

/// # Safety
/// See the module doc of `entries`.
pub unsafe extern "C" fn stream_wait_event<P: Plugin>(stream: fhp_stream_t, event: fhp_event_t) -> fh_status_t {
    boundary(|| {
        // SAFETY: handles of this plugin or ones the checks refuse.
        let (stream, event) = unsafe { (handles::stream::<P>(stream)?, handles::event::<P>(event)?) };
        same_device::<P>(stream.device(), event.device(), "stream and event")?;
        stream.wait_event(event)
    })
}

/// # Safety
/// See the module doc of `entries`.
pub unsafe extern "C" fn launch_host_func<P: Plugin>(stream: fhp_stream_t, function: fh_host_fn_t, user_data: *mut c_void) -> fh_status_t {
    boundary(|| {
        // SAFETY: a handle of this plugin or one the check refuses.
        let stream = unsafe { handles::stream::<P>(stream) }?;
        let function = function.ok_or_else(|| FfiError::new(sys::FH_ERROR_INVALID_VALUE, "fn is NULL"))?;
        stream.launch_host_func(HostCall::new(function, user_data))
    })
}

/// # Safety
/// See the module doc of `entries`.
pub unsafe extern "C" fn event_create<P: Plugin>(device: fhp_device_t, flags: u32, out: *mut fhp_event_t) -> fh_status_t {
    boundary(|| {
        // SAFETY: a handle of this plugin or one the check refuses.
        let device = unsafe { handles::device::<P>(device) }?;
        require_non_null(out, "event")?;
        if flags & !sys::FH_EVENT_DISABLE_TIMING != 0 {
            return Err(FfiError::new(sys::FH_ERROR_INVALID_VALUE, format!("unknown event flags {flags:#x}")));
        }
        let event = device.event_create(flags)?;
        // SAFETY: checked non-NULL.
        unsafe { write_out(out, handles::event_handle::<P>(event), "event") }
    })
}

/// # Safety
/// See the module doc of `entries`.
pub unsafe extern "C" fn event_destroy<P: Plugin>(event: fhp_event_t) -> fh_status_t {
    // SAFETY: a handle of this plugin or one the check refuses; the loader
    // forgets it after this call. Waits queued on the event keep what they need.
    boundary(|| unsafe { handles::take_event::<P>(event) }.map(drop))
}

/// # Safety
/// See the module doc of `entries`.
pub unsafe extern "C" fn event_record<P: Plugin>(event: fhp_event_t, stream: fhp_stream_t) -> fh_status_t {
    boundary(|| {
        // SAFETY: handles of this plugin or ones the checks refuse.
        let (event, stream) = unsafe { (handles::event::<P>(event)?, handles::stream::<P>(stream)?) };
        same_device::<P>(stream.device(), event.device(), "stream and event")?;
        event.record(stream)
    })
}

/// # Safety
/// See the module doc of `entries`.
pub unsafe extern "C" fn event_synchronize<P: Plugin>(event: fhp_event_t) -> fh_status_t {
    // SAFETY: a handle of this plugin or one the check refuses.
    boundary(|| unsafe { handles::event::<P>(event) }?.synchronize())
}

/// # Safety
/// See the module doc of `entries`.
pub unsafe extern "C" fn event_query<P: Plugin>(event: fhp_event_t) -> fh_status_t {
    // SAFETY: a handle of this plugin or one the check refuses.
    boundary(|| unsafe { handles::event::<P>(event) }?.query())
}

/// # Safety
/// See the module doc of `entries`.
pub unsafe extern "C" fn event_elapsed_time<P: Plugin>(ms: *mut f32, start: fhp_event_t, end: fhp_event_t) -> fh_status_t {
    boundary(|| {
        // SAFETY: handles of this plugin or ones the checks refuse.
        let (start, end) = unsafe { (handles::event::<P>(start)?, handles::event::<P>(end)?) };
        require_non_null(ms, "ms")?;
        same_device::<P>(start.device(), end.device(), "the events")?;
        let elapsed = P::Event::elapsed_ms(start, end)?;
        // SAFETY: checked non-NULL.
        unsafe { write_out(ms, elapsed, "ms") }
    })
}

