//! The libflaghal.so.1 of this process. An fh_device_t belongs to the loader
//! instance that made it, so the operator library never loads a loader of
//! its own: it opens the one already loaded (RTLD_NOLOAD, matched by
//! SONAME, whatever path it came from) and keeps that table for the life of
//! the process (libflaghal.so is linked -z nodelete).

use crate::error::unsupported;
use flaghal_sys::dynamic::FlagHal;
use flaghal_sys::{FfiError, FfiResult, FH_ERROR_NOT_INITIALIZED};
use libloading::os::unix::{Library, RTLD_NOW};
use std::sync::OnceLock;

/// dlopen's RTLD_NOLOAD (glibc and musl, every Linux architecture):
/// libloading does not export it.
const RTLD_NOLOAD: std::os::raw::c_int = 4;

static TABLE: OnceLock<FlagHal> = OnceLock::new();

/// The loader's entry points; FH_ERROR_NOT_INITIALIZED when no
/// libflaghal.so.1 is loaded in the process.
pub fn table() -> FfiResult<&'static FlagHal> {
    if let Some(table) = TABLE.get() {
        return Ok(table);
    }
    // SAFETY: RTLD_NOLOAD maps nothing new and runs no initialiser; it only
    // returns another reference to an already loaded libflaghal.so.1.
    let library = unsafe { Library::open(Some("libflaghal.so.1"), RTLD_NOW | RTLD_NOLOAD) }.map_err(|e| {
        FfiError::new(
            FH_ERROR_NOT_INITIALIZED,
            format!("libflaghal.so.1 is not loaded in this process (link or dlopen it and call fhInit first): {e}"),
        )
    })?;
    // SAFETY: every symbol is resolved with the exact signature bindgen
    // derived from flaghal.h, which libflaghal.so.1 implements.
    let table = unsafe { FlagHal::from_library(library) }
        .map_err(|e| unsupported(format!("libflaghal.so.1 lacks an entry point the operator library calls: {e}")))?;
    Ok(TABLE.get_or_init(|| table))
}
