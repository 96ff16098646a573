//! The loader's host services (log, error detail), kept once at init. Before
//! init (or in a host without them) logging goes nowhere.

use flaghal_sys as sys;
use parking_lot::RwLock;
use std::ffi::CString;

#[derive(Clone, Copy)]
struct Services {
    context: usize,
    log: Option<unsafe extern "C" fn(*mut std::ffi::c_void, sys::fh_log_level_t, *const std::ffi::c_char)>,
    set_error_detail: Option<unsafe extern "C" fn(*mut std::ffi::c_void, *const std::ffi::c_char)>,
}

static SERVICES: RwLock<Option<Services>> = RwLock::new(None);

/// Remembers the host services (the struct and its functions live until the
/// process exits, per flaghal_plugin.h).
pub fn install(host: &sys::fh_plugin_host_services_t) {
    *SERVICES.write() =
        Some(Services { context: host.context as usize, log: host.log, set_error_detail: host.set_error_detail });
}

fn c_text(text: &str) -> CString {
    CString::new(text.replace('\0', " ")).unwrap_or_default()
}

/// Writes a line to the loader's log.
pub fn log(level: sys::fh_log_level_t, message: &str) {
    let services = *SERVICES.read();
    if let Some(Services { context, log: Some(log), .. }) = services {
        let text = c_text(message);
        // SAFETY: the host guarantees `log` and `context` stay valid until the
        // process exits and accept calls from any thread; `text` is a
        // NUL-terminated string alive for the call.
        unsafe { log(context as *mut std::ffi::c_void, level, text.as_ptr()) };
    }
}

pub fn debug(message: &str) {
    log(sys::FH_LOG_LEVEL_DEBUG, message);
}

pub fn info(message: &str) {
    log(sys::FH_LOG_LEVEL_INFO, message);
}

pub fn warn(message: &str) {
    log(sys::FH_LOG_LEVEL_WARN, message);
}

/// Hands the detail of the failure the calling thread is about to return.
pub fn set_error_detail(message: &str) {
    let services = *SERVICES.read();
    if let Some(Services { context, set_error_detail: Some(set), .. }) = services {
        let text = c_text(message);
        // SAFETY: as in `log`; the host copies the message before returning.
        unsafe { set(context as *mut std::ffi::c_void, text.as_ptr()) };
    }
}
