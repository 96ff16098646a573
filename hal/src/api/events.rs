//! fhEventCreate/Destroy/Record/Synchronize/Query/ElapsedTime.

use super::{call_plugin, device, event, exports, same_device, stream};
use crate::failure::fail;
use crate::handles::Event;
use flaghal_sys::*;
use std::sync::atomic::Ordering;

exports! {
    /// # Safety
    /// `out` is NULL or writable.
    fn fhEventCreate(handle: fh_device_t, flags: u32, out: *mut fh_event_t) {
        let d = device(handle)?;
        ptr::require_non_null(out, "event")?;
        if flags & !FH_EVENT_DISABLE_TIMING != 0 {
            return Err(fail(FH_ERROR_INVALID_VALUE, format!("unknown flags 0x{flags:x}")));
        }
        let mut native: fhp_event_t = std::ptr::null_mut();
        call_plugin!(d.plugin, event_create, FUNCTION, d.native, flags, &mut native)?;
        let e = Event::create(d, native);
        e.extra.store(flags, Ordering::Relaxed);
        // SAFETY: non-NULL and writable per the contract.
        Ok(unsafe { ptr::write_out(out, e.as_ptr(), "event") }?)
    }

    /// # Safety
    /// `handle` is NULL or an event from fhEventCreate.
    fn fhEventDestroy(handle: fh_event_t) {
        crate::registry::get()?;
        if handle.is_null() {
            return Ok(());
        }
        let e = event(handle)?;
        e.begin_destroy()?;
        let result = call_plugin!(e.device().plugin, event_destroy, FUNCTION, e.native());
        e.release(|flags| flags.store(0, Ordering::Relaxed));
        result
    }

    /// # Safety
    /// `event_handle` and `stream_handle` are NULL or live handles.
    fn fhEventRecord(event_handle: fh_event_t, stream_handle: fh_stream_t) {
        let e = event(event_handle)?;
        let s = stream(stream_handle)?;
        same_device(e.device(), s.device(), "event and stream")?;
        crate::trace::stream_mark(s, FUNCTION);
        call_plugin!(e.device().plugin, event_record, FUNCTION, e.native(), s.native())
    }

    /// # Safety
    /// `handle` is NULL or a live event.
    fn fhEventSynchronize(handle: fh_event_t) {
        let e = event(handle)?;
        let result = call_plugin!(e.device().plugin, event_synchronize, FUNCTION, e.native());
        crate::trace::device_synchronized(e.device());
        result
    }

    /// # Safety
    /// `handle` is NULL or a live event.
    fn fhEventQuery(handle: fh_event_t) {
        let e = event(handle)?;
        call_plugin!(e.device().plugin, event_query, FUNCTION, e.native())
    }

    /// # Safety
    /// `ms` is NULL or writable; the events are NULL or live handles.
    fn fhEventElapsedTime(ms: *mut f32, start: fh_event_t, end: fh_event_t) {
        let a = event(start)?;
        let b = event(end)?;
        ptr::require_non_null(ms, "ms")?;
        same_device(a.device(), b.device(), "start and end")?;
        let d = a.device();
        let f = match d.plugin.api.event_elapsed_time {
            Some(f) if d.has_capability(FH_DEVICE_CAP_EVENT_TIMING) => f,
            _ => {
                return Err(fail(
                    FH_ERROR_NOT_SUPPORTED,
                    format!("{} does not support event timing (FH_DEVICE_CAP_EVENT_TIMING)", d.describe()),
                ))
            }
        };
        for (name, e) in [("start", a), ("end", b)] {
            if e.extra.load(Ordering::Relaxed) & FH_EVENT_DISABLE_TIMING != 0 {
                return Err(fail(FH_ERROR_INVALID_VALUE, format!("{name} was created with FH_EVENT_DISABLE_TIMING")));
            }
        }
        let mut value = 0f32;
        // SAFETY: checked event handles of one device and a valid output (rule 7).
        let status = unsafe { f(&mut value, a.native(), b.native()) };
        crate::failure::plugin_status(&d.plugin.name, FUNCTION, status)?;
        // SAFETY: non-NULL and writable per the contract.
        Ok(unsafe { ptr::write_out(ms, value, "ms") }?)
    }
}
