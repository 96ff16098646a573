//! `libflaghal_cpu.so`: the FlagHAL CPU reference plugin.
//!
//! It is written as a chip vendor writes a plugin: only against the plugin
//! ABI (`include/flaghal/flaghal_plugin.h`), exporting exactly one symbol,
//! `fhPluginNegotiate` (the linker version script `exports.map` hides the
//! rest). It is the device that is always there and the example vendors copy;
//! `docs/plugin-guide.md` walks through it file by file.
//!
//! Design rules of this crate:
//! - It is built on the plugin SDK (`flaghal_plugin`): [`abi`] implements the
//!   SDK's traits on the plugin's objects, and the SDK supplies the entry
//!   point, the table, every `extern "C"` entry (each in the SDK's one panic
//!   boundary), handle conversion and the host services. Ownership is the
//!   SDK's: the device `&'static`, streams `Arc`, events and modules `Box`,
//!   functions `Arc` owned by their module.
//! - C pointers are read and written only through `flaghal_sys::ptr` and
//!   `flaghal_sys::sized`.
//! - Decisions that need no I/O (parsing /proc, UUIDs, grid
//!   arithmetic, memset patterns, ELF checks) are pure functions in [`conv`]
//!   and [`elf`], unit tested there.
//! - Streams are truly asynchronous (a worker thread each); kernels spread
//!   their blocks over a pool of one thread per core.
//!
//! Map of the files:
//! - `abi.rs`: the plugin's identity and the SDK traits on its objects.
//! - `probe.rs`, `device.rs`: what the device is; its memory, streams, pool.
//! - `memory.rs`, `transfer.rs`: allocations with address checks; data movement.
//! - `stream.rs`, `event.rs`, `failure.rs`: ordering, timing, deferred failures.
//! - `elf.rs`, `module.rs`, `launch.rs`, `pool.rs`: native CPU kernels.
//! - `conv.rs`, `sys.rs`: pure mappings, libc calls (ABI struct sizes come from `flaghal_sys::struct_sizes`).

pub mod abi;
pub mod conv;
pub mod device;
pub mod elf;
pub mod event;
pub mod failure;
pub mod launch;
pub mod memory;
pub mod module;
pub mod pool;
pub mod probe;
pub mod stream;
pub mod sys;
pub mod transfer;

pub use abi::{fhPluginNegotiate, Cpu};
/// The loader's host services (log, error detail), kept by the SDK.
pub use flaghal_plugin::host;
