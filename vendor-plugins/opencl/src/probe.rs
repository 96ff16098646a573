//! What a device is: every clGetDeviceInfo the plugin needs, read once into
//! `conv::DeviceInfo` (plain values that `conv` maps to properties and
//! capabilities). Queries that only some devices answer (extensions, 2.1+
//! parameters) read as empty or zero when they fail.

use crate::cl::{self, cl_device_id, cl_platform_id, Cl};
use crate::conv::{self, DeviceInfo};

/// The platform's name ("" if it does not say).
pub(crate) fn platform_name(cl: &Cl, platform: cl_platform_id) -> String {
    cl::text(cl.platform_info(platform, cl::CL_PLATFORM_NAME)).unwrap_or_default()
}

/// Reads a device's info; `Err` names the query that a qualifying device
/// must answer but this one did not.
pub(crate) fn device_info(cl: &Cl, platform_name: &str, device: cl_device_id) -> Result<DeviceInfo, String> {
    let failed = |param: &str, rc: i32| format!("clGetDeviceInfo({param}) failed: {}", conv::describe(rc));
    let text = |param: u32, name: &str| cl::text(cl.device_info(device, param)).map_err(|rc| failed(name, rc));
    let number = |param: u32, name: &str| cl::scalar(cl.device_info(device, param)).map_err(|rc| failed(name, rc));
    let optional_number = |param: u32| cl::scalar(cl.device_info(device, param)).unwrap_or(0);
    let mut info = DeviceInfo {
        platform_name: platform_name.to_string(),
        name: text(cl::CL_DEVICE_NAME, "CL_DEVICE_NAME")?,
        vendor: text(cl::CL_DEVICE_VENDOR, "CL_DEVICE_VENDOR")?,
        version: text(cl::CL_DEVICE_VERSION, "CL_DEVICE_VERSION")?,
        c_version: cl::text(cl.device_info(device, cl::CL_DEVICE_OPENCL_C_VERSION)).unwrap_or_default(),
        driver_version: cl::text(cl.device_info(device, cl::CL_DRIVER_VERSION)).unwrap_or_default(),
        device_type: number(cl::CL_DEVICE_TYPE, "CL_DEVICE_TYPE")?,
        vendor_id: optional_number(cl::CL_DEVICE_VENDOR_ID) as u32,
        compute_units: number(cl::CL_DEVICE_MAX_COMPUTE_UNITS, "CL_DEVICE_MAX_COMPUTE_UNITS")? as u32,
        max_work_group_size: number(cl::CL_DEVICE_MAX_WORK_GROUP_SIZE, "CL_DEVICE_MAX_WORK_GROUP_SIZE")?,
        max_work_item_sizes: cl::sizes(cl.device_info(device, cl::CL_DEVICE_MAX_WORK_ITEM_SIZES))
            .map_err(|rc| failed("CL_DEVICE_MAX_WORK_ITEM_SIZES", rc))?,
        address_bits: number(cl::CL_DEVICE_ADDRESS_BITS, "CL_DEVICE_ADDRESS_BITS")? as u32,
        max_mem_alloc_size: number(cl::CL_DEVICE_MAX_MEM_ALLOC_SIZE, "CL_DEVICE_MAX_MEM_ALLOC_SIZE")?,
        global_mem_size: number(cl::CL_DEVICE_GLOBAL_MEM_SIZE, "CL_DEVICE_GLOBAL_MEM_SIZE")?,
        local_mem_size: number(cl::CL_DEVICE_LOCAL_MEM_SIZE, "CL_DEVICE_LOCAL_MEM_SIZE")?,
        min_data_type_align: optional_number(cl::CL_DEVICE_MIN_DATA_TYPE_ALIGN_SIZE) as u32,
        // Absent before OpenCL 2.0: zero, and `conv::qualify` names the version.
        svm_capabilities: optional_number(cl::CL_DEVICE_SVM_CAPABILITIES),
        available: optional_number(cl::CL_DEVICE_AVAILABLE) != 0,
        compiler_available: optional_number(cl::CL_DEVICE_COMPILER_AVAILABLE) != 0,
        extensions: cl::text(cl.device_info(device, cl::CL_DEVICE_EXTENSIONS)).unwrap_or_default(),
        double_fp_config: optional_number(cl::CL_DEVICE_DOUBLE_FP_CONFIG),
        half_fp_config: optional_number(cl::CL_DEVICE_HALF_FP_CONFIG),
        il_version: cl::text(cl.device_info(device, cl::CL_DEVICE_IL_VERSION)).unwrap_or_default(),
        subgroup_sizes: Vec::new(),
        uuid: None,
        pci: None,
    };
    if info.has_extension("cl_intel_required_subgroup_size") {
        info.subgroup_sizes = cl::sizes(cl.device_info(device, cl::CL_DEVICE_SUB_GROUP_SIZES_INTEL)).unwrap_or_default();
    }
    if info.has_extension("cl_khr_device_uuid") {
        info.uuid = cl.device_info(device, cl::CL_DEVICE_UUID_KHR).ok().and_then(|b| b.try_into().ok());
    }
    if info.has_extension("cl_khr_pci_bus_info") {
        info.pci = cl.device_info(device, cl::CL_DEVICE_PCI_BUS_INFO_KHR).ok().filter(|b| b.len() == 16).map(|b| {
            let word = |i: usize| u32::from_ne_bytes([b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]]);
            [word(0), word(1), word(2), word(3)]
        });
    }
    Ok(info)
}

/// The machine's identity for UUIDs of devices without a hardware one
/// (systemd's machine id; "" where there is none).
pub fn machine_identity() -> String {
    ["/etc/machine-id", "/var/lib/dbus/machine-id"]
        .iter()
        .find_map(|p| std::fs::read_to_string(p).ok())
        .unwrap_or_default()
}
