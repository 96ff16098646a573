//! Section 5 of the table: Allocation: fhMemAlloc/fhMemFree pairs per second from 256 B to 1 MiB.
//! The Vulkan plugin is compared with one raw vkAllocateMemory +
//! vkFreeMemory per allocation on the same driver; the CPU plugin, whose
//! device memory is host memory, with the host allocator at the same
//! 256-byte alignment (std::alloc, i.e. malloc/posix_memalign).

use crate::measure::{pair, per_second, seconds, Plan};
use crate::row::Better;
use crate::suite::{Label, Suite};
use crate::vk_raw;
use ash::vk;
use flaghal_client::{Device, Hal};
use serde_json::json;
use std::alloc::Layout;

const GROUP: &str = "5. allocation (alloc + free pairs)";

pub fn sizes(smoke: bool) -> Vec<usize> {
    if smoke {
        vec![256, 1 << 20]
    } else {
        vec![256, 4 << 10, 64 << 10, 1 << 20]
    }
}

/// fhMemAlloc + fhMemFree pairs per second on `device`.
fn flaghal_pairs(hal: &Hal, device: Device, size: usize, pairs: usize) -> Result<f64, String> {
    per_second(
        pairs,
        seconds(|| {
            (0..pairs).try_for_each(|_| {
                let p = hal.mem_alloc(device, size)?;
                Ok::<(), String>(hal.mem_free(device, p)?)
            })
        })?,
    )
}

pub fn run(s: &mut Suite) -> Result<(), String> {
    let hal = s.hal;
    let plan = s.plan(Plan { warmup: 1, reps: 11 }, Plan { warmup: 1, reps: 3 });
    let pairs = s.pick(2000, 200);
    let raw = if s.vulkan.is_some() { Some(vk_raw::create()?) } else { None };
    for size in sizes(s.smoke) {
        if let Some(device) = s.cpu {
            let layout = Layout::from_size_align(size, 256).map_err(|e| e.to_string())?;
            let result = pair(
                plan,
                || flaghal_pairs(hal, device, size, pairs),
                || {
                    per_second(
                        pairs,
                        seconds(|| {
                            for _ in 0..pairs {
                                // SAFETY: a non-zero size layout; freed with the same layout.
                                let p = unsafe { std::alloc::alloc(layout) };
                                if p.is_null() {
                                    return Err("host allocation failed".to_string());
                                }
                                // SAFETY: allocated just above with `layout`.
                                unsafe { std::alloc::dealloc(std::hint::black_box(p), layout) };
                            }
                            Ok(())
                        })?,
                    )
                },
            )?;
            s.add(
                Label {
                    group: GROUP,
                    name: format!("cpu plugin {}", label(size)),
                    baseline: "host allocator (256-byte aligned)",
                    unit: "pairs/s",
                    better: Better::Higher,
                },
                result,
                json!({"plugin": "cpu", "bytes": size, "pairs_per_sample": pairs}),
                None,
            );
        }
        if let (Some(device), Some(raw)) = (s.vulkan, raw.as_ref()) {
            let info = vk::MemoryAllocateInfo::default().allocation_size(size as u64).memory_type_index(raw.memory_type);
            let result = pair(
                plan,
                || flaghal_pairs(hal, device, size, pairs),
                || {
                    per_second(
                        pairs,
                        seconds(|| {
                            for _ in 0..pairs {
                                // SAFETY: a valid allocate info on a live device.
                                let m = unsafe { raw.device.allocate_memory(&info, None) }.map_err(|e| format!("vkAllocateMemory: {e:?}"))?;
                                // SAFETY: allocated just above, unused.
                                unsafe { raw.device.free_memory(m, None) };
                            }
                            Ok(())
                        })?,
                    )
                },
            )?;
            s.add(
                Label {
                    group: GROUP,
                    name: format!("vulkan plugin {}", label(size)),
                    baseline: "raw vkAllocateMemory + vkFreeMemory",
                    unit: "pairs/s",
                    better: Better::Higher,
                },
                result,
                json!({"plugin": "vulkan", "bytes": size, "pairs_per_sample": pairs}),
                None,
            );
        }
    }
    Ok(())
}

fn label(size: usize) -> String {
    if size >= 1 << 20 {
        format!("{} MiB", size >> 20)
    } else if size >= 1 << 10 {
        format!("{} KiB", size >> 10)
    } else {
        format!("{size} B")
    }
}
