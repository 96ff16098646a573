//! Negotiation, init and device properties.

use crate::common::{self, api, properties};
use crate::{fails, ok};
use flaghal_sys as sys;

fn negotiate(major: u32, min: u32, max: u32) -> (sys::fh_status_t, sys::fh_plugin_negotiate_args_t) {
    let mut args = sys::fh_plugin_negotiate_args_t {
        struct_size: std::mem::size_of::<sys::fh_plugin_negotiate_args_t>(),
        loader_abi_major: major,
        loader_abi_min_minor: min,
        loader_abi_max_minor: max,
        ..Default::default()
    };
    // SAFETY: a valid sized struct.
    let status = unsafe { flaghal_vulkan::fhPluginNegotiate(&mut args) };
    (status, args)
}

#[test]
fn negotiation_follows_the_header_rules() {
    api();
    let (status, args) = negotiate(1, 0, 5);
    assert_eq!(status, sys::FH_SUCCESS);
    assert_eq!((args.plugin_abi_major, args.plugin_abi_minor), (1, 1));
    assert!(!args.api.is_null());
    let (status, args) = negotiate(2, 0, 0);
    assert_eq!(status, sys::FH_ERROR_NOT_SUPPORTED);
    assert_eq!(args.plugin_abi_major, 1);
    assert!(args.api.is_null());
    let (status, args) = negotiate(1, 3, 4);
    assert_eq!(status, sys::FH_ERROR_NOT_SUPPORTED, "plugin minor 1 is below the loader's minimum 3");
    assert_eq!(args.plugin_abi_minor, 1);
    assert_eq!(negotiate(1, 2, 1).0, sys::FH_ERROR_INVALID_VALUE);
    // SAFETY: NULL is the case under test.
    assert_eq!(unsafe { flaghal_vulkan::fhPluginNegotiate(std::ptr::null_mut()) }, sys::FH_ERROR_INVALID_VALUE);
    let mut small = sys::fh_plugin_negotiate_args_t { struct_size: 8, ..Default::default() };
    // SAFETY: a struct whose size field is too small.
    assert_eq!(unsafe { flaghal_vulkan::fhPluginNegotiate(&mut small) }, sys::FH_ERROR_INVALID_VALUE);
    assert!(small.api.is_null(), "nothing written");
    let table = api();
    // SAFETY: static strings of the table.
    let name = unsafe { std::ffi::CStr::from_ptr(table.name) };
    assert_eq!(name.to_str().unwrap(), "vulkan");
    common::finish();
}

#[test]
fn properties_come_from_vulkan() {
    let props = properties();
    let name = flaghal_sys::ptr::char_array_to_string(&props.name);
    assert!(!name.is_empty());
    assert_eq!(props.module_format_count, 1);
    assert_eq!(props.module_formats[0], sys::FH_MODULE_FORMAT_SPIRV);
    assert!(props.max_threads_per_block >= sys::FH_MIN_MAX_THREADS_PER_BLOCK);
    assert!(props.max_shared_memory_per_block >= sys::FH_MIN_MAX_SHARED_MEMORY_PER_BLOCK);
    assert!(props.max_kernel_args_size >= sys::FH_MIN_MAX_KERNEL_ARGS_SIZE);
    assert_eq!(props.memory_alignment, 256);
    assert!(props.total_memory > 0);
    assert!(props.subgroup_size >= 1);
    assert!(props.compute_units >= 1);
    assert_ne!(props.uuid, [0u8; 16]);
    let caps = props.capabilities;
    for cap in [sys::FH_DEVICE_CAP_HOST_FUNC, sys::FH_DEVICE_CAP_PINNED_HOST_MEMORY, sys::FH_DEVICE_CAP_ADDRESS_CHECKS] {
        assert_ne!(caps & cap, 0, "capability {cap:#x}");
    }
    assert_eq!(caps & sys::FH_DEVICE_CAP_HOST_ACCESSIBLE_MEMORY, 0);
    if name.contains("llvmpipe") {
        assert_eq!(props.type_, sys::FH_DEVICE_TYPE_CPU);
        assert_ne!(caps & sys::FH_DEVICE_CAP_EVENT_TIMING, 0, "lavapipe has timestamps");
        assert_eq!(props.max_kernel_args_size, 4096, "push constants plus the argument buffer, not maxPushConstantsSize");
        let subgroups = sys::FH_DEVICE_CAP_SUBGROUP_ARITHMETIC | sys::FH_DEVICE_CAP_SUBGROUP_SHUFFLE;
        assert_eq!(caps & subgroups, subgroups, "lavapipe has subgroup arithmetic, ballot and shuffles");
        assert_eq!(props.max_shared_memory_per_block, 32768);
    }
    // An older, smaller struct is written only inside its size.
    let mut buffer = vec![0xAAu8; std::mem::size_of::<sys::fh_device_properties_t>()];
    let small = std::mem::offset_of!(sys::fh_device_properties_t, vendor);
    buffer[..8].copy_from_slice(&small.to_ne_bytes());
    ok!(api().device_get_properties.unwrap()(common::device(), buffer.as_mut_ptr().cast()));
    assert!(buffer[small..].iter().all(|b| *b == 0xAA), "bytes past struct_size untouched");
    assert_eq!(&buffer[16..16 + name.len()], name.as_bytes());
    let mut tiny = sys::fh_device_properties_t { struct_size: 8, ..Default::default() };
    fails!(api().device_get_properties.unwrap()(common::device(), &mut tiny), sys::FH_ERROR_INVALID_VALUE);
    let mut count = 0;
    ok!(api().device_count.unwrap()(&mut count));
    let mut d = std::ptr::null_mut();
    fails!(api().device_get.unwrap()(count, &mut d), sys::FH_ERROR_INVALID_DEVICE);
    common::finish();
}
