//! `libflaghal_planted_bugs.so`: a shim plugin that proves the conformance
//! suite catches real bugs. It opens the CPU plugin (target.rs), negotiates
//! with it, and returns a copy of its function table named
//! `planted-<bug>` with one behaviour broken, chosen by FLAGHAL_PLANTED_BUG
//! (bug.rs; the broken entries are in wrappers.rs).
//!
//! Ownership: the one `Shim` lives in a process-wide `OnceLock` and is never
//! freed (the table must stay valid until the process exits); the target
//! library is leaked for the same reason.

mod bug;
mod target;
mod wrappers;

use flaghal_sys as sys;
use flaghal_sys::{ffi_boundary, FfiError, FfiResult};
use std::ffi::CString;
use std::mem::size_of;
use std::sync::OnceLock;

use sys::struct_sizes::{
    FH_PLUGIN_API_STRUCT_SIZE_1_0 as API_SIZE_1_0, FH_PLUGIN_NEGOTIATE_ARGS_STRUCT_SIZE_1_0 as NEGOTIATE_SIZE_1_0,
};

pub(crate) struct Shim {
    pub original: sys::fh_plugin_api_t,
    pub table: sys::fh_plugin_api_t,
    pub target: target::NegotiateFn,
}

// SAFETY: the tables hold function pointers and pointers to static strings,
// all valid and immutable for the life of the process.
unsafe impl Sync for Shim {}
// SAFETY: as above.
unsafe impl Send for Shim {}

static SHIM: OnceLock<Result<Shim, String>> = OnceLock::new();

fn build() -> Result<Shim, String> {
    let name = std::env::var("FLAGHAL_PLANTED_BUG").map_err(|_| "FLAGHAL_PLANTED_BUG is not set".to_string())?;
    let bug = bug::parse(&name).ok_or_else(|| format!("FLAGHAL_PLANTED_BUG={name} is not one of copy_length, stream_order, query_lies, launch_crash, pointer_lies, pinned_snapshot"))?;
    let entry = target::open()?;
    let mut args = flaghal_plugin_host::negotiate_args(
        sys::FH_PLUGIN_ABI_VERSION_MAJOR,
        sys::FH_PLUGIN_ABI_MIN_MINOR,
        sys::FH_PLUGIN_ABI_VERSION_MINOR,
    );
    let rc = flaghal_plugin_host::negotiate(entry, &mut args);
    if rc != sys::FH_SUCCESS {
        return Err(format!("the target plugin refused negotiation (status {rc})"));
    }
    // SAFETY: a successful negotiation returns a table valid for the life of
    // the process that starts with its struct_size; read_sized stays inside it.
    let original: sys::fh_plugin_api_t = unsafe { sys::sized::read_sized(args.api, API_SIZE_1_0, "target table") }.map_err(|e| e.message)?;
    let mut table = original;
    table.struct_size = size_of::<sys::fh_plugin_api_t>().min(original.struct_size.max(API_SIZE_1_0));
    let label = CString::new(format!("planted-{}", bug::name(bug))).map_err(|e| e.to_string())?;
    table.name = Box::leak(label.into_boxed_c_str()).as_ptr();
    wrappers::plant(bug, &mut table);
    Ok(Shim { original, table, target: entry })
}

pub(crate) fn shim() -> FfiResult<&'static Shim> {
    SHIM.get_or_init(build).as_ref().map_err(|e| FfiError::new(sys::FH_ERROR_NOT_SUPPORTED, e.clone()))
}

/// The entry point: the target's answer, with the planted table.
///
/// # Safety
/// `args` is NULL or a negotiate struct valid for its struct_size (the ABI contract).
#[no_mangle]
pub unsafe extern "C" fn fhPluginNegotiate(args: *mut sys::fh_plugin_negotiate_args_t) -> sys::fh_status_t {
    ffi_boundary(
        || {
            let shim = shim()?;
            // SAFETY: the caller's pointer is handed on unchanged under the same contract.
            let rc = unsafe { (shim.target)(args) };
            if rc != sys::FH_SUCCESS {
                return Err(FfiError::new(rc, ""));
            }
            // SAFETY: the target accepted args, so it is non-NULL and valid for its size.
            let mut answer: sys::fh_plugin_negotiate_args_t = unsafe { sys::sized::read_sized(args, NEGOTIATE_SIZE_1_0, "args") }?;
            answer.api = &shim.table;
            // SAFETY: as above; write_sized writes only inside the caller's size.
            unsafe { sys::sized::write_sized(args, &answer, NEGOTIATE_SIZE_1_0, "args") }?;
            Ok(())
        },
        // Negotiation has no host services yet: the status is all the loader gets.
        |_| {},
    )
}
