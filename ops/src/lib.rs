//! `flaghal-ops`: libflaghal_ops.so, the operator library of
//! `include/flaghal/flaghal_ops.h` (the header is the specification).
//!
//! - [`tensor`]: the C tensor descriptor and its checks (pure).
//! - [`plan`]: per operator, the arguments checked and turned into a
//!   [`plan::Launch`] (kernel, grid, block, argument blob); pure, so the
//!   Supported queries run exactly the checks the operators run.
//! - [`context`]: a device's loaded operator bundles and how a launch is
//!   enqueued; [`loader`]: the libflaghal.so.1 of the process.
//! - [`ffi`]: the exported `fhops*` functions, each in the panic boundary;
//!   [`error`]: the thread's detail message.
//! - [`host`]: ggml's F16 and Q8_0 conversions on the host (pure).
//!
//! The kernels are ops/kernels/*.fhk, built into bundles by build.rs.

pub mod context;
pub mod error;
pub mod ffi;
pub mod host;
pub mod loader;
pub mod plan;
pub mod tensor;

/// The embedded operator bundles (build.rs).
pub mod bundles {
    include!(concat!(env!("OUT_DIR"), "/bundles.rs"));
}
