//! The FlagHAL kernel language on the CPU device (include/flaghal/kernel/
//! native_cpu_threads.h): a block's threads run as fibers that meet at each
//! barrier, with the x86-64 context switch and with the portable ucontext
//! one; 3D thread indices; dynamic shared memory; a short blob reading as
//! zero; and a barrier in divergent control flow failing the launch with a
//! message instead of hanging or corrupting memory.

use flaghal_client::{from_bytes, Args, Hal};
use flaghal_integration::child::Scenario;
use flaghal_integration::paths;
use flaghal_kernel::{Build, SpirvFrom};
use flaghal_sys::*;
use std::path::PathBuf;

/// Builds `sources` (kernel-language files in tests/kernels/) into a native
/// CPU module with extra C flags, into a scratch folder named `tag`.
fn native_module(tag: &str, sources: &[&str], cflags: &[&str]) -> Vec<u8> {
    let dir = paths::scratch_dir(&format!("kernel-language-{tag}"));
    let mut build = Build::new(&dir);
    build.include = paths::include_dir();
    build.cflags = cflags.iter().map(|s| s.to_string()).chain(["-Werror".to_string()]).collect();
    let sources: Vec<PathBuf> = sources.iter().map(|s| paths::repo_root().join("tests/kernels").join(s)).collect();
    let built = build.bundle(&sources, &SpirvFrom::Skip, true).unwrap_or_else(|e| panic!("{e}"));
    built.native.expect("a native image")
}

/// barrier_rounds (tests/kernels/barrier_rounds.fhk) over a 3D launch: every
/// thread's record must show the right indices and a barrier-ordered sum.
fn check_barrier_rounds(hal: &Hal, module_bytes: &[u8], block: [u32; 3]) {
    let device = hal.device(0).unwrap();
    let module = hal.module_load(device, FH_MODULE_FORMAT_NATIVE_CPU, module_bytes).unwrap();
    let f = hal.get_function(module, "barrier_rounds").unwrap();
    let grid = [3u32, 2, 1];
    let threads = (block.iter().product::<u32>() * grid.iter().product::<u32>()) as usize;
    let out = hal.mem_alloc(device, threads * 16).unwrap();
    let s = hal.stream_create(device).unwrap();
    let per_block = block.iter().product::<u32>();
    let args = Args::new().u64(out).u32(5).finish();
    hal.launch(f, grid, block, 4 * per_block, s, &args).unwrap();
    hal.stream_synchronize(s).unwrap();
    let mut bytes = vec![0u8; threads * 16];
    hal.dtoh(device, &mut bytes, out).unwrap();
    let words = from_bytes::<u32>(&bytes);
    let mut seen = 0;
    for bz in 0..grid[2] {
        for by in 0..grid[1] {
            for bx in 0..grid[0] {
                let b = (bz * grid[1] + by) * grid[0] + bx;
                for t in 0..per_block {
                    let (tx, ty, tz) = (t % block[0], (t / block[0]) % block[1], t / (block[0] * block[1]));
                    let r = &words[((b * per_block + t) * 4) as usize..][..4];
                    assert_eq!(r[0], b, "thread {t} of block {b}: block index");
                    assert_eq!(r[1], tx | (ty << 10) | (tz << 20), "thread {t} of block {b}: thread index");
                    // The host runs the same 5 rounds, each reading all of
                    // the previous round (what the barriers guarantee).
                    let n = per_block;
                    let mut values: Vec<u32> = (0..n).collect();
                    for _ in 0..5 {
                        values = (0..n).map(|i| values[i as usize].wrapping_add(values[((i + 1) % n) as usize])).collect();
                    }
                    assert_eq!(r[2], values[t as usize], "thread {t} of block {b}: barrier-ordered sum");
                    assert_eq!(r[3], n * 4, "fh_dynamic_shared_size()");
                    seen += 1;
                }
            }
        }
    }
    assert_eq!(seen, threads);
    hal.mem_free(device, out).unwrap();
    hal.stream_destroy(s).unwrap();
    hal.module_unload(module).unwrap();
}

#[test]
fn barriers_order_every_round_with_both_context_switches() {
    let fast = native_module("asm", &["barrier_rounds.fhk"], &[]);
    let portable = native_module("ucontext", &["barrier_rounds.fhk"], &["-DFH_CPU_FIBERS_UCONTEXT"]);
    Scenario::cpu_only("barriers_order_every_round_with_both_context_switches").run(|hal| {
        for module in [&fast, &portable] {
            for block in [[1, 1, 1], [7, 1, 1], [4, 3, 2], [32, 8, 4], [1024, 1, 1]] {
                check_barrier_rounds(hal, module, block);
            }
        }
    });
}

#[test]
fn a_barrier_in_divergent_control_flow_fails_the_launch_and_says_so() {
    let module_bytes = native_module("divergent", &["divergent_barrier.fhk"], &[]);
    Scenario::cpu_only("a_barrier_in_divergent_control_flow_fails_the_launch_and_says_so").run(|hal| {
        let device = hal.device(0).unwrap();
        let module = hal.module_load(device, FH_MODULE_FORMAT_NATIVE_CPU, &module_bytes).unwrap();
        let f = hal.get_function(module, "divergent_barrier").unwrap();
        let out = hal.mem_alloc(device, 256).unwrap();
        let s = hal.stream_create(device).unwrap();
        let args = Args::new().u64(out).finish();
        hal.launch(f, [1, 1, 1], [64, 1, 1], 0, s, &args).unwrap();
        let failure = hal.stream_synchronize(s).unwrap_err();
        assert_eq!(failure.status, FH_ERROR_LAUNCH_FAILED);
        assert!(failure.message.contains("a barrier in divergent control flow"), "{}", failure.message);
        assert!(failure.message.contains("thread (1, 0, 0)"), "names the first thread that got there: {}", failure.message);
        // The stream stays usable and the failure is reported once.
        hal.stream_synchronize(s).unwrap();
        hal.mem_free(device, out).unwrap();
        hal.stream_destroy(s).unwrap();
        hal.module_unload(module).unwrap();
    });
}

#[test]
fn a_short_blob_reads_as_zero_past_its_end() {
    let module_bytes = native_module("short-blob", &["barrier_rounds.fhk"], &[]);
    Scenario::cpu_only("a_short_blob_reads_as_zero_past_its_end").run(|hal| {
        let device = hal.device(0).unwrap();
        let module = hal.module_load(device, FH_MODULE_FORMAT_NATIVE_CPU, &module_bytes).unwrap();
        let f = hal.get_function(module, "barrier_rounds").unwrap();
        let out = hal.mem_alloc(device, 64).unwrap();
        hal.memset(device, out, 0xFFFF_FFFF, 4, 16).unwrap();
        let s = hal.stream_create(device).unwrap();
        // The blob stops after `out`: `rounds` reads 0, so the sum is each
        // thread's own index (a native module records no parameter size,
        // so the loader lets the short blob through).
        let args = Args::new().u64(out).finish();
        hal.launch(f, [1, 1, 1], [4, 1, 1], 16, s, &args[..8]).unwrap();
        hal.stream_synchronize(s).unwrap();
        let mut bytes = vec![0u8; 64];
        hal.dtoh(device, &mut bytes, out).unwrap();
        let words = from_bytes::<u32>(&bytes);
        for t in 0..4 {
            assert_eq!(words[t * 4 + 2], t as u32, "thread {t}: zero rounds");
        }
        hal.mem_free(device, out).unwrap();
        hal.stream_destroy(s).unwrap();
        hal.module_unload(module).unwrap();
    });
}
