//! What every Rust program that uses libflaghal.so through the [`FlagHal`]
//! table needs beyond the raw calls (flaghal-info, the conformance suite, the
//! integration tests): the thread's detail message, status names, and the
//! plugin list with its strings copied out.

use crate::bindings::*;
use crate::dynamic::FlagHal;
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

impl FlagHal {
    /// The calling thread's detail message (fhGetLastErrorMessage), sized
    /// exactly through its length output.
    pub fn last_error_message(&self) -> String {
        let mut length = 0usize;
        // SAFETY: a NULL buffer with size 0 is allowed; `length` is a valid out pointer.
        unsafe { self.fhGetLastErrorMessage(std::ptr::null_mut(), 0, &mut length) };
        let mut buffer = vec![0 as c_char; length + 1];
        // SAFETY: `buffer` is writable for its full length.
        unsafe { self.fhGetLastErrorMessage(buffer.as_mut_ptr(), buffer.len(), std::ptr::null_mut()) };
        crate::ptr::char_array_to_string(&buffer)
    }

    /// fhGetErrorName of `status`, or `status <n>` when the loader does not know it.
    pub fn status_name(&self, status: fh_status_t) -> String {
        let mut name: *const c_char = std::ptr::null();
        // SAFETY: `name` is a valid out pointer; the loader stores a static string.
        if unsafe { self.fhGetErrorName(status, &mut name) } == FH_SUCCESS {
            loader_string(name)
        } else {
            format!("status {status}")
        }
    }

    /// `NAME: detail message` for a failed call, read right after it.
    pub fn describe_failure(&self, status: fh_status_t) -> String {
        format!("{}: {}", self.status_name(status), self.last_error_message())
    }

    /// Plugin `index` (fhPluginGetInfo), or the failing status.
    pub fn plugin_info(&self, index: u32) -> Result<PluginInfo, fh_status_t> {
        let mut info = fh_plugin_info_t { struct_size: std::mem::size_of::<fh_plugin_info_t>(), ..Default::default() };
        // SAFETY: `info` is a valid struct with its struct_size set.
        let status = unsafe { self.fhPluginGetInfo(index, &mut info) };
        if status != FH_SUCCESS {
            return Err(status);
        }
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

    /// Every discovered plugin (fhPluginGetCount + fhPluginGetInfo), or the
    /// first failing status.
    pub fn plugin_infos(&self) -> Result<Vec<PluginInfo>, fh_status_t> {
        let mut count = 0u32;
        // SAFETY: `count` is a valid out pointer.
        let status = unsafe { self.fhPluginGetCount(&mut count) };
        if status != FH_SUCCESS {
            return Err(status);
        }
        (0..count).map(|index| self.plugin_info(index)).collect()
    }
}
