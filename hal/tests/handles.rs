//! Handle lifetimes under concurrency: shells recycled through the free
//! lists while other threads create, use and destroy handles, and two
//! threads racing to destroy one handle (exactly one wins).

mod support;

use flaghal_sys::*;
use std::sync::Barrier;
use support::*;

/// Raw handles cross threads in these tests (flaghal.h: any handle may be
/// used from any thread).
#[derive(Clone, Copy)]
struct Raw(usize);

#[test]
fn handles_survive_concurrent_create_use_destroy_and_racing_destroys() {
    let cpu = cpu_plugin().to_string_lossy().into_owned();
    scenario("handles_survive_concurrent_create_use_destroy_and_racing_destroys", &[("FLAGHAL_PLUGIN_FILES", &cpu)], true, |api| {
        let t = &api.t;
        let dev = Raw(api.device(0) as usize);
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| {
                    let dev = dev.0 as fh_device_t;
                    for i in 0..300u32 {
                        let s = api.stream(dev);
                        let e = api.event(dev, i & 1);
                        // SAFETY: live handles owned by this thread.
                        unsafe {
                            assert_eq!((t.fhEventRecord)(e, s), FH_SUCCESS, "{}", api.message());
                            assert_eq!((t.fhStreamWaitEvent)(s, e), FH_SUCCESS);
                            assert_eq!((t.fhStreamSynchronize)(s), FH_SUCCESS);
                            assert_eq!((t.fhEventDestroy)(e), FH_SUCCESS);
                            assert_eq!((t.fhStreamDestroy)(s), FH_SUCCESS, "{}", api.message());
                        }
                    }
                });
            }
        });
        // Two threads destroy the same stream at once: one succeeds, the other
        // gets INVALID_HANDLE, and the plugin sees one destroy.
        for _ in 0..50 {
            let s = Raw(api.stream(dev.0 as fh_device_t) as usize);
            let barrier = Barrier::new(2);
            let statuses: Vec<fh_status_t> = std::thread::scope(|scope| {
                let racers: Vec<_> = (0..2)
                    .map(|_| {
                        scope.spawn(|| {
                            barrier.wait();
                            // SAFETY: a stream handle; the loop checks the race outcome.
                            unsafe { (t.fhStreamDestroy)(s.0 as fh_stream_t) }
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
