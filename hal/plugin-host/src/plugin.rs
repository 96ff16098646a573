//! Negotiation, init, and thin wrappers over the plugin's table.
//!
//! A [`Plugin`] is a negotiated and initialised table; a [`Device`] one of
//! its devices, whose methods call one entry each and return its status (or,
//! for the ones that produce a value, assert FH_SUCCESS and show the
//! detail). Stream, event and function handles are plain copies
//! ([`Stream`], [`Event`], [`Function`]) that may cross threads: plugin
//! handles are usable from any thread (plugin ABI rule 6); modules stay raw
//! `fhp_module_t`.

use crate::library::NegotiateFn;
use crate::services::{host_services, take_detail};
use flaghal_sys::*;
use std::ffi::{c_void, CStr};

/// Negotiate arguments as a loader at `major`, `min_minor`..`max_minor` sends them.
pub fn negotiate_args(major: u32, min_minor: u32, max_minor: u32) -> fh_plugin_negotiate_args_t {
    fh_plugin_negotiate_args_t {
        struct_size: std::mem::size_of::<fh_plugin_negotiate_args_t>(),
        loader_abi_major: major,
        loader_abi_min_minor: min_minor,
        loader_abi_max_minor: max_minor,
        ..Default::default()
    }
}

/// Calls a plugin's entry point with `args` (any size it states).
pub fn negotiate(entry: NegotiateFn, args: &mut fh_plugin_negotiate_args_t) -> fh_status_t {
    // SAFETY: `entry` is a plugin's fhPluginNegotiate and `args` a live
    // struct of at least the size its struct_size states (a test may state
    // less, which the plugin must refuse without writing).
    unsafe { entry(args) }
}

/// Calls a table entry that must be present, with the ABI's contract.
macro_rules! call {
    ($api:expr, $entry:ident $(, $arg:expr)* $(,)?) => {{
        let f = $api.$entry.unwrap_or_else(|| panic!(concat!("the table's ", stringify!($entry), " is NULL")));
        // SAFETY: the wrappers pass live handles of this plugin and pointers
        // valid for the sizes they pass (the crate doc's contract).
        unsafe { f($($arg),*) }
    }};
}

/// A negotiated table whose init has run with [`host_services`].
#[derive(Clone, Copy)]
pub struct Plugin {
    pub api: &'static fh_plugin_api_t,
}

impl Plugin {
    /// Negotiates at this header's version and calls init; panics with the
    /// detail when either fails.
    pub fn start(entry: NegotiateFn) -> Plugin {
        let mut args = negotiate_args(FH_PLUGIN_ABI_VERSION_MAJOR, FH_PLUGIN_ABI_MIN_MINOR, FH_PLUGIN_ABI_VERSION_MINOR);
        assert_eq!(negotiate(entry, &mut args), FH_SUCCESS, "negotiation failed");
        // SAFETY: on success the plugin hands out its table, static until exit.
        let api: &'static fh_plugin_api_t = unsafe { ptr::in_ref(args.api, "api") }.expect("negotiation gave no table");
        let init = fh_plugin_init_args_t {
            struct_size: std::mem::size_of::<fh_plugin_init_args_t>(),
            next: std::ptr::null_mut(),
            abi_version: version::make_version(args.plugin_abi_major, args.plugin_abi_minor, 0),
            host: host_services(),
        };
        let status = call!(api, init, &init);
        assert_eq!(status, FH_SUCCESS, "init failed: {}", take_detail());
        Plugin { api }
    }

    /// The table's name.
    pub fn name(&self) -> String {
        // SAFETY: the table's identity strings are static and NUL-terminated.
        unsafe { ptr::in_cstr(self.api.name, "name") }.map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
    }

    pub fn device_count(&self) -> u32 {
        let mut count = 0;
        assert_eq!(call!(self.api, device_count, &mut count), FH_SUCCESS, "device_count: {}", take_detail());
        count
    }

    /// device_get's status and handle.
    pub fn try_device(&self, index: u32) -> (fh_status_t, fhp_device_t) {
        let mut device = std::ptr::null_mut();
        (call!(self.api, device_get, index, &mut device), device)
    }

    pub fn device(&self, index: u32) -> Device {
        let (status, device) = self.try_device(index);
        assert_eq!(status, FH_SUCCESS, "device_get({index}): {}", take_detail());
        Device { api: self.api, device }
    }
}

/// A stream handle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stream(pub fhp_stream_t);
/// An event handle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event(pub fhp_event_t);
/// A function handle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Function(pub fhp_function_t);

/// One device of a plugin, with its table.
#[derive(Clone, Copy)]
pub struct Device {
    pub api: &'static fh_plugin_api_t,
    pub device: fhp_device_t,
}

// SAFETY: plugin handles are opaque values usable from any thread (plugin
// ABI rule 6); the table is static and immutable. The same holds for each
// impl below.
unsafe impl Send for Plugin {}
// SAFETY: as above.
unsafe impl Sync for Plugin {}
// SAFETY: as above.
unsafe impl Send for Device {}
// SAFETY: as above.
unsafe impl Sync for Device {}
// SAFETY: as above.
unsafe impl Send for Stream {}
// SAFETY: as above.
unsafe impl Sync for Stream {}
// SAFETY: as above.
unsafe impl Send for Event {}
// SAFETY: as above.
unsafe impl Sync for Event {}
// SAFETY: as above.
unsafe impl Send for Function {}
// SAFETY: as above.
unsafe impl Sync for Function {}

// The wrappers hand raw handles and pointers to the plugin, which checks
// them (a plugin on the SDK refuses NULL, destroyed and wrong-kind handles);
// passing bad ones on purpose is what tests of a plugin do.
#[allow(clippy::not_unsafe_ptr_arg_deref)]
impl Device {
    pub fn properties(&self) -> fh_device_properties_t {
        let mut props = fh_device_properties_t { struct_size: std::mem::size_of::<fh_device_properties_t>(), ..Default::default() };
        assert_eq!(call!(self.api, device_get_properties, self.device, &mut props), FH_SUCCESS, "{}", take_detail());
        props
    }
    pub fn device_sync(&self) -> fh_status_t {
        call!(self.api, device_synchronize, self.device)
    }
    pub fn mem_info(&self) -> (usize, usize) {
        let (mut free, mut total) = (0, 0);
        assert_eq!(call!(self.api, mem_get_info, self.device, &mut free, &mut total), FH_SUCCESS, "{}", take_detail());
        (free, total)
    }

    // ---- memory -----------------------------------------------------------
    pub fn try_alloc(&self, size: usize) -> (fh_status_t, fh_deviceptr_t) {
        let mut ptr = 0;
        (call!(self.api, mem_alloc, self.device, size, &mut ptr), ptr)
    }
    pub fn alloc(&self, size: usize) -> fh_deviceptr_t {
        let (status, ptr) = self.try_alloc(size);
        assert_eq!(status, FH_SUCCESS, "mem_alloc({size}): {}", take_detail());
        ptr
    }
    pub fn free(&self, ptr: fh_deviceptr_t) -> fh_status_t {
        call!(self.api, mem_free, self.device, ptr)
    }
    pub fn htod(&self, dst: fh_deviceptr_t, src: &[u8]) -> fh_status_t {
        call!(self.api, memcpy_htod, self.device, dst, src.as_ptr().cast(), src.len())
    }
    pub fn dtoh(&self, dst: &mut [u8], src: fh_deviceptr_t) -> fh_status_t {
        call!(self.api, memcpy_dtoh, self.device, dst.as_mut_ptr().cast(), src, dst.len())
    }
    pub fn memset(&self, dst: fh_deviceptr_t, value: u32, element_size: u32, count: usize) -> fh_status_t {
        call!(self.api, memset, self.device, dst, value, element_size, count)
    }
    /// Copies plain values to the device, asserting success.
    pub fn upload<T: Copy>(&self, dst: fh_deviceptr_t, values: &[T]) {
        assert_eq!(self.htod(dst, bytes_of_slice(values)), FH_SUCCESS, "upload: {}", take_detail());
    }
    /// Copies `count` plain values from the device, asserting success.
    pub fn download<T: Copy + Default>(&self, src: fh_deviceptr_t, count: usize) -> Vec<T> {
        let mut values = vec![T::default(); count];
        let len = std::mem::size_of_val(&values[..]);
        // SAFETY: `values` holds `len` bytes of plain, initialised data.
        let bytes = unsafe { std::slice::from_raw_parts_mut(values.as_mut_ptr().cast::<u8>(), len) };
        assert_eq!(self.dtoh(bytes, src), FH_SUCCESS, "download: {}", take_detail());
        values
    }
    pub fn write_u32s(&self, dst: fh_deviceptr_t, values: &[u32]) {
        self.upload(dst, values);
    }
    pub fn read_u32s(&self, src: fh_deviceptr_t, count: usize) -> Vec<u32> {
        self.download(src, count)
    }

    // ---- streams and events -------------------------------------------------
    pub fn try_stream(&self, flags: u32) -> (fh_status_t, Stream) {
        let mut stream = std::ptr::null_mut();
        (call!(self.api, stream_create, self.device, flags, &mut stream), Stream(stream))
    }
    pub fn stream(&self) -> Stream {
        let (status, stream) = self.try_stream(FH_STREAM_DEFAULT);
        assert_eq!(status, FH_SUCCESS, "stream_create: {}", take_detail());
        stream
    }
    pub fn try_destroy_stream(&self, stream: Stream) -> fh_status_t {
        call!(self.api, stream_destroy, stream.0)
    }
    pub fn destroy_stream(&self, stream: Stream) {
        assert_eq!(self.try_destroy_stream(stream), FH_SUCCESS, "stream_destroy: {}", take_detail());
    }
    pub fn query(&self, stream: Stream) -> fh_status_t {
        call!(self.api, stream_query, stream.0)
    }
    pub fn sync(&self, stream: Stream) -> fh_status_t {
        call!(self.api, stream_synchronize, stream.0)
    }
    pub fn try_wait_event(&self, stream: Stream, event: Event) -> fh_status_t {
        call!(self.api, stream_wait_event, stream.0, event.0)
    }
    pub fn wait_event(&self, stream: Stream, event: Event) {
        assert_eq!(self.try_wait_event(stream, event), FH_SUCCESS, "stream_wait_event: {}", take_detail());
    }
    pub fn try_host_func(&self, stream: Stream, f: fh_host_fn_t, data: *mut c_void) -> fh_status_t {
        call!(self.api, launch_host_func, stream.0, f, data)
    }
    pub fn host_func(&self, stream: Stream, f: unsafe extern "C" fn(*mut c_void), data: *mut c_void) {
        assert_eq!(self.try_host_func(stream, Some(f), data), FH_SUCCESS, "launch_host_func: {}", take_detail());
    }
    pub fn try_event(&self, flags: u32) -> (fh_status_t, Event) {
        let mut event = std::ptr::null_mut();
        (call!(self.api, event_create, self.device, flags, &mut event), Event(event))
    }
    pub fn event(&self, flags: u32) -> Event {
        let (status, event) = self.try_event(flags);
        assert_eq!(status, FH_SUCCESS, "event_create: {}", take_detail());
        event
    }
    pub fn try_destroy_event(&self, event: Event) -> fh_status_t {
        call!(self.api, event_destroy, event.0)
    }
    pub fn destroy_event(&self, event: Event) {
        assert_eq!(self.try_destroy_event(event), FH_SUCCESS, "event_destroy: {}", take_detail());
    }
    pub fn try_record(&self, event: Event, stream: Stream) -> fh_status_t {
        call!(self.api, event_record, event.0, stream.0)
    }
    pub fn record(&self, event: Event, stream: Stream) {
        assert_eq!(self.try_record(event, stream), FH_SUCCESS, "event_record: {}", take_detail());
    }
    pub fn event_query(&self, event: Event) -> fh_status_t {
        call!(self.api, event_query, event.0)
    }
    pub fn event_sync(&self, event: Event) -> fh_status_t {
        call!(self.api, event_synchronize, event.0)
    }
    pub fn elapsed(&self, start: Event, end: Event) -> (fh_status_t, f32) {
        let mut ms = f32::NAN;
        (call!(self.api, event_elapsed_time, &mut ms, start.0, end.0), ms)
    }

    // ---- modules and kernels ----------------------------------------------
    pub fn load_module(&self, format: fh_module_format_t, bytes: &[u8]) -> (fh_status_t, fhp_module_t) {
        let mut module = std::ptr::null_mut();
        (call!(self.api, module_load, self.device, format, bytes.as_ptr().cast(), bytes.len(), &mut module), module)
    }
    pub fn try_unload(&self, module: fhp_module_t) -> fh_status_t {
        call!(self.api, module_unload, module)
    }
    pub fn unload(&self, module: fhp_module_t) {
        assert_eq!(self.try_unload(module), FH_SUCCESS, "module_unload: {}", take_detail());
    }
    pub fn get_function(&self, module: fhp_module_t, name: &CStr) -> (fh_status_t, Function) {
        let mut function = std::ptr::null_mut();
        (call!(self.api, module_get_function, module, name.as_ptr(), &mut function), Function(function))
    }
    pub fn function(&self, module: fhp_module_t, name: &CStr) -> Function {
        let (status, function) = self.get_function(module, name);
        assert_eq!(status, FH_SUCCESS, "module_get_function({name:?}): {}", take_detail());
        function
    }
    pub fn attribute(&self, function: Function, attribute: fh_function_attribute_t) -> (fh_status_t, i32) {
        let mut value = -1;
        (call!(self.api, function_get_attribute, function.0, attribute, &mut value), value)
    }
    /// launch_kernel with `args` as the argument blob.
    pub fn launch_bytes(&self, function: Function, grid: [u32; 3], block: [u32; 3], shared: u32, stream: Stream, args: &[u8]) -> fh_status_t {
        self.launch_raw(function, grid, block, shared, stream, args.as_ptr().cast(), args.len())
    }
    /// launch_kernel with `args` (a `#[repr(C)]` value, as the kernel declares
    /// its parameters) as the argument blob.
    pub fn launch<T>(&self, function: Function, grid: [u32; 3], block: [u32; 3], shared: u32, stream: Stream, args: &T) -> fh_status_t {
        self.launch_raw(function, grid, block, shared, stream, (args as *const T).cast(), std::mem::size_of::<T>())
    }
    #[allow(clippy::too_many_arguments)]
    fn launch_raw(&self, function: Function, grid: [u32; 3], block: [u32; 3], shared: u32, stream: Stream, args: *const c_void, args_size: usize) -> fh_status_t {
        let params = fh_plugin_launch_params_t {
            struct_size: std::mem::size_of::<fh_plugin_launch_params_t>(),
            next: std::ptr::null_mut(),
            grid,
            block,
            shared_mem_bytes: shared,
            args,
            args_size,
        };
        call!(self.api, launch_kernel, function.0, &params, stream.0)
    }
}

/// The bytes of a plain `#[repr(C)]` value (padding is whatever it holds).
pub fn bytes_of<T: Copy>(value: &T) -> &[u8] {
    bytes_of_slice(std::slice::from_ref(value))
}

/// The bytes of a slice of plain values.
pub fn bytes_of_slice<T: Copy>(values: &[T]) -> &[u8] {
    // SAFETY: `values` is initialised plain data of exactly this many bytes;
    // reading it as bytes is defined (padding bytes read as they are).
    unsafe { std::slice::from_raw_parts(values.as_ptr().cast::<u8>(), std::mem::size_of_val(values)) }
}
