//! Group `stress`: many threads with their own streams, many threads on one
//! stream, 10,000 small launches, many live objects, a large transfer with
//! every byte checked.

use super::util::{blocks_for, check_bytes, pattern};
use super::{core, Ctx, Stop, TestDef, TestResult};
use crate::ensure;
use flaghal_client::{from_bytes, Args};

pub fn tests() -> Vec<TestDef> {
    vec![
        core("stress.threads_own_streams", "8 threads, each with its own stream, 40 rounds of async copy chains", threads_own_streams),
        core("stress.threads_one_stream", "8 threads queue memsets on one shared stream; each thread's last write wins", threads_one_stream),
        core("stress.many_launches", "10,000 small launches in order on one stream; results prove the order", many_launches),
        core("stress.many_live_objects", "256 streams, 512 events and 2,000 allocations alive at once, all used", many_live_objects),
        core("stress.large_transfer", "64 MiB (or 1% of memory) H->D, D->D, D->H with every byte checked", large_transfer),
    ]
}

fn join_all(results: Vec<std::thread::Result<TestResult>>) -> TestResult {
    for (i, r) in results.into_iter().enumerate() {
        match r {
            Ok(Ok(())) => {}
            Ok(Err(Stop::Fail(m))) => return Err(Stop::Fail(format!("thread {i}: {m}"))),
            Ok(Err(other)) => return Err(other),
            Err(_) => return Err(Stop::Fail(format!("thread {i} panicked"))),
        }
    }
    Ok(())
}

fn threads_own_streams(ctx: &Ctx) -> TestResult {
    let results = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8u32)
            .map(|t| {
                scope.spawn(move || -> TestResult {
                    let hal = &ctx.hal;
                    let stream = hal.stream_create(ctx.device)?;
                    let size = 16_411usize + t as usize * 97;
                    let (a, b) = (hal.mem_alloc(ctx.device, size)?, hal.mem_alloc(ctx.device, size)?);
                    for round in 0..40u32 {
                        let data = pattern(size, t * 1000 + round);
                        let mut back = vec![0u8; size];
                        hal.memset_async(b, round, 1, size, stream)?;
                        // SAFETY: data and back outlive the synchronisation below.
                        unsafe { hal.htod_async(a, &data, stream) }?;
                        hal.dtod_async(b, a, size, stream)?;
                        // SAFETY: as above.
                        unsafe { hal.dtoh_async(&mut back, b, stream) }?;
                        hal.stream_synchronize(stream)?;
                        check_bytes(&format!("round {round}"), &back, &data)?;
                    }
                    hal.stream_destroy(stream)?;
                    hal.mem_free(ctx.device, a)?;
                    hal.mem_free(ctx.device, b)?;
                    Ok(())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join()).collect()
    });
    join_all(results)
}

fn threads_one_stream(ctx: &Ctx) -> TestResult {
    let hal = &ctx.hal;
    let region = 4096usize; // words per thread
    let threads = 8u32;
    let ptr = hal.mem_alloc(ctx.device, region * 4 * threads as usize)?;
    hal.memset(ctx.device, ptr, 0, 4, region * threads as usize)?;
    let stream = hal.stream_create(ctx.device)?;
    let results = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                scope.spawn(move || -> TestResult {
                    let at = ptr + (t as usize * region * 4) as u64;
                    for i in 0..200u32 {
                        ctx.hal.memset_async(at, (t << 16) | i, 4, region, stream)?;
                    }
                    Ok(())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join()).collect()
    });
    join_all(results)?;
    hal.stream_synchronize(stream)?;
    let words = from_bytes::<u32>(&hal.read(ctx.device, ptr, region * 4 * threads as usize)?);
    for t in 0..threads as usize {
        let want = ((t as u32) << 16) | 199;
        let got = &words[t * region..(t + 1) * region];
        if let Some(i) = got.iter().position(|w| *w != want) {
            return Err(Stop::Fail(format!("thread {t}'s region word {i} is {:#x}, expected its last write {want:#x}", got[i])));
        }
    }
    hal.stream_destroy(stream)?;
    hal.mem_free(ctx.device, ptr)?;
    Ok(())
}

fn many_launches(ctx: &Ctx) -> TestResult {
    let hal = &ctx.hal;
    let f = ctx.function("fill_u32")?;
    let slots = 100usize;
    let words = 16u32;
    let ptr = hal.mem_alloc(ctx.device, slots * words as usize * 4)?;
    hal.memset(ctx.device, ptr, 0xFFFF_FFFF, 4, slots * words as usize)?;
    let stream = hal.stream_create(ctx.device)?;
    let block = 16.min(ctx.props.0.max_threads_per_block);
    for i in 0..10_000u32 {
        let slot = ptr + ((i as usize % slots) * words as usize * 4) as u64;
        let args = Args::new().u64(slot).u32(i).u32(words).finish();
        hal.launch(f, [blocks_for(words as u64, block), 1, 1], [block, 1, 1], 0, stream, &args)
            .map_err(|e| Stop::Fail(format!("launch {i}: {e}")))?;
    }
    hal.stream_synchronize(stream)?;
    let got = from_bytes::<u32>(&hal.read(ctx.device, ptr, slots * words as usize * 4)?);
    for s in 0..slots {
        let want = 9_900 + s as u32;
        for w in 0..words as usize {
            let v = got[s * words as usize + w];
            ensure!(v == want, "slot {s} word {w} is {v}, expected {want} (the last of its launches)");
        }
    }
    hal.stream_destroy(stream)?;
    hal.mem_free(ctx.device, ptr)?;
    Ok(())
}

fn many_live_objects(ctx: &Ctx) -> TestResult {
    let hal = &ctx.hal;
    let streams: Vec<_> = (0..256).map(|_| hal.stream_create(ctx.device)).collect::<Result<_, _>>()?;
    let events: Vec<_> = (0..512).map(|i| hal.event_create(ctx.device, (i % 2) as u32)).collect::<Result<_, _>>()?;
    let allocs: Vec<u64> = (0..2000).map(|i| hal.mem_alloc(ctx.device, 256 + (i % 7) * 100)).collect::<Result<_, _>>()?;
    for (i, a) in allocs.iter().enumerate() {
        let s = streams[i % streams.len()];
        hal.memset_async(*a, i as u32, 4, 64, s)?;
        if i % 4 == 0 {
            hal.event_record(events[(i / 4) % events.len()], s)?;
        }
    }
    for (i, s) in streams.iter().enumerate() {
        hal.stream_wait_event(*s, events[(i * 3) % events.len()])?;
    }
    for s in &streams {
        hal.stream_synchronize(*s)?;
    }
    for e in &events {
        hal.event_synchronize(*e)?;
    }
    for (i, a) in allocs.iter().enumerate() {
        let words = from_bytes::<u32>(&hal.read(ctx.device, *a, 256)?);
        ensure!(words.iter().all(|w| *w == i as u32), "allocation {i} of 2000 has the wrong contents");
    }
    for s in streams {
        hal.stream_destroy(s)?;
    }
    for e in events {
        hal.event_destroy(e)?;
    }
    for a in allocs {
        hal.mem_free(ctx.device, a)?;
    }
    Ok(())
}

fn large_transfer(ctx: &Ctx) -> TestResult {
    let hal = &ctx.hal;
    let size = ((ctx.props.0.total_memory / 100) as usize).clamp(1 << 20, 64 << 20) + 13;
    let data = pattern(size, 0xB16);
    let (a, b) = (hal.mem_alloc(ctx.device, size)?, hal.mem_alloc(ctx.device, size)?);
    hal.htod(ctx.device, a, &data)?;
    hal.dtod(ctx.device, b, a, size)?;
    hal.memset(ctx.device, a, 0, 1, size)?;
    check_bytes(&format!("{size} B after H->D->D->H"), &hal.read(ctx.device, b, size)?, &data)?;
    hal.mem_free(ctx.device, a)?;
    hal.mem_free(ctx.device, b)?;
    Ok(())
}
