//! Memory pools: allocations are sub-allocated from large blocks (one
//! VkDeviceMemory + one VkBuffer spanning it, with a buffer device address),
//! never one vkAllocateMemory per fhMemAlloc. A sorted map of blocks by device
//! address turns any address range into (buffer, offset) for copies, and
//! checks it lies inside one live allocation (FH_DEVICE_CAP_ADDRESS_CHECKS).
//!
//! The device owns three pools behind mutexes: device memory (fhMemAlloc),
//! staging (transient host-visible buffers of async copies), and pinned host
//! memory (fhMemAllocHost, looked up by host pointer as well).

use crate::error::{invalid_address, out_of_memory, VkContext};
use crate::suballoc::SubAllocator;
use ash::vk;
use flaghal_sys::FfiResult;
use std::collections::BTreeMap;

/// Alignment of every address fhMemAlloc returns.
pub const ALIGNMENT: u64 = 256;

struct Block {
    memory: vk::DeviceMemory,
    buffer: vk::Buffer,
    size: u64,
    /// Host address of byte 0 when the block is mapped.
    mapped: Option<usize>,
    alloc: SubAllocator,
    dedicated: bool,
}

/// A resolved device range: where a copy command finds it.
#[derive(Clone, Copy, Debug)]
pub struct Region {
    pub buffer: vk::Buffer,
    /// Offset of the first byte inside `buffer`.
    pub offset: u64,
    /// Host address of the first byte, when the memory is mapped.
    pub host: Option<usize>,
}

pub struct Pool {
    raw: ash::Device,
    what: &'static str,
    type_index: u32,
    map: bool,
    block_size: u64,
    max_allocation: u64,
    /// Blocks by their device address.
    blocks: BTreeMap<u64, Block>,
    /// Mapped blocks: host address of byte 0 -> device address.
    by_host: BTreeMap<usize, u64>,
    live_bytes: u64,
    /// Empty dedicated blocks kept for reuse, up to this many bytes in all
    /// (staging: a large async copy reuses the last one's buffer); 0 frees
    /// them at once (device memory goes back to the driver).
    retain_limit: u64,
    retained_bytes: u64,
    /// Live bytes this pool may hand out in all (device memory: the heap
    /// size fhMemGetInfo reports). Drivers may accept more than the heap
    /// (lavapipe does); a framework's "free the cache and retry on
    /// out-of-memory" path needs the refusal to come where the figures say.
    budget: u64,
}

impl Pool {
    pub fn new(raw: ash::Device, what: &'static str, type_index: u32, map: bool, block_size: u64, max_allocation: u64) -> Pool {
        Pool {
            raw,
            what,
            type_index,
            map,
            block_size,
            max_allocation,
            blocks: BTreeMap::new(),
            by_host: BTreeMap::new(),
            live_bytes: 0,
            retain_limit: 0,
            retained_bytes: 0,
            budget: u64::MAX,
        }
    }

    /// Refuses allocations that would take live bytes above `bytes`.
    pub fn with_budget(mut self, bytes: u64) -> Pool {
        self.budget = bytes;
        self
    }

    /// Keeps up to `bytes` of empty dedicated blocks for reuse.
    pub fn with_retained_blocks(mut self, bytes: u64) -> Pool {
        self.retain_limit = bytes;
        self
    }

    pub fn live_bytes(&self) -> u64 {
        self.live_bytes
    }

    pub fn is_mapped(&self) -> bool {
        self.map
    }

    fn create_block(&mut self, size: u64, dedicated: bool) -> FfiResult<u64> {
        let info = vk::BufferCreateInfo::default()
            .size(size)
            .usage(
                vk::BufferUsageFlags::STORAGE_BUFFER
                    | vk::BufferUsageFlags::TRANSFER_SRC
                    | vk::BufferUsageFlags::TRANSFER_DST
                    | vk::BufferUsageFlags::SHADER_DEVICE_ADDRESS,
            )
            .sharing_mode(vk::SharingMode::EXCLUSIVE);
        // SAFETY: a valid device and create info.
        let buffer = unsafe { self.raw.create_buffer(&info, None) }.ctx("vkCreateBuffer")?;
        let result = self.bind_block(buffer, size);
        if result.is_err() {
            // SAFETY: the buffer was created above and never used.
            unsafe { self.raw.destroy_buffer(buffer, None) };
        }
        let (memory, address, mapped) = result?;
        self.blocks.insert(address, Block { memory, buffer, size, mapped, alloc: SubAllocator::new(size), dedicated });
        if let Some(host) = mapped {
            self.by_host.insert(host, address);
        }
        Ok(address)
    }

    fn bind_block(&self, buffer: vk::Buffer, size: u64) -> FfiResult<(vk::DeviceMemory, u64, Option<usize>)> {
        // SAFETY: `buffer` is a live buffer of this device.
        let reqs = unsafe { self.raw.get_buffer_memory_requirements(buffer) };
        if reqs.memory_type_bits & (1 << self.type_index) == 0 {
            return Err(out_of_memory(format!("{}: memory type {} cannot back storage buffers", self.what, self.type_index)));
        }
        let mut flags = vk::MemoryAllocateFlagsInfo::default().flags(vk::MemoryAllocateFlags::DEVICE_ADDRESS);
        let info = vk::MemoryAllocateInfo::default()
            .allocation_size(reqs.size.max(size))
            .memory_type_index(self.type_index)
            .push_next(&mut flags);
        // SAFETY: valid device and allocate info (type index checked above).
        let memory = unsafe { self.raw.allocate_memory(&info, None) }
            .map_err(|e| crate::error::vk_error(&format!("vkAllocateMemory of {size} bytes ({})", self.what), e))?;
        let bound = (|| -> FfiResult<(u64, Option<usize>)> {
            // SAFETY: fresh buffer and memory of this device, offset 0.
            unsafe { self.raw.bind_buffer_memory(buffer, memory, 0) }.ctx("vkBindBufferMemory")?;
            let mapped = if self.map {
                // SAFETY: host-visible memory, mapped once for its whole life.
                let ptr = unsafe { self.raw.map_memory(memory, 0, vk::WHOLE_SIZE, vk::MemoryMapFlags::empty()) }
                    .ctx("vkMapMemory")?;
                Some(ptr as usize)
            } else {
                None
            };
            let info = vk::BufferDeviceAddressInfo::default().buffer(buffer);
            // SAFETY: the buffer has SHADER_DEVICE_ADDRESS usage and bound memory
            // allocated with the DEVICE_ADDRESS flag.
            let address = unsafe { self.raw.get_buffer_device_address(&info) };
            Ok((address, mapped))
        })();
        match bound {
            Ok((address, mapped)) => Ok((memory, address, mapped)),
            Err(e) => {
                // SAFETY: the memory was allocated above and is not in use.
                unsafe { self.raw.free_memory(memory, None) };
                Err(e)
            }
        }
    }

    /// Allocates `size` bytes; returns the device address.
    pub fn alloc(&mut self, size: u64) -> FfiResult<u64> {
        if size > self.max_allocation {
            return Err(out_of_memory(format!(
                "{}: {size} bytes exceed the device's largest allocation ({} bytes)",
                self.what, self.max_allocation
            )));
        }
        if self.live_bytes.saturating_add(size) > self.budget {
            return Err(out_of_memory(format!(
                "{}: {size} bytes requested with {} of {} bytes in use",
                self.what, self.live_bytes, self.budget
            )));
        }
        let dedicated = size > self.block_size / 4;
        if dedicated && self.retained_bytes > 0 {
            let reuse = self
                .blocks
                .iter_mut()
                .find(|(_, b)| b.dedicated && b.alloc.is_empty() && b.size >= size && b.size <= size.saturating_mul(2));
            if let Some((&address, block)) = reuse {
                let offset = block.alloc.alloc(size, ALIGNMENT).expect("an empty block that is large enough");
                self.retained_bytes -= block.size;
                self.live_bytes += size;
                return Ok(address + offset);
            }
        }
        if !dedicated {
            for (&address, block) in self.blocks.iter_mut().filter(|(_, b)| !b.dedicated) {
                if let Some(offset) = block.alloc.alloc(size, ALIGNMENT) {
                    self.live_bytes += size;
                    return Ok(address + offset);
                }
            }
        }
        let block_size = if dedicated { crate::conv::align_up(size, ALIGNMENT) } else { self.block_size };
        let address = self.create_block(block_size, dedicated)?;
        let block = self.blocks.get_mut(&address).expect("block just created");
        let offset = block.alloc.alloc(size, ALIGNMENT).expect("a fresh block fits its allocation");
        self.live_bytes += size;
        Ok(address + offset)
    }

    fn block_of(&self, address: u64) -> Option<(u64, &Block)> {
        let (&base, block) = self.blocks.range(..=address).next_back()?;
        (address < base + block.size).then_some((base, block))
    }

    /// Frees the allocation whose base is `address`.
    pub fn free(&mut self, address: u64) -> FfiResult {
        let what = self.what;
        let not_base = || invalid_address(format!("0x{address:x} is not the base of a live {what} allocation"));
        let base = self.block_of(address).map(|(base, _)| base).ok_or_else(not_base)?;
        let block = self.blocks.get_mut(&base).expect("found above");
        let size = block.alloc.free(address - base).ok_or_else(not_base)?;
        self.live_bytes -= size;
        if block.dedicated && block.alloc.is_empty() && self.retained_bytes + block.size <= self.retain_limit {
            self.retained_bytes += block.size;
        } else if block.dedicated && block.alloc.is_empty() {
            let block = self.blocks.remove(&base).expect("found above");
            if let Some(host) = block.mapped {
                self.by_host.remove(&host);
            }
            // SAFETY: no allocation remains in the block; work using it must
            // have completed (fhMemFree's contract).
            unsafe {
                self.raw.destroy_buffer(block.buffer, None);
                self.raw.free_memory(block.memory, None);
            }
        }
        Ok(())
    }

    /// The range `[address, address + len)`, which must lie inside one live
    /// allocation (len 0 checks the address alone).
    pub fn resolve(&self, address: u64, len: u64) -> FfiResult<Region> {
        let outside = || {
            invalid_address(format!("range 0x{address:x}+{len} is not inside a live {} allocation", self.what))
        };
        let (base, block) = self.block_of(address).ok_or_else(outside)?;
        let offset = address - base;
        block.alloc.containing(offset, len).ok_or_else(outside)?;
        Ok(Region { buffer: block.buffer, offset, host: block.mapped.map(|h| h + offset as usize) })
    }

    /// The device address of a host pointer inside a mapped block's live
    /// allocation covering `len` bytes, if any.
    pub fn address_of_host(&self, host: usize, len: u64) -> Option<u64> {
        let (&start, &address) = self.by_host.range(..=host).next_back()?;
        let address = address + (host - start) as u64;
        self.resolve(address, len).ok().map(|_| address)
    }
}
