//! The per-stream host thread that runs host functions (fhLaunchHostFunc)
//! in stream order. Each job carries the marker of the work queued before
//! it and the user event the stream's next commands wait behind (a barrier):
//! the thread waits for the marker, runs the function, then completes the
//! user event. One thread per stream (started on first use), so a function
//! blocked on one stream never delays another stream's functions.

use crate::cl::{self, Cl};
use crate::objects::ClEvent;
use flaghal_plugin::HostCall;
use flaghal_sys::{self as sys, FfiError};
use parking_lot::Mutex;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;
use std::sync::Arc;
use std::thread::JoinHandle;

/// Failures seen off the calling thread, reported by the next
/// synchronisation of the stream.
pub type Deferred = Arc<Mutex<Option<FfiError>>>;

struct Job {
    before: ClEvent,
    user: ClEvent,
    call: HostCall,
}

pub struct HostWorker {
    sender: Option<mpsc::Sender<Job>>,
    thread: Option<JoinHandle<()>>,
}

impl HostWorker {
    pub fn start(cl: &'static Cl, deferred: Deferred) -> Result<HostWorker, FfiError> {
        let (sender, receiver) = mpsc::channel::<Job>();
        let thread = std::thread::Builder::new()
            .name("flaghal-opencl-host".into())
            .spawn(move || {
                for job in receiver {
                    let rc = job.before.wait();
                    if rc != cl::CL_SUCCESS {
                        record(&deferred, crate::error::cl_error("waiting for the work before a host function", rc));
                    }
                    // SAFETY: the job runs once, on this plugin thread, after
                    // the stream's earlier work: fhLaunchHostFunc's contract.
                    if catch_unwind(AssertUnwindSafe(|| unsafe { job.call.run() })).is_err() {
                        record(&deferred, FfiError::new(sys::FH_ERROR_PANIC, "a host function panicked"));
                    }
                    // SAFETY: a user event of this context, completed once.
                    let rc = unsafe { (cl.clSetUserEventStatus)(job.user.raw, cl::CL_COMPLETE) };
                    if rc != cl::CL_SUCCESS {
                        record(&deferred, crate::error::cl_error("clSetUserEventStatus after a host function", rc));
                    }
                }
            })
            .map_err(|e| FfiError::new(sys::FH_ERROR_OUT_OF_MEMORY, format!("cannot start a host thread: {e}")))?;
        Ok(HostWorker { sender: Some(sender), thread: Some(thread) })
    }

    /// Queues `call` to run after `before`, then complete `user`.
    pub fn push(&self, before: ClEvent, user: ClEvent, call: HostCall) {
        if let Some(sender) = &self.sender {
            // The receiver lives as long as the thread, which outlives self.
            let _ = sender.send(Job { before, user, call });
        }
    }
}

fn record(deferred: &Deferred, error: FfiError) {
    deferred.lock().get_or_insert(error);
}

impl Drop for HostWorker {
    fn drop(&mut self) {
        self.sender.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
