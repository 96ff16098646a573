//! Section 9.5: SAXPY (kernels/opencl/saxpy.fhk, y = a*x + y as a
//! grid-stride loop) over the floats of section 7 on the OpenCL device, in
//! GB/s (12 bytes per element). FlagHAL loads the bundle; raw OpenCL builds
//! the bundle's OpenCL C image with the plugin's build options, over SVM
//! allocations of the plugin's grain, with the same grid, block and blob,
//! one enqueue and clFinish per pass. Both results are checked once.
//!
//! The grid covers n (one element per work-item), unlike section 7's 4096
//! blocks for lavapipe: PoCL runs a work-group's work-items one after
//! another in a loop on one thread, so a grid-stride loop of 64 steps makes
//! each work-item stride through memory 4 MiB at a time (0.2-0.3 GB/s on
//! both sides); with one step each, the loop walks consecutive addresses.

use crate::bench_opencl::SAXPY;
use crate::cl_raw::{RawOpenCl, Svm};
use crate::kernels::{saxpy_args, OPENCL_SAXPY_BUNDLE, OPENCL_SAXPY_C};
use crate::measure::{gb_per_s, pair, seconds, Plan};
use crate::row::Better;
use crate::suite::{Label, Suite};
use flaghal_client::{from_bytes, to_bytes, Device};
use flaghal_sys::FH_MODULE_FORMAT_BUNDLE;
use serde_json::json;

const BLOCK: u32 = 256;

/// The first element that is not `want`, as an error.
fn check(what: &str, y: &[f32], want: f32) -> Result<(), String> {
    match y.iter().position(|&v| v != want) {
        Some(i) => Err(format!("{what}: saxpy wrote y[{i}] = {}, expected {want}", y[i])),
        None => Ok(()),
    }
}

pub fn run(s: &mut Suite, device: Device, raw: &RawOpenCl) -> Result<(), String> {
    let n: usize = s.pick(64 << 20, 4 << 20);
    let plan = s.plan(Plan { warmup: 1, reps: 9 }, Plan { warmup: 1, reps: 3 });
    let hal = s.hal;
    let function = hal.get_function(hal.module_load(device, FH_MODULE_FORMAT_BUNDLE, OPENCL_SAXPY_BUNDLE)?, "saxpy")?;
    let dx = hal.mem_alloc(device, n * 4)?;
    let dy = hal.mem_alloc(device, n * 4)?;
    let stream = hal.stream_create(device)?;
    hal.htod(device, dx, &to_bytes(&vec![1.0f32; n]))?;
    hal.htod(device, dy, &to_bytes(&vec![0.5f32; n]))?;
    let args = saxpy_args(dx, dy, 2.0, n as u32);
    let grid = n.div_ceil(BLOCK as usize) as u32;
    let plugin_pass = || -> Result<(), String> {
        hal.launch(function, [grid, 1, 1], [BLOCK, 1, 1], 0, stream, &args)?;
        Ok(hal.stream_synchronize(stream)?)
    };

    let program = raw.program(OPENCL_SAXPY_C)?;
    let kernel = raw.kernel(&program, "saxpy")?;
    let (x, y) = (Svm::new(raw, n * 4)?, Svm::new(raw, n * 4)?);
    x.fill_floats(1.0)?;
    y.fill_floats(0.5)?;
    let blob = raw.blob(&saxpy_args(x.ptr as u64, y.ptr as u64, 2.0, n as u32))?;
    raw.set_args(&kernel, &blob, &[x.ptr, y.ptr])?;
    let raw_pass = || -> Result<(), String> {
        raw.enqueue(&raw.queue, &kernel, grid, BLOCK, None)?;
        raw.finish(&raw.queue)
    };

    // One checked pass each (also PoCL's compile for this local size): every y must be 2*1 + 0.5.
    plugin_pass()?;
    check("opencl plugin", &from_bytes::<f32>(&hal.read(device, dy, n * 4)?), 2.5)?;
    raw_pass()?;
    check("raw OpenCL", &y.read_floats()?, 2.5)?;

    let bytes = 12.0 * n as f64;
    let result = pair(plan, || gb_per_s(bytes, seconds(plugin_pass)?), || gb_per_s(bytes, seconds(raw_pass)?))?;
    let note = s.machine.get("memory_bandwidth_gbs").and_then(|v| v.as_f64()).map(|bandwidth| {
        format!("opencl plugin, SAXPY: {:.0}% of the measured memory bandwidth ({bandwidth:.1} GB/s)", 100.0 * result.0.median / bandwidth)
    });
    s.add(
        Label {
            group: SAXPY,
            name: format!("opencl plugin, OpenCL C (bundle), {} Mi floats", n >> 20),
            baseline: "raw OpenCL, the bundle's OpenCL C image, same device",
            unit: "GB/s",
            better: Better::Higher,
        },
        result,
        json!({"plugin": "opencl", "elements": n, "grid": grid, "block": BLOCK, "device": raw.name}),
        note,
    );
    hal.stream_destroy(stream)?;
    hal.mem_free(device, dx)?;
    hal.mem_free(device, dy)?;
    Ok(())
}
