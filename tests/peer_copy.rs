//! Issue 12, item 4: fhMemcpyPeer and fhMemcpyPeerAsync copy between the
//! devices of different plugins (CPU, Vulkan on lavapipe, OpenCL on PoCL) in
//! one process, every byte verified; the queued copy is ordered against
//! pending work on both of its streams; bad arguments get clear errors.

use flaghal_client::{Device, Hal, Stream};
use flaghal_integration::child::Scenario;
use flaghal_integration::paths;
use flaghal_sys::*;
use std::ffi::c_void;
use std::sync::atomic::{AtomicBool, Ordering};

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Three chunks of the loader's 4 MiB staging and a ragged end, so that the
/// queued copy reuses its first staging buffer.
const SIZE: usize = (9 << 20) + 4099;

/// The CPU device and whichever of Vulkan and OpenCL are installed (under
/// CI both must be: scripts/test.sh installs lavapipe and PoCL).
fn devices(hal: &Hal) -> Vec<(&'static str, Device)> {
    let mut found = Vec::new();
    for plugin in ["cpu", "vulkan", "opencl"] {
        match hal.device_of_plugin(plugin).expect("device query") {
            Some(device) => found.push((plugin, device)),
            None => {
                assert!(!in_ci(), "CI is set, so the {plugin} device must be there");
                eprintln!("SKIPPED: no {plugin} device; copies to and from it not checked");
            }
        }
    }
    assert!(found.len() >= 2 || !in_ci());
    found
}

fn scenario(test: &str) -> Scenario {
    Scenario::new(test).plugins(&[paths::cpu_plugin(), paths::vulkan_plugin(), paths::opencl_plugin()])
}

/// Bytes that differ from position to position and from `seed` to seed.
fn pattern(seed: u32) -> Vec<u8> {
    (0..SIZE as u32).map(|i| (i.wrapping_mul(2654435761).wrapping_add(seed.wrapping_mul(97)) >> 13) as u8).collect()
}

fn assert_bytes(got: &[u8], want: &[u8], what: &str) {
    if let Some(i) = (0..want.len()).find(|&i| got[i] != want[i]) {
        panic!("{what}: byte {i} of {} is {}, expected {}", want.len(), got[i], want[i]);
    }
}

#[test]
fn peer_copies_move_every_byte_between_every_pair_of_devices() {
    scenario("peer_copies_move_every_byte_between_every_pair_of_devices").run(|hal| {
        let devices = devices(hal);
        let mut seed = 1;
        for &(src_name, src_device) in &devices {
            for &(dst_name, dst_device) in &devices {
                let src = hal.mem_alloc(src_device, SIZE).unwrap();
                let dst = hal.mem_alloc(dst_device, SIZE).unwrap();
                let want = pattern(seed);
                hal.htod(src_device, src, &want).unwrap();
                hal.peer(dst_device, dst, src_device, src, SIZE).unwrap();
                assert_bytes(&hal.read(dst_device, dst, SIZE).unwrap(), &want, &format!("fhMemcpyPeer {src_name} -> {dst_name}"));

                // Queued, at an offset into both allocations.
                let want = pattern(seed + 1000);
                hal.htod(src_device, src, &want).unwrap();
                let (s_src, s_dst) = (hal.stream_create(src_device).unwrap(), hal.stream_create(dst_device).unwrap());
                let (offset, length) = (3 << 10, SIZE - (5 << 10));
                hal.peer_async(dst + offset as u64, src + offset as u64, length, s_dst, s_src).unwrap();
                hal.stream_synchronize(s_dst).unwrap();
                hal.stream_synchronize(s_src).unwrap();
                let got = hal.read(dst_device, dst + offset as u64, length).unwrap();
                assert_bytes(&got, &want[offset..offset + length], &format!("fhMemcpyPeerAsync {src_name} -> {dst_name}"));
                for s in [s_src, s_dst] {
                    hal.stream_destroy(s).unwrap();
                }
                hal.mem_free(src_device, src).unwrap();
                hal.mem_free(dst_device, dst).unwrap();
                println!("{SIZE} bytes verified {src_name} -> {dst_name}, synchronous and queued");
                seed += 1;
            }
        }
    });
}

/// A host function that blocks its stream until the flag is set.
unsafe extern "C" fn wait_for_gate(gate: *mut c_void) {
    // SAFETY: `gate` is the AtomicBool the test keeps alive until both
    // streams are synchronised.
    let gate = unsafe { &*(gate as *const AtomicBool) };
    while !gate.load(Ordering::Acquire) {
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

fn gate(hal: &Hal, stream: Stream, flag: &AtomicBool) {
    // SAFETY: the flag outlives the streams' work (synchronised before the
    // test returns); wait_for_gate only reads it.
    unsafe { hal.launch_host_func(stream, wait_for_gate, flag as *const AtomicBool as *mut c_void) }.unwrap();
}

#[test]
fn a_queued_peer_copy_waits_for_earlier_work_on_both_streams_and_later_work_waits_for_it() {
    scenario("a_queued_peer_copy_waits_for_earlier_work_on_both_streams_and_later_work_waits_for_it").run(|hal| {
        let devices = devices(hal);
        for &(src_name, src_device) in &devices {
            for &(dst_name, dst_device) in devices.iter().filter(|(_, d)| *d != src_device) {
                let (src, dst) = (hal.mem_alloc(src_device, SIZE).unwrap(), hal.mem_alloc(dst_device, SIZE).unwrap());
                hal.memset(src_device, src, 0x11, 1, SIZE).unwrap();
                hal.memset(dst_device, dst, 0x22, 1, SIZE).unwrap();
                let (s_src, s_dst) = (hal.stream_create(src_device).unwrap(), hal.stream_create(dst_device).unwrap());
                let (src_gate, dst_gate) = (AtomicBool::new(false), AtomicBool::new(false));
                // Earlier work on both streams, held back by gates: the copy
                // must read src after the 0x33 fill and write dst after the
                // 0x44 fill.
                gate(hal, s_src, &src_gate);
                hal.memset_async(src, 0x33, 1, SIZE, s_src).unwrap();
                gate(hal, s_dst, &dst_gate);
                hal.memset_async(dst, 0x44, 1, SIZE, s_dst).unwrap();
                hal.peer_async(dst, src, SIZE, s_dst, s_src).unwrap();
                // Later work: src's refill must wait until the copy has read
                // all of it; dst's read-back must see the copied bytes.
                hal.memset_async(src, 0x55, 1, SIZE, s_src).unwrap();
                let mut back = vec![0u8; SIZE];
                // SAFETY: `back` lives, untouched, until s_dst is synchronised.
                unsafe { hal.dtoh_async(&mut back, dst, s_dst) }.unwrap();
                hal.memset_async(dst, 0x66, 1, SIZE, s_dst).unwrap();
                std::thread::sleep(std::time::Duration::from_millis(30));
                assert_eq!(hal.stream_query(s_dst).map_err(|e| e.status), Err(FH_ERROR_NOT_READY), "the gate holds dst");
                dst_gate.store(true, Ordering::Release);
                std::thread::sleep(std::time::Duration::from_millis(30));
                assert_eq!(hal.stream_query(s_dst).map_err(|e| e.status), Err(FH_ERROR_NOT_READY), "dst waits for src's gate");
                src_gate.store(true, Ordering::Release);
                hal.stream_synchronize(s_dst).unwrap();
                hal.stream_synchronize(s_src).unwrap();
                let what = format!("{src_name} -> {dst_name}");
                assert_bytes(&back, &vec![0x33; SIZE], &format!("{what}: what later work on dst read"));
                assert_bytes(&hal.read(dst_device, dst, SIZE).unwrap(), &vec![0x66; SIZE], &format!("{what}: dst at the end"));
                assert_bytes(&hal.read(src_device, src, SIZE).unwrap(), &vec![0x55; SIZE], &format!("{what}: src at the end"));
                for s in [s_src, s_dst] {
                    hal.stream_destroy(s).unwrap();
                }
                hal.mem_free(src_device, src).unwrap();
                hal.mem_free(dst_device, dst).unwrap();
                println!("ordering verified {what}");
            }
        }
    });
}

#[test]
fn bad_peer_copies_get_clear_errors_and_change_nothing() {
    scenario("bad_peer_copies_get_clear_errors_and_change_nothing").env("FLAGHAL_VALIDATION", "1").run(|hal| {
        let devices = devices(hal);
        let (cpu, other) = (devices[0].1, devices.last().unwrap().1);
        let (src, dst) = (hal.mem_alloc(cpu, 4096).unwrap(), hal.mem_alloc(other, 4096).unwrap());
        hal.memset(other, dst, 0x77, 1, 4096).unwrap();
        let status = |r: flaghal_client::Result| r.map_err(|e| (e.status, e.message)).err();
        let (s_cpu, s_other) = (hal.stream_create(cpu).unwrap(), hal.stream_create(other).unwrap());

        let (code, message) = status(hal.peer(Device::null(), dst, cpu, src, 16)).unwrap();
        assert_eq!(code, FH_ERROR_INVALID_HANDLE, "{message}");
        let (code, message) = status(hal.peer_async(dst, src, 16, s_other, Stream::null())).unwrap();
        assert_eq!(code, FH_ERROR_INVALID_HANDLE, "{message}");

        let (code, message) = status(hal.peer(other, u64::MAX - 8, cpu, src, 16)).unwrap();
        assert_eq!(code, FH_ERROR_INVALID_VALUE, "{message}");
        assert!(message.contains("flaghal: fhMemcpyPeer: dst range") && message.contains("overflows"), "{message}");

        // One byte past the source allocation: the validation layer names it.
        let (code, message) = status(hal.peer(other, dst, cpu, src + 1, 4096)).unwrap();
        assert_eq!(code, FH_ERROR_INVALID_ADDRESS, "{message}");
        assert!(message.contains("src range") && message.contains("device"), "{message}");
        let (code, message) = status(hal.peer_async(dst + 8, src, 4096, s_other, s_cpu)).unwrap();
        assert_eq!(code, FH_ERROR_INVALID_ADDRESS, "{message}");
        assert!(message.contains("fhMemcpyPeerAsync: dst range"), "{message}");

        // Size 0 is a no-op, even at an address no allocation holds.
        hal.peer(other, 0x10, cpu, 0x10, 0).unwrap();
        hal.peer_async(0x10, 0x10, 0, s_other, s_cpu).unwrap();
        for s in [s_cpu, s_other] {
            hal.stream_destroy(s).unwrap();
        }
        assert_bytes(&hal.read(other, dst, 4096).unwrap(), &[0x77; 4096], "dst after the refused copies");
        hal.mem_free(cpu, src).unwrap();
        hal.mem_free(other, dst).unwrap();
    });
}

#[test]
fn without_validation_a_device_that_checks_addresses_refuses_a_peer_range_outside_its_allocations() {
    scenario("without_validation_a_device_that_checks_addresses_refuses_a_peer_range_outside_its_allocations").run(|hal| {
        let devices = devices(hal);
        let (cpu, other) = (devices[0].1, devices.last().unwrap().1);
        if !hal.properties(other).unwrap().has(FH_DEVICE_CAP_ADDRESS_CHECKS) {
            eprintln!("SKIPPED: the device does not check addresses");
            return;
        }
        let (src, dst) = (hal.mem_alloc(cpu, 4096).unwrap(), hal.mem_alloc(other, 4096).unwrap());
        let err = hal.peer(other, dst + 4096, cpu, src, 64).unwrap_err();
        assert_eq!(err.status, FH_ERROR_INVALID_ADDRESS, "{err}");
        assert!(err.message.contains("fhMemcpyPeer"), "{err}");
        hal.mem_free(cpu, src).unwrap();
        hal.mem_free(other, dst).unwrap();
    });
}
