//! flaghal-kernel as kernel authors use it: the committed SPIR-V of the
//! repository's kernel directories is what the sources compile to (and valid
//! for Vulkan), parameters above 120 bytes switch a kernel to the argument
//! buffer, a parameter layout on which C and GLSL disagree is a compile
//! error naming the member, and the command line builds and inspects
//! bundles. The tools (glslc, spirv-val, spirv-link) must be installed under
//! CI=true; elsewhere a test without them says so and checks nothing else.

use flaghal_formats::bundle;
use flaghal_kernel::{committed, read_source, Build, SpirvFrom};
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("flaghal-kernel-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn have(tool: &str) -> bool {
    Command::new(tool).arg("--version").output().is_ok_and(|o| o.status.success())
}

/// Whether the SPIR-V tools and clang are here; under CI=true they must be.
fn spirv_tools() -> bool {
    let missing: Vec<&str> = ["glslc", "spirv-val", "spirv-link", "clang-15"].into_iter().filter(|t| !have(t)).collect();
    if missing.is_empty() {
        return true;
    }
    assert!(std::env::var("CI").as_deref() != Ok("true"), "CI needs {missing:?} (Debian: glslc spirv-tools clang-15)");
    eprintln!("SKIPPED: {missing:?} not installed; nothing checked");
    false
}

/// A build whose scratch folder is `<name>-work` (not a folder of sources).
fn build(name: &str) -> Build {
    let mut b = Build::new(&scratch(&format!("{name}-work")));
    b.include = root().join("include");
    b
}

const KERNEL_DIRS: [&str; 3] = ["conformance/kernels", "c-examples/kernels", "ops/kernels"];

#[test]
fn the_committed_spirv_is_what_the_sources_compile_to_and_valid() {
    if !spirv_tools() {
        return;
    }
    for dir in KERNEL_DIRS {
        let dir = root().join(dir);
        let drift = committed::drift(&dir, &build("drift"), &scratch("fresh")).unwrap();
        // (the PTX is compared too: clang-15 writes it deterministically)
        assert!(drift.is_empty(), "run `flaghal-kernel regenerate {}` and commit:\n{}", dir.display(), drift.join("\n"));
        for source in committed::sources(&dir).unwrap() {
            let name = read_source(&source).unwrap().name;
            let spv = dir.join(committed::SPIRV_DIR).join(format!("{name}.spv"));
            let out = Command::new("spirv-val").args(["--target-env", "vulkan1.2"]).arg(&spv).output().unwrap();
            assert!(out.status.success(), "{}: {}", spv.display(), String::from_utf8_lossy(&out.stderr));
        }
    }
}

fn kernel(dir: &Path, file: &str, text: &str) -> PathBuf {
    let path = dir.join(file);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn parameters_above_120_bytes_travel_through_the_argument_buffer() {
    if !spirv_tools() {
        return;
    }
    let dir = scratch("sizes");
    let b = build("sizes");
    let small = kernel(&dir, "small.fhk", "#include <flaghal/flaghal_kernel.h>\nFH_STRUCT(small_args) { u32_ptr dst; uint32_t w[28]; };\nFH_KERNEL(small, small_args) { args.dst[0].v = args.w[27]; }\n");
    let large = kernel(&dir, "large.fhk", "#include <flaghal/flaghal_kernel.h>\nFH_STRUCT(large_args) { u32_ptr dst; uint32_t w[29]; };\nFH_KERNEL(large, large_args) { args.dst[0].v = args.w[28]; }\n");
    let small = b.spirv(&read_source(&small).unwrap()).unwrap();
    assert_eq!((small.params.size, small.params.in_buffer), (120, false), "8 + 28 * 4 = 120 bytes fit inline");
    let large = b.spirv(&read_source(&large).unwrap()).unwrap();
    assert_eq!((large.params.size, large.params.in_buffer), (124, true), "124 bytes go through the buffer");
    assert_eq!(large.params.members, vec![("dst".to_string(), 0), ("w".to_string(), 8)]);
}

#[test]
fn a_layout_c_and_glsl_disagree_on_is_a_compile_error_naming_the_member() {
    if !spirv_tools() {
        return;
    }
    let dir = scratch("layout");
    // GLSL stores a bool in 4 bytes, C in 1: `b` moves.
    let bad = kernel(&dir, "bad.fhk", "#include <flaghal/flaghal_kernel.h>\nFH_STRUCT(bad_args) { u8_ptr dst; bool flag; uint8_t b; };\nFH_KERNEL(bad, bad_args) { args.dst[0].v = args.b; }\n");
    let error = build("layout").bundle(&[bad], &SpirvFrom::Compile, true).unwrap_err();
    assert!(error.contains("bad_args.b is at byte 12 in the SPIR-V image"), "{error}");
}

#[test]
fn every_documented_builtin_compiles_on_both_targets() {
    if !spirv_tools() {
        return;
    }
    let source = root().join("tests/kernels/language_coverage.fhk");
    for (tag, flags) in [("fibers-asm", vec!["-Werror", "-pedantic"]), ("fibers-ucontext", vec!["-Werror", "-pedantic", "-DFH_CPU_FIBERS_UCONTEXT"])] {
        let mut b = build(tag);
        b.cflags = flags.into_iter().map(str::to_string).collect();
        let built = b.bundle(std::slice::from_ref(&source), &SpirvFrom::Compile, true).unwrap_or_else(|e| panic!("{tag}: {e}"));
        let spirv = built.spirv.unwrap();
        let out = b.work.join("coverage.spv");
        std::fs::write(&out, &spirv).unwrap();
        let val = Command::new("spirv-val").args(["--target-env", "vulkan1.2"]).arg(&out).output().unwrap();
        assert!(val.status.success(), "{}", String::from_utf8_lossy(&val.stderr));
        assert!(built.native.is_some());
        let ptx = String::from_utf8(built.ptx.unwrap()).unwrap();
        assert!(ptx.contains(".visible .entry language_coverage("), "{tag}: the PTX names the kernel");
        assert!(built.opencl_c.is_some());
    }
}

#[test]
fn one_kernel_per_source_and_distinct_names() {
    let dir = scratch("names");
    let a = kernel(&dir, "a.fhk", "#include <flaghal/flaghal_kernel.h>\nFH_STRUCT(x) { uint32_t n; };\nFH_KERNEL(same, x) {}\n");
    let b = kernel(&dir, "b.fhk", "#include <flaghal/flaghal_kernel.h>\nFH_STRUCT(x) { uint32_t n; };\nFH_KERNEL(same, x) {}\n");
    let error = build("names").bundle(&[a, b], &SpirvFrom::Skip, false).unwrap_err();
    assert!(error.contains("both define kernel \"same\""), "{error}");
    let none = kernel(&dir, "none.fhk", "int x;\n");
    assert!(build("names").bundle(&[none], &SpirvFrom::Skip, true).unwrap_err().contains("no line starts with FH_KERNEL"));
}

#[test]
fn the_command_line_builds_inspects_and_refuses_bad_arguments() {
    let tool = env!("CARGO_BIN_EXE_flaghal-kernel");
    let dir = scratch("cli");
    let out = dir.join("examples.fhbundle");
    let sources = root().join("c-examples/kernels");
    let status = Command::new(tool)
        .args(["build", "--committed"])
        .arg(sources.join("vector_add.fhk"))
        .arg(sources.join("matmul_tiled.fhk"))
        .arg("-o")
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let bytes = std::fs::read(&out).unwrap();
    let parsed = bundle::parse(&bytes).unwrap();
    let formats: Vec<u32> = parsed.images.iter().map(|i| i.format).collect();
    let want = [
        flaghal_sys::FH_MODULE_FORMAT_SPIRV,
        flaghal_sys::FH_MODULE_FORMAT_NATIVE_CPU,
        flaghal_sys::FH_MODULE_FORMAT_OPENCL_C,
        flaghal_sys::FH_MODULE_FORMAT_PTX,
    ];
    assert_eq!(formats, want);
    assert_eq!(parsed.params_size("vector_add"), 28);
    let inspect = Command::new(tool).arg("inspect").arg(&out).output().unwrap();
    let text = String::from_utf8_lossy(&inspect.stdout);
    assert!(text.contains("kernel matmul_tiled: 36 bytes of parameters") && text.contains("image NATIVE_CPU for"), "{text}");
    std::fs::write(dir.join("broken.fhbundle"), &bytes[..bytes.len() / 2]).unwrap();
    let broken = Command::new(tool).arg("inspect").arg(dir.join("broken.fhbundle")).output().unwrap();
    assert_eq!(broken.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&broken.stderr).contains("truncated"));
    for bad in [vec!["frobnicate"], vec!["build", "--formats", "cubin", "x.fhk"], vec!["build", "--bogus"]] {
        let out = Command::new(tool).args(&bad).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
}
