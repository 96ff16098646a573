//! Pure mappings between OpenCL and FlagHAL (house rule 5): error codes to
//! statuses, what a device reports to whether it qualifies and to its
//! properties and capabilities, and the small arithmetic of the calling
//! convention (blob padding, local memory, allocation padding, timing).
//! No OpenCL call is made here; every function is unit tested below.

use flaghal_sys::{self as sys, fh_device_properties_t, fh_module_format_t, fh_status_t};

/// The alignment every fhMemAlloc address has (`memory_alignment`).
pub const MEMORY_ALIGNMENT: u64 = 256;
/// The largest argument blob a launch takes: it travels in a buffer, so any
/// size works; 4096 matches the Vulkan plugin.
pub const MAX_KERNEL_ARGS_SIZE: u32 = 4096;
/// The blob copy and the dynamic local memory are rounded up to this.
pub const GRANULE: usize = 16;
/// A kernel takes the blob, optionally dynamic local memory and its size.
pub const MAX_KERNEL_PARAMS: u32 = 3;

/// The name of an OpenCL error code, "CL_OUT_OF_RESOURCES".
pub fn error_name(code: i32) -> &'static str {
    match code {
        0 => "CL_SUCCESS",
        -1 => "CL_DEVICE_NOT_FOUND",
        -2 => "CL_DEVICE_NOT_AVAILABLE",
        -3 => "CL_COMPILER_NOT_AVAILABLE",
        -4 => "CL_MEM_OBJECT_ALLOCATION_FAILURE",
        -5 => "CL_OUT_OF_RESOURCES",
        -6 => "CL_OUT_OF_HOST_MEMORY",
        -7 => "CL_PROFILING_INFO_NOT_AVAILABLE",
        -8 => "CL_MEM_COPY_OVERLAP",
        -11 => "CL_BUILD_PROGRAM_FAILURE",
        -12 => "CL_MAP_FAILURE",
        -14 => "CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST",
        -15 => "CL_COMPILE_PROGRAM_FAILURE",
        -16 => "CL_LINKER_NOT_AVAILABLE",
        -17 => "CL_LINK_PROGRAM_FAILURE",
        -19 => "CL_KERNEL_ARG_INFO_NOT_AVAILABLE",
        -30 => "CL_INVALID_VALUE",
        -31 => "CL_INVALID_DEVICE_TYPE",
        -32 => "CL_INVALID_PLATFORM",
        -33 => "CL_INVALID_DEVICE",
        -34 => "CL_INVALID_CONTEXT",
        -35 => "CL_INVALID_QUEUE_PROPERTIES",
        -36 => "CL_INVALID_COMMAND_QUEUE",
        -37 => "CL_INVALID_HOST_PTR",
        -38 => "CL_INVALID_MEM_OBJECT",
        -42 => "CL_INVALID_BINARY",
        -43 => "CL_INVALID_BUILD_OPTIONS",
        -44 => "CL_INVALID_PROGRAM",
        -45 => "CL_INVALID_PROGRAM_EXECUTABLE",
        -46 => "CL_INVALID_KERNEL_NAME",
        -47 => "CL_INVALID_KERNEL_DEFINITION",
        -48 => "CL_INVALID_KERNEL",
        -49 => "CL_INVALID_ARG_INDEX",
        -50 => "CL_INVALID_ARG_VALUE",
        -51 => "CL_INVALID_ARG_SIZE",
        -52 => "CL_INVALID_KERNEL_ARGS",
        -53 => "CL_INVALID_WORK_DIMENSION",
        -54 => "CL_INVALID_WORK_GROUP_SIZE",
        -55 => "CL_INVALID_WORK_ITEM_SIZE",
        -56 => "CL_INVALID_GLOBAL_OFFSET",
        -57 => "CL_INVALID_EVENT_WAIT_LIST",
        -58 => "CL_INVALID_EVENT",
        -59 => "CL_INVALID_OPERATION",
        -61 => "CL_INVALID_BUFFER_SIZE",
        -63 => "CL_INVALID_GLOBAL_WORK_SIZE",
        -64 => "CL_INVALID_PROPERTY",
        -66 => "CL_INVALID_COMPILER_OPTIONS",
        -67 => "CL_INVALID_LINKER_OPTIONS",
        -72 => "CL_MAX_SIZE_RESTRICTION_EXCEEDED",
        -1001 => "CL_PLATFORM_NOT_FOUND_KHR",
        _ => "unknown OpenCL error",
    }
}

/// "CL_OUT_OF_RESOURCES (-5)", for detail messages.
pub fn describe(code: i32) -> String {
    format!("{} ({code})", error_name(code))
}

/// The FlagHAL status of a failed OpenCL call.
pub fn status_from_cl(code: i32) -> fh_status_t {
    match code {
        -4 | -5 | -6 | -61 | -72 => sys::FH_ERROR_OUT_OF_MEMORY,
        -11 | -15 | -17 | -42 | -44 | -45 | -47 => sys::FH_ERROR_INVALID_IMAGE,
        -46 => sys::FH_ERROR_NOT_FOUND,
        -53 | -54 | -55 | -63 => sys::FH_ERROR_INVALID_CONFIGURATION,
        -2 => sys::FH_ERROR_DEVICE_LOST,
        -3 | -16 => sys::FH_ERROR_NOT_SUPPORTED,
        -14 => sys::FH_ERROR_LAUNCH_FAILED,
        -30 | -49 | -50 | -51 | -52 => sys::FH_ERROR_INVALID_VALUE,
        _ => sys::FH_ERROR_UNKNOWN,
    }
}

/// The (major, minor) of "OpenCL 3.0 PoCL ..." (CL_DEVICE_VERSION,
/// CL_PLATFORM_VERSION) or "OpenCL C 1.2 PoCL" (CL_DEVICE_OPENCL_C_VERSION).
pub fn parse_version(text: &str) -> Option<(u32, u32)> {
    let rest = text.strip_prefix("OpenCL")?.trim_start();
    let rest = rest.strip_prefix("C ").unwrap_or(rest);
    let number = rest.split_whitespace().next()?;
    let (major, minor) = number.split_once('.')?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

/// Everything the plugin reads from clGetDeviceInfo, as plain values.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DeviceInfo {
    pub platform_name: String,
    pub name: String,
    pub vendor: String,
    /// CL_DEVICE_VERSION, "OpenCL 3.0 ...".
    pub version: String,
    /// CL_DEVICE_OPENCL_C_VERSION, "OpenCL C 1.2 ...".
    pub c_version: String,
    pub driver_version: String,
    pub device_type: u64,
    pub vendor_id: u32,
    pub compute_units: u32,
    pub max_work_group_size: u64,
    pub max_work_item_sizes: Vec<u64>,
    pub address_bits: u32,
    pub max_mem_alloc_size: u64,
    pub global_mem_size: u64,
    pub local_mem_size: u64,
    /// CL_DEVICE_MIN_DATA_TYPE_ALIGN_SIZE in bytes: the alignment clSVMAlloc
    /// accepts at most (and gives by default).
    pub min_data_type_align: u32,
    pub svm_capabilities: u64,
    pub available: bool,
    pub compiler_available: bool,
    /// CL_DEVICE_EXTENSIONS, space separated.
    pub extensions: String,
    pub double_fp_config: u64,
    pub half_fp_config: u64,
    /// CL_DEVICE_IL_VERSION, "" where the device takes no IL.
    pub il_version: String,
    /// CL_DEVICE_SUB_GROUP_SIZES_INTEL, empty where not reported.
    pub subgroup_sizes: Vec<u64>,
    /// CL_DEVICE_UUID_KHR (cl_khr_device_uuid).
    pub uuid: Option<[u8; 16]>,
    /// CL_DEVICE_PCI_BUS_INFO_KHR: domain, bus, device, function.
    pub pci: Option<[u32; 4]>,
}

impl DeviceInfo {
    pub fn has_extension(&self, name: &str) -> bool {
        self.extensions.split_whitespace().any(|e| e == name)
    }
}

/// How device memory is shared with the host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SvmMode {
    /// Fine-grained buffer SVM: the host reads and writes SVM memory
    /// directly (HOST_ACCESSIBLE_MEMORY); synchronous copies are memcpy.
    Fine,
    /// Coarse-grained buffer SVM: only OpenCL commands touch it.
    Coarse,
}

/// The SVM mode a device gets: fine-grained where it has it (unless
/// `force_coarse`), else coarse-grained; `None` without buffer SVM.
pub fn svm_mode(svm_capabilities: u64, force_coarse: bool) -> Option<SvmMode> {
    let coarse = svm_capabilities & crate::cl::CL_DEVICE_SVM_COARSE_GRAIN_BUFFER != 0;
    let fine = svm_capabilities & crate::cl::CL_DEVICE_SVM_FINE_GRAIN_BUFFER != 0;
    match (fine, coarse || fine) {
        (true, _) if !force_coarse => Some(SvmMode::Fine),
        (_, true) => Some(SvmMode::Coarse),
        _ => None,
    }
}

/// Why a device does not become a FlagHAL device, or `Ok`.
pub fn qualify(info: &DeviceInfo) -> Result<(), String> {
    let version = parse_version(&info.version).ok_or_else(|| format!("unreadable CL_DEVICE_VERSION {:?}", info.version))?;
    if version < (2, 0) {
        return Err(format!("OpenCL {}.{} (2.0 or later needed, for shared virtual memory)", version.0, version.1));
    }
    if svm_mode(info.svm_capabilities, false).is_none() {
        return Err("no coarse- or fine-grained buffer SVM (CL_DEVICE_SVM_CAPABILITIES)".into());
    }
    if info.address_bits != 64 {
        return Err(format!("CL_DEVICE_ADDRESS_BITS is {} (64 needed: device addresses are 64-bit SVM pointers)", info.address_bits));
    }
    if !info.available {
        return Err("CL_DEVICE_AVAILABLE is false".into());
    }
    if !info.compiler_available {
        return Err("no OpenCL C compiler (CL_DEVICE_COMPILER_AVAILABLE is false)".into());
    }
    if info.local_mem_size < u64::from(sys::FH_MIN_MAX_SHARED_MEMORY_PER_BLOCK) {
        return Err(format!("{} bytes of local memory (FlagHAL needs {})", info.local_mem_size, sys::FH_MIN_MAX_SHARED_MEMORY_PER_BLOCK));
    }
    if info.max_work_group_size < u64::from(sys::FH_MIN_MAX_THREADS_PER_BLOCK) {
        return Err(format!("work groups of at most {} work-items (FlagHAL needs {})", info.max_work_group_size, sys::FH_MIN_MAX_THREADS_PER_BLOCK));
    }
    Ok(())
}

/// The device takes SPIR-V (clCreateProgramWithIL): CL_DEVICE_IL_VERSION
/// names a SPIR-V version.
pub fn supports_spirv(il_version: &str) -> bool {
    il_version.split_whitespace().any(|il| il.starts_with("SPIR-V"))
}

/// The module formats, preferred first: OpenCL C always (the device has a
/// compiler), OpenCL SPIR-V where the device and the ICD loader take IL.
pub fn module_formats(info: &DeviceInfo, loader_has_il: bool) -> Vec<fh_module_format_t> {
    let mut formats = vec![sys::FH_MODULE_FORMAT_OPENCL_C];
    if loader_has_il && supports_spirv(&info.il_version) {
        formats.push(sys::FH_MODULE_FORMAT_OPENCL_SPIRV);
    }
    formats
}

/// The subgroup flags and the subgroup size kernels of the FlagHAL kernel
/// language can rely on. Its OpenCL target (kernel/target_opencl.h) spells
/// the subgroup operations with cl_khr_subgroups' functions and shuffles
/// with cl_khr_subgroup_shuffle's; `subgroup_size` must bound every lane
/// index, and OpenCL has no device-wide subgroup size except
/// cl_intel_required_subgroup_size's list (CL_DEVICE_SUB_GROUP_SIZES_INTEL),
/// so a flag needs that list too. Anything less: no flag, size 1.
pub fn subgroups(info: &DeviceInfo) -> (u64, u32) {
    let size = info.subgroup_sizes.iter().copied().max().unwrap_or(0);
    if !info.has_extension("cl_khr_subgroups") || size == 0 {
        return (0, 1);
    }
    let mut caps = sys::FH_DEVICE_CAP_SUBGROUP_ARITHMETIC;
    if info.has_extension("cl_khr_subgroup_shuffle") {
        caps |= sys::FH_DEVICE_CAP_SUBGROUP_SHUFFLE;
    }
    (caps, size.min(u64::from(u32::MAX)) as u32)
}

/// The capability flags (before the SDK clears groups a plugin lacks),
/// for kernels of the FlagHAL kernel language's OpenCL target.
pub fn capabilities(info: &DeviceInfo, mode: SvmMode) -> u64 {
    let mut caps = sys::FH_DEVICE_CAP_EVENT_TIMING
        | sys::FH_DEVICE_CAP_HOST_FUNC
        | sys::FH_DEVICE_CAP_PINNED_HOST_MEMORY
        | sys::FH_DEVICE_CAP_ADDRESS_CHECKS
        // char and short arithmetic, loads and stores are core OpenCL C
        // (cl_khr_byte_addressable_store is core since 1.1).
        | sys::FH_DEVICE_CAP_INT8
        | sys::FH_DEVICE_CAP_INT16
        // The target's float atomicAdd is a compare-and-swap loop on core
        // 32-bit global atomics (opencl_prologue.cl): every device runs it.
        | sys::FH_DEVICE_CAP_ATOMIC_FLOAT32;
    if mode == SvmMode::Fine {
        caps |= sys::FH_DEVICE_CAP_HOST_ACCESSIBLE_MEMORY;
    }
    if info.has_extension("cl_khr_fp64") {
        caps |= sys::FH_DEVICE_CAP_FLOAT64;
    }
    if info.has_extension("cl_khr_fp16") {
        caps |= sys::FH_DEVICE_CAP_FLOAT16;
    }
    if info.has_extension("cl_khr_int64_base_atomics") {
        caps |= sys::FH_DEVICE_CAP_ATOMIC_INT64;
    }
    // Never INT8_DOT_PRODUCT: the target's fh_dot_packed_4x8 is portable
    // code, not cl_khr_integer_dot_product's instructions.
    caps | subgroups(info).0
}

/// CL_DEVICE_TYPE bits to the FlagHAL device type (GPU wins over the rest).
pub fn device_type(bits: u64) -> sys::fh_device_type_t {
    if bits & crate::cl::CL_DEVICE_TYPE_GPU != 0 {
        sys::FH_DEVICE_TYPE_GPU
    } else if bits & crate::cl::CL_DEVICE_TYPE_CPU != 0 {
        sys::FH_DEVICE_TYPE_CPU
    } else {
        // Accelerators (FPGAs, DSPs, NPUs) and custom devices: OpenCL
        // cannot tell an AI chip from the rest.
        sys::FH_DEVICE_TYPE_OTHER
    }
}

/// A 128-bit FNV-1a hash: a fixed, documented function, so a UUID derived
/// from it is the same in every process and every build.
pub fn fnv1a_128(bytes: &[u8]) -> u128 {
    const OFFSET: u128 = 0x6c62272e07bb014262b821756295c58d;
    const PRIME: u128 = 0x0000000001000000000000000000013B;
    bytes.iter().fold(OFFSET, |hash, b| (hash ^ u128::from(*b)).wrapping_mul(PRIME))
}

/// The device UUID: the driver's (cl_khr_device_uuid) where it has one;
/// else FNV-1a-128 of "flaghal-opencl", the PCI address (cl_khr_pci_bus_info)
/// or, without one, the machine identity and the device's position in its
/// platform, then the platform, vendor id and device name, stamped as an
/// RFC 9562 version 8 (custom) UUID. Stable across processes and reboots.
pub fn device_uuid(info: &DeviceInfo, machine_identity: &str, index_in_platform: usize) -> [u8; 16] {
    if let Some(uuid) = info.uuid.filter(|u| u.iter().any(|b| *b != 0)) {
        return uuid;
    }
    let mut input = b"flaghal-opencl\0".to_vec();
    match info.pci {
        Some([domain, bus, device, function]) => input.extend_from_slice(format!("pci {domain:04x}:{bus:02x}:{device:02x}.{function}").as_bytes()),
        None => input.extend_from_slice(format!("{}\0{index_in_platform}", machine_identity.trim()).as_bytes()),
    }
    for part in [info.platform_name.as_str(), &format!("{:#x}", info.vendor_id), info.name.as_str()] {
        input.push(0);
        input.extend_from_slice(part.as_bytes());
    }
    let mut uuid = fnv1a_128(&input).to_be_bytes();
    uuid[6] = (uuid[6] & 0x0F) | 0x80; // version 8
    uuid[8] = (uuid[8] & 0x3F) | 0x80; // variant 10xx
    uuid
}

fn clamp_u32(value: u64) -> u32 {
    value.min(u64::from(u32::MAX)) as u32
}

/// The properties of a qualifying device (the loader fills plugin_name and
/// plugin_device_index's meaning; the index is set here too).
pub fn properties(info: &DeviceInfo, mode: SvmMode, uuid: [u8; 16], formats: &[fh_module_format_t], index: u32) -> fh_device_properties_t {
    let mut props = fh_device_properties_t { struct_size: std::mem::size_of::<fh_device_properties_t>(), ..Default::default() };
    sys::ptr::copy_to_char_array(&mut props.name, &info.name);
    sys::ptr::copy_to_char_array(&mut props.vendor, &info.vendor);
    props.type_ = device_type(info.device_type);
    props.uuid = uuid;
    props.total_memory = info.global_mem_size;
    props.compute_units = info.compute_units.max(1);
    let max_group = clamp_u32(info.max_work_group_size);
    props.max_threads_per_block = max_group;
    for d in 0..3 {
        props.max_block_dim[d] = info.max_work_item_sizes.get(d).map_or(1, |s| clamp_u32(*s).min(max_group));
    }
    // OpenCL has no grid limit beyond size_t global sizes; these are CUDA's.
    props.max_grid_dim = [i32::MAX as u32, 65535, 65535];
    props.subgroup_size = subgroups(info).1;
    props.max_shared_memory_per_block = clamp_u32(info.local_mem_size);
    props.max_kernel_args_size = MAX_KERNEL_ARGS_SIZE;
    props.memory_alignment = MEMORY_ALIGNMENT as u32;
    props.module_format_count = formats.len().min(sys::FH_MAX_MODULE_FORMATS as usize) as u32;
    for (slot, format) in props.module_formats.iter_mut().zip(formats) {
        *slot = *format;
    }
    props.capabilities = capabilities(info, mode);
    props.plugin_device_index = index;
    props
}

/// `value` rounded up to a multiple of `to` (a power of two); None on overflow.
pub fn align_up(value: u64, to: u64) -> Option<u64> {
    debug_assert!(to.is_power_of_two());
    value.checked_add(to - 1).map(|v| v & !(to - 1))
}

/// The alignment to request from clSVMAlloc: the device's largest data type
/// (which PoCL also takes as the maximum it accepts), at most 256, at least 1.
pub fn native_alignment(min_data_type_align: u32) -> u64 {
    let a = u64::from(min_data_type_align.max(1));
    if a.is_power_of_two() {
        a.min(MEMORY_ALIGNMENT)
    } else {
        1
    }
}

/// Bytes to request from clSVMAlloc for `size` bytes at MEMORY_ALIGNMENT,
/// when the runtime aligns to `native`: `size + 256 - native`; None when that
/// overflows.
pub fn padded_allocation(size: u64, native: u64) -> Option<u64> {
    size.checked_add(MEMORY_ALIGNMENT - native.min(MEMORY_ALIGNMENT))
}

/// The blob copy's length: a multiple of 16, at least 16 (a zero-size
/// buffer is invalid in OpenCL), zero past the blob.
pub fn blob_copy_len(len: usize) -> usize {
    len.max(1).div_ceil(GRANULE) * GRANULE
}

/// The `__local` argument's size for `shared_mem_bytes`: rounded up to 16,
/// at least 16 (docs/kernels.md; a zero-size local argument is invalid).
pub fn local_arg_bytes(shared_mem_bytes: u32) -> usize {
    (shared_mem_bytes as usize).max(1).div_ceil(GRANULE) * GRANULE
}

/// The global work size of a launch (grid blocks of block work-items);
/// None if it does not fit in size_t.
pub fn global_size(grid: [u32; 3], block: [u32; 3]) -> Option<[usize; 3]> {
    let mut global = [0usize; 3];
    for d in 0..3 {
        global[d] = (grid[d] as usize).checked_mul(block[d] as usize)?;
    }
    Some(global)
}

/// Milliseconds from `start_ns` to `end_ns` (negative when end came first).
pub fn elapsed_ms(start_ns: u64, end_ns: u64) -> f32 {
    ((end_ns as i128 - start_ns as i128) as f64 / 1.0e6) as f32
}

/// The fill pattern of a memset: the low `element_size` bytes of `value`,
/// in memory order.
pub fn fill_pattern(value: u32, element_size: u32) -> Vec<u8> {
    value.to_le_bytes()[..element_size as usize].to_vec()
}

/// Whether two byte ranges of one length overlap.
pub fn overlaps(a: u64, b: u64, len: u64) -> bool {
    len > 0 && a < b.saturating_add(len) && b < a.saturating_add(len)
}

/// An OpenCL C image as its translation units: each ends with a NUL byte,
/// and plain source (no NUL at all) is one unit (docs/kernels.md). An image
/// of several units must end with its last unit's NUL: otherwise a
/// truncated image (cut where the prefix still compiles, such as inside a
/// unit's prologue of declarations) would load as a valid one with fewer
/// kernels. Every unit must be UTF-8 text that is not blank.
pub fn translation_units(bytes: &[u8]) -> Result<Vec<&str>, String> {
    let body = bytes.strip_suffix(&[0]).unwrap_or(bytes);
    if body.len() == bytes.len() && body.contains(&0) {
        let last = body.iter().rposition(|b| *b == 0).map_or(0, |i| i + 1);
        return Err(format!(
            "the last of several OpenCL C translation units (at byte {last}) does not end with a NUL byte: the image is truncated"
        ));
    }
    let mut units = Vec::new();
    let mut offset = 0usize;
    for (index, unit) in body.split(|b| *b == 0).enumerate() {
        if unit.iter().all(|b| b.is_ascii_whitespace()) {
            return Err(format!("OpenCL C translation unit {index} (at byte {offset}) holds no text"));
        }
        let text = std::str::from_utf8(unit).map_err(|e| format!("OpenCL C translation unit {index} (at byte {offset}) is not UTF-8 text: {e}"))?;
        units.push(text);
        offset += unit.len() + 1;
    }
    Ok(units)
}

/// The SPIR-V magic number, in host byte order.
pub const SPIRV_MAGIC: u32 = 0x0723_0203;

/// The checks a SPIR-V module passes before the driver sees it: a whole
/// number of words, a five-word header, the magic number.
pub fn spirv_header(bytes: &[u8]) -> Result<(), String> {
    if bytes.len() % 4 != 0 {
        return Err(format!("{} bytes are not a whole number of SPIR-V words", bytes.len()));
    }
    if bytes.len() < 20 {
        return Err(format!("{} bytes are shorter than the SPIR-V header (20)", bytes.len()));
    }
    let magic = u32::from_ne_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    if magic != SPIRV_MAGIC {
        return Err(format!("not SPIR-V: magic {magic:#010x}, expected {SPIRV_MAGIC:#010x}"));
    }
    Ok(())
}

/// The options every OpenCL C translation unit is compiled with:
/// `-cl-std=` the device's OpenCL C version (docs/kernels.md), where
/// CL_DEVICE_OPENCL_C_VERSION says one, and kernel argument info, so the
/// plugin can check each kernel's parameters against the convention.
pub fn build_options(c_version: &str) -> String {
    match parse_version(c_version) {
        Some((major, minor)) => format!("-cl-std=CL{major}.{minor} -cl-kernel-arg-info"),
        None => "-cl-kernel-arg-info".to_string(),
    }
}

/// CL_PROGRAM_KERNEL_NAMES ("a;b;c") as a list.
pub fn kernel_names(list: &str) -> Vec<String> {
    list.split(';').map(str::trim).filter(|n| !n.is_empty()).map(str::to_string).collect()
}

/// A build log cut to at most `limit` bytes (at a char boundary), so one
/// failed build gives a readable detail message.
pub fn trim_log(log: &str, limit: usize) -> String {
    let log = log.trim();
    if log.len() <= limit {
        return log.to_string();
    }
    let kept = flaghal_sys::utf8::cut(log, limit);
    format!("{kept} [... {} more bytes]", log.len() - kept.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What PoCL 3.1 on Debian 12 reports (clinfo, 2026-12).
    fn pocl() -> DeviceInfo {
        DeviceInfo {
            platform_name: "Portable Computing Language".into(),
            name: "pthread-skylake-avx512-AMD EPYC".into(),
            vendor: "AuthenticAMD".into(),
            version: "OpenCL 3.0 PoCL HSTR: pthread-x86_64-pc-linux-gnu-skylake-avx512".into(),
            c_version: "OpenCL C 1.2 PoCL".into(),
            driver_version: "3.1+debian".into(),
            device_type: crate::cl::CL_DEVICE_TYPE_CPU,
            vendor_id: 0x8086,
            compute_units: 2,
            max_work_group_size: 4096,
            max_work_item_sizes: vec![4096, 4096, 4096],
            address_bits: 64,
            max_mem_alloc_size: 2 << 30,
            global_mem_size: 7_744_593_920,
            local_mem_size: 1 << 20,
            min_data_type_align: 128,
            svm_capabilities: 0xb,
            available: true,
            compiler_available: true,
            extensions: "cl_khr_byte_addressable_store cl_khr_global_int32_base_atomics cl_khr_3d_image_writes \
                         cl_khr_spir cl_khr_int64_base_atomics cl_khr_int64_extended_atomics cl_khr_fp64"
                .into(),
            double_fp_config: 0x3f,
            half_fp_config: 0,
            il_version: String::new(),
            subgroup_sizes: vec![],
            uuid: None,
            pci: None,
        }
    }

    #[test]
    fn errors_map_to_statuses_and_names() {
        assert_eq!(status_from_cl(-5), sys::FH_ERROR_OUT_OF_MEMORY);
        assert_eq!(status_from_cl(-4), sys::FH_ERROR_OUT_OF_MEMORY);
        assert_eq!(status_from_cl(-11), sys::FH_ERROR_INVALID_IMAGE);
        assert_eq!(status_from_cl(-46), sys::FH_ERROR_NOT_FOUND);
        assert_eq!(status_from_cl(-54), sys::FH_ERROR_INVALID_CONFIGURATION);
        assert_eq!(status_from_cl(-14), sys::FH_ERROR_LAUNCH_FAILED);
        assert_eq!(status_from_cl(-2), sys::FH_ERROR_DEVICE_LOST);
        assert_eq!(status_from_cl(-30), sys::FH_ERROR_INVALID_VALUE);
        assert_eq!(status_from_cl(-36), sys::FH_ERROR_UNKNOWN);
        assert_eq!(status_from_cl(-9999), sys::FH_ERROR_UNKNOWN);
        assert_eq!(describe(-5), "CL_OUT_OF_RESOURCES (-5)");
        assert_eq!(describe(-1001), "CL_PLATFORM_NOT_FOUND_KHR (-1001)");
        assert_eq!(error_name(-9999), "unknown OpenCL error");
    }

    #[test]
    fn versions_parse_from_device_and_c_strings() {
        assert_eq!(parse_version("OpenCL 3.0 PoCL HSTR: x"), Some((3, 0)));
        assert_eq!(parse_version("OpenCL 2.1 "), Some((2, 1)));
        assert_eq!(parse_version("OpenCL C 1.2 PoCL"), Some((1, 2)));
        assert_eq!(parse_version("OpenCL C 2.0"), Some((2, 0)));
        assert_eq!(parse_version("CUDA 12"), None);
        assert_eq!(parse_version("OpenCL x.y"), None);
        assert_eq!(parse_version(""), None);
    }

    #[test]
    fn pocl_qualifies_and_each_missing_requirement_is_named() {
        assert_eq!(qualify(&pocl()), Ok(()));
        type Change = fn(&mut DeviceInfo);
        let cases: [(Change, &str); 6] = [
            (|d| d.version = "OpenCL 1.2 Mesa".into(), "OpenCL 1.2"),
            (|d| d.svm_capabilities = 0, "SVM"),
            (|d| d.address_bits = 32, "ADDRESS_BITS is 32"),
            (|d| d.available = false, "AVAILABLE"),
            (|d| d.compiler_available = false, "compiler"),
            (|d| d.local_mem_size = 8192, "local memory"),
        ];
        for (change, reason) in cases {
            let mut info = pocl();
            change(&mut info);
            let why = qualify(&info).expect_err(reason);
            assert!(why.contains(reason), "{why:?} names {reason:?}");
        }
    }

    #[test]
    fn svm_mode_prefers_fine_grained_unless_forced() {
        assert_eq!(svm_mode(0xb, false), Some(SvmMode::Fine));
        assert_eq!(svm_mode(0xb, true), Some(SvmMode::Coarse));
        assert_eq!(svm_mode(0x1, false), Some(SvmMode::Coarse));
        assert_eq!(svm_mode(0x2, true), Some(SvmMode::Coarse));
        assert_eq!(svm_mode(0x4, false), None); // system SVM only: no buffer SVM
        assert_eq!(svm_mode(0, false), None);
    }

    #[test]
    fn pocl_properties_come_from_its_device_info() {
        let info = pocl();
        let formats = module_formats(&info, true);
        assert_eq!(formats, vec![sys::FH_MODULE_FORMAT_OPENCL_C], "PoCL 3.1 has no IL");
        let p = properties(&info, SvmMode::Fine, [7; 16], &formats, 3);
        assert_eq!(sys::ptr::char_array_to_string(&p.name), info.name);
        assert_eq!(sys::ptr::char_array_to_string(&p.vendor), "AuthenticAMD");
        assert_eq!(p.type_, sys::FH_DEVICE_TYPE_CPU);
        assert_eq!(p.uuid, [7; 16]);
        assert_eq!(p.total_memory, 7_744_593_920);
        assert_eq!(p.compute_units, 2);
        assert_eq!(p.max_threads_per_block, 4096);
        assert_eq!(p.max_block_dim, [4096, 4096, 4096]);
        assert_eq!(p.subgroup_size, 1);
        assert_eq!(p.max_shared_memory_per_block, 1 << 20);
        assert_eq!(p.max_kernel_args_size, 4096);
        assert_eq!(p.memory_alignment, 256);
        assert_eq!(p.module_format_count, 1);
        assert_eq!(p.module_formats[0], sys::FH_MODULE_FORMAT_OPENCL_C);
        assert_eq!(p.plugin_device_index, 3);
        let want = sys::FH_DEVICE_CAP_EVENT_TIMING
            | sys::FH_DEVICE_CAP_HOST_FUNC
            | sys::FH_DEVICE_CAP_PINNED_HOST_MEMORY
            | sys::FH_DEVICE_CAP_ADDRESS_CHECKS
            | sys::FH_DEVICE_CAP_INT8
            | sys::FH_DEVICE_CAP_INT16
            | sys::FH_DEVICE_CAP_HOST_ACCESSIBLE_MEMORY
            | sys::FH_DEVICE_CAP_ATOMIC_FLOAT32
            | sys::FH_DEVICE_CAP_FLOAT64
            | sys::FH_DEVICE_CAP_ATOMIC_INT64;
        assert_eq!(p.capabilities, want, "no fp16 or subgroups on PoCL 3.1");
        let coarse = properties(&info, SvmMode::Coarse, [7; 16], &formats, 0);
        assert_eq!(coarse.capabilities, want & !sys::FH_DEVICE_CAP_HOST_ACCESSIBLE_MEMORY);
    }

    #[test]
    fn block_dims_never_exceed_the_work_group_limit() {
        let mut info = pocl();
        info.max_work_group_size = 256;
        info.max_work_item_sizes = vec![1024, 1024, 64];
        let p = properties(&info, SvmMode::Coarse, [0; 16], &[sys::FH_MODULE_FORMAT_OPENCL_C], 0);
        assert_eq!(p.max_block_dim, [256, 256, 64]);
        assert_eq!(p.max_threads_per_block, 256);
    }

    #[test]
    fn capabilities_follow_extensions() {
        let mut info = pocl();
        info.extensions = "cl_khr_fp16 cl_khr_integer_dot_product".into();
        let caps = capabilities(&info, SvmMode::Coarse);
        assert_ne!(caps & sys::FH_DEVICE_CAP_FLOAT16, 0);
        assert_ne!(caps & sys::FH_DEVICE_CAP_ATOMIC_FLOAT32, 0, "a CAS loop on core atomics");
        assert_eq!(caps & (sys::FH_DEVICE_CAP_FLOAT64 | sys::FH_DEVICE_CAP_ATOMIC_INT64), 0);
        assert_eq!(caps & sys::FH_DEVICE_CAP_INT8_DOT_PRODUCT, 0, "the target's dot product is portable code");
        // an extension name is matched whole
        info.extensions = "cl_khr_fp64_extra".into();
        assert_eq!(capabilities(&info, SvmMode::Coarse) & sys::FH_DEVICE_CAP_FLOAT64, 0);
    }

    #[test]
    fn subgroup_flags_need_the_extensions_and_known_sizes() {
        let mut info = pocl();
        assert_eq!(subgroups(&info), (0, 1));
        info.extensions = "cl_khr_subgroups cl_khr_subgroup_shuffle".into();
        assert_eq!(subgroups(&info), (0, 1), "sizes unknown: no flag");
        info.subgroup_sizes = vec![8, 16, 32];
        assert_eq!(subgroups(&info), (sys::FH_DEVICE_CAP_SUBGROUP_ARITHMETIC | sys::FH_DEVICE_CAP_SUBGROUP_SHUFFLE, 32));
        info.extensions = "cl_khr_subgroups".into();
        assert_eq!(subgroups(&info), (sys::FH_DEVICE_CAP_SUBGROUP_ARITHMETIC, 32));
        info.extensions = "cl_khr_subgroup_shuffle".into();
        assert_eq!(subgroups(&info), (0, 1), "shuffles alone are not enough: the ids come from cl_khr_subgroups");
    }

    #[test]
    fn spirv_is_listed_only_with_an_il_version_and_the_loader_entry() {
        let mut info = pocl();
        info.il_version = "SPIR-V_1.0 SPIR-V_1.2".into();
        assert_eq!(module_formats(&info, true), vec![sys::FH_MODULE_FORMAT_OPENCL_C, sys::FH_MODULE_FORMAT_OPENCL_SPIRV]);
        assert_eq!(module_formats(&info, false), vec![sys::FH_MODULE_FORMAT_OPENCL_C]);
        info.il_version = "".into();
        assert!(!supports_spirv(&info.il_version));
    }

    #[test]
    fn device_types_map() {
        assert_eq!(device_type(crate::cl::CL_DEVICE_TYPE_GPU), sys::FH_DEVICE_TYPE_GPU);
        assert_eq!(device_type(crate::cl::CL_DEVICE_TYPE_CPU | 1), sys::FH_DEVICE_TYPE_CPU);
        assert_eq!(device_type(crate::cl::CL_DEVICE_TYPE_ACCELERATOR), sys::FH_DEVICE_TYPE_OTHER);
    }

    #[test]
    fn uuids_are_stable_distinct_and_prefer_the_drivers() {
        let info = pocl();
        let a = device_uuid(&info, "machine-1", 0);
        assert_eq!(a, device_uuid(&info, "machine-1\n", 0), "same inputs, same UUID");
        assert_ne!(a, device_uuid(&info, "machine-2", 0));
        assert_ne!(a, device_uuid(&info, "machine-1", 1));
        assert_eq!(a[6] >> 4, 8, "version 8");
        assert_eq!(a[8] >> 6, 2, "variant");
        let mut pci = info.clone();
        pci.pci = Some([0, 0x65, 0, 0]);
        assert_eq!(device_uuid(&pci, "machine-1", 0), device_uuid(&pci, "machine-2", 5), "the PCI address identifies it");
        let mut own = info.clone();
        own.uuid = Some([9; 16]);
        assert_eq!(device_uuid(&own, "m", 0), [9; 16]);
        own.uuid = Some([0; 16]);
        assert_eq!(device_uuid(&own, "machine-1", 0), a, "an all-zero driver UUID is ignored");
        assert_eq!(fnv1a_128(b""), 0x6c62272e07bb014262b821756295c58d);
    }

    #[test]
    fn allocation_padding_reaches_256_byte_alignment() {
        assert_eq!(native_alignment(128), 128);
        assert_eq!(native_alignment(512), 256);
        assert_eq!(native_alignment(0), 1);
        assert_eq!(native_alignment(96), 1);
        assert_eq!(padded_allocation(100, 128), Some(228));
        assert_eq!(padded_allocation(100, 256), Some(100));
        assert_eq!(padded_allocation(u64::MAX, 128), None);
        // Any 128-aligned address, rounded up, stays inside the padding.
        for native in (0..8u64).map(|i| 0x1000 + i * 128) {
            let aligned = align_up(native, 256).unwrap();
            assert_eq!(aligned % 256, 0);
            assert!(aligned + 100 <= native + padded_allocation(100, 128).unwrap());
        }
        assert_eq!(align_up(u64::MAX, 256), None);
    }

    #[test]
    fn convention_sizes_round_to_16() {
        assert_eq!(blob_copy_len(0), 16);
        assert_eq!(blob_copy_len(1), 16);
        assert_eq!(blob_copy_len(16), 16);
        assert_eq!(blob_copy_len(17), 32);
        assert_eq!(blob_copy_len(516), 528);
        assert_eq!(local_arg_bytes(0), 16);
        assert_eq!(local_arg_bytes(4), 16);
        assert_eq!(local_arg_bytes(1024), 1024);
        assert_eq!(local_arg_bytes(1025), 1040);
        assert_eq!(global_size([3, 2, 1], [64, 4, 1]), Some([192, 8, 1]));
        assert_eq!(global_size([u32::MAX, 1, 1], [u32::MAX, 1, 1]), Some([(u32::MAX as usize) * (u32::MAX as usize), 1, 1]));
    }

    #[test]
    fn elapsed_time_is_signed_milliseconds() {
        assert_eq!(elapsed_ms(1_000_000, 3_500_000), 2.5);
        assert_eq!(elapsed_ms(3_500_000, 1_000_000), -2.5);
        assert_eq!(elapsed_ms(5, 5), 0.0);
    }

    #[test]
    fn fill_patterns_and_overlaps() {
        assert_eq!(fill_pattern(0x1234_56AB, 1), vec![0xAB]);
        assert_eq!(fill_pattern(0x1234_56AB, 2), vec![0xAB, 0x56]);
        assert_eq!(fill_pattern(0x1234_56AB, 4), vec![0xAB, 0x56, 0x34, 0x12]);
        assert!(overlaps(100, 150, 51));
        assert!(!overlaps(100, 150, 50));
        assert!(overlaps(150, 100, 51));
        assert!(overlaps(100, 100, 1));
        assert!(!overlaps(100, 100, 0));
    }

    #[test]
    fn images_split_into_nul_terminated_translation_units() {
        assert_eq!(translation_units(b"__kernel void k() {}"), Ok(vec!["__kernel void k() {}"]), "plain source is one unit");
        assert_eq!(translation_units(b"a\0"), Ok(vec!["a"]), "the last NUL");
        assert_eq!(translation_units(b"a\0b\0"), Ok(vec!["a", "b"]));
        assert!(translation_units(b"a\0b").unwrap_err().contains("at byte 2) does not end with a NUL byte"), "several units end with a NUL");
        assert!(translation_units(&[0; 16]).unwrap_err().contains("unit 0 (at byte 0) holds no text"));
        assert!(translation_units(b"a\0\0").unwrap_err().contains("unit 1 (at byte 2)"), "an empty unit");
        assert!(translation_units(b"  \n").unwrap_err().contains("no text"));
        assert!(translation_units(b"").unwrap_err().contains("no text"));
        assert!(translation_units(&[b'a', 0, 0x80, 0xFF, 0]).unwrap_err().contains("unit 1 (at byte 2) is not UTF-8"));
    }

    #[test]
    fn spirv_headers_are_checked() {
        let mut module = SPIRV_MAGIC.to_ne_bytes().to_vec();
        module.resize(20, 0);
        assert_eq!(spirv_header(&module), Ok(()));
        assert!(spirv_header(&module[..19]).unwrap_err().contains("whole number"));
        assert!(spirv_header(&module[..16]).unwrap_err().contains("shorter"));
        module[0] ^= 0xFF;
        assert!(spirv_header(&module).unwrap_err().contains("magic"));
    }

    #[test]
    fn build_options_name_the_device_c_version() {
        assert_eq!(build_options("OpenCL C 1.2 PoCL"), "-cl-std=CL1.2 -cl-kernel-arg-info");
        assert_eq!(build_options("OpenCL C 3.0"), "-cl-std=CL3.0 -cl-kernel-arg-info");
        assert_eq!(build_options("garbage"), "-cl-kernel-arg-info");
    }

    #[test]
    fn kernel_name_lists_and_logs() {
        assert_eq!(kernel_names("a;bb; c;;"), vec!["a", "bb", "c"]);
        assert!(kernel_names("").is_empty());
        assert_eq!(trim_log("  short \n", 100), "short");
        assert_eq!(trim_log("abcdef", 3), "abc [... 3 more bytes]");
        assert_eq!(trim_log("aé", 2), "a [... 2 more bytes]", "cut at a char boundary");
    }
}
