//! Allocation, address checks, synchronous copies and memsets, pinned memory.

use crate::common::{alloc, api, device, download, free, host_accessible, properties, upload};
use crate::{fails, ok};
use flaghal_sys as sys;

#[test]
fn allocations_are_256_aligned_disjoint_and_counted() {
    let (mut free0, mut total) = (0, 0);
    ok!(api().mem_get_info.unwrap()(device(), &mut free0, &mut total));
    assert_eq!(total as u64, properties().total_memory);
    // clSVMAlloc aligns to 128 on PoCL: half of these would be misaligned
    // without the padding.
    let sizes: Vec<usize> = (0..64).map(|i| 1 + i * 37).collect();
    let ptrs: Vec<u64> = sizes.iter().map(|s| alloc(*s)).collect();
    for (i, p) in ptrs.iter().enumerate() {
        assert_eq!(p % 256, 0, "allocation {i} at {p:#x} is aligned to 256");
        for (j, q) in ptrs.iter().enumerate() {
            if i != j {
                assert!(p + sizes[i] as u64 <= *q || q + sizes[j] as u64 <= *p, "allocations {i} and {j} overlap");
            }
        }
    }
    // Each allocation's bytes are its own.
    for (i, p) in ptrs.iter().enumerate() {
        upload(*p, &vec![i as u8; sizes[i]]);
    }
    for (i, p) in ptrs.iter().enumerate() {
        assert!(download::<u8>(*p, sizes[i]).iter().all(|b| *b == i as u8), "allocation {i} kept its bytes");
    }
    let big = alloc(64 << 20);
    let mut free1 = 0;
    ok!(api().mem_get_info.unwrap()(device(), &mut free1, &mut total));
    assert!(free1 + (64 << 20) <= free0, "free memory went down by the allocations: {free0} -> {free1}");
    free(big);
    for p in ptrs {
        free(p);
    }
    let mut free2 = 0;
    ok!(api().mem_get_info.unwrap()(device(), &mut free2, &mut total));
    assert!(free2 > free1 + (63 << 20), "free memory came back: {free1} -> {free2}");
}

#[test]
fn copies_round_trip_including_views_and_large_buffers() {
    let n = (10 << 20) + 3;
    let data: Vec<u32> = (0..n as u32).map(|i| i.wrapping_mul(2654435761)).collect();
    let big = alloc(n * 4);
    upload(big, &data);
    assert_eq!(download::<u32>(big, n), data);
    // a view: base + offset, partial copy
    upload(big + 4 * 1000, &[7u32, 8, 9]);
    assert_eq!(download::<u32>(big + 4 * 999, 5), vec![data[999], 7, 8, 9, data[1003]]);
    // device to device, between allocations
    let other = alloc(64);
    ok!(api().memcpy_dtod.unwrap()(device(), other, big + 4 * 1000, 12));
    assert_eq!(download::<u32>(other, 3), vec![7, 8, 9]);
    // odd sizes and offsets
    let bytes: Vec<u8> = (0..37).collect();
    upload(other + 3, &bytes[..34]);
    assert_eq!(download::<u8>(other + 3, 34), bytes[..34].to_vec());
    // a range that ends exactly at the allocation's end
    upload(other + 60, &[0xA1u8, 0xA2, 0xA3, 0xA4]);
    assert_eq!(download::<u8>(other + 60, 4), vec![0xA1, 0xA2, 0xA3, 0xA4]);
    free(other);
    free(big);
}

#[test]
fn overlapping_device_copies_behave_like_memmove() {
    // clEnqueueSVMMemcpy refuses overlap (CL_MEM_COPY_OVERLAP): the plugin
    // stages it (coarse mode) or memmoves (fine mode).
    let a = alloc(1024);
    let data: Vec<u8> = (0..1024u32).map(|i| (i * 7) as u8).collect();
    upload(a, &data);
    ok!(api().memcpy_dtod.unwrap()(device(), a + 1, a, 1000));
    let mut want = data.clone();
    want.copy_within(0..1000, 1);
    assert_eq!(download::<u8>(a, 1024), want, "forward overlap");
    ok!(api().memcpy_dtod.unwrap()(device(), a, a + 24, 1000));
    want.copy_within(24..1024, 0);
    assert_eq!(download::<u8>(a, 1024), want, "backward overlap");
    free(a);
}

#[test]
fn ranges_outside_live_allocations_are_invalid_addresses() {
    let a = alloc(100);
    let mut buf = [0u8; 200];
    fails!(api().memcpy_htod.unwrap()(device(), a + 50, buf.as_ptr().cast(), 51), sys::FH_ERROR_INVALID_ADDRESS);
    fails!(api().memcpy_dtoh.unwrap()(device(), buf.as_mut_ptr().cast(), a, 101), sys::FH_ERROR_INVALID_ADDRESS);
    fails!(api().memcpy_dtoh.unwrap()(device(), buf.as_mut_ptr().cast(), 0x10, 4), sys::FH_ERROR_INVALID_ADDRESS);
    // the padding before the aligned address is not the allocation's
    fails!(api().memcpy_dtoh.unwrap()(device(), buf.as_mut_ptr().cast(), a - 4, 4), sys::FH_ERROR_INVALID_ADDRESS);
    fails!(api().memcpy_dtod.unwrap()(device(), a, a + 200, 4), sys::FH_ERROR_INVALID_ADDRESS);
    fails!(api().memcpy_dtod.unwrap()(device(), a + 98, a, 4), sys::FH_ERROR_INVALID_ADDRESS);
    fails!(api().memset.unwrap()(device(), a + 96, 0, 4, 2), sys::FH_ERROR_INVALID_ADDRESS);
    fails!(api().memset.unwrap()(device(), a, 0, 4, usize::MAX / 2), sys::FH_ERROR_INVALID_ADDRESS);
    fails!(api().mem_free.unwrap()(device(), a + 4), sys::FH_ERROR_INVALID_ADDRESS);
    fails!(api().memcpy_htod.unwrap()(device(), a, std::ptr::null(), 4), sys::FH_ERROR_INVALID_VALUE);
    ok!(api().memcpy_htod.unwrap()(device(), a, buf.as_ptr().cast(), 0));
    free(a);
    fails!(api().mem_free.unwrap()(device(), a), sys::FH_ERROR_INVALID_ADDRESS);
    fails!(api().memcpy_dtoh.unwrap()(device(), buf.as_mut_ptr().cast(), a, 4), sys::FH_ERROR_INVALID_ADDRESS);
    assert!(crate::common::detail().contains("not inside one live allocation"), "{}", crate::common::detail());
}

#[test]
fn impossible_allocations_are_out_of_memory_and_change_nothing() {
    let mut p = 0u64;
    let (mut before, mut total) = (0, 0);
    ok!(api().mem_get_info.unwrap()(device(), &mut before, &mut total));
    fails!(api().mem_alloc.unwrap()(device(), 1usize << 40, &mut p), sys::FH_ERROR_OUT_OF_MEMORY);
    assert!(crate::common::detail().contains("CL_DEVICE_MAX_MEM_ALLOC_SIZE"), "{}", crate::common::detail());
    fails!(api().mem_alloc.unwrap()(device(), usize::MAX, &mut p), sys::FH_ERROR_OUT_OF_MEMORY);
    assert_eq!(p, 0, "output untouched");
    fails!(api().mem_alloc.unwrap()(device(), 0, &mut p), sys::FH_ERROR_INVALID_VALUE);
    let mut host: *mut std::ffi::c_void = std::ptr::null_mut();
    fails!(api().mem_alloc_host.unwrap()(device(), 1usize << 40, &mut host), sys::FH_ERROR_OUT_OF_MEMORY);
    assert!(host.is_null());
}

#[test]
fn memsets_fill_every_width_at_unaligned_offsets() {
    let a = alloc(64);
    upload(a, &[0xEEu8; 64]);
    ok!(api().memset.unwrap()(device(), a + 1, 0xAB, 1, 13)); // bytes 1..14
    ok!(api().memset.unwrap()(device(), a + 18, 0x1234, 2, 5)); // bytes 18..28
    ok!(api().memset.unwrap()(device(), a + 32, 0xDEADBEEF, 4, 3)); // bytes 32..44
    ok!(api().memset.unwrap()(device(), a + 60, 0x77, 1, 0)); // no-op
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
    assert_eq!(download::<u8>(a, 64), want, "refused memsets changed nothing");
    free(a);
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
    fails!(api().mem_free_host.unwrap()(device(), host), sys::FH_ERROR_INVALID_VALUE);
    free(a);
}

#[test]
fn fine_grained_device_memory_is_host_memory() {
    if !host_accessible() {
        // Coarse-grained SVM (FLAGHAL_OPENCL_COARSE_SVM=1): the flag must be off.
        assert_eq!(properties().capabilities & sys::FH_DEVICE_CAP_HOST_ACCESSIBLE_MEMORY, 0);
        return;
    }
    let n = 4099;
    let a = alloc(n);
    let data: Vec<u8> = (0..n).map(|i| (i * 13) as u8).collect();
    upload(a, &data);
    let host = a as usize as *mut u8;
    // SAFETY: HOST_ACCESSIBLE_MEMORY: the live allocation is host memory
    // and no stream uses it.
    let seen: Vec<u8> = (0..n).map(|i| unsafe { host.add(i).read_volatile() }).collect();
    assert_eq!(seen, data);
    for (i, byte) in data.iter().enumerate() {
        // SAFETY: as above.
        unsafe { host.add(i).write_volatile(!byte) };
    }
    assert_eq!(download::<u8>(a, n), data.iter().map(|b| !b).collect::<Vec<_>>());
    free(a);
}
