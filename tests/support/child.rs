//! One scenario, one process. `fhInit` reads the environment once and runs
//! once per process, so every scenario re-runs the calling test executable
//! with its own environment and only that test selected: the parent half of
//! [`Scenario::run`] spawns and checks the child, the child half opens
//! libflaghal.so, calls `fhInit(0)`, runs the body and exits.
//!
//! The child inherits no `FLAGHAL_*` variable from the test runner, so a
//! developer's own settings cannot change what a test sees.

use crate::paths;
use flaghal_client::Hal;
use std::path::Path;
use std::process::{Command, Output};

/// Set in the child to the test name it must run.
const CHILD_VAR: &str = "FLAGHAL_IT_CHILD";
/// Printed by the child after its body returned, so that a filter matching no
/// test (which libtest reports as success) cannot pass for a run.
const DONE_MARKER: &str = "FLAGHAL_IT_CHILD_DONE";

/// The environment of one child process.
#[derive(Clone, Debug)]
pub struct Scenario {
    test: String,
    env: Vec<(String, String)>,
}

/// What a child printed.
#[derive(Debug)]
pub struct ChildOutput {
    pub stdout: String,
    pub stderr: String,
}

impl Scenario {
    /// `test` is the test function's name, exactly as libtest lists it.
    pub fn new(test: &str) -> Self {
        Scenario { test: test.to_owned(), env: Vec::new() }
    }

    /// Only these plugin files (libraries or manifests), in this order:
    /// FLAGHAL_PLUGIN_FILES, which replaces every default search place.
    pub fn plugins<P: AsRef<Path>>(self, files: &[P]) -> Self {
        let list: Vec<String> = files.iter().map(|p| paths::text(p.as_ref())).collect();
        self.env("FLAGHAL_PLUGIN_FILES", &list.join(":"))
    }

    /// Just the CPU reference plugin.
    pub fn cpu_only(test: &str) -> Self {
        Scenario::new(test).plugins(&[paths::cpu_plugin()])
    }

    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    /// Applies this environment to a command (for C programs too): no
    /// inherited FLAGHAL_* variable, these ones, libflaghal.so's folder on the
    /// dynamic linker's path, and FLAGHAL_LIBRARY naming the library the
    /// parent found (libflaghal.so does not read it; the tests' child does).
    pub fn apply(&self, cmd: &mut Command) {
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("FLAGHAL_") {
                cmd.env_remove(&key);
            }
        }
        let lib_dir = paths::text(&paths::libflaghal_dir());
        let ld = match std::env::var("LD_LIBRARY_PATH") {
            Ok(old) if !old.is_empty() => format!("{lib_dir}:{old}"),
            _ => lib_dir,
        };
        cmd.env("LD_LIBRARY_PATH", ld).env("MESA_SHADER_CACHE_DISABLE", "true");
        // The child opens the same library the parent chose (the override is
        // one of the FLAGHAL_* variables removed above).
        cmd.env("FLAGHAL_LIBRARY", paths::libflaghal());
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)));
    }

    /// In the parent: runs this test again in a child process with this
    /// environment, fails if the child's body failed, and returns its output.
    /// In the child: opens the library, runs `fhInit(0)` and `body`, exits.
    pub fn run<F: FnOnce(&Hal)>(self, body: F) -> ChildOutput {
        if std::env::var(CHILD_VAR).as_deref() == Ok(self.test.as_str()) {
            let hal = Hal::open_at(&paths::libflaghal()).unwrap_or_else(|e| panic!("{e}"));
            hal.init(0).unwrap_or_else(|e| panic!("fhInit(0) failed: {e}"));
            body(&hal);
            println!("{DONE_MARKER} {}", self.test);
            // The loader stays mapped until exit, as it would in a framework.
            std::mem::forget(hal);
            std::process::exit(0);
        }
        let exe = std::env::current_exe().expect("current_exe");
        let mut cmd = Command::new(exe);
        cmd.args([self.test.as_str(), "--exact", "--nocapture", "--test-threads=1"]);
        self.apply(&mut cmd);
        cmd.env(CHILD_VAR, &self.test);
        let out = cmd.output().expect("spawn the child test process");
        let child = to_text(&out);
        let done = format!("{DONE_MARKER} {}", self.test);
        assert!(
            out.status.success() && child.stdout.contains(&done),
            "child for `{}` failed ({}), environment {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.test,
            out.status,
            self.env,
            child.stdout,
            child.stderr
        );
        child
    }

    /// Runs a program (a C example, a C test) in this environment; returns
    /// its exit code (-1 when killed by a signal) and its output.
    pub fn run_program(&self, exe: &Path, args: &[&str]) -> (i32, ChildOutput) {
        let mut cmd = Command::new(exe);
        cmd.args(args);
        self.apply(&mut cmd);
        let out = cmd.output().unwrap_or_else(|e| panic!("run {}: {e}", exe.display()));
        (out.status.code().unwrap_or(-1), to_text(&out))
    }
}

/// Lossy text of a finished process's output.
pub fn to_text(out: &Output) -> ChildOutput {
    ChildOutput {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}
