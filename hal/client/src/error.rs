//! A failed call, as the client reports it.

use flaghal_sys::{fh_status_t, FH_SUCCESS};
use std::fmt;

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

pub type Result<T = ()> = std::result::Result<T, Error>;

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
    fn status_of_reads_success_or_the_errors_status() {
        assert_eq!(status_of(&Ok::<u32, Error>(7)), FH_SUCCESS);
        assert_eq!(status_of::<()>(&Err(error(FH_ERROR_NOT_FOUND, "FH_ERROR_NOT_FOUND", "x"))), FH_ERROR_NOT_FOUND);
    }
}
