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
        // SAFETY: buffer and length as the contract above promises.
        error_state::with_message(|message| Ok(unsafe { ptr::write_message(message, buffer, buffer_size, length) }?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_buffer_gets_whole_characters_and_the_full_length() {
        // What a plugin's detail or a path in a message can hold: "é" is
        // bytes 1..3, so a 3-byte buffer (2 bytes of text) ends before it.
        error_state::set_message("x\u{e9}y");
        let mut buf = [0x55 as c_char; 4];
        let mut length = 0usize;
        // SAFETY: buf is writable for 3 of its 4 bytes; length is a local.
        assert_eq!(unsafe { fhGetLastErrorMessage(buf.as_mut_ptr(), 3, &mut length) }, FH_SUCCESS);
        assert_eq!(length, 4, "the full length, to size a buffer exactly");
        assert_eq!(ptr::char_array_to_string(&buf), "x", "never half of a character");
        assert_eq!(buf[1], 0, "NUL-terminated right after the cut");
        assert_eq!(buf[3], 0x55, "nothing written past buffer_size");
        // SAFETY: as above, now all 4 bytes.
        assert_eq!(unsafe { fhGetLastErrorMessage(buf.as_mut_ptr(), 4, std::ptr::null_mut()) }, FH_SUCCESS);
        assert_eq!(ptr::char_array_to_string(&buf), "x\u{e9}");
        error_state::with_message(|m| assert_eq!(m, "x\u{e9}y", "reading does not clear"));
    }
}
