//! The plugin ABI: fhPluginNegotiate, the function table, and every entry
//! (one file per group: lifecycle, memory, streams, events, kernels).
//! Each body runs in `flaghal_sys::ffi_boundary` (house rule 1); C pointers go through the
//! `flaghal_sys::ptr`/`sized` helpers (rule 2). Handle ownership is stated
//! where each type lives: device.rs (static), stream.rs (Arc), event.rs
//! (Box), module.rs (Box module owning Arc functions).

pub(crate) use crate::copy;
pub(crate) use crate::device::Device;
pub(crate) use crate::error::invalid_value;
pub(crate) use crate::event::Event;
pub(crate) use crate::host;
pub(crate) use crate::module::{Function, Module};
pub(crate) use crate::plugin;
pub(crate) use crate::stream::Stream;
pub(crate) use flaghal_sys::ptr::{in_bytes, in_cstr, in_ref, out_bytes, write_out};
pub(crate) use flaghal_sys::sized::{read_sized, write_sized};
pub(crate) use flaghal_sys::{self as sys, ffi_boundary, FfiError, FfiResult};
pub(crate) use std::ffi::{c_char, c_void};
pub(crate) use std::mem::size_of;
pub(crate) use std::sync::Arc;

/// The plugin's highest ABI minor.
const ABI_MINOR: u32 = sys::FH_PLUGIN_ABI_VERSION_MINOR;

fn call(body: impl FnOnce() -> FfiResult) -> sys::fh_status_t {
    ffi_boundary(body, |e| host::set_error_detail(&e.message))
}

/// The 1.0 sizes (the FH_*_STRUCT_SIZE_1_0 macros of flaghal_plugin.h).
use sys::struct_sizes::{
    FH_DEVICE_PROPERTIES_MIN_STRUCT_SIZE as PROPS_SIZE_1_0, FH_PLUGIN_HOST_SERVICES_STRUCT_SIZE_1_0 as HOST_SIZE_1_0,
    FH_PLUGIN_INIT_ARGS_STRUCT_SIZE_1_0 as INIT_SIZE_1_0, FH_PLUGIN_LAUNCH_PARAMS_STRUCT_SIZE_1_0 as LAUNCH_SIZE_1_0,
    FH_PLUGIN_NEGOTIATE_ARGS_STRUCT_SIZE_1_0 as NEGOTIATE_SIZE_1_0,
};

/// # Safety
/// `device` is a handle from device_get (the loader guarantees it).
unsafe fn device(device: sys::fhp_device_t) -> FfiResult<&'static Device> {
    // SAFETY: device handles point into the static device vector.
    unsafe { in_ref(device.cast::<Device>().cast_const(), "device") }
}

/// # Safety
/// `stream` is a live handle from stream_create.
unsafe fn stream<'a>(stream: sys::fhp_stream_t) -> FfiResult<&'a Stream> {
    // SAFETY: a live stream handle is `Arc::into_raw` of a Stream.
    unsafe { in_ref(stream.cast::<Stream>().cast_const(), "stream") }
}

/// # Safety
/// `event` is a live handle from event_create.
unsafe fn event<'a>(event: sys::fhp_event_t) -> FfiResult<&'a Event> {
    // SAFETY: a live event handle is `Box::into_raw` of an Event.
    unsafe { in_ref(event.cast::<Event>().cast_const(), "event") }
}

/// # Safety
/// `function` is a live handle from module_get_function.
unsafe fn function(function: sys::fhp_function_t) -> FfiResult<Arc<Function>> {
    let ptr = function.cast::<Function>().cast_const();
    if ptr.is_null() {
        return Err(invalid_value("function is NULL"));
    }
    // SAFETY: the handle is `Arc::as_ptr` of a Function its module still
    // owns, so the count is at least one; we take one more reference.
    unsafe {
        Arc::increment_strong_count(ptr);
        Ok(Arc::from_raw(ptr))
    }
}

mod events;
mod kernels;
mod lifecycle;
mod memory;
mod streams;

use events::*;
use kernels::*;
use lifecycle::*;
use memory::*;
use streams::*;

/// fhPluginNegotiate: the one exported symbol.
///
/// # Safety
/// `args` is NULL or a negotiate-args struct with its struct_size set.
#[no_mangle]
pub unsafe extern "C" fn fhPluginNegotiate(args: *mut sys::fh_plugin_negotiate_args_t) -> sys::fh_status_t {
    call(|| {
        // SAFETY: the caller passes NULL or a struct with struct_size set.
        let mut a: sys::fh_plugin_negotiate_args_t = unsafe { read_sized(args, NEGOTIATE_SIZE_1_0, "args") }?;
        if a.loader_abi_min_minor > a.loader_abi_max_minor {
            return Err(invalid_value(format!(
                "loader_abi_min_minor {} > loader_abi_max_minor {}",
                a.loader_abi_min_minor, a.loader_abi_max_minor
            )));
        }
        a.plugin_abi_major = sys::FH_PLUGIN_ABI_VERSION_MAJOR;
        let result = if a.loader_abi_major != sys::FH_PLUGIN_ABI_VERSION_MAJOR {
            a.api = std::ptr::null();
            Err(FfiError::new(
                sys::FH_ERROR_NOT_SUPPORTED,
                format!("plugin ABI major {} != loader major {}", sys::FH_PLUGIN_ABI_VERSION_MAJOR, a.loader_abi_major),
            ))
        } else if ABI_MINOR < a.loader_abi_min_minor {
            a.plugin_abi_minor = ABI_MINOR;
            a.api = std::ptr::null();
            Err(FfiError::new(
                sys::FH_ERROR_NOT_SUPPORTED,
                format!("plugin ABI minor {ABI_MINOR} < loader minimum {}", a.loader_abi_min_minor),
            ))
        } else {
            #[allow(clippy::unnecessary_min_or_max)] // ABI_MINOR is 0 today; it will grow
            let minor = ABI_MINOR.min(a.loader_abi_max_minor);
            a.plugin_abi_minor = minor;
            a.api = &API.0;
            Ok(())
        };
        // SAFETY: as above; only bytes inside the caller's size are written.
        unsafe { write_sized(args, &a, NEGOTIATE_SIZE_1_0, "args") }?;
        result
    })
}

/// The function table, in static storage (flaghal_plugin.h).
struct Table(sys::fh_plugin_api_t);
// SAFETY: the table is immutable; its pointers are to static strings and functions.
unsafe impl Sync for Table {}

static API: Table = Table(sys::fh_plugin_api_t {
    struct_size: size_of::<sys::fh_plugin_api_t>(),
    next: std::ptr::null_mut(),
    name: c"vulkan".as_ptr(),
    vendor: c"FlagHAL reference".as_ptr(),
    version: concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast(),
    init: Some(init),
    device_count: Some(device_count),
    device_get: Some(device_get),
    device_get_properties: Some(device_get_properties),
    device_synchronize: Some(device_synchronize),
    mem_get_info: Some(mem_get_info),
    mem_alloc: Some(mem_alloc),
    mem_free: Some(mem_free),
    mem_alloc_host: Some(mem_alloc_host),
    mem_free_host: Some(mem_free_host),
    memcpy_htod: Some(memcpy_htod),
    memcpy_dtoh: Some(memcpy_dtoh),
    memcpy_dtod: Some(memcpy_dtod),
    memcpy_htod_async: Some(memcpy_htod_async),
    memcpy_dtoh_async: Some(memcpy_dtoh_async),
    memcpy_dtod_async: Some(memcpy_dtod_async),
    memset: Some(memset),
    memset_async: Some(memset_async),
    stream_create: Some(stream_create),
    stream_destroy: Some(stream_destroy),
    stream_synchronize: Some(stream_synchronize),
    stream_query: Some(stream_query),
    stream_wait_event: Some(stream_wait_event),
    launch_host_func: Some(launch_host_func),
    event_create: Some(event_create),
    event_destroy: Some(event_destroy),
    event_record: Some(event_record),
    event_synchronize: Some(event_synchronize),
    event_query: Some(event_query),
    event_elapsed_time: Some(event_elapsed_time),
    module_load: Some(module_load),
    module_unload: Some(module_unload),
    module_get_function: Some(module_get_function),
    function_get_attribute: Some(function_get_attribute),
    launch_kernel: Some(launch_kernel),
});
