//! The plugin's opaque handles (`fhp_*_t`) and how each is owned: the one
//! place that turns plugin objects into C handles and back.
//!
//! | handle           | the shell holds                              | created by          | released by          |
//! |------------------|----------------------------------------------|---------------------|----------------------|
//! | `fhp_device_t`   | `&'static P::Device` (from `Plugin::init`)   | init                | never (process)      |
//! | `fhp_stream_t`   | `Arc<P::Stream>` (one strong reference)      | stream_create       | stream_destroy       |
//! | `fhp_event_t`    | `Box<P::Event>`                              | event_create        | event_destroy        |
//! | `fhp_module_t`   | `Box<Loaded<P>>`: the module and its function handles | module_load | module_unload        |
//! | `fhp_function_t` | `Arc<FunctionOf<P>>` (one strong reference)    | module_get_function | its module's unload  |
//!
//! Every handle is a [`Shell`]: a tag word naming its kind (and this copy of
//! the SDK, so another plugin's handle never matches) and a pointer to the
//! object. Shells are never returned to the allocator: a destroyed handle's
//! tag is cleared and the shell waits in a free list for a later create. So
//! a NULL, destroyed or wrong-kind handle is a defined read that gives
//! FH_ERROR_INVALID_HANDLE on every plugin (a destroyed handle until its
//! shell is reused, as the loader's handles). The loader already refuses
//! such handles (plugin ABI rule 7); the SDK refuses them again for plugins
//! driven directly. A call costs one extra load and compare.

use crate::traits::{FunctionOf, Module, Plugin};
use crate::sys::{self, fhp_device_t, fhp_event_t, fhp_function_t, fhp_module_t, fhp_stream_t};
use crate::{FfiError, FfiResult};
use std::collections::VecDeque;
use std::ffi::{c_void, CStr};
use std::mem::ManuallyDrop;
use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// The kinds of handle, each with its own tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Device,
    Stream,
    Event,
    Module,
    Function,
}

/// Marks this copy of the SDK: its address is part of every tag.
static INSTANCE: u8 = 0;
/// The tag of a shell that holds nothing.
const DEAD: u64 = 0;

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Device => "device",
            Kind::Stream => "stream",
            Kind::Event => "event",
            Kind::Module => "module",
            Kind::Function => "function",
        }
    }

    /// Distinct per kind (the top byte) and per SDK copy (a user-space
    /// address, below 2^56, added), never DEAD.
    fn tag(self) -> u64 {
        let base = (self as u64 + 1) << 56;
        base.wrapping_add(&INSTANCE as *const u8 as u64)
    }
}

/// What a handle points to. Never freed.
#[repr(C)]
pub struct Shell {
    tag: AtomicU64,
    object: AtomicPtr<c_void>,
}

static FREE: Mutex<VecDeque<&'static Shell>> = Mutex::new(VecDeque::new());

fn free_list() -> std::sync::MutexGuard<'static, VecDeque<&'static Shell>> {
    FREE.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn invalid(message: String) -> FfiError {
    FfiError::new(sys::FH_ERROR_INVALID_HANDLE, message)
}

/// A new handle of `kind` for `object`, in a reused shell when one is free
/// (the oldest first, so a stale handle stays detectable as long as possible).
fn make(kind: Kind, object: *mut c_void) -> *mut c_void {
    let shell: &'static Shell = free_list()
        .pop_front()
        .unwrap_or_else(|| Box::leak(Box::new(Shell { tag: AtomicU64::new(DEAD), object: AtomicPtr::new(std::ptr::null_mut()) })));
    shell.object.store(object, Ordering::Relaxed);
    shell.tag.store(kind.tag(), Ordering::Release);
    (shell as *const Shell).cast_mut().cast()
}

/// The shell behind a handle, refusing NULL.
///
/// # Safety
/// `handle` is NULL or was made by [`make`] (the loader passes nothing else).
unsafe fn shell<'a>(handle: *mut c_void, kind: Kind) -> FfiResult<&'a Shell> {
    // SAFETY: shells are never freed, so a handle made by `make` stays readable.
    unsafe { sys::ptr::in_ref(handle.cast::<Shell>().cast_const(), kind.name()) }
        .map_err(|_| invalid(format!("{} handle is NULL", kind.name())))
}

fn not_live(handle: *mut c_void, kind: Kind) -> FfiError {
    let name = kind.name();
    invalid(format!("{name} handle {handle:p} is not a live {name} of this plugin (destroyed, or another kind)"))
}

/// The object of a live handle of `kind`.
///
/// # Safety
/// As [`shell`].
unsafe fn open(handle: *mut c_void, kind: Kind) -> FfiResult<*mut c_void> {
    // SAFETY: forwarded.
    let shell = unsafe { shell(handle, kind) }?;
    if shell.tag.load(Ordering::Acquire) != kind.tag() {
        return Err(not_live(handle, kind));
    }
    Ok(shell.object.load(Ordering::Relaxed))
}

/// Retires a live handle of `kind` (once: a second retire of the same handle
/// fails) and returns its object.
///
/// # Safety
/// As [`shell`].
unsafe fn close(handle: *mut c_void, kind: Kind) -> FfiResult<*mut c_void> {
    // SAFETY: forwarded.
    let shell: &'static Shell = unsafe { shell(handle, kind) }?;
    shell
        .tag
        .compare_exchange(kind.tag(), DEAD, Ordering::AcqRel, Ordering::Acquire)
        .map_err(|_| not_live(handle, kind))?;
    let object = shell.object.swap(std::ptr::null_mut(), Ordering::Relaxed);
    free_list().push_back(shell);
    Ok(object)
}

/// Borrows the object behind a pointer this module made from a `Box` or an `Arc`.
///
/// # Safety
/// `object` came from `Box::into_raw` or `Arc::into_raw` of a `T` that is
/// still alive for `'a`.
unsafe fn object<'a, T>(object: *mut c_void, kind: Kind) -> FfiResult<&'a T> {
    // SAFETY: forwarded; a live handle never holds NULL.
    unsafe { sys::ptr::in_ref(object.cast::<T>().cast_const(), kind.name()) }
}

// ---- devices ---------------------------------------------------------------

/// The device handles, made once from what the first successful init
/// returned (as addresses, so the static is Sync). Unset before init.
static DEVICES: OnceLock<Vec<usize>> = OnceLock::new();

/// Makes the device handles (the first call wins: devices are stable after init).
pub fn register_devices<P: Plugin>(devices: &'static [P::Device]) {
    DEVICES.get_or_init(|| devices.iter().map(|d| make(Kind::Device, (d as *const P::Device).cast_mut().cast()) as usize).collect());
}

/// The device handles, or `None` before init.
pub fn device_handles() -> Option<impl ExactSizeIterator<Item = fhp_device_t>> {
    DEVICES.get().map(|handles| handles.iter().map(|h| *h as fhp_device_t))
}

/// # Safety
/// `handle` is NULL or a handle this SDK made (any kind).
pub unsafe fn device<P: Plugin>(handle: fhp_device_t) -> FfiResult<&'static P::Device> {
    // SAFETY: forwarded; a device shell holds a `&'static P::Device`.
    unsafe { object(open(handle.cast(), Kind::Device)?, Kind::Device) }
}

// ---- streams ---------------------------------------------------------------

pub fn stream_handle<P: Plugin>(stream: Arc<P::Stream>) -> fhp_stream_t {
    make(Kind::Stream, Arc::into_raw(stream).cast_mut().cast()).cast()
}

/// # Safety
/// `handle` is NULL or a handle this SDK made; the stream outlives `'a`
/// (the loader never destroys a handle while it is in use).
pub unsafe fn stream<'a, P: Plugin>(handle: fhp_stream_t) -> FfiResult<&'a P::Stream> {
    // SAFETY: forwarded; a stream shell holds `Arc::into_raw` of a live stream.
    unsafe { object(open(handle.cast(), Kind::Stream)?, Kind::Stream) }
}

/// # Safety
/// As [`stream`]; the handle is not used again.
pub unsafe fn take_stream<P: Plugin>(handle: fhp_stream_t) -> FfiResult<Arc<P::Stream>> {
    // SAFETY: forwarded; the shell's strong reference returns to Rust once
    // (`close` succeeds once per handle).
    Ok(unsafe { Arc::from_raw(close(handle.cast(), Kind::Stream)?.cast::<P::Stream>().cast_const()) })
}

// ---- events ----------------------------------------------------------------

pub fn event_handle<P: Plugin>(event: Box<P::Event>) -> fhp_event_t {
    make(Kind::Event, Box::into_raw(event).cast()).cast()
}

/// # Safety
/// As [`stream`].
pub unsafe fn event<'a, P: Plugin>(handle: fhp_event_t) -> FfiResult<&'a P::Event> {
    // SAFETY: forwarded; an event shell holds `Box::into_raw` of a live event.
    unsafe { object(open(handle.cast(), Kind::Event)?, Kind::Event) }
}

/// # Safety
/// As [`take_stream`].
pub unsafe fn take_event<P: Plugin>(handle: fhp_event_t) -> FfiResult<Box<P::Event>> {
    // SAFETY: forwarded; ownership returns to Rust once.
    Ok(unsafe { Box::from_raw(close(handle.cast(), Kind::Event)?.cast::<P::Event>()) })
}

// ---- modules and functions ------------------------------------------------

/// A loaded module and the function handles given out for it, each with
/// the address of its function (to hand out the same handle again).
pub struct Loaded<P: Plugin> {
    module: Box<P::Module>,
    functions: Mutex<Vec<(usize, usize)>>,
}

pub fn module_handle<P: Plugin>(module: Box<P::Module>) -> fhp_module_t {
    let loaded = Box::new(Loaded::<P> { module, functions: Mutex::new(Vec::new()) });
    make(Kind::Module, Box::into_raw(loaded).cast()).cast()
}

/// # Safety
/// As [`stream`].
pub unsafe fn module<'a, P: Plugin>(handle: fhp_module_t) -> FfiResult<&'a Loaded<P>> {
    // SAFETY: forwarded; a module shell holds `Box::into_raw` of a live `Loaded`.
    unsafe { object(open(handle.cast(), Kind::Module)?, Kind::Module) }
}

impl<P: Plugin> Loaded<P> {
    /// fhModuleGetFunction: the same function gives the same handle.
    pub fn function_handle(&self, name: &CStr) -> FfiResult<fhp_function_t> {
        let function = self.module.function(name)?;
        let address = Arc::as_ptr(&function) as usize;
        let mut functions = self.functions.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some((handle, _)) = functions.iter().find(|(_, f)| *f == address) {
            return Ok(*handle as fhp_function_t);
        }
        let handle = make(Kind::Function, Arc::into_raw(function).cast_mut().cast());
        functions.push((handle as usize, address));
        Ok(handle.cast())
    }
}

/// # Safety
/// As [`take_stream`]. Retires the module's function handles first, then
/// drops the module.
pub unsafe fn unload_module<P: Plugin>(handle: fhp_module_t) -> FfiResult {
    // SAFETY: forwarded; ownership of the `Loaded` returns to Rust once.
    let loaded = unsafe { Box::from_raw(close(handle.cast(), Kind::Module)?.cast::<Loaded<P>>()) };
    let functions = std::mem::take(&mut *loaded.functions.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
    for (function, _) in functions {
        // SAFETY: a function handle made by `function_handle`, retired only here.
        let raw = unsafe { close(function as *mut c_void, Kind::Function) }?;
        // SAFETY: the shell's strong reference, from `Arc::into_raw`, returned once.
        drop(unsafe { Arc::from_raw(raw.cast::<FunctionOf<P>>().cast_const()) });
    }
    drop(loaded);
    Ok(())
}

/// A function borrowed from its handle: the handle's `Arc`, not counted again.
pub struct FunctionRef<P: Plugin>(ManuallyDrop<Arc<FunctionOf<P>>>);

impl<P: Plugin> std::ops::Deref for FunctionRef<P> {
    type Target = Arc<FunctionOf<P>>;
    fn deref(&self) -> &Arc<FunctionOf<P>> {
        &self.0
    }
}

/// # Safety
/// As [`stream`]; the module is not unloaded while the borrow lives.
pub unsafe fn function<P: Plugin>(handle: fhp_function_t) -> FfiResult<FunctionRef<P>> {
    // SAFETY: forwarded.
    let raw = unsafe { open(handle.cast(), Kind::Function) }?;
    // SAFETY: a function shell holds `Arc::into_raw` of a function whose
    // strong reference the shell keeps until module_unload; ManuallyDrop
    // never gives that reference back.
    Ok(FunctionRef(ManuallyDrop::new(unsafe { Arc::from_raw(raw.cast::<FunctionOf<P>>().cast_const()) })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_stale_and_wrong_kind_handles_are_refused_and_shells_are_reused() {
        let object = Box::into_raw(Box::new(7u32)).cast::<c_void>();
        let handle = make(Kind::Event, object);
        // SAFETY: handles made above, or NULL.
        unsafe {
            assert_eq!(open(handle, Kind::Event), Ok(object));
            let wrong = open(handle, Kind::Stream).unwrap_err();
            assert_eq!(wrong.status, sys::FH_ERROR_INVALID_HANDLE);
            assert!(wrong.message.contains("not a live stream"), "{}", wrong.message);
            let null = open(std::ptr::null_mut(), Kind::Module).unwrap_err();
            assert_eq!((null.status, null.message.as_str()), (sys::FH_ERROR_INVALID_HANDLE, "module handle is NULL"));
            assert_eq!(close(handle, Kind::Event), Ok(object));
            assert_eq!(open(handle, Kind::Event).unwrap_err().status, sys::FH_ERROR_INVALID_HANDLE, "stale");
            assert_eq!(close(handle, Kind::Event).unwrap_err().status, sys::FH_ERROR_INVALID_HANDLE, "destroyed twice");
            drop(Box::from_raw(object.cast::<u32>()));
        }
        assert!(free_list().iter().any(|s| std::ptr::eq(*s, handle.cast::<Shell>())), "the shell waits for reuse");
    }

    #[test]
    fn tags_differ_per_kind_and_are_never_dead() {
        let kinds = [Kind::Device, Kind::Stream, Kind::Event, Kind::Module, Kind::Function];
        for (i, a) in kinds.iter().enumerate() {
            assert_ne!(a.tag(), DEAD);
            for b in &kinds[i + 1..] {
                assert_ne!(a.tag(), b.tag());
            }
        }
    }
}
