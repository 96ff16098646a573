//! Events: a point (timeline, value) on the stream they were last recorded
//! on, plus a one-slot timestamp query pool when timing is enabled.
//! Cross-stream waits are semaphore waits in the waiting stream's next
//! submit: the host never blocks.
//!
//! Ownership: `Box<Event>`, held by the SDK's handle and dropped by
//! event_destroy. Streams waiting on it hold the timeline, not
//! the event, so destroying it early is safe.

use crate::abi::Vulkan;
use crate::device::Device;
use crate::error::{invalid_value, not_ready, VkContext};
use crate::stream::{Keep, Stream};
use crate::timeline::Timeline;
use ash::vk;
use flaghal_sys::{self as sys, FfiError, FfiResult};
use parking_lot::Mutex;
use std::sync::Arc;

/// A timestamp query pool with one query. `Arc`: batches that write it keep
/// a clone until they complete.
pub struct QueryPool {
    device: &'static Device,
    pool: vk::QueryPool,
}

impl Drop for QueryPool {
    fn drop(&mut self) {
        // SAFETY: no pending batch uses the pool (they hold clones).
        unsafe { self.device.raw.destroy_query_pool(self.pool, None) };
    }
}

pub struct Event {
    pub device: &'static Device,
    query: Option<Arc<QueryPool>>,
    point: Mutex<Option<(Arc<Timeline>, u64)>>,
}

impl Event {
    pub fn new(device: &'static Device, flags: u32) -> FfiResult<Event> {
        if flags & !sys::FH_EVENT_DISABLE_TIMING != 0 {
            return Err(invalid_value(format!("unknown event flags 0x{flags:x}")));
        }
        let timing = flags & sys::FH_EVENT_DISABLE_TIMING == 0 && device.adapter.has_timing();
        let query = if timing {
            let info = vk::QueryPoolCreateInfo::default().query_type(vk::QueryType::TIMESTAMP).query_count(1);
            // SAFETY: valid device and create info.
            let pool = unsafe { device.raw.create_query_pool(&info, None) }.ctx("vkCreateQueryPool")?;
            Some(Arc::new(QueryPool { device, pool }))
        } else {
            None
        };
        Ok(Event { device, query, point: Mutex::new(None) })
    }

    /// The most recent record, if any.
    pub fn point(&self) -> Option<(Arc<Timeline>, u64)> {
        self.point.lock().clone()
    }

    /// Checks that the event can be timed and that its record has completed
    /// (NOT_READY otherwise), without touching the query pool.
    fn timed_point_reached(&self) -> FfiResult {
        if self.query.is_none() {
            return Err(invalid_value("the event was created with FH_EVENT_DISABLE_TIMING"));
        }
        let (timeline, value) = self.point().ok_or_else(|| invalid_value("the event was never recorded"))?;
        if !timeline.reached(value)? {
            return Err(not_ready());
        }
        Ok(())
    }

    /// Reads the recorded timestamp; only after `timed_point_reached`.
    fn timestamp(&self) -> FfiResult<u64> {
        let query = self.query.as_ref().ok_or_else(|| invalid_value("the event was created with FH_EVENT_DISABLE_TIMING"))?;
        let mut data = [0u64; 1];
        // SAFETY: a live pool with one query; `data` holds one 64-bit result.
        match unsafe { self.device.raw.get_query_pool_results(query.pool, 0, &mut data, vk::QueryResultFlags::TYPE_64) } {
            Ok(()) => Ok(data[0]),
            Err(vk::Result::NOT_READY) => Err(not_ready()),
            Err(e) => Err(crate::error::vk_error("vkGetQueryPoolResults", e)),
        }
    }
}

impl flaghal_plugin::Event<Vulkan> for Event {
    fn device(&self) -> &'static Device {
        self.device
    }

    fn record(&self, stream: &Stream) -> FfiResult {
        let value = match &self.query {
            Some(query) => {
                let raw = &self.device.raw;
                let pool = query.pool;
                let keep: Vec<Keep> = vec![Box::new(query.clone())];
                let write = move |cmd: vk::CommandBuffer| {
                    // SAFETY: `cmd` is recording under the stream lock; the
                    // pool stays alive through `keep`.
                    unsafe {
                        raw.cmd_reset_query_pool(cmd, pool, 0, 1);
                        raw.cmd_write_timestamp(cmd, vk::PipelineStageFlags::BOTTOM_OF_PIPE, pool, 0);
                    }
                };
                stream.record_point(Some((keep, Box::new(write))))?
            }
            None => stream.record_point(None)?,
        };
        *self.point.lock() = Some((stream.timeline.clone(), value));
        Ok(())
    }

    fn query(&self) -> FfiResult {
        match self.point() {
            Some((timeline, value)) if !timeline.reached(value)? => Err(not_ready()),
            _ => Ok(()),
        }
    }

    fn synchronize(&self) -> FfiResult {
        match self.point() {
            Some((timeline, value)) => timeline.wait(value),
            None => Ok(()),
        }
    }

    /// fhEventElapsedTime. Both records are checked before either query pool
    /// is read: reading one can wait for the whole device on some drivers
    /// (lavapipe idles the device in vkGetQueryPoolResults), and a pending
    /// event must answer NOT_READY at once, not after its work.
    fn elapsed_ms(start: &Event, end: &Event) -> FfiResult<f32> {
        if !start.device.adapter.has_timing() {
            return Err(FfiError::new(sys::FH_ERROR_NOT_SUPPORTED, "the queue has no timestamp support"));
        }
        // Invalid-value problems win over not-ready.
        match (start.timed_point_reached(), end.timed_point_reached()) {
            (Ok(()), Ok(())) => {}
            (Err(a), Err(b)) if b.status == sys::FH_ERROR_INVALID_VALUE => {
                return Err(if a.status == sys::FH_ERROR_INVALID_VALUE { a } else { b })
            }
            (Err(a), _) => return Err(a),
            (_, Err(b)) => return Err(b),
        }
        let (t0, t1) = (start.timestamp()?, end.timestamp()?);
        let adapter = &start.device.adapter;
        Ok(crate::conv::elapsed_ms(t0, t1, adapter.timestamp_valid_bits, adapter.properties.limits.timestamp_period))
    }
}
