//! Pure mappings from ABI values to the names operators read (and scripts
//! match in `--json` output). Kept in step with include/flaghal/flaghal.h.

use flaghal_sys as sys;

/// The identifier of a plugin skip reason, e.g. `FH_PLUGIN_SKIP_OPEN_FAILED`.
pub fn skip_reason(reason: sys::fh_plugin_skip_reason_t) -> &'static str {
    match reason {
        sys::FH_PLUGIN_SKIP_NONE => "FH_PLUGIN_SKIP_NONE",
        sys::FH_PLUGIN_SKIP_MANIFEST_UNREADABLE => "FH_PLUGIN_SKIP_MANIFEST_UNREADABLE",
        sys::FH_PLUGIN_SKIP_MANIFEST_INVALID => "FH_PLUGIN_SKIP_MANIFEST_INVALID",
        sys::FH_PLUGIN_SKIP_WRONG_ARCH => "FH_PLUGIN_SKIP_WRONG_ARCH",
        sys::FH_PLUGIN_SKIP_OPEN_FAILED => "FH_PLUGIN_SKIP_OPEN_FAILED",
        sys::FH_PLUGIN_SKIP_NO_ENTRY_POINT => "FH_PLUGIN_SKIP_NO_ENTRY_POINT",
        sys::FH_PLUGIN_SKIP_VERSION_MISMATCH => "FH_PLUGIN_SKIP_VERSION_MISMATCH",
        sys::FH_PLUGIN_SKIP_VERSION_TOO_OLD => "FH_PLUGIN_SKIP_VERSION_TOO_OLD",
        sys::FH_PLUGIN_SKIP_NEGOTIATION_FAILED => "FH_PLUGIN_SKIP_NEGOTIATION_FAILED",
        sys::FH_PLUGIN_SKIP_TABLE_TOO_SMALL => "FH_PLUGIN_SKIP_TABLE_TOO_SMALL",
        sys::FH_PLUGIN_SKIP_MISSING_REQUIRED_ENTRY => "FH_PLUGIN_SKIP_MISSING_REQUIRED_ENTRY",
        sys::FH_PLUGIN_SKIP_INIT_FAILED => "FH_PLUGIN_SKIP_INIT_FAILED",
        sys::FH_PLUGIN_SKIP_INIT_PANICKED => "FH_PLUGIN_SKIP_INIT_PANICKED",
        sys::FH_PLUGIN_SKIP_DEVICE_QUERY_FAILED => "FH_PLUGIN_SKIP_DEVICE_QUERY_FAILED",
        sys::FH_PLUGIN_SKIP_CAPABILITY_MISMATCH => "FH_PLUGIN_SKIP_CAPABILITY_MISMATCH",
        sys::FH_PLUGIN_SKIP_DISABLED => "FH_PLUGIN_SKIP_DISABLED",
        sys::FH_PLUGIN_SKIP_DUPLICATE => "FH_PLUGIN_SKIP_DUPLICATE",
        _ => "FH_PLUGIN_SKIP_UNKNOWN",
    }
}

/// `GPU`, `CPU`, `NPU` or `OTHER`.
pub fn device_type(kind: sys::fh_device_type_t) -> &'static str {
    match kind {
        sys::FH_DEVICE_TYPE_GPU => "GPU",
        sys::FH_DEVICE_TYPE_CPU => "CPU",
        sys::FH_DEVICE_TYPE_NPU => "NPU",
        _ => "OTHER",
    }
}

/// A module format's short name; vendor formats print as `vendor-0x10000`.
pub fn module_format(format: sys::fh_module_format_t) -> String {
    match format {
        sys::FH_MODULE_FORMAT_SPIRV => "SPIRV".into(),
        sys::FH_MODULE_FORMAT_PTX => "PTX".into(),
        sys::FH_MODULE_FORMAT_NATIVE_CPU => "NATIVE_CPU".into(),
        f if f >= sys::FH_MODULE_FORMAT_VENDOR_BEGIN => format!("vendor-{f:#x}"),
        f => format!("unknown-{f}"),
    }
}

/// Every capability flag with its name, in bit order.
pub const CAPABILITIES: [(u64, &str); 8] = [
    (sys::FH_DEVICE_CAP_EVENT_TIMING, "EVENT_TIMING"),
    (sys::FH_DEVICE_CAP_HOST_FUNC, "HOST_FUNC"),
    (sys::FH_DEVICE_CAP_PINNED_HOST_MEMORY, "PINNED_HOST_MEMORY"),
    (sys::FH_DEVICE_CAP_ATOMIC_INT64, "ATOMIC_INT64"),
    (sys::FH_DEVICE_CAP_ATOMIC_FLOAT32, "ATOMIC_FLOAT32"),
    (sys::FH_DEVICE_CAP_FLOAT64, "FLOAT64"),
    (sys::FH_DEVICE_CAP_HOST_ACCESSIBLE_MEMORY, "HOST_ACCESSIBLE_MEMORY"),
    (sys::FH_DEVICE_CAP_ADDRESS_CHECKS, "ADDRESS_CHECKS"),
];

/// The names of the flags set in `bits`; unknown bits print as `bit<N>`.
pub fn capabilities(bits: u64) -> Vec<String> {
    let known: u64 = CAPABILITIES.iter().map(|(bit, _)| bit).sum();
    let mut names: Vec<String> =
        CAPABILITIES.iter().filter(|(bit, _)| bits & bit != 0).map(|(_, name)| name.to_string()).collect();
    names.extend((0..64).filter(|i| bits & !known & (1u64 << i) != 0).map(|i| format!("bit{i}")));
    names
}

/// `major.minor.patch` of a packed FH_MAKE_VERSION value.
pub fn version(packed: u32) -> String {
    format!("{}.{}.{}", packed >> 22, (packed >> 12) & 0x3ff, packed & 0xfff)
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
    fn names_follow_the_header() {
        assert_eq!(skip_reason(sys::FH_PLUGIN_SKIP_NO_ENTRY_POINT), "FH_PLUGIN_SKIP_NO_ENTRY_POINT");
        assert_eq!(skip_reason(999), "FH_PLUGIN_SKIP_UNKNOWN");
        assert_eq!(module_format(sys::FH_MODULE_FORMAT_VENDOR_BEGIN + 2), "vendor-0x10002");
        assert_eq!(capabilities(sys::FH_DEVICE_CAP_HOST_FUNC | (1 << 40)), vec!["HOST_FUNC", "bit40"]);
        assert_eq!(version((1 << 22) | (2 << 12) | 3), "1.2.3");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(12), "12 B");
        let id: [u8; 16] = core::array::from_fn(|i| i as u8);
        assert_eq!(uuid(&id), "00010203-0405-0607-0809-0a0b0c0d0e0f");
    }
}
