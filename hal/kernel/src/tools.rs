//! The external tools a build runs (glslc, spirv-link, the C compiler, clang
//! for PTX) and how they are found: an explicit path, then an environment
//! variable (GLSLC, SPIRV_LINK, CC, CLANG), then PATH. clang is clang-15, the
//! one Debian 12's PoCL uses, so committed PTX regenerates byte for byte. A missing tool or a failed run is an
//! error that names the command line and shows what the tool printed.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The programs a build may run.
#[derive(Debug, Clone)]
pub struct Tools {
    pub glslc: PathBuf,
    pub spirv_link: PathBuf,
    pub cc: PathBuf,
    pub clang: PathBuf,
}

impl Tools {
    /// Tools from the environment (GLSLC, SPIRV_LINK, CC), else by name on PATH.
    pub fn from_env() -> Tools {
        let pick = |var: &str, default: &str| std::env::var_os(var).map(PathBuf::from).unwrap_or_else(|| default.into());
        Tools {
            glslc: pick("GLSLC", "glslc"),
            spirv_link: pick("SPIRV_LINK", "spirv-link"),
            cc: pick("CC", "cc"),
            clang: pick("CLANG", "clang-15"),
        }
    }
}

/// Whether `program` can be run (found on PATH or as a path).
pub fn available(program: &Path) -> bool {
    Command::new(program).arg("--version").output().is_ok_and(|o| o.status.success())
}

/// Runs `command`; Err with the command line and its output unless it succeeds.
pub fn run(mut command: Command, what: &str) -> Result<Vec<u8>, String> {
    let line = format!("{command:?}");
    let output = command.output().map_err(|e| format!("{what}: cannot run {line}: {e}"))?;
    if output.status.success() {
        return Ok(output.stdout);
    }
    let mut text = String::from_utf8_lossy(&output.stderr).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stdout));
    Err(format!("{what} failed ({}): {line}\n{}", output.status, text.trim_end()))
}

/// The first line `program --version` prints, for manifests and reports.
pub fn version(program: &Path) -> String {
    Command::new(program)
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).lines().next().map(str::to_string))
        .unwrap_or_else(|| "unknown".into())
}
