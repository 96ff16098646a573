//! Copies and memsets, asynchronous (recorded on a stream) and synchronous
//! (flaghal.h "Ordering": wait for every stream of the device, then copy).
//!
//! Paths:
//! - direct: device memory is host-visible and mapped (and
//!   FLAGHAL_VULKAN_FORCE_STAGING is not set): synchronous calls use memcpy;
//! - pinned: a host range inside fhMemAllocHost memory is copied by the
//!   device straight from/to its buffer;
//! - idle stream: an async copy on an idle stream with mapped device memory
//!   is done at once with memcpy (it would start at once anyway);
//! - staging: any other host range goes through a transient host-visible
//!   buffer; a device-to-host copy then finishes on the stream's host thread.
//!   Synchronous staging copies go in 16 MiB chunks, at most 4 in flight.

use crate::conv;
use crate::device::Device;
use crate::error::invalid_value;
use crate::memory::Region;
use crate::staging::Staging;
use crate::stream::{Keep, Stream};
use ash::vk;
use flaghal_sys::FfiResult;

/// Synchronous staging copies move at most this much per staging buffer...
const SYNC_CHUNK: usize = 16 << 20;
/// ...and wait after this many, so a huge copy never stages all of itself.
const CHUNKS_IN_FLIGHT: usize = 4;

fn resolve(device: &Device, address: u64, len: u64) -> FfiResult<Region> {
    device.memory.lock().resolve(address, len)
}

/// The pinned-memory region holding host range [host, host+len), if any.
fn pinned(device: &Device, host: usize, len: u64) -> Option<Region> {
    let pool = device.pinned.lock();
    let address = pool.address_of_host(host, len)?;
    pool.resolve(address, len).ok()
}

fn copy_cmd(device: &Device, cmd: vk::CommandBuffer, src: Region, dst: Region, len: u64) {
    let region = [vk::BufferCopy { src_offset: src.offset, dst_offset: dst.offset, size: len }];
    // SAFETY: `cmd` is recording under its stream's lock; both buffers are
    // live (device allocations per the caller's contract, staging through the
    // batch's keep list) and the ranges were resolved inside them.
    unsafe { device.raw.cmd_copy_buffer(cmd, src.buffer, dst.buffer, &region) };
}

/// fhMemcpyHtoDAsync. `src` is read now (staging) or when the stream runs
/// (pinned), both allowed by flaghal.h.
pub fn htod_async(stream: &Stream, dst: u64, src: &[u8]) -> FfiResult {
    let device = stream.device;
    if src.is_empty() {
        return Ok(());
    }
    let len = src.len() as u64;
    let to = resolve(device, dst, len)?;
    if let Some(host) = to.host {
        // SAFETY: mapped coherent memory of a live allocation covering the
        // range; the stream is idle, so no earlier work of it uses the range.
        let copy = || unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), host as *mut u8, src.len()) };
        if stream.run_now_if_idle(copy)? {
            return Ok(());
        }
    }
    if let Some(from) = pinned(device, src.as_ptr() as usize, len) {
        return stream.record(Vec::new(), |cmd| copy_cmd(device, cmd, from, to, len));
    }
    let staging = Staging::with_bytes(device, src)?;
    let from = staging.region;
    stream.record(vec![Box::new(staging)], |cmd| copy_cmd(device, cmd, from, to, len))
}

/// fhMemcpyDtoHAsync into `len` bytes at host address `dst`, which the
/// caller keeps valid until the stream reaches the copy.
pub fn dtoh_async(stream: &Stream, dst: usize, src: u64, len: usize) -> FfiResult {
    let device = stream.device;
    if len == 0 {
        return Ok(());
    }
    let from = resolve(device, src, len as u64)?;
    if let Some(host) = from.host {
        // SAFETY: as in `htod_async`; the caller keeps `dst` valid for `len`
        // bytes until the stream reaches the copy, which is now.
        let copy = || unsafe { std::ptr::copy_nonoverlapping(host as *const u8, dst as *mut u8, len) };
        if stream.run_now_if_idle(copy)? {
            return Ok(());
        }
    }
    if let Some(to) = pinned(device, dst, len as u64) {
        return stream.record(Vec::new(), |cmd| copy_cmd(device, cmd, from, to, len as u64));
    }
    let staging = Staging::new(device, len)?;
    let to = staging.region;
    let finish = Box::new(move || {
        let bytes = staging.bytes();
        // SAFETY: flaghal.h makes the caller keep `dst` valid for `len`
        // bytes until the stream reaches this copy; staging is a distinct
        // mapping, so the ranges do not overlap.
        unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), dst as *mut u8, len) };
    });
    stream.record_then_host_job(Vec::new(), |cmd| copy_cmd(device, cmd, from, to, len as u64), finish)
}

/// fhMemcpyDtoDAsync.
pub fn dtod_async(stream: &Stream, dst: u64, src: u64, len: u64) -> FfiResult {
    let device = stream.device;
    if len == 0 {
        return Ok(());
    }
    let from = resolve(device, src, len)?;
    let to = resolve(device, dst, len)?;
    if let (Some(f), Some(t)) = (from.host, to.host) {
        // SAFETY: as in `htod_async`; ptr::copy allows overlap (whose result
        // flaghal.h leaves undefined).
        let copy = || unsafe { std::ptr::copy(f as *const u8, t as *mut u8, len as usize) };
        if stream.run_now_if_idle(copy)? {
            return Ok(());
        }
    }
    stream.record(Vec::new(), |cmd| copy_cmd(device, cmd, from, to, len))
}

fn check_memset(dst: u64, element_size: u32, count: usize) -> FfiResult<u64> {
    if !matches!(element_size, 1 | 2 | 4) {
        return Err(invalid_value(format!("memset element size {element_size} is not 1, 2 or 4")));
    }
    if dst % element_size as u64 != 0 {
        return Err(invalid_value(format!("0x{dst:x} is not {element_size}-byte aligned")));
    }
    (count as u64)
        .checked_mul(element_size as u64)
        .ok_or_else(|| invalid_value(format!("{count} elements of {element_size} bytes overflow")))
}

/// Fills mapped device memory from the host.
///
/// # Safety
/// `host` is the mapping of a live allocation covering `len` bytes that no
/// pending work uses (every stream idle, or the stream idle under its lock).
unsafe fn fill_mapped(host: usize, value: u32, element_size: u32, len: u64) {
    // SAFETY: per the contract above.
    let bytes = unsafe { std::slice::from_raw_parts_mut(host as *mut u8, len as usize) };
    let element = &value.to_le_bytes()[..element_size as usize];
    for chunk in bytes.chunks_exact_mut(element_size as usize) {
        chunk.copy_from_slice(element);
    }
}

/// fhMemsetD*Async: vkCmdFillBuffer for the 4-byte aligned middle, staged
/// bytes for an unaligned head and tail.
pub fn memset_async(stream: &Stream, dst: u64, value: u32, element_size: u32, count: usize) -> FfiResult {
    let device = stream.device;
    let len = check_memset(dst, element_size, count)?;
    if len == 0 {
        return Ok(());
    }
    let region = resolve(device, dst, len)?;
    if let Some(host) = region.host {
        // SAFETY: a mapped live allocation covering the range; the stream is idle.
        if stream.run_now_if_idle(|| unsafe { fill_mapped(host, value, element_size, len) })? {
            return Ok(());
        }
    }
    let (head, middle, tail) = conv::memset_split(region.offset, len);
    let mut keep: Vec<Keep> = Vec::new();
    let mut edges: Option<Region> = None;
    if head + tail > 0 {
        let bytes: Vec<u8> = (0..head)
            .chain(len - tail..len)
            .map(|i| conv::fill_byte(value, element_size, i))
            .collect();
        let staging = Staging::with_bytes(device, &bytes)?;
        edges = Some(staging.region);
        keep.push(Box::new(staging));
    }
    stream.record(keep, |cmd| {
        if middle > 0 {
            let word = conv::fill_word(value, element_size, head);
            // SAFETY: recording under the stream lock; the middle range is
            // 4-byte aligned in offset and size, inside the resolved region.
            unsafe { device.raw.cmd_fill_buffer(cmd, region.buffer, region.offset + head, middle, word) };
        }
        if let Some(edges) = edges {
            if head > 0 {
                copy_cmd(device, cmd, edges, region, head);
            }
            if tail > 0 {
                let from = Region { offset: edges.offset + head, ..edges };
                let to = Region { offset: region.offset + len - tail, ..region };
                copy_cmd(device, cmd, from, to, tail);
            }
        }
    })
}

/// fhMemcpyHtoD.
pub fn htod(device: &'static Device, dst: u64, src: &[u8]) -> FfiResult {
    if src.is_empty() {
        return Ok(());
    }
    let region = resolve(device, dst, src.len() as u64)?;
    device.synchronize_all(false)?;
    if let Some(host) = region.host {
        // SAFETY: mapped coherent memory of a live allocation that covers the
        // range; every stream of the device is idle.
        unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), host as *mut u8, src.len()) };
        return Ok(());
    }
    let stream = device.internal_stream()?;
    let chunk = chunk_size(device, src.as_ptr() as usize, src.len());
    in_chunks(&stream, src.len(), chunk, |offset, len| htod_async(&stream, dst + offset as u64, &src[offset..offset + len]))
}

/// fhMemcpyDtoH. Like `htod`: the mapped path copies at once; otherwise the
/// chunks go through `dtoh_async` (one device copy into pinned memory, or
/// staging and a host copy) on the device's internal stream. `dst` stays
/// borrowed until `in_chunks` has drained the stream.
pub fn dtoh(device: &'static Device, dst: &mut [u8], src: u64) -> FfiResult {
    if dst.is_empty() {
        return Ok(());
    }
    let from = resolve(device, src, dst.len() as u64)?;
    device.synchronize_all(false)?;
    if let Some(host) = from.host {
        // SAFETY: as in `htod`.
        unsafe { std::ptr::copy_nonoverlapping(host as *const u8, dst.as_mut_ptr(), dst.len()) };
        return Ok(());
    }
    let stream = device.internal_stream()?;
    let base = dst.as_mut_ptr() as usize;
    let chunk = chunk_size(device, base, dst.len());
    in_chunks(&stream, dst.len(), chunk, |offset, len| dtoh_async(&stream, base + offset, src + offset as u64, len))
}

/// Chunks exist to bound the staging memory of a synchronous copy. A host
/// range inside pinned memory needs no staging: it goes as one device copy.
fn chunk_size(device: &Device, host: usize, len: usize) -> usize {
    if pinned(device, host, len as u64).is_some() {
        len
    } else {
        SYNC_CHUNK
    }
}

/// Queues a synchronous copy of `len` bytes as `queue(offset, len)` chunks of
/// at most `chunk` bytes on `stream`, with at most CHUNKS_IN_FLIGHT queued at
/// a time, and returns once the stream is idle, also when queuing a chunk
/// fails: no queued chunk may touch the caller's host buffer after the
/// synchronous call returns.
fn in_chunks(stream: &Stream, len: usize, chunk: usize, mut queue: impl FnMut(usize, usize) -> FfiResult) -> FfiResult {
    let queued = (0..len).step_by(chunk).enumerate().try_for_each(|(i, offset)| {
        queue(offset, chunk.min(len - offset))?;
        if i % CHUNKS_IN_FLIGHT == CHUNKS_IN_FLIGHT - 1 {
            stream.wait_idle()?;
        }
        Ok(())
    });
    let drained = stream.wait_idle();
    queued.and(drained)
}

/// fhMemcpyDtoD.
pub fn dtod(device: &'static Device, dst: u64, src: u64, len: u64) -> FfiResult {
    if len == 0 {
        return Ok(());
    }
    let from = resolve(device, src, len)?;
    let to = resolve(device, dst, len)?;
    device.synchronize_all(false)?;
    if let (Some(f), Some(t)) = (from.host, to.host) {
        // SAFETY: as in `htod`; overlapping ranges are allowed by ptr::copy
        // (flaghal.h leaves their contents undefined anyway).
        unsafe { std::ptr::copy(f as *const u8, t as *mut u8, len as usize) };
        return Ok(());
    }
    let stream = device.internal_stream()?;
    dtod_async(&stream, dst, src, len)?;
    stream.wait_idle()
}

/// fhMemsetD8/D16/D32.
pub fn memset(device: &'static Device, dst: u64, value: u32, element_size: u32, count: usize) -> FfiResult {
    let len = check_memset(dst, element_size, count)?;
    if len == 0 {
        return Ok(());
    }
    let region = resolve(device, dst, len)?;
    device.synchronize_all(false)?;
    if let Some(host) = region.host {
        // SAFETY: a mapped live allocation covering the range; every stream is idle.
        unsafe { fill_mapped(host, value, element_size, len) };
        return Ok(());
    }
    let stream = device.internal_stream()?;
    memset_async(&stream, dst, value, element_size, count)?;
    stream.wait_idle()
}
