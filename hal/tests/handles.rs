//! Handle lifetimes under concurrency: slots reused through the free lists
//! while other threads create, use and destroy handles (a destroyed handle
//! stays invalid even after another thread's create took its slot), and two
//! threads racing to destroy one handle (exactly one wins).

mod support;

use flaghal_sys::*;
use std::sync::Barrier;
use support::*;

#[test]
fn handles_survive_concurrent_create_use_destroy_and_racing_destroys() {
    let cpu = cpu_plugin().to_string_lossy().into_owned();
    scenario("handles_survive_concurrent_create_use_destroy_and_racing_destroys", &[("FLAGHAL_PLUGIN_FILES", &cpu)], true, |hal| {
        let t = hal.raw();
        // The client's handles cross threads (flaghal.h: any handle may be
        // used from any thread).
        let dev = hal.device(0).unwrap();
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| {
                    for i in 0..300u32 {
                        let s = hal.stream_create(dev).unwrap();
                        let e = hal.event_create(dev, i & 1).unwrap();
                        // SAFETY: live handles owned by this thread.
                        unsafe {
                            assert_eq!((t.fhEventRecord)(e.0, s.0), FH_SUCCESS, "{}", hal.last_error_message());
                            assert_eq!((t.fhStreamWaitEvent)(s.0, e.0), FH_SUCCESS);
                            assert_eq!((t.fhStreamSynchronize)(s.0), FH_SUCCESS);
                            assert_eq!((t.fhEventDestroy)(e.0), FH_SUCCESS);
                            assert_eq!((t.fhStreamDestroy)(s.0), FH_SUCCESS, "{}", hal.last_error_message());
                            // Other threads may have reused both slots by now.
                            assert_eq!((t.fhStreamQuery)(s.0), FH_ERROR_INVALID_HANDLE, "a stale stream stays stale");
                            assert_eq!((t.fhEventQuery)(e.0), FH_ERROR_INVALID_HANDLE, "a stale event stays stale");
                        }
                    }
                });
            }
        });
        // Two threads destroy the same stream at once: one succeeds, the other
        // gets INVALID_HANDLE, and the plugin sees one destroy.
        for _ in 0..50 {
            let s = hal.stream_create(dev).unwrap();
            let barrier = Barrier::new(2);
            let statuses: Vec<fh_status_t> = std::thread::scope(|scope| {
                let racers: Vec<_> = (0..2)
                    .map(|_| {
                        scope.spawn(|| {
                            // The whole Stream, which may cross threads (not its raw field).
                            let stream: Stream = s;
                            barrier.wait();
                            // SAFETY: a stream handle; the loop checks the race outcome.
                            unsafe { (t.fhStreamDestroy)(stream.0) }
                        })
                    })
                    .collect();
                racers.into_iter().map(|r| r.join().unwrap()).collect()
            });
            let mut sorted = statuses.clone();
            sorted.sort();
            assert_eq!(sorted, [FH_SUCCESS, FH_ERROR_INVALID_HANDLE], "{statuses:?}");
        }
    });
}
