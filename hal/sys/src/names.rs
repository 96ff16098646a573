//! The identifiers of the ABI's enum and flag values, for tools that print
//! them (flaghal-info, the conformance suite's reports). Pure mappings, kept
//! in step with include/flaghal/flaghal.h.
//!
//! Status names are not here on purpose: the loader serves them through
//! fhGetErrorName, and the conformance suite keeps its own table to check the
//! loader against.

use crate::bindings::*;

/// The identifier of a plugin skip reason, e.g. `FH_PLUGIN_SKIP_OPEN_FAILED`.
pub fn skip_reason(reason: fh_plugin_skip_reason_t) -> &'static str {
    match reason {
        FH_PLUGIN_SKIP_NONE => "FH_PLUGIN_SKIP_NONE",
        FH_PLUGIN_SKIP_MANIFEST_UNREADABLE => "FH_PLUGIN_SKIP_MANIFEST_UNREADABLE",
        FH_PLUGIN_SKIP_MANIFEST_INVALID => "FH_PLUGIN_SKIP_MANIFEST_INVALID",
        FH_PLUGIN_SKIP_WRONG_ARCH => "FH_PLUGIN_SKIP_WRONG_ARCH",
        FH_PLUGIN_SKIP_OPEN_FAILED => "FH_PLUGIN_SKIP_OPEN_FAILED",
        FH_PLUGIN_SKIP_NO_ENTRY_POINT => "FH_PLUGIN_SKIP_NO_ENTRY_POINT",
        FH_PLUGIN_SKIP_VERSION_MISMATCH => "FH_PLUGIN_SKIP_VERSION_MISMATCH",
        FH_PLUGIN_SKIP_VERSION_TOO_OLD => "FH_PLUGIN_SKIP_VERSION_TOO_OLD",
        FH_PLUGIN_SKIP_NEGOTIATION_FAILED => "FH_PLUGIN_SKIP_NEGOTIATION_FAILED",
        FH_PLUGIN_SKIP_TABLE_TOO_SMALL => "FH_PLUGIN_SKIP_TABLE_TOO_SMALL",
        FH_PLUGIN_SKIP_MISSING_REQUIRED_ENTRY => "FH_PLUGIN_SKIP_MISSING_REQUIRED_ENTRY",
        FH_PLUGIN_SKIP_INIT_FAILED => "FH_PLUGIN_SKIP_INIT_FAILED",
        FH_PLUGIN_SKIP_INIT_PANICKED => "FH_PLUGIN_SKIP_INIT_PANICKED",
        FH_PLUGIN_SKIP_DEVICE_QUERY_FAILED => "FH_PLUGIN_SKIP_DEVICE_QUERY_FAILED",
        FH_PLUGIN_SKIP_CAPABILITY_MISMATCH => "FH_PLUGIN_SKIP_CAPABILITY_MISMATCH",
        FH_PLUGIN_SKIP_DISABLED => "FH_PLUGIN_SKIP_DISABLED",
        FH_PLUGIN_SKIP_DUPLICATE => "FH_PLUGIN_SKIP_DUPLICATE",
        _ => "FH_PLUGIN_SKIP_UNKNOWN",
    }
}

/// `GPU`, `CPU`, `NPU` or `OTHER`.
pub fn device_type(kind: fh_device_type_t) -> &'static str {
    match kind {
        FH_DEVICE_TYPE_GPU => "GPU",
        FH_DEVICE_TYPE_CPU => "CPU",
        FH_DEVICE_TYPE_NPU => "NPU",
        _ => "OTHER",
    }
}

/// A module format's short name; vendor formats print as `vendor-0x10000`.
pub fn module_format(format: fh_module_format_t) -> String {
    match format {
        FH_MODULE_FORMAT_SPIRV => "SPIRV".into(),
        FH_MODULE_FORMAT_PTX => "PTX".into(),
        FH_MODULE_FORMAT_NATIVE_CPU => "NATIVE_CPU".into(),
        FH_MODULE_FORMAT_OPENCL_C => "OPENCL_C".into(),
        FH_MODULE_FORMAT_OPENCL_SPIRV => "OPENCL_SPIRV".into(),
        FH_MODULE_FORMAT_CUBIN => "CUBIN".into(),
        FH_MODULE_FORMAT_BUNDLE => "BUNDLE".into(),
        f if f >= FH_MODULE_FORMAT_VENDOR_BEGIN => format!("vendor-{f:#x}"),
        f => format!("unknown-{f}"),
    }
}

/// Every capability flag with its identifier (without FH_DEVICE_CAP_), in bit order.
pub const CAPABILITIES: [(u64, &str); 14] = [
    (FH_DEVICE_CAP_EVENT_TIMING, "EVENT_TIMING"),
    (FH_DEVICE_CAP_HOST_FUNC, "HOST_FUNC"),
    (FH_DEVICE_CAP_PINNED_HOST_MEMORY, "PINNED_HOST_MEMORY"),
    (FH_DEVICE_CAP_ATOMIC_INT64, "ATOMIC_INT64"),
    (FH_DEVICE_CAP_ATOMIC_FLOAT32, "ATOMIC_FLOAT32"),
    (FH_DEVICE_CAP_FLOAT64, "FLOAT64"),
    (FH_DEVICE_CAP_HOST_ACCESSIBLE_MEMORY, "HOST_ACCESSIBLE_MEMORY"),
    (FH_DEVICE_CAP_ADDRESS_CHECKS, "ADDRESS_CHECKS"),
    (FH_DEVICE_CAP_FLOAT16, "FLOAT16"),
    (FH_DEVICE_CAP_INT8, "INT8"),
    (FH_DEVICE_CAP_INT16, "INT16"),
    (FH_DEVICE_CAP_INT8_DOT_PRODUCT, "INT8_DOT_PRODUCT"),
    (FH_DEVICE_CAP_SUBGROUP_ARITHMETIC, "SUBGROUP_ARITHMETIC"),
    (FH_DEVICE_CAP_SUBGROUP_SHUFFLE, "SUBGROUP_SHUFFLE"),
];

/// The names of the flags set in `bits`, in bit order; unknown bits print as `bit<N>`.
pub fn capabilities(bits: u64) -> Vec<String> {
    (0..64)
        .map(|bit| 1u64 << bit)
        .filter(|flag| bits & flag != 0)
        .map(|flag| match CAPABILITIES.iter().find(|(known, _)| *known == flag) {
            Some((_, name)) => name.to_string(),
            None => format!("bit{}", flag.trailing_zeros()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_header() {
        assert_eq!(skip_reason(FH_PLUGIN_SKIP_NO_ENTRY_POINT), "FH_PLUGIN_SKIP_NO_ENTRY_POINT");
        assert_eq!(skip_reason(999), "FH_PLUGIN_SKIP_UNKNOWN");
        assert_eq!(device_type(FH_DEVICE_TYPE_NPU), "NPU");
        assert_eq!(module_format(FH_MODULE_FORMAT_VENDOR_BEGIN + 2), "vendor-0x10002");
        assert_eq!(module_format(FH_MODULE_FORMAT_SPIRV), "SPIRV");
        assert_eq!(module_format(FH_MODULE_FORMAT_BUNDLE), "BUNDLE");
        assert_eq!(module_format(FH_MODULE_FORMAT_OPENCL_C), "OPENCL_C");
        assert_eq!(capabilities(FH_DEVICE_CAP_HOST_FUNC | (1 << 40)), vec!["HOST_FUNC", "bit40"]);
        assert_eq!(
            capabilities(FH_DEVICE_CAP_ADDRESS_CHECKS | FH_DEVICE_CAP_EVENT_TIMING),
            vec!["EVENT_TIMING", "ADDRESS_CHECKS"],
            "bit order"
        );
        assert!(capabilities(0).is_empty());
    }
}
