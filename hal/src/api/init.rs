//! fhInit and fhGetVersion.

use super::exports;
use crate::failure::fail;
use crate::registry;
use flaghal_sys::*;

/// FH_API_VERSION_1_0.
pub const API_VERSION: u32 = flaghal_sys::version::FH_API_VERSION;

exports! {
    /// # Safety
    /// None beyond the C signature; see flaghal.h.
    fn fhInit(flags: u32) {
        if flags != 0 {
            return Err(fail(FH_ERROR_INVALID_VALUE, format!("flags must be 0, got 0x{flags:x}")));
        }
        let start = crate::trace::mark_init_start();
        registry::initialize();
        crate::trace::init_finished(start);
        Ok(())
    }

    /// # Safety
    /// `version` is NULL or valid for a write of uint32_t.
    fn fhGetVersion(version: *mut u32) {
        // SAFETY: NULL or writable per the contract.
        Ok(unsafe { ptr::write_out(version, API_VERSION, "version") }?)
    }
}
