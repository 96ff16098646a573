//! The C examples (c-examples/) are written only from the header and docs.
//! Built here with the system C compiler, exactly as the README shows
//! (`cc -std=c99 -Iinclude x.c -L... -lflaghal`), but under -Wall -Wextra
//! -Werror -pedantic; their kernels, one source each, built by flaghal-kernel
//! into one module bundle; and run on the CPU and Vulkan devices: their
//! output must show real, verified results.

use flaghal_integration::c;
use flaghal_integration::child::{ChildOutput, Scenario};
use flaghal_integration::paths;
use flaghal_kernel::{Build, SpirvFrom};
use std::path::{Path, PathBuf};

/// Builds one example program into `dir`.
fn example(dir: &Path, name: &str) -> PathBuf {
    let exe = dir.join(name);
    c::build_program(&paths::repo_root().join("c-examples").join(format!("{name}.c")), &exe, &[]);
    exe
}

/// Builds the examples' kernels (c-examples/kernels/*.fhk, with their
/// committed SPIR-V) into one bundle, `dir/examples.fhbundle`, as
/// `flaghal-kernel build --committed` does, under -Werror.
fn kernels(dir: &Path) -> PathBuf {
    let src_dir = paths::repo_root().join("c-examples/kernels");
    let mut build = Build::new(&dir.join("kernel-build"));
    build.include = paths::include_dir();
    build.tools.cc = c::cc().into();
    build.cflags = vec!["-Werror".into()];
    let sources = flaghal_kernel::committed::sources(&src_dir).unwrap();
    let built = build.bundle(&sources, &SpirvFrom::Committed, true).unwrap_or_else(|e| panic!("{e}"));
    let out = dir.join("examples.fhbundle");
    std::fs::write(&out, &built.bundle).unwrap();
    out
}

/// Runs a program in `scenario`'s environment; returns (exit code, output).
fn run(scenario: &Scenario, exe: &Path, args: &[&str]) -> (i32, ChildOutput) {
    scenario.run_program(exe, args)
}

#[test]
fn device_query_lists_loaded_and_skipped_plugins_and_every_device_property() {
    let dir = paths::scratch_dir("example-device-query");
    let exe = example(&dir, "device_query");
    let no_entry = PathBuf::from(env!("FLAGHAL_IT_ZOO_NO_ENTRY"));
    let scenario = Scenario::new("device_query").plugins(&[paths::cpu_plugin(), no_entry, paths::minimal_plugin()]);
    let (code, out) = run(&scenario, &exe, &[]);
    assert_eq!(code, 0, "{out:?}");
    let text = &out.stdout;
    for expected in [
        "FlagHAL API 1.2.0",
        "3 plugin(s):",
        "plugin 0: cpu: loaded",
        "plugin 1: ",
        "skipped (no entry point, reason 5): ",
        "fhPluginNegotiate",
        "plugin 2: minimal: loaded, 1 device(s), ABI 1.1, vendor \"FlagHAL examples\"",
        "manifest: (none: given directly)",
        // The minimal device is not a CPU, so it comes first.
        "device 0: minimal",
        "device 1: ",
        "type:                   CPU",
        "native CPU (3)",
        "memory alignment:       ",
        "max threads per block:  ",
        "free memory:            ",
    ] {
        assert!(text.contains(expected), "device_query output lacks {expected:?}:\n{text}");
    }
    // The minimal device's own block: it runs native CPU kernels and claims
    // only what host memory and host code give it.
    let minimal = &text[text.find("device 0: minimal").unwrap()..text.find("device 1: ").unwrap()];
    for expected in [
        "type:                   other",
        "module formats:         native CPU (3)",
        "capabilities:           atomic-int64, atomic-float32, float64, host-accessible-memory, address-checks, \
         float16, int8, int16, subgroup-arithmetic, subgroup-shuffle",
    ] {
        assert!(minimal.contains(expected), "the minimal device's properties lack {expected:?}:\n{minimal}");
    }
}

#[test]
fn vector_add_verifies_every_element_on_the_cpu_device() {
    let dir = paths::scratch_dir("example-vector-add");
    let exe = example(&dir, "vector_add");
    let bundle = kernels(&dir);
    let scenario = Scenario::cpu_only("vector_add");
    let (code, out) = run(&scenario, &exe, &["--device", "0", "--kernels", &paths::text(&bundle)]);
    assert_eq!(code, 0, "{out:?}");
    assert!(out.stdout.contains("vector_add: PASSED: all 1048576 elements correct"), "{out:?}");
    assert!(
        out.stdout.contains("kernel time ") && out.stdout.contains(" ms ("),
        "the CPU device times the kernel with events: {out:?}"
    );

    // The bundle may also come from FLAGHAL_EXAMPLE_KERNELS.
    let scenario = scenario.env("FLAGHAL_EXAMPLE_KERNELS", &paths::text(&bundle));
    let (code, out) = run(&scenario, &exe, &["--n", "1000"]);
    assert_eq!(code, 0, "{out:?}");
    assert!(out.stdout.contains("PASSED: all 1000 elements correct"), "{out:?}");
}

#[test]
fn vector_add_reports_a_missing_kernel_and_a_missing_device() {
    let dir = paths::scratch_dir("example-vector-add-errors");
    let exe = example(&dir, "vector_add");
    let (code, out) = run(&Scenario::cpu_only("vector_add"), &exe, &["--kernels", "/nonexistent.fhbundle"]);
    assert_eq!(code, 1, "{out:?}");
    assert!(out.stderr.contains("cannot read kernel bundle /nonexistent.fhbundle"), "{out:?}");

    // A bundle whose only image the device does not run: the loader says
    // what the device accepts and what the bundle offers.
    let ptx_only = dir.join("ptx-only.fhbundle");
    let bytes = flaghal_formats::bundle::Writer::new()
        .image(flaghal_sys::FH_MODULE_FORMAT_PTX, Some("sm_90"), b".version 8.0".to_vec())
        .to_bytes()
        .unwrap();
    std::fs::write(&ptx_only, bytes).unwrap();
    let (code, out) = run(&Scenario::cpu_only("vector_add"), &exe, &["--kernels", &paths::text(&ptx_only)]);
    assert_eq!(code, 1, "{out:?}");
    assert!(out.stderr.contains("FH_ERROR_NOT_SUPPORTED") && out.stderr.contains("the bundle offers PTX (sm_90)"), "{out:?}");

    // The plain-C minimal plugin takes native CPU modules too.
    let minimal_only = Scenario::new("vector_add").plugins(&[paths::minimal_plugin()]);
    let (code, out) = run(&minimal_only, &exe, &["--kernels", "/nonexistent.fhbundle"]);
    assert_eq!(code, 1, "{out:?}");
    assert!(out.stderr.contains("cannot read kernel bundle /nonexistent.fhbundle"), "{out:?}");

    let (code, out) = run(&minimal_only, &exe, &["--device", "7"]);
    assert_eq!(code, 1, "{out:?}");
    assert!(out.stderr.contains("device 7 requested, 1 available"), "{out:?}");
}

#[test]
fn streams_events_joins_two_streams_with_an_event_and_verifies_both() {
    let dir = paths::scratch_dir("example-streams-events");
    let exe = example(&dir, "streams_events");
    let bundle = kernels(&dir);
    let (code, out) = run(&Scenario::cpu_only("streams_events"), &exe, &["--kernels", &paths::text(&bundle)]);
    assert_eq!(code, 0, "{out:?}");
    assert!(out.stdout.contains("streams_events: PASSED: all 262144 elements correct on both streams"), "{out:?}");
    assert!(out.stdout.contains("both streams took "), "elapsed time across streams: {out:?}");
}

#[test]
fn the_examples_run_unchanged_on_every_device() {
    // The CPU plugin, the Vulkan plugin (whose device, lavapipe or a GPU,
    // takes the SPIR-V image) and the plain-C minimal plugin (native CPU
    // image, no event timing): the same bundle file everywhere.
    let dir = paths::scratch_dir("example-every-device");
    let (query, add, streams, matmul) =
        (example(&dir, "device_query"), example(&dir, "vector_add"), example(&dir, "streams_events"), example(&dir, "matmul"));
    let kernel_dir = paths::text(&kernels(&dir));
    let scenario = Scenario::new("every device").plugins(&[paths::cpu_plugin(), paths::vulkan_plugin(), paths::minimal_plugin()]);
    let (code, out) = run(&scenario, &query, &[]);
    assert_eq!(code, 0, "{out:?}");
    let count: u32 = out
        .stdout
        .lines()
        .find_map(|l| l.strip_suffix(" device(s)")?.parse().ok())
        .unwrap_or_else(|| panic!("no device count in:\n{}", out.stdout));
    assert!(count >= 2, "at least the minimal and the CPU device:\n{}", out.stdout);
    eprintln!("running the examples on {count} device(s):\n{}", out.stdout);
    for ordinal in 0..count {
        let device = ordinal.to_string();
        for (exe, extra, passed) in [
            (&add, &[][..], "vector_add: PASSED"),
            (&streams, &[][..], "streams_events: PASSED"),
            (&matmul, &["--size", "200", "130", "77", "--repeat", "1"][..], "matmul: PASSED: all 26000 elements correct"),
        ] {
            let mut args = vec!["--device", &device, "--kernels", &kernel_dir];
            args.extend_from_slice(extra);
            let (code, out) = run(&scenario, exe, &args);
            assert_eq!(code, 0, "{} on device {ordinal}: {out:?}", exe.display());
            assert!(out.stdout.contains(passed), "{out:?}");
            if out.stdout.contains("vector_add: device") && out.stdout.contains("(plugin minimal)") {
                assert!(out.stdout.contains("not measured (the device has no event timing)"), "{out:?}");
            }
        }
    }
}

/// Issue 12, item 3: FLAGHAL_TRACE=path.json writes a Chrome/Perfetto trace
/// of streams_events: valid trace JSON, one track per stream holding exactly
/// that stream's work in order and without overlap, device time where the
/// device has event timing, and every API call on the host thread's track.
#[test]
fn a_trace_of_streams_events_is_chrome_trace_json_with_one_track_per_stream() {
    let dir = paths::scratch_dir("example-streams-events-trace");
    let exe = example(&dir, "streams_events");
    let bundle = paths::text(&kernels(&dir));
    let vulkan = Scenario::new("trace vulkan").plugins(&[paths::vulkan_plugin()]);
    let minimal = Scenario::new("trace minimal").plugins(&[paths::minimal_plugin()]);
    for (plugin, scenario, timed) in [("cpu", Scenario::cpu_only("trace cpu"), true), ("vulkan", vulkan, true), ("minimal", minimal, false)] {
        let trace = dir.join(format!("{plugin}.json"));
        let _ = std::fs::remove_file(&trace);
        let (code, out) = run(&scenario.env("FLAGHAL_TRACE", &paths::text(&trace)), &exe, &["--kernels", &bundle]);
        if plugin == "vulkan" && out.stderr.contains("no device") {
            assert!(std::env::var("CI").is_err(), "CI must have lavapipe: {out:?}");
            continue;
        }
        assert_eq!(code, 0, "{plugin}: {out:?}");
        let text = std::fs::read_to_string(&trace).unwrap_or_else(|e| panic!("{plugin}: no trace at {}: {e}; {out:?}", trace.display()));
        check_streams_events_trace(plugin, &serde_json::from_str(&text).expect("the trace is JSON"), timed);
    }
    // An unwritable path costs the program nothing and says why.
    let (code, out) = run(&Scenario::cpu_only("trace nowhere").env("FLAGHAL_TRACE", "/nonexistent/dir/t.json"), &exe, &["--kernels", &bundle]);
    assert_eq!(code, 0, "{out:?}");
    assert!(out.stderr.contains("FLAGHAL_TRACE: cannot write /nonexistent/dir/t.json"), "{out:?}");
}

fn check_streams_events_trace(plugin: &str, trace: &serde_json::Value, timed: bool) {
    let events = trace["traceEvents"].as_array().unwrap_or_else(|| panic!("{plugin}: no traceEvents array"));
    let field = |e: &serde_json::Value, k: &str| e[k].as_str().unwrap_or("").to_string();
    for e in events {
        let ph = field(e, "ph");
        assert!(["X", "i", "M"].contains(&ph.as_str()), "{plugin}: unknown phase in {e}");
        assert!(e["pid"].is_u64() && (ph == "M" || (e["tid"].is_u64() && e["ts"].as_f64().is_some_and(f64::is_finite))), "{plugin}: {e}");
        assert!(ph != "X" || e["dur"].as_f64().is_some_and(|d| d >= 0.0), "{plugin}: a span without a duration: {e}");
    }
    let meta = |kind: &'static str| events.iter().filter(move |e| e["ph"] == "M" && e["name"] == kind);
    let device_name = meta("process_name").find(|e| e["pid"] == 1).map(|e| field(&e["args"], "name")).unwrap_or_default();
    assert!(device_name.starts_with("device 0: ") && device_name.ends_with(&format!("({plugin})")), "{plugin}: {device_name:?}");
    // One track per stream: the example's two streams, in creation order.
    let mut streams: Vec<(u64, String)> = meta("thread_name").filter(|e| e["pid"] == 1).map(|e| (e["tid"].as_u64().unwrap(), field(&e["args"], "name"))).collect();
    streams.sort();
    assert_eq!(streams, [(1, "stream 1".to_string()), (2, "stream 2".to_string())], "{plugin}");
    let on_track = |pid: u64, tid: u64, ph: &str| {
        let mut v: Vec<&serde_json::Value> = events.iter().filter(|e| e["pid"] == pid && e["tid"] == tid && e["ph"] == ph).collect();
        v.sort_by(|a, b| a["ts"].as_f64().partial_cmp(&b["ts"].as_f64()).unwrap());
        v
    };
    let names = |v: &[&serde_json::Value]| v.iter().map(|e| field(e, "name")).collect::<Vec<_>>();
    for (tid, work, marks) in [
        (1, &["HtoD copy", "HtoD copy", "vector_add"][..], &["fhEventRecord", "fhEventRecord"][..]),
        (2, &["HtoD copy", "scale", "fhStreamWaitEvent", "scale", "DtoH copy", "DtoH copy", "fhEventRecord"][..], &[][..]),
    ] {
        let spans = on_track(1, tid, "X");
        let instants = on_track(1, tid, "i");
        if tid == 1 {
            assert_eq!(names(&spans), work, "{plugin}: stream 1's work");
            assert_eq!(names(&instants), marks, "{plugin}: stream 1's marks");
        } else {
            let mut all = names(&spans);
            all.extend(names(&instants));
            let mut want: Vec<String> = work.iter().map(|s| s.to_string()).collect();
            want.sort();
            all.sort();
            assert_eq!(all, want, "{plugin}: stream 2's work and marks");
        }
        for pair in spans.windows(2) {
            let end = pair[0]["ts"].as_f64().unwrap() + pair[0]["dur"].as_f64().unwrap();
            assert!(end <= pair[1]["ts"].as_f64().unwrap() + 0.01, "{plugin}: stream {tid}: {} overlaps {}", pair[0], pair[1]);
        }
        for s in &spans {
            assert_eq!(s["args"]["device_time"].as_bool().unwrap_or(false), timed, "{plugin}: device time of {s}");
        }
    }
    if timed {
        // Device time of one device is one clock: the scale that waits for
        // `ready` starts after stream 1's vector_add has ended.
        let (add, waited) = (on_track(1, 1, "X")[2], on_track(1, 2, "X")[2]);
        let add_end = add["ts"].as_f64().unwrap() + add["dur"].as_f64().unwrap();
        assert!(waited["ts"].as_f64().unwrap() >= add_end - 1.0, "{plugin}: {waited} starts before {add} ends");
    }
    // Every API call of the example, on the host thread's track, with its status.
    let calls: Vec<&serde_json::Value> = events.iter().filter(|e| e["pid"] == 0 && e["ph"] == "X").collect();
    let count = |name: &str| calls.iter().filter(|e| e["name"] == name).count();
    for (name, n) in [
        ("fhInit", 1),
        ("fhStreamCreate", 2),
        ("fhEventCreate", 3),
        ("fhMemcpyHtoDAsync", 3),
        ("fhLaunchKernel", 3),
        ("fhEventRecord", 3),
        ("fhStreamWaitEvent", 1),
        ("fhMemcpyDtoHAsync", 2),
        ("fhStreamSynchronize", 2),
        ("fhStreamDestroy", 2),
        ("fhMemFree", 6),
    ] {
        assert_eq!(count(name), n, "{plugin}: {name} calls in the trace");
    }
    assert!(calls.iter().all(|e| e["args"]["status"] == "FH_SUCCESS"), "{plugin}: every call of the example succeeds");
    assert!(meta("thread_name").any(|e| e["pid"] == 0 && field(&e["args"], "name").starts_with("thread ")), "{plugin}: the host thread is named");
}
