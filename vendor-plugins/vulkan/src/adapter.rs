//! Physical devices: which qualify (Vulkan 1.2+, a compute queue,
//! bufferDeviceAddress, timelineSemaphore, scalarBlockLayout, shaderInt64),
//! which optional features they add, and their FlagHAL properties.

use crate::conv;
use ash::vk;
use flaghal_sys as sys;
use std::ffi::CStr;

/// Everything known about a qualifying physical device before opening it.
pub struct Adapter {
    pub physical: vk::PhysicalDevice,
    pub properties: vk::PhysicalDeviceProperties,
    pub memory: vk::PhysicalDeviceMemoryProperties,
    pub queue_family: u32,
    pub timestamp_valid_bits: u32,
    pub subgroup_size: u32,
    pub max_buffer_size: u64,
    /// deviceUUID (VkPhysicalDeviceIDProperties, Vulkan 1.1 core).
    pub device_uuid: [u8; 16],
    /// SMs / CUs where an extension reports them (conv::compute_units).
    pub compute_units: u32,
    /// Optional features present (enabled when the device is created).
    pub float64: bool,
    pub int16: bool,
    pub int64_atomics: bool,
    pub float32_atomic_add: bool,
    pub storage_8bit: bool,
    pub storage_16bit: bool,
    pub int8: bool,
    pub float16: bool,
    pub vulkan_memory_model: bool,
    /// Subgroup operations usable in compute shaders (empty when the
    /// compute stage has none).
    pub subgroup_operations: vk::SubgroupFeatureFlags,
    /// Packed 4x8-bit signed dot products run natively (Vulkan 1.3).
    pub int8_dot_product: bool,
}

fn name_of(props: &vk::PhysicalDeviceProperties) -> String {
    props.device_name_as_c_str().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// The queue family to run streams on: a compute family without graphics
/// (dedicated compute) if there is one, else the first with compute.
fn pick_queue_family(families: &[vk::QueueFamilyProperties]) -> Option<u32> {
    let compute = |f: &vk::QueueFamilyProperties| f.queue_flags.contains(vk::QueueFlags::COMPUTE) && f.queue_count > 0;
    families
        .iter()
        .position(|f| compute(f) && !f.queue_flags.contains(vk::QueueFlags::GRAPHICS))
        .or_else(|| families.iter().position(compute))
        .map(|i| i as u32)
}

impl Adapter {
    /// Checks a physical device; Err(reason) says why it is skipped.
    pub fn probe(instance: &ash::Instance, physical: vk::PhysicalDevice) -> Result<Adapter, String> {
        // SAFETY: `physical` comes from `instance`; the outputs outlive the call.
        let properties = unsafe { instance.get_physical_device_properties(physical) };
        let name = name_of(&properties);
        if properties.api_version < vk::API_VERSION_1_2 {
            return Err(format!(
                "{name}: Vulkan {}.{} (FlagHAL needs 1.2)",
                vk::api_version_major(properties.api_version),
                vk::api_version_minor(properties.api_version)
            ));
        }
        // SAFETY: `physical` comes from `instance`; the outputs outlive the call.
        let families = unsafe { instance.get_physical_device_queue_family_properties(physical) };
        let queue_family = pick_queue_family(&families).ok_or_else(|| format!("{name}: no compute queue"))?;
        let mut v11 = vk::PhysicalDeviceVulkan11Features::default();
        let mut v12 = vk::PhysicalDeviceVulkan12Features::default();
        let mut float_atomics = vk::PhysicalDeviceShaderAtomicFloatFeaturesEXT::default();
        // SAFETY: `physical` comes from `instance`; the outputs outlive the call.
        let extensions = unsafe { instance.enumerate_device_extension_properties(physical) }
            .map_err(|e| format!("{name}: vkEnumerateDeviceExtensionProperties: {e:?}"))?;
        let has_ext = |n: &CStr| extensions.iter().any(|p| p.extension_name_as_c_str().ok() == Some(n));
        let has_float_atomics = has_ext(ash::ext::shader_atomic_float::NAME);
        let mut features = vk::PhysicalDeviceFeatures2::default().push_next(&mut v11).push_next(&mut v12);
        if has_float_atomics {
            features = features.push_next(&mut float_atomics);
        }
        // SAFETY: `physical` comes from `instance`; the outputs outlive the call.
        unsafe { instance.get_physical_device_features2(physical, &mut features) };
        let core = features.features;
        let mut missing = Vec::new();
        if v12.buffer_device_address == 0 {
            missing.push("bufferDeviceAddress");
        }
        if v12.timeline_semaphore == 0 {
            missing.push("timelineSemaphore");
        }
        if v12.scalar_block_layout == 0 {
            missing.push("scalarBlockLayout");
        }
        if core.shader_int64 == 0 {
            missing.push("shaderInt64");
        }
        if !missing.is_empty() {
            return Err(format!("{name}: missing required features {}", missing.join(", ")));
        }
        let mut subgroup = vk::PhysicalDeviceSubgroupProperties::default();
        let mut v13 = vk::PhysicalDeviceMaintenance4Properties::default();
        let mut dot = vk::PhysicalDeviceShaderIntegerDotProductProperties::default();
        let mut ids = vk::PhysicalDeviceIDProperties::default();
        let mut sm = vk::PhysicalDeviceShaderSMBuiltinsPropertiesNV::default();
        let mut amd = vk::PhysicalDeviceShaderCorePropertiesAMD::default();
        let has_sm = has_ext(ash::nv::shader_sm_builtins::NAME);
        let has_amd = has_ext(ash::amd::shader_core_properties::NAME);
        let mut props2 = vk::PhysicalDeviceProperties2::default().push_next(&mut subgroup).push_next(&mut ids);
        if has_sm {
            props2 = props2.push_next(&mut sm);
        }
        if has_amd {
            props2 = props2.push_next(&mut amd);
        }
        let has_max_buffer = properties.api_version >= vk::API_VERSION_1_3;
        if has_max_buffer {
            props2 = props2.push_next(&mut v13).push_next(&mut dot);
        }
        // SAFETY: `physical` comes from `instance`; the outputs outlive the call.
        unsafe { instance.get_physical_device_properties2(physical, &mut props2) };
        // SAFETY: `physical` comes from `instance`; the outputs outlive the call.
        let memory = unsafe { instance.get_physical_device_memory_properties(physical) };
        let max_alloc = {
            let mut m3 = vk::PhysicalDeviceMaintenance3Properties::default();
            let mut p = vk::PhysicalDeviceProperties2::default().push_next(&mut m3);
            // SAFETY: `physical` comes from `instance`; the outputs outlive the call.
            unsafe { instance.get_physical_device_properties2(physical, &mut p) };
            m3.max_memory_allocation_size
        };
        let max_buffer_size = if has_max_buffer { v13.max_buffer_size.min(max_alloc) } else { max_alloc };
        Ok(Adapter {
            physical,
            properties,
            memory,
            queue_family,
            timestamp_valid_bits: families[queue_family as usize].timestamp_valid_bits,
            subgroup_size: subgroup.subgroup_size.max(1),
            max_buffer_size,
            device_uuid: ids.device_uuid,
            compute_units: conv::compute_units(
                properties.device_type,
                has_sm.then_some(sm.shader_sm_count),
                has_amd.then(|| {
                    amd.shader_engine_count * amd.shader_arrays_per_engine_count * amd.compute_units_per_shader_array
                }),
                std::thread::available_parallelism().map(|n| n.get() as u32).unwrap_or(1),
            ),
            float64: core.shader_float64 != 0,
            int16: core.shader_int16 != 0,
            int64_atomics: v12.shader_buffer_int64_atomics != 0,
            float32_atomic_add: has_float_atomics && float_atomics.shader_buffer_float32_atomic_add != 0,
            storage_8bit: v12.storage_buffer8_bit_access != 0,
            storage_16bit: v11.storage_buffer16_bit_access != 0,
            int8: v12.shader_int8 != 0,
            float16: v12.shader_float16 != 0,
            vulkan_memory_model: v12.vulkan_memory_model != 0 && v12.vulkan_memory_model_device_scope != 0,
            subgroup_operations: if subgroup.supported_stages.contains(vk::ShaderStageFlags::COMPUTE) {
                subgroup.supported_operations
            } else {
                vk::SubgroupFeatureFlags::empty()
            },
            int8_dot_product: has_max_buffer && dot.integer_dot_product4x8_bit_packed_signed_accelerated != 0,
        })
    }

    pub fn name(&self) -> String {
        name_of(&self.properties)
    }

    /// Whether events can carry timestamps (FH_DEVICE_CAP_EVENT_TIMING).
    pub fn has_timing(&self) -> bool {
        self.timestamp_valid_bits > 0 && self.properties.limits.timestamp_period > 0.0
    }

    /// The FlagHAL properties (plugin_name is the loader's to fill).
    pub fn fh_properties(&self, index: u32, heap_size: u64) -> sys::fh_device_properties_t {
        let limits = &self.properties.limits;
        let mut props = sys::fh_device_properties_t {
            struct_size: std::mem::size_of::<sys::fh_device_properties_t>(),
            ..Default::default()
        };
        flaghal_sys::ptr::copy_to_char_array(&mut props.name, &self.name());
        flaghal_sys::ptr::copy_to_char_array(&mut props.vendor, &conv::vendor_name(self.properties.vendor_id));
        props.type_ = conv::device_type(self.properties.device_type);
        props.uuid = self.device_uuid;
        props.total_memory = heap_size;
        props.compute_units = self.compute_units;
        props.max_threads_per_block = limits.max_compute_work_group_invocations;
        props.max_block_dim = limits.max_compute_work_group_size;
        props.max_grid_dim = limits.max_compute_work_group_count;
        props.subgroup_size = self.subgroup_size;
        props.max_shared_memory_per_block = limits.max_compute_shared_memory_size;
        props.max_kernel_args_size = crate::module::MAX_KERNEL_ARGS_SIZE;
        props.memory_alignment = crate::memory::ALIGNMENT as u32;
        props.module_format_count = 1;
        props.module_formats[0] = sys::FH_MODULE_FORMAT_SPIRV;
        let mut caps = sys::FH_DEVICE_CAP_HOST_FUNC | sys::FH_DEVICE_CAP_PINNED_HOST_MEMORY | sys::FH_DEVICE_CAP_ADDRESS_CHECKS;
        if self.has_timing() {
            caps |= sys::FH_DEVICE_CAP_EVENT_TIMING;
        }
        if self.int64_atomics {
            caps |= sys::FH_DEVICE_CAP_ATOMIC_INT64;
        }
        if self.float32_atomic_add {
            caps |= sys::FH_DEVICE_CAP_ATOMIC_FLOAT32;
        }
        if self.float64 {
            caps |= sys::FH_DEVICE_CAP_FLOAT64;
        }
        caps |= conv::kernel_capabilities(&conv::KernelFeatures {
            float16: self.float16,
            int8: self.int8,
            int16: self.int16,
            storage_8bit: self.storage_8bit,
            storage_16bit: self.storage_16bit,
            int8_dot_product: self.int8_dot_product,
            subgroup_operations: self.subgroup_operations,
        });
        props.capabilities = caps;
        props.plugin_device_index = index;
        props
    }
}

