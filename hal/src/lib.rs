//! `flaghal`: the FlagHAL loader, libflaghal.so (SONAME libflaghal.so.1).
//! It discovers vendor plugins at run time, negotiates versions with them and
//! exposes `include/flaghal/flaghal.h`.
//!
//! Design rules (they hold in every file):
//! 1. Every `extern "C"` body runs inside `flaghal_sys::ffi_boundary` (through
//!    [`failure::export`]): a panic becomes FH_ERROR_PANIC and a message. The
//!    `exports!` macro of [`api`] declares each export once, by name, and
//!    puts its body there.
//! 2. C pointers are touched only through `flaghal_sys::ptr` / `sized`.
//! 3. Each opaque type says once how it is owned: devices and plugins are
//!    leaked `Box`es; stream/event/module/function shells are leaked `Box`es
//!    recycled through per-kind free lists ([`handles`]); plugin libraries
//!    are never closed.
//! 4. A call is one pointer hop: handle -> device -> plugin table -> entry.
//!    No global lock, no map lookup on the hot path; the validation layer
//!    (FLAGHAL_VALIDATION=1) costs one relaxed atomic load when off.
//! 5. Pure decisions (manifest parsing, search paths, globs, device order,
//!    status names, negotiation verdicts, module bundles in `flaghal_formats`)
//!    live in files of pure functions with unit tests; I/O stays at the
//!    edges. The launch limits are `flaghal_sys::launch_limits`, the one
//!    check the plugin SDK runs too.
//! 6. A broken plugin is skipped with a stable reason code and detail
//!    (fhPluginGetInfo); it never hides the others.
//!
//! docs/loader.md describes discovery, the environment variables and the
//! validation layer; docs/abi.md states the plugin ABI rules.

pub mod api;
pub mod debug_log;
pub mod device_order;
pub mod device_query;
pub mod discovery;
pub mod error_state;
pub mod failure;
pub mod handles;
pub mod host_services;
pub mod module_bundle;
pub mod negotiate;
pub mod peer;
pub mod plugin;
pub mod plugin_load;
pub mod plugin_record;
pub mod registry;
pub mod skip;
pub mod status_names;
pub mod trace;
pub mod validation;
