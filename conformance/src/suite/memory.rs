//! Group `memory`: allocation sizes and free orders, alignment, zero size,
//! the free figure of fhMemGetInfo, pinned host memory, invalid frees.

use super::util::{check_bytes, make_busy, pattern, status_of};
use super::{core, optional, Ctx, TestDef, TestResult};
use crate::{ensure, expect_status};
use flaghal_sys as sys;

pub fn tests() -> Vec<TestDef> {
    vec![
        core("memory.sizes_and_free_orders", "1 B .. 1% of memory, contents isolated, freed forward, reverse and shuffled", sizes_and_orders),
        core("memory.alignment", "every allocation is aligned to memory_alignment (>= 256) and disjoint", alignment),
        core("memory.zero_size", "fhMemAlloc(0) is INVALID_VALUE and writes nothing", zero_size),
        core("memory.get_info_moves", "free drops when memory is allocated and comes back when freed", get_info_moves),
        optional("memory.pinned_host", sys::FH_DEVICE_CAP_PINNED_HOST_MEMORY, "pinned host memory: alloc, use in async copies, free", pinned_host),
        optional(
            "memory.pinned_in_stream_order",
            sys::FH_DEVICE_CAP_PINNED_HOST_MEMORY,
            "a queued copy reads its pinned source when the stream reaches it, not when queued (1.2)",
            pinned_in_stream_order,
        ),
        optional("memory.invalid_free", sys::FH_DEVICE_CAP_ADDRESS_CHECKS, "freeing an interior, unknown or freed address is INVALID_ADDRESS", invalid_free),
        optional("memory.host_accessible", sys::FH_DEVICE_CAP_HOST_ACCESSIBLE_MEMORY, "the host reads and writes device addresses directly", host_accessible),
    ]
}

/// Allocation sizes: odd and even, up to 1% of device memory (at least
/// 1 MiB, at most 1 GiB; only the first and last 4 KiB are written).
fn sizes(ctx: &Ctx) -> Vec<usize> {
    let one_percent = (ctx.props.0.total_memory / 100).clamp(1 << 20, 1 << 30) as usize;
    vec![1, 2, 3, 255, 256, 257, 4095, 4096, 65_537, 1 << 20, (1 << 20) + 1, one_percent]
}

fn lcg_shuffle<T>(items: &mut [T], mut seed: u64) {
    for i in (1..items.len()).rev() {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        items.swap(i, (seed >> 33) as usize % (i + 1));
    }
}

fn sizes_and_orders(ctx: &Ctx) -> TestResult {
    let hal = &ctx.hal;
    for order in ["forward", "reverse", "shuffled"] {
        let mut live = Vec::new();
        for (i, size) in sizes(ctx).into_iter().enumerate() {
            let ptr = hal.mem_alloc(ctx.device, size)?;
            ensure!(ptr != 0, "fhMemAlloc({size}) returned address 0");
            // Write the first and last (up to) 4 KiB with a pattern unique to this allocation.
            let edge = size.min(4096);
            let head = pattern(edge, i as u32 * 2 + 1);
            let tail = pattern(edge, i as u32 * 2 + 2);
            hal.htod(ctx.device, ptr, &head)?;
            hal.htod(ctx.device, ptr + (size - edge) as u64, &tail)?;
            live.push((ptr, size, head, tail));
        }
        for (ptr, size, head, tail) in &live {
            let edge = head.len();
            check_bytes(&format!("allocation of {size} B, last bytes"), &hal.read(ctx.device, ptr + (size - edge) as u64, edge)?, tail)?;
            if *size >= 2 * edge {
                check_bytes(&format!("allocation of {size} B, first bytes"), &hal.read(ctx.device, *ptr, edge)?, head)?;
            }
        }
        match order {
            "reverse" => live.reverse(),
            "shuffled" => lcg_shuffle(&mut live, 42),
            _ => {}
        }
        for (ptr, size, _, _) in live {
            hal.mem_free(ctx.device, ptr).map_err(|e| super::Stop::Fail(format!("freeing {size} B ({order}): {e}")))?;
        }
    }
    Ok(())
}

fn alignment(ctx: &Ctx) -> TestResult {
    let align = ctx.props.0.memory_alignment.max(sys::FH_MIN_MEMORY_ALIGNMENT) as u64;
    let mut live: Vec<(u64, u64)> = Vec::new();
    for size in [1usize, 3, 17, 100, 255, 256, 257, 1000, 4097, 12345] {
        for _ in 0..4 {
            let ptr = ctx.hal.mem_alloc(ctx.device, size)?;
            ensure!(ptr % align == 0, "fhMemAlloc({size}) = {ptr:#x}, not aligned to {align}");
            live.push((ptr, size as u64));
        }
    }
    let mut sorted = live.clone();
    sorted.sort();
    for w in sorted.windows(2) {
        ensure!(w[0].0 + w[0].1 <= w[1].0, "allocations overlap: {:#x}+{} and {:#x}", w[0].0, w[0].1, w[1].0);
    }
    for (ptr, _) in live {
        ctx.hal.mem_free(ctx.device, ptr)?;
    }
    Ok(())
}

fn zero_size(ctx: &Ctx) -> TestResult {
    let mut ptr = 0xDEAD_BEEFu64;
    // SAFETY: ptr is a valid out pointer.
    let rc = unsafe { ctx.hal.raw().fhMemAlloc(ctx.device.0, 0, &mut ptr) };
    expect_status!(rc, sys::FH_ERROR_INVALID_VALUE, "fhMemAlloc(size 0)");
    ensure!(ptr == 0xDEAD_BEEF, "fhMemAlloc(size 0) failed but wrote {ptr:#x}");
    if ctx.props.has(sys::FH_DEVICE_CAP_PINNED_HOST_MEMORY) {
        expect_status!(status_of(&ctx.hal.mem_alloc_host(ctx.device, 0)), sys::FH_ERROR_INVALID_VALUE, "fhMemAllocHost(size 0)");
    }
    Ok(())
}

fn get_info_moves(ctx: &Ctx) -> TestResult {
    let hal = &ctx.hal;
    let size = (ctx.props.0.total_memory / 100).clamp(8 << 20, 256 << 20) as usize;
    let (free0, total) = hal.mem_get_info(ctx.device)?;
    ensure!(free0 <= total, "free {free0} > total {total}");
    let ptr = hal.mem_alloc(ctx.device, size)?;
    hal.memset(ctx.device, ptr, 0xA5, 1, size)?; // touch it: lazily committing devices count it now
    let (free1, _) = hal.mem_get_info(ctx.device)?;
    hal.mem_free(ctx.device, ptr)?;
    let (free2, _) = hal.mem_get_info(ctx.device)?;
    ensure!(free1 < free0, "free did not drop after allocating {size} B ({free0} -> {free1})");
    ensure!(free2 > free1, "free did not rise after freeing {size} B ({free1} -> {free2})");
    if free0 - free1 < size / 2 {
        ctx.warn(format!("allocating {size} B lowered free by only {} B", free0 - free1));
    }
    let mut only_free = 0usize;
    // SAFETY: one NULL pointer is allowed; only_free is a valid out pointer.
    expect_status!(unsafe { hal.raw().fhMemGetInfo(ctx.device.0, &mut only_free, std::ptr::null_mut()) }, sys::FH_SUCCESS, "fhMemGetInfo(free only)");
    // SAFETY: both NULL is the case under test.
    expect_status!(unsafe { hal.raw().fhMemGetInfo(ctx.device.0, std::ptr::null_mut(), std::ptr::null_mut()) }, sys::FH_ERROR_INVALID_VALUE, "fhMemGetInfo(NULL, NULL)");
    Ok(())
}

fn pinned_host(ctx: &Ctx) -> TestResult {
    let hal = &ctx.hal;
    let n = (1 << 20) + 3;
    let host = hal.mem_alloc_host(ctx.device, n)?;
    ensure!(!host.is_null(), "fhMemAllocHost returned NULL");
    let want = pattern(n, 11);
    // SAFETY: host is a fresh allocation of n bytes owned by this test until freed below.
    let buffer = unsafe { sys::ptr::out_bytes(host.cast(), n, "pinned buffer") }.map_err(|e| super::Stop::Fail(e.message))?;
    buffer.copy_from_slice(&want);
    let dev = hal.mem_alloc(ctx.device, n)?;
    let stream = hal.stream_create(ctx.device)?;
    // SAFETY: buffer stays alive and unchanged until the stream synchronises.
    unsafe { hal.htod_async(dev, buffer, stream) }?;
    hal.stream_synchronize(stream)?;
    check_bytes("pinned -> device", &hal.read(ctx.device, dev, n)?, &want)?;
    hal.memset(ctx.device, dev, 0x3C, 1, n)?;
    // SAFETY: as above; read after synchronising.
    unsafe { hal.dtoh_async(buffer, dev, stream) }?;
    hal.stream_synchronize(stream)?;
    ensure!(buffer.iter().all(|b| *b == 0x3C), "device -> pinned copy wrong");
    hal.stream_destroy(stream)?;
    hal.mem_free(ctx.device, dev)?;
    // SAFETY: `host` came from fhMemAllocHost on this device; `buffer` is not used again.
    unsafe { hal.mem_free_host(ctx.device, host) }?;
    Ok(())
}

/// flaghal.h (Ordering, since 1.2): a queued copy touches pinned memory of
/// its own device in stream order; fhMemcpyPeerAsync stages through it.
fn pinned_in_stream_order(ctx: &Ctx) -> TestResult {
    let hal = &ctx.hal;
    // A rule of plugin ABI 1.1 (flaghal_plugin.h, rule 8): a plugin that
    // negotiated 1.0 said in advance that it keeps the 1.0 text.
    let abi = (0..hal.plugin_count()?)
        .filter_map(|i| hal.plugin_info(i).ok())
        .find(|p| p.loaded && p.name == ctx.props.plugin_name())
        .map(|p| p.abi_version);
    if abi.is_some_and(|v| sys::version::version_minor(v) < 1) {
        return Err(super::Stop::Unsupported("the plugin negotiated ABI 1.0, which predates the rule (ABI 1.1)".into()));
    }
    let n = 64 << 10;
    let host = hal.mem_alloc_host(ctx.device, n)?;
    // SAFETY: host is a fresh allocation of n bytes owned by this test until freed below.
    let buffer = unsafe { sys::ptr::out_bytes(host.cast(), n, "pinned buffer") }.map_err(|e| super::Stop::Fail(e.message))?;
    buffer.fill(0x11);
    let (dev, scratch) = (hal.mem_alloc(ctx.device, n)?, hal.mem_alloc(ctx.device, 256)?);
    hal.memset(ctx.device, dev, 0, 1, n)?;
    let stream = hal.stream_create(ctx.device)?;
    let busy = make_busy(ctx, stream, scratch)?;
    // SAFETY: buffer stays alive until the stream synchronises; changing it
    // before the stream reaches the copy is what 1.2 allows for pinned memory.
    unsafe { hal.htod_async(dev, buffer, stream) }?;
    buffer.fill(0x22);
    busy.release();
    hal.stream_synchronize(stream)?;
    let got = hal.read(ctx.device, dev, n)?;
    ensure!(
        got.iter().all(|b| *b == 0x22),
        "the copy read its pinned source when it was queued (byte 0 is 0x{:02x}, 0x22 was written before the stream reached the copy)",
        got[0]
    );
    hal.stream_destroy(stream)?;
    hal.mem_free(ctx.device, dev)?;
    hal.mem_free(ctx.device, scratch)?;
    // SAFETY: `host` came from fhMemAllocHost on this device; `buffer` is not used again.
    unsafe { hal.mem_free_host(ctx.device, host) }?;
    Ok(())
}

fn invalid_free(ctx: &Ctx) -> TestResult {
    let hal = &ctx.hal;
    let ptr = hal.mem_alloc(ctx.device, 4096)?;
    expect_status!(status_of(&hal.mem_free(ctx.device, ptr + 256)), sys::FH_ERROR_INVALID_ADDRESS, "fhMemFree(interior address)");
    hal.htod(ctx.device, ptr, &[1, 2, 3])?; // still live after the refused free
    hal.mem_free(ctx.device, ptr)?;
    expect_status!(status_of(&hal.mem_free(ctx.device, ptr)), sys::FH_ERROR_INVALID_ADDRESS, "fhMemFree twice");
    expect_status!(status_of(&hal.mem_free(ctx.device, 0x10)), sys::FH_ERROR_INVALID_ADDRESS, "fhMemFree(0x10, never allocated)");
    Ok(())
}

fn host_accessible(ctx: &Ctx) -> TestResult {
    let hal = &ctx.hal;
    let n = 4099usize;
    let ptr = hal.mem_alloc(ctx.device, n)?;
    let data = pattern(n, 21);
    hal.htod(ctx.device, ptr, &data)?;
    let host = ptr as usize as *mut u8;
    // SAFETY: the device reports HOST_ACCESSIBLE_MEMORY, so its addresses are
    // host addresses; [ptr, ptr + n) is a live allocation no stream is using.
    let seen: Vec<u8> = (0..n).map(|i| unsafe { host.add(i).read_volatile() }).collect();
    check_bytes("device memory read by the host", &seen, &data)?;
    for (i, byte) in data.iter().enumerate() {
        // SAFETY: as above.
        unsafe { host.add(i).write_volatile(!byte) };
    }
    let want: Vec<u8> = data.iter().map(|b| !b).collect();
    check_bytes("host writes read back with fhMemcpyDtoH", &hal.read(ctx.device, ptr, n)?, &want)?;
    hal.mem_free(ctx.device, ptr)?;
    Ok(())
}
