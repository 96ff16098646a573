//! A first-fit range allocator over one memory block, pure data structure (no
//! Vulkan): free ranges in an ordered map, coalesced on free. Live
//! allocations are tracked too, so a range can be checked against them
//! (FH_DEVICE_CAP_ADDRESS_CHECKS) and a free of a non-base offset refused.

use std::collections::BTreeMap;

#[derive(Debug)]
pub struct SubAllocator {
    size: u64,
    /// offset -> length of each free range; never adjacent (coalesced).
    free: BTreeMap<u64, u64>,
    /// offset -> (reserved length, requested length) of each live allocation.
    live: BTreeMap<u64, (u64, u64)>,
}

impl SubAllocator {
    pub fn new(size: u64) -> Self {
        let mut free = BTreeMap::new();
        if size > 0 {
            free.insert(0, size);
        }
        SubAllocator { size, free, live: BTreeMap::new() }
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    pub fn is_empty(&self) -> bool {
        self.live.is_empty()
    }

    /// Reserves `size` bytes aligned to `align` (a power of two); returns the
    /// offset, or None when no free range fits.
    pub fn alloc(&mut self, size: u64, align: u64) -> Option<u64> {
        let reserved = crate::conv::align_up(size.max(1), align);
        let (start, len, offset) = self.free.iter().find_map(|(&start, &len)| {
            let offset = crate::conv::align_up(start, align);
            (offset + reserved <= start + len).then_some((start, len, offset))
        })?;
        self.free.remove(&start);
        if offset > start {
            self.free.insert(start, offset - start);
        }
        let end = offset + reserved;
        if end < start + len {
            self.free.insert(end, start + len - end);
        }
        self.live.insert(offset, (reserved, size));
        Some(offset)
    }

    /// Releases the allocation that starts at `offset`; returns its requested
    /// size, or None if no live allocation starts there (nothing changes).
    pub fn free(&mut self, offset: u64) -> Option<u64> {
        let (reserved, requested) = self.live.remove(&offset)?;
        let mut start = offset;
        let mut len = reserved;
        if let Some((&prev, &prev_len)) = self.free.range(..offset).next_back() {
            if prev + prev_len == offset {
                self.free.remove(&prev);
                start = prev;
                len += prev_len;
            }
        }
        if let Some(&next_len) = self.free.get(&(offset + reserved)) {
            self.free.remove(&(offset + reserved));
            len += next_len;
        }
        self.free.insert(start, len);
        Some(requested)
    }

    /// The live allocation containing `[offset, offset + len)` entirely:
    /// returns (its base offset, its requested size). `len` 0 checks the
    /// single byte position.
    pub fn containing(&self, offset: u64, len: u64) -> Option<(u64, u64)> {
        let (&base, &(_, requested)) = self.live.range(..=offset).next_back()?;
        let end = offset.checked_add(len)?;
        let inside = if len == 0 { offset < base + requested.max(1) } else { end <= base + requested };
        inside.then_some((base, requested))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocations_are_aligned_disjoint_and_reused_after_free() {
        let mut a = SubAllocator::new(4096);
        let x = a.alloc(100, 256).unwrap();
        let y = a.alloc(300, 256).unwrap();
        let z = a.alloc(1, 256).unwrap();
        assert_eq!((x, y, z), (0, 256, 768));
        assert_eq!(a.free(y), Some(300));
        assert_eq!(a.alloc(512, 256), Some(256), "the hole is reused");
        assert_eq!(a.free(x + 8), None, "not a base");
        assert!(a.alloc(4096, 256).is_none());
    }

    #[test]
    fn freeing_everything_coalesces_back_to_one_range() {
        let mut a = SubAllocator::new(1024);
        let offsets: Vec<u64> = (0..4).map(|_| a.alloc(256, 256).unwrap()).collect();
        assert!(a.alloc(1, 256).is_none(), "full");
        for o in [offsets[1], offsets[3], offsets[0], offsets[2]] {
            a.free(o).unwrap();
        }
        assert!(a.is_empty());
        assert_eq!(a.alloc(1024, 256), Some(0), "fully coalesced");
    }

    #[test]
    fn containment_uses_the_requested_size() {
        let mut a = SubAllocator::new(4096);
        let x = a.alloc(100, 256).unwrap();
        assert_eq!(a.containing(x, 100), Some((x, 100)));
        assert_eq!(a.containing(x + 50, 50), Some((x, 100)));
        assert_eq!(a.containing(x + 50, 51), None, "one byte past the end");
        assert_eq!(a.containing(200, 1), None, "in the padding");
        assert_eq!(a.containing(x + 99, 0), Some((x, 100)));
        assert_eq!(a.containing(u64::MAX - 1, 8), None, "overflow is outside");
    }
}
