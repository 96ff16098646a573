//! Events: the marker of the most recent fhEventRecord
//! (clEnqueueMarkerWithWaitList on the stream's profiling queue) and the
//! stream's failure flag. fhEventElapsedTime is the difference of the two
//! markers' CL_PROFILING_COMMAND_END times; fhStreamWaitEvent is a barrier
//! on the marker in the waiting stream.
//!
//! Ownership: `Box<Event>`, held by the SDK's handle and dropped by
//! event_destroy. A barrier queued on the marker holds OpenCL's own
//! reference to it, so destroying the event early is safe.

use crate::abi::OpenCl;
use crate::conv;
use crate::device::Device;
use crate::error::{invalid_value, not_ready};
use crate::objects::ClEvent;
use crate::stream::{Failure, Stream};
use flaghal_sys::{self as sys, FfiResult};
use parking_lot::Mutex;
use std::sync::Arc;

#[derive(Clone)]
struct Record {
    marker: ClEvent,
    failure: Arc<Failure>,
}

pub struct Event {
    pub device: &'static Device,
    timing: bool,
    record: Mutex<Option<Record>>,
}

impl Event {
    pub fn new(device: &'static Device, flags: u32) -> Event {
        Event { device, timing: flags & sys::FH_EVENT_DISABLE_TIMING == 0, record: Mutex::new(None) }
    }

    /// The most recent record's marker, if any.
    pub fn marker(&self) -> Option<ClEvent> {
        self.record.lock().as_ref().map(|r| r.marker.clone())
    }

    /// The end time of a timed, completed record: INVALID_VALUE before
    /// NOT_READY, as fhEventElapsedTime orders them.
    fn end_ns(&self) -> FfiResult<u64> {
        if !self.timing {
            return Err(invalid_value("the event was created with FH_EVENT_DISABLE_TIMING"));
        }
        let marker = self.marker().ok_or_else(|| invalid_value("the event was never recorded"))?;
        match marker.status() {
            Ok(status) if status > crate::cl::CL_COMPLETE => Err(not_ready()),
            Ok(status) if status < 0 => Err(invalid_value(format!("the event's record failed: {}", conv::describe(status)))),
            Ok(_) => marker.end_ns().map_err(|rc| crate::error::cl_error("clGetEventProfilingInfo(CL_PROFILING_COMMAND_END)", rc)),
            Err(rc) => Err(crate::error::cl_error("clGetEventInfo(CL_EVENT_COMMAND_EXECUTION_STATUS)", rc)),
        }
    }
}

impl flaghal_plugin::Event<OpenCl> for Event {
    fn device(&self) -> &'static Device {
        self.device
    }

    fn record(&self, stream: &Stream) -> FfiResult {
        // The lock spans the enqueue, so concurrent records of one event
        // keep the one queued last.
        let mut record = self.record.lock();
        let marker = stream.marker()?;
        *record = Some(Record { marker, failure: stream.failure.clone() });
        Ok(())
    }

    fn query(&self) -> FfiResult {
        let Some(marker) = self.marker() else { return Ok(()) };
        match marker.status() {
            Ok(status) if status > crate::cl::CL_COMPLETE => Err(not_ready()),
            Ok(_) => Ok(()),
            Err(rc) => Err(crate::error::cl_error("clGetEventInfo(CL_EVENT_COMMAND_EXECUTION_STATUS)", rc)),
        }
    }

    fn synchronize(&self) -> FfiResult {
        let Some(record) = self.record.lock().clone() else { return Ok(()) };
        let rc = record.marker.wait();
        let status = record.marker.status().unwrap_or(rc);
        record.failure.report(status, rc)
    }

    fn elapsed_ms(start: &Event, end: &Event) -> FfiResult<f32> {
        // Invalid-value problems win over not-ready.
        match (start.end_ns(), end.end_ns()) {
            (Ok(t0), Ok(t1)) => Ok(conv::elapsed_ms(t0, t1)),
            (Err(a), Err(b)) if b.status == sys::FH_ERROR_INVALID_VALUE && a.status != sys::FH_ERROR_INVALID_VALUE => Err(b),
            (Err(a), _) => Err(a),
            (_, Err(b)) => Err(b),
        }
    }
}
