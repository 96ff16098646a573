//! The parent process: parse options, list or run the catalogue group by
//! group in child processes, apply expectations, print progress and the
//! summary, write the reports, and exit with the verdict.

use crate::expectations::{self, Expectation};
use crate::options::{self, Options, Parsed};
use crate::outcome::{apply_expectation, verdict, Status};
use crate::record::TestRecord;
use crate::report::{self, Run};
use crate::runner;
use crate::sha256::sha256_hex;
use crate::status_names::capability_names;
use crate::suite::{catalogue, Gate, TestDef};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Exit codes: 0 conformant (or nothing to test without --require-device),
/// 1 not conformant, 2 bad usage or input.
pub fn main() -> i32 {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let options = match options::parse(args.clone()) {
        Ok(Parsed::Run(o)) => o,
        Ok(Parsed::Help) => {
            print!("{}", options::USAGE);
            return 0;
        }
        Err(e) => {
            eprintln!("flaghal-conformance: {e}");
            return 2;
        }
    };
    if options.run_group.is_some() {
        return crate::child::run(&options);
    }
    crate::signals::install();
    match run_parent(&options, args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("flaghal-conformance: {e}");
            2
        }
    }
}

pub fn tag(test: &TestDef) -> String {
    match test.gate {
        Gate::Core => "core".into(),
        Gate::Optional(0) => "optional".into(),
        Gate::Optional(cap) => format!("optional:{}", capability_names(cap).join("|")),
    }
}

fn selected(options: &Options) -> Vec<TestDef> {
    catalogue().into_iter().filter(|t| options.filter.as_deref().is_none_or(|f| flaghal_sys::glob::matches_any(f, t.name))).collect()
}

/// Writes the --list output. A reader that stops early (`--list | head`)
/// closes the pipe: that ends the listing, it is not a failure (println!
/// would panic on it).
fn write_listing(listing: &str) -> Result<i32, String> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(listing.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(0),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(0),
        Err(e) => Err(format!("--list: cannot write to stdout: {e}")),
    }
}

fn run_parent(options: &Options, args: Vec<String>) -> Result<i32, String> {
    let tests = selected(options);
    if options.list {
        let mut listing = String::new();
        for t in &tests {
            listing += &format!("{:<36} {:<28} {}\n", t.name, tag(t), t.summary);
        }
        listing += &format!("{} tests\n", tests.len());
        return write_listing(&listing);
    }
    if tests.is_empty() {
        return Err(format!("--filter {:?} matches no test (see --list)", options.filter.as_deref().unwrap_or("")));
    }
    if let Some(plugin) = &options.plugin {
        if !plugin.exists() {
            return Err(format!("--plugin {}: no such file", plugin.display()));
        }
    }
    let pack_format = match &options.kernel_pack {
        Some(dir) => Some(crate::kernels::load_pack(dir)?.format),
        None => None,
    };
    let expectations: Vec<Expectation> = match &options.expectations {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| format!("--expectations {}: {e}", path.display()))?;
            expectations::parse(&text).map_err(|e| format!("--expectations {}: {e}", path.display()))?
        }
        None => Vec::new(),
    };
    let started = Instant::now();
    let started_unix = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let quiet = options.quiet;

    let (probe, probe_error) = match runner::probe(options) {
        Ok(p) => (Some(p), None),
        Err(e) => (None, Some(e)),
    };
    let device = probe.as_ref().map(|p| p["device"].clone()).filter(|d| !d.is_null());
    if let (Some(format), Some(d)) = (pack_format, &device) {
        let accepted: Vec<i64> = d["module_formats"].as_array().into_iter().flatten().filter_map(|f| f.as_i64()).collect();
        if !accepted.contains(&i64::from(format)) {
            return Err(format!(
                "--kernel-pack {}: its format {format} is not among the device's module formats {accepted:?}",
                options.kernel_pack.as_ref().map(|p| p.display().to_string()).unwrap_or_default()
            ));
        }
    }
    let text = |v: &serde_json::Value| v.as_str().unwrap_or("").to_string();
    let plugin_name = probe.as_ref().map(|p| text(&p["plugin"]["name"])).unwrap_or_default();
    let plugin_version = probe.as_ref().map(|p| text(&p["plugin"]["version"])).unwrap_or_default();
    let device_name = device.as_ref().map(|d| text(&d["name"])).unwrap_or_default();
    match (&device, &probe_error) {
        (Some(d), _) => println!(
            "flaghal-conformance {}: device {} '{}' ({}), plugin {} {} ({}), kernels: {}",
            report::json::SUITE_VERSION,
            options.device,
            device_name,
            text(&d["vendor"]),
            plugin_name,
            plugin_version,
            probe.as_ref().map(|p| text(&p["plugin"]["library_path"])).unwrap_or_default(),
            probe.as_ref().map(|p| text(&p["kernels"]["origin"])).unwrap_or_default(),
        ),
        (None, Some(e)) => println!("flaghal-conformance: cannot describe the device: {e}"),
        (None, None) => println!(
            "flaghal-conformance: no device {} found ({} devices visible)",
            options.device,
            probe.as_ref().map(|p| p["device_count"].to_string()).unwrap_or_default()
        ),
    }

    let plugin_library = probe
        .as_ref()
        .map(|p| text(&p["plugin"]["library_path"]))
        .filter(|s| !s.is_empty())
        .map(std::path::PathBuf::from)
        .or_else(|| options.plugin.clone().filter(|p| p.extension().is_none_or(|e| e != "json")));
    let plugin_sha256 = plugin_library.and_then(|p| std::fs::read(p).ok()).map(|bytes| sha256_hex(&bytes));

    let mut records: Vec<TestRecord> = Vec::new();
    let mut timed_out: Vec<String> = Vec::new();
    let gave_up = |timed_out: &[String]| options.max_timeouts > 0 && timed_out.len() >= options.max_timeouts;
    if device.is_some() {
        let total = tests.len();
        let mut groups: Vec<&str> = Vec::new();
        for t in &tests {
            if !groups.contains(&t.group()) {
                groups.push(t.group());
            }
        }
        let expectation_of = |t: &TestDef| expectations::find(&expectations, &plugin_name, &plugin_version, &device_name, t.name).map(|e| e.reason.clone());
        for group in groups {
            if gave_up(&timed_out) {
                break;
            }
            let in_group: Vec<&TestDef> = tests.iter().filter(|t| t.group() == group).collect();
            let mut to_run = Vec::new();
            for t in &in_group {
                match expectation_of(t) {
                    Some(reason) if !options.run_expected_failures => {
                        let record = TestRecord {
                            name: t.name.into(),
                            core: t.core(),
                            tag: tag(t),
                            status: Status::ExpectedFailure,
                            message: "not run (listed in the expectations file; --run-expected-failures runs it)".into(),
                            duration_ms: 0.0,
                            expectation: Some(reason),
                        };
                        progress(&record, records.len() + 1, total, quiet);
                        records.push(record);
                    }
                    _ => to_run.push(t.name.to_string()),
                }
            }
            if to_run.is_empty() {
                continue;
            }
            let mut on_result = |f: &runner::Finished| -> bool {
                let Some(t) = in_group.iter().find(|t| t.name == f.name) else { return true };
                let expectation = expectation_of(t);
                let status = if expectation.is_some() { apply_expectation(f.status) } else { f.status };
                let record = TestRecord {
                    name: f.name.clone(),
                    core: t.core(),
                    tag: tag(t),
                    status,
                    message: f.message.clone(),
                    duration_ms: f.duration_ms,
                    expectation,
                };
                progress(&record, records.len() + 1, total, quiet);
                records.push(record);
                if f.status == Status::Timeout {
                    timed_out.push(f.name.clone());
                }
                !gave_up(&timed_out)
            };
            runner::run_group(options, group, &to_run, &mut on_result);
        }
    }
    let gave_up = gave_up(&timed_out).then(|| {
        let not_run: Vec<&TestDef> = tests.iter().filter(|t| !records.iter().any(|r| r.name == t.name)).collect();
        for t in &not_run {
            records.push(TestRecord {
                name: t.name.into(),
                core: t.core(),
                tag: tag(t),
                status: Status::NotRun,
                message: format!("not run: the suite gave up after {} timeouts (--max-timeouts)", timed_out.len()),
                duration_ms: 0.0,
                expectation: None,
            });
        }
        format!(
            "{} tests timed out ({}), so the plugin hangs; {} tests were not run (--max-timeouts {}, --timeout {:.0} s)",
            timed_out.len(),
            timed_out.join(", "),
            not_run.len(),
            options.max_timeouts,
            options.timeout_seconds
        )
    });
    let results: Vec<(bool, Status)> = records.iter().map(|r| (r.core, r.status)).collect();
    let verdict = if device.is_none() && !options.require_device { None } else { Some(verdict(&results, device.is_some(), options.require_device)) };
    let run = Run {
        records,
        probe,
        probe_error,
        verdict,
        plugin_arg: options.plugin.as_ref().map(|p| p.display().to_string()),
        plugin_sha256,
        started_unix,
        duration_s: started.elapsed().as_secs_f64(),
        command_line: args,
        gave_up,
    };
    print!("{}", report::summary::render(&run));
    if run.verdict.is_none() {
        println!("No device to test: nothing was certified (--require-device makes this a failure).");
    }
    if let Some(path) = &options.junit {
        std::fs::write(path, report::junit::render(&run)).map_err(|e| format!("--junit {}: {e}", path.display()))?;
    }
    if let Some(path) = &options.json {
        let text = serde_json::to_string_pretty(&report::json::render(&run)).map_err(|e| e.to_string())?;
        std::fs::write(path, text + "\n").map_err(|e| format!("--json {}: {e}", path.display()))?;
    }
    Ok(match run.verdict {
        Some(crate::outcome::Verdict::Conformant) | None => 0,
        Some(crate::outcome::Verdict::NotConformant) => 1,
    })
}

fn progress(r: &TestRecord, index: usize, total: usize, quiet: bool) {
    if quiet && r.status.acceptable(r.core) {
        return;
    }
    let width = total.to_string().len();
    let first = r.message.lines().next().unwrap_or("");
    let note = if first.is_empty() { String::new() } else { format!("  {}", first.chars().take(160).collect::<String>()) };
    println!("[{index:>width$}/{total}] {:<40} {:<16} {:>8.1} ms{note}", r.name, r.status.name(), r.duration_ms);
}
