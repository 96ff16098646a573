//! Why a plugin was skipped: a stable reason code (fh_plugin_skip_reason_t)
//! and a detail saying what was wrong. Every step of loading a plugin
//! (negotiate.rs, device_query.rs, plugin_load.rs) ends in one.

use flaghal_sys::fh_plugin_skip_reason_t;

/// Why a plugin was skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip {
    pub reason: fh_plugin_skip_reason_t,
    pub detail: String,
}

/// Skips with `reason` and `detail`.
pub fn skip<T>(reason: fh_plugin_skip_reason_t, detail: impl Into<String>) -> Result<T, Skip> {
    Err(Skip { reason, detail: detail.into() })
}
