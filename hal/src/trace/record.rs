//! What the trace layer records, and how it becomes Chrome trace JSON (the
//! "Trace Event Format" that chrome://tracing, ui.perfetto.dev and
//! speedscope open). Pure functions: no clock, no plugin, no I/O.
//!
//! Layout of the JSON: one "process" for the host (pid 0), with one track
//! per calling thread (tid = the OS thread id) holding every API call; one
//! "process" per device (pid = ordinal + 1) with one track per stream
//! (tid = the stream's serial number, 1, 2, ... in creation order) holding
//! that stream's work. Times are microseconds since the first fhInit.

use serde_json::{json, Map, Value};
use std::borrow::Cow;

/// Where a slice is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Track {
    /// A host thread, by OS thread id.
    Thread(u64),
    /// A stream, by device ordinal and the stream's serial number.
    Stream { device: u32, serial: u64 },
}

impl Track {
    /// (pid, tid) of the track.
    pub fn ids(self) -> (u64, u64) {
        match self {
            Track::Thread(tid) => (0, tid),
            Track::Stream { device, serial } => (u64::from(device) + 1, serial),
        }
    }
}

/// One recorded item: a span (`dur_us` set) or an instant.
#[derive(Clone, Debug, PartialEq)]
pub struct Slice {
    pub name: Cow<'static, str>,
    /// "api" (a call, on its thread), "stream" (work on a stream), "mark"
    /// (an event record or wait, an instant on the stream).
    pub category: &'static str,
    pub track: Track,
    pub ts_us: f64,
    pub dur_us: Option<f64>,
    /// The call's status (API calls) or a failed queuing's; shown by name.
    pub status: Option<i32>,
    pub args: Map<String, Value>,
}

/// Names of the tracks and devices, for the metadata events.
#[derive(Default, Debug)]
pub struct Names {
    pub tracks: Vec<(Track, String)>,
    /// (device ordinal, "device 0: llvmpipe (vulkan)").
    pub devices: Vec<(u32, String)>,
}

/// Where a stream's slice lies on the device's clock, from the elapsed
/// times between timing events of one device: `anchor_ts_us` is the host
/// time given to the device's anchor (the start of the first item placed
/// since the device was last idle); `from_anchor_ms` the device time from
/// the anchor to this item's start (negative for an item that started
/// earlier, on another stream); `elapsed_ms` the item's own duration, of
/// which a negative value (a clock's jitter) becomes 0.
pub fn device_placement(anchor_ts_us: f64, from_anchor_ms: f32, elapsed_ms: f32) -> (f64, f64) {
    (anchor_ts_us + f64::from(from_anchor_ms) * 1e3, f64::from(elapsed_ms.max(0.0)) * 1e3)
}

/// The whole trace as one JSON document.
pub fn to_json(slices: &[Slice], names: &Names, pid: u32, dropped: u64) -> Value {
    let mut events = Vec::with_capacity(slices.len() + names.tracks.len() + names.devices.len() + 1);
    events.push(metadata("process_name", 0, None, &format!("host (process {pid})")));
    for (ordinal, name) in &names.devices {
        events.push(metadata("process_name", u64::from(*ordinal) + 1, None, name));
    }
    for (track, name) in &names.tracks {
        let (p, t) = track.ids();
        events.push(metadata("thread_name", p, Some(t), name));
    }
    for s in slices {
        let (p, t) = s.track.ids();
        let mut args = s.args.clone();
        if let Some(status) = s.status {
            args.insert("status".into(), json!(crate::status_names::name_or_number(status)));
        }
        let mut e = json!({"name": s.name, "cat": s.category, "pid": p, "tid": t, "ts": s.ts_us, "args": args});
        match s.dur_us {
            Some(d) => {
                e["ph"] = json!("X");
                e["dur"] = json!(d);
            }
            None => {
                e["ph"] = json!("i");
                e["s"] = json!("t");
            }
        }
        events.push(e);
    }
    json!({
        "traceEvents": events,
        "displayTimeUnit": "ns",
        "otherData": {"producer": "libflaghal FLAGHAL_TRACE", "dropped_events": dropped},
    })
}

fn metadata(kind: &str, pid: u64, tid: Option<u64>, name: &str) -> Value {
    let mut e = json!({"name": kind, "ph": "M", "pid": pid, "args": {"name": name}});
    if let Some(t) = tid {
        e["tid"] = json!(t);
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slice(track: Track, ts: f64, dur: Option<f64>) -> Slice {
        Slice { name: "x".into(), category: "stream", track, ts_us: ts, dur_us: dur, status: Some(12), args: Map::new() }
    }

    #[test]
    fn threads_and_streams_get_their_own_process_and_track() {
        let stream = Track::Stream { device: 1, serial: 3 };
        let names = Names { tracks: vec![(Track::Thread(77), "thread 77".into()), (stream, "stream 3".into())], devices: vec![(1, "device 1: gpu (vulkan)".into())] };
        let v = to_json(&[slice(stream, 5.0, Some(2.5)), slice(Track::Thread(77), 1.0, None)], &names, 42, 0);
        let events = v["traceEvents"].as_array().unwrap();
        assert_eq!(events[0]["args"]["name"], "host (process 42)");
        assert_eq!(events[1], json!({"name": "process_name", "ph": "M", "pid": 2, "args": {"name": "device 1: gpu (vulkan)"}}));
        assert_eq!(events[3]["tid"], 3);
        assert_eq!((events[4]["ph"].as_str(), events[4]["pid"].as_u64(), events[4]["dur"].as_f64()), (Some("X"), Some(2), Some(2.5)));
        assert_eq!((events[5]["ph"].as_str(), events[5]["s"].as_str(), events[5]["pid"].as_u64()), (Some("i"), Some("t"), Some(0)));
        assert_eq!(v["otherData"]["dropped_events"], 0);
        assert_eq!(events[4]["args"]["status"], "FH_ERROR_LAUNCH_FAILED");
    }

    #[test]
    fn device_time_is_placed_from_the_anchor_and_durations_are_never_negative() {
        assert_eq!(device_placement(100.0, 0.5, 0.25), (600.0, 250.0));
        assert_eq!(device_placement(1000.0, -0.5, -1.0), (500.0, 0.0));
    }
}
