//! Streams: one in-order OpenCL command queue each, with profiling enabled
//! (event records are markers whose end times give fhEventElapsedTime).
//!
//! - Every command a stream queues returns its event; the stream keeps the
//!   latest (`last`), so fhStreamQuery is one clGetEventInfo and
//!   fhStreamSynchronize waits exactly for the work queued before it.
//! - Each queue is flushed after every command, so work starts without a
//!   later synchronisation and events recorded on it may be waited on from
//!   other queues (the OpenCL rule for cross-queue waits).
//! - fhStreamWaitEvent is a barrier whose wait list is the event's marker.
//! - Host functions (`host_worker.rs`): a marker (the work before), then a
//!   barrier on a user event; the stream's host thread waits for the marker,
//!   runs the function and completes the user event, so later work waits for
//!   the function to return.
//! - A command that fails (a negative execution status) is reported as
//!   FH_ERROR_LAUNCH_FAILED once per stream, by the first synchronisation
//!   that sees it (`Failure`). OpenCL kernels cannot fail on purpose, and a
//!   terminated command may leave its queue unusable (OpenCL 3.0, 5.11).
//!
//! Ownership: `Arc<Stream>`, one strong reference in the SDK's handle; the
//! device's registry holds weak ones.

use crate::cl::{self, cl_command_queue, cl_event};
use crate::conv;
use crate::device::{create_queue, Device};
use crate::error::{check, not_ready};
use crate::host_worker::{Deferred, HostWorker};
use crate::objects::ClEvent;
use crate::objects::ClQueue;
use flaghal_plugin::HostCall;
use flaghal_sys::{self as sys, FfiError, FfiResult};
use parking_lot::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Whether a stream's failure has been reported: shared by the stream and
/// every event recorded on it, so the first of them reports it.
#[derive(Default)]
pub struct Failure(AtomicBool);

impl Failure {
    /// The error for a completed event with execution status `status` (or a
    /// failed wait `rc`), the first time only.
    pub fn report(&self, status: cl::cl_int, rc: cl::cl_int) -> FfiResult {
        let code = if status < 0 { status } else { rc };
        if code == cl::CL_SUCCESS || self.0.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        Err(FfiError::new(
            sys::FH_ERROR_LAUNCH_FAILED,
            format!("a command on the stream failed: {} (OpenCL may no longer run this stream's work)", conv::describe(code)),
        ))
    }
}

struct State {
    /// The event of the latest command queued.
    last: Option<ClEvent>,
    /// Started by the first host function.
    host: Option<HostWorker>,
}

pub struct Stream {
    pub device: &'static Device,
    pub queue: ClQueue,
    state: Mutex<State>,
    pub failure: Arc<Failure>,
    deferred: Deferred,
}

impl Stream {
    pub fn new(device: &'static Device) -> FfiResult<Arc<Stream>> {
        let queue = create_queue(device.cl, &device.context, device.id.0, true)?;
        let stream = Arc::new(Stream {
            device,
            queue,
            state: Mutex::new(State { last: None, host: None }),
            failure: Arc::new(Failure::default()),
            deferred: Arc::new(Mutex::new(None)),
        });
        device.register_stream(&stream);
        Ok(stream)
    }

    /// Queues commands: `enqueue(queue, event)` makes one or more clEnqueue*
    /// calls and writes the event of the last one; it becomes the stream's
    /// latest. Returns that event.
    pub fn submit(&self, operation: &str, enqueue: impl FnOnce(cl_command_queue, *mut cl_event) -> cl::cl_int) -> FfiResult<ClEvent> {
        let mut state = self.state.lock();
        self.submit_locked(&mut state, operation, enqueue)
    }

    fn submit_locked(&self, state: &mut State, operation: &str, enqueue: impl FnOnce(cl_command_queue, *mut cl_event) -> cl::cl_int) -> FfiResult<ClEvent> {
        let mut event: cl_event = std::ptr::null_mut();
        let rc = enqueue(self.queue.raw, &mut event);
        if rc != cl::CL_SUCCESS {
            if !event.is_null() {
                drop(ClEvent::own(self.device.cl, event)); // a command queued before the failure
            }
            return Err(crate::error::cl_error(operation, rc));
        }
        if event.is_null() {
            return Err(FfiError::new(sys::FH_ERROR_UNKNOWN, format!("{operation} gave no event")));
        }
        let event = ClEvent::own(self.device.cl, event);
        state.last = Some(event.clone());
        // SAFETY: a live queue.
        check("clFlush", unsafe { (self.device.cl.clFlush)(self.queue.raw) })?;
        Ok(event)
    }

    /// The event of the latest command, if any.
    pub fn last(&self) -> Option<ClEvent> {
        self.state.lock().last.clone()
    }

    /// fhStreamQuery: never blocks.
    pub fn query(&self) -> FfiResult {
        match self.last() {
            None => Ok(()),
            Some(event) => match event.status() {
                Ok(status) if status > cl::CL_COMPLETE => Err(not_ready()),
                // Complete, or failed (queries do not report failures).
                Ok(_) => Ok(()),
                Err(rc) => Err(crate::error::cl_error("clGetEventInfo(CL_EVENT_COMMAND_EXECUTION_STATUS)", rc)),
            },
        }
    }

    /// fhStreamSynchronize: waits for the work queued before the call, then
    /// reports a host function's failure or a failed command, once.
    pub fn synchronize(&self) -> FfiResult {
        if let Some(event) = self.last() {
            let rc = event.wait();
            let status = event.status().unwrap_or(rc);
            self.failure.report(status, rc)?;
        }
        match self.deferred.lock().take() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    /// fhStreamWaitEvent on a record's marker: a barrier on the device.
    pub fn wait_for(&self, marker: &ClEvent) -> FfiResult {
        let cl = self.device.cl;
        let wait = [marker.raw];
        self.submit("clEnqueueBarrierWithWaitList", |queue, event| {
            // SAFETY: a live queue; the wait list holds one live event of
            // this context (OpenCL retains it for the barrier).
            unsafe { (cl.clEnqueueBarrierWithWaitList)(queue, 1, wait.as_ptr(), event) }
        })
        .map(drop)
    }

    /// fhEventRecord: a marker after everything queued so far.
    pub fn marker(&self) -> FfiResult<ClEvent> {
        let cl = self.device.cl;
        self.submit("clEnqueueMarkerWithWaitList", |queue, event| {
            // SAFETY: a live queue; an empty wait list (the marker waits for
            // every earlier command of the in-order queue).
            unsafe { (cl.clEnqueueMarkerWithWaitList)(queue, 0, std::ptr::null(), event) }
        })
    }

    /// fhLaunchHostFunc.
    pub fn host_func(&self, call: HostCall) -> FfiResult {
        let cl = self.device.cl;
        let mut state = self.state.lock();
        if state.host.is_none() {
            state.host = Some(HostWorker::start(cl, self.deferred.clone())?);
        }
        let before = self.submit_locked(&mut state, "clEnqueueMarkerWithWaitList", |queue, event| {
            // SAFETY: a live queue; an empty wait list.
            unsafe { (cl.clEnqueueMarkerWithWaitList)(queue, 0, std::ptr::null(), event) }
        })?;
        let mut rc = cl::CL_SUCCESS;
        // SAFETY: a live context.
        let user = unsafe { (cl.clCreateUserEvent)(self.device.context.raw, &mut rc) };
        check("clCreateUserEvent", rc)?;
        let user = ClEvent::own(cl, user);
        let wait = [user.raw];
        let submitted = self.submit_locked(&mut state, "clEnqueueBarrierWithWaitList", |queue, event| {
            // SAFETY: a live queue; the wait list holds one live user event.
            unsafe { (cl.clEnqueueBarrierWithWaitList)(queue, 1, wait.as_ptr(), event) }
        });
        if let Err(e) = submitted {
            // Nothing waits on the user event: complete it so it can be released.
            // SAFETY: a user event not yet completed.
            unsafe { (cl.clSetUserEventStatus)(user.raw, cl::CL_COMPLETE) };
            return Err(e);
        }
        state.host.as_ref().expect("started above").push(before, user, call);
        Ok(())
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        // stream_destroy synchronised already; this also covers a stream
        // dropped any other way. The host worker is joined after its jobs.
        if let Some(event) = self.state.get_mut().last.take() {
            let _ = event.wait();
        }
        self.state.get_mut().host.take();
    }
}
