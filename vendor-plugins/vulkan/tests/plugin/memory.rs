//! Allocation, address checks and synchronous copies and memsets.

use crate::common::{self, alloc, api, device, download, free, upload};
use crate::{fails, ok};
use flaghal_sys as sys;

#[test]
fn allocations_are_aligned_disjoint_and_counted() {
    let (mut free0, mut total) = (0, 0);
    ok!(api().mem_get_info.unwrap()(device(), &mut free0, &mut total));
    assert!(total > 0 && free0 <= total);
    let ptrs: Vec<u64> = (0..64).map(|i| alloc(1 + i * 37)).collect();
    for (i, p) in ptrs.iter().enumerate() {
        assert_eq!(p % 256, 0, "aligned to 256");
        let end = p + 1 + i as u64 * 37;
        for (j, q) in ptrs.iter().enumerate() {
            if i != j {
                assert!(end <= *q || *q + 1 + j as u64 * 37 <= *p, "allocations {i} and {j} overlap");
            }
        }
    }
    let mut free1 = 0;
    ok!(api().mem_get_info.unwrap()(device(), &mut free1, &mut total));
    assert!(free1 <= total);
    for p in ptrs {
        free(p);
    }
    common::finish();
}

#[test]
fn copies_round_trip_including_views_and_large_buffers() {
    // 40 MiB of u32 plus a ragged end: a dedicated block, and three 16 MiB
    // chunks on the synchronous staging path
    let n = (10 << 20) + 3;
    let data: Vec<u32> = (0..n as u32).map(|i| i.wrapping_mul(2654435761)).collect();
    let big = alloc(n * 4);
    upload(big, &data);
    assert_eq!(download::<u32>(big, n), data);
    // a view: base + offset, partial copy
    upload(big + 4 * 1000, &[7u32, 8, 9]);
    let back = download::<u32>(big + 4 * 999, 5);
    assert_eq!(back, vec![data[999], 7, 8, 9, data[1003]]);
    // device to device
    let other = alloc(64);
    ok!(api().memcpy_dtod.unwrap()(device(), other, big + 4 * 1000, 12));
    assert_eq!(download::<u32>(other, 3), vec![7, 8, 9]);
    // odd sizes and offsets
    let bytes: Vec<u8> = (0..37).collect();
    upload(other + 3, &bytes[..37 - 3]);
    assert_eq!(download::<u8>(other + 3, 34), bytes[..34].to_vec());
    free(other);
    free(big);
    common::finish();
}

#[test]
fn ranges_outside_live_allocations_are_invalid_addresses() {
    let a = alloc(100);
    let mut buf = [0u8; 200];
    fails!(api().memcpy_htod.unwrap()(device(), a + 50, buf.as_ptr().cast(), 51), sys::FH_ERROR_INVALID_ADDRESS);
    fails!(api().memcpy_dtoh.unwrap()(device(), buf.as_mut_ptr().cast(), a, 101), sys::FH_ERROR_INVALID_ADDRESS);
    fails!(api().memcpy_dtoh.unwrap()(device(), buf.as_mut_ptr().cast(), 0x10, 4), sys::FH_ERROR_INVALID_ADDRESS);
    fails!(api().memcpy_dtod.unwrap()(device(), a, a + 200, 4), sys::FH_ERROR_INVALID_ADDRESS);
    fails!(api().memset.unwrap()(device(), a + 96, 0, 4, 2), sys::FH_ERROR_INVALID_ADDRESS);
    fails!(api().mem_free.unwrap()(device(), a + 4), sys::FH_ERROR_INVALID_ADDRESS);
    fails!(api().memcpy_htod.unwrap()(device(), a, std::ptr::null(), 4), sys::FH_ERROR_INVALID_VALUE);
    ok!(api().memcpy_htod.unwrap()(device(), a, buf.as_ptr().cast(), 0));
    free(a);
    fails!(api().mem_free.unwrap()(device(), a), sys::FH_ERROR_INVALID_ADDRESS);
    fails!(api().memcpy_dtoh.unwrap()(device(), buf.as_mut_ptr().cast(), a, 4), sys::FH_ERROR_INVALID_ADDRESS);
    common::finish();
}

#[test]
fn impossible_allocations_are_out_of_memory_and_change_nothing() {
    let mut p = 0u64;
    let (mut before, mut total) = (0, 0);
    ok!(api().mem_get_info.unwrap()(device(), &mut before, &mut total));
    fails!(api().mem_alloc.unwrap()(device(), 1usize << 40, &mut p), sys::FH_ERROR_OUT_OF_MEMORY);
    assert_eq!(p, 0, "output untouched");
    fails!(api().mem_alloc.unwrap()(device(), 0, &mut p), sys::FH_ERROR_INVALID_VALUE);
    common::finish();
}

#[test]
fn memsets_fill_every_width_at_unaligned_offsets() {
    let a = alloc(64);
    upload(a, &[0xEEu8; 64]);
    ok!(api().memset.unwrap()(device(), a + 1, 0xAB, 1, 13)); // bytes 1..14
    ok!(api().memset.unwrap()(device(), a + 18, 0x1234, 2, 5)); // bytes 18..28
    ok!(api().memset.unwrap()(device(), a + 32, 0xDEADBEEF, 4, 3)); // bytes 32..44
    let got = download::<u8>(a, 64);
    let mut want = vec![0xEEu8; 64];
    want[1..14].fill(0xAB);
    for i in 0..5 {
        want[18 + 2 * i] = 0x34;
        want[19 + 2 * i] = 0x12;
    }
    for i in 0..3 {
        want[32 + 4 * i..36 + 4 * i].copy_from_slice(&0xDEADBEEFu32.to_le_bytes());
    }
    assert_eq!(got, want);
    fails!(api().memset.unwrap()(device(), a + 1, 0, 2, 1), sys::FH_ERROR_INVALID_VALUE);
    fails!(api().memset.unwrap()(device(), a + 2, 0, 4, 1), sys::FH_ERROR_INVALID_VALUE);
    free(a);
    common::finish();
}

#[test]
fn pinned_host_memory_is_usable_and_checked() {
    let mut host: *mut std::ffi::c_void = std::ptr::null_mut();
    ok!(api().mem_alloc_host.unwrap()(device(), 4096, &mut host));
    assert!(!host.is_null());
    // SAFETY: 4096 writable bytes just allocated.
    let slice = unsafe { std::slice::from_raw_parts_mut(host.cast::<u32>(), 1024) };
    for (i, v) in slice.iter_mut().enumerate() {
        *v = i as u32 * 3;
    }
    let a = alloc(4096);
    ok!(api().memcpy_htod.unwrap()(device(), a, host, 4096));
    assert_eq!(download::<u32>(a, 1024), (0..1024u32).map(|i| i * 3).collect::<Vec<_>>());
    // Synchronous D->H into pinned memory, at an offset inside it (with
    // forced staging this is the direct pinned path, not a staging pass).
    slice.iter_mut().for_each(|v| *v = 0);
    // SAFETY: 64 + 1024 bytes lie inside the 4096-byte pinned allocation.
    let into = unsafe { host.cast::<u8>().add(64) }.cast();
    ok!(api().memcpy_dtoh.unwrap()(device(), into, a + 64, 1024));
    // SAFETY: the same 4096 bytes, read back after the synchronous copy.
    let back = unsafe { std::slice::from_raw_parts(host.cast::<u32>(), 1024) };
    assert!(back[..16].iter().all(|v| *v == 0), "bytes before the destination untouched");
    assert_eq!(&back[16..272], &(16..272u32).map(|i| i * 3).collect::<Vec<_>>()[..]);
    assert!(back[272..].iter().all(|v| *v == 0), "bytes after the destination untouched");
    // SAFETY: an address inside the allocation, not its start.
    let inner = unsafe { host.cast::<u8>().add(16) }.cast();
    fails!(api().mem_free_host.unwrap()(device(), inner), sys::FH_ERROR_INVALID_VALUE);
    let mut local = 0u32;
    fails!(api().mem_free_host.unwrap()(device(), (&mut local as *mut u32).cast()), sys::FH_ERROR_INVALID_VALUE);
    ok!(api().mem_free_host.unwrap()(device(), host));
    free(a);
    common::finish();
}

#[test]
fn allocations_stop_at_the_reported_total_and_resume_after_a_free() {
    // A caching allocator frees its cache and retries on OUT_OF_MEMORY: the
    // refusal must come where fhMemGetInfo says memory ends, even on drivers
    // that would accept more (lavapipe does). Other tests allocate at the
    // same time, which can only make the refusal come sooner.
    let (mut free_bytes, mut total) = (0usize, 0usize);
    ok!(api().mem_get_info.unwrap()(device(), &mut free_bytes, &mut total));
    let chunk = total / 4;
    let mut live = Vec::new();
    let refused = loop {
        let mut ptr = 0;
        // SAFETY: a live device handle and a valid output pointer.
        let status = unsafe { api().mem_alloc.unwrap()(device(), chunk, &mut ptr) };
        if status != sys::FH_SUCCESS {
            break status;
        }
        live.push(ptr);
        assert!(live.len() * chunk <= total, "{} bytes allocated on a device of {total}", live.len() * chunk);
    };
    assert_eq!(refused, sys::FH_ERROR_OUT_OF_MEMORY);
    let why = common::detail();
    assert!(why.contains("in use"), "the detail says why: {why}");
    free(live.pop().expect("at least one chunk fitted"));
    let retry = alloc(chunk / 2);
    free(retry);
    live.into_iter().for_each(free);
    common::finish();
}
