//! Pointer queries (plugin ABI 1.1 `pointer_get_attributes`) for every Rust
//! plugin, answered by the SDK: the memory entries record each allocation
//! the plugin's trait methods make (device and pinned host) and forget it
//! once its free succeeds, so no plugin keeps a table of its own for this.
//!
//! Ownership: one [`AllocationRecords`] per device, created with the device
//! handles at the first successful init and never freed (devices live until
//! the process exits). A device finds its records by its position in the
//! slice `Plugin::init` returned, computed from its address: O(1), no map.

use crate::sys::allocation_records::{AllocationRecords, Containing};
use crate::sys::fh_memory_type_t;
use crate::traits::Plugin;
use std::sync::OnceLock;

struct Registered {
    /// Address of the first device of the slice `Plugin::init` returned.
    first: usize,
    records: Box<[AllocationRecords]>,
}

static REGISTERED: OnceLock<Registered> = OnceLock::new();

/// Creates the records of `devices` (the first call wins, as for handles).
pub(crate) fn register<P: Plugin>(devices: &'static [P::Device]) {
    REGISTERED.get_or_init(|| Registered {
        first: devices.as_ptr() as usize,
        records: devices.iter().map(|_| AllocationRecords::new()).collect(),
    });
}

/// Pure: the index of the device at `address` in a slice starting at
/// `first` with elements of `element_size` bytes.
fn index_of(first: usize, address: usize, element_size: usize) -> Option<usize> {
    let offset = address.checked_sub(first)?;
    Some(offset.checked_div(element_size).unwrap_or(0))
}

fn records_of<P: Plugin>(device: &'static P::Device) -> Option<&'static AllocationRecords> {
    let registered = REGISTERED.get()?;
    let index = index_of(registered.first, device as *const P::Device as usize, std::mem::size_of::<P::Device>())?;
    registered.records.get(index)
}

/// Records a successful allocation of `size` bytes at `base` on `device`.
pub(crate) fn record<P: Plugin>(device: &'static P::Device, memory_type: fh_memory_type_t, base: u64, size: usize) {
    if let Some(records) = records_of::<P>(device) {
        records.insert(memory_type, base, size as u64);
    }
}

/// Forgets the allocation at `base` once its free succeeded.
pub(crate) fn forget<P: Plugin>(device: &'static P::Device, memory_type: fh_memory_type_t, base: u64) {
    if let Some(records) = records_of::<P>(device) {
        records.remove(memory_type, base);
    }
}

/// The live allocation of `device` that contains `address`.
pub(crate) fn find<P: Plugin>(device: &'static P::Device, address: u64) -> Option<Containing> {
    records_of::<P>(device)?.find(address)
}

#[cfg(test)]
mod tests {
    use super::index_of;

    #[test]
    fn devices_are_found_by_position() {
        assert_eq!(index_of(0x1000, 0x1000, 64), Some(0));
        assert_eq!(index_of(0x1000, 0x1080, 64), Some(2));
        assert_eq!(index_of(0x1000, 0x0FC0, 64), None);
        assert_eq!(index_of(0x1000, 0x1000, 0), Some(0), "zero-sized devices share one record set");
    }
}
