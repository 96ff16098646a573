//! Loader-owned handles.
//!
//! Every handle the application sees (fh_device_t, fh_stream_t, fh_event_t,
//! fh_module_t, fh_function_t) is a 64-bit *tagged value*, not an address:
//!
//! ```text
//!   bits 63..32  generation (>= 1; bumped each time the slot is reused)
//!   bits 31..24  kind (1 device, 2 stream, 3 event, 4 module, 5 function)
//!   bits 23..0   slot index in that kind's table
//! ```
//!
//! Resolving a handle decodes the index, loads the table chunk that holds the
//! slot (one atomic load; chunks are never freed or moved), and compares the
//! slot's current tag with the whole value: one compare tells a live handle
//! from NULL, a destroyed one (its slot's tag changed), one of another kind
//! and a value the loader never returned (0x10, a stray pointer), with no
//! lock and no read outside loader memory. Each is FH_ERROR_INVALID_HANDLE,
//! validation layer on or off. A live slot's tag is only ever replaced by a
//! *different* value, and a slot whose generation would wrap is retired
//! instead of reused, so no handle value is ever live twice.
//!
//! The slot then gives the device (which points to its plugin) and the
//! plugin's native handle: a call is still one pointer hop to the plugin.
//!
//! Ownership:
//! - `Device`: one `Box` per visible device, leaked at fhInit; valid forever.
//!   Its handle is `(1 << 32) | DEVICE << 24 | ordinal`, resolved through the
//!   registry's device list.
//! - `Handle<K>` (streams, events, modules, functions): slots in chunks of
//!   [`CHUNK`] leaked on demand, never returned to the allocator. Destroy
//!   retags the slot dead and puts it on its kind's free list; a later create
//!   reuses it under the next generation.

#[cfg(not(target_pointer_width = "64"))]
compile_error!("handles are 64-bit tagged values: the loader needs 64-bit pointers");

use crate::failure::{fail, ApiResult};
use crate::plugin::Plugin;
use crate::validation;
use flaghal_sys::allocation_records::AllocationRecords;
use flaghal_sys::*;
use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::ffi::c_void;
use std::sync::atomic::{AtomicPtr, AtomicU32, AtomicU64, Ordering};

/// Kind codes (bits 31..24 of a handle). 0 marks a dead slot.
pub const DEVICE_KIND: u64 = 1;
pub const STREAM_KIND: u64 = 2;
pub const EVENT_KIND: u64 = 3;
pub const MODULE_KIND: u64 = 4;
pub const FUNCTION_KIND: u64 = 5;

const INDEX_BITS: u32 = 24;
const INDEX_MASK: u64 = (1 << INDEX_BITS) - 1;
const KIND_MASK: u64 = 0xFF << INDEX_BITS;
/// Slots per chunk; a kind's table holds up to 2^24 live handles.
pub const CHUNK: usize = 4096;
const CHUNK_COUNT: usize = (1 << INDEX_BITS) / CHUNK;

/// Pure: the handle value for a slot.
#[inline]
pub const fn tag(generation: u32, kind: u64, index: u32) -> u64 {
    ((generation as u64) << 32) | (kind << INDEX_BITS) | index as u64
}

/// Pure: the slot index of a handle value.
#[inline]
pub const fn index_of(value: u64) -> usize {
    (value & INDEX_MASK) as usize
}

/// Pure: the generation of a handle value.
#[inline]
pub const fn generation_of(value: u64) -> u32 {
    (value >> 32) as u32
}

/// Pure: the kind code of a handle value.
#[inline]
pub const fn kind_of(value: u64) -> u64 {
    (value & KIND_MASK) >> INDEX_BITS
}

/// A visible device. Immutable after fhInit except for the validation
/// layer's allocation ranges.
pub struct Device {
    /// Its handle value (generation 1, kind DEVICE, index = ordinal).
    handle: u64,
    pub plugin: &'static Plugin,
    pub native: fhp_device_t,
    /// Properties cached at fhInit (plugin_name filled by the loader).
    pub props: fh_device_properties_t,
    /// Global ordinal (position in fhDeviceGet).
    pub ordinal: u32,
    /// Live allocations `base -> size`; maintained only with FLAGHAL_VALIDATION=1.
    pub allocations: Mutex<BTreeMap<u64, u64>>,
    /// The loader's own records for fhPointerGetAttributes, kept only when
    /// the plugin does not answer the query (ABI 1.0): api/pointers.rs.
    pub pointer_records: Option<AllocationRecords>,
}

// SAFETY: `native` and the props' `next` are opaque values only passed back
// to the plugin, whose entries are thread-safe (plugin ABI rule 6); the rest
// is immutable or behind a Mutex.
unsafe impl Send for Device {}
// SAFETY: as above.
unsafe impl Sync for Device {}

impl Device {
    /// Leaks a device for the process lifetime.
    pub fn leak(plugin: &'static Plugin, native: fhp_device_t, props: fh_device_properties_t, ordinal: u32) -> &'static Device {
        let handle = tag(1, DEVICE_KIND, ordinal);
        let device = Box::leak(Box::new(Device {
            handle,
            plugin,
            native,
            props,
            ordinal,
            allocations: Mutex::new(BTreeMap::new()),
            pointer_records: plugin.api.pointer_get_attributes.is_none().then(AllocationRecords::new),
        }));
        validation::register(handle as usize, "device", ordinal);
        device
    }

    pub fn as_handle(&'static self) -> fh_device_t {
        self.handle as usize as fh_device_t
    }

    /// Checks a device handle from the application.
    #[inline]
    pub fn resolve(handle: fh_device_t) -> ApiResult<&'static Device> {
        let value = handle as usize as u64;
        let found = crate::registry::get_if_initialized().and_then(|r| r.devices.get(index_of(value)));
        match found {
            Some(device) if device.handle == value => {
                if validation::enabled() && !validation::is_live(value as usize, "device") {
                    return Err(bad_handle(value, "device", DEVICE_KIND, None));
                }
                Ok(device)
            }
            _ => Err(bad_handle(value, "device", DEVICE_KIND, found.map(|d| d.handle))),
        }
    }

    pub fn has_capability(&self, flag: u64) -> bool {
        self.props.capabilities & flag != 0
    }

    /// "device 0 (cpu)" for messages.
    pub fn describe(&self) -> String {
        format!("device {} ({})", self.ordinal, self.plugin.name)
    }
}

/// Pure: why `value` is not a live handle of `kind` (`name`), given the tag
/// its slot holds now (None when the index names no slot).
pub fn refusal(value: u64, name: &str, kind: u64, slot_tag: Option<u64>) -> String {
    if value == 0 {
        return format!("{name} is NULL");
    }
    let shown = value as usize as *const c_void;
    let why = match (kind_of(value), slot_tag) {
        (k, _) if k != kind && (DEVICE_KIND..=FUNCTION_KIND).contains(&k) => "a handle of another kind",
        (k, _) if k != kind => "never returned by the loader",
        (_, None) => "never returned by the loader",
        (_, Some(current)) if current == value => "validation layer",
        (_, Some(current)) if generation_of(value) == 0 || generation_of(value) > generation_of(current) => {
            "never returned by the loader"
        }
        (_, Some(current)) if generation_of(value) == generation_of(current) => "destroyed",
        (_, Some(_)) => "destroyed; its slot now holds a newer handle",
    };
    format!("{shown:p} is not a live {name} ({why})")
}

/// Builds the INVALID_HANDLE failure off the hot path: formatting stays out
/// of `resolve`, so the success path inlines into every export.
#[cold]
#[inline(never)]
fn bad_handle(value: u64, name: &str, kind: u64, slot_tag: Option<u64>) -> crate::failure::Failure {
    fail(FH_ERROR_INVALID_HANDLE, refusal(value, name, kind, slot_tag))
}

/// One kind's slots: chunks published once and never freed, plus the free
/// list of dead slots. `next` counts the slots handed out so far.
pub struct Table<K: Kind> {
    chunks: [AtomicPtr<Handle<K>>; CHUNK_COUNT],
    free: Mutex<(Vec<u32>, u32)>,
}

impl<K: Kind> Table<K> {
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        Table { chunks: [const { AtomicPtr::new(std::ptr::null_mut()) }; CHUNK_COUNT], free: Mutex::new((Vec::new(), 0)) }
    }

    /// The slot at `index`, if its chunk exists.
    #[inline(always)]
    fn slot(&self, index: usize) -> Option<&'static Handle<K>> {
        let chunk = self.chunks[index / CHUNK].load(Ordering::Acquire);
        if chunk.is_null() {
            return None;
        }
        // SAFETY: a published chunk is a leaked array of CHUNK initialised
        // slots that is never freed; `index % CHUNK` lies inside it.
        Some(unsafe { &*chunk.add(index % CHUNK) })
    }

    /// A dead slot to reuse, or a fresh one (publishing a new chunk when the
    /// last is full). Err when every index of the kind is in use.
    fn take(&self) -> ApiResult<&'static Handle<K>> {
        let mut free = self.free.lock();
        if let Some(index) = free.0.pop() {
            return Ok(self.slot(index as usize).expect("free slots lie in published chunks"));
        }
        let index = free.1 as usize;
        if index >= CHUNK * CHUNK_COUNT {
            return Err(fail(FH_ERROR_OUT_OF_MEMORY, format!("{} live {}s: the loader's handle table is full", index, K::NAME)));
        }
        if index & (CHUNK - 1) == 0 {
            let chunk: Box<[Handle<K>]> = (0..CHUNK).map(|i| Handle::unused((index + i) as u32)).collect();
            let first = Box::leak(chunk).as_mut_ptr();
            self.chunks[index / CHUNK].store(first, Ordering::Release);
        }
        free.1 += 1;
        Ok(self.slot(index).expect("just published"))
    }

    /// Returns a dead slot for reuse; a slot at the last generation is retired.
    fn give_back(&self, slot: &Handle<K>) {
        if generation_of(slot.tag.load(Ordering::Acquire)) != u32::MAX {
            self.free.lock().0.push(slot.index);
        }
    }
}

/// What distinguishes one handle kind from another.
pub trait Kind: Sized + 'static {
    const CODE: u64;
    const NAME: &'static str;
    type Native;
    /// Kind-specific state; reset when a handle is destroyed.
    type Extra: Default + Send + Sync + 'static;
    fn table() -> &'static Table<Self>;
}

/// A stream, event, module or function slot (see the module doc for ownership).
pub struct Handle<K: Kind> {
    /// The live handle value; once destroyed, [`dead_tag`] of its generation.
    tag: AtomicU64,
    index: u32,
    device: AtomicPtr<Device>,
    native: AtomicPtr<K::Native>,
    pub extra: K::Extra,
}

/// Pure: what a dead slot's tag holds: its generation, kind 0 and the index
/// with its low bit flipped. No application value can match it: a value
/// equal to it decodes to the *other* index (`index ^ 1`), whose slot holds
/// either a live tag (kind != 0) or its own dead tag, which differs in the
/// index bits.
#[inline]
pub const fn dead_tag(generation: u32, index: u32) -> u64 {
    tag(generation, 0, index ^ 1)
}

impl<K: Kind> Handle<K> {
    fn unused(index: u32) -> Self {
        Handle {
            tag: AtomicU64::new(dead_tag(0, index)),
            index,
            device: AtomicPtr::new(std::ptr::null_mut()),
            native: AtomicPtr::new(std::ptr::null_mut()),
            extra: K::Extra::default(),
        }
    }

    /// Makes a live handle for `native` on `device` in a dead slot, under
    /// the slot's next generation. A NULL `native` (a plugin that reported
    /// success without a handle) is refused with FH_ERROR_UNKNOWN and no
    /// handle is made: the loader cannot destroy what it cannot name.
    pub fn create(device: &'static Device, native: *mut K::Native) -> ApiResult<&'static Handle<K>> {
        if native.is_null() {
            return Err(null_native(device, K::NAME));
        }
        let slot = K::table().take()?;
        let generation = generation_of(slot.tag.load(Ordering::Acquire)) + 1;
        slot.device.store(device as *const Device as *mut Device, Ordering::Relaxed);
        slot.native.store(native, Ordering::Relaxed);
        let value = tag(generation, K::CODE, slot.index);
        validation::register(value as usize, K::NAME, device.ordinal);
        slot.tag.store(value, Ordering::Release);
        Ok(slot)
    }

    /// Checks a handle from the application: one chunk load and one compare
    /// on success.
    #[inline(always)]
    pub fn resolve(ptr: *mut c_void) -> ApiResult<&'static Handle<K>> {
        let value = ptr as usize as u64;
        match K::table().slot(index_of(value)) {
            Some(slot) if slot.tag.load(Ordering::Acquire) == value => {
                if validation::enabled() && !validation::is_live(value as usize, K::NAME) {
                    return Err(bad_handle(value, K::NAME, K::CODE, Some(value)));
                }
                Ok(slot)
            }
            slot => Err(bad_handle(value, K::NAME, K::CODE, slot.map(|s| s.tag.load(Ordering::Acquire)))),
        }
    }

    /// Claims `handle` (this slot's value from [`resolve`](Self::resolve))
    /// for destruction: afterwards every call with it fails with
    /// FH_ERROR_INVALID_HANDLE. Two racing destroys: one wins, and a destroy
    /// that lost a race never claims a newer handle in the same slot.
    pub fn begin_destroy(&'static self, handle: *mut c_void) -> ApiResult {
        let value = handle as usize as u64;
        let dead = dead_tag(generation_of(value), self.index);
        match self.tag.compare_exchange(value, dead, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => {
                validation::unregister(value as usize);
                Ok(())
            }
            Err(current) => Err(bad_handle(value, K::NAME, K::CODE, Some(current))),
        }
    }

    /// Returns a destroyed slot to its free list.
    pub fn release(&'static self, reset: impl FnOnce(&K::Extra)) {
        reset(&self.extra);
        K::table().give_back(self);
    }

    #[inline]
    pub fn device(&self) -> &'static Device {
        // SAFETY: set to a leaked Device before the tag was published.
        unsafe { &*self.device.load(Ordering::Relaxed) }
    }

    #[inline]
    pub fn native(&self) -> *mut K::Native {
        self.native.load(Ordering::Relaxed)
    }

    /// The slot's address: stable for the process, shared by the handles
    /// that reuse the slot one after another (the trace layer keys its
    /// stream tracks by it, and starts a fresh track at each create).
    pub fn address(&self) -> usize {
        self as *const Self as usize
    }

    /// The live handle value, as the application's pointer type (only
    /// meaningful while the handle is live).
    pub fn as_ptr<T>(&'static self) -> *mut T {
        self.tag.load(Ordering::Acquire) as usize as *mut T
    }
}

/// A create call whose plugin reported success without a handle.
#[cold]
#[inline(never)]
fn null_native(device: &Device, name: &str) -> crate::failure::Failure {
    fail(
        FH_ERROR_UNKNOWN,
        format!("plugin \"{}\" reported success but returned a NULL {name} (a plugin bug); no {name} was created", device.plugin.name),
    )
}

macro_rules! kind {
    ($kind:ident, $code:expr, $name:literal, $native:ty, $extra:ty) => {
        pub struct $kind;
        impl Kind for $kind {
            const CODE: u64 = $code;
            const NAME: &'static str = $name;
            type Native = $native;
            type Extra = $extra;
            fn table() -> &'static Table<Self> {
                static TABLE: Table<$kind> = Table::new();
                &TABLE
            }
        }
    };
}

kind!(StreamKind, STREAM_KIND, "stream", fhp_stream_s, ());
kind!(EventKind, EVENT_KIND, "event", fhp_event_s, AtomicU32);
kind!(ModuleKind, MODULE_KIND, "module", fhp_module_s, ModuleExtra);
kind!(FunctionKind, FUNCTION_KIND, "function", fhp_function_s, AtomicU32);

/// What the loader keeps per module.
#[derive(Default)]
pub struct ModuleExtra {
    /// The function handles handed out for this module; they die with it.
    pub functions: Mutex<Vec<&'static Function>>,
    /// Kernel name -> parameter bytes, from the module's bundle (empty for a
    /// module not loaded from one).
    pub params: Mutex<Vec<(String, u32)>>,
}

pub type Stream = Handle<StreamKind>;
/// `extra`: the creation flags (FH_EVENT_DISABLE_TIMING).
pub type Event = Handle<EventKind>;
/// `extra`: its function handles and recorded parameter sizes ([`ModuleExtra`]).
pub type Module = Handle<ModuleKind>;
/// `extra`: the bytes of parameters the kernel reads, when its bundle records
/// them (0 otherwise); fhLaunchKernel refuses a shorter blob.
pub type Function = Handle<FunctionKind>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handle_values_pack_generation_kind_and_index() {
        let value = tag(7, EVENT_KIND, 0x12_3456);
        assert_eq!(value, 0x0000_0007_0312_3456);
        assert_eq!((generation_of(value), kind_of(value), index_of(value)), (7, EVENT_KIND, 0x12_3456));
    }

    #[test]
    fn no_value_matches_a_dead_slot_at_its_own_index() {
        for index in [0u32, 1, 2, 3, 4095, 4096, 0xFF_FFFF] {
            for generation in [0u32, 1, 9, u32::MAX] {
                let dead = dead_tag(generation, index);
                assert_ne!(index_of(dead), index as usize, "a value equal to a dead tag looks at another slot");
                assert_eq!(kind_of(dead), 0, "and is never a live tag there");
                assert_ne!(dead, dead_tag(generation, index ^ 1), "nor that slot's dead tag");
            }
        }
        assert_ne!(dead_tag(0, 0), 0, "NULL never matches slot 0");
    }

    #[test]
    fn refusals_say_why() {
        let live = tag(3, STREAM_KIND, 5);
        let say = |value, current| refusal(value, "stream", STREAM_KIND, current);
        assert_eq!(say(0, None), "stream is NULL");
        assert_eq!(say(0x10, Some(dead_tag(0, 0x10))), "0x10 is not a live stream (never returned by the loader)");
        assert!(say(tag(1, EVENT_KIND, 5), None).ends_with("(a handle of another kind)"));
        assert!(say(live, Some(dead_tag(3, 5))).ends_with("is not a live stream (destroyed)"));
        assert!(say(live, Some(tag(4, STREAM_KIND, 5))).ends_with("(destroyed; its slot now holds a newer handle)"));
        assert!(say(tag(9, STREAM_KIND, 5), Some(live)).ends_with("(never returned by the loader)"), "a future generation");
        assert!(say(live, None).ends_with("(never returned by the loader)"), "an index with no slot");
    }
}
