//! The host services handed to the plugin's init: `set_error_detail` keeps
//! the message of the calling thread (read with [`take_detail`] or
//! [`detail`]); `log` prints every line to stderr and keeps it
//! ([`log_lines`]).

use flaghal_sys::{ffi_boundary, fh_log_level_t, fh_plugin_host_services_t, ptr};
use std::cell::RefCell;
use std::ffi::{c_char, c_void};
use std::sync::Mutex;

thread_local! {
    static DETAIL: RefCell<String> = const { RefCell::new(String::new()) };
}

static LOG: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// A C string from the plugin, lossily decoded; NULL reads as "(NULL)".
///
/// # Safety
/// `message` is NULL or NUL-terminated and valid during the call.
unsafe fn text(message: *const c_char) -> String {
    // SAFETY: forwarded from the caller.
    unsafe { ptr::in_cstr(message, "message") }.map(|m| m.to_string_lossy().into_owned()).unwrap_or_else(|_| "(NULL)".into())
}

/// The `log` service.
///
/// # Safety
/// `message` is NULL or NUL-terminated (the host services' contract).
unsafe extern "C" fn log(_context: *mut c_void, level: fh_log_level_t, message: *const c_char) {
    ffi_boundary(
        || {
            // SAFETY: the plugin passes a NUL-terminated message.
            let line = unsafe { text(message) };
            eprintln!("[plugin log {level}] {line}");
            LOG.lock().unwrap_or_else(|e| e.into_inner()).push(line);
            Ok(())
        },
        |_| {},
    );
}

/// The `set_error_detail` service.
///
/// # Safety
/// As `log`.
unsafe extern "C" fn set_error_detail(_context: *mut c_void, message: *const c_char) {
    ffi_boundary(
        || {
            // SAFETY: the plugin passes a NUL-terminated message.
            let line = unsafe { text(message) };
            DETAIL.with(|d| *d.borrow_mut() = line);
            Ok(())
        },
        |_| {},
    );
}

struct Services(fh_plugin_host_services_t);
// SAFETY: immutable data: a NULL context and two functions.
unsafe impl Sync for Services {}

static SERVICES: Services = Services(fh_plugin_host_services_t {
    struct_size: std::mem::size_of::<fh_plugin_host_services_t>(),
    next: std::ptr::null_mut(),
    context: std::ptr::null_mut(),
    log: Some(log),
    set_error_detail: Some(set_error_detail),
});

/// The host services (static: valid until the process exits).
pub fn host_services() -> &'static fh_plugin_host_services_t {
    &SERVICES.0
}

/// The detail the plugin attached on this thread, cleared by reading.
pub fn take_detail() -> String {
    DETAIL.with(|d| std::mem::take(&mut *d.borrow_mut()))
}

/// The detail the plugin attached on this thread, left in place.
pub fn detail() -> String {
    DETAIL.with(|d| d.borrow().clone())
}

/// Every line the plugin logged so far, in order.
pub fn log_lines() -> Vec<String> {
    LOG.lock().unwrap_or_else(|e| e.into_inner()).clone()
}
