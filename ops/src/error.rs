//! The thread's detail message of its last failed fhops call, and the panic
//! boundary every export runs in (house rule 1).

use flaghal_sys::{ffi_boundary, fh_status_t, FfiError, FfiResult, FH_ERROR_INVALID_VALUE};
use std::cell::RefCell;

thread_local! {
    static LAST: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Runs an export's body: clears the thread's message, then records the
/// failure's message (a panic becomes FH_ERROR_PANIC).
pub fn boundary<F: FnOnce() -> FfiResult>(body: F) -> fh_status_t {
    LAST.with(|m| m.borrow_mut().clear());
    ffi_boundary(body, |e| LAST.with(|m| *m.borrow_mut() = e.message.clone()))
}

/// Runs fhopsGetLastErrorMessage's body: like [`boundary`], but reading
/// the message leaves it in place (and a failure to read it replaces it).
pub fn boundary_keeping_message<F: FnOnce() -> FfiResult>(body: F) -> fh_status_t {
    ffi_boundary(body, |e| LAST.with(|m| *m.borrow_mut() = e.message.clone()))
}

/// The thread's message.
pub fn last_message() -> String {
    LAST.with(|m| m.borrow().clone())
}

/// FH_ERROR_INVALID_VALUE with a message.
pub fn invalid(message: impl Into<String>) -> FfiError {
    FfiError::new(FH_ERROR_INVALID_VALUE, message)
}

/// FH_ERROR_NOT_SUPPORTED with a message.
pub fn unsupported(message: impl Into<String>) -> FfiError {
    FfiError::new(flaghal_sys::FH_ERROR_NOT_SUPPORTED, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_boundary_records_and_clears_the_message() {
        assert_eq!(boundary(|| Err(invalid("bad shape"))), FH_ERROR_INVALID_VALUE);
        assert_eq!(last_message(), "bad shape");
        assert_eq!(boundary(|| Ok(())), flaghal_sys::FH_SUCCESS);
        assert_eq!(last_message(), "");
        assert_eq!(boundary(|| panic!("boom")), flaghal_sys::FH_ERROR_PANIC);
        assert_eq!(last_message(), "panic: boom");
    }
}
