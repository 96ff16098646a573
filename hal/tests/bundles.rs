//! fhModuleLoadData of module bundles (flaghal.h, "Module bundles"), end to
//! end through libflaghal.so and the real CPU plugin: the loader checks the
//! bundle, loads the image the device prefers, falls back when the plugin
//! refuses one, says what was on offer when nothing fits, and refuses a blob
//! shorter than the parameters the bundle records.

mod support;

use flaghal_formats::bundle::Writer;
use flaghal_sys::*;
use support::*;

const NATIVE: u32 = FH_MODULE_FORMAT_NATIVE_CPU;

fn host() -> &'static str {
    flaghal_formats::bundle::host_target().expect("the tests run on a host with a bundle target")
}

/// Loads `bytes` as a bundle on the CPU device: the status, the module.
fn load(hal: &Hal, bytes: &[u8]) -> (fh_status_t, fh_module_t) {
    let device = hal.device(0).unwrap();
    let mut module = std::ptr::null_mut();
    // SAFETY: `bytes` is valid for its length; `module` is a valid output.
    let status = unsafe {
        (hal.raw().fhModuleLoadData)(device.0, FH_MODULE_FORMAT_BUNDLE, bytes.as_ptr().cast(), bytes.len(), &mut module)
    };
    (status, module)
}

/// Runs fill(out, value) over 64 threads; the status of the launch, and
/// what `out` holds after the stream finished.
fn fill(hal: &Hal, module: fh_module_t, args_size: usize) -> (fh_status_t, Vec<u32>) {
    let device = hal.device(0).unwrap();
    let out = hal.mem_alloc(device, 256).unwrap();
    let stream = hal.stream_create(device).unwrap();
    hal.memset(device, out, 0, 4, 64).unwrap();
    let function = hal.get_function(Module(module), "fill").unwrap();
    let mut blob = [0u8; 16];
    blob[..8].copy_from_slice(&out.to_ne_bytes());
    blob[8..12].copy_from_slice(&0xC0FFEEu32.to_ne_bytes());
    // SAFETY: live handles; the blob has 16 readable bytes, `args_size` at most 16.
    let status = unsafe { (hal.raw().fhLaunchKernel)(function.0, 1, 1, 1, 64, 1, 1, 0, stream.0, blob.as_ptr().cast(), args_size) };
    hal.stream_synchronize(stream).unwrap();
    let host = from_bytes::<u32>(&hal.read(device, out, 256).unwrap());
    hal.stream_destroy(stream).unwrap();
    hal.mem_free(device, out).unwrap();
    (status, host)
}

fn unload(hal: &Hal, module: fh_module_t) {
    hal.module_unload(Module(module)).unwrap();
}

#[test]
fn the_device_loads_the_image_it_runs_and_skips_the_rest() {
    let image = cpu_module("bundle-fill", FILL_KERNEL);
    let bytes = Writer::new()
        .image(FH_MODULE_FORMAT_SPIRV, None, vec![7; 64])
        .image(NATIVE, Some("not-this-host"), vec![1; 64])
        .image(0x4242, Some("a format this loader does not know"), vec![2; 8])
        .image(NATIVE, Some(host()), image)
        .kernel("fill", 12)
        .to_bytes()
        .unwrap();
    scenario("the_device_loads_the_image_it_runs_and_skips_the_rest", &env(), true, |hal| {
        let (status, module) = load(hal, &bytes);
        assert_eq!(status, FH_SUCCESS, "{}", hal.last_error_message());
        let (launched, out) = fill(hal, module, 16);
        assert_eq!(launched, FH_SUCCESS, "{}", hal.last_error_message());
        assert!(out.iter().all(|v| *v == 0xC0FFEE), "the kernel of the native image ran");
        unload(hal, module);
    });
}

#[test]
fn a_blob_shorter_than_the_recorded_parameters_is_refused() {
    let bytes = Writer::new().image(NATIVE, Some(host()), cpu_module("bundle-short", FILL_KERNEL)).kernel("fill", 12).to_bytes().unwrap();
    scenario("a_blob_shorter_than_the_recorded_parameters_is_refused", &env(), true, |hal| {
        let (status, module) = load(hal, &bytes);
        assert_eq!(status, FH_SUCCESS, "{}", hal.last_error_message());
        let (launched, out) = fill(hal, module, 11);
        hal.assert_status(launched, FH_ERROR_INVALID_VALUE, "shorter than the 12 bytes of parameters");
        assert!(out.iter().all(|v| *v == 0), "nothing ran");
        let (launched, out) = fill(hal, module, 12);
        assert_eq!(launched, FH_SUCCESS, "exactly the parameters: {}", hal.last_error_message());
        assert!(out.iter().all(|v| *v == 0xC0FFEE));
        unload(hal, module);
    });
}

#[test]
fn a_refused_image_falls_back_to_the_next_and_all_refused_names_each() {
    let good = cpu_module("bundle-fallback", FILL_KERNEL);
    let fallback = Writer::new()
        .image(NATIVE, Some(host()), b"\x7fELF but not really a shared object".to_vec())
        .image(NATIVE, None, good)
        .to_bytes()
        .unwrap();
    let hopeless = Writer::new()
        .image(NATIVE, Some(host()), vec![0; 100])
        .image(NATIVE, None, b"garbage".to_vec())
        .to_bytes()
        .unwrap();
    scenario("a_refused_image_falls_back_to_the_next_and_all_refused_names_each", &env(), true, |hal| {
        let (status, module) = load(hal, &fallback);
        assert_eq!(status, FH_SUCCESS, "the second image loads: {}", hal.last_error_message());
        assert_eq!(fill(hal, module, 16).0, FH_SUCCESS);
        unload(hal, module);
        let (status, module) = load(hal, &hopeless);
        hal.assert_status(status, FH_ERROR_INVALID_IMAGE, "refused every image of the bundle");
        let message = hal.last_error_message();
        assert!(message.contains("NATIVE_CPU (x86_64-linux): cpu: fhModuleLoadData") || message.contains("NATIVE_CPU ("), "{message}");
        assert_eq!(message.matches("cpu: fhModuleLoadData").count(), 2, "both refusals are named: {message}");
        assert!(module.is_null(), "output untouched");
    });
}

#[test]
fn no_image_for_the_device_is_not_supported_and_says_what_was_offered() {
    let bytes = Writer::new()
        .image(FH_MODULE_FORMAT_SPIRV, None, vec![3; 20])
        .image(FH_MODULE_FORMAT_PTX, Some("sm_90"), vec![4; 20])
        .to_bytes()
        .unwrap();
    scenario("no_image_for_the_device_is_not_supported_and_says_what_was_offered", &env(), true, |hal| {
        let (status, module) = load(hal, &bytes);
        hal.assert_status(status, FH_ERROR_NOT_SUPPORTED, "accepts NATIVE_CPU; the bundle offers SPIRV, PTX (sm_90)");
        assert!(module.is_null());
    });
}

#[test]
fn a_malformed_bundle_is_an_invalid_image_and_loads_nothing() {
    let good = Writer::new().image(NATIVE, None, cpu_module("bundle-malformed", FILL_KERNEL)).to_bytes().unwrap();
    scenario("a_malformed_bundle_is_an_invalid_image_and_loads_nothing", &env(), true, |hal| {
        for (case, bytes, hint) in [
            ("truncated", good[..good.len() - 1].to_vec(), "truncated"),
            ("header only", good[..30].to_vec(), "at least 56 bytes"),
            ("not a bundle", b"this is not a bundle, not even close".to_vec(), "not a bundle"),
            ("native bytes", cpu_module("bundle-raw", FILL_KERNEL), "not a bundle"),
        ] {
            let (status, module) = load(hal, &bytes);
            assert_eq!(status, FH_ERROR_INVALID_IMAGE, "{case}: {}", hal.last_error_message());
            assert!(hal.last_error_message().contains("flaghal: fhModuleLoadData: malformed bundle"), "{case}: {}", hal.last_error_message());
            assert!(hal.last_error_message().contains(hint), "{case}: {}", hal.last_error_message());
            assert!(module.is_null(), "{case}");
        }
    });
}

fn env() -> Vec<(&'static str, &'static str)> {
    let files = Box::leak(cpu_plugin().to_string_lossy().into_owned().into_boxed_str());
    vec![("FLAGHAL_PLUGIN_FILES", files)]
}
