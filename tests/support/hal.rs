//! A thin checked wrapper over the API in libflaghal.so, loaded at run time
//! exactly as a C framework links it. Each method is one fh* call: it turns
//! the status into `Result`, and a failure carries the status name and the
//! thread's detail message. Handles are `Copy` newtypes that may cross
//! threads, as flaghal.h allows for every handle.

use crate::paths;
use flaghal_sys::dynamic::FlagHal;
use flaghal_sys::*;
use std::ffi::CString;
use std::fmt;

/// A failed call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub status: fh_status_t,
    /// "FH_ERROR_INVALID_VALUE", or the number if the loader does not know it.
    pub name: String,
    /// The calling thread's detail message right after the call.
    pub message: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.name, self.status, self.message)
    }
}

pub type Result<T = ()> = std::result::Result<T, Failure>;

macro_rules! handle {
    ($name:ident, $raw:ty) => {
        /// A loader handle. The loader owns the object; flaghal.h allows any
        /// handle to be used from any thread.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub struct $name(pub $raw);
        // SAFETY: flaghal.h: "Every function may be called from any thread at
        // any time"; the handle is an opaque token, never dereferenced here.
        unsafe impl Send for $name {}
        // SAFETY: as above.
        unsafe impl Sync for $name {}
    };
}
handle!(Device, fh_device_t);
handle!(Stream, fh_stream_t);
handle!(Event, fh_event_t);
handle!(Module, fh_module_t);
handle!(Function, fh_function_t);

pub use flaghal_sys::app::PluginInfo;

/// libflaghal.so, opened.
pub struct Hal {
    pub api: FlagHal,
}

impl Hal {
    /// Opens [`paths::libflaghal`].
    pub fn open() -> Hal {
        let path = paths::libflaghal();
        let (api, _) = flaghal_sys::library::open(Some(&path)).unwrap_or_else(|e| panic!("{e}"));
        Hal { api }
    }

    /// `Ok` for FH_SUCCESS, else the failure with the thread's message.
    pub fn check(&self, status: fh_status_t) -> Result {
        if status == FH_SUCCESS {
            return Ok(());
        }
        Err(Failure { status, name: self.status_name(status), message: self.last_error() })
    }

    /// fhGetErrorName, or the number.
    pub fn status_name(&self, status: fh_status_t) -> String {
        self.api.status_name(status)
    }

    /// fhGetLastErrorMessage.
    pub fn last_error(&self) -> String {
        self.api.last_error_message()
    }

    pub fn init(&self) -> Result {
        // SAFETY: no pointers.
        self.check(unsafe { self.api.fhInit(0) })
    }

    pub fn plugins(&self) -> Vec<PluginInfo> {
        self.api.plugin_infos().unwrap_or_else(|status| panic!("fhPluginGetInfo: {}", self.api.describe_failure(status)))
    }

    pub fn device_count(&self) -> u32 {
        let mut count = 0u32;
        // SAFETY: valid out pointer.
        self.check(unsafe { self.api.fhDeviceGetCount(&mut count) }).expect("fhDeviceGetCount");
        count
    }

    pub fn device(&self, ordinal: u32) -> Result<Device> {
        let mut device = std::ptr::null_mut();
        // SAFETY: valid out pointer.
        self.check(unsafe { self.api.fhDeviceGet(ordinal, &mut device) })?;
        Ok(Device(device))
    }

    pub fn properties(&self, device: Device) -> Result<fh_device_properties_t> {
        let mut props =
            fh_device_properties_t { struct_size: size_of::<fh_device_properties_t>(), ..Default::default() };
        // SAFETY: `props` is a valid struct with struct_size set.
        self.check(unsafe { self.api.fhDeviceGetProperties(device.0, &mut props) })?;
        Ok(props)
    }

    /// The first device whose plugin is `plugin` (properties.plugin_name).
    pub fn device_of_plugin(&self, plugin: &str) -> Option<Device> {
        (0..self.device_count()).map(|i| self.device(i).expect("fhDeviceGet")).find(|d| {
            let props = self.properties(*d).expect("fhDeviceGetProperties");
            flaghal_sys::ptr::char_array_to_string(&props.plugin_name) == plugin
        })
    }

    pub fn device_synchronize(&self, device: Device) -> Result {
        // SAFETY: no pointers besides the handle.
        self.check(unsafe { self.api.fhDeviceSynchronize(device.0) })
    }

    pub fn mem_alloc(&self, device: Device, size: usize) -> Result<fh_deviceptr_t> {
        let mut ptr = 0;
        // SAFETY: valid out pointer.
        self.check(unsafe { self.api.fhMemAlloc(device.0, size, &mut ptr) })?;
        Ok(ptr)
    }

    pub fn mem_free(&self, device: Device, ptr: fh_deviceptr_t) -> Result {
        // SAFETY: no host pointers.
        self.check(unsafe { self.api.fhMemFree(device.0, ptr) })
    }

    pub fn htod(&self, device: Device, dst: fh_deviceptr_t, src: &[u8]) -> Result {
        // SAFETY: `src` is readable for its length during this synchronous call.
        self.check(unsafe { self.api.fhMemcpyHtoD(device.0, dst, src.as_ptr().cast(), src.len()) })
    }

    pub fn dtoh(&self, device: Device, dst: &mut [u8], src: fh_deviceptr_t) -> Result {
        // SAFETY: `dst` is writable for its length during this synchronous call.
        self.check(unsafe { self.api.fhMemcpyDtoH(device.0, dst.as_mut_ptr().cast(), src, dst.len()) })
    }

    pub fn memset_d32(&self, device: Device, dst: fh_deviceptr_t, value: u32, count: usize) -> Result {
        // SAFETY: no host pointers.
        self.check(unsafe { self.api.fhMemsetD32(device.0, dst, value, count) })
    }

    /// Queues a host-to-device copy.
    ///
    /// # Safety
    /// `src` stays alive and unchanged until the stream has reached the copy
    /// (synchronise the stream before dropping or changing it).
    pub unsafe fn htod_async(&self, dst: fh_deviceptr_t, src: &[u8], stream: Stream) -> Result {
        // SAFETY: the caller keeps `src` valid until the stream reaches the copy.
        self.check(unsafe { self.api.fhMemcpyHtoDAsync(dst, src.as_ptr().cast(), src.len(), stream.0) })
    }

    /// Queues a device-to-host copy.
    ///
    /// # Safety
    /// `dst` stays alive, and is neither read nor written by the host, until
    /// the stream has reached the copy.
    pub unsafe fn dtoh_async(&self, dst: &mut [u8], src: fh_deviceptr_t, stream: Stream) -> Result {
        // SAFETY: the caller keeps `dst` valid and unaliased until the stream reaches the copy.
        self.check(unsafe { self.api.fhMemcpyDtoHAsync(dst.as_mut_ptr().cast(), src, dst.len(), stream.0) })
    }

    pub fn memset_d32_async(&self, dst: fh_deviceptr_t, value: u32, count: usize, stream: Stream) -> Result {
        // SAFETY: no host pointers.
        self.check(unsafe { self.api.fhMemsetD32Async(dst, value, count, stream.0) })
    }

    pub fn stream_create(&self, device: Device) -> Result<Stream> {
        let mut stream = std::ptr::null_mut();
        // SAFETY: valid out pointer.
        self.check(unsafe { self.api.fhStreamCreate(device.0, FH_STREAM_DEFAULT, &mut stream) })?;
        Ok(Stream(stream))
    }

    pub fn stream_destroy(&self, stream: Stream) -> Result {
        // SAFETY: the handle is not used after this call.
        self.check(unsafe { self.api.fhStreamDestroy(stream.0) })
    }

    pub fn stream_synchronize(&self, stream: Stream) -> Result {
        // SAFETY: no pointers besides the handle.
        self.check(unsafe { self.api.fhStreamSynchronize(stream.0) })
    }

    /// fhStreamQuery's raw status (FH_SUCCESS or FH_ERROR_NOT_READY).
    pub fn stream_query(&self, stream: Stream) -> fh_status_t {
        // SAFETY: no pointers besides the handle.
        unsafe { self.api.fhStreamQuery(stream.0) }
    }

    pub fn stream_wait_event(&self, stream: Stream, event: Event) -> Result {
        // SAFETY: no pointers besides the handles.
        self.check(unsafe { self.api.fhStreamWaitEvent(stream.0, event.0) })
    }

    pub fn event_create(&self, device: Device, flags: u32) -> Result<Event> {
        let mut event = std::ptr::null_mut();
        // SAFETY: valid out pointer.
        self.check(unsafe { self.api.fhEventCreate(device.0, flags, &mut event) })?;
        Ok(Event(event))
    }

    pub fn event_destroy(&self, event: Event) -> Result {
        // SAFETY: the handle is not used after this call.
        self.check(unsafe { self.api.fhEventDestroy(event.0) })
    }

    pub fn event_record(&self, event: Event, stream: Stream) -> Result {
        // SAFETY: no pointers besides the handles.
        self.check(unsafe { self.api.fhEventRecord(event.0, stream.0) })
    }

    pub fn event_synchronize(&self, event: Event) -> Result {
        // SAFETY: no pointers besides the handle.
        self.check(unsafe { self.api.fhEventSynchronize(event.0) })
    }

    /// fhEventQuery's raw status (FH_SUCCESS or FH_ERROR_NOT_READY).
    pub fn event_query(&self, event: Event) -> fh_status_t {
        // SAFETY: no pointers besides the handle.
        unsafe { self.api.fhEventQuery(event.0) }
    }

    pub fn module_load(&self, device: Device, format: fh_module_format_t, bytes: &[u8]) -> Result<Module> {
        let mut module = std::ptr::null_mut();
        // SAFETY: `bytes` is readable for its length; the loader copies it.
        self.check(unsafe {
            self.api.fhModuleLoadData(device.0, format, bytes.as_ptr().cast(), bytes.len(), &mut module)
        })?;
        Ok(Module(module))
    }

    /// Loads the native CPU module `<kernels_dir>/<name>.so` and finds kernel `name` in it.
    pub fn cpu_kernel(&self, device: Device, name: &str) -> Result<(Module, Function)> {
        let module = self.module_load(device, FH_MODULE_FORMAT_NATIVE_CPU, &paths::kernel_bytes(name))?;
        Ok((module, self.function(module, name)?))
    }

    /// Loads the examples' bundle ([`paths::examples_bundle`]) and finds
    /// kernel `name` in it; `None` if the device runs none of its images.
    pub fn kernel(&self, device: Device, name: &str) -> Option<Result<(Module, Function)>> {
        match self.module_load(device, FH_MODULE_FORMAT_BUNDLE, &paths::examples_bundle()) {
            Err(e) if e.status == FH_ERROR_NOT_SUPPORTED => None,
            loaded => Some(loaded.and_then(|module| Ok((module, self.function(module, name)?)))),
        }
    }

    pub fn module_unload(&self, module: Module) -> Result {
        // SAFETY: the handle is not used after this call.
        self.check(unsafe { self.api.fhModuleUnload(module.0) })
    }

    pub fn function(&self, module: Module, name: &str) -> Result<Function> {
        let name = CString::new(name).expect("kernel name without NUL");
        let mut function = std::ptr::null_mut();
        // SAFETY: `name` is NUL-terminated; valid out pointer.
        self.check(unsafe { self.api.fhModuleGetFunction(module.0, name.as_ptr(), &mut function) })?;
        Ok(Function(function))
    }

    /// fhLaunchKernel over a 1-D grid of `grid` blocks of `block` threads.
    pub fn launch_1d(&self, function: Function, grid: u32, block: u32, stream: Stream, args: &[u8]) -> Result {
        // SAFETY: `args` is readable for its length; the loader copies it
        // before returning.
        self.check(unsafe {
            self.api.fhLaunchKernel(function.0, grid, 1, 1, block, 1, 1, 0, stream.0, args.as_ptr().cast(), args.len())
        })
    }
}

/// Builds a kernel argument blob with C natural alignment (docs/kernels.md).
#[derive(Default, Debug, Clone)]
pub struct Args(Vec<u8>);

impl Args {
    pub fn new() -> Self {
        Args(Vec::new())
    }
    fn align(&mut self, to: usize) {
        let padding = (to - self.0.len() % to) % to;
        self.0.resize(self.0.len() + padding, 0);
    }
    pub fn u32(mut self, v: u32) -> Self {
        self.align(4);
        self.0.extend_from_slice(&v.to_ne_bytes());
        self
    }
    pub fn f32(mut self, v: f32) -> Self {
        self.align(4);
        self.0.extend_from_slice(&v.to_ne_bytes());
        self
    }
    pub fn u64(mut self, v: u64) -> Self {
        self.align(8);
        self.0.extend_from_slice(&v.to_ne_bytes());
        self
    }
    /// Ends the struct: tail padding to 8, the alignment of every blob here
    /// (each holds a device address).
    pub fn finish(mut self) -> Vec<u8> {
        self.align(8);
        self.0
    }
}

/// `n` native-endian u32 values as bytes, and back.
pub fn u32_bytes(values: &[u32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_ne_bytes()).collect()
}

pub fn bytes_u32(bytes: &[u8]) -> Vec<u32> {
    bytes.chunks_exact(4).map(|c| u32::from_ne_bytes(c.try_into().expect("4 bytes"))).collect()
}

pub fn f32_bytes(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_ne_bytes()).collect()
}

pub fn bytes_f32(bytes: &[u8]) -> Vec<f32> {
    bytes.chunks_exact(4).map(|c| f32::from_ne_bytes(c.try_into().expect("4 bytes"))).collect()
}
