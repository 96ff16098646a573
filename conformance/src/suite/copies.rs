//! Group `copies`: host/device round trips at odd sizes and offsets with
//! guard bytes, device-to-device, memsets of 8/16/32-bit patterns, ordering
//! of synchronous calls with streams, and (ADDRESS_CHECKS) refused ranges.

use super::util::{check_bytes, make_busy, pattern, status_of};
use super::{core, optional, Ctx, TestDef, TestResult};
use crate::{ensure, expect_status};
use flaghal_sys as sys;

pub fn tests() -> Vec<TestDef> {
    vec![
        core("copies.round_trip_odd_sizes", "H->D->H of 1, 3, 33, 4095, 1 MiB+1 bytes at odd offsets; guards intact", round_trip),
        core("copies.async_round_trip", "the same through the asynchronous copies on a stream", async_round_trip),
        core("copies.device_to_device", "D->D between allocations at odd offsets, sync and async; guards intact", dtod),
        core("copies.memset_patterns", "memset D8/D16/D32 at offsets with odd counts, sync and async; guards intact", memset_patterns),
        core("copies.memset_misaligned", "D16 at an odd address and D32 at a 2-aligned address are INVALID_VALUE", memset_misaligned),
        core("copies.zero_size", "copies and memsets of 0 bytes succeed and change nothing", zero_size),
        core("copies.end_of_allocation", "ranges that end exactly at the end of an allocation work (base + offset views)", end_of_allocation),
        core("copies.sync_after_stream_work", "synchronous copies wait for work already queued on the device's streams", sync_after_stream),
        optional("copies.out_of_bounds", sys::FH_DEVICE_CAP_ADDRESS_CHECKS, "ranges outside any live allocation are INVALID_ADDRESS and change nothing", out_of_bounds),
    ]
}

pub const ODD_SIZES: [usize; 5] = [1, 3, 33, 4095, (1 << 20) + 1];
const OFFSETS: [usize; 3] = [0, 1, 35];
const GUARD: u8 = 0xEE;
const SLACK: usize = 128;

/// An allocation of `size + 2*SLACK` bytes filled with GUARD.
fn guarded(ctx: &Ctx, size: usize) -> Result<u64, super::Stop> {
    let ptr = ctx.hal.mem_alloc(ctx.device, size + 2 * SLACK)?;
    ctx.hal.memset(ctx.device, ptr, GUARD as u32, 1, size + 2 * SLACK)?;
    Ok(ptr)
}

/// The whole guarded allocation as it should be with `data` at `offset`.
fn expected(size: usize, offset: usize, data: &[u8]) -> Vec<u8> {
    let mut v = vec![GUARD; size + 2 * SLACK];
    v[offset..offset + data.len()].copy_from_slice(data);
    v
}

fn round_trip(ctx: &Ctx) -> TestResult {
    let hal = &ctx.hal;
    for (i, size) in ODD_SIZES.into_iter().enumerate() {
        for offset in OFFSETS {
            let ptr = guarded(ctx, size)?;
            let data = pattern(size, (i * 10 + offset) as u32);
            hal.htod(ctx.device, ptr + offset as u64, &data)?;
            let whole = hal.read(ctx.device, ptr, size + 2 * SLACK)?;
            check_bytes(&format!("HtoD of {size} B at offset {offset} (device contents incl. guards)"), &whole, &expected(size, offset, &data))?;
            let mut back = vec![0u8; size];
            hal.dtoh(ctx.device, &mut back, ptr + offset as u64)?;
            check_bytes(&format!("DtoH of {size} B at offset {offset}"), &back, &data)?;
            hal.mem_free(ctx.device, ptr)?;
        }
    }
    Ok(())
}

fn async_round_trip(ctx: &Ctx) -> TestResult {
    let hal = &ctx.hal;
    let stream = hal.stream_create(ctx.device)?;
    for (i, size) in ODD_SIZES.into_iter().enumerate() {
        for offset in OFFSETS {
            let ptr = guarded(ctx, size)?;
            let data = pattern(size, (i * 10 + offset) as u32 + 500);
            let mut whole = vec![0u8; size + 2 * SLACK];
            let mut back = vec![0u8; size];
            // SAFETY: data, whole and back outlive the stream synchronisation below.
            unsafe {
                hal.htod_async(ptr + offset as u64, &data, stream)?;
                hal.dtoh_async(&mut whole, ptr, stream)?;
                hal.dtoh_async(&mut back, ptr + offset as u64, stream)?;
            }
            hal.stream_synchronize(stream)?;
            check_bytes(&format!("async HtoD of {size} B at offset {offset} (incl. guards)"), &whole, &expected(size, offset, &data))?;
            check_bytes(&format!("async DtoH of {size} B at offset {offset}"), &back, &data)?;
            hal.mem_free(ctx.device, ptr)?;
        }
    }
    hal.stream_destroy(stream)?;
    Ok(())
}

fn dtod(ctx: &Ctx) -> TestResult {
    let hal = &ctx.hal;
    let stream = hal.stream_create(ctx.device)?;
    for (i, size) in ODD_SIZES.into_iter().enumerate() {
        let data = pattern(size, i as u32 + 77);
        let src = ctx.hal.mem_alloc(ctx.device, size + 8)?;
        hal.htod(ctx.device, src + 5, &data)?;
        for (asynchronous, offset) in [(false, 0usize), (false, 3), (true, 1), (true, 34)] {
            let dst = guarded(ctx, size)?;
            if asynchronous {
                hal.dtod_async(dst + offset as u64, src + 5, size, stream)?;
                hal.stream_synchronize(stream)?;
            } else {
                hal.dtod(ctx.device, dst + offset as u64, src + 5, size)?;
            }
            let whole = hal.read(ctx.device, dst, size + 2 * SLACK)?;
            check_bytes(&format!("{} DtoD of {size} B to offset {offset}", if asynchronous { "async" } else { "sync" }), &whole, &expected(size, offset, &data))?;
            hal.mem_free(ctx.device, dst)?;
        }
        hal.mem_free(ctx.device, src)?;
    }
    hal.stream_destroy(stream)?;
    Ok(())
}

fn memset_patterns(ctx: &Ctx) -> TestResult {
    let hal = &ctx.hal;
    let stream = hal.stream_create(ctx.device)?;
    let cases: [(u32, u32, usize, usize); 6] = [
        (1, 0x5A, 1, 4095),
        (1, 0xA7, 0, 1),
        (2, 0xBEEF, 2, 33),
        (2, 0x1234, 6, 65_537),
        (4, 0xDEAD_BEEF, 4, 1023),
        (4, 0x0102_0304, 36, 262_145),
    ];
    for (element, value, offset, count) in cases {
        for asynchronous in [false, true] {
            let bytes = count * element as usize;
            let ptr = guarded(ctx, bytes)?;
            let dst = ptr + offset as u64;
            if asynchronous {
                hal.memset_async(dst, value, element, count, stream)?;
                hal.stream_synchronize(stream)?;
            } else {
                hal.memset(ctx.device, dst, value, element, count)?;
            }
            let unit = &value.to_ne_bytes()[..element as usize];
            let data: Vec<u8> = unit.iter().copied().cycle().take(bytes).collect();
            let whole = hal.read(ctx.device, ptr, bytes + 2 * SLACK)?;
            check_bytes(
                &format!("{}memset D{} of {count} x {value:#x} at offset {offset}", if asynchronous { "async " } else { "" }, element * 8),
                &whole,
                &expected(bytes, offset, &data),
            )?;
            hal.mem_free(ctx.device, ptr)?;
        }
    }
    hal.stream_destroy(stream)?;
    Ok(())
}

fn memset_misaligned(ctx: &Ctx) -> TestResult {
    let hal = &ctx.hal;
    let ptr = guarded(ctx, 256)?;
    let stream = hal.stream_create(ctx.device)?;
    for (element, offset) in [(2u32, 1u64), (4, 2), (4, 1), (4, 3)] {
        expect_status!(status_of(&hal.memset(ctx.device, ptr + offset, 0, element, 8)), sys::FH_ERROR_INVALID_VALUE, "fhMemsetD{} at base+{offset}", element * 8);
        expect_status!(status_of(&hal.memset_async(ptr + offset, 0, element, 8, stream)), sys::FH_ERROR_INVALID_VALUE, "fhMemsetD{}Async at base+{offset}", element * 8);
    }
    hal.stream_synchronize(stream)?;
    let whole = hal.read(ctx.device, ptr, 256 + 2 * SLACK)?;
    ensure!(whole.iter().all(|b| *b == GUARD), "a refused memset changed memory");
    hal.stream_destroy(stream)?;
    hal.mem_free(ctx.device, ptr)?;
    Ok(())
}

fn zero_size(ctx: &Ctx) -> TestResult {
    let hal = &ctx.hal;
    let ptr = guarded(ctx, 64)?;
    let other = guarded(ctx, 64)?;
    let stream = hal.stream_create(ctx.device)?;
    let data = [1u8; 4];
    hal.htod(ctx.device, ptr, &data[..0])?;
    hal.dtoh(ctx.device, &mut [], ptr)?;
    hal.dtod(ctx.device, ptr, other, 0)?;
    hal.memset(ctx.device, ptr, 7, 1, 0)?;
    hal.memset(ctx.device, ptr, 7, 4, 0)?;
    // SAFETY: zero-length buffers; nothing is read or written.
    unsafe {
        hal.htod_async(ptr, &data[..0], stream)?;
        hal.dtoh_async(&mut [], ptr, stream)?;
    }
    hal.dtod_async(ptr, other, 0, stream)?;
    hal.memset_async(ptr, 7, 2, 0, stream)?;
    hal.stream_synchronize(stream)?;
    ensure!(hal.read(ctx.device, ptr, 64 + 2 * SLACK)?.iter().all(|b| *b == GUARD), "a zero-size operation changed memory");
    hal.stream_destroy(stream)?;
    hal.mem_free(ctx.device, ptr)?;
    hal.mem_free(ctx.device, other)?;
    Ok(())
}

fn end_of_allocation(ctx: &Ctx) -> TestResult {
    let hal = &ctx.hal;
    for size in [1usize, 7, 4096, 4099] {
        let ptr = hal.mem_alloc(ctx.device, size)?;
        for n in [1usize, size / 2, size] {
            if n == 0 {
                continue;
            }
            let at = ptr + (size - n) as u64;
            let data = pattern(n, size as u32 + n as u32);
            hal.htod(ctx.device, at, &data)?;
            check_bytes(&format!("last {n} B of a {size} B allocation"), &hal.read(ctx.device, at, n)?, &data)?;
            hal.memset(ctx.device, at, 0x42, 1, n)?;
            ensure!(hal.read(ctx.device, at, n)?.iter().all(|b| *b == 0x42), "memset of the last {n} B of {size} B failed");
        }
        hal.mem_free(ctx.device, ptr)?;
    }
    Ok(())
}

fn sync_after_stream(ctx: &Ctx) -> TestResult {
    let hal = &ctx.hal;
    let n = 1 << 16;
    let ptr = hal.mem_alloc(ctx.device, n * 4)?;
    let scratch = hal.mem_alloc(ctx.device, 4)?;
    hal.memset(ctx.device, ptr, 0, 4, n)?;
    let stream = hal.stream_create(ctx.device)?;
    let busy = make_busy(ctx, stream, scratch)?;
    hal.memset_async(ptr, 0x6060_6060, 4, n, stream)?;
    let got = std::thread::scope(|scope| {
        scope.spawn(|| {
            std::thread::sleep(std::time::Duration::from_millis(50));
            busy.release();
        });
        hal.read(ctx.device, ptr, n * 4)
    })?;
    ensure!(got.iter().all(|b| *b == 0x60), "fhMemcpyDtoH did not wait for a memset already queued on a stream");
    hal.stream_destroy(stream)?;
    hal.mem_free(ctx.device, ptr)?;
    hal.mem_free(ctx.device, scratch)?;
    Ok(())
}

fn out_of_bounds(ctx: &Ctx) -> TestResult {
    let hal = &ctx.hal;
    let size = 4096usize;
    let ptr = guarded(ctx, size)?;
    let other = guarded(ctx, size)?;
    let total = size + 2 * SLACK;
    let end = ptr + total as u64;
    let stream = hal.stream_create(ctx.device)?;
    let data = pattern(64, 5);
    let mut sink = vec![0u8; 64];
    let freed = hal.mem_alloc(ctx.device, 256)?;
    hal.mem_free(ctx.device, freed)?;
    for (what, dst) in [("crossing the end", end - 32), ("never allocated", 0x1000), ("freed", freed)] {
        let want = sys::FH_ERROR_INVALID_ADDRESS;
        expect_status!(status_of(&hal.htod(ctx.device, dst, &data)), want, "fhMemcpyHtoD {what}");
        expect_status!(status_of(&hal.dtoh(ctx.device, &mut sink, dst)), want, "fhMemcpyDtoH {what}");
        expect_status!(status_of(&hal.dtod(ctx.device, dst, other, 64)), want, "fhMemcpyDtoD to a range {what}");
        expect_status!(status_of(&hal.dtod(ctx.device, other, dst, 64)), want, "fhMemcpyDtoD from a range {what}");
        expect_status!(status_of(&hal.memset(ctx.device, dst, 1, 1, 64)), want, "fhMemsetD8 {what}");
        // SAFETY: a refused call queues nothing; sync follows anyway.
        expect_status!(status_of(&unsafe { hal.htod_async(dst, &data, stream) }), want, "fhMemcpyHtoDAsync {what}");
        expect_status!(status_of(&hal.memset_async(dst, 1, 1, 64, stream)), want, "fhMemsetD8Async {what}");
    }
    hal.stream_synchronize(stream)?;
    ensure!(hal.read(ctx.device, ptr, total)?.iter().all(|b| *b == GUARD), "a refused operation changed the neighbouring allocation");
    ensure!(hal.read(ctx.device, other, total)?.iter().all(|b| *b == GUARD), "a refused operation changed the source allocation");
    hal.stream_destroy(stream)?;
    hal.mem_free(ctx.device, ptr)?;
    hal.mem_free(ctx.device, other)?;
    Ok(())
}
