//! The OpenCL plugin's identity for the plugin SDK (`flaghal_plugin`), and
//! the SDK's traits on its streams, modules and functions, which map each
//! entry onto the files that do the work (`copy`, `stream`, `module`). The
//! device and events implement their trait where they live (`device.rs`,
//! `event.rs`). The SDK generates the entry point, the table and every
//! `extern "C"` entry, and does the checks it can judge (its crate doc,
//! "Who validates what").

use crate::device::Device;
use crate::error::invalid_value;
use crate::event::Event;
use crate::module::{Function, Module};
use crate::stream::Stream;
use crate::{copy, plugin};
use flaghal_plugin::{FfiResult, HostCall};
use flaghal_sys::{self as sys, fh_deviceptr_t, fh_function_attribute_t, fh_plugin_launch_params_t};
use std::ffi::CStr;
use std::sync::Arc;

/// The OpenCL plugin: a device per qualifying OpenCL device.
pub struct OpenCl;

impl flaghal_plugin::Plugin for OpenCl {
    const NAME: &'static CStr = c"opencl";
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

flaghal_plugin::export_plugin!(OpenCl);

impl flaghal_plugin::Stream<OpenCl> for Stream {
    fn device(&self) -> &'static Device {
        self.device
    }
    fn destroy(self: Arc<Self>) -> FfiResult {
        // Waits for the work and reports a deferred failure once more; the
        // queue and the host thread go with the last reference.
        Stream::synchronize(&self)
    }
    fn synchronize(&self) -> FfiResult {
        Stream::synchronize(self)
    }
    fn query(&self) -> FfiResult {
        Stream::query(self)
    }
    fn wait_event(&self, event: &Event) -> FfiResult {
        match event.marker() {
            Some(marker) => self.wait_for(&marker),
            None => Ok(()),
        }
    }
    fn memcpy_htod_async(&self, dst: fh_deviceptr_t, src: &[u8]) -> FfiResult {
        copy::htod_async(self, dst, src)
    }
    fn memcpy_dtoh_async(&self, dst: &mut [u8], src: fh_deviceptr_t) -> FfiResult {
        copy::dtoh_async(self, dst.as_mut_ptr() as usize, src, dst.len())
    }
    fn memcpy_dtod_async(&self, dst: fh_deviceptr_t, src: fh_deviceptr_t, size: usize) -> FfiResult {
        copy::dtod_async(self, dst, src, size)
    }
    fn memset_async(&self, dst: fh_deviceptr_t, value: u32, element_size: u32, count: usize) -> FfiResult {
        copy::memset_async(self, dst, value, element_size, count)
    }
    fn launch_host_func(&self, call: HostCall) -> FfiResult {
        self.host_func(call)
    }
}

impl flaghal_plugin::Module<OpenCl> for Module {
    type Function = Function;

    fn function(&self, name: &CStr) -> FfiResult<Arc<Function>> {
        Module::function(self, name.to_str().map_err(|_| invalid_value("name is not UTF-8"))?)
    }
}

impl flaghal_plugin::Function<OpenCl> for Function {
    fn device(&self) -> &'static Device {
        self.device
    }
    fn attribute(&self, attribute: fh_function_attribute_t) -> FfiResult<i32> {
        Function::attribute(self, attribute)
    }
    fn launch(self: &Arc<Self>, params: &fh_plugin_launch_params_t, args: &[u8], stream: &Stream) -> FfiResult {
        Function::launch(self, params, args, stream)
    }
}
