//! The host services handed to each plugin's init: a log that goes through
//! the FLAGHAL_LOADER_DEBUG filter (lines `flaghal: <level>: <plugin>: <text>`)
//! and set_error_detail, which stores the detail of the error the plugin is
//! about to return on the calling thread (see `error_state`).
//!
//! Ownership: one services struct and one context (the plugin's name) per
//! plugin, both `Box`es leaked: they must stay valid until the process exits.
//! The loader keeps their addresses in `ISSUED`, so they stay reachable (leak
//! checkers see process-lifetime data, not a leak) even when a plugin copies
//! the services out and forgets the pointer.

use crate::{debug_log, error_state};
use flaghal_sys::*;
use std::ffi::{c_char, c_void};

/// Addresses of every services struct handed out (see the module doc).
static ISSUED: parking_lot::Mutex<Vec<usize>> = parking_lot::Mutex::new(Vec::new());

/// Builds the services for the plugin called `plugin_name`.
pub fn services_for(plugin_name: &str) -> &'static fh_plugin_host_services_t {
    let context: &'static String = Box::leak(Box::new(plugin_name.to_string()));
    let services = Box::leak(Box::new(fh_plugin_host_services_t {
        struct_size: std::mem::size_of::<fh_plugin_host_services_t>(),
        next: std::ptr::null_mut(),
        context: context as *const String as *mut c_void,
        log: Some(host_log),
        set_error_detail: Some(host_set_error_detail),
    }));
    ISSUED.lock().push(services as *const fh_plugin_host_services_t as usize);
    services
}

/// Pure: plugin log level -> loader debug level (unknown -> debug).
pub fn level_of(level: fh_log_level_t) -> u32 {
    match level {
        FH_LOG_LEVEL_ERROR => debug_log::ERROR,
        FH_LOG_LEVEL_WARN => debug_log::WARN,
        FH_LOG_LEVEL_INFO => debug_log::INFO,
        _ => debug_log::DEBUG,
    }
}

/// # Safety
/// `context` is the pointer `services_for` stored (or NULL).
unsafe fn plugin_name<'a>(context: *mut c_void) -> &'a str {
    // SAFETY: per the contract, a non-NULL context is a leaked String.
    match unsafe { (context as *const String).as_ref() } {
        Some(name) => name,
        None => "plugin",
    }
}

/// # Safety
/// Called by plugins: `context` from the services struct, `message` NULL or
/// a NUL-terminated string.
unsafe extern "C" fn host_log(context: *mut c_void, level: fh_log_level_t, message: *const c_char) {
    let _ = ffi_boundary(
        || {
            let level = level_of(level);
            if debug_log::enabled(level) {
                // SAFETY: per the services contract.
                let name = unsafe { plugin_name(context) };
                // SAFETY: NULL or NUL-terminated per the contract.
                let text = unsafe { ptr::in_cstr(message, "message") }?;
                debug_log::log(level, &format!("{name}: {}", text.to_string_lossy()));
            }
            Ok(())
        },
        |_| {},
    );
}

/// # Safety
/// As [`host_log`].
unsafe extern "C" fn host_set_error_detail(_context: *mut c_void, message: *const c_char) {
    let _ = ffi_boundary(
        || {
            // SAFETY: NULL or NUL-terminated per the contract.
            let text = unsafe { ptr::in_cstr(message, "message") }?;
            error_state::set_plugin_detail(text.to_string_lossy().into_owned());
            Ok(())
        },
        |_| {},
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_error_detail_reaches_the_calling_thread_only() {
        let services = services_for("acme");
        assert_eq!(services.struct_size, std::mem::size_of::<fh_plugin_host_services_t>());
        let set = services.set_error_detail.unwrap();
        // SAFETY: the context and a NUL-terminated literal, as a plugin passes them.
        unsafe { set(services.context, c"device fell off the bus".as_ptr()) };
        std::thread::spawn(|| assert_eq!(error_state::take_plugin_detail(), None)).join().unwrap();
        assert_eq!(error_state::take_plugin_detail().as_deref(), Some("device fell off the bus"));
        // SAFETY: a NULL message is tolerated, not dereferenced.
        unsafe { set(services.context, std::ptr::null()) };
        assert_eq!(error_state::take_plugin_detail(), None);
    }

    #[test]
    fn log_levels_map() {
        assert_eq!(level_of(FH_LOG_LEVEL_WARN), debug_log::WARN);
        assert_eq!(level_of(99), debug_log::DEBUG);
        // SAFETY: the stored context is a leaked String.
        assert_eq!(unsafe { plugin_name(services_for("x1").context) }, "x1");
    }
}
