//! Plugin-wide state: the Vulkan instance and the devices found at init.
//! Environment read once, at init:
//! - FLAGHAL_VULKAN_FORCE_STAGING=1: never map device memory; every host
//!   transfer takes the staging path a discrete GPU would use.
//! - the Vulkan loader's own variables (VK_DRIVER_FILES, VK_INSTANCE_LAYERS...).

use crate::adapter::Adapter;
use crate::device::Device;
use crate::host;
use crate::instance::Vulkan;
use std::sync::OnceLock;

pub struct Plugin {
    _vulkan: Option<Vulkan>,
    pub devices: Vec<Device>,
}

static PLUGIN: OnceLock<Plugin> = OnceLock::new();

fn force_staging() -> bool {
    std::env::var("FLAGHAL_VULKAN_FORCE_STAGING").is_ok_and(|v| !v.is_empty() && v != "0")
}

fn discover() -> Plugin {
    let vulkan = match Vulkan::load() {
        Ok(v) => v,
        Err(reason) => {
            host::info(&format!("no devices: {reason}"));
            return Plugin { _vulkan: None, devices: Vec::new() };
        }
    };
    // SAFETY: a valid instance.
    let physical = match unsafe { vulkan.instance.enumerate_physical_devices() } {
        Ok(p) => p,
        Err(e) => {
            host::info(&format!("no devices: vkEnumeratePhysicalDevices failed: {e:?}"));
            return Plugin { _vulkan: Some(vulkan), devices: Vec::new() };
        }
    };
    let staging = force_staging();
    if staging {
        host::info("FLAGHAL_VULKAN_FORCE_STAGING set: host transfers use staging buffers");
    }
    let mut devices = Vec::new();
    for pd in physical {
        let opened = Adapter::probe(&vulkan.instance, pd)
            .and_then(|adapter| Device::open(&vulkan.instance, adapter, devices.len() as u32, staging));
        match opened {
            Ok(device) => {
                host::info(&format!(
                    "device {}: {} ({} path)",
                    device.index,
                    device.adapter.name(),
                    if device.direct { "mapped" } else { "staging" }
                ));
                devices.push(device);
            }
            Err(reason) => host::info(&format!("skipping physical device: {reason}")),
        }
    }
    if devices.is_empty() {
        host::info("no physical device qualifies; zero devices");
    }
    Plugin { _vulkan: Some(vulkan), devices }
}

/// Finds the devices on first call; later calls return the same state.
pub fn init() -> &'static Plugin {
    PLUGIN.get_or_init(discover)
}

/// The state, if init ran.
pub fn get() -> Option<&'static Plugin> {
    PLUGIN.get()
}
