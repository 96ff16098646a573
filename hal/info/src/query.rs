//! Reads everything flaghal-info shows through the public API of
//! libflaghal.so, exactly as any framework would.

use flaghal_sys::{self as sys, dynamic::FlagHal};

pub use flaghal_sys::app::PluginInfo as Plugin;

/// One device: its properties and current memory figures.
pub struct Device {
    pub props: sys::fh_device_properties_t,
    pub free_memory: Option<u64>,
}

pub struct Snapshot {
    pub loader_version: u32,
    pub plugins: Vec<Plugin>,
    pub devices: Vec<Device>,
}

fn check(api: &FlagHal, status: sys::fh_status_t, what: &str) -> Result<(), String> {
    if status == sys::FH_SUCCESS {
        Ok(())
    } else {
        Err(format!("{what} failed: {}", api.describe_failure(status)))
    }
}

/// Initialises the loader and reads every plugin and device.
pub fn snapshot(api: &FlagHal) -> Result<Snapshot, String> {
    let mut loader_version = 0u32;
    // SAFETY: every call below passes valid, correctly typed out pointers and
    // sized structs whose struct_size is set, as flaghal.h requires.
    unsafe {
        check(api, api.fhGetVersion(&mut loader_version), "fhGetVersion")?;
        check(api, api.fhInit(0), "fhInit")?;
        let plugins = api.plugin_infos().map_err(|status| format!("fhPluginGetInfo failed: {}", api.describe_failure(status)))?;
        let mut device_count = 0u32;
        check(api, api.fhDeviceGetCount(&mut device_count), "fhDeviceGetCount")?;
        let mut devices = Vec::new();
        for ordinal in 0..device_count {
            let mut device: sys::fh_device_t = std::ptr::null_mut();
            check(api, api.fhDeviceGet(ordinal, &mut device), "fhDeviceGet")?;
            let mut props = sys::fh_device_properties_t {
                struct_size: std::mem::size_of::<sys::fh_device_properties_t>(),
                ..Default::default()
            };
            check(api, api.fhDeviceGetProperties(device, &mut props), "fhDeviceGetProperties")?;
            let mut free = 0usize;
            let mut total = 0usize;
            let free_memory = (api.fhMemGetInfo(device, &mut free, &mut total) == sys::FH_SUCCESS).then_some(free as u64);
            devices.push(Device { props, free_memory });
        }
        Ok(Snapshot { loader_version, plugins, devices })
    }
}
