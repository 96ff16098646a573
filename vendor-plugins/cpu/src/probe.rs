//! Discovers what the one CPU device is: reads /proc/cpuinfo, /proc/meminfo,
//! the machine id and FLAGHAL_CPU_MEMORY_LIMIT, and builds its properties.
//! The parsing itself is in `conv` (pure); this file does the I/O.

use crate::conv;
use crate::host;
use crate::launch::{
    MAX_BLOCK_DIM, MAX_GRID_DIM, MAX_KERNEL_ARGS_SIZE, MAX_SHARED_MEMORY_PER_BLOCK, MAX_THREADS_PER_BLOCK,
};
use crate::memory::MEMORY_ALIGNMENT;
use flaghal_sys::ptr::copy_to_char_array;
use flaghal_sys::{
    fh_device_properties_t, FH_DEVICE_CAP_ADDRESS_CHECKS, FH_DEVICE_CAP_ATOMIC_FLOAT32, FH_DEVICE_CAP_ATOMIC_INT64,
    FH_DEVICE_CAP_EVENT_TIMING, FH_DEVICE_CAP_FLOAT64, FH_DEVICE_CAP_HOST_ACCESSIBLE_MEMORY, FH_DEVICE_CAP_HOST_FUNC,
    FH_DEVICE_CAP_PINNED_HOST_MEMORY, FH_DEVICE_TYPE_CPU, FH_MODULE_FORMAT_NATIVE_CPU, FH_DEVICE_CAP_FLOAT16,
    FH_DEVICE_CAP_INT8, FH_DEVICE_CAP_INT16, FH_DEVICE_CAP_SUBGROUP_ARITHMETIC, FH_DEVICE_CAP_SUBGROUP_SHUFFLE,
};

/// Environment variable that caps the device memory (bytes), e.g. for tests.
pub const MEMORY_LIMIT_VAR: &str = "FLAGHAL_CPU_MEMORY_LIMIT";

/// Fallback when /proc/meminfo cannot be read.
const FALLBACK_MEMORY: u64 = 1 << 30;

/// Every capability the CPU device has; the table fills every entry they need.
pub const CAPABILITIES: u64 = FH_DEVICE_CAP_EVENT_TIMING
    | FH_DEVICE_CAP_HOST_FUNC
    | FH_DEVICE_CAP_PINNED_HOST_MEMORY
    | FH_DEVICE_CAP_ATOMIC_INT64
    | FH_DEVICE_CAP_ATOMIC_FLOAT32
    | FH_DEVICE_CAP_FLOAT64
    | FH_DEVICE_CAP_HOST_ACCESSIBLE_MEMORY
    | FH_DEVICE_CAP_ADDRESS_CHECKS
    // Native code does every kernel-language type; a subgroup is one thread
    // (subgroup_size 1), for which every subgroup operation is defined.
    | FH_DEVICE_CAP_FLOAT16
    | FH_DEVICE_CAP_INT8
    | FH_DEVICE_CAP_INT16
    | FH_DEVICE_CAP_SUBGROUP_ARITHMETIC
    | FH_DEVICE_CAP_SUBGROUP_SHUFFLE;

/// What was found about the host.
#[derive(Debug, Clone)]
pub struct DeviceInfo {
    pub name: String,
    pub vendor: String,
    pub uuid: [u8; 16],
    pub total_memory: u64,
    pub compute_units: u32,
}

fn read(path: &str) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

/// The machine's identity for the UUID: /etc/machine-id, D-Bus's copy, or the host name.
fn machine_identity() -> String {
    ["/etc/machine-id", "/var/lib/dbus/machine-id", "/proc/sys/kernel/hostname"]
        .iter()
        .find_map(|path| read(path).filter(|text| !text.trim().is_empty()))
        .unwrap_or_default()
}

/// Total device memory: MemTotal, capped by FLAGHAL_CPU_MEMORY_LIMIT.
fn total_memory() -> u64 {
    let physical = read("/proc/meminfo").as_deref().and_then(conv::mem_total_bytes).unwrap_or_else(|| {
        host::warn("cannot read MemTotal from /proc/meminfo; assuming 1 GiB of device memory");
        FALLBACK_MEMORY
    });
    match std::env::var(MEMORY_LIMIT_VAR) {
        Ok(text) => match conv::parse_memory_limit(&text) {
            Ok(limit) => physical.min(limit),
            Err(message) => {
                host::warn(&format!("{message}; ignored"));
                physical
            }
        },
        Err(_) => physical,
    }
}

/// Probes the host once (at init).
pub fn probe() -> DeviceInfo {
    let cpuinfo = read("/proc/cpuinfo").unwrap_or_default();
    let name = conv::cpu_name(&cpuinfo);
    let compute_units = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    DeviceInfo {
        uuid: conv::device_uuid(&machine_identity(), &name),
        vendor: conv::cpu_vendor(&cpuinfo),
        name,
        total_memory: total_memory(),
        compute_units: u32::try_from(compute_units).unwrap_or(u32::MAX),
    }
}

/// The device's properties (plugin_name is the loader's to fill).
pub fn properties(info: &DeviceInfo) -> fh_device_properties_t {
    let mut props = fh_device_properties_t { struct_size: std::mem::size_of::<fh_device_properties_t>(), ..Default::default() };
    copy_to_char_array(&mut props.name, &info.name);
    copy_to_char_array(&mut props.vendor, &info.vendor);
    props.type_ = FH_DEVICE_TYPE_CPU;
    props.uuid = info.uuid;
    props.total_memory = info.total_memory;
    props.compute_units = info.compute_units;
    props.max_threads_per_block = MAX_THREADS_PER_BLOCK;
    props.max_block_dim = MAX_BLOCK_DIM;
    props.max_grid_dim = MAX_GRID_DIM;
    props.subgroup_size = 1;
    props.max_shared_memory_per_block = MAX_SHARED_MEMORY_PER_BLOCK;
    props.max_kernel_args_size = MAX_KERNEL_ARGS_SIZE;
    props.memory_alignment = MEMORY_ALIGNMENT as u32;
    props.module_format_count = 1;
    props.module_formats[0] = FH_MODULE_FORMAT_NATIVE_CPU;
    props.capabilities = CAPABILITIES;
    props.plugin_device_index = 0;
    props
}
