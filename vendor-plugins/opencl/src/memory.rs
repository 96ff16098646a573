//! Device memory (SVM allocations) and pinned host memory of one device.
//!
//! A device address is an SVM pointer, so kernels dereference it and
//! arithmetic inside an allocation works. fhMemAlloc promises 256-byte
//! alignment; clSVMAlloc gives the device's largest data type (128 bytes on
//! PoCL, which refuses more), so each allocation asks for
//! `size + 256 - native` bytes and hands out the first 256-aligned address
//! in it, remembering the native pointer for clSVMFree
//! (docs/plugin-guide.md, "Allocation alignment").
//!
//! Every live allocation is in [`AllocationTable`] (address -> native
//! pointer and size), so every copy, memset and free checks that its range
//! lies inside one live allocation (FH_DEVICE_CAP_ADDRESS_CHECKS), and every
//! launch passes the native pointers to the kernel
//! (CL_KERNEL_EXEC_INFO_SVM_PTRS: pointers inside the argument blob are only
//! valid in a kernel that was told about their allocations).
//!
//! Pinned host memory is an OpenCL buffer created with
//! CL_MEM_ALLOC_HOST_PTR and mapped once for its whole life: the idiom
//! OpenCL drivers recognise as page-locked, DMA-able host memory.
//!
//! Ownership: the tables live in their device (`&'static`); SVM memory is
//! freed by fhMemFree only (the device is never destroyed).

use crate::cl::{self, Cl};
use crate::conv::{self, SvmMode};
use crate::error::{invalid_address, invalid_value, out_of_memory};
use crate::objects::{ClContext, ClMem, ClQueue};
use flaghal_sys::FfiResult;
use parking_lot::Mutex;
use std::collections::{BTreeMap, HashMap};
use std::ffi::c_void;
use std::sync::Arc;

/// One live allocation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Allocation {
    /// What clSVMAlloc returned (what clSVMFree and the kernels get).
    pub native: usize,
    /// The size the application asked for, from the aligned address.
    pub size: u64,
    /// Bytes clSVMAlloc reserved (with the alignment padding).
    pub reserved: u64,
}

/// The live allocations of a device and its budget: pure bookkeeping, no
/// OpenCL calls (unit tested below).
pub struct AllocationTable {
    live: BTreeMap<u64, Allocation>,
    in_use: u64,
    total: u64,
    max_alloc: u64,
    /// The native pointers handed to every launch, rebuilt after a change.
    svm_pointers: Option<Arc<Vec<usize>>>,
    /// Always in the launch list, so it is never empty (a kernel's SVM
    /// list must not keep pointers from an earlier launch that were freed).
    anchor: usize,
}

impl AllocationTable {
    pub fn new(total: u64, max_alloc: u64, anchor: usize) -> AllocationTable {
        AllocationTable { live: BTreeMap::new(), in_use: 0, total, max_alloc, svm_pointers: None, anchor }
    }

    pub fn in_use(&self) -> u64 {
        self.in_use
    }

    pub fn total(&self) -> u64 {
        self.total
    }

    /// Whether `reserved` more bytes fit: the largest single allocation the
    /// device takes (CL_DEVICE_MAX_MEM_ALLOC_SIZE) and the total.
    pub fn admit(&self, size: u64, reserved: u64) -> Result<(), String> {
        if reserved > self.max_alloc {
            return Err(format!(
                "{size} bytes (+{} alignment padding) exceed the device's largest allocation, CL_DEVICE_MAX_MEM_ALLOC_SIZE = {}",
                reserved - size,
                self.max_alloc
            ));
        }
        match self.in_use.checked_add(reserved) {
            Some(n) if n <= self.total => Ok(()),
            _ => Err(format!("{} of {} bytes are in use (CL_DEVICE_GLOBAL_MEM_SIZE)", self.in_use, self.total)),
        }
    }

    pub fn insert(&mut self, address: u64, allocation: Allocation) {
        self.in_use += allocation.reserved;
        self.live.insert(address, allocation);
        self.svm_pointers = None;
    }

    /// Removes the allocation whose base is `address`.
    pub fn remove(&mut self, address: u64) -> Option<Allocation> {
        let allocation = self.live.remove(&address)?;
        self.in_use -= allocation.reserved;
        self.svm_pointers = None;
        Some(allocation)
    }

    /// The allocation holding all of [address, address + len), if one does
    /// (len 0: the address must lie inside one).
    pub fn find(&self, address: u64, len: u64) -> Option<(u64, Allocation)> {
        let (base, allocation) = self.live.range(..=address).next_back()?;
        let end = address.checked_add(len)?;
        let inside = address < base + allocation.size.max(1) && end <= base + allocation.size;
        inside.then_some((*base, *allocation))
    }

    /// The native pointers of every live allocation plus the anchor.
    pub fn svm_pointers(&mut self) -> Arc<Vec<usize>> {
        if let Some(list) = &self.svm_pointers {
            return list.clone();
        }
        let mut list = Vec::with_capacity(self.live.len() + 1);
        list.push(self.anchor);
        list.extend(self.live.values().map(|a| a.native));
        let list = Arc::new(list);
        self.svm_pointers = Some(list.clone());
        list
    }
}

/// The device's SVM memory: clSVMAlloc / clSVMFree around the table.
pub struct DeviceMemory {
    cl: &'static Cl,
    flags: cl::cl_bitfield,
    native_alignment: u64,
    table: Mutex<AllocationTable>,
    /// The anchor allocation (16 bytes, never freed).
    _anchor: usize,
}

impl DeviceMemory {
    /// `total`, `max_alloc`: CL_DEVICE_GLOBAL_MEM_SIZE and
    /// CL_DEVICE_MAX_MEM_ALLOC_SIZE; `min_data_type_align` in bytes.
    pub fn new(cl: &'static Cl, context: &ClContext, mode: SvmMode, total: u64, max_alloc: u64, min_data_type_align: u32) -> Result<DeviceMemory, String> {
        let flags = match mode {
            SvmMode::Fine => cl::CL_MEM_READ_WRITE | cl::CL_MEM_SVM_FINE_GRAIN_BUFFER,
            SvmMode::Coarse => cl::CL_MEM_READ_WRITE,
        };
        let native_alignment = conv::native_alignment(min_data_type_align);
        // SAFETY: a live context; a 16-byte request with a supported alignment.
        let anchor = unsafe { (cl.clSVMAlloc)(context.raw, flags, 16, native_alignment as cl::cl_uint) };
        if anchor.is_null() {
            return Err(format!("clSVMAlloc of 16 bytes (flags {flags:#x}, alignment {native_alignment}) failed"));
        }
        Ok(DeviceMemory {
            cl,
            flags,
            native_alignment,
            table: Mutex::new(AllocationTable::new(total, max_alloc, anchor as usize)),
            _anchor: anchor as usize,
        })
    }

    /// (free, total) bytes.
    pub fn info(&self) -> (u64, u64) {
        let table = self.table.lock();
        (table.total().saturating_sub(table.in_use()), table.total())
    }

    /// fhMemAlloc.
    pub fn alloc(&self, context: &ClContext, size: u64) -> FfiResult<u64> {
        let oom = |why: String| out_of_memory(format!("out of memory allocating {size} bytes: {why}"));
        let reserved = conv::padded_allocation(size, self.native_alignment).ok_or_else(|| oom("larger than the address space".into()))?;
        let mut table = self.table.lock();
        table.admit(size, reserved).map_err(oom)?;
        let bytes = usize::try_from(reserved).map_err(|_| oom("larger than the address space".into()))?;
        // SAFETY: a live context; the size is within the device's limit and
        // the alignment one it accepts.
        let native = unsafe { (self.cl.clSVMAlloc)(context.raw, self.flags, bytes, self.native_alignment as cl::cl_uint) };
        if native.is_null() {
            return Err(oom(format!("clSVMAlloc of {reserved} bytes returned NULL")));
        }
        let address = conv::align_up(native as u64, conv::MEMORY_ALIGNMENT).expect("an SVM pointer rounds up inside its allocation");
        table.insert(address, Allocation { native: native as usize, size, reserved });
        Ok(address)
    }

    /// fhMemFree: `address` must be the base of a live allocation. Does not
    /// wait for streams (flaghal.h: the application synchronises first).
    pub fn free(&self, context: &ClContext, address: u64) -> FfiResult {
        let allocation = self.table.lock().remove(address).ok_or_else(|| {
            invalid_address(format!("{address:#x} is not the start of a live allocation of this device"))
        })?;
        // SAFETY: the pointer came from clSVMAlloc on this context and was
        // just removed from the table, so it is freed exactly once.
        unsafe { (self.cl.clSVMFree)(context.raw, allocation.native as *mut c_void) };
        Ok(())
    }

    /// Checks that [address, address + len) lies inside one live allocation.
    pub fn check(&self, address: u64, len: u64, what: &str) -> FfiResult {
        match self.table.lock().find(address, len) {
            Some(_) => Ok(()),
            None => Err(invalid_address(format!(
                "{what} range [{address:#x}, +{len}) is not inside one live allocation of this device"
            ))),
        }
    }

    /// The native pointers a launch hands to its kernel.
    pub fn svm_pointers(&self) -> Arc<Vec<usize>> {
        self.table.lock().svm_pointers()
    }
}

/// A mapped CL_MEM_ALLOC_HOST_PTR buffer.
struct PinnedBlock {
    buffer: ClMem,
}

/// fhMemAllocHost memory: host pointer -> its buffer.
pub struct PinnedMemory {
    cl: &'static Cl,
    max_alloc: u64,
    blocks: Mutex<HashMap<usize, PinnedBlock>>,
}

impl PinnedMemory {
    pub fn new(cl: &'static Cl, max_alloc: u64) -> PinnedMemory {
        PinnedMemory { cl, max_alloc, blocks: Mutex::new(HashMap::new()) }
    }

    /// fhMemAllocHost: a buffer in host memory, mapped (on `queue`, blocking).
    pub fn alloc(&self, context: &ClContext, queue: &ClQueue, size: usize) -> FfiResult<*mut c_void> {
        if size as u64 > self.max_alloc {
            return Err(out_of_memory(format!(
                "out of memory allocating {size} bytes of pinned memory: a pinned block is one OpenCL buffer, at most CL_DEVICE_MAX_MEM_ALLOC_SIZE = {} bytes",
                self.max_alloc
            )));
        }
        let mut rc = cl::CL_SUCCESS;
        // SAFETY: a live context; no host pointer (the runtime allocates).
        let raw = unsafe { (self.cl.clCreateBuffer)(context.raw, cl::CL_MEM_READ_WRITE | cl::CL_MEM_ALLOC_HOST_PTR, size, std::ptr::null_mut(), &mut rc) };
        if rc != cl::CL_SUCCESS || raw.is_null() {
            let mut e = crate::error::cl_error(&format!("clCreateBuffer(CL_MEM_ALLOC_HOST_PTR, {size} bytes)"), rc);
            e.status = flaghal_sys::FH_ERROR_OUT_OF_MEMORY;
            return Err(e);
        }
        let buffer = ClMem::own(self.cl, raw);
        // SAFETY: a live queue and buffer of this context; a blocking map of
        // the whole buffer, so the pointer is valid on return.
        let host = unsafe {
            (self.cl.clEnqueueMapBuffer)(queue.raw, buffer.raw, cl::CL_TRUE, cl::CL_MAP_READ | cl::CL_MAP_WRITE, 0, size, 0, std::ptr::null(), std::ptr::null_mut(), &mut rc)
        };
        if rc != cl::CL_SUCCESS || host.is_null() {
            let mut e = crate::error::cl_error("clEnqueueMapBuffer of a pinned block", rc);
            e.status = flaghal_sys::FH_ERROR_OUT_OF_MEMORY;
            return Err(e);
        }
        self.blocks.lock().insert(host as usize, PinnedBlock { buffer });
        Ok(host)
    }

    /// fhMemFreeHost: `ptr` must be what alloc returned.
    pub(crate) fn free(&self, queue: &ClQueue, ptr: *mut c_void) -> FfiResult {
        let block = self
            .blocks
            .lock()
            .remove(&(ptr as usize))
            .ok_or_else(|| invalid_value(format!("{ptr:p} is not the start of memory from fhMemAllocHost on this device")))?;
        let mut event = std::ptr::null_mut();
        // SAFETY: the buffer is mapped at `ptr` on this queue's context.
        let rc = unsafe { (self.cl.clEnqueueUnmapMemObject)(queue.raw, block.buffer.raw, ptr, 0, std::ptr::null(), &mut event) };
        crate::error::check("clEnqueueUnmapMemObject of a pinned block", rc)?;
        let event = crate::objects::ClEvent::own(self.cl, event);
        crate::error::check("waiting for the unmap", event.wait())?;
        Ok(()) // the buffer is released here
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allocation(native: usize, size: u64) -> Allocation {
        Allocation { native, size, reserved: size + 128 }
    }

    #[test]
    fn ranges_must_lie_inside_one_live_allocation() {
        let mut t = AllocationTable::new(1 << 20, 1 << 19, 0x10);
        t.insert(0x1000, allocation(0x0F80, 100));
        t.insert(0x2000, allocation(0x1F80, 256));
        assert_eq!(t.find(0x1000, 100).map(|f| f.0), Some(0x1000));
        assert_eq!(t.find(0x1000 + 50, 50).map(|f| f.0), Some(0x1000), "a view: base + offset");
        assert!(t.find(0x1000 + 50, 51).is_none(), "past the end");
        assert!(t.find(0x0FFF, 1).is_none(), "before the start");
        assert!(t.find(0x1064, 1).is_none(), "in the padding after the allocation");
        assert!(t.find(0x1000, 0).is_some());
        assert!(t.find(0x1064, 0).is_none(), "a zero-length range at the end is outside");
        assert!(t.find(0x2000 + 200, 56).is_some());
        assert!(t.find(0x1000, 0x1100).is_none(), "spanning two allocations");
        assert!(t.find(u64::MAX, 2).is_none(), "overflow");
        assert!(t.find(0x10, 4).is_none(), "nowhere near");
    }

    #[test]
    fn budget_counts_reserved_bytes_and_the_largest_allocation() {
        let mut t = AllocationTable::new(1000, 600, 0x10);
        assert!(t.admit(400, 528).is_ok());
        assert!(t.admit(500, 628).unwrap_err().contains("CL_DEVICE_MAX_MEM_ALLOC_SIZE"));
        t.insert(0x1000, Allocation { native: 0x1000, size: 400, reserved: 528 });
        assert_eq!(t.in_use(), 528);
        assert!(t.admit(400, 528).unwrap_err().contains("528 of 1000 bytes are in use"));
        assert!(t.admit(300, 428).is_ok());
        assert_eq!(t.remove(0x1004), None, "only a base frees");
        assert_eq!(t.remove(0x1000).map(|a| a.size), Some(400));
        assert_eq!(t.in_use(), 0);
        assert_eq!(t.remove(0x1000), None, "a second free finds nothing");
        assert!(t.admit(u64::MAX - 10, u64::MAX).is_err());
    }

    #[test]
    fn launch_lists_hold_the_anchor_and_every_native_pointer() {
        let mut t = AllocationTable::new(1 << 20, 1 << 19, 0x10);
        assert_eq!(*t.svm_pointers(), vec![0x10]);
        t.insert(0x2000, allocation(0x1F80, 8));
        t.insert(0x1000, allocation(0x0F80, 8));
        let list = t.svm_pointers();
        assert_eq!(*list, vec![0x10, 0x0F80, 0x1F80]);
        assert!(Arc::ptr_eq(&list, &t.svm_pointers()), "cached until a change");
        t.remove(0x1000);
        assert_eq!(*t.svm_pointers(), vec![0x10, 0x1F80]);
    }
}
