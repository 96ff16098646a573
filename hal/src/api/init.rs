//! fhInit and fhGetVersion.

use crate::failure::{export, fail};
use crate::registry;
use flaghal_sys::*;

/// FH_API_VERSION_1_0.
pub const API_VERSION: u32 = flaghal_sys::version::FH_API_VERSION;

/// # Safety
/// None beyond the C signature; see flaghal.h.
#[no_mangle]
pub unsafe extern "C" fn fhInit(flags: u32) -> fh_status_t {
    export("fhInit", || {
        if flags != 0 {
            return Err(fail(FH_ERROR_INVALID_VALUE, format!("flags must be 0, got 0x{flags:x}")));
        }
        registry::initialize();
        Ok(())
    })
}

/// # Safety
/// `version` is NULL or valid for a write of uint32_t.
#[no_mangle]
pub unsafe extern "C" fn fhGetVersion(version: *mut u32) -> fh_status_t {
    // SAFETY: NULL or writable per the contract.
    export("fhGetVersion", || Ok(unsafe { ptr::write_out(version, API_VERSION, "version") }?))
}
