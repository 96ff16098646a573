//! The broken table entries. Each wraps the target's entry (`Shim::original`)
//! inside the panic boundary and misbehaves in exactly one planted way.

use crate::bug::Bug;
use crate::shim;
use flaghal_sys as sys;
use flaghal_sys::{ffi_boundary, FfiError, FfiResult};
use std::ffi::{c_int, c_void};
use std::sync::Mutex;

/// Puts the wrappers for `bug` into `table`.
pub fn plant(bug: Bug, table: &mut sys::fh_plugin_api_t) {
    match bug {
        Bug::CopyLength => {
            table.memcpy_htod = Some(htod_short);
            table.memcpy_htod_async = Some(htod_async_short);
        }
        Bug::QueryLies => table.stream_query = Some(query_lies),
        Bug::LaunchCrash => table.launch_kernel = Some(launch_crash),
        Bug::ZeroElapsed => table.event_elapsed_time = Some(elapsed_zero),
        Bug::NullHandle => {
            table.stream_create = Some(stream_create_null);
            table.event_create = Some(event_create_null);
        }
        Bug::SyncHangs => table.stream_synchronize = Some(synchronize_hangs),
        Bug::PointerLies => table.pointer_get_attributes = Some(pointer_lies),
        Bug::PinnedSnapshot => table.memcpy_htod_async = Some(htod_async_snapshot),
        Bug::StreamOom => table.stream_create = Some(stream_create_oom),
        Bug::StreamOrder => {
            table.memset_async = Some(memset_async_held);
            table.memcpy_htod_async = Some(htod_async_then_held);
            table.memcpy_dtoh_async = Some(dtoh_async_then_held);
            table.memcpy_dtod_async = Some(dtod_async_then_held);
            table.launch_kernel = Some(launch_then_held);
            table.event_record = Some(record_then_held);
            table.stream_synchronize = Some(held_then_synchronize);
            table.stream_query = Some(held_then_query);
            table.stream_destroy = Some(held_then_destroy);
            table.device_synchronize = Some(held_then_device_synchronize);
            table.memcpy_dtoh = Some(held_then_dtoh);
        }
    }
}

fn original() -> FfiResult<&'static sys::fh_plugin_api_t> {
    Ok(&shim()?.original)
}

fn status(rc: sys::fh_status_t) -> FfiResult {
    if rc == sys::FH_SUCCESS {
        Ok(())
    } else {
        // The target already attached its detail text through the host services.
        Err(FfiError::new(rc, ""))
    }
}

fn missing() -> FfiError {
    FfiError::new(sys::FH_ERROR_NOT_SUPPORTED, "planted-bugs: the target lacks this entry")
}

fn run(body: impl FnOnce() -> FfiResult) -> sys::fh_status_t {
    ffi_boundary(body, |_| {})
}

// ---- copy_length ---------------------------------------------------------

unsafe extern "C" fn htod_short(device: sys::fhp_device_t, dst: sys::fh_deviceptr_t, src: *const c_void, size: usize) -> sys::fh_status_t {
    run(|| {
        let f = original()?.memcpy_htod.ok_or_else(missing)?;
        // SAFETY: the caller's arguments are passed on, with a smaller size.
        status(unsafe { f(device, dst, src, size.saturating_sub(1)) })
    })
}

unsafe extern "C" fn htod_async_short(stream: sys::fhp_stream_t, dst: sys::fh_deviceptr_t, src: *const c_void, size: usize) -> sys::fh_status_t {
    run(|| {
        let f = original()?.memcpy_htod_async.ok_or_else(missing)?;
        // SAFETY: as above.
        status(unsafe { f(stream, dst, src, size.saturating_sub(1)) })
    })
}

// ---- query_lies ----------------------------------------------------------

unsafe extern "C" fn query_lies(stream: sys::fhp_stream_t) -> sys::fh_status_t {
    run(|| {
        let f = original()?.stream_query.ok_or_else(missing)?;
        // SAFETY: the caller's handle is passed on; the answer is ignored (the lie).
        let _ = unsafe { f(stream) };
        Ok(())
    })
}

// ---- zero_elapsed --------------------------------------------------------

unsafe extern "C" fn elapsed_zero(ms: *mut f32, start: sys::fhp_event_t, end: sys::fhp_event_t) -> sys::fh_status_t {
    run(|| {
        let f = original()?.event_elapsed_time.ok_or_else(missing)?;
        // SAFETY: the caller's arguments are passed on; `ms` was checked
        // non-NULL by the loader and is overwritten with the lie on success.
        status(unsafe { f(ms, start, end) })?;
        // SAFETY: as above.
        unsafe { ms.write(0.0) };
        Ok(())
    })
}

// ---- pointer_lies -------------------------------------------------------

unsafe extern "C" fn pointer_lies(device: sys::fhp_device_t, address: sys::fh_deviceptr_t, attributes: *mut sys::fh_pointer_attributes_t) -> sys::fh_status_t {
    run(|| {
        let f = original()?.pointer_get_attributes.ok_or_else(missing)?;
        // SAFETY: the caller's arguments, passed on.
        status(unsafe { f(device, address, attributes) })?;
        let min = sys::struct_sizes::FH_POINTER_ATTRIBUTES_STRUCT_SIZE_1_2;
        // SAFETY: the target accepted `attributes`, so it is a sized struct
        // readable and writable for its struct_size.
        let mut answer = unsafe { sys::sized::read_sized(attributes, min, "attributes") }?;
        answer.base = address;
        answer.size /= 2;
        // SAFETY: as above.
        unsafe { sys::sized::write_sized(attributes, &answer, min, "attributes") }?;
        Ok(())
    })
}

// ---- null_handle ---------------------------------------------------------

unsafe extern "C" fn stream_create_null(device: sys::fhp_device_t, flags: u32, out: *mut sys::fhp_stream_t) -> sys::fh_status_t {
    run(|| {
        let table = original()?;
        let (create, destroy) = (table.stream_create.ok_or_else(missing)?, table.stream_destroy.ok_or_else(missing)?);
        // SAFETY: the caller's arguments are passed on; the stream made is
        // destroyed at once and NULL is reported instead (the bug).
        unsafe {
            status(create(device, flags, out))?;
            status(destroy(*out))?;
            out.write(std::ptr::null_mut());
        }
        Ok(())
    })
}

unsafe extern "C" fn event_create_null(device: sys::fhp_device_t, flags: u32, out: *mut sys::fhp_event_t) -> sys::fh_status_t {
    run(|| {
        let table = original()?;
        let (create, destroy) = (table.event_create.ok_or_else(missing)?, table.event_destroy.ok_or_else(missing)?);
        // SAFETY: as for stream_create_null.
        unsafe {
            status(create(device, flags, out))?;
            status(destroy(*out))?;
            out.write(std::ptr::null_mut());
        }
        Ok(())
    })
}

// ---- stream_oom ----------------------------------------------------------

unsafe extern "C" fn stream_create_oom(_: sys::fhp_device_t, _: u32, _: *mut sys::fhp_stream_t) -> sys::fh_status_t {
    run(|| Err(FfiError::new(sys::FH_ERROR_OUT_OF_MEMORY, "planted: no memory left for another stream")))
}

// ---- sync_hangs ----------------------------------------------------------

unsafe extern "C" fn synchronize_hangs(_: sys::fhp_stream_t) -> sys::fh_status_t {
    run(|| loop {
        std::thread::sleep(std::time::Duration::from_secs(3600));
    })
}

// ---- launch_crash --------------------------------------------------------

unsafe extern "C" {
    /// POSIX raise(3), from the C library every process already links.
    fn raise(signal: c_int) -> c_int;
    /// ISO C signal(3): the handler as an address (SIG_DFL is 0).
    fn signal(signal: c_int, handler: usize) -> usize;
}

const SIGSEGV: c_int = 11;
const SIG_DFL: usize = 0;

unsafe extern "C" fn launch_crash(_: sys::fhp_function_t, _: *const sys::fh_plugin_launch_params_t, _: sys::fhp_stream_t) -> sys::fh_status_t {
    run(|| {
        // SAFETY: restoring the default action and raising a signal have no
        // memory-safety preconditions. The default action is needed because
        // Rust's runtime handles SIGSEGV (stack-overflow detection) and would
        // return from a raised one; the process dies here on purpose, as a
        // buggy driver would.
        unsafe {
            signal(SIGSEGV, SIG_DFL);
            raise(SIGSEGV);
        }
        Err(FfiError::new(sys::FH_ERROR_UNKNOWN, "planted-bugs: SIGSEGV did not end the process"))
    })
}

// ---- stream_order --------------------------------------------------------

/// The one memset held back, issued after the next operation on its stream.
struct Held {
    stream: usize,
    dst: sys::fh_deviceptr_t,
    value: u32,
    element_size: u32,
    count: usize,
}

static HELD: Mutex<Option<Held>> = Mutex::new(None);

/// Takes the held memset if it belongs to `stream` (any stream when None).
fn take_held(stream: Option<sys::fhp_stream_t>) -> Option<Held> {
    let mut held = HELD.lock().unwrap_or_else(|e| e.into_inner());
    match (&*held, stream) {
        (Some(h), Some(s)) if h.stream != s as usize => None,
        (Some(_), _) => held.take(),
        (None, _) => None,
    }
}

fn issue(held: Option<Held>) -> FfiResult {
    if let Some(h) = held {
        let f = original()?.memset_async.ok_or_else(missing)?;
        // SAFETY: the arguments were given by the caller for this very call, only later.
        status(unsafe { f(h.stream as sys::fhp_stream_t, h.dst, h.value, h.element_size, h.count) })?;
    }
    Ok(())
}

/// Runs `op` on `stream`, then the memset held for that stream.
fn op_then_held(stream: sys::fhp_stream_t, op: impl FnOnce() -> sys::fh_status_t) -> sys::fh_status_t {
    run(|| {
        let held = take_held(Some(stream));
        let rc = op();
        issue(held)?;
        status(rc)
    })
}

/// Issues the memset held for `stream` (every stream when None), then `op`.
fn held_then_op(stream: Option<sys::fhp_stream_t>, op: impl FnOnce() -> sys::fh_status_t) -> sys::fh_status_t {
    run(|| {
        issue(take_held(stream))?;
        status(op())
    })
}

unsafe extern "C" fn memset_async_held(stream: sys::fhp_stream_t, dst: sys::fh_deviceptr_t, value: u32, element_size: u32, count: usize) -> sys::fh_status_t {
    run(|| {
        let previous = take_held(Some(stream));
        if previous.is_some() {
            // Two memsets in a row: issue this one, then the earlier one.
            let f = original()?.memset_async.ok_or_else(missing)?;
            // SAFETY: the caller's arguments, passed on.
            status(unsafe { f(stream, dst, value, element_size, count) })?;
            return issue(previous);
        }
        issue(take_held(None))?; // a memset held for another stream goes now
        *HELD.lock().unwrap_or_else(|e| e.into_inner()) = Some(Held { stream: stream as usize, dst, value, element_size, count });
        Ok(())
    })
}

unsafe extern "C" fn htod_async_then_held(stream: sys::fhp_stream_t, dst: sys::fh_deviceptr_t, src: *const c_void, size: usize) -> sys::fh_status_t {
    op_then_held(stream, || match original().ok().and_then(|t| t.memcpy_htod_async) {
        // SAFETY: the caller's arguments, passed on.
        Some(f) => unsafe { f(stream, dst, src, size) },
        None => sys::FH_ERROR_NOT_SUPPORTED,
    })
}

unsafe extern "C" fn dtoh_async_then_held(stream: sys::fhp_stream_t, dst: *mut c_void, src: sys::fh_deviceptr_t, size: usize) -> sys::fh_status_t {
    op_then_held(stream, || match original().ok().and_then(|t| t.memcpy_dtoh_async) {
        // SAFETY: the caller's arguments, passed on.
        Some(f) => unsafe { f(stream, dst, src, size) },
        None => sys::FH_ERROR_NOT_SUPPORTED,
    })
}

unsafe extern "C" fn dtod_async_then_held(stream: sys::fhp_stream_t, dst: sys::fh_deviceptr_t, src: sys::fh_deviceptr_t, size: usize) -> sys::fh_status_t {
    op_then_held(stream, || match original().ok().and_then(|t| t.memcpy_dtod_async) {
        // SAFETY: the caller's arguments, passed on.
        Some(f) => unsafe { f(stream, dst, src, size) },
        None => sys::FH_ERROR_NOT_SUPPORTED,
    })
}

unsafe extern "C" fn launch_then_held(function: sys::fhp_function_t, params: *const sys::fh_plugin_launch_params_t, stream: sys::fhp_stream_t) -> sys::fh_status_t {
    op_then_held(stream, || match original().ok().and_then(|t| t.launch_kernel) {
        // SAFETY: the caller's arguments, passed on.
        Some(f) => unsafe { f(function, params, stream) },
        None => sys::FH_ERROR_NOT_SUPPORTED,
    })
}

unsafe extern "C" fn record_then_held(event: sys::fhp_event_t, stream: sys::fhp_stream_t) -> sys::fh_status_t {
    op_then_held(stream, || match original().ok().and_then(|t| t.event_record) {
        // SAFETY: the caller's arguments, passed on.
        Some(f) => unsafe { f(event, stream) },
        None => sys::FH_ERROR_NOT_SUPPORTED,
    })
}

unsafe extern "C" fn held_then_synchronize(stream: sys::fhp_stream_t) -> sys::fh_status_t {
    held_then_op(Some(stream), || match original().ok().and_then(|t| t.stream_synchronize) {
        // SAFETY: the caller's handle, passed on.
        Some(f) => unsafe { f(stream) },
        None => sys::FH_ERROR_NOT_SUPPORTED,
    })
}

unsafe extern "C" fn held_then_query(stream: sys::fhp_stream_t) -> sys::fh_status_t {
    held_then_op(Some(stream), || match original().ok().and_then(|t| t.stream_query) {
        // SAFETY: the caller's handle, passed on.
        Some(f) => unsafe { f(stream) },
        None => sys::FH_ERROR_NOT_SUPPORTED,
    })
}

unsafe extern "C" fn held_then_destroy(stream: sys::fhp_stream_t) -> sys::fh_status_t {
    held_then_op(Some(stream), || match original().ok().and_then(|t| t.stream_destroy) {
        // SAFETY: the caller's handle, passed on.
        Some(f) => unsafe { f(stream) },
        None => sys::FH_ERROR_NOT_SUPPORTED,
    })
}

unsafe extern "C" fn held_then_device_synchronize(device: sys::fhp_device_t) -> sys::fh_status_t {
    held_then_op(None, || match original().ok().and_then(|t| t.device_synchronize) {
        // SAFETY: the caller's handle, passed on.
        Some(f) => unsafe { f(device) },
        None => sys::FH_ERROR_NOT_SUPPORTED,
    })
}

unsafe extern "C" fn held_then_dtoh(device: sys::fhp_device_t, dst: *mut c_void, src: sys::fh_deviceptr_t, size: usize) -> sys::fh_status_t {
    held_then_op(None, || match original().ok().and_then(|t| t.memcpy_dtoh) {
        // SAFETY: the caller's arguments, passed on.
        Some(f) => unsafe { f(device, dst, src, size) },
        None => sys::FH_ERROR_NOT_SUPPORTED,
    })
}

// ---- pinned_snapshot -----------------------------------------------------

/// Queues the copy from a private snapshot of the source taken now, and a
/// host function after it that frees the snapshot.
unsafe extern "C" fn htod_async_snapshot(stream: sys::fhp_stream_t, dst: sys::fh_deviceptr_t, src: *const c_void, size: usize) -> sys::fh_status_t {
    run(|| {
        let t = original()?;
        let (copy, free) = (t.memcpy_htod_async.ok_or_else(missing)?, t.launch_host_func.ok_or_else(missing)?);
        // SAFETY: the loader passes a source readable for `size` bytes (non-NULL, size > 0).
        let bytes = unsafe { sys::ptr::in_bytes(src, size, "src") }?;
        let snapshot = Box::into_raw(Box::new(bytes.to_vec()));
        // SAFETY: the snapshot lives until free_snapshot runs after the copy on the same stream.
        if let Err(e) = status(unsafe { copy(stream, dst, (*snapshot).as_ptr().cast(), size) }) {
            // SAFETY: the copy was refused, so nothing uses the snapshot.
            drop(unsafe { Box::from_raw(snapshot) });
            return Err(e);
        }
        // SAFETY: free_snapshot takes back the Box leaked above, once; if the
        // plugin refuses it, the snapshot is leaked (the copy still reads it).
        let _ = unsafe { free(stream, Some(free_snapshot), snapshot.cast()) };
        Ok(())
    })
}

/// # Safety
/// `snapshot` is the `Box<Vec<u8>>` htod_async_snapshot leaked, passed once.
unsafe extern "C" fn free_snapshot(snapshot: *mut c_void) {
    let _ = ffi_boundary(
        || {
            // SAFETY: per the contract.
            drop(unsafe { Box::from_raw(snapshot as *mut Vec<u8>) });
            Ok(())
        },
        |_| {},
    );
}
