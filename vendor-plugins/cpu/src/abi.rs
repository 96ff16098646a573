//! The CPU plugin's side of the ABI: its identity and the SDK's traits
//! (`flaghal_plugin`) implemented on its objects. The SDK generates the
//! entry point, the table and every `extern "C"` entry from these, and does
//! the checks it can judge (its crate doc, "Who validates what"); what is
//! left here is what only this plugin knows.
//!
//! Synchronous copies and memsets check their ranges first (bad input
//! changes nothing), then wait for all work already submitted to every
//! stream of the device, then move the data on the calling thread. Queued
//! ones check the same ranges when queued and move the data when the stream
//! reaches them.

use crate::device::{self, Device};
use crate::event::Event;
use crate::launch::Launch;
use crate::memory::DeviceRange;
use crate::module::{Function, Module};
use crate::stream::{Stream, Work};
use crate::transfer::{self, HostAddress};
use crate::conv;
use flaghal_plugin::{DeviceProperties, FfiResult, HostCall};
use flaghal_sys::{self as sys, fh_deviceptr_t, fh_function_attribute_t, fh_module_format_t, fh_plugin_launch_params_t};
use std::ffi::{c_void, CStr};
use std::sync::Arc;

/// The CPU plugin: one device, every optional entry.
pub struct Cpu;

impl flaghal_plugin::Plugin for Cpu {
    const NAME: &'static CStr = c"cpu";
    const VENDOR: &'static CStr = c"FlagHAL";
    const VERSION: &'static CStr = flaghal_plugin::cstr(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes());
    const ABI_MAX_MINOR: u32 = 0;
    const OPTIONAL_ENTRIES: u64 =
        sys::FH_DEVICE_CAP_PINNED_HOST_MEMORY | sys::FH_DEVICE_CAP_HOST_FUNC | sys::FH_DEVICE_CAP_EVENT_TIMING;
    type Device = Device;
    type Stream = Stream;
    type Event = Event;
    type Module = Module;
    type Function = Function;

    fn init() -> FfiResult {
        device::init();
        Ok(())
    }

    fn devices() -> &'static [Device] {
        device::all()
    }
}

flaghal_plugin::export_plugin!(Cpu);

/// Checks a memset's alignment and range and returns them with its pattern.
fn memset_args(device: &Device, dst: fh_deviceptr_t, value: u32, element_size: u32, count: usize) -> FfiResult<(DeviceRange, Vec<u8>)> {
    let bytes = conv::memset_bytes(dst, element_size, count)?;
    Ok((device.memory.check(dst, bytes, "dst")?, conv::memset_pattern(value, element_size)))
}

impl flaghal_plugin::Device<Cpu> for Device {
    fn properties(&self) -> &DeviceProperties {
        &self.properties
    }
    fn synchronize(&'static self) -> FfiResult {
        Device::synchronize(self)
    }
    fn mem_info(&self) -> (u64, u64) {
        (self.memory.free(), self.memory.total())
    }
    fn mem_alloc(&'static self, size: usize) -> FfiResult<fh_deviceptr_t> {
        self.memory.alloc(size)
    }
    fn mem_free(&'static self, ptr: fh_deviceptr_t) -> FfiResult {
        self.memory.free_allocation(ptr)
    }
    fn mem_alloc_host(&'static self, size: usize) -> FfiResult<*mut c_void> {
        self.pinned.alloc(size).map(|p| p.cast())
    }
    fn mem_free_host(&'static self, ptr: *mut c_void) -> FfiResult {
        self.pinned.free(ptr as usize)
    }
    fn memcpy_htod(&'static self, dst: fh_deviceptr_t, src: &[u8]) -> FfiResult {
        let dst = self.memory.check(dst, src.len(), "dst")?;
        self.wait_all_streams();
        // SAFETY: `src` is readable for its length, which is `dst.len`.
        unsafe { transfer::host_to_device(dst, HostAddress(src.as_ptr() as usize)) }
    }
    fn memcpy_dtoh(&'static self, dst: &mut [u8], src: fh_deviceptr_t) -> FfiResult {
        let src = self.memory.check(src, dst.len(), "src")?;
        self.wait_all_streams();
        // SAFETY: `dst` is writable for its length, which is `src.len`.
        unsafe { transfer::device_to_host(HostAddress(dst.as_mut_ptr() as usize), src) }
    }
    fn memcpy_dtod(&'static self, dst: fh_deviceptr_t, src: fh_deviceptr_t, size: usize) -> FfiResult {
        let (dst, src) = (self.memory.check(dst, size, "dst")?, self.memory.check(src, size, "src")?);
        self.wait_all_streams();
        // SAFETY: both ranges checked.
        unsafe { transfer::device_to_device(dst, src) };
        Ok(())
    }
    fn memset(&'static self, dst: fh_deviceptr_t, value: u32, element_size: u32, count: usize) -> FfiResult {
        let (range, pattern) = memset_args(self, dst, value, element_size, count)?;
        self.wait_all_streams();
        // SAFETY: the range was checked; its length is count * element_size.
        unsafe { transfer::fill(range, &pattern) };
        Ok(())
    }
    fn stream_create(&'static self, _flags: u32) -> FfiResult<Arc<Stream>> {
        self.create_stream()
    }
    fn event_create(&'static self, flags: u32) -> FfiResult<Box<Event>> {
        Event::new(flags).map(Box::new)
    }
    fn module_load(&'static self, _format: fh_module_format_t, bytes: &[u8]) -> FfiResult<Box<Module>> {
        // The SDK admitted only the listed format, FH_MODULE_FORMAT_NATIVE_CPU.
        Module::load(bytes).map(Box::new)
    }
}

impl flaghal_plugin::Stream<Cpu> for Stream {
    fn device(&self) -> &'static Device {
        device::the()
    }
    fn destroy(self: Arc<Self>) -> FfiResult {
        device::the().destroy_stream(&self);
        Ok(())
    }
    fn synchronize(&self) -> FfiResult {
        Stream::synchronize(self)
    }
    fn query(&self) -> FfiResult {
        Stream::query(self)
    }
    fn wait_event(&self, event: &Event) -> FfiResult {
        // A never-recorded event makes the wait a no-op.
        if let Some(record) = event.latest() {
            self.queue.submit(Work::Wait(record));
        }
        Ok(())
    }
    fn memcpy_htod_async(&self, dst: fh_deviceptr_t, src: &[u8]) -> FfiResult {
        let dst = device::the().memory.check(dst, src.len(), "dst")?;
        self.queue.submit(Work::HostToDevice { dst, src: HostAddress(src.as_ptr() as usize) });
        Ok(())
    }
    fn memcpy_dtoh_async(&self, dst: &mut [u8], src: fh_deviceptr_t) -> FfiResult {
        let src = device::the().memory.check(src, dst.len(), "src")?;
        self.queue.submit(Work::DeviceToHost { src, dst: HostAddress(dst.as_mut_ptr() as usize) });
        Ok(())
    }
    fn memcpy_dtod_async(&self, dst: fh_deviceptr_t, src: fh_deviceptr_t, size: usize) -> FfiResult {
        let memory = &device::the().memory;
        self.queue.submit(Work::DeviceToDevice { dst: memory.check(dst, size, "dst")?, src: memory.check(src, size, "src")? });
        Ok(())
    }
    fn memset_async(&self, dst: fh_deviceptr_t, value: u32, element_size: u32, count: usize) -> FfiResult {
        let (dst, pattern) = memset_args(device::the(), dst, value, element_size, count)?;
        self.queue.submit(Work::Memset { dst, pattern });
        Ok(())
    }
    fn launch_host_func(&self, call: HostCall) -> FfiResult {
        self.queue.submit(Work::HostFunction(call));
        Ok(())
    }
}

impl flaghal_plugin::Event<Cpu> for Event {
    fn device(&self) -> &'static Device {
        device::the()
    }
    fn record(&self, stream: &Stream) -> FfiResult {
        stream.queue.submit_record(self.new_record());
        Ok(())
    }
    fn synchronize(&self) -> FfiResult {
        Event::synchronize(self)
    }
    fn query(&self) -> FfiResult {
        Event::query(self)
    }
    fn elapsed_ms(start: &Event, end: &Event) -> FfiResult<f32> {
        Event::elapsed_ms(start, end)
    }
}

impl flaghal_plugin::Module<Cpu> for Module {
    fn function(&self, name: &CStr) -> FfiResult<Arc<Function>> {
        Module::function(self, name)
    }
}

impl flaghal_plugin::Function<Cpu> for Function {
    fn device(&self) -> &'static Device {
        device::the()
    }
    fn attribute(&self, attribute: fh_function_attribute_t) -> FfiResult<i32> {
        Function::attribute(self, attribute)
    }
    fn launch(self: &Arc<Self>, params: &fh_plugin_launch_params_t, args: &[u8], stream: &Stream) -> FfiResult {
        let launch = Launch::new(self.clone(), params.grid, params.block, params.shared_mem_bytes, args)?;
        stream.queue.submit(Work::Kernel(launch));
        Ok(())
    }
}
