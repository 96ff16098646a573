//! An operator context (`fhops_context_t`): one device, its loaded operator
//! bundles and their kernels. Owned as a Box: fhopsContextCreate leaks it to
//! the caller, fhopsContextDestroy takes it back. Immutable after creation,
//! so any thread may use it (the loader's handles are thread-safe).

use crate::bundles::BUNDLES;
use crate::loader;
use crate::plan::{Caps, Launch};
use flaghal_sys::dynamic::FlagHal;
use flaghal_sys::{
    fh_device_properties_t, fh_device_t, fh_function_t, fh_module_t, fh_status_t, fh_stream_t, FfiError, FfiResult,
    FH_DEVICE_CAP_FLOAT16, FH_DEVICE_CAP_INT8, FH_MODULE_FORMAT_BUNDLE, FH_SUCCESS,
};
use std::collections::HashMap;
use std::ffi::{c_char, CStr, CString};

pub struct Context {
    hal: &'static FlagHal,
    device: fh_device_t,
    caps: Caps,
    modules: Vec<fh_module_t>,
    functions: HashMap<&'static str, fh_function_t>,
}

// SAFETY: the handles are the loader's, which are valid on every thread
// (flaghal.h: every call is thread-safe); the context never mutates them.
unsafe impl Send for Context {}
// SAFETY: as above; &Context only reads.
unsafe impl Sync for Context {}

/// The error of a loader call that returned `status`, with its detail message.
fn loader_error(hal: &FlagHal, call: &str, status: fh_status_t) -> FfiError {
    let mut buffer = vec![0u8; 1024];
    // SAFETY: buffer is writable for its length; length may be NULL.
    unsafe { hal.fhGetLastErrorMessage(buffer.as_mut_ptr().cast::<c_char>(), buffer.len(), std::ptr::null_mut()) };
    let detail = CStr::from_bytes_until_nul(&buffer).map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let mut name: *const c_char = std::ptr::null();
    // SAFETY: name is a valid out pointer; the loader returns static strings.
    let named = unsafe { hal.fhGetErrorName(status, &mut name) } == FH_SUCCESS && !name.is_null();
    // SAFETY: a NUL-terminated static string from the loader.
    let name = if named { unsafe { CStr::from_ptr(name) }.to_string_lossy().into_owned() } else { format!("status {status}") };
    FfiError::new(status, format!("{call} failed: {name}: {detail}"))
}

fn check(hal: &FlagHal, call: &str, status: fh_status_t) -> FfiResult {
    if status == FH_SUCCESS {
        Ok(())
    } else {
        Err(loader_error(hal, call, status))
    }
}

impl Context {
    /// Loads the bundles `device` can run (core always; f16 and q8_0 when
    /// it reports their capabilities).
    pub(crate) fn create(device: fh_device_t) -> FfiResult<Context> {
        let hal = loader::table()?;
        let mut props = fh_device_properties_t { struct_size: std::mem::size_of::<fh_device_properties_t>(), ..Default::default() };
        // SAFETY: props is a valid struct with struct_size set; a bad device
        // handle is the loader's to refuse.
        check(hal, "fhDeviceGetProperties", unsafe { hal.fhDeviceGetProperties(device, &mut props) })?;
        let f16 = props.capabilities & FH_DEVICE_CAP_FLOAT16 != 0;
        let q8_0 = f16 && props.capabilities & FH_DEVICE_CAP_INT8 != 0;
        let mut context =
            Context { hal, device, caps: Caps { f16, q8_0, max_grid: props.max_grid_dim }, modules: Vec::new(), functions: HashMap::new() };
        for (name, kernels, bytes) in BUNDLES {
            let wanted = match *name {
                "f16" => f16,
                "q8_0" => q8_0,
                _ => true,
            };
            if wanted {
                context.load(name, kernels, bytes)?;
            }
        }
        Ok(context)
    }

    fn load(&mut self, bundle: &str, kernels: &'static [&'static str], bytes: &[u8]) -> FfiResult {
        let mut module: fh_module_t = std::ptr::null_mut();
        // SAFETY: bytes is valid for its length and copied by the loader;
        // module is a valid out pointer.
        let status = unsafe { self.hal.fhModuleLoadData(self.device, FH_MODULE_FORMAT_BUNDLE, bytes.as_ptr().cast(), bytes.len(), &mut module) };
        check(self.hal, &format!("fhModuleLoadData (the {bundle} operator bundle)"), status)?;
        self.modules.push(module);
        for kernel in kernels {
            let name = CString::new(*kernel).expect("kernel names are C identifiers");
            let mut function: fh_function_t = std::ptr::null_mut();
            // SAFETY: module is live, name NUL-terminated, function a valid out pointer.
            check(self.hal, "fhModuleGetFunction", unsafe { self.hal.fhModuleGetFunction(module, name.as_ptr(), &mut function) })?;
            self.functions.insert(kernel, function);
        }
        Ok(())
    }

    pub fn device(&self) -> fh_device_t {
        self.device
    }

    pub fn caps(&self) -> &Caps {
        &self.caps
    }

    /// Enqueues `launch` on `stream`.
    pub(crate) fn launch(&self, stream: fh_stream_t, launch: &Launch) -> FfiResult {
        let function = *self.functions.get(launch.kernel).unwrap_or_else(|| panic!("kernel {} planned but not loaded", launch.kernel));
        let [gx, gy, gz] = launch.grid;
        let [bx, by, bz] = launch.block;
        // SAFETY: function is live (its module lives as long as self); the
        // blob is valid for its length and copied at enqueue.
        let status = unsafe { self.hal.fhLaunchKernel(function, gx, gy, gz, bx, by, bz, 0, stream, launch.args.as_ptr().cast(), launch.args.len()) };
        check(self.hal, &format!("fhLaunchKernel ({})", launch.kernel), status)
    }
}

impl Drop for Context {
    fn drop(&mut self) {
        for module in self.modules.drain(..) {
            // SAFETY: each module was loaded by this context and is unloaded once.
            unsafe { self.hal.fhModuleUnload(module) };
        }
    }
}
