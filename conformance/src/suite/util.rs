//! Helpers shared by the test groups: statuses of results, byte patterns and
//! comparisons, and ways to keep a stream busy (a gated host function, or the
//! calibrated `spin` kernel).

use super::{Ctx, Stop, TestResult};
use flaghal_client::{Args, Stream};
use flaghal_sys as sys;
use std::ffi::c_void;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The status of a call result (FH_SUCCESS for Ok).
pub use flaghal_client::status_of;

/// Deterministic, position-dependent bytes (never all equal).
pub fn pattern(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    (0..len)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x as u8) ^ (i as u8)
        })
        .collect()
}

/// Fails with the first differing offset and the number of differences.
pub fn check_bytes(what: &str, got: &[u8], want: &[u8]) -> TestResult {
    if got.len() != want.len() {
        return Err(Stop::Fail(format!("{what}: {} bytes read back, {} expected", got.len(), want.len())));
    }
    if let Some(first) = got.iter().zip(want).position(|(a, b)| a != b) {
        let count = got.iter().zip(want).filter(|(a, b)| a != b).count();
        return Err(Stop::Fail(format!(
            "{what}: {count} of {} bytes differ; first at offset {first}: got 0x{:02x}, expected 0x{:02x}",
            got.len(),
            got[first],
            want[first]
        )));
    }
    Ok(())
}

/// Blocks covering `n` elements with blocks of `block`.
pub fn blocks_for(n: u64, block: u32) -> u32 {
    n.div_ceil(block as u64) as u32
}

/// The `spin` kernel's result: `iterations` LCG steps from `seed`, computed
/// in O(log n) by composing the affine map x -> a*x + c.
pub fn lcg_jump(seed: u32, mut iterations: u64) -> u32 {
    let (mut a, mut c) = (1_664_525u32, 1_013_904_223u32); // the map applied 2^k times
    let (mut acc_a, mut acc_c) = (1u32, 0u32); // the accumulated map
    while iterations > 0 {
        if iterations & 1 == 1 {
            acc_a = a.wrapping_mul(acc_a);
            acc_c = a.wrapping_mul(acc_c).wrapping_add(c);
        }
        c = a.wrapping_mul(c).wrapping_add(c);
        a = a.wrapping_mul(a);
        iterations >>= 1;
    }
    acc_a.wrapping_mul(seed).wrapping_add(acc_c)
}

pub fn spin_args(out: u64, iterations: u64, seed: u32) -> Vec<u8> {
    Args::new().u64(out).u64(iterations).u32(seed).finish()
}

/// The most iterations the suite asks of `spin` (docs/kernels.md): lavapipe
/// stops a shader after 65,535 loop iterations, and the SPIR-V port runs
/// 1,024 steps per iteration.
pub const SPIN_MAX_ITERATIONS: u64 = 60_000_000;

/// Spin iterations that keep the device busy for roughly 150 ms, measured
/// once per process with a small launch.
pub fn spin_iterations(ctx: &Ctx) -> Result<u64, Stop> {
    let mut cached = ctx.spin_iterations_cache().lock().unwrap_or_else(|e| e.into_inner());
    if let Some(n) = *cached {
        return Ok(n);
    }
    let f = ctx.function("spin")?;
    let out = ctx.hal.mem_alloc(ctx.device, 4)?;
    let stream = ctx.hal.stream_create(ctx.device)?;
    let mut probe = 100_000u64;
    let mut result = None;
    while probe <= SPIN_MAX_ITERATIONS {
        let start = Instant::now();
        ctx.hal.launch(f, [1, 1, 1], [1, 1, 1], 0, stream, &spin_args(out, probe, 7))?;
        ctx.hal.stream_synchronize(stream)?;
        let took = start.elapsed();
        if took >= Duration::from_millis(20) {
            let per = took.as_secs_f64() / probe as f64;
            result = Some(((0.15 / per) as u64).clamp(10_000, SPIN_MAX_ITERATIONS));
            break;
        }
        probe *= 8;
    }
    let n = result.unwrap_or(SPIN_MAX_ITERATIONS);
    ctx.hal.stream_destroy(stream)?;
    ctx.hal.mem_free(ctx.device, out)?;
    *cached = Some(n);
    Ok(n)
}

/// A host function (runs on the plugin's thread): waits until its gate opens
/// (at most 120 s, so a forgotten gate cannot hang a run forever).
unsafe extern "C" fn wait_for_gate(user_data: *mut c_void) {
    let _ = sys::ffi_boundary(
        || {
            // SAFETY: user_data is the leaked 'static AtomicBool of a Busy.
            let open = unsafe { sys::ptr::in_ref(user_data as *const AtomicBool, "gate") }?;
            let deadline = Instant::now() + Duration::from_secs(120);
            while !open.load(Ordering::Acquire) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_micros(200));
            }
            Ok(())
        },
        |_| {},
    );
}

/// Something that keeps a stream busy until released (or until a spin
/// kernel ends).
pub struct Busy {
    gate: Option<&'static AtomicBool>,
    /// Spin result location and expected value, when a kernel was used.
    pub spin: Option<(u64, u32)>,
}

impl Busy {
    pub fn release(&self) {
        if let Some(gate) = self.gate {
            gate.store(true, Ordering::Release);
        }
    }
    /// Whether the stream stays busy until `release` (a host-function gate),
    /// rather than for a calibrated time.
    pub fn gated(&self) -> bool {
        self.gate.is_some()
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.release();
    }
}

/// Queues work that keeps `stream` busy: a host function that waits for
/// `release` where FH_DEVICE_CAP_HOST_FUNC allows, else the spin kernel
/// (its result goes to `scratch`, 4 bytes).
pub fn make_busy(ctx: &Ctx, stream: Stream, scratch: u64) -> Result<Busy, Stop> {
    if ctx.props.has(sys::FH_DEVICE_CAP_HOST_FUNC) {
        let gate: &'static AtomicBool = Box::leak(Box::new(AtomicBool::new(false)));
        // SAFETY: the gate is leaked ('static), so user_data outlives the call.
        unsafe { ctx.hal.launch_host_func(stream, wait_for_gate, gate as *const AtomicBool as *mut c_void) }?;
        return Ok(Busy { gate: Some(gate), spin: None });
    }
    make_busy_kernel(ctx, stream, scratch, 1)
}

/// Queues the spin kernel for about `factor` x 150 ms; its result goes to
/// `scratch` (4 bytes) and should equal `Busy::spin`'s value.
pub fn make_busy_kernel(ctx: &Ctx, stream: Stream, scratch: u64, factor: u64) -> Result<Busy, Stop> {
    let n = (spin_iterations(ctx)? * factor).min(SPIN_MAX_ITERATIONS);
    let f = ctx.function("spin")?;
    ctx.hal.launch(f, [1, 1, 1], [1, 1, 1], 0, stream, &spin_args(scratch, n, 99))?;
    Ok(Busy { gate: None, spin: Some((scratch, lcg_jump(99, n))) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lcg_jump_equals_stepping() {
        for n in [0u64, 1, 2, 3, 17, 1000] {
            let mut x = 12345u32;
            for _ in 0..n {
                x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            }
            assert_eq!(lcg_jump(12345, n), x, "n = {n}");
        }
    }

    #[test]
    fn patterns_differ_by_seed_and_position() {
        let a = pattern(64, 1);
        assert_ne!(a, pattern(64, 2));
        assert!(a.windows(2).any(|w| w[0] != w[1]));
        assert!(check_bytes("x", &a, &pattern(64, 2)).is_err());
        assert!(check_bytes("x", &a, &a.clone()).is_ok());
    }
}
