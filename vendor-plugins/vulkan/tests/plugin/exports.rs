//! The plugin library exports exactly one symbol, fhPluginNegotiate
//! (flaghal_plugin.h, "Shape"), thanks to the version script in exports.map.

use std::process::Command;

#[test]
fn only_fh_plugin_negotiate_is_exported() {
    let exe = std::env::current_exe().unwrap();
    let library = exe.parent().and_then(|deps| deps.parent()).unwrap().join("libflaghal_vulkan.so");
    assert!(library.exists(), "{} was not built", library.display());
    let output = Command::new("nm")
        .args(["-D", "--defined-only", "--format=posix"])
        .arg(&library)
        .output()
        .expect("nm (binutils) is needed for this test");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let text = String::from_utf8_lossy(&output.stdout);
    let symbols: Vec<&str> = text.lines().filter_map(|l| l.split_whitespace().next()).collect();
    assert_eq!(symbols, vec!["fhPluginNegotiate"], "exported: {symbols:?}");
}
