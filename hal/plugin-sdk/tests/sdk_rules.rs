//! What the SDK does for every plugin, shown on a small plugin written here:
//! a host-memory device that implements one optional group (host functions)
//! of the three. The reference plugins implement all three, so only a
//! plugin like this one shows that undeclared groups stay NULL in the table
//! and their capabilities unreported (plugin ABI rule 4), and that the SDK's
//! checks (launch limits, formats, flags, init) answer before the plugin is
//! called.

use flaghal_plugin::{DeviceProperties, FfiError, FfiResult, HostCall};
use flaghal_plugin_host::gates::{append_to_log, LogEntry, OrderLog};
use flaghal_plugin_host::{negotiate, negotiate_args, take_detail, Plugin as Host};
use flaghal_sys::*;
use std::ffi::CStr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, OnceLock};

struct Tiny;

struct Device {
    props: DeviceProperties,
    memory: [u8; 64],
}
struct Stream;
struct Event;
struct Module(Arc<Function>);
struct Function;

/// Launches that reached the plugin (one test launches).
static LAUNCHES: AtomicU32 = AtomicU32::new(0);

static DEVICE: OnceLock<Device> = OnceLock::new();

fn device() -> &'static Device {
    DEVICE.get_or_init(|| {
        let mut props = fh_device_properties_t {
            max_threads_per_block: 64,
            max_block_dim: [64, 1, 1],
            max_grid_dim: [16, 1, 1],
            max_shared_memory_per_block: 1024,
            max_kernel_args_size: 32,
            module_format_count: 1,
            capabilities: FH_DEVICE_CAP_HOST_FUNC | FH_DEVICE_CAP_EVENT_TIMING | FH_DEVICE_CAP_PINNED_HOST_MEMORY | FH_DEVICE_CAP_FLOAT64,
            ..Default::default()
        };
        props.module_formats[0] = FH_MODULE_FORMAT_VENDOR_BEGIN;
        Device { props: DeviceProperties::new(props), memory: [0; 64] }
    })
}

fn unused<T>() -> FfiResult<T> {
    Err(FfiError::new(FH_ERROR_NOT_SUPPORTED, "not used by these tests"))
}

impl flaghal_plugin::Plugin for Tiny {
    const NAME: &'static CStr = c"tiny";
    const VENDOR: &'static CStr = c"FlagHAL tests";
    const OPTIONAL_ENTRIES: u64 = FH_DEVICE_CAP_HOST_FUNC;
    type Device = Device;
    type Stream = Stream;
    type Event = Event;
    type Module = Module;
    fn init() -> FfiResult<&'static [Device]> {
        Ok(std::slice::from_ref(device()))
    }
}

flaghal_plugin::export_plugin!(Tiny);

impl flaghal_plugin::Device<Tiny> for Device {
    fn properties(&self) -> &DeviceProperties {
        &self.props
    }
    fn synchronize(&'static self) -> FfiResult {
        Ok(())
    }
    fn mem_info(&self) -> (u64, u64) {
        (64, 64)
    }
    fn mem_alloc(&'static self, _size: usize) -> FfiResult<fh_deviceptr_t> {
        Ok(self.memory.as_ptr() as u64)
    }
    fn mem_free(&'static self, _ptr: fh_deviceptr_t) -> FfiResult {
        Ok(())
    }
    fn memcpy_htod(&'static self, _dst: fh_deviceptr_t, _src: &[u8]) -> FfiResult {
        unused()
    }
    fn memcpy_dtoh(&'static self, _dst: &mut [u8], _src: fh_deviceptr_t) -> FfiResult {
        unused()
    }
    fn memcpy_dtod(&'static self, _dst: fh_deviceptr_t, _src: fh_deviceptr_t, _size: usize) -> FfiResult {
        unused()
    }
    fn memset(&'static self, _dst: fh_deviceptr_t, _value: u32, _element_size: u32, _count: usize) -> FfiResult {
        unused()
    }
    fn stream_create(&'static self, _flags: u32) -> FfiResult<Arc<Stream>> {
        Ok(Arc::new(Stream))
    }
    fn event_create(&'static self, _flags: u32) -> FfiResult<Box<Event>> {
        Ok(Box::new(Event))
    }
    fn module_load(&'static self, _format: fh_module_format_t, _bytes: &[u8]) -> FfiResult<Box<Module>> {
        Ok(Box::new(Module(Arc::new(Function))))
    }
}

impl flaghal_plugin::Stream<Tiny> for Stream {
    fn device(&self) -> &'static Device {
        device()
    }
    fn destroy(self: Arc<Self>) -> FfiResult {
        Ok(())
    }
    fn synchronize(&self) -> FfiResult {
        Ok(())
    }
    fn query(&self) -> FfiResult {
        Ok(())
    }
    fn wait_event(&self, _event: &Event) -> FfiResult {
        Ok(())
    }
    fn memcpy_htod_async(&self, _dst: fh_deviceptr_t, _src: &[u8]) -> FfiResult {
        unused()
    }
    fn memcpy_dtoh_async(&self, _dst: &mut [u8], _src: fh_deviceptr_t) -> FfiResult {
        unused()
    }
    fn memcpy_dtod_async(&self, _dst: fh_deviceptr_t, _src: fh_deviceptr_t, _size: usize) -> FfiResult {
        unused()
    }
    fn memset_async(&self, _dst: fh_deviceptr_t, _value: u32, _element_size: u32, _count: usize) -> FfiResult {
        unused()
    }
    /// Runs the host function at once: this stream has no other work.
    fn launch_host_func(&self, call: HostCall) -> FfiResult {
        // SAFETY: called once, in stream order (the stream is always idle).
        unsafe { call.run() };
        Ok(())
    }
}

impl flaghal_plugin::Event<Tiny> for Event {
    fn device(&self) -> &'static Device {
        device()
    }
    fn record(&self, _stream: &Stream) -> FfiResult {
        Ok(())
    }
    fn synchronize(&self) -> FfiResult {
        Ok(())
    }
    fn query(&self) -> FfiResult {
        Ok(())
    }
}

impl flaghal_plugin::Module<Tiny> for Module {
    type Function = Function;
    fn function(&self, name: &CStr) -> FfiResult<Arc<Function>> {
        match name.to_bytes() {
            b"k" => Ok(self.0.clone()),
            _ => Err(FfiError::new(FH_ERROR_NOT_FOUND, "only k")),
        }
    }
}

impl flaghal_plugin::Function<Tiny> for Function {
    fn device(&self) -> &'static Device {
        device()
    }
    fn attribute(&self, _attribute: fh_function_attribute_t) -> FfiResult<i32> {
        Ok(64)
    }
    fn launch(self: &Arc<Self>, _params: &fh_plugin_launch_params_t, _args: &[u8], _stream: &Stream) -> FfiResult {
        LAUNCHES.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

fn table() -> &'static fh_plugin_api_t {
    let mut args = negotiate_args(1, 0, 0);
    assert_eq!(negotiate(fhPluginNegotiate, &mut args), FH_SUCCESS);
    // SAFETY: a successful negotiation hands out the static table.
    unsafe { ptr::in_ref(args.api, "api") }.expect("a table")
}

fn started() -> flaghal_plugin_host::Device {
    static HOST: OnceLock<Host> = OnceLock::new();
    HOST.get_or_init(|| Host::start(fhPluginNegotiate)).device(0)
}

#[test]
fn undeclared_optional_groups_are_null_and_never_reported() {
    let api = table();
    assert!(api.mem_alloc_host.is_none() && api.mem_free_host.is_none(), "pinned memory is not declared");
    assert!(api.event_elapsed_time.is_none(), "event timing is not declared");
    assert!(api.launch_host_func.is_some(), "host functions are declared");
    // SAFETY: the table's identity strings are static C strings.
    let (name, version) = unsafe { (ptr::in_cstr(api.name, "name").unwrap(), ptr::in_cstr(api.version, "version").unwrap()) };
    assert_eq!(name, c"tiny");
    assert_eq!(version.to_str().unwrap(), env!("CARGO_PKG_VERSION"), "the package version by default");
    let caps = started().properties().capabilities;
    assert_eq!(caps, FH_DEVICE_CAP_HOST_FUNC | FH_DEVICE_CAP_FLOAT64, "only the declared optional group is reported; others pass");
}

#[test]
fn launches_beyond_the_device_limits_never_reach_the_plugin() {
    let d = started();
    let (status, module) = d.load_module(FH_MODULE_FORMAT_VENDOR_BEGIN, &[1, 2, 3]);
    assert_eq!(status, FH_SUCCESS, "{}", take_detail());
    let function = d.function(module, c"k");
    let stream = d.stream();
    let args = [0u8; 32];
    assert_eq!(d.launch_bytes(function, [16, 1, 1], [64, 1, 1], 1024, stream, &args), FH_SUCCESS, "at every limit");
    for (grid, block, shared, size) in [
        ([17, 1, 1], [1, 1, 1], 0, 0),
        ([1, 1, 1], [1, 2, 1], 0, 0),
        ([0, 1, 1], [1, 1, 1], 0, 0),
        ([1, 1, 1], [1, 1, 1], 1025, 0),
        ([1, 1, 1], [1, 1, 1], 0, 33),
    ] {
        let blob = vec![0u8; size];
        assert_eq!(d.launch_bytes(function, grid, block, shared, stream, &blob), FH_ERROR_INVALID_CONFIGURATION);
        assert!(!take_detail().is_empty());
    }
    let null_args = fh_plugin_launch_params_t {
        struct_size: std::mem::size_of::<fh_plugin_launch_params_t>(),
        grid: [1, 1, 1],
        block: [1, 1, 1],
        args_size: 4,
        ..Default::default()
    };
    // SAFETY: live handles; NULL args with a size is the case under test.
    assert_eq!(unsafe { d.api.launch_kernel.unwrap()(function.0, &null_args, stream.0) }, FH_ERROR_INVALID_VALUE);
    let (same, _) = d.get_function(module, c"k");
    assert_eq!(same, FH_SUCCESS);
    assert_eq!(d.get_function(module, c"k").1, function, "one handle per function");
    assert_eq!(LAUNCHES.load(Ordering::SeqCst), 1, "only the launch within the limits reached the plugin");
    d.unload(module);
    assert_eq!(d.attribute(function, FH_FUNC_ATTRIBUTE_NUM_REGS).0, FH_ERROR_INVALID_HANDLE, "functions die with their module");
    d.destroy_stream(stream);
}

#[test]
fn the_sdk_checks_formats_flags_and_sizes_before_the_plugin() {
    let d = started();
    assert_eq!(d.load_module(FH_MODULE_FORMAT_SPIRV, &[1]).0, FH_ERROR_NOT_SUPPORTED);
    assert!(take_detail().contains("FH_MODULE_FORMAT_vendor-0x10000"));
    assert_eq!(d.load_module(FH_MODULE_FORMAT_INVALID, &[1]).0, FH_ERROR_INVALID_VALUE);
    assert_eq!(d.load_module(FH_MODULE_FORMAT_VENDOR_BEGIN, &[]).0, FH_ERROR_INVALID_VALUE);
    assert_eq!(d.try_stream(1).0, FH_ERROR_INVALID_VALUE);
    assert_eq!(d.try_event(2).0, FH_ERROR_INVALID_VALUE);
    assert_eq!(d.try_alloc(0).0, FH_ERROR_INVALID_VALUE);
    assert_eq!(d.memset(0x1000, 0, 3, 1), FH_ERROR_INVALID_VALUE);
    assert!(take_detail().contains("element size 3"));
    assert_eq!(d.try_host_func(d.stream(), None, std::ptr::null_mut()), FH_ERROR_INVALID_VALUE);
    let log = OrderLog::default();
    let entry = LogEntry { log: &log, value: 7 };
    d.host_func(d.stream(), append_to_log, (&entry as *const LogEntry).cast_mut().cast());
    assert_eq!(*log.0.lock().unwrap(), [7], "the declared host-function entry runs the function");
}

#[test]
fn init_checks_its_arguments_and_the_negotiated_version() {
    let api = table();
    // SAFETY: NULL and bad structs are the cases under test.
    unsafe {
        assert_eq!(api.init.unwrap()(std::ptr::null()), FH_ERROR_INVALID_VALUE);
        let mut args = fh_plugin_init_args_t {
            struct_size: std::mem::size_of::<fh_plugin_init_args_t>(),
            next: std::ptr::null_mut(),
            abi_version: 1 << 22,
            host: std::ptr::null(),
        };
        assert_eq!(api.init.unwrap()(&args), FH_ERROR_INVALID_VALUE, "no host services");
        args.host = flaghal_plugin_host::host_services();
        args.abi_version = 1 << 22 | 2 << 12;
        assert_eq!(api.init.unwrap()(&args), FH_ERROR_INVALID_VALUE, "minor 2 was never negotiated");
        assert!(take_detail().contains("init with ABI 1.2"));
    }
}
