//! The plugin through its own ABI table on the machine's Vulkan device
//! (lavapipe on CI). `modes` re-runs this binary with
//! FLAGHAL_VULKAN_FORCE_STAGING=1 and with the Khronos validation layer, so
//! one `cargo test -p flaghal-plugin-vulkan` covers all three modes.

// The ok!/fails! macros wrap ABI calls in unsafe on purpose (see common.rs).
#![allow(clippy::macro_metavars_in_unsafe)]

mod common;

mod abi;
mod exports;
mod kernel_files;
mod kernels;
mod memory;
mod modes;
mod streams;
