//! The CUDA plugin through the loader on a machine without the NVIDIA
//! driver (every CI machine): it loads, contributes zero devices, and the
//! loader's log says why at `info` ("cuda: no devices: cannot load
//! libcuda.so.1: ..."), while the CPU plugin beside it is unaffected. Where
//! libcuda.so.1 exists, the test checks the plugin loaded instead.

use flaghal_integration::child::Scenario;
use flaghal_integration::paths;
use flaghal_integration::plugins::{assert_loaded, entry};
use flaghal_sys::*;

fn driver_installed() -> bool {
    // SAFETY: opening the NVIDIA driver library, if present, runs its
    // initialisers, which have no preconditions; it is closed at once.
    unsafe { libloading::Library::new("libcuda.so.1") }.is_ok()
}

#[test]
fn without_a_driver_the_cuda_plugin_loads_with_zero_devices_and_the_log_says_why() {
    let (cuda, cpu) = (paths::cuda_plugin(), paths::cpu_plugin());
    let installed = driver_installed();
    let out = Scenario::new("without_a_driver_the_cuda_plugin_loads_with_zero_devices_and_the_log_says_why")
        .plugins(&[cuda.clone(), cpu.clone()])
        .env("FLAGHAL_LOADER_DEBUG", "info")
        .run(|hal| {
            let plugins = hal.plugins().unwrap();
            let info = entry(&plugins, &cuda);
            assert!(info.loaded, "the CUDA plugin loads everywhere: {info:#?}");
            assert_eq!(info.name, "cuda");
            assert_eq!(info.skip_reason, FH_PLUGIN_SKIP_NONE);
            if !driver_installed() {
                assert_eq!(info.device_count, 0, "no driver: zero devices, not a skipped plugin: {info:#?}");
                assert!(hal.device_of_plugin("cuda").unwrap().is_none());
            }
            let cpu_info = assert_loaded(&plugins, &paths::cpu_plugin());
            assert_eq!(hal.device_count().unwrap(), cpu_info.device_count + info.device_count);
        });
    let reason = out.stderr.lines().find(|l| l.starts_with("flaghal: info: ") && l.contains("cuda: no devices: "));
    if installed {
        eprintln!("libcuda.so.1 is installed here; the plugin's log: {reason:?}");
        return;
    }
    let reason = reason.unwrap_or_else(|| panic!("the reason at info level:\n{}", out.stderr));
    assert!(reason.contains("cuda: no devices: cannot load libcuda.so.1: "), "{reason}");
}
