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
//! Uses the test kernels build.rs compiles (tests/kernels/test_kernels.c)
//! and the shared plugin test host for negotiation, init and the table.

use flaghal_plugin_host::{take_detail, Plugin};
use flaghal_sys::*;
use std::time::{Duration, Instant};

fn check(status: fh_status_t, what: &str) {
    assert_eq!(status, FH_SUCCESS, "{what} failed with status {status}: {}", take_detail());
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
    let device = Plugin::start(flaghal_cpu::fhPluginNegotiate).device(0);
    let kernels = std::fs::read(concat!(env!("FLAGHAL_CPU_TEST_KERNELS"), "/test_kernels.so")).unwrap();
    let props = device.properties();
    println!("device: {} ({} compute units)", ptr::char_array_to_string(&props.name), props.compute_units);
    let stream = device.stream();
    let (status, module) = device.load_module(FH_MODULE_FORMAT_NATIVE_CPU, &kernels);
    check(status, "module_load");
    let (tiny, vadd) = (device.function(module, c"limited"), device.function(module, c"vector_add"));

    // Launch latency.
    let mut samples: Vec<Duration> = (0..2000)
        .map(|_| {
            let start = Instant::now();
            check(device.launch_bytes(tiny, [1, 1, 1], [1, 1, 1], 0, stream, &[]), "launch");
            check(device.sync(stream), "sync");
            start.elapsed()
        })
        .collect();
    samples.sort();
    println!("launch + stream_synchronize round trip: median {:.1} us", samples[samples.len() / 2].as_secs_f64() * 1e6);

    // vector_add bandwidth.
    let n: u32 = 1 << 24;
    let bytes = n as usize * 4;
    let [a, b, c] = [(); 3].map(|_| device.alloc(bytes));
    for p in [a, b, c] {
        check(device.memset(p, 0x3F800000, 4, n as usize), "memset");
    }
    let vargs = VectorAddArgs { a, b, c, n };
    let t = best_of(5, || {
        let start = Instant::now();
        check(device.launch(vadd, [n / 256, 1, 1], [256, 1, 1], 0, stream, &vargs), "launch");
        check(device.sync(stream), "sync");
        start.elapsed()
    });
    println!(
        "vector_add, 2^24 floats, grid {} x 256: {:.2} ms, {:.1} GB/s",
        n / 256,
        t.as_secs_f64() * 1e3,
        3.0 * bytes as f64 / t.as_secs_f64() / 1e9
    );

    // Synchronous host-to-device copy from pinned memory.
    let size = 256usize << 20;
    let dev = device.alloc(size);
    let mut host_buf: *mut std::ffi::c_void = std::ptr::null_mut();
    // SAFETY: a live device handle and a valid output pointer.
    check(unsafe { device.api.mem_alloc_host.unwrap()(device.device, size, &mut host_buf) }, "alloc_host");
    // SAFETY: the plugin returned `size` writable bytes at host_buf, used only here.
    let pinned = unsafe { ptr::out_bytes(host_buf, size, "pinned") }.expect("pinned memory");
    pinned.fill(1);
    check(device.htod(dev, pinned), "warm-up copy");
    let t = best_of(5, || {
        let start = Instant::now();
        check(device.htod(dev, pinned), "memcpy_htod");
        start.elapsed()
    });
    println!("memcpy_htod 256 MiB from pinned memory: {:.1} GB/s", size as f64 / t.as_secs_f64() / 1e9);

    for p in [a, b, c, dev] {
        check(device.free(p), "free");
    }
    // SAFETY: memory from mem_alloc_host, no longer used.
    check(unsafe { device.api.mem_free_host.unwrap()(device.device, host_buf) }, "free_host");
    device.unload(module);
    device.destroy_stream(stream);
}
