//! Plugin-wide state: the driver and the devices found at init.
//!
//! Init never fails: no libcuda.so.1, a driver too old, cuInit failing (no
//! GPU, a driver/kernel-module mismatch, CUDA_VISIBLE_DEVICES empty) all
//! mean zero devices, with the reason in the loader's log at `info`
//! (`cuda: no devices: cannot load libcuda.so.1: ...`; the loader prefixes
//! the plugin name). CUDA's own environment applies (CUDA_VISIBLE_DEVICES,
//! CUDA_DEVICE_ORDER, CUDA_CACHE_PATH for the PTX JIT cache).

use crate::conv;
use crate::device::Device;
use crate::driver::{Driver, CUDA_SUCCESS};
use crate::host;
use std::sync::OnceLock;

pub struct Plugin {
    pub devices: Vec<Device>,
}

static DRIVER: OnceLock<Driver> = OnceLock::new();
static PLUGIN: OnceLock<Plugin> = OnceLock::new();

/// Why there are no devices: the plugin loads with none.
fn none(reason: &str) -> Plugin {
    host::info(&format!("no devices: {reason}"));
    Plugin { devices: Vec::new() }
}

fn discover() -> Plugin {
    let driver = match Driver::load() {
        Ok(driver) => driver,
        Err(reason) => return none(&reason),
    };
    let driver: &'static Driver = DRIVER.get_or_init(|| driver);
    // SAFETY: cuInit with flags 0, the only value defined.
    let result = unsafe { (driver.cuInit)(0) };
    if result != CUDA_SUCCESS {
        return none(&format!("cuInit failed: {}", conv::result_name(result)));
    }
    let mut version = 0;
    // SAFETY: a valid out pointer.
    if unsafe { (driver.cuDriverGetVersion)(&mut version) } == CUDA_SUCCESS {
        host::info(&format!("CUDA driver API {}", conv::driver_version(version)));
    }
    let mut count = 0;
    // SAFETY: a valid out pointer, after cuInit.
    let result = unsafe { (driver.cuDeviceGetCount)(&mut count) };
    if result != CUDA_SUCCESS {
        return none(&format!("cuDeviceGetCount failed: {}", conv::result_name(result)));
    }
    if count <= 0 {
        return none("cuDeviceGetCount found no CUDA device");
    }
    let mut devices = Vec::new();
    for ordinal in 0..count {
        match Device::open(driver, ordinal, devices.len() as u32) {
            Ok(device) => {
                let (major, minor) = device.attributes.compute_capability;
                host::info(&format!("device {}: {} (CUDA device {ordinal}, compute capability {major}.{minor})", device.index, device.name()));
                devices.push(device);
            }
            Err(reason) => host::info(&format!("skipping CUDA device {ordinal}: {reason}")),
        }
    }
    if devices.is_empty() {
        return none(&format!("none of the {count} CUDA devices could be opened"));
    }
    Plugin { devices }
}

/// Finds the devices on first call; later calls return the same state.
pub fn init() -> &'static Plugin {
    PLUGIN.get_or_init(discover)
}
