//! Group `errors`: one test per status code the API documents (those a test
//! can provoke; NOT_INITIALIZED lives in the `init` group, which runs before
//! fhInit), NULL outputs, outputs left unchanged on failure, allocations far
//! beyond memory.

use super::util::{make_busy, status_of};
use super::{core, optional, Ctx, Stop, TestDef, TestResult};
use crate::{ensure, expect_status};
use flaghal_client::Args;
use flaghal_sys as sys;

pub fn tests() -> Vec<TestDef> {
    vec![
        core("errors.invalid_value", "out-of-domain arguments (flags, sizes, formats) are INVALID_VALUE", invalid_value),
        core("errors.null_outputs", "NULL output pointers are INVALID_VALUE, never a crash", null_outputs),
        core("errors.out_of_memory", "allocations far beyond memory are OUT_OF_MEMORY and change nothing", out_of_memory),
        core("errors.invalid_device", "device ordinals out of range are INVALID_DEVICE", invalid_device),
        optional("errors.cross_device", 0, "objects of two devices combined in one call are INVALID_DEVICE (needs 2 devices)", cross_device),
        core("errors.invalid_handle", "NULL handles where a live one is required are INVALID_HANDLE", invalid_handle),
        core("errors.not_found", "unknown kernel names are NOT_FOUND", not_found),
        core("errors.not_ready", "NOT_READY is not a failure: it keeps the thread's detail message", not_ready),
        core("errors.not_supported", "a module format the device does not list is NOT_SUPPORTED", not_supported),
        core("errors.invalid_image", "malformed module bytes are INVALID_IMAGE", invalid_image),
        optional("errors.invalid_address", sys::FH_DEVICE_CAP_ADDRESS_CHECKS, "copies to unallocated addresses are INVALID_ADDRESS", invalid_address),
        core("errors.invalid_configuration", "impossible launch configurations are INVALID_CONFIGURATION", invalid_configuration),
        optional("errors.launch_failed", 0, "a failing kernel is reported once as LAUNCH_FAILED; the stream stays usable", launch_failed),
        core("errors.outputs_unchanged", "failed calls leave their outputs unchanged", outputs_unchanged),
    ]
}

fn invalid_value(ctx: &Ctx) -> TestResult {
    let hal = &ctx.hal;
    expect_status!(status_of(&hal.init(1)), sys::FH_ERROR_INVALID_VALUE, "fhInit(flags 1) after a successful fhInit");
    expect_status!(status_of(&hal.mem_alloc(ctx.device, 0)), sys::FH_ERROR_INVALID_VALUE, "fhMemAlloc(size 0)");
    let mut s: sys::fh_stream_t = std::ptr::null_mut();
    // SAFETY: s is a valid out pointer.
    expect_status!(unsafe { hal.raw().fhStreamCreate(ctx.device.0, 0x10, &mut s) }, sys::FH_ERROR_INVALID_VALUE, "fhStreamCreate(flags 0x10)");
    let mut e: sys::fh_event_t = std::ptr::null_mut();
    // SAFETY: e is a valid out pointer.
    expect_status!(unsafe { hal.raw().fhEventCreate(ctx.device.0, 0x10, &mut e) }, sys::FH_ERROR_INVALID_VALUE, "fhEventCreate(flags 0x10)");
    let f = ctx.function("fill_u32")?;
    let bad_attribute = hal.function_attribute(f, 77);
    expect_status!(status_of(&bad_attribute), sys::FH_ERROR_INVALID_VALUE, "fhFunctionGetAttribute(attribute 77)");
    let mut m: sys::fh_module_t = std::ptr::null_mut();
    // SAFETY: NULL data with a non-zero size is the case under test.
    let rc = unsafe { hal.raw().fhModuleLoadData(ctx.device.0, ctx.kernels.format, std::ptr::null(), 64, &mut m) };
    expect_status!(rc, sys::FH_ERROR_INVALID_VALUE, "fhModuleLoadData(data NULL)");
    Ok(())
}

fn null_outputs(ctx: &Ctx) -> TestResult {
    let raw = ctx.hal.raw();
    let d = ctx.device.0;
    let stream = ctx.hal.stream_create(ctx.device)?;
    let event = ctx.hal.event_create(ctx.device, 0)?;
    let f = ctx.function("fill_u32")?;
    let bytes = ctx.kernels.get("fill_u32").cloned().unwrap_or_default();
    let module = ctx.hal.module_load(ctx.device, ctx.kernels.format, &bytes)?;
    let name = c"fill_u32";
    // SAFETY: every output pointer below is NULL on purpose; the spec requires INVALID_VALUE.
    let cases: Vec<(&str, sys::fh_status_t)> = unsafe {
        vec![
            ("fhGetVersion(NULL)", raw.fhGetVersion(std::ptr::null_mut())),
            ("fhGetErrorName(0, NULL)", raw.fhGetErrorName(0, std::ptr::null_mut())),
            ("fhGetErrorString(0, NULL)", raw.fhGetErrorString(0, std::ptr::null_mut())),
            ("fhPluginGetCount(NULL)", raw.fhPluginGetCount(std::ptr::null_mut())),
            ("fhPluginGetInfo(0, NULL)", raw.fhPluginGetInfo(0, std::ptr::null_mut())),
            ("fhDeviceGetCount(NULL)", raw.fhDeviceGetCount(std::ptr::null_mut())),
            ("fhDeviceGet(0, NULL)", raw.fhDeviceGet(ctx.ordinal, std::ptr::null_mut())),
            ("fhDeviceGetProperties(device, NULL)", raw.fhDeviceGetProperties(d, std::ptr::null_mut())),
            ("fhMemAlloc(device, 64, NULL)", raw.fhMemAlloc(d, 64, std::ptr::null_mut())),
            ("fhStreamCreate(device, 0, NULL)", raw.fhStreamCreate(d, 0, std::ptr::null_mut())),
            ("fhEventCreate(device, 0, NULL)", raw.fhEventCreate(d, 0, std::ptr::null_mut())),
            ("fhModuleLoadData(.., NULL)", raw.fhModuleLoadData(d, ctx.kernels.format, bytes.as_ptr().cast(), bytes.len(), std::ptr::null_mut())),
            ("fhModuleGetFunction(module, name, NULL)", raw.fhModuleGetFunction(module.0, name.as_ptr(), std::ptr::null_mut())),
            ("fhFunctionGetAttribute(NULL, ..)", raw.fhFunctionGetAttribute(std::ptr::null_mut(), sys::FH_FUNC_ATTRIBUTE_NUM_REGS, f.0)),
            ("fhMemcpyHtoD(.., src NULL, 16)", raw.fhMemcpyHtoD(d, 0x1000, std::ptr::null(), 16)),
            ("fhMemcpyDtoH(dst NULL, .., 16)", raw.fhMemcpyDtoH(d, std::ptr::null_mut(), 0x1000, 16)),
            ("fhMemcpyHtoDAsync(.., src NULL, 16)", raw.fhMemcpyHtoDAsync(0x1000, std::ptr::null(), 16, stream.0)),
            ("fhMemcpyDtoHAsync(dst NULL, .., 16)", raw.fhMemcpyDtoHAsync(std::ptr::null_mut(), 0x1000, 16, stream.0)),
            ("fhEventElapsedTime(NULL, ..)", raw.fhEventElapsedTime(std::ptr::null_mut(), event.0, event.0)),
        ]
    };
    let mut wrong = Vec::new();
    for (what, rc) in cases {
        if rc != sys::FH_ERROR_INVALID_VALUE {
            wrong.push(format!("{what} returned {}", crate::status_names::status_name(rc)));
        }
    }
    if ctx.props.has(sys::FH_DEVICE_CAP_PINNED_HOST_MEMORY) {
        // SAFETY: as above.
        let rc = unsafe { raw.fhMemAllocHost(d, 64, std::ptr::null_mut()) };
        if rc != sys::FH_ERROR_INVALID_VALUE {
            wrong.push(format!("fhMemAllocHost(device, 64, NULL) returned {}", crate::status_names::status_name(rc)));
        }
    }
    if ctx.props.has(sys::FH_DEVICE_CAP_HOST_FUNC) {
        // SAFETY: a NULL function is the case under test.
        let rc = unsafe { raw.fhLaunchHostFunc(stream.0, None, std::ptr::null_mut()) };
        if rc != sys::FH_ERROR_INVALID_VALUE {
            wrong.push(format!("fhLaunchHostFunc(stream, NULL, ..) returned {}", crate::status_names::status_name(rc)));
        }
    }
    ensure!(wrong.is_empty(), "{}", wrong.join("; "));
    ctx.hal.stream_synchronize(stream)?;
    ctx.hal.module_unload(module)?;
    ctx.hal.event_destroy(event)?;
    ctx.hal.stream_destroy(stream)?;
    Ok(())
}

fn out_of_memory(ctx: &Ctx) -> TestResult {
    let hal = &ctx.hal;
    let total = ctx.props.0.total_memory as usize;
    let (free_before, _) = hal.mem_get_info(ctx.device)?;
    for size in [total.saturating_mul(4), usize::MAX / 2, usize::MAX - 4095, usize::MAX] {
        let mut ptr = 0x1234u64;
        // SAFETY: ptr is a valid out pointer.
        let rc = unsafe { hal.raw().fhMemAlloc(ctx.device.0, size, &mut ptr) };
        expect_status!(rc, sys::FH_ERROR_OUT_OF_MEMORY, "fhMemAlloc({size} B) with {total} B of device memory");
        ensure!(ptr == 0x1234, "a failed fhMemAlloc wrote {ptr:#x}");
        ensure!(!hal.last_error_message().is_empty(), "no detail message after OUT_OF_MEMORY");
    }
    let (free_after, _) = hal.mem_get_info(ctx.device)?;
    ensure!(free_after + (16 << 20) >= free_before, "free memory dropped from {free_before} to {free_after} after failed allocations");
    let ptr = hal.mem_alloc(ctx.device, 1 << 20)?;
    hal.memset(ctx.device, ptr, 1, 1, 1 << 20)?;
    hal.mem_free(ctx.device, ptr)?;
    Ok(())
}

fn invalid_device(ctx: &Ctx) -> TestResult {
    let count = ctx.hal.device_count()?;
    for bad in [count, count + 7, u32::MAX] {
        let mut d = 0x99usize as sys::fh_device_t;
        // SAFETY: d is a valid out pointer.
        let rc = unsafe { ctx.hal.raw().fhDeviceGet(bad, &mut d) };
        expect_status!(rc, sys::FH_ERROR_INVALID_DEVICE, "fhDeviceGet({bad})");
        ensure!(d == 0x99usize as sys::fh_device_t, "a failed fhDeviceGet wrote a handle");
    }
    Ok(())
}

fn invalid_handle(ctx: &Ctx) -> TestResult {
    let raw = ctx.hal.raw();
    let stream = ctx.hal.stream_create(ctx.device)?;
    let event = ctx.hal.event_create(ctx.device, 0)?;
    let mut props = sys::fh_device_properties_t { struct_size: std::mem::size_of::<sys::fh_device_properties_t>(), ..Default::default() };
    let mut out64 = 0u64;
    let mut s: sys::fh_stream_t = std::ptr::null_mut();
    let mut f: sys::fh_function_t = std::ptr::null_mut();
    let mut v = 0i32;
    let (mut free, mut total) = (0usize, 0usize);
    let args = [0u8; 16];
    // SAFETY: NULL handles are the case under test; every other pointer is valid.
    let cases: Vec<(&str, sys::fh_status_t)> = unsafe {
        vec![
            ("fhDeviceGetProperties(NULL)", raw.fhDeviceGetProperties(std::ptr::null_mut(), &mut props)),
            ("fhDeviceSynchronize(NULL)", raw.fhDeviceSynchronize(std::ptr::null_mut())),
            ("fhMemGetInfo(NULL)", raw.fhMemGetInfo(std::ptr::null_mut(), &mut free, &mut total)),
            ("fhMemAlloc(NULL device)", raw.fhMemAlloc(std::ptr::null_mut(), 64, &mut out64)),
            ("fhMemsetD8(NULL device)", raw.fhMemsetD8(std::ptr::null_mut(), 0x1000, 0, 1)),
            ("fhStreamCreate(NULL device)", raw.fhStreamCreate(std::ptr::null_mut(), 0, &mut s)),
            ("fhStreamSynchronize(NULL)", raw.fhStreamSynchronize(std::ptr::null_mut())),
            ("fhStreamQuery(NULL)", raw.fhStreamQuery(std::ptr::null_mut())),
            ("fhStreamWaitEvent(NULL, event)", raw.fhStreamWaitEvent(std::ptr::null_mut(), event.0)),
            ("fhStreamWaitEvent(stream, NULL)", raw.fhStreamWaitEvent(stream.0, std::ptr::null_mut())),
            ("fhMemsetD8Async(NULL stream)", raw.fhMemsetD8Async(0x1000, 0, 1, std::ptr::null_mut())),
            ("fhEventRecord(NULL, stream)", raw.fhEventRecord(std::ptr::null_mut(), stream.0)),
            ("fhEventRecord(event, NULL)", raw.fhEventRecord(event.0, std::ptr::null_mut())),
            ("fhEventSynchronize(NULL)", raw.fhEventSynchronize(std::ptr::null_mut())),
            ("fhEventQuery(NULL)", raw.fhEventQuery(std::ptr::null_mut())),
            ("fhModuleGetFunction(NULL)", raw.fhModuleGetFunction(std::ptr::null_mut(), c"fill_u32".as_ptr(), &mut f)),
            ("fhFunctionGetAttribute(.., NULL)", raw.fhFunctionGetAttribute(&mut v, sys::FH_FUNC_ATTRIBUTE_NUM_REGS, std::ptr::null_mut())),
            ("fhLaunchKernel(NULL function)", raw.fhLaunchKernel(std::ptr::null_mut(), 1, 1, 1, 1, 1, 1, 0, stream.0, args.as_ptr().cast(), 16)),
        ]
    };
    let wrong: Vec<String> = cases
        .into_iter()
        .filter(|(_, rc)| *rc != sys::FH_ERROR_INVALID_HANDLE)
        .map(|(what, rc)| format!("{what} returned {}", crate::status_names::status_name(rc)))
        .collect();
    ensure!(wrong.is_empty(), "{}", wrong.join("; "));
    if let Ok(func) = ctx.function("fill_u32") {
        // SAFETY: a NULL stream is the case under test.
        let rc = unsafe { raw.fhLaunchKernel(func.0, 1, 1, 1, 1, 1, 1, 0, std::ptr::null_mut(), args.as_ptr().cast(), 16) };
        expect_status!(rc, sys::FH_ERROR_INVALID_HANDLE, "fhLaunchKernel(stream NULL)");
    }
    ctx.hal.event_destroy(event)?;
    ctx.hal.stream_destroy(stream)?;
    Ok(())
}

fn not_found(ctx: &Ctx) -> TestResult {
    let bytes = ctx.kernels.get("fill_u32").ok_or_else(|| Stop::Unsupported("reference kernel fill_u32 missing".into()))?;
    let m = ctx.hal.module_load(ctx.device, ctx.kernels.format, bytes)?;
    expect_status!(status_of(&ctx.hal.get_function(m, "definitely_not_a_kernel")), sys::FH_ERROR_NOT_FOUND, "fhModuleGetFunction(unknown)");
    let message = ctx.hal.last_error_message();
    ensure!(!message.is_empty(), "no detail message after NOT_FOUND");
    if !message.contains("definitely_not_a_kernel") {
        ctx.warn(format!("the NOT_FOUND detail message does not name the missing kernel: '{message}'"));
    }
    ctx.hal.module_unload(m)?;
    Ok(())
}

fn not_ready(ctx: &Ctx) -> TestResult {
    let hal = &ctx.hal;
    let scratch = hal.mem_alloc(ctx.device, 4)?;
    let stream = hal.stream_create(ctx.device)?;
    let event = hal.event_create(ctx.device, 0)?;
    let busy = make_busy(ctx, stream, scratch)?;
    hal.event_record(event, stream)?;
    let _ = hal.mem_alloc(ctx.device, 0);
    let before = hal.last_error_message();
    ensure!(!before.is_empty(), "no detail message after fhMemAlloc(0)");
    let q = status_of(&hal.stream_query(stream));
    let e = status_of(&hal.event_query(event));
    let after = hal.last_error_message();
    busy.release();
    expect_status!(q, sys::FH_ERROR_NOT_READY, "fhStreamQuery on a busy stream");
    expect_status!(e, sys::FH_ERROR_NOT_READY, "fhEventQuery on a pending event");
    ensure!(after == before, "NOT_READY replaced the detail message ('{before}' became '{after}')");
    hal.stream_synchronize(stream)?;
    hal.event_destroy(event)?;
    hal.stream_destroy(stream)?;
    hal.mem_free(ctx.device, scratch)?;
    Ok(())
}

fn not_supported(ctx: &Ctx) -> TestResult {
    let format = sys::FH_MODULE_FORMAT_VENDOR_BEGIN + 0x00FF_EE00;
    ensure!(!ctx.props.formats().contains(&format), "device lists the test's made-up format");
    expect_status!(status_of(&ctx.hal.module_load(ctx.device, format, &[1, 2, 3, 4])), sys::FH_ERROR_NOT_SUPPORTED, "fhModuleLoadData(format {format:#x})");
    Ok(())
}

fn invalid_image(ctx: &Ctx) -> TestResult {
    ensure!(ctx.kernels.format != sys::FH_MODULE_FORMAT_INVALID, "no module format with reference kernels");
    let junk = super::util::pattern(1000, 77);
    expect_status!(status_of(&ctx.hal.module_load(ctx.device, ctx.kernels.format, &junk)), sys::FH_ERROR_INVALID_IMAGE, "fhModuleLoadData(1000 random bytes)");
    Ok(())
}

fn invalid_address(ctx: &Ctx) -> TestResult {
    expect_status!(status_of(&ctx.hal.htod(ctx.device, 0x2000, &[1, 2, 3])), sys::FH_ERROR_INVALID_ADDRESS, "fhMemcpyHtoD to 0x2000 (never allocated)");
    expect_status!(status_of(&ctx.hal.memset(ctx.device, 0x2000, 0, 4, 4)), sys::FH_ERROR_INVALID_ADDRESS, "fhMemsetD32 at 0x2000");
    Ok(())
}

fn invalid_configuration(ctx: &Ctx) -> TestResult {
    let f = ctx.function("fill_u32")?;
    let stream = ctx.hal.stream_create(ctx.device)?;
    let args = Args::new().u64(0).u32(0).u32(0).finish();
    expect_status!(status_of(&ctx.hal.launch(f, [1, 1, 1], [0, 1, 1], 0, stream, &args)), sys::FH_ERROR_INVALID_CONFIGURATION, "block_x 0");
    let max = ctx.props.0.max_threads_per_block;
    expect_status!(status_of(&ctx.hal.launch(f, [1, 1, 1], [max + 1, 1, 1], 0, stream, &args)), sys::FH_ERROR_INVALID_CONFIGURATION, "block_x {}", max + 1);
    ctx.hal.stream_synchronize(stream)?;
    ctx.hal.stream_destroy(stream)?;
    Ok(())
}

fn launch_failed(ctx: &Ctx) -> TestResult {
    let hal = &ctx.hal;
    let f = ctx.function("fault")?;
    let stream = hal.stream_create(ctx.device)?;
    hal.launch(f, [2, 1, 1], [1, 1, 1], 0, stream, &Args::new().u32(42).finish())?;
    let first = hal.stream_synchronize(stream);
    expect_status!(status_of(&first), sys::FH_ERROR_LAUNCH_FAILED, "fhStreamSynchronize after the fault kernel");
    hal.stream_synchronize(stream).map_err(|e| Stop::Fail(format!("LAUNCH_FAILED reported more than once: {e}")))?;
    let ptr = hal.mem_alloc(ctx.device, 64)?;
    hal.memset_async(ptr, 0x33, 1, 64, stream)?;
    hal.stream_synchronize(stream)?;
    ensure!(hal.read(ctx.device, ptr, 64)?.iter().all(|b| *b == 0x33), "the stream did not stay usable after LAUNCH_FAILED");
    // Through fhDeviceSynchronize too.
    hal.launch(f, [1, 1, 1], [1, 1, 1], 0, stream, &Args::new().u32(43).finish())?;
    expect_status!(status_of(&hal.device_synchronize(ctx.device)), sys::FH_ERROR_LAUNCH_FAILED, "fhDeviceSynchronize after the fault kernel");
    hal.mem_free(ctx.device, ptr)?;
    hal.stream_destroy(stream)?;
    Ok(())
}

fn outputs_unchanged(ctx: &Ctx) -> TestResult {
    let raw = ctx.hal.raw();
    let sentinel_stream = 0x4444usize as sys::fh_stream_t;
    let mut s = sentinel_stream;
    // SAFETY: s is a valid out pointer.
    let rc = unsafe { raw.fhStreamCreate(ctx.device.0, 3, &mut s) };
    ensure!(rc != sys::FH_SUCCESS && s == sentinel_stream, "failed fhStreamCreate changed its output");
    let mut v = 0x7777i32;
    // SAFETY: v is a valid out pointer; the attribute is unknown on purpose.
    let rc2 = unsafe { raw.fhFunctionGetAttribute(&mut v, 1234, ctx.function("fill_u32")?.0) };
    ensure!(rc2 != sys::FH_SUCCESS && v == 0x7777, "failed fhFunctionGetAttribute changed its output");
    let mut free = 0x5555usize;
    let mut total = 0x6666usize;
    // SAFETY: valid out pointers with a NULL device.
    let rc3 = unsafe { raw.fhMemGetInfo(std::ptr::null_mut(), &mut free, &mut total) };
    ensure!(rc3 != sys::FH_SUCCESS && free == 0x5555 && total == 0x6666, "failed fhMemGetInfo changed its outputs");
    Ok(())
}

fn cross_device(ctx: &Ctx) -> TestResult {
    let hal = &ctx.hal;
    let count = hal.device_count()?;
    let Some(other) = (0..count).find(|o| *o != ctx.ordinal) else {
        return Err(Stop::Unsupported(format!("only {count} device visible: nothing to combine")));
    };
    let other = hal.device(other)?;
    let (mine, theirs) = (hal.stream_create(ctx.device)?, hal.stream_create(other)?);
    let (my_event, their_event) = (hal.event_create(ctx.device, 0)?, hal.event_create(other, 0)?);
    let want = sys::FH_ERROR_INVALID_DEVICE;
    expect_status!(status_of(&hal.event_record(their_event, mine)), want, "fhEventRecord(event of another device, stream)");
    expect_status!(status_of(&hal.stream_wait_event(mine, their_event)), want, "fhStreamWaitEvent(stream, event of another device)");
    expect_status!(status_of(&hal.event_record(my_event, theirs)), want, "fhEventRecord(event, stream of another device)");
    if let Ok(f) = ctx.function("fill_u32") {
        let args = Args::new().u64(0).u32(0).u32(0).finish();
        expect_status!(status_of(&hal.launch(f, [1, 1, 1], [1, 1, 1], 0, theirs, &args)), want, "fhLaunchKernel(function, stream of another device)");
    }
    hal.stream_synchronize(mine)?;
    hal.stream_synchronize(theirs)?;
    for e in [my_event, their_event] {
        hal.event_destroy(e)?;
    }
    for s in [mine, theirs] {
        hal.stream_destroy(s)?;
    }
    Ok(())
}
