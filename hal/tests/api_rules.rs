//! The checks the loader makes before any plugin sees a call, and the error
//! message rules of flaghal.h, against the real CPU plugin. One child
//! process per scenario.

mod support;

use flaghal_sys::*;
use std::ffi::{c_char, c_void};
use std::sync::atomic::{AtomicBool, Ordering};
use support::*;

fn cpu_env() -> String {
    cpu_plugin().to_string_lossy().into_owned()
}

#[test]
fn before_fh_init_only_the_four_free_functions_work() {
    let cpu = cpu_env();
    scenario("before_fh_init_only_the_four_free_functions_work", &[("FLAGHAL_PLUGIN_FILES", &cpu)], false, |hal| {
        let t = hal.raw();
        let mut n = 7u32;
        // SAFETY: for the whole test, every pointer passed is a valid local.
        unsafe {
            hal.assert_status((t.fhDeviceGetCount)(&mut n), FH_ERROR_NOT_INITIALIZED, "flaghal: fhDeviceGetCount: fhInit has not been called");
            assert_eq!(n, 7, "outputs untouched on failure");
            hal.assert_status((t.fhPluginGetCount)(&mut n), FH_ERROR_NOT_INITIALIZED, "fhPluginGetCount");
            hal.assert_status((t.fhStreamQuery)(std::ptr::null_mut()), FH_ERROR_NOT_INITIALIZED, "fhStreamQuery");
            hal.assert_status((t.fhMemFree)(std::ptr::null_mut(), 0), FH_ERROR_NOT_INITIALIZED, "fhMemFree");
            let mut version = 0;
            assert_eq!((t.fhGetVersion)(&mut version), FH_SUCCESS);
            assert_eq!(version, (1 << 22) | (2 << 12), "FH_MAKE_VERSION(1, 2, 0)");
            let mut name: *const c_char = std::ptr::null();
            assert_eq!((t.fhGetErrorName)(FH_ERROR_INVALID_HANDLE, &mut name), FH_SUCCESS);
            assert_eq!(loader_string(name), "FH_ERROR_INVALID_HANDLE");
            assert_eq!((t.fhGetErrorString)(FH_ERROR_NOT_READY, &mut name), FH_SUCCESS);
            assert_eq!(loader_string(name), "Work is still pending.");
            let before = name;
            hal.assert_status((t.fhGetErrorName)(16, &mut name), FH_ERROR_INVALID_VALUE, "unknown status 16");
            assert_eq!(name, before, "unchanged on failure");
            hal.assert_status((t.fhGetErrorName)(0, std::ptr::null_mut()), FH_ERROR_INVALID_VALUE, "name is NULL");
            hal.assert_status((t.fhInit)(1), FH_ERROR_INVALID_VALUE, "flaghal: fhInit: flags must be 0");
            assert_eq!((t.fhDeviceGetCount)(&mut n), FH_ERROR_NOT_INITIALIZED, "a refused fhInit initialises nothing");
            assert_eq!((t.fhInit)(0), FH_SUCCESS);
            assert_eq!((t.fhInit)(0), FH_SUCCESS, "idempotent");
            assert_eq!((t.fhDeviceGetCount)(&mut n), FH_SUCCESS);
            assert_eq!(n, 1);
        }
    });
}

#[test]
fn concurrent_first_fh_init_calls_all_see_one_load() {
    let cpu = cpu_env();
    scenario("concurrent_first_fh_init_calls_all_see_one_load", &[("FLAGHAL_PLUGIN_FILES", &cpu)], false, |hal| {
        let results: Vec<(fh_status_t, u32, usize)> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    s.spawn(|| {
                        let status = status_of(&hal.init(0));
                        (status, hal.device_count().unwrap(), hal.device(0).unwrap().0 as usize)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(results.iter().all(|r| *r == results[0]), "{results:?}");
        assert_eq!(results[0].0, FH_SUCCESS);
        assert_eq!(hal.plugins().unwrap().len(), 1, "the plugin was loaded once");
    });
}

#[test]
fn handles_are_checked_for_null_kind_and_staleness() {
    let cpu = cpu_env();
    scenario("handles_are_checked_for_null_kind_and_staleness", &[("FLAGHAL_PLUGIN_FILES", &cpu)], true, |hal| {
        let t = hal.raw();
        let dev = hal.device(0).unwrap();
        let stream = hal.stream_create(dev).unwrap();
        let event = hal.event_create(dev, 0).unwrap();
        // SAFETY: for the whole test, handles are loader handles or deliberately wrong
        // ones the loader must reject; outputs are valid locals.
        unsafe {
            hal.assert_status((t.fhStreamQuery)(std::ptr::null_mut()), FH_ERROR_INVALID_HANDLE, "flaghal: fhStreamQuery: stream is NULL");
            hal.assert_status((t.fhDeviceSynchronize)(std::ptr::null_mut()), FH_ERROR_INVALID_HANDLE, "device is NULL");
            hal.assert_status((t.fhStreamQuery)(event.0.cast()), FH_ERROR_INVALID_HANDLE, "not a live stream");
            hal.assert_status((t.fhEventQuery)(stream.0.cast()), FH_ERROR_INVALID_HANDLE, "not a live event");
            hal.assert_status((t.fhStreamQuery)(dev.0.cast()), FH_ERROR_INVALID_HANDLE, "not a live stream");
            hal.assert_status((t.fhDeviceSynchronize)(stream.0.cast()), FH_ERROR_INVALID_HANDLE, "not a live device");
            assert_eq!((t.fhStreamSynchronize)(stream.0), FH_SUCCESS);
            assert_eq!((t.fhStreamDestroy)(stream.0), FH_SUCCESS);
            hal.assert_status((t.fhStreamQuery)(stream.0), FH_ERROR_INVALID_HANDLE, "destroyed");
            hal.assert_status((t.fhStreamDestroy)(stream.0), FH_ERROR_INVALID_HANDLE, "fhStreamDestroy");
            assert_eq!((t.fhStreamDestroy)(std::ptr::null_mut()), FH_SUCCESS, "destroying NULL is a no-op");
            assert_eq!((t.fhEventDestroy)(std::ptr::null_mut()), FH_SUCCESS);
            assert_eq!((t.fhModuleUnload)(std::ptr::null_mut()), FH_SUCCESS);
            assert_eq!((t.fhEventDestroy)(event.0), FH_SUCCESS);
            // Without the validation layer the slot is reused, under a new
            // handle value: the stale one never reaches the new stream.
            let again = hal.stream_create(dev).unwrap();
            assert_ne!(again, stream, "a reused slot never gives back the same value");
            assert_eq!((t.fhStreamQuery)(again.0), FH_SUCCESS);
            hal.assert_status((t.fhStreamQuery)(stream.0), FH_ERROR_INVALID_HANDLE, "destroyed; its slot now holds a newer handle");
            hal.assert_status((t.fhStreamDestroy)(stream.0), FH_ERROR_INVALID_HANDLE, "not a live stream");
            assert_eq!((t.fhStreamQuery)(again.0), FH_SUCCESS, "the stale destroy left the new stream alone");
            assert_eq!((t.fhStreamDestroy)(again.0), FH_SUCCESS);
            // Values the loader never returned are refused without being read.
            for bogus in [0x10usize, 0x1000, usize::MAX, 0xdead_beef_0000, stream.0 as usize ^ (1 << 40)] {
                hal.assert_status((t.fhStreamQuery)(bogus as fh_stream_t), FH_ERROR_INVALID_HANDLE, "not a live stream");
                hal.assert_status((t.fhEventQuery)(bogus as fh_event_t), FH_ERROR_INVALID_HANDLE, "not a live event");
                hal.assert_status((t.fhDeviceSynchronize)(bogus as fh_device_t), FH_ERROR_INVALID_HANDLE, "not a live device");
                hal.assert_status((t.fhModuleUnload)(bogus as fh_module_t), FH_ERROR_INVALID_HANDLE, "not a live module");
                let mut value = 0;
                hal.assert_status(
                    (t.fhFunctionGetAttribute)(&mut value, FH_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK, bogus as fh_function_t),
                    FH_ERROR_INVALID_HANDLE,
                    "not a live function",
                );
            }
            hal.assert_status((t.fhStreamQuery)(0x10 as fh_stream_t), FH_ERROR_INVALID_HANDLE, "0x10 is not a live stream (never returned by the loader)");
        }
    });
}

#[test]
fn messages_name_the_loader_or_the_plugin_and_successes_leave_them() {
    let cpu = cpu_env();
    scenario("messages_name_the_loader_or_the_plugin_and_successes_leave_them", &[("FLAGHAL_PLUGIN_FILES", &cpu)], true, |hal| {
        let t = hal.raw();
        let dev = hal.device(0).unwrap();
        let mut p = 0u64;
        // SAFETY: for the whole test, valid handles and locals.
        unsafe {
            hal.assert_status((t.fhMemAlloc)(dev.0, 0, &mut p), FH_ERROR_INVALID_VALUE, "flaghal: fhMemAlloc: size is 0");
            hal.assert_status((t.fhMemAlloc)(dev.0, 16, std::ptr::null_mut()), FH_ERROR_INVALID_VALUE, "flaghal: fhMemAlloc: ptr is NULL");
            let status = (t.fhMemAlloc)(dev.0, 1usize << 62, &mut p);
            assert_eq!(status, FH_ERROR_OUT_OF_MEMORY, "{}", hal.last_error_message());
            assert!(hal.last_error_message().starts_with("cpu: fhMemAlloc: "), "a plugin failure names the plugin: {}", hal.last_error_message());
            assert_eq!(p, 0, "output untouched");
            let before = hal.last_error_message();
            let p = hal.mem_alloc(dev, 64).unwrap();
            assert_eq!((t.fhMemFree)(dev.0, p), FH_SUCCESS);
            assert_eq!((t.fhMemFree)(dev.0, 0), FH_SUCCESS, "freeing 0 is a no-op");
            assert_eq!(hal.last_error_message(), before, "successes leave the message");
            std::thread::spawn(move || {
                let hal = open();
                assert_eq!(hal.last_error_message(), "", "the message is per thread");
            })
            .join()
            .unwrap();
        }
    });
}

#[test]
fn last_error_message_truncates_and_reports_the_full_length() {
    let cpu = cpu_env();
    scenario("last_error_message_truncates_and_reports_the_full_length", &[("FLAGHAL_PLUGIN_FILES", &cpu)], true, |hal| {
        let t = hal.raw();
        // SAFETY: for the whole test, buffers and lengths are valid locals.
        unsafe {
            (t.fhStreamQuery)(std::ptr::null_mut());
            let full = "flaghal: fhStreamQuery: stream is NULL";
            let mut buf = [0x55 as c_char; 10];
            let mut length = 0usize;
            assert_eq!((t.fhGetLastErrorMessage)(buf.as_mut_ptr(), 8, &mut length), FH_SUCCESS);
            assert_eq!(length, full.len());
            assert_eq!(flaghal_sys::ptr::char_array_to_string(&buf), &full[..7]);
            assert_eq!(buf[7], 0);
            assert_eq!(buf[8], 0x55, "nothing written past buffer_size");
            assert_eq!((t.fhGetLastErrorMessage)(std::ptr::null_mut(), 0, &mut length), FH_SUCCESS);
            assert_eq!(length, full.len(), "reading does not clear");
            assert_eq!((t.fhGetLastErrorMessage)(std::ptr::null_mut(), 5, &mut length), FH_ERROR_INVALID_VALUE);
        }
    });
}

static RELEASE: AtomicBool = AtomicBool::new(false);

extern "C" fn wait_for_release(_: *mut c_void) {
    while !RELEASE.load(Ordering::Acquire) {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

#[test]
fn not_ready_leaves_the_message_alone() {
    let cpu = cpu_env();
    scenario("not_ready_leaves_the_message_alone", &[("FLAGHAL_PLUGIN_FILES", &cpu)], true, |hal| {
        let t = hal.raw();
        let dev = hal.device(0).unwrap();
        assert!(hal.properties(dev).unwrap().0.capabilities & FH_DEVICE_CAP_HOST_FUNC != 0, "the CPU device runs host functions");
        let stream = hal.stream_create(dev).unwrap();
        let event = hal.event_create(dev, 0).unwrap();
        // SAFETY: for the whole test, valid handles; the host function only reads a static.
        unsafe {
            (t.fhMemAlloc)(dev.0, 0, std::ptr::null_mut());
            let before = hal.last_error_message();
            assert_eq!((t.fhLaunchHostFunc)(stream.0, Some(wait_for_release), std::ptr::null_mut()), FH_SUCCESS);
            assert_eq!((t.fhEventRecord)(event.0, stream.0), FH_SUCCESS);
            assert_eq!((t.fhStreamQuery)(stream.0), FH_ERROR_NOT_READY);
            assert_eq!((t.fhEventQuery)(event.0), FH_ERROR_NOT_READY);
            assert_eq!(hal.last_error_message(), before, "FH_ERROR_NOT_READY is not a failure");
            hal.assert_status((t.fhLaunchHostFunc)(stream.0, None, std::ptr::null_mut()), FH_ERROR_INVALID_VALUE, "fn is NULL");
            RELEASE.store(true, Ordering::Release);
            assert_eq!((t.fhStreamSynchronize)(stream.0), FH_SUCCESS);
            assert_eq!((t.fhEventQuery)(event.0), FH_SUCCESS);
            assert_eq!((t.fhEventDestroy)(event.0), FH_SUCCESS);
            assert_eq!((t.fhStreamDestroy)(stream.0), FH_SUCCESS);
        }
    });
}

#[test]
fn a_non_null_extension_chain_is_refused_and_nothing_is_written() {
    let cpu = cpu_env();
    scenario("a_non_null_extension_chain_is_refused_and_nothing_is_written", &[("FLAGHAL_PLUGIN_FILES", &cpu)], true, |hal| {
        let t = hal.raw();
        let dev = hal.device(0).unwrap();
        let mut chained = 0u64;
        let mut props = fh_device_properties_t { struct_size: std::mem::size_of::<fh_device_properties_t>(), ..Default::default() };
        props.next = (&mut chained as *mut u64).cast();
        let mut info = fh_plugin_info_t { struct_size: std::mem::size_of::<fh_plugin_info_t>(), ..Default::default() };
        info.next = (&mut chained as *mut u64).cast();
        let mut attributes = fh_pointer_attributes_t { struct_size: std::mem::size_of::<fh_pointer_attributes_t>(), ..Default::default() };
        attributes.next = (&mut chained as *mut u64).cast();
        attributes.device_ordinal = 77;
        let p = hal.mem_alloc(dev, 64).unwrap();
        // SAFETY: valid structs with their sizes set; `next` points at a local.
        unsafe {
            hal.assert_status((t.fhDeviceGetProperties)(dev.0, &mut props), FH_ERROR_INVALID_VALUE, "properties->next is 0x");
            hal.assert_status((t.fhPluginGetInfo)(0, &mut info), FH_ERROR_INVALID_VALUE, "info->next is 0x");
            hal.assert_status((hal.raw_v1_2("fhPointerGetAttributes").unwrap().fhPointerGetAttributes)(&mut attributes, dev.0, p), FH_ERROR_INVALID_VALUE, "attributes->next is 0x");
            assert_eq!((t.fhMemFree)(dev.0, p), FH_SUCCESS);
        }
        assert_eq!((attributes.device_ordinal, attributes.base), (77, 0), "nothing written");
        assert_eq!(props.name[0], 0, "nothing written");
        assert_eq!(props.total_memory, 0);
        assert!(info.name.is_null(), "nothing written");
        assert_eq!(chained, 0, "the chain is not touched");
    });
}

#[test]
fn sized_structs_are_written_only_inside_the_callers_size() {
    let cpu = cpu_env();
    scenario("sized_structs_are_written_only_inside_the_callers_size", &[("FLAGHAL_PLUGIN_FILES", &cpu)], true, |hal| {
        let t = hal.raw();
        let dev = hal.device(0).unwrap();
        let full = hal.properties(dev).unwrap().0;
        assert_eq!(flaghal_sys::ptr::char_array_to_string(&full.plugin_name), "cpu", "the loader fills plugin_name");
        assert_eq!(full.plugin_device_index, 0);
        assert_eq!(full.type_, FH_DEVICE_TYPE_CPU);
        // An "old" caller that knows the struct only up to `vendor`.
        let old_size = std::mem::offset_of!(fh_device_properties_t, plugin_name);
        let mut bytes = vec![0xABu8; std::mem::size_of::<fh_device_properties_t>()];
        bytes[..8].copy_from_slice(&old_size.to_ne_bytes());
        bytes[8..16].fill(0); // next = NULL
        let p = bytes.as_mut_ptr().cast::<fh_device_properties_t>();
        // SAFETY: the buffer is large enough; the loader writes inside old_size.
        unsafe {
            assert_eq!((t.fhDeviceGetProperties)(dev.0, p), FH_SUCCESS, "{}", hal.last_error_message());
        }
        assert!(bytes[old_size..].iter().all(|b| *b == 0xAB), "nothing written past struct_size");
        let name_at = std::mem::offset_of!(fh_device_properties_t, name);
        assert_eq!(&bytes[name_at..name_at + 3], &full.name[..3].iter().map(|c| *c as u8).collect::<Vec<_>>()[..]);
        bytes[..8].copy_from_slice(&15usize.to_ne_bytes());
        // SAFETY: as above.
        unsafe {
            hal.assert_status((t.fhDeviceGetProperties)(dev.0, p), FH_ERROR_INVALID_VALUE, "struct_size is 15");
        }
        // fhPluginGetInfo for a caller that knows only up to `name`.
        let mut info = [0xCDu8; std::mem::size_of::<fh_plugin_info_t>()];
        let small = std::mem::offset_of!(fh_plugin_info_t, vendor);
        info[..8].copy_from_slice(&small.to_ne_bytes());
        info[8..16].fill(0); // next = NULL
        // SAFETY: as above.
        unsafe {
            assert_eq!((t.fhPluginGetInfo)(0, info.as_mut_ptr().cast()), FH_SUCCESS);
            let name = usize::from_ne_bytes(info[16..24].try_into().unwrap()) as *const c_char;
            assert_eq!(loader_string(name), "cpu");
            assert!(info[small..].iter().all(|b| *b == 0xCD));
            hal.assert_status((t.fhPluginGetInfo)(1, info.as_mut_ptr().cast()), FH_ERROR_INVALID_VALUE, "index 1 is out of range");
        }
        let infos = hal.plugins().unwrap();
        assert!(infos[0].loaded, "{:?}", infos[0]);
        assert_eq!(infos[0].skip_detail, "");
        assert_eq!(infos[0].manifest_path, "");
        assert_eq!(infos[0].device_count, 1);
    });
}

#[test]
fn data_checks_flags_sizes_and_formats() {
    let cpu = cpu_env();
    scenario("data_checks_flags_sizes_and_formats", &[("FLAGHAL_PLUGIN_FILES", &cpu)], true, |hal| {
        let t = hal.raw();
        let dev = hal.device(0).unwrap();
        let mut s = std::ptr::null_mut();
        let mut e = std::ptr::null_mut();
        let mut m = std::ptr::null_mut();
        let mut ms = 0f32;
        let data = [1u8; 16];
        // SAFETY: for the whole test, valid handles and locals.
        unsafe {
            hal.assert_status((t.fhStreamCreate)(dev.0, 1, &mut s), FH_ERROR_INVALID_VALUE, "unknown flags 0x1");
            hal.assert_status((t.fhEventCreate)(dev.0, 2, &mut e), FH_ERROR_INVALID_VALUE, "unknown flags 0x2");
            hal.assert_status((t.fhMemcpyHtoD)(dev.0, 0xdead, std::ptr::null(), 0), FH_ERROR_INVALID_VALUE, "src is NULL");
            assert_eq!((t.fhMemcpyHtoD)(dev.0, 0xdead, data.as_ptr().cast(), 0), FH_SUCCESS, "zero-size copies do nothing");
            assert_eq!((t.fhMemsetD32)(dev.0, 0xdead, 0, 0), FH_SUCCESS);
            hal.assert_status((t.fhModuleLoadData)(dev.0, FH_MODULE_FORMAT_SPIRV, data.as_ptr().cast(), 16, &mut m), FH_ERROR_NOT_SUPPORTED, "module format 1");
            hal.assert_status((t.fhModuleLoadData)(dev.0, FH_MODULE_FORMAT_INVALID, data.as_ptr().cast(), 16, &mut m), FH_ERROR_INVALID_VALUE, "FH_MODULE_FORMAT_INVALID");
            hal.assert_status((t.fhModuleLoadData)(dev.0, FH_MODULE_FORMAT_NATIVE_CPU, data.as_ptr().cast(), 0, &mut m), FH_ERROR_INVALID_VALUE, "size is 0");
            let status = (t.fhModuleLoadData)(dev.0, FH_MODULE_FORMAT_NATIVE_CPU, data.as_ptr().cast(), 16, &mut m);
            assert_eq!(status, FH_ERROR_INVALID_IMAGE, "the plugin judges the bytes: {}", hal.last_error_message());
            assert!(hal.last_error_message().starts_with("cpu: fhModuleLoadData: "), "{}", hal.last_error_message());
            let quiet = hal.event_create(dev, FH_EVENT_DISABLE_TIMING).unwrap();
            let timed = hal.event_create(dev, 0).unwrap();
            hal.assert_status((t.fhEventElapsedTime)(&mut ms, quiet.0, timed.0), FH_ERROR_INVALID_VALUE, "start was created with FH_EVENT_DISABLE_TIMING");
            hal.assert_status((t.fhEventElapsedTime)(std::ptr::null_mut(), timed.0, timed.0), FH_ERROR_INVALID_VALUE, "ms is NULL");
            let mut free = 0usize;
            assert_eq!((t.fhMemGetInfo)(dev.0, &mut free, std::ptr::null_mut()), FH_SUCCESS);
            assert!(free > 0);
            hal.assert_status((t.fhMemGetInfo)(dev.0, std::ptr::null_mut(), std::ptr::null_mut()), FH_ERROR_INVALID_VALUE, "both NULL");
            let mut d = std::ptr::null_mut();
            hal.assert_status((t.fhDeviceGet)(1, &mut d), FH_ERROR_INVALID_DEVICE, "ordinal 1 is out of range (1 devices)");
        }
    });
}


#[repr(C)]
struct FillArgs {
    out: u64,
    value: u32,
}

#[test]
fn launches_are_checked_against_the_cached_device_limits() {
    let cpu = cpu_env();
    let image = cpu_module("fill", FILL_KERNEL);
    scenario("launches_are_checked_against_the_cached_device_limits", &[("FLAGHAL_PLUGIN_FILES", &cpu)], true, |hal| {
        let t = hal.raw();
        let dev = hal.device(0).unwrap();
        let props = hal.properties(dev).unwrap().0;
        let stream = hal.stream_create(dev).unwrap();
        let out = hal.mem_alloc(dev, 4 * 64).unwrap();
        let args = FillArgs { out, value: 0x1234_5678 };
        let a = (&args as *const FillArgs).cast::<c_void>();
        let n = std::mem::size_of::<FillArgs>();
        let mut module = std::ptr::null_mut();
        let mut f = std::ptr::null_mut();
        // SAFETY: for the whole test, valid handles, image bytes and argument blob.
        unsafe {
            assert_eq!((t.fhModuleLoadData)(dev.0, FH_MODULE_FORMAT_NATIVE_CPU, image.as_ptr().cast(), image.len(), &mut module), FH_SUCCESS, "{}", hal.last_error_message());
            hal.assert_status((t.fhModuleGetFunction)(module, c"nope".as_ptr(), &mut f), FH_ERROR_NOT_FOUND, "cpu: fhModuleGetFunction");
            assert_eq!((t.fhModuleGetFunction)(module, c"fill".as_ptr(), &mut f), FH_SUCCESS, "{}", hal.last_error_message());
            let mut again = std::ptr::null_mut();
            assert_eq!((t.fhModuleGetFunction)(module, c"fill".as_ptr(), &mut again), FH_SUCCESS);
            assert_eq!(again, f, "one name, one handle");
            let mut v = 0;
            hal.assert_status((t.fhFunctionGetAttribute)(&mut v, 9, f), FH_ERROR_INVALID_VALUE, "unknown attribute 9");
            let launch = |g: [u32; 3], b: [u32; 3], shared: u32, args: *const c_void, size: usize| {
                (t.fhLaunchKernel)(f, g[0], g[1], g[2], b[0], b[1], b[2], shared, stream.0, args, size)
            };
            hal.assert_status(launch([0, 1, 1], [64, 1, 1], 0, a, n), FH_ERROR_INVALID_CONFIGURATION, "zero dimension");
            hal.assert_status(launch([1, 1, 1], [props.max_threads_per_block + 1, 1, 1], 0, a, n), FH_ERROR_INVALID_CONFIGURATION, "exceeds");
            hal.assert_status(launch([1, 1, 1], [1, 1, props.max_block_dim[2] + 1], 0, a, n), FH_ERROR_INVALID_CONFIGURATION, "max_block_dim");
            hal.assert_status(launch([1, 1, 1], [64, 1, 1], props.max_shared_memory_per_block + 1, a, n), FH_ERROR_INVALID_CONFIGURATION, "shared memory");
            let big = vec![0u8; props.max_kernel_args_size as usize + 1];
            hal.assert_status(launch([1, 1, 1], [64, 1, 1], 0, big.as_ptr().cast(), big.len()), FH_ERROR_INVALID_CONFIGURATION, "max_kernel_args_size");
            hal.assert_status(launch([1, 1, 1], [64, 1, 1], 0, std::ptr::null(), n), FH_ERROR_INVALID_VALUE, "args is NULL");
            hal.assert_status((t.fhLaunchKernel)(f, 1, 1, 1, 64, 1, 1, 0, f.cast(), a, n), FH_ERROR_INVALID_HANDLE, "not a live stream");
            assert_eq!(launch([1, 1, 1], [64, 1, 1], 0, a, n), FH_SUCCESS, "{}", hal.last_error_message());
            assert_eq!((t.fhStreamSynchronize)(stream.0), FH_SUCCESS);
            let mut host = [0u32; 64];
            assert_eq!((t.fhMemcpyDtoH)(dev.0, host.as_mut_ptr().cast(), out, 256), FH_SUCCESS);
            assert!(host.iter().all(|x| *x == 0x1234_5678), "the valid launch ran");
            assert_eq!((t.fhModuleUnload)(module), FH_SUCCESS);
            hal.assert_status(launch([1, 1, 1], [64, 1, 1], 0, a, n), FH_ERROR_INVALID_HANDLE, "not a live function");
            assert_eq!((t.fhStreamDestroy)(stream.0), FH_SUCCESS);
            assert_eq!((t.fhMemFree)(dev.0, out), FH_SUCCESS);
        }
    });
}
