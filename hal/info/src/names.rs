//! Pure formatting of values for people: versions, UUIDs, byte counts. The
//! ABI's own names (skip reasons, device types, formats, capabilities) come
//! from `flaghal_sys::names`.

pub use flaghal_sys::names::{capabilities, device_type, module_format, skip_reason};

/// `major.minor.patch` of a packed FH_MAKE_VERSION value.
pub fn version(packed: u32) -> String {
    use flaghal_sys::version::{version_major, version_minor, version_patch};
    format!("{}.{}.{}", version_major(packed), version_minor(packed), version_patch(packed))
}

/// A UUID as the usual 8-4-4-4-12 hex groups.
pub fn uuid(bytes: &[u8; 16]) -> String {
    let hex: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        hex[0..4].concat(),
        hex[4..6].concat(),
        hex[6..8].concat(),
        hex[8..10].concat(),
        hex[10..16].concat()
    )
}

/// Bytes in binary units with one decimal, e.g. `15.5 GiB`.
pub fn bytes(count: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = count as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{count} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_for_people() {
        assert_eq!(version((1 << 22) | (2 << 12) | 3), "1.2.3");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(12), "12 B");
        let id: [u8; 16] = core::array::from_fn(|i| i as u8);
        assert_eq!(uuid(&id), "00010203-0405-0607-0809-0a0b0c0d0e0f");
    }
}
