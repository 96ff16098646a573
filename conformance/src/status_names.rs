//! The specification's status codes and their identifiers (flaghal.h). Pure
//! mapping; the suite checks fhGetErrorName against this table, and uses it
//! to print statuses without asking the library under test.

use flaghal_sys as sys;

/// Every status code flaghal.h 1.0 defines, with its identifier.
pub const ALL_STATUSES: [(sys::fh_status_t, &str); 16] = [
    (sys::FH_SUCCESS, "FH_SUCCESS"),
    (sys::FH_ERROR_INVALID_VALUE, "FH_ERROR_INVALID_VALUE"),
    (sys::FH_ERROR_OUT_OF_MEMORY, "FH_ERROR_OUT_OF_MEMORY"),
    (sys::FH_ERROR_NOT_INITIALIZED, "FH_ERROR_NOT_INITIALIZED"),
    (sys::FH_ERROR_INVALID_DEVICE, "FH_ERROR_INVALID_DEVICE"),
    (sys::FH_ERROR_INVALID_HANDLE, "FH_ERROR_INVALID_HANDLE"),
    (sys::FH_ERROR_NOT_FOUND, "FH_ERROR_NOT_FOUND"),
    (sys::FH_ERROR_NOT_READY, "FH_ERROR_NOT_READY"),
    (sys::FH_ERROR_NOT_SUPPORTED, "FH_ERROR_NOT_SUPPORTED"),
    (sys::FH_ERROR_INVALID_IMAGE, "FH_ERROR_INVALID_IMAGE"),
    (sys::FH_ERROR_INVALID_ADDRESS, "FH_ERROR_INVALID_ADDRESS"),
    (sys::FH_ERROR_INVALID_CONFIGURATION, "FH_ERROR_INVALID_CONFIGURATION"),
    (sys::FH_ERROR_LAUNCH_FAILED, "FH_ERROR_LAUNCH_FAILED"),
    (sys::FH_ERROR_DEVICE_LOST, "FH_ERROR_DEVICE_LOST"),
    (sys::FH_ERROR_PANIC, "FH_ERROR_PANIC"),
    (sys::FH_ERROR_UNKNOWN, "FH_ERROR_UNKNOWN"),
];

/// The identifier of `status`, or "status N" for a code the spec lacks.
pub fn status_name(status: sys::fh_status_t) -> String {
    ALL_STATUSES
        .iter()
        .find(|(code, _)| *code == status)
        .map(|(_, name)| name.to_string())
        .unwrap_or_else(|| format!("status {status}"))
}

/// The names of the flags set in `caps` (unknown bits as "bitN").
pub use flaghal_sys::names::capabilities as capability_names;

/// The identifier of a capability flag (one bit).
pub fn capability_name(flag: u64) -> String {
    capability_names(flag).join("|")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_codes() {
        assert_eq!(status_name(0), "FH_SUCCESS");
        assert_eq!(status_name(12), "FH_ERROR_LAUNCH_FAILED");
        assert_eq!(status_name(99), "status 99");
        for (i, (code, _)) in ALL_STATUSES.iter().enumerate() {
            assert_eq!(*code as usize, i, "codes are dense from 0");
        }
    }

    #[test]
    fn capability_bits_name() {
        assert_eq!(capability_names(0b1000_0101), vec!["EVENT_TIMING", "PINNED_HOST_MEMORY", "ADDRESS_CHECKS"]);
        assert_eq!(capability_names(1 << 40), vec!["bit40"]);
    }
}
