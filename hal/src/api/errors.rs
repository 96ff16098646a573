//! fhGetErrorName, fhGetErrorString, fhGetLastErrorMessage: callable before fhInit.

use super::exports;
use crate::failure::fail;
use crate::{error_state, status_names};
use flaghal_sys::*;
use std::ffi::c_char;

exports! {
    /// # Safety
    /// `name` is NULL or valid for a write of a pointer.
    fn fhGetErrorName(status: fh_status_t, name: *mut *const c_char) {
        ptr::require_non_null(name, "name")?;
        let text = status_names::name(status).ok_or_else(|| fail(FH_ERROR_INVALID_VALUE, format!("unknown status {status}")))?;
        // SAFETY: non-NULL and writable per the contract.
        Ok(unsafe { ptr::write_out(name, text.as_ptr(), "name") }?)
    }

    /// # Safety
    /// `description` is NULL or valid for a write of a pointer.
    fn fhGetErrorString(status: fh_status_t, description: *mut *const c_char) {
        ptr::require_non_null(description, "description")?;
        let text =
            status_names::description(status).ok_or_else(|| fail(FH_ERROR_INVALID_VALUE, format!("unknown status {status}")))?;
        // SAFETY: non-NULL and writable per the contract.
        Ok(unsafe { ptr::write_out(description, text.as_ptr(), "description") }?)
    }

    /// # Safety
    /// `buffer` is NULL (only with `buffer_size` 0) or writable for
    /// `buffer_size` bytes; `length` is NULL or writable.
    fn fhGetLastErrorMessage(buffer: *mut c_char, buffer_size: usize, length: *mut usize) {
        if buffer.is_null() && buffer_size > 0 {
            return Err(fail(FH_ERROR_INVALID_VALUE, format!("buffer is NULL but buffer_size is {buffer_size}")));
        }
        error_state::with_message(|message| {
            let bytes = message.as_bytes();
            if buffer_size > 0 {
                let n = bytes.len().min(buffer_size - 1);
                // SAFETY: non-NULL and writable for buffer_size >= n + 1 bytes.
                let out = unsafe { ptr::out_bytes(buffer.cast(), n + 1, "buffer") }?;
                out[..n].copy_from_slice(&bytes[..n]);
                out[n] = 0;
            }
            // SAFETY: NULL or writable per the contract.
            unsafe { ptr::write_optional(length, bytes.len()) };
            Ok(())
        })
    }
}
