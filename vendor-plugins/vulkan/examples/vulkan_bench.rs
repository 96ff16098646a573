//! Rough numbers for docs/vulkan.md, through the plugin's own ABI table:
//! synchronous and asynchronous copy bandwidth and kernel launch rate.
//!
//!   MESA_SHADER_CACHE_DISABLE=true cargo run --release -p flaghal-plugin-vulkan --example vulkan_bench
//!   FLAGHAL_VULKAN_FORCE_STAGING=1 ... (the staging path)
//!
//! Uses the first Vulkan device (lavapipe when VK_DRIVER_FILES is unset and
//! lavapipe is installed). Not a test: nothing here asserts a speed.
#![allow(clippy::macro_metavars_in_unsafe)]

#[path = "../tests/plugin/common.rs"]
mod common;

use common::{alloc, api, blob, device, free, kernel, launch, properties, spv, stream, sync};
use std::time::Instant;

#[repr(C)]
#[derive(Clone, Copy)]
struct FillArgs {
    dst: u64,
    value: u32,
    count: u32,
}

fn gib_per_s(bytes: usize, seconds: f64) -> f64 {
    bytes as f64 / seconds / (1u64 << 30) as f64
}

fn main() {
    let props = properties();
    println!(
        "device: {} (staging forced: {})",
        flaghal_sys::ptr::char_array_to_string(&props.name),
        std::env::var("FLAGHAL_VULKAN_FORCE_STAGING").unwrap_or_default()
    );
    let size = 64usize << 20;
    let host: Vec<u8> = (0..size).map(|i| i as u8).collect();
    let mut back = vec![0u8; size];
    let d = alloc(size);
    let reps = 10;
    let t = Instant::now();
    for _ in 0..reps {
        ok!(api().memcpy_htod.unwrap()(device(), d, host.as_ptr().cast(), size));
    }
    println!("fhMemcpyHtoD 64 MiB: {:.2} GiB/s", gib_per_s(size * reps, t.elapsed().as_secs_f64()));
    let t = Instant::now();
    for _ in 0..reps {
        ok!(api().memcpy_dtoh.unwrap()(device(), back.as_mut_ptr().cast(), d, size));
    }
    println!("fhMemcpyDtoH 64 MiB: {:.2} GiB/s", gib_per_s(size * reps, t.elapsed().as_secs_f64()));
    assert_eq!(back, host);
    let s = stream();
    let t = Instant::now();
    for _ in 0..reps {
        ok!(api().memcpy_htod_async.unwrap()(s, d, host.as_ptr().cast(), size));
    }
    sync(s);
    println!("fhMemcpyHtoDAsync 64 MiB (pageable): {:.2} GiB/s", gib_per_s(size * reps, t.elapsed().as_secs_f64()));
    let (module, f) = kernel(spv!("fill_u32"), "fill_u32");
    let small = alloc(4 * 256);
    let args = blob(&FillArgs { dst: small, value: 1, count: 256 });
    launch(f, [1, 1, 1], [256, 1, 1], 0, &args, s); // pipeline creation outside the timing
    sync(s);
    let launches = 5000;
    let t = Instant::now();
    for _ in 0..launches {
        launch(f, [1, 1, 1], [256, 1, 1], 0, &args, s);
    }
    let queued = t.elapsed().as_secs_f64();
    sync(s);
    let total = t.elapsed().as_secs_f64();
    println!(
        "fhLaunchKernel fill_u32 (256 threads): {:.1} us per launch queued, {:.0} launches/s end to end",
        queued / launches as f64 * 1e6,
        launches as f64 / total
    );
    let t = Instant::now();
    let queries = 10000;
    for _ in 0..queries {
        ok!(api().stream_query.unwrap()(s));
    }
    println!("fhStreamQuery on an idle stream: {:.2} us", t.elapsed().as_secs_f64() / queries as f64 * 1e6);
    ok!(api().module_unload.unwrap()(module));
    ok!(api().stream_destroy.unwrap()(s));
    free(small);
    free(d);
}
