//! Section 1 of the table: Call overhead: fhStreamQuery on an idle stream through libflaghal.so
//! versus the same plugin entry (table->stream_query) called directly; beside
//! it, vkGetFenceStatus through libvulkan's exported trampoline versus the
//! driver's own pointer from vkGetDeviceProcAddr.

use crate::direct::Direct;
use crate::measure::{pair, Plan, Sample};
use crate::paths::{built_library, CPU_PLUGIN, VULKAN_PLUGIN};
use crate::row::Better;
use crate::suite::{Label, Suite};
use crate::vk_raw;
use ash::vk;
use flaghal_client::Device;
use flaghal_sys::{fh_status_t, FH_EVENT_DEFAULT, FH_SUCCESS};
use serde_json::json;
use std::time::Instant;

const GROUP: &str = "1. call overhead (idle stream / fence query)";

/// ns per call of `f` over `count` calls; every call must return `ok`.
pub fn calls<S: PartialEq + Copy + std::fmt::Debug>(count: usize, ok: S, mut f: impl FnMut() -> S) -> Sample {
    let start = Instant::now();
    let mut bad = None;
    for _ in 0..count {
        let s = f();
        if s != ok {
            bad = Some(s);
        }
    }
    let ns = start.elapsed().as_nanos() as f64 / count as f64;
    match bad {
        Some(s) => Err(format!("a call returned {s:?}, expected {ok:?}")),
        None => Ok(ns),
    }
}

/// Samples and calls per sample of every call-overhead row.
pub fn plan_and_count(s: &Suite) -> (Plan, usize) {
    (s.plan(Plan { warmup: 3, reps: 31 }, Plan { warmup: 1, reps: 5 }), s.pick(20_000, 2_000))
}

pub fn run(s: &mut Suite) -> Result<(), String> {
    let (plan, count) = plan_and_count(s);
    let mut added = Vec::new();
    for (plugin, device, library) in [("cpu", s.cpu, CPU_PLUGIN), ("vulkan", s.vulkan, VULKAN_PLUGIN)] {
        let Some(device) = device else {
            s.skip(&format!("call overhead ({plugin})"), "no device of this plugin");
            continue;
        };
        added.push((plugin, loader_vs_table(s, GROUP, plugin, device, library, false)?));
    }
    vulkan_loader(s, plan, count, &added)
}

/// One row of `group`: fhStreamQuery through libflaghal.so against the same
/// plugin's stream_query through its table (a private copy of `library`),
/// each on an idle stream of its own; with `after_a_command` both streams
/// have first run one event record, waited for (a stream that has done
/// work, which is what a query usually asks about). Returns the ns FlagHAL
/// adds per call.
pub fn loader_vs_table(s: &mut Suite, group: &str, plugin: &str, device: Device, library: &str, after_a_command: bool) -> Result<f64, String> {
    let (plan, count) = plan_and_count(s);
    let hal = s.hal;
    let stream = hal.stream_create(device)?;
    // A private copy per section: overwriting a copy that an earlier
    // section still has open would pull the code from under it.
    let section = group.split('.').next().unwrap_or(group);
    let scratch = s.scratch.join(format!("{plugin}-{section}"));
    std::fs::create_dir_all(&scratch).map_err(|e| e.to_string())?;
    let direct = Direct::open_copy(&built_library(library)?, &scratch)?;
    let native_device = direct.first_device()?;
    let native_stream = direct.stream_create(native_device)?;
    if after_a_command {
        let event = hal.event_create(device, FH_EVENT_DEFAULT)?;
        hal.event_record(event, stream)?;
        hal.stream_synchronize(stream)?;
        hal.event_destroy(event)?;
        direct.record_and_wait(native_device, native_stream)?;
    }
    let through_loader = hal.raw().fhStreamQuery;
    let direct_query = direct.api.stream_query.ok_or("plugin has no stream_query")?;
    let result = pair(
        plan,
        // SAFETY: a live, idle stream of libflaghal.
        || calls::<fh_status_t>(count, FH_SUCCESS, || unsafe { through_loader(stream.0) }),
        // SAFETY: a live, idle stream of the directly loaded plugin.
        || calls::<fh_status_t>(count, FH_SUCCESS, || unsafe { direct_query(native_stream) }),
    );
    hal.stream_destroy(stream)?;
    direct.stream_destroy(native_stream)?;
    let row = s.add(
        Label {
            group,
            name: format!("fhStreamQuery via libflaghal.so ({plugin})"),
            baseline: "same plugin entry via its table",
            unit: "ns/call",
            better: Better::Lower,
        },
        result?,
        json!({"plugin": plugin, "calls_per_sample": count, "after_a_command": after_a_command}),
        None,
    );
    Ok(row.difference())
}

fn vulkan_loader(s: &mut Suite, plan: Plan, count: usize, added: &[(&str, f64)]) -> Result<(), String> {
    let raw = match vk_raw::create() {
        Ok(raw) => raw,
        Err(e) => {
            s.skip("call overhead (Vulkan loader)", &e);
            return Ok(());
        }
    };
    // SAFETY: a default (signalled) fence on a live device.
    let fence = unsafe { raw.device.create_fence(&vk::FenceCreateInfo::default().flags(vk::FenceCreateFlags::SIGNALED), None) }
        .map_err(|e| format!("vkCreateFence: {e:?}"))?;
    // SAFETY: libvulkan is already loaded by ash; this only adds a reference.
    let lib = unsafe { libloading::Library::new("libvulkan.so.1") }.map_err(|e| format!("dlopen libvulkan.so.1: {e}"))?;
    // SAFETY: the exported symbol has the PFN_vkGetFenceStatus signature.
    let trampoline = *unsafe { lib.get::<vk::PFN_vkGetFenceStatus>(b"vkGetFenceStatus\0") }.map_err(|e| e.to_string())?;
    let driver = raw.device.fp_v1_0().get_fence_status;
    let handle = raw.device.handle();
    let result = pair(
        plan,
        // SAFETY: a live device and fence of that device.
        || calls(count, vk::Result::SUCCESS, || unsafe { trampoline(handle, fence) }),
        // SAFETY: as above, through the driver's own entry.
        || calls(count, vk::Result::SUCCESS, || unsafe { driver(handle, fence) }),
    );
    // SAFETY: the fence is idle and owned here.
    unsafe { raw.device.destroy_fence(fence, None) };
    let vk_added = result.as_ref().map(|(a, b)| a.median - b.median).unwrap_or(f64::NAN);
    let note = added
        .iter()
        .map(|(p, ns)| format!("FlagHAL adds {ns:.1} ns/call ({p}); the Vulkan loader adds {vk_added:.1} ns/call"))
        .collect::<Vec<_>>()
        .join("; ");
    s.add(
        Label {
            group: GROUP,
            name: "vkGetFenceStatus via libvulkan trampoline".into(),
            baseline: "driver pointer from vkGetDeviceProcAddr",
            unit: "ns/call",
            better: Better::Lower,
        },
        result?,
        json!({"driver": raw.name, "calls_per_sample": count}),
        Some(note),
    );
    s.machine.insert("vulkan_device".into(), json!(raw.name));
    Ok(())
}
