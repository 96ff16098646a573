//! Runs tests/c/table_from_c.c (built by build.rs): a C program that loads
//! libflaghal_cpu.so with dlopen and drives it through the C header's
//! layout. Under valgrind too when valgrind is installed (house rule 6).

use std::path::PathBuf;
use std::process::Command;

fn paths() -> (PathBuf, PathBuf, String) {
    let exe = std::env::current_exe().unwrap();
    let library = exe.parent().and_then(|deps| deps.parent()).unwrap().join("libflaghal_cpu.so");
    assert!(library.exists(), "{} was not built", library.display());
    let kernels = PathBuf::from(concat!(env!("FLAGHAL_CPU_TEST_KERNELS"), "/test_kernels.so"));
    (library, kernels, env!("FLAGHAL_CPU_C_DRIVER").to_string())
}

fn assert_ok(output: std::process::Output, how: &str) {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{how}: {}\n{stdout}{stderr}", output.status);
    assert_eq!(stdout.trim(), "ok", "{how}: {stderr}");
}

#[test]
fn the_plugin_works_from_c() {
    let (library, kernels, driver) = paths();
    let output = Command::new(&driver).arg(&library).arg(&kernels).output().unwrap();
    assert_ok(output, "table_from_c");
}

#[test]
fn the_plugin_works_from_c_under_valgrind() {
    if Command::new("valgrind").arg("--version").output().is_err() {
        flaghal_plugin_host::nothing_checked("valgrind is not installed");
        return;
    }
    let (library, kernels, driver) = paths();
    let output = Command::new("valgrind")
        .args(["--error-exitcode=97", "--leak-check=no", "-q"])
        .arg(&driver)
        .arg(&library)
        .arg(&kernels)
        .output()
        .unwrap();
    assert_ok(output, "table_from_c under valgrind");
}
