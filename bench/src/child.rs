//! Child processes: this same executable re-run with `--child MODE`, for
//! what one process cannot measure twice (start-up) or needs a different
//! environment read once at plugin start (FLAGHAL_VULKAN_FORCE_STAGING).
//! A child prints one JSON object as its last stdout line.

use crate::paths;
use flaghal_client::Hal;
use crate::row::from_json;
use serde_json::{json, Value};
use std::process::Command;
use std::time::Instant;

/// The modes a child can run.
pub const MODES: [&str; 5] = ["startup-flaghal", "startup-vulkan", "copy-staging", crate::bench_opencl::COARSE_CHILD, crate::bench_trace::CHILD];

/// Runs `--child mode` with extra environment; returns its JSON line.
pub fn spawn(mode: &str, smoke: bool, env: &[(&str, &str)]) -> Result<Value, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut command = Command::new(exe);
    command.args(["--child", mode]);
    if smoke {
        command.arg("--smoke");
    }
    command.envs(env.iter().copied());
    let output = command.output().map_err(|e| format!("cannot start child {mode}: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(format!("child {mode} failed ({}): {}", output.status, stderr.trim()));
    }
    let last = stdout.lines().last().unwrap_or("");
    serde_json::from_str(last).map_err(|e| format!("child {mode}: bad output {last:?}: {e}; stderr: {}", stderr.trim()))
}

/// Milliseconds a start-up child reported.
pub fn spawn_ms(mode: &str, env: &[(&str, &str)]) -> Result<f64, String> {
    let v = spawn(mode, false, env)?;
    v["ms"].as_f64().ok_or_else(|| format!("child {mode}: no ms in {v}"))
}

/// Rows a child measured.
pub fn spawn_rows(mode: &str, smoke: bool, env: &[(&str, &str)]) -> Result<Vec<crate::row::Row>, String> {
    let v = spawn(mode, smoke, env)?;
    v["rows"].as_array().ok_or_else(|| format!("child {mode}: no rows in {v}"))?.iter().map(from_json).collect()
}

/// The body of a child: prints its JSON line; Err makes the exit status 1.
pub fn run(mode: &str, smoke: bool) -> Result<(), String> {
    let out = match mode {
        "startup-flaghal" => {
            let hal = Hal::open_at(&paths::loader()?)?;
            let start = Instant::now();
            hal.init(0)?;
            let device = hal.device_of_plugin("vulkan")?.ok_or("no vulkan device after fhInit")?;
            let stream = hal.stream_create(device)?;
            let ms = start.elapsed().as_secs_f64() * 1e3;
            hal.stream_destroy(stream)?;
            json!({"ms": ms})
        }
        "startup-vulkan" => {
            let start = Instant::now();
            let raw = crate::vk_raw::create()?;
            let ms = start.elapsed().as_secs_f64() * 1e3;
            drop(raw);
            json!({"ms": ms})
        }
        "copy-staging" => {
            let mut suite = crate::open_suite(smoke)?;
            let device = suite.vulkan.ok_or("no vulkan device")?;
            crate::bench_copy::run_device(&mut suite, "vulkan staging", device)?;
            let rows: Vec<Value> = suite.rows.iter().map(|r| r.to_json()).collect();
            let _ = std::fs::remove_dir_all(&suite.scratch);
            json!({"rows": rows})
        }
        crate::bench_opencl::COARSE_CHILD => {
            let rows: Vec<Value> = crate::bench_opencl::coarse_child(smoke)?.iter().map(|r| r.to_json()).collect();
            json!({"rows": rows})
        }
        crate::bench_trace::CHILD => crate::bench_trace::child()?,
        other => return Err(format!("unknown child mode {other:?} (known: {MODES:?})")),
    };
    println!("{out}");
    Ok(())
}

