//! Without the NVIDIA driver (this project's CI machines) the plugin
//! negotiates, initialises and reports zero devices, and says why in the
//! log: "no devices: cannot load libcuda.so.1: ..." (the loader prefixes
//! "cuda: "). Where a driver is installed the plugin must instead find
//! devices or log another reason; tests/gpu.rs covers that machine.

use flaghal_plugin_host::{in_ci, log_lines, Plugin};

#[test]
fn without_libcuda_the_plugin_has_zero_devices_and_logs_why() {
    let driver_present = flaghal_cuda::driver::Driver::load().is_ok();
    let plugin = Plugin::start(flaghal_cuda::fhPluginNegotiate);
    assert_eq!(plugin.name(), "cuda");
    let count = plugin.device_count();
    let log = log_lines();
    if driver_present {
        assert!(!in_ci() || count > 0 || log.iter().any(|l| l.starts_with("no devices: ")), "{count} devices, log {log:?}");
        eprintln!("libcuda.so.1 is installed here: {count} devices, log {log:?}");
        return;
    }
    assert_eq!(count, 0, "no driver: zero devices, and init succeeded");
    let reason = log.iter().find(|l| l.starts_with("no devices: cannot load libcuda.so.1: "));
    assert!(reason.is_some(), "the reason is logged: {log:?}");
    let (status, _) = plugin.try_device(0);
    assert_eq!(status, flaghal_sys::FH_ERROR_INVALID_DEVICE, "device_get(0) with zero devices");
}
