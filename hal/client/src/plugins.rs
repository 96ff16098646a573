//! fhPluginGetCount and fhPluginGetInfo, with the loader's strings copied out.

use crate::error::Result;
use crate::hal::Hal;
use crate::strings::loader_string;
use flaghal_sys::*;

/// One entry of fhPluginGetInfo, its loader-owned strings copied out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PluginInfo {
    pub name: String,
    pub vendor: String,
    pub version: String,
    pub library_path: String,
    pub manifest_path: String,
    pub abi_version: u32,
    /// `status` is FH_PLUGIN_STATUS_LOADED.
    pub loaded: bool,
    pub skip_reason: fh_plugin_skip_reason_t,
    pub skip_detail: String,
    pub device_count: u32,
}

impl Hal {
    /// fhPluginGetCount: every plugin discovered, loaded or skipped.
    pub fn plugin_count(&self) -> Result<u32> {
        let mut count = 0u32;
        // SAFETY: `count` is a valid out pointer.
        self.check("fhPluginGetCount", unsafe { self.raw().fhPluginGetCount(&mut count) })?;
        Ok(count)
    }

    /// fhPluginGetInfo(index) with the full 1.0 struct.
    pub fn plugin_info(&self, index: u32) -> Result<PluginInfo> {
        let mut info = fh_plugin_info_t { struct_size: std::mem::size_of::<fh_plugin_info_t>(), ..Default::default() };
        // SAFETY: `info` is a valid struct with its struct_size set.
        self.check("fhPluginGetInfo", unsafe { self.raw().fhPluginGetInfo(index, &mut info) })?;
        // SAFETY: flaghal.h: on success every string of `info` is the
        // loader's, NUL-terminated and valid until the process exits.
        let text = |ptr| unsafe { loader_string(ptr) };
        Ok(PluginInfo {
            name: text(info.name),
            vendor: text(info.vendor),
            version: text(info.version),
            library_path: text(info.library_path),
            manifest_path: text(info.manifest_path),
            abi_version: info.abi_version,
            loaded: info.status == FH_PLUGIN_STATUS_LOADED,
            skip_reason: info.skip_reason,
            skip_detail: text(info.skip_detail),
            device_count: info.device_count,
        })
    }

    /// Every discovered plugin, in load order.
    pub fn plugins(&self) -> Result<Vec<PluginInfo>> {
        (0..self.plugin_count()?).map(|index| self.plugin_info(index)).collect()
    }
}
