//! Each planted bug is caught: the run completes, reports are written, the
//! verdict is NOT CONFORMANT and the tests aimed at that bug fail or crash;
//! a plugin that hangs is given up on after three timeouts.

mod common;
use common::*;

fn planted(bug: &str, must_catch: &[(&str, &str)]) {
    let shim = shim();
    let cpu = cpu_plugin();
    let out = run(
        &format!("planted-{bug}"),
        &["--plugin", shim.to_str().unwrap(), "--require-device", "--timeout", "60"],
        &[("FLAGHAL_PLANTED_BUG", bug), ("FLAGHAL_PLANTED_BUG_TARGET", cpu.to_str().unwrap())],
    );
    assert_eq!(out.code, 1, "{bug}: exit code\n{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("NOT CONFORMANT:"), "{}", out.stdout);
    let json = out.json.unwrap_or_else(|| panic!("{bug}: JSON report missing\n{}", out.stdout));
    assert_eq!(json["verdict"], "NOT CONFORMANT");
    assert_eq!(json["plugin"]["name"], format!("planted-{bug}"));
    assert_eq!(json["results"].as_array().unwrap().len(), catalogue_len(), "{bug}: the run completed every test");
    for (test, status) in must_catch {
        assert_eq!(status_of(&json, test), *status, "{bug}: {test}");
    }
    // The ABI tests do not blame the shim for what it forwards faithfully.
    assert_eq!(status_of(&json, "abi.function_table"), "pass");
    let junit = out.junit.expect("JUnit report written");
    assert!(junit.contains("<failure") || junit.contains("<error"), "{bug}: JUnit shows the failure");
}

#[test]
fn copy_length_is_caught() {
    planted("copy_length", &[("copies.round_trip_odd_sizes", "fail"), ("copies.async_round_trip", "fail"), ("stress.large_transfer", "fail")]);
}

#[test]
fn stream_order_is_caught() {
    // Each of these sees the late memset deterministically (the copy that
    // should follow it runs first on the same in-order stream).
    planted("stream_order", &[("streams.in_order", "fail"), ("streams.synchronize_waits", "fail"), ("streams.host_func_order", "fail")]);
}

#[test]
fn query_lies_is_caught() {
    planted("query_lies", &[("streams.query_not_ready", "fail"), ("errors.not_ready", "fail"), ("kernels.spin_busy", "fail")]);
}

#[test]
fn launch_crash_is_caught_and_the_run_goes_on() {
    planted("launch_crash", &[("kernels.grid_1d_ragged", "crash"), ("stress.many_launches", "crash"), ("stress.large_transfer", "pass")]);
}

#[test]
fn pointer_lies_is_caught() {
    planted("pointer_lies", &[("pointers.device_allocations", "fail"), ("pointers.any_device", "fail"), ("pointers.pinned_host", "fail")]);
}

#[test]
fn zero_elapsed_time_is_caught() {
    planted("zero_elapsed", &[("events.elapsed_time", "fail")]);
}

#[test]
fn a_stream_create_out_of_memory_fails_the_tests_that_need_a_stream() {
    planted("stream_oom", &[("streams.in_order", "fail"), ("events.query_synchronize", "fail")]);
}

#[test]
fn a_null_handle_from_create_fails_tests_instead_of_crashing_them() {
    planted("null_handle", &[("streams.in_order", "fail"), ("events.query_synchronize", "fail"), ("stress.many_live_objects", "fail")]);
    // No test crashed: the loader refused every NULL before it was used.
    let shim = shim();
    let cpu = cpu_plugin();
    let out = run(
        "planted-null_handle-messages",
        &["--plugin", shim.to_str().unwrap(), "--require-device", "--filter", "streams.*,events.*"],
        &[("FLAGHAL_PLANTED_BUG", "null_handle"), ("FLAGHAL_PLANTED_BUG_TARGET", cpu.to_str().unwrap())],
    );
    let json = out.json.expect("JSON report");
    let results = json["results"].as_array().unwrap();
    assert!(results.iter().all(|r| r["status"] != "crash"), "{}", out.stdout);
    assert!(out.stdout.contains("reported success but returned a NULL stream"), "{}", out.stdout);
}

#[test]
fn a_hanging_plugin_is_given_up_on_after_three_timeouts() {
    let shim = shim();
    let cpu = cpu_plugin();
    let started = std::time::Instant::now();
    let out = run(
        "planted-sync_hangs",
        &["--plugin", shim.to_str().unwrap(), "--require-device", "--timeout", "2"],
        &[("FLAGHAL_PLANTED_BUG", "sync_hangs"), ("FLAGHAL_PLANTED_BUG_TARGET", cpu.to_str().unwrap())],
    );
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    let json = out.json.expect("JSON report");
    assert_eq!(json["verdict"], "NOT CONFORMANT");
    let results = json["results"].as_array().unwrap();
    assert_eq!(results.len(), catalogue_len(), "every test is in the report, run or not");
    let count = |status: &str| results.iter().filter(|r| r["status"] == status).count();
    assert_eq!(count("timeout"), 3, "{}", out.stdout);
    assert!(count("not-run") > catalogue_len() / 2, "most tests are not run: {}", out.stdout);
    let why = json["gave_up"].as_str().expect("gave_up says why");
    assert!(why.starts_with("3 tests timed out ("), "{why}");
    assert!(out.stdout.contains("\nGave up: 3 tests timed out"), "{}", out.stdout);
    assert!(out.stdout.contains("NOT CONFORMANT: "), "{}", out.stdout);
    assert!(started.elapsed().as_secs() < 120, "given up in {:?}", started.elapsed());
    let junit = out.junit.expect("JUnit report");
    assert!(junit.contains("<skipped message=\"not run: the suite gave up after 3 timeouts"), "not-run tests are skipped in JUnit");
}

#[test]
fn pinned_snapshot_is_caught() {
    planted("pinned_snapshot", &[("memory.pinned_in_stream_order", "fail"), ("memory.pinned_host", "pass")]);
}
