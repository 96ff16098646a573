//! House rule 6 for the operator library: c-examples/ops_coverage.c calls
//! every fhops* function of flaghal_ops.h from C, on its success and error
//! paths, and compares each result with plain C; here it is linked the way
//! a C program links the install (-lflaghal_ops -lflaghal, by SONAME) and
//! runs on the CPU device under `valgrind --error-exitcode=99
//! --leak-check=full` (without valgrind: plainly, and a failure under CI).

use std::path::{Path, PathBuf};
use std::process::Command;

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// target/<profile>/deps/NAME (built by this test run) or target/<profile>/NAME.
fn built(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let deps = exe.parent().unwrap().to_path_buf();
    [deps.join(name), deps.parent().unwrap().join(name)]
        .into_iter()
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{name} is not built"))
}

/// A folder with the libraries under their SONAMEs, as an install has them.
fn lib_dir(dir: &Path) -> PathBuf {
    let lib = dir.join("lib");
    std::fs::create_dir_all(&lib).unwrap();
    for (file, links) in [("libflaghal.so", ["libflaghal.so", "libflaghal.so.1"]), ("libflaghal_ops.so", ["libflaghal_ops.so", "libflaghal_ops.so.0"])] {
        for link in links {
            let _ = std::fs::remove_file(lib.join(link));
            std::os::unix::fs::symlink(built(file), lib.join(link)).unwrap();
        }
    }
    lib
}

#[test]
fn every_ops_function_from_c_under_valgrind() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = std::env::temp_dir().join(format!("flaghal-ops-c-coverage-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let lib = lib_dir(&dir);
    let exe = dir.join("ops_coverage");
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let out = Command::new(&cc)
        .args(["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-g"])
        .arg(format!("-I{}", root.join("include").display()))
        .arg(format!("-I{}", root.join("ops/include").display()))
        .arg(root.join("c-examples/ops_coverage.c"))
        .arg(format!("-L{}", lib.display()))
        .args(["-lflaghal_ops", "-lflaghal", "-lm"])
        .arg(format!("-Wl,-rpath,{}", lib.display()))
        .arg("-o")
        .arg(&exe)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let valgrind = Command::new("valgrind").arg("--version").output().is_ok_and(|o| o.status.success());
    assert!(valgrind || !in_ci(), "CI is set, so valgrind must be installed (scripts/test.sh installs it)");
    let mut command = if valgrind {
        let mut c = Command::new("valgrind");
        c.args(["--error-exitcode=99", "--leak-check=full", "--errors-for-leak-kinds=definite", "-q"]).arg(&exe);
        c
    } else {
        eprintln!("SKIPPED valgrind (not installed): running ops_coverage plainly");
        Command::new(&exe)
    };
    let run = command.env("FLAGHAL_PLUGIN_FILES", built("libflaghal_cpu.so")).output().unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "ops_coverage failed ({}):\n{stdout}\n{stderr}", run.status);
    let line = stdout.lines().find(|l| l.starts_with("ops_coverage: ")).unwrap_or_else(|| panic!("no summary:\n{stdout}"));
    let checks: usize = line["ops_coverage: ".len()..].split(' ').next().unwrap().parse().unwrap();
    assert!(line.ends_with(" 0 failed") && checks >= 90, "{line}");
    println!("{line}{}", if valgrind { " (under valgrind)" } else { "" });
    let _ = std::fs::remove_dir_all(&dir);
}
