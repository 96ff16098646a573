//! `flaghal-formats`: module formats as pure functions over bytes, shared by
//! the loader (`hal/`), the Vulkan plugin and the kernel build tool
//! (`flaghal-kernel`), so each format is read one way only.
//!
//! - [`bundle`]: the FH_MODULE_FORMAT_BUNDLE container of flaghal.h
//!   ("Module bundles"): checking, reading, writing, and which image a device
//!   loads.
//! - [`spirv`]: SPIR-V reflection: entry points, statically sized shared
//!   memory, specialization ids, the push-constant block's layout, and
//!   renaming an entry point.
//!
//! Nothing here does I/O or holds state; every function is unit tested here
//! against hand-built inputs, including malformed ones.

pub mod bundle;
pub mod spirv;
