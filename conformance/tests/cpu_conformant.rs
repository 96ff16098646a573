//! The CPU reference plugin is CONFORMANT, with every core test passing (none
//! skipped), and both reports say so.

mod common;
use common::*;

#[test]
fn the_cpu_plugin_is_conformant_with_no_core_test_skipped() {
    let plugin = cpu_plugin();
    let out = run("cpu", &["--plugin", plugin.to_str().unwrap(), "--require-device"], &[]);
    assert_eq!(out.code, 0, "exit code\n{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("CONFORMANT:") && !out.stdout.contains("NOT CONFORMANT"), "{}", out.stdout);
    let json = out.json.expect("JSON report written");
    assert_eq!(json["verdict"], "CONFORMANT");
    let results = json["results"].as_array().unwrap();
    assert_eq!(results.len(), catalogue_len(), "every test ran");
    assert!(results.len() >= 45);
    for r in results {
        if r["core"] == true {
            assert!(r["status"] == "pass" || r["status"] == "warning", "core test {} ended {}: {}", r["name"], r["status"], r["message"]);
        } else {
            assert_ne!(r["status"], "fail", "{}: {}", r["name"], r["message"]);
        }
    }
    // The certification report identifies what was certified.
    let bytes = std::fs::read(&plugin).unwrap();
    assert_eq!(json["plugin"]["sha256"], flaghal_conformance::sha256::sha256_hex(&bytes));
    assert_eq!(json["plugin"]["name"], "cpu");
    assert_eq!(json["loader"]["version"], "1.2.0");
    assert_eq!(json["suite"]["version"], env!("CARGO_PKG_VERSION"));
    assert!(json["suite"]["git_hash"].as_str().is_some_and(|h| !h.is_empty()));
    assert!(json["device"]["name"].as_str().is_some_and(|n| !n.is_empty()));
    assert!(json["device"]["capabilities"].is_array());
    assert_eq!(json["kernels"]["origin"], "embedded bundles");
    assert_eq!(json["kernels"]["image"]["name"], "NATIVE_CPU", "the CPU device loads the bundles' native image");
    assert!(results.iter().all(|r| r["duration_ms"].is_number()));
    let junit = out.junit.expect("JUnit report written");
    assert!(junit.starts_with("<?xml"));
    assert_eq!(junit.matches("<testcase ").count(), results.len());
    assert!(!junit.contains("<failure") && !junit.contains("<error"), "{junit}");
}
