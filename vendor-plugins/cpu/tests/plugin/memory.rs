//! Allocation, address checks, copies, memsets, pinned memory.

use crate::support::*;
use flaghal_sys::*;

#[test]
fn copies_round_trip_through_interior_addresses() {
    let p = plugin();
    let base = p.alloc(4096);
    assert_eq!(base % 256, 0);
    let data: Vec<u8> = (0..1000u32).map(|i| (i * 7) as u8).collect();
    assert_eq!(p.htod(base + 100, &data), FH_SUCCESS);
    let mut back = vec![0u8; 1000];
    assert_eq!(p.dtoh(&mut back, base + 100), FH_SUCCESS);
    assert_eq!(back, data);
    // Device to device, into another allocation.
    let other = p.alloc(2000);
    // SAFETY: both ranges lie in live allocations.
    assert_eq!(unsafe { p.api.memcpy_dtod.unwrap()(p.device, other + 1000, base + 100, 1000) }, FH_SUCCESS);
    let mut copy = vec![0u8; 1000];
    assert_eq!(p.dtoh(&mut copy, other + 1000), FH_SUCCESS);
    assert_eq!(copy, data);
    assert_eq!(p.free(other), FH_SUCCESS);
    assert_eq!(p.free(base), FH_SUCCESS);
}

#[test]
fn ranges_outside_live_allocations_are_invalid_addresses() {
    let p = plugin();
    let base = p.alloc(1024);
    let mut buf = vec![0u8; 64];
    assert_eq!(p.dtoh(&mut buf, base + 1000), FH_ERROR_INVALID_ADDRESS);
    assert!(take_detail().starts_with("size 64 runs 40 bytes past the end of the src allocation"));
    assert_eq!(p.htod(base + 1024 - 63, &buf), FH_ERROR_INVALID_ADDRESS);
    assert_eq!(p.htod(0x10, &buf), FH_ERROR_INVALID_ADDRESS);
    assert!(take_detail().contains("not inside any live allocation"));
    assert_eq!(p.memset(base + 1020, 0, 4, 2), FH_ERROR_INVALID_ADDRESS);
    // SAFETY: the source range is the case under test.
    assert_eq!(unsafe { p.api.memcpy_dtod.unwrap()(p.device, base, base + 1000, 100) }, FH_ERROR_INVALID_ADDRESS);
    let detail = take_detail();
    assert!(detail.starts_with("size 100 runs 76 bytes past the end of the src allocation"), "the size, not the destination: {detail}");
    // SAFETY: as above, with a size too large for both ranges.
    assert_eq!(unsafe { p.api.memcpy_dtod.unwrap()(p.device, base, base + 8, 2048) }, FH_ERROR_INVALID_ADDRESS);
    let detail = take_detail();
    assert!(detail.contains("size 2048 runs 1024 bytes past the end of the dst allocation"), "{detail}");
    assert!(detail.contains("size 2048 runs 1032 bytes past the end of the src allocation"), "{detail}");
    assert_eq!(p.free(base + 256), FH_ERROR_INVALID_ADDRESS);
    assert!(take_detail().contains("not its base"));
    assert_eq!(p.free(base), FH_SUCCESS);
    assert_eq!(p.free(base), FH_ERROR_INVALID_ADDRESS, "double free");
    assert_eq!(p.htod(base, &buf), FH_ERROR_INVALID_ADDRESS, "use after free");
}

#[test]
fn null_host_pointers_and_zero_sizes() {
    let p = plugin();
    let base = p.alloc(256);
    // SAFETY: NULL host pointers are the case under test.
    unsafe {
        assert_eq!(p.api.memcpy_htod.unwrap()(p.device, base, std::ptr::null(), 16), FH_ERROR_INVALID_VALUE);
        assert_eq!(p.api.memcpy_dtoh.unwrap()(p.device, std::ptr::null_mut(), base, 16), FH_ERROR_INVALID_VALUE);
        assert_eq!(p.api.memcpy_htod.unwrap()(p.device, base, std::ptr::null(), 0), FH_ERROR_INVALID_VALUE, "pointers are still checked at size 0");
    }
    assert_eq!(p.htod(base + 256, &[]), FH_SUCCESS, "size 0 at the end of an allocation");
    assert_eq!(p.htod(base + 512, &[]), FH_ERROR_INVALID_ADDRESS);
    assert_eq!(p.free(base), FH_SUCCESS);
}

#[test]
fn memsets_of_each_width_and_their_alignment_rules() {
    let p = plugin();
    let base = p.alloc(64);
    assert_eq!(p.memset(base, 0xAB, 1, 64), FH_SUCCESS);
    assert_eq!(p.memset(base + 2, 0x1234, 2, 3), FH_SUCCESS);
    assert_eq!(p.memset(base + 16, 0xDEADBEEF, 4, 2), FH_SUCCESS);
    let mut bytes = vec![0u8; 64];
    assert_eq!(p.dtoh(&mut bytes, base), FH_SUCCESS);
    assert_eq!(&bytes[..2], &[0xAB, 0xAB]);
    assert_eq!(u16::from_ne_bytes([bytes[2], bytes[3]]), 0x1234);
    assert_eq!(u16::from_ne_bytes([bytes[6], bytes[7]]), 0x1234);
    assert_eq!(bytes[8], 0xAB);
    assert_eq!(u32::from_ne_bytes(bytes[16..20].try_into().unwrap()), 0xDEADBEEF);
    assert_eq!(u32::from_ne_bytes(bytes[20..24].try_into().unwrap()), 0xDEADBEEF);
    assert_eq!(bytes[24], 0xAB);
    assert_eq!(p.memset(base + 1, 0, 2, 1), FH_ERROR_INVALID_VALUE);
    assert!(take_detail().contains("not 2-byte aligned"));
    assert_eq!(p.memset(base + 2, 0, 4, 1), FH_ERROR_INVALID_VALUE);
    assert_eq!(p.memset(base, 0, 3, 1), FH_ERROR_INVALID_VALUE);
    assert_eq!(p.free(base), FH_SUCCESS);
}

#[test]
fn allocations_over_the_total_fail_and_change_nothing() {
    let p = plugin();
    let (_, total) = p.mem_info();
    let (status, ptr) = p.try_alloc(total + 1);
    assert_eq!(status, FH_ERROR_OUT_OF_MEMORY);
    assert_eq!(ptr, 0, "output untouched");
    assert!(take_detail().contains("out of memory allocating"));
    let (status, _) = p.try_alloc(0);
    assert_eq!(status, FH_ERROR_INVALID_VALUE);
}

#[test]
fn mem_get_info_moves_with_a_large_allocation() {
    // Other tests allocate concurrently (at most a few MiB), so compare with slack.
    const SIZE: usize = 1 << 30;
    const SLACK: usize = 256 << 20;
    let p = plugin();
    let (free_before, total) = p.mem_info();
    if free_before < SIZE + SLACK {
        flaghal_plugin_host::nothing_checked(&format!("only {free_before} of {total} bytes free"));
        return;
    }
    let big = p.alloc(SIZE); // untouched pages: no physical memory used
    let (free_during, _) = p.mem_info();
    assert!(free_before - free_during > SIZE - SLACK && free_before - free_during < SIZE + SLACK);
    assert_eq!(p.free(big), FH_SUCCESS);
    let (free_after, _) = p.mem_info();
    assert!(free_after > free_during + SIZE - SLACK);
}

#[test]
fn pinned_host_memory_is_page_aligned_and_checked_on_free() {
    let p = plugin();
    let mut host: *mut std::ffi::c_void = std::ptr::null_mut();
    // SAFETY: valid output pointer.
    assert_eq!(unsafe { p.api.mem_alloc_host.unwrap()(p.device, 1 << 20, &mut host) }, FH_SUCCESS);
    assert_eq!(host as usize % 4096, 0);
    // Usable as a copy source and destination.
    // SAFETY: 1 MiB of host memory just allocated.
    let buf = unsafe { std::slice::from_raw_parts_mut(host.cast::<u8>(), 1 << 20) };
    buf.iter_mut().enumerate().for_each(|(i, b)| *b = i as u8);
    let dev = p.alloc(1 << 20);
    assert_eq!(p.htod(dev, buf), FH_SUCCESS);
    buf.fill(0);
    assert_eq!(p.dtoh(buf, dev), FH_SUCCESS);
    assert_eq!(buf[12345], 12345u32 as u8);
    assert_eq!(p.free(dev), FH_SUCCESS);
    let mut local = 0u64;
    // SAFETY: an unknown pointer is the case under test.
    assert_eq!(unsafe { p.api.mem_free_host.unwrap()(p.device, (&mut local as *mut u64).cast()) }, FH_ERROR_INVALID_VALUE);
    // SAFETY: memory from mem_alloc_host.
    assert_eq!(unsafe { p.api.mem_free_host.unwrap()(p.device, host) }, FH_SUCCESS);
    // SAFETY: already freed: the case under test.
    assert_eq!(unsafe { p.api.mem_free_host.unwrap()(p.device, host) }, FH_ERROR_INVALID_VALUE);
    let mut none: *mut std::ffi::c_void = std::ptr::null_mut();
    // SAFETY: size 0 is the case under test.
    assert_eq!(unsafe { p.api.mem_alloc_host.unwrap()(p.device, 0, &mut none) }, FH_ERROR_INVALID_VALUE);
}
