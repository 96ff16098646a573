//! Group `kernels`: module loading and lookup, rejected images, ragged
//! 1D/2D/3D grids checked element by element, block and argument limits,
//! shared memory with barriers, atomics, launch failures, unload while queued.

use super::util::{blocks_for, check_bytes, lcg_jump, make_busy, make_busy_kernel, pattern, spin_args, status_of};
use super::{core, optional, Ctx, Stop, TestDef, TestResult};
use crate::{ensure, expect_status};
use flaghal_client::{from_bytes, to_bytes, Args, Function, Stream};
use flaghal_sys as sys;

pub fn tests() -> Vec<TestDef> {
    vec![
        core("kernels.load_and_find", "every reference kernel loads and is found by name; modules are independent", load_and_find),
        core("kernels.unknown_name", "an unknown kernel name is NOT_FOUND and writes nothing", unknown_name),
        core("kernels.bad_images", "garbage, truncated and tiny images are INVALID_IMAGE", bad_images),
        core("kernels.grid_1d_ragged", "fill_u32 and vector_add_f32 over ragged 1D sizes, every element and the guard checked", grid_1d),
        core("kernels.grid_2d_ragged", "scale_index_3d over ragged 2D grids, every element checked", grid_2d),
        core("kernels.grid_3d_ragged", "scale_index_3d over ragged 3D grids, every element checked", grid_3d),
        core("kernels.block_limits", "max_threads_per_block works; max+1, zero dims and oversize grids are refused", block_limits),
        core("kernels.args_blob", "u32/u64/f32/pointer fields of the argument blob arrive intact", args_blob),
        core("kernels.args_size_limit", "a blob of max_kernel_args_size works; one byte more is refused", args_size_limit),
        core("kernels.shared_memory_barrier", "block_reduce_shared: dynamic shared memory and barriers; over-limit refused", shared_memory),
        core("kernels.function_attributes", "function attributes are within the device limits; unknown refused", function_attributes),
        core("kernels.atomic_add_u32", "32-bit atomic adds from every thread of a 3D launch", atomic_u32),
        optional("kernels.atomic_add_u64", sys::FH_DEVICE_CAP_ATOMIC_INT64, "64-bit atomic adds", atomic_u64),
        optional("kernels.atomic_add_f32", sys::FH_DEVICE_CAP_ATOMIC_FLOAT32, "32-bit float atomic adds", atomic_f32),
        core("kernels.spin_busy", "the spin kernel computes its documented value and keeps the stream NOT_READY while it runs", spin_busy),
        core("kernels.unload_while_queued", "unloading a module with a queued launch keeps the code alive", unload_while_queued),
    ]
}

/// Launches and synchronises, turning errors into failures that name the launch.
fn run(ctx: &Ctx, f: Function, grid: [u32; 3], block: [u32; 3], shared: u32, stream: Stream, args: &[u8]) -> TestResult {
    ctx.hal.launch(f, grid, block, shared, stream, args).map_err(|e| Stop::Fail(format!("grid {grid:?} block {block:?}: {e}")))?;
    ctx.hal.stream_synchronize(stream).map_err(|e| Stop::Fail(format!("grid {grid:?} block {block:?}: {e}")))?;
    Ok(())
}

/// The largest 1D block `f` may be launched with: the device's limits and
/// the function's own FH_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK.
fn max_block(ctx: &Ctx, f: Function) -> Result<u32, Stop> {
    let own = ctx.hal.function_attribute(f, sys::FH_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK)?.max(1) as u32;
    Ok(ctx.props.0.max_threads_per_block.min(ctx.props.0.max_block_dim[0]).min(own))
}

fn load_and_find(ctx: &Ctx) -> TestResult {
    let hal = &ctx.hal;
    ensure!(!ctx.kernels.modules.is_empty(), "no reference kernels for this device's formats {:?}", ctx.props.formats());
    for (name, f1) in ctx.runnable_kernels()? {
        let f2 = ctx.function(&name)?;
        ensure!(!f1.0.is_null() && !f2.0.is_null(), "fhModuleGetFunction({name}) returned NULL");
    }
    // Two loads of the same bytes are independent modules.
    let Some(bytes) = ctx.kernels.get("fill_u32") else {
        return Err(Stop::Unsupported("reference kernel fill_u32 missing".into()));
    };
    let m1 = hal.module_load(ctx.device, ctx.kernels.format, bytes)?;
    let m2 = hal.module_load(ctx.device, ctx.kernels.format, bytes)?;
    let f = hal.get_function(m2, "fill_u32")?;
    hal.module_unload(m1)?;
    let out = hal.mem_alloc(ctx.device, 256)?;
    let stream = hal.stream_create(ctx.device)?;
    run(ctx, f, [1, 1, 1], [64, 1, 1], 0, stream, &Args::new().u64(out).u32(0xC0FFEE).u32(64).finish())?;
    ensure!(from_bytes::<u32>(&hal.read(ctx.device, out, 256)?).iter().all(|w| *w == 0xC0FFEE), "fill_u32 from a second module misbehaved after the first was unloaded");
    hal.module_unload(m2)?;
    hal.stream_destroy(stream)?;
    hal.mem_free(ctx.device, out)?;
    Ok(())
}

fn unknown_name(ctx: &Ctx) -> TestResult {
    let bytes = ctx.kernels.get("fill_u32").ok_or_else(|| Stop::Unsupported("reference kernel fill_u32 missing".into()))?;
    let m = ctx.hal.module_load(ctx.device, ctx.kernels.format, bytes)?;
    for name in ["no_such_kernel", "", "fill_u3", "fill_u32_", "FILL_U32"] {
        let c = std::ffi::CString::new(name).unwrap_or_default();
        let sentinel = 0x5555usize as sys::fh_function_t;
        let mut f = sentinel;
        // SAFETY: c is NUL-terminated; f is a valid out pointer.
        let rc = unsafe { ctx.hal.raw().fhModuleGetFunction(m.0, c.as_ptr(), &mut f) };
        expect_status!(rc, sys::FH_ERROR_NOT_FOUND, "fhModuleGetFunction('{name}')");
        ensure!(f == sentinel, "fhModuleGetFunction('{name}') failed but wrote a handle");
    }
    let mut f: sys::fh_function_t = std::ptr::null_mut();
    // SAFETY: NULL name is the case under test.
    let rc = unsafe { ctx.hal.raw().fhModuleGetFunction(m.0, std::ptr::null(), &mut f) };
    expect_status!(rc, sys::FH_ERROR_INVALID_VALUE, "fhModuleGetFunction(name NULL)");
    ctx.hal.module_unload(m)?;
    Ok(())
}

/// The plugin's own checks of module bytes, in the format it loads: the
/// image of the reference bundle the device takes (the bundle itself is the
/// loader's to check: kernels.bad_bundles).
fn bad_images(ctx: &Ctx) -> TestResult {
    let Some((format, good)) = ctx.kernels.image.clone() else {
        return Err(Stop::Fail(format!("no reference kernels for this device's formats {:?}", ctx.props.formats())));
    };
    let good: &[u8] = &good;
    let mut cases: Vec<(String, Vec<u8>)> = vec![
        ("4 KiB of random bytes".into(), pattern(4096, 1)),
        ("1 byte".into(), vec![0x7f]),
        ("16 zero bytes".into(), vec![0; 16]),
        (format!("the first half of a valid module ({} of {} B)", good.len() / 2, good.len()), good[..good.len() / 2].to_vec()),
    ];
    // A fixed-size cut is a truncation only for modules well above it (a
    // vendor format may be small: docs/conformance.md).
    if good.len() >= 128 {
        cases.push(("a valid module's first 64 bytes".into(), good[..64].to_vec()));
    }
    let mut corrupt = good.to_vec();
    for b in corrupt.iter_mut().take(16) {
        *b ^= 0xFF;
    }
    cases.push(("a valid module with its header inverted".into(), corrupt));
    for (what, bytes) in cases {
        let result = ctx.hal.module_load(ctx.device, format, &bytes);
        expect_status!(status_of(&result), sys::FH_ERROR_INVALID_IMAGE, "fhModuleLoadData({what})");
    }
    let mut m: sys::fh_module_t = std::ptr::null_mut();
    // SAFETY: a zero size with a valid pointer.
    let rc = unsafe { ctx.hal.raw().fhModuleLoadData(ctx.device.0, format, good.as_ptr().cast(), 0, &mut m) };
    expect_status!(rc, sys::FH_ERROR_INVALID_VALUE, "fhModuleLoadData(size 0)");
    ensure!(m.is_null(), "a refused load wrote a module handle");
    Ok(())
}

fn grid_1d(ctx: &Ctx) -> TestResult {
    let hal = &ctx.hal;
    let fill = ctx.function("fill_u32")?;
    let add = ctx.function("vector_add_f32")?;
    let stream = hal.stream_create(ctx.device)?;
    let max = max_block(ctx, fill)?.min(max_block(ctx, add)?);
    for n in [1u32, 63, 64, 1000, 65_537] {
        for block in [1u32, 32, 100, 64, max] {
            if block > max || (block == 1 && n > 1000) {
                continue;
            }
            let out = hal.mem_alloc(ctx.device, (n as usize + 16) * 4)?;
            hal.memset(ctx.device, out, 0xDDDD_DDDD, 4, n as usize + 16)?;
            let value = n.wrapping_mul(31) ^ block;
            run(ctx, fill, [blocks_for(n as u64, block), 1, 1], [block, 1, 1], 0, stream, &Args::new().u64(out).u32(value).u32(n).finish())?;
            let words = from_bytes::<u32>(&hal.read(ctx.device, out, (n as usize + 16) * 4)?);
            if let Some(i) = words[..n as usize].iter().position(|w| *w != value) {
                return Err(Stop::Fail(format!("fill_u32 n={n} block={block}: element {i} is {:#x}", words[i])));
            }
            ensure!(words[n as usize..].iter().all(|w| *w == 0xDDDD_DDDD), "fill_u32 n={n} block={block} wrote past n");
            hal.mem_free(ctx.device, out)?;
        }
    }
    let n = 100_003usize;
    let a: Vec<f32> = (0..n).map(|i| (i % 1000) as f32).collect();
    let b: Vec<f32> = (0..n).map(|i| (i % 7) as f32 * 0.5).collect();
    let to_bytes = |v: &[f32]| -> Vec<u8> { v.iter().flat_map(|x| x.to_ne_bytes()).collect() };
    let (da, db, dc) = (hal.mem_alloc(ctx.device, n * 4)?, hal.mem_alloc(ctx.device, n * 4)?, hal.mem_alloc(ctx.device, n * 4 + 64)?);
    hal.htod(ctx.device, da, &to_bytes(&a))?;
    hal.htod(ctx.device, db, &to_bytes(&b))?;
    hal.memset(ctx.device, dc, 0xAB, 1, n * 4 + 64)?;
    let block = 128.min(max);
    run(ctx, add, [blocks_for(n as u64, block), 1, 1], [block, 1, 1], 0, stream, &Args::new().u64(da).u64(db).u64(dc).u32(n as u32).finish())?;
    let got = hal.read(ctx.device, dc, n * 4 + 64)?;
    let want: Vec<f32> = a.iter().zip(&b).map(|(x, y)| x + y).collect();
    check_bytes("vector_add_f32 result", &got[..n * 4], &to_bytes(&want))?;
    ensure!(got[n * 4..].iter().all(|x| *x == 0xAB), "vector_add_f32 wrote past n");
    for p in [da, db, dc] {
        hal.mem_free(ctx.device, p)?;
    }
    hal.stream_destroy(stream)?;
    Ok(())
}

fn scale_index(ctx: &Ctx, size: [u32; 3], block: [u32; 3], tag: u32) -> TestResult {
    let hal = &ctx.hal;
    let f = ctx.function("scale_index_3d")?;
    let count = (size[0] * size[1] * size[2]) as usize;
    let out = hal.mem_alloc(ctx.device, (count + 8) * 4)?;
    hal.memset(ctx.device, out, 0xFFFF_FFFF, 4, count + 8)?;
    let stream = hal.stream_create(ctx.device)?;
    let grid = [blocks_for(size[0] as u64, block[0]), blocks_for(size[1] as u64, block[1]), blocks_for(size[2] as u64, block[2])];
    run(ctx, f, grid, block, 0, stream, &Args::new().u64(out).u32(size[0]).u32(size[1]).u32(size[2]).u32(tag).finish())?;
    let words = from_bytes::<u32>(&hal.read(ctx.device, out, (count + 8) * 4)?);
    for z in 0..size[2] {
        for y in 0..size[1] {
            for x in 0..size[0] {
                let i = ((z * size[1] + y) * size[0] + x) as usize;
                let want = (x | (y << 10) | (z << 20)) ^ tag;
                ensure!(words[i] == want, "scale_index_3d size {size:?} block {block:?}: element ({x},{y},{z}) is {:#x}, expected {want:#x}", words[i]);
            }
        }
    }
    ensure!(words[count..].iter().all(|w| *w == u32::MAX), "scale_index_3d size {size:?} block {block:?} wrote past the end");
    hal.stream_destroy(stream)?;
    hal.mem_free(ctx.device, out)?;
    Ok(())
}

fn fits(ctx: &Ctx, block: [u32; 3]) -> bool {
    let p = &ctx.props.0;
    block.iter().zip(p.max_block_dim).all(|(b, m)| *b <= m) && block.iter().product::<u32>() <= p.max_threads_per_block
}

fn grid_2d(ctx: &Ctx) -> TestResult {
    for (size, block) in [([37u32, 19, 1], [8u32, 8, 1]), ([100, 3, 1], [16, 4, 1]), ([5, 77, 1], [1, 32, 1]), ([1, 1, 1], [8, 8, 1])] {
        if fits(ctx, block) {
            scale_index(ctx, size, block, 0x5A5A)?;
        }
    }
    Ok(())
}

fn grid_3d(ctx: &Ctx) -> TestResult {
    for (size, block) in [([13u32, 7, 5], [4u32, 4, 4]), ([9, 10, 11], [2, 3, 5]), ([64, 2, 3], [32, 1, 2]), ([3, 3, 40], [1, 1, 16])] {
        if fits(ctx, block) {
            scale_index(ctx, size, block, 0x3C3C)?;
        }
    }
    Ok(())
}

fn block_limits(ctx: &Ctx) -> TestResult {
    let hal = &ctx.hal;
    let p = ctx.props.0;
    let f = ctx.function("fill_u32")?;
    let stream = hal.stream_create(ctx.device)?;
    let max = p.max_threads_per_block;
    let attr = hal.function_attribute(f, sys::FH_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK)? as u32;
    let usable = max.min(attr).min(p.max_block_dim[0]);
    let n = usable * 3 + 1;
    let out = hal.mem_alloc(ctx.device, n as usize * 4)?;
    run(ctx, f, [4, 1, 1], [usable, 1, 1], 0, stream, &Args::new().u64(out).u32(77).u32(n).finish())?;
    ensure!(from_bytes::<u32>(&hal.read(ctx.device, out, n as usize * 4)?).iter().all(|w| *w == 77), "fill_u32 with {usable} threads per block wrong");
    let args = Args::new().u64(out).u32(1).u32(0).finish();
    let config = sys::FH_ERROR_INVALID_CONFIGURATION;
    let refused = |grid: [u32; 3], block: [u32; 3], shared: u32, what: &str| -> TestResult {
        expect_status!(status_of(&hal.launch(f, grid, block, shared, stream, &args)), config, "launch with {what} (grid {grid:?}, block {block:?})");
        Ok(())
    };
    // max_threads_per_block + 1 as a 2D block that respects each dimension limit where possible.
    let bx = p.max_block_dim[0].min(max);
    let by = (max / bx + 1).min(p.max_block_dim[1]);
    if bx as u64 * by as u64 > max as u64 {
        refused([1, 1, 1], [bx, by, 1], 0, &format!("{} threads per block (max {max})", bx * by))?;
    }
    refused([1, 1, 1], [max + 1, 1, 1], 0, "block_x = max_threads_per_block + 1")?;
    refused([1, 1, 1], [p.max_block_dim[0].saturating_add(1), 1, 1], 0, "block_x above max_block_dim[0]")?;
    for (i, (grid, block)) in [([0, 1, 1], [1, 1, 1]), ([1, 0, 1], [1, 1, 1]), ([1, 1, 0], [1, 1, 1]), ([1, 1, 1], [0, 1, 1]), ([1, 1, 1], [1, 0, 1]), ([1, 1, 1], [1, 1, 0])].into_iter().enumerate() {
        refused(grid, block, 0, &format!("zero dimension #{i}"))?;
    }
    for d in 0..3 {
        if p.max_grid_dim[d] < u32::MAX {
            let mut grid = [1, 1, 1];
            grid[d] = p.max_grid_dim[d] + 1;
            refused(grid, [1, 1, 1], 0, &format!("grid dimension {d} above max_grid_dim"))?;
        }
    }
    refused([1, 1, 1], [1, 1, 1], p.max_shared_memory_per_block.saturating_add(1), "shared memory above max_shared_memory_per_block")?;
    hal.stream_synchronize(stream)?;
    hal.stream_destroy(stream)?;
    hal.mem_free(ctx.device, out)?;
    Ok(())
}

fn probe(ctx: &Ctx, f: Function, stream: Stream, out: u64, tail: &[u32], c_f32: f32) -> Result<Vec<u64>, Stop> {
    let mut args = Args::new().u32(0xA1B2_C3D4).u64(0x0123_4567_89AB_CDEF).f32(c_f32).u32(tail.len() as u32).u64(out).u32(0xFEDC_BA98).unpadded();
    args.extend(to_bytes(tail));
    ctx.hal.memset(ctx.device, out, 0, 1, 40)?;
    run(ctx, f, [1, 1, 1], [1, 1, 1], 0, stream, &args)?;
    Ok(from_bytes::<u64>(&ctx.hal.read(ctx.device, out, 40)?))
}

fn args_blob(ctx: &Ctx) -> TestResult {
    let f = ctx.function("args_probe")?;
    let stream = ctx.hal.stream_create(ctx.device)?;
    let out = ctx.hal.mem_alloc(ctx.device, 64)?;
    for c in [1.25f32, -3.5, 1e-3] {
        let got = probe(ctx, f, stream, out, &[7, 8, 9], c)?;
        let want = [0xA1B2_C3D4u64, 0x0123_4567_89AB_CDEF, (c * 2.0).to_bits() as u64, 0xFEDC_BA98, 24];
        for (i, name) in ["a_u32", "b_u64", "c_f32 * 2", "d_u32", "sum(tail)"].iter().enumerate() {
            ensure!(got[i] == want[i], "args_probe field {name}: kernel saw {:#x}, expected {:#x}", got[i], want[i]);
        }
    }
    ctx.hal.stream_destroy(stream)?;
    ctx.hal.mem_free(ctx.device, out)?;
    Ok(())
}

fn args_size_limit(ctx: &Ctx) -> TestResult {
    let hal = &ctx.hal;
    let f = ctx.function("args_probe")?;
    let stream = hal.stream_create(ctx.device)?;
    let out = hal.mem_alloc(ctx.device, 64)?;
    let max = ctx.props.0.max_kernel_args_size as usize;
    let words = (max - 36) / 4;
    let tail: Vec<u32> = (0..words as u32).map(|i| i * 3 + 1).collect();
    let sum = tail.iter().fold(0u32, |a, b| a.wrapping_add(*b));
    let mut args = Args::new().u32(1).u64(2).f32(3.0).u32(words as u32).u64(out).u32(4).unpadded();
    args.extend(to_bytes(&tail));
    args.resize(max, 0);
    hal.memset(ctx.device, out, 0, 1, 40)?;
    run(ctx, f, [1, 1, 1], [1, 1, 1], 0, stream, &args)?;
    let got = from_bytes::<u64>(&hal.read(ctx.device, out, 40)?);
    ensure!(got[4] == sum as u64 && got[3] == 4, "a {max}-byte blob: tail sum {} (expected {sum}), d_u32 {}", got[4], got[3]);
    args.push(0);
    expect_status!(status_of(&hal.launch(f, [1, 1, 1], [1, 1, 1], 0, stream, &args)), sys::FH_ERROR_INVALID_CONFIGURATION, "a {}-byte blob (max {max})", max + 1);
    // SAFETY: NULL args with a non-zero size is the case under test.
    let rc = unsafe { hal.raw().fhLaunchKernel(f.0, 1, 1, 1, 1, 1, 1, 0, stream.0, std::ptr::null(), 8) };
    expect_status!(rc, sys::FH_ERROR_INVALID_VALUE, "fhLaunchKernel(args NULL, args_size 8)");
    hal.stream_synchronize(stream)?;
    hal.stream_destroy(stream)?;
    hal.mem_free(ctx.device, out)?;
    Ok(())
}

fn shared_memory(ctx: &Ctx) -> TestResult {
    let hal = &ctx.hal;
    let f = ctx.function("block_reduce_shared")?;
    let stream = hal.stream_create(ctx.device)?;
    let max = max_block(ctx, f)?;
    let shared_max = ctx.props.0.max_shared_memory_per_block;
    let n = 10_007usize;
    let input: Vec<u32> = (0..n as u32).map(|i| i.wrapping_mul(2_654_435_761) >> 8).collect();
    let din = hal.mem_alloc(ctx.device, n * 4)?;
    hal.htod(ctx.device, din, &to_bytes(&input))?;
    for block in [1u32, 2, 64, 256, 1024] {
        if block > max || block * 4 > shared_max {
            continue;
        }
        let blocks = blocks_for(n as u64, block);
        let dout = hal.mem_alloc(ctx.device, blocks as usize * 4)?;
        run(ctx, f, [blocks, 1, 1], [block, 1, 1], block * 4, stream, &Args::new().u64(din).u64(dout).u32(n as u32).finish())?;
        let got = from_bytes::<u32>(&hal.read(ctx.device, dout, blocks as usize * 4)?);
        for (b, sum) in got.iter().enumerate() {
            let want = input.iter().skip(b * block as usize).take(block as usize).fold(0u32, |a, x| a.wrapping_add(*x));
            ensure!(*sum == want, "block_reduce_shared block {block}: block {b} sum {sum:#x}, expected {want:#x}");
        }
        hal.mem_free(ctx.device, dout)?;
    }
    let static_shared = hal.function_attribute(f, sys::FH_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES)?.max(0) as u32;
    let over = shared_max - static_shared + 1;
    expect_status!(
        status_of(&hal.launch(f, [1, 1, 1], [64.min(max), 1, 1], over, stream, &Args::new().u64(din).u64(din).u32(0).finish())),
        sys::FH_ERROR_INVALID_CONFIGURATION,
        "dynamic shared memory {over} B (limit {shared_max} B incl. {static_shared} B static)"
    );
    hal.stream_synchronize(stream)?;
    hal.stream_destroy(stream)?;
    hal.mem_free(ctx.device, din)?;
    Ok(())
}

fn function_attributes(ctx: &Ctx) -> TestResult {
    let p = ctx.props.0;
    for (name, f) in ctx.runnable_kernels()? {
        let max = ctx.hal.function_attribute(f, sys::FH_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK)?;
        ensure!(max >= 1 && max as u32 <= p.max_threads_per_block, "{name}: MAX_THREADS_PER_BLOCK {max} outside 1..={}", p.max_threads_per_block);
        if (max as u32) < p.max_threads_per_block {
            ctx.warn(format!("{name}: MAX_THREADS_PER_BLOCK {max} below the device's {} (docs/kernels.md asks for the device limit)", p.max_threads_per_block));
        }
        let shared = ctx.hal.function_attribute(f, sys::FH_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES)?;
        let dynamic = ctx.hal.function_attribute(f, sys::FH_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES)?;
        let regs = ctx.hal.function_attribute(f, sys::FH_FUNC_ATTRIBUTE_NUM_REGS)?;
        ensure!(shared >= 0 && dynamic >= 0 && regs >= 0, "{name}: negative attribute (shared {shared}, dynamic {dynamic}, regs {regs})");
        ensure!((shared as u64 + dynamic as u64) <= p.max_shared_memory_per_block as u64, "{name}: static {shared} + dynamic {dynamic} shared bytes exceed the device's {}", p.max_shared_memory_per_block);
        for bad in [4u32, 99, 0x7FFF_FFFF] {
            expect_status!(status_of(&ctx.hal.function_attribute(f, bad)), sys::FH_ERROR_INVALID_VALUE, "{name}: attribute {bad}");
        }
    }
    Ok(())
}

/// Threads of a 3D launch: grid (3,2,2) x block (bx,2,2).
fn atomic_launch(ctx: &Ctx, f: Function) -> Result<([u32; 3], [u32; 3], u64), Stop> {
    let bx = (max_block(ctx, f)? / 4).clamp(1, 16);
    let block = if fits(ctx, [bx, 2, 2]) { [bx, 2, 2] } else { [1, 1, 1] };
    let grid = [3, 2, 2];
    let threads = grid.iter().chain(block.iter()).map(|v| *v as u64).product();
    Ok((grid, block, threads))
}

fn atomic_run(ctx: &Ctx, kernel: &str, elem: usize, value: Vec<u8>, check: &dyn Fn(&[u8], u64) -> TestResult) -> TestResult {
    let f = ctx.function(kernel)?;
    let stream = ctx.hal.stream_create(ctx.device)?;
    let n_counters = 5u32;
    let iterations = 100u32;
    let counters = ctx.hal.mem_alloc(ctx.device, n_counters as usize * elem)?;
    ctx.hal.memset(ctx.device, counters, 0, 1, n_counters as usize * elem)?;
    let (grid, block, threads) = atomic_launch(ctx, f)?;
    let mut args = Args::new().u64(counters).u32(n_counters).u32(iterations).unpadded();
    args.resize(args.len().next_multiple_of(elem), 0);
    args.extend(value);
    args.resize(args.len().next_multiple_of(8), 0);
    run(ctx, f, grid, block, 0, stream, &args)?;
    let got = ctx.hal.read(ctx.device, counters, n_counters as usize * elem)?;
    for c in 0..n_counters as u64 {
        let hits = (threads / n_counters as u64 + u64::from(c < threads % n_counters as u64)) * iterations as u64;
        check(&got[c as usize * elem..(c as usize + 1) * elem], hits).map_err(|e| match e {
            Stop::Fail(m) => Stop::Fail(format!("{kernel} counter {c} ({threads} threads, grid {grid:?} block {block:?}): {m}")),
            other => other,
        })?;
    }
    ctx.hal.stream_destroy(stream)?;
    ctx.hal.mem_free(ctx.device, counters)?;
    Ok(())
}

fn atomic_u32(ctx: &Ctx) -> TestResult {
    atomic_run(ctx, "atomic_add_u32", 4, 3u32.to_ne_bytes().to_vec(), &|got, hits| {
        let v = from_bytes::<u32>(got)[0];
        ensure!(v as u64 == hits * 3, "sum {v}, expected {}", hits * 3);
        Ok(())
    })
}

fn atomic_u64(ctx: &Ctx) -> TestResult {
    let value = 0x1_0000_0001u64;
    atomic_run(ctx, "atomic_add_u64", 8, value.to_ne_bytes().to_vec(), &|got, hits| {
        let v = from_bytes::<u64>(got)[0];
        ensure!(v == hits.wrapping_mul(value), "sum {v:#x}, expected {:#x}", hits.wrapping_mul(value));
        Ok(())
    })
}

fn atomic_f32(ctx: &Ctx) -> TestResult {
    atomic_run(ctx, "atomic_add_f32", 4, 0.5f32.to_ne_bytes().to_vec(), &|got, hits| {
        let v = f32::from_ne_bytes([got[0], got[1], got[2], got[3]]);
        ensure!(v == hits as f32 * 0.5, "sum {v}, expected {}", hits as f32 * 0.5);
        Ok(())
    })
}

fn unload_while_queued(ctx: &Ctx) -> TestResult {
    let hal = &ctx.hal;
    let bytes = ctx.kernels.get("fill_u32").ok_or_else(|| Stop::Unsupported("reference kernel fill_u32 missing".into()))?;
    let stream = hal.stream_create(ctx.device)?;
    let scratch = hal.mem_alloc(ctx.device, 4)?;
    let out = hal.mem_alloc(ctx.device, 4096)?;
    hal.memset(ctx.device, out, 0, 1, 4096)?;
    let busy = make_busy(ctx, stream, scratch)?;
    let m = hal.module_load(ctx.device, ctx.kernels.format, bytes)?;
    let f = hal.get_function(m, "fill_u32")?;
    hal.launch(f, [16, 1, 1], [64, 1, 1], 0, stream, &Args::new().u64(out).u32(0x600D).u32(1024).finish())?;
    hal.module_unload(m)?;
    busy.release();
    hal.stream_synchronize(stream)?;
    ensure!(from_bytes::<u32>(&hal.read(ctx.device, out, 4096)?).iter().all(|w| *w == 0x600D), "a launch queued before fhModuleUnload did not run correctly");
    hal.stream_destroy(stream)?;
    hal.mem_free(ctx.device, out)?;
    hal.mem_free(ctx.device, scratch)?;
    Ok(())
}

fn spin_busy(ctx: &Ctx) -> TestResult {
    let hal = &ctx.hal;
    let f = ctx.function("spin")?;
    let stream = hal.stream_create(ctx.device)?;
    let out = hal.mem_alloc(ctx.device, 4)?;
    // Iteration counts that are not multiples of any loop-unrolling or
    // loop-splitting factor a compiler might pick.
    for (iterations, seed) in [(0u64, 5u32), (1, 6), (65_537, 7), (1_000_003, 8)] {
        run(ctx, f, [1, 1, 1], [1, 1, 1], 0, stream, &spin_args(out, iterations, seed))?;
        let got = from_bytes::<u32>(&hal.read(ctx.device, out, 4)?)[0];
        ensure!(got == lcg_jump(seed, iterations), "spin({iterations}, seed {seed}) = {got:#x}, expected {:#x}", lcg_jump(seed, iterations));
    }
    // About 300 ms of work: the stream and an event behind it are pending.
    let event = hal.event_create(ctx.device, sys::FH_EVENT_DISABLE_TIMING)?;
    let busy = make_busy_kernel(ctx, stream, out, 2)?;
    hal.event_record(event, stream)?;
    let stream_status = status_of(&hal.stream_query(stream));
    let event_status = status_of(&hal.event_query(event));
    hal.stream_synchronize(stream)?;
    expect_status!(stream_status, sys::FH_ERROR_NOT_READY, "fhStreamQuery right after queuing ~300 ms of spin");
    expect_status!(event_status, sys::FH_ERROR_NOT_READY, "fhEventQuery on an event behind ~300 ms of spin");
    expect_status!(status_of(&hal.event_query(event)), sys::FH_SUCCESS, "fhEventQuery after synchronising");
    if let Some((at, value)) = busy.spin {
        let got = from_bytes::<u32>(&hal.read(ctx.device, at, 4)?)[0];
        ensure!(got == value, "the busy spin computed {got:#x}, expected {value:#x}");
    }
    hal.event_destroy(event)?;
    hal.stream_destroy(stream)?;
    hal.mem_free(ctx.device, out)?;
    Ok(())
}
