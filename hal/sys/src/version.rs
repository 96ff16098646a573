//! The function-like version macros of flaghal.h, which bindgen cannot
//! translate: FH_MAKE_VERSION, FH_VERSION_MAJOR/MINOR/PATCH, FH_API_VERSION.

/// FH_MAKE_VERSION: major (10 bits) . minor (10 bits) . patch (12 bits).
pub const fn make_version(major: u32, minor: u32, patch: u32) -> u32 {
    (major << 22) | (minor << 12) | patch
}

/// FH_VERSION_MAJOR.
pub const fn version_major(version: u32) -> u32 {
    version >> 22
}

/// FH_VERSION_MINOR.
pub const fn version_minor(version: u32) -> u32 {
    (version >> 12) & 0x3ff
}

/// FH_VERSION_PATCH.
pub const fn version_patch(version: u32) -> u32 {
    version & 0xfff
}

/// FH_API_VERSION_1_0, FH_API_VERSION_1_1, FH_API_VERSION_1_2 and FH_API_VERSION.
pub const FH_API_VERSION_1_0: u32 = make_version(1, 0, 0);
pub const FH_API_VERSION_1_1: u32 = make_version(1, 1, 0);
pub const FH_API_VERSION_1_2: u32 = make_version(1, 2, 0);
pub const FH_API_VERSION: u32 = FH_API_VERSION_1_2;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_matches_the_header_macros() {
        // FH_MAKE_VERSION(1, 2, 3) == (1 << 22) | (2 << 12) | 3 == 0x402003
        assert_eq!(make_version(1, 2, 3), 0x0040_2003);
        let v = make_version(1023, 1023, 4095);
        assert_eq!((version_major(v), version_minor(v), version_patch(v)), (1023, 1023, 4095));
        assert_eq!(FH_API_VERSION, (1 << 22) | (2 << 12));
    }
}
