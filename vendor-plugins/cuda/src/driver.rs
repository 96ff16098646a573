//! The part of the CUDA driver API (`libcuda.so.1`) this plugin calls,
//! declared by hand from NVIDIA's CUDA Driver API reference (no CUDA
//! toolkit, no bindgen of `cuda.h`), and opened at run time with
//! libloading: a machine without the NVIDIA driver gets a plugin with zero
//! devices and the reason, never a failure to load.
//!
//! Symbol names are the ones `cuda.h` maps its API names to (`cuMemAlloc`
//! is `cuMemAlloc_v2` since CUDA 3.2, `cuCtxPushCurrent` is
//! `cuCtxPushCurrent_v2` since 4.0, ...). Everything required is present in
//! every driver since CUDA 10.0 (cuLaunchHostFunc is the newest); two are
//! optional and looked up when present: `cuFuncGetParamInfo` (12.4) and
//! `cuEventElapsedTime_v2` (12.8), plus `cuDeviceGetUuid_v2` (11.4) with
//! `cuDeviceGetUuid` (9.2) as the fallback.
//!
//! The library is never unloaded (plugins are never unloaded either:
//! docs/abi.md, "Lifetime"), so the function pointers stay valid until the
//! process exits.

use std::ffi::{c_char, c_int, c_uint, c_void};

/// `CUresult`: an `enum` in C, 32 bits.
pub type CUresult = c_int;
/// `CUdevice`: a device ordinal.
pub type CUdevice = c_int;
/// `CUdeviceptr`: a 64-bit device address (`unsigned long long` on 64-bit hosts).
pub type CUdeviceptr = u64;
/// Opaque driver handles (`struct CUctx_st *` and friends).
pub type CUcontext = *mut c_void;
pub type CUmodule = *mut c_void;
pub type CUfunction = *mut c_void;
pub type CUstream = *mut c_void;
pub type CUevent = *mut c_void;
/// `CUhostFn`: `void (CUDA_CB *)(void *userData)`; CUDA_CB is empty on Linux.
pub type CUhostFn = Option<unsafe extern "C" fn(*mut c_void)>;
/// `CUjit_option`, an `enum`.
pub type CUjitOption = c_int;
/// `CUjitInputType`, an `enum`.
pub type CUjitInputType = c_int;
/// `CUlinkState`: an opaque linker session.
pub type CUlinkState = *mut c_void;

/// `CUuuid`: 16 bytes.
#[repr(C)]
#[derive(Clone, Copy, Default)]
pub struct CUuuid {
    pub bytes: [u8; 16],
}

pub const CUDA_SUCCESS: CUresult = 0;
pub const CUDA_ERROR_INVALID_VALUE: CUresult = 1;
pub const CUDA_ERROR_NOT_READY: CUresult = 600;

/// `CUdevice_attribute` values read by `conv::DeviceAttributes`.
pub mod attribute {
    use std::ffi::c_int;
    pub const MAX_THREADS_PER_BLOCK: c_int = 1;
    pub const MAX_BLOCK_DIM_X: c_int = 2;
    pub const MAX_BLOCK_DIM_Y: c_int = 3;
    pub const MAX_BLOCK_DIM_Z: c_int = 4;
    pub const MAX_GRID_DIM_X: c_int = 5;
    pub const MAX_GRID_DIM_Y: c_int = 6;
    pub const MAX_GRID_DIM_Z: c_int = 7;
    pub const MAX_SHARED_MEMORY_PER_BLOCK: c_int = 8;
    pub const WARP_SIZE: c_int = 10;
    pub const MULTIPROCESSOR_COUNT: c_int = 16;
    pub const COMPUTE_MODE: c_int = 20;
    pub const UNIFIED_ADDRESSING: c_int = 41;
    pub const COMPUTE_CAPABILITY_MAJOR: c_int = 75;
    pub const COMPUTE_CAPABILITY_MINOR: c_int = 76;
    pub const MAX_SHARED_MEMORY_PER_BLOCK_OPTIN: c_int = 97;
}

/// `CUfunction_attribute` values.
pub mod function_attribute {
    use std::ffi::c_int;
    pub const MAX_THREADS_PER_BLOCK: c_int = 0;
    pub const SHARED_SIZE_BYTES: c_int = 1;
    pub const NUM_REGS: c_int = 4;
    pub const MAX_DYNAMIC_SHARED_SIZE_BYTES: c_int = 8;
}

/// `CUjit_option` values for the JIT's error log (cuModuleLoadDataEx,
/// cuLinkCreate), and `CUjitInputType` for cuLinkAddData.
pub mod jit {
    use super::{CUjitInputType, CUjitOption};
    pub const ERROR_LOG_BUFFER: CUjitOption = 5;
    pub const ERROR_LOG_BUFFER_SIZE_BYTES: CUjitOption = 6;
    pub const INPUT_PTX: CUjitInputType = 1;
}

/// `CU_STREAM_NON_BLOCKING`: no implicit synchronisation with the legacy
/// default stream (FlagHAL streams are only ordered by events).
pub const CU_STREAM_NON_BLOCKING: c_uint = 0x1;
/// `CU_EVENT_DEFAULT` and `CU_EVENT_DISABLE_TIMING`.
pub const CU_EVENT_DEFAULT: c_uint = 0x0;
pub const CU_EVENT_DISABLE_TIMING: c_uint = 0x2;
/// `CU_MEMHOSTALLOC_PORTABLE`: pinned memory usable by every context.
pub const CU_MEMHOSTALLOC_PORTABLE: c_uint = 0x1;
/// `CU_LAUNCH_PARAM_*`: the markers of cuLaunchKernel's `extra` array.
pub const CU_LAUNCH_PARAM_END: usize = 0x0;
pub const CU_LAUNCH_PARAM_BUFFER_POINTER: usize = 0x1;
pub const CU_LAUNCH_PARAM_BUFFER_SIZE: usize = 0x2;
/// `CU_COMPUTEMODE_PROHIBITED`: no context may be created on the device.
pub const CU_COMPUTEMODE_PROHIBITED: c_int = 2;

/// The library's file name, as the NVIDIA driver installs it.
pub const LIBRARY: &str = "libcuda.so.1";

macro_rules! driver_api {
    (
        required { $($name:ident = $symbol:literal: fn($($arg:ty),* $(,)?);)* }
        optional { $($opt:ident = $opt_symbol:literal: fn($($opt_arg:ty),* $(,)?);)* }
    ) => {
        /// The driver's entry points (function pointers into libcuda.so.1).
        #[allow(non_snake_case)]
        #[derive(Clone, Copy)]
        pub struct Driver {
            $(pub $name: unsafe extern "C" fn($($arg),*) -> CUresult,)*
            $(pub $opt: Option<unsafe extern "C" fn($($opt_arg),*) -> CUresult>,)*
        }

        impl Driver {
            fn resolve(library: &libloading::Library) -> Result<Driver, String> {
                Ok(Driver {
                    $($name: {
                        // SAFETY: the symbol, when present, is the driver API
                        // function of that name, whose C signature is the one
                        // declared here (CUDA Driver API reference).
                        let symbol = unsafe { library.get::<unsafe extern "C" fn($($arg),*) -> CUresult>(concat!($symbol, "\0").as_bytes()) }
                            .map_err(|e| format!("{LIBRARY} has no {}: {e} (this plugin needs a driver for CUDA 10.0 or newer)", $symbol))?;
                        *symbol
                    },)*
                    $($opt: {
                        // SAFETY: as above.
                        unsafe { library.get::<unsafe extern "C" fn($($opt_arg),*) -> CUresult>(concat!($opt_symbol, "\0").as_bytes()) }
                            .ok()
                            .map(|symbol| *symbol)
                    },)*
                })
            }
        }
    };
}

driver_api! {
    required {
        cuInit = "cuInit": fn(c_uint);
        cuDriverGetVersion = "cuDriverGetVersion": fn(*mut c_int);
        cuDeviceGetCount = "cuDeviceGetCount": fn(*mut c_int);
        cuDeviceGet = "cuDeviceGet": fn(*mut CUdevice, c_int);
        cuDeviceGetName = "cuDeviceGetName": fn(*mut c_char, c_int, CUdevice);
        cuDeviceGetAttribute = "cuDeviceGetAttribute": fn(*mut c_int, c_int, CUdevice);
        cuDeviceTotalMem = "cuDeviceTotalMem_v2": fn(*mut usize, CUdevice);
        cuDeviceGetUuid = "cuDeviceGetUuid": fn(*mut CUuuid, CUdevice);
        cuDevicePrimaryCtxRetain = "cuDevicePrimaryCtxRetain": fn(*mut CUcontext, CUdevice);
        cuCtxPushCurrent = "cuCtxPushCurrent_v2": fn(CUcontext);
        cuCtxPopCurrent = "cuCtxPopCurrent_v2": fn(*mut CUcontext);
        cuCtxSynchronize = "cuCtxSynchronize": fn();
        cuMemGetInfo = "cuMemGetInfo_v2": fn(*mut usize, *mut usize);
        cuMemAlloc = "cuMemAlloc_v2": fn(*mut CUdeviceptr, usize);
        cuMemFree = "cuMemFree_v2": fn(CUdeviceptr);
        cuMemHostAlloc = "cuMemHostAlloc": fn(*mut *mut c_void, usize, c_uint);
        cuMemFreeHost = "cuMemFreeHost": fn(*mut c_void);
        cuMemcpyHtoDAsync = "cuMemcpyHtoDAsync_v2": fn(CUdeviceptr, *const c_void, usize, CUstream);
        cuMemcpyDtoHAsync = "cuMemcpyDtoHAsync_v2": fn(*mut c_void, CUdeviceptr, usize, CUstream);
        cuMemcpyDtoDAsync = "cuMemcpyDtoDAsync_v2": fn(CUdeviceptr, CUdeviceptr, usize, CUstream);
        cuMemsetD8Async = "cuMemsetD8Async": fn(CUdeviceptr, u8, usize, CUstream);
        cuMemsetD16Async = "cuMemsetD16Async": fn(CUdeviceptr, u16, usize, CUstream);
        cuMemsetD32Async = "cuMemsetD32Async": fn(CUdeviceptr, c_uint, usize, CUstream);
        cuStreamCreate = "cuStreamCreate": fn(*mut CUstream, c_uint);
        cuStreamDestroy = "cuStreamDestroy_v2": fn(CUstream);
        cuStreamSynchronize = "cuStreamSynchronize": fn(CUstream);
        cuStreamQuery = "cuStreamQuery": fn(CUstream);
        cuStreamWaitEvent = "cuStreamWaitEvent": fn(CUstream, CUevent, c_uint);
        cuLaunchHostFunc = "cuLaunchHostFunc": fn(CUstream, CUhostFn, *mut c_void);
        cuEventCreate = "cuEventCreate": fn(*mut CUevent, c_uint);
        cuEventDestroy = "cuEventDestroy_v2": fn(CUevent);
        cuEventRecord = "cuEventRecord": fn(CUevent, CUstream);
        cuEventQuery = "cuEventQuery": fn(CUevent);
        cuEventSynchronize = "cuEventSynchronize": fn(CUevent);
        cuEventElapsedTime = "cuEventElapsedTime": fn(*mut f32, CUevent, CUevent);
        cuModuleLoadDataEx = "cuModuleLoadDataEx": fn(*mut CUmodule, *const c_void, c_uint, *mut CUjitOption, *mut *mut c_void);
        cuModuleUnload = "cuModuleUnload": fn(CUmodule);
        cuLinkCreate = "cuLinkCreate_v2": fn(c_uint, *mut CUjitOption, *mut *mut c_void, *mut CUlinkState);
        cuLinkAddData = "cuLinkAddData_v2": fn(CUlinkState, CUjitInputType, *mut c_void, usize, *const c_char, c_uint, *mut CUjitOption, *mut *mut c_void);
        cuLinkComplete = "cuLinkComplete": fn(CUlinkState, *mut *mut c_void, *mut usize);
        cuLinkDestroy = "cuLinkDestroy": fn(CUlinkState);
        cuModuleGetFunction = "cuModuleGetFunction": fn(*mut CUfunction, CUmodule, *const c_char);
        cuFuncGetAttribute = "cuFuncGetAttribute": fn(*mut c_int, c_int, CUfunction);
        cuFuncSetAttribute = "cuFuncSetAttribute": fn(CUfunction, c_int, c_int);
        cuLaunchKernel = "cuLaunchKernel": fn(CUfunction, c_uint, c_uint, c_uint, c_uint, c_uint, c_uint, c_uint, CUstream, *mut *mut c_void, *mut *mut c_void);
    }
    optional {
        cuDeviceGetUuid_v2 = "cuDeviceGetUuid_v2": fn(*mut CUuuid, CUdevice);
        cuEventElapsedTime_v2 = "cuEventElapsedTime_v2": fn(*mut f32, CUevent, CUevent);
        cuFuncGetParamInfo = "cuFuncGetParamInfo": fn(CUfunction, usize, *mut usize, *mut usize);
    }
}

impl Driver {
    /// Opens libcuda.so.1 and resolves every entry point. Err(reason) means
    /// "no CUDA here": the plugin then has zero devices.
    pub fn load() -> Result<Driver, String> {
        // SAFETY: opening the NVIDIA driver library runs its initialisers,
        // which have no preconditions; it is never closed (leaked below).
        let library = unsafe { libloading::Library::new(LIBRARY) }.map_err(|e| format!("cannot load {LIBRARY}: {e}"))?;
        let driver = Driver::resolve(&library);
        std::mem::forget(library);
        driver
    }
}

/// A driver handle (context, stream, event, module, function) that may
/// cross threads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Handle(pub *mut c_void);

// SAFETY: CUDA driver handles are plain identifiers the driver validates; the
// driver API is thread-safe, so a handle may be used from any thread.
unsafe impl Send for Handle {}
// SAFETY: as above; a Handle is never written through.
unsafe impl Sync for Handle {}
