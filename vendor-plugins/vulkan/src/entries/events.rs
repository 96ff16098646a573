//! Table entries: Events.

use super::*;

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub(crate) unsafe extern "C" fn event_create(handle: sys::fhp_device_t, flags: u32, out: *mut sys::fhp_event_t) -> sys::fh_status_t {
    call(|| {
        flaghal_sys::ptr::require_non_null(out, "event")?;
        // SAFETY: loader-validated handle.
        let e = Event::new(unsafe { device(handle) }?, flags)?;
        // SAFETY: checked non-NULL above; ownership passes to the handle.
        unsafe { write_out(out, Box::into_raw(Box::new(e)) as sys::fhp_event_t, "event") }
    })
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub(crate) unsafe extern "C" fn event_destroy(e: sys::fhp_event_t) -> sys::fh_status_t {
    call(|| {
        if !e.is_null() {
            // SAFETY: a live handle is `Box::into_raw` of an Event, destroyed once.
            drop(unsafe { Box::from_raw(e.cast::<Event>()) });
        }
        Ok(())
    })
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub(crate) unsafe extern "C" fn event_record(e: sys::fhp_event_t, s: sys::fhp_stream_t) -> sys::fh_status_t {
    call(|| {
        // SAFETY: loader-validated handles.
        let (e, s) = unsafe { (event(e)?, stream(s)?) };
        if !std::ptr::eq(s.device, e.device) {
            return Err(FfiError::new(sys::FH_ERROR_INVALID_DEVICE, "stream and event belong to different devices"));
        }
        e.record(s)
    })
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub(crate) unsafe extern "C" fn event_synchronize(e: sys::fhp_event_t) -> sys::fh_status_t {
    // SAFETY: loader-validated handle.
    call(|| unsafe { event(e) }?.synchronize())
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub(crate) unsafe extern "C" fn event_query(e: sys::fhp_event_t) -> sys::fh_status_t {
    // SAFETY: loader-validated handle.
    call(|| unsafe { event(e) }?.query())
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub(crate) unsafe extern "C" fn event_elapsed_time(ms: *mut f32, start: sys::fhp_event_t, end: sys::fhp_event_t) -> sys::fh_status_t {
    call(|| {
        flaghal_sys::ptr::require_non_null(ms, "ms")?;
        // SAFETY: loader-validated handles.
        let (a, b) = unsafe { (event(start)?, event(end)?) };
        if !std::ptr::eq(a.device, b.device) {
            return Err(invalid_value("the events belong to different devices"));
        }
        let value = Event::elapsed_ms(a, b)?;
        // SAFETY: checked non-NULL above.
        unsafe { write_out(ms, value, "ms") }
    })
}
