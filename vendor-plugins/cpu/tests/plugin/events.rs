//! Events: query/synchronize on the most recent record, elapsed time.

use crate::support::*;
use flaghal_sys::*;

#[test]
fn elapsed_time_measures_the_work_between_two_records() {
    let p = plugin();
    let stream = p.stream();
    let (start, end) = (p.event(FH_EVENT_DEFAULT), p.event(FH_EVENT_DEFAULT));
    p.record(start, stream);
    // 3 ms of work on the stream; sleep guarantees at least that long.
    p.host_func(stream, sleep_micros, 3000usize as *mut std::ffi::c_void);
    p.record(end, stream);
    assert_eq!(p.event_sync(end), FH_SUCCESS);
    assert_eq!(p.event_query(start), FH_SUCCESS);
    let (status, ms) = p.elapsed(start, end);
    assert_eq!(status, FH_SUCCESS);
    assert!(ms >= 3.0 && ms.is_finite(), "{ms} ms");
    let (status, back) = p.elapsed(end, start);
    assert_eq!(status, FH_SUCCESS);
    assert_eq!(back, -ms, "negative when end came first");
    p.destroy_event(start);
    p.destroy_event(end);
    p.destroy_stream(stream);
}

#[test]
fn pending_records_are_not_ready_and_rerecording_tracks_the_latest() {
    let p = plugin();
    let stream = p.stream();
    let (start, end) = (p.event(FH_EVENT_DEFAULT), p.event(FH_EVENT_DEFAULT));
    p.record(start, stream);
    assert_eq!(p.event_sync(start), FH_SUCCESS);
    let gate = Gate::default();
    p.host_func(stream, wait_at_gate, gate.as_user_data());
    p.record(end, stream);
    assert_eq!(p.event_query(end), FH_ERROR_NOT_READY);
    assert_eq!(p.elapsed(start, end).0, FH_ERROR_NOT_READY);
    assert_eq!(take_detail(), "", "NOT_READY attaches no detail");
    // Re-record `start` behind the gate: it is pending again.
    p.record(start, stream);
    assert_eq!(p.event_query(start), FH_ERROR_NOT_READY);
    gate.open();
    assert_eq!(p.event_sync(start), FH_SUCCESS);
    assert_eq!(p.event_query(end), FH_SUCCESS);
    let (status, ms) = p.elapsed(start, end);
    assert_eq!(status, FH_SUCCESS);
    assert!(ms <= 0.0, "start's latest record comes after end's: {ms}");
    p.destroy_event(start);
    p.destroy_event(end);
    p.destroy_stream(stream);
}

#[test]
fn never_recorded_and_untimed_events() {
    let p = plugin();
    let stream = p.stream();
    let never = p.event(FH_EVENT_DEFAULT);
    assert_eq!(p.event_query(never), FH_SUCCESS);
    assert_eq!(p.event_sync(never), FH_SUCCESS);
    let timed = p.event(FH_EVENT_DEFAULT);
    p.record(timed, stream);
    assert_eq!(p.event_sync(timed), FH_SUCCESS);
    assert_eq!(p.elapsed(never, timed).0, FH_ERROR_INVALID_VALUE);
    assert!(take_detail().contains("never recorded"));
    let untimed = p.event(FH_EVENT_DISABLE_TIMING);
    p.record(untimed, stream);
    assert_eq!(p.event_sync(untimed), FH_SUCCESS);
    assert_eq!(p.elapsed(timed, untimed).0, FH_ERROR_INVALID_VALUE);
    assert!(take_detail().contains("FH_EVENT_DISABLE_TIMING"));
    let mut bad = std::ptr::null_mut();
    // SAFETY: unknown flags are the case under test.
    assert_eq!(unsafe { p.api.event_create.unwrap()(p.device, 2, &mut bad) }, FH_ERROR_INVALID_VALUE);
    assert!(bad.is_null());
    for e in [never, timed, untimed] {
        p.destroy_event(e);
    }
    p.destroy_stream(stream);
}

#[test]
fn destroying_an_event_leaves_queued_waits_valid() {
    let p = plugin();
    let (a, b) = (p.stream(), p.stream());
    let gate = Gate::default();
    let event = p.event(FH_EVENT_DEFAULT);
    p.host_func(a, wait_at_gate, gate.as_user_data());
    p.record(event, a);
    p.wait_event(b, event);
    p.destroy_event(event);
    assert_eq!(p.query(b), FH_ERROR_NOT_READY);
    gate.open();
    assert_eq!(p.sync(b), FH_SUCCESS);
    p.destroy_stream(a);
    p.destroy_stream(b);
}

#[test]
fn event_and_stream_completion_agree_in_both_directions() {
    // flaghal.h, fhEventSynchronize: completion is consistent across queries.
    let p = plugin();
    let stream = p.stream();
    let event = p.event(FH_EVENT_DISABLE_TIMING);
    for _ in 0..200 {
        p.host_func(stream, sleep_micros, 20usize as *mut std::ffi::c_void);
        p.record(event, stream);
        assert_eq!(p.event_sync(event), FH_SUCCESS);
        assert_eq!(p.query(stream), FH_SUCCESS, "event complete but its stream still busy");
        // And the other direction: a synchronized stream has completed records.
        p.host_func(stream, sleep_micros, 20usize as *mut std::ffi::c_void);
        p.record(event, stream);
        assert_eq!(p.sync(stream), FH_SUCCESS);
        assert_eq!(p.event_query(event), FH_SUCCESS, "stream synchronized but its record still pending");
    }
    p.destroy_event(event);
    p.destroy_stream(stream);
}
