//! Pure mapping: status code -> identifier and one-sentence description
//! (fhGetErrorName / fhGetErrorString). Strings are static and NUL-terminated.

use flaghal_sys::*;
use std::ffi::CStr;

/// (status, identifier, description) for every status flaghal.h defines.
const TABLE: [(fh_status_t, &CStr, &CStr); 16] = [
    (FH_SUCCESS, c"FH_SUCCESS", c"The call succeeded."),
    (FH_ERROR_INVALID_VALUE, c"FH_ERROR_INVALID_VALUE", c"An argument is outside its documented domain."),
    (FH_ERROR_OUT_OF_MEMORY, c"FH_ERROR_OUT_OF_MEMORY", c"Device or host memory could not be allocated."),
    (FH_ERROR_NOT_INITIALIZED, c"FH_ERROR_NOT_INITIALIZED", c"fhInit has not succeeded yet."),
    (
        FH_ERROR_INVALID_DEVICE,
        c"FH_ERROR_INVALID_DEVICE",
        c"A device ordinal is out of range, or objects of two different devices were combined in one call.",
    ),
    (FH_ERROR_INVALID_HANDLE, c"FH_ERROR_INVALID_HANDLE", c"A handle is NULL, of the wrong kind, or already destroyed."),
    (FH_ERROR_NOT_FOUND, c"FH_ERROR_NOT_FOUND", c"A named item does not exist."),
    (FH_ERROR_NOT_READY, c"FH_ERROR_NOT_READY", c"Work is still pending."),
    (
        FH_ERROR_NOT_SUPPORTED,
        c"FH_ERROR_NOT_SUPPORTED",
        c"The device or its plugin does not implement this operation.",
    ),
    (
        FH_ERROR_INVALID_IMAGE,
        c"FH_ERROR_INVALID_IMAGE",
        c"Module bytes are malformed, truncated, or not of the stated format.",
    ),
    (
        FH_ERROR_INVALID_ADDRESS,
        c"FH_ERROR_INVALID_ADDRESS",
        c"A device address range does not lie inside one live allocation.",
    ),
    (
        FH_ERROR_INVALID_CONFIGURATION,
        c"FH_ERROR_INVALID_CONFIGURATION",
        c"A launch configuration has a zero dimension or exceeds a device or function limit.",
    ),
    (FH_ERROR_LAUNCH_FAILED, c"FH_ERROR_LAUNCH_FAILED", c"A kernel failed while executing."),
    (FH_ERROR_DEVICE_LOST, c"FH_ERROR_DEVICE_LOST", c"The device stopped working; its objects can only be destroyed."),
    (
        FH_ERROR_PANIC,
        c"FH_ERROR_PANIC",
        c"The loader or a plugin caught an internal panic or exception at the ABI boundary.",
    ),
    (FH_ERROR_UNKNOWN, c"FH_ERROR_UNKNOWN", c"A failure that fits no other code; the detail message says more."),
];

/// The identifier of `status`, e.g. `FH_ERROR_INVALID_VALUE`.
pub fn name(status: fh_status_t) -> Option<&'static CStr> {
    TABLE.iter().find(|(s, _, _)| *s == status).map(|(_, n, _)| *n)
}

/// The one-sentence description of `status`.
pub fn description(status: fh_status_t) -> Option<&'static CStr> {
    TABLE.iter().find(|(s, _, _)| *s == status).map(|(_, _, d)| *d)
}

/// The identifier as text, or `status <n>` for a value flaghal.h does not define
/// (a plugin returning garbage still gets a readable message).
pub fn name_or_number(status: fh_status_t) -> String {
    match name(status) {
        Some(n) => n.to_string_lossy().into_owned(),
        None => format!("unknown status {status}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_has_its_own_name_and_description() {
        for status in 0..=15 {
            let n = name(status).expect("defined status").to_str().unwrap();
            assert!(n.starts_with("FH_"), "{n}");
            assert!(description(status).unwrap().to_str().unwrap().ends_with('.'));
        }
        assert_eq!(name(FH_ERROR_INVALID_HANDLE).unwrap(), c"FH_ERROR_INVALID_HANDLE");
        assert_eq!(name(FH_SUCCESS).unwrap(), c"FH_SUCCESS");
        let mut names: Vec<_> = TABLE.iter().map(|t| t.1).collect();
        names.dedup();
        assert_eq!(names.len(), 16);
    }

    #[test]
    fn unknown_statuses_have_no_name() {
        assert!(name(16).is_none());
        assert!(name(-1).is_none());
        assert!(description(0x7FFF_FFFF).is_none());
        assert_eq!(name_or_number(99), "unknown status 99");
        assert_eq!(name_or_number(FH_ERROR_PANIC), "FH_ERROR_PANIC");
    }
}
