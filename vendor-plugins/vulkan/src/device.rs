//! A FlagHAL device: one VkDevice on one qualifying physical device, its
//! compute queue (shared by all streams; submits under a per-queue lock), its
//! memory pools and the registry of its live streams.
//!
//! Ownership: devices are created once in init, live in a static vector and
//! are never destroyed; the SDK holds them as `&'static Device`.

use crate::abi::Vulkan;
use crate::adapter::Adapter;
use crate::error::invalid_value;
use crate::event::Event;
use crate::module::Module;
use crate::{conv, copy};
use crate::error::VkContext;
use crate::memory::Pool;
use crate::stream::Stream;
use crate::timeline::Timeline;
use ash::vk;
use flaghal_plugin::DeviceProperties;
use flaghal_sys::{fh_deviceptr_t, fh_module_format_t, FfiError, FfiResult};
use parking_lot::Mutex;
use std::collections::VecDeque;
use std::ffi::c_void;
use std::sync::{Arc, Weak};

/// A batch ready for the queue: its command buffer (None: waits and signal
/// only), the timeline values it waits for, and the value it signals.
pub struct PendingSubmit {
    pub cmd: Option<vk::CommandBuffer>,
    pub waits: Vec<(Arc<Timeline>, u64)>,
    pub signal: (Arc<Timeline>, u64),
}

pub struct Device {
    pub index: u32,
    pub raw: ash::Device,
    pub adapter: Adapter,
    queue: Mutex<vk::Queue>,
    /// fhMemAlloc memory.
    pub memory: Mutex<Pool>,
    /// Transient host-visible buffers of copies (see staging.rs).
    pub staging: Mutex<Pool>,
    /// fhMemAllocHost memory.
    pub pinned: Mutex<Pool>,
    /// Device memory is mapped: synchronous copies and memsets use memcpy
    /// instead of the staging path.
    pub direct: bool,
    pub heap_size: u64,
    /// What device_get_properties reports, computed once at open.
    pub props: DeviceProperties,
    streams: Mutex<Vec<Weak<Stream>>>,
    internal: Mutex<Option<Arc<Stream>>>,
    /// Batches held back until every value they wait for has been submitted.
    pending: Mutex<VecDeque<PendingSubmit>>,
    /// Timeline semaphores no stream uses any more, with the value their
    /// next user starts from (timeline.rs says why they are not destroyed).
    pub idle_timelines: Mutex<Vec<(vk::Semaphore, u64)>>,
}

const DEVICE_BLOCK: u64 = 64 << 20;
const HOST_BLOCK: u64 = 16 << 20;
/// Idle dedicated staging blocks kept for reuse by later large copies.
const STAGING_RETAINED: u64 = 256 << 20;

impl Device {
    /// Opens the logical device; Err(reason) skips the physical device.
    pub fn open(instance: &ash::Instance, adapter: Adapter, index: u32, force_staging: bool) -> Result<Device, String> {
        let name = adapter.name();
        let mut v11 = vk::PhysicalDeviceVulkan11Features::default().storage_buffer16_bit_access(adapter.storage_16bit);
        let mut v12 = vk::PhysicalDeviceVulkan12Features::default()
            .buffer_device_address(true)
            .timeline_semaphore(true)
            .scalar_block_layout(true)
            .shader_buffer_int64_atomics(adapter.int64_atomics)
            .storage_buffer8_bit_access(adapter.storage_8bit)
            .shader_int8(adapter.int8)
            .shader_float16(adapter.float16)
            .vulkan_memory_model(adapter.vulkan_memory_model)
            .vulkan_memory_model_device_scope(adapter.vulkan_memory_model);
        let mut float_atomics =
            vk::PhysicalDeviceShaderAtomicFloatFeaturesEXT::default().shader_buffer_float32_atomic_add(true);
        let core = vk::PhysicalDeviceFeatures::default()
            .shader_int64(true)
            .shader_float64(adapter.float64)
            .shader_int16(adapter.int16);
        let priorities = [1.0f32];
        let queues = [vk::DeviceQueueCreateInfo::default()
            .queue_family_index(adapter.queue_family)
            .queue_priorities(&priorities)];
        let mut extensions = Vec::new();
        if adapter.float32_atomic_add {
            extensions.push(ash::ext::shader_atomic_float::NAME.as_ptr());
        }
        let mut info = vk::DeviceCreateInfo::default()
            .queue_create_infos(&queues)
            .enabled_features(&core)
            .enabled_extension_names(&extensions)
            .push_next(&mut v11)
            .push_next(&mut v12);
        if adapter.float32_atomic_add {
            info = info.push_next(&mut float_atomics);
        }
        // SAFETY: `info` and what it points to outlive the call; the features
        // enabled were reported as supported by the adapter.
        let raw = unsafe { instance.create_device(adapter.physical, &info, None) }
            .map_err(|e| format!("{name}: vkCreateDevice failed: {e:?}"))?;
        // SAFETY: the family and index 0 were requested at creation.
        let queue = unsafe { raw.get_device_queue(adapter.queue_family, 0) };
        let type_bits = probe_memory_type_bits(&raw).map_err(|e| format!("{name}: {}", e.message))?;
        let device_type = conv::pick_device_memory_type(&adapter.memory, type_bits)
            .ok_or_else(|| format!("{name}: no memory type for storage buffers"))?;
        let host_type = conv::pick_host_memory_type(&adapter.memory, type_bits)
            .ok_or_else(|| format!("{name}: no host-visible coherent memory type for storage buffers"))?;
        let device_flags = adapter.memory.memory_types[device_type as usize].property_flags;
        let heap_size =
            adapter.memory.memory_heaps[adapter.memory.memory_types[device_type as usize].heap_index as usize].size;
        let direct = !force_staging && conv::is_host_mappable(device_flags);
        let max = adapter.max_buffer_size;
        let block = DEVICE_BLOCK.min(max).min(heap_size / 8).max(crate::memory::ALIGNMENT);
        let props = DeviceProperties::new(adapter.fh_properties(index, heap_size));
        Ok(Device {
            index,
            memory: Mutex::new(Pool::new(raw.clone(), "device", device_type, direct, block, max.min(heap_size)).with_budget(heap_size)),
            staging: Mutex::new(
                Pool::new(raw.clone(), "staging", host_type, true, HOST_BLOCK.min(max), max)
                    .with_retained_blocks(STAGING_RETAINED),
            ),
            pinned: Mutex::new(Pool::new(raw.clone(), "pinned host", host_type, true, HOST_BLOCK.min(max), max)),
            raw,
            adapter,
            queue: Mutex::new(queue),
            direct,
            heap_size,
            props,
            streams: Mutex::new(Vec::new()),
            internal: Mutex::new(None),
            pending: Mutex::new(VecDeque::new()),
            idle_timelines: Mutex::new(Vec::new()),
        })
    }

    /// Hands a batch to the queue as soon as every value it waits for has a
    /// submitted signal. The device's queues run submissions in order, so a
    /// batch waiting for a host function still running (or for work held
    /// back itself) would stall every stream behind it; such batches wait
    /// here instead, and `pump` submits them when their values are submitted.
    pub fn enqueue(&self, submit: PendingSubmit) -> FfiResult {
        self.pending.lock().push_back(submit);
        self.pump()
    }

    /// Submits every held-back batch whose waits are all submitted, oldest
    /// first, until none is ready. A failed submit is reported to the caller
    /// and its value signalled from the host so that no waiter hangs.
    pub fn pump(&self) -> FfiResult {
        let mut first_error = None;
        let mut pending = self.pending.lock();
        while let Some(index) = pending.iter().position(|p| p.waits.iter().all(|(t, v)| t.is_submitted(*v))) {
            let p = pending.remove(index).expect("index from position");
            if let Err(e) = self.submit_now(&p) {
                let (timeline, value) = &p.signal;
                let info = vk::SemaphoreSignalInfo::default().semaphore(timeline.semaphore).value(*value);
                // SAFETY: a live semaphore; nothing else signals this value.
                let _ = unsafe { self.raw.signal_semaphore(&info) };
                first_error.get_or_insert(e);
            }
            p.signal.0.mark_submitted(p.signal.1);
        }
        first_error.map_or(Ok(()), Err)
    }

    fn submit_now(&self, p: &PendingSubmit) -> FfiResult {
        let wait_semaphores: Vec<vk::Semaphore> = p.waits.iter().map(|(t, _)| t.semaphore).collect();
        let wait_values: Vec<u64> = p.waits.iter().map(|(_, v)| *v).collect();
        let stages = vec![vk::PipelineStageFlags::ALL_COMMANDS; wait_semaphores.len()];
        let signal_semaphores = [p.signal.0.semaphore];
        let signal_values = [p.signal.1];
        let cmds: Vec<vk::CommandBuffer> = p.cmd.into_iter().collect();
        let mut timeline_info = vk::TimelineSemaphoreSubmitInfo::default()
            .wait_semaphore_values(&wait_values)
            .signal_semaphore_values(&signal_values);
        let submit = vk::SubmitInfo::default()
            .wait_semaphores(&wait_semaphores)
            .wait_dst_stage_mask(&stages)
            .command_buffers(&cmds)
            .signal_semaphores(&signal_semaphores)
            .push_next(&mut timeline_info);
        self.submit(&submit)
    }

    /// Submits one batch under the queue lock.
    fn submit(&self, submit: &vk::SubmitInfo<'_>) -> FfiResult {
        let queue = self.queue.lock();
        // SAFETY: the queue is externally synchronised by the lock; `submit`
        // references live command buffers and semaphores of this device.
        unsafe { self.raw.queue_submit(*queue, std::slice::from_ref(submit), vk::Fence::null()) }.ctx("vkQueueSubmit")
    }

    pub fn register_stream(&self, stream: &Arc<Stream>) {
        let mut streams = self.streams.lock();
        streams.retain(|s| s.strong_count() > 0);
        streams.push(Arc::downgrade(stream));
    }

    fn live_streams(&self) -> Vec<Arc<Stream>> {
        self.streams.lock().iter().filter_map(Weak::upgrade).collect()
    }

    /// The device's own stream for synchronous staging copies.
    pub fn internal_stream(&'static self) -> FfiResult<Arc<Stream>> {
        let mut internal = self.internal.lock();
        if let Some(stream) = internal.as_ref() {
            return Ok(stream.clone());
        }
        let stream = Stream::new(self)?;
        *internal = Some(stream.clone());
        Ok(stream)
    }

    /// Waits for all work submitted so far to every stream (flaghal.h
    /// "Ordering"). With `take_errors`, returns (and clears) the first
    /// deferred failure of any stream, as fhDeviceSynchronize does.
    pub fn synchronize_all(&'static self, take_errors: bool) -> FfiResult {
        let mut first: Option<FfiError> = None;
        for stream in self.live_streams() {
            let result = if take_errors { stream.synchronize() } else { stream.wait_idle() };
            if let Err(e) = result {
                first.get_or_insert(e);
            }
        }
        first.map_or(Ok(()), Err)
    }

    /// free and total bytes for fhMemGetInfo.
    pub fn mem_info(&self) -> (u64, u64) {
        let used = self.memory.lock().live_bytes();
        (self.heap_size.saturating_sub(used), self.heap_size)
    }
}

impl flaghal_plugin::Device<Vulkan> for Device {
    fn properties(&self) -> &DeviceProperties {
        &self.props
    }

    fn synchronize(&'static self) -> FfiResult {
        self.synchronize_all(true)
    }

    fn mem_info(&self) -> (u64, u64) {
        Device::mem_info(self)
    }

    fn mem_alloc(&'static self, size: usize) -> FfiResult<fh_deviceptr_t> {
        self.memory.lock().alloc(size as u64)
    }

    fn mem_free(&'static self, ptr: fh_deviceptr_t) -> FfiResult {
        self.memory.lock().free(ptr)
    }

    fn mem_alloc_host(&'static self, size: usize) -> FfiResult<*mut c_void> {
        let mut pool = self.pinned.lock();
        let address = pool.alloc(size as u64)?;
        let host = pool.resolve(address, size as u64)?.host.expect("pinned memory is mapped");
        Ok(host as *mut c_void)
    }

    fn mem_free_host(&'static self, ptr: *mut c_void) -> FfiResult {
        let mut pool = self.pinned.lock();
        let address = pool
            .address_of_host(ptr as usize, 0)
            .ok_or_else(|| invalid_value(format!("{ptr:p} is not memory from fhMemAllocHost on this device")))?;
        pool.free(address).map_err(|_| invalid_value(format!("{ptr:p} is not the start of a pinned allocation")))
    }

    fn memcpy_htod(&'static self, dst: fh_deviceptr_t, src: &[u8]) -> FfiResult {
        copy::htod(self, dst, src)
    }

    fn memcpy_dtoh(&'static self, dst: &mut [u8], src: fh_deviceptr_t) -> FfiResult {
        copy::dtoh(self, dst, src)
    }

    fn memcpy_dtod(&'static self, dst: fh_deviceptr_t, src: fh_deviceptr_t, size: usize) -> FfiResult {
        copy::dtod(self, dst, src, size as u64)
    }

    fn memset(&'static self, dst: fh_deviceptr_t, value: u32, element_size: u32, count: usize) -> FfiResult {
        copy::memset(self, dst, value, element_size, count)
    }

    fn stream_create(&'static self, _flags: u32) -> FfiResult<Arc<Stream>> {
        Stream::new(self)
    }

    fn event_create(&'static self, flags: u32) -> FfiResult<Box<Event>> {
        Event::new(self, flags).map(Box::new)
    }

    fn module_load(&'static self, format: fh_module_format_t, bytes: &[u8]) -> FfiResult<Box<Module>> {
        Module::load(self, format, bytes).map(Box::new)
    }
}

/// memoryTypeBits of a buffer with the usage every pool uses.
fn probe_memory_type_bits(raw: &ash::Device) -> FfiResult<u32> {
    let info = vk::BufferCreateInfo::default()
        .size(4096)
        .usage(
            vk::BufferUsageFlags::STORAGE_BUFFER
                | vk::BufferUsageFlags::TRANSFER_SRC
                | vk::BufferUsageFlags::TRANSFER_DST
                | vk::BufferUsageFlags::SHADER_DEVICE_ADDRESS,
        );
    // SAFETY: a valid device; the probe buffer is destroyed before returning.
    unsafe {
        let buffer = raw.create_buffer(&info, None).ctx("vkCreateBuffer")?;
        let bits = raw.get_buffer_memory_requirements(buffer).memory_type_bits;
        raw.destroy_buffer(buffer, None);
        Ok(bits)
    }
}
