//! The `extern "C"` entries of the function table, generic over the plugin
//! and instantiated by [`crate::export_plugin!`] through [`crate::Table`].
//! One small function per entry, by group: `lifecycle` (init, devices),
//! `memory`, `streams` (streams and events), `kernels`. Each body runs in
//! [`crate::boundary`], converts its C arguments (handles through
//! [`crate::handles`], pointers through `flaghal_sys::ptr`/`sized`), does the
//! SDK's checks (crate doc, "Who validates what") and calls the plugin's trait
//! method.
//!
//! Every entry is an `unsafe extern "C" fn` whose contract is the same: it
//! is called through the table with arguments as flaghal_plugin.h specifies
//! for that entry, handles being NULL or handles this plugin returned.

pub mod kernels;
pub mod lifecycle;
pub mod memory;
pub mod streams;

use crate::sys::{self, FH_ERROR_INVALID_DEVICE, FH_ERROR_INVALID_VALUE};
use crate::traits::Plugin;
use crate::{FfiError, FfiResult};

/// FH_ERROR_INVALID_DEVICE unless both objects belong to one device.
fn same_device<P: Plugin>(a: &'static P::Device, b: &'static P::Device, what: &str) -> FfiResult {
    if std::ptr::eq(a, b) {
        Ok(())
    } else {
        Err(FfiError::new(FH_ERROR_INVALID_DEVICE, format!("{what} belong to different devices")))
    }
}

/// FH_ERROR_INVALID_VALUE for a zero size.
fn nonzero(size: usize, what: &str) -> FfiResult {
    if size == 0 {
        Err(FfiError::new(FH_ERROR_INVALID_VALUE, format!("{what} is 0")))
    } else {
        Ok(())
    }
}

/// FH_ERROR_INVALID_VALUE unless a memset element is 1, 2 or 4 bytes.
fn element_size(size: u32) -> FfiResult {
    if matches!(size, 1 | 2 | 4) {
        Ok(())
    } else {
        Err(FfiError::new(FH_ERROR_INVALID_VALUE, format!("memset element size {size} is not 1, 2 or 4")))
    }
}

/// The capability bits of the optional entry groups.
const OPTIONAL_CAPABILITIES: u64 =
    sys::FH_DEVICE_CAP_PINNED_HOST_MEMORY | sys::FH_DEVICE_CAP_HOST_FUNC | sys::FH_DEVICE_CAP_EVENT_TIMING;

/// Whether the table has the entries of optional group `capability`.
pub const fn has_optional<P: Plugin>(capability: u64) -> bool {
    P::OPTIONAL_ENTRIES & capability != 0
}

/// Device capabilities as reported: optional groups the table lacks are
/// cleared (plugin ABI rule 4). Pure.
pub fn reported_capabilities<P: Plugin>(capabilities: u64) -> u64 {
    capabilities & !(OPTIONAL_CAPABILITIES & !P::OPTIONAL_ENTRIES)
}
