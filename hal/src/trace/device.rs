//! The plugin calls of the trace layer: timing events recorded around a
//! stream's work, queried (never waited for) after the application
//! synchronises, and recycled per device.
//!
//! Only non-blocking entries are used (event_record, event_query,
//! event_elapsed_time): tracing must not change when work runs, nor
//! swallow a deferred kernel failure (which event_synchronize would report).

use crate::handles::{Device, Stream};
use flaghal_sys::*;

/// A plugin event owned by the trace layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NativeEvent(pub fhp_event_t);

// SAFETY: an opaque plugin handle, only passed back to its plugin, whose
// entries are thread-safe (plugin ABI rule 6).
unsafe impl Send for NativeEvent {}

/// A status from a trace-layer call: any detail the plugin attached is
/// dropped, so it is never blamed on the application's next failure.
fn ok(status: fh_status_t) -> bool {
    if status != FH_SUCCESS {
        let _ = crate::error_state::take_plugin_detail();
    }
    status == FH_SUCCESS
}

/// Whether the device can time its work (event timing and its entry).
pub fn can_time(device: &Device) -> bool {
    device.has_capability(FH_DEVICE_CAP_EVENT_TIMING) && device.plugin.api.event_elapsed_time.is_some()
}

/// A new timing event on `device`, or None if the plugin refuses one.
pub fn create(device: &Device) -> Option<NativeEvent> {
    let f = device.plugin.api.event_create?;
    let mut event: fhp_event_t = std::ptr::null_mut();
    // SAFETY: a live device, timing flags, a valid output (plugin ABI rule 7).
    let status = unsafe { f(device.native, FH_EVENT_DEFAULT, &mut event) };
    (ok(status) && !event.is_null()).then_some(NativeEvent(event))
}

/// Records `event` at the current end of `stream`'s work.
pub fn record(event: NativeEvent, stream: &Stream) -> bool {
    let Some(f) = stream.device().plugin.api.event_record else { return false };
    // SAFETY: an event of the stream's device and a live stream.
    ok(unsafe { f(event.0, stream.native()) })
}

/// Whether the work before `event`'s record has completed.
pub fn done(device: &Device, event: NativeEvent) -> bool {
    let Some(f) = device.plugin.api.event_query else { return false };
    // SAFETY: a live event of this device; event_query never blocks.
    ok(unsafe { f(event.0) })
}

/// Milliseconds between two completed records of `device`.
pub fn elapsed_ms(device: &Device, start: NativeEvent, end: NativeEvent) -> Option<f32> {
    let f = device.plugin.api.event_elapsed_time?;
    let mut ms = 0f32;
    // SAFETY: two live, completed timing events of one device, a valid output.
    ok(unsafe { f(&mut ms, start.0, end.0) }).then_some(ms)
}

/// Destroys an event (pending waits on it stay valid, plugin ABI).
pub fn destroy(device: &Device, event: NativeEvent) {
    if let Some(f) = device.plugin.api.event_destroy {
        // SAFETY: a live event of this device, destroyed once.
        ok(unsafe { f(event.0) });
    }
}
