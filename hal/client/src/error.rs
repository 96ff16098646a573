//! A failed call, as the client reports it.

use flaghal_sys::library::version_text;
use flaghal_sys::{fh_status_t, FH_ERROR_NOT_SUPPORTED, FH_ERROR_UNKNOWN, FH_SUCCESS};
use std::fmt;
use std::path::Path;

/// A call that did not return FH_SUCCESS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// The fh* function, e.g. `fhMemAlloc`.
    pub function: &'static str,
    pub status: fh_status_t,
    /// fhGetErrorName of the status (`FH_ERROR_INVALID_VALUE`), or
    /// `status N` when the loader does not know it.
    pub name: String,
    /// The calling thread's detail message right after the call; empty for
    /// FH_ERROR_NOT_READY, which never sets one (flaghal.h).
    pub message: String,
}

impl fmt::Display for Error {
    /// `fhMemAlloc returned FH_ERROR_INVALID_VALUE (flaghal: fhMemAlloc: size is 0)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} returned {}", self.function, self.name)?;
        if !self.message.is_empty() {
            write!(f, " ({})", self.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// The error's [`Display`](fmt::Display) text, so that `?` works in programs
/// whose errors are plain `String`s (flaghal-bench, child processes).
impl From<Error> for String {
    fn from(e: Error) -> String {
        e.to_string()
    }
}

pub type Result<T = ()> = std::result::Result<T, Error>;

/// The FH_ERROR_UNKNOWN error of a call that returned FH_SUCCESS with
/// `what` (e.g. "a NULL string"), which flaghal.h rules out: so that it can
/// never read as a valid result.
pub(crate) fn contract_violation(function: &'static str, what: &str) -> Error {
    Error {
        function,
        status: FH_ERROR_UNKNOWN,
        name: "FH_ERROR_UNKNOWN".into(),
        message: format!("flaghal-client: {function} returned FH_SUCCESS and {what}"),
    }
}

/// The FH_ERROR_NOT_SUPPORTED error of a call to `function`, which API
/// version `added` added, on the library at `path`, whose fhGetVersion
/// reports the older `version`: nothing was called.
pub(crate) fn missing_function(function: &'static str, added: u32, path: &Path, version: u32) -> Error {
    Error {
        function,
        status: FH_ERROR_NOT_SUPPORTED,
        name: "FH_ERROR_NOT_SUPPORTED".into(),
        message: format!(
            "flaghal-client: {function} was added in API {}; {} implements API {} (fhGetVersion)",
            version_text(added),
            path.display(),
            version_text(version)
        ),
    }
}

/// The status a result stands for: FH_SUCCESS for `Ok`, the error's otherwise.
pub fn status_of<T>(result: &Result<T>) -> fh_status_t {
    match result {
        Ok(_) => FH_SUCCESS,
        Err(e) => e.status,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flaghal_sys::*;

    fn error(status: fh_status_t, name: &str, message: &str) -> Error {
        Error { function: "fhMemAlloc", status, name: name.into(), message: message.into() }
    }

    #[test]
    fn display_names_the_function_the_status_and_the_detail_when_there_is_one() {
        let e = error(FH_ERROR_INVALID_VALUE, "FH_ERROR_INVALID_VALUE", "flaghal: fhMemAlloc: size is 0");
        assert_eq!(e.to_string(), "fhMemAlloc returned FH_ERROR_INVALID_VALUE (flaghal: fhMemAlloc: size is 0)");
        assert_eq!(error(FH_ERROR_NOT_READY, "FH_ERROR_NOT_READY", "").to_string(), "fhMemAlloc returned FH_ERROR_NOT_READY");
    }

    #[test]
    fn a_missing_function_names_itself_the_version_that_added_it_and_the_library() {
        let e = missing_function("fhMemcpyPeer", version::make_version(1, 2, 0), Path::new("/opt/libflaghal.so.1"), version::make_version(1, 1, 0));
        assert_eq!(
            e.to_string(),
            "fhMemcpyPeer returned FH_ERROR_NOT_SUPPORTED (flaghal-client: fhMemcpyPeer was added in API 1.2; \
             /opt/libflaghal.so.1 implements API 1.1 (fhGetVersion))"
        );
    }

    #[test]
    fn status_of_reads_success_or_the_errors_status() {
        assert_eq!(status_of(&Ok::<u32, Error>(7)), FH_SUCCESS);
        assert_eq!(status_of::<()>(&Err(error(FH_ERROR_NOT_FOUND, "FH_ERROR_NOT_FOUND", "x"))), FH_ERROR_NOT_FOUND);
    }
}
