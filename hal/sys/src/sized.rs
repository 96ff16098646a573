//! The sized-struct rule (docs/abi.md, "The struct_size rule"): every struct that crosses
//! the ABI starts with `size_t struct_size`. A receiver accepts any size at or
//! above the 1.0 size, treats fields past a smaller size as zero, and writes
//! outputs only inside the size it was given. These two functions are the only
//! code that copies such structs across the boundary.

use crate::bindings::FH_ERROR_INVALID_VALUE;
use crate::boundary::{FfiError, FfiResult};
use std::mem::size_of;

/// Reads a caller's struct of any version into a current-version `T`.
/// Fields beyond the caller's `struct_size` come from `T::default()` (zero).
///
/// # Safety
/// `src` is NULL or points to a struct whose first field is a `size_t`
/// `struct_size`, readable for `min(struct_size, size_of::<T>())` bytes.
/// `T` is a `#[repr(C)]` bindgen struct starting with `struct_size: usize`.
pub unsafe fn read_sized<T: Default>(src: *const T, min_size: usize, what: &str) -> FfiResult<T> {
    if src.is_null() {
        return Err(FfiError::new(FH_ERROR_INVALID_VALUE, format!("{what} is NULL")));
    }
    // SAFETY: non-NULL; every sized struct begins with a readable size_t.
    let given = unsafe { src.cast::<usize>().read_unaligned() };
    if given < min_size {
        return Err(FfiError::new(
            FH_ERROR_INVALID_VALUE,
            format!("{what}->struct_size is {given}, below the 1.0 size {min_size}"),
        ));
    }
    let mut value = T::default();
    let len = given.min(size_of::<T>());
    // SAFETY: the caller guarantees `len` readable bytes at `src`; `value` is a
    // distinct local of at least `len` bytes; bindgen structs are plain data.
    unsafe { std::ptr::copy_nonoverlapping(src.cast::<u8>(), (&mut value as *mut T).cast::<u8>(), len) };
    Ok(value)
}

/// Writes `value` into a caller's struct of any version, touching only the
/// bytes inside the caller's `struct_size`, and never the `struct_size` field
/// itself. Returns the caller's size.
///
/// # Safety
/// `dst` is NULL or points to a struct whose first field is a `size_t`
/// `struct_size`, writable for `struct_size` bytes. `T` as in [`read_sized`].
pub unsafe fn write_sized<T>(dst: *mut T, value: &T, min_size: usize, what: &str) -> FfiResult<usize> {
    if dst.is_null() {
        return Err(FfiError::new(FH_ERROR_INVALID_VALUE, format!("{what} is NULL")));
    }
    // SAFETY: non-NULL; every sized struct begins with a readable size_t.
    let given = unsafe { dst.cast::<usize>().read_unaligned() };
    if given < min_size {
        return Err(FfiError::new(
            FH_ERROR_INVALID_VALUE,
            format!("{what}->struct_size is {given}, below the 1.0 size {min_size}"),
        ));
    }
    let header = size_of::<usize>();
    let len = given.min(size_of::<T>());
    // SAFETY: bytes [header, len) lie inside both the caller's struct (len <=
    // given) and `value` (len <= size_of::<T>()); the regions do not overlap.
    unsafe {
        std::ptr::copy_nonoverlapping(
            (value as *const T).cast::<u8>().add(header),
            dst.cast::<u8>().add(header),
            len - header,
        )
    };
    Ok(given)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[repr(C)]
    #[derive(Default, Debug, Clone, Copy, PartialEq)]
    struct V2 {
        struct_size: usize,
        a: u32,
        b: u32,
        c: u64,
    }
    #[repr(C)]
    struct V1 {
        struct_size: usize,
        a: u32,
        b: u32,
    }

    #[test]
    fn an_older_callers_struct_is_written_only_inside_its_size() {
        let mut buffer = [0xAAu8; size_of::<V2>()];
        let v1 = buffer.as_mut_ptr().cast::<V1>();
        // SAFETY: buffer is large and aligned enough for V1 (u64 alignment of
        // an array of u8 is not guaranteed, so use unaligned writes).
        unsafe { std::ptr::addr_of_mut!((*v1).struct_size).write_unaligned(size_of::<V1>()) };
        let value = V2 { struct_size: 999, a: 1, b: 2, c: 3 };
        // SAFETY: the buffer holds a V1 with struct_size set.
        let given = unsafe { write_sized(v1.cast::<V2>(), &value, 8, "props") }.unwrap();
        assert_eq!(given, size_of::<V1>());
        assert_eq!(&buffer[size_of::<V1>()..], &[0xAA; 8], "bytes past the caller's size are untouched");
        assert_eq!(usize::from_ne_bytes(buffer[..8].try_into().unwrap()), size_of::<V1>(), "struct_size kept");
        assert_eq!(u32::from_ne_bytes(buffer[8..12].try_into().unwrap()), 1);
    }

    #[test]
    fn an_older_callers_struct_reads_with_a_zero_tail_and_small_sizes_fail() {
        let old = V1 { struct_size: size_of::<V1>(), a: 5, b: 6 };
        // SAFETY: `old` is a valid V1 with its size set.
        let read: V2 = unsafe { read_sized((&old as *const V1).cast(), 8, "args") }.unwrap();
        assert_eq!((read.a, read.b, read.c), (5, 6, 0));
        let tiny = V1 { struct_size: 4, a: 0, b: 0 };
        // SAFETY: as above.
        let err = unsafe { read_sized::<V2>((&tiny as *const V1).cast(), 8, "args") }.unwrap_err();
        assert_eq!(err.status, FH_ERROR_INVALID_VALUE);
    }
}
