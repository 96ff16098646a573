//! The native baseline: a small raw `ash` program on the same Vulkan driver
//! the plugin uses. One instance, the first physical device, one compute
//! queue; the empty kernel as a compute pipeline; command pools and fences.
//! Written the straightforward way a Vulkan programmer would, without the
//! plugin's batching or suballocation.

use ash::vk;
use std::ffi::CStr;

pub struct RawVulkan {
    /// Kept alive: dropping the entry unloads libvulkan.
    _entry: ash::Entry,
    pub instance: ash::Instance,
    pub physical: vk::PhysicalDevice,
    pub device: ash::Device,
    pub queue: vk::Queue,
    pub family: u32,
    /// The first device-local memory type.
    pub memory_type: u32,
    pub name: String,
}

fn vk_err(what: &str) -> impl Fn(vk::Result) -> String + '_ {
    move |e| format!("{what}: {e:?}")
}

/// Creates an instance and a device with one compute queue; the whole of the
/// raw start-up the start-up rows compare fhInit with.
pub fn create() -> Result<RawVulkan, String> {
    // SAFETY: loading libvulkan runs no initialisers with preconditions.
    let entry = unsafe { ash::Entry::load() }.map_err(|e| format!("cannot load libvulkan: {e}"))?;
    let app = vk::ApplicationInfo::default().application_name(c"flaghal-bench").api_version(vk::API_VERSION_1_2);
    let info = vk::InstanceCreateInfo::default().application_info(&app);
    // SAFETY: a valid create info that outlives the call.
    let instance = unsafe { entry.create_instance(&info, None) }.map_err(vk_err("vkCreateInstance"))?;
    match create_device(&instance) {
        Ok((physical, device, queue, family, memory_type, name)) => {
            Ok(RawVulkan { _entry: entry, instance, physical, device, queue, family, memory_type, name })
        }
        Err(e) => {
            // SAFETY: nothing created from the instance survives.
            unsafe { instance.destroy_instance(None) };
            Err(e)
        }
    }
}

type DeviceParts = (vk::PhysicalDevice, ash::Device, vk::Queue, u32, u32, String);

fn create_device(instance: &ash::Instance) -> Result<DeviceParts, String> {
    // SAFETY: a live instance.
    let physicals = unsafe { instance.enumerate_physical_devices() }.map_err(vk_err("vkEnumeratePhysicalDevices"))?;
    let physical = *physicals.first().ok_or("no Vulkan physical device")?;
    // SAFETY: a physical device of this instance.
    let families = unsafe { instance.get_physical_device_queue_family_properties(physical) };
    let family = families
        .iter()
        .position(|f| f.queue_flags.contains(vk::QueueFlags::COMPUTE))
        .ok_or("no compute queue family")? as u32;
    // SAFETY: as above.
    let memory = unsafe { instance.get_physical_device_memory_properties(physical) };
    let memory_type = (0..memory.memory_type_count)
        .find(|&i| memory.memory_types[i as usize].property_flags.contains(vk::MemoryPropertyFlags::DEVICE_LOCAL))
        .ok_or("no device-local memory type")?;
    // SAFETY: as above.
    let props = unsafe { instance.get_physical_device_properties(physical) };
    let name = props.device_name_as_c_str().map(|c| c.to_string_lossy().into_owned()).unwrap_or_default();
    // Buffer device addresses (for the SAXPY baseline), as the plugin enables them.
    let mut supported12 = vk::PhysicalDeviceVulkan12Features::default();
    let mut features = vk::PhysicalDeviceFeatures2::default().push_next(&mut supported12);
    // SAFETY: a physical device of this instance; the chain is valid.
    unsafe { instance.get_physical_device_features2(physical, &mut features) };
    let address = supported12.buffer_device_address == vk::TRUE;
    let mut enable12 = vk::PhysicalDeviceVulkan12Features::default().buffer_device_address(address);
    let priorities = [1.0f32];
    let queues = [vk::DeviceQueueCreateInfo::default().queue_family_index(family).queue_priorities(&priorities)];
    let info = vk::DeviceCreateInfo::default().queue_create_infos(&queues).push_next(&mut enable12);
    // SAFETY: a valid physical device and create info.
    let device = unsafe { instance.create_device(physical, &info, None) }.map_err(vk_err("vkCreateDevice"))?;
    // SAFETY: queue 0 of a family requested above.
    let queue = unsafe { device.get_device_queue(family, 0) };
    Ok((physical, device, queue, family, memory_type, name))
}

impl Drop for RawVulkan {
    fn drop(&mut self) {
        // SAFETY: every object created from the device is destroyed by its
        // owner before this (they borrow RawVulkan); idle first.
        unsafe {
            let _ = self.device.device_wait_idle();
            self.device.destroy_device(None);
            self.instance.destroy_instance(None);
        }
    }
}

/// A kernel of the FlagHAL SPIR-V convention as a compute pipeline: block
/// size from spec constants 0..2 (more constants, 3 = dynamic shared bytes
/// and 4 = max_kernel_args_size, with [`Pipeline::with_constants`]),
/// arguments as push constants.
pub struct Pipeline<'a> {
    vk: &'a RawVulkan,
    module: vk::ShaderModule,
    pub layout: vk::PipelineLayout,
    pub pipeline: vk::Pipeline,
}

impl<'a> Pipeline<'a> {
    pub fn new(vk: &'a RawVulkan, spirv: &[u8], entry: &CStr, block: [u32; 3], push_size: u32) -> Result<Pipeline<'a>, String> {
        Pipeline::with_constants(vk, spirv, entry, &block, push_size)
    }

    /// A pipeline whose specialization constants 0, 1, ... are `constants`.
    pub fn with_constants(vk: &'a RawVulkan, spirv: &[u8], entry: &CStr, constants: &[u32], push_size: u32) -> Result<Pipeline<'a>, String> {
        let words = ash::util::read_spv(&mut std::io::Cursor::new(spirv)).map_err(|e| format!("SPIR-V: {e}"))?;
        let d = &vk.device;
        // SAFETY: valid SPIR-V words (validated by spirv-val when built).
        let module = unsafe { d.create_shader_module(&vk::ShaderModuleCreateInfo::default().code(&words), None) }
            .map_err(vk_err("vkCreateShaderModule"))?;
        let ranges = [vk::PushConstantRange { stage_flags: vk::ShaderStageFlags::COMPUTE, offset: 0, size: push_size }];
        let layout_info = if push_size > 0 {
            vk::PipelineLayoutCreateInfo::default().push_constant_ranges(&ranges)
        } else {
            vk::PipelineLayoutCreateInfo::default()
        };
        // SAFETY: a valid layout create info.
        let layout = unsafe { d.create_pipeline_layout(&layout_info, None) }
            .map_err(vk_err("vkCreatePipelineLayout"))?;
        let data: Vec<u8> = constants.iter().flat_map(|v| v.to_ne_bytes()).collect();
        let entries: Vec<vk::SpecializationMapEntry> = (0..constants.len() as u32)
            .map(|i| vk::SpecializationMapEntry { constant_id: i, offset: i * 4, size: 4 })
            .collect();
        let spec = vk::SpecializationInfo::default().map_entries(&entries).data(&data);
        let stage = vk::PipelineShaderStageCreateInfo::default()
            .stage(vk::ShaderStageFlags::COMPUTE)
            .module(module)
            .name(entry)
            .specialization_info(&spec);
        let info = [vk::ComputePipelineCreateInfo::default().stage(stage).layout(layout)];
        // SAFETY: module and layout are live; `info` outlives the call.
        let pipeline = unsafe { d.create_compute_pipelines(vk::PipelineCache::null(), &info, None) }
            .map_err(|(_, e)| format!("vkCreateComputePipelines: {e:?}"))?[0];
        Ok(Pipeline { vk, module, layout, pipeline })
    }

    /// Records bind + dispatch(1,1,1) into `cmd` (recording state).
    pub fn record_dispatch(&self, cmd: vk::CommandBuffer) {
        self.record(cmd, 1, &[]);
    }

    /// Records bind, push constants (`args`, if any) and dispatch(grid,1,1).
    pub fn record(&self, cmd: vk::CommandBuffer, grid: u32, args: &[u8]) {
        self.record_grid(cmd, [grid, 1, 1], args);
    }

    /// Records bind, push constants (`args`, if any) and dispatch(grid).
    pub fn record_grid(&self, cmd: vk::CommandBuffer, [x, y, z]: [u32; 3], args: &[u8]) {
        // SAFETY: `cmd` is recording and owned by the caller's thread; the
        // push range matches the layout's when `args` is not empty.
        unsafe {
            self.vk.device.cmd_bind_pipeline(cmd, vk::PipelineBindPoint::COMPUTE, self.pipeline);
            if !args.is_empty() {
                self.vk.device.cmd_push_constants(cmd, self.layout, vk::ShaderStageFlags::COMPUTE, 0, args);
            }
            self.vk.device.cmd_dispatch(cmd, x, y, z);
        }
    }
}

impl Drop for Pipeline<'_> {
    fn drop(&mut self) {
        // SAFETY: the device is idle when pipelines are dropped (benchmarks
        // wait for their fences); these objects are owned here.
        unsafe {
            let d = &self.vk.device;
            let _ = d.device_wait_idle();
            d.destroy_pipeline(self.pipeline, None);
            d.destroy_pipeline_layout(self.layout, None);
            d.destroy_shader_module(self.module, None);
        }
    }
}

/// A command pool with `count` resettable command buffers and a fence.
pub struct Commands<'a> {
    vk: &'a RawVulkan,
    pool: vk::CommandPool,
    pub buffers: Vec<vk::CommandBuffer>,
    pub fence: vk::Fence,
}

impl<'a> Commands<'a> {
    pub fn new(vk: &'a RawVulkan, count: u32) -> Result<Commands<'a>, String> {
        let d = &vk.device;
        let info = vk::CommandPoolCreateInfo::default()
            .flags(vk::CommandPoolCreateFlags::RESET_COMMAND_BUFFER)
            .queue_family_index(vk.family);
        // SAFETY: a valid create info.
        let pool = unsafe { d.create_command_pool(&info, None) }.map_err(vk_err("vkCreateCommandPool"))?;
        let alloc = vk::CommandBufferAllocateInfo::default()
            .command_pool(pool)
            .level(vk::CommandBufferLevel::PRIMARY)
            .command_buffer_count(count);
        // SAFETY: the pool is live and used only through this value.
        let buffers = unsafe { d.allocate_command_buffers(&alloc) }.map_err(vk_err("vkAllocateCommandBuffers"))?;
        // SAFETY: a default fence create info.
        let fence = unsafe { d.create_fence(&vk::FenceCreateInfo::default(), None) }.map_err(vk_err("vkCreateFence"))?;
        Ok(Commands { vk, pool, buffers, fence })
    }

    /// Resets and begins buffer `i` for one-time submission.
    pub fn begin(&self, i: usize) -> Result<vk::CommandBuffer, String> {
        let cmd = self.buffers[i];
        let d = &self.vk.device;
        // SAFETY: the buffer is not pending (callers wait for the fence
        // before reusing buffers) and belongs to this pool.
        unsafe {
            d.reset_command_buffer(cmd, vk::CommandBufferResetFlags::empty()).map_err(vk_err("vkResetCommandBuffer"))?;
            d.begin_command_buffer(cmd, &vk::CommandBufferBeginInfo::default().flags(vk::CommandBufferUsageFlags::ONE_TIME_SUBMIT))
                .map_err(vk_err("vkBeginCommandBuffer"))?;
        }
        Ok(cmd)
    }

    pub fn end(&self, cmd: vk::CommandBuffer) -> Result<(), String> {
        // SAFETY: `cmd` is recording.
        unsafe { self.vk.device.end_command_buffer(cmd) }.map_err(vk_err("vkEndCommandBuffer"))
    }

    /// Submits `cmd` to the queue, signalling the fence if `signal`.
    /// The caller holds the queue (one thread, or a lock around it).
    pub fn submit(&self, cmd: vk::CommandBuffer, signal: bool) -> Result<(), String> {
        let cmds = [cmd];
        let submit = [vk::SubmitInfo::default().command_buffers(&cmds)];
        let fence = if signal { self.fence } else { vk::Fence::null() };
        // SAFETY: `cmd` is executable; the queue is externally synchronised by the caller.
        unsafe { self.vk.device.queue_submit(self.vk.queue, &submit, fence) }.map_err(vk_err("vkQueueSubmit"))
    }

    /// Waits for the fence (and so everything submitted before it) and resets it.
    pub fn wait(&self) -> Result<(), String> {
        let d = &self.vk.device;
        // SAFETY: the fence is owned here.
        unsafe {
            d.wait_for_fences(&[self.fence], true, u64::MAX).map_err(vk_err("vkWaitForFences"))?;
            d.reset_fences(&[self.fence]).map_err(vk_err("vkResetFences"))
        }
    }
}

/// A full memory barrier between two dispatches, as stream order requires.
pub fn barrier(vk: &RawVulkan, cmd: vk::CommandBuffer) {
    memory_barrier(vk, cmd, vk::PipelineStageFlags::COMPUTE_SHADER);
}

/// The barrier the Vulkan plugin records between stream commands: all
/// commands to all commands (vendor-plugins/vulkan/src/stream.rs).
pub fn barrier_all_commands(vk: &RawVulkan, cmd: vk::CommandBuffer) {
    memory_barrier(vk, cmd, vk::PipelineStageFlags::ALL_COMMANDS);
}

/// Writes before the barrier are visible to reads and writes after it,
/// between `stages` on both sides.
fn memory_barrier(vk: &RawVulkan, cmd: vk::CommandBuffer, stages: vk::PipelineStageFlags) {
    let memory = [vk::MemoryBarrier::default()
        .src_access_mask(vk::AccessFlags::MEMORY_WRITE)
        .dst_access_mask(vk::AccessFlags::MEMORY_READ | vk::AccessFlags::MEMORY_WRITE)];
    // SAFETY: `cmd` is recording.
    unsafe { vk.device.cmd_pipeline_barrier(cmd, stages, stages, vk::DependencyFlags::empty(), &memory, &[], &[]) };
}

/// The device's maxPushConstantsSize.
pub fn max_push_constants(vk: &RawVulkan) -> u32 {
    // SAFETY: the physical device of this instance.
    unsafe { vk.instance.get_physical_device_properties(vk.physical) }.limits.max_push_constants_size
}

impl Drop for Commands<'_> {
    fn drop(&mut self) {
        // SAFETY: idle device; the pool frees its buffers.
        unsafe {
            let d = &self.vk.device;
            let _ = d.device_wait_idle();
            d.destroy_fence(self.fence, None);
            d.destroy_command_pool(self.pool, None);
        }
    }
}

/// A storage buffer with its own host-visible memory, mapped, and its device
/// address (buffer_reference in the shaders).
pub struct AddressBuffer<'a> {
    vk: &'a RawVulkan,
    buffer: vk::Buffer,
    memory: vk::DeviceMemory,
    pub address: u64,
    ptr: *mut u8,
    len: usize,
}

impl<'a> AddressBuffer<'a> {
    pub fn new(vk: &'a RawVulkan, len: usize) -> Result<AddressBuffer<'a>, String> {
        let d = &vk.device;
        let info = vk::BufferCreateInfo::default()
            .size(len as u64)
            .usage(vk::BufferUsageFlags::STORAGE_BUFFER | vk::BufferUsageFlags::SHADER_DEVICE_ADDRESS)
            .sharing_mode(vk::SharingMode::EXCLUSIVE);
        // SAFETY: a valid create info.
        let buffer = unsafe { d.create_buffer(&info, None) }.map_err(vk_err("vkCreateBuffer"))?;
        // SAFETY: a live buffer.
        let req = unsafe { d.get_buffer_memory_requirements(buffer) };
        // SAFETY: the physical device of this instance.
        let props = unsafe { vk.instance.get_physical_device_memory_properties(vk.physical) };
        let wanted = vk::MemoryPropertyFlags::HOST_VISIBLE | vk::MemoryPropertyFlags::HOST_COHERENT;
        let Some(type_index) = (0..props.memory_type_count)
            .find(|&i| req.memory_type_bits & (1 << i) != 0 && props.memory_types[i as usize].property_flags.contains(wanted))
        else {
            // SAFETY: unused buffer.
            unsafe { d.destroy_buffer(buffer, None) };
            return Err("no host-visible memory type for a device-address buffer".into());
        };
        let mut flags = vk::MemoryAllocateFlagsInfo::default().flags(vk::MemoryAllocateFlags::DEVICE_ADDRESS);
        let alloc = vk::MemoryAllocateInfo::default().allocation_size(req.size).memory_type_index(type_index).push_next(&mut flags);
        // SAFETY: a valid allocate info; buffer_device_address was enabled when supported.
        let memory = match unsafe { d.allocate_memory(&alloc, None) } {
            Ok(m) => m,
            Err(e) => {
                // SAFETY: unused buffer.
                unsafe { d.destroy_buffer(buffer, None) };
                return Err(format!("vkAllocateMemory: {e:?}"));
            }
        };
        let mut this = AddressBuffer { vk, buffer, memory, address: 0, ptr: std::ptr::null_mut(), len };
        // SAFETY: fresh buffer and memory of sufficient size and type.
        unsafe { d.bind_buffer_memory(buffer, memory, 0) }.map_err(vk_err("vkBindBufferMemory"))?;
        // SAFETY: host-visible memory, mapped once for the buffer's life.
        this.ptr = unsafe { d.map_memory(memory, 0, vk::WHOLE_SIZE, vk::MemoryMapFlags::empty()) }.map_err(vk_err("vkMapMemory"))?.cast();
        // SAFETY: a bound buffer created with SHADER_DEVICE_ADDRESS usage.
        this.address = unsafe { d.get_buffer_device_address(&vk::BufferDeviceAddressInfo::default().buffer(buffer)) };
        Ok(this)
    }

    /// The mapped contents as floats.
    pub fn floats(&mut self) -> &mut [f32] {
        // SAFETY: `len` mapped, coherent bytes owned by this buffer; callers
        // touch them only while no submitted work uses the buffer.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.cast::<f32>(), self.len / 4) }
    }
}

impl Drop for AddressBuffer<'_> {
    fn drop(&mut self) {
        // SAFETY: idle device; objects owned here.
        unsafe {
            let d = &self.vk.device;
            let _ = d.device_wait_idle();
            d.destroy_buffer(self.buffer, None);
            d.free_memory(self.memory, None);
        }
    }
}
