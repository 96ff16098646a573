//! What the loader does when a plugin breaks a promise of the plugin ABI
//! that the loader can see: a create entry that reports FH_SUCCESS but
//! writes a NULL handle (conformance/planted-bugs, `null_handle`) is refused
//! with FH_ERROR_UNKNOWN and a message naming the plugin; no handle reaches
//! the application, and the process goes on.

mod support;

use flaghal_sys::*;
use support::*;

#[test]
fn a_null_handle_from_a_successful_create_is_refused() {
    let shim = planted_bugs_shim().to_string_lossy().into_owned();
    let cpu = cpu_plugin().to_string_lossy().into_owned();
    let env = [("FLAGHAL_PLUGIN_FILES", shim.as_str()), ("FLAGHAL_PLANTED_BUG", "null_handle"), ("FLAGHAL_PLANTED_BUG_TARGET", cpu.as_str())];
    scenario("a_null_handle_from_a_successful_create_is_refused", &env, true, |hal| {
        let t = hal.raw();
        let dev = hal.device(0).expect("the shim's device");
        let sentinel = 0x5A5A_usize;
        let mut stream = sentinel as fh_stream_t;
        let mut event = sentinel as fh_event_t;
        // SAFETY: valid device and output locals.
        unsafe {
            hal.assert_status(
                (t.fhStreamCreate)(dev.0, FH_STREAM_DEFAULT, &mut stream),
                FH_ERROR_UNKNOWN,
                "flaghal: fhStreamCreate: plugin \"planted-null_handle\" reported success but returned a NULL stream (a plugin bug); no stream was created",
            );
            hal.assert_status((t.fhEventCreate)(dev.0, 0, &mut event), FH_ERROR_UNKNOWN, "returned a NULL event");
        }
        assert_eq!(stream as usize, sentinel, "no handle written");
        assert_eq!(event as usize, sentinel, "no handle written");
        // The rest of the device still works.
        let p = hal.mem_alloc(dev, 64).unwrap();
        // SAFETY: a live allocation of this device.
        unsafe { assert_eq!((t.fhMemFree)(dev.0, p), FH_SUCCESS) };
    });
}
