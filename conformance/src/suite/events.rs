//! Group `events`: cross-stream waits, query/synchronise, re-recording,
//! waits on unrecorded events, elapsed time (EVENT_TIMING).

use super::util::{make_busy, make_busy_kernel, status_of};
use super::{core, optional, Ctx, TestDef, TestResult};
use crate::{ensure, expect_status};
use flaghal_sys as sys;
use std::time::{Duration, Instant};

pub fn tests() -> Vec<TestDef> {
    vec![
        core("events.cross_stream_wait", "a stream waiting on another stream's event sees that stream's writes", cross_stream_wait),
        core("events.query_synchronize", "never-recorded events are complete; pending ones NOT_READY until done", query_synchronize),
        core("events.rerecord", "query and synchronize follow the most recent record", rerecord),
        core("events.wait_before_signal", "waiting on a never-recorded event is a no-op; destroying a waited event is safe", wait_before_signal),
        core("events.flags", "fhEventCreate accepts DEFAULT and DISABLE_TIMING, refuses unknown flags", flags),
        optional("events.elapsed_time", sys::FH_DEVICE_CAP_EVENT_TIMING, "elapsed time is monotonic and plausible; pending and untimed events refused", elapsed_time),
        optional("events.elapsed_time_pending_end", sys::FH_DEVICE_CAP_EVENT_TIMING, "a completed start and an end pending behind a kernel: NOT_READY at once, not after the kernel", elapsed_time_pending_end),
    ]
}

fn release_later(busy: &super::util::Busy) {
    std::thread::sleep(Duration::from_millis(40));
    busy.release();
}

fn cross_stream_wait(ctx: &Ctx) -> TestResult {
    let hal = &ctx.hal;
    let n = 1 << 18;
    let (x, y, scratch) = (hal.mem_alloc(ctx.device, n * 4)?, hal.mem_alloc(ctx.device, n * 4)?, hal.mem_alloc(ctx.device, 4)?);
    hal.memset(ctx.device, x, 0, 4, n)?;
    hal.memset(ctx.device, y, 0, 4, n)?;
    let (a, b) = (hal.stream_create(ctx.device)?, hal.stream_create(ctx.device)?);
    let event = hal.event_create(ctx.device, sys::FH_EVENT_DISABLE_TIMING)?;
    let busy = make_busy(ctx, a, scratch)?;
    hal.memset_async(x, 0x0707_0707, 4, n, a)?;
    hal.event_record(event, a)?;
    hal.stream_wait_event(b, event)?;
    hal.dtod_async(y, x, n * 4, b)?;
    let mut out = vec![0u8; n * 4];
    // SAFETY: out is read after stream b synchronises.
    unsafe { hal.dtoh_async(&mut out, y, b) }?;
    std::thread::scope(|scope| {
        scope.spawn(|| release_later(&busy));
        hal.stream_synchronize(b)
    })?;
    ensure!(out.iter().all(|v| *v == 7), "stream b copied before the event it waited on (stream a's memset) completed");
    hal.stream_synchronize(a)?;
    hal.event_destroy(event)?;
    hal.stream_destroy(a)?;
    hal.stream_destroy(b)?;
    for p in [x, y, scratch] {
        hal.mem_free(ctx.device, p)?;
    }
    Ok(())
}

fn query_synchronize(ctx: &Ctx) -> TestResult {
    let hal = &ctx.hal;
    let scratch = hal.mem_alloc(ctx.device, 4)?;
    let stream = hal.stream_create(ctx.device)?;
    let event = hal.event_create(ctx.device, 0)?;
    expect_status!(status_of(&hal.event_query(event)), sys::FH_SUCCESS, "fhEventQuery on a never-recorded event");
    hal.event_synchronize(event)?;
    let busy = make_busy(ctx, stream, scratch)?;
    hal.event_record(event, stream)?;
    expect_status!(status_of(&hal.event_query(event)), sys::FH_ERROR_NOT_READY, "fhEventQuery on an event recorded behind busy work");
    std::thread::scope(|scope| {
        scope.spawn(|| release_later(&busy));
        hal.event_synchronize(event)
    })?;
    expect_status!(status_of(&hal.event_query(event)), sys::FH_SUCCESS, "fhEventQuery after fhEventSynchronize");
    hal.stream_synchronize(stream)?;
    hal.event_destroy(event)?;
    hal.stream_destroy(stream)?;
    hal.mem_free(ctx.device, scratch)?;
    Ok(())
}

fn rerecord(ctx: &Ctx) -> TestResult {
    let hal = &ctx.hal;
    let scratch = hal.mem_alloc(ctx.device, 4)?;
    let (busy_stream, idle) = (hal.stream_create(ctx.device)?, hal.stream_create(ctx.device)?);
    let event = hal.event_create(ctx.device, 0)?;
    let busy = make_busy(ctx, busy_stream, scratch)?;
    hal.event_record(event, busy_stream)?;
    expect_status!(status_of(&hal.event_query(event)), sys::FH_ERROR_NOT_READY, "event recorded behind busy work");
    hal.event_record(event, idle)?;
    hal.stream_synchronize(idle)?;
    let status = status_of(&hal.event_query(event));
    busy.release();
    expect_status!(status, sys::FH_SUCCESS, "event re-recorded on an idle, synchronised stream (its latest record is complete)");
    hal.stream_synchronize(busy_stream)?;
    hal.event_destroy(event)?;
    hal.stream_destroy(busy_stream)?;
    hal.stream_destroy(idle)?;
    hal.mem_free(ctx.device, scratch)?;
    Ok(())
}

fn wait_before_signal(ctx: &Ctx) -> TestResult {
    let hal = &ctx.hal;
    let scratch = hal.mem_alloc(ctx.device, 64)?;
    let (a, b) = (hal.stream_create(ctx.device)?, hal.stream_create(ctx.device)?);
    let never = hal.event_create(ctx.device, 0)?;
    hal.stream_wait_event(b, never)?;
    hal.memset_async(scratch + 8, 0x11, 1, 8, b)?;
    hal.stream_synchronize(b)?;
    ensure!(hal.read(ctx.device, scratch + 8, 8)?.iter().all(|v| *v == 0x11), "work behind a wait on a never-recorded event did not run");
    // Destroying an event while a stream still waits on it keeps the wait valid.
    let event = hal.event_create(ctx.device, 0)?;
    let busy = make_busy(ctx, a, scratch)?;
    hal.memset_async(scratch + 16, 0x22, 1, 8, a)?;
    hal.event_record(event, a)?;
    hal.stream_wait_event(b, event)?;
    hal.event_destroy(event)?;
    hal.dtod_async(scratch + 32, scratch + 16, 8, b)?;
    std::thread::scope(|scope| {
        scope.spawn(|| release_later(&busy));
        hal.stream_synchronize(b)
    })?;
    ensure!(hal.read(ctx.device, scratch + 32, 8)?.iter().all(|v| *v == 0x22), "a wait on a destroyed event did not hold stream b back");
    hal.stream_synchronize(a)?;
    hal.event_destroy(never)?;
    hal.stream_destroy(a)?;
    hal.stream_destroy(b)?;
    hal.mem_free(ctx.device, scratch)?;
    Ok(())
}

fn flags(ctx: &Ctx) -> TestResult {
    for f in [sys::FH_EVENT_DEFAULT, sys::FH_EVENT_DISABLE_TIMING] {
        let e = ctx.hal.event_create(ctx.device, f)?;
        ensure!(!e.0.is_null(), "fhEventCreate({f}) returned NULL");
        ctx.hal.event_destroy(e)?;
    }
    for bad in [2u32, 0x80, u32::MAX] {
        let mut e: sys::fh_event_t = std::ptr::null_mut();
        // SAFETY: e is a valid out pointer.
        let rc = unsafe { ctx.hal.raw().fhEventCreate(ctx.device.0, bad, &mut e) };
        expect_status!(rc, sys::FH_ERROR_INVALID_VALUE, "fhEventCreate(flags {bad:#x})");
        ensure!(e.is_null(), "a refused fhEventCreate wrote a handle");
    }
    Ok(())
}

fn elapsed_time(ctx: &Ctx) -> TestResult {
    let hal = &ctx.hal;
    let scratch = hal.mem_alloc(ctx.device, 4)?;
    let stream = hal.stream_create(ctx.device)?;
    let e: Vec<_> = (0..3).map(|_| hal.event_create(ctx.device, 0)).collect::<Result<_, _>>()?;
    let host_start = Instant::now();
    hal.event_record(e[0], stream)?;
    let busy = make_busy(ctx, stream, scratch)?;
    hal.event_record(e[1], stream)?;
    let rc = status_of(&hal.event_elapsed(e[0], e[1]));
    expect_status!(rc, sys::FH_ERROR_NOT_READY, "fhEventElapsedTime with the end event pending");
    std::thread::sleep(Duration::from_millis(30));
    busy.release();
    hal.memset_async(scratch, 1, 4, 1, stream)?;
    hal.event_record(e[2], stream)?;
    hal.stream_synchronize(stream)?;
    let host_ms = host_start.elapsed().as_secs_f64() * 1000.0;
    let t01 = hal.event_elapsed(e[0], e[1]);
    expect_status!(status_of(&t01), sys::FH_SUCCESS, "fhEventElapsedTime(e0, e1)");
    let t02 = hal.event_elapsed(e[0], e[2]);
    expect_status!(status_of(&t02), sys::FH_SUCCESS, "fhEventElapsedTime(e0, e2)");
    let t10 = hal.event_elapsed(e[1], e[0]);
    expect_status!(status_of(&t10), sys::FH_SUCCESS, "fhEventElapsedTime(e1, e0)");
    let (t01, t02, t10) = (t01.unwrap_or(f32::NAN), t02.unwrap_or(f32::NAN), t10.unwrap_or(f32::NAN));
    ensure!(t01.is_finite() && t02.is_finite() && t10.is_finite(), "non-finite elapsed time");
    ensure!(t01 >= 0.0 && t02 >= t01, "elapsed times not monotonic: e0->e1 {t01} ms, e0->e2 {t02} ms");
    ensure!(t10 <= 0.0 && (t10 + t01).abs() <= 0.01 + t01 * 1e-3, "e1->e0 {t10} ms is not the negative of e0->e1 {t01} ms");
    ensure!((t02 as f64) <= host_ms + 5.0, "device time e0->e2 {t02} ms exceeds the host's {host_ms:.1} ms");
    // e0->e1 holds work blocked for 30 ms (a gated host function) or a
    // ~150 ms spin kernel: under 1 ms the timer measures nothing at all.
    ensure!(t01 >= 1.0, "e0->e1 spans ~30+ ms of busy work but measured {t01} ms: fhEventElapsedTime does not measure device time");
    if (t01 as f64) < 10.0 {
        ctx.warn(format!("e0->e1 spans ~30+ ms of busy work but measured {t01} ms"));
    }
    let untimed = hal.event_create(ctx.device, sys::FH_EVENT_DISABLE_TIMING)?;
    hal.event_record(untimed, stream)?;
    hal.stream_synchronize(stream)?;
    expect_status!(status_of(&hal.event_elapsed(e[0], untimed)), sys::FH_ERROR_INVALID_VALUE, "fhEventElapsedTime with a DISABLE_TIMING event");
    let unrecorded = hal.event_create(ctx.device, 0)?;
    expect_status!(status_of(&hal.event_elapsed(e[0], unrecorded)), sys::FH_ERROR_INVALID_VALUE, "fhEventElapsedTime with a never-recorded event");
    // SAFETY: NULL output is the case under test.
    let rc = unsafe { hal.raw().fhEventElapsedTime(std::ptr::null_mut(), e[0].0, e[1].0) };
    expect_status!(rc, sys::FH_ERROR_INVALID_VALUE, "fhEventElapsedTime(ms NULL)");
    for ev in e.into_iter().chain([untimed, unrecorded]) {
        hal.event_destroy(ev)?;
    }
    hal.stream_destroy(stream)?;
    hal.mem_free(ctx.device, scratch)?;
    Ok(())
}

/// The start record has completed; the end waits behind device work (a
/// kernel, not a host function, so the driver itself has work queued).
/// fhEventElapsedTime must answer NOT_READY without waiting for that work:
/// a profiler polls it. (A plugin that read the start's timestamp through a
/// call that idles the device returned SUCCESS after the kernel instead.)
///
/// The kernel may finish between the query that saw the end pending and the
/// elapsed-time call (a descheduled test thread), so a SUCCESS is retried
/// with a longer kernel; a plugin that waits answers SUCCESS every time.
/// SUCCESS while the end is still pending is wrong at once.
fn elapsed_time_pending_end(ctx: &Ctx) -> TestResult {
    const ATTEMPTS: u64 = 3;
    let hal = &ctx.hal;
    let scratch = hal.mem_alloc(ctx.device, 4)?;
    let stream = hal.stream_create(ctx.device)?;
    let (start, end) = (hal.event_create(ctx.device, 0)?, hal.event_create(ctx.device, 0)?);
    let mut answered_not_ready = false;
    let mut successes = 0;
    for attempt in 0..ATTEMPTS {
        hal.event_record(start, stream)?;
        hal.stream_synchronize(stream)?;
        let busy = make_busy_kernel(ctx, stream, scratch, 1 << attempt)?;
        hal.event_record(end, stream)?;
        if status_of(&hal.event_query(end)) == sys::FH_ERROR_NOT_READY {
            let rc = status_of(&hal.event_elapsed(start, end));
            if rc == sys::FH_SUCCESS {
                ensure!(
                    status_of(&hal.event_query(end)) == sys::FH_SUCCESS,
                    "fhEventElapsedTime returned FH_SUCCESS while the end event was still pending"
                );
                successes += 1;
            } else {
                expect_status!(rc, sys::FH_ERROR_NOT_READY, "fhEventElapsedTime with a completed start and a pending end");
                answered_not_ready = true;
            }
        }
        hal.stream_synchronize(stream)?;
        drop(busy);
        let ms = hal.event_elapsed(start, end);
        expect_status!(status_of(&ms), sys::FH_SUCCESS, "fhEventElapsedTime after both completed");
        let ms = ms.unwrap_or(f32::NAN);
        ensure!(ms.is_finite() && ms >= 0.0, "elapsed {ms} ms");
        if answered_not_ready {
            break;
        }
    }
    ensure!(
        answered_not_ready || successes == 0,
        "fhEventElapsedTime returned FH_SUCCESS for an end pending behind a kernel in {successes} of {ATTEMPTS} \
         attempts (it waits for the device instead of answering NOT_READY)"
    );
    if !answered_not_ready {
        ctx.warn("the busy kernel finished before the end event could be queried; nothing was checked".to_string());
    }
    hal.event_destroy(start)?;
    hal.event_destroy(end)?;
    hal.stream_destroy(stream)?;
    hal.mem_free(ctx.device, scratch)?;
    Ok(())
}
