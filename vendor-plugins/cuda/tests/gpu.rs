//! The CUDA plugin on a real NVIDIA GPU, through its own ABI table (the
//! shared plugin test host), with hand-written PTX kernels. Every test is
//! `#[ignore]`: CI machines have no GPU. scripts/device-check.sh builds this
//! binary here (`--prepare`) and runs it with `--ignored` on a GPU machine;
//! `cargo test -p flaghal-plugin-cuda --test gpu -- --ignored` does the
//! same on any machine with a GPU. Each test fails when no device is there.
//!
//! What these add to the conformance suite: the PTX calling convention
//! (the blob as the parameter buffer, cut or zero-padded to the exact
//! parameter size; an empty blob; dynamic shared memory above CUDA's default
//! 48 KiB; an image of several PTX units), the JIT log in INVALID_IMAGE
//! details, staged async copies behind a blocked stream, and the
//! sticky-fault policy (health.rs), in a child process because it leaves
//! the device lost.

use flaghal_plugin_host::gates::{wait_at_gate, Gate};
use flaghal_plugin_host::{take_detail, Device, Plugin, Stream};
use flaghal_sys::*;
use std::ffi::c_void;

/// fill_u32 (dst @0, value @8, count @12): the conformance kernel's layout;
/// store_u32 (dst @0, value @8): 12 bytes of parameters, 16 as a C struct;
/// reverse_block: block-reverses thread ids through dynamic shared memory;
/// fault: `trap`, no parameters.
const PTX: &str = r#"
.version 7.0
.target sm_50
.address_size 64

.extern .shared .align 16 .b8 dynamic_shared[];

.visible .entry fill_u32(
	.param .u64 fill_u32_dst,
	.param .u32 fill_u32_value,
	.param .u32 fill_u32_count
)
{
	.reg .pred 	%p<2>;
	.reg .b32 	%r<7>;
	.reg .b64 	%rd<5>;

	ld.param.u64 	%rd1, [fill_u32_dst];
	ld.param.u32 	%r1, [fill_u32_value];
	ld.param.u32 	%r2, [fill_u32_count];
	mov.u32 	%r3, %ctaid.x;
	mov.u32 	%r4, %ntid.x;
	mov.u32 	%r5, %tid.x;
	mad.lo.s32 	%r6, %r3, %r4, %r5;
	setp.ge.u32 	%p1, %r6, %r2;
	@%p1 bra 	$L_fill_done;
	cvta.to.global.u64 	%rd2, %rd1;
	mul.wide.u32 	%rd3, %r6, 4;
	add.s64 	%rd4, %rd2, %rd3;
	st.global.u32 	[%rd4], %r1;
$L_fill_done:
	ret;
}

.visible .entry store_u32(
	.param .u64 store_u32_dst,
	.param .u32 store_u32_value
)
{
	.reg .b32 	%r<2>;
	.reg .b64 	%rd<3>;

	ld.param.u64 	%rd1, [store_u32_dst];
	ld.param.u32 	%r1, [store_u32_value];
	cvta.to.global.u64 	%rd2, %rd1;
	st.global.u32 	[%rd2], %r1;
	ret;
}

.visible .entry reverse_block(
	.param .u64 reverse_block_dst
)
{
	.reg .b32 	%r<9>;
	.reg .b64 	%rd<5>;

	ld.param.u64 	%rd1, [reverse_block_dst];
	mov.u32 	%r1, %tid.x;
	mov.u32 	%r2, %ntid.x;
	mov.u32 	%r3, dynamic_shared;
	shl.b32 	%r4, %r1, 2;
	add.s32 	%r5, %r3, %r4;
	st.shared.u32 	[%r5], %r1;
	bar.sync 	0;
	sub.s32 	%r6, %r2, %r1;
	add.s32 	%r6, %r6, -1;
	shl.b32 	%r6, %r6, 2;
	add.s32 	%r7, %r3, %r6;
	ld.shared.u32 	%r8, [%r7];
	cvta.to.global.u64 	%rd2, %rd1;
	mul.wide.u32 	%rd3, %r1, 4;
	add.s64 	%rd4, %rd2, %rd3;
	st.global.u32 	[%rd4], %r8;
	ret;
}

.visible .entry fault()
{
	trap;
}
"#;

#[repr(C)]
#[derive(Clone, Copy)]
struct FillArgs {
    dst: u64,
    value: u32,
    count: u32,
}

/// 12 bytes of parameters; `size_of` is 16 (tail padding).
#[repr(C)]
#[derive(Clone, Copy)]
struct StoreArgs {
    dst: u64,
    value: u32,
}

fn device() -> Device {
    let plugin = Plugin::start(flaghal_cuda::fhPluginNegotiate);
    assert!(plugin.device_count() >= 1, "this test needs an NVIDIA GPU and its driver; log: {:?}", flaghal_plugin_host::log_lines());
    plugin.device(0)
}

fn ok(status: fh_status_t, what: &str) {
    assert_eq!(status, FH_SUCCESS, "{what}: {}", take_detail());
}

fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)).collect()
}

/// The table's async copies (the test host wraps only the synchronous ones).
fn htod_async(d: &Device, dst: u64, src: &[u8], s: Stream) -> fh_status_t {
    // SAFETY: `src` outlives the stream's work (the tests synchronise first).
    unsafe { d.api.memcpy_htod_async.expect("entry")(s.0, dst, src.as_ptr().cast(), src.len()) }
}

fn dtoh_async(d: &Device, dst: &mut [u8], src: u64, s: Stream) -> fh_status_t {
    // SAFETY: `dst` outlives the stream's work (the tests synchronise first).
    unsafe { d.api.memcpy_dtoh_async.expect("entry")(s.0, dst.as_mut_ptr().cast(), src, dst.len()) }
}

#[test]
#[ignore = "needs an NVIDIA GPU: scripts/device-check.sh runs it"]
fn properties_describe_the_gpu() {
    let d = device();
    let p = d.properties();
    let name = ptr::char_array_to_string(&p.name);
    assert!(!name.is_empty());
    assert_eq!(p.type_, FH_DEVICE_TYPE_GPU);
    assert_eq!(p.subgroup_size, 32, "{name}: warps are 32 wide");
    assert!(p.total_memory > 0 && p.compute_units > 0);
    assert_eq!(&p.module_formats[..p.module_format_count as usize], &[FH_MODULE_FORMAT_CUBIN, FH_MODULE_FORMAT_PTX]);
    assert_ne!(p.uuid, [0; 16], "cuDeviceGetUuid");
    let (free, total) = d.mem_info();
    assert!(free > 0 && free as u64 <= p.total_memory && total as u64 == p.total_memory, "{free} of {total}");
    eprintln!("{name}: {} SMs, {} bytes, shared {} per block, capabilities {:#x}", p.compute_units, p.total_memory, p.max_shared_memory_per_block, p.capabilities);
}

#[test]
#[ignore = "needs an NVIDIA GPU: scripts/device-check.sh runs it"]
fn synchronous_copies_memsets_and_address_checks() {
    let d = device();
    let len = (1 << 20) + 1;
    let ptr = d.alloc(len);
    assert_eq!(ptr % 256, 0, "256-byte aligned");
    let data = pattern(len, 3);
    ok(d.htod(ptr, &data), "htod");
    let mut back = vec![0u8; len];
    ok(d.dtoh(&mut back, ptr), "dtoh");
    assert!(back == data, "round trip");
    ok(d.memset(ptr + 1, 0xAB, 1, 7), "memset d8");
    ok(d.memset(ptr + 8, 0xBEEF, 2, 4), "memset d16");
    ok(d.memset(ptr + 16, 0xDEAD_BEEF, 4, 4), "memset d32");
    let head: Vec<u8> = d.download(ptr, 32);
    assert_eq!(&head[1..8], &[0xAB; 7]);
    assert_eq!(&head[8..16], &[0xEF, 0xBE, 0xEF, 0xBE, 0xEF, 0xBE, 0xEF, 0xBE]);
    assert_eq!(&head[16..32], &[0xEF, 0xBE, 0xAD, 0xDE].repeat(4)[..]);
    assert_eq!(head[0], data[0], "byte 0 untouched");
    assert_eq!(d.memset(ptr + 2, 1, 4, 1), FH_ERROR_INVALID_VALUE, "misaligned d32");
    assert_eq!(d.htod(ptr + len as u64 - 1, &[1, 2]), FH_ERROR_INVALID_ADDRESS, "one byte past the end");
    assert_eq!(d.free(ptr + 1), FH_ERROR_INVALID_ADDRESS, "an interior address");
    assert_eq!(d.try_alloc(usize::MAX).0, FH_ERROR_OUT_OF_MEMORY);
    ok(d.free(ptr), "free");
    assert_eq!(d.free(ptr), FH_ERROR_INVALID_ADDRESS, "a double free");
}

#[test]
#[ignore = "needs an NVIDIA GPU: scripts/device-check.sh runs it"]
fn async_copies_through_pageable_memory_never_block_a_gated_stream() {
    let d = device();
    let len = 3 << 20;
    let (a, b) = (d.alloc(len), d.alloc(len));
    let s = d.stream();
    let gate = Box::leak(Box::new(Gate::default()));
    d.host_func(s, wait_at_gate, gate.as_user_data());
    let src = pattern(len, 9);
    let mut out = vec![0u8; len];
    // Each call must return while the stream is blocked: the driver would
    // wait for the stream inside a device-to-host copy into pageable memory.
    ok(htod_async(&d, a, &src, s), "htod_async");
    // SAFETY: a live stream and checked ranges.
    ok(unsafe { d.api.memcpy_dtod_async.expect("entry")(s.0, b, a, len) }, "dtod_async");
    ok(dtoh_async(&d, &mut out, b, s), "dtoh_async");
    assert_eq!(d.query(s), FH_ERROR_NOT_READY, "the gate holds the stream");
    gate.open();
    ok(d.sync(s), "sync");
    assert!(out == src, "staged HtoD, DtoD, staged DtoH in order");
    d.destroy_stream(s);
    ok(d.free(a), "free");
    ok(d.free(b), "free");
}

#[test]
#[ignore = "needs an NVIDIA GPU: scripts/device-check.sh runs it"]
fn pinned_memory_and_event_timing() {
    let d = device();
    let len = 1 << 20;
    let mut host: *mut c_void = std::ptr::null_mut();
    // SAFETY: a valid out pointer.
    ok(unsafe { d.api.mem_alloc_host.expect("entry")(d.device, len, &mut host) }, "mem_alloc_host");
    // SAFETY: `len` bytes of pinned memory owned by this test.
    let pinned = unsafe { std::slice::from_raw_parts_mut(host.cast::<u8>(), len) };
    pinned.copy_from_slice(&pattern(len, 5));
    let ptr = d.alloc(len);
    let s = d.stream();
    let (start, end, untimed) = (d.event(FH_EVENT_DEFAULT), d.event(FH_EVENT_DEFAULT), d.event(FH_EVENT_DISABLE_TIMING));
    assert_eq!(d.elapsed(start, end).0, FH_ERROR_INVALID_VALUE, "never recorded");
    d.record(start, s);
    ok(htod_async(&d, ptr, pinned, s), "htod_async from pinned memory");
    d.record(end, s);
    d.record(untimed, s);
    ok(d.event_sync(end), "event_sync");
    let (status, ms) = d.elapsed(start, end);
    ok(status, "elapsed");
    assert!((0.0..10_000.0).contains(&ms), "{ms} ms for 1 MiB");
    assert_eq!(d.elapsed(start, untimed).0, FH_ERROR_INVALID_VALUE, "an untimed event");
    let back: Vec<u8> = d.download(ptr, len);
    assert!(back == pattern(len, 5));
    for e in [start, end, untimed] {
        d.destroy_event(e);
    }
    d.destroy_stream(s);
    ok(d.free(ptr), "free");
    // SAFETY: the pinned allocation above, no longer used.
    ok(unsafe { d.api.mem_free_host.expect("entry")(d.device, host) }, "mem_free_host");
}

#[test]
#[ignore = "needs an NVIDIA GPU: scripts/device-check.sh runs it"]
fn ptx_kernels_get_the_blob_as_their_parameter_buffer() {
    let d = device();
    let (status, module) = d.load_module(FH_MODULE_FORMAT_PTX, PTX.as_bytes());
    ok(status, "load PTX");
    let fill = d.function(module, c"fill_u32");
    let (status, max_threads) = d.attribute(fill, FH_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK);
    ok(status, "attribute");
    assert!(max_threads >= 64);
    assert_eq!(d.get_function(module, c"no_such_kernel").0, FH_ERROR_NOT_FOUND);
    let n = 1000u32;
    let out = d.alloc(4 * 1024);
    ok(d.memset(out, 0, 4, 1024), "clear");
    let s = d.stream();
    ok(d.launch(fill, [n.div_ceil(128), 1, 1], [128, 1, 1], 0, s, &FillArgs { dst: out, value: 0x600D, count: n }), "launch fill_u32");
    ok(d.sync(s), "sync");
    let words = d.read_u32s(out, 1024);
    assert!(words[..n as usize].iter().all(|w| *w == 0x600D) && words[n as usize..].iter().all(|w| *w == 0), "fill_u32 inside its count only");

    // A blob with C tail padding (16 bytes for 12 of parameters) is cut to
    // the kernel's size; a shorter one is zero-padded to it (the PTX
    // convention): an 8-byte blob stores value 0.
    let store = d.function(module, c"store_u32");
    ok(d.launch(store, [1, 1, 1], [1, 1, 1], 0, s, &StoreArgs { dst: out, value: 0xCAFE }), "launch with tail padding");
    ok(d.sync(s), "sync");
    assert_eq!(d.read_u32s(out, 1)[0], 0xCAFE);
    ok(d.launch_bytes(store, [1, 1, 1], [1, 1, 1], 0, s, &out.to_ne_bytes()), "an 8-byte blob for 12 bytes of parameters");
    ok(d.sync(s), "sync");
    assert_eq!(d.read_u32s(out, 1)[0], 0, "the missing value was zero-padded");

    // Dynamic shared memory beyond CUDA's default 48 KiB (the plugin opts
    // every kernel in to the device maximum).
    let reverse = d.function(module, c"reverse_block");
    let (status, max_dynamic) = d.attribute(reverse, FH_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES);
    ok(status, "attribute");
    let (_, static_shared) = d.attribute(reverse, FH_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES);
    assert_eq!(max_dynamic as u32 + static_shared as u32, d.properties().max_shared_memory_per_block, "opted in to the device maximum");
    let shared = (max_dynamic as u32).min(100 << 10);
    ok(d.launch(reverse, [1, 1, 1], [256, 1, 1], shared, s, &out), "launch with dynamic shared memory");
    ok(d.sync(s), "sync");
    let reversed = d.read_u32s(out, 256);
    assert!(reversed.iter().enumerate().all(|(i, w)| *w == 255 - i as u32), "{:?}", &reversed[..8]);
    assert_eq!(d.launch(reverse, [1, 1, 1], [256, 1, 1], max_dynamic as u32 + 1, s, &out), FH_ERROR_INVALID_CONFIGURATION);
    d.destroy_stream(s);
    ok(d.free(out), "free");
    d.unload(module);
}

/// A second PTX unit, for an image of two (the PTX convention).
const SECOND_UNIT: &str = ".version 7.0\n.target sm_50\n.address_size 64\n.visible .entry add_one(\n\t.param .u64 add_one_dst\n)\n{\n\t.reg .b32 %r<3>;\n\t.reg .b64 %rd<3>;\n\tld.param.u64 %rd1, [add_one_dst];\n\tcvta.to.global.u64 %rd2, %rd1;\n\tld.global.u32 %r1, [%rd2];\n\tadd.s32 %r2, %r1, 1;\n\tst.global.u32 [%rd2], %r2;\n\tret;\n}\n";

#[test]
#[ignore = "needs an NVIDIA GPU: scripts/device-check.sh runs it"]
fn an_image_of_several_ptx_units_is_linked_into_one_module() {
    let d = device();
    let image = [PTX.as_bytes(), &[0], SECOND_UNIT.as_bytes(), &[0]].concat();
    let (status, module) = d.load_module(FH_MODULE_FORMAT_PTX, &image);
    ok(status, "load two units");
    let (store, add_one) = (d.function(module, c"store_u32"), d.function(module, c"add_one"));
    let out = d.alloc(4);
    let s = d.stream();
    ok(d.launch(store, [1, 1, 1], [1, 1, 1], 0, s, &StoreArgs { dst: out, value: 41 }), "a kernel of unit 1");
    ok(d.launch(add_one, [1, 1, 1], [1, 1, 1], 0, s, &out), "a kernel of unit 2");
    ok(d.sync(s), "sync");
    assert_eq!(d.read_u32s(out, 1)[0], 42);
    d.destroy_stream(s);
    ok(d.free(out), "free");
    d.unload(module);
    let broken = [PTX.as_bytes(), &[0], b".version 7.0\n.target sm_50\n.visible .entry broken()\n{\n\tnot_an_instruction;\n}\n"].concat();
    let (status, _) = d.load_module(FH_MODULE_FORMAT_PTX, &broken);
    let detail = take_detail();
    assert_eq!(status, FH_ERROR_INVALID_IMAGE, "{detail}");
    assert!(detail.contains("unit 2"), "the failing unit is named: {detail}");
}

#[test]
#[ignore = "needs an NVIDIA GPU: scripts/device-check.sh runs it"]
fn bad_ptx_is_invalid_image_with_the_jit_log() {
    let d = device();
    let bad = ".version 7.0\n.target sm_50\n.address_size 64\n.visible .entry broken()\n{\n\tnot_an_instruction %r1;\n}\n";
    let (status, _) = d.load_module(FH_MODULE_FORMAT_PTX, bad.as_bytes());
    let detail = take_detail();
    assert_eq!(status, FH_ERROR_INVALID_IMAGE, "{detail}");
    assert!(detail.contains("cuModuleLoadDataEx") && detail.contains("CUDA_ERROR_INVALID_PTX"), "{detail}");
    assert!(detail.to_lowercase().contains("error"), "the JIT log is in the detail: {detail}");
    eprintln!("detail: {detail}");
    let (status, _) = d.load_module(FH_MODULE_FORMAT_CUBIN, PTX.as_bytes());
    assert_eq!(status, FH_ERROR_INVALID_IMAGE, "PTX is not a cubin: {}", take_detail());
}

#[test]
#[ignore = "needs an NVIDIA GPU: scripts/device-check.sh runs it"]
fn a_module_unloaded_with_a_queued_launch_stays_alive_until_it_ran() {
    let d = device();
    let (status, module) = d.load_module(FH_MODULE_FORMAT_PTX, PTX.as_bytes());
    ok(status, "load");
    let fill = d.function(module, c"fill_u32");
    let out = d.alloc(4096);
    ok(d.memset(out, 0, 4, 1024), "clear");
    let s = d.stream();
    let gate = Box::leak(Box::new(Gate::default()));
    d.host_func(s, wait_at_gate, gate.as_user_data());
    ok(d.launch(fill, [8, 1, 1], [128, 1, 1], 0, s, &FillArgs { dst: out, value: 7, count: 1024 }), "launch");
    d.unload(module);
    gate.open();
    ok(d.sync(s), "sync");
    assert!(d.read_u32s(out, 1024).iter().all(|w| *w == 7));
    ok(d.device_sync(), "device sync (sweeps the retired module)");
    d.destroy_stream(s);
    ok(d.free(out), "free");
}

#[test]
#[ignore = "needs an NVIDIA GPU: scripts/device-check.sh runs it"]
fn threads_share_the_device_with_their_own_streams() {
    let d = device();
    std::thread::scope(|scope| {
        for t in 0..4u8 {
            scope.spawn(move || {
                let s = d.stream();
                let len = 256 << 10;
                let ptr = d.alloc(len);
                let src = pattern(len, t);
                let mut out = vec![0u8; len];
                for _ in 0..20 {
                    ok(htod_async(&d, ptr, &src, s), "htod_async");
                    ok(dtoh_async(&d, &mut out, ptr, s), "dtoh_async");
                    ok(d.sync(s), "sync");
                    assert!(out == src);
                }
                d.destroy_stream(s);
                ok(d.free(ptr), "free");
            });
        }
    });
}

const FAULT_CHILD: &str = "FLAGHAL_CUDA_FAULT_CHILD";

#[test]
#[ignore = "needs an NVIDIA GPU: scripts/device-check.sh runs it"]
fn a_kernel_fault_is_reported_once_then_the_device_is_lost() {
    // The fault leaves the context unusable for the rest of the process.
    let exe = std::env::current_exe().expect("current_exe");
    let out = std::process::Command::new(exe)
        .args(["--ignored", "--exact", "fault_child", "--nocapture"])
        .env(FAULT_CHILD, "1")
        .output()
        .expect("spawn the child");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && text.contains("FAULT_CHILD_DONE"), "{text}");
}

/// Runs only in the child of the test above.
#[test]
#[ignore = "needs an NVIDIA GPU: run through a_kernel_fault_is_reported_once_then_the_device_is_lost"]
fn fault_child() {
    if std::env::var(FAULT_CHILD).as_deref() != Ok("1") {
        return;
    }
    let d = device();
    let (status, module) = d.load_module(FH_MODULE_FORMAT_PTX, PTX.as_bytes());
    ok(status, "load");
    let fault = d.function(module, c"fault");
    let ptr = d.alloc(64);
    let s = d.stream();
    ok(d.launch_bytes(fault, [1, 1, 1], [1, 1, 1], 0, s, &[]), "launch fault (no parameters)");
    let first = d.sync(s);
    let detail = take_detail();
    assert_eq!(first, FH_ERROR_LAUNCH_FAILED, "{detail}");
    assert!(detail.contains("CUDA_ERROR_"), "{detail}");
    assert_eq!(d.sync(s), FH_ERROR_DEVICE_LOST, "reported once");
    assert_eq!(d.memset(ptr, 0, 1, 64), FH_ERROR_DEVICE_LOST);
    assert_eq!(d.query(s), FH_ERROR_DEVICE_LOST);
    ok(d.try_destroy_stream(s), "destroying still works");
    ok(d.free(ptr), "freeing still works");
    d.unload(module);
    println!("FAULT_CHILD_DONE");
}
