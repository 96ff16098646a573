//! Table entries: Modules, functions and launches.

use super::*;

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub(crate) unsafe extern "C" fn module_load(
    handle: sys::fhp_device_t,
    format: sys::fh_module_format_t,
    data: *const c_void,
    size: usize,
    out: *mut sys::fhp_module_t,
) -> sys::fh_status_t {
    call(|| {
        flaghal_sys::ptr::require_non_null(out, "module")?;
        flaghal_sys::ptr::require_non_null(data, "data")?;
        if size == 0 {
            return Err(invalid_value("size is 0"));
        }
        // SAFETY: loader-validated handle; `size` readable bytes at data.
        let (d, bytes) = unsafe { (device(handle)?, in_bytes(data, size, "data")?) };
        let module = Module::load(d, format, bytes)?;
        // SAFETY: checked non-NULL above; ownership passes to the handle.
        unsafe { write_out(out, Box::into_raw(Box::new(module)) as sys::fhp_module_t, "module") }
    })
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub(crate) unsafe extern "C" fn module_unload(m: sys::fhp_module_t) -> sys::fh_status_t {
    call(|| {
        if !m.is_null() {
            // SAFETY: a live handle is `Box::into_raw` of a Module, unloaded once.
            drop(unsafe { Box::from_raw(m.cast::<Module>()) });
        }
        Ok(())
    })
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub(crate) unsafe extern "C" fn module_get_function(
    m: sys::fhp_module_t,
    name: *const c_char,
    out: *mut sys::fhp_function_t,
) -> sys::fh_status_t {
    call(|| {
        flaghal_sys::ptr::require_non_null(out, "function")?;
        // SAFETY: a live module handle is `Box::into_raw` of a Module.
        let module = unsafe { in_ref(m.cast::<Module>().cast_const(), "module") }?;
        // SAFETY: the caller passes a NUL-terminated name.
        let name = unsafe { in_cstr(name, "name") }?;
        let name = name.to_str().map_err(|_| invalid_value("name is not UTF-8"))?;
        let f = module.function(name)?;
        // SAFETY: checked non-NULL; the module keeps the Arc alive.
        unsafe { write_out(out, Arc::as_ptr(&f) as sys::fhp_function_t, "function") }
    })
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub(crate) unsafe extern "C" fn function_get_attribute(
    f: sys::fhp_function_t,
    attribute: sys::fh_function_attribute_t,
    value: *mut i32,
) -> sys::fh_status_t {
    call(|| {
        flaghal_sys::ptr::require_non_null(value, "value")?;
        // SAFETY: loader-validated handle.
        let v = unsafe { function(f) }?.attribute(attribute)?;
        // SAFETY: checked non-NULL above.
        unsafe { write_out(value, v, "value") }
    })
}

/// # Safety
/// Called through the function table, with arguments as flaghal_plugin.h
/// specifies for this entry: live handles of this plugin; pointers valid or NULL.
pub(crate) unsafe extern "C" fn launch_kernel(
    f: sys::fhp_function_t,
    params: *const sys::fh_plugin_launch_params_t,
    s: sys::fhp_stream_t,
) -> sys::fh_status_t {
    call(|| {
        // SAFETY: loader-validated handles and params struct.
        let (f, s, p) = unsafe { (function(f)?, stream(s)?, read_sized(params, LAUNCH_SIZE_1_0, "params")?) };
        if !std::ptr::eq(s.device, f.device_ref()) {
            return Err(FfiError::new(sys::FH_ERROR_INVALID_DEVICE, "function and stream belong to different devices"));
        }
        // SAFETY: `args` is readable for `args_size` bytes during the call.
        let args = unsafe { in_bytes(p.args, p.args_size, "args") }?;
        f.launch(&p, args, s)
    })
}
