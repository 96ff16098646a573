//! `flaghal-plugin-cuda`: the FlagHAL CUDA plugin (libflaghal_cuda.so). Every
//! CUDA device becomes a FlagHAL device, over the CUDA driver API; it is
//! also the template for chips whose runtime clones that API.
//!
//! Design rules (docs/cuda.md has the full mapping and what has run where):
//! - libcuda.so.1 is opened at run time and the few functions used are
//!   declared by hand (`driver`): building needs no CUDA toolkit, and a
//!   machine without the driver gets zero devices and a log line saying why.
//! - One primary context per device, pushed current around every call
//!   (`device::Device::enter`): FlagHAL has no current device and calls come
//!   from any thread.
//! - Streams are non-blocking CUstreams; synchronous copies and memsets wait
//!   for the whole context, then run on an internal stream and wait for it
//!   (`copy`); async copies through pageable memory are staged in pinned
//!   buffers so that they never block (`staging`, `stream`).
//! - Kernels are PTX or cubin; the argument blob is the parameter buffer
//!   (`CU_LAUNCH_PARAM_BUFFER_POINTER`/`SIZE`: `params`), cut to the exact
//!   parameter size the driver reports.
//! - CUDA's kernel faults are sticky: the first synchronisation reports
//!   FH_ERROR_LAUNCH_FAILED, everything after FH_ERROR_DEVICE_LOST (`health`).
//! - Pure code (result and enum mapping, properties, image checks, the
//!   allocation map, argument packing, the staging pool, the health record)
//!   lives in files of its own with unit tests; nothing else can run here
//!   without a GPU.
//!
//! Files: `abi` (the SDK traits), `plugin` (init), `driver`, `device`,
//! `copy`, `stream`, `event`, `module`, `conv`, `image`, `params`, `ranges`,
//! `staging`, `health`, `error`; `host` is the SDK's (the loader's log and
//! error detail services).

pub mod abi;
pub mod conv;
pub mod copy;
pub mod device;
pub mod driver;
pub mod error;
pub mod event;
pub mod health;
pub mod image;
pub mod module;
pub mod params;
pub mod plugin;
pub mod ptx;
pub mod ranges;
pub mod staging;
pub mod stream;

pub use abi::{fhPluginNegotiate, Cuda};
/// The loader's host services (log, error detail), kept by the SDK.
pub use flaghal_plugin::host;
