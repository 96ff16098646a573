//! Group `device`: enumeration, properties, documented minimums, leaks, and
//! capability consistency (absent means NOT_SUPPORTED, present means it works).

use super::util::{pattern, status_of};
use super::{core, Ctx, TestDef, TestResult};
use crate::{ensure, expect_status};
use flaghal_client::Properties;
use flaghal_sys as sys;
use std::mem::{offset_of, size_of};

pub fn tests() -> Vec<TestDef> {
    vec![
        core("device.enumeration", "count >= 1, stable handles per ordinal, ordinal out of range refused", enumeration),
        core("device.properties_sane", "name, memory, units, block/grid dims, formats and alignment make sense", properties_sane),
        core("device.properties_stable", "properties are identical across calls", properties_stable),
        core("device.properties_struct_size", "older and newer callers' struct sizes are honoured", properties_struct_size),
        core("device.limits_minimums", "limits meet FH_MIN_* of flaghal.h", limits_minimums),
        core("device.create_destroy_no_leak", "200 create/destroy cycles bring fhMemGetInfo back to its start", no_leak),
        core("device.capability_consistency", "each absent capability returns NOT_SUPPORTED; each present one works", capability_consistency),
        core("device.synchronize", "fhDeviceSynchronize waits for every stream of the device", synchronize),
    ]
}

fn enumeration(ctx: &Ctx) -> TestResult {
    let count = ctx.hal.device_count()?;
    ensure!(count >= 1 && ctx.ordinal < count, "device count {count}, ordinal under test {}", ctx.ordinal);
    for ordinal in 0..count {
        let a = ctx.hal.device(ordinal)?;
        let b = ctx.hal.device(ordinal)?;
        ensure!(a == b && !a.0.is_null(), "fhDeviceGet({ordinal}) gave different or NULL handles");
        ctx.hal.properties(a)?;
    }
    for bad in [count, count + 1, u32::MAX] {
        expect_status!(status_of(&ctx.hal.device(bad)), sys::FH_ERROR_INVALID_DEVICE, "fhDeviceGet({bad}) with {count} devices");
    }
    Ok(())
}

fn properties_sane(ctx: &Ctx) -> TestResult {
    let p = &ctx.props.0;
    ensure!(!ctx.props.name().trim().is_empty(), "empty device name");
    ensure!(!ctx.props.vendor().trim().is_empty(), "empty vendor");
    ensure!(!ctx.props.plugin_name().is_empty(), "empty plugin_name");
    ensure!(p.type_ <= sys::FH_DEVICE_TYPE_NPU, "device type {} is not defined", p.type_);
    ensure!(p.total_memory > 0, "total_memory is 0");
    ensure!(p.compute_units >= 1, "compute_units is 0");
    ensure!(p.subgroup_size >= 1, "subgroup_size is 0 (1 if none)");
    ensure!(p.max_block_dim.iter().all(|d| *d >= 1) && p.max_grid_dim.iter().all(|d| *d >= 1), "a zero block or grid dimension limit");
    ensure!(p.max_block_dim[0] <= p.max_threads_per_block || p.max_threads_per_block > 0, "inconsistent block limits");
    ensure!(
        (1..=sys::FH_MAX_MODULE_FORMATS).contains(&p.module_format_count),
        "module_format_count {} not in 1..={}",
        p.module_format_count,
        sys::FH_MAX_MODULE_FORMATS
    );
    ensure!(ctx.props.formats().iter().all(|f| *f != sys::FH_MODULE_FORMAT_INVALID), "FH_MODULE_FORMAT_INVALID listed as a format");
    ensure!(p.memory_alignment.is_power_of_two(), "memory_alignment {} is not a power of two", p.memory_alignment);
    ensure!(p.next.is_null(), "properties.next must be NULL in 1.0 (was written)");
    let (_, total) = ctx.hal.mem_get_info(ctx.device)?;
    if total as u64 != p.total_memory {
        ctx.warn(format!("fhMemGetInfo total {total} differs from properties.total_memory {}", p.total_memory));
    }
    Ok(())
}

fn same(a: &Properties, b: &Properties) -> bool {
    format!("{:?}", a.0) == format!("{:?}", b.0)
}

fn properties_stable(ctx: &Ctx) -> TestResult {
    for i in 0..5 {
        let again = ctx.hal.properties(ctx.device)?;
        ensure!(same(&again, &ctx.props), "properties changed between calls (call {i})");
    }
    Ok(())
}

fn properties_struct_size(ctx: &Ctx) -> TestResult {
    let full = size_of::<sys::fh_device_properties_t>();
    let raw = ctx.hal.raw();
    let cut = offset_of!(sys::fh_device_properties_t, total_memory);
    // An older caller: the struct ends before total_memory. Bytes past it stay.
    let mut buffer = vec![0xCDu8; full + 64];
    buffer[..8].copy_from_slice(&cut.to_ne_bytes());
    buffer[8..16].fill(0); // next = NULL, as flaghal.h requires
    // SAFETY: the buffer is large enough for the full struct; bytes from the loader land inside `cut`.
    let rc = unsafe { raw.fhDeviceGetProperties(ctx.device.0, buffer.as_mut_ptr().cast()) };
    expect_status!(rc, sys::FH_SUCCESS, "fhDeviceGetProperties(struct_size {cut})");
    ensure!(buffer[cut..].iter().all(|b| *b == 0xCD), "fhDeviceGetProperties wrote past struct_size {cut}");
    let name_at = offset_of!(sys::fh_device_properties_t, name);
    let name: Vec<u8> = buffer[name_at..].iter().take_while(|b| **b != 0).copied().collect();
    ensure!(String::from_utf8_lossy(&name) == ctx.props.name(), "an older caller read a different name");
    // A newer caller: a larger struct_size is accepted; the unknown tail is untouched.
    let mut buffer = vec![0xCDu8; full + 64];
    buffer[..8].copy_from_slice(&(full + 64).to_ne_bytes());
    buffer[8..16].fill(0);
    // SAFETY: the buffer is valid for full + 64 bytes.
    let rc = unsafe { raw.fhDeviceGetProperties(ctx.device.0, buffer.as_mut_ptr().cast()) };
    expect_status!(rc, sys::FH_SUCCESS, "fhDeviceGetProperties(struct_size {})", full + 64);
    ensure!(buffer[full..].iter().all(|b| *b == 0xCD), "fhDeviceGetProperties wrote fields it does not know");
    for small in [0usize, 8, name_at - 1] {
        let mut p = sys::fh_device_properties_t { struct_size: small, ..Default::default() };
        // SAFETY: p is a full-size struct.
        let rc = unsafe { raw.fhDeviceGetProperties(ctx.device.0, &mut p) };
        expect_status!(rc, sys::FH_ERROR_INVALID_VALUE, "fhDeviceGetProperties(struct_size {small})");
    }
    Ok(())
}

fn limits_minimums(ctx: &Ctx) -> TestResult {
    let p = &ctx.props.0;
    let checks = [
        ("max_threads_per_block", p.max_threads_per_block, sys::FH_MIN_MAX_THREADS_PER_BLOCK),
        ("max_shared_memory_per_block", p.max_shared_memory_per_block, sys::FH_MIN_MAX_SHARED_MEMORY_PER_BLOCK),
        ("max_kernel_args_size", p.max_kernel_args_size, sys::FH_MIN_MAX_KERNEL_ARGS_SIZE),
        ("memory_alignment", p.memory_alignment, sys::FH_MIN_MEMORY_ALIGNMENT),
    ];
    let low: Vec<String> = checks.iter().filter(|(_, v, min)| v < min).map(|(n, v, min)| format!("{n} {v} < {min}")).collect();
    ensure!(low.is_empty(), "below the documented minimums: {}", low.join(", "));
    if p.max_block_dim[0] < sys::FH_MIN_MAX_THREADS_PER_BLOCK {
        ctx.warn(format!("max_block_dim[0] {} is below FH_MIN_MAX_THREADS_PER_BLOCK: 1D kernels cannot use the guaranteed block", p.max_block_dim[0]));
    }
    Ok(())
}

fn no_leak(ctx: &Ctx) -> TestResult {
    let hal = &ctx.hal;
    let kernel_bytes = ctx.kernels.get("fill_u32").cloned();
    let cycle = |with_module: bool| -> TestResult {
        let a = hal.mem_alloc(ctx.device, 1 << 20)?;
        let b = hal.mem_alloc(ctx.device, 4096)?;
        let s = hal.stream_create(ctx.device)?;
        let e = hal.event_create(ctx.device, 0)?;
        hal.memset_async(a, 1, 4, 1 << 18, s)?;
        hal.event_record(e, s)?;
        hal.stream_synchronize(s)?;
        if let (true, Some(bytes)) = (with_module, &kernel_bytes) {
            let m = hal.module_load(ctx.device, ctx.kernels.format, bytes)?;
            hal.get_function(m, "fill_u32")?;
            hal.module_unload(m)?;
        }
        hal.event_destroy(e)?;
        hal.stream_destroy(s)?;
        hal.mem_free(ctx.device, b)?;
        hal.mem_free(ctx.device, a)?;
        Ok(())
    };
    cycle(true)?; // warm-up: first-use caches are not leaks
    let (free_start, _) = hal.mem_get_info(ctx.device)?;
    for i in 0..200 {
        cycle(i % 20 == 0)?;
    }
    let (free_end, _) = hal.mem_get_info(ctx.device)?;
    let lost = free_start.saturating_sub(free_end);
    ensure!(lost < 16 << 20, "fhMemGetInfo free dropped by {lost} bytes over 200 balanced create/destroy cycles (about {} MiB allocated in total)", 200);
    if lost > 0 {
        ctx.warn(format!("free memory {lost} bytes lower after 200 balanced cycles"));
    }
    Ok(())
}

fn capability_consistency(ctx: &Ctx) -> TestResult {
    let hal = &ctx.hal;
    let stream = hal.stream_create(ctx.device)?;
    // Pinned host memory.
    let pinned = hal.mem_alloc_host(ctx.device, 4096);
    if ctx.props.has(sys::FH_DEVICE_CAP_PINNED_HOST_MEMORY) {
        let p = pinned?;
        ensure!(!p.is_null(), "fhMemAllocHost returned NULL");
        // SAFETY: `p` came from fhMemAllocHost on this device and is not used again.
        unsafe { hal.mem_free_host(ctx.device, p) }?;
    } else {
        expect_status!(status_of(&pinned), sys::FH_ERROR_NOT_SUPPORTED, "fhMemAllocHost without PINNED_HOST_MEMORY");
    }
    // Host functions.
    unsafe extern "C" fn nothing(_: *mut std::ffi::c_void) {
        let _ = sys::ffi_boundary(|| Ok(()), |_| {});
    }
    // SAFETY: the function ignores user_data.
    let host = unsafe { hal.launch_host_func(stream, nothing, std::ptr::null_mut()) };
    if ctx.props.has(sys::FH_DEVICE_CAP_HOST_FUNC) {
        host?;
    } else {
        expect_status!(status_of(&host), sys::FH_ERROR_NOT_SUPPORTED, "fhLaunchHostFunc without HOST_FUNC");
    }
    // Event timing.
    let e0 = hal.event_create(ctx.device, 0)?;
    let e1 = hal.event_create(ctx.device, 0)?;
    hal.event_record(e0, stream)?;
    hal.event_record(e1, stream)?;
    hal.stream_synchronize(stream)?;
    let rc = status_of(&hal.event_elapsed(e0, e1));
    if ctx.props.has(sys::FH_DEVICE_CAP_EVENT_TIMING) {
        expect_status!(rc, sys::FH_SUCCESS, "fhEventElapsedTime with EVENT_TIMING");
    } else {
        expect_status!(rc, sys::FH_ERROR_NOT_SUPPORTED, "fhEventElapsedTime without EVENT_TIMING");
    }
    // Module formats the device does not list.
    let junk = pattern(256, 3);
    let listed = ctx.props.formats();
    for format in [sys::FH_MODULE_FORMAT_SPIRV, sys::FH_MODULE_FORMAT_PTX, sys::FH_MODULE_FORMAT_NATIVE_CPU, sys::FH_MODULE_FORMAT_VENDOR_BEGIN + 0x4242] {
        if !listed.contains(&format) {
            expect_status!(status_of(&hal.module_load(ctx.device, format, &junk)), sys::FH_ERROR_NOT_SUPPORTED, "fhModuleLoadData in unlisted format {format}");
        }
    }
    hal.event_destroy(e0)?;
    hal.event_destroy(e1)?;
    hal.stream_destroy(stream)?;
    Ok(())
}

fn synchronize(ctx: &Ctx) -> TestResult {
    let hal = &ctx.hal;
    let n = 1 << 20;
    let (a, b) = (hal.mem_alloc(ctx.device, n * 4)?, hal.mem_alloc(ctx.device, n * 4)?);
    let (s1, s2) = (hal.stream_create(ctx.device)?, hal.stream_create(ctx.device)?);
    let scratch = hal.mem_alloc(ctx.device, 4)?;
    let busy = super::util::make_busy(ctx, s1, scratch)?;
    hal.memset_async(a, 0x1111_1111, 4, n, s1)?;
    hal.memset_async(b, 0x2222_2222, 4, n, s2)?;
    let result = std::thread::scope(|scope| {
        scope.spawn(|| {
            std::thread::sleep(std::time::Duration::from_millis(30));
            busy.release();
        });
        hal.device_synchronize(ctx.device)
    });
    result?;
    ensure!(status_of(&hal.stream_query(s1)) == sys::FH_SUCCESS && status_of(&hal.stream_query(s2)) == sys::FH_SUCCESS, "streams still busy after fhDeviceSynchronize");
    let mut got = vec![0u8; n * 4];
    for (ptr, value) in [(a, 0x11u8), (b, 0x22u8)] {
        hal.dtoh(ctx.device, &mut got, ptr)?;
        ensure!(got.iter().all(|x| *x == value), "work of a stream was not complete after fhDeviceSynchronize");
    }
    for s in [s1, s2] {
        hal.stream_destroy(s)?;
    }
    for p in [a, b, scratch] {
        hal.mem_free(ctx.device, p)?;
    }
    Ok(())
}

