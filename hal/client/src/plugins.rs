//! fhPluginGetCount and fhPluginGetInfo, with the loader's strings copied out.

use crate::error::Result;
use crate::hal::Hal;
use flaghal_sys::*;
use std::ffi::{c_char, CStr};

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

/// Copies a loader-owned string. flaghal.h promises never NULL; a NULL reads
/// as `<NULL>` so that a contract violation shows instead of hiding as "".
fn loader_string(ptr: *const c_char) -> String {
    if ptr.is_null() {
        return "<NULL>".to_owned();
    }
    // SAFETY: flaghal.h: loader strings are NUL-terminated and valid until
    // the process exits.
    unsafe { CStr::from_ptr(ptr) }.to_string_lossy().into_owned()
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
        Ok(PluginInfo {
            name: loader_string(info.name),
            vendor: loader_string(info.vendor),
            version: loader_string(info.version),
            library_path: loader_string(info.library_path),
            manifest_path: loader_string(info.manifest_path),
            abi_version: info.abi_version,
            loaded: info.status == FH_PLUGIN_STATUS_LOADED,
            skip_reason: info.skip_reason,
            skip_detail: loader_string(info.skip_detail),
            device_count: info.device_count,
        })
    }

    /// Every discovered plugin, in load order.
    pub fn plugins(&self) -> Result<Vec<PluginInfo>> {
        (0..self.plugin_count()?).map(|index| self.plugin_info(index)).collect()
    }
}
