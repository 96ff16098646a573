//! fhModuleLoadData/Unload/GetFunction, fhFunctionGetAttribute, fhLaunchKernel.

use super::{call_plugin, device, function, module, same_device, stream};
use crate::failure::{export, fail, ApiResult};
use crate::handles::{Device, Function, Module};
use flaghal_sys::*;
use std::ffi::{c_char, c_void};

/// # Safety
/// `data` is NULL or readable for `size` bytes; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn fhModuleLoadData(
    handle: fh_device_t,
    format: fh_module_format_t,
    data: *const c_void,
    size: usize,
    out: *mut fh_module_t,
) -> fh_status_t {
    export("fhModuleLoadData", || {
        let d = device(handle)?;
        ptr::require_non_null(out, "module")?;
        ptr::require_non_null(data, "data")?;
        if size == 0 {
            return Err(fail(FH_ERROR_INVALID_VALUE, "size is 0"));
        }
        if format == FH_MODULE_FORMAT_INVALID {
            return Err(fail(FH_ERROR_INVALID_VALUE, "format is FH_MODULE_FORMAT_INVALID"));
        }
        let count = (d.props.module_format_count as usize).min(d.props.module_formats.len());
        if !d.props.module_formats[..count].contains(&format) {
            return Err(fail(FH_ERROR_NOT_SUPPORTED, format!("{} does not accept module format {format}", d.describe())));
        }
        let mut native: fhp_module_t = std::ptr::null_mut();
        call_plugin!(d.plugin, module_load, "fhModuleLoadData", d.native, format, data, size, &mut native)?;
        let m = Module::create(d, native);
        // SAFETY: non-NULL and writable per the contract.
        Ok(unsafe { ptr::write_out(out, m.as_ptr(), "module") }?)
    })
}

/// # Safety
/// `handle` is NULL or a module from fhModuleLoadData.
#[no_mangle]
pub unsafe extern "C" fn fhModuleUnload(handle: fh_module_t) -> fh_status_t {
    export("fhModuleUnload", || {
        crate::registry::get()?;
        if handle.is_null() {
            return Ok(());
        }
        let m = module(handle)?;
        m.begin_destroy()?;
        // Its functions die with it.
        let functions: Vec<&'static Function> = std::mem::take(&mut *m.extra.lock());
        for f in functions {
            if f.begin_destroy().is_ok() {
                f.release(|_| {});
            }
        }
        let result = call_plugin!(m.device().plugin, module_unload, "fhModuleUnload", m.native());
        m.release(|functions| functions.lock().clear());
        result
    })
}

/// # Safety
/// `name` is NULL or NUL-terminated; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn fhModuleGetFunction(handle: fh_module_t, name: *const c_char, out: *mut fh_function_t) -> fh_status_t {
    export("fhModuleGetFunction", || {
        let m = module(handle)?;
        ptr::require_non_null(out, "function")?;
        ptr::require_non_null(name, "name")?;
        let mut native: fhp_function_t = std::ptr::null_mut();
        call_plugin!(m.device().plugin, module_get_function, "fhModuleGetFunction", m.native(), name, &mut native)?;
        let f = {
            let mut functions = m.extra.lock();
            match functions.iter().find(|f| f.native() == native) {
                Some(f) => *f,
                None => {
                    let f = Function::create(m.device(), native);
                    functions.push(f);
                    f
                }
            }
        };
        // SAFETY: non-NULL and writable per the contract.
        Ok(unsafe { ptr::write_out(out, f.as_ptr(), "function") }?)
    })
}

/// # Safety
/// `value` is NULL or writable; `handle` is NULL or a live function.
#[no_mangle]
pub unsafe extern "C" fn fhFunctionGetAttribute(value: *mut i32, attrib: fh_function_attribute_t, handle: fh_function_t) -> fh_status_t {
    export("fhFunctionGetAttribute", || {
        let f = function(handle)?;
        ptr::require_non_null(value, "value")?;
        if attrib > FH_FUNC_ATTRIBUTE_NUM_REGS {
            return Err(fail(FH_ERROR_INVALID_VALUE, format!("unknown attribute {attrib}")));
        }
        let mut result = 0i32;
        call_plugin!(f.device().plugin, function_get_attribute, "fhFunctionGetAttribute", f.native(), attrib, &mut result)?;
        // SAFETY: non-NULL and writable per the contract.
        Ok(unsafe { ptr::write_out(value, result, "value") }?)
    })
}

fn launch_config(d: &Device, grid: [u32; 3], block: [u32; 3], shared: u32, args_size: usize) -> ApiResult {
    launch_limits::check(&d.props, grid, block, shared, args_size).map_err(|m| fail(FH_ERROR_INVALID_CONFIGURATION, m))
}

/// # Safety
/// `args` is NULL (only with `args_size` 0) or readable for `args_size` bytes.
#[no_mangle]
pub unsafe extern "C" fn fhLaunchKernel(
    handle: fh_function_t,
    grid_x: u32,
    grid_y: u32,
    grid_z: u32,
    block_x: u32,
    block_y: u32,
    block_z: u32,
    shared_mem_bytes: u32,
    stream_handle: fh_stream_t,
    args: *const c_void,
    args_size: usize,
) -> fh_status_t {
    export("fhLaunchKernel", || {
        let f = function(handle)?;
        let s = stream(stream_handle)?;
        same_device(f.device(), s.device(), "function and stream")?;
        if args.is_null() && args_size > 0 {
            return Err(fail(FH_ERROR_INVALID_VALUE, format!("args is NULL but args_size is {args_size}")));
        }
        let d = f.device();
        let (grid, block) = ([grid_x, grid_y, grid_z], [block_x, block_y, block_z]);
        launch_config(d, grid, block, shared_mem_bytes, args_size)?;
        let params = fh_plugin_launch_params_t {
            struct_size: std::mem::size_of::<fh_plugin_launch_params_t>(),
            next: std::ptr::null_mut(),
            grid,
            block,
            shared_mem_bytes,
            args,
            args_size,
        };
        call_plugin!(d.plugin, launch_kernel, "fhLaunchKernel", f.native(), &params, s.native())
    })
}
