//! Module and kernel entries.

use super::run;
use crate::launch::{self, Launch};
use crate::module::Module;
use crate::stream::Work;
use crate::handles;
use flaghal_sys::struct_sizes;
use flaghal_sys::ptr::{in_bytes, in_cstr, require_non_null, write_out};
use flaghal_sys::sized::read_sized;
use flaghal_sys::{
    fh_function_attribute_t, fh_module_format_t, fh_plugin_launch_params_t, fh_status_t, fhp_device_t,
    fhp_function_t, fhp_module_t, fhp_stream_t, FfiError, FH_ERROR_INVALID_VALUE, FH_ERROR_NOT_SUPPORTED,
    FH_MODULE_FORMAT_NATIVE_CPU,
};
use std::ffi::{c_char, c_void};

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub unsafe extern "C" fn module_load(
    device: fhp_device_t,
    format: fh_module_format_t,
    data: *const c_void,
    size: usize,
    out: *mut fhp_module_t,
) -> fh_status_t {
    run(|| {
        // SAFETY: a device handle from device_get.
        unsafe { handles::device(device) }?;
        require_non_null(out, "module")?;
        if format != FH_MODULE_FORMAT_NATIVE_CPU {
            return Err(FfiError::new(
                FH_ERROR_NOT_SUPPORTED,
                format!("module format {format} is not supported; the CPU device loads FH_MODULE_FORMAT_NATIVE_CPU (3) only"),
            ));
        }
        if size == 0 {
            return Err(FfiError::new(FH_ERROR_INVALID_VALUE, "size is 0"));
        }
        // SAFETY: the application passes `size` readable bytes; they are
        // copied (into the memfd) before the call returns.
        let bytes = unsafe { in_bytes(data, size, "data") }?;
        let module = Module::load(bytes)?;
        // SAFETY: checked non-NULL.
        unsafe { write_out(out, handles::module_handle(module), "module") }
    })
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub unsafe extern "C" fn module_unload(module: fhp_module_t) -> fh_status_t {
    // SAFETY: a live module handle that the loader forgets after this call.
    // Queued launches hold the code alive (module.rs).
    run(|| unsafe { handles::take_module(module) }.map(drop))
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub unsafe extern "C" fn module_get_function(module: fhp_module_t, name: *const c_char, out: *mut fhp_function_t) -> fh_status_t {
    run(|| {
        // SAFETY: a live module handle.
        let module = unsafe { handles::module(module) }?;
        // SAFETY: the application passes a NUL-terminated name.
        let name = unsafe { in_cstr(name, "name") }?;
        require_non_null(out, "function")?;
        let function = module.function(name)?;
        // SAFETY: checked non-NULL.
        unsafe { write_out(out, handles::function_handle(&function), "function") }
    })
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub unsafe extern "C" fn function_get_attribute(function: fhp_function_t, attribute: fh_function_attribute_t, value: *mut i32) -> fh_status_t {
    run(|| {
        // SAFETY: a function handle of a loaded module.
        let function = unsafe { handles::function(function) }?;
        require_non_null(value, "value")?;
        let attribute_value = function.attribute(attribute)?;
        // SAFETY: checked non-NULL.
        unsafe { write_out(value, attribute_value, "value") }
    })
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub unsafe extern "C" fn launch_kernel(function: fhp_function_t, params: *const fh_plugin_launch_params_t, stream: fhp_stream_t) -> fh_status_t {
    run(|| {
        // SAFETY: live handles of the same device (checked by the loader).
        let (function, stream) = unsafe { (handles::function(function)?, handles::stream(stream)?) };
        // SAFETY: the loader passes a sized launch-params struct.
        let params = unsafe { read_sized(params, struct_sizes::FH_PLUGIN_LAUNCH_PARAMS_STRUCT_SIZE_1_0, "params") }?;
        // SAFETY: args is valid for args_size bytes during the call; copied.
        let args = unsafe { launch::argument_bytes(params.args, params.args_size) }?;
        let launch = Launch::new(function, params.grid, params.block, params.shared_mem_bytes, args)?;
        stream.queue.submit(Work::Kernel(launch));
        Ok(())
    })
}
