//! fhMemcpyPeerAsync between two devices: a double-buffered pipeline queued
//! on both streams, joined by host functions (no cross-device events exist).
//!
//! For chunk i, with buffer b = i % 2 of two staging buffers:
//!
//! ```text
//! src stream: [i >= 2: wait until chunk i-2 is drained]  DtoH(b <- src+i)  mark chunk i filled
//! dst stream: wait until chunk i is filled               HtoD(dst+i <- b)  mark chunk i drained
//! ```
//!
//! The source device reads chunk i + 1 into one buffer while the destination
//! writes chunk i from the other. Work on src before the call runs before
//! the first DtoH; work on src after it waits for the last "filled" mark,
//! so for the whole read; on dst likewise around the writes (stream order
//! does both). Queuing order is src i, then dst i, then src i + 1: every wait
//! queued is for a mark already queued, so a failure while queuing (which
//! stops there) leaves nothing waiting forever.
//!
//! Ownership: one [`Transfer`] per copy, in an `Arc`; each queued host
//! function owns one `Box<Step>` holding a reference. The staging buffers go
//! back to the pool when the last reference drops: after both streams have
//! run the copy's last host function, or at once if queuing failed before
//! any was queued.

use super::{chunks, staging};
use crate::api::call_plugin;
use crate::failure::{plugin_status, ApiResult};
use crate::handles::Stream;
use flaghal_sys::*;
use parking_lot::{Condvar, Mutex};
use std::ffi::c_void;
use std::sync::Arc;

/// Progress of one copy, in chunks.
#[derive(Default)]
struct Progress {
    filled: u64,
    drained: u64,
}

struct Transfer {
    progress: Mutex<Progress>,
    changed: Condvar,
    buffers: Mutex<Vec<staging::Buffer>>,
}

impl Drop for Transfer {
    fn drop(&mut self) {
        staging::give_back(std::mem::take(self.buffers.get_mut()));
    }
}

/// What one host function does.
enum Action {
    /// Source side: block until `drained >= n` (the buffer is free again).
    WaitDrained(u64),
    /// Source side: `filled = n`.
    MarkFilled(u64),
    /// Destination side: block until `filled >= n`.
    WaitFilled(u64),
    /// Destination side: `drained = n`.
    MarkDrained(u64),
}

struct Step {
    transfer: Arc<Transfer>,
    action: Action,
}

impl Step {
    fn run(&self) {
        let t = &self.transfer;
        let mut p = t.progress.lock();
        match self.action {
            Action::WaitDrained(n) => t.changed.wait_while(&mut p, |p| p.drained < n),
            Action::WaitFilled(n) => t.changed.wait_while(&mut p, |p| p.filled < n),
            Action::MarkFilled(n) => {
                p.filled = n;
                t.changed.notify_all();
            }
            Action::MarkDrained(n) => {
                p.drained = n;
                t.changed.notify_all();
            }
        }
    }
}

/// The host function every step is queued as.
///
/// # Safety
/// `user_data` is a `Box<Step>` leaked by [`queue_step`], passed exactly once.
unsafe extern "C" fn run_step(user_data: *mut c_void) {
    let _ = ffi_boundary(
        || {
            // SAFETY: per the contract, a leaked Box<Step> this call now owns.
            let step = unsafe { Box::from_raw(user_data as *mut Step) };
            step.run();
            Ok(())
        },
        |_| {},
    );
}

fn queue_step(function: &'static str, stream: &'static Stream, transfer: &Arc<Transfer>, action: Action) -> ApiResult {
    let d = stream.device();
    let f = crate::required!(d.plugin, launch_host_func);
    let step = Box::into_raw(Box::new(Step { transfer: Arc::clone(transfer), action }));
    // SAFETY: a checked stream of a device with FH_DEVICE_CAP_HOST_FUNC
    // (api/peer.rs) and a non-NULL function (plugin ABI rule 7).
    let status = unsafe { f(stream.native(), Some(run_step), step as *mut c_void) };
    if status != FH_SUCCESS {
        // SAFETY: the plugin refused it, so `run_step` will never own it.
        drop(unsafe { Box::from_raw(step) });
    }
    plugin_status(&d.plugin.name, function, status)
}

/// Queues the pipeline of a `size`-byte copy (size > 0, devices differ, both
/// with FH_DEVICE_CAP_HOST_FUNC).
pub fn copy_async(
    function: &'static str,
    dst_address: fh_deviceptr_t,
    src_address: fh_deviceptr_t,
    size: usize,
    dst: &'static Stream,
    src: &'static Stream,
) -> ApiResult {
    let count = size.div_ceil(staging::CHUNK).min(2);
    let buffers = staging::take(src.device(), dst.device(), count, function)?;
    let hosts: Vec<*mut c_void> = buffers.iter().map(staging::Buffer::as_mut_ptr).collect();
    let transfer = Arc::new(Transfer { progress: Mutex::default(), changed: Condvar::new(), buffers: Mutex::new(buffers) });
    let (sd, dd) = (src.device(), dst.device());
    for (i, (offset, length)) in chunks(size, staging::CHUNK).enumerate() {
        let (n, host) = (i as u64, hosts[i % 2]);
        if n >= 2 {
            queue_step(function, src, &transfer, Action::WaitDrained(n - 1))?;
        }
        call_plugin!(sd.plugin, memcpy_dtoh_async, function, src.native(), host, src_address + offset as u64, length)?;
        queue_step(function, src, &transfer, Action::MarkFilled(n + 1))?;
        queue_step(function, dst, &transfer, Action::WaitFilled(n + 1))?;
        call_plugin!(dd.plugin, memcpy_htod_async, function, dst.native(), dst_address + offset as u64, host, length)?;
        queue_step(function, dst, &transfer, Action::MarkDrained(n + 1))?;
    }
    Ok(())
}
