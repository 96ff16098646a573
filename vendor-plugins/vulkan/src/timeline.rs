//! A timeline semaphore: the one synchronisation primitive of a stream. Its
//! counter is the stream's progress; events are (timeline, value) pairs.
//!
//! Ownership: `Arc<Timeline>`, shared by its stream, events recorded on it,
//! streams waiting on it and batches that reference it. When the last holder
//! drops it (after every batch using it has completed, since batches keep a
//! clone until then) the semaphore goes back to the device for the next
//! stream, its values continuing upwards: it is never destroyed. Mesa 22.3's
//! lavapipe still touches a timeline semaphore on its queue thread after the
//! signal the host observed, so destroying it then crashes the process
//! (found by tests/plugin in repeated runs, about one run in five).

use crate::device::Device;
use crate::error::VkContext;
use ash::vk;
use flaghal_sys::FfiResult;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

pub struct Timeline {
    pub device: &'static Device,
    pub semaphore: vk::Semaphore,
    /// The highest value whose signal operation has been handed to the queue
    /// or performed by the host. A submit that waits on a higher value is
    /// held back (device.rs "pending") so that the single in-order queue
    /// never blocks on a wait the host has not enabled yet.
    submitted: AtomicU64,
    /// The counter value when this stream's use of the semaphore began.
    pub base: u64,
}

impl Timeline {
    pub fn new(device: &'static Device) -> FfiResult<Arc<Timeline>> {
        if let Some((semaphore, base)) = device.idle_timelines.lock().pop() {
            return Ok(Arc::new(Timeline { device, semaphore, submitted: AtomicU64::new(base), base }));
        }
        let mut kind = vk::SemaphoreTypeCreateInfo::default().semaphore_type(vk::SemaphoreType::TIMELINE).initial_value(0);
        let info = vk::SemaphoreCreateInfo::default().push_next(&mut kind);
        // SAFETY: valid device and create info; timelineSemaphore is enabled.
        let semaphore = unsafe { device.raw.create_semaphore(&info, None) }.ctx("vkCreateSemaphore")?;
        Ok(Arc::new(Timeline { device, semaphore, submitted: AtomicU64::new(0), base: 0 }))
    }

    /// Whether a signal of `value` (or higher) has been submitted or done.
    pub fn is_submitted(&self, value: u64) -> bool {
        self.submitted.load(Ordering::Acquire) >= value
    }

    pub fn mark_submitted(&self, value: u64) {
        self.submitted.fetch_max(value, Ordering::AcqRel);
    }

    /// The current counter value; never blocks.
    pub fn value(&self) -> FfiResult<u64> {
        // SAFETY: a live timeline semaphore of this device.
        unsafe { self.device.raw.get_semaphore_counter_value(self.semaphore) }.ctx("vkGetSemaphoreCounterValue")
    }

    pub fn reached(&self, value: u64) -> FfiResult<bool> {
        Ok(value <= self.base || self.value()? >= value)
    }

    /// Blocks until the counter reaches `value`.
    pub fn wait(&self, value: u64) -> FfiResult {
        if value <= self.base {
            return Ok(());
        }
        let semaphores = [self.semaphore];
        let values = [value];
        let info = vk::SemaphoreWaitInfo::default().semaphores(&semaphores).values(&values);
        // SAFETY: a live semaphore; the arrays outlive the call.
        unsafe { self.device.raw.wait_semaphores(&info, u64::MAX) }.ctx("vkWaitSemaphores")
    }

    /// Signals `value` from the host (host functions, host-side copies),
    /// then submits the batches that were waiting for it.
    pub fn signal(&self, value: u64) -> FfiResult {
        let info = vk::SemaphoreSignalInfo::default().semaphore(self.semaphore).value(value);
        // SAFETY: a live semaphore; `value` is above every value signalled so
        // far, and no signal of a higher value is pending: batches after a
        // host job wait on its value, so they are held back until now.
        let result = unsafe { self.device.raw.signal_semaphore(&info) }.ctx("vkSignalSemaphore");
        self.mark_submitted(value);
        self.device.pump().and(result)
    }
}

impl Drop for Timeline {
    fn drop(&mut self) {
        // Every signal of this timeline was submitted (or failed and was
        // host-signalled): the next user continues above the highest.
        let last = self.submitted.load(Ordering::Acquire);
        self.device.idle_timelines.lock().push((self.semaphore, last));
    }
}
