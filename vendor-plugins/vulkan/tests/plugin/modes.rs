//! Re-runs this test binary in the other two modes: forced staging
//! (FLAGHAL_VULKAN_FORCE_STAGING=1, the discrete-GPU path) and with the
//! Khronos validation layer (every test asserts zero validation messages).

use std::process::Command;

const CHILD: &str = "FLAGHAL_VULKAN_TEST_CHILD";

fn rerun(mode: &str, env: &[(&str, &str)]) {
    let exe = std::env::current_exe().unwrap();
    let mut command = Command::new(exe);
    command.env(CHILD, mode).arg("--skip").arg("modes::").arg("--test-threads=2");
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
        assert!(std::env::var("CI").as_deref() != Ok("true"), "CI needs vulkan-validationlayers installed");
        eprintln!("SKIPPED: VK_LAYER_KHRONOS_validation is not installed");
        return;
    }
    rerun("validation", &[("VK_INSTANCE_LAYERS", "VK_LAYER_KHRONOS_validation"), ("FLAGHAL_VULKAN_VALIDATION_FATAL", "1")]);
    rerun("validation+staging", &[("VK_INSTANCE_LAYERS", "VK_LAYER_KHRONOS_validation"), ("FLAGHAL_VULKAN_FORCE_STAGING", "1")]);
}
