//! Compiling C with the system compiler (`$CC`, else `cc`; `$CXX`, else
//! `c++`), with the warning set the headers promise to be clean under.

use crate::paths;
use std::path::Path;
use std::process::Command;

/// `-std=c99 -Wall -Wextra -Werror -pedantic`.
pub const C99_STRICT: &[&str] = &["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic"];
/// `-std=c++11 -Wall -Wextra -Werror -pedantic`.
pub const CXX11_STRICT: &[&str] = &["-std=c++11", "-Wall", "-Wextra", "-Werror", "-pedantic"];

pub fn cc() -> String {
    std::env::var("CC").unwrap_or_else(|_| "cc".to_owned())
}

pub fn cxx() -> String {
    std::env::var("CXX").unwrap_or_else(|_| "c++".to_owned())
}

/// Runs a compiler; on failure returns its diagnostics with the command line.
pub fn run_compiler(compiler: &str, args: &[String]) -> Result<(), String> {
    let out = Command::new(compiler)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run {compiler}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{compiler} {} failed ({}):\n{}{}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| (*s).to_owned()).collect()
}

/// Builds a C99 program against include/ and libflaghal.so, the way the README
/// tells users to (`cc -std=c99 -Iinclude x.c -L... -lflaghal`), with the
/// strict warnings and an rpath. Panics with the diagnostics on failure.
pub fn build_program(src: &Path, exe: &Path, extra: &[&str]) {
    let lib_dir = paths::text(&paths::libflaghal_dir());
    let mut args = strings(C99_STRICT);
    args.push(format!("-I{}", paths::text(&paths::include_dir())));
    args.extend([paths::text(src), "-o".to_owned(), paths::text(exe)]);
    args.extend([format!("-L{lib_dir}"), "-lflaghal".to_owned(), format!("-Wl,-rpath,{lib_dir}")]);
    args.extend(strings(extra));
    run_compiler(&cc(), &args).unwrap_or_else(|e| panic!("{e}"));
}

/// Builds a native CPU kernel module (flaghal_cpu_kernel.h) as the README does.
pub fn build_kernel(src: &Path, module: &Path) {
    let mut args = strings(C99_STRICT);
    args.extend(strings(&["-O2", "-shared", "-fPIC"]));
    args.push(format!("-I{}", paths::text(&paths::include_dir())));
    args.extend([paths::text(src), "-o".to_owned(), paths::text(module)]);
    run_compiler(&cc(), &args).unwrap_or_else(|e| panic!("{e}"));
}
