//! The fuzzer's CI runs: short seeded sequences (seconds) on the CPU and
//! Vulkan (lavapipe) plugins together, once with FLAGHAL_VALIDATION=1 (whose
//! exit-time leak report must stay silent), on OpenCL (PoCL), and the proof
//! that it can fail: a planted one-byte-short copy is reported as a broken
//! round trip. Each run is the `flaghal-fuzz` binary in a child process, so
//! a crash is a failed test, not a dead test harness.

use std::path::PathBuf;
use std::process::{Command, Output};

/// target/<profile>/deps/, where `cargo test` puts the fresh shared libraries.
fn deps() -> PathBuf {
    std::env::current_exe().unwrap().parent().unwrap().to_path_buf()
}

fn library(name: &str) -> String {
    let fresh = deps().join(name);
    let path = if fresh.is_file() { fresh } else { deps().parent().unwrap().join(name) };
    assert!(path.is_file(), "{} was not built", path.display());
    path.to_string_lossy().into_owned()
}

fn fuzz(seed: u64, calls: u64, plugins: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_flaghal-fuzz"));
    cmd.args(["--seed", &seed.to_string(), "--calls", &calls.to_string()]);
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("FLAGHAL_") {
            cmd.env_remove(&key);
        }
    }
    let lavapipe = "/usr/share/vulkan/icd.d/lvp_icd.x86_64.json";
    if std::env::var_os("VK_DRIVER_FILES").is_none() && std::path::Path::new(lavapipe).is_file() {
        cmd.env("VK_DRIVER_FILES", lavapipe);
    }
    cmd.env("MESA_SHADER_CACHE_DISABLE", "true");
    cmd.env("FLAGHAL_LIBRARY", library("libflaghal.so"));
    let files: Vec<String> = plugins.iter().map(|p| library(p)).collect();
    cmd.env("FLAGHAL_PLUGIN_FILES", files.join(":"));
    cmd.envs(env.iter().copied());
    cmd.output().expect("run flaghal-fuzz")
}

fn text(out: &Output) -> (String, String) {
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Runs and asserts a clean pass; returns stdout.
fn clean(seed: u64, calls: u64, plugins: &[&str], env: &[(&str, &str)]) -> String {
    let out = fuzz(seed, calls, plugins, env);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "seed {seed}: {:?}\n{stdout}\n{stderr}", out.status);
    assert!(stdout.contains("no invariant broken, nothing leaked"), "{stdout}");
    assert!(!stderr.contains("flaghal: validation: leak"), "the loader's leak report at exit:\n{stderr}");
    stdout
}

const CPU: &str = "libflaghal_cpu.so";
const VULKAN: &str = "libflaghal_vulkan.so";

#[test]
fn cpu_and_vulkan_sequences_break_no_invariant() {
    for seed in [1, 2] {
        let stdout = clean(seed, 20_000, &[CPU, VULKAN], &[]);
        assert!(stdout.contains("(cpu)"), "{stdout}");
    }
}

#[test]
fn with_validation_nothing_leaks_at_exit() {
    let stdout = clean(3, 20_000, &[CPU, VULKAN], &[("FLAGHAL_VALIDATION", "1")]);
    assert!(stdout.contains("seed 3: "), "{stdout}");
}

#[test]
fn opencl_sequences_break_no_invariant() {
    clean(4, 10_000, &["libflaghal_opencl.so"], &[]);
}

#[test]
fn a_planted_short_copy_is_caught_as_a_broken_round_trip() {
    let cpu = library(CPU);
    let out = fuzz(5, 20_000, &["libflaghal_planted_bugs.so"], &[("FLAGHAL_PLANTED_BUG", "copy_length"), ("FLAGHAL_PLANTED_BUG_TARGET", &cpu)]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");
    assert!(stderr.contains("flaghal-fuzz: seed 5 after "), "{stderr}");
    assert!(stderr.contains("read back") && stderr.contains("was written"), "a round-trip mismatch: {stderr}");
}

#[test]
fn a_planted_null_handle_is_caught_as_an_undocumented_status() {
    let cpu = library(CPU);
    let out = fuzz(6, 20_000, &["libflaghal_planted_bugs.so"], &[("FLAGHAL_PLANTED_BUG", "null_handle"), ("FLAGHAL_PLANTED_BUG_TARGET", &cpu)]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("returned FH_ERROR_UNKNOWN"), "{stderr}");
}
