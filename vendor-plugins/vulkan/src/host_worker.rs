//! The per-stream host thread that runs host functions (fhLaunchHostFunc) and
//! host-side copy completions in stream order: each job waits until the
//! stream's timeline reaches the value of the work before it, runs, then
//! signals the next value from the host, which the stream's next submit
//! waits on. One thread per stream (started on first use), so a job blocked
//! on one stream never delays another stream's jobs.

use crate::timeline::Timeline;
use flaghal_sys::{self as sys, FfiError};
use parking_lot::Mutex;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;
use std::sync::Arc;
use std::thread::JoinHandle;

pub type Work = Box<dyn FnOnce() + Send>;

struct Job {
    wait: u64,
    signal: u64,
    work: Work,
}

/// Failures seen off the calling thread, reported by the next
/// synchronisation of the stream.
pub type Deferred = Arc<Mutex<Option<FfiError>>>;

pub struct HostWorker {
    sender: Option<mpsc::Sender<Job>>,
    thread: Option<JoinHandle<()>>,
}

impl HostWorker {
    pub fn start(timeline: Arc<Timeline>, deferred: Deferred) -> Result<HostWorker, FfiError> {
        let (sender, receiver) = mpsc::channel::<Job>();
        let thread = std::thread::Builder::new()
            .name("flaghal-vulkan-host".into())
            .spawn(move || {
                for job in receiver {
                    let waited = timeline.wait(job.wait);
                    match waited {
                        Ok(()) => {
                            if catch_unwind(AssertUnwindSafe(job.work)).is_err() {
                                record(&deferred, FfiError::new(sys::FH_ERROR_PANIC, "a host function panicked"));
                            }
                        }
                        Err(e) => record(&deferred, e),
                    }
                    if let Err(e) = timeline.signal(job.signal) {
                        record(&deferred, e);
                    }
                }
            })
            .map_err(|e| FfiError::new(sys::FH_ERROR_OUT_OF_MEMORY, format!("cannot start a host thread: {e}")))?;
        Ok(HostWorker { sender: Some(sender), thread: Some(thread) })
    }

    /// Queues `work` to run once the timeline reaches `wait`, then signal `signal`.
    pub fn push(&self, wait: u64, signal: u64, work: Work) {
        if let Some(sender) = &self.sender {
            // The receiver lives as long as the thread, which outlives self.
            let _ = sender.send(Job { wait, signal, work });
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
