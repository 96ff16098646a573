//! The live-allocation map behind FH_DEVICE_CAP_ADDRESS_CHECKS (pure): base
//! address -> size of every allocation the plugin made and has not freed.
//! CUDA itself faults (a sticky error that ends the context) or silently
//! writes elsewhere on a bad address; checking each copy, memset and free
//! against this map first turns those into FH_ERROR_INVALID_ADDRESS with
//! nothing changed. The same map, over host addresses, says whether a host
//! range lies inside pinned memory from fhMemAllocHost.

use std::collections::BTreeMap;

/// Allocations by base address; none overlap (the allocator guarantees it).
#[derive(Debug, Default)]
pub struct RangeMap {
    live: BTreeMap<u64, u64>,
    bytes: u64,
}

impl RangeMap {
    pub fn new() -> RangeMap {
        RangeMap::default()
    }

    /// Records a new allocation of `size` (> 0) bytes at `base`.
    pub fn insert(&mut self, base: u64, size: u64) {
        if let Some(old) = self.live.insert(base, size) {
            self.bytes -= old;
        }
        self.bytes += size;
    }

    /// Forgets the allocation whose base is `base`; its size, or None when
    /// `base` is not the base of a live allocation (an interior address too).
    pub fn remove(&mut self, base: u64) -> Option<u64> {
        let size = self.live.remove(&base)?;
        self.bytes -= size;
        Some(size)
    }

    /// The allocation (base, size) holding `addr`, if any.
    pub fn containing(&self, addr: u64) -> Option<(u64, u64)> {
        let (&base, &size) = self.live.range(..=addr).next_back()?;
        (addr - base < size).then_some((base, size))
    }

    /// Whether `[addr, addr + len)` lies inside one live allocation. An empty
    /// range must still start inside one (or at its end).
    pub fn contains_range(&self, addr: u64, len: u64) -> bool {
        let Some(end) = addr.checked_add(len) else { return false };
        match self.live.range(..=addr).next_back() {
            // addr >= base, so end <= base + size puts the whole range inside.
            Some((&base, &size)) => end <= base.saturating_add(size),
            None => false,
        }
    }

    /// Bytes in live allocations.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    pub fn len(&self) -> usize {
        self.live.len()
    }

    pub fn is_empty(&self) -> bool {
        self.live.is_empty()
    }
}

/// The detail of an FH_ERROR_INVALID_ADDRESS: which range, and what is near it.
pub fn describe_miss(map: &RangeMap, what: &str, addr: u64, len: u64) -> String {
    let near = match map.live.range(..=addr).next_back() {
        Some((&base, &size)) if addr - base < size => {
            format!("it starts inside the allocation [{base:#x}, {:#x}) but runs {} bytes past its end", base + size, (addr - base + len) - size)
        }
        Some((&base, &size)) => format!("the nearest allocation below is [{base:#x}, {:#x})", base + size),
        None => "no allocation lies below it".to_string(),
    };
    format!("{what} [{addr:#x}, +{len}) is not inside one live allocation of this device: {near}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map() -> RangeMap {
        let mut m = RangeMap::new();
        m.insert(0x1000, 0x100);
        m.insert(0x2000, 0x10);
        m
    }

    #[test]
    fn ranges_inside_one_allocation_only() {
        let m = map();
        assert!(m.contains_range(0x1000, 0x100), "the whole allocation");
        assert!(m.contains_range(0x1080, 0x80), "a tail ending at its end");
        assert!(m.contains_range(0x10ff, 1), "its last byte");
        assert!(!m.contains_range(0x1080, 0x81), "one byte past its end");
        assert!(!m.contains_range(0x0fff, 2), "starting before it");
        assert!(!m.contains_range(0x1100, 1), "the first byte after it");
        assert!(!m.contains_range(0x10f0, 0xf20), "spanning two allocations");
        assert!(!m.contains_range(0x3000, 4), "above every allocation");
        assert!(!m.contains_range(0x10, 4), "below every allocation");
        assert!(!m.contains_range(u64::MAX - 1, 4), "wrapping around");
        assert!(m.contains_range(0x1100, 0), "an empty range at an allocation's end");
    }

    #[test]
    fn frees_need_the_exact_base() {
        let mut m = map();
        assert_eq!(m.bytes(), 0x110);
        assert_eq!(m.remove(0x1001), None, "an interior address is not a base");
        assert_eq!(m.remove(0x1000), Some(0x100));
        assert_eq!(m.remove(0x1000), None, "a double free");
        assert!(!m.contains_range(0x1000, 1), "freed memory is no longer live");
        assert_eq!((m.len(), m.bytes()), (1, 0x10));
        assert_eq!(m.containing(0x2008), Some((0x2000, 0x10)));
        assert_eq!(m.containing(0x2010), None);
    }

    #[test]
    fn misses_are_described() {
        let m = map();
        let past = describe_miss(&m, "destination", 0x10f0, 0x20);
        assert!(past.contains("runs 16 bytes past its end"), "{past}");
        assert!(describe_miss(&m, "source", 0x1800, 4).contains("[0x1000, 0x1100)"));
        assert!(describe_miss(&m, "source", 0x10, 4).contains("no allocation lies below it"));
    }
}
