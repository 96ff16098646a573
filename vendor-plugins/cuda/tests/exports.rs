//! The plugin library exports exactly one symbol, fhPluginNegotiate
//! (flaghal_plugin.h, "Shape"), thanks to the version script in exports.map.

use flaghal_plugin_host::{built_library, exported_symbols};

#[test]
fn only_fh_plugin_negotiate_is_exported() {
    assert_eq!(exported_symbols(&built_library("libflaghal_cuda.so")), ["fhPluginNegotiate"]);
}
