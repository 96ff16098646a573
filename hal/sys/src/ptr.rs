//! Checked access to C pointers (house rule 2). Nothing else in the loader or
//! the Rust plugins dereferences a raw pointer that came from C: a NULL
//! becomes `FH_ERROR_INVALID_VALUE` with a message naming the parameter.

use crate::bindings::FH_ERROR_INVALID_VALUE;
use crate::boundary::{FfiError, FfiResult};
use std::ffi::{c_char, c_void, CStr};

fn null(what: &str) -> FfiError {
    FfiError::new(FH_ERROR_INVALID_VALUE, format!("{what} is NULL"))
}

/// Writes `value` through an output pointer.
///
/// # Safety
/// `ptr` is NULL or valid for a write of `T` (alignment included).
pub unsafe fn write_out<T>(ptr: *mut T, value: T, what: &str) -> FfiResult {
    if ptr.is_null() {
        return Err(null(what));
    }
    // SAFETY: non-NULL, and the caller guarantees validity for writes.
    unsafe { ptr.write(value) };
    Ok(())
}

/// Writes `value` if `ptr` is not NULL (optional outputs).
///
/// # Safety
/// As [`write_out`].
pub unsafe fn write_optional<T>(ptr: *mut T, value: T) {
    if !ptr.is_null() {
        // SAFETY: non-NULL, and the caller guarantees validity for writes.
        unsafe { ptr.write(value) };
    }
}

/// Checks an output pointer without writing, so a call can fail before doing
/// work when its output cannot be delivered.
pub fn require_non_null<T>(ptr: *const T, what: &str) -> FfiResult {
    if ptr.is_null() {
        Err(null(what))
    } else {
        Ok(())
    }
}

/// Borrows a struct passed by pointer.
///
/// # Safety
/// `ptr` is NULL or points to a valid `T` that outlives `'a` and is not
/// written by anyone else meanwhile.
pub unsafe fn in_ref<'a, T>(ptr: *const T, what: &str) -> FfiResult<&'a T> {
    // SAFETY: the caller guarantees validity when non-NULL.
    unsafe { ptr.as_ref() }.ok_or_else(|| null(what))
}

/// Borrows `len` bytes of input. NULL is accepted only when `len` is 0.
///
/// # Safety
/// `ptr` is NULL or valid for reads of `len` bytes for `'a`.
pub unsafe fn in_bytes<'a>(ptr: *const c_void, len: usize, what: &str) -> FfiResult<&'a [u8]> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(null(what));
    }
    // SAFETY: non-NULL, and the caller guarantees `len` readable bytes.
    Ok(unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len) })
}

/// Borrows `len` bytes of output. NULL is accepted only when `len` is 0.
///
/// # Safety
/// `ptr` is NULL or valid for writes of `len` bytes for `'a`, unaliased.
pub unsafe fn out_bytes<'a>(ptr: *mut c_void, len: usize, what: &str) -> FfiResult<&'a mut [u8]> {
    if len == 0 {
        return Ok(&mut []);
    }
    if ptr.is_null() {
        return Err(null(what));
    }
    // SAFETY: non-NULL, and the caller guarantees `len` writable bytes.
    Ok(unsafe { std::slice::from_raw_parts_mut(ptr.cast::<u8>(), len) })
}

/// Borrows a NUL-terminated string.
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string valid for `'a`.
pub unsafe fn in_cstr<'a>(ptr: *const c_char, what: &str) -> FfiResult<&'a CStr> {
    if ptr.is_null() {
        return Err(null(what));
    }
    // SAFETY: non-NULL and NUL-terminated per the caller.
    Ok(unsafe { CStr::from_ptr(ptr) })
}

/// Copies `text` into a fixed C char array, truncated at a UTF-8 character
/// boundary so that it always ends with NUL. Pure; no pointers involved.
pub fn copy_to_char_array(dst: &mut [c_char], text: &str) {
    if dst.is_empty() {
        return;
    }
    let text = crate::utf8::cut(text, dst.len() - 1);
    for (d, s) in dst.iter_mut().zip(text.as_bytes()) {
        *d = *s as c_char;
    }
    dst[text.len()..].iter_mut().for_each(|d| *d = 0);
}

/// Delivers a detail message the way fhGetLastErrorMessage and
/// fhopsGetLastErrorMessage promise: into `buffer` cut to at most
/// `buffer_size - 1` bytes on a UTF-8 character boundary and NUL-terminated
/// (when `buffer_size > 0`), and the full length without the NUL into
/// `*length` (when not NULL), so a caller can size a buffer exactly.
/// A NULL `buffer` with a non-zero `buffer_size` is FH_ERROR_INVALID_VALUE
/// and writes nothing.
///
/// # Safety
/// `buffer` is NULL or writable for `buffer_size` bytes; `length` is NULL or
/// writable.
pub unsafe fn write_message(message: &str, buffer: *mut c_char, buffer_size: usize, length: *mut usize) -> FfiResult {
    if buffer_size > 0 {
        if buffer.is_null() {
            return Err(FfiError::new(FH_ERROR_INVALID_VALUE, format!("buffer is NULL but buffer_size is {buffer_size}")));
        }
        let text = crate::utf8::cut(message, buffer_size - 1);
        // SAFETY: non-NULL, and writable for buffer_size > text.len() bytes
        // per the caller.
        let out = unsafe { out_bytes(buffer.cast(), text.len() + 1, "buffer") }?;
        out[..text.len()].copy_from_slice(text.as_bytes());
        out[text.len()] = 0;
    }
    // SAFETY: NULL or writable per the caller.
    unsafe { write_optional(length, message.len()) };
    Ok(())
}

/// Reads a NUL-terminated C char array as text (lossy UTF-8).
pub fn char_array_to_string(src: &[c_char]) -> String {
    let bytes: Vec<u8> = src.iter().take_while(|c| **c != 0).map(|c| *c as u8).collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_pointers_are_errors_naming_the_parameter() {
        // SAFETY: NULL is the case under test; nothing is dereferenced.
        let err = unsafe { write_out::<u32>(std::ptr::null_mut(), 1, "count") }.unwrap_err();
        assert_eq!(err.status, FH_ERROR_INVALID_VALUE);
        assert_eq!(err.message, "count is NULL");
        // SAFETY: as above.
        assert!(unsafe { in_bytes(std::ptr::null(), 4, "src") }.is_err());
        // SAFETY: a zero length never dereferences.
        assert!(unsafe { in_bytes(std::ptr::null(), 0, "src") }.unwrap().is_empty());
    }

    #[test]
    fn char_arrays_truncate_at_character_boundaries() {
        let mut buf = [1 as c_char; 5];
        copy_to_char_array(&mut buf, "ab\u{e9}cd"); // é is two bytes
        assert_eq!(char_array_to_string(&buf), "ab\u{e9}");
        copy_to_char_array(&mut buf, "abc\u{e9}");
        assert_eq!(char_array_to_string(&buf), "abc", "a split character is dropped whole");
        assert_eq!(buf[3], 0);
    }

    #[test]
    fn messages_are_cut_whole_characters_and_report_the_full_length() {
        let message = "ab\u{e9}cd"; // é is bytes 2..4
        let mut buf = [0x55 as c_char; 6];
        let mut length = 0usize;
        // SAFETY: buf is writable for 4 of its 6 bytes; length is a local.
        unsafe { write_message(message, buf.as_mut_ptr(), 4, &mut length) }.unwrap();
        assert_eq!(length, 6);
        assert_eq!(char_array_to_string(&buf), "ab", "half of é is never delivered");
        assert_eq!(buf[2], 0);
        assert_eq!(buf[3], 0x55, "nothing written past the cut's NUL");
        // SAFETY: as above, 5 bytes.
        unsafe { write_message(message, buf.as_mut_ptr(), 5, std::ptr::null_mut()) }.unwrap();
        assert_eq!(char_array_to_string(&buf), "ab\u{e9}");
        // SAFETY: NULL with size 0 is the size query; NULL with a size is refused.
        unsafe {
            write_message(message, std::ptr::null_mut(), 0, &mut length).unwrap();
            let err = write_message(message, std::ptr::null_mut(), 3, &mut length).unwrap_err();
            assert_eq!(err.status, FH_ERROR_INVALID_VALUE);
            assert_eq!(err.message, "buffer is NULL but buffer_size is 3");
        }
    }
}
