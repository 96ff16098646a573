//! The exported functions of flaghal.h, one file per area, each declared
//! once by name in its file's `exports!` block (api/exports.rs), whose bodies
//! run in `failure::export` (the panic boundary plus the thread's detail
//! message). The loader checks everything the plugin ABI promises plugins
//! (rule 7) before calling: initialisation, handles, output pointers, device
//! membership, flags, sizes, launch limits, capabilities.

mod exports;

pub mod devices;
pub mod errors;
pub mod events;
pub mod init;
pub mod memory;
pub mod modules;
pub mod peer;
pub mod plugins;
pub mod pointers;
pub mod streams;

/// Every function libflaghal.so exports, area by area (each file's `NAMES`).
pub const EXPORTS: [&[&str]; 10] = [
    init::NAMES,
    errors::NAMES,
    plugins::NAMES,
    devices::NAMES,
    memory::NAMES,
    streams::NAMES,
    events::NAMES,
    modules::NAMES,
    peer::NAMES,
    pointers::NAMES,
];

/// [`EXPORTS`] as one list.
pub fn exported_names() -> impl Iterator<Item = &'static str> {
    EXPORTS.into_iter().flatten().copied()
}

use crate::failure::ApiResult;
use crate::handles::{Device, Event, Function, Module, Stream};
use crate::registry;
use exports::exports;
use flaghal_sys::*;
use std::ffi::c_void;

/// Calls a REQUIRED plugin entry and turns its status into a result;
/// `$function` names the exported function in a failure's message (inside an
/// `exports!` body, `FUNCTION`).
macro_rules! call_plugin {
    ($plugin:expr, $entry:ident, $function:expr $(, $arg:expr)* $(,)?) => {{
        let plugin: &'static $crate::plugin::Plugin = $plugin;
        let f = $crate::required!(plugin, $entry);
        // SAFETY: plugin ABI rule 7: the loader has checked the handles
        // (non-NULL, live, right kind, same device) and the output pointers
        // it passes; data arguments pass through for the plugin to validate.
        let status = unsafe { f($($arg),*) };
        $crate::failure::plugin_status(&plugin.name, $function, status)
    }};
}
pub(crate) use call_plugin;

#[inline]
pub(crate) fn device(handle: fh_device_t) -> ApiResult<&'static Device> {
    registry::get()?;
    Device::resolve(handle)
}

#[inline(always)]
pub(crate) fn stream(handle: fh_stream_t) -> ApiResult<&'static Stream> {
    registry::get()?;
    Stream::resolve(handle as *mut c_void)
}

#[inline]
pub(crate) fn event(handle: fh_event_t) -> ApiResult<&'static Event> {
    registry::get()?;
    Event::resolve(handle as *mut c_void)
}

#[inline]
pub(crate) fn module(handle: fh_module_t) -> ApiResult<&'static Module> {
    registry::get()?;
    Module::resolve(handle as *mut c_void)
}

#[inline]
pub(crate) fn function(handle: fh_function_t) -> ApiResult<&'static Function> {
    registry::get()?;
    Function::resolve(handle as *mut c_void)
}

/// FH_ERROR_INVALID_DEVICE unless both objects belong to one device.
#[inline]
pub(crate) fn same_device(a: &Device, b: &Device, what: &str) -> ApiResult {
    if std::ptr::eq(a, b) {
        Ok(())
    } else {
        Err(crate::failure::fail(
            FH_ERROR_INVALID_DEVICE,
            format!("{what} belong to different devices ({} and {})", a.describe(), b.describe()),
        ))
    }
}
