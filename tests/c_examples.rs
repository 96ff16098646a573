//! The C examples (c-examples/) are written only from the header and docs.
//! Built here with the system C compiler, exactly as the README shows
//! (`cc -std=c99 -Iinclude x.c -L... -lflaghal`, kernels with `-shared -fPIC`),
//! but under -Wall -Wextra -Werror -pedantic, and run on the CPU plugin:
//! their output must show real, verified results.

use flaghal_integration::c;
use flaghal_integration::child::{to_text, ChildOutput, Scenario};
use flaghal_integration::paths;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Builds one example program into `dir`.
fn example(dir: &Path, name: &str) -> PathBuf {
    let exe = dir.join(name);
    c::build_program(&paths::repo_root().join("c-examples").join(format!("{name}.c")), &exe, &[]);
    exe
}

/// Builds the examples' kernels into `dir/kernels`, one module per kernel,
/// beside the committed SPIR-V versions (`<name>.spv`) where they exist.
fn kernels(dir: &Path) -> PathBuf {
    let out = dir.join("kernels");
    std::fs::create_dir_all(&out).unwrap();
    let src_dir = paths::repo_root().join("c-examples/kernels");
    for name in ["vector_add", "scale"] {
        c::build_kernel(&src_dir.join(format!("{name}.c")), &out.join(format!("{name}.so")));
        let spv = src_dir.join(format!("{name}.spv"));
        if spv.is_file() {
            std::fs::copy(&spv, out.join(format!("{name}.spv"))).unwrap();
        }
    }
    out
}

/// Runs a program in `scenario`'s environment; returns (exit code, output).
fn run(scenario: &Scenario, exe: &Path, args: &[&str]) -> (i32, ChildOutput) {
    let mut cmd = Command::new(exe);
    cmd.args(args);
    scenario.apply(&mut cmd);
    let out = cmd.output().unwrap_or_else(|e| panic!("run {}: {e}", exe.display()));
    (out.status.code().unwrap_or(-1), to_text(&out))
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
        "FlagHAL API 1.0.0",
        "3 plugin(s):",
        "plugin 0: cpu: loaded",
        "plugin 1: ",
        "skipped (no entry point, reason 5): ",
        "fhPluginNegotiate",
        "plugin 2: minimal: loaded, 1 device(s), ABI 1.0, vendor \"FlagHAL examples\"",
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
        "capabilities:           atomic-int64, atomic-float32, float64, host-accessible-memory, address-checks",
    ] {
        assert!(minimal.contains(expected), "the minimal device's properties lack {expected:?}:\n{minimal}");
    }
}

#[test]
fn vector_add_verifies_every_element_on_the_cpu_device() {
    let dir = paths::scratch_dir("example-vector-add");
    let exe = example(&dir, "vector_add");
    let kernel_dir = kernels(&dir);
    let scenario = Scenario::cpu_only("vector_add");
    let (code, out) = run(&scenario, &exe, &["--device", "0", "--kernels", &paths::text(&kernel_dir)]);
    assert_eq!(code, 0, "{out:?}");
    assert!(out.stdout.contains("vector_add: PASSED: all 1048576 elements correct"), "{out:?}");
    assert!(out.stdout.contains("vector_add.so (format 3)"), "picked the native CPU module: {out:?}");
    assert!(
        out.stdout.contains("kernel time ") && out.stdout.contains(" ms ("),
        "the CPU device times the kernel with events: {out:?}"
    );

    // The kernel folder may also come from FLAGHAL_EXAMPLE_KERNELS.
    let scenario = scenario.env("FLAGHAL_EXAMPLE_KERNELS", &paths::text(&kernel_dir));
    let (code, out) = run(&scenario, &exe, &["--n", "1000"]);
    assert_eq!(code, 0, "{out:?}");
    assert!(out.stdout.contains("PASSED: all 1000 elements correct"), "{out:?}");
}

#[test]
fn vector_add_reports_a_missing_kernel_and_a_missing_device() {
    let dir = paths::scratch_dir("example-vector-add-errors");
    let exe = example(&dir, "vector_add");
    let (code, out) = run(&Scenario::cpu_only("vector_add"), &exe, &["--kernels", "/nonexistent"]);
    assert_eq!(code, 1, "{out:?}");
    assert!(out.stderr.contains("cannot read kernel file /nonexistent/vector_add.so"), "{out:?}");

    // The plain-C minimal plugin takes native CPU modules too.
    let minimal_only = Scenario::new("vector_add").plugins(&[paths::minimal_plugin()]);
    let (code, out) = run(&minimal_only, &exe, &["--kernels", "/nonexistent"]);
    assert_eq!(code, 1, "{out:?}");
    assert!(out.stderr.contains("cannot read kernel file /nonexistent/vector_add.so"), "{out:?}");

    let (code, out) = run(&minimal_only, &exe, &["--device", "7"]);
    assert_eq!(code, 1, "{out:?}");
    assert!(out.stderr.contains("device 7 requested, 1 available"), "{out:?}");
}

#[test]
fn streams_events_joins_two_streams_with_an_event_and_verifies_both() {
    let dir = paths::scratch_dir("example-streams-events");
    let exe = example(&dir, "streams_events");
    let kernel_dir = kernels(&dir);
    let (code, out) = run(&Scenario::cpu_only("streams_events"), &exe, &["--kernels", &paths::text(&kernel_dir)]);
    assert_eq!(code, 0, "{out:?}");
    assert!(out.stdout.contains("streams_events: PASSED: all 262144 elements correct on both streams"), "{out:?}");
    assert!(out.stdout.contains("both streams took "), "elapsed time across streams: {out:?}");
}

#[test]
fn the_examples_run_unchanged_on_every_device() {
    // The CPU plugin, the Vulkan plugin (whose device, lavapipe or a GPU,
    // takes the SPIR-V kernels) and the plain-C minimal plugin (native CPU
    // kernels, no event timing); each example picks its module by the
    // device's preferred format.
    let dir = paths::scratch_dir("example-every-device");
    let (query, add, streams) = (example(&dir, "device_query"), example(&dir, "vector_add"), example(&dir, "streams_events"));
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
        for (exe, passed) in [(&add, "vector_add: PASSED"), (&streams, "streams_events: PASSED")] {
            let (code, out) = run(&scenario, exe, &["--device", &device, "--kernels", &kernel_dir]);
            assert_eq!(code, 0, "{} on device {ordinal}: {out:?}", exe.display());
            assert!(out.stdout.contains(passed), "{out:?}");
            if out.stdout.contains("(plugin minimal)") {
                assert!(out.stdout.contains("not measured (the device has no event timing)"), "{out:?}");
            }
        }
    }
}
