//! Stream and event entries.

use super::run;
use crate::event::Event;
use crate::stream::Work;
use crate::{device, handles};
use flaghal_sys::ptr::write_out;
use flaghal_sys::{fh_host_fn_t, fh_status_t, fhp_device_t, fhp_event_t, fhp_stream_t};
use std::ffi::c_void;

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub unsafe extern "C" fn stream_create(device: fhp_device_t, flags: u32, out: *mut fhp_stream_t) -> fh_status_t {
    run(|| {
        // SAFETY: a device handle from device_get.
        unsafe { handles::device(device) }?;
        flaghal_sys::ptr::require_non_null(out, "stream")?;
        let stream = device::get()?.create_stream(flags)?;
        // SAFETY: checked non-NULL.
        unsafe { write_out(out, handles::stream_handle(stream), "stream") }
    })
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub unsafe extern "C" fn stream_destroy(stream: fhp_stream_t) -> fh_status_t {
    run(|| {
        // SAFETY: a live stream handle that the loader forgets after this call.
        let stream = unsafe { handles::take_stream(stream) }?;
        device::get()?.destroy_stream(stream);
        Ok(())
    })
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub unsafe extern "C" fn stream_synchronize(stream: fhp_stream_t) -> fh_status_t {
    // SAFETY: a live stream handle.
    run(|| unsafe { handles::stream(stream) }?.synchronize())
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub unsafe extern "C" fn stream_query(stream: fhp_stream_t) -> fh_status_t {
    // SAFETY: a live stream handle.
    run(|| unsafe { handles::stream(stream) }?.query())
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub unsafe extern "C" fn stream_wait_event(stream: fhp_stream_t, event: fhp_event_t) -> fh_status_t {
    run(|| {
        // SAFETY: live handles.
        let (stream, event) = unsafe { (handles::stream(stream)?, handles::event(event)?) };
        // A never-recorded event makes the wait a no-op.
        if let Some(record) = event.latest() {
            stream.queue.submit(Work::Wait(record));
        }
        Ok(())
    })
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub unsafe extern "C" fn launch_host_func(stream: fhp_stream_t, function: fh_host_fn_t, user_data: *mut c_void) -> fh_status_t {
    // SAFETY: a live stream handle.
    run(|| unsafe { handles::stream(stream) }?.launch_host_function(function, user_data))
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub unsafe extern "C" fn event_create(device: fhp_device_t, flags: u32, out: *mut fhp_event_t) -> fh_status_t {
    run(|| {
        // SAFETY: a device handle from device_get.
        unsafe { handles::device(device) }?;
        flaghal_sys::ptr::require_non_null(out, "event")?;
        let event = Event::new(flags)?;
        // SAFETY: checked non-NULL.
        unsafe { write_out(out, handles::event_handle(event), "event") }
    })
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub unsafe extern "C" fn event_destroy(event: fhp_event_t) -> fh_status_t {
    // SAFETY: a live event handle that the loader forgets after this call.
    run(|| unsafe { handles::take_event(event) }.map(drop))
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub unsafe extern "C" fn event_record(event: fhp_event_t, stream: fhp_stream_t) -> fh_status_t {
    run(|| {
        // SAFETY: live handles.
        let (event, stream) = unsafe { (handles::event(event)?, handles::stream(stream)?) };
        stream.queue.submit_record(event.new_record());
        Ok(())
    })
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub unsafe extern "C" fn event_synchronize(event: fhp_event_t) -> fh_status_t {
    // SAFETY: a live event handle.
    run(|| unsafe { handles::event(event) }?.synchronize())
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub unsafe extern "C" fn event_query(event: fhp_event_t) -> fh_status_t {
    // SAFETY: a live event handle.
    run(|| unsafe { handles::event(event) }?.query())
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub unsafe extern "C" fn event_elapsed_time(ms: *mut f32, start: fhp_event_t, end: fhp_event_t) -> fh_status_t {
    run(|| {
        // SAFETY: live handles.
        let (start, end) = unsafe { (handles::event(start)?, handles::event(end)?) };
        flaghal_sys::ptr::require_non_null(ms, "ms")?;
        let elapsed = Event::elapsed_ms(start, end)?;
        // SAFETY: checked non-NULL.
        unsafe { write_out(ms, elapsed, "ms") }
    })
}
