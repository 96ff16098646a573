//! Plugin-wide state: the OpenCL entry points and the devices found at init.
//! Environment read once, at init:
//! - FLAGHAL_OPENCL_LIBRARY: the OpenCL library to open (a path, or a file
//!   name for the dynamic linker) instead of libOpenCL.so.1 / libOpenCL.so;
//!   naming one that does not exist gives zero devices, as on a machine
//!   without OpenCL.
//! - FLAGHAL_OPENCL_COARSE_SVM=1: coarse-grained SVM even where the device
//!   has fine-grained, so the command path a discrete GPU takes is tested
//!   on any machine.
//! - the ICD loader's own variables (ocl-icd: OCL_ICD_VENDORS,
//!   OCL_ICD_FILENAMES; an empty vendors folder gives no platform).

use crate::cl::Cl;
use crate::conv;
use crate::device::Device;
use crate::host;
use crate::probe;
use std::sync::OnceLock;

pub struct Plugin {
    pub cl: Option<&'static Cl>,
    pub devices: Vec<Device>,
}

static PLUGIN: OnceLock<Plugin> = OnceLock::new();
static CL: OnceLock<Cl> = OnceLock::new();

fn flag(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| !v.is_empty() && v != "0")
}

fn discover() -> Plugin {
    let library = crate::cl::library_from_env();
    let cl: &'static Cl = match Cl::load(library.as_deref()) {
        Ok(table) => CL.get_or_init(|| table),
        Err(reason) => {
            host::info(&format!("no devices: {reason}"));
            return Plugin { cl: None, devices: Vec::new() };
        }
    };
    let platforms = match cl.platforms() {
        Ok(p) => p,
        Err(-1001) => {
            host::info(&format!("no devices: {} found no OpenCL platform (CL_PLATFORM_NOT_FOUND_KHR: no installed driver)", cl.library));
            return Plugin { cl: Some(cl), devices: Vec::new() };
        }
        Err(rc) => {
            host::info(&format!("no devices: clGetPlatformIDs failed: {}", conv::describe(rc)));
            return Plugin { cl: Some(cl), devices: Vec::new() };
        }
    };
    if platforms.is_empty() {
        host::info(&format!("no devices: {} found no OpenCL platform", cl.library));
    }
    let force_coarse = flag("FLAGHAL_OPENCL_COARSE_SVM");
    if force_coarse {
        host::info("FLAGHAL_OPENCL_COARSE_SVM set: device memory is coarse-grained SVM");
    }
    let machine = probe::machine_identity();
    let mut devices = Vec::new();
    for platform in platforms {
        let platform_name = probe::platform_name(cl, platform);
        let ids = match cl.devices(platform) {
            Ok(ids) => ids,
            Err(rc) => {
                host::info(&format!("skipping platform \"{platform_name}\": clGetDeviceIDs failed: {}", conv::describe(rc)));
                continue;
            }
        };
        for (position, id) in ids.into_iter().enumerate() {
            let opened = probe::device_info(cl, &platform_name, id).and_then(|info| {
                conv::qualify(&info).map_err(|why| format!("\"{}\": {why}", info.name))?;
                let mode = conv::svm_mode(info.svm_capabilities, force_coarse).expect("qualify checked SVM");
                let uuid = conv::device_uuid(&info, &machine, position);
                Device::open(cl, platform, id, info, mode, devices.len() as u32, uuid)
            });
            match opened {
                Ok(device) => {
                    host::info(&format!(
                        "device {}: {} ({}, {}, {}-grained SVM)",
                        device.index, device.info.name, platform_name, device.info.version, if device.mode == conv::SvmMode::Fine { "fine" } else { "coarse" }
                    ));
                    devices.push(device);
                }
                Err(reason) => host::info(&format!("skipping device {position} of platform \"{platform_name}\": {reason}")),
            }
        }
    }
    if devices.is_empty() {
        host::info("no OpenCL device qualifies; zero devices");
    }
    Plugin { cl: Some(cl), devices }
}

/// Finds the devices on first call; later calls return the same state.
pub fn init() -> &'static Plugin {
    PLUGIN.get_or_init(discover)
}
