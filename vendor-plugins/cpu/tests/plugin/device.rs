//! Device enumeration and properties.

use crate::support::*;
use flaghal_sys::*;
use std::mem::offset_of;

fn properties() -> fh_device_properties_t {
    let p = plugin();
    let mut props = fh_device_properties_t { struct_size: std::mem::size_of::<fh_device_properties_t>(), ..Default::default() };
    // SAFETY: a sized properties struct.
    assert_eq!(unsafe { p.api.device_get_properties.unwrap()(p.device, &mut props) }, FH_SUCCESS);
    props
}

#[test]
fn one_cpu_device_with_the_documented_limits() {
    let p = plugin();
    let mut count = 0;
    // SAFETY: a valid output pointer.
    assert_eq!(unsafe { p.api.device_count.unwrap()(&mut count) }, FH_SUCCESS);
    assert_eq!(count, 1);
    let mut device = std::ptr::null_mut();
    // SAFETY: as above.
    assert_eq!(unsafe { p.api.device_get.unwrap()(1, &mut device) }, FH_ERROR_INVALID_DEVICE);
    assert!(device.is_null());
    assert!(take_detail().contains("device index 1"));

    let props = properties();
    let name = flaghal_sys::ptr::char_array_to_string(&props.name);
    assert!(!name.is_empty());
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    if let Some(line) = cpuinfo.lines().find(|l| l.starts_with("model name")) {
        let model = line.split_once(':').unwrap().1.split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(name, model);
    }
    assert!(!flaghal_sys::ptr::char_array_to_string(&props.vendor).is_empty());
    assert_eq!(props.type_, FH_DEVICE_TYPE_CPU);
    assert_ne!(props.uuid, [0; 16]);
    assert_eq!(props.compute_units as usize, std::thread::available_parallelism().unwrap().get());
    assert!(props.total_memory > 0);
    assert_eq!(props.max_threads_per_block, 1024);
    assert_eq!(props.max_block_dim, [1024, 1024, 64]);
    assert_eq!(props.max_grid_dim, [i32::MAX as u32, 65535, 65535]);
    assert_eq!(props.subgroup_size, 1);
    assert_eq!(props.max_shared_memory_per_block, 64 * 1024);
    assert_eq!(props.max_kernel_args_size, 4096);
    assert!(props.memory_alignment >= FH_MIN_MEMORY_ALIGNMENT);
    assert_eq!(props.module_format_count, 1);
    assert_eq!(props.module_formats[0], FH_MODULE_FORMAT_NATIVE_CPU);
    let all = FH_DEVICE_CAP_EVENT_TIMING
        | FH_DEVICE_CAP_HOST_FUNC
        | FH_DEVICE_CAP_PINNED_HOST_MEMORY
        | FH_DEVICE_CAP_ATOMIC_INT64
        | FH_DEVICE_CAP_ATOMIC_FLOAT32
        | FH_DEVICE_CAP_FLOAT64
        | FH_DEVICE_CAP_HOST_ACCESSIBLE_MEMORY
        | FH_DEVICE_CAP_ADDRESS_CHECKS
        | FH_DEVICE_CAP_FLOAT16
        | FH_DEVICE_CAP_INT8
        | FH_DEVICE_CAP_INT16
        | FH_DEVICE_CAP_SUBGROUP_ARITHMETIC
        | FH_DEVICE_CAP_SUBGROUP_SHUFFLE;
    assert_eq!(props.capabilities, all, "everything but native int8 dot products");
    assert_eq!(props.plugin_device_index, 0);
    assert_eq!(props.uuid, properties().uuid, "stable within the process");
}

#[test]
fn an_older_callers_properties_are_written_only_inside_their_size() {
    let p = plugin();
    let mut props = fh_device_properties_t::default();
    // Fill with a sentinel, then claim a size that ends right before `uuid`.
    // SAFETY: plain data; every byte pattern is a valid value of these fields.
    unsafe { std::ptr::write_bytes(&mut props as *mut fh_device_properties_t as *mut u8, 0xAB, std::mem::size_of_val(&props)) };
    props.struct_size = offset_of!(fh_device_properties_t, uuid);
    // SAFETY: a sized properties struct.
    assert_eq!(unsafe { p.api.device_get_properties.unwrap()(p.device, &mut props) }, FH_SUCCESS);
    assert_eq!(props.type_, FH_DEVICE_TYPE_CPU, "fields inside the size are written");
    assert_eq!(props.uuid, [0xAB; 16], "fields past the size are untouched");
    assert_eq!(props.total_memory, 0xABAB_ABAB_ABAB_ABAB);
    props.struct_size = 8;
    // SAFETY: the size is below the minimum: refused before writing.
    assert_eq!(unsafe { p.api.device_get_properties.unwrap()(p.device, &mut props) }, FH_ERROR_INVALID_VALUE);
}

#[test]
fn the_uuid_is_the_same_in_another_process() {
    let uuid: String = properties().uuid.iter().map(|b| format!("{b:02x}")).collect();
    if std::env::var_os("FLAGHAL_CPU_TEST_PRINT_UUID").is_some() {
        println!("UUID={uuid}");
        return;
    }
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["device::the_uuid_is_the_same_in_another_process", "--exact", "--nocapture", "--test-threads=1"])
        .env("FLAGHAL_CPU_TEST_PRINT_UUID", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let child = stdout.lines().find_map(|l| l.split("UUID=").nth(1).map(str::trim)).unwrap_or_else(|| panic!("child printed no UUID: {stdout}"));
    assert_eq!(child, uuid);
}
