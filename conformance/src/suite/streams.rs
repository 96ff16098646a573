//! Group `streams`: in-order execution, NOT_READY while busy, synchronise,
//! independent streams, empty streams, destroy waits, host functions.

use super::util::{make_busy, pattern, status_of};
use super::{core, optional, Ctx, Stop, TestDef, TestResult};
use crate::{ensure, expect_status};
use flaghal_client::{from_bytes, Stream};
use flaghal_sys as sys;
use std::ffi::c_void;
use std::sync::Mutex;
use std::time::Duration;

pub fn tests() -> Vec<TestDef> {
    vec![
        core("streams.in_order", "a chain of dependent async copies, memsets and a kernel runs in submission order", in_order),
        core("streams.query_not_ready", "fhStreamQuery is NOT_READY while work is pending and SUCCESS after", query_not_ready),
        core("streams.synchronize_waits", "fhStreamSynchronize returns only after queued work has completed", synchronize_waits),
        core("streams.independent", "two streams each run their own chain correctly at the same time", independent),
        core("streams.empty", "an empty stream queries SUCCESS, synchronises and is destroyed", empty),
        core("streams.destroy_waits", "fhStreamDestroy waits for queued work", destroy_waits),
        optional("streams.host_func_order", sys::FH_DEVICE_CAP_HOST_FUNC, "host functions run in stream order with copies", host_func_order),
    ]
}

/// Queues, behind `busy` work, a chain in which every step reads what the
/// previous one wrote, then checks every snapshot. Any reordering shows.
fn chain(ctx: &Ctx, stream: Stream, seed: u32) -> TestResult {
    let hal = &ctx.hal;
    let n = 4099usize; // words
    let bytes = n * 4;
    let a = hal.mem_alloc(ctx.device, bytes)?;
    let snaps: Vec<u64> = (0..4).map(|_| hal.mem_alloc(ctx.device, bytes)).collect::<Result<_, _>>()?;
    let scratch = hal.mem_alloc(ctx.device, 4)?;
    hal.memset(ctx.device, a, 0, 4, n)?;
    let host3: Vec<u8> = pattern(bytes, seed);
    let mut out = vec![0u8; bytes];
    let fill = ctx.kernels.get("fill_u32").is_some();
    let busy = make_busy(ctx, stream, scratch)?;
    hal.memset_async(a, seed + 1, 4, n, stream)?; // A = s+1
    hal.dtod_async(snaps[0], a, bytes, stream)?; // S0 = s+1
    hal.memset_async(a, seed + 2, 4, n, stream)?; // A = s+2
    hal.dtod_async(snaps[1], a, bytes, stream)?; // S1 = s+2
    // SAFETY: host3 and out outlive the synchronisation at the end.
    unsafe { hal.htod_async(a, &host3, stream) }?; // A = pattern
    hal.dtod_async(snaps[2], a, bytes, stream)?; // S2 = pattern
    if fill {
        let f = ctx.function("fill_u32")?;
        let args = flaghal_client::Args::new().u64(a).u32(seed + 4).u32(n as u32).finish();
        hal.launch(f, [super::util::blocks_for(n as u64, 64), 1, 1], [64, 1, 1], 0, stream, &args)?;
    } else {
        hal.memset_async(a, seed + 4, 4, n, stream)?;
    }
    hal.dtod_async(snaps[3], a, bytes, stream)?; // S3 = s+4
    // SAFETY: as above.
    unsafe { hal.dtoh_async(&mut out, a, stream) }?; // out = s+4
    busy.release();
    hal.stream_synchronize(stream)?;
    let expect = |what: &str, got: &[u8], value: u32| -> TestResult {
        let words = from_bytes::<u32>(got);
        if let Some(i) = words.iter().position(|w| *w != value) {
            return Err(Stop::Fail(format!("{what}: word {i} is {:#x}, expected {value:#x}: work ran out of order", words[i])));
        }
        Ok(())
    };
    expect("snapshot after the first memset", &hal.read(ctx.device, snaps[0], bytes)?, seed + 1)?;
    expect("snapshot after the second memset", &hal.read(ctx.device, snaps[1], bytes)?, seed + 2)?;
    super::util::check_bytes("snapshot after the HtoD copy", &hal.read(ctx.device, snaps[2], bytes)?, &host3)
        .map_err(|e| match e { Stop::Fail(m) => Stop::Fail(format!("{m}: work ran out of order")), other => other })?;
    expect(if fill { "snapshot after the fill_u32 kernel" } else { "snapshot after the third memset" }, &hal.read(ctx.device, snaps[3], bytes)?, seed + 4)?;
    expect("final async DtoH", &out, seed + 4)?;
    for p in snaps.into_iter().chain([a, scratch]) {
        hal.mem_free(ctx.device, p)?;
    }
    Ok(())
}

fn in_order(ctx: &Ctx) -> TestResult {
    let stream = ctx.hal.stream_create(ctx.device)?;
    for round in 0..3 {
        chain(ctx, stream, 0x100 * (round + 1))?;
    }
    ctx.hal.stream_destroy(stream)?;
    Ok(())
}

fn query_not_ready(ctx: &Ctx) -> TestResult {
    let hal = &ctx.hal;
    let stream = hal.stream_create(ctx.device)?;
    let scratch = hal.mem_alloc(ctx.device, 4 << 20)?;
    expect_status!(status_of(&hal.stream_query(stream)), sys::FH_SUCCESS, "fhStreamQuery on a new stream");
    let busy = make_busy(ctx, stream, scratch)?;
    hal.memset_async(scratch + 4, 9, 1, (4 << 20) - 4, stream)?;
    let first = status_of(&hal.stream_query(stream));
    if busy.gated() {
        for i in 0..5 {
            expect_status!(status_of(&hal.stream_query(stream)), sys::FH_ERROR_NOT_READY, "fhStreamQuery #{i} while a host function blocks the stream");
            std::thread::sleep(Duration::from_millis(2));
        }
    }
    expect_status!(first, sys::FH_ERROR_NOT_READY, "fhStreamQuery right after queuing busy work");
    busy.release();
    hal.stream_synchronize(stream)?;
    expect_status!(status_of(&hal.stream_query(stream)), sys::FH_SUCCESS, "fhStreamQuery after fhStreamSynchronize");
    if let Some((at, value)) = busy.spin {
        let got = from_bytes::<u32>(&hal.read(ctx.device, at, 4)?)[0];
        ensure!(got == value, "spin kernel result {got:#x}, expected {value:#x}: the kernel did not run as documented");
    }
    hal.stream_destroy(stream)?;
    hal.mem_free(ctx.device, scratch)?;
    Ok(())
}

/// Queues busy work, a memset of `byte` and a D->H copy of it on a new
/// stream, then calls `wait` on the stream while another thread releases the
/// busy work 50 ms later; checks every copied byte afterwards. `wait` must
/// not return before the queued work has completed.
fn waits_for_queued_work(
    ctx: &Ctx,
    byte: u8,
    what: &str,
    wait: impl FnOnce(Stream) -> flaghal_client::Result,
) -> Result<Stream, Stop> {
    let hal = &ctx.hal;
    let n = 1 << 18;
    let ptr = hal.mem_alloc(ctx.device, n * 4)?;
    let scratch = hal.mem_alloc(ctx.device, 4)?;
    hal.memset(ctx.device, ptr, 0, 4, n)?;
    let stream = hal.stream_create(ctx.device)?;
    let busy = make_busy(ctx, stream, scratch)?;
    hal.memset_async(ptr, u32::from_ne_bytes([byte; 4]), 4, n, stream)?;
    let mut out = vec![0u8; n * 4];
    // SAFETY: out is read only after `wait`, which waits for the copy.
    unsafe { hal.dtoh_async(&mut out, ptr, stream) }?;
    std::thread::scope(|scope| {
        scope.spawn(|| {
            std::thread::sleep(Duration::from_millis(50));
            busy.release();
        });
        wait(stream)
    })?;
    ensure!(out.iter().all(|b| *b == byte), "{what} returned before its queued work completed");
    hal.mem_free(ctx.device, ptr)?;
    hal.mem_free(ctx.device, scratch)?;
    Ok(stream)
}

fn synchronize_waits(ctx: &Ctx) -> TestResult {
    let stream = waits_for_queued_work(ctx, 0x30, "fhStreamSynchronize", |s| ctx.hal.stream_synchronize(s))?;
    expect_status!(status_of(&ctx.hal.stream_query(stream)), sys::FH_SUCCESS, "fhStreamQuery after synchronize");
    ctx.hal.stream_destroy(stream)?;
    Ok(())
}

fn independent(ctx: &Ctx) -> TestResult {
    let s1 = ctx.hal.stream_create(ctx.device)?;
    let s2 = ctx.hal.stream_create(ctx.device)?;
    let results: Vec<TestResult> = std::thread::scope(|scope| {
        let a = scope.spawn(|| chain(ctx, s1, 0x1000));
        let b = scope.spawn(|| chain(ctx, s2, 0x2000));
        vec![a.join().unwrap_or_else(|_| Err(Stop::Fail("thread panicked".into()))), b.join().unwrap_or_else(|_| Err(Stop::Fail("thread panicked".into())))]
    });
    for (i, r) in results.into_iter().enumerate() {
        r.map_err(|e| match e { Stop::Fail(m) => Stop::Fail(format!("stream {}: {m}", i + 1)), other => other })?;
    }
    ctx.hal.stream_destroy(s1)?;
    ctx.hal.stream_destroy(s2)?;
    Ok(())
}

fn empty(ctx: &Ctx) -> TestResult {
    let hal = &ctx.hal;
    for _ in 0..3 {
        let s = hal.stream_create(ctx.device)?;
        ensure!(!s.0.is_null(), "fhStreamCreate returned NULL");
        expect_status!(status_of(&hal.stream_query(s)), sys::FH_SUCCESS, "fhStreamQuery on an empty stream");
        hal.stream_synchronize(s)?;
        hal.stream_synchronize(s)?;
        hal.stream_destroy(s)?;
    }
    let mut s: sys::fh_stream_t = std::ptr::null_mut();
    // SAFETY: s is a valid out pointer.
    let rc = unsafe { hal.raw().fhStreamCreate(ctx.device.0, 1, &mut s) };
    expect_status!(rc, sys::FH_ERROR_INVALID_VALUE, "fhStreamCreate(flags 1)");
    ensure!(s.is_null(), "fhStreamCreate failed but wrote a handle");
    Ok(())
}

fn destroy_waits(ctx: &Ctx) -> TestResult {
    waits_for_queued_work(ctx, 0x71, "fhStreamDestroy", |s| ctx.hal.stream_destroy(s))?;
    Ok(())
}

struct Journal {
    entries: Mutex<Vec<(u32, u8)>>,
    /// The host buffer the DtoH copies write into (read by the host functions).
    seen: *const u8,
    len: usize,
}

struct Step {
    journal: *const Journal,
    index: u32,
}

/// A host function: records its index and the byte the copy before it landed.
unsafe extern "C" fn record_step(user_data: *mut c_void) {
    let _ = flaghal_sys::ffi_boundary(
        || {
            // SAFETY: user_data is a Step in a Vec that outlives the stream's
            // work, and its journal outlives it too (freed after synchronisation).
            let step = unsafe { flaghal_sys::ptr::in_ref(user_data as *const Step, "step") }?;
            // SAFETY: as above.
            let journal = unsafe { flaghal_sys::ptr::in_ref(step.journal, "journal") }?;
            // SAFETY: seen is the live host buffer of `len` bytes the copies write into.
            let seen = unsafe { flaghal_sys::ptr::in_bytes(journal.seen.cast(), journal.len, "seen") }?;
            let byte = seen[step.index as usize];
            journal.entries.lock().unwrap_or_else(|e| e.into_inner()).push((step.index, byte));
            Ok(())
        },
        |_| {},
    );
}

fn host_func_order(ctx: &Ctx) -> TestResult {
    let hal = &ctx.hal;
    let steps_n = 64u32;
    let dev = hal.mem_alloc(ctx.device, steps_n as usize)?;
    hal.memset(ctx.device, dev, 0, 1, steps_n as usize)?;
    let mut host = vec![0u8; steps_n as usize];
    let journal = Journal { entries: Mutex::new(Vec::new()), seen: host.as_ptr(), len: host.len() };
    let steps: Vec<Step> = (0..steps_n).map(|index| Step { journal: &journal, index }).collect();
    let stream = hal.stream_create(ctx.device)?;
    for (i, step) in steps.iter().enumerate() {
        hal.memset_async(dev + i as u64, (i as u32) + 1, 1, 1, stream)?;
        // SAFETY: host outlives the synchronisation; the host function only
        // reads byte i after this copy (that is what the test checks).
        let byte = unsafe { flaghal_sys::ptr::out_bytes(host.as_mut_ptr().add(i).cast(), 1, "host byte") }.map_err(|e| Stop::Fail(e.message))?;
        // SAFETY: as above.
        unsafe { hal.dtoh_async(byte, dev + i as u64, stream) }?;
        // SAFETY: steps and journal outlive the synchronisation below.
        unsafe { hal.launch_host_func(stream, record_step, step as *const Step as *mut c_void) }?;
    }
    hal.stream_synchronize(stream)?;
    let entries = journal.entries.lock().unwrap_or_else(|e| e.into_inner()).clone();
    ensure!(entries.len() == steps_n as usize, "{} of {steps_n} host functions ran before fhStreamSynchronize returned", entries.len());
    for (pos, (index, seen)) in entries.iter().enumerate() {
        ensure!(*index == pos as u32, "host function {index} ran in position {pos}");
        ensure!(*seen == pos as u8 + 1, "host function {index} ran before the copy queued ahead of it landed (saw {seen})");
    }
    hal.stream_destroy(stream)?;
    hal.mem_free(ctx.device, dev)?;
    drop(host);
    Ok(())
}
