//! Pure mapping functions between the CUDA driver API and FlagHAL (house
//! rule 5, like wgpu-hal's `conv.rs`): no driver calls, no state, every
//! function testable on a machine without a GPU.
//!
//! - [`status_from_cu`]: CUresult -> fh_status_t; [`result_name`] for detail
//!   messages; [`is_sticky`]: the errors after which CUDA declares the
//!   context unusable.
//! - [`DeviceAttributes`] -> `fh_device_properties_t` ([`properties`]) and the
//!   capability flags from the compute capability ([`capabilities`]).

use crate::driver::CUresult;
use flaghal_sys as sys;

/// The FlagHAL status for a failed CUDA call. Kernel faults (the sticky
/// errors) map to FH_ERROR_LAUNCH_FAILED here; the device's health record
/// (`health.rs`) decides which call reports them and which get
/// FH_ERROR_DEVICE_LOST.
pub fn status_from_cu(result: CUresult) -> sys::fh_status_t {
    match result {
        0 => sys::FH_SUCCESS,
        // CUDA_ERROR_INVALID_VALUE
        1 => sys::FH_ERROR_INVALID_VALUE,
        // CUDA_ERROR_OUT_OF_MEMORY
        2 => sys::FH_ERROR_OUT_OF_MEMORY,
        // NOT_INITIALIZED, DEINITIALIZED (process exit), DEVICE_UNAVAILABLE,
        // INVALID_CONTEXT, CONTEXT_IS_DESTROYED, ECC_UNCORRECTABLE,
        // NVLINK_UNCORRECTABLE, SYSTEM_NOT_READY, SYSTEM_DRIVER_MISMATCH
        3 | 4 | 46 | 201 | 709 | 214 | 220 | 802 | 803 => sys::FH_ERROR_DEVICE_LOST,
        // NO_DEVICE, INVALID_DEVICE
        100 | 101 => sys::FH_ERROR_INVALID_DEVICE,
        // INVALID_IMAGE, NO_BINARY_FOR_GPU, INVALID_PTX, UNSUPPORTED_PTX_VERSION,
        // INVALID_SOURCE, SHARED_OBJECT_SYMBOL_NOT_FOUND, SHARED_OBJECT_INIT_FAILED
        200 | 209 | 218 | 222 | 300 | 302 | 303 => sys::FH_ERROR_INVALID_IMAGE,
        // JIT_COMPILER_NOT_FOUND, JIT_COMPILATION_DISABLED, NOT_PERMITTED,
        // NOT_SUPPORTED, COMPAT_NOT_SUPPORTED_ON_DEVICE
        221 | 223 | 800 | 801 | 804 => sys::FH_ERROR_NOT_SUPPORTED,
        // INVALID_HANDLE
        400 => sys::FH_ERROR_INVALID_HANDLE,
        // NOT_FOUND
        500 => sys::FH_ERROR_NOT_FOUND,
        // NOT_READY
        600 => sys::FH_ERROR_NOT_READY,
        // LAUNCH_OUT_OF_RESOURCES (too many threads for the kernel's
        // registers, too much shared memory), COOPERATIVE_LAUNCH_TOO_LARGE
        701 | 720 => sys::FH_ERROR_INVALID_CONFIGURATION,
        code if is_sticky(code) => sys::FH_ERROR_LAUNCH_FAILED,
        _ => sys::FH_ERROR_UNKNOWN,
    }
}

/// Whether CUDA reports `result` for a kernel that faulted while running,
/// after which "the context cannot be used, so it must be destroyed" (CUDA
/// Driver API, CUresult): ILLEGAL_ADDRESS, LAUNCH_TIMEOUT, ASSERT,
/// HARDWARE_STACK_ERROR, ILLEGAL_INSTRUCTION, MISALIGNED_ADDRESS,
/// INVALID_ADDRESS_SPACE, INVALID_PC, LAUNCH_FAILED. Every later call in the
/// context returns the same error.
pub fn is_sticky(result: CUresult) -> bool {
    matches!(result, 700 | 702 | 710 | 714 | 715 | 716 | 717 | 718 | 719)
}

/// The `CUDA_ERROR_*` name of a result (from the CUDA Driver API's CUresult
/// list), or "CUresult <n>" for one this table does not know.
pub fn result_name(result: CUresult) -> String {
    let name = match result {
        0 => "CUDA_SUCCESS",
        1 => "CUDA_ERROR_INVALID_VALUE",
        2 => "CUDA_ERROR_OUT_OF_MEMORY",
        3 => "CUDA_ERROR_NOT_INITIALIZED",
        4 => "CUDA_ERROR_DEINITIALIZED",
        34 => "CUDA_ERROR_STUB_LIBRARY",
        46 => "CUDA_ERROR_DEVICE_UNAVAILABLE",
        100 => "CUDA_ERROR_NO_DEVICE",
        101 => "CUDA_ERROR_INVALID_DEVICE",
        102 => "CUDA_ERROR_DEVICE_NOT_LICENSED",
        200 => "CUDA_ERROR_INVALID_IMAGE",
        201 => "CUDA_ERROR_INVALID_CONTEXT",
        209 => "CUDA_ERROR_NO_BINARY_FOR_GPU",
        214 => "CUDA_ERROR_ECC_UNCORRECTABLE",
        218 => "CUDA_ERROR_INVALID_PTX",
        220 => "CUDA_ERROR_NVLINK_UNCORRECTABLE",
        221 => "CUDA_ERROR_JIT_COMPILER_NOT_FOUND",
        222 => "CUDA_ERROR_UNSUPPORTED_PTX_VERSION",
        223 => "CUDA_ERROR_JIT_COMPILATION_DISABLED",
        300 => "CUDA_ERROR_INVALID_SOURCE",
        302 => "CUDA_ERROR_SHARED_OBJECT_SYMBOL_NOT_FOUND",
        303 => "CUDA_ERROR_SHARED_OBJECT_INIT_FAILED",
        304 => "CUDA_ERROR_OPERATING_SYSTEM",
        400 => "CUDA_ERROR_INVALID_HANDLE",
        401 => "CUDA_ERROR_ILLEGAL_STATE",
        500 => "CUDA_ERROR_NOT_FOUND",
        600 => "CUDA_ERROR_NOT_READY",
        700 => "CUDA_ERROR_ILLEGAL_ADDRESS",
        701 => "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES",
        702 => "CUDA_ERROR_LAUNCH_TIMEOUT",
        709 => "CUDA_ERROR_CONTEXT_IS_DESTROYED",
        710 => "CUDA_ERROR_ASSERT",
        714 => "CUDA_ERROR_HARDWARE_STACK_ERROR",
        715 => "CUDA_ERROR_ILLEGAL_INSTRUCTION",
        716 => "CUDA_ERROR_MISALIGNED_ADDRESS",
        717 => "CUDA_ERROR_INVALID_ADDRESS_SPACE",
        718 => "CUDA_ERROR_INVALID_PC",
        719 => "CUDA_ERROR_LAUNCH_FAILED",
        720 => "CUDA_ERROR_COOPERATIVE_LAUNCH_TOO_LARGE",
        800 => "CUDA_ERROR_NOT_PERMITTED",
        801 => "CUDA_ERROR_NOT_SUPPORTED",
        802 => "CUDA_ERROR_SYSTEM_NOT_READY",
        803 => "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH",
        804 => "CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE",
        999 => "CUDA_ERROR_UNKNOWN",
        _ => return format!("CUresult {result}"),
    };
    format!("{name} ({result})")
}

/// A CUDA driver version number (`cuDriverGetVersion`: 1000 * major + 10 * minor) as "major.minor".
pub fn driver_version(version: i32) -> String {
    format!("{}.{}", version / 1000, (version % 1000) / 10)
}

/// `max_kernel_args_size`: CUDA's kernel parameter limit is 4 KiB on every
/// architecture and driver (32764 bytes only from CUDA 12.1 on Volta and
/// later, which a module built for the 4 KiB limit does not need).
pub const MAX_KERNEL_ARGS_SIZE: u32 = 4096;
/// `memory_alignment`: the CUDA programming guide guarantees that every
/// address cuMemAlloc returns is aligned to at least 256 bytes.
pub const MEMORY_ALIGNMENT: u32 = 256;

/// What one CUDA device reports (cuDeviceGetName, cuDeviceGetUuid,
/// cuDeviceTotalMem, cuDeviceGetAttribute), gathered by `device.rs`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DeviceAttributes {
    pub name: String,
    pub uuid: [u8; 16],
    pub total_memory: u64,
    pub compute_capability: (i32, i32),
    pub multiprocessors: i32,
    pub max_threads_per_block: i32,
    pub max_block_dim: [i32; 3],
    pub max_grid_dim: [i32; 3],
    pub warp_size: i32,
    pub max_shared_memory_per_block: i32,
    /// CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN: what a kernel
    /// may use after cuFuncSetAttribute(MAX_DYNAMIC_SHARED_SIZE_BYTES); 0
    /// where the driver does not know the attribute.
    pub max_shared_memory_per_block_optin: i32,
}

fn non_negative(value: i32) -> u32 {
    u32::try_from(value).unwrap_or(0)
}

/// The shared memory a block may use: the opt-in maximum where the device
/// has one (the plugin opts every kernel in, `module.rs`), else the default.
pub fn max_shared_memory(attributes: &DeviceAttributes) -> u32 {
    non_negative(attributes.max_shared_memory_per_block_optin.max(attributes.max_shared_memory_per_block))
}

/// The capability flags of a device of compute capability `(major, minor)`.
/// Always: event timing, host functions, pinned memory and address checks
/// (the plugin implements them), FLOAT64, INT8 and INT16 (PTX has 64-bit
/// floats and 8/16-bit loads, stores and conversions on every architecture
/// the driver still supports), 64-bit integer and 32-bit float atomic add
/// (`atom.global.add.u64` / `.f32`, sm_20 and later), and warp operations
/// (`shfl.sync`, `vote`, `redux`-or-shuffle reductions). FLOAT16 arithmetic
/// from 5.3; the 4 x 8-bit dot product instruction (`dp4a`) from 6.1. Never
/// HOST_ACCESSIBLE_MEMORY: device addresses are not host pointers.
pub fn capabilities(compute_capability: (i32, i32)) -> u64 {
    let mut caps = sys::FH_DEVICE_CAP_EVENT_TIMING
        | sys::FH_DEVICE_CAP_HOST_FUNC
        | sys::FH_DEVICE_CAP_PINNED_HOST_MEMORY
        | sys::FH_DEVICE_CAP_ADDRESS_CHECKS
        | sys::FH_DEVICE_CAP_FLOAT64
        | sys::FH_DEVICE_CAP_INT8
        | sys::FH_DEVICE_CAP_INT16
        | sys::FH_DEVICE_CAP_ATOMIC_INT64
        | sys::FH_DEVICE_CAP_ATOMIC_FLOAT32
        | sys::FH_DEVICE_CAP_SUBGROUP_ARITHMETIC
        | sys::FH_DEVICE_CAP_SUBGROUP_SHUFFLE;
    if compute_capability >= (5, 3) {
        caps |= sys::FH_DEVICE_CAP_FLOAT16;
    }
    if compute_capability >= (6, 1) {
        caps |= sys::FH_DEVICE_CAP_INT8_DOT_PRODUCT;
    }
    caps
}

/// The module formats, in order of preference: a cubin (machine code, no
/// JIT) when the bundle has one for this GPU, else PTX, which the driver
/// compiles for any GPU. A cubin for another GPU is refused with
/// FH_ERROR_INVALID_IMAGE, so the loader falls back to the bundle's PTX.
pub const MODULE_FORMATS: [sys::fh_module_format_t; 2] = [sys::FH_MODULE_FORMAT_CUBIN, sys::FH_MODULE_FORMAT_PTX];

/// The FlagHAL properties of a CUDA device (`plugin_name` and
/// `plugin_device_index` are the loader's to fill).
pub fn properties(attributes: &DeviceAttributes) -> sys::fh_device_properties_t {
    let mut props = sys::fh_device_properties_t {
        struct_size: std::mem::size_of::<sys::fh_device_properties_t>(),
        type_: sys::FH_DEVICE_TYPE_GPU,
        uuid: attributes.uuid,
        total_memory: attributes.total_memory,
        compute_units: non_negative(attributes.multiprocessors).max(1),
        max_threads_per_block: non_negative(attributes.max_threads_per_block),
        max_block_dim: attributes.max_block_dim.map(non_negative),
        max_grid_dim: attributes.max_grid_dim.map(non_negative),
        subgroup_size: non_negative(attributes.warp_size).max(1),
        max_shared_memory_per_block: max_shared_memory(attributes),
        max_kernel_args_size: MAX_KERNEL_ARGS_SIZE,
        memory_alignment: MEMORY_ALIGNMENT,
        capabilities: capabilities(attributes.compute_capability),
        ..Default::default()
    };
    let (major, minor) = attributes.compute_capability;
    let name = if attributes.name.is_empty() { format!("NVIDIA GPU (compute capability {major}.{minor})") } else { attributes.name.clone() };
    sys::ptr::copy_to_char_array(&mut props.name, &name);
    sys::ptr::copy_to_char_array(&mut props.vendor, "NVIDIA");
    props.module_format_count = MODULE_FORMATS.len() as u32;
    props.module_formats[..MODULE_FORMATS.len()].copy_from_slice(&MODULE_FORMATS);
    props
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An H100/H200 (SXM) as the CUDA 12/13 driver describes it.
    fn hopper() -> DeviceAttributes {
        DeviceAttributes {
            name: "NVIDIA H200".into(),
            uuid: [7; 16],
            total_memory: 150_754_820_096,
            compute_capability: (9, 0),
            multiprocessors: 132,
            max_threads_per_block: 1024,
            max_block_dim: [1024, 1024, 64],
            max_grid_dim: [2_147_483_647, 65_535, 65_535],
            warp_size: 32,
            max_shared_memory_per_block: 49_152,
            max_shared_memory_per_block_optin: 232_448,
        }
    }

    #[test]
    fn statuses_of_the_results_a_plugin_meets() {
        let cases = [
            (0, sys::FH_SUCCESS),
            (1, sys::FH_ERROR_INVALID_VALUE),
            (2, sys::FH_ERROR_OUT_OF_MEMORY),
            (4, sys::FH_ERROR_DEVICE_LOST),
            (101, sys::FH_ERROR_INVALID_DEVICE),
            (200, sys::FH_ERROR_INVALID_IMAGE),
            (209, sys::FH_ERROR_INVALID_IMAGE),
            (218, sys::FH_ERROR_INVALID_IMAGE),
            (222, sys::FH_ERROR_INVALID_IMAGE),
            (221, sys::FH_ERROR_NOT_SUPPORTED),
            (400, sys::FH_ERROR_INVALID_HANDLE),
            (500, sys::FH_ERROR_NOT_FOUND),
            (600, sys::FH_ERROR_NOT_READY),
            (700, sys::FH_ERROR_LAUNCH_FAILED),
            (701, sys::FH_ERROR_INVALID_CONFIGURATION),
            (719, sys::FH_ERROR_LAUNCH_FAILED),
            (801, sys::FH_ERROR_NOT_SUPPORTED),
            (999, sys::FH_ERROR_UNKNOWN),
            (12345, sys::FH_ERROR_UNKNOWN),
        ];
        for (result, status) in cases {
            assert_eq!(status_from_cu(result), status, "{}", result_name(result));
        }
    }

    #[test]
    fn only_kernel_faults_are_sticky() {
        for sticky in [700, 702, 710, 714, 715, 716, 717, 718, 719] {
            assert!(is_sticky(sticky), "{}", result_name(sticky));
        }
        for not in [0, 1, 2, 218, 400, 500, 600, 701, 703, 720, 999] {
            assert!(!is_sticky(not), "{}", result_name(not));
        }
    }

    #[test]
    fn result_names_carry_the_number() {
        assert_eq!(result_name(218), "CUDA_ERROR_INVALID_PTX (218)");
        assert_eq!(result_name(700), "CUDA_ERROR_ILLEGAL_ADDRESS (700)");
        assert_eq!(result_name(4242), "CUresult 4242");
        assert_eq!(driver_version(13000), "13.0");
        assert_eq!(driver_version(12040), "12.4");
    }

    #[test]
    fn capabilities_follow_the_compute_capability() {
        let maxwell = capabilities((5, 0));
        assert_eq!(maxwell & sys::FH_DEVICE_CAP_FLOAT16, 0, "half arithmetic needs 5.3");
        assert_eq!(maxwell & sys::FH_DEVICE_CAP_INT8_DOT_PRODUCT, 0, "dp4a needs 6.1");
        assert_ne!(capabilities((5, 3)) & sys::FH_DEVICE_CAP_FLOAT16, 0);
        assert_ne!(capabilities((6, 0)) & sys::FH_DEVICE_CAP_FLOAT16, 0);
        assert_eq!(capabilities((6, 0)) & sys::FH_DEVICE_CAP_INT8_DOT_PRODUCT, 0);
        assert_ne!(capabilities((6, 1)) & sys::FH_DEVICE_CAP_INT8_DOT_PRODUCT, 0);
        let hopper = capabilities((9, 0));
        for cap in [
            sys::FH_DEVICE_CAP_EVENT_TIMING,
            sys::FH_DEVICE_CAP_HOST_FUNC,
            sys::FH_DEVICE_CAP_PINNED_HOST_MEMORY,
            sys::FH_DEVICE_CAP_ADDRESS_CHECKS,
            sys::FH_DEVICE_CAP_FLOAT64,
            sys::FH_DEVICE_CAP_FLOAT16,
            sys::FH_DEVICE_CAP_INT8,
            sys::FH_DEVICE_CAP_INT16,
            sys::FH_DEVICE_CAP_INT8_DOT_PRODUCT,
            sys::FH_DEVICE_CAP_SUBGROUP_ARITHMETIC,
            sys::FH_DEVICE_CAP_SUBGROUP_SHUFFLE,
            sys::FH_DEVICE_CAP_ATOMIC_INT64,
            sys::FH_DEVICE_CAP_ATOMIC_FLOAT32,
        ] {
            assert_ne!(hopper & cap, 0, "capability bit {cap:#x}");
        }
        assert_eq!(hopper & sys::FH_DEVICE_CAP_HOST_ACCESSIBLE_MEMORY, 0, "device addresses are not host pointers");
    }

    #[test]
    fn properties_of_a_hopper_gpu() {
        let p = properties(&hopper());
        assert_eq!(sys::ptr::char_array_to_string(&p.name), "NVIDIA H200");
        assert_eq!(sys::ptr::char_array_to_string(&p.vendor), "NVIDIA");
        assert_eq!(p.type_, sys::FH_DEVICE_TYPE_GPU);
        assert_eq!(p.uuid, [7; 16]);
        assert_eq!(p.total_memory, 150_754_820_096);
        assert_eq!(p.compute_units, 132);
        assert_eq!(p.max_threads_per_block, 1024);
        assert_eq!(p.max_block_dim, [1024, 1024, 64]);
        assert_eq!(p.max_grid_dim, [2_147_483_647, 65_535, 65_535]);
        assert_eq!(p.subgroup_size, 32);
        assert_eq!(p.max_shared_memory_per_block, 232_448, "the opt-in maximum");
        assert_eq!(p.max_kernel_args_size, 4096);
        assert_eq!(p.memory_alignment, 256);
        assert_eq!(&p.module_formats[..p.module_format_count as usize], &[sys::FH_MODULE_FORMAT_CUBIN, sys::FH_MODULE_FORMAT_PTX]);
        assert_eq!(p.capabilities, capabilities((9, 0)));
        assert!(p.max_threads_per_block >= sys::FH_MIN_MAX_THREADS_PER_BLOCK);
        assert!(p.max_shared_memory_per_block >= sys::FH_MIN_MAX_SHARED_MEMORY_PER_BLOCK);
        assert!(p.max_kernel_args_size >= sys::FH_MIN_MAX_KERNEL_ARGS_SIZE);
        assert!(p.memory_alignment >= sys::FH_MIN_MEMORY_ALIGNMENT);
    }

    #[test]
    fn without_an_opt_in_limit_the_default_shared_memory_is_reported() {
        let old = DeviceAttributes { max_shared_memory_per_block_optin: 0, ..hopper() };
        assert_eq!(properties(&old).max_shared_memory_per_block, 49_152);
        let nameless = DeviceAttributes { name: String::new(), multiprocessors: -1, warp_size: 0, ..hopper() };
        let p = properties(&nameless);
        assert_eq!(sys::ptr::char_array_to_string(&p.name), "NVIDIA GPU (compute capability 9.0)");
        assert_eq!((p.compute_units, p.subgroup_size), (1, 1), "nonsense attributes never report zero units");
    }
}
