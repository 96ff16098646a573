//! Modules and kernels: FH_MODULE_FORMAT_OPENCL_C (clCreateProgramWithSource)
//! and FH_MODULE_FORMAT_OPENCL_SPIRV (clCreateProgramWithIL, where the device
//! takes IL), under the FlagHAL OpenCL convention (docs/kernels.md):
//!
//! - an OpenCL C image is one or more NUL-terminated translation units: one
//!   is built with clBuildProgram, several are compiled apart
//!   (clCompileProgram) and linked (clLinkProgram), with `-cl-std=` the
//!   device's OpenCL C version;
//! - argument 0, `__global const uchar *args`: a read-only buffer with a
//!   copy of the blob, 16-byte aligned (buffers are aligned to
//!   CL_DEVICE_MEM_BASE_ADDR_ALIGN, at least 128 bytes) and zero-padded to
//!   a multiple of 16; it is released right after the enqueue and OpenCL
//!   keeps it until the kernel has finished;
//! - argument 1 (when CL_KERNEL_NUM_ARGS is 2 or 3), `__local uchar *`:
//!   `shared_mem_bytes` rounded up to 16, at least 16; argument 2 (when it
//!   is 3), `uint`: that size;
//! - block = local work size, grid = global / local (always three dimensions);
//! - every live allocation of the device is passed with
//!   clSetKernelExecInfo(CL_KERNEL_EXEC_INFO_SVM_PTRS), so device addresses
//!   inside the blob are valid in the kernel.
//!
//! Building: a failure is FH_ERROR_INVALID_IMAGE with the build log in the
//! detail message; a module without kernels, or with a kernel whose
//! parameters are not the convention's, is refused the same way.
//!
//! Setting a kernel's arguments is not thread-safe per cl_kernel: a launch
//! holds the function's lock from the first clSetKernelArg to the enqueue
//! (OpenCL captures the arguments at enqueue).
//!
//! Ownership: `Box<Module>` is `fhp_module_t`; it owns `Arc<Function>`s, each
//! with its cl_kernel, which holds OpenCL's reference to the program.
//! OpenCL retains a kernel for every enqueued command, so a module unloaded
//! with launches queued stays alive until they complete.

use crate::cl;
use crate::conv;
use crate::device::Device;
use crate::error::{check, invalid_configuration, invalid_image, invalid_value};
use crate::objects::{ClKernel, ClMem, ClProgram};
use crate::stream::Stream;
use flaghal_sys::{self as sys, FfiError, FfiResult};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::ffi::{c_void, CString};
use std::sync::Arc;

/// How much of a build log goes into a detail message.
const BUILD_LOG_LIMIT: usize = 8192;

pub struct Module {
    functions: HashMap<String, Arc<Function>>,
}

pub struct Function {
    pub device: &'static Device,
    pub name: String,
    /// The cl_kernel, locked from setting arguments to the enqueue.
    kernel: Mutex<ClKernel>,
    /// CL_KERNEL_NUM_ARGS: 1; 2 with dynamic local memory; 3 with its size too.
    pub num_args: u32,
    /// CL_KERNEL_WORK_GROUP_SIZE (or the required size's product).
    pub max_threads: u32,
    /// reqd_work_group_size, if the kernel fixes one.
    pub fixed_block: Option<[u32; 3]>,
    /// CL_KERNEL_LOCAL_MEM_SIZE before any local argument: static __local.
    pub static_local: u64,
}

impl Module {
    pub fn load(device: &'static Device, format: sys::fh_module_format_t, bytes: &[u8]) -> FfiResult<Module> {
        let program = match format {
            sys::FH_MODULE_FORMAT_OPENCL_C => from_source(device, bytes)?,
            sys::FH_MODULE_FORMAT_OPENCL_SPIRV if device.props.module_formats[..device.props.module_format_count as usize].contains(&format) => {
                let program = from_spirv(device, bytes)?;
                build(device, &program, c"")?;
                program
            }
            other => {
                return Err(FfiError::new(
                    sys::FH_ERROR_NOT_SUPPORTED,
                    format!("module format {other} is not supported by this device (see its module_formats)"),
                ))
            }
        };
        let names = cl::text(device.cl.program_info(program.raw, cl::CL_PROGRAM_KERNEL_NAMES))
            .map_err(|rc| crate::error::cl_error("clGetProgramInfo(CL_PROGRAM_KERNEL_NAMES)", rc))?;
        let names = conv::kernel_names(&names);
        if names.is_empty() {
            return Err(invalid_image("the module defines no __kernel function"));
        }
        let mut functions = HashMap::new();
        for name in names {
            let function = Function::new(device, &program, &name)?;
            functions.insert(name, Arc::new(function));
        }
        Ok(Module { functions })
    }

    /// The function named `name` (the same handle on every lookup).
    pub fn function(&self, name: &str) -> FfiResult<Arc<Function>> {
        self.functions.get(name).cloned().ok_or_else(|| {
            let mut known: Vec<&str> = self.functions.keys().map(String::as_str).collect();
            known.sort();
            FfiError::new(sys::FH_ERROR_NOT_FOUND, format!("no kernel \"{name}\" in the module (kernels: {})", known.join(", ")))
        })
    }
}

fn created(device: &Device, operation: &str, raw: cl::cl_program, rc: cl::cl_int) -> FfiResult<ClProgram> {
    if rc != cl::CL_SUCCESS || raw.is_null() {
        let mut error = crate::error::cl_error(operation, rc);
        if error.status == sys::FH_ERROR_INVALID_VALUE {
            error.status = sys::FH_ERROR_INVALID_IMAGE; // malformed bytes
        }
        return Err(error);
    }
    Ok(ClProgram::own(device.cl, raw))
}

/// An OpenCL C image, built: one translation unit with clBuildProgram,
/// several compiled apart and linked.
fn from_source(device: &Device, bytes: &[u8]) -> FfiResult<ClProgram> {
    let units = conv::translation_units(bytes).map_err(invalid_image)?;
    let mut programs = Vec::with_capacity(units.len());
    for text in &units {
        let strings = [text.as_ptr().cast::<std::ffi::c_char>()];
        let lengths = [text.len()];
        let mut rc = cl::CL_SUCCESS;
        // SAFETY: a live context; one string of the given length (no NUL needed).
        let raw = unsafe { (device.cl.clCreateProgramWithSource)(device.context.raw, 1, strings.as_ptr(), lengths.as_ptr(), &mut rc) };
        programs.push(created(device, "clCreateProgramWithSource", raw, rc)?);
    }
    if programs.len() == 1 {
        let program = programs.pop().expect("one unit");
        build(device, &program, &device.build_options)?;
        return Ok(program);
    }
    let id = device.id.0;
    for (index, program) in programs.iter().enumerate() {
        // SAFETY: a live program of this context; one device of it; options
        // NUL-terminated; no headers; synchronous (no callback).
        let rc = unsafe {
            (device.cl.clCompileProgram)(program.raw, 1, &id, device.build_options.as_ptr(), 0, std::ptr::null(), std::ptr::null(), None, std::ptr::null_mut())
        };
        if rc != cl::CL_SUCCESS {
            return Err(build_failure(device, program.raw, &format!("clCompileProgram of translation unit {index} of {}", programs.len()), rc));
        }
    }
    let raw: Vec<cl::cl_program> = programs.iter().map(|p| p.raw).collect();
    let mut rc = cl::CL_SUCCESS;
    // SAFETY: a live context; compiled programs of it (kept alive by
    // `programs`); empty options; synchronous.
    let linked = unsafe { (device.cl.clLinkProgram)(device.context.raw, 1, &id, c"".as_ptr(), raw.len() as cl::cl_uint, raw.as_ptr(), None, std::ptr::null_mut(), &mut rc) };
    if rc != cl::CL_SUCCESS {
        let error = build_failure(device, linked, &format!("clLinkProgram of {} translation units", raw.len()), rc);
        if !linked.is_null() {
            drop(ClProgram::own(device.cl, linked));
        }
        return Err(error);
    }
    created(device, "clLinkProgram", linked, rc)
}

fn from_spirv(device: &Device, bytes: &[u8]) -> FfiResult<ClProgram> {
    conv::spirv_header(bytes).map_err(invalid_image)?;
    let create = device.cl.clCreateProgramWithIL.ok_or_else(|| {
        FfiError::new(sys::FH_ERROR_NOT_SUPPORTED, "the OpenCL ICD loader has no clCreateProgramWithIL (OpenCL 2.1)")
    })?;
    let mut rc = cl::CL_SUCCESS;
    // SAFETY: a live context; `bytes` is readable for its length (copied by OpenCL).
    let raw = unsafe { create(device.context.raw, bytes.as_ptr().cast(), bytes.len(), &mut rc) };
    created(device, "clCreateProgramWithIL", raw, rc)
}

/// clBuildProgram for the device; a failure carries the build log.
fn build(device: &Device, program: &ClProgram, options: &std::ffi::CStr) -> FfiResult {
    let id = device.id.0;
    // SAFETY: a live program of this context; one device of it; options
    // NUL-terminated; synchronous (no callback).
    let rc = unsafe { (device.cl.clBuildProgram)(program.raw, 1, &id, options.as_ptr(), None, std::ptr::null_mut()) };
    if rc == cl::CL_SUCCESS {
        return Ok(());
    }
    Err(build_failure(device, program.raw, "clBuildProgram", rc))
}

/// FH_ERROR_INVALID_IMAGE for a failed compile, link or build of
/// `program` (which may be NULL after a failed link), with its build log.
fn build_failure(device: &Device, program: cl::cl_program, operation: &str, rc: cl::cl_int) -> FfiError {
    let log = if program.is_null() {
        String::new()
    } else {
        cl::text(device.cl.program_build_info(program, device.id.0, cl::CL_PROGRAM_BUILD_LOG)).unwrap_or_default()
    };
    let log = if log.is_empty() { "(empty)".to_string() } else { conv::trim_log(&log, BUILD_LOG_LIMIT) };
    let mut error = crate::error::cl_error(operation, rc);
    if error.status != sys::FH_ERROR_OUT_OF_MEMORY {
        error.status = sys::FH_ERROR_INVALID_IMAGE;
    }
    error.message = format!("{}; build log:\n{log}", error.message);
    error
}

fn kernel_scalar(device: &Device, kernel: &ClKernel, param: cl::cl_uint, what: &str) -> FfiResult<u64> {
    cl::scalar(device.cl.kernel_work_group_info(kernel.raw, device.id.0, param)).map_err(|rc| crate::error::cl_error(what, rc))
}

impl Function {
    fn new(device: &'static Device, program: &ClProgram, name: &str) -> FfiResult<Function> {
        let c_name = CString::new(name).map_err(|_| invalid_image("a kernel name contains NUL"))?;
        let mut rc = cl::CL_SUCCESS;
        // SAFETY: a built program; a NUL-terminated name it lists.
        let raw = unsafe { (device.cl.clCreateKernel)(program.raw, c_name.as_ptr(), &mut rc) };
        check(&format!("clCreateKernel(\"{name}\")"), rc)?;
        let kernel = ClKernel::own(device.cl, raw);
        let num_args = cl::scalar(device.cl.kernel_info(kernel.raw, cl::CL_KERNEL_NUM_ARGS))
            .map_err(|rc| crate::error::cl_error("clGetKernelInfo(CL_KERNEL_NUM_ARGS)", rc))? as u32;
        let convention = "the FlagHAL OpenCL convention is (__global const uchar *args[, __local uchar *shared[, uint shared_bytes]])";
        if !(1..=conv::MAX_KERNEL_PARAMS).contains(&num_args) {
            return Err(invalid_image(format!("kernel \"{name}\" takes {num_args} parameters; {convention}")));
        }
        // Address qualifiers, where the build kept argument info.
        let expected = [
            (cl::CL_KERNEL_ARG_ADDRESS_GLOBAL, "__global"),
            (cl::CL_KERNEL_ARG_ADDRESS_LOCAL, "__local"),
            (cl::CL_KERNEL_ARG_ADDRESS_PRIVATE, "a value (uint)"),
        ];
        for (index, (want, kind)) in expected.iter().enumerate().take(num_args as usize) {
            if let Ok(qualifier) = cl::scalar(device.cl.kernel_arg_info(kernel.raw, index as u32, cl::CL_KERNEL_ARG_ADDRESS_QUALIFIER)) {
                if qualifier as u32 != *want {
                    return Err(invalid_image(format!("kernel \"{name}\": parameter {index} is not {kind}; {convention}")));
                }
            }
        }
        let group = kernel_scalar(device, &kernel, cl::CL_KERNEL_WORK_GROUP_SIZE, "clGetKernelWorkGroupInfo(CL_KERNEL_WORK_GROUP_SIZE)")?;
        let compile = cl::sizes(device.cl.kernel_work_group_info(kernel.raw, device.id.0, cl::CL_KERNEL_COMPILE_WORK_GROUP_SIZE)).unwrap_or_default();
        let fixed_block = (compile.len() == 3 && compile.iter().any(|s| *s != 0))
            .then(|| [compile[0] as u32, compile[1] as u32, compile[2] as u32]);
        let static_local = kernel_scalar(device, &kernel, cl::CL_KERNEL_LOCAL_MEM_SIZE, "clGetKernelWorkGroupInfo(CL_KERNEL_LOCAL_MEM_SIZE)")?;
        let device_max = device.props.max_threads_per_block;
        let max_threads = match fixed_block {
            Some(b) => b.iter().map(|d| u64::from(*d)).product::<u64>(),
            None => group,
        }
        .min(u64::from(device_max)) as u32;
        Ok(Function { device, name: name.to_string(), kernel: Mutex::new(kernel), num_args, max_threads, fixed_block, static_local })
    }

    pub fn max_dynamic_local(&self) -> u32 {
        self.device.props.max_shared_memory_per_block.saturating_sub(self.static_local.min(u64::from(u32::MAX)) as u32)
    }

    /// fhFunctionGetAttribute.
    pub fn attribute(&self, attribute: sys::fh_function_attribute_t) -> FfiResult<i32> {
        let value = match attribute {
            sys::FH_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK => self.max_threads,
            sys::FH_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES => self.static_local.min(u64::from(u32::MAX)) as u32,
            sys::FH_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES => self.max_dynamic_local(),
            // OpenCL reports private memory in bytes, not registers.
            sys::FH_FUNC_ATTRIBUTE_NUM_REGS => 0,
            other => return Err(invalid_value(format!("unknown function attribute {other}"))),
        };
        Ok(value.min(i32::MAX as u32) as i32)
    }

    /// fhLaunchKernel: checks the kernel's own limits (the SDK checked the
    /// device's), then sets the arguments and queues it.
    pub fn launch(self: &Arc<Self>, params: &sys::fh_plugin_launch_params_t, args: &[u8], stream: &Stream) -> FfiResult {
        let device = self.device;
        let cl = device.cl;
        let (grid, block) = (params.grid, params.block);
        if let Some(fixed) = self.fixed_block {
            if block != fixed {
                return Err(invalid_configuration(format!(
                    "kernel \"{}\" requires work groups of {fixed:?} (reqd_work_group_size); launched with {block:?}",
                    self.name
                )));
            }
        }
        let threads = block.iter().map(|&b| u64::from(b)).product::<u64>();
        if threads > u64::from(self.max_threads) {
            return Err(invalid_configuration(format!(
                "block {block:?} exceeds kernel \"{}\"'s limit of {} work-items (CL_KERNEL_WORK_GROUP_SIZE)",
                self.name, self.max_threads
            )));
        }
        if params.shared_mem_bytes > self.max_dynamic_local() {
            return Err(invalid_configuration(format!(
                "{} bytes of dynamic shared memory exceed kernel \"{}\"'s limit of {}",
                params.shared_mem_bytes,
                self.name,
                self.max_dynamic_local()
            )));
        }
        let global = conv::global_size(grid, block).ok_or_else(|| invalid_configuration(format!("grid {grid:?} of blocks {block:?} overflows size_t")))?;
        let local = block.map(|b| b as usize);

        let mut blob = args.to_vec();
        blob.resize(conv::blob_copy_len(args.len()), 0);
        let mut rc = cl::CL_SUCCESS;
        // SAFETY: a live context; `blob` is readable for its length and
        // copied into the buffer by CL_MEM_COPY_HOST_PTR before return.
        let raw = unsafe {
            (cl.clCreateBuffer)(device.context.raw, cl::CL_MEM_READ_ONLY | cl::CL_MEM_COPY_HOST_PTR, blob.len(), blob.as_mut_ptr().cast(), &mut rc)
        };
        check("clCreateBuffer for the argument blob", rc)?;
        let buffer = ClMem::own(cl, raw);
        let svm = device.memory.svm_pointers();

        let kernel = self.kernel.lock();
        // SAFETY: (the whole block) the kernel is live and locked, so no other
        // thread sets its arguments; each value pointer is valid for its
        // size during the call (OpenCL copies argument values).
        unsafe {
            check("clSetKernelArg(0, the argument blob)", (cl.clSetKernelArg)(kernel.raw, 0, std::mem::size_of::<cl::cl_mem>(), (&buffer.raw as *const cl::cl_mem).cast()))?;
            let local_bytes = conv::local_arg_bytes(params.shared_mem_bytes);
            if self.num_args >= 2 {
                check("clSetKernelArg(1, dynamic local memory)", (cl.clSetKernelArg)(kernel.raw, 1, local_bytes, std::ptr::null()))?;
            }
            if self.num_args == 3 {
                let size = local_bytes as cl::cl_uint;
                check("clSetKernelArg(2, the dynamic local memory's size)", (cl.clSetKernelArg)(kernel.raw, 2, std::mem::size_of::<cl::cl_uint>(), (&size as *const cl::cl_uint).cast()))?;
            }
            check(
                "clSetKernelExecInfo(CL_KERNEL_EXEC_INFO_SVM_PTRS)",
                (cl.clSetKernelExecInfo)(kernel.raw, cl::CL_KERNEL_EXEC_INFO_SVM_PTRS, svm.len() * std::mem::size_of::<*mut c_void>(), svm.as_ptr().cast()),
            )?;
        }
        stream
            .submit("clEnqueueNDRangeKernel", |queue, event| {
                // SAFETY: a live queue and kernel with every argument set;
                // global and local hold three sizes each.
                unsafe { (cl.clEnqueueNDRangeKernel)(queue, kernel.raw, 3, std::ptr::null(), global.as_ptr(), local.as_ptr(), 0, std::ptr::null(), event) }
            })
            .map(drop)
        // `buffer` is released here; OpenCL keeps it for the queued kernel.
    }
}
