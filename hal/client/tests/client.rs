//! The client against the real libflaghal.so and CPU plugin (both built by
//! cargo as dev-dependencies into target/<profile>/deps/, where
//! `Hal::open` looks beside this test). One test: fhInit reads the
//! environment once per process.

use flaghal_client::*;
use flaghal_sys::*;
use std::ffi::c_void;
use std::sync::atomic::{AtomicBool, Ordering};

fn cpu_plugin() -> std::path::PathBuf {
    let deps = std::env::current_exe().unwrap().parent().unwrap().to_path_buf();
    [deps.join("libflaghal_cpu.so"), deps.parent().unwrap().join("libflaghal_cpu.so")]
        .into_iter()
        .find(|p| p.is_file())
        .expect("libflaghal_cpu.so built")
}

/// A host function that holds its stream until the gate opens.
unsafe extern "C" fn wait_for(gate: *mut c_void) {
    let _ = ffi_boundary(
        || {
            // SAFETY: `gate` is the AtomicBool the test keeps alive until the stream is synchronised.
            let open = unsafe { ptr::in_ref(gate as *const AtomicBool, "gate") }?;
            while !open.load(Ordering::Acquire) {
                std::thread::yield_now();
            }
            Ok(())
        },
        |_| {},
    );
}

#[test]
fn every_call_returns_a_result_naming_the_function_the_status_and_the_detail() {
    std::env::set_var("FLAGHAL_PLUGIN_FILES", cpu_plugin());
    let hal = Hal::open().expect("open libflaghal.so");
    assert!(hal.path().ends_with("libflaghal.so") || hal.path().ends_with("libflaghal.so.1"), "{}", hal.path().display());

    // Before fhInit: a failure carries all four parts.
    let e = hal.device_count().unwrap_err();
    assert_eq!((e.function, e.status, e.name.as_str()), ("fhDeviceGetCount", FH_ERROR_NOT_INITIALIZED, "FH_ERROR_NOT_INITIALIZED"));
    assert_eq!(e.message, "flaghal: fhDeviceGetCount: fhInit has not been called");
    assert_eq!(e.to_string(), "fhDeviceGetCount returned FH_ERROR_NOT_INITIALIZED (flaghal: fhDeviceGetCount: fhInit has not been called)");
    assert_eq!(hal.error_name(FH_ERROR_NOT_READY).unwrap(), "FH_ERROR_NOT_READY");
    assert!(!hal.error_string(FH_ERROR_NOT_READY).unwrap().is_empty());
    assert_eq!(status_of(&hal.error_name(99)), FH_ERROR_INVALID_VALUE);
    assert_eq!(hal.status_name(99), "status 99");
    assert_eq!(hal.version().unwrap() >> 22, 1, "major version 1");
    assert_eq!(status_of(&hal.init(1)), FH_ERROR_INVALID_VALUE);
    hal.init(0).unwrap();

    let plugins = hal.plugins().unwrap();
    assert_eq!(plugins.len(), 1);
    assert!(plugins[0].loaded && plugins[0].name == "cpu" && plugins[0].device_count == 1, "{plugins:?}");
    let devices = hal.devices().unwrap();
    assert_eq!(devices.len(), 1);
    let dev = devices[0];
    assert_eq!(hal.device_of_plugin("cpu").unwrap(), Some(dev));
    assert_eq!(hal.device_of_plugin("acme").unwrap(), None);
    let props = hal.properties(dev).unwrap();
    assert_eq!((props.plugin_name(), props.0.type_), ("cpu".to_string(), FH_DEVICE_TYPE_CPU));
    let (free, total) = hal.mem_get_info(dev).unwrap();
    assert!(free <= total && total > 0);

    // Memory: the bytes written are the bytes read, through every copy and memset.
    let e = hal.mem_alloc(dev, 0).unwrap_err();
    assert_eq!((e.function, e.status, e.message.as_str()), ("fhMemAlloc", FH_ERROR_INVALID_VALUE, "flaghal: fhMemAlloc: size is 0"));
    let (a, b) = (hal.mem_alloc(dev, 64).unwrap(), hal.mem_alloc(dev, 64).unwrap());
    let words: Vec<u32> = (0..16).map(|i| i * 3 + 1).collect();
    hal.htod(dev, a, &to_bytes(&words)).unwrap();
    hal.dtod(dev, b, a, 64).unwrap();
    assert_eq!(from_bytes::<u32>(&hal.read(dev, b, 64).unwrap()), words);
    hal.memset(dev, b, 0xAB, 1, 4).unwrap();
    hal.memset(dev, b + 4, 0xBEEF, 2, 2).unwrap();
    hal.memset(dev, b + 8, 0xDEAD_BEEF, 4, 1).unwrap();
    let mut head = [0u8; 12];
    hal.dtoh(dev, &mut head, b).unwrap();
    assert_eq!(from_bytes::<u32>(&head), [0xABAB_ABAB, 0xBEEF_BEEF, 0xDEAD_BEEF]);

    // Streams: a query is Ok when idle and NOT_READY, with no message, while
    // a host function holds the stream.
    let s = hal.stream_create(dev).unwrap();
    hal.stream_query(s).unwrap();
    let gate = AtomicBool::new(false);
    let event = hal.event_create(dev, FH_EVENT_DEFAULT).unwrap();
    // SAFETY: `gate` outlives the stream's use of it (synchronised below).
    unsafe { hal.launch_host_func(s, wait_for, &gate as *const AtomicBool as *mut c_void) }.unwrap();
    hal.memset_async(a, 7, 4, 16, s).unwrap();
    hal.event_record(event, s).unwrap();
    let pending = hal.stream_query(s).unwrap_err();
    assert_eq!((pending.function, pending.status, pending.message.as_str()), ("fhStreamQuery", FH_ERROR_NOT_READY, ""));
    assert_eq!(status_of(&hal.event_query(event)), FH_ERROR_NOT_READY);
    gate.store(true, Ordering::Release);
    hal.event_synchronize(event).unwrap();
    hal.event_query(event).unwrap();
    assert_eq!(from_bytes::<u32>(&hal.read(dev, a, 64).unwrap()), [7; 16]);
    let (src, mut back) = (to_bytes(&words), vec![0u8; 64]);
    // SAFETY: `src` and `back` live, untouched, until the stream is synchronised.
    unsafe {
        hal.htod_async(b, &src, s).unwrap();
        hal.dtoh_async(&mut back, b, s).unwrap();
    }
    hal.stream_synchronize(s).unwrap();
    assert_eq!(from_bytes::<u32>(&back), words);

    // The raw escape hatch reaches the C entry points; check names them.
    // SAFETY: a NULL stream is what the call must reject.
    let status = unsafe { hal.raw().fhStreamQuery(std::ptr::null_mut()) };
    let e = hal.check("fhStreamQuery", status).unwrap_err();
    assert_eq!((e.status, e.message.as_str()), (FH_ERROR_INVALID_HANDLE, "flaghal: fhStreamQuery: stream is NULL"));
    assert_eq!(status_of(&hal.stream_synchronize(Stream::null())), FH_ERROR_INVALID_HANDLE);
    let e = hal.launch(Function::null(), [1; 3], [1; 3], 0, s, &Args::new().u64(a).finish()).unwrap_err();
    assert_eq!((e.function, e.status), ("fhLaunchKernel", FH_ERROR_INVALID_HANDLE));
    let e = hal.get_function(Module::null(), "a\0b").unwrap_err();
    assert_eq!((e.function, e.status), ("fhModuleGetFunction", FH_ERROR_INVALID_VALUE), "refused before any call");
    assert!(e.message.contains("NUL byte"), "{e}");
    assert_eq!(status_of(&hal.module_load(dev, FH_MODULE_FORMAT_NATIVE_CPU, b"not a library")), FH_ERROR_INVALID_IMAGE);

    hal.event_destroy(event).unwrap();
    hal.stream_destroy(s).unwrap();
    assert_eq!(status_of(&hal.stream_query(s)), FH_ERROR_INVALID_HANDLE, "destroyed");
    hal.mem_free(dev, a).unwrap();
    hal.mem_free(dev, b).unwrap();
    hal.device_synchronize(dev).unwrap();
}
