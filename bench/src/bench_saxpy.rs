//! Section 7 of the table: Kernel throughput: SAXPY (y = a*x + y) over 64 Mi floats on the CPU
//! plugin (native kernel, kernels/cpu/bench_kernels.c) and on the Vulkan
//! plugin (SPIR-V, kernels/spirv/saxpy.comp), against a plain multithreaded
//! Rust loop on the host, in GB/s (12 bytes per element: read x and y, write
//! y), next to the measured host memory bandwidth.

use crate::fh::Hal;
use crate::kernels::{saxpy_args, CPU_LIBRARY, SAXPY_SPV};
use crate::measure::{gb_per_s, pair, seconds, seconds_of, Plan};
use crate::row::Better;
use crate::suite::{Label, Suite};
use flaghal_sys::{fh_device_t, fh_module_format_t, FH_MODULE_FORMAT_NATIVE_CPU, FH_MODULE_FORMAT_SPIRV};
use serde_json::json;

const GROUP: &str = "7. kernel throughput (SAXPY, 12 bytes per element)";

/// One thread per core: how the host baselines split their work.
pub fn threads() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

/// y = a*x + y on the host, split across all cores.
fn rust_saxpy(a: f32, x: &[f32], y: &mut [f32]) {
    let chunk = y.len().div_ceil(threads());
    std::thread::scope(|scope| {
        for (ys, xs) in y.chunks_mut(chunk).zip(x.chunks(chunk)) {
            scope.spawn(move || {
                for (yi, xi) in ys.iter_mut().zip(xs) {
                    *yi += a * *xi;
                }
            });
        }
    });
}

/// Host memory bandwidth: the best sample of three multithreaded streaming
/// loops over `bytes` (a copy, counting bytes read and written; a read-only
/// sum; an in-place update, read + write), so neither write-allocate traffic
/// nor non-temporal stores make one method under-report.
fn memory_bandwidth(bytes: usize, plan: Plan) -> Result<f64, String> {
    let n = bytes / 4;
    let src = vec![1.0f32; n];
    let mut dst = vec![0.0f32; n];
    let chunk = n.div_ceil(threads());
    let copy = |dst: &mut [f32]| {
        std::thread::scope(|scope| {
            for (d, s) in dst.chunks_mut(chunk).zip(src.chunks(chunk)) {
                scope.spawn(move || d.copy_from_slice(s));
            }
        })
    };
    // Integer sums vectorise (float sums would be bound by the add latency).
    let words = vec![1u64; bytes / 8];
    let word_chunk = words.len().div_ceil(threads());
    let sum = |v: &[u64]| {
        std::thread::scope(|scope| {
            let parts: Vec<_> =
                v.chunks(word_chunk).map(|c| scope.spawn(move || c.iter().fold(0u64, |a, x| a.wrapping_add(*x)))).collect();
            parts.into_iter().map(|p| p.join().unwrap_or(0)).fold(0u64, u64::wrapping_add)
        })
    };
    let update = |v: &mut [f32]| {
        std::thread::scope(|scope| {
            for c in v.chunks_mut(chunk) {
                scope.spawn(move || c.iter_mut().for_each(|x| *x = *x * 0.5 + 1.0));
            }
        })
    };
    let b = bytes as f64;
    let (copy_rate, sum_rate) = pair(
        plan,
        || gb_per_s(2.0 * b, seconds_of(|| copy(&mut dst))),
        || gb_per_s(b, seconds(|| Ok::<_, String>(std::hint::black_box(sum(&words))))?),
    )?;
    let (update_rate, _) = pair(
        plan,
        || gb_per_s(2.0 * b, seconds_of(|| update(&mut dst))),
        || Ok(1.0),
    )?;
    Ok(copy_rate.max.max(sum_rate.max).max(update_rate.max))
}

fn bytes_of(v: &[f32]) -> &[u8] {
    // SAFETY: f32 has no padding or invalid bit patterns as bytes.
    unsafe { std::slice::from_raw_parts(v.as_ptr().cast(), std::mem::size_of_val(v)) }
}

fn bytes_of_mut(v: &mut [f32]) -> &mut [u8] {
    // SAFETY: any byte pattern is a valid f32.
    unsafe { std::slice::from_raw_parts_mut(v.as_mut_ptr().cast(), std::mem::size_of_val(v)) }
}

struct Setup {
    format: fh_module_format_t,
    module: &'static [u8],
    grid: u32,
    block: u32,
}

pub fn run(s: &mut Suite) -> Result<(), String> {
    let n: usize = s.pick(64 << 20, 4 << 20);
    let plan = s.plan(Plan { warmup: 1, reps: 9 }, Plan { warmup: 1, reps: 3 });
    let bandwidth = memory_bandwidth(n * 4, plan)?;
    s.machine.insert("memory_bandwidth_gbs".into(), json!(bandwidth));
    s.machine.insert("memory_bandwidth_method".into(), json!(format!("best sample of {}-thread copy / sum / in-place update over {} MiB", threads(), (n * 4) >> 20)));
    let hal = s.hal;
    let x = vec![1.0f32; n];
    let mut host_y = vec![0.0f32; n];
    let devices: Vec<(&str, fh_device_t, Setup)> = [
        (
            "cpu plugin, native kernel",
            s.cpu,
            Setup { format: FH_MODULE_FORMAT_NATIVE_CPU, module: CPU_LIBRARY, grid: 4 * threads() as u32, block: 1 },
        ),
        ("vulkan plugin, SPIR-V", s.vulkan, Setup { format: FH_MODULE_FORMAT_SPIRV, module: SAXPY_SPV, grid: 4096, block: 256 }),
    ]
    .into_iter()
    .filter_map(|(name, device, setup)| device.map(|d| (name, d, setup)))
    .collect();
    for (name, device, setup) in devices {
        let function = hal.module_function(device, setup.format, setup.module, "saxpy")?;
        let dx = hal.mem_alloc(device, n * 4)?;
        let dy = hal.mem_alloc(device, n * 4)?;
        let stream = hal.stream_create(device)?;
        hal.htod(device, dx, bytes_of(&x))?;
        hal.htod(device, dy, bytes_of(&vec![0.5f32; n]))?;
        let args = saxpy_args(dx, dy, 2.0, n as u32);
        let pass = |hal: Hal| -> Result<(), String> {
            hal.launch(function, setup.grid, setup.block, stream, &args)?;
            hal.stream_synchronize(stream)
        };
        // One checked pass: every y must be 2*1 + 0.5.
        pass(hal)?;
        let mut check = vec![0.0f32; n];
        hal.dtoh(device, bytes_of_mut(&mut check), dy)?;
        if let Some(i) = check.iter().position(|&v| v != 2.5) {
            return Err(format!("{name}: saxpy wrote y[{i}] = {}, expected 2.5", check[i]));
        }
        let bytes = 12.0 * n as f64;
        let result = pair(plan, || gb_per_s(bytes, seconds(|| pass(hal))?), || {
            gb_per_s(bytes, seconds_of(|| rust_saxpy(2.0, &x, &mut host_y)))
        })?;
        let note = format!(
            "{name}: {:.0}% of the measured memory bandwidth ({bandwidth:.1} GB/s)",
            100.0 * result.0.median / bandwidth
        );
        if setup.format == FH_MODULE_FORMAT_SPIRV {
            raw_vulkan(s, n, plan, bytes, setup.grid, setup.block, || pass(hal))?;
        }
        s.add(
            Label {
                group: GROUP,
                name: format!("{name}, {} Mi floats", n >> 20),
                baseline: "multithreaded Rust loop",
                unit: "GB/s",
                better: Better::Higher,
            },
            result,
            json!({"elements": n, "grid": setup.grid, "block": setup.block, "memory_bandwidth_gbs": bandwidth}),
            Some(note),
        );
        hal.stream_destroy(stream)?;
        hal.mem_free(device, dx)?;
        hal.mem_free(device, dy)?;
    }
    std::hint::black_box(&host_y);
    Ok(())
}

/// The same SPIR-V SAXPY through raw ash on the same driver (one submit and
/// a fence wait per pass), beside the plugin's pass.
fn raw_vulkan(
    s: &mut Suite,
    n: usize,
    plan: Plan,
    bytes: f64,
    grid: u32,
    block: u32,
    mut plugin_pass: impl FnMut() -> Result<(), String>,
) -> Result<(), String> {
    let raw = crate::vk_raw::create()?;
    let pipe = crate::vk_raw::Pipeline::new(&raw, SAXPY_SPV, c"saxpy", [block, 1, 1], 24)?;
    let mut x = crate::vk_raw::AddressBuffer::new(&raw, n * 4)?;
    let mut y = crate::vk_raw::AddressBuffer::new(&raw, n * 4)?;
    x.floats().fill(1.0);
    y.floats().fill(0.5);
    let args = saxpy_args(x.address, y.address, 2.0, n as u32);
    let cmds = crate::vk_raw::Commands::new(&raw, 1)?;
    let raw_pass = || -> Result<(), String> {
        let cmd = cmds.begin(0)?;
        pipe.record(cmd, grid, &args);
        cmds.end(cmd)?;
        cmds.submit(cmd, true)?;
        cmds.wait()
    };
    raw_pass()?;
    if let Some(i) = y.floats().iter().position(|&v| v != 2.5) {
        return Err(format!("raw ash saxpy wrote y[{i}] = {}, expected 2.5", y.floats()[i]));
    }
    let result = pair(plan, || gb_per_s(bytes, seconds(&mut plugin_pass)?), || gb_per_s(bytes, seconds(raw_pass)?))?;
    s.add(
        Label {
            group: GROUP,
            name: format!("vulkan plugin, SPIR-V, {} Mi floats", n >> 20),
            baseline: "raw ash, same SPIR-V and driver",
            unit: "GB/s",
            better: Better::Higher,
        },
        result,
        json!({"elements": n, "grid": grid, "block": block, "driver": raw.name}),
        None,
    );
    Ok(())
}
