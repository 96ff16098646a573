//! Section 10 of the table: the trace layer (FLAGHAL_TRACE). Off, every
//! hook is one relaxed atomic load, so fhStreamQuery through the loader with
//! tracing off is set beside the plugin's own entry (what the loader adds,
//! trace check included). On, the same calls run in child processes of this
//! executable, one with FLAGHAL_TRACE set and one without, alternated, for a
//! cheap call (fhStreamQuery on an idle stream) and a stream operation
//! (a 4-byte fhMemsetD8Async, which tracing brackets with two timing events,
//! with one fhStreamSynchronize per batch, where they are resolved).

use crate::bench_calls::{calls, loader_vs_table};
use crate::child::spawn;
use crate::measure::{pair, Plan};
use crate::paths::{built_library, CPU_PLUGIN};
use crate::row::Better;
use crate::suite::{Label, Suite};
use flaghal_client::Hal;
use flaghal_sys::{fh_status_t, FH_SUCCESS};
use serde_json::{json, Value};
use std::time::Instant;

const GROUP: &str = "10. trace layer (FLAGHAL_TRACE)";
/// The child mode that measures both calls.
pub const CHILD: &str = "trace-calls";
/// Memsets per batch (one stream synchronisation each).
const BATCH: usize = 256;

pub fn run(s: &mut Suite) -> Result<(), String> {
    let Some(cpu) = s.cpu else {
        s.skip("trace layer", "no CPU device");
        return Ok(());
    };
    loader_vs_table(s, GROUP, "cpu", cpu, CPU_PLUGIN, false)?;
    let plan = s.plan(Plan { warmup: 1, reps: 9 }, Plan { warmup: 0, reps: 2 });
    let trace = s.scratch.join("trace.json");
    let plugin = built_library(CPU_PLUGIN)?.display().to_string();
    let smoke = if s.smoke { "1" } else { "0" };
    let off = [("FLAGHAL_PLUGIN_FILES", plugin.as_str()), ("FLAGHAL_BENCH_TRACE_SMOKE", smoke)];
    let trace_path = trace.display().to_string();
    let on = [off[0], off[1], ("FLAGHAL_TRACE", trace_path.as_str())];
    for (key, name) in [("query_ns", "fhStreamQuery (idle stream, cpu)"), ("memset_ns", "fhMemsetD8Async 4 B + sync per 256 (cpu)")] {
        let sample = |env: &[(&str, &str)]| -> Result<f64, String> {
            let v = spawn(CHILD, s.smoke, env)?;
            v[key].as_f64().ok_or_else(|| format!("child {CHILD}: no {key} in {v}"))
        };
        let result = pair(plan, || sample(&on), || sample(&off))?;
        let written = std::fs::metadata(&trace).map(|m| m.len()).map_err(|e| format!("tracing child wrote no {}: {e}", trace.display()))?;
        let row = s.add(
            Label {
                group: GROUP,
                name: format!("{name}, FLAGHAL_TRACE on (child)"),
                baseline: "the same, FLAGHAL_TRACE unset (child)",
                unit: "ns/call",
                better: Better::Lower,
            },
            result,
            json!({"plugin": "cpu", "trace_bytes": written}),
            None,
        );
        let added = row.difference();
        s.rows.last_mut().expect("just added").note = Some(format!("tracing on adds {added:.0} ns per call"));
    }
    Ok(())
}

/// The child: ns per call of both calls on the CPU device, each the median of
/// a few rounds.
pub fn child() -> Result<Value, String> {
    let smoke = std::env::var("FLAGHAL_BENCH_TRACE_SMOKE").as_deref() == Ok("1");
    let (rounds, count) = if smoke { (2, 512) } else { (5, 4096) };
    let hal = Hal::open_at(&crate::paths::loader()?)?;
    hal.init(0)?;
    let device = hal.device_of_plugin("cpu")?.ok_or("no cpu device")?;
    let stream = hal.stream_create(device)?;
    let buffer = hal.mem_alloc(device, 4)?;
    let query = hal.raw().fhStreamQuery;
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let mut queries = Vec::new();
    let mut memsets = Vec::new();
    for _ in 0..rounds {
        // SAFETY: a live, idle stream.
        queries.push(calls::<fh_status_t>(count, FH_SUCCESS, || unsafe { query(stream.0) })?);
        let start = Instant::now();
        for batch in 0..count / BATCH {
            for _ in 0..BATCH {
                hal.memset_async(buffer, batch as u32, 1, 4, stream)?;
            }
            hal.stream_synchronize(stream)?;
        }
        memsets.push(start.elapsed().as_nanos() as f64 / (count / BATCH * BATCH) as f64);
    }
    hal.mem_free(device, buffer)?;
    hal.stream_destroy(stream)?;
    std::mem::forget(hal);
    Ok(json!({"query_ns": median(queries), "memset_ns": median(memsets)}))
}
