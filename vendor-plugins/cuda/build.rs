//! Build script of the CUDA plugin: links libflaghal_cuda.so with
//! `exports.map`, a linker version script that exports exactly
//! `fhPluginNegotiate`; tests/exports.rs checks it with `nm -D`. Nothing
//! here needs CUDA: the driver is opened at run time.

fn main() {
    let manifest_dir = std::path::PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let map = manifest_dir.join("exports.map");
    println!("cargo:rerun-if-changed={}", map.display());
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,--version-script={}", map.display());
    }
}
