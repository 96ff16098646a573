//! Modules and kernels: FH_MODULE_FORMAT_PTX and FH_MODULE_FORMAT_CUBIN
//! through cuModuleLoadDataEx, under the convention of docs/kernels.md (the
//! blob is the parameter buffer: params.rs).
//!
//! - Bytes are checked first (image.rs); a PTX image of several units is
//!   linked (cuLink*) into one module. The driver's refusal comes back as
//!   FH_ERROR_INVALID_IMAGE with the JIT's error log in the detail.
//! - A kernel's limits come from cuFuncGetAttribute; each kernel is opted
//!   in to the device's whole shared memory (cuFuncSetAttribute
//!   MAX_DYNAMIC_SHARED_SIZE_BYTES = opt-in maximum minus its static shared
//!   memory), which max_shared_memory_per_block reports.
//! - fhModuleUnload while launches are queued: CUDA does not promise that
//!   queued kernels survive cuModuleUnload, and unloading may wait for the
//!   device. A module that ever launched is retired instead: an event is
//!   recorded on every live stream, and the module is unloaded once they all
//!   completed ([`sweep`], run by later module loads, unloads and device
//!   synchronisations).
//!
//! Ownership: `Box<Module>` (the SDK's), `Arc<Function>` owned by its module.

use crate::device::{Device, Retired};
use crate::driver::{function_attribute, jit, Handle, CUDA_ERROR_NOT_READY, CUDA_SUCCESS};
use crate::error::{invalid_configuration, invalid_image, invalid_value};
use crate::health::Caller;
use crate::{conv, image, params, ptx};
use flaghal_sys::{self as sys, fh_module_format_t, fh_plugin_launch_params_t, FfiError, FfiResult};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::ffi::{c_void, CStr, CString};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Bytes of the JIT error log kept for the detail message.
const LOG_SIZE: usize = 16 << 10;

pub struct Module {
    pub device: &'static Device,
    raw: Handle,
    /// Set by the first launch of any of its kernels: unloading must wait.
    launched: Arc<AtomicBool>,
    functions: Mutex<HashMap<CString, Arc<Function>>>,
    /// Kernel parameter sizes read from the PTX text (ptx.rs), for drivers
    /// that cannot tell them.
    params: HashMap<String, usize>,
}

pub struct Function {
    pub device: &'static Device,
    raw: Handle,
    name: String,
    launched: Arc<AtomicBool>,
    max_threads: i32,
    static_shared: i32,
    max_dynamic_shared: i32,
    num_regs: i32,
    /// The parameter buffer size: the driver's (cuFuncGetParamInfo), else
    /// the PTX text's; None for a cubin on an older driver.
    param_size: Option<usize>,
}

/// The JIT's error log: a buffer and the two options that hand it to
/// cuModuleLoadDataEx or cuLinkCreate. Option values are pointer-sized: the
/// buffer, and its size as an integer, which the driver overwrites with the
/// bytes it wrote.
struct JitLog {
    buffer: Vec<u8>,
    options: [crate::driver::CUjitOption; 2],
    values: [*mut c_void; 2],
}

impl JitLog {
    fn new() -> JitLog {
        let mut buffer = vec![0u8; LOG_SIZE];
        let values = [buffer.as_mut_ptr().cast(), LOG_SIZE as *mut c_void];
        JitLog { buffer, options: [jit::ERROR_LOG_BUFFER, jit::ERROR_LOG_BUFFER_SIZE_BYTES], values }
    }

    /// The error `operation` returned, with the log in the detail.
    fn error(&self, operation: &str, result: crate::driver::CUresult) -> FfiError {
        let used = (self.values[1] as usize).min(LOG_SIZE);
        let text = String::from_utf8_lossy(&self.buffer[..used]);
        let text = text.trim_end_matches('\0').trim();
        let mut error = crate::error::cu_error(operation, result);
        if !text.is_empty() {
            error.message = format!("{}: {text}", error.message);
        }
        error
    }
}

/// Loads a checked image: one unit with cuModuleLoadDataEx, several linked
/// into one cubin with cuLinkCreate / cuLinkAddData / cuLinkComplete (the PTX
/// convention, docs/kernels.md). The context is current.
fn load_units(device: &Device, what: &str, units: &[Vec<u8>]) -> FfiResult<Handle> {
    let driver = device.driver;
    let mut log = JitLog::new();
    let mut module: *mut c_void = std::ptr::null_mut();
    if let [unit] = units {
        // SAFETY: `unit` is a NUL-terminated PTX string or a checked cubin,
        // alive across the call; two options with their values; the driver
        // writes at most LOG_SIZE bytes into the log.
        let result = unsafe {
            (driver.cuModuleLoadDataEx)(&mut module, unit.as_ptr().cast(), 2, log.options.as_mut_ptr(), log.values.as_mut_ptr())
        };
        if result != CUDA_SUCCESS {
            return Err(sticky_or(device, result, log.error(&format!("cuModuleLoadDataEx ({what})"), result)));
        }
        return Ok(Handle(module));
    }
    let mut state: *mut c_void = std::ptr::null_mut();
    // SAFETY: two options with their values (the log outlives the link
    // state, destroyed below); `state` is a valid out pointer.
    let result = unsafe { (driver.cuLinkCreate)(2, log.options.as_mut_ptr(), log.values.as_mut_ptr(), &mut state) };
    if result != CUDA_SUCCESS {
        return Err(sticky_or(device, result, log.error("cuLinkCreate", result)));
    }
    let linked = (|| {
        for (i, unit) in units.iter().enumerate() {
            let name = CString::new(format!("ptx unit {}", i + 1)).expect("no NUL");
            // SAFETY: a live link state; a NUL-terminated PTX unit of
            // `unit.len()` bytes and a name, alive across the call; no options.
            let result = unsafe {
                (driver.cuLinkAddData)(state, jit::INPUT_PTX, unit.as_ptr().cast_mut().cast(), unit.len(), name.as_ptr(), 0, std::ptr::null_mut(), std::ptr::null_mut())
            };
            if result != CUDA_SUCCESS {
                return Err(sticky_or(device, result, log.error(&format!("cuLinkAddData (PTX unit {} of {})", i + 1, units.len()), result)));
            }
        }
        let (mut cubin, mut size): (*mut c_void, usize) = (std::ptr::null_mut(), 0);
        // SAFETY: a live link state with every unit added; valid out pointers.
        let result = unsafe { (driver.cuLinkComplete)(state, &mut cubin, &mut size) };
        if result != CUDA_SUCCESS {
            return Err(sticky_or(device, result, log.error(&format!("cuLinkComplete ({what})"), result)));
        }
        // SAFETY: the linked cubin, owned by the link state, alive until the
        // state is destroyed below; no options.
        let result = unsafe { (driver.cuModuleLoadDataEx)(&mut module, cubin, 0, std::ptr::null_mut(), std::ptr::null_mut()) };
        if result != CUDA_SUCCESS {
            return Err(sticky_or(device, result, log.error("cuModuleLoadDataEx (the linked cubin)", result)));
        }
        Ok(Handle(module))
    })();
    // SAFETY: the link state created above, no longer used (the module holds
    // its own copy of the code).
    unsafe { (driver.cuLinkDestroy)(state) };
    linked
}

/// A kernel fault seen while loading goes through the health record; any
/// other failure is `error`.
fn sticky_or(device: &Device, result: crate::driver::CUresult, error: FfiError) -> FfiError {
    if conv::is_sticky(result) {
        device.check("loading a module", result, Caller::Other).err().unwrap_or(error)
    } else {
        error
    }
}

impl Module {
    pub fn load(device: &'static Device, format: fh_module_format_t, bytes: &[u8]) -> FfiResult<Module> {
        device.usable(Caller::Other)?;
        sweep(device);
        let (units, params, what) = match format {
            sys::FH_MODULE_FORMAT_PTX => {
                let units = image::check_ptx(bytes).map_err(invalid_image)?;
                let mut params = HashMap::new();
                for unit in &units {
                    params.extend(ptx::entry_param_sizes(&String::from_utf8_lossy(&unit[..unit.len() - 1])));
                }
                let what = format!("PTX, {} bytes in {} unit{}", bytes.len(), units.len(), if units.len() == 1 { "" } else { "s" });
                (units, params, what)
            }
            sys::FH_MODULE_FORMAT_CUBIN => {
                image::check_cubin(bytes).map_err(invalid_image)?;
                (vec![bytes.to_vec()], HashMap::new(), format!("cubin, {} bytes", bytes.len()))
            }
            other => return Err(FfiError::new(sys::FH_ERROR_NOT_SUPPORTED, format!("module format {other} is not PTX or CUBIN"))),
        };
        let _current = device.enter()?;
        let raw = load_units(device, &what, &units)?;
        Ok(Module { device, raw, launched: Arc::new(AtomicBool::new(false)), functions: Mutex::new(HashMap::new()), params })
    }

    /// fhModuleGetFunction: the same Arc (so the same handle) for a name.
    pub fn function(&self, name: &CStr) -> FfiResult<Arc<Function>> {
        if let Some(f) = self.functions.lock().get(name) {
            return Ok(f.clone());
        }
        let device = self.device;
        device.usable(Caller::Other)?;
        let text = name.to_str().map_err(|_| invalid_value("the kernel name is not UTF-8"))?;
        let _current = device.enter()?;
        let mut raw: *mut c_void = std::ptr::null_mut();
        // SAFETY: a live module; `name` is NUL-terminated; the context is current.
        let result = unsafe { (device.driver.cuModuleGetFunction)(&mut raw, self.raw.0, name.as_ptr()) };
        if result == 500 {
            return Err(FfiError::new(sys::FH_ERROR_NOT_FOUND, format!("the module has no kernel (.entry) named {text:?}")));
        }
        device.check(&format!("cuModuleGetFunction({text:?})"), result, Caller::Other)?;
        let raw = Handle(raw);
        let attribute = |which: i32, label: &str| -> FfiResult<i32> {
            let mut value = 0;
            // SAFETY: a live function; `value` is a valid out pointer.
            let result = unsafe { (device.driver.cuFuncGetAttribute)(&mut value, which, raw.0) };
            device.check(&format!("cuFuncGetAttribute({label})"), result, Caller::Other)?;
            Ok(value)
        };
        let static_shared = attribute(function_attribute::SHARED_SIZE_BYTES, "SHARED_SIZE_BYTES")?;
        let wanted = (device.properties().max_shared_memory_per_block as i32 - static_shared).max(0);
        // Opting in above the default 48 KiB; a driver that refuses leaves
        // the default, which the attribute read below then reports.
        // SAFETY: a live function; a non-negative size.
        unsafe { (device.driver.cuFuncSetAttribute)(raw.0, function_attribute::MAX_DYNAMIC_SHARED_SIZE_BYTES, wanted) };
        let function = Arc::new(Function {
            device,
            raw,
            name: text.to_string(),
            launched: self.launched.clone(),
            max_threads: attribute(function_attribute::MAX_THREADS_PER_BLOCK, "MAX_THREADS_PER_BLOCK")?,
            static_shared,
            max_dynamic_shared: attribute(function_attribute::MAX_DYNAMIC_SHARED_SIZE_BYTES, "MAX_DYNAMIC_SHARED_SIZE_BYTES")?,
            num_regs: attribute(function_attribute::NUM_REGS, "NUM_REGS")?,
            param_size: parameter_size(device, raw).or_else(|| self.params.get(text).copied()),
        });
        Ok(self.functions.lock().entry(name.to_owned()).or_insert(function).clone())
    }
}

/// The kernel's parameter buffer size from cuFuncGetParamInfo (CUDA 12.4+),
/// or None where the driver lacks it.
fn parameter_size(device: &Device, function: Handle) -> Option<usize> {
    let info = device.driver.cuFuncGetParamInfo?;
    let mut layout = Vec::new();
    // PTX allows at most a few thousand parameters; 4096 bytes of parameters
    // hold at most 4096 of them.
    for index in 0..=conv::MAX_KERNEL_ARGS_SIZE as usize {
        let (mut offset, mut size) = (0usize, 0usize);
        // SAFETY: a live function; valid out pointers. An index past the last
        // parameter returns CUDA_ERROR_INVALID_VALUE.
        let result = unsafe { info(function.0, index, &mut offset, &mut size) };
        if result != CUDA_SUCCESS {
            break;
        }
        layout.push((offset, size));
    }
    Some(params::param_size(&layout))
}

impl Drop for Module {
    fn drop(&mut self) {
        retire(self.device, self.raw, self.launched.load(Ordering::Acquire));
    }
}

/// fhModuleUnload: at once when no kernel of the module was ever launched
/// (or the device is lost), else once every live stream is past a fence.
fn retire(device: &'static Device, module: Handle, launched: bool) {
    let Ok(_current) = device.enter() else { return };
    if launched && !device.is_lost() {
        let mut fences = Vec::new();
        for stream in device.live_streams() {
            let mut event: *mut c_void = std::ptr::null_mut();
            // SAFETY: a valid out pointer; the context is current.
            let created = unsafe { (device.driver.cuEventCreate)(&mut event, crate::driver::CU_EVENT_DISABLE_TIMING) };
            // SAFETY: a new event and a live stream of this device.
            if created == CUDA_SUCCESS && unsafe { (device.driver.cuEventRecord)(event, stream.0) } == CUDA_SUCCESS {
                fences.push(Handle(event));
            } else if created == CUDA_SUCCESS {
                // SAFETY: the event just created, unused.
                unsafe { (device.driver.cuEventDestroy)(event) };
            }
        }
        if !fences.is_empty() {
            device.retired().lock().push(Retired { module, fences });
            return;
        }
    }
    // SAFETY: no launch of the module is queued; never used again.
    unsafe { (device.driver.cuModuleUnload)(module.0) };
}

/// Unloads the retired modules whose fences have all completed.
pub fn sweep(device: &Device) {
    let done: Vec<Retired> = {
        let mut retired = device.retired().lock();
        if retired.is_empty() {
            return;
        }
        let Ok(_current) = device.enter() else { return };
        let lost = device.is_lost();
        let (done, pending): (Vec<Retired>, Vec<Retired>) = retired.drain(..).partition(|r| {
            // SAFETY: live fence events created by `retire`.
            lost || r.fences.iter().all(|e| unsafe { (device.driver.cuEventQuery)(e.0) } != CUDA_ERROR_NOT_READY)
        });
        *retired = pending;
        done
    };
    if done.is_empty() {
        return;
    }
    let Ok(_current) = device.enter() else { return };
    for r in done {
        for fence in r.fences {
            // SAFETY: a completed fence, never used again.
            unsafe { (device.driver.cuEventDestroy)(fence.0) };
        }
        // SAFETY: every stream is past the launches of this module.
        unsafe { (device.driver.cuModuleUnload)(r.module.0) };
    }
}

impl Function {
    pub fn attribute(&self, attribute: sys::fh_function_attribute_t) -> FfiResult<i32> {
        match attribute {
            sys::FH_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK => Ok(self.max_threads),
            sys::FH_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES => Ok(self.static_shared),
            sys::FH_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES => Ok(self.max_dynamic_shared),
            sys::FH_FUNC_ATTRIBUTE_NUM_REGS => Ok(self.num_regs),
            other => Err(invalid_value(format!("unknown function attribute {other}"))),
        }
    }

    /// fhLaunchKernel, after the SDK's checks against the device's limits:
    /// the kernel's own limits, the blob, then cuLaunchKernel.
    pub fn launch(&self, p: &fh_plugin_launch_params_t, args: &[u8], stream: Handle) -> FfiResult {
        self.device.usable(Caller::Other)?;
        let threads = u64::from(p.block[0]) * u64::from(p.block[1]) * u64::from(p.block[2]);
        if threads > self.max_threads.max(0) as u64 {
            return Err(invalid_configuration(format!(
                "a block of {threads} threads; kernel {} allows at most {} (its registers: {} per thread)",
                self.name, self.max_threads, self.num_regs
            )));
        }
        if i64::from(p.shared_mem_bytes) > i64::from(self.max_dynamic_shared) {
            return Err(invalid_configuration(format!(
                "{} bytes of dynamic shared memory; kernel {} allows at most {} (it declares {} statically)",
                p.shared_mem_bytes, self.name, self.max_dynamic_shared, self.static_shared
            )));
        }
        let buffer = params::pack(args, self.param_size);
        let size = buffer.len();
        let mut extra = params::extra(buffer.as_ptr(), &size, size);
        let extra_ptr = extra.as_mut().map_or(std::ptr::null_mut(), |e| e.as_mut_ptr());
        self.launched.store(true, Ordering::Release);
        let _current = self.device.enter()?;
        // SAFETY: a live function and stream of this device; `extra` names a
        // parameter buffer of `size` bytes, both alive across the call (the
        // driver copies the parameters before returning); kernelParams NULL.
        let result = unsafe {
            (self.device.driver.cuLaunchKernel)(
                self.raw.0,
                p.grid[0],
                p.grid[1],
                p.grid[2],
                p.block[0],
                p.block[1],
                p.block[2],
                p.shared_mem_bytes,
                stream.0,
                std::ptr::null_mut(),
                extra_ptr,
            )
        };
        self.device.check(&format!("cuLaunchKernel({})", self.name), result, Caller::Other)
    }
}
