//! Modules and kernels (FH_MODULE_FORMAT_SPIRV), under the FlagHAL SPIR-V
//! convention (docs/kernels.md). A module is one VkShaderModule plus a
//! pipeline layout with one 128-byte push-constant range: bytes [0, 120)
//! carry the blob's start, [120, 128) the address of an argument buffer with
//! the whole blob when it is longer (`conv::push_constants`). A function is
//! an entry point; its compute pipelines are created on first launch and
//! cached per (block size, dynamic shared memory), given to the shader as
//! specialization constants 0..2 (local_size_{x,y,z}_id) and 3 (dynamic
//! shared memory in bytes); constant 4 is max_kernel_args_size.
//!
//! Argument buffers are staging allocations (host-visible, with a device
//! address) that the launch's batch keeps until it completes.
//!
//! Ownership: `Box<Module>` is `fhp_module_t`. It owns `Arc<Function>`s; an
//! `fhp_function_t` is `Arc::as_ptr` of one, valid while the module lives.
//! Launches clone the `Arc` into their batch, so unloading a module with
//! launches still queued keeps their pipelines alive until they complete.

use crate::device::Device;
use crate::error::{invalid_configuration, invalid_value};
use flaghal_formats::spirv;
use crate::stream::Stream;
use ash::vk;
use flaghal_sys::{self as sys, FfiError, FfiResult};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::ffi::CString;
use std::sync::Arc;

/// Dynamic shared memory handed to spec constant 3 is rounded up to this
/// (and is at least this), so `shared T buf[FH_SHARED_BYTES / sizeof(T)]`
/// never has length zero for T up to 16 bytes.
pub const SHARED_GRANULE: u32 = 16;

/// The largest argument blob a launch takes (through an argument buffer).
pub const MAX_KERNEL_ARGS_SIZE: u32 = 4096;

/// The Vulkan objects of a module, shared with its functions.
struct ModuleShared {
    device: &'static Device,
    shader: vk::ShaderModule,
    layout: vk::PipelineLayout,
}

impl Drop for ModuleShared {
    fn drop(&mut self) {
        // SAFETY: no function (and so no queued launch) references them any more.
        unsafe {
            self.device.raw.destroy_pipeline_layout(self.layout, None);
            self.device.raw.destroy_shader_module(self.shader, None);
        }
    }
}

pub struct Module {
    pub device: &'static Device,
    shared: Arc<ModuleShared>,
    info: spirv::ModuleInfo,
    functions: Mutex<HashMap<String, Arc<Function>>>,
}

type PipelineKey = ([u32; 3], u32);

pub struct Function {
    module: Arc<ModuleShared>,
    pub name: String,
    entry: CString,
    pub static_shared_bytes: u32,
    /// The block size the kernel fixes (spirv::EntryPoint::fixed_block).
    pub fixed_block: Option<[u32; 3]>,
    pipelines: Mutex<HashMap<PipelineKey, vk::Pipeline>>,
}

impl Drop for Function {
    fn drop(&mut self) {
        for pipeline in self.pipelines.get_mut().values() {
            // SAFETY: the last holder is gone, so no queued launch uses it.
            unsafe { self.module.device.raw.destroy_pipeline(*pipeline, None) };
        }
    }
}

impl Module {
    pub fn load(device: &'static Device, format: sys::fh_module_format_t, bytes: &[u8]) -> FfiResult<Module> {
        if format != sys::FH_MODULE_FORMAT_SPIRV {
            return Err(FfiError::new(
                sys::FH_ERROR_NOT_SUPPORTED,
                format!("module format {format} is not supported (only FH_MODULE_FORMAT_SPIRV)"),
            ));
        }
        let info = spirv::parse(bytes).map_err(|e| FfiError::new(sys::FH_ERROR_INVALID_IMAGE, e))?;
        if info.entry_points.is_empty() {
            return Err(FfiError::new(sys::FH_ERROR_INVALID_IMAGE, "the SPIR-V module has no GLCompute entry point"));
        }
        let words = spirv::words(bytes).map_err(|e| FfiError::new(sys::FH_ERROR_INVALID_IMAGE, e))?;
        let create = vk::ShaderModuleCreateInfo::default().code(&words);
        // SAFETY: valid device; `words` is a SPIR-V stream that passed the
        // header and instruction-length checks.
        let shader = unsafe { device.raw.create_shader_module(&create, None) }
            .map_err(|e| shader_error("vkCreateShaderModule", e))?;
        let ranges = [vk::PushConstantRange::default()
            .stage_flags(vk::ShaderStageFlags::COMPUTE)
            .offset(0)
            .size(crate::conv::PUSH_CONSTANT_BYTES as u32)];
        let layout_info = vk::PipelineLayoutCreateInfo::default().push_constant_ranges(&ranges);
        // SAFETY: valid device and create info.
        let layout = match unsafe { device.raw.create_pipeline_layout(&layout_info, None) } {
            Ok(layout) => layout,
            Err(e) => {
                // SAFETY: created above, unused.
                unsafe { device.raw.destroy_shader_module(shader, None) };
                return Err(crate::error::vk_error("vkCreatePipelineLayout", e));
            }
        };
        Ok(Module {
            device,
            shared: Arc::new(ModuleShared { device, shader, layout }),
            info,
            functions: Mutex::new(HashMap::new()),
        })
    }

    /// The function for entry point `name` (the same handle on every lookup).
    pub fn function(&self, name: &str) -> FfiResult<Arc<Function>> {
        let mut functions = self.functions.lock();
        if let Some(f) = functions.get(name) {
            return Ok(f.clone());
        }
        let entry = self.info.entry_points.iter().find(|e| e.name == name).ok_or_else(|| {
            let known: Vec<&str> = self.info.entry_points.iter().map(|e| e.name.as_str()).collect();
            FfiError::new(sys::FH_ERROR_NOT_FOUND, format!("no kernel \"{name}\" in the module (entry points: {})", known.join(", ")))
        })?;
        let function = Arc::new(Function {
            module: self.shared.clone(),
            name: name.to_string(),
            entry: CString::new(name).map_err(|_| invalid_value("kernel name contains NUL"))?,
            static_shared_bytes: entry.static_shared_bytes,
            fixed_block: entry.fixed_block,
            pipelines: Mutex::new(HashMap::new()),
        });
        functions.insert(name.to_string(), function.clone());
        Ok(function)
    }
}

fn shader_error(operation: &str, e: vk::Result) -> FfiError {
    let mut error = crate::error::vk_error(operation, e);
    if e == vk::Result::ERROR_INVALID_SHADER_NV || e == vk::Result::ERROR_UNKNOWN {
        error.status = sys::FH_ERROR_INVALID_IMAGE;
    }
    error
}

impl Function {
    pub fn device_ref(&self) -> &'static Device {
        self.module.device
    }

    pub fn max_threads(&self) -> u32 {
        match self.fixed_block {
            Some(b) => b[0].saturating_mul(b[1]).saturating_mul(b[2]),
            None => self.device_ref().adapter.properties.limits.max_compute_work_group_invocations,
        }
    }

    pub fn max_dynamic_shared(&self) -> u32 {
        let limit = self.device_ref().adapter.properties.limits.max_compute_shared_memory_size;
        limit.saturating_sub(self.static_shared_bytes)
    }

    /// fhFunctionGetAttribute.
    pub fn attribute(&self, attribute: sys::fh_function_attribute_t) -> FfiResult<i32> {
        let value = match attribute {
            sys::FH_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK => self.max_threads(),
            sys::FH_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES => self.static_shared_bytes,
            sys::FH_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES => self.max_dynamic_shared(),
            sys::FH_FUNC_ATTRIBUTE_NUM_REGS => 0,
            other => return Err(invalid_value(format!("unknown function attribute {other}"))),
        };
        Ok(value.min(i32::MAX as u32) as i32)
    }

    fn pipeline(&self, block: [u32; 3], shared: u32) -> FfiResult<vk::Pipeline> {
        let key = (block, shared);
        let mut pipelines = self.pipelines.lock();
        if let Some(p) = pipelines.get(&key) {
            return Ok(*p);
        }
        let values = [block[0], block[1], block[2], shared, MAX_KERNEL_ARGS_SIZE];
        let data: Vec<u8> = values.iter().flat_map(|v| v.to_ne_bytes()).collect();
        let entries: Vec<vk::SpecializationMapEntry> = (0..values.len() as u32)
            .map(|i| vk::SpecializationMapEntry { constant_id: i, offset: i * 4, size: 4 })
            .collect();
        let spec = vk::SpecializationInfo::default().map_entries(&entries).data(&data);
        let stage = vk::PipelineShaderStageCreateInfo::default()
            .stage(vk::ShaderStageFlags::COMPUTE)
            .module(self.module.shader)
            .name(&self.entry)
            .specialization_info(&spec);
        let info = [vk::ComputePipelineCreateInfo::default().stage(stage).layout(self.module.layout)];
        let raw = &self.device_ref().raw;
        // SAFETY: valid device, module and layout; `info` and what it points
        // to outlive the call.
        let pipeline = unsafe { raw.create_compute_pipelines(vk::PipelineCache::null(), &info, None) }
            .map_err(|(_, e)| shader_error(&format!("vkCreateComputePipelines for \"{}\"", self.name), e))?[0];
        pipelines.insert(key, pipeline);
        Ok(pipeline)
    }

    /// fhLaunchKernel: checks the function's limits (the SDK checked the
    /// device's), records bind + push constants + dispatch.
    pub fn launch(self: &Arc<Self>, params: &sys::fh_plugin_launch_params_t, args: &[u8], stream: &Stream) -> FfiResult {
        let device = self.device_ref();
        let (grid, block) = (params.grid, params.block);
        if let Some(fixed) = self.fixed_block {
            if block != fixed {
                return Err(invalid_configuration(format!(
                    "kernel \"{}\" fixes its block at {fixed:?} (LocalSize, no specialization constants 0..2); launched with {block:?}",
                    self.name
                )));
            }
        }
        let threads = block.iter().map(|&b| b as u64).product::<u64>();
        if threads > self.max_threads() as u64 {
            return Err(invalid_configuration(format!("block {block:?} exceeds the kernel's limit of {} threads", self.max_threads())));
        }
        if params.shared_mem_bytes > self.max_dynamic_shared() {
            return Err(invalid_configuration(format!(
                "{} bytes of dynamic shared memory exceed the kernel's limit of {}",
                params.shared_mem_bytes,
                self.max_dynamic_shared()
            )));
        }
        let shared = crate::conv::align_up(params.shared_mem_bytes.max(1) as u64, SHARED_GRANULE as u64) as u32;
        let pipeline = self.pipeline(block, shared)?;
        let mut keep: Vec<crate::stream::Keep> = vec![Box::new(self.clone())];
        let mut args_buffer = 0;
        if crate::conv::needs_args_buffer(args.len()) {
            // Rounded up to 16 zero bytes, so vector loads near the end stay inside.
            let mut padded = args.to_vec();
            padded.resize(args.len().next_multiple_of(16), 0);
            let staging = crate::staging::Staging::with_bytes(device, &padded)?;
            args_buffer = staging.address();
            keep.push(Box::new(staging));
        }
        let blob = crate::conv::push_constants(args, args_buffer);
        let layout = self.module.layout;
        let raw = &device.raw;
        stream.record(keep, |cmd| {
            // SAFETY: recording under the stream lock; the pipeline and
            // layout live as long as the function, which the batch keeps.
            unsafe {
                raw.cmd_bind_pipeline(cmd, vk::PipelineBindPoint::COMPUTE, pipeline);
                raw.cmd_push_constants(cmd, layout, vk::ShaderStageFlags::COMPUTE, 0, &blob);
                raw.cmd_dispatch(cmd, grid[0], grid[1], grid[2]);
            }
        })
    }
}
