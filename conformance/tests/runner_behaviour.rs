//! The command's behaviour around the tests: listing, no device, expectations,
//! time limits, kernel packs and bad input.

mod common;
use common::*;

#[test]
fn list_shows_the_tagged_catalogue() {
    let out = std::process::Command::new(exe()).arg("--list").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().filter(|l| l.contains('.') && !l.ends_with("tests")).collect();
    assert_eq!(lines.len(), catalogue_len());
    assert!(catalogue_len() >= 45);
    assert!(lines.iter().any(|l| l.contains("optional:ATOMIC_INT64")));
    assert!(lines.iter().filter(|l| l.split_whitespace().nth(1) == Some("core")).count() >= 45);
    let names: std::collections::HashSet<&str> = lines.iter().filter_map(|l| l.split_whitespace().next()).collect();
    assert_eq!(names.len(), lines.len(), "test names are unique");
}

#[test]
fn list_into_a_closed_pipe_ends_quietly() {
    // `flaghal-conformance --list | head -3`: the reader is gone before the
    // listing is written (the read end is closed as soon as the child has
    // started), so the write fails with EPIPE. That ends the listing; it is
    // not a crash.
    let mut child = std::process::Command::new(exe())
        .arg("--list")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "exit {:?}: {stderr}", out.status);
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn an_empty_machine_cannot_pass_with_require_device() {
    // The shim without FLAGHAL_PLANTED_BUG refuses negotiation: zero devices.
    let shim = shim();
    let out = run("nodev-required", &["--plugin", shim.to_str().unwrap(), "--require-device"], &[]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert_eq!(out.json.unwrap()["verdict"], "NOT CONFORMANT");
    let out = run("nodev", &["--plugin", shim.to_str().unwrap()], &[]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    let json = out.json.unwrap();
    assert_eq!(json["verdict"], "NO DEVICE");
    assert_eq!(json["device_count"], 0);
    assert_eq!(json["results"].as_array().unwrap().len(), 0);
}

#[test]
fn expectations_mark_known_failures_and_unexpected_passes() {
    let dir = scratch("expect");
    let file = dir.join("expectations.json");
    std::fs::write(
        &file,
        r#"{"planted-query_lies": [
            {"test": "streams.query_not_ready", "version": "*", "device": "", "reason": "planted: query lies"},
            {"test": "streams.empty", "reason": "listed although it passes"}
        ]}"#,
    )
    .unwrap();
    let shim = shim();
    let cpu = cpu_plugin();
    let env = [("FLAGHAL_PLANTED_BUG", "query_lies"), ("FLAGHAL_PLANTED_BUG_TARGET", cpu.to_str().unwrap())];
    let base = ["--plugin", shim.to_str().unwrap(), "--require-device", "--filter", "streams.*,errors.not_ready", "--expectations", file.to_str().unwrap()];
    let out = run("expect-skip", &base, &env);
    let json = out.json.unwrap();
    assert_eq!(status_of(&json, "streams.query_not_ready"), "expected-failure");
    assert_eq!(status_of(&json, "streams.empty"), "expected-failure", "not run by default");
    assert_eq!(status_of(&json, "errors.not_ready"), "fail", "not listed: still a failure");
    let mut args = base.to_vec();
    args.push("--run-expected-failures");
    let out = run("expect-run", &args, &env);
    let json = out.json.unwrap();
    assert_eq!(status_of(&json, "streams.query_not_ready"), "expected-failure");
    assert_eq!(status_of(&json, "streams.empty"), "unexpected-pass");
    assert_eq!(json["verdict"], "NOT CONFORMANT", "a known failure of a core test is still a failure");
    assert_eq!(out.code, 1);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_test_past_the_time_limit_is_a_timeout_and_the_run_goes_on() {
    let cpu = cpu_plugin();
    // Copying and checking 64 MiB cannot finish within a millisecond.
    let out = run("timeout", &["--plugin", cpu.to_str().unwrap(), "--filter", "stress.large_transfer,streams.empty", "--timeout", "0.001"], &[]);
    let json = out.json.unwrap();
    assert_eq!(status_of(&json, "stress.large_transfer"), "timeout", "{}", out.stdout);
    assert_eq!(json["verdict"], "NOT CONFORMANT");
    assert_eq!(json["results"].as_array().unwrap().len(), 2);
}

#[test]
fn a_kernel_pack_replaces_the_embedded_kernels() {
    let dir = scratch("pack");
    std::fs::write(dir.join("all.so"), flaghal_conformance::kernels::native_cpu_image()).unwrap();
    let modules: serde_json::Map<String, serde_json::Value> = flaghal_conformance::kernels::KERNEL_NAMES
        .iter()
        .filter(|n| **n != "fault")
        .map(|n| (n.to_string(), serde_json::Value::String("all.so".into())))
        .collect();
    std::fs::write(dir.join("pack.json"), serde_json::json!({"format": "native_cpu", "modules": modules}).to_string()).unwrap();
    let cpu = cpu_plugin();
    let out = run("pack-run", &["--plugin", cpu.to_str().unwrap(), "--require-device", "--filter", "kernels.*,errors.launch_failed", "--kernel-pack", dir.to_str().unwrap()], &[]);
    let json = out.json.unwrap();
    assert_eq!(json["kernels"]["origin"], dir.to_str().unwrap());
    assert_eq!(status_of(&json, "kernels.grid_3d_ragged"), "pass");
    assert_eq!(status_of(&json, "errors.launch_failed"), "unsupported", "the pack has no fault kernel");
    assert_eq!(json["verdict"], "CONFORMANT", "an optional test may be unsupported\n{}", out.stdout);
    std::fs::write(dir.join("pack.json"), "{\"format\": \"cuda\"}").unwrap();
    let out = run("pack-bad", &["--plugin", cpu.to_str().unwrap(), "--kernel-pack", dir.to_str().unwrap()], &[]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("unknown \"format\" name 'cuda'"), "{}", out.stderr);
    // A pack in a format the device does not accept is a usage error, not a
    // run where every kernel test ends unsupported.
    std::fs::write(dir.join("pack.json"), "{\"format\": \"spirv\"}").unwrap();
    let out = run("pack-foreign", &["--plugin", cpu.to_str().unwrap(), "--require-device", "--kernel-pack", dir.to_str().unwrap()], &[]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(out.stderr.contains("is not among the device's module formats"), "{}", out.stderr);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_manifest_given_to_plugin_is_loaded_exclusively() {
    let dir = scratch("manifest");
    let manifest = dir.join("cpu.json");
    let library = cpu_plugin();
    let text = serde_json::json!({"file_format_version": "1.0.0", "plugin": {"name": "cpu", "library_path": library.to_str().unwrap()}});
    std::fs::write(&manifest, text.to_string()).unwrap();
    let out = run("manifest-run", &["--plugin", manifest.to_str().unwrap(), "--require-device", "--filter", "abi.*,device.enumeration"], &[]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    let json = out.json.unwrap();
    assert_eq!(json["plugin"]["manifest_path"], std::fs::canonicalize(&manifest).unwrap().to_str().unwrap());
    assert_eq!(json["plugin"]["sha256"], flaghal_conformance::sha256::sha256_hex(&std::fs::read(&library).unwrap()), "the library is fingerprinted, not the manifest");
    assert_eq!(json["discovered_plugins"].as_array().unwrap().len(), 1, "loaded exclusively");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn bad_input_is_refused_before_anything_runs() {
    for (args, needle) in [
        (vec!["--device", "x"], "--device"),
        (vec!["--filter", "nothing.matches"], "matches no test"),
        (vec!["--plugin", "/no/such/plugin.so"], "no such file"),
        (vec!["--bogus"], "unknown option"),
    ] {
        let out = std::process::Command::new(exe()).args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains(needle), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
}

/// The pids of the processes whose parent is `parent` (from /proc).
fn children_of(parent: u32) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
        // "pid (comm) state ppid ...": comm may hold spaces, so split after ')'.
        let after = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
        if after.split_whitespace().nth(1) == Some(parent.to_string().as_str()) {
            found.push(pid);
        }
    }
    found
}

/// Whether `pid` is gone (or a zombie waiting for init: it runs nothing).
fn gone(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().next()) == Some("Z"),
    }
}

#[test]
fn terminating_the_suite_leaves_no_test_process_behind() {
    for (signal, name) in [(15, "TERM"), (2, "INT")] {
        // A test child that hangs in fhStreamSynchronize for as long as the
        // (long) time limit allows: only the signal can end it.
        let shim = shim();
        let cpu = cpu_plugin();
        let mut suite = std::process::Command::new(exe())
            .args(["--plugin", shim.to_str().unwrap(), "--require-device", "--timeout", "600", "--filter", "streams.synchronize_waits"])
            .env("FLAGHAL_PLANTED_BUG", "sync_hangs")
            .env("FLAGHAL_PLANTED_BUG_TARGET", &cpu)
            .env_remove("FLAGHAL_PLUGIN_FILES")
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let waited = std::time::Instant::now();
        let child = loop {
            // The probe child comes and goes first; the test child stays.
            let children = children_of(suite.id());
            if children.len() == 1 && waited.elapsed().as_secs_f64() > 3.0 {
                break children[0];
            }
            assert!(waited.elapsed().as_secs() < 60, "no test child appeared");
            std::thread::sleep(std::time::Duration::from_millis(100));
        };
        let status = std::process::Command::new("kill").arg(format!("-{name}")).arg(suite.id().to_string()).status().unwrap();
        assert!(status.success());
        let ended = suite.wait().unwrap();
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(ended.signal(), Some(signal), "the suite dies of SIG{name} (a shell reports {}): {ended:?}", 128 + signal);
        let deadline = std::time::Instant::now();
        while !gone(child) {
            assert!(deadline.elapsed().as_secs() < 10, "test process {child} still running after SIG{name} to the suite");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}
