//! Typed handles: each is a copy of one loader handle (an opaque pointer).
//!
//! Ownership: the loader owns the object behind a handle; a handle is a
//! token, `Copy`, never dereferenced here and never destroyed on drop. The
//! program destroys what it created (fhStreamDestroy, fhEventDestroy,
//! fhModuleUnload); devices live until the process exits. Handles are
//! `Send` and `Sync` because flaghal.h makes every function callable from
//! any thread with any handle. `.0` is the raw handle, for [`crate::Hal::raw`].

use flaghal_sys::{fh_device_t, fh_event_t, fh_function_t, fh_module_t, fh_stream_t};

macro_rules! handle {
    ($(#[$doc:meta])* $name:ident($raw:ty)) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $name(pub $raw);

        // SAFETY: flaghal.h: "Every function may be called from any thread at
        // any time"; the handle is an opaque token the loader validates and
        // this crate never dereferences.
        unsafe impl Send for $name {}
        // SAFETY: as above; sharing hands out copies of the token only.
        unsafe impl Sync for $name {}

        impl $name {
            /// The NULL handle (calls reject it, destroying it is a no-op).
            pub fn null() -> Self {
                $name(std::ptr::null_mut())
            }
        }
    };
}

handle!(
    /// A device (fhDeviceGet).
    Device(fh_device_t)
);
handle!(
    /// A stream (fhStreamCreate).
    Stream(fh_stream_t)
);
handle!(
    /// An event (fhEventCreate).
    Event(fh_event_t)
);
handle!(
    /// A loaded module (fhModuleLoadData).
    Module(fh_module_t)
);
handle!(
    /// A kernel of a module (fhModuleGetFunction); dies with its module.
    Function(fh_function_t)
);
