//! Streams, events and host functions: ordering, queries, cross-stream
//! waits, timing. Gates (host functions that block until the test opens
//! them) make every NOT_READY and every ordering claim certain, not timed.

use crate::common::{alloc, api, destroy, device, download, event, free, lcg, spin, stream, sync, upload};
use crate::{fails, ok};
use flaghal_plugin_host::gates::{append_to_log, wait_at_gate, Gate, LogEntry, OrderLog};
use flaghal_sys as sys;
use std::ffi::c_void;

fn gate_on(s: sys::fhp_stream_t, gate: &Gate) {
    ok!(api().launch_host_func.unwrap()(s, Some(wait_at_gate), gate.as_user_data()));
}

#[test]
fn async_copies_and_memsets_run_in_order_behind_a_gate() {
    let s = stream();
    let n = 4096usize;
    let a = alloc(n * 4);
    let b = alloc(n * 4);
    let src: Vec<u32> = (0..n as u32).collect();
    let mut dst = vec![0u32; n];
    let gate = Gate::default();
    gate_on(s, &gate);
    ok!(api().memcpy_htod_async.unwrap()(s, a, src.as_ptr().cast(), n * 4));
    // each memset overwrites a word the next one's copy reads
    for i in 0..150u32 {
        ok!(api().memset_async.unwrap()(s, a + 4 * (i as u64 % 64), i, 4, 1));
    }
    ok!(api().memcpy_dtod_async.unwrap()(s, b, a, n * 4));
    ok!(api().memset_async.unwrap()(s, b + 3, 0x7F, 1, 2));
    ok!(api().memset_async.unwrap()(s, b + 8, 0xBEEF, 2, 2));
    // an overlapping device copy inside one allocation, queued
    ok!(api().memcpy_dtod_async.unwrap()(s, b + 4 * 2001, b + 4 * 2000, 400));
    ok!(api().memcpy_dtoh_async.unwrap()(s, dst.as_mut_ptr().cast(), b, n * 4));
    fails!(api().stream_query.unwrap()(s), sys::FH_ERROR_NOT_READY);
    assert!(dst.iter().all(|v| *v == 0), "nothing ran before the gate opened");
    gate.open();
    sync(s);
    let mut want = src.clone();
    for i in 0..150u32 {
        want[(i % 64) as usize] = i;
    }
    let mut bytes: Vec<u8> = want.iter().flat_map(|v| v.to_ne_bytes()).collect();
    bytes[3] = 0x7F;
    bytes[4] = 0x7F;
    bytes[8..12].copy_from_slice(&[0xEF, 0xBE, 0xEF, 0xBE]);
    bytes.copy_within(4 * 2000..4 * 2000 + 400, 4 * 2001);
    let want: Vec<u32> = bytes.chunks_exact(4).map(|c| u32::from_ne_bytes(c.try_into().unwrap())).collect();
    assert_eq!(dst, want);
    ok!(api().stream_query.unwrap()(s));
    // queued ranges are checked when queued
    fails!(api().memcpy_htod_async.unwrap()(s, a + 4 * n as u64 - 2, src.as_ptr().cast(), 4), sys::FH_ERROR_INVALID_ADDRESS);
    fails!(api().memset_async.unwrap()(s, a + 1, 0, 4, 1), sys::FH_ERROR_INVALID_VALUE);
    destroy(s);
    free(a);
    free(b);
}

#[test]
fn queries_say_not_ready_until_work_completes_and_events_follow() {
    let s = stream();
    let out = alloc(4);
    let e = event(0);
    ok!(api().event_query.unwrap()(e)); // never recorded
    ok!(api().event_synchronize.unwrap()(e));
    let gate = Gate::default();
    gate_on(s, &gate);
    let iterations = 1_000_000;
    spin(s, out, iterations, 7);
    ok!(api().event_record.unwrap()(e, s));
    fails!(api().stream_query.unwrap()(s), sys::FH_ERROR_NOT_READY);
    fails!(api().event_query.unwrap()(e), sys::FH_ERROR_NOT_READY);
    let start = event(0);
    ok!(api().event_record.unwrap()(start, s));
    let mut ms = 0.0f32;
    fails!(api().event_elapsed_time.unwrap()(&mut ms, e, start), sys::FH_ERROR_NOT_READY);
    gate.open();
    ok!(api().event_synchronize.unwrap()(e));
    ok!(api().event_query.unwrap()(e));
    assert_eq!(download::<u32>(out, 1)[0], lcg(7, iterations), "the event completed after the kernel");
    sync(s);
    ok!(api().stream_query.unwrap()(s));
    ok!(api().event_destroy.unwrap()(e));
    ok!(api().event_destroy.unwrap()(start));
    destroy(s);
    free(out);
}

#[test]
fn a_stream_waits_for_another_streams_event_on_the_device() {
    let producer = stream();
    let consumer = stream();
    let out = alloc(4);
    let copy = alloc(4);
    upload(out, &[0u32]);
    upload(copy, &[0u32]);
    let e = event(sys::FH_EVENT_DISABLE_TIMING);
    let gate = Gate::default();
    gate_on(producer, &gate);
    spin(producer, out, 100_000, 99);
    ok!(api().event_record.unwrap()(e, producer));
    ok!(api().stream_wait_event.unwrap()(consumer, e));
    ok!(api().memcpy_dtod_async.unwrap()(consumer, copy, out, 4));
    fails!(api().stream_query.unwrap()(consumer), sys::FH_ERROR_NOT_READY);
    gate.open();
    sync(consumer);
    assert_eq!(download::<u32>(copy, 1)[0], lcg(99, 100_000), "the copy ran after the producer's kernel");
    // the event may be destroyed while waits on it are pending
    let gate2 = Gate::default();
    gate_on(producer, &gate2);
    let e2 = event(0);
    ok!(api().event_record.unwrap()(e2, producer));
    ok!(api().stream_wait_event.unwrap()(consumer, e2));
    ok!(api().event_destroy.unwrap()(e2));
    ok!(api().memset_async.unwrap()(consumer, copy, 5, 4, 1));
    fails!(api().stream_query.unwrap()(consumer), sys::FH_ERROR_NOT_READY);
    gate2.open();
    sync(consumer);
    assert_eq!(download::<u32>(copy, 1)[0], 5);
    // waiting on a never-recorded event is a no-op
    let never = event(0);
    ok!(api().stream_wait_event.unwrap()(consumer, never));
    sync(consumer);
    ok!(api().event_destroy.unwrap()(never));
    ok!(api().event_destroy.unwrap()(e));
    destroy(producer);
    destroy(consumer);
    free(out);
    free(copy);
}

#[test]
fn elapsed_time_needs_timing_and_completed_records() {
    let s = stream();
    let (start, end, untimed) = (event(0), event(0), event(sys::FH_EVENT_DISABLE_TIMING));
    let mut ms = -1.0f32;
    fails!(api().event_elapsed_time.unwrap()(&mut ms, start, end), sys::FH_ERROR_INVALID_VALUE);
    let out = alloc(4);
    ok!(api().event_record.unwrap()(start, s));
    // a host function that sleeps 20 ms between the records
    ok!(api().launch_host_func.unwrap()(s, Some(flaghal_plugin_host::gates::sleep_micros), 20_000usize as *mut c_void));
    ok!(api().event_record.unwrap()(end, s));
    ok!(api().event_record.unwrap()(untimed, s));
    sync(s);
    ok!(api().event_elapsed_time.unwrap()(&mut ms, start, end));
    assert!((19.0..2000.0).contains(&ms), "the 20 ms sleep was timed: {ms} ms");
    let mut back = 0.0f32;
    ok!(api().event_elapsed_time.unwrap()(&mut back, end, start));
    assert_eq!(back, -ms);
    fails!(api().event_elapsed_time.unwrap()(&mut ms, start, untimed), sys::FH_ERROR_INVALID_VALUE);
    assert!(crate::common::detail().contains("FH_EVENT_DISABLE_TIMING"));
    for e in [start, end, untimed] {
        ok!(api().event_destroy.unwrap()(e));
    }
    destroy(s);
    free(out);
}

#[test]
fn elapsed_time_with_a_completed_start_and_a_pending_end_is_not_ready_at_once() {
    let s = stream();
    let (start, end) = (event(0), event(0));
    ok!(api().event_record.unwrap()(start, s));
    sync(s);
    let gate = Gate::default();
    gate_on(s, &gate);
    ok!(api().event_record.unwrap()(end, s));
    let mut ms = -1.0f32;
    fails!(api().event_elapsed_time.unwrap()(&mut ms, start, end), sys::FH_ERROR_NOT_READY);
    assert_eq!(ms, -1.0, "no output on NOT_READY");
    gate.open();
    ok!(api().event_synchronize.unwrap()(end));
    ok!(api().event_elapsed_time.unwrap()(&mut ms, start, end));
    assert!(ms >= 0.0);
    for e in [start, end] {
        ok!(api().event_destroy.unwrap()(e));
    }
    destroy(s);
}

#[test]
fn host_functions_run_in_order_and_later_work_waits_for_them() {
    let s = stream();
    let log = OrderLog::default();
    let entries: Vec<LogEntry> = (0..20).map(|value| LogEntry { log: &log, value }).collect();
    let word = alloc(4);
    // The host function writes `staged`; the copy queued after it reads
    // `staged` when the stream reaches it, so it must see the new value.
    struct Stage {
        staged: std::sync::atomic::AtomicU32,
    }
    unsafe extern "C" fn write_stage(user: *mut c_void) {
        // SAFETY: the test passes a Stage that outlives the stream's work.
        let stage = unsafe { &*(user as *const Stage) };
        std::thread::sleep(std::time::Duration::from_millis(20));
        stage.staged.store(0xC0FFEE, std::sync::atomic::Ordering::SeqCst);
    }
    let stage = Stage { staged: 0.into() };
    for entry in &entries[..10] {
        ok!(api().launch_host_func.unwrap()(s, Some(append_to_log), (entry as *const LogEntry).cast_mut().cast()));
    }
    ok!(api().launch_host_func.unwrap()(s, Some(write_stage), (&stage as *const Stage).cast_mut().cast()));
    ok!(api().memcpy_htod_async.unwrap()(s, word, stage.staged.as_ptr().cast(), 4));
    for entry in &entries[10..] {
        ok!(api().launch_host_func.unwrap()(s, Some(append_to_log), (entry as *const LogEntry).cast_mut().cast()));
    }
    sync(s);
    assert_eq!(*log.0.lock().unwrap(), (0..20).collect::<Vec<_>>());
    assert_eq!(download::<u32>(word, 1)[0], 0xC0FFEE, "the copy waited for the host function to return");
    fails!(api().launch_host_func.unwrap()(s, None, std::ptr::null_mut()), sys::FH_ERROR_INVALID_VALUE);
    destroy(s);
    free(word);
}

#[test]
fn a_blocked_stream_does_not_block_another_stream() {
    let blocked = stream();
    let free_stream = stream();
    let gate = Gate::default();
    gate_on(blocked, &gate);
    let out = alloc(4);
    ok!(api().memset_async.unwrap()(free_stream, out, 42, 4, 1));
    let mut seen = 0u32;
    // (a synchronous copy would wait for the blocked stream too)
    ok!(api().memcpy_dtoh_async.unwrap()(free_stream, (&mut seen as *mut u32).cast(), out, 4));
    sync(free_stream);
    assert_eq!(seen, 42);
    fails!(api().stream_query.unwrap()(blocked), sys::FH_ERROR_NOT_READY);
    gate.open();
    destroy(blocked);
    destroy(free_stream);
    free(out);
}

#[test]
fn synchronous_calls_wait_for_every_stream_and_device_sync_waits_too() {
    let (s1, s2) = (stream(), stream());
    let a = alloc(4);
    upload(a, &[0u32]);
    let gate = Gate::default();
    gate_on(s1, &gate);
    ok!(api().memset_async.unwrap()(s1, a, 0x1111, 4, 1));
    std::thread::scope(|scope| {
        scope.spawn(|| {
            std::thread::sleep(std::time::Duration::from_millis(50));
            gate.open();
        });
        // The synchronous read waits for s1's memset, which waits for the gate.
        assert_eq!(download::<u32>(a, 1)[0], 0x1111);
    });
    ok!(api().memset_async.unwrap()(s2, a, 0x2222, 4, 1));
    ok!(api().device_synchronize.unwrap()(device()));
    ok!(api().stream_query.unwrap()(s2));
    destroy(s1);
    destroy(s2);
    free(a);
}

#[test]
fn destroy_waits_for_queued_work() {
    let s = stream();
    let out = alloc(4);
    upload(out, &[0u32]);
    spin(s, out, 2_000_000, 3);
    destroy(s);
    assert_eq!(download::<u32>(out, 1)[0], lcg(3, 2_000_000));
    free(out);
}

