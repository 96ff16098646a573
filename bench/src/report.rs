//! The outputs of a run: the printed table with its notes, the JSON file, the
//! Markdown table and the bandwidth chart.

use crate::cli::Options;
use crate::row::Row;
use crate::suite::Suite;
use crate::svg::{chart, Series};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

fn first_line_with(path: &str, prefix: &str) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    text.lines().find(|l| l.starts_with(prefix)).map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
}

/// Records the CPU, core count, kernel and the load average under `load_key`.
pub fn describe_machine(machine: &mut Map<String, Value>, load_key: &str) {
    if !machine.contains_key("cpu") {
        machine.insert("cpu".into(), json!(first_line_with("/proc/cpuinfo", "model name").unwrap_or_default()));
        machine.insert("cores".into(), json!(std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0)));
        machine.insert("memory".into(), json!(first_line_with("/proc/meminfo", "MemTotal").unwrap_or_default()));
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
        machine.insert("kernel".into(), json!(kernel.trim()));
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    machine.insert(load_key.into(), json!(load.split_whitespace().take(3).collect::<Vec<_>>().join(" ")));
}

/// The copy rows as chart lines: one per plugin, direction and host memory,
/// plus the host memcpy baseline (median over every row of each size).
pub fn bandwidth_series(rows: &[Row]) -> Vec<Series> {
    let mut lines: BTreeMap<String, (bool, Vec<(f64, f64)>)> = BTreeMap::new();
    let mut memcpy: BTreeMap<u64, Vec<f64>> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.group == crate::bench_copy::GROUP) {
        let p = &r.params;
        let (Some(plugin), Some(direction), Some(memory), Some(bytes)) =
            (p["plugin"].as_str(), p["direction"].as_str(), p["memory"].as_str(), p["bytes"].as_u64())
        else {
            continue;
        };
        let entry = lines.entry(format!("{plugin} {direction} {memory}")).or_insert((memory == "pageable", Vec::new()));
        entry.1.push((bytes as f64, r.value.median));
        memcpy.entry(bytes).or_default().push(r.baseline.median);
    }
    let mut series: Vec<Series> =
        lines.into_iter().map(|(label, (dashed, points))| Series { label, points, dashed }).collect();
    if !memcpy.is_empty() {
        let points = memcpy
            .into_iter()
            .filter_map(|(bytes, v)| Some((bytes as f64, crate::stats::summarize(&v)?.median)))
            .collect();
        series.insert(0, Series { label: "host memcpy (limit)".into(), points, dashed: false });
    }
    series
}

pub fn write(suite: &Suite, options: &Options, failures: &[String]) -> Result<(), String> {
    let rows = &suite.rows;
    println!("{}", crate::table::render(rows));
    println!("Values are medians; ± is half the interquartile range. % of base = FlagHAL's speed as a share of the baseline's.");
    for r in rows.iter().filter(|r| r.note.is_some()) {
        println!("note: {}", r.note.as_deref().unwrap_or(""));
    }
    for (k, v) in &suite.machine {
        println!("machine: {k} = {}", v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()));
    }
    for s in &suite.skipped {
        println!("skipped: {s}");
    }
    for f in failures {
        println!("FAILED: {f}");
    }
    let mode = if options.smoke { "smoke" } else { "full" };
    if let Some(path) = &options.json {
        let doc = json!({
            "tool": "flaghal-bench",
            "mode": mode,
            "machine": suite.machine,
            "rows": rows.iter().map(Row::to_json).collect::<Vec<_>>(),
            "skipped": suite.skipped,
            "failures": failures,
        });
        let text = serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?;
        std::fs::write(path, text + "\n").map_err(|e| format!("{}: {e}", path.display()))?;
    }
    if let Some(path) = &options.markdown {
        std::fs::write(path, crate::table::markdown(rows)).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    if let Some(path) = &options.svg {
        let cpu = suite.machine.get("cpu").and_then(Value::as_str).unwrap_or("");
        let subtitle = format!("flaghal-bench ({mode}), synchronous copies, median; {cpu}; dashed = pageable host memory");
        let svg = chart("FlagHAL copy bandwidth against transfer size", &subtitle, &bandwidth_series(rows));
        std::fs::write(path, svg).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}
