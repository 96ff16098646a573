//! Section 4 of the table: Copy bandwidth: synchronous H->D, D->H and D->D copies from 4 KiB to
//! 256 MiB, from pageable (Vec) and pinned (fhMemAllocHost) host memory, on
//! each plugin, against a plain host memcpy of the same size: the physical
//! limit when "device" memory is host memory, as it is for the CPU plugin and
//! lavapipe. The Vulkan plugin's forced-staging path needs its own process
//! (the variable is read once at plugin start): see child.rs.

use crate::measure::{gb_per_s, pair, seconds, seconds_of, Plan};
use crate::row::Better;
use crate::suite::{Label, Suite};
use flaghal_client::{Device, Hal, PinnedBuffer};
use flaghal_sys::fh_deviceptr_t;
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
pub fn repeats(size: usize) -> usize {
    ((16 << 20) / size).max(1)
}

/// The copy cases measured at every size: (direction, host memory).
pub const CASES: [(&str, &str); 5] = [
    ("H->D", "pageable"),
    ("H->D", "pinned"),
    ("D->H", "pageable"),
    ("D->H", "pinned"),
    ("D->D", "device"),
];

/// The device side of a copy row: two device buffers of `size` bytes and
/// the two kinds of host memory.
pub struct Buffers<'hal> {
    pub hal: &'hal Hal,
    pub device: Device,
    pub a: fh_deviceptr_t,
    pub b: fh_deviceptr_t,
    pub pageable: Vec<u8>,
    pub pinned: PinnedBuffer<'hal>,
    pub size: usize,
}

impl<'hal> Buffers<'hal> {
    pub fn new(hal: &'hal Hal, device: Device, size: usize) -> Result<Buffers<'hal>, String> {
        Ok(Buffers {
            hal,
            device,
            a: hal.mem_alloc(device, size)?,
            b: hal.mem_alloc(device, size)?,
            pageable: vec![7u8; size],
            // Zeroed, so every page is touched: first-use faults are not timed as transfer.
            pinned: PinnedBuffer::new(hal, device, size)?,
            size,
        })
    }

    /// `n` synchronous FlagHAL copies of one case.
    pub fn copies(&mut self, (direction, memory): (&str, &str), n: usize) -> Result<(), String> {
        let (hal, device) = (self.hal, self.device);
        for _ in 0..n {
            match (direction, memory) {
                ("H->D", "pageable") => hal.htod(device, self.a, &self.pageable)?,
                ("H->D", _) => hal.htod(device, self.a, &self.pinned)?,
                ("D->H", "pageable") => hal.dtoh(device, &mut self.pageable, self.a)?,
                ("D->H", _) => hal.dtoh(device, &mut self.pinned, self.a)?,
                _ => hal.dtod(device, self.b, self.a, self.size)?,
            }
        }
        Ok(())
    }

    /// Checks that the bytes really move: H->D from one pattern, D->D, D->H
    /// back; then frees the device buffers. `what` names the rows.
    pub fn check_and_free(self, what: &str) -> Result<(), String> {
        let (hal, device, size) = (self.hal, self.device, self.size);
        let pattern = pattern(size);
        let mut back = vec![0u8; size];
        hal.htod(device, self.a, &pattern)?;
        hal.dtod(device, self.b, self.a, size)?;
        hal.dtoh(device, &mut back, self.b)?;
        hal.mem_free(device, self.a)?;
        hal.mem_free(device, self.b)?;
        if back != pattern {
            return Err(format!("{what}: {size}-byte copy round trip returned different bytes"));
        }
        Ok(())
    }
}

/// The bytes every round-trip check sends.
pub fn pattern(size: usize) -> Vec<u8> {
    (0..size).map(|i| (i * 31 % 251) as u8).collect()
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
        let mut buffers = Buffers::new(hal, device, size)?;
        let host_dst = vec![3u8; size];
        let host_src = vec![5u8; size];
        let memcpy_rate = |dst: &mut Vec<u8>| gb_per_s(bytes, seconds_of(|| (0..n).for_each(|_| memcpy(dst, &host_src))));
        for case in CASES {
            let (direction, memory) = case;
            let mut baseline_dst = host_dst.clone();
            let result = pair(plan, || gb_per_s(bytes, seconds(|| buffers.copies(case, n))?), || memcpy_rate(&mut baseline_dst));
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
        buffers.check_and_free(plugin)?;
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
