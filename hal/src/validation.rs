//! The validation layer, on with FLAGHAL_VALIDATION=1 (read by fhInit):
//!
//! - a registry of live handles, checked as well as the handle tags that
//!   already refuse destroyed, foreign and wrong-kind handles (handles.rs);
//! - per-device allocation ranges: copies, memsets and frees outside live
//!   allocations return FH_ERROR_INVALID_ADDRESS even when the plugin could
//!   not tell;
//! - a leak report on stderr at process exit (handles never destroyed,
//!   allocations never freed).
//!
//! Off, it costs one relaxed atomic load per call and nothing else.

use crate::failure::{fail, ApiResult};
use crate::handles::Device;
use flaghal_sys::*;
use once_cell::sync::Lazy;
use parking_lot::Mutex;
use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Live handles: address -> (kind, device ordinal).
static LIVE: Lazy<Mutex<HashMap<usize, (&'static str, u32)>>> = Lazy::new(|| Mutex::new(HashMap::new()));

/// Pure: whether a FLAGHAL_VALIDATION value turns the layer on; Err for a
/// value that is neither on nor off.
pub fn parse_setting(value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "on" | "yes" => Ok(true),
        "" | "0" | "false" | "off" | "no" => Ok(false),
        other => Err(format!("FLAGHAL_VALIDATION=\"{other}\" is not 0 or 1; validation stays off")),
    }
}

#[inline]
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// Turns the layer on (fhInit, before any handle exists) and registers the
/// exit-time leak report.
pub fn enable() {
    if !ENABLED.swap(true, Ordering::Relaxed) {
        // SAFETY: `leak_report_at_exit` is a plain extern "C" fn with no
        // arguments that lives as long as the library, which is linked with
        // -z nodelete and so is never unmapped before exit handlers run.
        unsafe { atexit(leak_report_at_exit) };
    }
}

extern "C" {
    fn atexit(callback: extern "C" fn()) -> std::ffi::c_int;
}

pub fn register(address: usize, kind: &'static str, device_ordinal: u32) {
    if enabled() {
        LIVE.lock().insert(address, (kind, device_ordinal));
    }
}

pub fn unregister(address: usize) {
    if enabled() {
        LIVE.lock().remove(&address);
    }
}

pub fn is_live(address: usize, kind: &str) -> bool {
    LIVE.lock().get(&address).is_some_and(|(k, _)| *k == kind)
}

/// Pure: whether `[address, address + size)` lies inside one allocation of
/// `allocations` (base -> size).
pub fn range_inside(allocations: &std::collections::BTreeMap<u64, u64>, address: u64, size: u64) -> bool {
    let Some((&base, &length)) = allocations.range(..=address).next_back() else {
        return false;
    };
    let Some(end) = address.checked_add(size) else {
        return false;
    };
    end <= base.saturating_add(length)
}

/// With validation on: fails unless the device range lies inside one live
/// allocation of `device`.
#[inline]
pub fn check_range(device: &Device, address: fh_deviceptr_t, size: usize, what: &str) -> ApiResult {
    if !enabled() || size == 0 {
        return Ok(());
    }
    if range_inside(&device.allocations.lock(), address, size as u64) {
        Ok(())
    } else {
        Err(fail(
            FH_ERROR_INVALID_ADDRESS,
            format!("{what} range 0x{address:x}+{size} is not inside a live allocation of {} (validation layer)", device.describe()),
        ))
    }
}

/// With validation on: records a new allocation.
pub fn record_allocation(device: &Device, base: fh_deviceptr_t, size: usize) {
    if enabled() {
        device.allocations.lock().insert(base, size as u64);
    }
}

/// With validation on: removes the allocation at `base` before it is freed,
/// failing if `base` is not the base of a live allocation. Returns what to
/// put back if the plugin's free then fails.
pub fn take_allocation(device: &Device, base: fh_deviceptr_t) -> ApiResult<Option<u64>> {
    if !enabled() {
        return Ok(None);
    }
    match device.allocations.lock().remove(&base) {
        Some(size) => Ok(Some(size)),
        None => Err(fail(
            FH_ERROR_INVALID_ADDRESS,
            format!("0x{base:x} is not the base of a live allocation of {} (validation layer)", device.describe()),
        )),
    }
}

/// Puts back an allocation whose free failed.
pub fn restore_allocation(device: &Device, base: fh_deviceptr_t, size: Option<u64>) {
    if let Some(size) = size {
        device.allocations.lock().insert(base, size);
    }
}

/// Pure: the leak report lines for the live handles and allocations.
pub fn leak_report(handles: &[(&str, u32, usize)], allocations: &[(u32, u64, u64)]) -> Vec<String> {
    let mut lines = Vec::new();
    for (kind, ordinal, address) in handles {
        lines.push(format!("flaghal: validation: leak: {kind} 0x{address:x} on device {ordinal} was never destroyed"));
    }
    for (ordinal, base, size) in allocations {
        lines.push(format!("flaghal: validation: leak: {size} bytes at 0x{base:x} on device {ordinal} were never freed"));
    }
    if !lines.is_empty() {
        let bytes: u64 = allocations.iter().map(|a| a.2).sum();
        lines.push(format!(
            "flaghal: validation: at exit, {} handles and {} allocations ({bytes} bytes) were still live",
            handles.len(),
            allocations.len()
        ));
    }
    lines
}

extern "C" fn leak_report_at_exit() {
    let _ = ffi_boundary(
        || {
            // Never hang an exiting process on a lock another thread holds.
            let wait = std::time::Duration::from_millis(200);
            let Some(live) = LIVE.try_lock_for(wait) else {
                return Ok(());
            };
            let mut handles: Vec<(&str, u32, usize)> = live
                .iter()
                .filter(|(_, (kind, _))| *kind != "device" && *kind != "function")
                .map(|(address, (kind, ordinal))| (*kind, *ordinal, *address))
                .collect();
            handles.sort_by_key(|h| (h.1, h.0, h.2));
            let mut allocations = Vec::new();
            if let Some(registry) = crate::registry::get_if_initialized() {
                for device in &registry.devices {
                    let Some(live_allocations) = device.allocations.try_lock_for(wait) else { continue };
                    for (base, size) in live_allocations.iter() {
                        allocations.push((device.ordinal, *base, *size));
                    }
                }
            }
            let mut stderr = std::io::stderr().lock();
            for line in leak_report(&handles, &allocations) {
                let _ = writeln!(stderr, "{line}");
            }
            Ok(())
        },
        |_| {},
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn settings() {
        assert_eq!(parse_setting("1"), Ok(true));
        assert_eq!(parse_setting(" TRUE "), Ok(true));
        assert_eq!(parse_setting("0"), Ok(false));
        assert_eq!(parse_setting(""), Ok(false));
        assert!(parse_setting("2").unwrap_err().contains("not 0 or 1"));
    }

    #[test]
    fn ranges_must_lie_inside_one_allocation() {
        let mut a = BTreeMap::new();
        a.insert(0x1000, 0x100);
        a.insert(0x1100, 0x100); // adjacent, separate allocation
        assert!(range_inside(&a, 0x1000, 0x100));
        assert!(range_inside(&a, 0x1080, 0x10), "base + offset is valid");
        assert!(!range_inside(&a, 0x10F0, 0x20), "straddles two allocations");
        assert!(!range_inside(&a, 0xFFF, 1), "below every allocation");
        assert!(!range_inside(&a, 0x1100, 0x101), "runs past the end");
        assert!(!range_inside(&a, u64::MAX, 2), "overflow");
        assert!(!range_inside(&BTreeMap::new(), 0x1000, 1));
    }

    #[test]
    fn the_leak_report_names_each_leak_and_sums_up() {
        assert!(leak_report(&[], &[]).is_empty());
        let lines = leak_report(&[("stream", 0, 0xabc)], &[(1, 0x1000, 256), (1, 0x2000, 512)]);
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[0], "flaghal: validation: leak: stream 0xabc on device 0 was never destroyed");
        assert!(lines[1].contains("256 bytes at 0x1000 on device 1"));
        assert!(lines[3].ends_with("1 handles and 2 allocations (768 bytes) were still live"));
    }
}
