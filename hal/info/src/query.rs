//! Reads everything flaghal-info shows through the public API of
//! libflaghal.so, exactly as any framework would (through flaghal-client).

use flaghal_client::Hal;

pub use flaghal_client::PluginInfo as Plugin;

/// One device: its properties and current memory figures.
pub struct Device {
    pub props: flaghal_sys::fh_device_properties_t,
    pub free_memory: Option<u64>,
}

pub struct Snapshot {
    pub loader_version: u32,
    pub plugins: Vec<Plugin>,
    pub devices: Vec<Device>,
}

/// Initialises the loader and reads every plugin and device.
pub fn snapshot(hal: &Hal) -> Result<Snapshot, flaghal_client::Error> {
    let loader_version = hal.version()?;
    hal.init(0)?;
    let plugins = hal.plugins()?;
    let mut devices = Vec::new();
    for device in hal.devices()? {
        let props = hal.properties(device)?.0;
        let free_memory = hal.mem_get_info(device).ok().map(|(free, _)| free as u64);
        devices.push(Device { props, free_memory });
    }
    Ok(Snapshot { loader_version, plugins, devices })
}
