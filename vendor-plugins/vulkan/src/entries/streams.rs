//! Table entries: Streams and host functions.

use super::*;

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub(crate) unsafe extern "C" fn stream_create(handle: sys::fhp_device_t, flags: u32, out: *mut sys::fhp_stream_t) -> sys::fh_status_t {
    call(|| {
        flaghal_sys::ptr::require_non_null(out, "stream")?;
        if flags != sys::FH_STREAM_DEFAULT {
            return Err(invalid_value(format!("unknown stream flags 0x{flags:x}")));
        }
        // SAFETY: loader-validated handle.
        let s = Stream::new(unsafe { device(handle) }?)?;
        // SAFETY: checked non-NULL above; ownership passes to the handle.
        unsafe { write_out(out, Arc::into_raw(s) as sys::fhp_stream_t, "stream") }
    })
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub(crate) unsafe extern "C" fn stream_destroy(s: sys::fhp_stream_t) -> sys::fh_status_t {
    call(|| {
        if s.is_null() {
            return Ok(());
        }
        // SAFETY: a live handle is `Arc::into_raw` of a Stream; the loader
        // destroys each handle once. Dropping waits for its work.
        let stream = unsafe { Arc::from_raw(s.cast::<Stream>().cast_const()) };
        let result = stream.synchronize();
        drop(stream);
        result
    })
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub(crate) unsafe extern "C" fn stream_synchronize(s: sys::fhp_stream_t) -> sys::fh_status_t {
    // SAFETY: loader-validated handle.
    call(|| unsafe { stream(s) }?.synchronize())
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub(crate) unsafe extern "C" fn stream_query(s: sys::fhp_stream_t) -> sys::fh_status_t {
    // SAFETY: loader-validated handle.
    call(|| unsafe { stream(s) }?.query())
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub(crate) unsafe extern "C" fn stream_wait_event(s: sys::fhp_stream_t, e: sys::fhp_event_t) -> sys::fh_status_t {
    call(|| {
        // SAFETY: loader-validated handles.
        let (s, e) = unsafe { (stream(s)?, event(e)?) };
        if !std::ptr::eq(s.device, e.device) {
            return Err(FfiError::new(sys::FH_ERROR_INVALID_DEVICE, "stream and event belong to different devices"));
        }
        match e.point() {
            Some((timeline, value)) => s.wait_for(timeline, value),
            None => Ok(()),
        }
    })
}

/// A host function pointer and its argument, sent to the host thread.
struct HostCall(unsafe extern "C" fn(*mut c_void), usize);

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub(crate) unsafe extern "C" fn launch_host_func(s: sys::fhp_stream_t, f: sys::fh_host_fn_t, user: *mut c_void) -> sys::fh_status_t {
    call(|| {
        let f = f.ok_or_else(|| invalid_value("fn is NULL"))?;
        let host_call = HostCall(f, user as usize);
        // SAFETY: loader-validated handle.
        unsafe { stream(s) }?.host_job(Box::new(move || {
            let HostCall(f, user) = host_call;
            // SAFETY: the application passed `f` and `user_data` for exactly
            // this call, on a plugin thread (flaghal.h fhLaunchHostFunc).
            unsafe { f(user as *mut c_void) }
        }))
    })
}
