//! The plugin's one exported symbol, `fhPluginNegotiate`, and the function
//! table it hands out. The table is static, fills every entry (required and
//! optional), and never changes.

use crate::entries::{kernels, lifecycle, memory, run, streams};
use crate::conv;
use flaghal_sys::struct_sizes;
use flaghal_sys::sized::{read_sized, write_sized};
use flaghal_sys::{fh_plugin_api_t, fh_plugin_negotiate_args_t, fh_status_t, FfiError, FH_PLUGIN_ABI_VERSION_MAJOR};

/// The ABI this plugin implements: 1.0 (the highest minor it serves).
pub const PLUGIN_ABI_MAJOR: u32 = FH_PLUGIN_ABI_VERSION_MAJOR;
pub const PLUGIN_ABI_MAX_MINOR: u32 = 0;

/// `fh_plugin_api_t` holds raw pointers, so it is not `Sync` by itself.
struct Table(fh_plugin_api_t);
// SAFETY: the table is immutable static data: string literals and functions.
unsafe impl Sync for Table {}

static TABLE: Table = Table(fh_plugin_api_t {
    struct_size: std::mem::size_of::<fh_plugin_api_t>(),
    next: std::ptr::null_mut(),
    name: c"cpu".as_ptr(),
    vendor: c"FlagHAL".as_ptr(),
    version: concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast(),
    init: Some(lifecycle::init),
    device_count: Some(lifecycle::device_count),
    device_get: Some(lifecycle::device_get),
    device_get_properties: Some(lifecycle::device_get_properties),
    device_synchronize: Some(lifecycle::device_synchronize),
    mem_get_info: Some(lifecycle::mem_get_info),
    mem_alloc: Some(memory::mem_alloc),
    mem_free: Some(memory::mem_free),
    mem_alloc_host: Some(memory::mem_alloc_host),
    mem_free_host: Some(memory::mem_free_host),
    memcpy_htod: Some(memory::memcpy_htod),
    memcpy_dtoh: Some(memory::memcpy_dtoh),
    memcpy_dtod: Some(memory::memcpy_dtod),
    memcpy_htod_async: Some(memory::memcpy_htod_async),
    memcpy_dtoh_async: Some(memory::memcpy_dtoh_async),
    memcpy_dtod_async: Some(memory::memcpy_dtod_async),
    memset: Some(memory::memset),
    memset_async: Some(memory::memset_async),
    stream_create: Some(streams::stream_create),
    stream_destroy: Some(streams::stream_destroy),
    stream_synchronize: Some(streams::stream_synchronize),
    stream_query: Some(streams::stream_query),
    stream_wait_event: Some(streams::stream_wait_event),
    launch_host_func: Some(streams::launch_host_func),
    event_create: Some(streams::event_create),
    event_destroy: Some(streams::event_destroy),
    event_record: Some(streams::event_record),
    event_synchronize: Some(streams::event_synchronize),
    event_query: Some(streams::event_query),
    event_elapsed_time: Some(streams::event_elapsed_time),
    module_load: Some(kernels::module_load),
    module_unload: Some(kernels::module_unload),
    module_get_function: Some(kernels::module_get_function),
    function_get_attribute: Some(kernels::function_get_attribute),
    launch_kernel: Some(kernels::launch_kernel),
});

/// The entry point (FH_PLUGIN_ENTRY_SYMBOL), exactly as the comment on
/// `fh_plugin_negotiate_args_t` specifies. Allocates nothing and starts no
/// threads, so it may be called any number of times.
///
/// # Safety
/// `args` is NULL or points to a negotiate-args struct whose struct_size
/// bytes are readable and writable.
#[no_mangle]
pub unsafe extern "C" fn fhPluginNegotiate(args: *mut fh_plugin_negotiate_args_t) -> fh_status_t {
    run(|| {
        // A NULL or too-small struct fails here, before anything is written.
        // SAFETY: forwarded from the caller.
        let mut value: fh_plugin_negotiate_args_t = unsafe { read_sized(args, struct_sizes::FH_PLUGIN_NEGOTIATE_ARGS_STRUCT_SIZE_1_0, "args") }?;
        let outcome = conv::negotiate(
            value.loader_abi_major,
            value.loader_abi_min_minor,
            value.loader_abi_max_minor,
            PLUGIN_ABI_MAJOR,
            PLUGIN_ABI_MAX_MINOR,
        );
        let message = match outcome {
            conv::Negotiation::BadRange => {
                return Err(FfiError::new(
                    conv::negotiation_status(outcome),
                    format!(
                        "loader_abi_min_minor {} is above loader_abi_max_minor {}",
                        value.loader_abi_min_minor, value.loader_abi_max_minor
                    ),
                ));
            }
            conv::Negotiation::OtherMajor => {
                value.plugin_abi_major = PLUGIN_ABI_MAJOR;
                format!("the loader speaks ABI major {}, this plugin {PLUGIN_ABI_MAJOR}", value.loader_abi_major)
            }
            conv::Negotiation::TooOld { plugin_max_minor } => {
                value.plugin_abi_major = PLUGIN_ABI_MAJOR;
                value.plugin_abi_minor = plugin_max_minor;
                format!(
                    "this plugin implements ABI {PLUGIN_ABI_MAJOR}.{plugin_max_minor}, below the loader's minimum {PLUGIN_ABI_MAJOR}.{}",
                    value.loader_abi_min_minor
                )
            }
            conv::Negotiation::Accept { minor } => {
                value.plugin_abi_major = PLUGIN_ABI_MAJOR;
                value.plugin_abi_minor = minor;
                value.api = &TABLE.0;
                String::new()
            }
        };
        // SAFETY: forwarded from the caller; writes only inside struct_size.
        unsafe { write_sized(args, &value, struct_sizes::FH_PLUGIN_NEGOTIATE_ARGS_STRUCT_SIZE_1_0, "args") }?;
        match conv::negotiation_status(outcome) {
            flaghal_sys::FH_SUCCESS => Ok(()),
            status => Err(FfiError::new(status, message)),
        }
    })
}
