//! Section 11 of the table: copies between devices of two plugins (API 1.2),
//! CPU device to Vulkan device, against what an application does without
//! them: fhMemcpyDtoH into one pinned host buffer of the destination, then
//! fhMemcpyHtoD from it, in the same run on the same allocations.

use crate::measure::{pair, Plan, Sample};
use crate::row::Better;
use crate::suite::{Label, Suite};
use flaghal_client::{Hal, Stream};
use serde_json::json;
use std::time::Instant;

const GROUP: &str = "11. copies between devices (cpu -> vulkan)";

pub fn run(s: &mut Suite) -> Result<(), String> {
    let (Some(cpu), Some(vulkan)) = (s.cpu, s.vulkan) else {
        s.skip("copies between devices", "needs the CPU and a Vulkan device");
        return Ok(());
    };
    let plan = s.plan(Plan { warmup: 1, reps: 9 }, Plan { warmup: 0, reps: 2 });
    let size: usize = s.pick(64 << 20, 4 << 20);
    let hal = s.hal;
    let (src, dst) = (hal.mem_alloc(cpu, size)?, hal.mem_alloc(vulkan, size)?);
    hal.memset(cpu, src, 0x5A, 1, size)?;
    let host = hal.mem_alloc_host(vulkan, size)?;
    let (s_src, s_dst) = (hal.stream_create(cpu)?, hal.stream_create(vulkan)?);
    let gbps = |t: Instant| size as f64 / t.elapsed().as_secs_f64() / 1e9;
    let by_hand = || -> Sample {
        // SAFETY: `size` bytes of pinned memory allocated above, used by
        // nothing else while this runs.
        let staging = unsafe { std::slice::from_raw_parts_mut(host, size) };
        let t = Instant::now();
        hal.dtoh(cpu, staging, src)?;
        hal.htod(vulkan, dst, staging)?;
        Ok(gbps(t))
    };
    let synchronous = || -> Sample {
        let t = Instant::now();
        hal.peer(vulkan, dst, cpu, src, size)?;
        Ok(gbps(t))
    };
    let queued = |hal: &Hal, d: Stream, s_: Stream| -> Sample {
        let t = Instant::now();
        hal.peer_async(dst, src, size, d, s_)?;
        hal.stream_synchronize(d)?;
        hal.stream_synchronize(s_)?;
        Ok(gbps(t))
    };
    let rows = [
        ("fhMemcpyPeer", pair(plan, synchronous, by_hand)),
        ("fhMemcpyPeerAsync + synchronize both streams", pair(plan, || queued(hal, s_dst, s_src), by_hand)),
    ];
    let check = hal.read(vulkan, dst, size)?;
    let intact = check.iter().all(|&b| b == 0x5A);
    for (name, result) in rows {
        s.add(
            Label {
                group: GROUP,
                name: format!("{name}, {} MiB", size >> 20),
                baseline: "fhMemcpyDtoH + fhMemcpyHtoD through one pinned buffer",
                unit: "GB/s",
                better: Better::Higher,
            },
            result?,
            json!({"bytes": size, "from": "cpu", "to": "vulkan"}),
            None,
        );
    }
    for st in [s_src, s_dst] {
        hal.stream_destroy(st)?;
    }
    // SAFETY: from mem_alloc_host on `vulkan`; every copy using it has completed.
    unsafe { hal.mem_free_host(vulkan, host) }?;
    hal.mem_free(cpu, src)?;
    hal.mem_free(vulkan, dst)?;
    if intact {
        Ok(())
    } else {
        Err("the destination does not hold the copied bytes".into())
    }
}

