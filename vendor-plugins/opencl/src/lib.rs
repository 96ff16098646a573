//! `flaghal-plugin-opencl`: the FlagHAL OpenCL plugin (libflaghal_opencl.so).
//! Every OpenCL 2.0+ device with buffer SVM (fine- or coarse-grained) and
//! 64-bit addresses becomes a FlagHAL device; docs/opencl.md has the full
//! mapping.
//!
//! Design rules:
//! - libOpenCL is loaded at run time (`cl`, the crate `flaghal-opencl-sys`
//!   in `sys/`: the entry points are declared by hand and resolved with
//!   libloading; flaghal-bench's raw OpenCL baseline uses the same crate):
//!   no OpenCL library, no platform or no qualifying device means zero
//!   devices and a log line, never a failure.
//! - Device memory is SVM; a device address is the SVM pointer (rounded up
//!   to 256 bytes inside a padded allocation), so kernels get real pointers
//!   and base + offset works. Every live allocation is tracked, for address
//!   checks and for the kernel's SVM pointer list.
//! - Streams are in-order profiling queues; events are markers; waits are
//!   barriers; host functions are user events completed by a per-stream
//!   thread. Synchronous calls wait for every stream of the device first.
//! - Kernels follow docs/kernels.md's OpenCL convention exactly: the blob in
//!   a buffer as argument 0, optional dynamic `__local` memory as argument 1.
//! - It is built on the plugin SDK (`flaghal_plugin`): `abi` implements the
//!   SDK's traits on the plugin's objects; the SDK supplies the entry point,
//!   the table, every extern "C" entry (in its one panic boundary), handle
//!   conversion and the host services.
//! - Mapping code (cl errors, device info to properties) lives in `conv`, pure.
//!
//! Files: `abi` (identity and SDK traits), `plugin` (init state,
//! environment), `cl` (the OpenCL declarations and entry-point table) and
//! `objects` (owned OpenCL objects), both from `flaghal-opencl-sys`,
//! `probe` (device info), `device`, `memory` (SVM allocations, pinned
//! memory), `copy`, `stream` + `host_worker`, `event`, `module` (programs,
//! kernels, launches), `conv`, `error`; `host` is the SDK's (the loader's log and error detail services).

pub mod abi;
pub mod conv;
pub mod copy;
pub mod device;
pub mod error;
pub mod event;
pub mod host_worker;
pub mod memory;
pub mod module;
pub mod plugin;
pub mod probe;
pub mod stream;

pub use abi::{fhPluginNegotiate, OpenCl};
/// The OpenCL declarations, the entry-point table and the owned handles,
/// shared with flaghal-bench (crate `flaghal-opencl-sys`); the plugin's files
/// name them `crate::cl` and `crate::objects`.
pub use flaghal_opencl_sys as cl;
pub use flaghal_opencl_sys::objects;
/// The loader's host services (log, error detail), kept by the SDK.
pub use flaghal_plugin::host;
