//! Test support: the shared plugin test host (`flaghal_plugin_host`: host
//! services keeping each thread's detail and the log, negotiation, init,
//! table wrappers) on the Vulkan plugin, linked from the rlib, as free
//! functions over device 0, plus what is this plugin's own: the Vulkan
//! driver it runs on and the validation-layer check.
#![allow(dead_code)]

pub use flaghal_plugin_host::detail;
use flaghal_plugin_host::{Device, Function, Plugin, Stream};
use flaghal_sys as sys;
use std::sync::OnceLock;

pub const LAVAPIPE_ICD: &str = "/usr/share/vulkan/icd.d/lvp_icd.x86_64.json";

/// Negotiates and initialises the plugin once per test process (on lavapipe
/// unless VK_DRIVER_FILES names a driver).
pub fn plugin() -> Plugin {
    static PLUGIN: OnceLock<Plugin> = OnceLock::new();
    *PLUGIN.get_or_init(|| {
        std::env::set_var("MESA_SHADER_CACHE_DISABLE", "true");
        if std::env::var_os("VK_DRIVER_FILES").is_none() && std::path::Path::new(LAVAPIPE_ICD).exists() {
            std::env::set_var("VK_DRIVER_FILES", LAVAPIPE_ICD);
        }
        Plugin::start(flaghal_vulkan::fhPluginNegotiate)
    })
}

pub fn api() -> &'static sys::fh_plugin_api_t {
    plugin().api
}

/// Every line the plugin logged through the host services.
pub fn log_lines() -> Vec<String> {
    flaghal_plugin_host::log_lines()
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
    plugin().device_count()
}

/// Device 0: the tests need a Vulkan device (lavapipe on CI).
pub fn host_device() -> Device {
    static DEVICE: OnceLock<Device> = OnceLock::new();
    *DEVICE.get_or_init(|| {
        assert!(device_count() > 0, "no Vulkan device: install mesa-vulkan-drivers (lavapipe)");
        plugin().device(0)
    })
}

pub fn device() -> sys::fhp_device_t {
    host_device().device
}

pub fn properties() -> sys::fh_device_properties_t {
    host_device().properties()
}

/// Every test ends here: the validation layers (when enabled) reported nothing.
pub fn finish() {
    assert_eq!(flaghal_vulkan::validation_message_count(), 0, "Vulkan validation messages were reported (see log)");
}

pub fn alloc(size: usize) -> sys::fh_deviceptr_t {
    let ptr = host_device().alloc(size);
    assert_ne!(ptr, 0);
    ptr
}

pub fn free(ptr: sys::fh_deviceptr_t) {
    assert_eq!(host_device().free(ptr), sys::FH_SUCCESS, "mem_free: {}", detail());
}

pub fn upload<T: Copy>(dst: sys::fh_deviceptr_t, data: &[T]) {
    host_device().upload(dst, data);
}

pub fn download<T: Copy + Default>(src: sys::fh_deviceptr_t, count: usize) -> Vec<T> {
    host_device().download(src, count)
}

pub fn stream() -> sys::fhp_stream_t {
    host_device().stream().0
}

pub fn sync(s: sys::fhp_stream_t) {
    assert_eq!(host_device().sync(Stream(s)), sys::FH_SUCCESS, "stream_synchronize: {}", detail());
}

pub fn destroy(s: sys::fhp_stream_t) {
    host_device().destroy_stream(Stream(s));
}

pub fn event(flags: u32) -> sys::fhp_event_t {
    host_device().event(flags).0
}

/// Loads one reference kernel's SPIR-V.
pub fn kernel(module_bytes: &[u8], name: &str) -> (sys::fhp_module_t, sys::fhp_function_t) {
    let (status, module) = host_device().load_module(sys::FH_MODULE_FORMAT_SPIRV, module_bytes);
    assert_eq!(status, sys::FH_SUCCESS, "module_load: {}", detail());
    let name = std::ffi::CString::new(name).unwrap();
    (module, host_device().function(module, &name).0)
}

/// The bytes of a plain-data argument struct.
pub fn blob<T: Copy>(value: &T) -> Vec<u8> {
    flaghal_plugin_host::bytes_of(value).to_vec()
}

pub fn launch_status(
    function: sys::fhp_function_t,
    grid: [u32; 3],
    block: [u32; 3],
    shared: u32,
    args: &[u8],
    s: sys::fhp_stream_t,
) -> sys::fh_status_t {
    host_device().launch_bytes(Function(function), grid, block, shared, Stream(s), args)
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
