//! What the fuzzer believes the library holds: every live object it made,
//! the expected contents of each allocation (a shadow, byte by byte), which
//! stream has work pending on which allocation, and the handles it destroyed
//! (which must stay invalid forever). Pure bookkeeping; no FFI.

use flaghal_sys::{fh_device_t, fh_event_t, fh_stream_t};

/// A shadow byte: 0..=255, or [`UNDEFINED`] (fresh memory, an overlapping copy).
pub type Shadow = u16;
pub const UNDEFINED: Shadow = 0x100;

pub struct DeviceInfo {
    pub handle: fh_device_t,
    pub name: String,
    pub caps: u64,
    pub alignment: u64,
    pub formats: Vec<flaghal_sys::fh_module_format_t>,
}

pub struct Allocation {
    pub device: usize,
    pub base: u64,
    pub shadow: Vec<Shadow>,
    /// The stream with queued work on this allocation, if any: only that
    /// stream may queue more on it until the work is known complete.
    pub owner: Option<u64>,
}

impl Allocation {
    pub fn size(&self) -> usize {
        self.shadow.len()
    }
}

/// Host memory an asynchronous copy uses until its stream reaches it.
pub enum Pending {
    /// The source of a queued host-to-device copy (kept alive, unchanged).
    Source(#[allow(dead_code)] Vec<u8>),
    /// The destination of a queued device-to-host copy and what it must hold.
    Readback { buffer: Vec<u8>, expect: Vec<Shadow>, what: String },
}

pub struct StreamModel {
    /// Unique across the run (handles may look alike to a reader).
    pub id: u64,
    pub handle: fh_stream_t,
    pub device: usize,
    pub pending: Vec<Pending>,
}

pub struct EventModel {
    pub handle: fh_event_t,
    pub device: usize,
    pub timing: bool,
    /// The stream id of its most recent record.
    pub recorded_on: Option<u64>,
    /// Its most recent record is known to have completed.
    pub completed: bool,
}

#[derive(Default)]
pub struct Model {
    pub devices: Vec<DeviceInfo>,
    pub allocations: Vec<Allocation>,
    pub streams: Vec<StreamModel>,
    pub events: Vec<EventModel>,
    /// (device, base) of freed allocations.
    pub freed: Vec<(usize, u64)>,
    pub stale_streams: Vec<usize>,
    pub stale_events: Vec<usize>,
    pub pinned: Vec<(usize, usize)>,
    pub next_stream_id: u64,
    /// Free device memory when the fuzzer first looked, per device.
    pub initial_free: Vec<Option<usize>>,
}

impl Model {
    /// Whether `[address, address + len)` overlaps a live allocation of `device`.
    pub fn touches_live(&self, device: usize, address: u64, len: u64) -> bool {
        self.allocations
            .iter()
            .any(|a| a.device == device && address < a.base + a.size() as u64 && a.base < address.saturating_add(len.max(1)))
    }

    /// Allocations of `device` that `stream` (None: a synchronous call) may use.
    pub fn usable(&self, device: usize, stream: Option<u64>) -> Vec<usize> {
        (0..self.allocations.len())
            .filter(|&i| {
                let a = &self.allocations[i];
                a.device == device && (stream.is_none() || a.owner.is_none() || a.owner == stream)
            })
            .collect()
    }

}

/// Pure: writes `bytes` into `shadow` at `offset`.
pub fn store(shadow: &mut [Shadow], offset: usize, bytes: &[u8]) {
    for (s, b) in shadow[offset..offset + bytes.len()].iter_mut().zip(bytes) {
        *s = Shadow::from(*b);
    }
}

/// Pure: the first byte of `got` that differs from a defined byte of
/// `expect`: (index, got, expected).
pub fn first_mismatch(got: &[u8], expect: &[Shadow]) -> Option<(usize, u8, u8)> {
    got.iter().zip(expect).position(|(g, e)| *e != UNDEFINED && Shadow::from(*g) != *e).map(|i| (i, got[i], expect[i] as u8))
}

/// Pure: the byte pattern of a memset of `count` elements of `element`
/// bytes holding `value` (little-endian, as flaghal.h's memsets are).
pub fn memset_bytes(value: u32, element: usize, count: usize) -> Vec<u8> {
    let one = &value.to_le_bytes()[..element];
    one.iter().copied().cycle().take(element * count).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shadows_compare_only_defined_bytes() {
        let mut shadow = vec![UNDEFINED; 6];
        store(&mut shadow, 2, &[1, 2]);
        assert_eq!(first_mismatch(&[9, 9, 1, 2, 9, 9], &shadow), None);
        assert_eq!(first_mismatch(&[9, 9, 1, 3, 9, 9], &shadow), Some((3, 3, 2)));
    }

    #[test]
    fn memset_patterns_are_little_endian() {
        assert_eq!(memset_bytes(0x1122_3344, 4, 2), [0x44, 0x33, 0x22, 0x11, 0x44, 0x33, 0x22, 0x11]);
        assert_eq!(memset_bytes(0xBEEF, 2, 1), [0xEF, 0xBE]);
        assert_eq!(memset_bytes(7, 1, 3), [7, 7, 7]);
    }
}
