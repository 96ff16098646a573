//! [`Hal`]: libflaghal.so opened, the escape hatch to its raw entry points,
//! how a status becomes an [`Error`], and the functions callable before
//! fhInit (fhInit, fhGetVersion, fhGetErrorName, fhGetErrorString).

use crate::error::{Error, Result};
use flaghal_sys::dynamic::FlagHal;
use flaghal_sys::{fh_status_t, FH_ERROR_NOT_READY, FH_ERROR_UNKNOWN, FH_SUCCESS};
use std::ffi::c_char;
use std::path::{Path, PathBuf};

/// libflaghal.so, opened. The library is never unloaded while the process
/// runs (docs/abi.md, "Lifetime"): dropping a `Hal` closes only this
/// reference, and libflaghal.so is linked `-z nodelete`.
pub struct Hal {
    lib: FlagHal,
    path: PathBuf,
}

impl Hal {
    /// Opens libflaghal.so where `flaghal_sys::library::candidates` finds it
    /// (`FLAGHAL_LIBRARY`, beside the executable, `../lib`), else by its
    /// soname through the dynamic linker.
    pub fn open() -> std::result::Result<Hal, String> {
        let (lib, path) = flaghal_sys::library::open(None)?;
        Ok(Hal { lib, path })
    }

    /// Opens the libflaghal.so at `path`.
    pub fn open_at(path: &Path) -> std::result::Result<Hal, String> {
        let (lib, path) = flaghal_sys::library::open(Some(path))?;
        Ok(Hal { lib, path })
    }

    /// The library file this was opened from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The raw entry points, for calls the methods cannot make: deliberately
    /// bad arguments (NULL pointers, foreign or destroyed handles), outputs
    /// left untouched on failure. [`Hal::check`] turns their statuses into
    /// errors.
    pub fn raw(&self) -> &FlagHal {
        &self.lib
    }

    /// `Ok` for FH_SUCCESS, else the [`Error`] of `function`, with the
    /// thread's detail message read now.
    #[inline]
    pub fn check(&self, function: &'static str, status: fh_status_t) -> Result {
        if status == FH_SUCCESS {
            Ok(())
        } else {
            Err(self.error(function, status))
        }
    }

    #[cold]
    fn error(&self, function: &'static str, status: fh_status_t) -> Error {
        // The message first: naming an unknown status fails and sets one.
        let message = if status == FH_ERROR_NOT_READY { String::new() } else { self.last_error_message() };
        Error { function, status, name: self.status_name(status), message }
    }

    /// The calling thread's detail message (fhGetLastErrorMessage), sized
    /// exactly through its length output.
    pub fn last_error_message(&self) -> String {
        let mut length = 0usize;
        // SAFETY: a NULL buffer with size 0 is allowed; `length` is a valid out pointer.
        unsafe { self.lib.fhGetLastErrorMessage(std::ptr::null_mut(), 0, &mut length) };
        let mut buffer = vec![0 as c_char; length + 1];
        // SAFETY: `buffer` is writable for its full length.
        unsafe { self.lib.fhGetLastErrorMessage(buffer.as_mut_ptr(), buffer.len(), std::ptr::null_mut()) };
        flaghal_sys::ptr::char_array_to_string(&buffer)
    }

    /// fhGetErrorName of `status`, or `status N` when the loader does not know it.
    pub fn status_name(&self, status: fh_status_t) -> String {
        self.error_name(status).unwrap_or_else(|_| format!("status {status}"))
    }

    /// fhInit(flags).
    pub fn init(&self, flags: u32) -> Result {
        // SAFETY: no pointers.
        self.check("fhInit", unsafe { self.lib.fhInit(flags) })
    }

    /// fhGetVersion: the API version the library implements (FH_MAKE_VERSION).
    pub fn version(&self) -> Result<u32> {
        let mut version = 0u32;
        // SAFETY: `version` is a valid out pointer.
        self.check("fhGetVersion", unsafe { self.lib.fhGetVersion(&mut version) })?;
        Ok(version)
    }

    /// fhGetErrorName: the identifier of `status` (`FH_ERROR_NOT_READY`).
    pub fn error_name(&self, status: fh_status_t) -> Result<String> {
        let mut text: *const c_char = std::ptr::null();
        // SAFETY: `text` is a valid out pointer.
        let rc = unsafe { self.lib.fhGetErrorName(status, &mut text) };
        self.static_text("fhGetErrorName", rc, text)
    }

    /// fhGetErrorString: the one-sentence description of `status`.
    pub fn error_string(&self, status: fh_status_t) -> Result<String> {
        let mut text: *const c_char = std::ptr::null();
        // SAFETY: `text` is a valid out pointer.
        let rc = unsafe { self.lib.fhGetErrorString(status, &mut text) };
        self.static_text("fhGetErrorString", rc, text)
    }

    /// The static string a successful fhGetErrorName/String returned. A NULL
    /// one breaks flaghal.h's contract and is an FH_ERROR_UNKNOWN error, so
    /// that it can never read as a valid (empty) name.
    fn static_text(&self, function: &'static str, rc: fh_status_t, text: *const c_char) -> Result<String> {
        self.check(function, rc)?;
        // SAFETY: flaghal.h: on success the string is static and NUL-terminated; NULL is reported, not read.
        match unsafe { flaghal_sys::ptr::in_cstr(text, "text") } {
            Ok(text) => Ok(text.to_string_lossy().into_owned()),
            Err(_) => Err(Error {
                function,
                status: FH_ERROR_UNKNOWN,
                name: "FH_ERROR_UNKNOWN".into(),
                message: format!("flaghal-client: {function} returned FH_SUCCESS and a NULL string"),
            }),
        }
    }
}
