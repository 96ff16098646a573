//! Test support: drives the plugin through its own ABI table (negotiate,
//! init with host services defined here), the way the loader does.
#![allow(dead_code)]

use flaghal_sys as sys;
use std::cell::RefCell;
use std::ffi::{c_char, c_void, CStr};
use std::sync::{Mutex, OnceLock};

/// Every line the plugin logged through the host services.
pub static LOG: Mutex<Vec<String>> = Mutex::new(Vec::new());

thread_local! {
    static DETAIL: RefCell<String> = const { RefCell::new(String::new()) };
}

unsafe extern "C" fn log(_context: *mut c_void, level: sys::fh_log_level_t, message: *const c_char) {
    // SAFETY: the plugin passes a NUL-terminated message.
    let text = unsafe { CStr::from_ptr(message) }.to_string_lossy();
    eprintln!("[vulkan plugin log {level}] {text}");
    LOG.lock().unwrap().push(text.into_owned());
}

unsafe extern "C" fn set_error_detail(_context: *mut c_void, message: *const c_char) {
    // SAFETY: as above.
    let text = unsafe { CStr::from_ptr(message) }.to_string_lossy().into_owned();
    DETAIL.with(|d| *d.borrow_mut() = text);
}

/// The detail message of the calling thread's last failure.
pub fn detail() -> String {
    DETAIL.with(|d| d.borrow().clone())
}

struct ApiRef(&'static sys::fh_plugin_api_t);
// SAFETY: the table is immutable static data of the plugin.
unsafe impl Sync for ApiRef {}
unsafe impl Send for ApiRef {}

static API: OnceLock<ApiRef> = OnceLock::new();

pub const LAVAPIPE_ICD: &str = "/usr/share/vulkan/icd.d/lvp_icd.x86_64.json";

/// Negotiates and initialises the plugin once per test process.
pub fn api() -> &'static sys::fh_plugin_api_t {
    API.get_or_init(|| {
        std::env::set_var("MESA_SHADER_CACHE_DISABLE", "true");
        if std::env::var_os("VK_DRIVER_FILES").is_none() && std::path::Path::new(LAVAPIPE_ICD).exists() {
            std::env::set_var("VK_DRIVER_FILES", LAVAPIPE_ICD);
        }
        let mut args = sys::fh_plugin_negotiate_args_t {
            struct_size: std::mem::size_of::<sys::fh_plugin_negotiate_args_t>(),
            loader_abi_major: sys::FH_PLUGIN_ABI_VERSION_MAJOR,
            loader_abi_min_minor: 0,
            loader_abi_max_minor: sys::FH_PLUGIN_ABI_VERSION_MINOR,
            ..Default::default()
        };
        // SAFETY: a valid, sized args struct.
        assert_eq!(unsafe { flaghal_vulkan::fhPluginNegotiate(&mut args) }, sys::FH_SUCCESS);
        // SAFETY: negotiation succeeded, so api points to the static table.
        let table: &'static sys::fh_plugin_api_t = unsafe { &*args.api };
        let host: &'static sys::fh_plugin_host_services_t = Box::leak(Box::new(sys::fh_plugin_host_services_t {
            struct_size: std::mem::size_of::<sys::fh_plugin_host_services_t>(),
            next: std::ptr::null_mut(),
            context: std::ptr::null_mut(),
            log: Some(log),
            set_error_detail: Some(set_error_detail),
        }));
        let init = sys::fh_plugin_init_args_t {
            struct_size: std::mem::size_of::<sys::fh_plugin_init_args_t>(),
            next: std::ptr::null_mut(),
            abi_version: (1 << 22),
            host,
        };
        // SAFETY: a valid init struct; host services live forever (leaked).
        assert_eq!(unsafe { table.init.unwrap()(&init) }, sys::FH_SUCCESS);
        ApiRef(table)
    })
    .0
}

/// Asserts FH_SUCCESS, showing the detail message otherwise.
#[macro_export]
macro_rules! ok {
    ($call:expr) => {{
        // SAFETY: tests pass live handles and valid pointers.
        let status = unsafe { $call };
        assert_eq!(status, flaghal_sys::FH_SUCCESS, "{} failed: {}", stringify!($call), $crate::common::detail());
    }};
}

/// Returns the status of a call expected to fail, and checks the detail
/// message is non-empty.
#[macro_export]
macro_rules! fails {
    ($call:expr, $status:expr) => {{
        // SAFETY: tests pass live handles; the data under test is bad on purpose.
        let status = unsafe { $call };
        assert_eq!(status, $status, "{} returned {status}, expected {}", stringify!($call), $status);
        if $status != flaghal_sys::FH_ERROR_NOT_READY {
            assert!(!$crate::common::detail().is_empty(), "no detail message for {}", stringify!($call));
        }
    }};
}

pub fn device_count() -> u32 {
    let mut count = 0;
    // SAFETY: valid output pointer.
    assert_eq!(unsafe { api().device_count.unwrap()(&mut count) }, sys::FH_SUCCESS);
    count
}

/// Device 0: the tests need a Vulkan device (lavapipe on CI).
pub fn device() -> sys::fhp_device_t {
    let api = api();
    let mut count = 0;
    // SAFETY: valid output pointer.
    assert_eq!(unsafe { api.device_count.unwrap()(&mut count) }, sys::FH_SUCCESS);
    assert!(count > 0, "no Vulkan device: install mesa-vulkan-drivers (lavapipe)");
    let mut device = std::ptr::null_mut();
    // SAFETY: index in range, valid output.
    assert_eq!(unsafe { api.device_get.unwrap()(0, &mut device) }, sys::FH_SUCCESS);
    device
}

pub fn properties() -> sys::fh_device_properties_t {
    let mut props = sys::fh_device_properties_t {
        struct_size: std::mem::size_of::<sys::fh_device_properties_t>(),
        ..Default::default()
    };
    // SAFETY: a live device and a sized struct.
    assert_eq!(unsafe { api().device_get_properties.unwrap()(device(), &mut props) }, sys::FH_SUCCESS);
    props
}

/// Every test ends here: the validation layers (when enabled) reported nothing.
pub fn finish() {
    assert_eq!(flaghal_vulkan::validation_message_count(), 0, "Vulkan validation messages were reported (see log)");
}

pub fn alloc(size: usize) -> sys::fh_deviceptr_t {
    let mut ptr = 0;
    ok!(api().mem_alloc.unwrap()(device(), size, &mut ptr));
    assert_ne!(ptr, 0);
    ptr
}

pub fn free(ptr: sys::fh_deviceptr_t) {
    ok!(api().mem_free.unwrap()(device(), ptr));
}

pub fn upload<T: Copy>(dst: sys::fh_deviceptr_t, data: &[T]) {
    ok!(api().memcpy_htod.unwrap()(device(), dst, data.as_ptr().cast(), std::mem::size_of_val(data)));
}

pub fn download<T: Copy + Default>(src: sys::fh_deviceptr_t, count: usize) -> Vec<T> {
    let mut out = vec![T::default(); count];
    ok!(api().memcpy_dtoh.unwrap()(device(), out.as_mut_ptr().cast(), src, std::mem::size_of_val(&out[..])));
    out
}

pub fn stream() -> sys::fhp_stream_t {
    let mut s = std::ptr::null_mut();
    ok!(api().stream_create.unwrap()(device(), 0, &mut s));
    s
}

pub fn sync(s: sys::fhp_stream_t) {
    ok!(api().stream_synchronize.unwrap()(s));
}

pub fn destroy(s: sys::fhp_stream_t) {
    ok!(api().stream_destroy.unwrap()(s));
}

pub fn event(flags: u32) -> sys::fhp_event_t {
    let mut e = std::ptr::null_mut();
    ok!(api().event_create.unwrap()(device(), flags, &mut e));
    e
}

/// Loads one reference kernel's SPIR-V.
pub fn kernel(module_bytes: &[u8], name: &str) -> (sys::fhp_module_t, sys::fhp_function_t) {
    let mut module = std::ptr::null_mut();
    ok!(api().module_load.unwrap()(
        device(),
        sys::FH_MODULE_FORMAT_SPIRV,
        module_bytes.as_ptr().cast(),
        module_bytes.len(),
        &mut module
    ));
    let mut function = std::ptr::null_mut();
    let cname = std::ffi::CString::new(name).unwrap();
    ok!(api().module_get_function.unwrap()(module, cname.as_ptr(), &mut function));
    (module, function)
}

/// The bytes of a plain-data argument struct.
pub fn blob<T: Copy>(value: &T) -> Vec<u8> {
    // SAFETY: T is a plain #[repr(C)] struct; reading its bytes is defined
    // (padding bytes are whatever the struct holds, the kernels ignore them).
    unsafe { std::slice::from_raw_parts((value as *const T).cast::<u8>(), std::mem::size_of::<T>()) }.to_vec()
}

pub fn launch_status(
    function: sys::fhp_function_t,
    grid: [u32; 3],
    block: [u32; 3],
    shared: u32,
    args: &[u8],
    s: sys::fhp_stream_t,
) -> sys::fh_status_t {
    let params = sys::fh_plugin_launch_params_t {
        struct_size: std::mem::size_of::<sys::fh_plugin_launch_params_t>(),
        next: std::ptr::null_mut(),
        grid,
        block,
        shared_mem_bytes: shared,
        args: args.as_ptr().cast(),
        args_size: args.len(),
    };
    // SAFETY: live handles; params valid during the call.
    unsafe { api().launch_kernel.unwrap()(function, &params, s) }
}

pub fn launch(function: sys::fhp_function_t, grid: [u32; 3], block: [u32; 3], shared: u32, args: &[u8], s: sys::fhp_stream_t) {
    let status = launch_status(function, grid, block, shared, args, s);
    assert_eq!(status, sys::FH_SUCCESS, "launch failed: {}", detail());
}

macro_rules! spv {
    ($name:literal) => {
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../conformance/kernels/spirv/", $name, ".spv"))
    };
}
pub(crate) use spv;
