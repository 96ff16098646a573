//! The plugin through its own ABI table on the machine's OpenCL device
//! (PoCL on CI). `modes` re-runs this binary with FLAGHAL_OPENCL_COARSE_SVM=1
//! and without a driver, so one `cargo test -p flaghal-plugin-opencl`
//! covers fine- and coarse-grained SVM and the zero-device paths.

// The ok!/fails! macros wrap ABI calls in unsafe on purpose (see common.rs).
#![allow(clippy::macro_metavars_in_unsafe)]

mod common;

mod exports;
mod kernels;
mod memory;
mod modes;
mod streams;
