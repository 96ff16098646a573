//! Section 8 of the table: the tiled matmul of the kernel language
//! (c-examples/kernels/matmul_tiled.fhk, one source) loaded as a module
//! bundle on every FlagHAL device, in GFLOP/s (2mnk / the time of launch +
//! synchronize), at square sizes and one ragged size, against baselines
//! measured in the same run, samples alternating:
//! - CPU plugin (the bundle's native image): the plain C i-k-j loop
//!   (kernels/cpu/matmul_loop.c, -O2, rows split over the cores) and, when
//!   python3 has numpy, numpy's `a @ b` (its BLAS, see src/matmul_numpy.rs);
//! - Vulkan plugin (the bundle's SPIR-V image): the same SPIR-V through raw
//!   ash on the same driver (same specialization constants, 128 bytes of
//!   push constants), so the ratio is FlagHAL's cost, not the kernel's.
//!
//! Every implementation's product is checked once per size against the exact
//! one (the inputs are small integers). Event-timed kernel time is recorded
//! beside each FlagHAL row (params and the note).

use crate::kernels::{matmul_args, matmul_grid, MATMUL_BLOCK, MATMUL_BUNDLE, MATMUL_SPV};
use crate::matmul_host::{c_loop, gflops, Problem, C_LOOP};
use crate::matmul_numpy::Numpy;
use crate::measure::{pair, seconds, seconds_of, Plan};
use crate::row::Better;
use crate::stats::summarize;
use crate::suite::{Label, Suite};
use crate::vk_raw::{self, AddressBuffer, Commands, Pipeline, RawVulkan};
use flaghal_client::{Device, Function, Hal, Stream};
use flaghal_sys::{fh_deviceptr_t, FH_EVENT_DEFAULT, FH_MODULE_FORMAT_BUNDLE};
use serde_json::json;

pub const GROUP: &str = "8. matmul (matmul_tiled.fhk bundle, 2mnk FLOP / time of launch + synchronize)";
const UNIT: &str = "GFLOP/s";

/// (m, n, k): square sizes, then a ragged one (no dimension a multiple of
/// the 64 x 64 tile, k not a multiple of the 16-deep slice).
fn sizes(s: &Suite) -> Vec<[usize; 3]> {
    s.pick(vec![[256, 256, 256], [512, 512, 512], [1024, 1024, 1024], [1000, 800, 600]], vec![[70, 50, 40]])
}

fn bytes_of(v: &[f32]) -> &[u8] {
    // SAFETY: f32 has no padding or invalid bit patterns as bytes.
    unsafe { std::slice::from_raw_parts(v.as_ptr().cast(), std::mem::size_of_val(v)) }
}

fn bytes_of_mut(v: &mut [f32]) -> &mut [u8] {
    // SAFETY: any byte pattern is a valid f32.
    unsafe { std::slice::from_raw_parts_mut(v.as_mut_ptr().cast(), std::mem::size_of_val(v)) }
}

/// One problem on one FlagHAL device: its buffers, stream and blob.
struct OnDevice {
    hal: &'static Hal,
    device: Device,
    function: Function,
    stream: Stream,
    buffers: [fh_deviceptr_t; 3],
    args: [u8; 40],
    grid: [u32; 3],
}

impl OnDevice {
    fn new(hal: &'static Hal, device: Device, function: Function, p: &Problem) -> Result<OnDevice, String> {
        let da = hal.mem_alloc(device, p.a.len() * 4)?;
        let db = hal.mem_alloc(device, p.b.len() * 4)?;
        let dc = hal.mem_alloc(device, p.want.len() * 4)?;
        hal.htod(device, da, bytes_of(&p.a))?;
        hal.htod(device, db, bytes_of(&p.b))?;
        let stream = hal.stream_create(device)?;
        let narrow = |v: usize| u32::try_from(v).map_err(|_| format!("size {v} too large"));
        let (m, n, k) = (narrow(p.m)?, narrow(p.n)?, narrow(p.k)?);
        Ok(OnDevice {
            hal,
            device,
            function,
            stream,
            buffers: [da, db, dc],
            args: matmul_args(da, db, dc, m, n, k),
            grid: matmul_grid(m, n),
        })
    }

    /// One product: launch + synchronize.
    fn pass(&self) -> Result<(), String> {
        self.hal.launch(self.function, self.grid, MATMUL_BLOCK, 0, self.stream, &self.args)?;
        Ok(self.hal.stream_synchronize(self.stream)?)
    }

    /// One pass over a c filled with NaN first, checked element by element.
    fn checked_pass(&self, what: &str, p: &Problem) -> Result<(), String> {
        let mut c = vec![f32::NAN; p.want.len()];
        self.hal.htod(self.device, self.buffers[2], bytes_of(&c))?;
        self.pass()?;
        self.hal.dtoh(self.device, bytes_of_mut(&mut c), self.buffers[2])?;
        p.check(what, &c)
    }

    /// Median kernel time in ms by events recorded around the launch.
    fn kernel_ms(&self, reps: usize) -> Result<f64, String> {
        let hal = self.hal;
        let (start, stop) = (hal.event_create(self.device, FH_EVENT_DEFAULT)?, hal.event_create(self.device, FH_EVENT_DEFAULT)?);
        let mut times = Vec::with_capacity(reps);
        let timed = (|| {
            for _ in 0..reps {
                hal.event_record(start, self.stream)?;
                hal.launch(self.function, self.grid, MATMUL_BLOCK, 0, self.stream, &self.args)?;
                hal.event_record(stop, self.stream)?;
                hal.stream_synchronize(self.stream)?;
                times.push(f64::from(hal.event_elapsed(start, stop)?));
            }
            Ok::<(), String>(())
        })();
        hal.event_destroy(start)?;
        hal.event_destroy(stop)?;
        timed?;
        summarize(&times).map(|s| s.median).ok_or_else(|| format!("event times {times:?}"))
    }

    fn free(self) -> Result<(), String> {
        self.hal.stream_destroy(self.stream)?;
        for b in self.buffers {
            self.hal.mem_free(self.device, b)?;
        }
        Ok(())
    }
}

/// The raw ash baseline: the matmul SPIR-V as a pipeline the way the plugin
/// builds it (constants 0..2 = block, 3 = 16 dynamic shared bytes, 4 = 4096
/// max_kernel_args_size as vendor-plugins/vulkan/src/module.rs sets them;
/// a 128-byte push-constant range).
struct RawMatmul<'a> {
    raw: &'a RawVulkan,
    pipe: Pipeline<'a>,
    cmds: Commands<'a>,
}

/// The plugin's push constants for a blob of up to 120 bytes: the blob, then
/// zeros to 128 (bytes 120..128 = no argument buffer), docs/kernels.md.
fn push_constants(blob: &[u8]) -> [u8; 128] {
    let mut push = [0u8; 128];
    push[..blob.len()].copy_from_slice(blob);
    push
}

impl<'a> RawMatmul<'a> {
    fn new(raw: &'a RawVulkan) -> Result<RawMatmul<'a>, String> {
        let [bx, by, bz] = MATMUL_BLOCK;
        let pipe = Pipeline::with_constants(raw, MATMUL_SPV, c"matmul_tiled", &[bx, by, bz, 16, 4096], 128)?;
        Ok(RawMatmul { raw, pipe, cmds: Commands::new(raw, 1)? })
    }

    /// Rows for one size: the plugin's pass alternating with raw ash's.
    fn row(&self, p: &Problem, plan: Plan, mut plugin_pass: impl FnMut() -> Result<(), String>) -> Result<(crate::stats::Summary, crate::stats::Summary), String> {
        let mut a = AddressBuffer::new(self.raw, p.a.len() * 4)?;
        let mut b = AddressBuffer::new(self.raw, p.b.len() * 4)?;
        let mut c = AddressBuffer::new(self.raw, p.want.len() * 4)?;
        a.floats().copy_from_slice(&p.a);
        b.floats().copy_from_slice(&p.b);
        c.floats().fill(f32::NAN);
        let narrow = |v: usize| v as u32;
        let push = push_constants(&matmul_args(a.address, b.address, c.address, narrow(p.m), narrow(p.n), narrow(p.k)));
        let grid = matmul_grid(narrow(p.m), narrow(p.n));
        let raw_pass = || -> Result<(), String> {
            let cmd = self.cmds.begin(0)?;
            self.pipe.record_grid(cmd, grid, &push);
            self.cmds.end(cmd)?;
            self.cmds.submit(cmd, true)?;
            self.cmds.wait()
        };
        raw_pass()?;
        p.check("raw ash matmul_tiled", c.floats())?;
        let flop = p.flop();
        pair(plan, || gflops(flop, seconds(&mut plugin_pass)?), || gflops(flop, seconds(raw_pass)?))
    }
}

/// The note of a FlagHAL row: the kernel time its events measured in
/// `reps` launches after the row's samples (not alternated, so it moves
/// with the machine's load more than the row does).
fn events_note(plugin: &str, p: &Problem, ms: f64, reps: usize) -> String {
    format!(
        "{plugin} plugin matmul {}: kernel time by events {ms:.2} ms = {:.2} GFLOP/s (median of {reps} launches after the row)",
        p.shape(),
        p.flop() / (ms * 1e-3) / 1e9
    )
}

pub fn run(s: &mut Suite) -> Result<(), String> {
    let plan = s.plan(Plan { warmup: 1, reps: 9 }, Plan { warmup: 1, reps: 3 });
    let event_reps = s.pick(5, 1);
    let hal = s.hal;
    let cpu = match s.cpu {
        Some(d) => Some(hal.get_function(hal.module_load(d, FH_MODULE_FORMAT_BUNDLE, MATMUL_BUNDLE)?, "matmul_tiled")?),
        None => {
            s.skip("matmul (cpu)", "no device of this plugin");
            None
        }
    };
    let vulkan = match s.vulkan {
        Some(d) => Some(hal.get_function(hal.module_load(d, FH_MODULE_FORMAT_BUNDLE, MATMUL_BUNDLE)?, "matmul_tiled")?),
        None => {
            s.skip("matmul (vulkan)", "no device of this plugin");
            None
        }
    };
    // numpy is optional and never part of --smoke (CI does not install it).
    let mut numpy = if s.smoke || cpu.is_none() {
        None
    } else {
        match Numpy::start()? {
            Ok(n) => {
                s.machine.insert("numpy".into(), n.info.clone());
                Some(n)
            }
            Err(why) => {
                s.skip("matmul numpy baseline", &why);
                None
            }
        }
    };
    let raw = if vulkan.is_some() { Some(vk_raw::create()?) } else { None };
    let raw_matmul = raw.as_ref().map(RawMatmul::new).transpose()?;
    for [m, n, k] in sizes(s) {
        let p = Problem::new(m, n, k)?;
        let params = |device: &str, kernel_ms: f64| {
            json!({"m": m, "n": n, "k": k, "flop": p.flop(), "device": device, "kernel_ms_events": kernel_ms,
                   "kernel_gflops_events": p.flop() / (kernel_ms * 1e-3) / 1e9})
        };
        if let (Some(device), Some(function)) = (s.cpu, cpu) {
            let on = OnDevice::new(hal, device, function, &p)?;
            on.checked_pass("cpu plugin matmul_tiled", &p)?;
            let mut host_c = vec![f32::NAN; p.want.len()];
            c_loop(&p, &mut host_c);
            p.check(C_LOOP, &host_c)?;
            let flop = p.flop();
            let result = pair(plan, || gflops(flop, seconds(|| on.pass())?), || gflops(flop, seconds_of(|| c_loop(&p, &mut host_c))))?;
            let ms = on.kernel_ms(event_reps)?;
            let note = events_note("cpu", &p, ms, event_reps);
            let name = format!("cpu plugin (native image), {}", p.shape());
            s.add(Label { group: GROUP, name: name.clone(), baseline: C_LOOP, unit: UNIT, better: Better::Higher }, result, params("cpu", ms), Some(note));
            if let Some(np) = numpy.as_mut() {
                np.prepare(&p)?;
                let result = pair(plan, || gflops(flop, seconds(|| on.pass())?), || gflops(flop, np.run()?))?;
                let baseline = format!("{} a @ b", np.describe());
                s.add(Label { group: GROUP, name, baseline: &baseline, unit: UNIT, better: Better::Higher }, result, params("cpu", ms), None);
            }
            on.free()?;
        }
        if let (Some(device), Some(function), Some(raw_matmul)) = (s.vulkan, vulkan, raw_matmul.as_ref()) {
            let on = OnDevice::new(hal, device, function, &p)?;
            on.checked_pass("vulkan plugin matmul_tiled", &p)?;
            let result = raw_matmul.row(&p, plan, || on.pass())?;
            let ms = on.kernel_ms(event_reps)?;
            let note = events_note("vulkan", &p, ms, event_reps);
            let driver = raw.as_ref().map(|r| r.name.clone()).unwrap_or_default();
            let mut params = params("vulkan", ms);
            params["driver"] = json!(driver);
            s.add(
                Label {
                    group: GROUP,
                    name: format!("vulkan plugin (SPIR-V image), {}", p.shape()),
                    baseline: "raw ash, same SPIR-V, constants and driver",
                    unit: UNIT,
                    better: Better::Higher,
                },
                result,
                params,
                Some(note),
            );
            on.free()?;
        }
    }
    drop(raw_matmul);
    drop(raw);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_constants_are_the_blob_then_zeros_to_128() {
        let blob = matmul_args(0x11, 0x22, 0x33, 1, 2, 3);
        let push = push_constants(&blob);
        assert_eq!(&push[..40], &blob[..]);
        assert!(push[40..].iter().all(|&b| b == 0));
    }
}
