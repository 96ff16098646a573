//! Streams, events and host functions: ordering, queries, cross-stream waits.

use crate::common::{self, alloc, api, blob, destroy, device, download, event, free, kernel, launch, spv, stream, sync, upload};
use crate::{fails, ok};
use flaghal_sys as sys;
use std::sync::atomic::{AtomicU32, Ordering};

#[repr(C)]
#[derive(Clone, Copy)]
struct SpinArgs {
    out: u64,
    iterations: u64,
    seed: u32,
}

fn lcg(seed: u32, iterations: u64) -> u32 {
    (0..iterations).fold(seed, |x, _| x.wrapping_mul(1664525).wrapping_add(1013904223))
}

/// Queues a spin kernel that keeps the device busy for a while.
fn spin(s: sys::fhp_stream_t, out: u64, iterations: u64, seed: u32) -> (sys::fhp_module_t, sys::fhp_function_t) {
    let (module, function) = kernel(spv!("spin"), "spin");
    launch(function, [1, 1, 1], [1, 1, 1], 0, &blob(&SpinArgs { out, iterations, seed }), s);
    (module, function)
}

#[test]
fn async_copies_run_in_order_across_batches() {
    let s = stream();
    let n = 4096usize;
    let a = alloc(n * 4);
    let b = alloc(n * 4);
    let src: Vec<u32> = (0..n as u32).collect();
    let mut dst = vec![0u32; n];
    // a blocked host function first: everything below goes through command
    // batches (an idle stream would do it at once with memcpy)
    let gate = AtomicU32::new(0);
    ok!(api().launch_host_func.unwrap()(s, Some(wait_for_release), (&gate as *const AtomicU32).cast_mut().cast()));
    ok!(api().memcpy_htod_async.unwrap()(s, a, src.as_ptr().cast(), n * 4));
    // more commands than one batch holds: each memset overwrites a word the next reads
    for i in 0..150u32 {
        ok!(api().memset_async.unwrap()(s, a + 4 * (i as u64 % 64), i, 4, 1));
    }
    ok!(api().memcpy_dtod_async.unwrap()(s, b, a, n * 4));
    ok!(api().memset_async.unwrap()(s, b + 3, 0x7F, 1, 2));
    ok!(api().memcpy_dtoh_async.unwrap()(s, dst.as_mut_ptr().cast(), b, n * 4));
    gate.store(1, Ordering::SeqCst);
    sync(s);
    let mut want = src.clone();
    for i in 0..150u32 {
        want[(i % 64) as usize] = i;
    }
    let bytes: &mut [u8] = bytemuck_u8(&mut want);
    bytes[3] = 0x7F;
    bytes[4] = 0x7F;
    assert_eq!(dst, want);
    ok!(api().stream_query.unwrap()(s));
    destroy(s);
    free(a);
    free(b);
    common::finish();
}

fn bytemuck_u8(v: &mut [u32]) -> &mut [u8] {
    // SAFETY: u32 has no padding and u8 has alignment 1.
    unsafe { std::slice::from_raw_parts_mut(v.as_mut_ptr().cast::<u8>(), v.len() * 4) }
}

unsafe extern "C" fn wait_for_release(user: *mut std::ffi::c_void) {
    // SAFETY: the test passes an AtomicU32 that outlives the stream's work.
    let gate = unsafe { &*(user as *const AtomicU32) };
    while gate.load(Ordering::SeqCst) == 0 {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

#[test]
fn query_reports_not_ready_until_work_completes_and_events_follow() {
    let s = stream();
    let out = alloc(4);
    let e = event(0);
    ok!(api().event_query.unwrap()(e)); // never recorded
    ok!(api().event_synchronize.unwrap()(e));
    let gate = AtomicU32::new(0);
    // a host function that blocks until released makes NOT_READY certain
    ok!(api().launch_host_func.unwrap()(s, Some(wait_for_release), (&gate as *const AtomicU32).cast_mut().cast()));
    let iterations = 1_000_000;
    let (module, _) = spin(s, out, iterations, 7);
    ok!(api().event_record.unwrap()(e, s));
    fails!(api().stream_query.unwrap()(s), sys::FH_ERROR_NOT_READY);
    fails!(api().event_query.unwrap()(e), sys::FH_ERROR_NOT_READY);
    let mut ms = 0.0f32;
    let start = event(0);
    ok!(api().event_record.unwrap()(start, s));
    fails!(api().event_elapsed_time.unwrap()(&mut ms, e, start), sys::FH_ERROR_NOT_READY);
    gate.store(1, Ordering::SeqCst);
    ok!(api().event_synchronize.unwrap()(e));
    ok!(api().event_query.unwrap()(e));
    sync(s);
    ok!(api().stream_query.unwrap()(s));
    assert_eq!(download::<u32>(out, 1)[0], lcg(7, iterations));
    ok!(api().event_destroy.unwrap()(e));
    ok!(api().event_destroy.unwrap()(start));
    ok!(api().module_unload.unwrap()(module));
    destroy(s);
    free(out);
    common::finish();
}

#[test]
fn a_stream_waits_for_another_streams_event_on_the_device() {
    let producer = stream();
    let consumer = stream();
    let out = alloc(4);
    let copy = alloc(4);
    upload(out, &[0u32]);
    let e = event(sys::FH_EVENT_DISABLE_TIMING);
    let iterations = 20_000_000;
    let (module, _) = spin(producer, out, iterations, 99);
    ok!(api().event_record.unwrap()(e, producer));
    ok!(api().stream_wait_event.unwrap()(consumer, e));
    ok!(api().memcpy_dtod_async.unwrap()(consumer, copy, out, 4));
    sync(consumer);
    assert_eq!(download::<u32>(copy, 1)[0], lcg(99, iterations), "the copy ran after the spin kernel");
    // the event may be destroyed while waits on it are pending
    let e2 = event(0);
    ok!(api().event_record.unwrap()(e2, producer));
    ok!(api().stream_wait_event.unwrap()(consumer, e2));
    ok!(api().event_destroy.unwrap()(e2));
    ok!(api().memset_async.unwrap()(consumer, copy, 5, 4, 1));
    sync(consumer);
    assert_eq!(download::<u32>(copy, 1)[0], 5);
    ok!(api().event_destroy.unwrap()(e));
    ok!(api().module_unload.unwrap()(module));
    destroy(producer);
    destroy(consumer);
    free(out);
    free(copy);
    common::finish();
}

#[test]
fn elapsed_time_needs_timing_and_completed_records() {
    let s = stream();
    let (start, end, untimed) = (event(0), event(0), event(sys::FH_EVENT_DISABLE_TIMING));
    let mut ms = -1.0f32;
    fails!(api().event_elapsed_time.unwrap()(&mut ms, start, end), sys::FH_ERROR_INVALID_VALUE);
    let out = alloc(4);
    ok!(api().event_record.unwrap()(start, s));
    let (module, _) = spin(s, out, 5_000_000, 1);
    ok!(api().event_record.unwrap()(end, s));
    ok!(api().event_record.unwrap()(untimed, s));
    sync(s);
    ok!(api().event_elapsed_time.unwrap()(&mut ms, start, end));
    assert!(ms > 0.0, "the spin took time: {ms}");
    let mut back = 0.0f32;
    ok!(api().event_elapsed_time.unwrap()(&mut back, end, start));
    assert_eq!(back, -ms);
    fails!(api().event_elapsed_time.unwrap()(&mut ms, start, untimed), sys::FH_ERROR_INVALID_VALUE);
    let mut bad = std::ptr::null_mut();
    fails!(api().event_create.unwrap()(device(), 4, &mut bad), sys::FH_ERROR_INVALID_VALUE);
    for e in [start, end, untimed] {
        ok!(api().event_destroy.unwrap()(e));
    }
    ok!(api().module_unload.unwrap()(module));
    destroy(s);
    free(out);
    common::finish();
}

#[test]
fn elapsed_time_with_a_completed_start_and_a_pending_end_is_not_ready_at_once() {
    // flaghal.h: NOT_READY if either record has not completed. Reading the
    // completed start's timestamp must not wait for the pending end's work
    // (lavapipe's vkGetQueryPoolResults idles the device).
    let s = stream();
    let (start, end) = (event(0), event(0));
    let out = alloc(4);
    ok!(api().event_record.unwrap()(start, s));
    sync(s);
    let (module, _) = spin(s, out, 60_000_000, 5);
    ok!(api().event_record.unwrap()(end, s));
    fails!(api().event_query.unwrap()(end), sys::FH_ERROR_NOT_READY);
    let mut ms = -1.0f32;
    fails!(api().event_elapsed_time.unwrap()(&mut ms, start, end), sys::FH_ERROR_NOT_READY);
    assert_eq!(ms, -1.0, "no output on NOT_READY");
    fails!(api().event_query.unwrap()(end), sys::FH_ERROR_NOT_READY);
    sync(s);
    ok!(api().event_elapsed_time.unwrap()(&mut ms, start, end));
    assert!(ms > 0.0, "the spin took time: {ms}");
    for e in [start, end] {
        ok!(api().event_destroy.unwrap()(e));
    }
    ok!(api().module_unload.unwrap()(module));
    destroy(s);
    free(out);
    common::finish();
}

struct HostCheck {
    pinned: *mut u32,
    seen: AtomicU32,
    calls: AtomicU32,
}

unsafe extern "C" fn host_fn(user: *mut std::ffi::c_void) {
    // SAFETY: the test passes a HostCheck that outlives the stream's work.
    let check = unsafe { &*(user as *const HostCheck) };
    // SAFETY: pinned memory of 2 u32 owned by the test.
    unsafe {
        check.seen.store(*check.pinned, Ordering::SeqCst);
        *check.pinned.add(1) = 4242;
    }
    check.calls.fetch_add(1, Ordering::SeqCst);
}

#[test]
fn host_functions_run_after_earlier_work_and_before_later_work() {
    let s = stream();
    let mut host: *mut std::ffi::c_void = std::ptr::null_mut();
    ok!(api().mem_alloc_host.unwrap()(device(), 8, &mut host));
    let pinned = host.cast::<u32>();
    // SAFETY: 8 bytes of pinned memory.
    unsafe { pinned.write(0) };
    let out = alloc(8);
    let (module, _) = spin(s, out, 10_000_000, 3);
    ok!(api().memcpy_dtoh_async.unwrap()(s, host, out, 4)); // pinned[0] = spin result
    let check = HostCheck { pinned, seen: AtomicU32::new(0), calls: AtomicU32::new(0) };
    ok!(api().launch_host_func.unwrap()(s, Some(host_fn), (&check as *const HostCheck).cast_mut().cast()));
    // later work reads what the host function wrote
    let second = pinned.wrapping_add(1); // the second word of the pinned allocation
    ok!(api().memcpy_htod_async.unwrap()(s, out + 4, second.cast(), 4));
    sync(s);
    assert_eq!(check.calls.load(Ordering::SeqCst), 1);
    assert_eq!(check.seen.load(Ordering::SeqCst), lcg(3, 10_000_000), "host function saw the earlier copy");
    assert_eq!(download::<u32>(out + 4, 1)[0], 4242, "later work saw the host function's write");
    fails!(api().launch_host_func.unwrap()(s, None, std::ptr::null_mut()), sys::FH_ERROR_INVALID_VALUE);
    ok!(api().module_unload.unwrap()(module));
    destroy(s);
    ok!(api().mem_free_host.unwrap()(device(), host));
    free(out);
    common::finish();
}

#[test]
fn synchronous_copies_wait_for_every_stream() {
    let s = stream();
    let out = alloc(4);
    upload(out, &[0u32]);
    let (module, _) = spin(s, out, 20_000_000, 11);
    // no synchronisation: the synchronous copy must wait for the stream
    assert_eq!(download::<u32>(out, 1)[0], lcg(11, 20_000_000));
    ok!(api().device_synchronize.unwrap()(device()));
    ok!(api().module_unload.unwrap()(module));
    destroy(s);
    free(out);
    common::finish();
}

#[test]
fn unknown_stream_flags_are_refused() {
    let mut s = std::ptr::null_mut();
    fails!(api().stream_create.unwrap()(device(), 1, &mut s), sys::FH_ERROR_INVALID_VALUE);
    assert!(s.is_null());
    common::finish();
}


#[test]
fn a_blocked_host_function_does_not_stall_other_streams() {
    // Vulkan queues run submissions in order: work queued behind a host
    // function must not reach the queue before the function returns, or
    // every other stream on the device would wait for it too.
    let (blocked, free_stream) = (stream(), stream());
    let gate = AtomicU32::new(0);
    let out = alloc(8);
    ok!(api().launch_host_func.unwrap()(blocked, Some(wait_for_release), (&gate as *const AtomicU32).cast_mut().cast()));
    ok!(api().memset_async.unwrap()(blocked, out, 1, 4, 1));
    let behind = event(0);
    ok!(api().event_record.unwrap()(behind, blocked));
    // a third stream waiting on the blocked one is held back as well
    let waiter = stream();
    ok!(api().stream_wait_event.unwrap()(waiter, behind));
    ok!(api().memset_async.unwrap()(waiter, out, 3, 4, 1));
    // the free stream completes while the gate is still closed
    ok!(api().memset_async.unwrap()(free_stream, out + 4, 2, 4, 1));
    let done = event(0);
    ok!(api().event_record.unwrap()(done, free_stream));
    sync(free_stream);
    ok!(api().event_query.unwrap()(done));
    fails!(api().event_query.unwrap()(behind), sys::FH_ERROR_NOT_READY);
    fails!(api().stream_query.unwrap()(waiter), sys::FH_ERROR_NOT_READY);
    gate.store(1, Ordering::SeqCst);
    sync(waiter);
    sync(blocked);
    assert_eq!(download::<u32>(out, 2), vec![3, 2], "the waiter ran after the blocked stream's memset");
    for e in [behind, done] {
        ok!(api().event_destroy.unwrap()(e));
    }
    for s in [blocked, free_stream, waiter] {
        destroy(s);
    }
    free(out);
    common::finish();
}

#[derive(Clone, Copy)]
struct SendPtr(sys::fhp_stream_t);
// SAFETY: stream handles may be used from any thread (flaghal_plugin.h rule 6).
unsafe impl Send for SendPtr {}
// SAFETY: as above.
unsafe impl Sync for SendPtr {}

#[test]
fn threads_share_streams_and_events_without_losing_work() {
    let shared = SendPtr(stream());
    let threads: Vec<_> = (0..4u32)
        .map(|t| {
            std::thread::spawn(move || {
                let own = stream();
                let n = 2048usize;
                let a = alloc(n * 4);
                let b = alloc(n * 4);
                let e = event(sys::FH_EVENT_DISABLE_TIMING);
                for round in 0..20u32 {
                    let value = t * 1000 + round;
                    ok!(api().memset_async.unwrap()(own, a, value, 4, n));
                    ok!(api().event_record.unwrap()(e, own));
                    // the shared stream copies once own's memset is done
                    ok!(api().stream_wait_event.unwrap()(shared.0, e));
                    ok!(api().memcpy_dtod_async.unwrap()(shared.0, b, a, n * 4));
                    let s2 = shared;
                    ok!(api().stream_synchronize.unwrap()(s2.0));
                    let got = download::<u32>(b, n);
                    assert!(got.iter().all(|v| *v == value), "thread {t} round {round}");
                }
                ok!(api().event_destroy.unwrap()(e));
                destroy(own);
                free(a);
                free(b);
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    destroy(shared.0);
    common::finish();
}

#[test]
fn streams_come_and_go_while_events_outlive_them() {
    let out = alloc(4 * 64);
    let mut events = Vec::new();
    for i in 0..64u32 {
        let s = stream();
        ok!(api().memset_async.unwrap()(s, out + 4 * i as u64, i + 1, 4, 1));
        let e = event(sys::FH_EVENT_DISABLE_TIMING);
        ok!(api().event_record.unwrap()(e, s));
        destroy(s); // waits for its work; the event keeps its point
        events.push(e);
    }
    let waiter = stream();
    for e in &events {
        ok!(api().event_query.unwrap()(*e));
        ok!(api().stream_wait_event.unwrap()(waiter, *e));
    }
    ok!(api().memset_async.unwrap()(waiter, out, 1000, 4, 1));
    sync(waiter);
    let got = download::<u32>(out, 64);
    assert_eq!(got[0], 1000);
    assert!((1..64).all(|i| got[i] == i as u32 + 1));
    for e in events {
        ok!(api().event_destroy.unwrap()(e));
    }
    // streams created now reuse the old timelines: an event recorded on an
    // empty one (no timestamp to write) is complete at once
    for _ in 0..8 {
        let s = stream();
        let e = event(sys::FH_EVENT_DISABLE_TIMING);
        ok!(api().event_record.unwrap()(e, s));
        ok!(api().event_query.unwrap()(e));
        ok!(api().stream_query.unwrap()(s));
        ok!(api().event_destroy.unwrap()(e));
        destroy(s);
    }
    destroy(waiter);
    free(out);
    common::finish();
}

#[test]
fn async_copies_on_a_busy_stream_wait_their_turn() {
    // Copies on an idle stream may be done at once; on a busy one they must
    // follow the earlier work.
    let s = stream();
    let dst = alloc(16);
    let gate = AtomicU32::new(0);
    ok!(api().launch_host_func.unwrap()(s, Some(wait_for_release), (&gate as *const AtomicU32).cast_mut().cast()));
    ok!(api().memset_async.unwrap()(s, dst, 1, 4, 4));
    let words = [2u32, 3, 4, 5];
    ok!(api().memcpy_htod_async.unwrap()(s, dst + 4, words.as_ptr().cast(), 8));
    let mut back = [0u32; 4];
    ok!(api().memcpy_dtoh_async.unwrap()(s, back.as_mut_ptr().cast(), dst, 16));
    assert_eq!(back, [0; 4], "nothing ran while the host function blocks");
    gate.store(1, Ordering::SeqCst);
    sync(s);
    assert_eq!(back, [1, 2, 3, 1]);
    // now idle: the same calls complete in order too
    ok!(api().memcpy_htod_async.unwrap()(s, dst, words.as_ptr().cast(), 16));
    ok!(api().memcpy_dtoh_async.unwrap()(s, back.as_mut_ptr().cast(), dst, 16));
    sync(s);
    assert_eq!(back, words);
    destroy(s);
    free(dst);
    common::finish();
}
