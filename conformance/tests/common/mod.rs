//! Runs the built `flaghal-conformance` against the libraries cargo put in
//! target/<profile>/ (the loader, the CPU plugin and the planted-bug shim are
//! dev-dependencies, so they are built, into deps/, before these tests).
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub json: Option<serde_json::Value>,
    pub junit: Option<String>,
}

pub fn exe() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_flaghal-conformance"))
}

pub fn target_dir() -> PathBuf {
    exe().parent().expect("the binary has a folder").to_path_buf()
}

/// A library cargo built for these tests: a dev-dependency's cdylib lands in
/// deps/ (the copy beside the binary is only refreshed by a build of that
/// package itself, so it may be older).
fn built(name: &str) -> PathBuf {
    let dir = target_dir();
    [dir.join("deps").join(name), dir.join(name)]
        .into_iter()
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{name} missing under {}: build with cargo test -p flaghal-conformance", dir.display()))
}

pub fn cpu_plugin() -> PathBuf {
    built("libflaghal_cpu.so")
}

pub fn shim() -> PathBuf {
    built("libflaghal_planted_bugs.so")
}

/// A fresh scratch folder for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("flaghal-conformance-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch folder");
    dir
}

/// Runs the suite with `args` (plus --json/--junit into a scratch folder) and `env`.
pub fn run(name: &str, args: &[&str], env: &[(&str, &str)]) -> Outcome {
    let dir = scratch(name);
    let json = dir.join("report.json");
    let junit = dir.join("report.xml");
    let mut cmd = Command::new(exe());
    cmd.args(args).arg("--json").arg(&json).arg("--junit").arg(&junit);
    for var in ["FLAGHAL_PLANTED_BUG", "FLAGHAL_PLANTED_BUG_TARGET", "FLAGHAL_PLUGIN_FILES", "FLAGHAL_ADD_PLUGIN_FILES", "FLAGHAL_VISIBLE_DEVICES"] {
        cmd.env_remove(var);
    }
    cmd.env("MESA_SHADER_CACHE_DISABLE", "true");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run flaghal-conformance");
    let outcome = Outcome {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        json: std::fs::read_to_string(&json).ok().map(|t| serde_json::from_str(&t).expect("the JSON report parses")),
        junit: std::fs::read_to_string(&junit).ok(),
    };
    let _ = std::fs::remove_dir_all(&dir);
    outcome
}

/// The status of test `name` in a JSON report.
pub fn status_of(json: &serde_json::Value, name: &str) -> String {
    json["results"]
        .as_array()
        .and_then(|r| r.iter().find(|t| t["name"] == name))
        .map(|t| t["status"].as_str().unwrap_or("").to_string())
        .unwrap_or_else(|| panic!("{name} is not in the report"))
}

pub fn catalogue_len() -> usize {
    flaghal_conformance::suite::catalogue().len()
}
