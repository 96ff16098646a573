//! How a call fails inside the loader, and how plugin statuses become
//! failures with the documented message shapes:
//!
//! - the loader's own: `flaghal: <fhFunction>: <detail>`;
//! - a plugin's: `<plugin>: <fhFunction>: <detail the plugin attached>`, or
//!   `<plugin>: <fhFunction>: failed with <STATUS_NAME> (no detail from the plugin)`.
//!
//! FH_ERROR_NOT_READY carries no message, so it never touches the thread's
//! detail message.

use crate::error_state;
use crate::status_names;
use flaghal_sys::{fh_status_t, ffi_boundary, FfiError, FH_ERROR_NOT_READY, FH_ERROR_UNKNOWN, FH_SUCCESS};
use std::cell::Cell;

/// A failed call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub status: fh_status_t,
    pub message: String,
    /// The message is complete (a plugin's); otherwise the exported function
    /// prefixes it with `flaghal: <fhFunction>: `.
    pub complete: bool,
}

pub type ApiResult<T = ()> = Result<T, Failure>;

/// A failure detected by the loader itself.
pub fn fail(status: fh_status_t, message: impl Into<String>) -> Failure {
    Failure { status, message: message.into(), complete: false }
}

/// Checked-pointer helpers report NULLs as FfiError; they are the loader's own.
impl From<FfiError> for Failure {
    fn from(e: FfiError) -> Self {
        fail(e.status, e.message)
    }
}

/// Turns a plugin entry's return value into a result, collecting the
/// detail the plugin attached. A status flaghal.h does not define becomes
/// FH_ERROR_UNKNOWN, naming the value.
#[inline]
pub fn plugin_status(plugin_name: &str, function: &str, status: fh_status_t) -> ApiResult {
    if status == FH_SUCCESS {
        error_state::discard_stale_plugin_detail();
        return Ok(());
    }
    Err(plugin_failure(plugin_name, function, status))
}

#[cold]
fn plugin_failure(plugin_name: &str, function: &str, status: fh_status_t) -> Failure {
    let detail = error_state::take_plugin_detail();
    if status == FH_ERROR_NOT_READY {
        return Failure { status, message: String::new(), complete: true };
    }
    let (status, message) = match (status_names::name(status), detail) {
        (None, _) => (FH_ERROR_UNKNOWN, format!("{plugin_name}: {function}: returned undefined status {status}")),
        (Some(_), Some(d)) => (status, format!("{plugin_name}: {function}: {d}")),
        (Some(n), None) => {
            (status, format!("{plugin_name}: {function}: failed with {} (no detail from the plugin)", n.to_string_lossy()))
        }
    };
    Failure { status, message, complete: true }
}

/// The body of every exported function: runs `body` inside the panic
/// boundary and stores the failure's message (qualified with `function`) as
/// the thread's detail message.
///
/// Everything done on failure lives in the two `#[cold]` functions below, so
/// the success path of each export stays a check and a jump (flaghal-bench,
/// docs/performance.md, "Call overhead").
///
/// With FLAGHAL_TRACE the call is also recorded (crate::trace); off, that
/// costs one relaxed atomic load.
#[inline]
pub fn export(function: &'static str, body: impl FnOnce() -> ApiResult) -> fh_status_t {
    if crate::trace::enabled() {
        return crate::trace::api_call(function, || run(function, body));
    }
    run(function, body)
}

/// [`export`] without the trace layer.
#[inline(always)]
fn run(function: &'static str, body: impl FnOnce() -> ApiResult) -> fh_status_t {
    let qualified = Cell::new(false);
    ffi_boundary(
        || {
            body().map_err(|f| {
                qualified.set(true);
                qualify(function, f)
            })
        },
        |e| store_message(function, e, qualified.get()),
    )
}

/// A loader failure as the FFI error, its message prefixed with the function.
#[cold]
#[inline(never)]
fn qualify(function: &'static str, f: Failure) -> FfiError {
    let message = if f.complete || f.message.is_empty() { f.message } else { format!("flaghal: {function}: {}", f.message) };
    FfiError::new(f.status, message)
}

/// Stores the failure as the thread's detail message.
#[cold]
#[inline(never)]
fn store_message(function: &'static str, e: &FfiError, qualified: bool) {
    if qualified {
        error_state::set_message(&e.message);
    } else {
        // Only a caught panic arrives here unqualified.
        error_state::set_message(&format!("flaghal: {function}: {}", e.message));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flaghal_sys::*;

    fn message() -> String {
        error_state::with_message(str::to_string)
    }

    #[test]
    fn loader_failures_are_prefixed_and_successes_leave_the_message() {
        assert_eq!(export("fhMemAlloc", || Err(fail(FH_ERROR_INVALID_VALUE, "size is 0"))), FH_ERROR_INVALID_VALUE);
        assert_eq!(message(), "flaghal: fhMemAlloc: size is 0");
        assert_eq!(export("fhMemAlloc", || Ok(())), FH_SUCCESS);
        assert_eq!(message(), "flaghal: fhMemAlloc: size is 0");
    }

    #[test]
    fn panics_become_fh_error_panic_with_the_function_named() {
        assert_eq!(export("fhInit", || panic!("boom")), FH_ERROR_PANIC);
        assert_eq!(message(), "flaghal: fhInit: panic: boom");
    }

    #[test]
    fn plugin_failures_carry_the_plugins_detail_or_the_status_name() {
        error_state::set_plugin_detail("out of memory allocating 8 bytes".into());
        let status = export("fhMemAlloc", || plugin_status("cpu", "fhMemAlloc", FH_ERROR_OUT_OF_MEMORY));
        assert_eq!(status, FH_ERROR_OUT_OF_MEMORY);
        assert_eq!(message(), "cpu: fhMemAlloc: out of memory allocating 8 bytes");
        let status = export("fhStreamSynchronize", || plugin_status("acme", "fhStreamSynchronize", FH_ERROR_LAUNCH_FAILED));
        assert_eq!(status, FH_ERROR_LAUNCH_FAILED);
        assert_eq!(message(), "acme: fhStreamSynchronize: failed with FH_ERROR_LAUNCH_FAILED (no detail from the plugin)");
    }

    #[test]
    fn not_ready_never_touches_the_message_and_undefined_statuses_become_unknown() {
        error_state::set_message("before");
        error_state::set_plugin_detail("stale".into());
        assert_eq!(export("fhStreamQuery", || plugin_status("cpu", "fhStreamQuery", FH_ERROR_NOT_READY)), FH_ERROR_NOT_READY);
        assert_eq!(message(), "before");
        assert_eq!(error_state::take_plugin_detail(), None, "the detail of a NOT_READY is dropped");
        assert_eq!(export("fhStreamQuery", || plugin_status("cpu", "fhStreamQuery", 77)), FH_ERROR_UNKNOWN);
        assert_eq!(message(), "cpu: fhStreamQuery: returned undefined status 77");
    }

    #[test]
    fn a_detail_attached_before_a_success_is_not_blamed_on_the_next_failure() {
        error_state::set_plugin_detail("left over".into());
        assert_eq!(export("fhMemFree", || plugin_status("cpu", "fhMemFree", FH_SUCCESS)), FH_SUCCESS);
        export("fhMemFree", || plugin_status("cpu", "fhMemFree", FH_ERROR_INVALID_ADDRESS));
        assert_eq!(message(), "cpu: fhMemFree: failed with FH_ERROR_INVALID_ADDRESS (no detail from the plugin)");
    }
}
