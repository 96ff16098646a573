//! fhModuleLoadData/Unload/GetFunction, fhFunctionGetAttribute, fhLaunchKernel.
//! Bundles (FH_MODULE_FORMAT_BUNDLE) are unpacked by `module_bundle`.

use super::{call_plugin, device, exports, function, module, same_device, stream};
use crate::failure::{fail, ApiResult};
use crate::handles::{Device, Function, Module};
use crate::module_bundle;
use flaghal_sys::*;
use std::ffi::{c_char, c_void};
use std::sync::atomic::Ordering;

exports! {
    /// # Safety
    /// `data` is NULL or readable for `size` bytes; `out` is NULL or writable.
    fn fhModuleLoadData(
        handle: fh_device_t,
        format: fh_module_format_t,
        data: *const c_void,
        size: usize,
        out: *mut fh_module_t,
    ) {
        let d = device(handle)?;
        ptr::require_non_null(out, "module")?;
        ptr::require_non_null(data, "data")?;
        if size == 0 {
            return Err(fail(FH_ERROR_INVALID_VALUE, "size is 0"));
        }
        if format == FH_MODULE_FORMAT_INVALID {
            return Err(fail(FH_ERROR_INVALID_VALUE, "format is FH_MODULE_FORMAT_INVALID"));
        }
        let (native, params) = if format == FH_MODULE_FORMAT_BUNDLE {
            // SAFETY: the caller passes `size` readable bytes (checked non-NULL above).
            let bytes = unsafe { ptr::in_bytes(data, size, "data") }?;
            let loaded = module_bundle::load(d, bytes, FUNCTION)?;
            (loaded.native, loaded.params)
        } else {
            let count = (d.props.module_format_count as usize).min(d.props.module_formats.len());
            if !d.props.module_formats[..count].contains(&format) {
                return Err(fail(FH_ERROR_NOT_SUPPORTED, format!("{} does not accept module format {format}", d.describe())));
            }
            let mut native: fhp_module_t = std::ptr::null_mut();
            call_plugin!(d.plugin, module_load, FUNCTION, d.native, format, data, size, &mut native)?;
            (native, Vec::new())
        };
        let m = Module::create(d, native);
        *m.extra.params.lock() = params;
        // SAFETY: non-NULL and writable per the contract.
        Ok(unsafe { ptr::write_out(out, m.as_ptr(), "module") }?)
    }

    /// # Safety
    /// `handle` is NULL or a module from fhModuleLoadData.
    fn fhModuleUnload(handle: fh_module_t) {
        crate::registry::get()?;
        if handle.is_null() {
            return Ok(());
        }
        let m = module(handle)?;
        m.begin_destroy()?;
        // Its functions die with it.
        let functions: Vec<&'static Function> = std::mem::take(&mut *m.extra.functions.lock());
        for f in functions {
            if f.begin_destroy().is_ok() {
                f.release(|params| params.store(0, Ordering::Relaxed));
            }
        }
        let result = call_plugin!(m.device().plugin, module_unload, FUNCTION, m.native());
        m.release(|extra| {
            extra.functions.lock().clear();
            extra.params.lock().clear();
        });
        result
    }

    /// # Safety
    /// `name` is NULL or NUL-terminated; `out` is NULL or writable.
    fn fhModuleGetFunction(handle: fh_module_t, name: *const c_char, out: *mut fh_function_t) {
        let m = module(handle)?;
        ptr::require_non_null(out, "function")?;
        ptr::require_non_null(name, "name")?;
        let mut native: fhp_function_t = std::ptr::null_mut();
        call_plugin!(m.device().plugin, module_get_function, FUNCTION, m.native(), name, &mut native)?;
        let f = {
            let mut functions = m.extra.functions.lock();
            match functions.iter().find(|f| f.native() == native) {
                Some(f) => *f,
                None => {
                    let f = Function::create(m.device(), native);
                    f.extra.store(recorded_params(m, name), Ordering::Relaxed);
                    functions.push(f);
                    f
                }
            }
        };
        crate::trace::function_named(f.address(), || {
            // SAFETY: checked non-NULL; the plugin has just found a kernel by this NUL-terminated name.
            unsafe { ptr::in_cstr(name, "name") }.map_or_else(|_| "kernel".into(), |n| n.to_string_lossy().into_owned())
        });
        // SAFETY: non-NULL and writable per the contract.
        Ok(unsafe { ptr::write_out(out, f.as_ptr(), "function") }?)
    }

    /// # Safety
    /// `value` is NULL or writable; `handle` is NULL or a live function.
    fn fhFunctionGetAttribute(value: *mut i32, attrib: fh_function_attribute_t, handle: fh_function_t) {
        let f = function(handle)?;
        ptr::require_non_null(value, "value")?;
        if attrib > FH_FUNC_ATTRIBUTE_NUM_REGS {
            return Err(fail(FH_ERROR_INVALID_VALUE, format!("unknown attribute {attrib}")));
        }
        let mut result = 0i32;
        call_plugin!(f.device().plugin, function_get_attribute, FUNCTION, f.native(), attrib, &mut result)?;
        // SAFETY: non-NULL and writable per the contract.
        Ok(unsafe { ptr::write_out(value, result, "value") }?)
    }

    /// # Safety
    /// `args` is NULL (only with `args_size` 0) or readable for `args_size` bytes.
    fn fhLaunchKernel(
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
    ) {
        let f = function(handle)?;
        let s = stream(stream_handle)?;
        same_device(f.device(), s.device(), "function and stream")?;
        if args.is_null() && args_size > 0 {
            return Err(fail(FH_ERROR_INVALID_VALUE, format!("args is NULL but args_size is {args_size}")));
        }
        let d = f.device();
        let (grid, block) = ([grid_x, grid_y, grid_z], [block_x, block_y, block_z]);
        launch_config(d, grid, block, shared_mem_bytes, args_size)?;
        let params = f.extra.load(Ordering::Relaxed) as usize;
        if args_size < params {
            return Err(short_blob(args_size, params));
        }
        let params = fh_plugin_launch_params_t {
            struct_size: std::mem::size_of::<fh_plugin_launch_params_t>(),
            next: std::ptr::null_mut(),
            grid,
            block,
            shared_mem_bytes,
            args,
            args_size,
        };
        crate::trace::stream_work(
            s,
            || crate::trace::kernel_name(f.address()),
            || {
                let mut a = serde_json::Map::new();
                a.insert("grid".into(), serde_json::json!(grid));
                a.insert("block".into(), serde_json::json!(block));
                a.insert("shared_mem_bytes".into(), shared_mem_bytes.into());
                a
            },
            || call_plugin!(d.plugin, launch_kernel, FUNCTION, f.native(), &params, s.native()),
        )
    }
}

/// The parameter size the module's bundle records for kernel `name` (0 when
/// not recorded).
fn recorded_params(m: &Module, name: *const c_char) -> u32 {
    let params = m.extra.params.lock();
    if params.is_empty() {
        return 0;
    }
    // SAFETY: checked non-NULL by the caller, and the plugin has just found a
    // kernel by this NUL-terminated name.
    let Ok(name) = (unsafe { ptr::in_cstr(name, "name") }) else { return 0 };
    let name = name.to_string_lossy();
    params.iter().find(|(n, _)| *n == name).map_or(0, |(_, size)| *size)
}

#[cold]
fn short_blob(args_size: usize, params: usize) -> crate::failure::Failure {
    fail(
        FH_ERROR_INVALID_VALUE,
        format!("args_size {args_size} is shorter than the {params} bytes of parameters the kernel reads (its bundle records them)"),
    )
}

fn launch_config(d: &Device, grid: [u32; 3], block: [u32; 3], shared: u32, args_size: usize) -> ApiResult {
    launch_limits::check(&d.props, grid, block, shared, args_size).map_err(|m| fail(FH_ERROR_INVALID_CONFIGURATION, m))
}
