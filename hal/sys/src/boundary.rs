//! The panic boundary (house rule 1): every `extern "C"` body of the loader and
//! of Rust plugins runs inside [`ffi_boundary`], so a panic becomes
//! `FH_ERROR_PANIC` plus a message and never unwinds across the ABI.

use crate::bindings::{fh_status_t, FH_ERROR_PANIC, FH_SUCCESS};
use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// A failed call: the status to return and the detail message for the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FfiError {
    pub status: fh_status_t,
    pub message: String,
}

impl FfiError {
    pub fn new(status: fh_status_t, message: impl Into<String>) -> Self {
        FfiError { status, message: message.into() }
    }
}

impl std::fmt::Display for FfiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (status {})", self.message, self.status)
    }
}

impl std::error::Error for FfiError {}

pub type FfiResult<T = ()> = Result<T, FfiError>;

/// Runs `body`, turning `Ok` into `FH_SUCCESS`, `Err` into its status, and a
/// panic into `FH_ERROR_PANIC`. `on_error` receives every failure's message
/// (the loader stores it in the thread's detail message; a plugin hands it to
/// the host's `set_error_detail`). Statuses that are not failures (such as
/// `FH_ERROR_NOT_READY`) should be returned as `Err` with an empty message;
/// `on_error` is not called for an empty message.
///
/// `AssertUnwindSafe` is sound here because after a caught panic the caller
/// only learns `FH_ERROR_PANIC`, which the ABI defines as "the objects involved
/// are in an unspecified state".
#[inline]
pub fn ffi_boundary<F, E>(body: F, on_error: E) -> fh_status_t
where
    F: FnOnce() -> FfiResult,
    E: FnOnce(&FfiError),
{
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => FH_SUCCESS,
        Ok(Err(error)) => report(error, on_error),
        Err(payload) => report(FfiError::new(FH_ERROR_PANIC, format!("panic: {}", panic_message(&*payload))), on_error),
    }
}

/// The failure path of [`ffi_boundary`], out of line so that the success
/// path of every export stays small.
#[cold]
#[inline(never)]
fn report<E: FnOnce(&FfiError)>(error: FfiError, on_error: E) -> fh_status_t {
    if !error.message.is_empty() {
        // A panicking error sink must not unwind into C either.
        let _ = catch_unwind(AssertUnwindSafe(|| on_error(&error)));
    }
    error.status
}

/// The text of a panic payload (`&str` or `String`), or a placeholder.
pub fn panic_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(text) = payload.downcast_ref::<&'static str>() {
        text
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text
    } else {
        "non-string panic payload"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bindings::FH_ERROR_INVALID_VALUE;

    #[test]
    fn success_error_and_panic_map_to_statuses() {
        let mut seen = String::new();
        assert_eq!(ffi_boundary(|| Ok(()), |_| unreachable!()), FH_SUCCESS);
        let status = ffi_boundary(
            || Err(FfiError::new(FH_ERROR_INVALID_VALUE, "bad size")),
            |e| seen = e.message.clone(),
        );
        assert_eq!(status, FH_ERROR_INVALID_VALUE);
        assert_eq!(seen, "bad size");
        let status = ffi_boundary(|| panic!("boom {}", 7), |e| seen = e.message.clone());
        assert_eq!(status, FH_ERROR_PANIC);
        assert_eq!(seen, "panic: boom 7");
    }

    #[test]
    fn empty_message_errors_do_not_reach_the_sink() {
        let status = ffi_boundary(|| Err(FfiError::new(7, "")), |_| panic!("sink called"));
        assert_eq!(status, 7);
    }
}
