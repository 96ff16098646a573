//! `libflaghal_cpu.so`: the FlagHAL CPU reference plugin.
//!
//! It is written as a chip vendor writes a plugin: only against the plugin
//! ABI (`include/flaghal/flaghal_plugin.h`), exporting exactly one symbol,
//! `fhPluginNegotiate` (the linker version script `exports.map` hides the
//! rest). It is the device that is always there and the example vendors copy;
//! `docs/plugin-guide.md` walks through it file by file.
//!
//! Design rules of this crate:
//! - Every `extern "C"` function runs its body in the panic boundary
//!   ([`entries::run`], built on `flaghal_sys::ffi_boundary`); errors reach
//!   the application through the host's `set_error_detail`.
//! - C pointers are read and written only through `flaghal_sys::ptr` and
//!   `flaghal_sys::sized`; handles only through [`handles`], which says once
//!   how each object is owned.
//! - Decisions that need no I/O (negotiation, parsing /proc, UUIDs, grid
//!   arithmetic, memset patterns, ELF checks) are pure functions in [`conv`]
//!   and [`elf`], unit tested there.
//! - Streams are truly asynchronous (a worker thread each); kernels spread
//!   their blocks over a pool of one thread per core.
//!
//! Map of the files:
//! - `table.rs`: the entry point and the static function table.
//! - `entries/`: one `extern "C"` function per table entry.
//! - `handles.rs`: C handles <-> plugin objects, with ownership.
//! - `host.rs`: the loader's host services (log, error detail).
//! - `probe.rs`, `device.rs`: what the device is; its memory, streams, pool.
//! - `memory.rs`, `transfer.rs`: allocations with address checks; data movement.
//! - `stream.rs`, `event.rs`, `failure.rs`: ordering, timing, deferred failures.
//! - `elf.rs`, `module.rs`, `launch.rs`, `pool.rs`: native CPU kernels.
//! - `conv.rs`, `sys.rs`: pure mappings, libc calls (ABI struct sizes come from `flaghal_sys::struct_sizes`).

pub mod conv;
pub mod device;
pub mod elf;
pub mod entries;
pub mod event;
pub mod failure;
pub mod handles;
pub mod host;
pub mod launch;
pub mod memory;
pub mod module;
pub mod pool;
pub mod probe;
pub mod stream;
pub mod sys;
pub mod table;
pub mod transfer;

pub use table::{fhPluginNegotiate, PLUGIN_ABI_MAJOR, PLUGIN_ABI_MAX_MINOR};
