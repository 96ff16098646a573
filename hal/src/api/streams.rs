//! fhStreamCreate/Destroy/Synchronize/Query/WaitEvent and fhLaunchHostFunc.

use super::{call_plugin, device, event, exports, same_device, stream};
use crate::failure::fail;
use crate::handles::Stream;
use crate::trace;
use flaghal_sys::*;
use std::ffi::c_void;

exports! {
    /// # Safety
    /// `out` is NULL or writable.
    fn fhStreamCreate(handle: fh_device_t, flags: u32, out: *mut fh_stream_t) {
        let d = device(handle)?;
        ptr::require_non_null(out, "stream")?;
        if flags != FH_STREAM_DEFAULT {
            return Err(fail(FH_ERROR_INVALID_VALUE, format!("unknown flags 0x{flags:x} (only FH_STREAM_DEFAULT is defined)")));
        }
        let mut native: fhp_stream_t = std::ptr::null_mut();
        call_plugin!(d.plugin, stream_create, FUNCTION, d.native, flags, &mut native)?;
        let s = Stream::create(d, native);
        trace::stream_created(s);
        // SAFETY: non-NULL and writable per the contract.
        Ok(unsafe { ptr::write_out(out, s.as_ptr(), "stream") }?)
    }

    /// # Safety
    /// `handle` is NULL or a stream from fhStreamCreate.
    fn fhStreamDestroy(handle: fh_stream_t) {
        crate::registry::get()?;
        if handle.is_null() {
            return Ok(());
        }
        let s = stream(handle)?;
        s.begin_destroy()?;
        trace::stream_destroyed(s);
        let result = call_plugin!(s.device().plugin, stream_destroy, FUNCTION, s.native());
        s.release(|_| {});
        result
    }

    /// # Safety
    /// `handle` is NULL or a live stream.
    fn fhStreamSynchronize(handle: fh_stream_t) {
        let s = stream(handle)?;
        let result = call_plugin!(s.device().plugin, stream_synchronize, FUNCTION, s.native());
        trace::synchronized(s);
        result
    }

    /// # Safety
    /// `handle` is NULL or a live stream.
    fn fhStreamQuery(handle: fh_stream_t) {
        let s = stream(handle)?;
        call_plugin!(s.device().plugin, stream_query, FUNCTION, s.native())
    }

    /// # Safety
    /// `stream_handle` and `event_handle` are NULL or live handles.
    fn fhStreamWaitEvent(stream_handle: fh_stream_t, event_handle: fh_event_t) {
        let s = stream(stream_handle)?;
        let e = event(event_handle)?;
        same_device(s.device(), e.device(), "stream and event")?;
        trace::stream_mark(s, FUNCTION);
        call_plugin!(s.device().plugin, stream_wait_event, FUNCTION, s.native(), e.native())
    }

    /// # Safety
    /// `handle` is NULL or a live stream; `callback` may be called with
    /// `user_data` on a plugin thread.
    fn fhLaunchHostFunc(handle: fh_stream_t, callback: fh_host_fn_t, user_data: *mut c_void) {
        let s = stream(handle)?;
        let d = s.device();
        let f = match d.plugin.api.launch_host_func {
            Some(f) if d.has_capability(FH_DEVICE_CAP_HOST_FUNC) => f,
            _ => {
                return Err(fail(
                    FH_ERROR_NOT_SUPPORTED,
                    format!("{} does not support host functions (FH_DEVICE_CAP_HOST_FUNC)", d.describe()),
                ))
            }
        };
        if callback.is_none() {
            return Err(fail(FH_ERROR_INVALID_VALUE, "fn is NULL"));
        }
        trace::stream_work(s, || "host function".into(), Default::default, || {
            // SAFETY: checked stream handle and non-NULL fn (rule 7).
            let status = unsafe { f(s.native(), callback, user_data) };
            crate::failure::plugin_status(&d.plugin.name, FUNCTION, status)
        })
    }
}
