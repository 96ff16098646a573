//! Link settings of libflaghal.so (the cdylib only):
//! - SONAME libflaghal.so.1;
//! - a version script exporting exactly the fh* functions (libflaghal.map);
//! - -z nodelete: the loader is never unmapped, because plugins keep
//!   pointers to its host services until the process exits.

fn main() {
    let map = std::path::Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo")).join("libflaghal.map");
    println!("cargo:rerun-if-changed=libflaghal.map");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libflaghal.so.1");
    println!("cargo:rustc-cdylib-link-arg=-Wl,--version-script={}", map.display());
    println!("cargo:rustc-cdylib-link-arg=-Wl,-z,nodelete");
}
