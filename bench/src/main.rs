//! flaghal-bench: what FlagHAL costs on top of the native API underneath and
//! the physical limit, measured side by side in one run (issue 5).
//!
//! Every row is measured in the same process as its baseline (start-up and
//! forced staging use child processes of this executable, baseline included),
//! with warm-up and many repetitions that alternate row and baseline, and
//! reports the median and the interquartile spread. Nothing here is a speed
//! test: `--smoke` only checks that the program works and the numbers are
//! sane. See docs/performance.md for the latest results.

mod bench_alloc;
mod bench_calls;
mod bench_copy;
mod bench_launch;
mod bench_matmul;
mod bench_ops;
mod bench_opencl;
mod bench_opencl_calls;
mod bench_opencl_copy;
mod bench_opencl_launch;
mod bench_opencl_saxpy;
mod bench_peer;
mod bench_saxpy;
mod bench_startup;
mod bench_trace;
mod child;
mod cl_raw;
mod cli;
mod direct;
mod kernels;
mod matmul_host;
mod matmul_numpy;
mod measure;
mod paths;
mod report;
mod row;
mod stats;
mod suite;
mod svg;
mod table;
mod vk_raw;

use flaghal_client::Hal;
use std::process::ExitCode;
use suite::Suite;

/// Loads libflaghal.so, runs fhInit and finds the first device of each
/// plugin (CPU, Vulkan, OpenCL). The Hal is leaked: FlagHAL libraries are never unloaded
/// while the process runs (docs/abi.md, "Lifetime"), and a `&'static Hal`
/// is Copy, so sections hand it to closures and threads.
pub fn open_suite(smoke: bool) -> Result<Suite, String> {
    let hal: &'static Hal = Box::leak(Box::new(Hal::open_at(&paths::loader()?)?));
    hal.init(0)?;
    let devices = hal.devices()?.into_iter().map(|d| Ok((d, hal.properties(d)?))).collect::<Result<Vec<_>, String>>()?;
    let first = |plugin: &str| devices.iter().find(|(_, p)| p.plugin_name() == plugin).map(|(d, _)| *d);
    let scratch = std::env::temp_dir().join(format!("flaghal-bench-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).map_err(|e| format!("{}: {e}", scratch.display()))?;
    let mut machine = serde_json::Map::new();
    machine.insert(
        "devices".into(),
        serde_json::json!(devices.iter().map(|(_, p)| format!("{}: {}", p.plugin_name(), p.name())).collect::<Vec<_>>()),
    );
    Ok(Suite {
        hal,
        cpu: first("cpu"),
        vulkan: first("vulkan"),
        opencl: first("opencl"),
        smoke,
        scratch,
        rows: Vec::new(),
        skipped: Vec::new(),
        machine,
    })
}

fn run(options: &cli::Options) -> Result<bool, String> {
    let mut suite = open_suite(options.smoke)?;
    report::describe_machine(&mut suite.machine, "load_before");
    let mut failures: Vec<String> = Vec::new();
    let mut section = |suite: &mut Suite, wanted: bool, name: &str, f: &dyn Fn(&mut Suite) -> Result<(), String>| {
        if wanted {
            eprintln!("flaghal-bench: {name} ...");
            if let Err(e) = f(suite) {
                eprintln!("flaghal-bench: {name} FAILED: {e}");
                failures.push(format!("{name}: {e}"));
            }
        }
    };
    section(&mut suite, options.runs(1), "call overhead", &bench_calls::run);
    section(&mut suite, options.runs(2) || options.runs(3), "launch throughput and latency", &bench_launch::run);
    section(&mut suite, options.runs(4), "copy bandwidth", &|s| {
        for (plugin, device) in [("cpu", s.cpu), ("vulkan", s.vulkan)] {
            match device {
                Some(d) => bench_copy::run_device(s, plugin, d)?,
                None => s.skip(&format!("copy bandwidth ({plugin})"), "no device of this plugin"),
            }
        }
        if s.vulkan.is_some() {
            let rows = child::spawn_rows("copy-staging", s.smoke, &[("FLAGHAL_VULKAN_FORCE_STAGING", "1")])?;
            s.rows.extend(rows);
        }
        Ok(())
    });
    section(&mut suite, options.runs(5), "allocation", &bench_alloc::run);
    section(&mut suite, options.runs(6), "start-up", &bench_startup::run);
    section(&mut suite, options.runs(7), "kernel throughput", &bench_saxpy::run);
    section(&mut suite, options.runs(8), "matmul", &bench_matmul::run);
    section(&mut suite, options.runs(9), "OpenCL beside raw OpenCL", &bench_opencl::run);
    section(&mut suite, options.runs(10), "trace layer", &bench_trace::run);
    section(&mut suite, options.runs(11), "copies between devices", &bench_peer::run);
    section(&mut suite, options.runs(12), "ggml mul_mat (operator library)", &bench_ops::run);
    report::describe_machine(&mut suite.machine, "load_after");
    report::write(&suite, options, &failures)?;
    let _ = std::fs::remove_dir_all(&suite.scratch);
    Ok(failures.is_empty())
}

fn main() -> ExitCode {
    let options = match cli::parse(std::env::args().skip(1)) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("flaghal-bench: {e}");
            return ExitCode::from(2);
        }
    };
    if options.help {
        println!("{}", cli::USAGE);
        return ExitCode::SUCCESS;
    }
    if let Err(e) = paths::prepare_environment() {
        eprintln!("flaghal-bench: {e}");
        return ExitCode::FAILURE;
    }
    let result = match &options.child {
        Some(mode) => child::run(mode, options.smoke).map(|()| true),
        None => run(&options),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("flaghal-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
