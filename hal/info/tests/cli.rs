//! flaghal-info as an operator runs it: every plugin with its status, a
//! skipped plugin with its reason code and detail, and the devices, in text
//! and in `--json`.

use std::path::PathBuf;
use std::process::{Command, Output};

/// target/<profile>/deps, where `cargo test` leaves fresh builds of the
/// loader and the CPU plugin (dev-dependencies of this package).
fn deps_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_flaghal-info")).parent().unwrap().join("deps")
}

/// Runs flaghal-info against the CPU plugin and a file that is not a library;
/// the broken one was named with --plugin, so the exit status is 1.
fn run(extra: &[&str]) -> Output {
    let scratch = std::env::temp_dir().join(format!("flaghal-info-cli-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).unwrap();
    let broken = scratch.join("libnot_a_plugin.so");
    std::fs::write(&broken, "this is text, not an ELF shared object\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_flaghal-info"))
        .args(extra)
        .arg("--plugin")
        .arg(deps_dir().join("libflaghal_cpu.so"))
        .arg("--plugin")
        .arg(&broken)
        .env("FLAGHAL_LIBRARY", deps_dir().join("libflaghal.so"))
        .env_remove("FLAGHAL_VISIBLE_DEVICES")
        .env_remove("FLAGHAL_PLUGINS_SELECT")
        .env_remove("FLAGHAL_PLUGINS_DISABLE")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "a named plugin was skipped: {}", String::from_utf8_lossy(&output.stderr));
    assert!(String::from_utf8_lossy(&output.stderr).contains("a plugin named with --plugin was skipped"));
    output
}

#[test]
fn text_output_lists_the_loaded_plugin_the_skipped_one_and_the_device() {
    let text = String::from_utf8(run(&[]).stdout).unwrap();
    assert!(text.contains("Plugins: 2"), "{text}");
    assert!(text.contains("cpu") && text.contains("loaded, ABI 1.1.0"), "{text}");
    assert!(text.contains("SKIPPED (FH_PLUGIN_SKIP_OPEN_FAILED)"), "{text}");
    assert!(text.contains("libnot_a_plugin.so"), "the reason names the file: {text}");
    assert!(text.contains("Devices: 1"), "{text}");
    assert!(text.contains("CPU device 0 of plugin cpu"), "{text}");
    assert!(text.contains("NATIVE_CPU"), "{text}");
}

#[test]
fn json_output_is_machine_readable_and_complete() {
    let json: serde_json::Value = serde_json::from_slice(&run(&["--json"]).stdout).unwrap();
    assert_eq!(json["loader"]["version"], "1.2.0");
    let plugins = json["plugins"].as_array().unwrap();
    assert_eq!(plugins.len(), 2);
    let cpu = plugins.iter().find(|p| p["name"] == "cpu").expect("cpu plugin listed");
    assert_eq!(cpu["status"], "loaded");
    assert_eq!(cpu["device_count"], 1);
    let broken = plugins.iter().find(|p| p["status"] == "skipped").expect("broken plugin listed");
    assert_eq!(broken["skip_reason"], "FH_PLUGIN_SKIP_OPEN_FAILED");
    assert!(!broken["skip_detail"].as_str().unwrap().is_empty(), "a skipped plugin says why");
    let devices = json["devices"].as_array().unwrap();
    assert_eq!(devices.len(), 1);
    let device = &devices[0];
    assert_eq!(device["type"], "CPU");
    assert_eq!(device["plugin"], "cpu");
    assert!(device["total_memory"].as_u64().unwrap() > 0);
    assert!(device["max_threads_per_block"].as_u64().unwrap() >= 64);
    assert!(device["capabilities"].as_array().unwrap().iter().any(|c| c == "EVENT_TIMING"));
}

#[test]
fn a_named_plugin_that_loads_exits_0() {
    let output = Command::new(env!("CARGO_BIN_EXE_flaghal-info"))
        .arg("--plugin")
        .arg(deps_dir().join("libflaghal_cpu.so"))
        .env("FLAGHAL_LIBRARY", deps_dir().join("libflaghal.so"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
}

#[test]
fn bad_arguments_print_usage_and_exit_2() {
    let output = Command::new(env!("CARGO_BIN_EXE_flaghal-info")).arg("--frobnicate").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("usage: flaghal-info"));
}
