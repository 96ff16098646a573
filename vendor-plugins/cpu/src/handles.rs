//! The plugin's opaque handles (`fhp_*_t`) and how each is owned. This is the
//! one place that turns plugin objects into C handles and back.
//!
//! | handle           | is                                   | created by          | freed by          |
//! |------------------|--------------------------------------|---------------------|-------------------|
//! | `fhp_device_t`   | `&'static Device`                    | init                | never (process)   |
//! | `fhp_stream_t`   | `Box<Stream>`                        | stream_create       | stream_destroy    |
//! | `fhp_event_t`    | `Box<Event>`                         | event_create        | event_destroy     |
//! | `fhp_module_t`   | `Box<Module>`                        | module_load         | module_unload     |
//! | `fhp_function_t` | `Arc::as_ptr` of the module's `Arc<Function>` | module_get_function | with its module |
//!
//! The loader passes only live, non-NULL handles of the right kind (rule 7 of
//! flaghal_plugin.h); NULL is still answered with FH_ERROR_INVALID_HANDLE.

use crate::device::Device;
use crate::event::Event;
use crate::module::{Function, Module};
use crate::stream::Stream;
use flaghal_sys::{
    fhp_device_t, fhp_event_t, fhp_function_t, fhp_module_t, fhp_stream_t, FfiError, FfiResult, FH_ERROR_INVALID_HANDLE,
};
use std::sync::Arc;

fn null_handle(what: &str) -> FfiError {
    FfiError::new(FH_ERROR_INVALID_HANDLE, format!("{what} handle is NULL"))
}

/// Borrows the object behind a handle.
///
/// # Safety
/// `handle` is NULL or was made by this module from a live `T`.
unsafe fn borrow<'a, T, H>(handle: *mut H, what: &str) -> FfiResult<&'a T> {
    // SAFETY: forwarded from the caller.
    unsafe { flaghal_sys::ptr::in_ref(handle.cast::<T>().cast_const(), what) }.map_err(|_| null_handle(what))
}

/// Takes back a boxed object for destruction.
///
/// # Safety
/// `handle` is NULL or came from `Box::into_raw` of a `T` not yet taken back.
unsafe fn take<T, H>(handle: *mut H, what: &str) -> FfiResult<Box<T>> {
    if handle.is_null() {
        return Err(null_handle(what));
    }
    // SAFETY: forwarded from the caller; ownership returns to Rust once.
    Ok(unsafe { Box::from_raw(handle.cast::<T>()) })
}

pub fn device_handle(device: &'static Device) -> fhp_device_t {
    (device as *const Device).cast_mut().cast()
}

/// # Safety
/// A device handle from [`device_handle`] (or NULL).
pub unsafe fn device<'a>(handle: fhp_device_t) -> FfiResult<&'a Device> {
    // SAFETY: forwarded.
    unsafe { borrow(handle, "device") }
}

pub fn stream_handle(stream: Stream) -> fhp_stream_t {
    Box::into_raw(Box::new(stream)).cast()
}

/// # Safety
/// A live stream handle from [`stream_handle`] (or NULL).
pub unsafe fn stream<'a>(handle: fhp_stream_t) -> FfiResult<&'a Stream> {
    // SAFETY: forwarded.
    unsafe { borrow(handle, "stream") }
}

/// # Safety
/// A live stream handle, not used again afterwards.
pub unsafe fn take_stream(handle: fhp_stream_t) -> FfiResult<Stream> {
    // SAFETY: forwarded.
    unsafe { take::<Stream, _>(handle, "stream") }.map(|b| *b)
}

pub fn event_handle(event: Event) -> fhp_event_t {
    Box::into_raw(Box::new(event)).cast()
}

/// # Safety
/// A live event handle from [`event_handle`] (or NULL).
pub unsafe fn event<'a>(handle: fhp_event_t) -> FfiResult<&'a Event> {
    // SAFETY: forwarded.
    unsafe { borrow(handle, "event") }
}

/// # Safety
/// A live event handle, not used again afterwards.
pub unsafe fn take_event(handle: fhp_event_t) -> FfiResult<Box<Event>> {
    // SAFETY: forwarded.
    unsafe { take(handle, "event") }
}

pub fn module_handle(module: Module) -> fhp_module_t {
    Box::into_raw(Box::new(module)).cast()
}

/// # Safety
/// A live module handle from [`module_handle`] (or NULL).
pub unsafe fn module<'a>(handle: fhp_module_t) -> FfiResult<&'a Module> {
    // SAFETY: forwarded.
    unsafe { borrow(handle, "module") }
}

/// # Safety
/// A live module handle, not used again afterwards.
pub unsafe fn take_module(handle: fhp_module_t) -> FfiResult<Box<Module>> {
    // SAFETY: forwarded.
    unsafe { take(handle, "module") }
}

/// The handle of a function; the module's cache keeps the `Arc` alive.
pub fn function_handle(function: &Arc<Function>) -> fhp_function_t {
    Arc::as_ptr(function).cast_mut().cast()
}

/// A new strong reference to the function behind a handle.
///
/// # Safety
/// A handle from [`function_handle`] whose module is still loaded (or NULL).
pub unsafe fn function(handle: fhp_function_t) -> FfiResult<Arc<Function>> {
    if handle.is_null() {
        return Err(null_handle("function"));
    }
    let ptr = handle.cast::<Function>().cast_const();
    // SAFETY: the module's cache holds a strong reference to this Arc while
    // the module is loaded, so adding one and adopting it is sound.
    unsafe {
        Arc::increment_strong_count(ptr);
        Ok(Arc::from_raw(ptr))
    }
}
