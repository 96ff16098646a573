//! Kernel execution: ragged grids element by element, shared memory,
//! atomics, all cores, deferred failures, launch checks.

use crate::support::*;
use flaghal_sys::*;
use std::sync::atomic::{AtomicU32, Ordering};

#[repr(C)]
struct FillIndexArgs {
    out: u64,
    nx: u32,
    ny: u32,
    nz: u32,
}

/// Launches fill_index over an nx*ny*nz box and checks every element, and
/// that the guard elements past the box were not written.
fn check_fill_index(n: [u32; 3], block: [u32; 3]) {
    let p = plugin();
    let module = p.load_test_kernels();
    let kernel = p.function(module, c"fill_index");
    let stream = p.stream();
    let count = (n[0] * n[1] * n[2]) as usize;
    let guard = 64;
    let out = p.alloc((count + guard) * 4);
    assert_eq!(p.memset(out, 0xFFFF_FFFF, 4, count + guard), FH_SUCCESS);
    let grid = [n[0].div_ceil(block[0]), n[1].div_ceil(block[1]), n[2].div_ceil(block[2])];
    let args = FillIndexArgs { out, nx: n[0], ny: n[1], nz: n[2] };
    assert_eq!(p.launch(kernel, grid, block, 0, stream, &args), FH_SUCCESS, "{}", take_detail());
    assert_eq!(p.sync(stream), FH_SUCCESS, "{}", take_detail());
    let values = p.read_u32s(out, count + guard);
    for (i, v) in values[..count].iter().enumerate() {
        assert_eq!(*v, i as u32 + 1, "element {i} of {n:?} with block {block:?}");
    }
    assert!(values[count..].iter().all(|v| *v == 0xFFFF_FFFF), "nothing written past the box");
    p.destroy_stream(stream);
    assert_eq!(p.free(out), FH_SUCCESS);
    p.unload(module);
}

#[test]
fn ragged_1d_grid() {
    check_fill_index([1000, 1, 1], [128, 1, 1]);
}

#[test]
fn ragged_2d_grid() {
    check_fill_index([37, 19, 1], [8, 4, 1]);
}

#[test]
fn ragged_3d_grid() {
    check_fill_index([13, 7, 5], [4, 4, 2]);
}

#[test]
fn vector_add_with_many_blocks() {
    #[repr(C)]
    struct Args {
        a: u64,
        b: u64,
        c: u64,
        n: u32,
    }
    let p = plugin();
    let module = p.load_test_kernels();
    let kernel = p.function(module, c"vector_add");
    let stream = p.stream();
    let n = 100_003u32;
    let bytes = n as usize * 4;
    let (a, b, c) = (p.alloc(bytes), p.alloc(bytes), p.alloc(bytes));
    let av: Vec<f32> = (0..n).map(|i| i as f32).collect();
    let bv: Vec<f32> = (0..n).map(|i| (2 * i) as f32 + 0.5).collect();
    let to_bytes = |v: &[f32]| v.iter().flat_map(|x| x.to_ne_bytes()).collect::<Vec<u8>>();
    assert_eq!(p.htod(a, &to_bytes(&av)), FH_SUCCESS);
    assert_eq!(p.htod(b, &to_bytes(&bv)), FH_SUCCESS);
    let args = Args { a, b, c, n };
    assert_eq!(p.launch(kernel, [n.div_ceil(256), 1, 1], [256, 1, 1], 0, stream, &args), FH_SUCCESS);
    assert_eq!(p.sync(stream), FH_SUCCESS);
    let mut out = vec![0u8; bytes];
    assert_eq!(p.dtoh(&mut out, c), FH_SUCCESS);
    for (i, chunk) in out.chunks_exact(4).enumerate() {
        assert_eq!(f32::from_ne_bytes(chunk.try_into().unwrap()), av[i] + bv[i], "element {i}");
    }
    p.destroy_stream(stream);
    for ptr in [a, b, c] {
        assert_eq!(p.free(ptr), FH_SUCCESS);
    }
    p.unload(module);
}

#[test]
fn each_block_gets_its_own_aligned_shared_memory() {
    let p = plugin();
    let module = p.load_test_kernels();
    let kernel = p.function(module, c"block_reverse");
    assert_eq!(p.attribute(kernel, FH_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES), (FH_SUCCESS, 64));
    let stream = p.stream();
    let (blocks, threads) = (200u32, 256u32);
    let count = (blocks * threads) as usize;
    let data = p.alloc(count * 4);
    let input: Vec<u32> = (0..count as u32).collect();
    p.write_u32s(data, &input);
    let dynamic = threads * 4;
    assert_eq!(p.launch(kernel, [blocks, 1, 1], [threads, 1, 1], dynamic, stream, &data), FH_SUCCESS);
    assert_eq!(p.sync(stream), FH_SUCCESS, "{}", take_detail());
    let out = p.read_u32s(data, count);
    for block in 0..blocks as usize {
        for t in 0..threads as usize {
            let i = block * threads as usize + t;
            assert_eq!(out[i], input[block * threads as usize + threads as usize - 1 - t], "element {i}");
        }
    }
    p.destroy_stream(stream);
    assert_eq!(p.free(data), FH_SUCCESS);
    p.unload(module);
}

#[test]
fn atomics_across_concurrent_blocks() {
    #[repr(C)]
    struct Args {
        counter: u64,
        sum: u64,
        per_block: u64,
    }
    let p = plugin();
    let module = p.load_test_kernels();
    let kernel = p.function(module, c"atomics");
    let stream = p.stream();
    let (grid, threads) = ([50u32, 4, 1], 100u32);
    let blocks = (grid[0] * grid[1]) as usize;
    let (counter, sum, per_block) = (p.alloc(8), p.alloc(4), p.alloc(blocks * 4));
    for (ptr, len) in [(counter, 8), (sum, 4), (per_block, blocks * 4)] {
        assert_eq!(p.memset(ptr, 0, 1, len), FH_SUCCESS);
    }
    let args = Args { counter, sum, per_block };
    assert_eq!(p.launch(kernel, grid, [threads, 1, 1], 0, stream, &args), FH_SUCCESS);
    assert_eq!(p.sync(stream), FH_SUCCESS);
    let total = blocks as u32 * threads;
    let mut c = [0u8; 8];
    assert_eq!(p.dtoh(&mut c, counter), FH_SUCCESS);
    assert_eq!(i64::from_ne_bytes(c), i64::from(total));
    let s = p.read_u32s(sum, 1)[0];
    assert_eq!(f32::from_bits(s), total as f32);
    assert!(p.read_u32s(per_block, blocks).iter().all(|n| *n == threads));
    p.destroy_stream(stream);
    for ptr in [counter, sum, per_block] {
        assert_eq!(p.free(ptr), FH_SUCCESS);
    }
    p.unload(module);
}

#[test]
fn blocks_run_concurrently_on_all_cores() {
    #[repr(C)]
    struct Args {
        arrived: u64,
        expected: u32,
    }
    let _serial = serial(); // the pool must not be busy with another test's blocks
    let p = plugin();
    let cores = std::thread::available_parallelism().unwrap().get() as u32;
    let module = p.load_test_kernels();
    let kernel = p.function(module, c"rendezvous");
    let stream = p.stream();
    let arrived = p.alloc(4);
    assert_eq!(p.memset(arrived, 0, 4, 1), FH_SUCCESS);
    let args = Args { arrived, expected: cores };
    assert_eq!(p.launch(kernel, [cores, 1, 1], [1, 1, 1], 0, stream, &args), FH_SUCCESS);
    assert_eq!(p.sync(stream), FH_SUCCESS, "{}", take_detail());
    assert_eq!(p.read_u32s(arrived, 1), vec![cores]);
    p.destroy_stream(stream);
    assert_eq!(p.free(arrived), FH_SUCCESS);
    p.unload(module);
}

#[repr(C)]
struct FailArgs {
    bad_block: u32,
    pad: u32,
    ran: u64,
}

#[test]
fn a_kernel_failure_is_reported_once_by_the_next_stream_sync() {
    let _serial = serial();
    let p = plugin();
    let module = p.load_test_kernels();
    let kernel = p.function(module, c"fail_in_block");
    let stream = p.stream();
    let ran = p.alloc(4);
    assert_eq!(p.memset(ran, 0, 4, 1), FH_SUCCESS);
    let args = FailArgs { bad_block: 3, pad: 0, ran };
    assert_eq!(p.launch(kernel, [8, 1, 1], [1, 1, 1], 0, stream, &args), FH_SUCCESS, "queuing succeeds");
    assert_eq!(p.sync(stream), FH_ERROR_LAUNCH_FAILED);
    let detail = take_detail();
    assert!(detail.contains("fail_in_block") && detail.contains("block (3, 0, 0)"), "{detail}");
    assert!(detail.contains("refusing to run this block"), "{detail}");
    assert_eq!(p.sync(stream), FH_SUCCESS, "reported once");
    assert_eq!(p.device_sync(), FH_SUCCESS, "not again by the device");
    // The stream stays usable.
    let ok = FailArgs { bad_block: 1000, pad: 0, ran };
    assert_eq!(p.memset(ran, 0, 4, 1), FH_SUCCESS);
    assert_eq!(p.launch(kernel, [8, 1, 1], [1, 1, 1], 0, stream, &ok), FH_SUCCESS);
    assert_eq!(p.sync(stream), FH_SUCCESS);
    assert_eq!(p.read_u32s(ran, 1), vec![8]);
    p.destroy_stream(stream);
    assert_eq!(p.free(ran), FH_SUCCESS);
    p.unload(module);
}

#[test]
fn a_kernel_failure_reaches_device_and_event_synchronisation() {
    let _serial = serial();
    let p = plugin();
    let module = p.load_test_kernels();
    let kernel = p.function(module, c"fail_in_block");
    let (s1, s2) = (p.stream(), p.stream());
    let ran = p.alloc(4);
    let args = FailArgs { bad_block: 0, pad: 0, ran };
    assert_eq!(p.launch(kernel, [1, 1, 1], [1, 1, 1], 0, s1, &args), FH_SUCCESS);
    assert_eq!(p.device_sync(), FH_ERROR_LAUNCH_FAILED);
    assert!(take_detail().contains("refusing"));
    assert_eq!(p.sync(s1), FH_SUCCESS, "the device sync consumed it");
    // Through an event recorded after the failing launch.
    let event = p.event(FH_EVENT_DEFAULT);
    assert_eq!(p.launch(kernel, [1, 1, 1], [1, 1, 1], 0, s2, &args), FH_SUCCESS);
    p.record(event, s2);
    assert_eq!(p.event_sync(event), FH_ERROR_LAUNCH_FAILED);
    assert_eq!(p.event_sync(event), FH_SUCCESS, "once");
    assert_eq!(p.sync(s2), FH_SUCCESS);
    p.destroy_event(event);
    p.destroy_stream(s1);
    p.destroy_stream(s2);
    assert_eq!(p.free(ran), FH_SUCCESS);
    p.unload(module);
}

#[test]
fn a_running_kernel_keeps_its_stream_not_ready() {
    #[repr(C)]
    struct Args {
        flag: u64,
        done: u64,
    }
    let p = plugin();
    let module = p.load_test_kernels();
    let kernel = p.function(module, c"wait_for_flag");
    let stream = p.stream();
    let (flag, done) = (p.alloc(4), p.alloc(4));
    p.write_u32s(flag, &[0]);
    p.write_u32s(done, &[0]);
    let args = Args { flag, done };
    assert_eq!(p.launch(kernel, [1, 1, 1], [1, 1, 1], 0, stream, &args), FH_SUCCESS);
    assert_eq!(p.query(stream), FH_ERROR_NOT_READY);
    // Unloading with the launch pending keeps the code alive until it ends.
    p.unload(module);
    assert_eq!(p.query(stream), FH_ERROR_NOT_READY);
    // Device memory is host memory (HOST_ACCESSIBLE_MEMORY): open the flag directly.
    // SAFETY: `flag` is a live 4-byte, 4-aligned allocation.
    unsafe { &*(flag as usize as *const AtomicU32) }.store(1, Ordering::SeqCst);
    assert_eq!(p.sync(stream), FH_SUCCESS);
    assert_eq!(p.read_u32s(done, 1), vec![1]);
    p.destroy_stream(stream);
    assert_eq!(p.free(flag), FH_SUCCESS);
    assert_eq!(p.free(done), FH_SUCCESS);
}

#[test]
fn launches_beyond_the_limits_are_invalid_configurations() {
    let p = plugin();
    let module = p.load_test_kernels();
    let limited = p.function(module, c"limited");
    let stream = p.stream();
    let args = 0u64;
    assert_eq!(p.launch(limited, [1, 1, 1], [64, 1, 1], 0, stream, &args), FH_SUCCESS);
    assert_eq!(p.launch(limited, [1, 1, 1], [65, 1, 1], 0, stream, &args), FH_ERROR_INVALID_CONFIGURATION);
    assert!(take_detail().contains("allows at most 64"));
    assert_eq!(p.launch(limited, [0, 1, 1], [1, 1, 1], 0, stream, &args), FH_ERROR_INVALID_CONFIGURATION);
    assert_eq!(p.launch(limited, [1, 1, 1], [1, 1, 65], 0, stream, &args), FH_ERROR_INVALID_CONFIGURATION);
    assert_eq!(p.launch(limited, [1, 65536, 1], [1, 1, 1], 0, stream, &args), FH_ERROR_INVALID_CONFIGURATION);
    // 1 KiB static + 63 KiB dynamic fits; one byte more does not.
    assert_eq!(p.launch(limited, [1, 1, 1], [1, 1, 1], 63 * 1024, stream, &args), FH_SUCCESS);
    assert_eq!(p.launch(limited, [1, 1, 1], [1, 1, 1], 63 * 1024 + 1, stream, &args), FH_ERROR_INVALID_CONFIGURATION);
    let big = [0u8; 4097];
    assert_eq!(p.launch(limited, [1, 1, 1], [1, 1, 1], 0, stream, &big), FH_ERROR_INVALID_CONFIGURATION);
    assert_eq!(p.sync(stream), FH_SUCCESS);
    p.destroy_stream(stream);
    p.unload(module);
}

#[test]
fn kernels_may_keep_megabytes_on_the_stack() {
    let p = plugin();
    let module = p.load_test_kernels();
    let kernel = p.function(module, c"big_stack");
    let stream = p.stream();
    let blocks = 6u32;
    let out = p.alloc(blocks as usize * 4);
    assert_eq!(p.launch(kernel, [blocks, 1, 1], [1, 1, 1], 0, stream, &out), FH_SUCCESS);
    assert_eq!(p.sync(stream), FH_SUCCESS);
    assert_eq!(p.read_u32s(out, blocks as usize), (1..=blocks).collect::<Vec<_>>());
    p.destroy_stream(stream);
    assert_eq!(p.free(out), FH_SUCCESS);
    p.unload(module);
}
