//! Sections 9.2 and 9.3: launch throughput and latency of the empty kernel
//! (kernels/opencl/empty.fhk) on the OpenCL device. FlagHAL loads its
//! bundle; raw OpenCL builds the bundle's OpenCL C image. Baselines:
//! - straightforward: arguments set once, clEnqueueNDRangeKernel per launch
//!   without events, clFinish at the end (latency: one enqueue + clFinish);
//! - the plugin's calls, raw: per launch a new blob buffer, the three
//!   arguments and the SVM pointer list set, an event kept and the queue
//!   flushed, on a profiling queue; the last event waited for. This splits
//!   the plugin's gap to the straightforward program into "what it asks
//!   OpenCL to do" and "what FlagHAL costs on the way".

use crate::bench_launch::{plugin_launches, round_trips, BLOCK};
use crate::bench_opencl::{LATENCY, THROUGHPUT};
use crate::cl_raw::{RawOpenCl, Svm};
use crate::kernels::{OPENCL_EMPTY_BUNDLE, OPENCL_EMPTY_C};
use crate::measure::{pair, per_second, seconds, Plan, Sample};
use crate::row::Better;
use crate::suite::{Label, Suite};
use flaghal_client::Device;
use flaghal_opencl_sys::objects::{ClEvent, ClKernel, ClQueue};
use flaghal_opencl_sys::{self as cl, cl_event};
use flaghal_sys::FH_MODULE_FORMAT_BUNDLE;
use serde_json::json;

/// `count` launches the plugin's way (see the module comment).
fn like_plugin(raw: &RawOpenCl, queue: &ClQueue, kernel: &ClKernel, anchor: &Svm, count: usize) -> Result<(), String> {
    let mut last: Option<ClEvent> = None;
    for _ in 0..count {
        let blob = raw.blob(&[])?;
        raw.set_args(kernel, &blob, &[anchor.ptr])?;
        let mut event: cl_event = std::ptr::null_mut();
        raw.enqueue(queue, kernel, 1, BLOCK, Some(&mut event))?;
        last = Some(ClEvent::own(raw.cl, event));
        // SAFETY: a live queue.
        let rc = unsafe { (raw.cl.clFlush)(queue.raw) };
        if rc != cl::CL_SUCCESS {
            return Err(format!("clFlush: OpenCL error {rc}"));
        }
    }
    match last {
        Some(event) if event.wait() != cl::CL_SUCCESS => Err("clWaitForEvents failed".into()),
        _ => Ok(()),
    }
}

pub fn run(s: &mut Suite, device: Device, raw: &RawOpenCl) -> Result<(), String> {
    let hal = s.hal;
    // The module stays loaded for the rest of the run.
    let function = hal.get_function(hal.module_load(device, FH_MODULE_FORMAT_BUNDLE, OPENCL_EMPTY_BUNDLE)?, "empty")?;
    let program = raw.program(OPENCL_EMPTY_C)?;
    // One kernel object per baseline: each keeps its own arguments.
    let (kernel, like_kernel) = (raw.kernel(&program, "empty")?, raw.kernel(&program, "empty")?);
    let blob = raw.blob(&[])?;
    raw.set_args(&kernel, &blob, &[])?;
    let profiling = raw.new_queue(true)?;
    // The plugin hands every launch its live allocations, at least its
    // 16-byte anchor: one allocation here too.
    let anchor = Svm::new(raw, 16)?;
    let stream = hal.stream_create(device)?;
    let count = s.pick(2000, 200);
    let plan = s.plan(Plan { warmup: 2, reps: 31 }, Plan { warmup: 1, reps: 3 });
    let straightforward = |n: usize| -> Result<(), String> {
        for _ in 0..n {
            raw.enqueue(&raw.queue, &kernel, 1, BLOCK, None)?;
        }
        raw.finish(&raw.queue)
    };
    let params = json!({"plugin": "opencl", "launches_per_sample": count, "block": BLOCK, "device": raw.name});
    let label = |baseline| Label { group: THROUGHPUT, name: "opencl plugin, 1 stream".into(), baseline, unit: "launches/s", better: Better::Higher };
    // Compile for this local size outside the timing (PoCL builds a
    // work-group function per local size at the first launch of each).
    plugin_launches(hal, function, stream, 1)?;
    straightforward(1)?;
    like_plugin(raw, &profiling, &like_kernel, &anchor, 1)?;
    let plugin_rate = || -> Sample { per_second(count, seconds(|| plugin_launches(hal, function, stream, count))?) };
    let result = pair(plan, plugin_rate, || per_second(count, seconds(|| straightforward(count))?))?;
    s.add(label("raw OpenCL: arguments set once, clEnqueueNDRangeKernel per launch, clFinish"), result, params.clone(), None);
    let result = pair(plan, plugin_rate, || per_second(count, seconds(|| like_plugin(raw, &profiling, &like_kernel, &anchor, count))?))?;
    s.add(
        label("raw OpenCL: the plugin's calls (blob buffer, arguments, SVM pointers, event, clFlush per launch)"),
        result,
        params,
        None,
    );

    let (latency, trips) = round_trips(s, || plugin_launches(hal, function, stream, 1), || straightforward(1))?;
    s.add(
        Label {
            group: LATENCY,
            name: "opencl plugin: fhLaunchKernel + fhStreamSynchronize".into(),
            baseline: "raw OpenCL: clEnqueueNDRangeKernel + clFinish",
            unit: "us",
            better: Better::Lower,
        },
        latency,
        json!({"plugin": "opencl", "round_trips_per_sample": trips, "device": raw.name}),
        None,
    );
    hal.stream_destroy(stream)?;
    Ok(())
}
