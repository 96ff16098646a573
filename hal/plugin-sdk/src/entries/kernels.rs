//! Module and kernel entries. The launch is checked against the device's
//! limits here, once for every plugin (`flaghal_sys::launch_limits`, the
//! check the loader runs too); the plugin checks only its kernel's own.

use super::{nonzero, same_device};
use crate::handles;
use crate::sys::ptr::{in_bytes, in_cstr, require_non_null, write_out};
use crate::sys::sized::read_sized;
use crate::sys::struct_sizes::FH_PLUGIN_LAUNCH_PARAMS_STRUCT_SIZE_1_0;
use crate::sys::{
    self, fh_function_attribute_t, fh_module_format_t, fh_plugin_launch_params_t, fh_status_t, fhp_device_t,
    fhp_function_t, fhp_module_t, fhp_stream_t,
};
use crate::traits::{Device, Function, Plugin, Stream};
use crate::{boundary, FfiError, FfiResult};
use std::ffi::{c_char, c_void};

/// fhModuleLoadData's format rules: 0 is INVALID_VALUE, a format the device
/// does not list NOT_SUPPORTED.
fn listed_format(props: &sys::fh_device_properties_t, format: fh_module_format_t) -> FfiResult {
    if format == sys::FH_MODULE_FORMAT_INVALID {
        return Err(FfiError::new(sys::FH_ERROR_INVALID_VALUE, "format is FH_MODULE_FORMAT_INVALID"));
    }
    let count = (props.module_format_count as usize).min(props.module_formats.len());
    let listed = &props.module_formats[..count];
    if listed.contains(&format) {
        return Ok(());
    }
    let names: Vec<String> = listed.iter().map(|f| format!("FH_MODULE_FORMAT_{} ({f})", sys::names::module_format(*f))).collect();
    Err(FfiError::new(
        sys::FH_ERROR_NOT_SUPPORTED,
        format!("module format {format} is not supported; the device loads {}", names.join(", ")),
    ))
}

/// # Safety
/// See the module doc of `entries`.
pub unsafe extern "C" fn module_load<P: Plugin>(
    device: fhp_device_t,
    format: fh_module_format_t,
    data: *const c_void,
    size: usize,
    out: *mut fhp_module_t,
) -> fh_status_t {
    boundary(|| {
        // SAFETY: a handle of this plugin or one the check refuses.
        let device = unsafe { handles::device::<P>(device) }?;
        require_non_null(out, "module")?;
        require_non_null(data, "data")?;
        nonzero(size, "size")?;
        listed_format(device.properties(), format)?;
        // SAFETY: the application passes `size` readable bytes, valid during the call.
        let module = device.module_load(format, unsafe { in_bytes(data, size, "data") }?)?;
        // SAFETY: checked non-NULL.
        unsafe { write_out(out, handles::module_handle::<P>(module), "module") }
    })
}

/// # Safety
/// See the module doc of `entries`.
pub unsafe extern "C" fn module_unload<P: Plugin>(module: fhp_module_t) -> fh_status_t {
    // SAFETY: a handle of this plugin or one the check refuses; the loader
    // forgets it (and its functions) after this call.
    boundary(|| unsafe { handles::unload_module::<P>(module) })
}

/// # Safety
/// See the module doc of `entries`.
pub unsafe extern "C" fn module_get_function<P: Plugin>(module: fhp_module_t, name: *const c_char, out: *mut fhp_function_t) -> fh_status_t {
    boundary(|| {
        // SAFETY: a handle of this plugin or one the check refuses.
        let module = unsafe { handles::module::<P>(module) }?;
        // SAFETY: the application passes a NUL-terminated name.
        let name = unsafe { in_cstr(name, "name") }?;
        require_non_null(out, "function")?;
        let function = module.function_handle(name)?;
        // SAFETY: checked non-NULL.
        unsafe { write_out(out, function, "function") }
    })
}

/// # Safety
/// See the module doc of `entries`.
pub unsafe extern "C" fn function_get_attribute<P: Plugin>(function: fhp_function_t, attribute: fh_function_attribute_t, value: *mut i32) -> fh_status_t {
    boundary(|| {
        // SAFETY: a handle of this plugin or one the check refuses.
        let function = unsafe { handles::function::<P>(function) }?;
        require_non_null(value, "value")?;
        let answer = function.attribute(attribute)?;
        // SAFETY: checked non-NULL.
        unsafe { write_out(value, answer, "value") }
    })
}

/// # Safety
/// See the module doc of `entries`.
pub unsafe extern "C" fn launch_kernel<P: Plugin>(function: fhp_function_t, params: *const fh_plugin_launch_params_t, stream: fhp_stream_t) -> fh_status_t {
    boundary(|| {
        // SAFETY: handles of this plugin or ones the checks refuse.
        let (function, stream) = unsafe { (handles::function::<P>(function)?, handles::stream::<P>(stream)?) };
        let device = stream.device();
        same_device::<P>(function.device(), device, "function and stream")?;
        // SAFETY: the loader passes a sized launch-params struct.
        let params: fh_plugin_launch_params_t = unsafe { read_sized(params, FH_PLUGIN_LAUNCH_PARAMS_STRUCT_SIZE_1_0, "params") }?;
        if params.args.is_null() && params.args_size > 0 {
            return Err(FfiError::new(sys::FH_ERROR_INVALID_VALUE, format!("args is NULL but args_size is {}", params.args_size)));
        }
        sys::launch_limits::check(device.properties(), params.grid, params.block, params.shared_mem_bytes, params.args_size)
            .map_err(|message| FfiError::new(sys::FH_ERROR_INVALID_CONFIGURATION, message))?;
        // SAFETY: `args` is valid for `args_size` bytes during the call.
        let args = unsafe { in_bytes(params.args, params.args_size, "args") }?;
        Function::launch(&*function, &params, args, stream)
    })
}
