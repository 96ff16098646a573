//! Copies between devices (fhMemcpyPeer, fhMemcpyPeerAsync), done by the
//! loader from the plugin ABI's own entries, so any two plugins can copy to
//! each other without knowing of each other.
//!
//! - One device: the plugin's device-to-device copy.
//! - Two devices: the bytes go through host staging buffers ([`staging`]),
//!   chunk by chunk. The synchronous copy runs the chunks in turn with the
//!   plugins' synchronous copies; the queued one is the pipeline of
//!   [`pipeline`].
//!
//! The checks every variant shares (ranges that do not overflow, the
//! validation layer's range checks) happen in api/peer.rs before any of
//! this runs.

pub mod pipeline;
pub mod staging;

use crate::api::call_plugin;
use crate::failure::ApiResult;
use crate::handles::{Device, Stream};
use flaghal_sys::*;

/// The chunks of a `size`-byte copy: (offset, length), in order.
pub fn chunks(size: usize, chunk: usize) -> impl Iterator<Item = (usize, usize)> {
    (0..size.div_ceil(chunk)).map(move |i| (i * chunk, chunk.min(size - i * chunk)))
}

/// fhMemcpyPeer between two devices: each chunk is read into a staging
/// buffer by the source's synchronous copy, then written by the
/// destination's (each waits for its device's streams first, which the
/// header's ordering rule asks of both devices).
pub fn copy_sync(
    function: &'static str,
    dst_device: &'static Device,
    dst: fh_deviceptr_t,
    src_device: &'static Device,
    src: fh_deviceptr_t,
    size: usize,
) -> ApiResult {
    let buffers = staging::take(src_device, dst_device, 1, function)?;
    let host = buffers[0].as_mut_ptr();
    let result = chunks(size, staging::CHUNK).try_for_each(|(offset, length)| {
        call_plugin!(src_device.plugin, memcpy_dtoh, function, src_device.native, host, src + offset as u64, length)?;
        call_plugin!(dst_device.plugin, memcpy_htod, function, dst_device.native, dst + offset as u64, host, length)
    });
    staging::give_back(buffers);
    result
}

/// fhMemcpyPeerAsync on one device: the device-to-device copy queued on
/// `dst`, after `src`'s earlier work (an event) and before its later work
/// (a second record of the same event).
pub fn copy_async_one_device(
    function: &'static str,
    dst_address: fh_deviceptr_t,
    src_address: fh_deviceptr_t,
    size: usize,
    dst: &'static Stream,
    src: &'static Stream,
) -> ApiResult {
    let device = dst.device();
    let plugin = device.plugin;
    if std::ptr::eq(dst, src) {
        return call_plugin!(plugin, memcpy_dtod_async, function, dst.native(), dst_address, src_address, size);
    }
    let mut event: fhp_event_t = std::ptr::null_mut();
    call_plugin!(plugin, event_create, function, device.native, FH_EVENT_DISABLE_TIMING, &mut event)?;
    let queued = (|| {
        call_plugin!(plugin, event_record, function, event, src.native())?;
        call_plugin!(plugin, stream_wait_event, function, dst.native(), event)?;
        call_plugin!(plugin, memcpy_dtod_async, function, dst.native(), dst_address, src_address, size)?;
        call_plugin!(plugin, event_record, function, event, dst.native())?;
        call_plugin!(plugin, stream_wait_event, function, src.native(), event)
    })();
    // Waits already queued on the event stay valid once it is destroyed
    // (plugin ABI, event_destroy), so it goes at once, whatever happened.
    let destroyed = call_plugin!(plugin, event_destroy, function, event);
    queued.and(destroyed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_the_range_once_in_order() {
        assert_eq!(chunks(0, 4).count(), 0);
        assert_eq!(chunks(3, 4).collect::<Vec<_>>(), [(0, 3)]);
        assert_eq!(chunks(8, 4).collect::<Vec<_>>(), [(0, 4), (4, 4)]);
        assert_eq!(chunks(9, 4).collect::<Vec<_>>(), [(0, 4), (4, 4), (8, 1)]);
    }
}
