//! In an elevated process the loader ignores every variable that names
//! paths, and says so. The test runs a setuid-root copy of this test binary
//! as user `nobody` (real uid 65534, effective uid 0: AT_SECURE is set), then
//! the same copy without the setuid bit as a control. It needs root to make
//! the setuid copy and `setpriv` to drop the real ids; elsewhere it says so
//! on stderr and checks nothing.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::process::Command;
use support::*;

const ROLE: &str = "FLAGHAL_HAL_TEST_SECURE_EXPECT";

#[test]
fn path_variables_are_ignored_in_a_setuid_process() {
    if let Ok(expect) = std::env::var(ROLE) {
        // The child (possibly setuid): fhInit with FLAGHAL_PLUGIN_FILES naming the CPU plugin.
        let hal = open();
        hal.init(0).expect("fhInit(0)");
        let plugins = hal.plugins().unwrap().len();
        println!("plugins={plugins} devices={}", hal.device_count().unwrap());
        assert_eq!(plugins.to_string(), expect);
        std::mem::forget(hal);
        std::process::exit(0);
    }
    let is_root = Command::new("id").arg("-u").output().map(|o| o.stdout == b"0\n").unwrap_or(false);
    let has_setpriv = Command::new("setpriv").arg("--version").output().is_ok();
    if !is_root || !has_setpriv {
        let in_ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0");
        assert!(!in_ci, "CI is set, so this test must run: it needs root and setpriv (util-linux)");
        eprintln!("path_variables_are_ignored_in_a_setuid_process: needs root and setpriv; nothing checked");
        return;
    }
    let dir = scratch("secure");
    let copy = dir.join("secure-child");
    std::fs::copy(std::env::current_exe().unwrap(), &copy).unwrap();
    let run = |mode: u32, expect: &str| {
        std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(mode)).unwrap();
        let out = Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&copy)
            .args(["path_variables_are_ignored_in_a_setuid_process", "--exact", "--nocapture", "--test-threads=1"])
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", dir.join("home"))
            .env("FLAGHAL_PLUGIN_FILES", cpu_plugin())
            .env("FLAGHAL_HAL_TEST_LIBRARY", libflaghal())
            .env(ROLE, expect)
            .output()
            .expect("run the child through setpriv");
        let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned());
        assert!(out.status.success() && stdout.contains(&format!("plugins={expect}")), "mode {mode:o}:\n{stdout}\n{stderr}");
        stderr
    };
    let stderr = run(0o4755, "0");
    assert!(
        stderr.contains("flaghal: error: running with elevated privileges (setuid/AT_SECURE): ignoring FLAGHAL_PLUGIN_FILES, HOME"),
        "{stderr}"
    );
    let stderr = run(0o755, "1");
    assert!(!stderr.contains("elevated"), "the control run is not elevated: {stderr}");
}
