//! Two plugins at once (the CPU plugin and the plain-C minimal plugin, whose
//! device is of type OTHER, takes only native CPU modules and has none of the
//! capabilities with optional entries): the device order, objects of
//! different devices combined in one call, and the NOT_SUPPORTED answers the
//! loader gives for absent capabilities and unlisted module formats without
//! calling the plugin.

mod support;

use flaghal_sys::*;
use std::ffi::c_void;
use support::*;

extern "C" fn never_called(_: *mut c_void) {
    panic!("a host function on a device without FH_DEVICE_CAP_HOST_FUNC");
}

#[test]
fn objects_of_two_devices_and_absent_capabilities() {
    let files = format!("{}:{}", cpu_plugin().display(), minimal_plugin().display());
    let image = cpu_module("fill-devices", FILL_KERNEL);
    scenario("objects_of_two_devices_and_absent_capabilities", &[("FLAGHAL_PLUGIN_FILES", &files)], true, |hal| {
        let t = hal.raw();
        assert_eq!(hal.device_count().unwrap(), 2);
        let (other, cpu) = (hal.device(0).unwrap(), hal.device(1).unwrap());
        let props = hal.properties(other).unwrap().0;
        assert_eq!(flaghal_sys::ptr::char_array_to_string(&props.plugin_name), "minimal", "the non-CPU device comes first");
        let optional_entries = FH_DEVICE_CAP_PINNED_HOST_MEMORY | FH_DEVICE_CAP_HOST_FUNC | FH_DEVICE_CAP_EVENT_TIMING;
        assert_eq!(props.capabilities & optional_entries, 0, "the minimal plugin's optional entries are NULL");
        assert_eq!(&props.module_formats[..props.module_format_count as usize], &[FH_MODULE_FORMAT_NATIVE_CPU]);
        assert_eq!(hal.plugins().unwrap()[1].device_count, 1);
        let (s_cpu, s_other) = (hal.stream_create(cpu).unwrap(), hal.stream_create(other).unwrap());
        let (e_cpu, e_other) = (hal.event_create(cpu, 0).unwrap(), hal.event_create(other, 0).unwrap());
        let mut ms = 0f32;
        let mut host: *mut c_void = std::ptr::null_mut();
        let mut module = std::ptr::null_mut();
        let mut f = std::ptr::null_mut();
        // SAFETY: for the whole test, valid handles, image and locals.
        unsafe {
            hal.assert_status((t.fhEventRecord)(e_other.0, s_cpu.0), FH_ERROR_INVALID_DEVICE, "event and stream belong to different devices");
            hal.assert_status((t.fhStreamWaitEvent)(s_cpu.0, e_other.0), FH_ERROR_INVALID_DEVICE, "stream and event");
            hal.assert_status((t.fhEventElapsedTime)(&mut ms, e_cpu.0, e_other.0), FH_ERROR_INVALID_DEVICE, "start and end");
            assert_eq!((t.fhModuleLoadData)(cpu.0, FH_MODULE_FORMAT_NATIVE_CPU, image.as_ptr().cast(), image.len(), &mut module), FH_SUCCESS, "{}", hal.last_error_message());
            assert_eq!((t.fhModuleGetFunction)(module, c"fill".as_ptr(), &mut f), FH_SUCCESS);
            let args = [0u8; 16];
            hal.assert_status((t.fhLaunchKernel)(f, 1, 1, 1, 1, 1, 1, 0, s_other.0, args.as_ptr().cast(), 16), FH_ERROR_INVALID_DEVICE, "function and stream");

            // The minimal device claims none of these: the loader answers for it.
            hal.assert_status((t.fhMemAllocHost)(other.0, 64, &mut host), FH_ERROR_NOT_SUPPORTED, "device 0 (minimal) does not support pinned host memory");
            assert_eq!((t.fhMemFreeHost)(other.0, std::ptr::null_mut()), FH_SUCCESS, "freeing NULL is a no-op everywhere");
            hal.assert_status((t.fhLaunchHostFunc)(s_other.0, Some(never_called), std::ptr::null_mut()), FH_ERROR_NOT_SUPPORTED, "FH_DEVICE_CAP_HOST_FUNC");
            hal.assert_status((t.fhEventElapsedTime)(&mut ms, e_other.0, e_other.0), FH_ERROR_NOT_SUPPORTED, "FH_DEVICE_CAP_EVENT_TIMING");
            hal.assert_status((t.fhModuleLoadData)(other.0, FH_MODULE_FORMAT_SPIRV, image.as_ptr().cast(), image.len(), &mut module), FH_ERROR_NOT_SUPPORTED, "does not accept module format 1");
            // The same calls on the CPU device reach its plugin and work.
            assert_eq!((t.fhMemAllocHost)(cpu.0, 64, &mut host), FH_SUCCESS, "{}", hal.last_error_message());
            assert!(!host.is_null());
            assert_eq!((t.fhMemFreeHost)(cpu.0, host), FH_SUCCESS);
            assert_eq!((t.fhEventRecord)(e_other.0, s_other.0), FH_SUCCESS, "same device");
            assert_eq!((t.fhStreamWaitEvent)(s_cpu.0, e_cpu.0), FH_SUCCESS);
            // Memory works on both, through their own plugins.
            for dev in [other, cpu] {
                let p = hal.mem_alloc(dev, 1024).unwrap();
                let data = [9u8; 1024];
                let mut back = [0u8; 1024];
                assert_eq!((t.fhMemcpyHtoD)(dev.0, p, data.as_ptr().cast(), 1024), FH_SUCCESS);
                assert_eq!((t.fhMemcpyDtoH)(dev.0, back.as_mut_ptr().cast(), p, 1024), FH_SUCCESS);
                assert_eq!(back, data);
                assert_eq!((t.fhMemFree)(dev.0, p), FH_SUCCESS);
            }
        }
    });
}
