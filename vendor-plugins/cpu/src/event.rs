//! Events (fhEventCreate ... fhEventElapsedTime).
//!
//! fhEventRecord creates a new [`Record`], makes it the event's most recent
//! record and queues it on the stream as a marker. When the stream's worker
//! reaches the marker it completes the record with the time (monotonic clock)
//! and any unreported kernel failure of the stream. Waits
//! (fhStreamWaitEvent) hold the record they were given, so re-recording or
//! destroying the event never disturbs them.
//!
//! A record counts as complete only when the stream has reached it AND
//! counted it done, and the worker completes the record before counting it.
//! So event and stream views always agree: once fhStreamSynchronize returns,
//! every record on the stream reads complete; once a record reads complete, a
//! stream whose last item it was reads idle (flaghal.h, fhEventSynchronize).
//!
//! Ownership: an event is a `Box<Event>` (the SDK's handle holds it); records are
//! `Arc<Record>` shared by the event, the stream queue and waiters; a record
//! refers to its stream weakly (a destroyed stream has finished all its work).

use crate::abi::Cpu;
use crate::device::{self, Device};
use crate::failure::Failure;
use crate::stream::{Stream, StreamQueue};
use flaghal_sys::{FfiError, FfiResult, FH_ERROR_INVALID_VALUE, FH_ERROR_NOT_READY, FH_EVENT_DISABLE_TIMING};
use parking_lot::{Condvar, Mutex};
use std::sync::{Arc, OnceLock, Weak};
use std::time::Instant;

/// Nanoseconds on the monotonic clock since the plugin first asked.
pub fn now_ns() -> u64 {
    static BASE: OnceLock<Instant> = OnceLock::new();
    BASE.get_or_init(Instant::now).elapsed().as_nanos() as u64
}

/// What a stream left in a record when it reached it.
#[derive(Debug, Clone)]
pub struct Completion {
    pub time_ns: u64,
    pub failure: Option<Arc<Failure>>,
}

/// One fhEventRecord.
#[derive(Default)]
pub struct Record {
    state: Mutex<Option<Completion>>,
    reached: Condvar,
    /// The stream and the item number of this record in it, set when queued.
    position: OnceLock<(Weak<StreamQueue>, u64)>,
}

impl Record {
    pub fn set_position(&self, stream: Weak<StreamQueue>, item: u64) {
        let _ = self.position.set((stream, item));
    }

    pub fn complete(&self, completion: Completion) {
        *self.state.lock() = Some(completion);
        self.reached.notify_all();
    }

    /// Whether the stream has counted this record done (true once the stream
    /// is gone: destroying a stream waits for all its work).
    fn counted(&self) -> bool {
        match self.position.get() {
            Some((stream, item)) => stream.upgrade().is_none_or(|stream| stream.completed() >= *item),
            None => true,
        }
    }

    /// The completion, once the record is complete in the module doc's sense.
    pub fn completion(&self) -> Option<Completion> {
        let done = self.state.lock().clone()?;
        self.counted().then_some(done)
    }

    /// Blocks until the record is complete in the module doc's sense.
    pub fn wait(&self) -> Completion {
        let done = {
            let mut state = self.state.lock();
            loop {
                if let Some(done) = state.as_ref() {
                    break done.clone();
                }
                self.reached.wait(&mut state);
            }
        };
        if let Some((stream, item)) = self.position.get() {
            if let Some(stream) = stream.upgrade() {
                stream.wait_for(*item);
            }
        }
        done
    }
}

pub struct Event {
    timing: bool,
    latest: Mutex<Option<Arc<Record>>>,
}

fn not_ready() -> FfiError {
    // NOT_READY is not a failure: no detail message.
    FfiError::new(FH_ERROR_NOT_READY, "")
}

impl Event {
    pub fn new(flags: u32) -> FfiResult<Event> {
        if flags & !FH_EVENT_DISABLE_TIMING != 0 {
            return Err(FfiError::new(FH_ERROR_INVALID_VALUE, format!("unknown event flags {flags:#x}")));
        }
        Ok(Event { timing: flags & FH_EVENT_DISABLE_TIMING == 0, latest: Mutex::new(None) })
    }

    /// Starts a new record (the caller queues it on the stream).
    pub fn new_record(&self) -> Arc<Record> {
        let record = Arc::new(Record::default());
        *self.latest.lock() = Some(record.clone());
        record
    }

    /// The most recent record, if the event was ever recorded.
    pub fn latest(&self) -> Option<Arc<Record>> {
        self.latest.lock().clone()
    }

    fn timed_completion(&self, which: &str) -> FfiResult<Option<u64>> {
        if !self.timing {
            return Err(FfiError::new(
                FH_ERROR_INVALID_VALUE,
                format!("{which} event was created with FH_EVENT_DISABLE_TIMING"),
            ));
        }
        let record = self
            .latest()
            .ok_or_else(|| FfiError::new(FH_ERROR_INVALID_VALUE, format!("{which} event was never recorded")))?;
        Ok(record.completion().map(|c| c.time_ns))
    }

}

impl flaghal_plugin::Event<Cpu> for Event {
    fn device(&self) -> &'static Device {
        device::the()
    }

    /// fhEventRecord: a new record, queued on the stream as a marker.
    fn record(&self, stream: &Stream) -> FfiResult {
        stream.queue.submit_record(self.new_record());
        Ok(())
    }

    /// fhEventSynchronize: waits for the most recent record; reports a kernel
    /// failure of its stream before the record, once.
    fn synchronize(&self) -> FfiResult {
        let Some(record) = self.latest() else { return Ok(()) };
        match record.wait().failure.and_then(|f| f.report()) {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    /// fhEventQuery: never blocks; an event never recorded is complete.
    fn query(&self) -> FfiResult {
        match self.latest() {
            Some(record) if record.completion().is_none() => Err(not_ready()),
            _ => Ok(()),
        }
    }

    /// fhEventElapsedTime in milliseconds (negative when end came first).
    fn elapsed_ms(start: &Event, end: &Event) -> FfiResult<f32> {
        let start_ns = start.timed_completion("start")?;
        let end_ns = end.timed_completion("end")?;
        match (start_ns, end_ns) {
            (Some(s), Some(e)) => Ok(crate::conv::elapsed_ms(s, e)),
            _ => Err(not_ready()),
        }
    }
}
