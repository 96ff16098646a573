//! Ordering rules of flaghal.h, checked with a deliberately slow kernel
//! (tests/kernels/spin_fill.c: each block busy-loops, then writes):
//!
//! "Synchronous calls (fhMemcpyHtoD, fhMemcpyDtoH, fhMemcpyDtoD, fhMemsetD*)
//! first wait for all work already submitted to every stream of their
//! device, then perform the operation, and return once it has completed."
//!
//! and "fhStreamWaitEvent makes all work queued on stream after this call
//! wait until event's most recent fhEventRecord has completed."
//!
//! A call that did not wait sees (or is overwritten by) the kernel's value
//! too early, so each check fails on an implementation that skips the wait.

use flaghal_client::{from_bytes, status_of, to_bytes, Args, Device, Function, Hal, Stream};
use flaghal_integration::child::Scenario;
use flaghal_integration::modules::cpu_kernel;
use flaghal_sys::fh_deviceptr_t;

const N: usize = 512;
const BLOCK: u32 = 64;
/// Busy-loop iterations per block: milliseconds of work, far longer than a
/// copy call takes to return.
const SPIN: u64 = 3_000_000;

struct Setup {
    device: Device,
    spin_fill: Function,
}

fn setup(hal: &Hal) -> Setup {
    let device = hal.device_of_plugin("cpu").unwrap().expect("a CPU device");
    let (_module, spin_fill) = cpu_kernel(hal, device, "spin_fill").expect("load spin_fill");
    Setup { device, spin_fill }
}

/// Queues the slow kernel: out[0..n) = value, after SPIN iterations per block.
fn slow_fill(hal: &Hal, s: &Setup, stream: Stream, out: fh_deviceptr_t, value: u32, n: usize) {
    let args = Args::new().u64(out).u32(value).u32(n as u32).u64(SPIN).finish();
    hal.launch(s.spin_fill, [(n as u32).div_ceil(BLOCK), 1, 1], [BLOCK, 1, 1], 0, stream, &args).expect("launch spin_fill");
}

fn read_u32(hal: &Hal, device: Device, src: fh_deviceptr_t, n: usize) -> Vec<u32> {
    let mut bytes = vec![0u8; n * 4];
    hal.dtoh(device, &mut bytes, src).expect("fhMemcpyDtoH");
    from_bytes::<u32>(&bytes)
}

fn zeroed(hal: &Hal, device: Device, n: usize) -> fh_deviceptr_t {
    let p = hal.mem_alloc(device, n * 4).expect("fhMemAlloc");
    hal.memset(device, p, 0, 4, n).expect("fhMemsetD32");
    p
}

#[test]
fn a_synchronous_dtoh_sees_a_slow_kernel_queued_before_it() {
    Scenario::cpu_only("a_synchronous_dtoh_sees_a_slow_kernel_queued_before_it").run(|hal| {
        let s = setup(hal);
        let stream = hal.stream_create(s.device).unwrap();
        let out = zeroed(hal, s.device, N);
        slow_fill(hal, &s, stream, out, 0xC0FFEE, N);
        // No stream synchronisation: the synchronous copy itself must wait.
        let values = read_u32(hal, s.device, out, N);
        assert!(values.iter().all(|v| *v == 0xC0FFEE), "DtoH ran before the kernel finished: {:?}", &values[..8]);
        hal.stream_destroy(stream).unwrap();
    });
}

#[test]
fn synchronous_copies_wait_for_every_stream_of_the_device() {
    Scenario::cpu_only("synchronous_copies_wait_for_every_stream_of_the_device").run(|hal| {
        let s = setup(hal);
        let streams: Vec<Stream> = (0..3).map(|_| hal.stream_create(s.device).unwrap()).collect();
        let out = zeroed(hal, s.device, 3 * N);
        for (i, stream) in streams.iter().enumerate() {
            slow_fill(hal, &s, *stream, out + (i * N * 4) as u64, 100 + i as u32, N);
        }
        let values = read_u32(hal, s.device, out, 3 * N);
        for i in 0..3 {
            assert!(
                values[i * N..(i + 1) * N].iter().all(|v| *v == 100 + i as u32),
                "stream {i}'s kernel had not finished when the synchronous copy read"
            );
        }
        for stream in streams {
            hal.stream_destroy(stream).unwrap();
        }
    });
}

#[test]
fn a_synchronous_htod_lands_after_earlier_stream_work() {
    Scenario::cpu_only("a_synchronous_htod_lands_after_earlier_stream_work").run(|hal| {
        let s = setup(hal);
        let stream = hal.stream_create(s.device).unwrap();
        let out = zeroed(hal, s.device, N);
        slow_fill(hal, &s, stream, out, 1, N);
        hal.htod(s.device, out, &to_bytes(&[2; N])).unwrap();
        hal.stream_synchronize(stream).unwrap();
        let values = read_u32(hal, s.device, out, N);
        assert!(values.iter().all(|v| *v == 2), "the kernel overwrote a later synchronous HtoD: {:?}", &values[..8]);
        hal.stream_destroy(stream).unwrap();
    });
}

#[test]
fn a_synchronous_memset_lands_after_earlier_stream_work() {
    Scenario::cpu_only("a_synchronous_memset_lands_after_earlier_stream_work").run(|hal| {
        let s = setup(hal);
        let stream = hal.stream_create(s.device).unwrap();
        let out = zeroed(hal, s.device, N);
        slow_fill(hal, &s, stream, out, 1, N);
        hal.memset(s.device, out, 3, 4, N).unwrap();
        hal.stream_synchronize(stream).unwrap();
        let values = read_u32(hal, s.device, out, N);
        assert!(values.iter().all(|v| *v == 3), "the kernel overwrote a later synchronous memset: {:?}", &values[..8]);
        hal.stream_destroy(stream).unwrap();
    });
}

#[test]
fn a_synchronous_dtod_copies_what_earlier_stream_work_wrote() {
    Scenario::cpu_only("a_synchronous_dtod_copies_what_earlier_stream_work_wrote").run(|hal| {
        let s = setup(hal);
        let stream = hal.stream_create(s.device).unwrap();
        let src = zeroed(hal, s.device, N);
        let dst = zeroed(hal, s.device, N);
        slow_fill(hal, &s, stream, src, 5, N);
        hal.dtod(s.device, dst, src, N * 4).unwrap();
        hal.stream_synchronize(stream).unwrap();
        let values = read_u32(hal, s.device, dst, N);
        assert!(values.iter().all(|v| *v == 5), "DtoD copied before the kernel finished: {:?}", &values[..8]);
        hal.stream_destroy(stream).unwrap();
    });
}

#[test]
fn a_stream_waiting_on_an_event_runs_after_the_recorded_work() {
    Scenario::cpu_only("a_stream_waiting_on_an_event_runs_after_the_recorded_work").run(|hal| {
        let s = setup(hal);
        let (producer, consumer) = (hal.stream_create(s.device).unwrap(), hal.stream_create(s.device).unwrap());
        let event = hal.event_create(s.device, flaghal_sys::FH_EVENT_DISABLE_TIMING).unwrap();
        let src = zeroed(hal, s.device, N);
        let dst = zeroed(hal, s.device, N);
        slow_fill(hal, &s, producer, src, 7, N);
        hal.event_record(event, producer).unwrap();
        hal.stream_wait_event(consumer, event).unwrap();
        hal.dtod_async(dst, src, N * 4, consumer).unwrap();
        // Read dst back on the consumer stream itself: a synchronous DtoH
        // would wait for the producer too and hide an ignored event wait.
        let mut bytes = vec![0u8; N * 4];
        // SAFETY: `bytes` lives until the stream is synchronised just below.
        unsafe { hal.dtoh_async(&mut bytes, dst, consumer) }.unwrap();
        hal.stream_synchronize(consumer).unwrap();
        let values = from_bytes::<u32>(&bytes);
        assert!(values.iter().all(|v| *v == 7), "the consumer ran before the event's work: {:?}", &values[..8]);
        hal.event_destroy(event).unwrap();
        hal.stream_destroy(producer).unwrap();
        hal.stream_destroy(consumer).unwrap();
    });
}

#[test]
fn one_stream_runs_its_work_in_submission_order() {
    Scenario::cpu_only("one_stream_runs_its_work_in_submission_order").run(|hal| {
        let s = setup(hal);
        let stream = hal.stream_create(s.device).unwrap();
        let out = zeroed(hal, s.device, N);
        // memset 9, slow kernel writes 1, memset 4 on the second half, read back.
        hal.memset_async(out, 9, 4, N, stream).unwrap();
        slow_fill(hal, &s, stream, out, 1, N);
        hal.memset_async(out + (N * 2) as u64, 4, 4, N / 2, stream).unwrap();
        let mut bytes = vec![0u8; N * 4];
        // SAFETY: `bytes` lives until the stream is synchronised just below.
        unsafe { hal.dtoh_async(&mut bytes, out, stream) }.unwrap();
        hal.stream_synchronize(stream).unwrap();
        let values = from_bytes::<u32>(&bytes);
        assert!(values[..N / 2].iter().all(|v| *v == 1), "first half: {:?}", &values[..8]);
        assert!(values[N / 2..].iter().all(|v| *v == 4), "second half: {:?}", &values[N / 2..N / 2 + 8]);
        assert_eq!(status_of(&hal.stream_query(stream)), flaghal_sys::FH_SUCCESS, "idle after synchronisation");
        hal.stream_destroy(stream).unwrap();
    });
}

#[test]
fn not_ready_is_not_a_failure_and_leaves_the_detail_message_alone() {
    // flaghal.h: FH_ERROR_NOT_READY "is not a failure: it does not replace
    // the thread's detail message". Queries right after queuing milliseconds
    // of work see NOT_READY; once synchronised they see FH_SUCCESS.
    Scenario::cpu_only("not_ready_is_not_a_failure_and_leaves_the_detail_message_alone").run(|hal| {
        let s = setup(hal);
        let stream = hal.stream_create(s.device).unwrap();
        let event = hal.event_create(s.device, flaghal_sys::FH_EVENT_DEFAULT).unwrap();
        let out = zeroed(hal, s.device, N);
        let failure = hal.mem_alloc(s.device, 0).expect_err("size 0 is refused");
        assert_eq!(failure.status, flaghal_sys::FH_ERROR_INVALID_VALUE);
        assert!(!failure.message.is_empty(), "a failure leaves a detail message");
        let mut not_ready_seen = 0;
        for round in 0..5 {
            slow_fill(hal, &s, stream, out, round, N);
            hal.event_record(event, stream).unwrap();
            for status in [status_of(&hal.stream_query(stream)), status_of(&hal.event_query(event))] {
                assert!(
                    status == flaghal_sys::FH_SUCCESS || status == flaghal_sys::FH_ERROR_NOT_READY,
                    "a query returns SUCCESS or NOT_READY, got {status}"
                );
                if status == flaghal_sys::FH_ERROR_NOT_READY {
                    not_ready_seen += 1;
                    assert_eq!(hal.last_error_message(), failure.message, "NOT_READY replaced the detail message");
                }
            }
            hal.stream_synchronize(stream).unwrap();
            assert_eq!(status_of(&hal.stream_query(stream)), flaghal_sys::FH_SUCCESS);
            assert_eq!(status_of(&hal.event_query(event)), flaghal_sys::FH_SUCCESS);
        }
        assert!(not_ready_seen > 0, "queries right after queuing slow work never returned NOT_READY");
        hal.event_destroy(event).unwrap();
        hal.stream_destroy(stream).unwrap();
    });
}
