//! Streams: in-order queues of work, each run by its own worker thread.
//!
//! Submitting pushes a [`Work`] item and bumps `submitted`; the worker pops
//! items in order, runs each to completion, then bumps `completed`. So
//! fhStreamQuery is two atomic loads (never blocks), and waiting for "all
//! work submitted so far" means waiting until `completed` reaches a snapshot
//! of `submitted`. Kernel launches run on the worker plus the device's block
//! pool; host functions and event waits run on the worker itself, so the
//! host thread never blocks on them.
//!
//! Ownership: a stream is an `Arc<Stream>` (the SDK's handle holds it); the
//! queue state is an `Arc<StreamQueue>` shared with the worker thread and the
//! device's stream registry (used by synchronous calls and fhDeviceSynchronize).

use crate::abi::Cpu;
use crate::device::{self, Device};
use crate::event::{now_ns, Completion, Event, Record};
use crate::failure::Failure;
use crate::launch::Launch;
use crate::memory::DeviceRange;
use crate::pool::BlockPool;
use crate::transfer::{self, HostAddress};
use flaghal_plugin::HostCall;
use flaghal_sys::{fh_deviceptr_t, FfiError, FfiResult, FH_ERROR_NOT_READY};
use parking_lot::{Condvar, Mutex};
use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

/// One item of a stream's work.
pub enum Work {
    HostToDevice { dst: DeviceRange, src: HostAddress },
    DeviceToHost { dst: HostAddress, src: DeviceRange },
    DeviceToDevice { dst: DeviceRange, src: DeviceRange },
    Memset { dst: DeviceRange, pattern: Vec<u8> },
    Kernel(Launch),
    /// fhEventRecord: complete the record when reached.
    Record(Arc<Record>),
    /// fhStreamWaitEvent: block this worker until the record completes.
    Wait(Arc<Record>),
    HostFunction(HostCall),
    /// Ends the worker (stream destruction).
    Exit,
}

/// The queue shared by a stream handle, its worker and the device registry.
pub struct StreamQueue {
    items: Mutex<VecDeque<Work>>,
    posted: Condvar,
    submitted: AtomicU64,
    completed: AtomicU64,
    progress_lock: Mutex<()>,
    progressed: Condvar,
    /// The oldest kernel failure not yet reported.
    failure: Mutex<Option<Arc<Failure>>>,
}

impl StreamQueue {
    fn new() -> Arc<StreamQueue> {
        Arc::new(StreamQueue {
            items: Mutex::new(VecDeque::new()),
            posted: Condvar::new(),
            submitted: AtomicU64::new(0),
            completed: AtomicU64::new(0),
            progress_lock: Mutex::new(()),
            progressed: Condvar::new(),
            failure: Mutex::new(None),
        })
    }

    /// Queues `work` behind everything submitted before.
    pub fn submit(&self, work: Work) {
        let mut items = self.items.lock();
        items.push_back(work);
        self.submitted.fetch_add(1, Ordering::AcqRel);
        drop(items);
        self.posted.notify_one();
    }

    /// Queues an event record, telling it which item of this stream it is
    /// before the worker can reach it (see `event::Record`).
    pub fn submit_record(self: &Arc<Self>, record: Arc<Record>) {
        let mut items = self.items.lock();
        // `submitted` only changes under the `items` lock, so this is the
        // record's position.
        record.set_position(Arc::downgrade(self), self.submitted.load(Ordering::Acquire) + 1);
        items.push_back(Work::Record(record));
        self.submitted.fetch_add(1, Ordering::AcqRel);
        drop(items);
        self.posted.notify_one();
    }

    /// How many items have completed so far.
    pub fn completed(&self) -> u64 {
        self.completed.load(Ordering::Acquire)
    }

    /// How many items have been submitted so far (a wait target).
    pub fn submitted(&self) -> u64 {
        self.submitted.load(Ordering::Acquire)
    }

    /// Whether everything submitted has completed. Never blocks.
    pub fn idle(&self) -> bool {
        self.completed.load(Ordering::Acquire) >= self.submitted.load(Ordering::Acquire)
    }

    /// Blocks until `target` items have completed.
    pub fn wait_for(&self, target: u64) {
        let mut guard = self.progress_lock.lock();
        while self.completed.load(Ordering::Acquire) < target {
            self.progressed.wait(&mut guard);
        }
    }

    /// The pending failure, if not yet reported (leaves it in place).
    pub fn pending_failure(&self) -> Option<Arc<Failure>> {
        self.failure.lock().clone().filter(|f| !f.is_reported())
    }

    /// Removes the pending failure for reporting.
    pub fn take_failure(&self) -> Option<Arc<Failure>> {
        self.failure.lock().take().filter(|f| !f.is_reported())
    }

    fn record_failure(&self, failure: Arc<Failure>) {
        let mut slot = self.failure.lock();
        if !matches!(slot.as_ref(), Some(pending) if !pending.is_reported()) {
            *slot = Some(failure);
        }
    }

    /// The worker thread's loop.
    fn serve(&self, pool: &dyn Fn() -> Arc<BlockPool>) {
        loop {
            let work = {
                let mut items = self.items.lock();
                loop {
                    if let Some(work) = items.pop_front() {
                        break work;
                    }
                    self.posted.wait(&mut items);
                }
            };
            let exit = matches!(work, Work::Exit);
            // A panic in the plugin's own code must not kill the worker and
            // hang every later wait: it becomes a launch failure instead.
            let outcome = catch_unwind(AssertUnwindSafe(|| self.execute(work, pool)));
            match outcome {
                Ok(Some(failure)) => self.record_failure(failure),
                Ok(None) => {}
                Err(payload) => self.record_failure(Failure::new(format!(
                    "internal error in the CPU plugin's stream worker: {}",
                    flaghal_sys::boundary::panic_message(&*payload)
                ))),
            }
            {
                let _guard = self.progress_lock.lock();
                self.completed.fetch_add(1, Ordering::AcqRel);
            }
            self.progressed.notify_all();
            if exit {
                return;
            }
        }
    }

    fn execute(&self, work: Work, pool: &dyn Fn() -> Arc<BlockPool>) -> Option<Arc<Failure>> {
        let io = |result: FfiResult| result.err().map(|e| Failure::new(format!("asynchronous copy failed: {}", e.message)));
        match work {
            Work::HostToDevice { dst, src } => {
                // SAFETY: ranges were checked when queued; the
                // application keeps host buffers and allocations alive until
                // the stream reaches them (flaghal.h, "Ordering").
                io(unsafe { transfer::host_to_device(dst, src) })
            }
            Work::DeviceToHost { dst, src } => {
                // SAFETY: as above.
                io(unsafe { transfer::device_to_host(dst, src) })
            }
            Work::DeviceToDevice { dst, src } => {
                // SAFETY: as above.
                unsafe { transfer::device_to_device(dst, src) };
                None
            }
            Work::Memset { dst, pattern } => {
                // SAFETY: as above; the length is a multiple of the pattern.
                unsafe { transfer::fill(dst, &pattern) };
                None
            }
            Work::Kernel(launch) => launch.run(&pool()),
            Work::Record(record) => {
                record.complete(Completion { time_ns: now_ns(), failure: self.pending_failure() });
                None
            }
            Work::Wait(record) => {
                record.wait();
                None
            }
            Work::HostFunction(call) => {
                // SAFETY: the application queued this call for a plugin
                // thread, in stream order (fhLaunchHostFunc); it runs once.
                unsafe { call.run() };
                None
            }
            Work::Exit => None,
        }
    }
}

/// A stream handle: the queue and its worker thread.
pub struct Stream {
    pub queue: Arc<StreamQueue>,
    worker: Mutex<Option<JoinHandle<()>>>,
}

impl Stream {
    /// fhStreamCreate. `pool` gives the device's block pool (started lazily).
    pub fn new(name: String, pool: impl Fn() -> Arc<BlockPool> + Send + 'static) -> FfiResult<Stream> {
        let queue = StreamQueue::new();
        let served = queue.clone();
        let worker = std::thread::Builder::new()
            .name(name)
            .stack_size(crate::launch::KERNEL_STACK_SIZE)
            .spawn(move || served.serve(&pool))
            .map_err(|e| FfiError::new(flaghal_sys::FH_ERROR_OUT_OF_MEMORY, format!("cannot start the stream's worker thread: {e}")))?;
        Ok(Stream { queue, worker: Mutex::new(Some(worker)) })
    }

    /// fhStreamDestroy: waits for queued work, then stops the worker.
    pub fn shut_down(&self) {
        self.queue.submit(Work::Exit);
        if let Some(worker) = self.worker.lock().take() {
            let _ = worker.join();
        }
    }
}

impl flaghal_plugin::Stream<Cpu> for Stream {
    fn device(&self) -> &'static Device {
        device::the()
    }

    fn destroy(self: Arc<Self>) -> FfiResult {
        device::the().destroy_stream(&self);
        Ok(())
    }

    /// fhStreamSynchronize: waits, then reports a kernel failure once.
    fn synchronize(&self) -> FfiResult {
        self.queue.wait_for(self.queue.submitted());
        match self.queue.take_failure().and_then(|f| f.report()) {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    /// fhStreamQuery: two atomic loads.
    fn query(&self) -> FfiResult {
        if self.queue.idle() {
            Ok(())
        } else {
            Err(FfiError::new(FH_ERROR_NOT_READY, ""))
        }
    }

    fn wait_event(&self, event: &Event) -> FfiResult {
        // A never-recorded event makes the wait a no-op.
        if let Some(record) = event.latest() {
            self.queue.submit(Work::Wait(record));
        }
        Ok(())
    }

    fn memcpy_htod_async(&self, dst: fh_deviceptr_t, src: &[u8]) -> FfiResult {
        let dst = device::the().memory.check(dst, src.len(), "dst")?;
        self.queue.submit(Work::HostToDevice { dst, src: HostAddress(src.as_ptr() as usize) });
        Ok(())
    }

    fn memcpy_dtoh_async(&self, dst: &mut [u8], src: fh_deviceptr_t) -> FfiResult {
        let src = device::the().memory.check(src, dst.len(), "src")?;
        self.queue.submit(Work::DeviceToHost { src, dst: HostAddress(dst.as_mut_ptr() as usize) });
        Ok(())
    }

    fn memcpy_dtod_async(&self, dst: fh_deviceptr_t, src: fh_deviceptr_t, size: usize) -> FfiResult {
        let (dst, src) = device::the().memory.check_copy(dst, src, size)?;
        self.queue.submit(Work::DeviceToDevice { dst, src });
        Ok(())
    }

    fn memset_async(&self, dst: fh_deviceptr_t, value: u32, element_size: u32, count: usize) -> FfiResult {
        let (dst, pattern) = device::the().memset_args(dst, value, element_size, count)?;
        self.queue.submit(Work::Memset { dst, pattern });
        Ok(())
    }

    fn launch_host_func(&self, call: HostCall) -> FfiResult {
        self.queue.submit(Work::HostFunction(call));
        Ok(())
    }
}
