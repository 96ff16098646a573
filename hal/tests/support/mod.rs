//! Helpers of the loader's end-to-end tests: one child process per scenario
//! (fhInit runs once per process and reads the environment once), the real
//! libflaghal.so opened at run time through flaghal-client as a framework
//! would (raw calls through `Hal::raw`, their statuses asserted with
//! [`AssertStatus`]), and the real CPU plugin (built by cargo as a
//! dev-dependency into target/<profile>/deps/).

#![allow(dead_code)]

// What the scenarios use of the client (each test file uses some).
#[allow(unused_imports)]
pub use flaghal_client::{from_bytes, loader_string, status_of, Hal, Module, Stream};
use flaghal_sys::*;
use std::path::{Path, PathBuf};
use std::process::Command;

const CHILD_VAR: &str = "FLAGHAL_HAL_TEST_CHILD";
const DONE: &str = "FLAGHAL_HAL_TEST_DONE";

/// target/<profile>/, from this test binary in target/<profile>/deps/.
pub fn profile_dir() -> PathBuf {
    std::env::current_exe().unwrap().parent().unwrap().parent().unwrap().to_path_buf()
}

/// The libflaghal.so cargo built for this test run: `cargo test` refreshes
/// target/<profile>/deps/libflaghal.so but only `cargo build` copies it up
/// to target/<profile>/, so deps/ is the fresh one.
pub fn libflaghal() -> PathBuf {
    if let Some(explicit) = std::env::var_os("FLAGHAL_HAL_TEST_LIBRARY") {
        return explicit.into();
    }
    let deps = profile_dir().join("deps/libflaghal.so");
    if deps.is_file() {
        deps
    } else {
        profile_dir().join("libflaghal.so")
    }
}

pub fn cpu_plugin() -> PathBuf {
    let deps = profile_dir().join("deps/libflaghal_cpu.so");
    if deps.is_file() {
        deps
    } else {
        profile_dir().join("libflaghal_cpu.so")
    }
}

/// The planted-bugs shim plugin (conformance/planted-bugs), built by cargo
/// as a dev-dependency; FLAGHAL_PLANTED_BUG chooses its bug.
pub fn planted_bugs_shim() -> PathBuf {
    let deps = profile_dir().join("deps/libflaghal_planted_bugs.so");
    if deps.is_file() {
        deps
    } else {
        profile_dir().join("libflaghal_planted_bugs.so")
    }
}

/// A fresh scratch folder under target/<profile>/flaghal-hal-tests/.
pub fn scratch(name: &str) -> PathBuf {
    let dir = profile_dir().join("flaghal-hal-tests").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn manifest(name: &str, library: &Path) -> String {
    serde_json::json!({"file_format_version": "1.0.0",
        "plugin": {"name": name, "library_path": library.to_string_lossy(), "abi_version": "1.0"}})
    .to_string()
}

/// What a child printed.
pub struct Output {
    pub stdout: String,
    pub stderr: String,
}

/// Runs `body` in a child process (this test, re-run alone) with exactly
/// `env` as FLAGHAL_*/XDG environment. `init`: call fhInit(0) first.
pub fn scenario(test: &str, env: &[(&str, &str)], init: bool, body: impl FnOnce(&Hal)) -> Output {
    if std::env::var(CHILD_VAR).as_deref() == Ok(test) {
        let hal = open();
        if init {
            hal.init(0).expect("fhInit(0)");
        }
        body(&hal);
        println!("{DONE} {test}");
        std::mem::forget(hal);
        std::process::exit(0);
    }
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([test, "--exact", "--nocapture", "--test-threads=1"]);
    for (key, _) in std::env::vars_os() {
        let k = key.to_string_lossy();
        if k.starts_with("FLAGHAL_") || k.starts_with("XDG_") {
            cmd.env_remove(&key);
        }
    }
    cmd.envs(env.iter().copied()).env(CHILD_VAR, test);
    let out = cmd.output().expect("spawn child");
    let out = Output {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        out.stdout.contains(&format!("{DONE} {test}")),
        "child `{test}` failed; env {env:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        out.stdout,
        out.stderr
    );
    out
}

/// The CPU plugin alone.
pub fn cpu_only() -> Vec<(&'static str, String)> {
    vec![("FLAGHAL_PLUGIN_FILES", cpu_plugin().to_string_lossy().into_owned())]
}

/// libflaghal.so opened through the client, as a framework would.
pub fn open() -> Hal {
    Hal::open_at(&libflaghal()).expect("open libflaghal.so")
}

/// The assertion of these tests: a raw call's status and detail message.
pub trait AssertStatus {
    /// Asserts `status` is `expected` and the detail message contains `hint`.
    fn assert_status(&self, status: fh_status_t, expected: fh_status_t, hint: &str);
}

impl AssertStatus for Hal {
    fn assert_status(&self, status: fh_status_t, expected: fh_status_t, hint: &str) {
        let message = self.last_error_message();
        assert_eq!(status, expected, "message: {message}");
        assert!(message.contains(hint), "message {message:?} should contain {hint:?}");
    }
}

/// Compiles a native CPU module (flaghal_cpu_kernel.h) from C source.
pub fn cpu_module(name: &str, source: &str) -> Vec<u8> {
    let dir = scratch(&format!("module-{name}"));
    let c = dir.join("k.c");
    std::fs::write(&c, source).unwrap();
    let so = dir.join("k.so");
    let include = concat!(env!("CARGO_MANIFEST_DIR"), "/../include");
    let status = Command::new("cc")
        .args(["-shared", "-fPIC", "-O1", "-I", include])
        .arg(&c)
        .arg("-o")
        .arg(&so)
        .status()
        .expect("a C compiler (cc)");
    assert!(status.success());
    std::fs::read(so).unwrap()
}

/// Builds the plain-C minimal plugin (c-examples/minimal_plugin: one device
/// of type OTHER that takes native CPU modules, no optional entry) into a
/// scratch folder.
pub fn minimal_plugin() -> PathBuf {
    let dir = scratch("minimal-plugin");
    let so = dir.join("libflaghal_minimal.so");
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let status = Command::new("cc")
        .args(["-std=c99", "-shared", "-fPIC", "-O1", "-I"])
        .arg(format!("{root}/include"))
        .arg(format!("{root}/c-examples/minimal_plugin/minimal_plugin.c"))
        .arg("-o")
        .arg(&so)
        .args(["-lpthread", "-ldl"])
        .status()
        .expect("a C compiler (cc)");
    assert!(status.success(), "compiling the minimal plugin");
    so
}

/// A native CPU kernel `fill(out, value)`: out[i] = value for every thread.
pub const FILL_KERNEL: &str = r#"
#include <flaghal/flaghal_cpu_kernel.h>
struct fill_args { uint64_t out; uint32_t value; };
FH_CPU_KERNEL(fill, 0, 0) {
    const struct fill_args *a = (const struct fill_args *)args;
    uint32_t *out = FH_CPU_PTR(uint32_t, a->out);
    for (uint32_t t = 0; t < ctx->block_dim[0]; ++t)
        out[ctx->block_idx[0] * ctx->block_dim[0] + t] = a->value;
}
"#;
