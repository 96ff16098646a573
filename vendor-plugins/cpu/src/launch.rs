//! Kernel launches: checking a launch when it is queued, and running its grid
//! when the stream reaches it (flaghal_cpu_kernel.h, "Execution model").
//!
//! Blocks are claimed one at a time from an atomic counter by the stream's
//! worker and by every pool thread that joins ([`crate::pool`]). Each
//! participant owns one 64-byte-aligned shared-memory buffer (static bytes,
//! then dynamic) that it hands to every block it runs. ctx->fail records the
//! first message and makes the remaining blocks skip.

use crate::conv;
use crate::failure::Failure;
use crate::module::Function;
use crate::pool::{BlockPool, Job};
use flaghal_sys::{
    ffi_boundary, fh_cpu_kernel_context_t, FfiError, FfiResult, FH_ERROR_INVALID_CONFIGURATION,
};
use parking_lot::{Condvar, Mutex};
use std::alloc::Layout;
use std::ffi::{c_char, c_void};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

/// Device limits, reported in the properties (the SDK checks launches against them).
pub const MAX_THREADS_PER_BLOCK: u32 = 1024;
pub const MAX_BLOCK_DIM: [u32; 3] = [1024, 1024, 64];
pub const MAX_GRID_DIM: [u32; 3] = [i32::MAX as u32, 65535, 65535];
pub const MAX_SHARED_MEMORY_PER_BLOCK: u32 = 64 * 1024;
pub const MAX_KERNEL_ARGS_SIZE: u32 = 4096;
const SHARED_MEMORY_ALIGNMENT: usize = 64;
/// Stack of every thread that runs kernels or host functions: the 8 MiB a
/// Linux main thread gets, since C kernels may keep large arrays on the
/// stack (Rust's default for spawned threads is 2 MiB). Virtual memory only
/// until touched.
pub const KERNEL_STACK_SIZE: usize = 8 << 20;

/// A copy of the argument blob, 16-byte aligned (max_align_t on x86-64 and
/// AArch64) so a kernel may cast it to its parameter struct.
pub struct ArgBlob {
    words: Vec<u128>,
    len: usize,
}

impl ArgBlob {
    pub fn copy_of(bytes: &[u8]) -> ArgBlob {
        let mut words = vec![0u128; bytes.len().div_ceil(16)];
        for (word, chunk) in words.iter_mut().zip(bytes.chunks(16)) {
            let mut buf = [0u8; 16];
            buf[..chunk.len()].copy_from_slice(chunk);
            *word = u128::from_ne_bytes(buf);
        }
        ArgBlob { words, len: bytes.len() }
    }

    fn as_ptr(&self) -> *const c_void {
        if self.len == 0 {
            std::ptr::null()
        } else {
            self.words.as_ptr().cast()
        }
    }
}

/// A launch checked and ready to queue.
pub struct Launch {
    function: Arc<Function>,
    grid: [u32; 3],
    block: [u32; 3],
    shared_bytes: usize,
    args: ArgBlob,
}

fn config(message: String) -> FfiError {
    FfiError::new(FH_ERROR_INVALID_CONFIGURATION, message)
}

impl Launch {
    /// Checks a launch against the function's own limits. The device's
    /// limits (dimensions, grid, block, argument size) were checked by the
    /// SDK from the device's properties (`flaghal_sys::launch_limits`).
    pub fn new(function: Arc<Function>, grid: [u32; 3], block: [u32; 3], dynamic_shared: u32, args: &[u8]) -> FfiResult<Launch> {
        let threads = block.iter().map(|d| u64::from(*d)).product::<u64>();
        let limit = function.max_threads_per_block();
        if threads > u64::from(limit) {
            return Err(config(format!(
                "block {block:?} has {threads} threads; kernel {} allows at most {limit}",
                function.name
            )));
        }
        let shared = u64::from(function.meta.static_shared_bytes) + u64::from(dynamic_shared);
        if shared > u64::from(MAX_SHARED_MEMORY_PER_BLOCK) {
            return Err(config(format!(
                "kernel {} needs {} static + {dynamic_shared} dynamic shared bytes, above the limit {MAX_SHARED_MEMORY_PER_BLOCK}",
                function.name, function.meta.static_shared_bytes
            )));
        }
        Ok(Launch { function, grid, block, shared_bytes: shared as usize, args: ArgBlob::copy_of(args) })
    }

    /// Runs the whole grid on the calling thread plus the pool; returns the
    /// kernel's failure, if it reported one.
    pub fn run(self, pool: &BlockPool) -> Option<Arc<Failure>> {
        let total = conv::grid_blocks(self.grid).expect("checked when queued");
        let job = Arc::new(GridJob {
            launch: self,
            total,
            next: AtomicU64::new(0),
            finished: AtomicU64::new(0),
            aborted: AtomicBool::new(false),
            failure: Mutex::new(None),
            all_done: Condvar::new(),
            done_lock: Mutex::new(()),
        });
        if total > 1 {
            pool.post(job.clone());
        }
        job.participate();
        job.wait();
        let message = job.failure.lock().take();
        message.map(Failure::new)
    }
}

/// One launch being executed.
struct GridJob {
    launch: Launch,
    total: u64,
    next: AtomicU64,
    finished: AtomicU64,
    aborted: AtomicBool,
    failure: Mutex<Option<String>>,
    done_lock: Mutex<()>,
    all_done: Condvar,
}

/// A participant's shared memory, freed on drop.
struct SharedMemory {
    ptr: *mut u8,
    layout: Layout,
}

impl SharedMemory {
    fn new(size: usize) -> SharedMemory {
        let layout = Layout::from_size_align(size.max(SHARED_MEMORY_ALIGNMENT), SHARED_MEMORY_ALIGNMENT)
            .expect("shared memory is at most 64 KiB");
        // SAFETY: the layout has a non-zero size.
        let ptr = unsafe { std::alloc::alloc(layout) };
        if ptr.is_null() {
            std::alloc::handle_alloc_error(layout);
        }
        SharedMemory { ptr, layout }
    }
}

impl Drop for SharedMemory {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` with this layout.
        unsafe { std::alloc::dealloc(self.ptr, self.layout) };
    }
}

impl GridJob {
    fn wait(&self) {
        let mut guard = self.done_lock.lock();
        while self.finished.load(Ordering::Acquire) < self.total {
            self.all_done.wait(&mut guard);
        }
    }

    fn run_block(&self, index: u64, shared: &SharedMemory) {
        let launch = &self.launch;
        let ctx = fh_cpu_kernel_context_t {
            struct_size: std::mem::size_of::<fh_cpu_kernel_context_t>(),
            grid_dim: launch.grid,
            block_dim: launch.block,
            block_idx: conv::block_coords(index, launch.grid),
            shared_memory: shared.ptr.cast(),
            shared_memory_size: launch.shared_bytes,
            fail: Some(kernel_fail),
            reserved: (self as *const GridJob).cast_mut().cast(),
            args_size: launch.args.len,
        };
        // SAFETY: the entry point was found with its metadata in a module that
        // `launch.function` keeps loaded; ctx and the argument blob outlive
        // the call; the kernel follows flaghal_cpu_kernel.h.
        unsafe { (launch.function.entry)(&ctx, launch.args.as_ptr()) };
    }

    fn fail(&self, block_idx: [u32; 3], message: &str) {
        let mut failure = self.failure.lock();
        if failure.is_none() {
            *failure = Some(format!(
                "kernel {} failed in block ({}, {}, {}): {message}",
                self.launch.function.name, block_idx[0], block_idx[1], block_idx[2]
            ));
        }
        self.aborted.store(true, Ordering::Release);
    }
}

impl Job for GridJob {
    fn has_work(&self) -> bool {
        self.next.load(Ordering::Relaxed) < self.total
    }

    fn participate(&self) {
        if !self.has_work() {
            return;
        }
        let shared = SharedMemory::new(self.launch.shared_bytes);
        loop {
            let index = self.next.fetch_add(1, Ordering::Relaxed);
            if index >= self.total {
                return;
            }
            if !self.aborted.load(Ordering::Acquire) {
                self.run_block(index, &shared);
            }
            if self.finished.fetch_add(1, Ordering::AcqRel) + 1 == self.total {
                let _guard = self.done_lock.lock();
                self.all_done.notify_all();
            }
        }
    }
}

/// ctx->fail: records the launch's failure (the first message wins).
unsafe extern "C" fn kernel_fail(ctx: *const fh_cpu_kernel_context_t, message: *const c_char) {
    ffi_boundary(
        || {
            // SAFETY: the kernel passes the ctx it was given, alive during its call.
            let ctx = unsafe { flaghal_sys::ptr::in_ref(ctx, "ctx") }?;
            // SAFETY: `reserved` is the GridJob running this block, alive
            // until every block has finished.
            let job = unsafe { flaghal_sys::ptr::in_ref(ctx.reserved.cast::<GridJob>().cast_const(), "ctx->reserved") }?;
            let text = if message.is_null() {
                "(no message)".to_string()
            } else {
                // SAFETY: the kernel passes a NUL-terminated string.
                unsafe { flaghal_sys::ptr::in_cstr(message, "message") }?.to_string_lossy().into_owned()
            };
            job.fail(ctx.block_idx, &text);
            Ok(())
        },
        |_| {},
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argument_blobs_are_copied_aligned_and_exact() {
        let bytes: Vec<u8> = (0..37).collect();
        let blob = ArgBlob::copy_of(&bytes);
        assert_eq!(blob.as_ptr() as usize % 16, 0);
        // SAFETY: the blob holds at least 37 bytes.
        let copy = unsafe { std::slice::from_raw_parts(blob.as_ptr().cast::<u8>(), 37) };
        assert_eq!(copy, &bytes[..]);
        assert!(ArgBlob::copy_of(&[]).as_ptr().is_null());
    }
}
