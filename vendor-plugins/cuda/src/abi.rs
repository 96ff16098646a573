//! The CUDA plugin's identity for the plugin SDK (`flaghal_plugin`) and the
//! SDK's traits on its objects, each method one line into the file that
//! does the work (`device`, `stream`, `event`, `module`). The SDK generates
//! the entry point, the table and every `extern "C"` entry, and does the
//! checks it can judge (its crate doc, "Who validates what").

use crate::device::Device;
use crate::event::Event;
use crate::module::{Function, Module};
use crate::plugin;
use crate::stream::Stream;
use flaghal_plugin::{DeviceProperties, FfiResult, HostCall};
use flaghal_sys::{self as sys, fh_deviceptr_t, fh_function_attribute_t, fh_module_format_t, fh_plugin_launch_params_t};
use std::ffi::{c_void, CStr};
use std::sync::Arc;

/// The CUDA plugin: a device per CUDA device.
pub struct Cuda;

impl flaghal_plugin::Plugin for Cuda {
    const NAME: &'static CStr = c"cuda";
    const VENDOR: &'static CStr = c"FlagHAL reference";
    const OPTIONAL_ENTRIES: u64 =
        sys::FH_DEVICE_CAP_PINNED_HOST_MEMORY | sys::FH_DEVICE_CAP_HOST_FUNC | sys::FH_DEVICE_CAP_EVENT_TIMING;

    fn init() -> FfiResult<&'static [Device]> {
        Ok(&plugin::init().devices)
    }

    type Device = Device;
    type Stream = Stream;
    type Event = Event;
    type Module = Module;
}

flaghal_plugin::export_plugin!(Cuda);

impl flaghal_plugin::Device<Cuda> for Device {
    fn properties(&self) -> &DeviceProperties {
        Device::properties(self)
    }
    fn synchronize(&'static self) -> FfiResult {
        Device::synchronize(self)
    }
    fn mem_info(&self) -> (u64, u64) {
        Device::mem_info(self)
    }
    fn mem_alloc(&'static self, size: usize) -> FfiResult<fh_deviceptr_t> {
        Device::mem_alloc(self, size)
    }
    fn mem_free(&'static self, ptr: fh_deviceptr_t) -> FfiResult {
        Device::mem_free(self, ptr)
    }
    fn mem_alloc_host(&'static self, size: usize) -> FfiResult<*mut c_void> {
        Device::mem_alloc_host(self, size)
    }
    fn mem_free_host(&'static self, ptr: *mut c_void) -> FfiResult {
        Device::mem_free_host(self, ptr as usize)
    }
    fn memcpy_htod(&'static self, dst: fh_deviceptr_t, src: &[u8]) -> FfiResult {
        crate::copy::htod(self, dst, src)
    }
    fn memcpy_dtoh(&'static self, dst: &mut [u8], src: fh_deviceptr_t) -> FfiResult {
        crate::copy::dtoh(self, dst, src)
    }
    fn memcpy_dtod(&'static self, dst: fh_deviceptr_t, src: fh_deviceptr_t, size: usize) -> FfiResult {
        crate::copy::dtod(self, dst, src, size)
    }
    fn memset(&'static self, dst: fh_deviceptr_t, value: u32, element_size: u32, count: usize) -> FfiResult {
        crate::copy::memset(self, dst, value, element_size, count)
    }
    fn stream_create(&'static self, _flags: u32) -> FfiResult<Arc<Stream>> {
        Stream::create(self).map(Arc::new)
    }
    fn event_create(&'static self, flags: u32) -> FfiResult<Box<Event>> {
        Event::create(self, flags).map(Box::new)
    }
    fn module_load(&'static self, format: fh_module_format_t, bytes: &[u8]) -> FfiResult<Box<Module>> {
        Module::load(self, format, bytes).map(Box::new)
    }
}

impl flaghal_plugin::Stream<Cuda> for Stream {
    fn device(&self) -> &'static Device {
        self.device
    }
    fn destroy(self: Arc<Self>) -> FfiResult {
        Stream::destroy(&self)
    }
    fn synchronize(&self) -> FfiResult {
        Stream::synchronize(self)
    }
    fn query(&self) -> FfiResult {
        Stream::query(self)
    }
    fn wait_event(&self, event: &Event) -> FfiResult {
        Stream::wait_event(self, event.raw)
    }
    fn memcpy_htod_async(&self, dst: fh_deviceptr_t, src: &[u8]) -> FfiResult {
        Stream::memcpy_htod_async(self, dst, src)
    }
    fn memcpy_dtoh_async(&self, dst: &mut [u8], src: fh_deviceptr_t) -> FfiResult {
        Stream::memcpy_dtoh_async(self, dst, src)
    }
    fn memcpy_dtod_async(&self, dst: fh_deviceptr_t, src: fh_deviceptr_t, size: usize) -> FfiResult {
        Stream::memcpy_dtod_async(self, dst, src, size)
    }
    fn memset_async(&self, dst: fh_deviceptr_t, value: u32, element_size: u32, count: usize) -> FfiResult {
        Stream::memset_async(self, dst, value, element_size, count)
    }
    fn launch_host_func(&self, call: HostCall) -> FfiResult {
        Stream::launch_host_func(self, call)
    }
}

impl flaghal_plugin::Event<Cuda> for Event {
    fn device(&self) -> &'static Device {
        self.device
    }
    fn record(&self, stream: &Stream) -> FfiResult {
        Event::record(self, stream.raw)
    }
    fn synchronize(&self) -> FfiResult {
        Event::synchronize(self)
    }
    fn query(&self) -> FfiResult {
        Event::query(self)
    }
    fn elapsed_ms(start: &Self, end: &Self) -> FfiResult<f32> {
        Event::elapsed_ms(start, end)
    }
}

impl flaghal_plugin::Module<Cuda> for Module {
    type Function = Function;

    fn function(&self, name: &CStr) -> FfiResult<Arc<Function>> {
        Module::function(self, name)
    }
}

impl flaghal_plugin::Function<Cuda> for Function {
    fn device(&self) -> &'static Device {
        self.device
    }
    fn attribute(&self, attribute: fh_function_attribute_t) -> FfiResult<i32> {
        Function::attribute(self, attribute)
    }
    fn launch(self: &Arc<Self>, params: &fh_plugin_launch_params_t, args: &[u8], stream: &Stream) -> FfiResult {
        Function::launch(self, params, args, stream.raw)
    }
}
