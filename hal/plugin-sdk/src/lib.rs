//! `flaghal-plugin`: the FlagHAL plugin SDK for Rust. A plugin implements
//! six traits on its own objects ([`Plugin`], [`Device`], [`Stream`],
//! [`Event`], [`Module`], [`Function`]) and invokes [`export_plugin!`] once;
//! the SDK supplies everything else the plugin ABI
//! (`include/flaghal/flaghal_plugin.h`) asks for: `fhPluginNegotiate`, the
//! static function table, every `extern "C"` entry, handle conversion, the
//! host services and the panic boundary. A plugin in C needs none of this
//! (docs/plugin-guide.md starts there); this crate is how the reference
//! plugins, and any Rust plugin, are written.
//!
//! Design rules (they hold in every file):
//! 1. Every entry of the table is a generic `extern "C"` function in
//!    [`entries`], instantiated for the plugin by [`export_plugin!`]; each
//!    body runs inside [`boundary`], the one panic boundary: `Ok` becomes
//!    FH_SUCCESS, `Err` its status with the message handed to the host's
//!    `set_error_detail` on the calling thread, a panic FH_ERROR_PANIC.
//! 2. C pointers are read and written only through `flaghal_sys::ptr` and
//!    `flaghal_sys::sized`; plugin code receives Rust values (slices, `&CStr`,
//!    borrowed objects) and never sees a raw argument pointer.
//! 3. One ownership kind per object, declared once ([`handles`] has the
//!    table): a device is `&'static`, a stream `Arc`, an event and a module
//!    `Box`, a function `Arc` whose handle lives until its module is
//!    unloaded. Every handle is an SDK shell (a tag word and the object), so
//!    one NULL and stale-handle policy holds on every plugin:
//!    FH_ERROR_INVALID_HANDLE.
//! 4. Optional entries exist only for the capability groups the plugin
//!    declares in [`Plugin::OPTIONAL_ENTRIES`]; the others stay NULL in the
//!    table, and a device never reports a capability whose entries are NULL
//!    (plugin ABI rule 4).
//! 5. Pure decisions (negotiation, launch limits) are pure functions with
//!    unit tests: [`negotiate::decide`], `flaghal_sys::launch_limits`.
//!
//! # Who validates what
//!
//! | who | validates |
//! |---|---|
//! | the loader (`libflaghal.so`), before calling | everything rule 7 of flaghal_plugin.h lists: handles live, of the right kind and of one device; output pointers; flags; sizes > 0; memset element sizes; listed module formats; launch limits against the device's properties |
//! | this SDK, on every call | what it can judge without knowing the chip, so a plugin driven directly (tests, the conformance suite's direct calls, a harness) behaves as under the loader: NULL, destroyed and wrong-kind handles (FH_ERROR_INVALID_HANDLE); objects of two devices in one call (FH_ERROR_INVALID_DEVICE); NULL outputs and host pointers, `name`, `data`, `fn`, `args` with `args_size` > 0 (FH_ERROR_INVALID_VALUE); sized structs (`flaghal_sys::sized`); the negotiated version at init; zero allocation and module sizes; memset element sizes; stream and event flags; a module format the device does not list (FH_ERROR_NOT_SUPPORTED); launch limits against the device's properties (FH_ERROR_INVALID_CONFIGURATION) |
//! | the plugin | only what only it knows: device addresses and ranges, memset alignment, memory it cannot serve, module bytes, kernel names, the kernel's own limits (its threads per block, static + dynamic shared memory, a short argument blob), event timing state |
//!
//! Files: `traits.rs` (the six traits and their small value types),
//! `entries/` (the table's `extern "C"` functions, by group), `table.rs`
//! (the static table and [`export_plugin!`]), `handles.rs`, `host.rs`,
//! `negotiate.rs`, `pointers.rs` (the allocation records behind
//! `pointer_get_attributes`).

pub mod entries;
pub mod handles;
pub mod host;
pub mod negotiate;
pub mod pointers;
pub mod table;
pub mod traits;

pub use flaghal_sys as sys;
pub use flaghal_sys::{FfiError, FfiResult};
pub use table::Table;
pub use traits::{Device, DeviceProperties, Event, Function, FunctionOf, HostCall, Module, Plugin, Stream};

/// The panic boundary every entry body runs in (house rule 1): a failure's
/// message goes to the host's `set_error_detail` on the calling thread.
#[inline]
pub fn boundary(body: impl FnOnce() -> FfiResult) -> sys::fh_status_t {
    sys::ffi_boundary(body, |error| host::set_error_detail(&error.message))
}

/// A `&'static CStr` from bytes ending in NUL, at compile time:
/// `cstr(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes())`.
pub const fn cstr(bytes: &'static [u8]) -> &'static std::ffi::CStr {
    match std::ffi::CStr::from_bytes_with_nul(bytes) {
        Ok(text) => text,
        Err(_) => panic!("cstr: the bytes must end in their only NUL"),
    }
}
