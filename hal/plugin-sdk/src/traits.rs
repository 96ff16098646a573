//! The six traits a Rust plugin implements, one per object of the plugin
//! ABI, and the small value types they exchange. Each method implements the
//! flaghal.h function named in its doc, with that function's ordering,
//! blocking and error rules; the SDK has already done the checks listed in
//! the crate doc ("Who validates what"), so a method checks only what only
//! the plugin knows. Every method may be called from any thread at once
//! (plugin ABI rule 6).
//!
//! Ownership, once for all (the handle table is in `handles.rs`):
//! - [`Plugin::Device`]: `&'static`, from [`Plugin::init`]; never freed.
//! - [`Plugin::Stream`]: `Arc`, from [`Device::stream_create`]; the handle
//!   holds one strong reference, given back to [`Stream::destroy`].
//! - [`Plugin::Event`]: `Box`, from [`Device::event_create`]; dropped by event_destroy.
//! - [`Plugin::Module`]: `Box`, from [`Device::module_load`]; dropped by
//!   module_unload, after the handles of its functions.
//! - [`Module::Function`]: `Arc`, from [`Module::function`]; the SDK keeps one
//!   strong reference per function handle until its module is unloaded.

use crate::sys::{self, fh_deviceptr_t, fh_device_properties_t, fh_function_attribute_t, fh_module_format_t, fh_plugin_launch_params_t};
use crate::{FfiError, FfiResult};
use std::ffi::{c_void, CStr};
use std::sync::Arc;

/// The plugin as a whole: its identity, its object types, init and its
/// devices. Implemented on a unit struct and handed to [`crate::export_plugin!`].
pub trait Plugin: Sized + 'static {
    /// The table's `name`: short, unique, `[a-z0-9_-]+`.
    const NAME: &'static CStr;
    /// The table's `vendor`.
    const VENDOR: &'static CStr;
    /// The table's `version`, free form; `None` (the default) is the plugin
    /// crate's package version (`CARGO_PKG_VERSION`, read by [`crate::export_plugin!`]).
    const VERSION: Option<&'static CStr> = None;
    /// The highest ABI minor (of major FH_PLUGIN_ABI_VERSION_MAJOR) the table
    /// serves; never above the header's FH_PLUGIN_ABI_VERSION_MINOR.
    const ABI_MAX_MINOR: u32 = sys::FH_PLUGIN_ABI_VERSION_MINOR;
    /// The optional entry groups this plugin implements, as capability bits:
    /// FH_DEVICE_CAP_PINNED_HOST_MEMORY (mem_alloc_host, mem_free_host),
    /// FH_DEVICE_CAP_HOST_FUNC (launch_host_func), FH_DEVICE_CAP_EVENT_TIMING
    /// (event_elapsed_time). A group not named here is NULL in the table, and
    /// the SDK clears its bit from every device's capabilities.
    const OPTIONAL_ENTRIES: u64 = 0;

    type Device: Device<Self>;
    type Stream: Stream<Self>;
    type Event: Event<Self>;
    /// The module type names its function type ([`Module::Function`]).
    type Module: Module<Self>;

    /// init, after the SDK has checked its arguments and stored the host
    /// services ([`crate::host`]): finds the devices and returns them, in
    /// device_get order (none is success). The SDK keeps the first answer:
    /// the devices are stable after init.
    fn init() -> FfiResult<&'static [Self::Device]>;
}

/// A device: properties, memory, synchronous copies, and the objects
/// created on it. Lives until the process exits.
pub trait Device<P: Plugin>: Sync + 'static {
    /// What device_get_properties writes (the loader then fills
    /// `plugin_name` and `plugin_device_index`). Read on every launch for
    /// the launch limits, so keep it stored, not computed.
    fn properties(&self) -> &DeviceProperties;
    /// fhDeviceSynchronize.
    fn synchronize(&'static self) -> FfiResult;
    /// fhMemGetInfo: (free bytes, total bytes).
    fn mem_info(&self) -> (u64, u64);
    /// fhMemAlloc; `size` > 0.
    fn mem_alloc(&'static self, size: usize) -> FfiResult<fh_deviceptr_t>;
    /// fhMemFree; `ptr` != 0.
    fn mem_free(&'static self, ptr: fh_deviceptr_t) -> FfiResult;
    /// fhMemAllocHost; `size` > 0. With FH_DEVICE_CAP_PINNED_HOST_MEMORY in
    /// [`Plugin::OPTIONAL_ENTRIES`].
    fn mem_alloc_host(&'static self, size: usize) -> FfiResult<*mut c_void> {
        let _ = size;
        Err(unimplemented_optional("Device::mem_alloc_host"))
    }
    /// fhMemFreeHost; `ptr` non-NULL. With FH_DEVICE_CAP_PINNED_HOST_MEMORY.
    fn mem_free_host(&'static self, ptr: *mut c_void) -> FfiResult {
        let _ = ptr;
        Err(unimplemented_optional("Device::mem_free_host"))
    }
    /// fhMemcpyHtoD: `src` is the whole host source.
    fn memcpy_htod(&'static self, dst: fh_deviceptr_t, src: &[u8]) -> FfiResult;
    /// fhMemcpyDtoH: `dst` is the whole host destination.
    fn memcpy_dtoh(&'static self, dst: &mut [u8], src: fh_deviceptr_t) -> FfiResult;
    /// fhMemcpyDtoD.
    fn memcpy_dtod(&'static self, dst: fh_deviceptr_t, src: fh_deviceptr_t, size: usize) -> FfiResult;
    /// fhMemsetD8/D16/D32; `element_size` is 1, 2 or 4.
    fn memset(&'static self, dst: fh_deviceptr_t, value: u32, element_size: u32, count: usize) -> FfiResult;
    /// fhStreamCreate; `flags` is FH_STREAM_DEFAULT.
    fn stream_create(&'static self, flags: u32) -> FfiResult<Arc<P::Stream>>;
    /// fhEventCreate; `flags` within FH_EVENT_DISABLE_TIMING.
    fn event_create(&'static self, flags: u32) -> FfiResult<Box<P::Event>>;
    /// fhModuleLoadData; `format` is one of the device's `module_formats`,
    /// `bytes` non-empty and valid only during the call.
    fn module_load(&'static self, format: fh_module_format_t, bytes: &[u8]) -> FfiResult<Box<P::Module>>;
}

/// A stream: an in-order queue of work on one device.
pub trait Stream<P: Plugin>: Send + Sync + 'static {
    /// The device the stream was created on.
    fn device(&self) -> &'static P::Device;
    /// fhStreamDestroy: waits for the stream's work, then releases it. The
    /// handle is gone when this is called.
    fn destroy(self: Arc<Self>) -> FfiResult;
    /// fhStreamSynchronize.
    fn synchronize(&self) -> FfiResult;
    /// fhStreamQuery: Ok, or FH_ERROR_NOT_READY with an empty message; never blocks.
    fn query(&self) -> FfiResult;
    /// fhStreamWaitEvent; `event` is of the same device.
    fn wait_event(&self, event: &P::Event) -> FfiResult;
    /// fhMemcpyHtoDAsync. The slice is valid during the call; flaghal.h also
    /// keeps the memory valid until the stream reaches the copy, so its
    /// address may be kept until then.
    fn memcpy_htod_async(&self, dst: fh_deviceptr_t, src: &[u8]) -> FfiResult;
    /// fhMemcpyDtoHAsync; `dst` as `src` of [`Stream::memcpy_htod_async`].
    fn memcpy_dtoh_async(&self, dst: &mut [u8], src: fh_deviceptr_t) -> FfiResult;
    /// fhMemcpyDtoDAsync.
    fn memcpy_dtod_async(&self, dst: fh_deviceptr_t, src: fh_deviceptr_t, size: usize) -> FfiResult;
    /// fhMemsetD*Async, as [`Device::memset`].
    fn memset_async(&self, dst: fh_deviceptr_t, value: u32, element_size: u32, count: usize) -> FfiResult;
    /// fhLaunchHostFunc. With FH_DEVICE_CAP_HOST_FUNC in [`Plugin::OPTIONAL_ENTRIES`].
    fn launch_host_func(&self, call: HostCall) -> FfiResult {
        let _ = call;
        Err(unimplemented_optional("Stream::launch_host_func"))
    }
}

/// An event: the most recent record on a stream.
pub trait Event<P: Plugin>: Send + Sync + 'static {
    /// The device the event was created on.
    fn device(&self) -> &'static P::Device;
    /// fhEventRecord; `stream` is of the same device.
    fn record(&self, stream: &P::Stream) -> FfiResult;
    /// fhEventSynchronize.
    fn synchronize(&self) -> FfiResult;
    /// fhEventQuery: Ok, or FH_ERROR_NOT_READY with an empty message; never blocks.
    fn query(&self) -> FfiResult;
    /// fhEventElapsedTime in milliseconds; both events of one device. With
    /// FH_DEVICE_CAP_EVENT_TIMING in [`Plugin::OPTIONAL_ENTRIES`].
    fn elapsed_ms(start: &Self, end: &Self) -> FfiResult<f32> {
        let _ = (start, end);
        Err(unimplemented_optional("Event::elapsed_ms"))
    }
}

/// A loaded module.
pub trait Module<P: Plugin>: Send + Sync + 'static {
    /// The module's kernels.
    type Function: Function<P>;
    /// fhModuleGetFunction. Returning the same `Arc` for the same name gives
    /// the same handle (the SDK compares pointers).
    fn function(&self, name: &CStr) -> FfiResult<Arc<Self::Function>>;
}

/// The function type of plugin `P`.
pub type FunctionOf<P> = <<P as Plugin>::Module as Module<P>>::Function;

/// A kernel of a loaded module.
pub trait Function<P: Plugin>: Send + Sync + 'static {
    /// The device of the function's module.
    fn device(&self) -> &'static P::Device;
    /// fhFunctionGetAttribute.
    fn attribute(&self, attribute: fh_function_attribute_t) -> FfiResult<i32>;
    /// fhLaunchKernel, after the SDK checked the launch against the device's
    /// limits: check the kernel's own limits, then queue. `args` (the blob)
    /// and `params` are valid only during the call; clone `self` to keep the
    /// function alive while the launch is queued.
    fn launch(self: &Arc<Self>, params: &fh_plugin_launch_params_t, args: &[u8], stream: &P::Stream) -> FfiResult;
}

/// A device's properties as a plugin stores them: `next` is NULL, so the
/// value is plain data that may be shared between threads.
#[derive(Clone, Copy)]
pub struct DeviceProperties(fh_device_properties_t);

// SAFETY: the only pointer, `next`, is NULL (set by `new`); the rest is plain data.
unsafe impl Send for DeviceProperties {}
// SAFETY: as above; the value is never mutated through a shared reference.
unsafe impl Sync for DeviceProperties {}

impl DeviceProperties {
    /// Stores `props` with `next` NULL and `struct_size` the full size.
    pub fn new(mut props: fh_device_properties_t) -> DeviceProperties {
        props.next = std::ptr::null_mut();
        props.struct_size = std::mem::size_of::<fh_device_properties_t>();
        DeviceProperties(props)
    }
}

impl std::ops::Deref for DeviceProperties {
    type Target = fh_device_properties_t;
    fn deref(&self) -> &fh_device_properties_t {
        &self.0
    }
}

/// A host function queued by fhLaunchHostFunc: the application's function
/// and its `user_data`, to be called once on a plugin thread in stream order.
#[derive(Clone, Copy, Debug)]
pub struct HostCall {
    function: unsafe extern "C" fn(*mut c_void),
    user_data: usize,
}

impl HostCall {
    pub(crate) fn new(function: unsafe extern "C" fn(*mut c_void), user_data: *mut c_void) -> HostCall {
        HostCall { function, user_data: user_data as usize }
    }

    /// Calls the function with its `user_data`.
    ///
    /// # Safety
    /// Once, on a thread of the plugin, when the stream reaches it
    /// (fhLaunchHostFunc): that is the contract the application gave them for.
    pub unsafe fn run(self) {
        // SAFETY: per this function's contract.
        unsafe { (self.function)(self.user_data as *mut c_void) }
    }
}

/// An optional method the plugin declared in OPTIONAL_ENTRIES but did not
/// write: a plugin bug, reported instead of a crash.
fn unimplemented_optional(method: &str) -> FfiError {
    FfiError::new(
        sys::FH_ERROR_NOT_SUPPORTED,
        format!("the plugin declares this entry in Plugin::OPTIONAL_ENTRIES but does not implement {method}"),
    )
}
