//! Group `abi`: the plugin's entry point driven directly (dlopen the plugin
//! library, call fhPluginNegotiate with edge cases), its function table,
//! status names, and NULL destruction.

use super::util::status_of;
use super::{core, Ctx, Stop, TestDef, TestResult};
use crate::status_names::ALL_STATUSES;
use crate::{ensure, expect_status};
use flaghal_sys as sys;
use std::ffi::c_char;
use std::mem::size_of;

pub fn tests() -> Vec<TestDef> {
    vec![
        core("abi.negotiate_current", "negotiation at the loader's own version succeeds with a table", negotiate_current),
        core("abi.negotiate_other_major", "another ABI major is refused with NOT_SUPPORTED, plugin major written", other_major),
        core("abi.negotiate_older_loader_minor", "a loader with an older max minor is accepted at that minor", older_minor),
        core("abi.negotiate_newer_loader_minor", "a newer loader minor is answered with the plugin's own", newer_minor),
        core("abi.negotiate_min_above_plugin", "a loader minimum above the plugin's minor is refused", min_above),
        core("abi.negotiate_bad_arguments", "NULL, a small struct_size and min > max are refused, nothing written", bad_arguments),
        core("abi.negotiate_larger_struct", "a larger (future) args struct is accepted, its unknown tail untouched", larger_struct),
        core("abi.function_table", "table size, REQUIRED entries, identity strings; the same table each time", function_table),
        core("abi.capabilities_match_table", "every capability the device reports has its optional entries", caps_match_table),
        core("abi.status_names", "fhGetErrorName/String for every code; unknown codes refused", status_names),
        core("abi.destroy_null", "destroying or freeing NULL is a successful no-op", destroy_null),
        core("abi.plugin_info", "fhGetVersion and fhPluginGetInfo describe the loaded plugin; struct sizes honoured", plugin_info),
        core("abi.last_error_message", "detail message: length, truncation, NUL, kept by successful calls", last_error_message),
    ]
}

use sys::struct_sizes::{
    FH_PLUGIN_API_STRUCT_SIZE_1_0 as API_SIZE_1_0, FH_PLUGIN_NEGOTIATE_ARGS_STRUCT_SIZE_1_0 as NEGOTIATE_SIZE_1_0,
};

type NegotiateFn = unsafe extern "C" fn(*mut sys::fh_plugin_negotiate_args_t) -> sys::fh_status_t;

/// The plugin's entry point, from its library opened directly (never closed:
/// libraries stay loaded for the life of the process, docs/abi.md "Lifetime").
fn entry(ctx: &Ctx) -> Result<NegotiateFn, Stop> {
    let path = ctx
        .plugin_library
        .as_ref()
        .ok_or_else(|| Stop::Fail("fhPluginGetInfo names no library for this device's plugin".into()))?;
    // SAFETY: the loader has already loaded this very library; opening it again
    // only bumps its reference count and runs no new initialisers.
    let library = unsafe { libloading::Library::new(path) }
        .map_err(|e| Stop::Fail(format!("dlopen {}: {e}", path.display())))?;
    let library: &'static libloading::Library = Box::leak(Box::new(library));
    // SAFETY: fhPluginNegotiate has the signature flaghal_plugin.h declares.
    let symbol = unsafe { library.get::<NegotiateFn>(sys::FH_PLUGIN_ENTRY_SYMBOL) }
        .map_err(|e| Stop::Fail(format!("{}: no fhPluginNegotiate: {e}", path.display())))?;
    Ok(*symbol)
}

fn args(major: u32, min: u32, max: u32) -> sys::fh_plugin_negotiate_args_t {
    sys::fh_plugin_negotiate_args_t {
        struct_size: size_of::<sys::fh_plugin_negotiate_args_t>(),
        loader_abi_major: major,
        loader_abi_min_minor: min,
        loader_abi_max_minor: max,
        ..Default::default()
    }
}

fn negotiate(ctx: &Ctx, major: u32, min: u32, max: u32) -> Result<(sys::fh_status_t, sys::fh_plugin_negotiate_args_t), Stop> {
    let f = entry(ctx)?;
    let mut a = args(major, min, max);
    // SAFETY: a is a fully initialised args struct with struct_size set.
    let rc = unsafe { f(&mut a) };
    Ok((rc, a))
}

/// The plugin's highest minor for major 1 (asked with a very new loader).
fn plugin_max_minor(ctx: &Ctx) -> Result<u32, Stop> {
    let (rc, a) = negotiate(ctx, 1, 0, 1000)?;
    expect_status!(rc, sys::FH_SUCCESS, "negotiate(major 1, minor 0..1000)");
    Ok(a.plugin_abi_minor)
}

fn negotiate_current(ctx: &Ctx) -> TestResult {
    let (rc, a) = negotiate(ctx, sys::FH_PLUGIN_ABI_VERSION_MAJOR, sys::FH_PLUGIN_ABI_MIN_MINOR, sys::FH_PLUGIN_ABI_VERSION_MINOR)?;
    expect_status!(rc, sys::FH_SUCCESS, "negotiate at the loader's version");
    ensure!(a.plugin_abi_major == 1, "plugin_abi_major {} (expected 1)", a.plugin_abi_major);
    // An older plugin (ABI 1.0 against this 1.1 loader) answers its own highest minor.
    let want = plugin_max_minor(ctx)?.min(sys::FH_PLUGIN_ABI_VERSION_MINOR);
    ensure!(a.plugin_abi_minor == want, "plugin_abi_minor {}, expected min(plugin's max, loader's {}) = {want}", a.plugin_abi_minor, sys::FH_PLUGIN_ABI_VERSION_MINOR);
    ensure!(!a.api.is_null(), "negotiation succeeded but api is NULL");
    Ok(())
}

fn other_major(ctx: &Ctx) -> TestResult {
    for major in [0u32, 2, 1023] {
        let (rc, a) = negotiate(ctx, major, 0, 0)?;
        expect_status!(rc, sys::FH_ERROR_NOT_SUPPORTED, "negotiate with loader major {major}");
        ensure!(a.api.is_null(), "major {major} refused but api was written");
        ensure!(a.plugin_abi_major == 1, "refusing major {major}, plugin_abi_major must still be written (got {})", a.plugin_abi_major);
    }
    Ok(())
}

fn older_minor(ctx: &Ctx) -> TestResult {
    let max = plugin_max_minor(ctx)?;
    for loader_max in 0..=max {
        let (rc, a) = negotiate(ctx, 1, 0, loader_max)?;
        expect_status!(rc, sys::FH_SUCCESS, "negotiate with loader max minor {loader_max}");
        ensure!(a.plugin_abi_minor == loader_max, "loader max minor {loader_max}: plugin answered {}", a.plugin_abi_minor);
        ensure!(!a.api.is_null(), "accepted without a table");
    }
    Ok(())
}

fn newer_minor(ctx: &Ctx) -> TestResult {
    let max = plugin_max_minor(ctx)?;
    for loader_max in [max + 1, max + 7, 1023] {
        let (rc, a) = negotiate(ctx, 1, 0, loader_max)?;
        expect_status!(rc, sys::FH_SUCCESS, "negotiate with loader max minor {loader_max}");
        ensure!(a.plugin_abi_minor == max, "loader max {loader_max}: answered {} (expected the plugin's {max})", a.plugin_abi_minor);
    }
    Ok(())
}

fn min_above(ctx: &Ctx) -> TestResult {
    let max = plugin_max_minor(ctx)?;
    let (rc, a) = negotiate(ctx, 1, max + 1, max + 3)?;
    expect_status!(rc, sys::FH_ERROR_NOT_SUPPORTED, "loader minimum minor {} above the plugin's {max}", max + 1);
    ensure!(a.plugin_abi_major == 1 && a.plugin_abi_minor == max, "refusal must report the plugin's version 1.{max}, got {}.{}", a.plugin_abi_major, a.plugin_abi_minor);
    ensure!(a.api.is_null(), "refused but api was written");
    Ok(())
}

fn bad_arguments(ctx: &Ctx) -> TestResult {
    let f = entry(ctx)?;
    // SAFETY: NULL is the case under test; the spec requires INVALID_VALUE.
    expect_status!(unsafe { f(std::ptr::null_mut()) }, sys::FH_ERROR_INVALID_VALUE, "negotiate(NULL)");
    for size in [0usize, 8, NEGOTIATE_SIZE_1_0 - 8, NEGOTIATE_SIZE_1_0 - 1] {
        let mut a = args(1, 0, 0);
        a.struct_size = size;
        a.plugin_abi_major = 0xAAAA;
        a.plugin_abi_minor = 0xBBBB;
        // SAFETY: a is a full-size struct; only its declared size is smaller.
        let rc = unsafe { f(&mut a) };
        expect_status!(rc, sys::FH_ERROR_INVALID_VALUE, "negotiate with struct_size {size}");
        ensure!(a.plugin_abi_major == 0xAAAA && a.plugin_abi_minor == 0xBBBB && a.api.is_null(), "struct_size {size} refused but outputs were written");
    }
    let mut a = args(1, 3, 1);
    // SAFETY: a valid args struct.
    expect_status!(unsafe { f(&mut a) }, sys::FH_ERROR_INVALID_VALUE, "negotiate with min minor 3 > max minor 1");
    ensure!(a.api.is_null(), "min > max refused but api was written");
    Ok(())
}

fn larger_struct(ctx: &Ctx) -> TestResult {
    let f = entry(ctx)?;
    #[repr(C)]
    struct Future {
        args: sys::fh_plugin_negotiate_args_t,
        tail: [u64; 8],
    }
    let mut future = Future { args: args(1, 0, 0), tail: [0x5151_5151_5151_5151; 8] };
    future.args.struct_size = size_of::<Future>();
    // SAFETY: future is valid for its declared struct_size.
    let rc = unsafe { f(&mut future.args) };
    expect_status!(rc, sys::FH_SUCCESS, "negotiate with struct_size {}", size_of::<Future>());
    ensure!(future.tail.iter().all(|w| *w == 0x5151_5151_5151_5151), "a 1.0 plugin wrote past the 1.0 negotiate args");
    let first = future.args.api;
    let (_, again) = negotiate(ctx, 1, 0, 0)?;
    ensure!(again.api == first, "a second negotiation returned a different table");
    Ok(())
}

/// The plugin's table, copied through the sized-struct rule.
fn table(ctx: &Ctx) -> Result<(usize, sys::fh_plugin_api_t), Stop> {
    let (rc, a) = negotiate(ctx, 1, 0, 0)?;
    expect_status!(rc, sys::FH_SUCCESS, "negotiate");
    // SAFETY: the plugin returned a table valid for the life of the process,
    // starting with its struct_size; read_sized reads only inside it.
    let table = unsafe { sys::sized::read_sized(a.api, API_SIZE_1_0, "api") }.map_err(|e| Stop::Fail(e.message))?;
    Ok((table.struct_size, table))
}

fn c_text(ptr: *const c_char, what: &str) -> Result<String, Stop> {
    // SAFETY: the table's identity strings are static and NUL-terminated per the spec; NULL is reported.
    let text = unsafe { sys::ptr::in_cstr(ptr, what) }.map_err(|e| Stop::Fail(format!("table {}", e.message)))?;
    Ok(text.to_string_lossy().into_owned())
}

fn function_table(ctx: &Ctx) -> TestResult {
    let (size, t) = table(ctx)?;
    ensure!(size >= API_SIZE_1_0, "table struct_size {size} below the 1.0 size {API_SIZE_1_0}");
    let name = c_text(t.name, "name")?;
    c_text(t.vendor, "vendor")?;
    c_text(t.version, "version")?;
    ensure!(
        !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-'),
        "plugin name '{name}' is not [a-z0-9_-]+"
    );
    ensure!(name == ctx.props.plugin_name(), "table name '{name}' differs from the device's plugin_name '{}'", ctx.props.plugin_name());
    let required = [
        ("init", t.init.is_some()),
        ("device_count", t.device_count.is_some()),
        ("device_get", t.device_get.is_some()),
        ("device_get_properties", t.device_get_properties.is_some()),
        ("device_synchronize", t.device_synchronize.is_some()),
        ("mem_get_info", t.mem_get_info.is_some()),
        ("mem_alloc", t.mem_alloc.is_some()),
        ("mem_free", t.mem_free.is_some()),
        ("memcpy_htod", t.memcpy_htod.is_some()),
        ("memcpy_dtoh", t.memcpy_dtoh.is_some()),
        ("memcpy_dtod", t.memcpy_dtod.is_some()),
        ("memcpy_htod_async", t.memcpy_htod_async.is_some()),
        ("memcpy_dtoh_async", t.memcpy_dtoh_async.is_some()),
        ("memcpy_dtod_async", t.memcpy_dtod_async.is_some()),
        ("memset", t.memset.is_some()),
        ("memset_async", t.memset_async.is_some()),
        ("stream_create", t.stream_create.is_some()),
        ("stream_destroy", t.stream_destroy.is_some()),
        ("stream_synchronize", t.stream_synchronize.is_some()),
        ("stream_query", t.stream_query.is_some()),
        ("stream_wait_event", t.stream_wait_event.is_some()),
        ("event_create", t.event_create.is_some()),
        ("event_destroy", t.event_destroy.is_some()),
        ("event_record", t.event_record.is_some()),
        ("event_synchronize", t.event_synchronize.is_some()),
        ("event_query", t.event_query.is_some()),
        ("module_load", t.module_load.is_some()),
        ("module_unload", t.module_unload.is_some()),
        ("module_get_function", t.module_get_function.is_some()),
        ("function_get_attribute", t.function_get_attribute.is_some()),
        ("launch_kernel", t.launch_kernel.is_some()),
    ];
    let missing: Vec<&str> = required.iter().filter(|(_, present)| !present).map(|(n, _)| *n).collect();
    ensure!(missing.is_empty(), "REQUIRED table entries are NULL: {}", missing.join(", "));
    ensure!(t.next.is_null(), "table next must be NULL in ABI 1.0");
    Ok(())
}

fn caps_match_table(ctx: &Ctx) -> TestResult {
    let (_, t) = table(ctx)?;
    let caps = [
        (sys::FH_DEVICE_CAP_EVENT_TIMING, "event_elapsed_time", t.event_elapsed_time.is_some()),
        (sys::FH_DEVICE_CAP_HOST_FUNC, "launch_host_func", t.launch_host_func.is_some()),
        (sys::FH_DEVICE_CAP_PINNED_HOST_MEMORY, "mem_alloc_host/mem_free_host", t.mem_alloc_host.is_some() && t.mem_free_host.is_some()),
    ];
    for (cap, entry, present) in caps {
        ensure!(
            !ctx.props.has(cap) || present,
            "the device reports {} but the table entry {entry} is NULL",
            crate::status_names::capability_name(cap)
        );
    }
    Ok(())
}

fn status_names(ctx: &Ctx) -> TestResult {
    for (code, name) in ALL_STATUSES {
        let got = ctx.hal.error_name(code);
        expect_status!(status_of(&got), sys::FH_SUCCESS, "fhGetErrorName({code})");
        ensure!(got.as_deref().ok() == Some(name), "fhGetErrorName({code}) = {got:?}, expected {name}");
        let text = ctx.hal.error_string(code);
        expect_status!(status_of(&text), sys::FH_SUCCESS, "fhGetErrorString({code})");
        ensure!(text.as_deref().is_ok_and(|t| !t.trim().is_empty()), "fhGetErrorString({code}) is empty");
    }
    let sentinel = c"unchanged".as_ptr();
    for code in [16, 99, -1, i32::MAX] {
        for description in [false, true] {
            let mut ptr = sentinel;
            // SAFETY: ptr is a valid out pointer.
            let rc = unsafe {
                if description { ctx.hal.raw().fhGetErrorString(code, &mut ptr) } else { ctx.hal.raw().fhGetErrorName(code, &mut ptr) }
            };
            expect_status!(rc, sys::FH_ERROR_INVALID_VALUE, "fhGetError{}({code})", if description { "String" } else { "Name" });
            ensure!(ptr == sentinel, "unknown status {code}: the output pointer was changed");
        }
    }
    Ok(())
}

fn destroy_null(ctx: &Ctx) -> TestResult {
    let hal = ctx.hal.raw();
    // SAFETY: NULL handles are the case under test: documented no-ops.
    unsafe {
        expect_status!(hal.fhStreamDestroy(std::ptr::null_mut()), sys::FH_SUCCESS, "fhStreamDestroy(NULL)");
        expect_status!(hal.fhEventDestroy(std::ptr::null_mut()), sys::FH_SUCCESS, "fhEventDestroy(NULL)");
        expect_status!(hal.fhModuleUnload(std::ptr::null_mut()), sys::FH_SUCCESS, "fhModuleUnload(NULL)");
        expect_status!(hal.fhMemFree(ctx.device.0, 0), sys::FH_SUCCESS, "fhMemFree(device, 0)");
        // A no-op on every device, with or without pinned memory (flaghal.h).
        expect_status!(hal.fhMemFreeHost(ctx.device.0, std::ptr::null_mut()), sys::FH_SUCCESS, "fhMemFreeHost(device, NULL)");
    }
    Ok(())
}

fn plugin_info(ctx: &Ctx) -> TestResult {
    let version = ctx.hal.version()?;
    ensure!(version >> 22 == 1, "fhGetVersion major {} (expected 1)", version >> 22);
    let count = ctx.hal.plugin_count()?;
    let mine: Vec<_> = (0..count)
        .filter_map(|i| ctx.hal.plugin_info(i).ok())
        .filter(|p| p.loaded && p.name == ctx.props.plugin_name())
        .collect();
    ensure!(mine.len() == 1, "{} loaded plugins named '{}' (expected 1)", mine.len(), ctx.props.plugin_name());
    let p = &mine[0];
    ensure!(p.abi_version >> 22 == 1, "negotiated ABI major {}", p.abi_version >> 22);
    ensure!(p.device_count >= 1, "the plugin serving this device reports {} devices", p.device_count);
    ensure!(p.skip_reason == sys::FH_PLUGIN_SKIP_NONE && p.skip_detail.is_empty(), "a loaded plugin has a skip reason");
    ensure!(std::path::Path::new(&p.library_path).is_absolute(), "library_path '{}' is not absolute", p.library_path);
    let mut info = sys::fh_plugin_info_t { struct_size: 8, ..Default::default() };
    // SAFETY: info is valid for its full size.
    expect_status!(unsafe { ctx.hal.raw().fhPluginGetInfo(0, &mut info) }, sys::FH_ERROR_INVALID_VALUE, "fhPluginGetInfo with struct_size 8");
    // An older caller that knows only {struct_size, next}: nothing else written.
    let sentinel = c"untouched".as_ptr();
    let mut info = sys::fh_plugin_info_t { struct_size: 16, name: sentinel, ..Default::default() };
    // SAFETY: as above.
    expect_status!(unsafe { ctx.hal.raw().fhPluginGetInfo(0, &mut info) }, sys::FH_SUCCESS, "fhPluginGetInfo with struct_size 16");
    ensure!(info.name == sentinel && info.struct_size == 16, "fhPluginGetInfo wrote past the caller's struct_size");
    let mut info = sys::fh_plugin_info_t { struct_size: size_of::<sys::fh_plugin_info_t>(), ..Default::default() };
    // SAFETY: as above.
    expect_status!(unsafe { ctx.hal.raw().fhPluginGetInfo(count, &mut info) }, sys::FH_ERROR_INVALID_VALUE, "fhPluginGetInfo(index = count)");
    Ok(())
}

fn last_error_message(ctx: &Ctx) -> TestResult {
    let hal = ctx.hal.raw();
    let failed = ctx.hal.mem_alloc(ctx.device, 0);
    ensure!(failed.is_err(), "fhMemAlloc(size 0) succeeded");
    let mut length = 0usize;
    // SAFETY: buffer NULL with size 0 is allowed; length is a valid out pointer.
    expect_status!(unsafe { hal.fhGetLastErrorMessage(std::ptr::null_mut(), 0, &mut length) }, sys::FH_SUCCESS, "fhGetLastErrorMessage(NULL, 0)");
    ensure!(length > 0, "no detail message after fhMemAlloc(size 0) failed");
    let mut small = [0x7f as c_char; 6];
    let mut length2 = 0usize;
    // SAFETY: small is valid for 6 bytes.
    expect_status!(unsafe { hal.fhGetLastErrorMessage(small.as_mut_ptr(), small.len(), &mut length2) }, sys::FH_SUCCESS, "fhGetLastErrorMessage(buffer of 6)");
    ensure!(length2 == length, "full length {length2} differs from {length}");
    let expected_len = length.min(5);
    ensure!(small[expected_len] == 0, "truncated message is not NUL-terminated at {expected_len}");
    let full = ctx.hal.last_error_message();
    ensure!(full.len() == length.min(1023), "message length {} vs reported {length}", full.len());
    ensure!(full.contains("fhMemAlloc"), "detail message '{full}' does not name the operation fhMemAlloc");
    ctx.hal.device_count()?;
    ensure!(ctx.hal.last_error_message() == full, "a successful call changed the detail message");
    // SAFETY: NULL buffer with a non-zero size is the case under test.
    expect_status!(unsafe { hal.fhGetLastErrorMessage(std::ptr::null_mut(), 10, &mut length) }, sys::FH_ERROR_INVALID_VALUE, "fhGetLastErrorMessage(NULL, 10)");
    Ok(())
}
