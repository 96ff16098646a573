//! fhPluginNegotiate and init, per the comment on fh_plugin_negotiate_args_t.

use crate::support::*;
use flaghal_cpu::fhPluginNegotiate;
use flaghal_sys::*;

fn negotiate(args: &mut fh_plugin_negotiate_args_t) -> fh_status_t {
    // SAFETY: a valid struct of the size it states (or smaller, see below).
    unsafe { fhPluginNegotiate(args) }
}

#[test]
fn null_and_undersized_arguments_are_refused_without_writing() {
    // SAFETY: NULL is the case under test.
    assert_eq!(unsafe { fhPluginNegotiate(std::ptr::null_mut()) }, FH_ERROR_INVALID_VALUE);
    let mut args = negotiate_args(1, 0, 0);
    args.struct_size = 40; // below the 1.0 size (48)
    args.plugin_abi_major = 77;
    args.plugin_abi_minor = 78;
    assert_eq!(negotiate(&mut args), FH_ERROR_INVALID_VALUE);
    assert_eq!((args.plugin_abi_major, args.plugin_abi_minor), (77, 78), "nothing written");
    assert!(args.api.is_null());
}

#[test]
fn an_empty_loader_range_is_invalid() {
    let mut args = negotiate_args(1, 2, 1);
    assert_eq!(negotiate(&mut args), FH_ERROR_INVALID_VALUE);
    assert!(args.api.is_null());
}

#[test]
fn another_major_is_refused_with_the_plugins_major() {
    let mut args = negotiate_args(2, 0, 0);
    assert_eq!(negotiate(&mut args), FH_ERROR_NOT_SUPPORTED);
    assert_eq!(args.plugin_abi_major, 1);
    assert!(args.api.is_null());
}

#[test]
fn a_loader_minimum_above_the_plugin_is_refused_with_its_version() {
    let mut args = negotiate_args(1, 2, 3);
    assert_eq!(negotiate(&mut args), FH_ERROR_NOT_SUPPORTED);
    assert_eq!((args.plugin_abi_major, args.plugin_abi_minor), (1, 1));
    assert!(args.api.is_null());
}

#[test]
fn a_newer_loader_gets_the_plugins_minor_and_the_table() {
    let mut args = negotiate_args(1, 0, 7);
    assert_eq!(negotiate(&mut args), FH_SUCCESS);
    assert_eq!((args.plugin_abi_major, args.plugin_abi_minor), (1, 1));
    assert!(!args.api.is_null());
    let mut again = negotiate_args(1, 0, 0);
    assert_eq!(negotiate(&mut again), FH_SUCCESS);
    assert_eq!(again.api, args.api, "the same static table every time");
}

#[test]
fn a_larger_loader_struct_is_accepted_and_its_tail_untouched() {
    #[repr(C)]
    struct Bigger {
        args: fh_plugin_negotiate_args_t,
        future: u64,
    }
    let mut bigger = Bigger { args: negotiate_args(1, 0, 0), future: 0xDEAD_BEEF };
    bigger.args.struct_size = std::mem::size_of::<Bigger>();
    assert_eq!(negotiate(&mut bigger.args), FH_SUCCESS);
    assert!(!bigger.args.api.is_null());
    assert_eq!(bigger.future, 0xDEAD_BEEF);
}

#[test]
fn the_table_fills_every_entry_and_names_the_plugin() {
    let api = plugin().api;
    assert!(api.struct_size >= flaghal_sys::struct_sizes::FH_PLUGIN_API_STRUCT_SIZE_1_0);
    assert_eq!(api.struct_size, std::mem::size_of::<fh_plugin_api_t>());
    // SAFETY: static NUL-terminated strings from the table.
    let name = unsafe { std::ffi::CStr::from_ptr(api.name) };
    assert_eq!(name.to_str().unwrap(), "cpu");
    // SAFETY: as above.
    assert!(!unsafe { std::ffi::CStr::from_ptr(api.version) }.to_bytes().is_empty());
    let entries = [
        api.init.is_some(),
        api.device_count.is_some(),
        api.device_get.is_some(),
        api.device_get_properties.is_some(),
        api.device_synchronize.is_some(),
        api.mem_get_info.is_some(),
        api.mem_alloc.is_some(),
        api.mem_free.is_some(),
        api.mem_alloc_host.is_some(),
        api.mem_free_host.is_some(),
        api.memcpy_htod.is_some(),
        api.memcpy_dtoh.is_some(),
        api.memcpy_dtod.is_some(),
        api.memcpy_htod_async.is_some(),
        api.memcpy_dtoh_async.is_some(),
        api.memcpy_dtod_async.is_some(),
        api.memset.is_some(),
        api.memset_async.is_some(),
        api.stream_create.is_some(),
        api.stream_destroy.is_some(),
        api.stream_synchronize.is_some(),
        api.stream_query.is_some(),
        api.stream_wait_event.is_some(),
        api.launch_host_func.is_some(),
        api.event_create.is_some(),
        api.event_destroy.is_some(),
        api.event_record.is_some(),
        api.event_synchronize.is_some(),
        api.event_query.is_some(),
        api.event_elapsed_time.is_some(),
        api.module_load.is_some(),
        api.module_unload.is_some(),
        api.module_get_function.is_some(),
        api.function_get_attribute.is_some(),
        api.launch_kernel.is_some(),
    ];
    assert!(entries.iter().all(|present| *present), "missing entries at {:?}", entries);
}

#[test]
fn init_refuses_bad_arguments_with_a_detail() {
    let api = plugin().api;
    // SAFETY: NULL is the case under test.
    assert_eq!(unsafe { api.init.unwrap()(std::ptr::null()) }, FH_ERROR_INVALID_VALUE);
    let mut args = fh_plugin_init_args_t {
        struct_size: std::mem::size_of::<fh_plugin_init_args_t>(),
        next: std::ptr::null_mut(),
        abi_version: 1 << 22,
        host: std::ptr::null(),
    };
    // SAFETY: valid struct with a NULL host, the case under test.
    assert_eq!(unsafe { api.init.unwrap()(&args) }, FH_ERROR_INVALID_VALUE);
    args.host = host_services();
    args.abi_version = 2 << 22;
    // SAFETY: valid arguments naming an ABI the plugin never negotiated.
    assert_eq!(unsafe { api.init.unwrap()(&args) }, FH_ERROR_INVALID_VALUE);
    assert!(take_detail().contains("init with ABI 2.0"));
    args.struct_size = 16;
    args.abi_version = 1 << 22;
    // SAFETY: a struct claiming a size below 1.0.
    assert_eq!(unsafe { api.init.unwrap()(&args) }, FH_ERROR_INVALID_VALUE);
    assert!(take_detail().contains("struct_size is 16"));
}
