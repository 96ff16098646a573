//! libflaghal.so as a framework uses it: loaded at run time through
//! flaghal-sys's `FlagHal` table, with small safe wrappers for the calls the
//! benchmarks make and every status turned into an error with the loader's
//! detail message.

use flaghal_sys::dynamic::FlagHal;
use flaghal_sys::*;
use std::ffi::c_void;
use std::path::Path;

/// The loaded API. The library is leaked: FlagHAL libraries are never
/// unloaded while the process runs (docs/abi.md, "Lifetime").
#[derive(Clone, Copy)]
pub struct Hal {
    pub api: &'static FlagHal,
}

/// A handle that may cross threads: every FlagHAL entry point is
/// thread-safe (flaghal.h, "Threads"), so sharing handles is allowed.
#[derive(Clone, Copy)]
pub struct Shared<T>(pub T);
// SAFETY: FlagHAL handles are opaque pointers the API lets any thread use.
unsafe impl<T> Send for Shared<T> {}
// SAFETY: as above; the wrapper only hands out copies of the pointer.
unsafe impl<T> Sync for Shared<T> {}

impl<T: Copy> Shared<T> {
    /// The handle (a method, so closures capture the whole Send wrapper).
    pub fn get(self) -> T {
        self.0
    }
}

impl Hal {
    pub fn open(path: &Path) -> Result<Hal, String> {
        // SAFETY: libflaghal.so's initialisers have no preconditions; the
        // table's signatures are bindgen's, derived from flaghal.h.
        let api = unsafe { FlagHal::new(path) }.map_err(|e| format!("cannot load {}: {e}", path.display()))?;
        Ok(Hal { api: Box::leak(Box::new(api)) })
    }

    /// Ok for FH_SUCCESS, else "what: FH_ERROR_X: detail".
    pub fn check(&self, status: fh_status_t, what: &str) -> Result<(), String> {
        if status == FH_SUCCESS {
            return Ok(());
        }
        let mut buffer = vec![0 as std::ffi::c_char; 1024];
        // SAFETY: the buffer holds buffer.len() bytes; length may be NULL.
        unsafe { self.api.fhGetLastErrorMessage(buffer.as_mut_ptr(), buffer.len(), std::ptr::null_mut()) };
        let mut name: *const std::ffi::c_char = std::ptr::null();
        // SAFETY: `name` is a valid output; the string is static when set.
        let name = if unsafe { self.api.fhGetErrorName(status, &mut name) } == FH_SUCCESS {
            // SAFETY: fhGetErrorName wrote a static NUL-terminated string.
            unsafe { ptr::in_cstr(name, "name") }.map(|c| c.to_string_lossy().into_owned()).unwrap_or_default()
        } else {
            format!("status {status}")
        };
        Err(format!("{what}: {name}: {}", ptr::char_array_to_string(&buffer)))
    }

    pub fn init(&self) -> Result<(), String> {
        // SAFETY: no pointers.
        self.check(unsafe { self.api.fhInit(0) }, "fhInit")
    }

    /// Every visible device with its plugin's name, in ordinal order.
    pub fn devices(&self) -> Result<Vec<(fh_device_t, String, String)>, String> {
        let mut count = 0u32;
        // SAFETY: `count` is a valid output.
        self.check(unsafe { self.api.fhDeviceGetCount(&mut count) }, "fhDeviceGetCount")?;
        let mut out = Vec::new();
        for ordinal in 0..count {
            let mut device: fh_device_t = std::ptr::null_mut();
            // SAFETY: `device` is a valid output.
            self.check(unsafe { self.api.fhDeviceGet(ordinal, &mut device) }, "fhDeviceGet")?;
            let mut props = fh_device_properties_t { struct_size: std::mem::size_of::<fh_device_properties_t>(), ..Default::default() };
            // SAFETY: `props` is a full current-size struct with struct_size set.
            self.check(unsafe { self.api.fhDeviceGetProperties(device, &mut props) }, "fhDeviceGetProperties")?;
            out.push((device, ptr::char_array_to_string(&props.plugin_name), ptr::char_array_to_string(&props.name)));
        }
        Ok(out)
    }

    pub fn mem_alloc(&self, device: fh_device_t, size: usize) -> Result<fh_deviceptr_t, String> {
        let mut ptr = 0;
        // SAFETY: `ptr` is a valid output; `device` came from fhDeviceGet.
        self.check(unsafe { self.api.fhMemAlloc(device, size, &mut ptr) }, "fhMemAlloc")?;
        Ok(ptr)
    }

    pub fn mem_free(&self, device: fh_device_t, ptr: fh_deviceptr_t) -> Result<(), String> {
        // SAFETY: the loader/plugin validate the address.
        self.check(unsafe { self.api.fhMemFree(device, ptr) }, "fhMemFree")
    }

    pub fn htod(&self, device: fh_device_t, dst: fh_deviceptr_t, src: &[u8]) -> Result<(), String> {
        // SAFETY: `src` is readable for its length; the device range is checked by the plugin.
        self.check(unsafe { self.api.fhMemcpyHtoD(device, dst, src.as_ptr().cast(), src.len()) }, "fhMemcpyHtoD")
    }

    pub fn dtoh(&self, device: fh_device_t, dst: &mut [u8], src: fh_deviceptr_t) -> Result<(), String> {
        // SAFETY: `dst` is writable for its length.
        self.check(unsafe { self.api.fhMemcpyDtoH(device, dst.as_mut_ptr().cast(), src, dst.len()) }, "fhMemcpyDtoH")
    }

    pub fn dtod(&self, device: fh_device_t, dst: fh_deviceptr_t, src: fh_deviceptr_t, size: usize) -> Result<(), String> {
        // SAFETY: device addresses only; the plugin checks the ranges.
        self.check(unsafe { self.api.fhMemcpyDtoD(device, dst, src, size) }, "fhMemcpyDtoD")
    }

    pub fn stream_create(&self, device: fh_device_t) -> Result<fh_stream_t, String> {
        let mut stream: fh_stream_t = std::ptr::null_mut();
        // SAFETY: `stream` is a valid output.
        self.check(unsafe { self.api.fhStreamCreate(device, FH_STREAM_DEFAULT, &mut stream) }, "fhStreamCreate")?;
        Ok(stream)
    }

    pub fn stream_destroy(&self, stream: fh_stream_t) -> Result<(), String> {
        // SAFETY: a stream from stream_create, destroyed once.
        self.check(unsafe { self.api.fhStreamDestroy(stream) }, "fhStreamDestroy")
    }

    pub fn stream_synchronize(&self, stream: fh_stream_t) -> Result<(), String> {
        // SAFETY: a live stream.
        self.check(unsafe { self.api.fhStreamSynchronize(stream) }, "fhStreamSynchronize")
    }

    pub fn module_function(&self, device: fh_device_t, format: fh_module_format_t, bytes: &[u8], name: &str) -> Result<fh_function_t, String> {
        let mut module: fh_module_t = std::ptr::null_mut();
        self.check(
            // SAFETY: `bytes` is readable for its length and copied by the call.
            unsafe { self.api.fhModuleLoadData(device, format, bytes.as_ptr().cast(), bytes.len(), &mut module) },
            "fhModuleLoadData",
        )?;
        let cname = std::ffi::CString::new(name).map_err(|e| e.to_string())?;
        let mut function: fh_function_t = std::ptr::null_mut();
        // SAFETY: a live module, a NUL-terminated name, a valid output.
        self.check(unsafe { self.api.fhModuleGetFunction(module, cname.as_ptr(), &mut function) }, "fhModuleGetFunction")?;
        // The module stays loaded for the rest of the run.
        Ok(function)
    }

    /// fhLaunchKernel over a 1D grid.
    pub fn launch(&self, function: fh_function_t, grid: u32, block: u32, stream: fh_stream_t, args: &[u8]) -> Result<(), String> {
        self.launch_grid(function, [grid, 1, 1], [block, 1, 1], stream, args)
    }

    /// fhLaunchKernel over a 3D grid of 3D blocks, no dynamic shared memory.
    pub fn launch_grid(&self, function: fh_function_t, grid: [u32; 3], block: [u32; 3], stream: fh_stream_t, args: &[u8]) -> Result<(), String> {
        let ptr: *const c_void = if args.is_empty() { std::ptr::null() } else { args.as_ptr().cast() };
        let ([gx, gy, gz], [bx, by, bz]) = (grid, block);
        // SAFETY: `args` is readable for its length (copied by the call).
        self.check(
            unsafe { self.api.fhLaunchKernel(function, gx, gy, gz, bx, by, bz, 0, stream, ptr, args.len()) },
            "fhLaunchKernel",
        )
    }

    /// An event with timing enabled (needs FH_DEVICE_CAP_EVENT_TIMING).
    pub fn event_create(&self, device: fh_device_t) -> Result<fh_event_t, String> {
        let mut event: fh_event_t = std::ptr::null_mut();
        // SAFETY: `event` is a valid output.
        self.check(unsafe { self.api.fhEventCreate(device, FH_EVENT_DEFAULT, &mut event) }, "fhEventCreate")?;
        Ok(event)
    }

    pub fn event_record(&self, event: fh_event_t, stream: fh_stream_t) -> Result<(), String> {
        // SAFETY: a live event and stream of the same device.
        self.check(unsafe { self.api.fhEventRecord(event, stream) }, "fhEventRecord")
    }

    /// Milliseconds between two completed records.
    pub fn event_elapsed_ms(&self, start: fh_event_t, stop: fh_event_t) -> Result<f32, String> {
        let mut ms = 0.0f32;
        // SAFETY: `ms` is a valid output; both events are live.
        self.check(unsafe { self.api.fhEventElapsedTime(&mut ms, start, stop) }, "fhEventElapsedTime")?;
        Ok(ms)
    }

    pub fn event_destroy(&self, event: fh_event_t) -> Result<(), String> {
        // SAFETY: an event from event_create, destroyed once.
        self.check(unsafe { self.api.fhEventDestroy(event) }, "fhEventDestroy")
    }
}

/// Host memory from fhMemAllocHost ("pinned"), freed on drop.
pub struct Pinned {
    hal: Hal,
    device: fh_device_t,
    ptr: *mut u8,
    len: usize,
}

impl Pinned {
    pub fn new(hal: Hal, device: fh_device_t, len: usize) -> Result<Pinned, String> {
        let mut ptr: *mut c_void = std::ptr::null_mut();
        // SAFETY: `ptr` is a valid output.
        hal.check(unsafe { hal.api.fhMemAllocHost(device, len, &mut ptr) }, "fhMemAllocHost")?;
        if ptr.is_null() {
            return Err("fhMemAllocHost returned NULL with FH_SUCCESS".into());
        }
        // Touch every page so first-use faults are not timed as transfer.
        // SAFETY: the allocation is `len` writable bytes owned by this value.
        unsafe { std::ptr::write_bytes(ptr.cast::<u8>(), 1, len) };
        Ok(Pinned { hal, device, ptr: ptr.cast(), len })
    }

    pub fn as_slice(&self) -> &[u8] {
        // SAFETY: `len` bytes allocated by fhMemAllocHost, owned by self.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }

    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        // SAFETY: as above, borrowed mutably through &mut self.
        unsafe { std::slice::from_raw_parts_mut(self.ptr, self.len) }
    }
}

impl Drop for Pinned {
    fn drop(&mut self) {
        // SAFETY: the pointer came from fhMemAllocHost on this device.
        let _ = unsafe { self.hal.api.fhMemFreeHost(self.device, self.ptr.cast()) };
    }
}
