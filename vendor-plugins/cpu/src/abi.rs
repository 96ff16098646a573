//! The CPU plugin's identity for the plugin SDK (`flaghal_plugin`), and the
//! SDK's traits on its modules and functions. The other objects implement
//! their trait where they live (`device.rs`, `stream.rs`, `event.rs`). The
//! SDK generates the entry point, the table and every `extern "C"` entry
//! from these, and does the checks it can judge (its crate doc, "Who
//! validates what"); what the impls check is what only this plugin knows.

use crate::device::{self, Device};
use crate::event::Event;
use crate::launch::Launch;
use crate::module::{Function, Module};
use crate::stream::{Stream, Work};
use flaghal_plugin::FfiResult;
use flaghal_sys::{self as sys, fh_function_attribute_t, fh_plugin_launch_params_t};
use std::ffi::CStr;
use std::sync::Arc;

/// The CPU plugin: one device, every optional entry.
pub struct Cpu;

impl flaghal_plugin::Plugin for Cpu {
    const NAME: &'static CStr = c"cpu";
    const VENDOR: &'static CStr = c"FlagHAL";
    const OPTIONAL_ENTRIES: u64 =
        sys::FH_DEVICE_CAP_PINNED_HOST_MEMORY | sys::FH_DEVICE_CAP_HOST_FUNC | sys::FH_DEVICE_CAP_EVENT_TIMING;

    fn init() -> FfiResult<&'static [Device]> {
        Ok(std::slice::from_ref(device::init()))
    }

    type Device = Device;
    type Stream = Stream;
    type Event = Event;
    type Module = Module;
}

flaghal_plugin::export_plugin!(Cpu);

impl flaghal_plugin::Module<Cpu> for Module {
    type Function = Function;

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

    /// The kernel's own limits are Launch::new's; the blob is copied.
    fn launch(self: &Arc<Self>, params: &fh_plugin_launch_params_t, args: &[u8], stream: &Stream) -> FfiResult {
        let launch = Launch::new(self.clone(), params.grid, params.block, params.shared_mem_bytes, args)?;
        stream.queue.submit(Work::Kernel(launch));
        Ok(())
    }
}
