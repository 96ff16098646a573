//! fhModuleLoadData of module bundles (flaghal.h, "Module bundles"), end to
//! end through libflaghal.so and the real CPU plugin: the loader checks the
//! bundle, loads the image the device prefers, falls back when the plugin
//! refuses one, says what was on offer when nothing fits, and refuses a blob
//! shorter than the parameters the bundle records.

mod support;

use flaghal_formats::bundle::Writer;
use flaghal_sys::*;
use std::ffi::c_void;
use support::*;

const NATIVE: u32 = FH_MODULE_FORMAT_NATIVE_CPU;

fn host() -> &'static str {
    flaghal_formats::bundle::host_target().expect("the tests run on a host with a bundle target")
}

/// Loads `bytes` as a bundle on the CPU device: the status, the module.
fn load(api: &Api, bytes: &[u8]) -> (fh_status_t, fh_module_t) {
    let device = api.device(0);
    let mut module = std::ptr::null_mut();
    // SAFETY: `bytes` is valid for its length; `module` is a valid output.
    let status = unsafe {
        (api.t.fhModuleLoadData)(device, FH_MODULE_FORMAT_BUNDLE, bytes.as_ptr().cast(), bytes.len(), &mut module)
    };
    (status, module)
}

/// Runs fill(out, value) over 64 threads; the status of the launch, and
/// what `out` holds after the stream finished.
fn fill(api: &Api, module: fh_module_t, args_size: usize) -> (fh_status_t, Vec<u32>) {
    let device = api.device(0);
    let out = api.alloc(device, 256);
    let stream = api.stream(device);
    let mut function = std::ptr::null_mut();
    let mut blob = [0u8; 16];
    blob[..8].copy_from_slice(&out.to_ne_bytes());
    blob[8..12].copy_from_slice(&0xC0FFEEu32.to_ne_bytes());
    let mut host = vec![0u32; 64];
    // SAFETY (whole block): live handles, valid locals, blob of 16 bytes.
    unsafe {
        assert_eq!((api.t.fhMemsetD32)(device, out, 0, 64), FH_SUCCESS);
        assert_eq!((api.t.fhModuleGetFunction)(module, c"fill".as_ptr(), &mut function), FH_SUCCESS, "{}", api.message());
        let status = (api.t.fhLaunchKernel)(function, 1, 1, 1, 64, 1, 1, 0, stream, blob.as_ptr().cast(), args_size);
        assert_eq!((api.t.fhStreamSynchronize)(stream), FH_SUCCESS);
        assert_eq!((api.t.fhMemcpyDtoH)(device, host.as_mut_ptr().cast::<c_void>(), out, 256), FH_SUCCESS);
        assert_eq!((api.t.fhStreamDestroy)(stream), FH_SUCCESS);
        assert_eq!((api.t.fhMemFree)(device, out), FH_SUCCESS);
        (status, host)
    }
}

fn unload(api: &Api, module: fh_module_t) {
    // SAFETY: a live module.
    assert_eq!(unsafe { (api.t.fhModuleUnload)(module) }, FH_SUCCESS);
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
    scenario("the_device_loads_the_image_it_runs_and_skips_the_rest", &env(), true, |api| {
        let (status, module) = load(api, &bytes);
        assert_eq!(status, FH_SUCCESS, "{}", api.message());
        let (launched, out) = fill(api, module, 16);
        assert_eq!(launched, FH_SUCCESS, "{}", api.message());
        assert!(out.iter().all(|v| *v == 0xC0FFEE), "the kernel of the native image ran");
        unload(api, module);
    });
}

#[test]
fn a_blob_shorter_than_the_recorded_parameters_is_refused() {
    let bytes = Writer::new().image(NATIVE, Some(host()), cpu_module("bundle-short", FILL_KERNEL)).kernel("fill", 12).to_bytes().unwrap();
    scenario("a_blob_shorter_than_the_recorded_parameters_is_refused", &env(), true, |api| {
        let (status, module) = load(api, &bytes);
        assert_eq!(status, FH_SUCCESS, "{}", api.message());
        let (launched, out) = fill(api, module, 11);
        api.expect(launched, FH_ERROR_INVALID_VALUE, "shorter than the 12 bytes of parameters");
        assert!(out.iter().all(|v| *v == 0), "nothing ran");
        let (launched, out) = fill(api, module, 12);
        assert_eq!(launched, FH_SUCCESS, "exactly the parameters: {}", api.message());
        assert!(out.iter().all(|v| *v == 0xC0FFEE));
        unload(api, module);
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
    scenario("a_refused_image_falls_back_to_the_next_and_all_refused_names_each", &env(), true, |api| {
        let (status, module) = load(api, &fallback);
        assert_eq!(status, FH_SUCCESS, "the second image loads: {}", api.message());
        assert_eq!(fill(api, module, 16).0, FH_SUCCESS);
        unload(api, module);
        let (status, module) = load(api, &hopeless);
        api.expect(status, FH_ERROR_INVALID_IMAGE, "refused every image of the bundle");
        let message = api.message();
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
    scenario("no_image_for_the_device_is_not_supported_and_says_what_was_offered", &env(), true, |api| {
        let (status, module) = load(api, &bytes);
        api.expect(status, FH_ERROR_NOT_SUPPORTED, "accepts NATIVE_CPU; the bundle offers SPIRV, PTX (sm_90)");
        assert!(module.is_null());
    });
}

#[test]
fn a_malformed_bundle_is_an_invalid_image_and_loads_nothing() {
    let good = Writer::new().image(NATIVE, None, cpu_module("bundle-malformed", FILL_KERNEL)).to_bytes().unwrap();
    scenario("a_malformed_bundle_is_an_invalid_image_and_loads_nothing", &env(), true, |api| {
        for (case, bytes, hint) in [
            ("truncated", good[..good.len() - 1].to_vec(), "truncated"),
            ("header only", good[..30].to_vec(), "at least 56 bytes"),
            ("not a bundle", b"this is not a bundle, not even close".to_vec(), "not a bundle"),
            ("native bytes", cpu_module("bundle-raw", FILL_KERNEL), "not a bundle"),
        ] {
            let (status, module) = load(api, &bytes);
            assert_eq!(status, FH_ERROR_INVALID_IMAGE, "{case}: {}", api.message());
            assert!(api.message().contains("flaghal: fhModuleLoadData: malformed bundle"), "{case}: {}", api.message());
            assert!(api.message().contains(hint), "{case}: {}", api.message());
            assert!(module.is_null(), "{case}");
        }
    });
}

fn env() -> Vec<(&'static str, &'static str)> {
    let files = Box::leak(cpu_plugin().to_string_lossy().into_owned().into_boxed_str());
    vec![("FLAGHAL_PLUGIN_FILES", files)]
}
