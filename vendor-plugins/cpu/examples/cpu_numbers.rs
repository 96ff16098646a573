//! Measures the CPU plugin through its own table (no loader), for the
//! numbers quoted in reports:
//!
//!   cargo run --release -p flaghal-plugin-cpu --example cpu_numbers
//!
//! - launch latency: median of 2000 round trips (launch of a 1-block kernel
//!   + stream_synchronize);
//! - vector_add over 2^24 floats (best of 5, bytes moved = 3 * 4 * n);
//! - synchronous host-to-device copy of 256 MiB (best of 5).
//!
//! Uses the test kernels build.rs compiles (tests/kernels/test_kernels.c).

use flaghal_sys::*;
use std::time::{Duration, Instant};

unsafe extern "C" fn print_detail(_context: *mut std::ffi::c_void, message: *const std::ffi::c_char) {
    // SAFETY: the plugin passes a NUL-terminated string.
    eprintln!("detail: {}", unsafe { std::ffi::CStr::from_ptr(message) }.to_string_lossy());
}

fn check(status: fh_status_t, what: &str) {
    assert_eq!(status, FH_SUCCESS, "{what} failed with status {status}");
}

#[repr(C)]
struct VectorAddArgs {
    a: u64,
    b: u64,
    c: u64,
    n: u32,
}

fn best_of(runs: usize, mut f: impl FnMut() -> Duration) -> Duration {
    (0..runs).map(|_| f()).min().unwrap()
}

fn main() {
    let mut args = fh_plugin_negotiate_args_t {
        struct_size: std::mem::size_of::<fh_plugin_negotiate_args_t>(),
        loader_abi_major: 1,
        ..Default::default()
    };
    // SAFETY: a valid negotiate struct.
    check(unsafe { flaghal_cpu::fhPluginNegotiate(&mut args) }, "negotiate");
    // SAFETY: the plugin's static table.
    let api = unsafe { &*args.api };
    let host = Box::leak(Box::new(fh_plugin_host_services_t {
        struct_size: std::mem::size_of::<fh_plugin_host_services_t>(),
        next: std::ptr::null_mut(),
        context: std::ptr::null_mut(),
        log: None,
        set_error_detail: Some(print_detail),
    }));
    let init = fh_plugin_init_args_t {
        struct_size: std::mem::size_of::<fh_plugin_init_args_t>(),
        next: std::ptr::null_mut(),
        abi_version: 1 << 22,
        host,
    };
    let kernels = std::fs::read(concat!(env!("FLAGHAL_CPU_TEST_KERNELS"), "/test_kernels.so")).unwrap();
    // SAFETY (whole block): valid arguments and live handles throughout.
    unsafe {
        check(api.init.unwrap()(&init), "init");
        let mut device = std::ptr::null_mut();
        check(api.device_get.unwrap()(0, &mut device), "device_get");
        let mut props = fh_device_properties_t { struct_size: std::mem::size_of::<fh_device_properties_t>(), ..Default::default() };
        check(api.device_get_properties.unwrap()(device, &mut props), "properties");
        println!("device: {} ({} compute units)", ptr::char_array_to_string(&props.name), props.compute_units);
        let mut stream = std::ptr::null_mut();
        check(api.stream_create.unwrap()(device, 0, &mut stream), "stream_create");
        let mut module = std::ptr::null_mut();
        check(api.module_load.unwrap()(device, FH_MODULE_FORMAT_NATIVE_CPU, kernels.as_ptr().cast(), kernels.len(), &mut module), "module_load");
        let (mut tiny, mut vadd) = (std::ptr::null_mut(), std::ptr::null_mut());
        check(api.module_get_function.unwrap()(module, c"limited".as_ptr(), &mut tiny), "get limited");
        check(api.module_get_function.unwrap()(module, c"vector_add".as_ptr(), &mut vadd), "get vector_add");

        let launch = |function, grid: [u32; 3], block: [u32; 3], args: *const std::ffi::c_void, size: usize| {
            let params = fh_plugin_launch_params_t {
                struct_size: std::mem::size_of::<fh_plugin_launch_params_t>(),
                next: std::ptr::null_mut(),
                grid,
                block,
                shared_mem_bytes: 0,
                args,
                args_size: size,
            };
            check(api.launch_kernel.unwrap()(function, &params, stream), "launch");
        };

        // Launch latency.
        let mut samples: Vec<Duration> = (0..2000)
            .map(|_| {
                let start = Instant::now();
                launch(tiny, [1, 1, 1], [1, 1, 1], std::ptr::null(), 0);
                check(api.stream_synchronize.unwrap()(stream), "sync");
                start.elapsed()
            })
            .collect();
        samples.sort();
        println!("launch + stream_synchronize round trip: median {:.1} us", samples[samples.len() / 2].as_secs_f64() * 1e6);

        // vector_add bandwidth.
        let n: u32 = 1 << 24;
        let bytes = n as usize * 4;
        let (mut a, mut b, mut c) = (0, 0, 0);
        for p in [&mut a, &mut b, &mut c] {
            check(api.mem_alloc.unwrap()(device, bytes, p), "alloc");
            check(api.memset.unwrap()(device, *p, 0x3F800000, 4, n as usize), "memset");
        }
        let vargs = VectorAddArgs { a, b, c, n };
        let t = best_of(5, || {
            let start = Instant::now();
            launch(vadd, [n / 256, 1, 1], [256, 1, 1], (&vargs as *const VectorAddArgs).cast(), std::mem::size_of::<VectorAddArgs>());
            check(api.stream_synchronize.unwrap()(stream), "sync");
            start.elapsed()
        });
        println!(
            "vector_add, 2^24 floats, grid {} x 256: {:.2} ms, {:.1} GB/s",
            n / 256,
            t.as_secs_f64() * 1e3,
            3.0 * bytes as f64 / t.as_secs_f64() / 1e9
        );

        // Synchronous host-to-device copy.
        let size = 256usize << 20;
        let mut dev = 0;
        check(api.mem_alloc.unwrap()(device, size, &mut dev), "alloc");
        let mut host_buf: *mut std::ffi::c_void = std::ptr::null_mut();
        check(api.mem_alloc_host.unwrap()(device, size, &mut host_buf), "alloc_host");
        std::ptr::write_bytes(host_buf.cast::<u8>(), 1, size);
        check(api.memcpy_htod.unwrap()(device, dev, host_buf, size), "warm-up copy");
        let t = best_of(5, || {
            let start = Instant::now();
            check(api.memcpy_htod.unwrap()(device, dev, host_buf, size), "memcpy_htod");
            start.elapsed()
        });
        println!("memcpy_htod 256 MiB from pinned memory: {:.1} GB/s", size as f64 / t.as_secs_f64() / 1e9);

        for p in [a, b, c, dev] {
            check(api.mem_free.unwrap()(device, p), "free");
        }
        check(api.mem_free_host.unwrap()(device, host_buf), "free_host");
        check(api.module_unload.unwrap()(module), "unload");
        check(api.stream_destroy.unwrap()(stream), "stream_destroy");
    }
}
