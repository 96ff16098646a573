//! Sections 2 and 3 of the table, launch throughput and launch latency: the empty kernel on the Vulkan
//! plugin versus a raw ash program on the same driver, submitting the
//! straightforward way (one vkQueueSubmit per dispatch) and the batched way
//! (all dispatches in one command buffer, barriers between them as stream
//! order requires).

use crate::kernels::EMPTY_SPV;
use crate::measure::{pair, per_second, seconds, Plan, Sample};
use crate::row::Better;
use crate::stats::Summary;
use crate::suite::{Label, Suite};
use crate::vk_raw::{self, barrier, barrier_all_commands, Commands, Pipeline, RawVulkan};
use flaghal_client::{Function, Hal, Stream};
use flaghal_sys::FH_MODULE_FORMAT_SPIRV;
use serde_json::json;
use std::sync::Mutex;

const THROUGHPUT: &str = "2. launch throughput (empty kernel, launches then synchronize)";
const LATENCY: &str = "3. launch latency (launch + synchronize round trip)";
/// Threads per block of every empty launch.
pub const BLOCK: u32 = 64;

/// `count` empty launches, then a synchronize: the C entry points called
/// directly (`raw()`), so only the status compare of `check` is added to
/// what is measured; a failure still becomes the client's error.
pub fn plugin_launches(hal: &Hal, function: Function, stream: Stream, count: usize) -> Result<(), String> {
    let t = hal.raw();
    for _ in 0..count {
        // SAFETY: a live function and stream; no argument blob (NULL, 0 bytes).
        let status = unsafe { t.fhLaunchKernel(function.0, 1, 1, 1, BLOCK, 1, 1, 0, stream.0, std::ptr::null(), 0) };
        hal.check("fhLaunchKernel", status)?;
    }
    // SAFETY: a live stream.
    Ok(hal.check("fhStreamSynchronize", unsafe { t.fhStreamSynchronize(stream.0) })?)
}

/// One submit per dispatch, each in its own freshly recorded command
/// buffer; the fence on the last submit covers all earlier ones.
fn raw_one_submit_each(raw: &RawVulkan, pipe: &Pipeline, cmds: &Commands, count: usize, queue: &Mutex<()>) -> Result<(), String> {
    for i in 0..count {
        let cmd = cmds.begin(i)?;
        pipe.record_dispatch(cmd);
        cmds.end(cmd)?;
        let _held = queue.lock().map_err(|_| "queue lock poisoned")?;
        cmds.submit(cmd, i + 1 == count)?;
    }
    let _ = raw;
    cmds.wait()
}

/// All dispatches in one command buffer, one submit.
fn raw_batched(raw: &RawVulkan, pipe: &Pipeline, cmds: &Commands, count: usize) -> Result<(), String> {
    let cmd = cmds.begin(0)?;
    for i in 0..count {
        if i > 0 {
            barrier(raw, cmd);
        }
        pipe.record_dispatch(cmd);
    }
    cmds.end(cmd)?;
    cmds.submit(cmd, true)?;
    cmds.wait()
}

/// The commands the plugin records, replayed raw: batches of 64 dispatches
/// (one submit each), a full push-constant range per dispatch and an
/// all-commands barrier between dispatches. Splits the plugin's gap to the
/// batched baseline into "what it records" and "what it costs to record it".
fn raw_like_plugin(
    raw: &RawVulkan,
    pipe: &Pipeline,
    cmds: &Commands,
    count: usize,
    push: &[u8],
) -> Result<(), String> {
    let batches = count.div_ceil(PLUGIN_BATCH);
    for b in 0..batches {
        let cmd = cmds.begin(b)?;
        for i in b * PLUGIN_BATCH..((b + 1) * PLUGIN_BATCH).min(count) {
            if i % PLUGIN_BATCH > 0 {
                barrier_all_commands(raw, cmd);
            }
            pipe.record(cmd, 1, push);
        }
        cmds.end(cmd)?;
        cmds.submit(cmd, b + 1 == batches)?;
    }
    cmds.wait()
}

/// The latency rows' measurement: each sample times `trips` round trips of
/// one side (a launch and a wait for it), in microseconds per round trip.
/// Returns the two summaries and `trips`.
pub fn round_trips(
    s: &Suite,
    mut flaghal: impl FnMut() -> Result<(), String>,
    mut raw: impl FnMut() -> Result<(), String>,
) -> Result<((Summary, Summary), usize), String> {
    let trips = s.pick(20, 5);
    let plan = s.plan(Plan { warmup: 3, reps: 31 }, Plan { warmup: 1, reps: 5 });
    let result = pair(
        plan,
        || Ok(seconds(|| (0..trips).try_for_each(|_| flaghal()))? * 1e6 / trips as f64),
        || Ok(seconds(|| (0..trips).try_for_each(|_| raw()))? * 1e6 / trips as f64),
    )?;
    Ok((result, trips))
}

/// Commands per submit in the Vulkan plugin (MAX_BATCH_COMMANDS, stream.rs).
const PLUGIN_BATCH: usize = 64;

pub fn run(s: &mut Suite) -> Result<(), String> {
    let Some(device) = s.vulkan else {
        s.skip("launch throughput and latency", "no Vulkan device");
        return Ok(());
    };
    let raw = match vk_raw::create() {
        Ok(raw) => raw,
        Err(e) => {
            s.skip("launch throughput and latency", &e);
            return Ok(());
        }
    };
    let hal = s.hal;
    // The module stays loaded for the rest of the run.
    let function = hal.get_function(hal.module_load(device, FH_MODULE_FORMAT_SPIRV, EMPTY_SPV)?, "empty")?;
    let pipe = Pipeline::new(&raw, EMPTY_SPV, c"empty", [BLOCK, 1, 1], 0)?;
    let count = s.pick(2000, 200);
    let plan = s.plan(Plan { warmup: 2, reps: 31 }, Plan { warmup: 1, reps: 3 });
    let stream = hal.stream_create(device)?;
    let queue = Mutex::new(());
    let many = Commands::new(&raw, count as u32)?;
    let one = Commands::new(&raw, 1)?;
    let params = json!({"plugin": "vulkan", "launches_per_sample": count, "block": BLOCK, "streams": 1});
    let label = |baseline| Label {
        group: THROUGHPUT,
        name: "vulkan plugin, 1 stream".into(),
        baseline,
        unit: "launches/s",
        better: Better::Higher,
    };
    let plugin_rate = || -> Sample { per_second(count, seconds(|| plugin_launches(hal, function, stream, count))?) };
    let straight = pair(plan, plugin_rate, || per_second(count, seconds(|| raw_one_submit_each(&raw, &pipe, &many, count, &queue))?))?;
    s.add(label("raw ash: one submit per dispatch"), straight, params.clone(), None);
    let batched = pair(plan, plugin_rate, || per_second(count, seconds(|| raw_batched(&raw, &pipe, &one, count))?))?;
    s.add(label("raw ash: one batched submit"), batched, params.clone(), None);
    let push_size = vk_raw::max_push_constants(&raw);
    let full_push = Pipeline::new(&raw, EMPTY_SPV, c"empty", [BLOCK, 1, 1], push_size)?;
    let push = vec![0u8; push_size as usize];
    let batches = Commands::new(&raw, count.div_ceil(PLUGIN_BATCH) as u32)?;
    let like = pair(plan, plugin_rate, || {
        per_second(count, seconds(|| raw_like_plugin(&raw, &full_push, &batches, count, &push))?)
    })?;
    s.add(
        label("raw ash: the plugin's commands (64 per submit, full push constants, all-commands barriers)"),
        like,
        params,
        None,
    );

    // Several streams fed from as many threads, against as many raw threads
    // sharing the one queue under a lock (vkQueueSubmit needs it).
    for threads in s.pick(vec![1usize, 2, 4, 8], vec![1, 2]) {
        let per_thread = count / threads;
        let streams: Vec<Stream> = (0..threads).map(|_| hal.stream_create(device)).collect::<Result<_, _>>()?;
        let pools: Vec<Commands> = (0..threads).map(|_| Commands::new(&raw, per_thread as u32)).collect::<Result<_, _>>()?;
        let result = pair(
            plan,
            || {
                per_second(
                    per_thread * threads,
                    seconds(|| {
                        std::thread::scope(|scope| {
                            let handles: Vec<_> = streams
                                .iter()
                                .map(|st| {
                                    let st = *st;
                                    scope.spawn(move || plugin_launches(hal, function, st, per_thread))
                                })
                                .collect();
                            handles.into_iter().map(|h| h.join().map_err(|_| "thread panicked".to_string())?).collect::<Result<Vec<()>, String>>()
                        })
                    })?,
                )
            },
            || {
                per_second(
                    per_thread * threads,
                    seconds(|| {
                        std::thread::scope(|scope| {
                            let handles: Vec<_> = pools
                                .iter()
                                .map(|cmds| {
                                    let (raw, pipe, queue) = (&raw, &pipe, &queue);
                                    scope.spawn(move || raw_one_submit_each(raw, pipe, cmds, per_thread, queue))
                                })
                                .collect();
                            handles.into_iter().map(|h| h.join().map_err(|_| "thread panicked".to_string())?).collect::<Result<Vec<()>, String>>()
                        })
                    })?,
                )
            },
        );
        for st in &streams {
            hal.stream_destroy(*st)?;
        }
        s.add(
            Label {
                group: THROUGHPUT,
                name: format!("vulkan plugin, {threads} streams x {threads} threads"),
                baseline: "raw ash threads, one submit per dispatch",
                unit: "launches/s",
                better: Better::Higher,
            },
            result?,
            json!({"plugin": "vulkan", "launches_per_sample": per_thread * threads, "block": BLOCK, "streams": threads}),
            None,
        );
    }

    // Latency: one launch and a wait for it, repeated.
    let (latency, trips) = round_trips(s, || plugin_launches(hal, function, stream, 1), || raw_one_submit_each(&raw, &pipe, &one, 1, &queue))?;
    s.add(
        Label {
            group: LATENCY,
            name: "vulkan plugin: fhLaunchKernel + fhStreamSynchronize".into(),
            baseline: "raw ash: record, vkQueueSubmit, vkWaitForFences",
            unit: "us",
            better: Better::Lower,
        },
        latency,
        json!({"plugin": "vulkan", "round_trips_per_sample": trips}),
        None,
    );
    hal.stream_destroy(stream)?;
    Ok(())
}
