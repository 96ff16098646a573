//! The `extern "C"` entries of the function table, one small function per
//! entry. Each body runs in [`run`], the panic boundary: `Ok` becomes
//! FH_SUCCESS, `Err` its status with the message handed to the host's
//! set_error_detail on the calling thread, and a panic FH_ERROR_PANIC.
//! The entries only convert C arguments (through `handles` and the
//! flaghal_sys `ptr`/`sized` helpers) and call the plugin's objects.

pub mod kernels;
pub mod lifecycle;
pub mod memory;
pub mod streams;

use flaghal_sys::{ffi_boundary, fh_status_t, FfiResult};

/// The panic boundary every entry body runs in (house rule 1).
pub fn run(body: impl FnOnce() -> FfiResult) -> fh_status_t {
    ffi_boundary(body, |error| crate::host::set_error_detail(&error.message))
}
