//! The host services the loader hands the plugin in init
//! (`fh_plugin_host_services_t`): the log and the per-thread error detail.
//! The SDK stores them (one copy per plugin library) before calling
//! [`crate::Plugin::init`]; plugin code logs with [`log`] and its helpers.
//!
//! Errors reach the application like this: a method returns `Err(FfiError)`;
//! the panic boundary ([`crate::boundary`]) passes the message to
//! [`set_error_detail`] on the calling thread, then returns the status. The
//! plugin keeps no thread-locals of its own for errors.

use crate::sys::{self, fh_log_level_t, fh_plugin_host_services_t};
use std::ffi::{c_char, c_void, CString};
use std::sync::RwLock;

/// A copy of the host services struct. The loader guarantees the functions
/// and `context` stay valid until the process exits, on any thread.
#[derive(Clone, Copy)]
struct Host {
    context: usize,
    log: Option<unsafe extern "C" fn(*mut c_void, fh_log_level_t, *const c_char)>,
    set_error_detail: Option<unsafe extern "C" fn(*mut c_void, *const c_char)>,
}

static HOST: RwLock<Option<Host>> = RwLock::new(None);

fn current() -> Option<Host> {
    *HOST.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Stores the services (init). A later init replaces them.
pub(crate) fn install(services: &fh_plugin_host_services_t) {
    let host = Host { context: services.context as usize, log: services.log, set_error_detail: services.set_error_detail };
    *HOST.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(host);
}

/// Whether init has stored host services.
pub fn installed() -> bool {
    current().is_some()
}

fn to_cstring(text: &str) -> CString {
    CString::new(text.replace('\0', "\\0")).unwrap_or_default()
}

/// Attaches `message` as the detail of the error the calling thread is about
/// to return. A no-op before init or when the host offers no such service.
pub fn set_error_detail(message: &str) {
    if let Some(Host { context, set_error_detail: Some(f), .. }) = current() {
        let text = to_cstring(message);
        // SAFETY: `f` and `context` come from the loader's host services,
        // valid until process exit on any thread; `text` is NUL-terminated
        // and outlives the call (the host copies it).
        unsafe { f(context as *mut c_void, text.as_ptr()) };
    }
}

/// Writes a line to the loader's log (shown with FLAGHAL_LOADER_DEBUG). A
/// no-op before init.
pub fn log(level: fh_log_level_t, message: &str) {
    if let Some(Host { context, log: Some(f), .. }) = current() {
        let text = to_cstring(message);
        // SAFETY: as in `set_error_detail`.
        unsafe { f(context as *mut c_void, level, text.as_ptr()) };
    }
}

pub fn error(message: &str) {
    log(sys::FH_LOG_LEVEL_ERROR, message);
}

pub fn warn(message: &str) {
    log(sys::FH_LOG_LEVEL_WARN, message);
}

pub fn info(message: &str) {
    log(sys::FH_LOG_LEVEL_INFO, message);
}

pub fn debug(message: &str) {
    log(sys::FH_LOG_LEVEL_DEBUG, message);
}
