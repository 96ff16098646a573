//! Streams: in-order queues of work on the device's compute queue.
//!
//! Commands are recorded into a batch (one command buffer, a full memory
//! barrier between consecutive commands) and submitted when the stream is
//! synchronised, queried, an event is recorded, a host job is queued, or the
//! batch is full. Each submit waits on the stream's own timeline at its last
//! value (so batches run in order) plus any pending event waits, and signals
//! the next value. Host jobs take a value of their own, signalled from the
//! host thread; the next submit waits on it.
//!
//! Ownership: `Arc<Stream>`; `fhp_stream_t` is `Arc::into_raw` of it and
//! stream_destroy takes it back. The device keeps a `Weak` for
//! fhDeviceSynchronize and synchronous copies.

use crate::device::{Device, PendingSubmit};
use crate::error::{not_ready, VkContext};
use crate::host_worker::{Deferred, HostWorker, Work};
use crate::timeline::Timeline;
use ash::vk;
use flaghal_sys::{FfiError, FfiResult};
use parking_lot::Mutex;
use std::any::Any;
use std::collections::VecDeque;
use std::sync::Arc;

/// Something a recorded command uses that must live until it completes.
pub type Keep = Box<dyn Any + Send>;

/// A command to record, with what must live until it completes.
pub type Command<'a> = (Vec<Keep>, Box<dyn FnOnce(vk::CommandBuffer) + 'a>);

/// Commands per batch before it is submitted on its own.
const MAX_BATCH_COMMANDS: u32 = 64;

struct Batch {
    cmd: vk::CommandBuffer,
    commands: u32,
    keep: Vec<Keep>,
}

struct InFlight {
    value: u64,
    cmd: Option<vk::CommandBuffer>,
    _keep: Vec<Keep>,
}

struct State {
    pool: vk::CommandPool,
    spare: Vec<vk::CommandBuffer>,
    batch: Option<Batch>,
    in_flight: VecDeque<InFlight>,
    /// The timeline value all work queued so far reaches when complete.
    last_value: u64,
    /// Event waits for the next submit.
    waits: Vec<(Arc<Timeline>, u64)>,
    worker: Option<HostWorker>,
}

pub struct Stream {
    pub device: &'static Device,
    pub timeline: Arc<Timeline>,
    state: Mutex<State>,
    deferred: Deferred,
}

/// A full memory dependency between consecutive commands of a batch.
fn barrier(device: &Device, cmd: vk::CommandBuffer, dst_stage: vk::PipelineStageFlags, dst_access: vk::AccessFlags) {
    let memory = [vk::MemoryBarrier::default().src_access_mask(vk::AccessFlags::MEMORY_WRITE).dst_access_mask(dst_access)];
    // SAFETY: `cmd` is in the recording state, owned by the locked stream.
    unsafe {
        device.raw.cmd_pipeline_barrier(
            cmd,
            vk::PipelineStageFlags::ALL_COMMANDS,
            dst_stage,
            vk::DependencyFlags::empty(),
            &memory,
            &[],
            &[],
        )
    };
}

impl Stream {
    pub fn new(device: &'static Device) -> FfiResult<Arc<Stream>> {
        let info = vk::CommandPoolCreateInfo::default()
            .flags(vk::CommandPoolCreateFlags::RESET_COMMAND_BUFFER | vk::CommandPoolCreateFlags::TRANSIENT)
            .queue_family_index(device.adapter.queue_family);
        // SAFETY: a valid device and create info.
        let pool = unsafe { device.raw.create_command_pool(&info, None) }.ctx("vkCreateCommandPool")?;
        let timeline = match Timeline::new(device) {
            Ok(t) => t,
            Err(e) => {
                // SAFETY: the pool was created above and is unused.
                unsafe { device.raw.destroy_command_pool(pool, None) };
                return Err(e);
            }
        };
        let stream = Arc::new(Stream {
            device,
            timeline: timeline.clone(),
            state: Mutex::new(State {
                pool,
                spare: Vec::new(),
                batch: None,
                in_flight: VecDeque::new(),
                last_value: timeline.base,
                waits: Vec::new(),
                worker: None,
            }),
            deferred: Arc::new(Mutex::new(None)),
        });
        device.register_stream(&stream);
        Ok(stream)
    }

    fn begin(&self, state: &mut State) -> FfiResult {
        let raw = &self.device.raw;
        let cmd = match state.spare.pop() {
            Some(cmd) => cmd,
            None => {
                let info = vk::CommandBufferAllocateInfo::default()
                    .command_pool(state.pool)
                    .level(vk::CommandBufferLevel::PRIMARY)
                    .command_buffer_count(1);
                // SAFETY: the pool is owned by this stream and used under its lock.
                unsafe { raw.allocate_command_buffers(&info) }.ctx("vkAllocateCommandBuffers")?[0]
            }
        };
        let info = vk::CommandBufferBeginInfo::default().flags(vk::CommandBufferUsageFlags::ONE_TIME_SUBMIT);
        // SAFETY: `cmd` is in the initial state (fresh or reset).
        if let Err(e) = unsafe { raw.begin_command_buffer(cmd, &info) } {
            state.spare.push(cmd);
            return Err(crate::error::vk_error("vkBeginCommandBuffer", e));
        }
        state.batch = Some(Batch { cmd, commands: 0, keep: Vec::new() });
        Ok(())
    }

    fn record_locked(&self, state: &mut State, keep: Vec<Keep>, f: impl FnOnce(vk::CommandBuffer)) -> FfiResult {
        if state.batch.is_none() {
            self.recycle(state)?;
            self.begin(state)?;
        }
        let batch = state.batch.as_mut().expect("begun above");
        if batch.commands > 0 {
            barrier(
                self.device,
                batch.cmd,
                vk::PipelineStageFlags::ALL_COMMANDS,
                vk::AccessFlags::MEMORY_READ | vk::AccessFlags::MEMORY_WRITE,
            );
        }
        f(batch.cmd);
        batch.commands += 1;
        batch.keep.extend(keep);
        if batch.commands >= MAX_BATCH_COMMANDS {
            self.flush(state)?;
        }
        Ok(())
    }

    /// Records one command; `keep` lives until the command completes.
    pub fn record(&self, keep: Vec<Keep>, f: impl FnOnce(vk::CommandBuffer)) -> FfiResult {
        let mut state = self.state.lock();
        self.record_locked(&mut state, keep, f)
    }

    /// Records an optional command, submits, and returns the timeline value
    /// that marks the end of all work queued so far (an event record).
    pub fn record_point(&self, command: Option<Command<'_>>) -> FfiResult<u64> {
        let mut state = self.state.lock();
        if let Some((keep, f)) = command {
            self.record_locked(&mut state, keep, f)?;
        }
        self.flush(&mut state)?;
        Ok(state.last_value)
    }

    /// Submits the current batch (and pending waits).
    fn flush(&self, state: &mut State) -> FfiResult {
        let batch = state.batch.take();
        if batch.is_none() && state.waits.is_empty() {
            return Ok(());
        }
        let raw = &self.device.raw;
        if let Some(b) = &batch {
            barrier(self.device, b.cmd, vk::PipelineStageFlags::HOST, vk::AccessFlags::HOST_READ);
            // SAFETY: the batch's command buffer is recording, under the lock.
            if let Err(e) = unsafe { raw.end_command_buffer(b.cmd) } {
                // SAFETY: a failed end leaves the buffer invalid; reset recycles it.
                let _ = unsafe { raw.reset_command_buffer(b.cmd, vk::CommandBufferResetFlags::empty()) };
                state.spare.push(b.cmd);
                return Err(crate::error::vk_error("vkEndCommandBuffer", e));
            }
        }
        let signal = state.last_value + 1;
        let mut waits = Vec::with_capacity(state.waits.len() + 1);
        if state.last_value > self.timeline.base {
            waits.push((self.timeline.clone(), state.last_value));
        }
        let mut keep: Vec<Keep> = Vec::new();
        for (timeline, value) in state.waits.drain(..) {
            keep.push(Box::new(timeline.clone()));
            waits.push((timeline, value));
        }
        let cmd = batch.map(|b| {
            keep.extend(b.keep);
            b.cmd
        });
        // From here the batch belongs to the timeline: it is recorded as in
        // flight (recycled once the counter passes `signal`) even if the
        // device holds it back until its waits are submitted.
        state.last_value = signal;
        state.in_flight.push_back(InFlight { value: signal, cmd, _keep: keep });
        self.device.enqueue(PendingSubmit { cmd, waits, signal: (self.timeline.clone(), signal) })
    }

    /// Releases the resources of completed batches.
    fn recycle(&self, state: &mut State) -> FfiResult {
        if state.in_flight.is_empty() {
            return Ok(());
        }
        let done = self.timeline.value()?;
        while state.in_flight.front().is_some_and(|f| f.value <= done) {
            let finished = state.in_flight.pop_front().expect("checked");
            if let Some(cmd) = finished.cmd {
                // SAFETY: the batch completed (its signal value was reached).
                unsafe { self.device.raw.reset_command_buffer(cmd, vk::CommandBufferResetFlags::empty()) }
                    .ctx("vkResetCommandBuffer")?;
                state.spare.push(cmd);
            }
        }
        Ok(())
    }

    /// Queues host work in stream order (see host_worker.rs).
    pub fn host_job(&self, work: Work) -> FfiResult {
        let mut state = self.state.lock();
        self.host_job_locked(&mut state, work)
    }

    /// Records a command and queues host work right after it, with no other
    /// thread's work in between (a device-to-host staging copy).
    pub fn record_then_host_job(&self, keep: Vec<Keep>, f: impl FnOnce(vk::CommandBuffer), work: Work) -> FfiResult {
        let mut state = self.state.lock();
        self.record_locked(&mut state, keep, f)?;
        self.host_job_locked(&mut state, work)
    }

    fn host_job_locked(&self, state: &mut State, work: Work) -> FfiResult {
        self.flush(state)?;
        if state.worker.is_none() {
            state.worker = Some(HostWorker::start(self.timeline.clone(), self.deferred.clone())?);
        }
        let wait = state.last_value;
        let signal = wait + 1;
        state.last_value = signal;
        state.worker.as_ref().expect("started above").push(wait, signal, work);
        Ok(())
    }

    /// Runs `f` on the calling thread right now if the stream is idle (no
    /// batch being recorded, no pending event wait, every submitted value
    /// reached): work that would start at once anyway, done without a
    /// command. Holds the stream lock while `f` runs, so nothing can be
    /// queued before it. Returns whether `f` ran.
    pub fn run_now_if_idle(&self, f: impl FnOnce()) -> FfiResult<bool> {
        let state = self.state.lock();
        if state.batch.is_some() || !state.waits.is_empty() || !self.timeline.reached(state.last_value)? {
            return Ok(false);
        }
        f();
        Ok(true)
    }

    /// Makes work queued after this call wait for `timeline` to reach `value`.
    pub fn wait_for(&self, timeline: Arc<Timeline>, value: u64) -> FfiResult {
        if value <= timeline.base || Arc::ptr_eq(&timeline, &self.timeline) {
            return Ok(()); // never recorded, or already ordered by the stream itself
        }
        let mut state = self.state.lock();
        if state.batch.is_some() {
            self.flush(&mut state)?;
        }
        state.waits.push((timeline, value));
        Ok(())
    }

    /// Submits pending work; returns the value that marks its end.
    fn flush_point(&self) -> FfiResult<u64> {
        let mut state = self.state.lock();
        self.flush(&mut state)?;
        Ok(state.last_value)
    }

    /// FH_SUCCESS when all queued work has completed, else NOT_READY.
    pub fn query(&self) -> FfiResult {
        let target = self.flush_point()?;
        if self.timeline.reached(target)? {
            Ok(())
        } else {
            Err(not_ready())
        }
    }

    /// Blocks until all queued work has completed, without consuming
    /// deferred failures (synchronous copies use this).
    pub fn wait_idle(&self) -> FfiResult {
        let target = self.flush_point()?;
        self.timeline.wait(target)?;
        let mut state = self.state.lock();
        self.recycle(&mut state)
    }

    /// fhStreamSynchronize: waits, then reports a deferred failure once.
    pub fn synchronize(&self) -> FfiResult {
        self.wait_idle()?;
        match self.deferred.lock().take() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    pub fn take_deferred(&self) -> Option<FfiError> {
        self.deferred.lock().take()
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        let _ = self.wait_idle();
        let state = self.state.get_mut();
        state.worker.take(); // joins the host thread
        state.in_flight.clear();
        if let Some(batch) = state.batch.take() {
            state.spare.push(batch.cmd);
        }
        // SAFETY: all submitted work has completed (wait_idle above) or the
        // device is lost; destroying the pool frees its command buffers.
        unsafe { self.device.raw.destroy_command_pool(state.pool, None) };
    }
}
