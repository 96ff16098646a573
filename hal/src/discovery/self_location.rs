//! Where libflaghal.so itself lives (dladdr on one of its own functions), so
//! a relocated install finds `<libdir>/../share/flaghal/plugins.d`.

use std::ffi::{c_char, c_int, c_void, CStr};
use std::path::PathBuf;

#[repr(C)]
struct DlInfo {
    dli_fname: *const c_char,
    dli_fbase: *mut c_void,
    dli_sname: *const c_char,
    dli_saddr: *mut c_void,
}

extern "C" {
    fn dladdr(addr: *const c_void, info: *mut DlInfo) -> c_int;
}

/// The file of the loaded object that contains code `address`, if the
/// dynamic linker knows it. The address is only compared, never read.
pub fn object_path_of(address: usize) -> Option<PathBuf> {
    let mut info = DlInfo {
        dli_fname: std::ptr::null(),
        dli_fbase: std::ptr::null_mut(),
        dli_sname: std::ptr::null(),
        dli_saddr: std::ptr::null_mut(),
    };
    // SAFETY: `info` is a valid, writable Dl_info; dladdr only inspects
    // `address` against the loaded objects' ranges, never dereferences it.
    let found = unsafe { dladdr(address as *const c_void, &mut info) };
    if found == 0 || info.dli_fname.is_null() {
        return None;
    }
    // SAFETY: on success dli_fname is a NUL-terminated string owned by the
    // dynamic linker, valid while the object stays loaded (forever here).
    let name = unsafe { CStr::from_ptr(info.dli_fname) };
    let path = PathBuf::from(<std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(name.to_bytes()));
    Some(std::fs::canonicalize(&path).unwrap_or(path))
}

/// The folder holding libflaghal.so (or the executable, when the loader is
/// linked statically into a Rust test binary).
pub fn install_dir() -> Option<PathBuf> {
    let marker: fn() -> Option<PathBuf> = install_dir;
    object_path_of(marker as usize)?.parent().map(PathBuf::from)
}
