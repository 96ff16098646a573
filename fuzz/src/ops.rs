//! One function per kind of fh* call the fuzzer makes. Each picks its
//! arguments (valid, or broken in one documented way), makes the call,
//! checks the status flaghal.h gives for those arguments (Fuzzer::expect)
//! and what the call must have done, and updates the model.

use crate::model::{self, Allocation, EventModel, Pending, StreamModel, UNDEFINED};
use crate::Fuzzer;
use flaghal_sys::struct_sizes::FH_DEVICE_PROPERTIES_MIN_STRUCT_SIZE as PROPS_MIN;
use flaghal_sys::struct_sizes::FH_POINTER_ATTRIBUTES_STRUCT_SIZE_1_2 as FH_POINTER_ATTRIBUTES_SIZE;
use flaghal_sys::*;
use std::ffi::c_void;

type Op = fn(&mut Fuzzer) -> Result<(), String>;

/// Every operation with its weight (how often it is picked).
pub const OPS: &[(&str, u32, Op)] = &[
    ("alloc", 8, alloc),
    ("free", 5, free),
    ("htod", 8, htod),
    ("dtoh", 8, dtoh),
    ("dtod", 5, dtod),
    ("memset", 6, memset),
    ("htod_async", 8, htod_async),
    ("dtoh_async", 8, dtoh_async),
    ("dtod_async", 5, dtod_async),
    ("memset_async", 6, memset_async),
    ("stream_create", 3, stream_create),
    ("stream_destroy", 2, stream_destroy),
    ("stream_synchronize", 4, stream_synchronize),
    ("stream_query", 4, stream_query),
    ("stream_wait_event", 3, stream_wait_event),
    ("event_create", 3, event_create),
    ("event_destroy", 2, event_destroy),
    ("event_record", 5, event_record),
    ("event_synchronize", 3, event_synchronize),
    ("event_query", 3, event_query),
    ("event_elapsed_time", 3, event_elapsed_time),
    ("device_synchronize", 2, device_synchronize),
    ("mem_get_info", 2, mem_get_info),
    ("device_properties", 2, device_properties),
    ("module_garbage", 1, module_garbage),
    ("pinned", 2, pinned),
    ("bad_handle", 8, bad_handle),
    ("pointer_attributes", 3, pointer_attributes),
    ("memcpy_peer", 3, memcpy_peer),
    ("memcpy_peer_async", 3, memcpy_peer_async),
];

const MAX_ALLOCATIONS: usize = 24;
const MAX_STREAMS: usize = 6;
const MAX_EVENTS: usize = 12;
const MAX_SIZE: usize = 64 * 1024;
/// fhStreamDestroy's stale handles kept for reuse as bad handles.
const MAX_STALE: usize = 64;

fn device(f: &mut Fuzzer) -> usize {
    f.rng.below(f.model.devices.len())
}

/// Whether an out-of-range device address is refused (INVALID_ADDRESS)
/// rather than undefined behaviour on device `d`.
fn checks_addresses(f: &Fuzzer, d: usize) -> bool {
    f.config.validation || f.model.devices[d].caps & FH_DEVICE_CAP_ADDRESS_CHECKS != 0
}

/// A size, mostly small: 1..=64, ..=4096 or ..=MAX_SIZE.
fn size(f: &mut Fuzzer, limit: usize) -> usize {
    let top = match f.rng.below(10) {
        0..=4 => 64,
        5..=8 => 4096,
        _ => MAX_SIZE,
    };
    f.rng.range(1, top.min(limit).max(1))
}

/// A range `(offset, len)` inside an allocation of `size` bytes, `len` >= 1,
/// `offset` a multiple of `align`.
fn range(f: &mut Fuzzer, size: usize, align: usize) -> (usize, usize) {
    let offset = f.rng.below(size) / align * align;
    let len = self::size(f, size - offset);
    (offset, len)
}

/// The allocation index to use on device `d` for `stream` (None: a
/// synchronous call), making one first when there is none.
fn allocation(f: &mut Fuzzer, d: usize, stream: Option<u64>) -> Result<Option<usize>, String> {
    let usable = f.model.usable(d, stream);
    if let Some(i) = f.rng.pick(&usable) {
        return Ok(Some(usable[i]));
    }
    if f.model.allocations.len() >= MAX_ALLOCATIONS {
        return Ok(None);
    }
    let n = self::size(f, MAX_SIZE);
    alloc_on(f, d, n)
}

fn alloc_on(f: &mut Fuzzer, d: usize, size: usize) -> Result<Option<usize>, String> {
    let dev = f.model.devices[d].handle;
    let mut base: fh_deviceptr_t = 0;
    // SAFETY: a live device and a writable output.
    let rc = unsafe { f.hal.raw().fhMemAlloc(dev, size, &mut base) };
    if f.expect("fhMemAlloc", rc, &[FH_SUCCESS, FH_ERROR_OUT_OF_MEMORY])? != FH_SUCCESS {
        return Ok(None);
    }
    let alignment = f.model.devices[d].alignment;
    if base == 0 || base.rem_euclid(alignment) != 0 {
        return Err(format!("fhMemAlloc({size}) returned {base:#x}, not a non-zero multiple of memory_alignment {alignment}"));
    }
    if f.model.touches_live(d, base, size as u64) {
        return Err(format!("fhMemAlloc({size}) returned {base:#x}, which overlaps a live allocation"));
    }
    f.model.freed.retain(|&(fd, fb)| !(fd == d && fb >= base && fb < base + size as u64));
    f.model.allocations.push(Allocation { device: d, base, shadow: vec![UNDEFINED; size], owner: None });
    Ok(Some(f.model.allocations.len() - 1))
}

// ---- completion: what a finished stream proves ---------------------------

/// Everything queued on stream `index` has completed: check its read-backs,
/// release its allocations, mark its events complete.
fn complete_stream(f: &mut Fuzzer, index: usize) -> Result<(), String> {
    let id = f.model.streams[index].id;
    for pending in std::mem::take(&mut f.model.streams[index].pending) {
        if let Pending::Readback { buffer, expect, what } = pending {
            if let Some((at, got, want)) = model::first_mismatch(&buffer, &expect) {
                return Err(format!("{what}: byte {at} read back {got:#04x}, {want:#04x} was written"));
            }
            f.report.bytes_checked += buffer.len() as u64;
        }
    }
    for a in f.model.allocations.iter_mut().filter(|a| a.owner == Some(id)) {
        a.owner = None;
    }
    for e in f.model.events.iter_mut().filter(|e| e.recorded_on == Some(id)) {
        e.completed = true;
    }
    Ok(())
}

/// Every stream of device `d` has completed (fhDeviceSynchronize, or a
/// synchronous copy or memset, which first waits for all of them).
fn complete_device(f: &mut Fuzzer, d: usize) -> Result<(), String> {
    for i in 0..f.model.streams.len() {
        if f.model.streams[i].device == d {
            complete_stream(f, i)?;
        }
    }
    Ok(())
}

pub fn device_synchronize_checked(f: &mut Fuzzer, d: usize) -> Result<(), String> {
    // SAFETY: a live device.
    let rc = unsafe { f.hal.raw().fhDeviceSynchronize(f.model.devices[d].handle) };
    f.expect("fhDeviceSynchronize", rc, &[FH_SUCCESS])?;
    complete_device(f, d)
}

pub fn free_memory(f: &mut Fuzzer, d: usize) -> Result<usize, String> {
    let (mut free, mut total) = (0usize, 0usize);
    // SAFETY: a live device and writable outputs.
    let rc = unsafe { f.hal.raw().fhMemGetInfo(f.model.devices[d].handle, &mut free, &mut total) };
    f.expect("fhMemGetInfo", rc, &[FH_SUCCESS])?;
    if free > total {
        return Err(format!("fhMemGetInfo: free {free} > total {total}"));
    }
    Ok(free)
}

pub fn initial_free(f: &Fuzzer, d: usize) -> Option<usize> {
    f.model.initial_free.get(d).copied().flatten()
}

// ---- memory --------------------------------------------------------------

fn alloc(f: &mut Fuzzer) -> Result<(), String> {
    let d = device(f);
    if f.model.allocations.len() >= MAX_ALLOCATIONS {
        return free(f);
    }
    let dev = f.model.devices[d].handle;
    let mut base: fh_deviceptr_t = 0xBAD;
    match f.rng.below(20) {
        0 | 1 => {
            // SAFETY: a live device and a writable output.
            let rc = unsafe { f.hal.raw().fhMemAlloc(dev, 0, &mut base) };
            f.expect("fhMemAlloc(size 0)", rc, &[FH_ERROR_INVALID_VALUE])?;
        }
        2 => {
            // SAFETY: NULL output is the case under test.
            let rc = unsafe { f.hal.raw().fhMemAlloc(dev, 64, std::ptr::null_mut()) };
            f.expect("fhMemAlloc(ptr NULL)", rc, &[FH_ERROR_INVALID_VALUE])?;
        }
        3 => {
            // SAFETY: a live device and a writable output.
            let rc = unsafe { f.hal.raw().fhMemAlloc(dev, 1usize << 62, &mut base) };
            f.expect("fhMemAlloc(2^62)", rc, &[FH_ERROR_OUT_OF_MEMORY])?;
        }
        _ => {
            let n = size(f, MAX_SIZE);
            alloc_on(f, d, n)?;
            return Ok(());
        }
    }
    if base != 0xBAD {
        return Err(format!("a refused fhMemAlloc wrote {base:#x} to its output"));
    }
    Ok(())
}

fn free(f: &mut Fuzzer) -> Result<(), String> {
    let d = device(f);
    let dev = f.model.devices[d].handle;
    let usable = f.model.usable(d, None).into_iter().filter(|&i| f.model.allocations[i].owner.is_none()).collect::<Vec<_>>();
    match f.rng.below(10) {
        0 => {
            // SAFETY: freeing 0 is a documented no-op.
            let rc = unsafe { f.hal.raw().fhMemFree(dev, 0) };
            f.expect("fhMemFree(0)", rc, &[FH_SUCCESS])?;
        }
        1 | 2 if checks_addresses(f, d) => {
            // A freed base (not reused since) or an address inside a live allocation.
            let freed: Vec<u64> = f.model.freed.iter().filter(|(fd, _)| *fd == d).map(|(_, b)| *b).collect();
            let address = match (f.rng.pick(&freed), f.rng.pick(&usable)) {
                (Some(i), _) if f.rng.chance(50) && !f.model.touches_live(d, freed[i], 1) => freed[i],
                (_, Some(i)) if f.model.allocations[usable[i]].size() > 1 => f.model.allocations[usable[i]].base + 1,
                _ => return Ok(()),
            };
            // SAFETY: the device checks addresses (or the validation layer does).
            let rc = unsafe { f.hal.raw().fhMemFree(dev, address) };
            f.expect("fhMemFree(not the base of a live allocation)", rc, &[FH_ERROR_INVALID_ADDRESS])?;
        }
        _ => {
            let Some(i) = f.rng.pick(&usable) else { return Ok(()) };
            let a = f.model.allocations.swap_remove(usable[i]);
            // SAFETY: a live allocation of this device with no pending work.
            let rc = unsafe { f.hal.raw().fhMemFree(dev, a.base) };
            f.expect("fhMemFree", rc, &[FH_SUCCESS])?;
            f.model.freed.push((d, a.base));
            if f.model.freed.len() > MAX_STALE {
                f.model.freed.remove(0);
            }
        }
    }
    Ok(())
}

/// How a copy or memset is broken, if at all.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Break {
    None,
    NullHost,
    Overrun,
    ZeroSize,
}

fn choose_break(f: &mut Fuzzer, d: usize, host: bool) -> Break {
    match f.rng.below(20) {
        0 | 1 if host => Break::NullHost,
        2 | 3 if checks_addresses(f, d) => Break::Overrun,
        4 => Break::ZeroSize,
        _ => Break::None,
    }
}

/// The (offset, len) a broken range uses: an overrun starts inside the
/// allocation and runs 1.. bytes past its end.
fn broken_range(f: &mut Fuzzer, size: usize, how: Break, align: usize) -> (usize, usize) {
    match how {
        Break::Overrun => {
            let offset = f.rng.below(size) / align * align;
            (offset, size - offset + f.rng.range(1, 64) * align)
        }
        Break::ZeroSize => (f.rng.below(size), 0),
        _ => range(f, size, align),
    }
}

fn expected(how: Break) -> fh_status_t {
    match how {
        Break::None | Break::ZeroSize => FH_SUCCESS,
        Break::NullHost => FH_ERROR_INVALID_VALUE,
        Break::Overrun => FH_ERROR_INVALID_ADDRESS,
    }
}

fn htod(f: &mut Fuzzer) -> Result<(), String> {
    let d = device(f);
    let Some(ai) = allocation(f, d, None)? else { return Ok(()) };
    let how = choose_break(f, d, true);
    let (offset, len) = broken_range(f, f.model.allocations[ai].size(), how, 1);
    let data = f.rng.bytes(len.min(MAX_SIZE * 2));
    let src = if how == Break::NullHost { std::ptr::null() } else { data.as_ptr().cast::<c_void>() };
    let a = &f.model.allocations[ai];
    // SAFETY: `src` is NULL or readable for `len` bytes; the range is valid or broken on purpose.
    let rc = unsafe { f.hal.raw().fhMemcpyHtoD(f.model.devices[d].handle, a.base + offset as u64, src, len) };
    f.note(format!("  fhMemcpyHtoD +{offset} len {len} ({how:?})"));
    if f.expect("fhMemcpyHtoD", rc, &[expected(how)])? == FH_SUCCESS && how == Break::None {
        model::store(&mut f.model.allocations[ai].shadow, offset, &data);
        complete_device(f, d)?;
    }
    Ok(())
}

fn dtoh(f: &mut Fuzzer) -> Result<(), String> {
    let d = device(f);
    let Some(ai) = allocation(f, d, None)? else { return Ok(()) };
    let how = choose_break(f, d, true);
    let (offset, len) = broken_range(f, f.model.allocations[ai].size(), how, 1);
    let mut out = vec![0xEEu8; len];
    let dst = if how == Break::NullHost { std::ptr::null_mut() } else { out.as_mut_ptr().cast::<c_void>() };
    let a = &f.model.allocations[ai];
    // SAFETY: `dst` is NULL or writable for `len` bytes; the range is valid or broken on purpose.
    let rc = unsafe { f.hal.raw().fhMemcpyDtoH(f.model.devices[d].handle, dst, a.base + offset as u64, len) };
    f.note(format!("  fhMemcpyDtoH +{offset} len {len} ({how:?})"));
    if f.expect("fhMemcpyDtoH", rc, &[expected(how)])? == FH_SUCCESS && how == Break::None {
        let expect = &f.model.allocations[ai].shadow[offset..offset + len];
        if let Some((at, got, want)) = model::first_mismatch(&out, expect) {
            return Err(format!("fhMemcpyDtoH: byte {} of the allocation read back {got:#04x}, {want:#04x} was written", offset + at));
        }
        f.report.bytes_checked += len as u64;
        complete_device(f, d)?;
    } else if how != Break::None && out.iter().any(|b| *b != 0xEE) && how != Break::ZeroSize {
        return Err("a refused fhMemcpyDtoH wrote to its destination".into());
    }
    Ok(())
}

/// (dst allocation index, dst offset, src allocation index, src offset, len).
type CopyPair = (usize, usize, usize, usize, usize);

/// Source and destination of a device-to-device copy on `d` for `stream`.
fn copy_pair(f: &mut Fuzzer, d: usize, stream: Option<u64>, how: Break) -> Result<Option<CopyPair>, String> {
    let Some(di) = allocation(f, d, stream)? else { return Ok(None) };
    let Some(si) = allocation(f, d, stream)? else { return Ok(None) };
    let (dsize, ssize) = (f.model.allocations[di].size(), f.model.allocations[si].size());
    let (doff, len) = range(f, dsize, 1);
    let soff = f.rng.below(ssize);
    let len = match how {
        Break::Overrun => ssize - soff + f.rng.range(1, 64),
        Break::ZeroSize => 0,
        _ => len.min(ssize - soff),
    };
    if how == Break::Overrun && doff + len > dsize && !f.rng.chance(30) {
        // Mostly overrun only the source, so the size is to blame for one range.
        return Ok(None);
    }
    Ok(Some((di, doff, si, soff, len)))
}

/// The shadow effect of a device-to-device copy: overlapping ranges give
/// undefined contents (flaghal.h).
fn apply_copy(f: &mut Fuzzer, di: usize, doff: usize, si: usize, soff: usize, len: usize) {
    if di == si && doff < soff + len && soff < doff + len {
        f.model.allocations[di].shadow[doff..doff + len].fill(UNDEFINED);
    } else {
        let bytes: Vec<u16> = f.model.allocations[si].shadow[soff..soff + len].to_vec();
        f.model.allocations[di].shadow[doff..doff + len].copy_from_slice(&bytes);
    }
}

fn dtod(f: &mut Fuzzer) -> Result<(), String> {
    let d = device(f);
    let how = choose_break(f, d, false);
    let Some((di, doff, si, soff, len)) = copy_pair(f, d, None, how)? else { return Ok(()) };
    let (dst, src) = (f.model.allocations[di].base + doff as u64, f.model.allocations[si].base + soff as u64);
    // SAFETY: device ranges, valid or broken on purpose on a device that checks them.
    let rc = unsafe { f.hal.raw().fhMemcpyDtoD(f.model.devices[d].handle, dst, src, len) };
    f.note(format!("  fhMemcpyDtoD len {len} ({how:?})"));
    if f.expect("fhMemcpyDtoD", rc, &[expected(how)])? == FH_SUCCESS && how == Break::None {
        apply_copy(f, di, doff, si, soff, len);
        complete_device(f, d)?;
    }
    Ok(())
}

/// A memset's element size, value and whether its address is misaligned.
fn memset_args(f: &mut Fuzzer) -> (usize, u32, bool) {
    let element = [1usize, 2, 4][f.rng.below(3)];
    let value = f.rng.next_u64() as u32;
    let misaligned = element > 1 && f.rng.chance(5);
    (element, value, misaligned)
}

/// Calls the synchronous (stream None) or asynchronous memset of `element` bytes.
fn call_memset(f: &Fuzzer, d: usize, stream: Option<fh_stream_t>, dst: u64, element: usize, value: u32, count: usize) -> fh_status_t {
    let (t, dev) = (f.hal.raw(), f.model.devices[d].handle);
    // SAFETY: a live device or stream; the range is valid or broken on purpose.
    unsafe {
        match (stream, element) {
            (None, 1) => t.fhMemsetD8(dev, dst, value as u8, count),
            (None, 2) => t.fhMemsetD16(dev, dst, value as u16, count),
            (None, _) => t.fhMemsetD32(dev, dst, value, count),
            (Some(s), 1) => t.fhMemsetD8Async(dst, value as u8, count, s),
            (Some(s), 2) => t.fhMemsetD16Async(dst, value as u16, count, s),
            (Some(s), _) => t.fhMemsetD32Async(dst, value, count, s),
        }
    }
}

fn memset_on(f: &mut Fuzzer, d: usize, stream: Option<usize>) -> Result<(), String> {
    let id = stream.map(|i| f.model.streams[i].id);
    let Some(ai) = allocation(f, d, id)? else { return Ok(()) };
    let (element, value, misaligned) = memset_args(f);
    let how = if misaligned { Break::None } else { choose_break(f, d, false) };
    let size = f.model.allocations[ai].size();
    if size < element {
        return Ok(());
    }
    let (offset, len) = broken_range(f, size - size % element, how, element);
    let count = if how == Break::None { (len / element).max(1).min((size - offset) / element) } else { len.div_ceil(element) };
    if (count == 0 && how != Break::ZeroSize) || (misaligned && offset + 1 + count * element > size) {
        return Ok(()); // nothing to set, or a misaligned range that would also overrun
    }
    let dst = f.model.allocations[ai].base + offset as u64 + u64::from(misaligned);
    let handle = stream.map(|i| f.model.streams[i].handle);
    let rc = call_memset(f, d, handle, dst, element, value, count);
    let call = format!("fhMemsetD{}{} +{offset} count {count} ({how:?}{})", element * 8, if stream.is_some() { "Async" } else { "" }, if misaligned { ", misaligned" } else { "" });
    f.note(format!("  {call}"));
    let want = if misaligned { FH_ERROR_INVALID_VALUE } else { expected(how) };
    if f.expect(&call, rc, &[want])? == FH_SUCCESS && how == Break::None && !misaligned {
        model::store(&mut f.model.allocations[ai].shadow, offset, &model::memset_bytes(value, element, count));
        match stream {
            Some(i) => f.model.allocations[ai].owner = Some(f.model.streams[i].id),
            None => complete_device(f, d)?,
        }
    }
    Ok(())
}

fn memset(f: &mut Fuzzer) -> Result<(), String> {
    let d = device(f);
    memset_on(f, d, None)
}

// ---- asynchronous copies -------------------------------------------------

/// A live stream (index), creating one when there is none.
fn stream(f: &mut Fuzzer) -> Result<Option<usize>, String> {
    if let Some(i) = f.rng.pick(&f.model.streams) {
        return Ok(Some(i));
    }
    let d = device(f);
    create_stream_on(f, d)
}

fn create_stream_on(f: &mut Fuzzer, d: usize) -> Result<Option<usize>, String> {
    let mut handle: fh_stream_t = std::ptr::null_mut();
    // SAFETY: a live device and a writable output.
    let rc = unsafe { f.hal.raw().fhStreamCreate(f.model.devices[d].handle, FH_STREAM_DEFAULT, &mut handle) };
    f.expect("fhStreamCreate", rc, &[FH_SUCCESS])?;
    if handle.is_null() {
        return Err("fhStreamCreate succeeded with a NULL stream".into());
    }
    f.model.next_stream_id += 1;
    f.model.streams.push(StreamModel { id: f.model.next_stream_id, handle, device: d, pending: Vec::new() });
    Ok(Some(f.model.streams.len() - 1))
}

fn htod_async(f: &mut Fuzzer) -> Result<(), String> {
    let Some(si) = stream(f)? else { return Ok(()) };
    let (d, id, handle) = (f.model.streams[si].device, f.model.streams[si].id, f.model.streams[si].handle);
    let Some(ai) = allocation(f, d, Some(id))? else { return Ok(()) };
    let how = choose_break(f, d, true);
    let (offset, len) = broken_range(f, f.model.allocations[ai].size(), how, 1);
    let data = f.rng.bytes(len);
    let src = if how == Break::NullHost { std::ptr::null() } else { data.as_ptr().cast::<c_void>() };
    // SAFETY: `src` stays alive and unchanged in the stream's pending list until the stream completes.
    let rc = unsafe { f.hal.raw().fhMemcpyHtoDAsync(f.model.allocations[ai].base + offset as u64, src, len, handle) };
    f.note(format!("  fhMemcpyHtoDAsync +{offset} len {len} ({how:?})"));
    if f.expect("fhMemcpyHtoDAsync", rc, &[expected(how)])? == FH_SUCCESS && how == Break::None {
        model::store(&mut f.model.allocations[ai].shadow, offset, &data);
        f.model.allocations[ai].owner = Some(id);
        f.model.streams[si].pending.push(Pending::Source(data));
    }
    Ok(())
}

fn dtoh_async(f: &mut Fuzzer) -> Result<(), String> {
    let Some(si) = stream(f)? else { return Ok(()) };
    let (d, id, handle) = (f.model.streams[si].device, f.model.streams[si].id, f.model.streams[si].handle);
    let Some(ai) = allocation(f, d, Some(id))? else { return Ok(()) };
    let how = choose_break(f, d, true);
    let (offset, len) = broken_range(f, f.model.allocations[ai].size(), how, 1);
    let mut buffer = vec![0xEEu8; len];
    let dst = if how == Break::NullHost { std::ptr::null_mut() } else { buffer.as_mut_ptr().cast::<c_void>() };
    // SAFETY: `buffer` stays alive in the stream's pending list until the stream completes.
    let rc = unsafe { f.hal.raw().fhMemcpyDtoHAsync(dst, f.model.allocations[ai].base + offset as u64, len, handle) };
    f.note(format!("  fhMemcpyDtoHAsync +{offset} len {len} ({how:?})"));
    if f.expect("fhMemcpyDtoHAsync", rc, &[expected(how)])? == FH_SUCCESS && how == Break::None {
        let expect = f.model.allocations[ai].shadow[offset..offset + len].to_vec();
        f.model.allocations[ai].owner = Some(id);
        let what = format!("fhMemcpyDtoHAsync of +{offset} len {len} (call {})", f.report.calls);
        f.model.streams[si].pending.push(Pending::Readback { buffer, expect, what });
    }
    Ok(())
}

fn dtod_async(f: &mut Fuzzer) -> Result<(), String> {
    let Some(si) = stream(f)? else { return Ok(()) };
    let (d, id, handle) = (f.model.streams[si].device, f.model.streams[si].id, f.model.streams[si].handle);
    let how = choose_break(f, d, false);
    let Some((di, doff, ai, soff, len)) = copy_pair(f, d, Some(id), how)? else { return Ok(()) };
    let (dst, src) = (f.model.allocations[di].base + doff as u64, f.model.allocations[ai].base + soff as u64);
    // SAFETY: device ranges, valid or broken on purpose on a device that checks them.
    let rc = unsafe { f.hal.raw().fhMemcpyDtoDAsync(dst, src, len, handle) };
    f.note(format!("  fhMemcpyDtoDAsync len {len} ({how:?})"));
    if f.expect("fhMemcpyDtoDAsync", rc, &[expected(how)])? == FH_SUCCESS && how == Break::None {
        apply_copy(f, di, doff, ai, soff, len);
        f.model.allocations[di].owner = Some(id);
        f.model.allocations[ai].owner = Some(id);
    }
    Ok(())
}

fn memset_async(f: &mut Fuzzer) -> Result<(), String> {
    let Some(si) = stream(f)? else { return Ok(()) };
    let d = f.model.streams[si].device;
    memset_on(f, d, Some(si))
}

// ---- streams -------------------------------------------------------------

fn stream_create(f: &mut Fuzzer) -> Result<(), String> {
    let d = device(f);
    if f.model.streams.len() >= MAX_STREAMS * f.model.devices.len() {
        return stream_destroy(f);
    }
    if f.rng.chance(10) {
        let flags = 1u32 << f.rng.below(32);
        let mut handle: fh_stream_t = 0x5A as fh_stream_t;
        // SAFETY: a live device and a writable output.
        let rc = unsafe { f.hal.raw().fhStreamCreate(f.model.devices[d].handle, flags, &mut handle) };
        f.expect("fhStreamCreate(unknown flags)", rc, &[FH_ERROR_INVALID_VALUE])?;
        if handle as usize != 0x5A {
            return Err("a refused fhStreamCreate wrote its output".into());
        }
        return Ok(());
    }
    create_stream_on(f, d).map(|_| ())
}

fn stream_destroy(f: &mut Fuzzer) -> Result<(), String> {
    if f.rng.chance(10) {
        // SAFETY: destroying NULL is a documented no-op.
        let rc = unsafe { f.hal.raw().fhStreamDestroy(std::ptr::null_mut()) };
        return f.expect("fhStreamDestroy(NULL)", rc, &[FH_SUCCESS]).map(|_| ());
    }
    let Some(i) = f.rng.pick(&f.model.streams) else { return Ok(()) };
    // SAFETY: a live stream; its pending host buffers are still alive.
    let rc = unsafe { f.hal.raw().fhStreamDestroy(f.model.streams[i].handle) };
    f.expect("fhStreamDestroy", rc, &[FH_SUCCESS])?;
    complete_stream(f, i)?; // it waited for its work
    let s = f.model.streams.swap_remove(i);
    f.model.stale_streams.push(s.handle as usize);
    if f.model.stale_streams.len() > MAX_STALE {
        f.model.stale_streams.remove(0);
    }
    Ok(())
}

fn stream_synchronize(f: &mut Fuzzer) -> Result<(), String> {
    let Some(i) = stream(f)? else { return Ok(()) };
    // SAFETY: a live stream.
    let rc = unsafe { f.hal.raw().fhStreamSynchronize(f.model.streams[i].handle) };
    f.expect("fhStreamSynchronize", rc, &[FH_SUCCESS])?;
    complete_stream(f, i)
}

fn stream_query(f: &mut Fuzzer) -> Result<(), String> {
    let Some(i) = stream(f)? else { return Ok(()) };
    // SAFETY: a live stream.
    let rc = unsafe { f.hal.raw().fhStreamQuery(f.model.streams[i].handle) };
    if f.expect("fhStreamQuery", rc, &[FH_SUCCESS, FH_ERROR_NOT_READY])? == FH_SUCCESS {
        complete_stream(f, i)?;
    }
    Ok(())
}

fn stream_wait_event(f: &mut Fuzzer) -> Result<(), String> {
    let Some(si) = stream(f)? else { return Ok(()) };
    let Some(ei) = event(f)? else { return Ok(()) };
    let same = f.model.streams[si].device == f.model.events[ei].device;
    // SAFETY: live handles.
    let rc = unsafe { f.hal.raw().fhStreamWaitEvent(f.model.streams[si].handle, f.model.events[ei].handle) };
    f.expect("fhStreamWaitEvent", rc, &[if same { FH_SUCCESS } else { FH_ERROR_INVALID_DEVICE }]).map(|_| ())
}

// ---- events --------------------------------------------------------------

/// A live event (index), creating one when there is none.
fn event(f: &mut Fuzzer) -> Result<Option<usize>, String> {
    if let Some(i) = f.rng.pick(&f.model.events) {
        return Ok(Some(i));
    }
    let d = device(f);
    create_event_on(f, d, FH_EVENT_DEFAULT)
}

fn create_event_on(f: &mut Fuzzer, d: usize, flags: u32) -> Result<Option<usize>, String> {
    let mut handle: fh_event_t = std::ptr::null_mut();
    // SAFETY: a live device and a writable output.
    let rc = unsafe { f.hal.raw().fhEventCreate(f.model.devices[d].handle, flags, &mut handle) };
    f.expect("fhEventCreate", rc, &[FH_SUCCESS])?;
    f.model.events.push(EventModel { handle, device: d, timing: flags == FH_EVENT_DEFAULT, recorded_on: None, completed: false });
    Ok(Some(f.model.events.len() - 1))
}

fn event_create(f: &mut Fuzzer) -> Result<(), String> {
    let d = device(f);
    if f.model.events.len() >= MAX_EVENTS * f.model.devices.len() {
        return event_destroy(f);
    }
    if f.rng.chance(10) {
        let flags = 2u32 << f.rng.below(31);
        let mut handle: fh_event_t = std::ptr::null_mut();
        // SAFETY: a live device and a writable output.
        let rc = unsafe { f.hal.raw().fhEventCreate(f.model.devices[d].handle, flags, &mut handle) };
        return f.expect("fhEventCreate(unknown flags)", rc, &[FH_ERROR_INVALID_VALUE]).map(|_| ());
    }
    let flags = if f.rng.chance(25) { FH_EVENT_DISABLE_TIMING } else { FH_EVENT_DEFAULT };
    create_event_on(f, d, flags).map(|_| ())
}

fn event_destroy(f: &mut Fuzzer) -> Result<(), String> {
    let Some(i) = f.rng.pick(&f.model.events) else { return Ok(()) };
    // SAFETY: a live event.
    let rc = unsafe { f.hal.raw().fhEventDestroy(f.model.events[i].handle) };
    f.expect("fhEventDestroy", rc, &[FH_SUCCESS])?;
    let e = f.model.events.swap_remove(i);
    f.model.stale_events.push(e.handle as usize);
    if f.model.stale_events.len() > MAX_STALE {
        f.model.stale_events.remove(0);
    }
    Ok(())
}

fn event_record(f: &mut Fuzzer) -> Result<(), String> {
    let Some(ei) = event(f)? else { return Ok(()) };
    let Some(si) = stream(f)? else { return Ok(()) };
    let same = f.model.streams[si].device == f.model.events[ei].device;
    // SAFETY: live handles.
    let rc = unsafe { f.hal.raw().fhEventRecord(f.model.events[ei].handle, f.model.streams[si].handle) };
    if f.expect("fhEventRecord", rc, &[if same { FH_SUCCESS } else { FH_ERROR_INVALID_DEVICE }])? == FH_SUCCESS {
        let id = f.model.streams[si].id;
        let e = &mut f.model.events[ei];
        e.recorded_on = Some(id);
        e.completed = false;
    }
    Ok(())
}

fn event_synchronize(f: &mut Fuzzer) -> Result<(), String> {
    let Some(i) = event(f)? else { return Ok(()) };
    // SAFETY: a live event.
    let rc = unsafe { f.hal.raw().fhEventSynchronize(f.model.events[i].handle) };
    f.expect("fhEventSynchronize", rc, &[FH_SUCCESS])?;
    f.model.events[i].completed = true;
    Ok(())
}

fn event_query(f: &mut Fuzzer) -> Result<(), String> {
    let Some(i) = event(f)? else { return Ok(()) };
    let e = &f.model.events[i];
    let settled = e.recorded_on.is_none() || e.completed;
    // SAFETY: a live event.
    let rc = unsafe { f.hal.raw().fhEventQuery(e.handle) };
    let allowed: &[fh_status_t] = if settled { &[FH_SUCCESS] } else { &[FH_SUCCESS, FH_ERROR_NOT_READY] };
    if f.expect("fhEventQuery", rc, allowed)? == FH_SUCCESS {
        f.model.events[i].completed = true;
    }
    Ok(())
}

fn event_elapsed_time(f: &mut Fuzzer) -> Result<(), String> {
    let (Some(a), Some(b)) = (event(f)?, event(f)?) else { return Ok(()) };
    let (ea, eb) = (&f.model.events[a], &f.model.events[b]);
    let mut ms = f32::NAN;
    let caps = f.model.devices[ea.device].caps;
    // One fault at a time: a NULL output only with two timed events of one device.
    let null_out = ea.device == eb.device && caps & FH_DEVICE_CAP_EVENT_TIMING != 0 && f.rng.chance(5);
    let out = if null_out { std::ptr::null_mut() } else { &mut ms as *mut f32 };
    let allowed: Vec<fh_status_t> = if ea.device != eb.device {
        vec![FH_ERROR_INVALID_DEVICE]
    } else if caps & FH_DEVICE_CAP_EVENT_TIMING == 0 {
        vec![FH_ERROR_NOT_SUPPORTED, FH_ERROR_INVALID_VALUE]
    } else if null_out {
        vec![FH_ERROR_INVALID_VALUE]
    } else if !ea.timing || !eb.timing || ea.recorded_on.is_none() || eb.recorded_on.is_none() {
        let pending = (ea.recorded_on.is_some() && !ea.completed) || (eb.recorded_on.is_some() && !eb.completed);
        if pending {
            vec![FH_ERROR_INVALID_VALUE, FH_ERROR_NOT_READY]
        } else {
            vec![FH_ERROR_INVALID_VALUE]
        }
    } else if ea.completed && eb.completed {
        vec![FH_SUCCESS]
    } else {
        vec![FH_SUCCESS, FH_ERROR_NOT_READY]
    };
    // SAFETY: live events; `out` is NULL or a writable float.
    let rc = unsafe { f.hal.raw().fhEventElapsedTime(out, ea.handle, eb.handle) };
    if f.expect("fhEventElapsedTime", rc, &allowed)? == FH_SUCCESS && !ms.is_finite() {
        return Err(format!("fhEventElapsedTime succeeded with {ms} ms"));
    }
    if rc == FH_SUCCESS && a == b && ms != 0.0 {
        return Err(format!("fhEventElapsedTime(e, e) = {ms} ms, not 0"));
    }
    Ok(())
}

// ---- devices -------------------------------------------------------------

fn device_synchronize(f: &mut Fuzzer) -> Result<(), String> {
    let d = device(f);
    device_synchronize_checked(f, d)
}

fn mem_get_info(f: &mut Fuzzer) -> Result<(), String> {
    let d = device(f);
    if f.rng.chance(20) {
        // SAFETY: both outputs NULL is the case under test.
        let rc = unsafe { f.hal.raw().fhMemGetInfo(f.model.devices[d].handle, std::ptr::null_mut(), std::ptr::null_mut()) };
        return f.expect("fhMemGetInfo(NULL, NULL)", rc, &[FH_ERROR_INVALID_VALUE]).map(|_| ());
    }
    free_memory(f, d).map(|_| ())
}

fn device_properties(f: &mut Fuzzer) -> Result<(), String> {
    let d = device(f);
    let full = std::mem::size_of::<fh_device_properties_t>();
    let sizes = [0, 8, PROPS_MIN - 1, PROPS_MIN, full - 8, full, full + 64];
    let size = sizes[f.rng.below(sizes.len())];
    let chained = f.rng.chance(15);
    let mut buffer = vec![0xA5u8; full + 64];
    buffer[..8].copy_from_slice(&size.to_ne_bytes());
    let next: usize = if chained { 0x1000 } else { 0 };
    buffer[8..16].copy_from_slice(&next.to_ne_bytes());
    // SAFETY: the buffer holds full + 64 bytes; the loader writes only inside `size`.
    let rc = unsafe { f.hal.raw().fhDeviceGetProperties(f.model.devices[d].handle, buffer.as_mut_ptr().cast()) };
    let ok = size >= PROPS_MIN && !chained;
    f.expect("fhDeviceGetProperties", rc, &[if ok { FH_SUCCESS } else { FH_ERROR_INVALID_VALUE }])?;
    let untouched = if ok { size.min(full) } else { 16 };
    if buffer[untouched..].iter().any(|b| *b != 0xA5) {
        return Err(format!("fhDeviceGetProperties (struct_size {size}, next {next:#x}) wrote past byte {untouched}"));
    }
    Ok(())
}

/// Garbage module bytes: refused with the documented status, never loaded.
fn module_garbage(f: &mut Fuzzer) -> Result<(), String> {
    let d = device(f);
    let listed = f.model.devices[d].formats.clone();
    let (format, want): (fh_module_format_t, &[fh_status_t]) = match f.rng.below(4) {
        0 => (FH_MODULE_FORMAT_INVALID, &[FH_ERROR_INVALID_VALUE]),
        1 => (999, &[FH_ERROR_NOT_SUPPORTED, FH_ERROR_INVALID_VALUE]),
        _ => match f.rng.pick(&listed) {
            Some(i) if !is_source_format(listed[i]) => (listed[i], &[FH_ERROR_INVALID_IMAGE]),
            _ => return Ok(()),
        },
    };
    let n = f.rng.range(1, 512);
    let mut bytes = f.rng.bytes(n);
    bytes[0] = b'#'; // never a SPIR-V, ELF, fatbin or bundle magic
    let mut module: fh_module_t = std::ptr::null_mut();
    // SAFETY: `bytes` is readable for its length; `module` is writable.
    let rc = unsafe { f.hal.raw().fhModuleLoadData(f.model.devices[d].handle, format, bytes.as_ptr().cast(), bytes.len(), &mut module) };
    f.expect("fhModuleLoadData(garbage)", rc, want)?;
    // SAFETY: NULL data is the case under test.
    let rc = unsafe { f.hal.raw().fhModuleLoadData(f.model.devices[d].handle, format, std::ptr::null(), 16, &mut module) };
    let null_allowed: &[fh_status_t] = &[FH_ERROR_INVALID_VALUE, FH_ERROR_NOT_SUPPORTED];
    f.expect("fhModuleLoadData(data NULL)", rc, null_allowed).map(|_| ())
}

/// Formats whose bytes are compiled source text: garbage is a compile
/// error there, which costs a compiler run; left out.
fn is_source_format(format: fh_module_format_t) -> bool {
    format == FH_MODULE_FORMAT_OPENCL_C
}

fn pinned(f: &mut Fuzzer) -> Result<(), String> {
    let d = device(f);
    let dev = f.model.devices[d].handle;
    let supported = f.model.devices[d].caps & FH_DEVICE_CAP_PINNED_HOST_MEMORY != 0;
    if let Some(i) = f.rng.pick(&f.model.pinned).filter(|_| f.rng.chance(50)) {
        let (pd, p) = f.model.pinned.swap_remove(i);
        // SAFETY: live pinned memory of that device.
        let rc = unsafe { f.hal.raw().fhMemFreeHost(f.model.devices[pd].handle, p as *mut c_void) };
        return f.expect("fhMemFreeHost", rc, &[FH_SUCCESS]).map(|_| ());
    }
    if f.rng.chance(10) {
        // SAFETY: NULL is a documented no-op.
        let rc = unsafe { f.hal.raw().fhMemFreeHost(dev, std::ptr::null_mut()) };
        return f.expect("fhMemFreeHost(NULL)", rc, &[FH_SUCCESS]).map(|_| ());
    }
    let n = size(f, MAX_SIZE);
    let mut p: *mut c_void = std::ptr::null_mut();
    // SAFETY: a live device and a writable output.
    let rc = unsafe { f.hal.raw().fhMemAllocHost(dev, n, &mut p) };
    let want: &[fh_status_t] = if supported { &[FH_SUCCESS, FH_ERROR_OUT_OF_MEMORY] } else { &[FH_ERROR_NOT_SUPPORTED] };
    if f.expect("fhMemAllocHost", rc, want)? == FH_SUCCESS {
        // The memory is the caller's: write and read all of it.
        // SAFETY: `p` points to `n` writable bytes.
        let bytes = unsafe { std::slice::from_raw_parts_mut(p.cast::<u8>(), n) };
        bytes.fill(0x3C);
        if bytes.iter().any(|b| *b != 0x3C) {
            return Err("pinned host memory did not keep what was written".into());
        }
        f.model.pinned.push((d, p as usize));
    }
    Ok(())
}

// ---- bad handles ---------------------------------------------------------

/// A handle value that is not live for `kind` ("stream", "event",
/// "device"): a destroyed one, a live handle of another kind, or a value
/// the loader never returned. Never NULL.
fn bad_value(f: &mut Fuzzer, kind: &str) -> usize {
    let stale = match kind {
        "stream" => f.model.stale_streams.clone(),
        "event" => f.model.stale_events.clone(),
        _ => Vec::new(),
    };
    let other_kind: Vec<usize> = match kind {
        "stream" => f.model.events.iter().map(|e| e.handle as usize).chain(f.model.devices.iter().map(|d| d.handle as usize)).collect(),
        "event" | "module" | "function" => f.model.streams.iter().map(|s| s.handle as usize).collect(),
        _ => f.model.streams.iter().map(|s| s.handle as usize).chain(f.model.events.iter().map(|e| e.handle as usize)).collect(),
    };
    loop {
        let value = match f.rng.below(5) {
            0 | 1 => match f.rng.pick(&stale) {
                Some(i) => stale[i],
                None => continue,
            },
            2 => match f.rng.pick(&other_kind) {
                Some(i) => other_kind[i],
                None => continue,
            },
            3 => [0x10usize, 0x1000, usize::MAX, 1][f.rng.below(4)],
            _ => f.rng.next_u64() as usize | 1,
        };
        return value;
    }
}

fn bad_handle(f: &mut Fuzzer) -> Result<(), String> {
    let t = f.hal.raw();
    let which = f.rng.below(16);
    let kind = match which {
        0..=5 => "stream",
        6..=9 => "event",
        10 | 11 => "device",
        12 | 13 => "module",
        _ => "function",
    };
    let bad = bad_value(f, kind);
    let mut scratch = [0u8; 16];
    let live_stream = f.model.streams.first().map(|s| s.handle);
    let live_event = f.model.events.first().map(|e| e.handle);
    // SAFETY: every handle passed is either live or the bad value under
    // test, which the loader must refuse without using it; outputs are locals.
    let (call, rc) = unsafe {
        match which {
            0 => ("fhStreamQuery", t.fhStreamQuery(bad as fh_stream_t)),
            1 => ("fhStreamSynchronize", t.fhStreamSynchronize(bad as fh_stream_t)),
            2 => ("fhStreamDestroy", t.fhStreamDestroy(bad as fh_stream_t)),
            3 => ("fhMemsetD8Async", t.fhMemsetD8Async(0, 0, 0, bad as fh_stream_t)),
            4 => ("fhMemcpyHtoDAsync", t.fhMemcpyHtoDAsync(0, scratch.as_ptr().cast(), 0, bad as fh_stream_t)),
            5 => match live_event {
                Some(e) => ("fhEventRecord(event, bad stream)", t.fhEventRecord(e, bad as fh_stream_t)),
                None => ("fhStreamWaitEvent", t.fhStreamWaitEvent(bad as fh_stream_t, std::ptr::null_mut())),
            },
            6 => ("fhEventQuery", t.fhEventQuery(bad as fh_event_t)),
            7 => ("fhEventSynchronize", t.fhEventSynchronize(bad as fh_event_t)),
            8 => ("fhEventDestroy", t.fhEventDestroy(bad as fh_event_t)),
            9 => match live_stream {
                Some(s) => ("fhEventRecord(bad event, stream)", t.fhEventRecord(bad as fh_event_t, s)),
                None => ("fhEventQuery", t.fhEventQuery(bad as fh_event_t)),
            },
            10 => ("fhDeviceSynchronize", t.fhDeviceSynchronize(bad as fh_device_t)),
            12 => ("fhModuleUnload", t.fhModuleUnload(bad as fh_module_t)),
            13 => {
                let mut function: fh_function_t = std::ptr::null_mut();
                let rc = t.fhModuleGetFunction(bad as fh_module_t, c"vector_add".as_ptr(), &mut function);
                scratch[0] = u8::from(!function.is_null());
                ("fhModuleGetFunction", rc)
            }
            14 => {
                let mut value = 0i32;
                ("fhFunctionGetAttribute", t.fhFunctionGetAttribute(&mut value, FH_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK, bad as fh_function_t))
            }
            15 => match live_stream {
                Some(s) => ("fhLaunchKernel", t.fhLaunchKernel(bad as fh_function_t, 1, 1, 1, 1, 1, 1, 0, s, std::ptr::null(), 0)),
                None => ("fhModuleUnload", t.fhModuleUnload(bad as fh_module_t)),
            },
            _ => {
                let mut p: fh_deviceptr_t = 0;
                let rc = t.fhMemAlloc(bad as fh_device_t, 64, &mut p);
                scratch[0] = u8::from(p != 0);
                ("fhMemAlloc", rc)
            }
        }
    };
    f.note(format!("  {call} with bad {kind} {bad:#x}"));
    f.expect(&format!("{call} with a bad {kind} {bad:#x}"), rc, &[FH_ERROR_INVALID_HANDLE])?;
    if scratch[0] != 0 {
        return Err(format!("{call} with a bad {kind} wrote its output"));
    }
    Ok(())
}

// ---- API 1.2: pointer queries and copies between devices -------------------

/// fhPointerGetAttributes on one device: an interior address of a live
/// allocation (or pinned block) gives its base and size; a freed base, or
/// the end of an allocation, is unregistered; a short struct is refused.
fn pointer_attributes(f: &mut Fuzzer) -> Result<(), String> {
    let d = device(f);
    let dev = f.model.devices[d].handle;
    let full = std::mem::size_of::<fh_pointer_attributes_t>();
    let mut attributes = fh_pointer_attributes_t { struct_size: full, ..Default::default() };
    if f.rng.chance(10) {
        attributes.struct_size = FH_POINTER_ATTRIBUTES_SIZE - 1;
        // SAFETY: a valid struct whose struct_size is the case under test.
        let rc = unsafe { f.hal.raw_v1_2("fhPointerGetAttributes")?.fhPointerGetAttributes(&mut attributes, dev, 0x1000) };
        return f.expect("fhPointerGetAttributes(short struct)", rc, &[FH_ERROR_INVALID_VALUE]).map(|_| ());
    }
    let live: Vec<usize> = (0..f.model.allocations.len()).filter(|&i| f.model.allocations[i].device == d).collect();
    let pinned: Vec<(usize, usize)> = f.model.pinned.iter().copied().filter(|(pd, _)| *pd == d).collect();
    // (address, expected (type, base, size) or None for unregistered)
    let (address, expect) = match f.rng.below(4) {
        0 | 1 => match f.rng.pick(&live) {
            Some(i) => {
                let a = &f.model.allocations[live[i]];
                let at = a.base + f.rng.below(a.size()) as u64;
                (at, Some((FH_MEMORY_TYPE_DEVICE, a.base, a.size() as u64)))
            }
            None => return Ok(()),
        },
        2 => match f.rng.pick(&live) {
            Some(i) => {
                let a = &f.model.allocations[live[i]];
                let end = a.base + a.size() as u64;
                if f.model.touches_live(d, end, 1) {
                    return Ok(());
                }
                (end, None)
            }
            None => match f.model.freed.iter().find(|(fd, b)| *fd == d && !f.model.touches_live(d, *b, 1)) {
                Some(&(_, b)) => (b, None),
                None => return Ok(()),
            },
        },
        _ => match pinned.first() {
            Some(&(_, p)) => (p as u64, Some((FH_MEMORY_TYPE_HOST, p as u64, 0))),
            None => return Ok(()),
        },
    };
    // SAFETY: a valid struct with its struct_size set; a live device.
    let rc = unsafe { f.hal.raw_v1_2("fhPointerGetAttributes")?.fhPointerGetAttributes(&mut attributes, dev, address) };
    f.expect("fhPointerGetAttributes", rc, &[FH_SUCCESS])?;
    let got = (attributes.type_, attributes.base, attributes.size, attributes.device_ordinal, attributes.device);
    let ok = match expect {
        Some((kind, base, size)) => {
            got.0 == kind && got.1 == base && (size == 0 || got.2 == size) && got.3 == d as u32 && got.4 == dev
        }
        None => got.0 == FH_MEMORY_TYPE_UNREGISTERED && got.1 == 0 && got.2 == 0 && got.3 == u32::MAX && got.4.is_null(),
    };
    if !ok {
        return Err(format!("fhPointerGetAttributes({address:#x}) answered (type, base, size, ordinal, device) = {got:?}, expected {expect:?} on device {d}"));
    }
    Ok(())
}

/// fhMemcpyPeer between any two devices (possibly one): bytes land, both
/// devices' streams are waited for; an overrun of a checking device is
/// INVALID_ADDRESS, after which dst is undefined where it may have been
/// written.
fn memcpy_peer(f: &mut Fuzzer) -> Result<(), String> {
    let (dd, sd) = (device(f), device(f));
    let (Some(di), Some(si)) = (allocation(f, dd, None)?, allocation(f, sd, None)?) else { return Ok(()) };
    let (dsize, ssize) = (f.model.allocations[di].size(), f.model.allocations[si].size());
    let (doff, len) = range(f, dsize, 1);
    let soff = f.rng.below(ssize);
    let overrun = checks_addresses(f, sd) && f.rng.chance(10);
    let len = if overrun { ssize - soff + f.rng.range(1, 64) } else { len.min(ssize - soff) };
    if overrun && doff + len > dsize && !checks_addresses(f, dd) {
        return Ok(()); // the destination could not tell: undefined, not fuzzed
    }
    let (dst, src) = (f.model.allocations[di].base + doff as u64, f.model.allocations[si].base + soff as u64);
    let (ddev, sdev) = (f.model.devices[dd].handle, f.model.devices[sd].handle);
    // SAFETY: live devices; device ranges valid or broken on purpose where checked.
    let rc = unsafe { f.hal.raw_v1_2("fhMemcpyPeer")?.fhMemcpyPeer(ddev, dst, sdev, src, len) };
    f.note(format!("  fhMemcpyPeer dev {dd} +{doff} <- dev {sd} +{soff} len {len}{}", if overrun { " (overrun)" } else { "" }));
    if overrun {
        // Refused, maybe part-way: dst may be partly written, and the
        // devices' streams were not necessarily waited for.
        f.expect("fhMemcpyPeer (src overrun)", rc, &[FH_ERROR_INVALID_ADDRESS])?;
        let end = (doff + len).min(dsize);
        f.model.allocations[di].shadow[doff..end].fill(UNDEFINED);
        return Ok(());
    }
    f.expect("fhMemcpyPeer", rc, &[FH_SUCCESS])?;
    apply_copy(f, di, doff, si, soff, len);
    complete_device(f, dd)?;
    complete_device(f, sd)
}

/// fhMemcpyPeerAsync between two streams (possibly of two devices): needs
/// HOST_FUNC on both devices and PINNED_HOST_MEMORY on the destination.
fn memcpy_peer_async(f: &mut Fuzzer) -> Result<(), String> {
    let (Some(ds), Some(ss)) = (stream(f)?, stream(f)?) else { return Ok(()) };
    let (dd, sd) = (f.model.streams[ds].device, f.model.streams[ss].device);
    let (did, sid) = (f.model.streams[ds].id, f.model.streams[ss].id);
    let Some(di) = allocation(f, dd, Some(did))? else { return Ok(()) };
    let Some(si) = allocation(f, sd, Some(sid))? else { return Ok(()) };
    if (di == si && did != sid) || (f.model.allocations[si].owner.is_some_and(|o| o != sid)) {
        return Ok(()); // one allocation on two streams: not a correct program
    }
    let (dsize, ssize) = (f.model.allocations[di].size(), f.model.allocations[si].size());
    let (doff, len) = range(f, dsize, 1);
    let soff = f.rng.below(ssize);
    let len = len.min(ssize - soff);
    let (dcaps, scaps) = (f.model.devices[dd].caps, f.model.devices[sd].caps);
    let supported = dd == sd
        || (dcaps & scaps & FH_DEVICE_CAP_HOST_FUNC != 0 && dcaps & FH_DEVICE_CAP_PINNED_HOST_MEMORY != 0);
    let (dst, src) = (f.model.allocations[di].base + doff as u64, f.model.allocations[si].base + soff as u64);
    let (dh, sh) = (f.model.streams[ds].handle, f.model.streams[ss].handle);
    // SAFETY: live streams; valid device ranges of their devices.
    let rc = unsafe { f.hal.raw_v1_2("fhMemcpyPeerAsync")?.fhMemcpyPeerAsync(dst, src, len, dh, sh) };
    f.note(format!("  fhMemcpyPeerAsync dev {dd} +{doff} <- dev {sd} +{soff} len {len}"));
    let want = if supported { FH_SUCCESS } else { FH_ERROR_NOT_SUPPORTED };
    if f.expect("fhMemcpyPeerAsync", rc, &[want])? == FH_SUCCESS {
        apply_copy(f, di, doff, si, soff, len);
        f.model.allocations[di].owner = Some(did);
        f.model.allocations[si].owner = Some(sid);
    }
    Ok(())
}
