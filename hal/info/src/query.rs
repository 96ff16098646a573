//! Reads everything flaghal-info shows through the public API of
//! libflaghal.so, exactly as any framework would.

use flaghal_sys::{self as sys, dynamic::FlagHal};
use std::ffi::{c_char, CStr};

/// One plugin as fhPluginGetInfo reports it.
pub struct Plugin {
    pub name: String,
    pub vendor: String,
    pub version: String,
    pub library_path: String,
    pub manifest_path: String,
    pub abi_version: u32,
    pub loaded: bool,
    pub skip_reason: sys::fh_plugin_skip_reason_t,
    pub skip_detail: String,
    pub device_count: u32,
}

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

/// The status name and the thread's detail message, for an error line.
pub fn describe_failure(api: &FlagHal, status: sys::fh_status_t) -> String {
    let mut name: *const c_char = std::ptr::null();
    // SAFETY: `name` is a valid out pointer; the loader stores a static string.
    let name = if unsafe { api.fhGetErrorName(status, &mut name) } == sys::FH_SUCCESS {
        // SAFETY: on success the loader wrote a static NUL-terminated string.
        unsafe { CStr::from_ptr(name) }.to_string_lossy().into_owned()
    } else {
        format!("status {status}")
    };
    let mut buffer = vec![0 as c_char; 1024];
    let mut length = 0usize;
    // SAFETY: buffer is writable for its full length; length is a valid out pointer.
    unsafe { api.fhGetLastErrorMessage(buffer.as_mut_ptr(), buffer.len(), &mut length) };
    format!("{name}: {}", sys::ptr::char_array_to_string(&buffer))
}

fn check(api: &FlagHal, status: sys::fh_status_t, what: &str) -> Result<(), String> {
    if status == sys::FH_SUCCESS {
        Ok(())
    } else {
        Err(format!("{what} failed: {}", describe_failure(api, status)))
    }
}

fn text(ptr: *const c_char) -> String {
    if ptr.is_null() {
        return String::new();
    }
    // SAFETY: the loader documents every fh_plugin_info_t string as non-NULL,
    // NUL-terminated and valid until the process exits.
    unsafe { CStr::from_ptr(ptr) }.to_string_lossy().into_owned()
}

/// Initialises the loader and reads every plugin and device.
pub fn snapshot(api: &FlagHal) -> Result<Snapshot, String> {
    let mut loader_version = 0u32;
    // SAFETY: every call below passes valid, correctly typed out pointers and
    // sized structs whose struct_size is set, as flaghal.h requires.
    unsafe {
        check(api, api.fhGetVersion(&mut loader_version), "fhGetVersion")?;
        check(api, api.fhInit(0), "fhInit")?;
        let mut plugin_count = 0u32;
        check(api, api.fhPluginGetCount(&mut plugin_count), "fhPluginGetCount")?;
        let mut plugins = Vec::new();
        for index in 0..plugin_count {
            let mut info = sys::fh_plugin_info_t {
                struct_size: std::mem::size_of::<sys::fh_plugin_info_t>(),
                ..Default::default()
            };
            check(api, api.fhPluginGetInfo(index, &mut info), "fhPluginGetInfo")?;
            plugins.push(Plugin {
                name: text(info.name),
                vendor: text(info.vendor),
                version: text(info.version),
                library_path: text(info.library_path),
                manifest_path: text(info.manifest_path),
                abi_version: info.abi_version,
                loaded: info.status == sys::FH_PLUGIN_STATUS_LOADED,
                skip_reason: info.skip_reason,
                skip_detail: text(info.skip_detail),
                device_count: info.device_count,
            });
        }
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
