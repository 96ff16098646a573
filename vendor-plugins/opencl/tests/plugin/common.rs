//! Test support: the shared plugin test host (`flaghal_plugin_host`: host
//! services keeping each thread's detail and the log, negotiation, init,
//! table wrappers) on the OpenCL plugin, linked from the rlib, as free
//! functions over device 0, plus the plugin's own test kernels
//! (`tests/kernels/test_kernels.cl`, OpenCL C to the FlagHAL convention).
#![allow(dead_code)]

pub use flaghal_plugin_host::detail;
use flaghal_plugin_host::{Device, Function, Plugin, Stream};
use flaghal_sys as sys;
use std::sync::OnceLock;

/// The test kernels' source.
pub const TEST_KERNELS: &str = include_str!("../kernels/test_kernels.cl");

/// Negotiates and initialises the plugin once per test process.
pub fn plugin() -> Plugin {
    static PLUGIN: OnceLock<Plugin> = OnceLock::new();
    *PLUGIN.get_or_init(|| Plugin::start(flaghal_opencl::fhPluginNegotiate))
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

/// Device 0: the tests need an OpenCL device (PoCL on CI).
pub fn host_device() -> Device {
    static DEVICE: OnceLock<Device> = OnceLock::new();
    *DEVICE.get_or_init(|| {
        assert!(
            device_count() > 0,
            "no OpenCL device with SVM: install pocl-opencl-icd and ocl-icd-libopencl1 (log: {:?})",
            log_lines()
        );
        plugin().device(0)
    })
}

pub fn device() -> sys::fhp_device_t {
    host_device().device
}

pub fn properties() -> sys::fh_device_properties_t {
    host_device().properties()
}

/// Whether this run uses fine-grained SVM (device addresses are host pointers).
pub fn host_accessible() -> bool {
    properties().capabilities & sys::FH_DEVICE_CAP_HOST_ACCESSIBLE_MEMORY != 0
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

/// Loads OpenCL C source; the status and the module.
pub fn load_source(source: &[u8]) -> (sys::fh_status_t, sys::fhp_module_t) {
    host_device().load_module(sys::FH_MODULE_FORMAT_OPENCL_C, source)
}

/// Loads the test kernels (a module of its own, which the caller unloads).
pub fn test_module() -> sys::fhp_module_t {
    let (status, module) = load_source(TEST_KERNELS.as_bytes());
    assert_eq!(status, sys::FH_SUCCESS, "module_load: {}", detail());
    module
}

pub fn function(module: sys::fhp_module_t, name: &str) -> sys::fhp_function_t {
    let name = std::ffi::CString::new(name).unwrap();
    host_device().function(module, &name).0
}

/// A test kernel from one module shared by the whole test process (built
/// once: PoCL compiles every program with LLVM).
pub fn kernel(name: &str) -> sys::fhp_function_t {
    struct Shared(sys::fhp_module_t);
    // SAFETY: plugin handles may be used from any thread (plugin ABI rule 6).
    unsafe impl Send for Shared {}
    // SAFETY: as above.
    unsafe impl Sync for Shared {}
    static MODULE: OnceLock<Shared> = OnceLock::new();
    function(MODULE.get_or_init(|| Shared(test_module())).0, name)
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

#[repr(C)]
#[derive(Clone, Copy)]
pub struct SpinArgs {
    pub out: u64,
    pub iterations: u64,
    pub seed: u32,
}

/// The spin kernel's result.
pub fn lcg(seed: u32, iterations: u64) -> u32 {
    (0..iterations).fold(seed, |x, _| x.wrapping_mul(1664525).wrapping_add(1013904223))
}

/// Queues the spin kernel: keeps the stream busy for a while.
pub fn spin(s: sys::fhp_stream_t, out: u64, iterations: u64, seed: u32) {
    launch(kernel("spin"), [1, 1, 1], [1, 1, 1], 0, &blob(&SpinArgs { out, iterations, seed }), s);
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct FillArgs {
    pub dst: u64,
    pub value: u32,
    pub count: u32,
}
