//! A program built with the 1.2 header opens a 1.1 libflaghal.so: the
//! client requires only the functions of 1.0 (every 1.x loader has them),
//! and each call a 1.1 loader lacks fails alone, naming the function and the
//! version that added it. The 1.1 loader is a C shim built here from
//! flaghal.h: it exports exactly the 1.0/1.1 functions (forwarded to the real
//! libflaghal.so) and its fhGetVersion reports FH_API_VERSION_1_1, as a
//! loader built before 1.2 does.

mod support;
use flaghal_sys::dynamic_v1_2::FlagHalV1_2;
use flaghal_sys::{dynamic, FH_ERROR_NOT_SUPPORTED};
use std::path::{Path, PathBuf};
use std::process::Command;
use support::*;

/// The parameter names of a C parameter list ("fh_device_t device, void *p"
/// gives "device, p").
fn argument_names(params: &str) -> String {
    params
        .split(',')
        .map(|p| p.trim().rsplit(|c: char| !(c.is_alphanumeric() || c == '_')).next().expect("a named parameter"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// C source of the shim: `fhGetVersion` reports `version` (a flaghal.h
/// macro); every other 1.0 function forwards to the real loader at `real`.
fn shim_source(version: &str, real: &Path) -> String {
    let header = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../include/flaghal/flaghal.h")).unwrap();
    let mut c = format!(
        "#include <flaghal/flaghal.h>\n#include <dlfcn.h>\n#include <stdio.h>\n#include <stdlib.h>\n\n\
         static void *real;\n\n\
         __attribute__((constructor)) static void open_real(void) {{\n\
         \x20   if ((real = dlopen(\"{}\", RTLD_NOW)) == NULL) {{\n\
         \x20       fprintf(stderr, \"shim: %s\\n\", dlerror());\n        abort();\n    }}\n}}\n\n\
         static void *resolve(const char *name) {{\n\
         \x20   void *f = dlsym(real, name);\n\
         \x20   if (f == NULL) {{\n        fprintf(stderr, \"shim: %s\\n\", dlerror());\n        abort();\n    }}\n    return f;\n}}\n\n\
         FH_API fh_status_t fhGetVersion(uint32_t *version) {{\n\
         \x20   if (version == NULL) {{\n        return FH_ERROR_INVALID_VALUE;\n    }}\n    *version = {version};\n    return FH_SUCCESS;\n}}\n",
        real.display()
    );
    for name in dynamic::FUNCTIONS.iter().filter(|n| **n != "fhGetVersion") {
        let start = header.find(&format!("FH_API fh_status_t {name}(")).unwrap_or_else(|| panic!("{name} in flaghal.h"));
        let open = start + header[start..].find('(').unwrap();
        let close = open + header[open..].find(')').unwrap();
        let params = header[open + 1..close].split_whitespace().collect::<Vec<_>>().join(" ");
        c += &format!(
            "\nFH_API fh_status_t {name}({params}) {{\n    return ((__typeof__({name}) *)resolve(\"{name}\"))({});\n}}\n",
            argument_names(&params)
        );
    }
    c
}

/// Builds the shim reporting `version` into a scratch folder.
fn build_shim(tag: &str, version: &str) -> PathBuf {
    let dir = scratch(&format!("older-loader-{tag}"));
    let source = dir.join("shim.c");
    std::fs::write(&source, shim_source(version, &libflaghal())).unwrap();
    let so = dir.join(format!("libflaghal_{tag}.so"));
    let include = concat!(env!("CARGO_MANIFEST_DIR"), "/../include");
    let status = Command::new("cc")
        .args(["-std=c99", "-Wall", "-Werror", "-shared", "-fPIC", "-fvisibility=hidden", "-I", include])
        .arg(&source)
        .arg("-o")
        .arg(&so)
        .arg("-ldl")
        .status()
        .expect("a C compiler (cc)");
    assert!(status.success(), "compiling {}", source.display());
    so
}

#[test]
fn a_1_1_loader_opens_and_only_its_missing_calls_fail() {
    let cpu = cpu_plugin().to_string_lossy().into_owned();
    scenario("a_1_1_loader_opens_and_only_its_missing_calls_fail", &[("FLAGHAL_PLUGIN_FILES", &cpu)], false, |_| {
        let shim = build_shim("1_1", "FH_API_VERSION_1_1");
        // The shim really lacks the 1.2 functions.
        // SAFETY: loading the shim runs its constructor, which only dlopens the real loader.
        let err = unsafe { FlagHalV1_2::new(&shim) }.err().expect("the 1.1 shim exports no 1.2 function");
        assert!(err.to_string().contains("fhMemcpyPeer"), "{err}");

        let hal = Hal::open_at(&shim).unwrap_or_else(|e| panic!("a 1.1 libflaghal.so must open: {e}"));
        assert_eq!(hal.version().unwrap(), flaghal_sys::version::FH_API_VERSION_1_1);
        hal.init(0).unwrap();
        let dev = hal.device(0).unwrap();
        let p = hal.mem_alloc(dev, 64).unwrap();
        hal.htod(dev, p, &[7u8; 64]).unwrap();
        assert_eq!(hal.read(dev, p, 64).unwrap(), vec![7u8; 64], "1.0 calls work through the older loader");

        let peer = hal.peer(dev, p, dev, p, 8).unwrap_err();
        assert_eq!((peer.function, peer.status), ("fhMemcpyPeer", FH_ERROR_NOT_SUPPORTED));
        let why = format!("fhMemcpyPeer was added in API 1.2; {} implements API 1.1 (fhGetVersion)", shim.display());
        assert!(peer.message.contains(&why), "{peer}");
        let query = hal.pointer_attributes(Some(dev), p).unwrap_err();
        assert_eq!((query.function, query.status), ("fhPointerGetAttributes", FH_ERROR_NOT_SUPPORTED));
        assert!(query.message.contains("fhPointerGetAttributes was added in API 1.2"), "{query}");
        let stream = hal.stream_create(dev).unwrap();
        let queued = hal.peer_async(p, p, 8, stream, stream).unwrap_err();
        assert_eq!(queued.function, "fhMemcpyPeerAsync");
        assert!(queued.message.contains("added in API 1.2"), "{queued}");

        hal.stream_destroy(stream).unwrap();
        hal.mem_free(dev, p).unwrap();
    });
}

#[test]
fn a_loader_that_reports_1_2_but_lacks_its_functions_is_refused() {
    let shim = build_shim("lying", "FH_API_VERSION_1_2");
    let err = Hal::open_at(&shim).err().expect("a library claiming 1.2 without its functions is broken");
    assert!(err.contains("reports API 1.2 but lacks a function API 1.2 added") && err.contains("fhMemcpyPeer"), "{err}");
}

#[test]
fn the_current_loader_has_every_1_2_function() {
    let hal = open();
    assert_eq!(hal.version().unwrap(), flaghal_sys::version::FH_API_VERSION_1_2);
    assert!(hal.raw_v1_2("fhMemcpyPeer").is_ok());
}
