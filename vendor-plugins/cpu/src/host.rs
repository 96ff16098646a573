//! The host services the loader hands the plugin in `init`
//! (`fh_plugin_host_services_t`): the log and the per-thread error detail.
//!
//! Errors reach the application like this: an entry's body returns
//! `Err(FfiError)`; the panic boundary (`crate::entry::run`) passes the
//! message to [`set_error_detail`] on the calling thread, then returns the
//! status. The plugin never keeps thread-locals of its own for errors.

use flaghal_sys::{fh_log_level_t, fh_plugin_host_services_t, FH_LOG_LEVEL_WARN};
use parking_lot::RwLock;
use std::ffi::{c_void, CString};

/// A copy of the host services struct. The loader guarantees the functions
/// and `context` stay valid until the process exits, on any thread.
#[derive(Clone, Copy)]
struct Host {
    context: *mut c_void,
    log: Option<unsafe extern "C" fn(*mut c_void, fh_log_level_t, *const std::ffi::c_char)>,
    set_error_detail: Option<unsafe extern "C" fn(*mut c_void, *const std::ffi::c_char)>,
}

// SAFETY: the loader documents every service (and its context) as thread-safe
// and valid until process exit; the plugin only passes `context` back.
unsafe impl Send for Host {}
// SAFETY: as above; `Host` is an immutable copy.
unsafe impl Sync for Host {}

static HOST: RwLock<Option<Host>> = RwLock::new(None);

/// Stores the services (init). A later init replaces them.
pub fn install(services: &fh_plugin_host_services_t) {
    *HOST.write() = Some(Host {
        context: services.context,
        log: services.log,
        set_error_detail: services.set_error_detail,
    });
}

/// Whether init has stored host services.
pub fn installed() -> bool {
    HOST.read().is_some()
}

fn to_cstring(text: &str) -> CString {
    CString::new(text.replace('\0', "\\0")).unwrap_or_default()
}

/// Attaches `message` as the detail of the error the calling thread is about
/// to return. A no-op before init or when the host offers no such service.
pub fn set_error_detail(message: &str) {
    let host = *HOST.read();
    if let Some(Host { context, set_error_detail: Some(f), .. }) = host {
        let text = to_cstring(message);
        // SAFETY: `f` and `context` come from the loader's host services,
        // valid until process exit; `text` is NUL-terminated and outlives the call.
        unsafe { f(context, text.as_ptr()) };
    }
}

/// Writes a line to the loader's log. A no-op before init.
pub fn log(level: fh_log_level_t, message: &str) {
    let host = *HOST.read();
    if let Some(Host { context, log: Some(f), .. }) = host {
        let text = to_cstring(message);
        // SAFETY: as in `set_error_detail`.
        unsafe { f(context, level, text.as_ptr()) };
    }
}

/// Shorthand for a warning line.
pub fn warn(message: &str) {
    log(FH_LOG_LEVEL_WARN, message);
}
