//! The few C library functions the plugin needs, declared by hand (the `libc`
//! crate is not a workspace dependency), each behind a safe wrapper.

use std::ffi::{c_char, c_int, c_uint, c_void, CStr};
use std::fs::File;
use std::io;
use std::os::fd::FromRawFd;

extern "C" {
    fn memfd_create(name: *const c_char, flags: c_uint) -> c_int;
    fn mlock(addr: *const c_void, len: usize) -> c_int;
    fn munlock(addr: *const c_void, len: usize) -> c_int;
}

/// RTLD_NOLOAD from <dlfcn.h> (glibc and musl, Linux): dlopen succeeds only
/// if the library is already loaded. libloading does not export it.
#[cfg(target_os = "linux")]
pub const RTLD_NOLOAD: c_int = 4;

/// MFD_CLOEXEC from <sys/mman.h>: the descriptor is not inherited by exec.
const MFD_CLOEXEC: c_uint = 1;

/// Creates an anonymous in-memory file (memfd_create(2)). Its descriptor is
/// owned by the returned `File`, which closes it on drop.
pub fn anonymous_file(name: &CStr) -> io::Result<File> {
    // SAFETY: `name` is NUL-terminated; the call has no other preconditions.
    let fd = unsafe { memfd_create(name.as_ptr(), MFD_CLOEXEC) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `fd` is a fresh descriptor that nothing else owns.
    Ok(unsafe { File::from_raw_fd(fd) })
}

/// Locks pages in RAM (mlock(2)); best effort, the error is returned for logging.
///
/// # Safety
/// `addr .. addr + len` is memory of this process.
pub unsafe fn lock_pages(addr: *const u8, len: usize) -> io::Result<()> {
    // SAFETY: the caller guarantees the range is ours; mlock only changes paging.
    if unsafe { mlock(addr.cast(), len) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Unlocks pages locked by [`lock_pages`].
///
/// # Safety
/// As [`lock_pages`].
pub unsafe fn unlock_pages(addr: *const u8, len: usize) {
    // SAFETY: as in `lock_pages`; failure (pages never locked) is harmless.
    let _ = unsafe { munlock(addr.cast(), len) };
}
