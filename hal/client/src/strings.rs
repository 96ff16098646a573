//! Strings the loader owns (plugin names, paths, details), copied out.

use std::ffi::c_char;

/// Copies a loader-owned string. flaghal.h promises never NULL; a NULL reads
/// as `<NULL>` so that a contract violation shows instead of hiding as "".
///
/// # Safety
/// `ptr` is NULL or a NUL-terminated string that stays valid during the call
/// (flaghal.h: the loader's strings live until the process exits).
pub unsafe fn loader_string(ptr: *const c_char) -> String {
    // SAFETY: the caller's contract; NULL is reported by in_cstr, not read.
    match unsafe { flaghal_sys::ptr::in_cstr(ptr, "string") } {
        Ok(text) => text.to_string_lossy().into_owned(),
        Err(_) => "<NULL>".to_owned(),
    }
}
