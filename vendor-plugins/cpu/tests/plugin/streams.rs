//! Stream ordering: asynchrony, in-order execution, synchronous calls waiting
//! for streams, cross-stream waits, destroy waiting for work.

use crate::support::*;
use flaghal_sys::*;
use std::ffi::c_void;
use std::sync::atomic::Ordering;

#[test]
fn queued_work_is_asynchronous_and_query_does_not_block() {
    let p = plugin();
    let stream = p.stream();
    assert_eq!(p.query(stream), FH_SUCCESS, "an empty stream is idle");
    let gate = Gate::default();
    p.host_func(stream, wait_at_gate, gate.as_user_data());
    let dev = p.alloc(16);
    let src = [7u8; 16];
    // SAFETY: src outlives the stream's work (synchronised below).
    assert_eq!(unsafe { p.api.memcpy_htod_async.unwrap()(stream.0, dev, src.as_ptr().cast(), 16) }, FH_SUCCESS);
    let mut dst = [0u8; 16];
    // SAFETY: as above.
    assert_eq!(unsafe { p.api.memcpy_dtoh_async.unwrap()(stream.0, dst.as_mut_ptr().cast(), dev, 16) }, FH_SUCCESS);
    assert_eq!(p.query(stream), FH_ERROR_NOT_READY);
    assert_eq!(take_detail(), "", "NOT_READY is not a failure: no detail");
    assert_eq!(dst, [0u8; 16], "nothing ran past the gate");
    gate.open();
    assert_eq!(p.sync(stream), FH_SUCCESS);
    assert_eq!(p.query(stream), FH_SUCCESS);
    assert_eq!(dst, [7u8; 16]);
    p.destroy_stream(stream);
    assert_eq!(p.free(dev), FH_SUCCESS);
}

#[test]
fn work_runs_in_submission_order() {
    let p = plugin();
    let stream = p.stream();
    let log = OrderLog::default();
    let entries: Vec<LogEntry> = (0..100).map(|value| LogEntry { log: &log, value }).collect();
    let dev = p.alloc(4);
    for (i, entry) in entries.iter().enumerate() {
        // Interleave memsets so different kinds of work share the queue.
        // SAFETY: a live allocation.
        assert_eq!(unsafe { p.api.memset_async.unwrap()(stream.0, dev, i as u32, 4, 1) }, FH_SUCCESS);
        p.host_func(stream, append_to_log, (entry as *const LogEntry).cast_mut().cast());
    }
    assert_eq!(p.sync(stream), FH_SUCCESS);
    assert_eq!(*log.0.lock().unwrap(), (0..100).collect::<Vec<_>>());
    assert_eq!(p.read_u32s(dev, 1), vec![99]);
    p.destroy_stream(stream);
    assert_eq!(p.free(dev), FH_SUCCESS);
}

#[test]
fn queued_operations_check_their_ranges_when_queued() {
    let p = plugin();
    let stream = p.stream();
    let dev = p.alloc(64);
    let buf = [0u8; 128];
    // SAFETY: the ranges are the case under test; nothing is queued.
    unsafe {
        assert_eq!(p.api.memcpy_htod_async.unwrap()(stream.0, dev, buf.as_ptr().cast(), 128), FH_ERROR_INVALID_ADDRESS);
        assert_eq!(p.api.memcpy_dtod_async.unwrap()(stream.0, dev, dev + 32, 64), FH_ERROR_INVALID_ADDRESS);
        assert_eq!(p.api.memset_async.unwrap()(stream.0, dev + 2, 0, 4, 1), FH_ERROR_INVALID_VALUE);
        assert_eq!(p.api.memcpy_dtoh_async.unwrap()(stream.0, std::ptr::null_mut(), dev, 4), FH_ERROR_INVALID_VALUE);
        assert_eq!(p.api.launch_host_func.unwrap()(stream.0, None, std::ptr::null_mut()), FH_ERROR_INVALID_VALUE);
    }
    assert_eq!(p.query(stream), FH_SUCCESS, "rejected work was not queued");
    let mut other = std::ptr::null_mut();
    // SAFETY: unknown flags are the case under test.
    assert_eq!(unsafe { p.api.stream_create.unwrap()(p.device, 5, &mut other) }, FH_ERROR_INVALID_VALUE);
    p.destroy_stream(stream);
    assert_eq!(p.free(dev), FH_SUCCESS);
}

#[test]
fn synchronous_calls_wait_for_earlier_stream_work() {
    let p = plugin();
    let stream = p.stream();
    let dev = p.alloc(4);
    p.write_u32s(dev, &[1]);
    let gate = Gate::default();
    p.host_func(stream, wait_at_gate, gate.as_user_data());
    // SAFETY: a live allocation.
    assert_eq!(unsafe { p.api.memset_async.unwrap()(stream.0, dev, 42, 4, 1) }, FH_SUCCESS);
    let opener = std::thread::spawn({
        let gate = &gate as *const Gate as usize;
        move || {
            std::thread::sleep(std::time::Duration::from_millis(20));
            // SAFETY: the gate outlives this thread (joined below).
            unsafe { &*(gate as *const Gate) }.open();
        }
    });
    // The synchronous read must wait for the queued memset.
    assert_eq!(p.read_u32s(dev, 1), vec![42]);
    assert!(gate.entered.load(Ordering::SeqCst));
    opener.join().unwrap();
    p.destroy_stream(stream);
    assert_eq!(p.free(dev), FH_SUCCESS);
}

#[test]
fn device_synchronize_waits_for_every_stream() {
    let _serial = serial();
    let p = plugin();
    let streams: Vec<Stream> = (0..4).map(|_| p.stream()).collect();
    let log = OrderLog::default();
    let entries: Vec<LogEntry> = (0..4).map(|value| LogEntry { log: &log, value }).collect();
    let gate = Gate::default();
    for (stream, entry) in streams.iter().zip(&entries) {
        p.host_func(*stream, wait_at_gate, gate.as_user_data());
        p.host_func(*stream, append_to_log, (entry as *const LogEntry).cast_mut().cast());
    }
    assert!(streams.iter().all(|s| p.query(*s) == FH_ERROR_NOT_READY));
    gate.open();
    assert_eq!(p.device_sync(), FH_SUCCESS);
    let mut seen = log.0.lock().unwrap().clone();
    seen.sort();
    assert_eq!(seen, vec![0, 1, 2, 3]);
    streams.into_iter().for_each(|s| p.destroy_stream(s));
}

#[test]
fn a_stream_waits_for_an_event_recorded_on_another_without_blocking_the_host() {
    let p = plugin();
    let (producer, consumer) = (p.stream(), p.stream());
    let dev = p.alloc(4);
    p.write_u32s(dev, &[0]);
    let gate = Gate::default();
    let ready = p.event(FH_EVENT_DEFAULT);
    p.host_func(producer, wait_at_gate, gate.as_user_data());
    // SAFETY: a live allocation.
    assert_eq!(unsafe { p.api.memset_async.unwrap()(producer.0, dev, 7, 4, 1) }, FH_SUCCESS);
    p.record(ready, producer);
    p.wait_event(consumer, ready); // returns at once: the wait is on the stream
    let mut out = [0u8; 4];
    // SAFETY: `out` outlives the consumer's work (synchronised below).
    assert_eq!(unsafe { p.api.memcpy_dtoh_async.unwrap()(consumer.0, out.as_mut_ptr().cast(), dev, 4) }, FH_SUCCESS);
    assert_eq!(p.query(consumer), FH_ERROR_NOT_READY, "the consumer waits for the producer's event");
    assert_eq!(p.event_query(ready), FH_ERROR_NOT_READY);
    gate.open();
    assert_eq!(p.sync(consumer), FH_SUCCESS);
    assert_eq!(u32::from_ne_bytes(out), 7, "the copy ran after the producer's memset");
    assert_eq!(p.event_query(ready), FH_SUCCESS);
    p.destroy_event(ready);
    p.destroy_stream(producer);
    p.destroy_stream(consumer);
    assert_eq!(p.free(dev), FH_SUCCESS);
}

#[test]
fn waiting_on_a_never_recorded_event_is_a_no_op() {
    let p = plugin();
    let stream = p.stream();
    let never = p.event(FH_EVENT_DEFAULT);
    p.wait_event(stream, never);
    assert_eq!(p.sync(stream), FH_SUCCESS);
    assert_eq!(p.query(stream), FH_SUCCESS);
    p.destroy_event(never);
    p.destroy_stream(stream);
}

#[test]
fn destroy_waits_for_pending_work() {
    let p = plugin();
    let stream = p.stream();
    let gate = Gate::default();
    let log = OrderLog::default();
    let entry = LogEntry { log: &log, value: 1 };
    p.host_func(stream, wait_at_gate, gate.as_user_data());
    p.host_func(stream, append_to_log, (&entry as *const LogEntry).cast_mut().cast());
    let gate_address = &gate as *const Gate as usize;
    let opener = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(20));
        // SAFETY: the gate outlives this thread (joined below).
        unsafe { &*(gate_address as *const Gate) }.open();
    });
    p.destroy_stream(stream);
    assert_eq!(*log.0.lock().unwrap(), vec![1], "queued work finished before destroy returned");
    opener.join().unwrap();
}

/// Host functions run on a plugin thread, not the caller's.
#[test]
fn host_functions_run_on_the_streams_worker() {
    unsafe extern "C" fn record_thread(user_data: *mut c_void) {
        // SAFETY: the test passes a Mutex<Option<ThreadId>> that outlives the work.
        let slot = unsafe { &*(user_data as *const std::sync::Mutex<Option<std::thread::ThreadId>>) };
        *slot.lock().unwrap() = Some(std::thread::current().id());
    }
    let p = plugin();
    let stream = p.stream();
    let slot: std::sync::Mutex<Option<std::thread::ThreadId>> = std::sync::Mutex::new(None);
    p.host_func(stream, record_thread, (&slot as *const _ as *mut std::sync::Mutex<Option<std::thread::ThreadId>>).cast());
    assert_eq!(p.sync(stream), FH_SUCCESS);
    let ran_on = slot.lock().unwrap().expect("the host function ran");
    assert_ne!(ran_on, std::thread::current().id());
    p.destroy_stream(stream);
}
