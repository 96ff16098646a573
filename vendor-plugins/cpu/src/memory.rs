//! Device memory and pinned host memory of the CPU device.
//!
//! Device memory is aligned host memory; a device address is the host address
//! (FH_DEVICE_CAP_HOST_ACCESSIBLE_MEMORY). Every live allocation is in a range
//! map (base -> length), so every copy, memset and free can check that its
//! range lies inside one live allocation and return FH_ERROR_INVALID_ADDRESS
//! otherwise (FH_DEVICE_CAP_ADDRESS_CHECKS). Interior addresses (base +
//! offset) are valid wherever the whole range fits.

use crate::host;
use flaghal_sys::{
    FfiError, FfiResult, FH_ERROR_INVALID_ADDRESS, FH_ERROR_INVALID_VALUE, FH_ERROR_OUT_OF_MEMORY,
};
use parking_lot::{Mutex, RwLock};
use std::alloc::Layout;
use std::collections::{BTreeMap, HashMap};

/// Alignment of every device allocation (properties.memory_alignment).
pub const MEMORY_ALIGNMENT: usize = 256;
/// Alignment (a page) of pinned host allocations.
const PINNED_ALIGNMENT: usize = 4096;

/// A checked device range: `len` bytes at `addr`, inside one live allocation
/// at the time it was checked. Work queued on a stream carries these; the
/// application keeps the allocation alive until the work completes (fhMemFree).
#[derive(Debug, Clone, Copy)]
pub struct DeviceRange {
    pub addr: u64,
    pub len: usize,
}

impl DeviceRange {
    pub fn ptr(self) -> *mut u8 {
        self.addr as usize as *mut u8
    }
}

/// All device allocations of one device, and the memory budget.
pub struct DeviceMemory {
    total: u64,
    map: RwLock<Allocations>,
}

#[derive(Default)]
struct Allocations {
    /// base -> length in bytes.
    live: BTreeMap<u64, usize>,
    in_use: u64,
}

impl DeviceMemory {
    pub fn new(total: u64) -> Self {
        DeviceMemory { total, map: RwLock::new(Allocations::default()) }
    }

    pub fn total(&self) -> u64 {
        self.total
    }

    /// Free bytes: total minus what live allocations hold.
    pub fn free(&self) -> u64 {
        self.total.saturating_sub(self.map.read().in_use)
    }

    /// fhMemAlloc.
    pub fn alloc(&self, size: usize) -> FfiResult<u64> {
        if size == 0 {
            return Err(FfiError::new(FH_ERROR_INVALID_VALUE, "size is 0"));
        }
        let oom = |why: String| FfiError::new(FH_ERROR_OUT_OF_MEMORY, format!("out of memory allocating {size} bytes: {why}"));
        let layout = Layout::from_size_align(size, MEMORY_ALIGNMENT)
            .map_err(|_| oom("larger than the address space".to_string()))?;
        let mut map = self.map.write();
        let wanted = map.in_use.checked_add(size as u64).filter(|n| *n <= self.total);
        if wanted.is_none() {
            return Err(oom(format!(
                "{} of {} bytes are in use (total from /proc/meminfo or FLAGHAL_CPU_MEMORY_LIMIT)",
                map.in_use, self.total
            )));
        }
        // SAFETY: `layout` has a non-zero size.
        let ptr = unsafe { std::alloc::alloc(layout) };
        if ptr.is_null() {
            return Err(oom("the host allocator refused".to_string()));
        }
        let base = ptr as usize as u64;
        map.live.insert(base, size);
        map.in_use += size as u64;
        Ok(base)
    }

    /// fhMemFree: `ptr` must be the base of a live allocation.
    pub fn free_allocation(&self, ptr: u64) -> FfiResult {
        let mut map = self.map.write();
        let Some(size) = map.live.remove(&ptr) else {
            let why = match containing(&map.live, ptr) {
                Some((base, len)) => format!(
                    "{ptr:#x} is inside the allocation at {base:#x} ({len} bytes, offset {}), not its base",
                    ptr - base
                ),
                None => format!("{ptr:#x} is not the base of a live allocation (never allocated or already freed)"),
            };
            return Err(FfiError::new(FH_ERROR_INVALID_ADDRESS, why));
        };
        map.in_use -= size as u64;
        let layout = Layout::from_size_align(size, MEMORY_ALIGNMENT).expect("layout was valid at allocation");
        // SAFETY: `ptr` was returned by `alloc` with this exact layout and is
        // removed from the map, so it is freed once.
        unsafe { std::alloc::dealloc(ptr as usize as *mut u8, layout) };
        Ok(())
    }

    /// Checks that `[addr, addr + len)` lies inside one live allocation. A
    /// zero-length range must still start inside (or at the end of) one. An
    /// address inside an allocation with a length that runs past its end
    /// blames the size, not the address.
    pub fn check(&self, addr: u64, len: usize, what: &str) -> FfiResult<DeviceRange> {
        let map = self.map.read();
        let Some((base, size)) = containing(&map.live, addr) else {
            return Err(FfiError::new(
                FH_ERROR_INVALID_ADDRESS,
                format!("{what} address {addr:#x} is not inside any live allocation of this device"),
            ));
        };
        let room = base + size as u64 - addr;
        if len as u64 <= room {
            return Ok(DeviceRange { addr, len });
        }
        Err(FfiError::new(
            FH_ERROR_INVALID_ADDRESS,
            format!(
                "size {len} runs {} bytes past the end of the {what} allocation at {base:#x} ({size} bytes; {what} {addr:#x} leaves {room})",
                len as u64 - room
            ),
        ))
    }

    /// Checks both ranges of a device-to-device copy of `size` bytes; when
    /// both are wrong the message says so for each.
    pub fn check_copy(&self, dst: u64, src: u64, size: usize) -> FfiResult<(DeviceRange, DeviceRange)> {
        match (self.check(dst, size, "dst"), self.check(src, size, "src")) {
            (Ok(d), Ok(s)) => Ok((d, s)),
            (Err(e), Ok(_)) | (Ok(_), Err(e)) => Err(e),
            (Err(d), Err(s)) => Err(FfiError::new(FH_ERROR_INVALID_ADDRESS, format!("{}; {}", d.message, s.message))),
        }
    }
}

/// The live allocation whose `[base, base + len]` contains `addr` (the end
/// included, so a zero-length range at the end is accepted).
fn containing(live: &BTreeMap<u64, usize>, addr: u64) -> Option<(u64, usize)> {
    let (base, len) = live.range(..=addr).next_back()?;
    (addr <= base + *len as u64).then_some((*base, *len))
}

/// Pinned host memory (fhMemAllocHost): page-aligned, locked in RAM when the
/// process may (mlock is best effort: RLIMIT_MEMLOCK is often small).
#[derive(Default)]
pub struct PinnedMemory {
    /// address -> (size, whether mlock succeeded)
    live: Mutex<HashMap<usize, (usize, bool)>>,
}

impl PinnedMemory {
    pub fn alloc(&self, size: usize) -> FfiResult<*mut u8> {
        if size == 0 {
            return Err(FfiError::new(FH_ERROR_INVALID_VALUE, "size is 0"));
        }
        let oom = || FfiError::new(FH_ERROR_OUT_OF_MEMORY, format!("out of host memory allocating {size} pinned bytes"));
        let layout = Layout::from_size_align(size, PINNED_ALIGNMENT).map_err(|_| oom())?;
        // SAFETY: `layout` has a non-zero size.
        let ptr = unsafe { std::alloc::alloc(layout) };
        if ptr.is_null() {
            return Err(oom());
        }
        // SAFETY: `ptr .. ptr + size` was just allocated by this process.
        let locked = match unsafe { crate::sys::lock_pages(ptr, size) } {
            Ok(()) => true,
            Err(e) => {
                host::log(flaghal_sys::FH_LOG_LEVEL_DEBUG, &format!("mlock of {size} pinned bytes failed ({e}); using unlocked pages"));
                false
            }
        };
        self.live.lock().insert(ptr as usize, (size, locked));
        Ok(ptr)
    }

    /// Frees the allocation at `address` (a pointer from [`Self::alloc`]).
    /// Anything else is refused without being touched.
    pub fn free(&self, address: usize) -> FfiResult {
        let Some((size, locked)) = self.live.lock().remove(&address) else {
            return Err(FfiError::new(
                FH_ERROR_INVALID_VALUE,
                format!("{address:#x} is not a live allocation from fhMemAllocHost on this device"),
            ));
        };
        let ptr = address as *mut u8;
        if locked {
            // SAFETY: the range was allocated and locked by `alloc`.
            unsafe { crate::sys::unlock_pages(ptr, size) };
        }
        let layout = Layout::from_size_align(size, PINNED_ALIGNMENT).expect("layout was valid at allocation");
        // SAFETY: allocated by `alloc` with this layout; removed from the map, so freed once.
        unsafe { std::alloc::dealloc(ptr, layout) };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_inside_one_allocation_pass_and_others_fail() {
        let memory = DeviceMemory::new(1 << 20);
        let a = memory.alloc(1000).unwrap();
        assert_eq!(a % MEMORY_ALIGNMENT as u64, 0);
        assert_eq!(memory.free(), (1 << 20) - 1000);
        assert!(memory.check(a, 1000, "dst").is_ok());
        assert!(memory.check(a + 10, 990, "dst").is_ok());
        assert!(memory.check(a + 1000, 0, "dst").is_ok());
        let err = memory.check(a + 10, 991, "dst").unwrap_err();
        assert_eq!(err.status, FH_ERROR_INVALID_ADDRESS);
        assert!(err.message.starts_with("size 991 runs 1 bytes past the end of the dst allocation"), "{}", err.message);
        assert!(memory.check(a + 1001, 0, "dst").is_err());
        assert!(memory.check(u64::MAX, 2, "dst").is_err());
        assert!(memory.free_allocation(a + 8).unwrap_err().message.contains("not its base"));
        memory.free_allocation(a).unwrap();
        assert_eq!(memory.free(), 1 << 20);
        assert!(memory.check(a, 1, "src").is_err());
        assert_eq!(memory.free_allocation(a).unwrap_err().status, FH_ERROR_INVALID_ADDRESS);
    }

    #[test]
    fn an_oversized_copy_blames_the_size_and_each_range_it_overruns() {
        let memory = DeviceMemory::new(1 << 20);
        let (a, b) = (memory.alloc(1000).unwrap(), memory.alloc(4000).unwrap());
        let src_only = memory.check_copy(b, a, 1001).unwrap_err().message;
        assert!(src_only.starts_with("size 1001 runs 1 bytes past the end of the src allocation"), "{src_only}");
        assert!(!src_only.contains("dst"), "the destination is fine: {src_only}");
        let both = memory.check_copy(a, a, 2000).unwrap_err().message;
        assert!(both.contains("size 2000 runs 1000 bytes past the end of the dst allocation"), "{both}");
        assert!(both.contains("past the end of the src allocation"), "{both}");
        let huge = memory.check_copy(a, b, usize::MAX).unwrap_err().message;
        assert!(huge.starts_with(&format!("size {} runs", usize::MAX)), "an overflowing size is still the size's fault: {huge}");
        assert!(!huge.contains("not inside any live allocation"), "{huge}");
        let bad_src = memory.check_copy(a, 0x10, 8).unwrap_err().message;
        assert_eq!(bad_src, "src address 0x10 is not inside any live allocation of this device");
        assert!(memory.check_copy(b, a, 1000).is_ok());
    }

    #[test]
    fn the_budget_is_enforced_without_side_effects() {
        let memory = DeviceMemory::new(4096);
        let a = memory.alloc(4000).unwrap();
        assert_eq!(memory.alloc(97).unwrap_err().status, FH_ERROR_OUT_OF_MEMORY);
        assert_eq!(memory.free(), 96);
        assert_eq!(memory.alloc(0).unwrap_err().status, FH_ERROR_INVALID_VALUE);
        assert_eq!(memory.alloc(usize::MAX).unwrap_err().status, FH_ERROR_OUT_OF_MEMORY);
        memory.free_allocation(a).unwrap();
    }

    #[test]
    fn pinned_memory_frees_only_what_it_allocated() {
        let pinned = PinnedMemory::default();
        let p = pinned.alloc(10000).unwrap();
        assert_eq!(p as usize % 4096, 0);
        let mut local = 0u8;
        assert_eq!(pinned.free(&mut local as *mut u8 as usize).unwrap_err().status, FH_ERROR_INVALID_VALUE);
        pinned.free(p as usize).unwrap();
        assert!(pinned.free(p as usize).is_err(), "double free is detected");
    }
}
