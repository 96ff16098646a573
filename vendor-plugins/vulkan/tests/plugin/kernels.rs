//! SPIR-V modules and launches with the reference kernels.

use crate::common::{self, alloc, api, blob, destroy, device, download, free, kernel, launch, launch_status, properties, spv, stream, sync, upload};
use crate::{fails, ok};
use flaghal_sys as sys;

#[repr(C)]
#[derive(Clone, Copy)]
struct FillArgs {
    dst: u64,
    value: u32,
    count: u32,
}

#[test]
fn fill_u32_honours_ragged_sizes_and_any_block_size() {
    let props = properties();
    let s = stream();
    let (module, f) = kernel(spv!("fill_u32"), "fill_u32");
    let n = 1000u32;
    let dst = alloc(4 * (n as usize + 1));
    upload(dst, &vec![0u32; n as usize + 1]);
    for block in [1u32, 64, 100, props.max_threads_per_block] {
        let grid = n.div_ceil(block);
        launch(f, [grid, 1, 1], [block, 1, 1], 0, &blob(&FillArgs { dst, value: block, count: n }), s);
        sync(s);
        let got = download::<u32>(dst, n as usize + 1);
        assert!(got[..n as usize].iter().all(|v| *v == block), "block {block}");
        assert_eq!(got[n as usize], 0, "guard word untouched");
    }
    let args = blob(&FillArgs { dst, value: 1, count: 1 });
    let too_many = props.max_threads_per_block + 1;
    assert_eq!(launch_status(f, [1, 1, 1], [too_many, 1, 1], 0, &args, s), sys::FH_ERROR_INVALID_CONFIGURATION);
    assert_eq!(launch_status(f, [0, 1, 1], [1, 1, 1], 0, &args, s), sys::FH_ERROR_INVALID_CONFIGURATION);
    assert_eq!(
        launch_status(f, [1, 1, 1], [1, 1, 1], props.max_shared_memory_per_block + 1, &args, s),
        sys::FH_ERROR_INVALID_CONFIGURATION
    );
    let mut value = 0;
    ok!(api().function_get_attribute.unwrap()(f, sys::FH_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK, &mut value));
    assert_eq!(value as u32, props.max_threads_per_block);
    ok!(api().function_get_attribute.unwrap()(f, sys::FH_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES, &mut value));
    assert_eq!(value, 0);
    ok!(api().function_get_attribute.unwrap()(f, sys::FH_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, &mut value));
    assert_eq!(value as u32, props.max_shared_memory_per_block);
    fails!(api().function_get_attribute.unwrap()(f, 99, &mut value), sys::FH_ERROR_INVALID_VALUE);
    // the same name gives the same handle
    let mut again = std::ptr::null_mut();
    ok!(api().module_get_function.unwrap()(module, c"fill_u32".as_ptr(), &mut again));
    assert_eq!(again, f);
    ok!(api().module_unload.unwrap()(module));
    destroy(s);
    free(dst);
    common::finish();
}

#[repr(C)]
#[derive(Clone, Copy)]
struct Index3dArgs {
    out: u64,
    size: [u32; 3],
    tag: u32,
}

#[test]
fn scale_index_3d_covers_three_dimensional_grids() {
    let s = stream();
    let (module, f) = kernel(spv!("scale_index_3d"), "scale_index_3d");
    let size = [13u32, 7, 5];
    let total = (size[0] * size[1] * size[2]) as usize;
    let out = alloc(4 * total);
    let block = [4u32, 4, 2];
    let grid = [0, 1, 2].map(|i| size[i].div_ceil(block[i]));
    launch(f, grid, block, 0, &blob(&Index3dArgs { out, size, tag: 0x5A5A }), s);
    sync(s);
    let got = download::<u32>(out, total);
    for z in 0..size[2] {
        for y in 0..size[1] {
            for x in 0..size[0] {
                let i = ((z * size[1] + y) * size[0] + x) as usize;
                assert_eq!(got[i], (x | y << 10 | z << 20) ^ 0x5A5A, "({x},{y},{z})");
            }
        }
    }
    ok!(api().module_unload.unwrap()(module));
    destroy(s);
    free(out);
    common::finish();
}

#[test]
fn args_probe_receives_the_blob_byte_for_byte_up_to_the_limit() {
    let props = properties();
    let max = props.max_kernel_args_size as usize;
    let s = stream();
    let (module, f) = kernel(spv!("args_probe"), "args_probe");
    let out = alloc(40);
    let tail_count = ((max - 36) / 4).min(23);
    let mut blob = vec![0u8; 36 + 4 * tail_count];
    blob[0..4].copy_from_slice(&0xA1B2C3D4u32.to_ne_bytes());
    blob[8..16].copy_from_slice(&0x0102030405060708u64.to_ne_bytes());
    blob[16..20].copy_from_slice(&1.25f32.to_ne_bytes());
    blob[20..24].copy_from_slice(&(tail_count as u32).to_ne_bytes());
    blob[24..32].copy_from_slice(&out.to_ne_bytes());
    blob[32..36].copy_from_slice(&77u32.to_ne_bytes());
    let mut sum = 0u32;
    for k in 0..tail_count {
        let v = 1000 + k as u32 * 7;
        sum = sum.wrapping_add(v);
        blob[36 + 4 * k..40 + 4 * k].copy_from_slice(&v.to_ne_bytes());
    }
    if max == 128 {
        assert_eq!(blob.len(), 128, "exactly max_kernel_args_size");
    }
    launch(f, [1, 1, 1], [1, 1, 1], 0, &blob, s);
    sync(s);
    let got = download::<u64>(out, 5);
    assert_eq!(got, vec![0xA1B2C3D4, 0x0102030405060708, 2.5f32.to_bits() as u64, 77, sum as u64]);
    let too_big = vec![0u8; max + 1];
    assert_eq!(launch_status(f, [1, 1, 1], [1, 1, 1], 0, &too_big, s), sys::FH_ERROR_INVALID_CONFIGURATION);
    ok!(api().module_unload.unwrap()(module));
    destroy(s);
    free(out);
    common::finish();
}

#[repr(C)]
#[derive(Clone, Copy)]
struct ReduceArgs {
    input: u64,
    out: u64,
    n: u32,
}

#[test]
fn block_reduce_uses_dynamic_shared_memory_and_barriers() {
    let s = stream();
    let (module, f) = kernel(spv!("block_reduce_shared"), "block_reduce_shared");
    let n = 1000u32;
    let block = 128u32;
    let grid = n.div_ceil(block);
    let input: Vec<u32> = (0..n).map(|i| i * 3 + 1).collect();
    let d_in = alloc(4 * n as usize);
    let d_out = alloc(4 * grid as usize);
    upload(d_in, &input);
    launch(f, [grid, 1, 1], [block, 1, 1], 4 * block, &blob(&ReduceArgs { input: d_in, out: d_out, n }), s);
    sync(s);
    let got = download::<u32>(d_out, grid as usize);
    for (b, v) in got.iter().enumerate() {
        let want: u32 = input.iter().skip(b * block as usize).take(block as usize).sum();
        assert_eq!(*v, want, "block {b}");
    }
    ok!(api().module_unload.unwrap()(module));
    destroy(s);
    free(d_in);
    free(d_out);
    common::finish();
}

#[repr(C)]
#[derive(Clone, Copy)]
struct Atomic32 {
    counters: u64,
    n_counters: u32,
    iterations: u32,
    value: u32,
}

#[repr(C)]
#[derive(Clone, Copy)]
struct Atomic64 {
    counters: u64,
    n_counters: u32,
    iterations: u32,
    value: u64,
}

#[test]
fn atomics_add_exactly_on_every_advertised_width() {
    let caps = properties().capabilities;
    let s = stream();
    let counters = alloc(64);
    let (grid, block, iterations, n) = ([3u32, 2, 1], [32u32, 2, 1], 5u32, 4u32);
    let threads = 3 * 2 * 32 * 2;
    let per_counter = (threads / n) * iterations;
    let (m32, f32k) = kernel(spv!("atomic_add_u32"), "atomic_add_u32");
    ok!(api().memset.unwrap()(device(), counters, 0, 4, 16));
    launch(f32k, grid, block, 0, &blob(&Atomic32 { counters, n_counters: n, iterations, value: 3 }), s);
    sync(s);
    assert_eq!(download::<u32>(counters, n as usize), vec![per_counter * 3; n as usize]);
    if caps & sys::FH_DEVICE_CAP_ATOMIC_INT64 != 0 {
        let (m, f) = kernel(spv!("atomic_add_u64"), "atomic_add_u64");
        ok!(api().memset.unwrap()(device(), counters, 0, 4, 16));
        let value = 1u64 << 33;
        launch(f, grid, block, 0, &blob(&Atomic64 { counters, n_counters: n, iterations, value }), s);
        sync(s);
        assert_eq!(download::<u64>(counters, n as usize), vec![per_counter as u64 * value; n as usize]);
        ok!(api().module_unload.unwrap()(m));
    }
    if caps & sys::FH_DEVICE_CAP_ATOMIC_FLOAT32 != 0 {
        let (m, f) = kernel(spv!("atomic_add_f32"), "atomic_add_f32");
        ok!(api().memset.unwrap()(device(), counters, 0, 4, 16));
        let value = 0.5f32.to_bits();
        launch(f, grid, block, 0, &blob(&Atomic32 { counters, n_counters: n, iterations, value }), s);
        sync(s);
        assert_eq!(download::<f32>(counters, n as usize), vec![per_counter as f32 * 0.5; n as usize]);
        ok!(api().module_unload.unwrap()(m));
    }
    ok!(api().module_unload.unwrap()(m32));
    destroy(s);
    free(counters);
    common::finish();
}

#[test]
fn bad_modules_and_names_are_refused_with_the_right_status() {
    let mut module = std::ptr::null_mut();
    let load = |format, bytes: &[u8], out: &mut sys::fhp_module_t| {
        // SAFETY: live device, readable bytes.
        unsafe { api().module_load.unwrap()(device(), format, bytes.as_ptr().cast(), bytes.len(), out) }
    };
    let good = spv!("fill_u32");
    assert_eq!(load(sys::FH_MODULE_FORMAT_NATIVE_CPU, good, &mut module), sys::FH_ERROR_NOT_SUPPORTED);
    assert_eq!(load(sys::FH_MODULE_FORMAT_SPIRV, &good[..good.len() - 1], &mut module), sys::FH_ERROR_INVALID_IMAGE);
    assert_eq!(load(sys::FH_MODULE_FORMAT_SPIRV, b"not spir-v at all!!!", &mut module), sys::FH_ERROR_INVALID_IMAGE);
    // cut inside the second instruction: its word count overruns the end
    assert_eq!(load(sys::FH_MODULE_FORMAT_SPIRV, &good[..32], &mut module), sys::FH_ERROR_INVALID_IMAGE);
    assert!(module.is_null(), "nothing loaded");
    let (module, _) = kernel(good, "fill_u32");
    let mut f = std::ptr::null_mut();
    fails!(api().module_get_function.unwrap()(module, c"main".as_ptr(), &mut f), sys::FH_ERROR_NOT_FOUND);
    assert!(common::detail().contains("fill_u32"), "the detail lists the entry points: {}", common::detail());
    ok!(api().module_unload.unwrap()(module));
    common::finish();
}

#[test]
fn unloading_a_module_with_queued_launches_is_safe() {
    let s = stream();
    let dst = alloc(4 * 256);
    let (module, f) = kernel(spv!("fill_u32"), "fill_u32");
    for i in 0..8 {
        launch(f, [4, 1, 1], [64, 1, 1], 0, &blob(&FillArgs { dst, value: i, count: 256 }), s);
    }
    ok!(api().module_unload.unwrap()(module));
    sync(s);
    assert!(download::<u32>(dst, 256).iter().all(|v| *v == 7));
    destroy(s);
    free(dst);
    common::finish();
}

#[test]
fn a_kernel_with_a_fixed_block_size_refuses_other_blocks() {
    let s = stream();
    let bytes = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/kernels/fixed_fill.spv"));
    let (module, f) = kernel(bytes, "fixed_fill");
    let dst = alloc(4 * 512);
    upload(dst, &[0u32; 512]);
    let args = blob(&FillArgs { dst, value: 9, count: 500 });
    assert_eq!(launch_status(f, [4, 1, 1], [128, 1, 1], 0, &args, s), sys::FH_ERROR_INVALID_CONFIGURATION);
    assert!(common::detail().contains("[64, 2, 1]"), "{}", common::detail());
    let mut value = 0;
    ok!(api().function_get_attribute.unwrap()(f, sys::FH_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK, &mut value));
    assert_eq!(value, 128);
    launch(f, [4, 1, 1], [64, 2, 1], 0, &args, s);
    sync(s);
    let got = download::<u32>(dst, 512);
    assert!(got[..500].iter().all(|v| *v == 9) && got[500..].iter().all(|v| *v == 0));
    ok!(api().module_unload.unwrap()(module));
    destroy(s);
    free(dst);
    common::finish();
}

#[test]
fn specialization_constants_carry_block_shared_memory_and_args_limit() {
    let props = properties();
    let s = stream();
    let bytes = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/kernels/spec_constants.spv"));
    let (module, f) = kernel(bytes, "spec_constants");
    let out = alloc(20);
    for (block, shared, want_shared) in [([8u32, 4, 2], 0u32, 16u32), ([32, 1, 1], 100, 112), ([1, 1, 1], 4096, 4096)] {
        launch(f, [1, 1, 1], block, shared, &out.to_ne_bytes(), s);
        sync(s);
        let got = download::<u32>(out, 5);
        assert_eq!(got, vec![block[0], block[1], block[2], want_shared, props.max_kernel_args_size]);
    }
    ok!(api().module_unload.unwrap()(module));
    destroy(s);
    free(out);
    common::finish();
}
