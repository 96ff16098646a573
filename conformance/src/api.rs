//! The suite's view of libflaghal.so: the public C API, loaded at run time
//! with `flaghal_sys::library::open` exactly as a framework would load it,
//! wrapped in methods that turn a status into a `CallError` naming the call
//! and carrying the thread's detail message.
//!
//! Ownership: handles (`Device`, `Stream`, `Event`, `Module`, `Function`) are
//! plain copies of the loader's opaque pointers; the suite destroys them
//! explicitly (the tests check destruction). They are `Send`/`Sync` because
//! flaghal.h makes every function callable from any thread.
//!
//! Device addresses are integers to Rust; whether a bad one faults is the
//! device's business (that is what the tests probe), and the runner turns a
//! fault into a `crash` result because every test group runs in a child
//! process. Host buffers handed to asynchronous copies are the one Rust-side
//! hazard, so those wrappers are `unsafe fn`.

use crate::status_names::status_name;
use flaghal_sys as sys;
use flaghal_sys::dynamic::FlagHal;
use std::ffi::{c_char, c_void};
use std::path::PathBuf;

/// A failed call: which function, its status, and the detail message.
#[derive(Debug, Clone)]
pub struct CallError {
    pub call: &'static str,
    pub status: sys::fh_status_t,
    pub detail: String,
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} returned {}", self.call, status_name(self.status))?;
        if !self.detail.is_empty() {
            write!(f, " ({})", self.detail)?;
        }
        Ok(())
    }
}

pub type Call<T = ()> = Result<T, CallError>;

macro_rules! handle {
    ($name:ident, $raw:ty) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $name(pub $raw);
        // SAFETY: flaghal.h: "Every function may be called from any thread at
        // any time"; the handle is an opaque token the loader validates.
        unsafe impl Send for $name {}
        // SAFETY: as above; the suite never dereferences it.
        unsafe impl Sync for $name {}
        impl $name {
            pub fn null() -> Self {
                $name(std::ptr::null_mut())
            }
        }
    };
}
handle!(Device, sys::fh_device_t);
handle!(Stream, sys::fh_stream_t);
handle!(Event, sys::fh_event_t);
handle!(Module, sys::fh_module_t);
handle!(Function, sys::fh_function_t);

/// Device properties as the suite uses them (the raw struct plus decoded text).
#[derive(Debug, Clone, Copy)]
pub struct Props(pub sys::fh_device_properties_t);

// SAFETY: plain data copied out of the loader; the only pointer (`next`) is
// never dereferenced by the suite.
unsafe impl Send for Props {}
// SAFETY: as above; shared reads of plain data.
unsafe impl Sync for Props {}

impl Props {
    pub fn name(&self) -> String {
        sys::ptr::char_array_to_string(&self.0.name)
    }
    pub fn vendor(&self) -> String {
        sys::ptr::char_array_to_string(&self.0.vendor)
    }
    pub fn plugin_name(&self) -> String {
        sys::ptr::char_array_to_string(&self.0.plugin_name)
    }
    pub fn has(&self, cap: u64) -> bool {
        self.0.capabilities & cap == cap
    }
    pub fn formats(&self) -> Vec<sys::fh_module_format_t> {
        let n = (self.0.module_format_count as usize).min(self.0.module_formats.len());
        self.0.module_formats[..n].to_vec()
    }
}

pub use sys::app::PluginInfo;

pub struct Hal {
    lib: FlagHal,
    pub path: PathBuf,
}

impl Hal {
    /// Opens libflaghal.so (FLAGHAL_LIBRARY, beside the executable, ...).
    pub fn open() -> Result<Hal, String> {
        let (lib, path) = sys::library::open(None)?;
        Ok(Hal { lib, path })
    }

    /// The raw function table, for tests that pass deliberately bad arguments.
    pub fn raw(&self) -> &FlagHal {
        &self.lib
    }

    fn check(&self, call: &'static str, status: sys::fh_status_t) -> Call {
        if status == sys::FH_SUCCESS {
            Ok(())
        } else {
            Err(CallError { call, status, detail: self.last_error_message() })
        }
    }

    /// The calling thread's detail message.
    pub fn last_error_message(&self) -> String {
        self.lib.last_error_message()
    }

    pub fn init(&self, flags: u32) -> Call {
        // SAFETY: no pointers.
        self.check("fhInit", unsafe { self.lib.fhInit(flags) })
    }

    pub fn version(&self) -> Call<u32> {
        let mut v = 0u32;
        // SAFETY: v is a valid out pointer.
        self.check("fhGetVersion", unsafe { self.lib.fhGetVersion(&mut v) })?;
        Ok(v)
    }

    /// fhGetErrorName / fhGetErrorString: the status and the text if any.
    pub fn error_name(&self, status: sys::fh_status_t, description: bool) -> (sys::fh_status_t, Option<String>) {
        let mut ptr: *const c_char = std::ptr::null();
        // SAFETY: ptr is a valid out pointer.
        let rc = unsafe {
            if description {
                self.lib.fhGetErrorString(status, &mut ptr)
            } else {
                self.lib.fhGetErrorName(status, &mut ptr)
            }
        };
        // SAFETY: flaghal.h: the string is static and NUL-terminated; NULL is reported, not read.
        let text = unsafe { sys::ptr::in_cstr(ptr, "name") }.ok().map(|s| s.to_string_lossy().into_owned());
        (rc, text)
    }

    pub fn plugin_count(&self) -> Call<u32> {
        let mut n = 0u32;
        // SAFETY: n is a valid out pointer.
        self.check("fhPluginGetCount", unsafe { self.lib.fhPluginGetCount(&mut n) })?;
        Ok(n)
    }

    pub fn plugin_info(&self, index: u32) -> Call<PluginInfo> {
        self.lib.plugin_info(index).map_err(|status| CallError { call: "fhPluginGetInfo", status, detail: self.last_error_message() })
    }

    pub fn device_count(&self) -> Call<u32> {
        let mut n = 0u32;
        // SAFETY: n is a valid out pointer.
        self.check("fhDeviceGetCount", unsafe { self.lib.fhDeviceGetCount(&mut n) })?;
        Ok(n)
    }

    pub fn device(&self, ordinal: u32) -> Call<Device> {
        let mut d: sys::fh_device_t = std::ptr::null_mut();
        // SAFETY: d is a valid out pointer.
        self.check("fhDeviceGet", unsafe { self.lib.fhDeviceGet(ordinal, &mut d) })?;
        Ok(Device(d))
    }

    /// fhDeviceGetProperties with the full 1.0 struct size.
    pub fn properties(&self, device: Device) -> Call<Props> {
        let mut p = sys::fh_device_properties_t {
            struct_size: std::mem::size_of::<sys::fh_device_properties_t>(),
            ..Default::default()
        };
        // SAFETY: p is a valid struct with struct_size set.
        self.check("fhDeviceGetProperties", unsafe { self.lib.fhDeviceGetProperties(device.0, &mut p) })?;
        Ok(Props(p))
    }

    pub fn device_synchronize(&self, device: Device) -> Call {
        // SAFETY: no pointers besides the handle.
        self.check("fhDeviceSynchronize", unsafe { self.lib.fhDeviceSynchronize(device.0) })
    }

    /// (free, total)
    pub fn mem_get_info(&self, device: Device) -> Call<(usize, usize)> {
        let (mut free, mut total) = (0usize, 0usize);
        // SAFETY: both are valid out pointers.
        self.check("fhMemGetInfo", unsafe { self.lib.fhMemGetInfo(device.0, &mut free, &mut total) })?;
        Ok((free, total))
    }

    pub fn mem_alloc(&self, device: Device, size: usize) -> Call<u64> {
        let mut p = 0u64;
        // SAFETY: p is a valid out pointer.
        self.check("fhMemAlloc", unsafe { self.lib.fhMemAlloc(device.0, size, &mut p) })?;
        Ok(p)
    }

    pub fn mem_free(&self, device: Device, ptr: u64) -> Call {
        // SAFETY: no host pointers.
        self.check("fhMemFree", unsafe { self.lib.fhMemFree(device.0, ptr) })
    }

    pub fn mem_alloc_host(&self, device: Device, size: usize) -> Call<*mut u8> {
        let mut p: *mut c_void = std::ptr::null_mut();
        // SAFETY: p is a valid out pointer.
        self.check("fhMemAllocHost", unsafe { self.lib.fhMemAllocHost(device.0, size, &mut p) })?;
        Ok(p.cast())
    }

    pub fn mem_free_host(&self, device: Device, ptr: *mut u8) -> Call {
        // SAFETY: ptr came from fhMemAllocHost (or is NULL, a no-op).
        self.check("fhMemFreeHost", unsafe { self.lib.fhMemFreeHost(device.0, ptr.cast()) })
    }

    pub fn htod(&self, device: Device, dst: u64, src: &[u8]) -> Call {
        // SAFETY: src is valid for src.len() bytes for the whole (synchronous) call.
        self.check("fhMemcpyHtoD", unsafe { self.lib.fhMemcpyHtoD(device.0, dst, src.as_ptr().cast(), src.len()) })
    }

    pub fn dtoh(&self, device: Device, dst: &mut [u8], src: u64) -> Call {
        // SAFETY: dst is valid for dst.len() bytes for the whole (synchronous) call.
        self.check("fhMemcpyDtoH", unsafe { self.lib.fhMemcpyDtoH(device.0, dst.as_mut_ptr().cast(), src, dst.len()) })
    }

    /// Reads `len` bytes from device memory into a new vector.
    pub fn read(&self, device: Device, src: u64, len: usize) -> Call<Vec<u8>> {
        let mut v = vec![0u8; len];
        self.dtoh(device, &mut v, src)?;
        Ok(v)
    }

    pub fn dtod(&self, device: Device, dst: u64, src: u64, size: usize) -> Call {
        // SAFETY: no host pointers.
        self.check("fhMemcpyDtoD", unsafe { self.lib.fhMemcpyDtoD(device.0, dst, src, size) })
    }

    /// # Safety
    /// `src` must stay alive and unchanged until the stream reaches the copy
    /// (synchronise before dropping it).
    pub unsafe fn htod_async(&self, dst: u64, src: &[u8], stream: Stream) -> Call {
        // SAFETY: valid for src.len() bytes now; the caller keeps it so until the copy runs.
        self.check("fhMemcpyHtoDAsync", unsafe {
            self.lib.fhMemcpyHtoDAsync(dst, src.as_ptr().cast(), src.len(), stream.0)
        })
    }

    /// # Safety
    /// `dst` must stay alive and unused until the stream reaches the copy.
    pub unsafe fn dtoh_async(&self, dst: &mut [u8], src: u64, stream: Stream) -> Call {
        // SAFETY: valid for dst.len() bytes now; the caller keeps it so until the copy runs.
        self.check("fhMemcpyDtoHAsync", unsafe {
            self.lib.fhMemcpyDtoHAsync(dst.as_mut_ptr().cast(), src, dst.len(), stream.0)
        })
    }

    pub fn dtod_async(&self, dst: u64, src: u64, size: usize, stream: Stream) -> Call {
        // SAFETY: no host pointers.
        self.check("fhMemcpyDtoDAsync", unsafe { self.lib.fhMemcpyDtoDAsync(dst, src, size, stream.0) })
    }

    /// fhMemsetD8/D16/D32 by element size (1, 2, 4).
    pub fn memset(&self, device: Device, dst: u64, value: u32, element: u32, count: usize) -> Call {
        // SAFETY: no host pointers.
        let status = unsafe {
            match element {
                1 => self.lib.fhMemsetD8(device.0, dst, value as u8, count),
                2 => self.lib.fhMemsetD16(device.0, dst, value as u16, count),
                _ => self.lib.fhMemsetD32(device.0, dst, value, count),
            }
        };
        self.check(["fhMemsetD8", "fhMemsetD16", "fhMemsetD32"][(element / 2).min(2) as usize], status)
    }

    /// fhMemsetD8Async/D16Async/D32Async by element size (1, 2, 4).
    pub fn memset_async(&self, dst: u64, value: u32, element: u32, count: usize, stream: Stream) -> Call {
        // SAFETY: no host pointers.
        let status = unsafe {
            match element {
                1 => self.lib.fhMemsetD8Async(dst, value as u8, count, stream.0),
                2 => self.lib.fhMemsetD16Async(dst, value as u16, count, stream.0),
                _ => self.lib.fhMemsetD32Async(dst, value, count, stream.0),
            }
        };
        self.check(["fhMemsetD8Async", "fhMemsetD16Async", "fhMemsetD32Async"][(element / 2).min(2) as usize], status)
    }

    pub fn stream_create(&self, device: Device) -> Call<Stream> {
        let mut s: sys::fh_stream_t = std::ptr::null_mut();
        // SAFETY: s is a valid out pointer.
        self.check("fhStreamCreate", unsafe { self.lib.fhStreamCreate(device.0, sys::FH_STREAM_DEFAULT, &mut s) })?;
        Ok(Stream(s))
    }

    pub fn stream_destroy(&self, stream: Stream) -> Call {
        // SAFETY: handle only.
        self.check("fhStreamDestroy", unsafe { self.lib.fhStreamDestroy(stream.0) })
    }

    pub fn stream_synchronize(&self, stream: Stream) -> Call {
        // SAFETY: handle only.
        self.check("fhStreamSynchronize", unsafe { self.lib.fhStreamSynchronize(stream.0) })
    }

    /// The raw status of fhStreamQuery (SUCCESS or NOT_READY expected).
    pub fn stream_query(&self, stream: Stream) -> sys::fh_status_t {
        // SAFETY: handle only.
        unsafe { self.lib.fhStreamQuery(stream.0) }
    }

    pub fn stream_wait_event(&self, stream: Stream, event: Event) -> Call {
        // SAFETY: handles only.
        self.check("fhStreamWaitEvent", unsafe { self.lib.fhStreamWaitEvent(stream.0, event.0) })
    }

    /// # Safety
    /// `user_data` must stay valid for `f` until the stream has run it.
    pub unsafe fn launch_host_func(
        &self,
        stream: Stream,
        f: unsafe extern "C" fn(*mut c_void),
        user_data: *mut c_void,
    ) -> Call {
        // SAFETY: the caller keeps user_data valid until f has run.
        self.check("fhLaunchHostFunc", unsafe { self.lib.fhLaunchHostFunc(stream.0, Some(f), user_data) })
    }

    pub fn event_create(&self, device: Device, flags: u32) -> Call<Event> {
        let mut e: sys::fh_event_t = std::ptr::null_mut();
        // SAFETY: e is a valid out pointer.
        self.check("fhEventCreate", unsafe { self.lib.fhEventCreate(device.0, flags, &mut e) })?;
        Ok(Event(e))
    }

    pub fn event_destroy(&self, event: Event) -> Call {
        // SAFETY: handle only.
        self.check("fhEventDestroy", unsafe { self.lib.fhEventDestroy(event.0) })
    }

    pub fn event_record(&self, event: Event, stream: Stream) -> Call {
        // SAFETY: handles only.
        self.check("fhEventRecord", unsafe { self.lib.fhEventRecord(event.0, stream.0) })
    }

    pub fn event_synchronize(&self, event: Event) -> Call {
        // SAFETY: handle only.
        self.check("fhEventSynchronize", unsafe { self.lib.fhEventSynchronize(event.0) })
    }

    pub fn event_query(&self, event: Event) -> sys::fh_status_t {
        // SAFETY: handle only.
        unsafe { self.lib.fhEventQuery(event.0) }
    }

    /// (status, ms)
    pub fn event_elapsed(&self, start: Event, end: Event) -> (sys::fh_status_t, f32) {
        let mut ms = f32::NAN;
        // SAFETY: ms is a valid out pointer.
        let status = unsafe { self.lib.fhEventElapsedTime(&mut ms, start.0, end.0) };
        (status, ms)
    }

    pub fn module_load(&self, device: Device, format: sys::fh_module_format_t, data: &[u8]) -> Call<Module> {
        let mut m: sys::fh_module_t = std::ptr::null_mut();
        // SAFETY: data is valid for data.len() bytes during the call (it is copied).
        self.check("fhModuleLoadData", unsafe {
            self.lib.fhModuleLoadData(device.0, format, data.as_ptr().cast(), data.len(), &mut m)
        })?;
        Ok(Module(m))
    }

    pub fn module_unload(&self, module: Module) -> Call {
        // SAFETY: handle only.
        self.check("fhModuleUnload", unsafe { self.lib.fhModuleUnload(module.0) })
    }

    pub fn get_function(&self, module: Module, name: &str) -> Call<Function> {
        let c_name = std::ffi::CString::new(name).unwrap_or_default();
        let mut f: sys::fh_function_t = std::ptr::null_mut();
        // SAFETY: c_name is NUL-terminated and outlives the call; f is a valid out pointer.
        self.check("fhModuleGetFunction", unsafe { self.lib.fhModuleGetFunction(module.0, c_name.as_ptr(), &mut f) })?;
        Ok(Function(f))
    }

    pub fn function_attribute(&self, function: Function, attribute: sys::fh_function_attribute_t) -> Call<i32> {
        let mut v = 0i32;
        // SAFETY: v is a valid out pointer.
        self.check("fhFunctionGetAttribute", unsafe { self.lib.fhFunctionGetAttribute(&mut v, attribute, function.0) })?;
        Ok(v)
    }

    /// fhLaunchKernel; `args` is copied before the call returns.
    pub fn launch(&self, function: Function, grid: [u32; 3], block: [u32; 3], shared: u32, stream: Stream, args: &[u8]) -> Call {
        let ptr: *const c_void = if args.is_empty() { std::ptr::null() } else { args.as_ptr().cast() };
        // SAFETY: args is valid for args.len() bytes during the call; flaghal.h: copied before return.
        self.check("fhLaunchKernel", unsafe {
            self.lib.fhLaunchKernel(
                function.0, grid[0], grid[1], grid[2], block[0], block[1], block[2], shared, stream.0, ptr, args.len(),
            )
        })
    }
}
