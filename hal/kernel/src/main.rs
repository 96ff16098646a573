//! `flaghal-kernel`: builds FlagHAL kernel sources (flaghal_kernel.h) for
//! every FlagHAL device.
//!
//! Usage:
//!   flaghal-kernel build [OPTIONS] SOURCE... -o OUT.fhbundle
//!       SPIR-V, native CPU, OpenCL C and PTX images of every kernel, in one
//!       module bundle (FH_MODULE_FORMAT_BUNDLE) that fhModuleLoadData loads
//!       on any device.
//!       --formats LIST   spirv,native_cpu,opencl_c,ptx (the default), or some of them
//!       --spirv-dir DIR  take each kernel's SPIR-V from DIR/<kernel>.spv
//!                        instead of compiling (no glslc needed)
//!       --committed      take each kernel's SPIR-V and PTX from spirv/<kernel>.spv
//!                        and ptx/<kernel>.ptx beside its source (flaghal-kernel
//!                        regenerate): no glslc or clang needed
//!       --native-c FILE  also link FILE, plain C kernels of flaghal_cpu_kernel.h,
//!                        into the native CPU image only (may repeat)
//!   flaghal-kernel spirv SOURCE -o OUT.spv        one kernel's SPIR-V
//!   flaghal-kernel ptx SOURCE -o OUT.ptx          one kernel's PTX
//!   flaghal-kernel native-cpu SOURCE... -o OUT.so a native CPU module
//!   flaghal-kernel opencl-c SOURCE... -o OUT.cl   an OpenCL C image
//!   flaghal-kernel regenerate DIR                 DIR/*.fhk -> DIR/spirv/*.spv, DIR/ptx/*.ptx
//!   flaghal-kernel inspect FILE                   a bundle's images and kernels
//! Common options:
//!   -I, --include DIR  the FlagHAL include directory (default: $FLAGHAL_INCLUDE,
//!                      else ../include beside this program, else the source tree)
//!   --cflags FLAGS     extra C compiler flags for native CPU images (split on spaces)
//!   --work DIR         scratch directory (default: a fresh one under $TMPDIR)
//! Tools: glslc, spirv-link, cc and clang-15, or $GLSLC, $SPIRV_LINK, $CC, $CLANG.
//! Exit status: 0 done; 1 a build or check failed (the message says why); 2 bad arguments.

use flaghal_formats::bundle;
use flaghal_kernel::{committed, read_source, Build, SpirvFrom};
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: flaghal-kernel build|spirv|native-cpu|regenerate|inspect ... (flaghal-kernel --help)";

#[derive(Debug, Default)]
struct Options {
    command: String,
    inputs: Vec<PathBuf>,
    output: Option<PathBuf>,
    include: Option<PathBuf>,
    cflags: Vec<String>,
    work: Option<PathBuf>,
    spirv_dir: Option<PathBuf>,
    native_c: Vec<PathBuf>,
    committed: bool,
    spirv: bool,
    native: bool,
    opencl: bool,
    ptx: bool,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut o = Options { command: args.next().ok_or("no command")?, spirv: true, native: true, opencl: true, ptx: true, ..Default::default() };
    if o.command == "-h" || o.command == "--help" {
        return Err(String::new());
    }
    if !["build", "spirv", "ptx", "native-cpu", "opencl-c", "regenerate", "inspect"].contains(&o.command.as_str()) {
        return Err(format!("unknown command {:?}", o.command));
    }
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "-o" | "--output" => o.output = Some(value("-o")?.into()),
            "-I" | "--include" => o.include = Some(value("--include")?.into()),
            "--cflags" => o.cflags.extend(value("--cflags")?.split_whitespace().map(str::to_string)),
            "--work" => o.work = Some(value("--work")?.into()),
            "--spirv-dir" => o.spirv_dir = Some(value("--spirv-dir")?.into()),
            "--native-c" => o.native_c.push(value("--native-c")?.into()),
            "--committed" => o.committed = true,
            "--formats" => {
                let list = value("--formats")?;
                o.spirv = false;
                o.native = false;
                o.opencl = false;
                o.ptx = false;
                for format in list.split(',') {
                    match format.trim() {
                        "spirv" => o.spirv = true,
                        "native_cpu" => o.native = true,
                        "opencl_c" => o.opencl = true,
                        "ptx" => o.ptx = true,
                        other => return Err(format!("unknown format {other:?} (spirv, native_cpu, opencl_c, ptx)")),
                    }
                }
            }
            "-h" | "--help" => return Err(String::new()),
            flag if flag.starts_with('-') => return Err(format!("unknown option {flag:?}")),
            _ => o.inputs.push(arg.into()),
        }
    }
    Ok(o)
}

fn build_for(o: &Options) -> Build {
    let work = o.work.clone().unwrap_or_else(|| std::env::temp_dir().join(format!("flaghal-kernel-{}", std::process::id())));
    let mut build = Build::new(&work);
    if let Some(include) = &o.include {
        build.include = include.clone();
    }
    build.cflags = o.cflags.clone();
    build.native_c = o.native_c.clone();
    build.opencl_c = o.opencl && o.command == "build";
    build.ptx = o.ptx && o.command == "build";
    build
}

fn write(path: &PathBuf, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn one_input(o: &Options) -> Result<PathBuf, String> {
    match o.inputs.as_slice() {
        [one] => Ok(one.clone()),
        _ => Err(format!("{} takes exactly one input", o.command)),
    }
}

fn inspect(path: &PathBuf) -> Result<(), String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let parsed = bundle::parse(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    println!("{}: module bundle, {} bytes", path.display(), bytes.len());
    for image in &parsed.images {
        let target = image.target.map(|t| format!(" for {t}")).unwrap_or_default();
        println!("  image {}{target}: {} bytes", flaghal_sys::names::module_format(image.format), image.bytes.len());
    }
    for kernel in &parsed.kernels {
        match kernel.params_size {
            0 => println!("  kernel {} (parameter size not recorded)", kernel.name),
            n => println!("  kernel {}: {n} bytes of parameters", kernel.name),
        }
    }
    Ok(())
}

fn run(o: Options) -> Result<(), String> {
    let build = build_for(&o);
    let output = || o.output.clone().ok_or(format!("{} needs -o OUT", o.command));
    let result = match o.command.as_str() {
        "build" | "native-cpu" => {
            let native_only = o.command == "native-cpu";
            let spirv = match (&o.spirv_dir, o.committed, o.spirv && !native_only) {
                (Some(dir), _, _) => SpirvFrom::Directory(dir.clone()),
                (None, true, _) => SpirvFrom::Committed,
                (None, false, true) => SpirvFrom::Compile,
                (None, false, false) => SpirvFrom::Skip,
            };
            let built = build.bundle(&o.inputs, &spirv, o.native || native_only)?;
            if native_only {
                write(&output()?, built.native.as_deref().unwrap_or_default())
            } else {
                write(&output()?, &built.bundle)
            }
        }
        "opencl-c" => {
            let sources: Vec<_> = o.inputs.iter().map(|p| read_source(p)).collect::<Result<_, _>>()?;
            write(&output()?, &flaghal_kernel::opencl_build::image(&sources, &build.include, &build.tools)?)
        }
        "spirv" => {
            let source = read_source(&one_input(&o)?)?;
            write(&output()?, &build.spirv(&source)?.bytes)
        }
        "ptx" => {
            let source = read_source(&one_input(&o)?)?;
            write(&output()?, &build.ptx(&source)?)
        }
        "regenerate" => {
            let dir = one_input(&o)?;
            let names = committed::regenerate(&dir, &build, &dir)?;
            println!("{}: regenerated SPIR-V and PTX of {}", dir.display(), names.join(", "));
            Ok(())
        }
        "inspect" => inspect(&one_input(&o)?),
        other => unreachable!("parse accepts only known commands, not {other:?}"),
    };
    if o.work.is_none() {
        let _ = std::fs::remove_dir_all(&build.work);
    }
    result
}

fn main() -> ExitCode {
    let options = match parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) if message.is_empty() => {
            let doc = include_str!("main.rs");
            let usage: Vec<&str> = doc.lines().take_while(|l| l.starts_with("//!")).map(|l| l.trim_start_matches("//!").trim_start_matches(' ')).collect();
            println!("{}", usage.join("\n"));
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("flaghal-kernel: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("flaghal-kernel: {message}");
            ExitCode::FAILURE
        }
    }
}
