//! What the loader costs per call: fhStreamQuery on an idle stream through
//! libflaghal.so, against the CPU plugin's stream_query called directly
//! (the plugin negotiated and initialised by this program, from a copy of the
//! library so the two are independent instances).
//!
//!     cargo run --release -p flaghal --example call_overhead
//!     FLAGHAL_VALIDATION=1 cargo run --release -p flaghal --example call_overhead
//!
//! Prints the best of 5 rounds of 2,000,000 calls each, in ns per call.

use flaghal_sys::*;
use std::ffi::{c_char, c_void};
use std::time::Instant;

const CALLS: u32 = 2_000_000;

fn best_ns(mut f: impl FnMut()) -> f64 {
    (0..5)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..CALLS {
                f();
            }
            start.elapsed().as_nanos() as f64 / f64::from(CALLS)
        })
        .fold(f64::INFINITY, f64::min)
}

unsafe extern "C" fn log(_: *mut c_void, _: fh_log_level_t, _: *const c_char) {}
unsafe extern "C" fn detail(_: *mut c_void, _: *const c_char) {}

fn main() {
    let profile = std::env::current_exe().unwrap().parent().unwrap().parent().unwrap().to_path_buf();
    let cpu = profile.join("deps/libflaghal_cpu.so");
    let copy = std::env::temp_dir().join(format!("flaghal-overhead-{}.so", std::process::id()));
    std::fs::copy(&cpu, &copy).expect("the CPU plugin is built as a dev-dependency");

    // Direct: negotiate and init the plugin ourselves.
    // SAFETY: the CPU plugin's entry, called as the plugin ABI prescribes; the
    // library stays loaded (forgotten) for the rest of the process.
    let direct = unsafe {
        let lib = libloading::Library::new(&copy).unwrap();
        let entry = *lib.get::<unsafe extern "C" fn(*mut fh_plugin_negotiate_args_t) -> fh_status_t>(b"fhPluginNegotiate\0").unwrap();
        std::mem::forget(lib);
        let mut args = fh_plugin_negotiate_args_t { struct_size: std::mem::size_of::<fh_plugin_negotiate_args_t>(), loader_abi_major: 1, ..Default::default() };
        assert_eq!(entry(&mut args), FH_SUCCESS);
        let api = &*args.api;
        let host = Box::leak(Box::new(fh_plugin_host_services_t {
            struct_size: std::mem::size_of::<fh_plugin_host_services_t>(),
            next: std::ptr::null_mut(),
            context: std::ptr::null_mut(),
            log: Some(log),
            set_error_detail: Some(detail),
        }));
        let init = fh_plugin_init_args_t { struct_size: std::mem::size_of::<fh_plugin_init_args_t>(), next: std::ptr::null_mut(), abi_version: 1 << 22, host };
        assert_eq!(api.init.unwrap()(&init), FH_SUCCESS);
        let mut device = std::ptr::null_mut();
        assert_eq!(api.device_get.unwrap()(0, &mut device), FH_SUCCESS);
        let mut stream = std::ptr::null_mut();
        assert_eq!(api.stream_create.unwrap()(device, 0, &mut stream), FH_SUCCESS);
        let query = api.stream_query.unwrap();
        best_ns(|| assert_eq!(query(stream), FH_SUCCESS))
    };

    // Through the loader.
    std::env::set_var("FLAGHAL_PLUGIN_FILES", &cpu);
    let (hal, path) = flaghal_sys::library::open(Some(&profile.join("libflaghal.so"))).unwrap();
    // SAFETY: the API used as flaghal.h documents, with valid outputs.
    let through = unsafe {
        assert_eq!((hal.fhInit)(0), FH_SUCCESS);
        let mut device = std::ptr::null_mut();
        assert_eq!((hal.fhDeviceGet)(0, &mut device), FH_SUCCESS);
        let mut stream = std::ptr::null_mut();
        assert_eq!((hal.fhStreamCreate)(device, 0, &mut stream), FH_SUCCESS);
        let query = hal.fhStreamQuery;
        best_ns(|| assert_eq!(query(stream), FH_SUCCESS))
    };
    let _ = std::fs::remove_file(&copy);
    let validation = std::env::var("FLAGHAL_VALIDATION").unwrap_or_default();
    println!("loader: {}", path.display());
    println!("FLAGHAL_VALIDATION={validation:?}");
    println!("stream_query direct:           {direct:.1} ns/call");
    println!("fhStreamQuery through loader:  {through:.1} ns/call");
    println!("loader overhead:               {:.1} ns/call", through - direct);
    std::mem::forget(hal);
}
