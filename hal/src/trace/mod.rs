//! The trace layer, on with FLAGHAL_TRACE=path.json (read by fhInit):
//! every API call (on its thread's track), every stream operation (on its
//! stream's track: copies, memsets, kernel launches by kernel name, host
//! functions, peer copies; event records and waits as instants) written as
//! Chrome trace JSON ([`record`]) at process exit.
//!
//! Host timestamps come from a monotonic clock. Work on a stream of a device
//! with event timing is bracketed by two timing events of the trace layer's
//! own; once the application has synchronised the stream (or its device, or
//! an event), completed brackets move the slice to device time: the first
//! item placed since the device was last idle keeps its host enqueue time as
//! the device's anchor, and every item of every stream of the device is
//! placed by the device's elapsed time from it (one clock per device, so the
//! streams of a device line up with each other). Work never synchronised
//! keeps its host enqueue span.
//!
//! Off (no FLAGHAL_TRACE), every hook costs one relaxed atomic load
//! (flaghal-bench section 10). On, calls take a process-wide mutex to
//! append; at most [`MAX_SLICES`] items are kept, and the count dropped
//! beyond that is written into the file.
//!
//! Ownership: the state is a process-wide static, written out by an atexit
//! handler (there is no shutdown call in the API); timing events are the
//! trace layer's, recycled per device, never handed to the application.

pub mod device;
pub mod record;

use crate::debug_log;
use crate::handles::{Device, Stream};
use device::NativeEvent;
use flaghal_sys::fh_status_t;
use once_cell::sync::OnceCell;
use parking_lot::Mutex;
use record::{Names, Slice, Track};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Items kept at most (about 200 bytes each in memory).
pub const MAX_SLICES: usize = 4_000_000;

static ON: AtomicBool = AtomicBool::new(false);
static STATE: Mutex<Option<State>> = Mutex::new(None);
/// When the first fhInit started: time 0 of the trace.
static EPOCH: OnceCell<Instant> = OnceCell::new();

#[inline(always)]
pub fn enabled() -> bool {
    ON.load(Ordering::Relaxed)
}

/// fhInit's first line: fixes time 0.
pub fn mark_init_start() -> Instant {
    *EPOCH.get_or_init(Instant::now)
}

struct StreamTrack {
    track: Track,
    device: &'static Device,
    /// Bracketed items not yet on device time, in submission order.
    pending: Vec<Pending>,
}

/// A device's anchor: the start event of the first item placed since the
/// device was last idle, its host time, and the stream it was recorded on.
#[derive(Clone, Copy)]
struct Anchor {
    event: NativeEvent,
    ts_us: f64,
    stream: usize,
}

struct Pending {
    slice: usize,
    begin: NativeEvent,
    end: NativeEvent,
}

struct State {
    path: PathBuf,
    slices: Vec<Slice>,
    dropped: u64,
    names: Names,
    streams: HashMap<usize, StreamTrack>,
    next_serial: u64,
    threads: HashMap<u64, ()>,
    kernels: HashMap<usize, String>,
    free_events: HashMap<usize, Vec<NativeEvent>>,
    anchors: HashMap<usize, Anchor>,
    init_recorded: bool,
}

impl State {
    fn push(&mut self, slice: Slice) -> Option<usize> {
        if self.slices.len() >= MAX_SLICES {
            self.dropped += 1;
            return None;
        }
        self.slices.push(slice);
        Some(self.slices.len() - 1)
    }

    fn thread_track(&mut self) -> Track {
        let (tid, first) = thread_id();
        if first && self.threads.insert(tid, ()).is_none() {
            let name = std::thread::current().name().map_or_else(|| format!("thread {tid}"), |n| format!("thread {tid} ({n})"));
            self.names.tracks.push((Track::Thread(tid), name));
        }
        Track::Thread(tid)
    }

    fn stream_track(&mut self, s: &'static Stream) -> &mut StreamTrack {
        let next = &mut self.next_serial;
        let names = &mut self.names;
        self.streams.entry(s.address()).or_insert_with(|| {
            *next += 1;
            let d = s.device();
            let track = Track::Stream { device: d.ordinal, serial: *next };
            names.tracks.push((track, format!("stream {next}")));
            StreamTrack { track, device: d, pending: Vec::new() }
        })
    }

    fn take_event(&mut self, d: &'static Device) -> Option<NativeEvent> {
        match self.free_events.get_mut(&(d as *const Device as usize)).and_then(Vec::pop) {
            Some(e) => Some(e),
            None => device::create(d),
        }
    }

    fn give_event(&mut self, d: &'static Device, e: NativeEvent) {
        self.free_events.entry(d as *const Device as usize).or_default().push(e);
    }
}

extern "C" {
    fn gettid() -> i32;
    fn atexit(callback: extern "C" fn()) -> std::ffi::c_int;
}

thread_local! {
    /// The calling thread's OS id, once asked (0 before).
    static TID: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// The calling thread's OS id, and whether this is its first traced call.
fn thread_id() -> (u64, bool) {
    TID.with(|t| match t.get() {
        0 => {
            // SAFETY: gettid has no preconditions.
            let tid = u64::from(unsafe { gettid() }.unsigned_abs());
            t.set(tid);
            (tid, true)
        }
        tid => (tid, false),
    })
}

fn now_us() -> f64 {
    EPOCH.get().map_or(0.0, |e| e.elapsed().as_secs_f64() * 1e6)
}

fn us_since(t: Instant) -> f64 {
    EPOCH.get().map_or(0.0, |e| t.saturating_duration_since(*e).as_secs_f64() * 1e6)
}

/// Turns the layer on (fhInit, from FLAGHAL_TRACE) for every device.
pub fn enable(path: PathBuf, devices: &[&'static Device]) {
    let mut names = Names::default();
    for d in devices {
        let name = flaghal_sys::ptr::char_array_to_string(&d.props.name);
        names.devices.push((d.ordinal, format!("device {}: {name} ({})", d.ordinal, d.plugin.name)));
    }
    *STATE.lock() = Some(State {
        path,
        slices: Vec::new(),
        dropped: 0,
        names,
        streams: HashMap::new(),
        next_serial: 0,
        threads: HashMap::new(),
        kernels: HashMap::new(),
        free_events: HashMap::new(),
        anchors: HashMap::new(),
        init_recorded: false,
    });
    ON.store(true, Ordering::Relaxed);
    // SAFETY: a plain extern "C" fn of this library, which is linked with
    // -z nodelete and so stays mapped until exit handlers have run.
    unsafe { atexit(write_at_exit) };
}

fn with_state<T>(f: impl FnOnce(&mut State) -> T) -> Option<T> {
    STATE.lock().as_mut().map(f)
}

/// An API call with tracing on: the call, timed, on its thread's track.
#[cold]
#[inline(never)]
pub fn api_call(function: &'static str, call: impl FnOnce() -> fh_status_t) -> fh_status_t {
    let start = now_us();
    let status = call();
    let end = now_us();
    with_state(|st| {
        let track = st.thread_track();
        st.push(Slice { name: function.into(), category: "api", track, ts_us: start, dur_us: Some(end - start), status: Some(status), args: Map::new() });
    });
    status
}

/// The first fhInit, which ran before the layer was on.
pub fn init_finished(start: Instant) {
    if !enabled() {
        return;
    }
    let (ts, end) = (us_since(start), now_us());
    with_state(|st| {
        if !std::mem::replace(&mut st.init_recorded, true) {
            let track = st.thread_track();
            st.push(Slice { name: "fhInit".into(), category: "api", track, ts_us: ts, dur_us: Some(end - ts), status: Some(0), args: Map::new() });
        }
    });
}

/// fhStreamCreate: gives the stream its track (serials in creation order).
pub fn stream_created(s: &'static Stream) {
    if enabled() {
        with_state(|st| {
            st.streams.remove(&s.address());
            st.stream_track(s);
        });
    }
}

/// fhModuleGetFunction: launches of `function` are named `name`.
pub fn function_named(function: usize, name: impl FnOnce() -> String) {
    if enabled() {
        let name = name();
        with_state(|st| st.kernels.insert(function, name));
    }
}

/// The name a launch of `function` is shown with.
pub fn kernel_name(function: usize) -> Cow<'static, str> {
    with_state(|st| st.kernels.get(&function).cloned()).flatten().map_or(Cow::Borrowed("kernel"), Cow::Owned)
}

/// An event record or wait: an instant on the stream's track.
#[inline(always)]
pub fn stream_mark(s: &'static Stream, name: &'static str) {
    if enabled() {
        mark(s, name);
    }
}

#[cold]
#[inline(never)]
fn mark(s: &'static Stream, name: &'static str) {
    let ts = now_us();
    with_state(|st| {
        let track = st.stream_track(s).track;
        st.push(Slice { name: name.into(), category: "mark", track, ts_us: ts, dur_us: None, status: None, args: Map::new() });
    });
}

/// Work queued on a stream: `body` queues it; with tracing on it is drawn
/// on the stream's track, bracketed by timing events where the device has
/// them.
#[inline(always)]
pub fn stream_work<T>(
    s: &'static Stream,
    name: impl FnOnce() -> Cow<'static, str>,
    args: impl FnOnce() -> Map<String, Value>,
    body: impl FnOnce() -> crate::failure::ApiResult<T>,
) -> crate::failure::ApiResult<T> {
    if !enabled() {
        return body();
    }
    traced_work(s, name(), args(), body)
}

#[cold]
#[inline(never)]
fn traced_work<T>(
    s: &'static Stream,
    name: Cow<'static, str>,
    args: Map<String, Value>,
    body: impl FnOnce() -> crate::failure::ApiResult<T>,
) -> crate::failure::ApiResult<T> {
    let d = s.device();
    let timed = device::can_time(d);
    let take = || with_state(|st| (st.take_event(d), st.take_event(d))).unwrap_or((None, None));
    let (begin, end) = if timed { take() } else { (None, None) };
    let start = now_us();
    let begun = begin.is_some_and(|e| device::record(e, s));
    let result = body();
    let ended = result.is_ok() && begun && end.is_some_and(|e| device::record(e, s));
    let stop = now_us();
    with_state(|st| {
        let track = st.stream_track(s).track;
        let status = result.as_ref().err().map(|f| f.status);
        let index = st.push(Slice { name, category: "stream", track, ts_us: start, dur_us: Some(stop - start), status, args });
        match (index, begin, end, ended) {
            (Some(slice), Some(begin), Some(end), true) => st.stream_track(s).pending.push(Pending { slice, begin, end }),
            _ => {
                for e in [begin, end].into_iter().flatten() {
                    st.give_event(d, e);
                }
            }
        }
    });
    result
}

/// After the application synchronised `s` (or its device, or an event of
/// it): moves completed items to device time.
#[inline(always)]
pub fn synchronized(s: &'static Stream) {
    if enabled() {
        with_state(|st| resolve(st, s.address()));
    }
}

/// As [`synchronized`], for every stream of `device`.
#[inline(always)]
pub fn device_synchronized(device: &'static Device) {
    if enabled() {
        with_state(|st| {
            let streams: Vec<usize> = st.streams.iter().filter(|(_, t)| std::ptr::eq(t.device, device)).map(|(a, _)| *a).collect();
            streams.into_iter().for_each(|a| resolve(st, a));
        });
    }
}

/// fhStreamDestroy, before the plugin destroys it: what completed is
/// placed, the rest keeps host time, and the track's events are recycled.
pub fn stream_destroyed(s: &'static Stream) {
    if enabled() {
        with_state(|st| {
            resolve(st, s.address());
            if let Some(t) = st.streams.remove(&s.address()) {
                let d = t.device;
                let key = d as *const Device as usize;
                let anchor = st.anchors.get(&key).filter(|a| a.stream == s.address()).map(|a| a.event);
                if anchor.is_some() {
                    st.anchors.remove(&key);
                }
                // Recorded on the dying stream: destroyed, not reused.
                t.pending.iter().flat_map(|p| [p.begin, p.end]).chain(anchor).for_each(|e| device::destroy(d, e));
            }
        });
    }
}

fn resolve(st: &mut State, stream: usize) {
    let Some(t) = st.streams.get_mut(&stream) else { return };
    let d = t.device;
    let key = d as *const Device as usize;
    let mut done = 0;
    let mut recycled = Vec::new();
    for p in &t.pending {
        if !device::done(d, p.end) {
            break;
        }
        done += 1;
        let anchor = *st.anchors.entry(key).or_insert(Anchor { event: p.begin, ts_us: st.slices[p.slice].ts_us, stream });
        let from_anchor = if anchor.event == p.begin { Some(0.0) } else { device::elapsed_ms(d, anchor.event, p.begin) };
        if let (Some(from), Some(own)) = (from_anchor, device::elapsed_ms(d, p.begin, p.end)) {
            let slice = &mut st.slices[p.slice];
            let (ts, dur) = record::device_placement(anchor.ts_us, from, own);
            slice.args.insert("enqueue_us".into(), Value::from(slice.ts_us));
            slice.args.insert("device_time".into(), Value::from(true));
            (slice.ts_us, slice.dur_us) = (ts, Some(dur));
        }
        if anchor.event != p.begin {
            recycled.push(p.begin);
        }
        recycled.push(p.end);
    }
    t.pending.drain(..done);
    // The device is idle as far as the trace knows: the next item anchors afresh.
    if st.streams.values().all(|t| !std::ptr::eq(t.device, d) || t.pending.is_empty()) {
        if let Some(a) = st.anchors.remove(&key) {
            recycled.push(a.event);
        }
    }
    recycled.into_iter().for_each(|e| st.give_event(d, e));
}

/// Writes the trace file; runs once, at process exit.
extern "C" fn write_at_exit() {
    let _ = flaghal_sys::ffi_boundary(
        || {
            ON.store(false, Ordering::Relaxed);
            // A thread stuck inside a traced call at exit must not hang it.
            let Some(mut guard) = STATE.try_lock_for(Duration::from_secs(2)) else {
                debug_log::log(debug_log::ERROR, "FLAGHAL_TRACE: the trace was busy at exit; not written");
                return Ok(());
            };
            let Some(st) = guard.take() else { return Ok(()) };
            let json = record::to_json(&st.slices, &st.names, std::process::id(), st.dropped);
            let written = serde_json::to_vec(&json).map_err(|e| e.to_string()).and_then(|bytes| std::fs::write(&st.path, bytes).map_err(|e| e.to_string()));
            match written {
                Ok(()) => debug_log::log(debug_log::INFO, &format!("FLAGHAL_TRACE: wrote {} events to {}", st.slices.len(), st.path.display())),
                Err(e) => debug_log::log(debug_log::ERROR, &format!("FLAGHAL_TRACE: cannot write {}: {e}", st.path.display())),
            }
            Ok(())
        },
        |_| {},
    );
}
