//! The validation layer (FLAGHAL_VALIDATION=1) end to end: stale handles
//! always detected, device ranges checked against live allocations, and the
//! leak report at exit.

mod support;

use flaghal_sys::*;
use support::*;

#[test]
fn validation_checks_handles_and_ranges_and_reports_leaks() {
    let cpu = cpu_plugin().to_string_lossy().into_owned();
    let env = [("FLAGHAL_PLUGIN_FILES", cpu.as_str()), ("FLAGHAL_VALIDATION", "1")];
    let out = scenario("validation_checks_handles_and_ranges_and_reports_leaks", &env, true, |hal| {
        let t = hal.raw();
        let dev = hal.device(0).unwrap();
        let base = hal.mem_alloc(dev, 256).unwrap();
        let data = [7u8; 512];
        let mut back = [0u8; 64];
        let not_a_handle = Box::into_raw(Box::new([0u64; 8]));
        // SAFETY: for the whole test, valid handles and buffers, or deliberately
        // wrong handles that the validation layer must reject unread.
        unsafe {
            assert_eq!((t.fhMemcpyHtoD)(dev.0, base + 128, data.as_ptr().cast(), 128), FH_SUCCESS, "base + offset inside");
            hal.assert_status((t.fhMemcpyHtoD)(dev.0, base + 200, data.as_ptr().cast(), 100), FH_ERROR_INVALID_ADDRESS, "validation layer");
            hal.assert_status((t.fhMemcpyDtoH)(dev.0, back.as_mut_ptr().cast(), base + 256, 1), FH_ERROR_INVALID_ADDRESS, "src range");
            hal.assert_status((t.fhMemsetD8)(dev.0, base - 1, 0, 2), FH_ERROR_INVALID_ADDRESS, "dst range");
            hal.assert_status((t.fhMemcpyDtoD)(dev.0, base, base + 1, 256), FH_ERROR_INVALID_ADDRESS, "src range");
            hal.assert_status((t.fhMemFree)(dev.0, base + 8), FH_ERROR_INVALID_ADDRESS, "not the base of a live allocation");
            assert_eq!((t.fhMemFree)(dev.0, base), FH_SUCCESS);
            hal.assert_status((t.fhMemFree)(dev.0, base), FH_ERROR_INVALID_ADDRESS, "not the base");
            hal.assert_status((t.fhMemcpyHtoD)(dev.0, base, data.as_ptr().cast(), 1), FH_ERROR_INVALID_ADDRESS, "not inside a live allocation");

            let s1 = hal.stream_create(dev).unwrap();
            let stream_async = |dst| (t.fhMemsetD32Async)(dst, 0, 1, s1.0);
            hal.assert_status(stream_async(base), FH_ERROR_INVALID_ADDRESS, "dst range");
            assert_eq!((t.fhStreamDestroy)(s1.0), FH_SUCCESS);
            let s2 = hal.stream_create(dev).unwrap();
            assert_ne!(s1, s2, "a handle value is never live twice");
            hal.assert_status((t.fhStreamQuery)(s1.0), FH_ERROR_INVALID_HANDLE, "is not a live stream (destroyed");
            hal.assert_status((t.fhStreamQuery)(not_a_handle.cast()), FH_ERROR_INVALID_HANDLE, "is not a live stream");
            hal.assert_status((t.fhDeviceSynchronize)(not_a_handle.cast()), FH_ERROR_INVALID_HANDLE, "is not a live device");
            assert_eq!((t.fhStreamQuery)(s2.0), FH_SUCCESS);
            // Leaks for the exit report: s2, one event and 512 bytes.
            hal.event_create(dev, 0).unwrap();
            hal.mem_alloc(dev, 512).unwrap();
        }
    });
    let leaks: Vec<&str> = out.stderr.lines().filter(|l| l.starts_with("flaghal: validation: ")).collect();
    assert!(leaks.iter().any(|l| l.contains("leak: stream 0x")), "{}", out.stderr);
    assert!(leaks.iter().any(|l| l.contains("leak: event 0x")), "{}", out.stderr);
    assert!(leaks.iter().any(|l| l.contains("leak: 512 bytes at 0x")), "{}", out.stderr);
    assert!(leaks.iter().any(|l| l.ends_with("2 handles and 1 allocations (512 bytes) were still live")), "{}", out.stderr);
}

#[test]
fn without_validation_nothing_is_reported_at_exit() {
    let cpu = cpu_plugin().to_string_lossy().into_owned();
    let out = scenario("without_validation_nothing_is_reported_at_exit", &[("FLAGHAL_PLUGIN_FILES", cpu.as_str())], true, |hal| {
        let dev = hal.device(0).unwrap();
        hal.stream_create(dev).unwrap();
        hal.mem_alloc(dev, 64).unwrap();
    });
    assert!(!out.stderr.contains("flaghal: validation"), "{}", out.stderr);
}
