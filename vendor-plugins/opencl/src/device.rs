//! A FlagHAL device: one OpenCL device in a context of its own, with its
//! internal queue (synchronous copies on coarse-grained SVM, pinned-memory
//! maps), its SVM memory, its pinned memory and the registry of its live
//! streams; and the SDK's device trait on it.
//!
//! Ownership: devices are created once in init, live in a static vector and
//! are never destroyed; the SDK holds them as `&'static Device`.

use crate::abi::OpenCl;
use crate::cl::{self, cl_device_id, cl_platform_id, Cl};
use crate::conv::{self, DeviceInfo, SvmMode};
use crate::event::Event;
use crate::memory::{DeviceMemory, PinnedMemory};
use crate::module::Module;
use crate::objects::{self, ClContext, ClQueue};
use crate::stream::Stream;
use crate::copy;
use flaghal_plugin::DeviceProperties;
use flaghal_sys::{fh_deviceptr_t, fh_module_format_t, FfiError, FfiResult};
use parking_lot::Mutex;
use std::ffi::{c_void, CString};
use std::sync::{Arc, Weak};

/// A cl_device_id: an opaque handle usable from any thread.
#[derive(Clone, Copy)]
pub struct DeviceId(pub cl_device_id);
// SAFETY: OpenCL device ids are immutable platform objects, valid from any thread.
unsafe impl Send for DeviceId {}
// SAFETY: as above.
unsafe impl Sync for DeviceId {}

pub struct Device {
    pub cl: &'static Cl,
    pub index: u32,
    pub id: DeviceId,
    pub info: DeviceInfo,
    pub mode: SvmMode,
    /// What device_get_properties reports, computed once at open.
    pub props: DeviceProperties,
    pub context: ClContext,
    /// The device's own in-order queue (never a stream).
    pub internal: ClQueue,
    pub memory: DeviceMemory,
    pub pinned: PinnedMemory,
    /// clBuildProgram's options (conv::build_options).
    pub build_options: CString,
    streams: Mutex<Vec<Weak<Stream>>>,
}

/// An in-order command queue on `device`, with profiling when asked.
pub(crate) fn create_queue(cl: &'static Cl, context: &ClContext, device: cl_device_id, profiling: bool) -> FfiResult<ClQueue> {
    let properties: [cl::cl_queue_properties; 3] =
        [cl::CL_QUEUE_PROPERTIES, if profiling { cl::CL_QUEUE_PROFILING_ENABLE } else { 0 }, 0];
    let mut rc = cl::CL_SUCCESS;
    // SAFETY: a live context holding `device`; a zero-terminated property list.
    let raw = unsafe { (cl.clCreateCommandQueueWithProperties)(context.raw, device, properties.as_ptr(), &mut rc) };
    crate::error::check("clCreateCommandQueueWithProperties", rc)?;
    if raw.is_null() {
        return Err(crate::error::cl_error("clCreateCommandQueueWithProperties returned NULL", rc));
    }
    Ok(ClQueue::own(cl, raw))
}

impl Device {
    /// Opens a qualifying device; Err(reason) skips it.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn open(cl: &'static Cl, platform: cl_platform_id, id: cl_device_id, info: DeviceInfo, mode: SvmMode, index: u32, uuid: [u8; 16]) -> Result<Device, String> {
        let name = info.name.clone();
        let context_properties: [cl::cl_context_properties; 3] = [cl::CL_CONTEXT_PLATFORM, platform as cl::cl_context_properties, 0];
        let mut rc = cl::CL_SUCCESS;
        // SAFETY: a zero-terminated property list naming the device's
        // platform, one device id from it, no callback.
        let raw = unsafe { (cl.clCreateContext)(context_properties.as_ptr(), 1, &id, None, std::ptr::null_mut(), &mut rc) };
        if rc != cl::CL_SUCCESS || raw.is_null() {
            return Err(format!("{name}: clCreateContext failed: {}", conv::describe(rc)));
        }
        let context = ClContext::own(cl, raw);
        let internal = create_queue(cl, &context, id, false).map_err(|e| format!("{name}: {}", e.message))?;
        let memory = DeviceMemory::new(cl, &context, mode, info.global_mem_size, info.max_mem_alloc_size, info.min_data_type_align)
            .map_err(|e| format!("{name}: {e}"))?;
        let formats = conv::module_formats(&info, cl.clCreateProgramWithIL.is_some());
        let props = DeviceProperties::new(conv::properties(&info, mode, uuid, &formats, index));
        let build_options = CString::new(conv::build_options(&info.c_version)).map_err(|_| format!("{name}: CL_DEVICE_OPENCL_C_VERSION holds a NUL"))?;
        Ok(Device {
            cl,
            index,
            id: DeviceId(id),
            pinned: PinnedMemory::new(cl, info.max_mem_alloc_size),
            info,
            mode,
            props,
            context,
            internal,
            memory,
            build_options,
            streams: Mutex::new(Vec::new()),
        })
    }

    pub fn register_stream(&self, stream: &Arc<Stream>) {
        let mut streams = self.streams.lock();
        streams.retain(|s| s.strong_count() > 0);
        streams.push(Arc::downgrade(stream));
    }

    fn live_streams(&self) -> Vec<Arc<Stream>> {
        self.streams.lock().iter().filter_map(Weak::upgrade).collect()
    }

    /// Waits for the work already queued on every stream (flaghal.h,
    /// "Ordering": synchronous calls wait first). Failures are not reported
    /// here: they belong to the streams' synchronisation.
    pub fn wait_for_streams(&self) {
        let last: Vec<_> = self.live_streams().iter().filter_map(|s| s.last()).collect();
        let _ = objects::wait_all(self.cl, &last);
    }
}

impl flaghal_plugin::Device<OpenCl> for Device {
    fn properties(&self) -> &DeviceProperties {
        &self.props
    }

    fn synchronize(&'static self) -> FfiResult {
        let mut first: Option<FfiError> = None;
        for stream in self.live_streams() {
            if let Err(e) = stream.synchronize() {
                first.get_or_insert(e);
            }
        }
        first.map_or(Ok(()), Err)
    }

    fn mem_info(&self) -> (u64, u64) {
        self.memory.info()
    }

    fn mem_alloc(&'static self, size: usize) -> FfiResult<fh_deviceptr_t> {
        self.memory.alloc(&self.context, size as u64)
    }

    fn mem_free(&'static self, ptr: fh_deviceptr_t) -> FfiResult {
        self.memory.free(&self.context, ptr)
    }

    fn mem_alloc_host(&'static self, size: usize) -> FfiResult<*mut c_void> {
        self.pinned.alloc(&self.context, &self.internal, size)
    }

    fn mem_free_host(&'static self, ptr: *mut c_void) -> FfiResult {
        self.pinned.free(&self.internal, ptr)
    }

    fn memcpy_htod(&'static self, dst: fh_deviceptr_t, src: &[u8]) -> FfiResult {
        copy::htod(self, dst, src)
    }

    fn memcpy_dtoh(&'static self, dst: &mut [u8], src: fh_deviceptr_t) -> FfiResult {
        copy::dtoh(self, dst, src)
    }

    fn memcpy_dtod(&'static self, dst: fh_deviceptr_t, src: fh_deviceptr_t, size: usize) -> FfiResult {
        copy::dtod(self, dst, src, size)
    }

    fn memset(&'static self, dst: fh_deviceptr_t, value: u32, element_size: u32, count: usize) -> FfiResult {
        copy::memset(self, dst, value, element_size, count)
    }

    fn stream_create(&'static self, _flags: u32) -> FfiResult<Arc<Stream>> {
        Stream::new(self)
    }

    fn event_create(&'static self, flags: u32) -> FfiResult<Box<Event>> {
        Ok(Box::new(Event::new(self, flags)))
    }

    fn module_load(&'static self, format: fh_module_format_t, bytes: &[u8]) -> FfiResult<Box<Module>> {
        Module::load(self, format, bytes).map(Box::new)
    }
}
