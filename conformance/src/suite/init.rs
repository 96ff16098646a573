//! Group `init`: the library before and during fhInit. Each test runs in its
//! own fresh process (the runner's rule for this group), before fhInit.

use super::{Body, Gate, Stop, TestDef, TestResult};
use crate::{ensure, expect_status};
use flaghal_client::{status_of, Hal};
use flaghal_sys as sys;

pub fn tests() -> Vec<TestDef> {
    vec![
        TestDef {
            name: "init.before_init",
            gate: Gate::Core,
            summary: "only the four pre-init functions work before fhInit; the rest return NOT_INITIALIZED",
            body: Body::PreInit(before_init),
        },
        TestDef {
            name: "init.concurrent_idempotent",
            gate: Gate::Core,
            summary: "fhInit from 8 threads at once: all succeed, same device count; bad flags refused",
            body: Body::PreInit(concurrent_idempotent),
        },
    ]
}

fn before_init(hal: &Hal) -> TestResult {
    let version = hal.version()?;
    ensure!(version >> 22 == 1, "fhGetVersion before fhInit: major {} (expected 1)", version >> 22);
    let name = hal.error_name(sys::FH_ERROR_NOT_READY);
    expect_status!(status_of(&name), sys::FH_SUCCESS, "fhGetErrorName before fhInit");
    ensure!(name.as_deref().ok() == Some("FH_ERROR_NOT_READY"), "fhGetErrorName before fhInit gave {name:?}");
    let mut count = 77u32;
    // SAFETY: count is a valid out pointer.
    let rc = unsafe { hal.raw().fhDeviceGetCount(&mut count) };
    expect_status!(rc, sys::FH_ERROR_NOT_INITIALIZED, "fhDeviceGetCount before fhInit");
    ensure!(count == 77, "fhDeviceGetCount wrote {count} although it failed");
    let mut plugins = 0u32;
    // SAFETY: valid out pointer.
    let rc = unsafe { hal.raw().fhPluginGetCount(&mut plugins) };
    expect_status!(rc, sys::FH_ERROR_NOT_INITIALIZED, "fhPluginGetCount before fhInit");
    let mut device: sys::fh_device_t = std::ptr::null_mut();
    // SAFETY: valid out pointer.
    let rc = unsafe { hal.raw().fhDeviceGet(0, &mut device) };
    expect_status!(rc, sys::FH_ERROR_NOT_INITIALIZED, "fhDeviceGet before fhInit");
    let message = hal.last_error_message();
    ensure!(!message.is_empty(), "no detail message after a NOT_INITIALIZED failure");
    hal.init(0)?;
    hal.device_count()?;
    Ok(())
}

fn concurrent_idempotent(hal: &Hal) -> TestResult {
    let status = hal.init(0x4);
    ensure!(
        matches!(&status, Err(e) if e.status == sys::FH_ERROR_INVALID_VALUE),
        "fhInit(flags 0x4) must return FH_ERROR_INVALID_VALUE, got {status:?}"
    );
    let results: Vec<Result<u32, String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                scope.spawn(|| {
                    hal.init(0).map_err(|e| e.to_string())?;
                    hal.device_count().map_err(|e| e.to_string())
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err("thread panicked".into()))).collect()
    });
    let first = results[0].clone().map_err(Stop::Fail)?;
    for (i, r) in results.iter().enumerate() {
        match r {
            Ok(n) => ensure!(*n == first, "thread {i} saw {n} devices, thread 0 saw {first}"),
            Err(e) => return Err(Stop::Fail(format!("thread {i}: {e}"))),
        }
    }
    hal.init(0)?;
    ensure!(hal.device_count()? == first, "a later fhInit changed the device count");
    Ok(())
}
