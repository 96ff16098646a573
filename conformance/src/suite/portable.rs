//! Group `kernels`, continued: what "kernels that port" promises. Kernels
//! written once in the FlagHAL kernel language, loaded from module bundles,
//! must behave the same on every device: parameters above the push-constant
//! size, a register-tiled matrix multiply with shared memory and barriers,
//! the loader's bundle rules, and the optional kernel features a device's
//! capability flags claim (16-bit floats, 8-bit integers, subgroups).

use super::util::status_of;
use super::{core, optional, Ctx, Stop, TestDef, TestResult};
use crate::{ensure, expect_status};
use flaghal_client::{from_bytes, to_bytes, Args};
use flaghal_formats::bundle::Writer;
use flaghal_sys as sys;

pub fn tests() -> Vec<TestDef> {
    vec![
        core("kernels.wide_args", "a kernel with 512 bytes of parameters gets them all; a shorter blob is refused", wide_args),
        core("kernels.matmul_tiled", "the register-tiled matmul with shared memory matches the exact product", matmul_tiled),
        core("kernels.bad_bundles", "truncated, foreign and unknown-only bundles get the documented errors", bad_bundles),
        optional("kernels.float16", sys::FH_DEVICE_CAP_FLOAT16, "float16_axpb computes in 16-bit floats", float16),
        optional("kernels.int8", sys::FH_DEVICE_CAP_INT8, "int8_mix: 8-bit arithmetic wraps; packed dot products", int8),
        optional("kernels.subgroup_arithmetic", sys::FH_DEVICE_CAP_SUBGROUP_ARITHMETIC, "subgroup sums and scans", subgroup_arithmetic),
        optional("kernels.subgroup_shuffle", sys::FH_DEVICE_CAP_SUBGROUP_SHUFFLE, "subgroup shuffles reach the partner lane", subgroup_shuffle),
    ]
}

/// Runs `name` over `grid` x `block` with `args` and waits for it.
fn run(ctx: &Ctx, name: &str, grid: [u32; 3], block: [u32; 3], args: &[u8]) -> TestResult {
    let f = ctx.function(name)?;
    let stream = ctx.hal.stream_create(ctx.device)?;
    let result = ctx.hal.launch(f, grid, block, 0, stream, args).and_then(|()| ctx.hal.stream_synchronize(stream));
    ctx.hal.stream_destroy(stream)?;
    result.map_err(|e| Stop::Fail(format!("{name} grid {grid:?} block {block:?}: {e}")))
}

fn upload(ctx: &Ctx, bytes: &[u8]) -> Result<u64, Stop> {
    let ptr = ctx.hal.mem_alloc(ctx.device, bytes.len().max(4))?;
    ctx.hal.htod(ctx.device, ptr, bytes)?;
    Ok(ptr)
}

fn wide_args(ctx: &Ctx) -> TestResult {
    let words: Vec<u32> = (0..126u32).map(|i| i.wrapping_mul(0x9E37_79B9) ^ 0x5A5A).collect();
    let dst = ctx.hal.mem_alloc(ctx.device, 126 * 4)?;
    ctx.hal.memset(ctx.device, dst, 0, 4, 126)?;
    let mut args = Args::new().u64(dst).unpadded();
    args.extend(to_bytes(&words));
    ensure!(args.len() == 512, "the blob is {} bytes", args.len());
    run(ctx, "wide_args", [2, 1, 1], [64, 1, 1], &args)?;
    let got = from_bytes::<u32>(&ctx.hal.read(ctx.device, dst, 126 * 4)?);
    for (i, (got, word)) in got.iter().zip(&words).enumerate() {
        let want = word.wrapping_mul(3).wrapping_add(i as u32);
        ensure!(*got == want, "wide_args word {i} (byte {} of the blob): {got:#x}, expected {want:#x}", 8 + 4 * i);
    }
    if ctx.kernels.format == sys::FH_MODULE_FORMAT_BUNDLE {
        let f = ctx.function("wide_args")?;
        let stream = ctx.hal.stream_create(ctx.device)?;
        let short = ctx.hal.launch(f, [1, 1, 1], [1, 1, 1], 0, stream, &args[..500]);
        expect_status!(status_of(&short), sys::FH_ERROR_INVALID_VALUE, "a 500-byte blob for the 512 bytes of parameters its bundle records");
        ctx.hal.stream_synchronize(stream)?;
        ctx.hal.stream_destroy(stream)?;
    }
    ctx.hal.mem_free(ctx.device, dst)?;
    Ok(())
}

fn matmul_tiled(ctx: &Ctx) -> TestResult {
    if ctx.props.0.max_threads_per_block < 256 || ctx.props.0.max_block_dim[0] < 16 || ctx.props.0.max_block_dim[1] < 16 {
        ctx.warn("the device's blocks hold fewer than 16 x 16 threads; matmul_tiled needs 256");
        return Ok(());
    }
    for (m, n, k) in [(70u32, 45u32, 33u32), (64, 64, 16), (1, 130, 17)] {
        // Small integers: every partial sum is exact in binary32.
        let a: Vec<f32> = (0..m * k).map(|i| ((i * 7 + 3) % 9) as f32 - 4.0).collect();
        let b: Vec<f32> = (0..k * n).map(|i| ((i * 5 + 1) % 7) as f32 - 3.0).collect();
        let bytes = |v: &[f32]| v.iter().flat_map(|x| x.to_ne_bytes()).collect::<Vec<u8>>();
        let (da, db) = (upload(ctx, &bytes(&a))?, upload(ctx, &bytes(&b))?);
        let dc = ctx.hal.mem_alloc(ctx.device, (m * n * 4) as usize)?;
        ctx.hal.memset(ctx.device, dc, 0xFFFF_FFFF, 4, (m * n) as usize)?;
        let args = Args::new().u64(da).u64(db).u64(dc).u32(m).u32(n).u32(k).finish();
        run(ctx, "matmul_tiled", [n.div_ceil(64), m.div_ceil(64), 1], [16, 16, 1], &args)?;
        let got = ctx.hal.read(ctx.device, dc, (m * n * 4) as usize)?;
        for row in 0..m {
            for col in 0..n {
                let want: f32 = (0..k).map(|i| a[(row * k + i) as usize] * b[(i * n + col) as usize]).sum();
                let at = ((row * n + col) * 4) as usize;
                let value = f32::from_ne_bytes(got[at..at + 4].try_into().unwrap_or_default());
                ensure!(value == want, "matmul_tiled {m}x{n}x{k}: c[{row}][{col}] = {value}, expected {want}");
            }
        }
        for p in [da, db, dc] {
            ctx.hal.mem_free(ctx.device, p)?;
        }
    }
    Ok(())
}

fn bad_bundles(ctx: &Ctx) -> TestResult {
    let Some((format, image)) = ctx.kernels.image.clone() else {
        return Err(Stop::Fail(format!("no reference kernels for this device's formats {:?}", ctx.props.formats())));
    };
    let hal = &ctx.hal;
    let load = |bytes: &[u8]| hal.module_load(ctx.device, sys::FH_MODULE_FORMAT_BUNDLE, bytes);
    let bundle = |w: &mut Writer| w.to_bytes().map_err(Stop::Fail);
    let good = bundle(Writer::new().image(0x7FFF_0000, Some("a format nobody has"), vec![1; 16]).image(format, None, image.to_vec()).kernel("fill_u32", 16))?;
    let m = load(&good)?;
    let f = hal.get_function(m, "fill_u32")?;
    let dst = hal.mem_alloc(ctx.device, 64)?;
    let stream = hal.stream_create(ctx.device)?;
    hal.launch(f, [1, 1, 1], [16, 1, 1], 0, stream, &Args::new().u64(dst).u32(7).u32(16).finish())?;
    hal.stream_synchronize(stream)?;
    ensure!(from_bytes::<u32>(&hal.read(ctx.device, dst, 64)?).iter().all(|w| *w == 7), "fill_u32 from a bundle behind an unknown image");
    hal.stream_destroy(stream)?;
    hal.mem_free(ctx.device, dst)?;
    hal.module_unload(m)?;
    expect_status!(status_of(&load(&good[..good.len() - 1])), sys::FH_ERROR_INVALID_IMAGE, "a bundle one byte short");
    expect_status!(status_of(&load(&good[..40])), sys::FH_ERROR_INVALID_IMAGE, "a bundle cut inside its header");
    let foreign_format = if format == sys::FH_MODULE_FORMAT_PTX { sys::FH_MODULE_FORMAT_CUBIN } else { sys::FH_MODULE_FORMAT_PTX };
    if !ctx.props.formats().contains(&foreign_format) {
        let foreign = bundle(Writer::new().image(foreign_format, None, vec![2; 32]))?;
        let result = load(&foreign);
        expect_status!(status_of(&result), sys::FH_ERROR_NOT_SUPPORTED, "a bundle with only a format the device does not list");
        if let Err(e) = &result {
            ensure!(e.message.contains("the bundle offers"), "the NOT_SUPPORTED detail names what the bundle offers: {:?}", e.message);
        }
    }
    let unknown_only = bundle(Writer::new().image(0x7FFF_0001, None, vec![3; 8]))?;
    expect_status!(status_of(&load(&unknown_only)), sys::FH_ERROR_NOT_SUPPORTED, "a bundle whose only image is in an unknown format");
    Ok(())
}

/// IEEE binary16 bits of `x`, which must be a normal value that binary16
/// represents exactly (the test's values are).
fn f16_bits(x: f32) -> u16 {
    if x == 0.0 {
        return 0;
    }
    let bits = x.to_bits();
    let sign = ((bits >> 16) & 0x8000) as u16;
    let exponent = ((bits >> 23) & 0xFF) as i32 - 127 + 15;
    let mantissa = ((bits >> 13) & 0x3FF) as u16;
    sign | ((exponent as u16) << 10) | mantissa
}

fn float16(ctx: &Ctx) -> TestResult {
    let n = 300u32;
    let src: Vec<f32> = (0..n).map(|i| (i % 64) as f32 * 0.5 - 8.0).collect();
    let src_bits: Vec<u8> = src.iter().flat_map(|x| f16_bits(*x).to_ne_bytes()).collect();
    let dsrc = upload(ctx, &src_bits)?;
    let ddst = ctx.hal.mem_alloc(ctx.device, (n * 2) as usize)?;
    let args = Args::new().u64(dsrc).u64(ddst).f32(2.0).f32(0.5).u32(n).finish();
    run(ctx, "float16_axpb", [n.div_ceil(64), 1, 1], [64, 1, 1], &args)?;
    let got = ctx.hal.read(ctx.device, ddst, (n * 2) as usize)?;
    for (i, x) in src.iter().enumerate() {
        let value = u16::from_ne_bytes([got[2 * i], got[2 * i + 1]]);
        let want = f16_bits(x * 2.0 + 0.5);
        ensure!(value == want, "float16_axpb element {i}: binary16 {value:#06x}, expected {want:#06x} ({})", x * 2.0 + 0.5);
    }
    ctx.hal.mem_free(ctx.device, dsrc)?;
    ctx.hal.mem_free(ctx.device, ddst)?;
    Ok(())
}

fn int8(ctx: &Ctx) -> TestResult {
    let n = 1000u32;
    let x: Vec<i8> = (0..n).map(|i| (i.wrapping_mul(7) as u8) as i8).collect();
    let y: Vec<i8> = (0..n).map(|i| (i.wrapping_mul(13).wrapping_add(5) as u8) as i8).collect();
    let as_bytes = |v: &[i8]| v.iter().map(|b| *b as u8).collect::<Vec<u8>>();
    let (dx, dy) = (upload(ctx, &as_bytes(&x))?, upload(ctx, &as_bytes(&y))?);
    let ddst = ctx.hal.mem_alloc(ctx.device, n as usize)?;
    let ddot = ctx.hal.mem_alloc(ctx.device, (n / 4 * 4) as usize)?;
    let args = Args::new().u64(dx).u64(dy).u64(ddst).u64(ddot).u64(dx).u64(dy).u32(n).finish();
    run(ctx, "int8_mix", [n.div_ceil(128), 1, 1], [128, 1, 1], &args)?;
    let dst = ctx.hal.read(ctx.device, ddst, n as usize)?;
    for i in 0..n as usize {
        let want = x[i].wrapping_mul(3).wrapping_sub(y[i]);
        ensure!(dst[i] as i8 == want, "int8_mix element {i}: {}, expected {want} (8-bit arithmetic wraps)", dst[i] as i8);
    }
    let dot = from_bytes::<u32>(&ctx.hal.read(ctx.device, ddot, (n / 4 * 4) as usize)?);
    for (j, got) in dot.iter().enumerate() {
        let want: i32 = (0..4).map(|l| x[4 * j + l] as i32 * y[4 * j + l] as i32).sum();
        ensure!(*got as i32 == want, "fh_dot_packed_4x8 word {j}: {}, expected {want}", *got as i32);
    }
    for p in [dx, dy, ddst, ddot] {
        ctx.hal.mem_free(ctx.device, p)?;
    }
    Ok(())
}

/// Each thread's (subgroup id, lane) and the values of its record, read back
/// from a subgroup kernel writing `fields` words per thread.
struct SubgroupRun {
    records: Vec<Vec<u32>>,
    values: Vec<u32>,
    block: u32,
}

fn subgroup_run(ctx: &Ctx, kernel: &str, fields: u32) -> Result<SubgroupRun, Stop> {
    let (block, blocks) = (64u32.min(ctx.props.0.max_threads_per_block), 4u32);
    let n = block * blocks;
    let values: Vec<u32> = (0..n).map(|i| i.wrapping_mul(2_654_435_761) >> 20).collect();
    let dv = upload(ctx, &to_bytes(&values))?;
    let dr = ctx.hal.mem_alloc(ctx.device, (n * fields * 4) as usize)?;
    run(ctx, kernel, [blocks, 1, 1], [block, 1, 1], &Args::new().u64(dv).u64(dr).u32(n).finish())?;
    let words = from_bytes::<u32>(&ctx.hal.read(ctx.device, dr, (n * fields * 4) as usize)?);
    ctx.hal.mem_free(ctx.device, dv)?;
    ctx.hal.mem_free(ctx.device, dr)?;
    let records = words.chunks(fields as usize).map(<[u32]>::to_vec).collect();
    Ok(SubgroupRun { records, values, block })
}

impl SubgroupRun {
    /// Thread indices of each subgroup: (block, subgroup id) -> threads.
    fn groups(&self, subgroup_size: u32) -> Result<std::collections::BTreeMap<(u32, u32), Vec<usize>>, Stop> {
        let mut groups: std::collections::BTreeMap<(u32, u32), Vec<usize>> = Default::default();
        for (t, r) in self.records.iter().enumerate() {
            ensure!(r[1] < subgroup_size, "thread {t}: lane {} is not below subgroup_size {subgroup_size}", r[1]);
            groups.entry((t as u32 / self.block, r[0])).or_default().push(t);
        }
        for ((block, id), threads) in &groups {
            let mut lanes: Vec<u32> = threads.iter().map(|t| self.records[*t][1]).collect();
            lanes.sort();
            lanes.dedup();
            ensure!(lanes.len() == threads.len(), "block {block} subgroup {id}: two threads share a lane");
        }
        Ok(groups)
    }
}

fn subgroup_arithmetic(ctx: &Ctx) -> TestResult {
    let size = ctx.props.0.subgroup_size.max(1);
    let run = subgroup_run(ctx, "subgroup_ops", 4)?;
    for ((block, id), threads) in run.groups(size)? {
        let total = threads.iter().fold(0u32, |a, t| a.wrapping_add(run.values[*t]));
        for t in &threads {
            let (lane, sum, before) = (run.records[*t][1], run.records[*t][2], run.records[*t][3]);
            ensure!(sum == total, "block {block} subgroup {id} lane {lane}: subgroupAdd {sum:#x}, expected {total:#x}");
            let want = threads.iter().filter(|u| run.records[**u][1] < lane).fold(0u32, |a, u| a.wrapping_add(run.values[*u]));
            ensure!(before == want, "block {block} subgroup {id} lane {lane}: subgroupExclusiveAdd {before:#x}, expected {want:#x}");
        }
    }
    Ok(())
}

fn subgroup_shuffle(ctx: &Ctx) -> TestResult {
    let size = ctx.props.0.subgroup_size.max(1);
    let run = subgroup_run(ctx, "subgroup_shuffle", 3)?;
    for ((block, id), threads) in run.groups(size)? {
        for t in &threads {
            let lane = run.records[*t][1];
            let partner = threads.iter().find(|u| run.records[**u][1] == lane ^ 1);
            let want = match partner {
                Some(u) if lane ^ 1 < size => run.values[*u],
                _ => run.values[*t],
            };
            let got = run.records[*t][2];
            ensure!(got == want, "block {block} subgroup {id} lane {lane}: shuffle from lane {} gave {got:#x}, expected {want:#x}", lane ^ 1);
        }
    }
    Ok(())
}
