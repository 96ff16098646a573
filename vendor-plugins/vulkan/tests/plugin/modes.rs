//! Re-runs this test binary in the other two modes: forced staging
//! (FLAGHAL_VULKAN_FORCE_STAGING=1, the discrete-GPU path) and with the
//! Khronos validation layer (every test asserts zero validation messages).

use std::process::Command;

const CHILD: &str = "FLAGHAL_VULKAN_TEST_CHILD";

fn rerun(mode: &str, env: &[(&str, &str)]) {
    rerun_filtered(mode, env, &["--skip", "modes::"]);
}

fn rerun_filtered(mode: &str, env: &[(&str, &str)], filter: &[&str]) {
    let exe = std::env::current_exe().unwrap();
    let mut command = Command::new(exe);
    command.env(CHILD, mode).args(filter).arg("--test-threads=2");
    for (k, v) in env {
        command.env(k, v);
    }
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "mode {mode} failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("test result: ok"), "mode {mode}: {stdout}");
    assert!(!stdout.contains(" 0 passed"), "mode {mode} ran no test: {stdout}");
}

fn is_child() -> bool {
    std::env::var_os(CHILD).is_some()
}

#[test]
fn forced_staging_mode_passes_every_test() {
    if is_child() {
        return;
    }
    rerun("staging", &[("FLAGHAL_VULKAN_FORCE_STAGING", "1")]);
}

fn validation_layer_installed() -> bool {
    ["/usr/share/vulkan/explicit_layer.d", "/usr/local/share/vulkan/explicit_layer.d", "/etc/vulkan/explicit_layer.d"]
        .iter()
        .any(|d| std::path::Path::new(d).join("VkLayer_khronos_validation.json").exists())
}

#[test]
fn validation_layer_mode_reports_nothing() {
    if is_child() {
        return;
    }
    if !validation_layer_installed() {
        flaghal_plugin_host::nothing_checked("VK_LAYER_KHRONOS_validation is not installed (vulkan-validationlayers)");
        return;
    }
    rerun("validation", &[("VK_INSTANCE_LAYERS", "VK_LAYER_KHRONOS_validation"), ("FLAGHAL_VULKAN_VALIDATION_FATAL", "1")]);
    rerun("validation+staging", &[("VK_INSTANCE_LAYERS", "VK_LAYER_KHRONOS_validation"), ("FLAGHAL_VULKAN_FORCE_STAGING", "1")]);
}

#[test]
fn without_a_driver_the_plugin_loads_with_zero_devices_and_says_why() {
    if is_child() {
        return;
    }
    let missing = "/nonexistent/flaghal-no-such-icd.json";
    rerun_filtered(
        "nodriver",
        &[("VK_DRIVER_FILES", missing), ("VK_ICD_FILENAMES", missing)],
        &["--exact", "modes::zero_devices_child"],
    );
}

/// Runs only in the "nodriver" child of the test above.
#[test]
fn zero_devices_child() {
    if std::env::var(CHILD).as_deref() != Ok("nodriver") {
        return;
    }
    assert_eq!(crate::common::device_count(), 0, "no Vulkan driver: zero devices, and init succeeded");
    let log = crate::common::log_lines();
    assert!(
        log.iter().any(|l| l.starts_with("no devices") || l.contains("no physical device qualifies")),
        "the reason is logged: {log:?}"
    );
}
