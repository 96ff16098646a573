//! FLAGHAL_CPU_MEMORY_LIMIT caps the device memory; fhMemGetInfo's free
//! figure moves exactly with allocations. A test binary of its own, so the
//! variable is set before the plugin's init in this process and no other
//! test allocates meanwhile.

use flaghal_sys::*;

unsafe extern "C" fn ignore_detail(_context: *mut std::ffi::c_void, _message: *const std::ffi::c_char) {}

#[test]
fn the_limit_caps_total_memory_and_free_tracks_allocations() {
    const LIMIT: usize = 1 << 20;
    std::env::set_var("FLAGHAL_CPU_MEMORY_LIMIT", LIMIT.to_string());
    let mut args = fh_plugin_negotiate_args_t {
        struct_size: std::mem::size_of::<fh_plugin_negotiate_args_t>(),
        loader_abi_major: 1,
        ..Default::default()
    };
    // SAFETY: a valid negotiate struct.
    assert_eq!(unsafe { flaghal_cpu::fhPluginNegotiate(&mut args) }, FH_SUCCESS);
    // SAFETY: the plugin's static table.
    let api = unsafe { &*args.api };
    let host = fh_plugin_host_services_t {
        struct_size: std::mem::size_of::<fh_plugin_host_services_t>(),
        next: std::ptr::null_mut(),
        context: std::ptr::null_mut(),
        log: None,
        set_error_detail: Some(ignore_detail),
    };
    let init = fh_plugin_init_args_t {
        struct_size: std::mem::size_of::<fh_plugin_init_args_t>(),
        next: std::ptr::null_mut(),
        abi_version: 1 << 22,
        host: &host,
    };
    // SAFETY: valid arguments; `host` lives until the end of the test, and
    // the plugin is not called after it (single test in this binary).
    assert_eq!(unsafe { api.init.unwrap()(&init) }, FH_SUCCESS);
    let mut device = std::ptr::null_mut();
    // SAFETY: valid pointers and handles throughout.
    unsafe {
        assert_eq!(api.device_get.unwrap()(0, &mut device), FH_SUCCESS);
        let mut props = fh_device_properties_t { struct_size: std::mem::size_of::<fh_device_properties_t>(), ..Default::default() };
        assert_eq!(api.device_get_properties.unwrap()(device, &mut props), FH_SUCCESS);
        assert_eq!(props.total_memory, LIMIT as u64);
        let info = || {
            let (mut free, mut total) = (0, 0);
            assert_eq!(api.mem_get_info.unwrap()(device, &mut free, &mut total), FH_SUCCESS);
            assert_eq!(total, LIMIT);
            free
        };
        assert_eq!(info(), LIMIT);
        let mut a = 0;
        assert_eq!(api.mem_alloc.unwrap()(device, 1000, &mut a), FH_SUCCESS);
        assert_eq!(info(), LIMIT - 1000);
        let mut b = 0;
        assert_eq!(api.mem_alloc.unwrap()(device, LIMIT - 1000, &mut b), FH_SUCCESS);
        assert_eq!(info(), 0);
        let mut c = 0;
        assert_eq!(api.mem_alloc.unwrap()(device, 1, &mut c), FH_ERROR_OUT_OF_MEMORY);
        assert_eq!(c, 0);
        assert_eq!(api.mem_free.unwrap()(device, a), FH_SUCCESS);
        assert_eq!(info(), 1000);
        assert_eq!(api.mem_free.unwrap()(device, b), FH_SUCCESS);
        assert_eq!(info(), LIMIT);
    }
}
