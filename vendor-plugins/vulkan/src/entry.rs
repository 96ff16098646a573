//! The plugin ABI: fhPluginNegotiate and every table entry. Each body runs in
//! `flaghal_sys::ffi_boundary` (house rule 1); C pointers go through the
//! `flaghal_sys::ptr`/`sized` helpers (rule 2). Handle ownership is stated
//! where each type lives: device.rs (static), stream.rs (Arc), event.rs
//! (Box), module.rs (Box module owning Arc functions).

use crate::copy;
use crate::device::Device;
use crate::error::invalid_value;
use crate::event::Event;
use crate::host;
use crate::module::{Function, Module};
use crate::plugin;
use crate::stream::Stream;
use flaghal_sys::ptr::{in_bytes, in_cstr, in_ref, out_bytes, write_out};
use flaghal_sys::sized::{read_sized, write_sized};
use flaghal_sys::{self as sys, ffi_boundary, FfiError, FfiResult};
use std::ffi::{c_char, c_void};
use std::mem::{offset_of, size_of};
use std::sync::Arc;

/// The plugin's highest ABI minor.
const ABI_MINOR: u32 = sys::FH_PLUGIN_ABI_VERSION_MINOR;

fn call(body: impl FnOnce() -> FfiResult) -> sys::fh_status_t {
    ffi_boundary(body, |e| host::set_error_detail(&e.message))
}

/// The 1.0 sizes (the FH_*_STRUCT_SIZE_1_0 macros: offset of the last 1.0
/// field plus its size; every last field is pointer-sized).
const NEGOTIATE_SIZE_1_0: usize = offset_of!(sys::fh_plugin_negotiate_args_t, api) + size_of::<usize>();
const INIT_SIZE_1_0: usize = offset_of!(sys::fh_plugin_init_args_t, host) + size_of::<usize>();
const HOST_SIZE_1_0: usize = offset_of!(sys::fh_plugin_host_services_t, set_error_detail) + size_of::<usize>();
const LAUNCH_SIZE_1_0: usize = offset_of!(sys::fh_plugin_launch_params_t, args_size) + size_of::<usize>();
/// fhDeviceGetProperties accepts any size >= offsetof(name) (flaghal.h).
const PROPS_SIZE_1_0: usize = offset_of!(sys::fh_device_properties_t, name);

/// # Safety
/// `device` is a handle from device_get (the loader guarantees it).
unsafe fn device(device: sys::fhp_device_t) -> FfiResult<&'static Device> {
    // SAFETY: device handles point into the static device vector.
    unsafe { in_ref(device.cast::<Device>().cast_const(), "device") }
}

/// # Safety
/// `stream` is a live handle from stream_create.
unsafe fn stream<'a>(stream: sys::fhp_stream_t) -> FfiResult<&'a Stream> {
    // SAFETY: a live stream handle is `Arc::into_raw` of a Stream.
    unsafe { in_ref(stream.cast::<Stream>().cast_const(), "stream") }
}

/// # Safety
/// `event` is a live handle from event_create.
unsafe fn event<'a>(event: sys::fhp_event_t) -> FfiResult<&'a Event> {
    // SAFETY: a live event handle is `Box::into_raw` of an Event.
    unsafe { in_ref(event.cast::<Event>().cast_const(), "event") }
}

/// # Safety
/// `function` is a live handle from module_get_function.
unsafe fn function(function: sys::fhp_function_t) -> FfiResult<Arc<Function>> {
    let ptr = function.cast::<Function>().cast_const();
    if ptr.is_null() {
        return Err(invalid_value("function is NULL"));
    }
    // SAFETY: the handle is `Arc::as_ptr` of a Function its module still
    // owns, so the count is at least one; we take one more reference.
    unsafe {
        Arc::increment_strong_count(ptr);
        Ok(Arc::from_raw(ptr))
    }
}

/// fhPluginNegotiate: the one exported symbol.
///
/// # Safety
/// `args` is NULL or a negotiate-args struct with its struct_size set.
#[no_mangle]
pub unsafe extern "C" fn fhPluginNegotiate(args: *mut sys::fh_plugin_negotiate_args_t) -> sys::fh_status_t {
    call(|| {
        // SAFETY: the caller passes NULL or a struct with struct_size set.
        let mut a: sys::fh_plugin_negotiate_args_t = unsafe { read_sized(args, NEGOTIATE_SIZE_1_0, "args") }?;
        if a.loader_abi_min_minor > a.loader_abi_max_minor {
            return Err(invalid_value(format!(
                "loader_abi_min_minor {} > loader_abi_max_minor {}",
                a.loader_abi_min_minor, a.loader_abi_max_minor
            )));
        }
        a.plugin_abi_major = sys::FH_PLUGIN_ABI_VERSION_MAJOR;
        let result = if a.loader_abi_major != sys::FH_PLUGIN_ABI_VERSION_MAJOR {
            a.api = std::ptr::null();
            Err(FfiError::new(
                sys::FH_ERROR_NOT_SUPPORTED,
                format!("plugin ABI major {} != loader major {}", sys::FH_PLUGIN_ABI_VERSION_MAJOR, a.loader_abi_major),
            ))
        } else if ABI_MINOR < a.loader_abi_min_minor {
            a.plugin_abi_minor = ABI_MINOR;
            a.api = std::ptr::null();
            Err(FfiError::new(
                sys::FH_ERROR_NOT_SUPPORTED,
                format!("plugin ABI minor {ABI_MINOR} < loader minimum {}", a.loader_abi_min_minor),
            ))
        } else {
            #[allow(clippy::unnecessary_min_or_max)] // ABI_MINOR is 0 today; it will grow
            let minor = ABI_MINOR.min(a.loader_abi_max_minor);
            a.plugin_abi_minor = minor;
            a.api = &API.0;
            Ok(())
        };
        // SAFETY: as above; only bytes inside the caller's size are written.
        unsafe { write_sized(args, &a, NEGOTIATE_SIZE_1_0, "args") }?;
        result
    })
}

unsafe extern "C" fn init(args: *const sys::fh_plugin_init_args_t) -> sys::fh_status_t {
    call(|| {
        // SAFETY: the loader passes a valid init-args struct.
        let a: sys::fh_plugin_init_args_t = unsafe { read_sized(args, INIT_SIZE_1_0, "args") }?;
        if !a.host.is_null() {
            // SAFETY: host services are valid until the process exits.
            let services: sys::fh_plugin_host_services_t = unsafe { read_sized(a.host, HOST_SIZE_1_0, "host") }?;
            host::install(&services);
        }
        plugin::init();
        Ok(())
    })
}

fn devices() -> &'static [Device] {
    plugin::get().map(|p| p.devices.as_slice()).unwrap_or(&[])
}

unsafe extern "C" fn device_count(count: *mut u32) -> sys::fh_status_t {
    // SAFETY: `count` is a non-NULL output per the loader.
    call(|| unsafe { write_out(count, devices().len() as u32, "count") })
}

unsafe extern "C" fn device_get(index: u32, out: *mut sys::fhp_device_t) -> sys::fh_status_t {
    call(|| {
        let device = devices().get(index as usize).ok_or_else(|| {
            FfiError::new(sys::FH_ERROR_INVALID_DEVICE, format!("device index {index} out of range ({})", devices().len()))
        })?;
        // SAFETY: non-NULL output per the loader.
        unsafe { write_out(out, device as *const Device as sys::fhp_device_t, "device") }
    })
}

unsafe extern "C" fn device_get_properties(
    handle: sys::fhp_device_t,
    props: *mut sys::fh_device_properties_t,
) -> sys::fh_status_t {
    call(|| {
        // SAFETY: loader-validated handle; `props` has struct_size set.
        let d = unsafe { device(handle) }?;
        let value = d.properties();
        // SAFETY: as above.
        unsafe { write_sized(props, &value, PROPS_SIZE_1_0, "props") }.map(|_| ())
    })
}

unsafe extern "C" fn device_synchronize(handle: sys::fhp_device_t) -> sys::fh_status_t {
    // SAFETY: loader-validated handle.
    call(|| unsafe { device(handle) }?.synchronize_all(true))
}

unsafe extern "C" fn mem_get_info(handle: sys::fhp_device_t, free: *mut usize, total: *mut usize) -> sys::fh_status_t {
    call(|| {
        // SAFETY: loader-validated handle and outputs.
        let (f, t) = unsafe { device(handle) }?.mem_info();
        unsafe {
            // SAFETY: non-NULL outputs per the loader (checked anyway).
            write_out(free, f as usize, "free_bytes")?;
            write_out(total, t as usize, "total_bytes")
        }
    })
}

unsafe extern "C" fn mem_alloc(handle: sys::fhp_device_t, size: usize, out: *mut sys::fh_deviceptr_t) -> sys::fh_status_t {
    call(|| {
        flaghal_sys::ptr::require_non_null(out, "ptr")?;
        if size == 0 {
            return Err(invalid_value("size is 0"));
        }
        // SAFETY: loader-validated handle.
        let d = unsafe { device(handle) }?;
        let address = d.memory.lock().alloc(size as u64)?;
        // SAFETY: checked non-NULL above.
        unsafe { write_out(out, address, "ptr") }
    })
}

unsafe extern "C" fn mem_free(handle: sys::fhp_device_t, ptr: sys::fh_deviceptr_t) -> sys::fh_status_t {
    // SAFETY: loader-validated handle.
    call(|| unsafe { device(handle) }?.memory.lock().free(ptr))
}

unsafe extern "C" fn mem_alloc_host(handle: sys::fhp_device_t, size: usize, out: *mut *mut c_void) -> sys::fh_status_t {
    call(|| {
        flaghal_sys::ptr::require_non_null(out, "ptr")?;
        if size == 0 {
            return Err(invalid_value("size is 0"));
        }
        // SAFETY: loader-validated handle.
        let d = unsafe { device(handle) }?;
        let mut pool = d.pinned.lock();
        let address = pool.alloc(size as u64)?;
        let host = pool.resolve(address, size as u64)?.host.expect("pinned memory is mapped");
        // SAFETY: checked non-NULL above.
        unsafe { write_out(out, host as *mut c_void, "ptr") }
    })
}

unsafe extern "C" fn mem_free_host(handle: sys::fhp_device_t, ptr: *mut c_void) -> sys::fh_status_t {
    call(|| {
        // SAFETY: loader-validated handle.
        let d = unsafe { device(handle) }?;
        let mut pool = d.pinned.lock();
        let address = pool
            .address_of_host(ptr as usize, 0)
            .ok_or_else(|| invalid_value(format!("{ptr:p} is not memory from fhMemAllocHost on this device")))?;
        pool.free(address).map_err(|_| invalid_value(format!("{ptr:p} is not the start of a pinned allocation")))
    })
}

/// # Safety
/// `src` is NULL or readable for `size` bytes.
unsafe fn host_src<'a>(src: *const c_void, size: usize) -> FfiResult<&'a [u8]> {
    flaghal_sys::ptr::require_non_null(src, "src")?;
    // SAFETY: per the function contract.
    unsafe { in_bytes(src, size, "src") }
}

unsafe extern "C" fn memcpy_htod(
    handle: sys::fhp_device_t,
    dst: sys::fh_deviceptr_t,
    src: *const c_void,
    size: usize,
) -> sys::fh_status_t {
    call(|| {
        // SAFETY: loader-validated handle; the caller provides `size` bytes at src.
        let (d, bytes) = unsafe { (device(handle)?, host_src(src, size)?) };
        copy::htod(d, dst, bytes)
    })
}

unsafe extern "C" fn memcpy_dtoh(
    handle: sys::fhp_device_t,
    dst: *mut c_void,
    src: sys::fh_deviceptr_t,
    size: usize,
) -> sys::fh_status_t {
    call(|| {
        flaghal_sys::ptr::require_non_null(dst, "dst")?;
        // SAFETY: loader-validated handle; the caller provides `size` writable bytes.
        let (d, bytes) = unsafe { (device(handle)?, out_bytes(dst, size, "dst")?) };
        copy::dtoh(d, bytes, src)
    })
}

unsafe extern "C" fn memcpy_dtod(
    handle: sys::fhp_device_t,
    dst: sys::fh_deviceptr_t,
    src: sys::fh_deviceptr_t,
    size: usize,
) -> sys::fh_status_t {
    // SAFETY: loader-validated handle.
    call(|| copy::dtod(unsafe { device(handle) }?, dst, src, size as u64))
}

unsafe extern "C" fn memcpy_htod_async(
    s: sys::fhp_stream_t,
    dst: sys::fh_deviceptr_t,
    src: *const c_void,
    size: usize,
) -> sys::fh_status_t {
    call(|| {
        // SAFETY: loader-validated handle; `size` readable bytes at src.
        let (s, bytes) = unsafe { (stream(s)?, host_src(src, size)?) };
        copy::htod_async(s, dst, bytes)
    })
}

unsafe extern "C" fn memcpy_dtoh_async(
    s: sys::fhp_stream_t,
    dst: *mut c_void,
    src: sys::fh_deviceptr_t,
    size: usize,
) -> sys::fh_status_t {
    call(|| {
        flaghal_sys::ptr::require_non_null(dst, "dst")?;
        // SAFETY: loader-validated handle.
        copy::dtoh_async(unsafe { stream(s) }?, dst as usize, src, size)
    })
}

unsafe extern "C" fn memcpy_dtod_async(
    s: sys::fhp_stream_t,
    dst: sys::fh_deviceptr_t,
    src: sys::fh_deviceptr_t,
    size: usize,
) -> sys::fh_status_t {
    // SAFETY: loader-validated handle.
    call(|| copy::dtod_async(unsafe { stream(s) }?, dst, src, size as u64))
}

unsafe extern "C" fn memset(
    handle: sys::fhp_device_t,
    dst: sys::fh_deviceptr_t,
    value: u32,
    element_size: u32,
    count: usize,
) -> sys::fh_status_t {
    // SAFETY: loader-validated handle.
    call(|| copy::memset(unsafe { device(handle) }?, dst, value, element_size, count))
}

unsafe extern "C" fn memset_async(
    s: sys::fhp_stream_t,
    dst: sys::fh_deviceptr_t,
    value: u32,
    element_size: u32,
    count: usize,
) -> sys::fh_status_t {
    // SAFETY: loader-validated handle.
    call(|| copy::memset_async(unsafe { stream(s) }?, dst, value, element_size, count))
}

unsafe extern "C" fn stream_create(handle: sys::fhp_device_t, flags: u32, out: *mut sys::fhp_stream_t) -> sys::fh_status_t {
    call(|| {
        flaghal_sys::ptr::require_non_null(out, "stream")?;
        if flags != sys::FH_STREAM_DEFAULT {
            return Err(invalid_value(format!("unknown stream flags 0x{flags:x}")));
        }
        // SAFETY: loader-validated handle.
        let s = Stream::new(unsafe { device(handle) }?)?;
        // SAFETY: checked non-NULL above; ownership passes to the handle.
        unsafe { write_out(out, Arc::into_raw(s) as sys::fhp_stream_t, "stream") }
    })
}

unsafe extern "C" fn stream_destroy(s: sys::fhp_stream_t) -> sys::fh_status_t {
    call(|| {
        if s.is_null() {
            return Ok(());
        }
        // SAFETY: a live handle is `Arc::into_raw` of a Stream; the loader
        // destroys each handle once. Dropping waits for its work.
        let stream = unsafe { Arc::from_raw(s.cast::<Stream>().cast_const()) };
        let result = stream.synchronize();
        drop(stream);
        result
    })
}

unsafe extern "C" fn stream_synchronize(s: sys::fhp_stream_t) -> sys::fh_status_t {
    // SAFETY: loader-validated handle.
    call(|| unsafe { stream(s) }?.synchronize())
}

unsafe extern "C" fn stream_query(s: sys::fhp_stream_t) -> sys::fh_status_t {
    // SAFETY: loader-validated handle.
    call(|| unsafe { stream(s) }?.query())
}

unsafe extern "C" fn stream_wait_event(s: sys::fhp_stream_t, e: sys::fhp_event_t) -> sys::fh_status_t {
    call(|| {
        // SAFETY: loader-validated handles.
        let (s, e) = unsafe { (stream(s)?, event(e)?) };
        if !std::ptr::eq(s.device, e.device) {
            return Err(FfiError::new(sys::FH_ERROR_INVALID_DEVICE, "stream and event belong to different devices"));
        }
        match e.point() {
            Some((timeline, value)) => s.wait_for(timeline, value),
            None => Ok(()),
        }
    })
}

/// A host function pointer and its argument, sent to the host thread.
struct HostCall(unsafe extern "C" fn(*mut c_void), usize);

unsafe extern "C" fn launch_host_func(s: sys::fhp_stream_t, f: sys::fh_host_fn_t, user: *mut c_void) -> sys::fh_status_t {
    call(|| {
        let f = f.ok_or_else(|| invalid_value("fn is NULL"))?;
        let host_call = HostCall(f, user as usize);
        // SAFETY: loader-validated handle.
        unsafe { stream(s) }?.host_job(Box::new(move || {
            let HostCall(f, user) = host_call;
            // SAFETY: the application passed `f` and `user_data` for exactly
            // this call, on a plugin thread (flaghal.h fhLaunchHostFunc).
            unsafe { f(user as *mut c_void) }
        }))
    })
}

unsafe extern "C" fn event_create(handle: sys::fhp_device_t, flags: u32, out: *mut sys::fhp_event_t) -> sys::fh_status_t {
    call(|| {
        flaghal_sys::ptr::require_non_null(out, "event")?;
        // SAFETY: loader-validated handle.
        let e = Event::new(unsafe { device(handle) }?, flags)?;
        // SAFETY: checked non-NULL above; ownership passes to the handle.
        unsafe { write_out(out, Box::into_raw(Box::new(e)) as sys::fhp_event_t, "event") }
    })
}

unsafe extern "C" fn event_destroy(e: sys::fhp_event_t) -> sys::fh_status_t {
    call(|| {
        if !e.is_null() {
            // SAFETY: a live handle is `Box::into_raw` of an Event, destroyed once.
            drop(unsafe { Box::from_raw(e.cast::<Event>()) });
        }
        Ok(())
    })
}

unsafe extern "C" fn event_record(e: sys::fhp_event_t, s: sys::fhp_stream_t) -> sys::fh_status_t {
    call(|| {
        // SAFETY: loader-validated handles.
        let (e, s) = unsafe { (event(e)?, stream(s)?) };
        if !std::ptr::eq(s.device, e.device) {
            return Err(FfiError::new(sys::FH_ERROR_INVALID_DEVICE, "stream and event belong to different devices"));
        }
        e.record(s)
    })
}

unsafe extern "C" fn event_synchronize(e: sys::fhp_event_t) -> sys::fh_status_t {
    // SAFETY: loader-validated handle.
    call(|| unsafe { event(e) }?.synchronize())
}

unsafe extern "C" fn event_query(e: sys::fhp_event_t) -> sys::fh_status_t {
    // SAFETY: loader-validated handle.
    call(|| unsafe { event(e) }?.query())
}

unsafe extern "C" fn event_elapsed_time(ms: *mut f32, start: sys::fhp_event_t, end: sys::fhp_event_t) -> sys::fh_status_t {
    call(|| {
        flaghal_sys::ptr::require_non_null(ms, "ms")?;
        // SAFETY: loader-validated handles.
        let (a, b) = unsafe { (event(start)?, event(end)?) };
        if !std::ptr::eq(a.device, b.device) {
            return Err(invalid_value("the events belong to different devices"));
        }
        let value = Event::elapsed_ms(a, b)?;
        // SAFETY: checked non-NULL above.
        unsafe { write_out(ms, value, "ms") }
    })
}

unsafe extern "C" fn module_load(
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

unsafe extern "C" fn module_unload(m: sys::fhp_module_t) -> sys::fh_status_t {
    call(|| {
        if !m.is_null() {
            // SAFETY: a live handle is `Box::into_raw` of a Module, unloaded once.
            drop(unsafe { Box::from_raw(m.cast::<Module>()) });
        }
        Ok(())
    })
}

unsafe extern "C" fn module_get_function(
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

unsafe extern "C" fn function_get_attribute(
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

unsafe extern "C" fn launch_kernel(
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

/// The function table, in static storage (flaghal_plugin.h).
struct Table(sys::fh_plugin_api_t);
// SAFETY: the table is immutable; its pointers are to static strings and functions.
unsafe impl Sync for Table {}

static API: Table = Table(sys::fh_plugin_api_t {
    struct_size: size_of::<sys::fh_plugin_api_t>(),
    next: std::ptr::null_mut(),
    name: c"vulkan".as_ptr(),
    vendor: c"FlagHAL reference".as_ptr(),
    version: concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast(),
    init: Some(init),
    device_count: Some(device_count),
    device_get: Some(device_get),
    device_get_properties: Some(device_get_properties),
    device_synchronize: Some(device_synchronize),
    mem_get_info: Some(mem_get_info),
    mem_alloc: Some(mem_alloc),
    mem_free: Some(mem_free),
    mem_alloc_host: Some(mem_alloc_host),
    mem_free_host: Some(mem_free_host),
    memcpy_htod: Some(memcpy_htod),
    memcpy_dtoh: Some(memcpy_dtoh),
    memcpy_dtod: Some(memcpy_dtod),
    memcpy_htod_async: Some(memcpy_htod_async),
    memcpy_dtoh_async: Some(memcpy_dtoh_async),
    memcpy_dtod_async: Some(memcpy_dtod_async),
    memset: Some(memset),
    memset_async: Some(memset_async),
    stream_create: Some(stream_create),
    stream_destroy: Some(stream_destroy),
    stream_synchronize: Some(stream_synchronize),
    stream_query: Some(stream_query),
    stream_wait_event: Some(stream_wait_event),
    launch_host_func: Some(launch_host_func),
    event_create: Some(event_create),
    event_destroy: Some(event_destroy),
    event_record: Some(event_record),
    event_synchronize: Some(event_synchronize),
    event_query: Some(event_query),
    event_elapsed_time: Some(event_elapsed_time),
    module_load: Some(module_load),
    module_unload: Some(module_unload),
    module_get_function: Some(module_get_function),
    function_get_attribute: Some(function_get_attribute),
    launch_kernel: Some(launch_kernel),
});
