//! OpenCL C modules and launches under the FlagHAL convention: the blob as
//! argument 0 (any length, zero-padded), dynamic local memory as argument
//! 1, block = local size; build failures with the build log.

use crate::common::{self, alloc, api, blob, destroy, download, free, function, kernel, launch, launch_status, load_source, properties, stream, sync, upload, FillArgs};
use crate::{fails, ok};
use flaghal_sys as sys;

#[test]
fn fill_writes_views_and_ragged_sizes_with_any_block() {
    let props = properties();
    let s = stream();
    let f = kernel("fill_u32");
    let n = 1000u32;
    let base = alloc(4 * (n as usize + 64));
    upload(base, &vec![0u32; n as usize + 64]);
    // a view 32 words into the allocation: the kernel gets base + offset
    let dst = base + 128;
    for block in [1u32, 64, 100, 256] {
        launch(f, [n.div_ceil(block), 1, 1], [block, 1, 1], 0, &blob(&FillArgs { dst, value: block, count: n }), s);
        sync(s);
        let got = download::<u32>(base, n as usize + 64);
        assert!(got[..32].iter().all(|v| *v == 0), "block {block}: nothing before the view");
        assert!(got[32..32 + n as usize].iter().all(|v| *v == block), "block {block}");
        assert!(got[32 + n as usize..].iter().all(|v| *v == 0), "block {block}: guard words untouched");
    }
    let args = blob(&FillArgs { dst, value: 1, count: 1 });
    let mut max = 0;
    ok!(api().function_get_attribute.unwrap()(f, sys::FH_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK, &mut max));
    assert!(max as u32 >= sys::FH_MIN_MAX_THREADS_PER_BLOCK && max as u32 <= props.max_threads_per_block);
    launch(f, [1, 1, 1], [max as u32, 1, 1], 0, &args, s);
    assert_eq!(launch_status(f, [1, 1, 1], [max as u32 + 1, 1, 1], 0, &args, s), sys::FH_ERROR_INVALID_CONFIGURATION);
    assert_eq!(launch_status(f, [0, 1, 1], [1, 1, 1], 0, &args, s), sys::FH_ERROR_INVALID_CONFIGURATION);
    sync(s);
    destroy(s);
    free(base);
}

#[repr(C)]
#[derive(Clone, Copy)]
struct IndexArgs {
    dst: u64,
    size: [u32; 3],
}

#[test]
fn three_dimensional_grids_map_to_groups_and_local_ids() {
    let s = stream();
    let size = [13u32, 7, 5];
    let total = (size[0] * size[1] * size[2]) as usize;
    let out = alloc(4 * total + 16);
    ok!(api().memset.unwrap()(common::device(), out, 0xFFFF_FFFF, 4, total + 4));
    let block = [4u32, 4, 2];
    let grid = [0, 1, 2].map(|i| size[i].div_ceil(block[i]));
    launch(kernel("index_3d"), grid, block, 0, &blob(&IndexArgs { dst: out, size }), s);
    sync(s);
    let got = download::<u32>(out, total + 4);
    for z in 0..size[2] {
        for y in 0..size[1] {
            for x in 0..size[0] {
                let i = ((z * size[1] + y) * size[0] + x) as usize;
                assert_eq!(got[i], x | (y << 10) | (z << 20), "element ({x},{y},{z})");
            }
        }
    }
    assert!(got[total..].iter().all(|v| *v == u32::MAX), "nothing past the end");
    destroy(s);
    free(out);
}

#[repr(C)]
#[derive(Clone, Copy)]
struct ProbeArgs {
    a: u32,
    b: u64,
    c: f32,
    d: u32,
    out: u64,
}

#[test]
fn blob_fields_arrive_intact_and_the_copy_is_zero_padded() {
    assert_eq!(std::mem::size_of::<ProbeArgs>(), 32);
    let s = stream();
    let out = alloc(6 * 8);
    upload(out, &[u64::MAX; 6]);
    let args = ProbeArgs { a: 0xA1B2_C3D4, b: 0x0102_0304_0506_0708, c: 1.25, d: 77, out };
    let mut bytes = blob(&args);
    bytes.extend_from_slice(&0xFEED_F00Du32.to_ne_bytes()); // 36 bytes
    launch(kernel("probe"), [1, 1, 1], [1, 1, 1], 0, &bytes, s);
    sync(s);
    let got = download::<u64>(out, 6);
    assert_eq!(got, [0xA1B2_C3D4, 0x0102_0304_0506_0708, u64::from(2.5f32.to_bits()), 77, 0xFEED_F00D, 0]);
    destroy(s);
    free(out);
}

#[repr(C)]
#[derive(Clone, Copy)]
struct WideArgs {
    dst: u64,
    words: [u32; 126],
}

#[test]
fn a_512_byte_blob_reaches_the_kernel_whole() {
    let s = stream();
    let dst = alloc(126 * 4);
    let words: [u32; 126] = std::array::from_fn(|i| (i as u32).wrapping_mul(0x9E37_79B9));
    let args = WideArgs { dst, words };
    assert_eq!(std::mem::size_of::<WideArgs>(), 512);
    launch(kernel("wide"), [2, 1, 1], [64, 1, 1], 0, &blob(&args), s);
    sync(s);
    let want: Vec<u32> = (0..126u32).map(|i| words[i as usize].wrapping_mul(3).wrapping_add(i)).collect();
    assert_eq!(download::<u32>(dst, 126), want);
    // the device's limit works; one byte more is refused (by the SDK)
    let limit = properties().max_kernel_args_size as usize;
    let mut long = blob(&args);
    long.resize(limit, 0);
    launch(kernel("wide"), [2, 1, 1], [64, 1, 1], 0, &long, s);
    long.push(0);
    assert_eq!(launch_status(kernel("wide"), [2, 1, 1], [64, 1, 1], 0, &long, s), sys::FH_ERROR_INVALID_CONFIGURATION);
    sync(s);
    destroy(s);
    free(dst);
}

#[repr(C)]
#[derive(Clone, Copy)]
struct ReduceArgs {
    src: u64,
    dst: u64,
    n: u32,
}

#[test]
fn dynamic_local_memory_and_barriers_reduce_each_block() {
    let s = stream();
    let f = kernel("reduce");
    let (block, blocks) = (128u32, 9u32);
    let n = block * blocks - 5;
    let values: Vec<u32> = (0..n).map(|i| i.wrapping_mul(2654435761) >> 16).collect();
    let src = alloc(4 * n as usize);
    let dst = alloc(4 * blocks as usize);
    upload(src, &values);
    launch(f, [blocks, 1, 1], [block, 1, 1], 4 * block, &blob(&ReduceArgs { src, dst, n }), s);
    sync(s);
    let want: Vec<u32> = values.chunks(block as usize).map(|c| c.iter().fold(0u32, |a, v| a.wrapping_add(*v))).collect();
    assert_eq!(download::<u32>(dst, blocks as usize), want);
    // attributes: no static local memory; dynamic up to the device's
    let mut value = -1;
    ok!(api().function_get_attribute.unwrap()(f, sys::FH_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES, &mut value));
    let static_bytes = value as u32;
    ok!(api().function_get_attribute.unwrap()(f, sys::FH_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, &mut value));
    assert_eq!(value as u32, properties().max_shared_memory_per_block - static_bytes);
    ok!(api().function_get_attribute.unwrap()(f, sys::FH_FUNC_ATTRIBUTE_NUM_REGS, &mut value));
    assert_eq!(value, 0);
    fails!(api().function_get_attribute.unwrap()(f, 99, &mut value), sys::FH_ERROR_INVALID_VALUE);
    let too_much = properties().max_shared_memory_per_block + 1;
    assert_eq!(launch_status(f, [1, 1, 1], [block, 1, 1], too_much, &blob(&ReduceArgs { src, dst, n }), s), sys::FH_ERROR_INVALID_CONFIGURATION);
    destroy(s);
    free(src);
    free(dst);
}

#[test]
fn static_local_memory_is_reported_and_limits_dynamic_memory() {
    let f = kernel("static_local");
    let mut shared = -1;
    ok!(api().function_get_attribute.unwrap()(f, sys::FH_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES, &mut shared));
    assert!(shared >= 1024, "1 KiB of static __local memory: {shared}");
    let mut dynamic = -1;
    ok!(api().function_get_attribute.unwrap()(f, sys::FH_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, &mut dynamic));
    assert_eq!(dynamic as u32 + shared as u32, properties().max_shared_memory_per_block);
    let s = stream();
    let dst = alloc(256 * 4);
    launch(f, [1, 1, 1], [256, 1, 1], 0, &dst.to_ne_bytes(), s);
    sync(s);
    assert_eq!(download::<u32>(dst, 256), (0..256u32).map(|t| (255 - t) * 2).collect::<Vec<_>>());
    destroy(s);
    free(dst);
}

#[test]
fn build_failures_are_invalid_image_with_the_build_log() {
    let broken = b"__kernel void broken(__global const uchar *args) { this_is_not_declared = 1; }";
    let (status, module) = load_source(broken);
    assert_eq!(status, sys::FH_ERROR_INVALID_IMAGE);
    assert!(module.is_null());
    let why = common::detail();
    assert!(why.contains("clBuildProgram failed: CL_BUILD_PROGRAM_FAILURE"), "{why}");
    assert!(why.contains("build log") && why.contains("this_is_not_declared"), "the compiler's message is in the detail: {why}");
    // first half of a valid module
    let source = common::TEST_KERNELS.as_bytes();
    assert_eq!(load_source(&source[..source.len() / 2]).0, sys::FH_ERROR_INVALID_IMAGE);
    // not text, empty, NUL inside, no kernel at all
    let mut inverted = source.to_vec();
    inverted[..16].iter_mut().for_each(|b| *b ^= 0xFF);
    assert_eq!(load_source(&inverted).0, sys::FH_ERROR_INVALID_IMAGE);
    assert!(common::detail().contains("UTF-8"), "{}", common::detail());
    assert_eq!(load_source(&[0; 16]).0, sys::FH_ERROR_INVALID_IMAGE);
    // two translation units, the second not OpenCL C
    assert_eq!(load_source(b"__kernel void a(__global const uchar *p) {}\0x\0").0, sys::FH_ERROR_INVALID_IMAGE);
    assert!(common::detail().contains("clCompileProgram of translation unit 1 of 2"), "{}", common::detail());
    assert_eq!(load_source(b"__kernel void a(__global const uchar *p) {}\0\0").0, sys::FH_ERROR_INVALID_IMAGE, "an empty unit");
    // several units whose last has no NUL: a truncated image, even where
    // the cut leaves text that compiles
    let two = b"__kernel void a(__global const uchar *p) {}\0typedef uint word;\0";
    let (status, module) = load_source(two);
    assert_eq!(status, sys::FH_SUCCESS, "{}", common::detail());
    common::host_device().unload(module);
    assert_eq!(load_source(&two[..two.len() - 1]).0, sys::FH_ERROR_INVALID_IMAGE);
    assert!(common::detail().contains("truncated"), "{}", common::detail());
    assert_eq!(load_source(b"/* a comment */ int helper(int x) { return x; }").0, sys::FH_ERROR_INVALID_IMAGE);
    assert!(common::detail().contains("no __kernel"), "{}", common::detail());
    // a module with a trailing NUL loads
    let mut with_nul = source.to_vec();
    with_nul.push(0);
    let (status, module) = load_source(&with_nul);
    assert_eq!(status, sys::FH_SUCCESS, "{}", common::detail());
    common::host_device().unload(module);
}

#[test]
fn kernels_outside_the_convention_are_refused_by_name() {
    for (source, what) in [
        (&b"__kernel void two_globals(__global const uchar *a, __global uint *b) {}"[..], "parameter 1 is not __local"),
        (b"__kernel void none(void) {}", "takes 0 parameters"),
        (b"__kernel void four(__global const uchar *a, __local uchar *s, uint n, uint m) {}", "takes 4 parameters"),
        (b"__kernel void third(__global const uchar *a, __local uchar *s, __global uint *n) {}", "parameter 2 is not a value"),
        (b"__kernel void scalar(uint n) {}", "parameter 0 is not __global"),
    ] {
        assert_eq!(load_source(source).0, sys::FH_ERROR_INVALID_IMAGE, "{what}");
        let why = common::detail();
        assert!(why.contains(what), "{why} says {what}");
    }
}

#[test]
fn unknown_names_are_not_found_and_lookups_repeat_the_handle() {
    let module = common::test_module();
    let mut f = std::ptr::null_mut();
    fails!(api().module_get_function.unwrap()(module, c"no_such".as_ptr(), &mut f), sys::FH_ERROR_NOT_FOUND);
    assert!(f.is_null());
    assert!(common::detail().contains("fill_u32"), "the detail lists the kernels: {}", common::detail());
    let a = function(module, "fill_u32");
    assert_eq!(function(module, "fill_u32"), a, "the same handle");
    common::host_device().unload(module);
}

#[test]
fn a_module_unloaded_with_a_queued_launch_stays_alive() {
    let s = stream();
    let module = common::test_module();
    let f = function(module, "fill_u32");
    let dst = alloc(4 * 64);
    let gate = flaghal_plugin_host::gates::Gate::default();
    ok!(api().launch_host_func.unwrap()(s, Some(flaghal_plugin_host::gates::wait_at_gate), gate.as_user_data()));
    launch(f, [1, 1, 1], [64, 1, 1], 0, &blob(&FillArgs { dst, value: 0xAB, count: 64 }), s);
    common::host_device().unload(module);
    gate.open();
    sync(s);
    assert!(download::<u32>(dst, 64).iter().all(|v| *v == 0xAB));
    destroy(s);
    free(dst);
}

#[repr(C)]
#[derive(Clone, Copy)]
struct CountArgs {
    counters: u64,
    n: u32,
}

#[test]
fn one_function_launched_from_many_threads_keeps_each_launchs_arguments() {
    // clSetKernelArg is not thread-safe per kernel: the plugin serialises
    // set-arguments + enqueue, so each launch keeps its own blob.
    let f = kernel("fill_u32");
    let threads = 8usize;
    let per_thread = 40usize;
    let buffers: Vec<u64> = (0..threads).map(|_| alloc(64 * 4)).collect();
    std::thread::scope(|scope| {
        for (t, dst) in buffers.iter().enumerate() {
            let dst = *dst;
            let f = flaghal_plugin_host::Function(f);
            scope.spawn(move || {
                let f = f; // the whole Send handle, not its raw field
                let s = stream();
                for k in 0..per_thread {
                    let value = (t * 1000 + k) as u32;
                    launch(f.0, [1, 1, 1], [64, 1, 1], 0, &blob(&FillArgs { dst, value, count: 64 }), s);
                }
                sync(s);
                destroy(s);
            });
        }
    });
    for (t, dst) in buffers.iter().enumerate() {
        let want = (t * 1000 + per_thread - 1) as u32;
        assert!(download::<u32>(*dst, 64).iter().all(|v| *v == want), "thread {t}'s last launch wrote its own value");
        free(*dst);
    }
    if properties().capabilities & sys::FH_DEVICE_CAP_ATOMIC_INT64 != 0 {
        let s = stream();
        let counters = alloc(8 * 7);
        upload(counters, &[0u64; 7]);
        launch(kernel("atomic_count"), [10, 1, 1], [70, 1, 1], 0, &blob(&CountArgs { counters, n: 7 }), s);
        sync(s);
        assert_eq!(download::<u64>(counters, 7), vec![100u64; 7]);
        destroy(s);
        free(counters);
    }
}

#[test]
fn an_empty_blob_still_gets_a_buffer() {
    let source = b"__kernel void empty_args(__global const uchar *args) { if (args[0] != 0) { } }";
    let (status, module) = load_source(source);
    assert_eq!(status, sys::FH_SUCCESS, "{}", common::detail());
    let f = function(module, "empty_args");
    let s = stream();
    launch(f, [1, 1, 1], [1, 1, 1], 0, &[], s);
    sync(s);
    destroy(s);
    common::host_device().unload(module);
}

#[test]
fn the_third_parameter_is_the_dynamic_local_memorys_size() {
    let s = stream();
    let out = alloc(8);
    let f = kernel("local_size");
    for (asked, given) in [(0u32, 16u32), (1, 16), (100, 112), (4096, 4096)] {
        upload(out, &[0u32; 2]);
        launch(f, [1, 1, 1], [8, 1, 1], asked, &out.to_ne_bytes(), s);
        sync(s);
        assert_eq!(download::<u32>(out, 2), vec![given, 0x5A], "{asked} bytes asked: {given} given, the last one usable");
    }
    destroy(s);
    free(out);
}

/// Two translation units that both define a `static` helper and a struct of
/// the same name (which one unit could not hold), and a kernel each; the
/// second unit calls a function the first defines.
const TWO_UNITS: &[u8] = b"\
typedef struct { ulong dst; uint value; } args_t;\n\
static uint helper(uint x) { return x + 1u; }\n\
uint shared_twice(uint x) { return 2u * x; }\n\
__kernel void first(__global const uchar *blob) {\n\
    __global const args_t *a = (__global const args_t *)blob;\n\
    *(__global uint *)a->dst = helper(a->value);\n\
}\0\
typedef struct { ulong dst; uint value; uint extra; } args_t;\n\
static uint helper(uint x) { return x + 100u; }\n\
uint shared_twice(uint x);\n\
__kernel void second(__global const uchar *blob) {\n\
    __global const args_t *a = (__global const args_t *)blob;\n\
    *(__global uint *)a->dst = shared_twice(helper(a->value)) + a->extra;\n\
}\0";

#[test]
fn translation_units_are_compiled_apart_and_linked() {
    let (status, module) = load_source(TWO_UNITS);
    assert_eq!(status, sys::FH_SUCCESS, "{}", common::detail());
    let s = stream();
    let out = alloc(8);
    #[repr(C)]
    #[derive(Clone, Copy)]
    struct Args {
        dst: u64,
        value: u32,
        extra: u32,
    }
    launch(function(module, "first"), [1, 1, 1], [1, 1, 1], 0, &blob(&Args { dst: out, value: 5, extra: 0 }), s);
    launch(function(module, "second"), [1, 1, 1], [1, 1, 1], 0, &blob(&Args { dst: out + 4, value: 5, extra: 7 }), s);
    sync(s);
    assert_eq!(download::<u32>(out, 2), vec![6, 217], "each unit's own helper; the second calls the first's function");
    common::host_device().unload(module);
    destroy(s);
    free(out);
    // the same two units as one would not build: the detail has the log
    let joined: Vec<u8> = TWO_UNITS.iter().copied().filter(|b| *b != 0).collect();
    assert_eq!(load_source(&joined).0, sys::FH_ERROR_INVALID_IMAGE);
    assert!(common::detail().contains("redefinition"), "{}", common::detail());
}
