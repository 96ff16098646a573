//! `flaghal-client`: the application API (include/flaghal/flaghal.h) for
//! Rust programs, reached the way a C framework reaches it: libflaghal.so
//! opened at run time ([`Hal::open`]). The integration tests, hal/tests, the
//! conformance suite, flaghal-info and flaghal-bench use it.
//!
//! - [`Hal`]: one method per fh* function, named after it (`fhMemAlloc` is
//!   [`Hal::mem_alloc`]); every method returns [`Result`]. [`Hal::raw`] is
//!   the escape hatch to the C entry points, for tests that pass deliberately
//!   bad arguments (NULLs, foreign handles), and [`Hal::check`] turns their
//!   statuses into the same errors; [`Hal::raw_v1_2`] holds those added in
//!   API 1.2.
//! - Older loaders: a libflaghal.so of API 1.0 or 1.1 opens; a call it lacks
//!   (fhMemcpyPeer, fhPointerGetAttributes, ...) is an FH_ERROR_NOT_SUPPORTED
//!   [`Error`] naming the function and the version that added it.
//! - [`Error`]: the function, its status, the status's name and the thread's
//!   detail message read right after the call (fhGetLastErrorMessage).
//! - Handles ([`Device`], [`Stream`], [`Event`], [`Module`], [`Function`]) are
//!   typed copies of the loader's opaque pointers. The loader owns the
//!   objects; nothing is destroyed on drop, so a program destroys what it
//!   creates, explicitly, and tests can check destruction.
//! - [`PinnedBuffer`] owns memory from fhMemAllocHost as a byte slice and is
//!   the one type that frees on drop (it must own what it lends out).
//! - [`Args`] builds a kernel's argument blob with C natural alignment;
//!   [`words`] converts between bytes and typed values.
//!
//! Host buffers handed to asynchronous copies and host functions must outlive
//! the stream's use of them, which the types cannot show: those methods are
//! `unsafe fn`. Device addresses are plain integers: whether a bad one
//! faults is the device's business.

pub mod args;
mod devices;
pub mod error;
pub mod hal;
pub mod handles;
mod memory;
mod modules;
pub mod pinned;
pub mod plugins;
mod pointers;
pub mod properties;
mod streams;
pub mod strings;
pub mod words;

pub use args::Args;
pub use error::{status_of, Error, Result};
pub use hal::Hal;
pub use handles::{Device, Event, Function, Module, Stream};
pub use pinned::PinnedBuffer;
pub use plugins::PluginInfo;
pub use pointers::PointerAttributes;
pub use properties::Properties;
pub use strings::loader_string;
pub use words::{from_bytes, to_bytes};
