//! Section 9.1: call overhead on the OpenCL device. The question every
//! row asks is "has the work finished?", on a queue that has run one
//! command:
//! - fhStreamQuery through libflaghal.so against the plugin's own
//!   stream_query through its table (the loader's share, as in section 1);
//! - fhStreamQuery against what a raw OpenCL program calls: one
//!   clGetEventInfo(CL_EVENT_COMMAND_EXECUTION_STATUS) on the last
//!   command's event (loader and plugin together);
//! - clGetEventInfo through libOpenCL's exported function (the ICD loader's
//!   trampoline) against the driver's own entry from the event's ICD
//!   dispatch table: what OpenCL's loader adds, as the vkGetFenceStatus row
//!   does for Vulkan's.

use crate::bench_calls::{calls, loader_vs_table, plan_and_count};
use crate::bench_opencl::CALLS;
use crate::cl_raw::RawOpenCl;
use crate::measure::pair;
use crate::paths::OPENCL_PLUGIN;
use crate::row::Better;
use crate::suite::{Label, Suite};
use flaghal_client::Device;
use flaghal_opencl_sys::{self as cl, cl_event, cl_int, GetEventInfo};
use flaghal_sys::{FH_EVENT_DEFAULT, FH_SUCCESS};
use serde_json::json;

/// One clGetEventInfo(CL_EVENT_COMMAND_EXECUTION_STATUS) through `entry`:
/// the status, or the call's error.
fn status(entry: GetEventInfo, event: cl_event) -> cl_int {
    let mut value: cl_int = -1;
    // SAFETY: a live event; `value` is writable for the cl_int asked for.
    let rc = unsafe { entry(event, cl::CL_EVENT_COMMAND_EXECUTION_STATUS, std::mem::size_of::<cl_int>(), (&mut value as *mut cl_int).cast(), std::ptr::null_mut()) };
    if rc != cl::CL_SUCCESS {
        rc
    } else {
        value
    }
}

pub fn run(s: &mut Suite, device: Device, raw: &RawOpenCl) -> Result<(), String> {
    let table_added = loader_vs_table(s, CALLS, "opencl", device, OPENCL_PLUGIN, true)?;
    let (plan, count) = plan_and_count(s);
    let hal = s.hal;
    // A stream that has run one command (an event record, waited for), and
    // on the raw side the event of one completed marker.
    let stream = hal.stream_create(device)?;
    let event = hal.event_create(device, FH_EVENT_DEFAULT)?;
    hal.event_record(event, stream)?;
    hal.stream_synchronize(stream)?;
    hal.event_destroy(event)?;
    let marker = raw.completed_marker()?;
    let through_loader = hal.raw().fhStreamQuery;
    let trampoline: GetEventInfo = raw.cl.clGetEventInfo;
    let result = pair(
        plan,
        // SAFETY: a live, idle stream of libflaghal.
        || calls(count, FH_SUCCESS, || unsafe { through_loader(stream.0) }),
        || calls(count, cl::CL_COMPLETE, || status(trampoline, marker.raw)),
    );
    hal.stream_destroy(stream)?;
    let raw_added = s
        .add(
            Label {
                group: CALLS,
                name: "fhStreamQuery via libflaghal.so (opencl)".into(),
                baseline: "raw OpenCL: one clGetEventInfo(EXECUTION_STATUS) of the last command's event",
                unit: "ns/call",
                better: Better::Lower,
            },
            result?,
            json!({"plugin": "opencl", "calls_per_sample": count, "after_a_command": true}),
            None,
        )
        .difference();

    // SAFETY: a live event created through the ICD loader.
    let driver = unsafe { cl::driver_get_event_info(marker.raw) }.ok_or("the event has no ICD dispatch table entry for clGetEventInfo")?;
    let result = pair(
        plan,
        || calls(count, cl::CL_COMPLETE, || status(trampoline, marker.raw)),
        || calls(count, cl::CL_COMPLETE, || status(driver, marker.raw)),
    )?;
    let icd_added = result.0.median - result.1.median;
    s.add(
        Label {
            group: CALLS,
            name: format!("clGetEventInfo via {} (ICD loader trampoline)", raw.cl.library),
            baseline: "driver entry from the event's ICD dispatch table",
            unit: "ns/call",
            better: Better::Lower,
        },
        result,
        json!({"driver": raw.name, "calls_per_sample": count}),
        Some(format!(
            "opencl: FlagHAL's loader adds {table_added:.1} ns/call to the plugin's entry; loader and plugin add {raw_added:.1} ns/call to one raw clGetEventInfo; the OpenCL ICD loader adds {icd_added:.1} ns/call"
        )),
    );
    Ok(())
}
