//! Records of one device's live allocations, answering pointer queries
//! (fhPointerGetAttributes, plugin ABI 1.1 `pointer_get_attributes`):
//! which allocation, device or pinned host, contains an address.
//!
//! One implementation for both sides of the ABI: the plugin SDK keeps one
//! per device of every Rust plugin, and the loader keeps one per device of a
//! plugin that does not answer the query itself (ABI 1.0). Device addresses
//! and host pointers live in separate maps, since a discrete device's
//! address space may overlap the host's; a query asks device memory first.
//!
//! Thread-safe: one mutex per record set, held only for a map operation.

use crate::bindings::{fh_memory_type_t, FH_MEMORY_TYPE_DEVICE, FH_MEMORY_TYPE_HOST};
use std::collections::BTreeMap;
use std::sync::Mutex;

/// The allocation that contains an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Containing {
    pub memory_type: fh_memory_type_t,
    pub base: u64,
    pub size: u64,
}

/// Pure: the entry of `live` (base -> size) whose `[base, base + size)`
/// contains `address`.
pub fn containing(live: &BTreeMap<u64, u64>, address: u64) -> Option<(u64, u64)> {
    let (&base, &size) = live.range(..=address).next_back()?;
    (address - base < size).then_some((base, size))
}

#[derive(Default)]
struct Maps {
    device: BTreeMap<u64, u64>,
    host: BTreeMap<u64, u64>,
}

/// The live device and pinned host allocations of one device.
#[derive(Default)]
pub struct AllocationRecords {
    maps: Mutex<Maps>,
}

impl AllocationRecords {
    pub const fn new() -> AllocationRecords {
        AllocationRecords { maps: Mutex::new(Maps { device: BTreeMap::new(), host: BTreeMap::new() }) }
    }

    fn maps(&self) -> std::sync::MutexGuard<'_, Maps> {
        // A panic while holding the lock leaves the maps consistent (every
        // operation is one map call), so a poisoned lock is still usable.
        self.maps.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records a successful allocation of `size` bytes at `base`.
    pub fn insert(&self, memory_type: fh_memory_type_t, base: u64, size: u64) {
        let mut maps = self.maps();
        if memory_type == FH_MEMORY_TYPE_HOST {
            maps.host.insert(base, size);
        } else {
            maps.device.insert(base, size);
        }
    }

    /// Forgets the allocation at `base` once its free succeeded.
    pub fn remove(&self, memory_type: fh_memory_type_t, base: u64) {
        let mut maps = self.maps();
        if memory_type == FH_MEMORY_TYPE_HOST {
            maps.host.remove(&base);
        } else {
            maps.device.remove(&base);
        }
    }

    /// The allocation containing `address`, device memory first.
    pub fn find(&self, address: u64) -> Option<Containing> {
        let maps = self.maps();
        let found = |memory_type, map: &BTreeMap<u64, u64>| {
            containing(map, address).map(|(base, size)| Containing { memory_type, base, size })
        };
        found(FH_MEMORY_TYPE_DEVICE, &maps.device).or_else(|| found(FH_MEMORY_TYPE_HOST, &maps.host))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interior_addresses_find_their_allocation_and_the_end_does_not() {
        let r = AllocationRecords::new();
        r.insert(FH_MEMORY_TYPE_DEVICE, 0x1000, 0x100);
        r.insert(FH_MEMORY_TYPE_DEVICE, 0x1100, 0x10); // adjacent
        r.insert(FH_MEMORY_TYPE_HOST, 0x9000, 7);
        let dev = |base, size| Some(Containing { memory_type: FH_MEMORY_TYPE_DEVICE, base, size });
        assert_eq!(r.find(0x1000), dev(0x1000, 0x100));
        assert_eq!(r.find(0x10FF), dev(0x1000, 0x100));
        assert_eq!(r.find(0x1100), dev(0x1100, 0x10), "one past the end is the next allocation");
        assert_eq!(r.find(0x1110), None, "one past the last allocation");
        assert_eq!(r.find(0xFFF), None);
        assert_eq!(r.find(0x9006), Some(Containing { memory_type: FH_MEMORY_TYPE_HOST, base: 0x9000, size: 7 }));
        assert_eq!(r.find(0x9007), None);
        r.remove(FH_MEMORY_TYPE_DEVICE, 0x1000);
        assert_eq!(r.find(0x1080), None, "freed");
        r.remove(FH_MEMORY_TYPE_HOST, 0x1100); // the wrong kind removes nothing
        assert_eq!(r.find(0x1100), dev(0x1100, 0x10));
    }

    #[test]
    fn device_memory_wins_where_the_address_spaces_overlap() {
        let r = AllocationRecords::new();
        r.insert(FH_MEMORY_TYPE_HOST, 0x1000, 0x1000);
        r.insert(FH_MEMORY_TYPE_DEVICE, 0x1800, 0x10);
        assert_eq!(r.find(0x1808).unwrap().memory_type, FH_MEMORY_TYPE_DEVICE);
        assert_eq!(r.find(0x1810).unwrap().memory_type, FH_MEMORY_TYPE_HOST);
        assert_eq!(containing(&BTreeMap::from([(u64::MAX - 1, 1)]), u64::MAX), None);
    }
}
