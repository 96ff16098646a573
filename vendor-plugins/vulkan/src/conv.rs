//! Pure mapping functions between Vulkan and FlagHAL (house rule 5, like
//! wgpu-hal's `conv.rs`): no Vulkan calls, no state, every function testable
//! on a machine without a driver.

use ash::vk;
use flaghal_sys as sys;

/// The FlagHAL status for a failed Vulkan call.
pub fn status_from_vk(result: vk::Result) -> sys::fh_status_t {
    match result {
        vk::Result::SUCCESS => sys::FH_SUCCESS,
        vk::Result::NOT_READY | vk::Result::TIMEOUT => sys::FH_ERROR_NOT_READY,
        vk::Result::ERROR_OUT_OF_HOST_MEMORY
        | vk::Result::ERROR_OUT_OF_DEVICE_MEMORY
        | vk::Result::ERROR_OUT_OF_POOL_MEMORY
        | vk::Result::ERROR_FRAGMENTATION
        | vk::Result::ERROR_FRAGMENTED_POOL
        | vk::Result::ERROR_TOO_MANY_OBJECTS => sys::FH_ERROR_OUT_OF_MEMORY,
        vk::Result::ERROR_DEVICE_LOST => sys::FH_ERROR_DEVICE_LOST,
        vk::Result::ERROR_INVALID_SHADER_NV => sys::FH_ERROR_INVALID_IMAGE,
        vk::Result::ERROR_FEATURE_NOT_PRESENT
        | vk::Result::ERROR_EXTENSION_NOT_PRESENT
        | vk::Result::ERROR_LAYER_NOT_PRESENT
        | vk::Result::ERROR_FORMAT_NOT_SUPPORTED
        | vk::Result::ERROR_INCOMPATIBLE_DRIVER => sys::FH_ERROR_NOT_SUPPORTED,
        vk::Result::ERROR_INVALID_OPAQUE_CAPTURE_ADDRESS | vk::Result::ERROR_MEMORY_MAP_FAILED => {
            sys::FH_ERROR_OUT_OF_MEMORY
        }
        _ => sys::FH_ERROR_UNKNOWN,
    }
}

/// The FlagHAL device type of a Vulkan physical device type.
pub fn device_type(kind: vk::PhysicalDeviceType) -> sys::fh_device_type_t {
    match kind {
        vk::PhysicalDeviceType::DISCRETE_GPU
        | vk::PhysicalDeviceType::INTEGRATED_GPU
        | vk::PhysicalDeviceType::VIRTUAL_GPU => sys::FH_DEVICE_TYPE_GPU,
        vk::PhysicalDeviceType::CPU => sys::FH_DEVICE_TYPE_CPU,
        _ => sys::FH_DEVICE_TYPE_OTHER,
    }
}

/// A vendor name for a PCI (or Khronos) vendor id.
pub fn vendor_name(vendor_id: u32) -> String {
    let known = match vendor_id {
        0x1002 => "AMD",
        0x1010 => "ImgTec",
        0x10DE => "NVIDIA",
        0x13B5 => "ARM",
        0x5143 => "Qualcomm",
        0x8086 => "Intel",
        0x106B => "Apple",
        0x1AE0 => "Google",
        0x10005 => "Mesa",
        0x10002 => "VeriSilicon",
        0x10004 => "Codeplay",
        _ => "",
    };
    if known.is_empty() {
        format!("Vulkan vendor 0x{vendor_id:x}")
    } else {
        known.to_string()
    }
}

/// Processors that run blocks concurrently. Core Vulkan has no such count:
/// VK_NV_shader_sm_builtins gives SMs, VK_AMD_shader_core_properties gives
/// engines x arrays x CUs; a CPU implementation (lavapipe) runs one
/// workgroup per host thread; anything else reports 1 (unknown).
pub fn compute_units(kind: vk::PhysicalDeviceType, nv_sms: Option<u32>, amd_cus: Option<u32>, host_threads: u32) -> u32 {
    match (nv_sms, amd_cus) {
        (Some(n), _) if n > 0 => n,
        (_, Some(n)) if n > 0 => n,
        _ if kind == vk::PhysicalDeviceType::CPU => host_threads.max(1),
        _ => 1,
    }
}

/// Memory property flags a device-memory type must have.
pub const DEVICE_MEMORY_REQUIRED: vk::MemoryPropertyFlags = vk::MemoryPropertyFlags::DEVICE_LOCAL;
/// Memory property flags staging and pinned host memory must have (every
/// Vulkan device has such a type: the specification guarantees it).
pub const HOST_MEMORY_REQUIRED: vk::MemoryPropertyFlags =
    vk::MemoryPropertyFlags::from_raw(vk::MemoryPropertyFlags::HOST_VISIBLE.as_raw() | vk::MemoryPropertyFlags::HOST_COHERENT.as_raw());

/// Picks the memory type for device allocations: the first type allowed by
/// `type_bits` that is device-local (the largest heap wins ties), else any
/// allowed type. Returns the type index.
pub fn pick_device_memory_type(props: &vk::PhysicalDeviceMemoryProperties, type_bits: u32) -> Option<u32> {
    let types = &props.memory_types[..props.memory_type_count as usize];
    let allowed = |i: usize| type_bits & (1 << i) != 0;
    let heap_size = |i: usize| props.memory_heaps[types[i].heap_index as usize].size;
    let protected = vk::MemoryPropertyFlags::PROTECTED;
    let mut best: Option<usize> = None;
    for (i, memory_type) in types.iter().enumerate() {
        let flags = memory_type.property_flags;
        if !allowed(i) || flags.contains(protected) || !flags.contains(DEVICE_MEMORY_REQUIRED) {
            continue;
        }
        let better = match best {
            None => true,
            Some(b) => heap_size(i) > heap_size(b),
        };
        if better {
            best = Some(i);
        }
    }
    best.or_else(|| (0..types.len()).find(|&i| allowed(i) && !types[i].property_flags.contains(protected)))
        .map(|i| i as u32)
}

/// Picks the memory type for staging buffers and pinned host memory: host
/// visible and coherent, preferring cached and not device-local (system RAM
/// on a discrete GPU).
pub fn pick_host_memory_type(props: &vk::PhysicalDeviceMemoryProperties, type_bits: u32) -> Option<u32> {
    let types = &props.memory_types[..props.memory_type_count as usize];
    let score = |flags: vk::MemoryPropertyFlags| {
        let mut s = 0;
        if flags.contains(vk::MemoryPropertyFlags::HOST_CACHED) {
            s += 2;
        }
        if !flags.contains(vk::MemoryPropertyFlags::DEVICE_LOCAL) {
            s += 1;
        }
        s
    };
    (0..types.len())
        .filter(|&i| type_bits & (1 << i) != 0)
        .filter(|&i| types[i].property_flags.contains(HOST_MEMORY_REQUIRED))
        .filter(|&i| !types[i].property_flags.contains(vk::MemoryPropertyFlags::PROTECTED))
        .max_by_key(|&i| (score(types[i].property_flags), std::cmp::Reverse(i)))
        .map(|i| i as u32)
}

/// Whether device memory of this type can be mapped and written by the host
/// without explicit flushes (the direct, staging-free copy path).
pub fn is_host_mappable(flags: vk::MemoryPropertyFlags) -> bool {
    flags.contains(HOST_MEMORY_REQUIRED)
}

/// Elapsed milliseconds between two raw timestamps. `valid_bits` masks the
/// counters (wrap-around is handled modulo 2^valid_bits, assuming less than
/// one wrap); `period_ns` is VkPhysicalDeviceLimits::timestampPeriod.
pub fn elapsed_ms(start: u64, end: u64, valid_bits: u32, period_ns: f32) -> f32 {
    let mask = if valid_bits >= 64 { u64::MAX } else { (1u64 << valid_bits) - 1 };
    let (start, end) = (start & mask, end & mask);
    let (ticks, negative) = if end >= start { (end - start, false) } else { (start - end, true) };
    // Distinguish "end before start" from a wrap: a wrap is a huge jump that is
    // more than half the counter range.
    let (ticks, negative) = if negative && valid_bits < 64 && ticks > mask / 2 {
        ((mask - ticks).wrapping_add(1), false)
    } else {
        (ticks, negative)
    };
    let ms = (ticks as f64 * period_ns as f64 / 1.0e6) as f32;
    if negative {
        -ms
    } else {
        ms
    }
}

/// The byte at `index` bytes past the start of a fill of `element_size`
/// (1, 2 or 4) byte elements set to the low bytes of `value` (little endian).
pub fn fill_byte(value: u32, element_size: u32, index: u64) -> u8 {
    value.to_le_bytes()[(index % element_size as u64) as usize]
}

/// The 32-bit word for vkCmdFillBuffer starting `phase` bytes past the start
/// of a fill (vkCmdFillBuffer needs 4-byte aligned offsets; the fill may not
/// start on one).
pub fn fill_word(value: u32, element_size: u32, phase: u64) -> u32 {
    u32::from_le_bytes([0, 1, 2, 3].map(|k| fill_byte(value, element_size, phase + k)))
}

/// The bytes of `count` elements of `element_size` set to `value`, for paths
/// that cannot use vkCmdFillBuffer (unaligned heads and tails, host fills).
pub fn fill_bytes(value: u32, element_size: u32, count: usize) -> Vec<u8> {
    let element = &value.to_le_bytes()[..element_size as usize];
    let mut bytes = Vec::with_capacity(count * element_size as usize);
    for _ in 0..count {
        bytes.extend_from_slice(element);
    }
    bytes
}

/// How a memset of `len` bytes at buffer offset `offset` splits into an
/// unaligned head, a 4-byte aligned middle for vkCmdFillBuffer, and an
/// unaligned tail: (head_len, middle_len, tail_len), summing to `len`.
pub fn memset_split(offset: u64, len: u64) -> (u64, u64, u64) {
    let end = offset + len;
    let middle_start = align_up(offset, 4).min(end);
    let middle_end = (end & !3).max(middle_start);
    (middle_start - offset, middle_end - middle_start, end - middle_end)
}

/// Rounds `value` up to a multiple of `align` (a power of two).
/// Push-constant bytes of every FlagHAL SPIR-V kernel (Vulkan's guaranteed
/// minimum, so a module runs on every device): [0, 120) hold the blob's
/// first bytes, [120, 128) the argument buffer's address (docs/kernels.md).
pub const PUSH_CONSTANT_BYTES: usize = 128;
pub const INLINE_ARGS_BYTES: usize = 120;

/// The push constants of a launch: the blob's first bytes, zero past its
/// end, and at byte 120 the address of the argument buffer holding the whole
/// blob (0 when the blob fits inline).
pub fn push_constants(blob: &[u8], args_buffer: u64) -> [u8; PUSH_CONSTANT_BYTES] {
    let mut push = [0u8; PUSH_CONSTANT_BYTES];
    let inline = blob.len().min(INLINE_ARGS_BYTES);
    push[..inline].copy_from_slice(&blob[..inline]);
    push[INLINE_ARGS_BYTES..].copy_from_slice(&args_buffer.to_ne_bytes());
    push
}

/// Whether a blob of this length needs an argument buffer.
pub fn needs_args_buffer(len: usize) -> bool {
    len > INLINE_ARGS_BYTES
}

/// The device features behind the kernel capability flags of flaghal.h 1.1.
pub struct KernelFeatures {
    pub float16: bool,
    pub int8: bool,
    pub int16: bool,
    pub storage_8bit: bool,
    pub storage_16bit: bool,
    pub int8_dot_product: bool,
    pub subgroup_operations: vk::SubgroupFeatureFlags,
}

/// FH_DEVICE_CAP_FLOAT16 .. SUBGROUP_SHUFFLE from Vulkan features: each
/// needs the arithmetic feature and the matching storage-buffer access, and
/// the subgroup flags need the operations the kernel language maps them to
/// (basic and ballot for elect and broadcast).
pub fn kernel_capabilities(f: &KernelFeatures) -> u64 {
    let mut caps = 0;
    if f.float16 && f.storage_16bit {
        caps |= sys::FH_DEVICE_CAP_FLOAT16;
    }
    if f.int8 && f.storage_8bit {
        caps |= sys::FH_DEVICE_CAP_INT8;
    }
    if f.int16 && f.storage_16bit {
        caps |= sys::FH_DEVICE_CAP_INT16;
    }
    if f.int8_dot_product {
        caps |= sys::FH_DEVICE_CAP_INT8_DOT_PRODUCT;
    }
    let ops = f.subgroup_operations;
    let basic = vk::SubgroupFeatureFlags::BASIC;
    if ops.contains(basic | vk::SubgroupFeatureFlags::ARITHMETIC | vk::SubgroupFeatureFlags::BALLOT) {
        caps |= sys::FH_DEVICE_CAP_SUBGROUP_ARITHMETIC;
    }
    if ops.contains(basic | vk::SubgroupFeatureFlags::SHUFFLE) {
        caps |= sys::FH_DEVICE_CAP_SUBGROUP_SHUFFLE;
    }
    caps
}

pub fn align_up(value: u64, align: u64) -> u64 {
    debug_assert!(align.is_power_of_two());
    (value + align - 1) & !(align - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_constants_carry_120_inline_bytes_and_the_buffer_address() {
        let small: Vec<u8> = (1..=24).collect();
        let push = push_constants(&small, 0);
        assert_eq!(&push[..24], &small[..]);
        assert!(push[24..].iter().all(|b| *b == 0), "zero past the blob, no address");
        assert!(!needs_args_buffer(120) && needs_args_buffer(121));
        let big: Vec<u8> = (0..512u32).map(|i| i as u8).collect();
        let push = push_constants(&big, 0x1234_5678_9ABC_DEF0);
        assert_eq!(&push[..120], &big[..120], "a long blob still starts inline");
        assert_eq!(u64::from_ne_bytes(push[120..].try_into().unwrap()), 0x1234_5678_9ABC_DEF0);
    }

    #[test]
    fn kernel_capabilities_need_arithmetic_storage_and_subgroup_operations() {
        use vk::SubgroupFeatureFlags as S;
        let none = KernelFeatures {
            float16: false,
            int8: false,
            int16: false,
            storage_8bit: false,
            storage_16bit: false,
            int8_dot_product: false,
            subgroup_operations: S::empty(),
        };
        assert_eq!(kernel_capabilities(&none), 0);
        let arithmetic_only = KernelFeatures { float16: true, int8: true, int16: true, ..none };
        assert_eq!(kernel_capabilities(&arithmetic_only), 0, "no storage access, no flag");
        let all = KernelFeatures {
            storage_8bit: true,
            storage_16bit: true,
            int8_dot_product: true,
            subgroup_operations: S::BASIC | S::ARITHMETIC | S::BALLOT | S::SHUFFLE,
            ..arithmetic_only
        };
        let expected = sys::FH_DEVICE_CAP_FLOAT16
            | sys::FH_DEVICE_CAP_INT8
            | sys::FH_DEVICE_CAP_INT16
            | sys::FH_DEVICE_CAP_INT8_DOT_PRODUCT
            | sys::FH_DEVICE_CAP_SUBGROUP_ARITHMETIC
            | sys::FH_DEVICE_CAP_SUBGROUP_SHUFFLE;
        assert_eq!(kernel_capabilities(&all), expected);
        let no_ballot = KernelFeatures { subgroup_operations: S::BASIC | S::ARITHMETIC, ..none };
        assert_eq!(kernel_capabilities(&no_ballot), 0, "broadcast needs ballot");
        let shuffle = KernelFeatures { subgroup_operations: S::BASIC | S::SHUFFLE, ..none };
        assert_eq!(kernel_capabilities(&shuffle), sys::FH_DEVICE_CAP_SUBGROUP_SHUFFLE);
    }

    #[test]
    fn vk_errors_map_to_distinct_statuses() {
        assert_eq!(status_from_vk(vk::Result::ERROR_DEVICE_LOST), sys::FH_ERROR_DEVICE_LOST);
        assert_eq!(status_from_vk(vk::Result::ERROR_OUT_OF_DEVICE_MEMORY), sys::FH_ERROR_OUT_OF_MEMORY);
        assert_eq!(status_from_vk(vk::Result::ERROR_OUT_OF_HOST_MEMORY), sys::FH_ERROR_OUT_OF_MEMORY);
        assert_eq!(status_from_vk(vk::Result::ERROR_INITIALIZATION_FAILED), sys::FH_ERROR_UNKNOWN);
        assert_eq!(status_from_vk(vk::Result::ERROR_FEATURE_NOT_PRESENT), sys::FH_ERROR_NOT_SUPPORTED);
        assert_eq!(status_from_vk(vk::Result::TIMEOUT), sys::FH_ERROR_NOT_READY);
    }

    #[test]
    fn compute_units_come_from_vendor_extensions_or_host_threads() {
        let gpu = vk::PhysicalDeviceType::DISCRETE_GPU;
        assert_eq!(compute_units(gpu, Some(132), None, 16), 132);
        assert_eq!(compute_units(gpu, None, Some(4 * 2 * 12), 16), 96);
        assert_eq!(compute_units(gpu, None, None, 16), 1);
        assert_eq!(compute_units(vk::PhysicalDeviceType::CPU, None, None, 16), 16);
    }

    #[test]
    fn device_types_and_vendors() {
        assert_eq!(device_type(vk::PhysicalDeviceType::DISCRETE_GPU), sys::FH_DEVICE_TYPE_GPU);
        assert_eq!(device_type(vk::PhysicalDeviceType::CPU), sys::FH_DEVICE_TYPE_CPU);
        assert_eq!(device_type(vk::PhysicalDeviceType::OTHER), sys::FH_DEVICE_TYPE_OTHER);
        assert_eq!(vendor_name(0x10DE), "NVIDIA");
        assert_eq!(vendor_name(0x10005), "Mesa");
        assert_eq!(vendor_name(0xABCD), "Vulkan vendor 0xabcd");
    }

    fn memory_props(types: &[(vk::MemoryPropertyFlags, u32)], heaps: &[u64]) -> vk::PhysicalDeviceMemoryProperties {
        let mut props = vk::PhysicalDeviceMemoryProperties {
            memory_type_count: types.len() as u32,
            memory_heap_count: heaps.len() as u32,
            ..Default::default()
        };
        for (i, (flags, heap)) in types.iter().enumerate() {
            props.memory_types[i] = vk::MemoryType { property_flags: *flags, heap_index: *heap };
        }
        for (i, size) in heaps.iter().enumerate() {
            props.memory_heaps[i] = vk::MemoryHeap { size: *size, flags: vk::MemoryHeapFlags::empty() };
        }
        props
    }

    #[test]
    fn a_discrete_gpu_gets_device_local_memory_and_host_staging() {
        use vk::MemoryPropertyFlags as F;
        let props = memory_props(
            &[
                (F::HOST_VISIBLE | F::HOST_COHERENT, 1),
                (F::DEVICE_LOCAL, 0),
                (F::HOST_VISIBLE | F::HOST_COHERENT | F::HOST_CACHED, 1),
                (F::DEVICE_LOCAL | F::HOST_VISIBLE | F::HOST_COHERENT, 2),
            ],
            &[8 << 30, 32 << 30, 256 << 20],
        );
        assert_eq!(pick_device_memory_type(&props, 0xF), Some(1), "the largest device-local heap");
        assert_eq!(pick_host_memory_type(&props, 0xF), Some(2), "cached system memory");
        assert_eq!(pick_device_memory_type(&props, 0b0001), Some(0), "falls back to any allowed type");
        assert_eq!(pick_host_memory_type(&props, 0b0010), None);
        assert!(!is_host_mappable(F::DEVICE_LOCAL));
        assert!(is_host_mappable(F::DEVICE_LOCAL | F::HOST_VISIBLE | F::HOST_COHERENT));
    }

    #[test]
    fn elapsed_time_handles_order_and_wrap() {
        assert_eq!(elapsed_ms(1_000_000, 3_000_000, 64, 1.0), 2.0);
        assert_eq!(elapsed_ms(3_000_000, 1_000_000, 64, 1.0), -2.0);
        assert_eq!(elapsed_ms(0, 1_000, 64, 1000.0), 1.0);
        // a 32-bit counter that wrapped between the two records
        let ms = elapsed_ms(0xFFFF_FF00, 0x100, 32, 1.0e6);
        assert_eq!(ms, 512.0);
    }

    #[test]
    fn fill_patterns_repeat_elements() {
        assert_eq!(fill_word(0xAB, 1, 3), 0xABAB_ABAB);
        assert_eq!(fill_word(0x1234, 2, 0), 0x1234_1234);
        assert_eq!(fill_word(0x1234, 2, 2), 0x1234_1234);
        assert_eq!(fill_word(0xDEAD_BEEF, 4, 0), 0xDEAD_BEEF);
        assert_eq!(fill_word(0xDEAD_BEEF, 4, 2), 0xBEEF_DEAD, "a fill starting mid-element");
        assert_eq!(fill_byte(0xDEAD_BEEF, 4, 5), 0xBE);
        assert_eq!(fill_bytes(0x1234, 2, 2), vec![0x34, 0x12, 0x34, 0x12]);
        assert_eq!(align_up(257, 256), 512);
        assert_eq!(memset_split(0, 10), (0, 8, 2));
        assert_eq!(memset_split(1, 10), (3, 4, 3));
        assert_eq!(memset_split(1, 11), (3, 8, 0));
        assert_eq!(memset_split(1, 2), (2, 0, 0));
        assert_eq!(memset_split(2, 3), (2, 0, 1));
        assert_eq!(memset_split(6, 2), (2, 0, 0));
        assert_eq!(align_up(256, 256), 256);
    }
}
