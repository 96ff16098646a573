//! What the loader keeps about each discovered plugin: one `Record` per
//! fhPluginGetInfo entry, loaded (`Loaded`: the plugin and its devices) or
//! skipped (`Skip`, with its reason). Made by plugin_load.rs, kept by
//! registry.rs.

use crate::device_query::QueriedDevice;
use crate::discovery::search_paths::Origin;
use crate::plugin::Plugin;
use crate::skip::Skip;

/// A plugin in use.
pub struct Loaded {
    pub plugin: &'static Plugin,
    pub devices: Vec<QueriedDevice>,
}

/// One discovered plugin, loaded or skipped.
pub struct Record {
    pub name: String,
    pub vendor: String,
    pub version: String,
    pub library_path: String,
    pub manifest_path: String,
    pub abi_version: u32,
    pub origin: Origin,
    pub outcome: Result<Loaded, Skip>,
}
