//! Re-runs this test binary with coarse-grained SVM
//! (FLAGHAL_OPENCL_COARSE_SVM=1, the command path of a discrete GPU) and in
//! the two zero-device situations: no OpenCL library, and an ICD loader
//! that finds no platform.

use std::process::Command;

const CHILD: &str = "FLAGHAL_OPENCL_TEST_CHILD";

fn rerun(mode: &str, env: &[(&str, &str)], filter: &[&str]) -> String {
    let exe = std::env::current_exe().unwrap();
    let mut command = Command::new(exe);
    command.env(CHILD, mode).args(filter).args(["--test-threads=2", "--nocapture"]);
    for (k, v) in env {
        command.env(k, v);
    }
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "mode {mode} failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("test result: ok"), "mode {mode}: {stdout}");
    assert!(!stdout.contains(" 0 passed"), "mode {mode} ran no test: {stdout}");
    stderr.into_owned()
}

fn is_child() -> bool {
    std::env::var_os(CHILD).is_some()
}

#[test]
fn coarse_grained_svm_mode_passes_every_test() {
    if is_child() {
        return;
    }
    let log = rerun("coarse", &[("FLAGHAL_OPENCL_COARSE_SVM", "1")], &["--skip", "modes::"]);
    assert!(log.contains("coarse-grained SVM"), "the child ran on coarse-grained SVM: {log}");
}

#[test]
fn without_an_opencl_library_the_plugin_has_zero_devices_and_says_why() {
    if is_child() {
        return;
    }
    rerun(
        "nolibrary",
        &[("FLAGHAL_OPENCL_LIBRARY", "/nonexistent/libOpenCL.so.1")],
        &["--exact", "modes::zero_devices_child"],
    );
}

#[test]
fn without_a_platform_the_plugin_has_zero_devices_and_says_why() {
    if is_child() {
        return;
    }
    // ocl-icd reads its ICDs from OCL_ICD_VENDORS (a folder of .icd files)
    // and OCL_ICD_FILENAMES; an empty folder means no platform.
    let empty = std::env::temp_dir().join(format!("flaghal-opencl-no-icds-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    rerun(
        "noplatform",
        &[("OCL_ICD_VENDORS", empty.to_str().unwrap()), ("OCL_ICD_FILENAMES", "")],
        &["--exact", "modes::zero_devices_child"],
    );
    let _ = std::fs::remove_dir(&empty);
}

/// Runs only in the zero-device children of the tests above.
#[test]
fn zero_devices_child() {
    let mode = std::env::var(CHILD).unwrap_or_default();
    if mode != "nolibrary" && mode != "noplatform" {
        return;
    }
    assert_eq!(crate::common::device_count(), 0, "init succeeded with zero devices");
    let log = crate::common::log_lines();
    let want = if mode == "nolibrary" { "cannot load the OpenCL ICD loader" } else { "no OpenCL platform" };
    assert!(log.iter().any(|l| l.starts_with("no devices") && l.contains(want)), "the reason ({want}) is logged: {log:?}");
}
