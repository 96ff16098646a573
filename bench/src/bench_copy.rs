//! Section 4 of the table: Copy bandwidth: synchronous H->D, D->H and D->D copies from 4 KiB to
//! 256 MiB, from pageable (Vec) and pinned (fhMemAllocHost) host memory, on
//! each plugin, against a plain host memcpy of the same size: the physical
//! limit when "device" memory is host memory, as it is for the CPU plugin and
//! lavapipe. The Vulkan plugin's forced-staging path needs its own process
//! (the variable is read once at plugin start): see child.rs.

use crate::measure::{gb_per_s, pair, seconds, seconds_of, Plan};
use crate::row::Better;
use crate::suite::{Label, Suite};
use flaghal_client::{Device, PinnedBuffer};
use serde_json::json;

pub const GROUP: &str = "4. copy bandwidth (synchronous copies)";

/// Transfer sizes: 4 KiB .. 256 MiB in steps of 16x (smoke: two sizes).
pub fn sizes(smoke: bool) -> Vec<usize> {
    if smoke {
        vec![4 << 10, 1 << 20]
    } else {
        vec![4 << 10, 64 << 10, 1 << 20, 16 << 20, 256 << 20]
    }
}

/// Copies per sample so that small sizes move at least 16 MiB per sample.
fn repeats(size: usize) -> usize {
    ((16 << 20) / size).max(1)
}

fn memcpy(dst: &mut [u8], src: &[u8]) {
    dst.copy_from_slice(src);
    std::hint::black_box(dst);
}

/// Runs every copy row for one device; `plugin` labels the rows.
pub fn run_device(s: &mut Suite, plugin: &str, device: Device) -> Result<(), String> {
    let hal = s.hal;
    let plan = s.plan(Plan { warmup: 1, reps: 9 }, Plan { warmup: 1, reps: 3 });
    for size in sizes(s.smoke) {
        let n = repeats(size);
        let bytes = (n * size) as f64;
        let a = hal.mem_alloc(device, size)?;
        let b = hal.mem_alloc(device, size)?;
        let mut pageable = vec![7u8; size];
        // Zeroed, so every page is touched: first-use faults are not timed as transfer.
        let mut pinned = PinnedBuffer::new(hal, device, size)?;
        let mut host_dst = vec![3u8; size];
        let host_src = vec![5u8; size];
        let memcpy_rate = |dst: &mut Vec<u8>| gb_per_s(bytes, seconds_of(|| (0..n).for_each(|_| memcpy(dst, &host_src))));
        let cases: [(&str, &str); 5] = [
            ("H->D", "pageable"),
            ("H->D", "pinned"),
            ("D->H", "pageable"),
            ("D->H", "pinned"),
            ("D->D", "device"),
        ];
        for (direction, memory) in cases {
            let mut baseline_dst = host_dst.clone();
            let result = {
                let mut copy = || -> Result<(), String> {
                    for _ in 0..n {
                        match (direction, memory) {
                            ("H->D", "pageable") => hal.htod(device, a, &pageable)?,
                            ("H->D", _) => hal.htod(device, a, &pinned)?,
                            ("D->H", "pageable") => hal.dtoh(device, &mut pageable, a)?,
                            ("D->H", _) => hal.dtoh(device, &mut pinned, a)?,
                            _ => hal.dtod(device, b, a, size)?,
                        }
                    }
                    Ok(())
                };
                pair(plan, || gb_per_s(bytes, seconds(&mut copy)?), || memcpy_rate(&mut baseline_dst))
            };
            s.add(
                Label {
                    group: GROUP,
                    name: format!("{plugin} {direction} {memory} {}", size_label(size)),
                    baseline: "host memcpy, same size",
                    unit: "GB/s",
                    better: Better::Higher,
                },
                result?,
                json!({"plugin": plugin, "direction": direction, "memory": memory, "bytes": size, "copies_per_sample": n}),
                None,
            );
        }
        // Check the bytes really moved: H->D from one pattern, D->H back.
        host_dst.iter_mut().for_each(|x| *x = 0);
        let pattern: Vec<u8> = (0..size).map(|i| (i * 31 % 251) as u8).collect();
        hal.htod(device, a, &pattern)?;
        hal.dtod(device, b, a, size)?;
        hal.dtoh(device, &mut host_dst, b)?;
        if host_dst != pattern {
            return Err(format!("{plugin}: {size}-byte copy round trip returned different bytes"));
        }
        hal.mem_free(device, a)?;
        hal.mem_free(device, b)?;
    }
    Ok(())
}

pub fn size_label(size: usize) -> String {
    if size >= 1 << 20 {
        format!("{} MiB", size >> 20)
    } else {
        format!("{} KiB", size >> 10)
    }
}
