//! Loader-owned handles.
//!
//! Every handle the application sees (fh_device_t, fh_stream_t, fh_event_t,
//! fh_module_t, fh_function_t) points to a loader struct that starts with a
//! per-kind magic word, then a pointer to its device (which points to its
//! plugin) and the plugin's native handle: a call is one pointer hop to the
//! plugin's function, with no global lock and no map lookup.
//!
//! Ownership:
//! - `Device`: one `Box` per visible device, leaked at fhInit; valid forever.
//! - `Handle<K>` (streams, events, modules, functions): a `Box` leaked on
//!   first use and never returned to the allocator. On destroy the magic is
//!   poisoned and the shell goes to its kind's free list, to be reused by a
//!   later create. Reading the magic of a stale handle is therefore a defined
//!   read that yields FH_ERROR_INVALID_HANDLE (until the shell is reused).
//!   With FLAGHAL_VALIDATION=1 shells are never reused and every handle is
//!   checked against the registry of live handles, so stale handles are
//!   always detected.

use crate::failure::{fail, ApiResult};
use crate::plugin::Plugin;
use crate::validation;
use flaghal_sys::allocation_records::AllocationRecords;
use flaghal_sys::*;
use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::ffi::c_void;
use std::sync::atomic::{AtomicPtr, AtomicU32, AtomicU64, Ordering};

/// Magic words ("FHDEV\0\0\0"...), distinct per kind; DEAD marks a destroyed shell.
pub const DEVICE_MAGIC: u64 = 0x4648_4445_5649_4345;
pub const STREAM_MAGIC: u64 = 0x4648_5354_5245_414D;
pub const EVENT_MAGIC: u64 = 0x4648_4556_454E_5400;
pub const MODULE_MAGIC: u64 = 0x4648_4D4F_4455_4C45;
pub const FUNCTION_MAGIC: u64 = 0x4648_4655_4E43_5400;
pub const DEAD_MAGIC: u64 = 0xDEAD_DEAD_DEAD_DEAD;

/// A visible device. Immutable after fhInit except for the validation
/// layer's allocation ranges.
#[repr(C)]
pub struct Device {
    magic: AtomicU64,
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
        let device = Box::leak(Box::new(Device {
            magic: AtomicU64::new(DEVICE_MAGIC),
            plugin,
            native,
            props,
            ordinal,
            allocations: Mutex::new(BTreeMap::new()),
            pointer_records: plugin.api.pointer_get_attributes.is_none().then(AllocationRecords::new),
        }));
        validation::register(device as *const Device as usize, "device", ordinal);
        device
    }

    pub fn as_handle(&'static self) -> fh_device_t {
        self as *const Device as fh_device_t
    }

    /// Checks a device handle from the application.
    #[inline]
    pub fn resolve(handle: fh_device_t) -> ApiResult<&'static Device> {
        let ptr = handle as *const c_void;
        check_magic(ptr, DEVICE_MAGIC, "device")?;
        // SAFETY: the magic matched, so `ptr` is a leaked, live Device.
        Ok(unsafe { &*(ptr as *const Device) })
    }

    pub fn has_capability(&self, flag: u64) -> bool {
        self.props.capabilities & flag != 0
    }

    /// "device 0 (cpu)" for messages.
    pub fn describe(&self) -> String {
        format!("device {} ({})", self.ordinal, self.plugin.name)
    }
}

/// Checks that `ptr` is a live handle whose magic is `magic`.
#[inline]
fn check_magic(ptr: *const c_void, magic: u64, kind: &str) -> ApiResult {
    if ptr.is_null() {
        return Err(bad_handle(ptr, kind, Fault::Null));
    }
    if validation::enabled() && !validation::is_live(ptr as usize, kind) {
        return Err(bad_handle(ptr, kind, Fault::NotLive));
    }
    // SAFETY: every loader handle starts with an AtomicU64 magic and is never
    // freed (see the module doc), so a pointer the loader once returned is
    // readable. A pointer the loader never returned is a caller error that
    // only the validation layer (above) can catch.
    let found = unsafe { &*(ptr as *const AtomicU64) }.load(Ordering::Acquire);
    if found != magic {
        return Err(bad_handle(ptr, kind, Fault::WrongMagic));
    }
    Ok(())
}

/// Why a handle was refused.
enum Fault {
    Null,
    /// The validation layer's registry does not hold it.
    NotLive,
    /// Its magic word is not this kind's (destroyed, or another kind).
    WrongMagic,
}

/// Builds the INVALID_HANDLE failure off the hot path: formatting stays out
/// of `check_magic`, so the success path inlines into every export.
#[cold]
#[inline(never)]
fn bad_handle(ptr: *const c_void, kind: &str, fault: Fault) -> crate::failure::Failure {
    let message = match fault {
        Fault::Null => format!("{kind} is NULL"),
        Fault::NotLive => format!("{ptr:p} is not a live {kind} (validation layer)"),
        Fault::WrongMagic => format!("{ptr:p} is not a live {kind} (destroyed, or a handle of another kind)"),
    };
    fail(FH_ERROR_INVALID_HANDLE, message)
}

/// What distinguishes one handle kind from another.
pub trait Kind: 'static {
    const MAGIC: u64;
    const NAME: &'static str;
    type Native;
    /// Kind-specific state; reset to default when a shell is reused.
    type Extra: Default + Send + Sync + 'static;
    fn free_list() -> &'static Mutex<Vec<usize>>;
}

/// A stream, event, module or function handle (see the module doc for ownership).
#[repr(C)]
pub struct Handle<K: Kind> {
    magic: AtomicU64,
    device: AtomicPtr<Device>,
    native: AtomicPtr<K::Native>,
    pub extra: K::Extra,
}

impl<K: Kind> Handle<K> {
    /// Makes a live handle for `native` on `device`, reusing a dead shell
    /// when validation is off.
    pub fn create(device: &'static Device, native: *mut K::Native) -> &'static Handle<K> {
        let reused = if validation::enabled() { None } else { K::free_list().lock().pop() };
        let shell: &'static Handle<K> = match reused {
            // SAFETY: free-list entries are leaked shells of this kind (only
            // `release` pushes to it), never freed.
            Some(address) => unsafe { &*(address as *const Handle<K>) },
            None => Box::leak(Box::new(Handle {
                magic: AtomicU64::new(DEAD_MAGIC),
                device: AtomicPtr::new(std::ptr::null_mut()),
                native: AtomicPtr::new(std::ptr::null_mut()),
                extra: K::Extra::default(),
            })),
        };
        shell.device.store(device as *const Device as *mut Device, Ordering::Relaxed);
        shell.native.store(native, Ordering::Relaxed);
        validation::register(shell.address(), K::NAME, device.ordinal);
        shell.magic.store(K::MAGIC, Ordering::Release);
        shell
    }

    /// Checks a handle from the application.
    #[inline]
    pub fn resolve(ptr: *mut c_void) -> ApiResult<&'static Handle<K>> {
        check_magic(ptr, K::MAGIC, K::NAME)?;
        // SAFETY: the magic matched: `ptr` is a leaked shell of kind K.
        Ok(unsafe { &*(ptr as *const Handle<K>) })
    }

    /// Claims the handle for destruction: afterwards every call with it fails
    /// with FH_ERROR_INVALID_HANDLE. Two racing destroys: one wins.
    pub fn begin_destroy(&'static self) -> ApiResult {
        match self.magic.compare_exchange(K::MAGIC, DEAD_MAGIC, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => {
                validation::unregister(self.address());
                Ok(())
            }
            Err(_) => Err(fail(FH_ERROR_INVALID_HANDLE, format!("{:p} is not a live {}", self, K::NAME))),
        }
    }

    /// Returns a destroyed shell to its free list (kept forever when validating).
    pub fn release(&'static self, reset: impl FnOnce(&K::Extra)) {
        reset(&self.extra);
        if !validation::enabled() {
            K::free_list().lock().push(self.address());
        }
    }

    #[inline]
    pub fn device(&self) -> &'static Device {
        // SAFETY: set to a leaked Device before the magic was published.
        unsafe { &*self.device.load(Ordering::Relaxed) }
    }

    #[inline]
    pub fn native(&self) -> *mut K::Native {
        self.native.load(Ordering::Relaxed)
    }

    pub fn address(&self) -> usize {
        self as *const Self as usize
    }

    pub fn as_ptr<T>(&'static self) -> *mut T {
        self as *const Self as *mut T
    }
}

macro_rules! kind {
    ($kind:ident, $magic:expr, $name:literal, $native:ty, $extra:ty) => {
        pub struct $kind;
        impl Kind for $kind {
            const MAGIC: u64 = $magic;
            const NAME: &'static str = $name;
            type Native = $native;
            type Extra = $extra;
            fn free_list() -> &'static Mutex<Vec<usize>> {
                static FREE: Mutex<Vec<usize>> = Mutex::new(Vec::new());
                &FREE
            }
        }
    };
}

kind!(StreamKind, STREAM_MAGIC, "stream", fhp_stream_s, ());
kind!(EventKind, EVENT_MAGIC, "event", fhp_event_s, AtomicU32);
kind!(ModuleKind, MODULE_MAGIC, "module", fhp_module_s, ModuleExtra);
kind!(FunctionKind, FUNCTION_MAGIC, "function", fhp_function_s, AtomicU32);

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
