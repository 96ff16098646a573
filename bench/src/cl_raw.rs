//! The native baseline of the OpenCL rows (section 9): a small raw OpenCL
//! program on the same platform and device as the FlagHAL OpenCL device.
//! It calls the plugin's own declarations (crate `flaghal-opencl-sys`), from
//! the same library: `libOpenCL.so.1` loaded at run time, or what
//! `FLAGHAL_OPENCL_LIBRARY` names, as the plugin does. Written the
//! straightforward way an OpenCL programmer would: one context, in-order
//! queues, programs built from source with the options the plugin uses,
//! kernel arguments set when they change, blocking calls.

use flaghal_opencl_sys::objects::{ClContext, ClEvent, ClKernel, ClMem, ClProgram, ClQueue};
use flaghal_opencl_sys::{self as cl, cl_device_id, cl_int, Cl};
use std::ffi::{c_void, CString};
use std::sync::OnceLock;

/// The entry points, loaded once per process (OpenCL libraries are never
/// closed); Err is why there is no OpenCL here.
fn table() -> Result<&'static Cl, String> {
    static TABLE: OnceLock<Result<Cl, String>> = OnceLock::new();
    TABLE.get_or_init(|| Cl::load(cl::library_from_env().as_deref())).as_ref().map_err(Clone::clone)
}

/// Why this process has no OpenCL device, for the skip line: the library,
/// the platforms and their devices as the ICD loader reports them. (The
/// plugin's own reason is in the loader's log, FLAGHAL_LOADER_DEBUG=info.)
pub fn why_no_device() -> String {
    let cl = match table() {
        Ok(cl) => cl,
        Err(e) => return e,
    };
    match cl.platforms() {
        Err(-1001) => format!("{} found no OpenCL platform (CL_PLATFORM_NOT_FOUND_KHR: no installed driver)", cl.library),
        Err(rc) => format!("clGetPlatformIDs: OpenCL error {rc}"),
        Ok(p) if p.is_empty() => format!("{} found no OpenCL platform", cl.library),
        Ok(p) => {
            let devices: usize = p.iter().map(|&platform| cl.devices(platform).map_or(0, |d| d.len())).sum();
            format!("{} platform(s) with {devices} device(s), none of which the plugin took (FLAGHAL_LOADER_DEBUG=info says why)", p.len())
        }
    }
}

fn check(what: &str, rc: cl_int) -> Result<(), String> {
    if rc == cl::CL_SUCCESS {
        Ok(())
    } else {
        Err(format!("{what}: OpenCL error {rc}"))
    }
}

/// The options the plugin builds with (conv::build_options): `-cl-std=` the
/// device's OpenCL C version, and kernel argument info.
fn build_options(c_version: &str) -> String {
    let version = c_version.strip_prefix("OpenCL C ").and_then(|rest| rest.split_whitespace().next());
    match version {
        Some(v) => format!("-cl-std=CL{v} -cl-kernel-arg-info"),
        None => "-cl-kernel-arg-info".to_string(),
    }
}

pub struct RawOpenCl {
    pub cl: &'static Cl,
    pub device: cl_device_id,
    pub context: ClContext,
    /// An in-order queue without profiling: the straightforward one.
    pub queue: ClQueue,
    /// CL_DEVICE_NAME, and the platform's CL_PLATFORM_NAME and CL_PLATFORM_VERSION.
    pub name: String,
    pub platform: String,
    pub platform_version: String,
    /// Whether SVM allocations are fine-grained (the device has it and
    /// coarse-grained was not asked for), as the plugin decides.
    pub fine_svm: bool,
    build_options: CString,
}

/// Opens the first OpenCL device named `device_name` (CL_DEVICE_NAME, which
/// is the FlagHAL device's name), in a context of its own. `coarse`: use
/// coarse-grained SVM even where fine-grained exists, like the plugin under
/// FLAGHAL_OPENCL_COARSE_SVM=1.
pub fn open(device_name: &str, coarse: bool) -> Result<RawOpenCl, String> {
    let cl = table()?;
    let platforms = cl.platforms().map_err(|rc| format!("clGetPlatformIDs: OpenCL error {rc}"))?;
    for platform in platforms {
        let Ok(devices) = cl.devices(platform) else { continue };
        for device in devices {
            if cl::text(cl.device_info(device, cl::CL_DEVICE_NAME)).ok().as_deref() != Some(device_name) {
                continue;
            }
            let svm = cl::scalar(cl.device_info(device, cl::CL_DEVICE_SVM_CAPABILITIES)).unwrap_or(0);
            let c_version = cl::text(cl.device_info(device, cl::CL_DEVICE_OPENCL_C_VERSION)).unwrap_or_default();
            let properties: [cl::cl_context_properties; 3] = [cl::CL_CONTEXT_PLATFORM, platform as cl::cl_context_properties, 0];
            let mut rc = cl::CL_SUCCESS;
            // SAFETY: a zero-terminated property list naming the device's
            // platform, one device of it, no callback.
            let raw = unsafe { (cl.clCreateContext)(properties.as_ptr(), 1, &device, None, std::ptr::null_mut(), &mut rc) };
            check("clCreateContext", rc)?;
            let context = ClContext::own(cl, raw);
            let queue = create_queue(cl, &context, device, false)?;
            return Ok(RawOpenCl {
                cl,
                device,
                context,
                queue,
                name: device_name.to_string(),
                platform: cl::text(cl.platform_info(platform, cl::CL_PLATFORM_NAME)).unwrap_or_default(),
                platform_version: cl::text(cl.platform_info(platform, cl::CL_PLATFORM_VERSION)).unwrap_or_default(),
                fine_svm: svm & cl::CL_DEVICE_SVM_FINE_GRAIN_BUFFER != 0 && !coarse,
                build_options: CString::new(build_options(&c_version)).map_err(|e| e.to_string())?,
            });
        }
    }
    Err(format!("no OpenCL device named {device_name:?} in {}", cl.library))
}

fn create_queue(cl: &'static Cl, context: &ClContext, device: cl_device_id, profiling: bool) -> Result<ClQueue, String> {
    let properties: [cl::cl_queue_properties; 3] = [cl::CL_QUEUE_PROPERTIES, if profiling { cl::CL_QUEUE_PROFILING_ENABLE } else { 0 }, 0];
    let mut rc = cl::CL_SUCCESS;
    // SAFETY: a live context holding `device`; a zero-terminated property list.
    let raw = unsafe { (cl.clCreateCommandQueueWithProperties)(context.raw, device, properties.as_ptr(), &mut rc) };
    check("clCreateCommandQueueWithProperties", rc)?;
    Ok(ClQueue::own(cl, raw))
}

impl RawOpenCl {
    /// Another in-order queue, with profiling if asked (as the plugin's streams have).
    pub fn new_queue(&self, profiling: bool) -> Result<ClQueue, String> {
        create_queue(self.cl, &self.context, self.device, profiling)
    }

    /// Builds a one-unit OpenCL C image (its trailing NUL is not part of the
    /// source) with the plugin's build options.
    pub fn program(&self, image: &[u8]) -> Result<ClProgram, String> {
        let text = image.strip_suffix(&[0]).unwrap_or(image);
        let strings = [text.as_ptr().cast::<std::ffi::c_char>()];
        let lengths = [text.len()];
        let mut rc = cl::CL_SUCCESS;
        // SAFETY: a live context; one string of the given length.
        let raw = unsafe { (self.cl.clCreateProgramWithSource)(self.context.raw, 1, strings.as_ptr(), lengths.as_ptr(), &mut rc) };
        check("clCreateProgramWithSource", rc)?;
        let program = ClProgram::own(self.cl, raw);
        // SAFETY: a live program of this context, one device of it,
        // NUL-terminated options, synchronous.
        let rc = unsafe { (self.cl.clBuildProgram)(program.raw, 1, &self.device, self.build_options.as_ptr(), None, std::ptr::null_mut()) };
        if rc != cl::CL_SUCCESS {
            let log = cl::text(self.cl.program_build_info(program.raw, self.device, cl::CL_PROGRAM_BUILD_LOG)).unwrap_or_default();
            return Err(format!("clBuildProgram: OpenCL error {rc}; build log:\n{log}"));
        }
        Ok(program)
    }

    /// A kernel object of `program`. Each has its own arguments (which do not
    /// keep their buffers alive: the buffer set must outlive every enqueue).
    pub fn kernel(&self, program: &ClProgram, name: &str) -> Result<ClKernel, String> {
        let c_name = CString::new(name).map_err(|e| e.to_string())?;
        let mut rc = cl::CL_SUCCESS;
        // SAFETY: a built program; a NUL-terminated kernel name.
        let raw = unsafe { (self.cl.clCreateKernel)(program.raw, c_name.as_ptr(), &mut rc) };
        check("clCreateKernel", rc)?;
        Ok(ClKernel::own(self.cl, raw))
    }

    /// A read-only buffer holding `blob` zero-padded to a multiple of 16
    /// bytes (at least 16), the form the OpenCL kernel convention reads.
    pub fn blob(&self, blob: &[u8]) -> Result<ClMem, String> {
        let mut bytes = blob.to_vec();
        bytes.resize(blob.len().max(1).div_ceil(16) * 16, 0);
        let mut rc = cl::CL_SUCCESS;
        // SAFETY: a live context; `bytes` is readable for its length and
        // copied by CL_MEM_COPY_HOST_PTR before the call returns.
        let raw = unsafe {
            (self.cl.clCreateBuffer)(self.context.raw, cl::CL_MEM_READ_ONLY | cl::CL_MEM_COPY_HOST_PTR, bytes.len(), bytes.as_mut_ptr().cast(), &mut rc)
        };
        check("clCreateBuffer", rc)?;
        Ok(ClMem::own(self.cl, raw))
    }

    /// Sets the kernel-language kernel's three parameters: the blob buffer,
    /// 16 bytes of `__local` memory and its size (what a FlagHAL launch with
    /// no shared memory sets), and the SVM pointers the blob names.
    pub fn set_args(&self, kernel: &ClKernel, blob: &ClMem, svm: &[*mut c_void]) -> Result<(), String> {
        let local: cl::cl_uint = 16;
        // SAFETY: a live kernel used by this thread only; each value pointer
        // is valid for its size during the call (OpenCL copies the values).
        unsafe {
            check("clSetKernelArg(0)", (self.cl.clSetKernelArg)(kernel.raw, 0, std::mem::size_of::<cl::cl_mem>(), (&blob.raw as *const cl::cl_mem).cast()))?;
            check("clSetKernelArg(1)", (self.cl.clSetKernelArg)(kernel.raw, 1, local as usize, std::ptr::null()))?;
            check("clSetKernelArg(2)", (self.cl.clSetKernelArg)(kernel.raw, 2, std::mem::size_of::<cl::cl_uint>(), (&local as *const cl::cl_uint).cast()))?;
            if !svm.is_empty() {
                check(
                    "clSetKernelExecInfo(CL_KERNEL_EXEC_INFO_SVM_PTRS)",
                    (self.cl.clSetKernelExecInfo)(kernel.raw, cl::CL_KERNEL_EXEC_INFO_SVM_PTRS, std::mem::size_of_val(svm), svm.as_ptr().cast()),
                )?;
            }
        }
        Ok(())
    }

    /// clEnqueueNDRangeKernel of `kernel` (arguments set) on `queue`: global
    /// = grid x block, local = block, in three dimensions as the plugin
    /// enqueues; `event` receives the command's event when given.
    pub fn enqueue(&self, queue: &ClQueue, kernel: &ClKernel, grid: u32, block: u32, event: Option<&mut cl::cl_event>) -> Result<(), String> {
        let global = [grid as usize * block as usize, 1, 1];
        let local = [block as usize, 1, 1];
        let event = event.map_or(std::ptr::null_mut(), |e| e as *mut cl::cl_event);
        // SAFETY: a live queue of this context and a kernel with every
        // argument set; three sizes each; `event` is NULL or writable.
        let rc = unsafe {
            (self.cl.clEnqueueNDRangeKernel)(queue.raw, kernel.raw, 3, std::ptr::null(), global.as_ptr(), local.as_ptr(), 0, std::ptr::null(), event)
        };
        check("clEnqueueNDRangeKernel", rc)
    }

    /// clFinish on `queue`.
    pub fn finish(&self, queue: &ClQueue) -> Result<(), String> {
        // SAFETY: a live queue.
        check("clFinish", unsafe { (self.cl.clFinish)(queue.raw) })
    }

    /// A marker on `queue`, waited for: an event of a completed command.
    pub fn completed_marker(&self) -> Result<ClEvent, String> {
        let mut event: cl::cl_event = std::ptr::null_mut();
        // SAFETY: a live queue; an empty wait list; `event` is writable.
        check("clEnqueueMarkerWithWaitList", unsafe { (self.cl.clEnqueueMarkerWithWaitList)(self.queue.raw, 0, std::ptr::null(), &mut event) })?;
        let event = ClEvent::own(self.cl, event);
        check("clWaitForEvents", event.wait())?;
        Ok(event)
    }

    /// A blocking clEnqueueSVMMemcpy on the straightforward queue.
    pub fn copy(&self, dst: *mut c_void, src: *const c_void, len: usize) -> Result<(), String> {
        // SAFETY: the callers pass SVM allocations of this context or host
        // memory valid for `len` bytes, non-overlapping; blocking, so both
        // outlive the command.
        let rc = unsafe { (self.cl.clEnqueueSVMMemcpy)(self.queue.raw, cl::CL_TRUE, dst, src, len, 0, std::ptr::null(), std::ptr::null_mut()) };
        check("clEnqueueSVMMemcpy", rc)
    }
}

/// An SVM allocation (fine-grained where `RawOpenCl::fine_svm`), freed on drop.
pub struct Svm<'a> {
    raw: &'a RawOpenCl,
    pub ptr: *mut c_void,
    pub len: usize,
}

impl<'a> Svm<'a> {
    pub fn new(raw: &'a RawOpenCl, len: usize) -> Result<Svm<'a>, String> {
        let flags = cl::CL_MEM_READ_WRITE | if raw.fine_svm { cl::CL_MEM_SVM_FINE_GRAIN_BUFFER } else { 0 };
        // SAFETY: a live context; alignment 0 = the device's default.
        let ptr = unsafe { (raw.cl.clSVMAlloc)(raw.context.raw, flags, len, 0) };
        if ptr.is_null() {
            return Err(format!("clSVMAlloc of {len} bytes (flags {flags:#x}) returned NULL"));
        }
        Ok(Svm { raw, ptr, len })
    }

    /// The whole floats it holds, by a blocking copy (works for either kind of SVM).
    pub fn read_floats(&self) -> Result<Vec<f32>, String> {
        let mut out = vec![0f32; self.len / 4];
        self.raw.copy(out.as_mut_ptr().cast(), self.ptr, std::mem::size_of_val(out.as_slice()))?;
        Ok(out)
    }

    /// Sets every whole float to `value`, by a blocking copy.
    pub fn fill_floats(&self, value: f32) -> Result<(), String> {
        let src = vec![value; self.len / 4];
        self.raw.copy(self.ptr, src.as_ptr().cast(), std::mem::size_of_val(src.as_slice()))
    }
}

impl Drop for Svm<'_> {
    fn drop(&mut self) {
        // SAFETY: idle (every command that used it was waited for); from
        // clSVMAlloc on this context, freed once.
        unsafe { (self.raw.cl.clSVMFree)(self.raw.context.raw, self.ptr) };
    }
}

/// Pinned host memory the OpenCL way, as the plugin's fhMemAllocHost makes
/// it: a CL_MEM_ALLOC_HOST_PTR buffer mapped once for its whole life.
pub struct Pinned<'a> {
    raw: &'a RawOpenCl,
    buffer: ClMem,
    ptr: *mut u8,
}

impl<'a> Pinned<'a> {
    pub fn new(raw: &'a RawOpenCl, len: usize) -> Result<Pinned<'a>, String> {
        let cl = raw.cl;
        let mut rc = cl::CL_SUCCESS;
        // SAFETY: a live context; no host pointer.
        let buffer = unsafe { (cl.clCreateBuffer)(raw.context.raw, cl::CL_MEM_READ_WRITE | cl::CL_MEM_ALLOC_HOST_PTR, len, std::ptr::null_mut(), &mut rc) };
        check("clCreateBuffer(CL_MEM_ALLOC_HOST_PTR)", rc)?;
        let buffer = ClMem::own(cl, buffer);
        // SAFETY: a live queue and buffer; a blocking map of the whole buffer.
        let ptr = unsafe {
            (cl.clEnqueueMapBuffer)(raw.queue.raw, buffer.raw, cl::CL_TRUE, cl::CL_MAP_READ | cl::CL_MAP_WRITE, 0, len, 0, std::ptr::null(), std::ptr::null_mut(), &mut rc)
        };
        check("clEnqueueMapBuffer", rc)?;
        let pinned = Pinned { raw, buffer, ptr: ptr.cast() };
        // Touch every page, as fhMemAllocHost's zeroed memory is, so no
        // first-use fault is timed as a transfer.
        // SAFETY: `len` mapped bytes owned here.
        unsafe { std::ptr::write_bytes(pinned.ptr, 0, len) };
        Ok(pinned)
    }

    pub fn ptr(&self) -> *mut c_void {
        self.ptr.cast()
    }
}

impl Drop for Pinned<'_> {
    fn drop(&mut self) {
        let cl = self.raw.cl;
        // SAFETY: the mapping made in `new`, unmapped once, and waited for
        // before the buffer (dropped after this) is released.
        unsafe {
            (cl.clEnqueueUnmapMemObject)(self.raw.queue.raw, self.buffer.raw, self.ptr.cast(), 0, std::ptr::null(), std::ptr::null_mut());
            (cl.clFinish)(self.raw.queue.raw);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::build_options;

    #[test]
    fn the_build_options_are_the_plugins() {
        // The strings conv::build_options gives for these versions.
        assert_eq!(build_options("OpenCL C 1.2 PoCL"), "-cl-std=CL1.2 -cl-kernel-arg-info");
        assert_eq!(build_options("OpenCL C 3.0"), "-cl-std=CL3.0 -cl-kernel-arg-info");
        assert_eq!(build_options("garbage"), "-cl-kernel-arg-info");
    }
}
