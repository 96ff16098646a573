//! [`Hal`]: libflaghal.so opened, the escape hatch to its raw entry points,
//! how a status becomes an [`Error`], and the functions callable before
//! fhInit (fhInit, fhGetVersion, fhGetErrorName, fhGetErrorString).
//!
//! An older libflaghal.so opens too: the functions of API 1.0 are required,
//! those added later are used only when the library's fhGetVersion reports
//! their version, and calling one it lacks is an FH_ERROR_NOT_SUPPORTED
//! [`Error`] naming the function and the version that added it.

use crate::error::{contract_violation, missing_function, Error, Result};
use flaghal_sys::dynamic::FlagHal;
use flaghal_sys::dynamic_v1_2::{self, FlagHalV1_2};
use flaghal_sys::{fh_status_t, FH_ERROR_NOT_READY, FH_SUCCESS};
use std::ffi::c_char;
use std::path::{Path, PathBuf};

/// libflaghal.so, opened. The library is never unloaded while the process
/// runs (docs/abi.md, "Lifetime"): dropping a `Hal` closes only this
/// reference, and libflaghal.so is linked `-z nodelete`.
pub struct Hal {
    lib: FlagHal,
    /// The functions added in 1.2; `None` when the library is older.
    v1_2: Option<FlagHalV1_2>,
    /// What its fhGetVersion reported when opened.
    version: u32,
    path: PathBuf,
}

impl Hal {
    /// Opens libflaghal.so where `flaghal_sys::library::candidates` finds it
    /// (`FLAGHAL_LIBRARY`, beside the executable, `../lib`), else by its
    /// soname through the dynamic linker.
    pub fn open() -> std::result::Result<Hal, String> {
        Hal::from_opened(flaghal_sys::library::open(None)?)
    }

    /// Opens the libflaghal.so at `path`.
    pub fn open_at(path: &Path) -> std::result::Result<Hal, String> {
        Hal::from_opened(flaghal_sys::library::open(Some(path))?)
    }

    fn from_opened((lib, path): (FlagHal, PathBuf)) -> std::result::Result<Hal, String> {
        let version = flaghal_sys::library::reported_version(&lib, &path)?;
        let v1_2 = flaghal_sys::library::open_v1_2(&lib, &path)?;
        Ok(Hal { lib, v1_2, version, path })
    }

    /// The library file this was opened from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The raw entry points, for calls the methods cannot make: deliberately
    /// bad arguments (NULL pointers, foreign or destroyed handles), outputs
    /// left untouched on failure, and hot loops that time the bare call
    /// (flaghal-bench). [`Hal::check`] turns their statuses into errors.
    pub fn raw(&self) -> &FlagHal {
        &self.lib
    }

    /// The raw entry points added in API 1.2, for a call to `function` (one
    /// of them); an FH_ERROR_NOT_SUPPORTED [`Error`] naming `function` and
    /// API 1.2 when the library implements an older API.
    pub fn raw_v1_2(&self, function: &'static str) -> Result<&FlagHalV1_2> {
        debug_assert!(dynamic_v1_2::FUNCTIONS.contains(&function), "{function} is not an API 1.2 function");
        self.v1_2.as_ref().ok_or_else(|| missing_function(function, dynamic_v1_2::ADDED_IN, &self.path, self.version))
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
            Err(_) => Err(contract_violation(function, "a NULL string")),
        }
    }
}
