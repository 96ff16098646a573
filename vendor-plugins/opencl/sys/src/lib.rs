//! `flaghal-opencl-sys`: the OpenCL C API, as much of it as FlagHAL calls,
//! shared by the OpenCL plugin (`vendor-plugins/opencl`) and the raw OpenCL
//! baseline of `flaghal-bench` (`bench/src/cl_raw.rs`), so both call the
//! same declarations and neither keeps a copy. Types and constants are
//! written by hand from the Khronos headers (`CL/cl.h`, `CL/cl_ext.h`, whose
//! values are fixed by the specification); [`Cl`] is the table of entry
//! points loaded from the ICD loader at run time, and [`objects`] holds the
//! owned handles (one reference each, released on drop). There is no
//! link-time dependency on libOpenCL: without it the plugin has zero devices.
//!
//! Which library: [`Cl::load`] opens the path or file name it is given, else
//! `libOpenCL.so.1`, else `libOpenCL.so` ([`library_from_env`]: what
//! `FLAGHAL_OPENCL_LIBRARY` names, if set and non-empty). The library is
//! never closed (plugins are never unloaded, and OpenCL drivers keep
//! threads).
//!
//! The safe helpers below (`*_info` queries, strings) each wrap one call;
//! everything else is called through the table by the code that owns the
//! objects, each call with its own `SAFETY` note.

#![allow(non_camel_case_types, non_snake_case)]

use libloading::os::unix::{Library, RTLD_LOCAL, RTLD_NOW};
use std::ffi::{c_char, c_void};

pub mod objects;

pub type cl_int = i32;
pub type cl_uint = u32;
pub type cl_ulong = u64;
pub type cl_bool = u32;
pub type cl_bitfield = u64;
pub type cl_platform_id = *mut c_void;
pub type cl_device_id = *mut c_void;
pub type cl_context = *mut c_void;
pub type cl_command_queue = *mut c_void;
pub type cl_mem = *mut c_void;
pub type cl_program = *mut c_void;
pub type cl_kernel = *mut c_void;
pub type cl_event = *mut c_void;
pub type cl_context_properties = isize;
pub type cl_queue_properties = cl_bitfield;

pub const CL_SUCCESS: cl_int = 0;
pub const CL_TRUE: cl_bool = 1;
pub const CL_FALSE: cl_bool = 0;
pub const CL_BUILD_PROGRAM_FAILURE: cl_int = -11;
pub const CL_INVALID_VALUE: cl_int = -30;

// clGetPlatformInfo
pub const CL_PLATFORM_VERSION: cl_uint = 0x0901;
pub const CL_PLATFORM_NAME: cl_uint = 0x0902;
pub const CL_PLATFORM_VENDOR: cl_uint = 0x0903;

// clCreateContext
pub const CL_CONTEXT_PLATFORM: cl_context_properties = 0x1084;

// clGetDeviceIDs
pub const CL_DEVICE_TYPE_CPU: cl_bitfield = 1 << 1;
pub const CL_DEVICE_TYPE_GPU: cl_bitfield = 1 << 2;
pub const CL_DEVICE_TYPE_ACCELERATOR: cl_bitfield = 1 << 3;
pub const CL_DEVICE_TYPE_ALL: cl_bitfield = 0xFFFF_FFFF;

// clGetDeviceInfo
pub const CL_DEVICE_TYPE: cl_uint = 0x1000;
pub const CL_DEVICE_VENDOR_ID: cl_uint = 0x1001;
pub const CL_DEVICE_MAX_COMPUTE_UNITS: cl_uint = 0x1002;
pub const CL_DEVICE_MAX_WORK_GROUP_SIZE: cl_uint = 0x1004;
pub const CL_DEVICE_MAX_WORK_ITEM_SIZES: cl_uint = 0x1005;
pub const CL_DEVICE_ADDRESS_BITS: cl_uint = 0x100D;
pub const CL_DEVICE_MAX_MEM_ALLOC_SIZE: cl_uint = 0x1010;
pub const CL_DEVICE_MIN_DATA_TYPE_ALIGN_SIZE: cl_uint = 0x101A;
pub const CL_DEVICE_GLOBAL_MEM_SIZE: cl_uint = 0x101F;
pub const CL_DEVICE_LOCAL_MEM_SIZE: cl_uint = 0x1023;
pub const CL_DEVICE_PROFILING_TIMER_RESOLUTION: cl_uint = 0x1025;
pub const CL_DEVICE_AVAILABLE: cl_uint = 0x1027;
pub const CL_DEVICE_COMPILER_AVAILABLE: cl_uint = 0x1028;
pub const CL_DEVICE_NAME: cl_uint = 0x102B;
pub const CL_DEVICE_VENDOR: cl_uint = 0x102C;
pub const CL_DRIVER_VERSION: cl_uint = 0x102D;
pub const CL_DEVICE_VERSION: cl_uint = 0x102F;
pub const CL_DEVICE_EXTENSIONS: cl_uint = 0x1030;
pub const CL_DEVICE_DOUBLE_FP_CONFIG: cl_uint = 0x1032;
pub const CL_DEVICE_HALF_FP_CONFIG: cl_uint = 0x1033;
pub const CL_DEVICE_OPENCL_C_VERSION: cl_uint = 0x103D;
pub const CL_DEVICE_SVM_CAPABILITIES: cl_uint = 0x1053;
pub const CL_DEVICE_IL_VERSION: cl_uint = 0x105B;
pub const CL_DEVICE_MAX_NUM_SUB_GROUPS: cl_uint = 0x105C;
/// cl_khr_device_uuid.
pub const CL_DEVICE_UUID_KHR: cl_uint = 0x106A;
/// cl_khr_pci_bus_info: four cl_uint (domain, bus, device, function).
pub const CL_DEVICE_PCI_BUS_INFO_KHR: cl_uint = 0x410F;
/// cl_intel_required_subgroup_size: the subgroup sizes the device supports.
pub const CL_DEVICE_SUB_GROUP_SIZES_INTEL: cl_uint = 0x4108;

// cl_device_svm_capabilities
pub const CL_DEVICE_SVM_COARSE_GRAIN_BUFFER: cl_bitfield = 1 << 0;
pub const CL_DEVICE_SVM_FINE_GRAIN_BUFFER: cl_bitfield = 1 << 1;

// cl_mem_flags / cl_svm_mem_flags / cl_map_flags
pub const CL_MEM_READ_WRITE: cl_bitfield = 1 << 0;
pub const CL_MEM_READ_ONLY: cl_bitfield = 1 << 2;
pub const CL_MEM_ALLOC_HOST_PTR: cl_bitfield = 1 << 4;
pub const CL_MEM_COPY_HOST_PTR: cl_bitfield = 1 << 5;
pub const CL_MEM_SVM_FINE_GRAIN_BUFFER: cl_bitfield = 1 << 10;
pub const CL_MAP_READ: cl_bitfield = 1 << 0;
pub const CL_MAP_WRITE: cl_bitfield = 1 << 1;

// clCreateCommandQueueWithProperties
pub const CL_QUEUE_PROPERTIES: cl_queue_properties = 0x1093;
pub const CL_QUEUE_PROFILING_ENABLE: cl_queue_properties = 1 << 1;

// events
pub const CL_EVENT_COMMAND_EXECUTION_STATUS: cl_uint = 0x11D3;
pub const CL_COMPLETE: cl_int = 0x0;
pub const CL_PROFILING_COMMAND_END: cl_uint = 0x1283;

// programs and kernels
pub const CL_PROGRAM_NUM_KERNELS: cl_uint = 0x1167;
pub const CL_PROGRAM_KERNEL_NAMES: cl_uint = 0x1168;
pub const CL_PROGRAM_BUILD_LOG: cl_uint = 0x1183;
pub const CL_KERNEL_NUM_ARGS: cl_uint = 0x1191;
pub const CL_KERNEL_ARG_ADDRESS_QUALIFIER: cl_uint = 0x1196;
pub const CL_KERNEL_ARG_ADDRESS_GLOBAL: cl_uint = 0x119B;
pub const CL_KERNEL_ARG_ADDRESS_LOCAL: cl_uint = 0x119C;
pub const CL_KERNEL_ARG_ADDRESS_PRIVATE: cl_uint = 0x119E;
pub const CL_KERNEL_WORK_GROUP_SIZE: cl_uint = 0x11B0;
pub const CL_KERNEL_COMPILE_WORK_GROUP_SIZE: cl_uint = 0x11B1;
pub const CL_KERNEL_LOCAL_MEM_SIZE: cl_uint = 0x11B2;
pub const CL_KERNEL_PRIVATE_MEM_SIZE: cl_uint = 0x11B4;
pub const CL_KERNEL_EXEC_INFO_SVM_PTRS: cl_uint = 0x11B6;

/// The ICD dispatch table (Khronos `CL/cl_icd.h`, `struct _cl_icd_dispatch`):
/// every object of an ICD driver starts with a pointer to the driver's
/// table of entry points, and the ICD loader's exported functions jump
/// through it. The position of clGetEventInfo in that table.
pub const ICD_DISPATCH_GET_EVENT_INFO: usize = 42;

/// clGetEventInfo's type.
pub type GetEventInfo = unsafe extern "C" fn(cl_event, cl_uint, usize, *mut c_void, *mut usize) -> cl_int;

/// The driver's own clGetEventInfo for `event`, read from the ICD dispatch
/// table the event starts with (what the ICD loader's trampoline calls);
/// None where a pointer on the way is NULL.
///
/// # Safety
/// `event` is a live event created through an ICD loader (so its first
/// word points to a dispatch table of at least 43 entries).
pub unsafe fn driver_get_event_info(event: cl_event) -> Option<GetEventInfo> {
    if event.is_null() {
        return None;
    }
    // SAFETY: a live ICD object starts with its dispatch table pointer.
    let table = unsafe { *event.cast::<*const Option<GetEventInfo>>() };
    if table.is_null() {
        return None;
    }
    // SAFETY: the table has the cl_icd.h layout, so this entry is
    // clGetEventInfo (or NULL, which the Option reads as None).
    unsafe { *table.add(ICD_DISPATCH_GET_EVENT_INFO) }
}

/// A wait list: count and pointer, as every clEnqueue* call takes it.
pub type WaitList = (cl_uint, *const cl_event);

macro_rules! cl_table {
    ($( $name:ident : fn($($arg:ty),* $(,)?) -> $ret:ty; )*) => {
        /// The OpenCL entry points, resolved from the ICD loader. Every
        /// function is thread-safe (OpenCL 2.x, "Shared OpenCL Objects")
        /// except clSetKernelArg / clSetKernelExecInfo on one kernel, which
        /// `module.rs` serialises.
        pub struct Cl {
            $(pub $name: unsafe extern "C" fn($($arg),*) -> $ret,)*
            /// OpenCL 2.1: absent from older ICD loaders (then no SPIR-V modules).
            pub clCreateProgramWithIL: Option<unsafe extern "C" fn(cl_context, *const c_void, usize, *mut cl_int) -> cl_program>,
            /// Where the table came from, for the log.
            pub library: String,
        }

        impl Cl {
            fn resolve(library: &Library, name: String) -> Result<Cl, String> {
                Ok(Cl {
                    $($name: {
                        // SAFETY: the symbol, if present, has the type the
                        // OpenCL specification gives it (declared above).
                        let symbol = unsafe { library.get::<unsafe extern "C" fn($($arg),*) -> $ret>(concat!(stringify!($name), "\0").as_bytes()) };
                        *symbol.map_err(|_| format!("{name} has no {} (an OpenCL 1.x ICD loader?)", stringify!($name)))?
                    },)*
                    clCreateProgramWithIL: {
                        // SAFETY: as above; absence is allowed.
                        let symbol = unsafe { library.get::<unsafe extern "C" fn(cl_context, *const c_void, usize, *mut cl_int) -> cl_program>(b"clCreateProgramWithIL\0") };
                        symbol.ok().map(|s| *s)
                    },
                    library: name,
                })
            }
        }
    };
}

type Notify = Option<unsafe extern "C" fn(*const c_char, *const c_void, usize, *mut c_void)>;
type BuildNotify = Option<unsafe extern "C" fn(cl_program, *mut c_void)>;
type SvmFreeNotify = Option<unsafe extern "C" fn(cl_command_queue, cl_uint, *mut *mut c_void, *mut c_void)>;

cl_table! {
    clGetPlatformIDs: fn(cl_uint, *mut cl_platform_id, *mut cl_uint) -> cl_int;
    clGetPlatformInfo: fn(cl_platform_id, cl_uint, usize, *mut c_void, *mut usize) -> cl_int;
    clGetDeviceIDs: fn(cl_platform_id, cl_bitfield, cl_uint, *mut cl_device_id, *mut cl_uint) -> cl_int;
    clGetDeviceInfo: fn(cl_device_id, cl_uint, usize, *mut c_void, *mut usize) -> cl_int;
    clCreateContext: fn(*const cl_context_properties, cl_uint, *const cl_device_id, Notify, *mut c_void, *mut cl_int) -> cl_context;
    clReleaseContext: fn(cl_context) -> cl_int;
    clCreateCommandQueueWithProperties: fn(cl_context, cl_device_id, *const cl_queue_properties, *mut cl_int) -> cl_command_queue;
    clReleaseCommandQueue: fn(cl_command_queue) -> cl_int;
    clFlush: fn(cl_command_queue) -> cl_int;
    clFinish: fn(cl_command_queue) -> cl_int;
    clSVMAlloc: fn(cl_context, cl_bitfield, usize, cl_uint) -> *mut c_void;
    clSVMFree: fn(cl_context, *mut c_void) -> ();
    clEnqueueSVMMemcpy: fn(cl_command_queue, cl_bool, *mut c_void, *const c_void, usize, cl_uint, *const cl_event, *mut cl_event) -> cl_int;
    clEnqueueSVMMemFill: fn(cl_command_queue, *mut c_void, *const c_void, usize, usize, cl_uint, *const cl_event, *mut cl_event) -> cl_int;
    clEnqueueSVMFree: fn(cl_command_queue, cl_uint, *mut *mut c_void, SvmFreeNotify, *mut c_void, cl_uint, *const cl_event, *mut cl_event) -> cl_int;
    clEnqueueMarkerWithWaitList: fn(cl_command_queue, cl_uint, *const cl_event, *mut cl_event) -> cl_int;
    clEnqueueBarrierWithWaitList: fn(cl_command_queue, cl_uint, *const cl_event, *mut cl_event) -> cl_int;
    clCreateUserEvent: fn(cl_context, *mut cl_int) -> cl_event;
    clSetUserEventStatus: fn(cl_event, cl_int) -> cl_int;
    clGetEventInfo: fn(cl_event, cl_uint, usize, *mut c_void, *mut usize) -> cl_int;
    clGetEventProfilingInfo: fn(cl_event, cl_uint, usize, *mut c_void, *mut usize) -> cl_int;
    clWaitForEvents: fn(cl_uint, *const cl_event) -> cl_int;
    clRetainEvent: fn(cl_event) -> cl_int;
    clReleaseEvent: fn(cl_event) -> cl_int;
    clCreateBuffer: fn(cl_context, cl_bitfield, usize, *mut c_void, *mut cl_int) -> cl_mem;
    clReleaseMemObject: fn(cl_mem) -> cl_int;
    clEnqueueMapBuffer: fn(cl_command_queue, cl_mem, cl_bool, cl_bitfield, usize, usize, cl_uint, *const cl_event, *mut cl_event, *mut cl_int) -> *mut c_void;
    clEnqueueUnmapMemObject: fn(cl_command_queue, cl_mem, *mut c_void, cl_uint, *const cl_event, *mut cl_event) -> cl_int;
    clCreateProgramWithSource: fn(cl_context, cl_uint, *const *const c_char, *const usize, *mut cl_int) -> cl_program;
    clBuildProgram: fn(cl_program, cl_uint, *const cl_device_id, *const c_char, BuildNotify, *mut c_void) -> cl_int;
    clCompileProgram: fn(cl_program, cl_uint, *const cl_device_id, *const c_char, cl_uint, *const cl_program, *const *const c_char, BuildNotify, *mut c_void) -> cl_int;
    clLinkProgram: fn(cl_context, cl_uint, *const cl_device_id, *const c_char, cl_uint, *const cl_program, BuildNotify, *mut c_void, *mut cl_int) -> cl_program;
    clGetProgramInfo: fn(cl_program, cl_uint, usize, *mut c_void, *mut usize) -> cl_int;
    clGetProgramBuildInfo: fn(cl_program, cl_device_id, cl_uint, usize, *mut c_void, *mut usize) -> cl_int;
    clReleaseProgram: fn(cl_program) -> cl_int;
    clCreateKernel: fn(cl_program, *const c_char, *mut cl_int) -> cl_kernel;
    clGetKernelInfo: fn(cl_kernel, cl_uint, usize, *mut c_void, *mut usize) -> cl_int;
    clGetKernelArgInfo: fn(cl_kernel, cl_uint, cl_uint, usize, *mut c_void, *mut usize) -> cl_int;
    clGetKernelWorkGroupInfo: fn(cl_kernel, cl_device_id, cl_uint, usize, *mut c_void, *mut usize) -> cl_int;
    clReleaseKernel: fn(cl_kernel) -> cl_int;
    clSetKernelArg: fn(cl_kernel, cl_uint, usize, *const c_void) -> cl_int;
    clSetKernelExecInfo: fn(cl_kernel, cl_uint, usize, *const c_void) -> cl_int;
    clEnqueueNDRangeKernel: fn(cl_command_queue, cl_kernel, cl_uint, *const usize, *const usize, *const usize, cl_uint, *const cl_event, *mut cl_event) -> cl_int;
}

/// The library names tried, in order, when `FLAGHAL_OPENCL_LIBRARY` is unset.
pub const DEFAULT_LIBRARIES: [&str; 2] = ["libOpenCL.so.1", "libOpenCL.so"];

/// `FLAGHAL_OPENCL_LIBRARY` when set and non-empty: the library to open
/// instead of the defaults (the plugin and the bench's raw side both read
/// it, so they open the same OpenCL).
pub fn library_from_env() -> Option<String> {
    std::env::var("FLAGHAL_OPENCL_LIBRARY").ok().filter(|v| !v.is_empty())
}

/// The queries take OpenCL handles (platform, device, program, kernel and
/// event ids) and hand them to the driver unread; the contract is the
/// entry points' own: a handle is one this table's library returned and
/// that is still alive (an ICD loader reads its dispatch table through it).
/// They stay safe functions, as they were while the plugin alone called
/// them, so clippy's `not_unsafe_ptr_arg_deref` is allowed here: the only
/// callers (the plugin, flaghal-bench's raw baseline) pass handles they hold.
#[allow(clippy::not_unsafe_ptr_arg_deref)]
impl Cl {
    /// Opens the ICD loader and resolves every entry point. `Err` is the
    /// reason there are no devices, for the log.
    pub fn load(override_path: Option<&str>) -> Result<Cl, String> {
        let candidates: Vec<&str> = match override_path {
            Some(path) => vec![path],
            None => DEFAULT_LIBRARIES.to_vec(),
        };
        let mut failures = Vec::new();
        for name in candidates {
            // SAFETY: opening the ICD loader runs its initialisers, which is
            // what loading OpenCL means; the library is never closed (leaked
            // below), so the entry points stay valid until the process exits.
            match unsafe { Library::open(Some(name), RTLD_NOW | RTLD_LOCAL) } {
                Ok(library) => {
                    let table = Cl::resolve(&library, name.to_string());
                    std::mem::forget(library);
                    return table;
                }
                Err(e) => failures.push(format!("{name}: {e}")),
            }
        }
        Err(format!("cannot load the OpenCL ICD loader ({})", failures.join("; ")))
    }

    /// Every platform (none is `Ok(empty)`; ocl-icd answers
    /// CL_PLATFORM_NOT_FOUND_KHR (-1001) when it finds no ICD).
    pub fn platforms(&self) -> Result<Vec<cl_platform_id>, cl_int> {
        let mut count: cl_uint = 0;
        // SAFETY: a count query with no output array.
        let rc = unsafe { (self.clGetPlatformIDs)(0, std::ptr::null_mut(), &mut count) };
        if rc != CL_SUCCESS {
            return Err(rc);
        }
        let mut ids = vec![std::ptr::null_mut(); count as usize];
        if count > 0 {
            // SAFETY: `ids` holds `count` entries.
            let rc = unsafe { (self.clGetPlatformIDs)(count, ids.as_mut_ptr(), std::ptr::null_mut()) };
            if rc != CL_SUCCESS {
                return Err(rc);
            }
        }
        Ok(ids)
    }

    /// Every device of `platform` (none is `Ok(empty)`).
    pub fn devices(&self, platform: cl_platform_id) -> Result<Vec<cl_device_id>, cl_int> {
        let mut count: cl_uint = 0;
        // SAFETY: a count query with no output array, on a platform the ICD gave.
        let rc = unsafe { (self.clGetDeviceIDs)(platform, CL_DEVICE_TYPE_ALL, 0, std::ptr::null_mut(), &mut count) };
        if rc == -1 {
            return Ok(Vec::new()); // CL_DEVICE_NOT_FOUND
        }
        if rc != CL_SUCCESS {
            return Err(rc);
        }
        let mut ids = vec![std::ptr::null_mut(); count as usize];
        // SAFETY: `ids` holds `count` entries.
        let rc = unsafe { (self.clGetDeviceIDs)(platform, CL_DEVICE_TYPE_ALL, count, ids.as_mut_ptr(), std::ptr::null_mut()) };
        if rc != CL_SUCCESS {
            return Err(rc);
        }
        Ok(ids)
    }

    /// The raw bytes of a platform info parameter.
    pub fn platform_info(&self, platform: cl_platform_id, param: cl_uint) -> Result<Vec<u8>, cl_int> {
        query_bytes(|size, value, size_ret| {
            // SAFETY: `value` is NULL or holds `size` bytes (query_bytes).
            unsafe { (self.clGetPlatformInfo)(platform, param, size, value, size_ret) }
        })
    }

    /// The raw bytes of a device info parameter.
    pub fn device_info(&self, device: cl_device_id, param: cl_uint) -> Result<Vec<u8>, cl_int> {
        query_bytes(|size, value, size_ret| {
            // SAFETY: `value` is NULL or holds `size` bytes (query_bytes).
            unsafe { (self.clGetDeviceInfo)(device, param, size, value, size_ret) }
        })
    }

    pub fn program_info(&self, program: cl_program, param: cl_uint) -> Result<Vec<u8>, cl_int> {
        query_bytes(|size, value, size_ret| {
            // SAFETY: `value` is NULL or holds `size` bytes (query_bytes).
            unsafe { (self.clGetProgramInfo)(program, param, size, value, size_ret) }
        })
    }

    pub fn program_build_info(&self, program: cl_program, device: cl_device_id, param: cl_uint) -> Result<Vec<u8>, cl_int> {
        query_bytes(|size, value, size_ret| {
            // SAFETY: `value` is NULL or holds `size` bytes (query_bytes).
            unsafe { (self.clGetProgramBuildInfo)(program, device, param, size, value, size_ret) }
        })
    }

    pub fn kernel_info(&self, kernel: cl_kernel, param: cl_uint) -> Result<Vec<u8>, cl_int> {
        query_bytes(|size, value, size_ret| {
            // SAFETY: `value` is NULL or holds `size` bytes (query_bytes).
            unsafe { (self.clGetKernelInfo)(kernel, param, size, value, size_ret) }
        })
    }

    pub fn kernel_arg_info(&self, kernel: cl_kernel, index: cl_uint, param: cl_uint) -> Result<Vec<u8>, cl_int> {
        query_bytes(|size, value, size_ret| {
            // SAFETY: `value` is NULL or holds `size` bytes (query_bytes).
            unsafe { (self.clGetKernelArgInfo)(kernel, index, param, size, value, size_ret) }
        })
    }

    pub fn kernel_work_group_info(&self, kernel: cl_kernel, device: cl_device_id, param: cl_uint) -> Result<Vec<u8>, cl_int> {
        query_bytes(|size, value, size_ret| {
            // SAFETY: `value` is NULL or holds `size` bytes (query_bytes).
            unsafe { (self.clGetKernelWorkGroupInfo)(kernel, device, param, size, value, size_ret) }
        })
    }

    pub fn event_info(&self, event: cl_event, param: cl_uint) -> Result<Vec<u8>, cl_int> {
        query_bytes(|size, value, size_ret| {
            // SAFETY: `value` is NULL or holds `size` bytes (query_bytes).
            unsafe { (self.clGetEventInfo)(event, param, size, value, size_ret) }
        })
    }

    pub fn event_profiling_info(&self, event: cl_event, param: cl_uint) -> Result<Vec<u8>, cl_int> {
        query_bytes(|size, value, size_ret| {
            // SAFETY: `value` is NULL or holds `size` bytes (query_bytes).
            unsafe { (self.clGetEventProfilingInfo)(event, param, size, value, size_ret) }
        })
    }
}

/// The two-call idiom of every clGet*Info: the size, then the bytes.
/// `call(size, value, size_ret)` is one clGet*Info call.
fn query_bytes(mut call: impl FnMut(usize, *mut c_void, *mut usize) -> cl_int) -> Result<Vec<u8>, cl_int> {
    let mut size = 0usize;
    let rc = call(0, std::ptr::null_mut(), &mut size);
    if rc != CL_SUCCESS {
        return Err(rc);
    }
    let mut bytes = vec![0u8; size];
    if size > 0 {
        let rc = call(size, bytes.as_mut_ptr().cast(), std::ptr::null_mut());
        if rc != CL_SUCCESS {
            return Err(rc);
        }
    }
    Ok(bytes)
}

/// A status code, or the first `N` bytes of a query read as a little
/// number: the scalar parameters (cl_uint, cl_ulong, size_t, cl_bitfield).
pub fn scalar(bytes: Result<Vec<u8>, cl_int>) -> Result<u64, cl_int> {
    let bytes = bytes?;
    let mut word = [0u8; 8];
    let n = bytes.len().min(8);
    word[..n].copy_from_slice(&bytes[..n]);
    Ok(u64::from_ne_bytes(word))
}

/// A string parameter without its NUL (lossy UTF-8).
pub fn text(bytes: Result<Vec<u8>, cl_int>) -> Result<String, cl_int> {
    let bytes = bytes?;
    let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
    Ok(String::from_utf8_lossy(&bytes[..end]).trim().to_string())
}

/// An array of size_t.
pub fn sizes(bytes: Result<Vec<u8>, cl_int>) -> Result<Vec<u64>, cl_int> {
    Ok(bytes?.chunks_exact(std::mem::size_of::<usize>()).map(|c| {
        let mut word = [0u8; std::mem::size_of::<usize>()];
        word.copy_from_slice(c);
        usize::from_ne_bytes(word) as u64
    }).collect())
}
