//! Negotiation with a plugin's entry symbol, and validation of what it
//! returns: versions, the table's size, the REQUIRED entries, the identity.
//!
//! The table is copied into a current-size `fh_plugin_api_t` whose tail past
//! the plugin's struct_size stays zero, so an entry a smaller (older) table
//! lacks reads as NULL = not supported.

use crate::skip::Skip;
use flaghal_sys::*;
use std::ffi::CStr;
use std::mem::size_of;

/// The entry symbol's type.
pub type NegotiateFn = unsafe extern "C" fn(*mut fh_plugin_negotiate_args_t) -> fh_status_t;

use flaghal_sys::struct_sizes::FH_PLUGIN_API_STRUCT_SIZE_1_0 as API_STRUCT_SIZE_1_0;

pub use flaghal_sys::version::make_version;

/// The versions this loader offers.
#[derive(Debug, Clone, Copy)]
pub struct LoaderAbi {
    pub major: u32,
    pub min_minor: u32,
    pub max_minor: u32,
}

pub const LOADER_ABI: LoaderAbi = LoaderAbi {
    major: FH_PLUGIN_ABI_VERSION_MAJOR,
    min_minor: FH_PLUGIN_ABI_MIN_MINOR,
    max_minor: FH_PLUGIN_ABI_VERSION_MINOR,
};

impl LoaderAbi {
    pub fn range(&self) -> String {
        format!("{}.{}..{}.{}", self.major, self.min_minor, self.major, self.max_minor)
    }
}

fn skip(reason: fh_plugin_skip_reason_t, detail: impl Into<String>) -> Skip {
    Skip { reason, detail: detail.into() }
}

/// Pure: judges the entry's status and outputs. Returns the negotiated minor.
pub fn judge(loader: LoaderAbi, status: fh_status_t, major: u32, minor: u32, has_table: bool) -> Result<u32, Skip> {
    let range = loader.range();
    if status == FH_ERROR_NOT_SUPPORTED || status == FH_SUCCESS {
        if major != loader.major {
            return Err(skip(
                FH_PLUGIN_SKIP_VERSION_MISMATCH,
                format!("plugin ABI {major}.{minor}, loader supports {range}"),
            ));
        }
        if minor < loader.min_minor {
            return Err(skip(FH_PLUGIN_SKIP_VERSION_TOO_OLD, format!("plugin ABI {major}.{minor}, loader supports {range}")));
        }
    }
    if status != FH_SUCCESS {
        let name = crate::status_names::name_or_number(status);
        return Err(skip(
            FH_PLUGIN_SKIP_NEGOTIATION_FAILED,
            format!("fhPluginNegotiate returned {name} (plugin ABI {major}.{minor}, loader supports {range})"),
        ));
    }
    if minor > loader.max_minor {
        return Err(skip(
            FH_PLUGIN_SKIP_NEGOTIATION_FAILED,
            format!("fhPluginNegotiate chose minor {minor}, above the loader's highest {}", loader.max_minor),
        ));
    }
    if !has_table {
        return Err(skip(FH_PLUGIN_SKIP_NEGOTIATION_FAILED, "fhPluginNegotiate succeeded but returned no function table"));
    }
    Ok(minor)
}

macro_rules! entry_list {
    ($table:expr; $($entry:ident),* $(,)?) => { [$((stringify!($entry), $table.$entry.is_some())),*] };
}

/// Pure: the REQUIRED entries of a table, with whether each is present.
pub fn required_entries(t: &fh_plugin_api_t) -> [(&'static str, bool); 31] {
    entry_list!(t; init, device_count, device_get, device_get_properties, device_synchronize, mem_get_info,
        mem_alloc, mem_free, memcpy_htod, memcpy_dtoh, memcpy_dtod, memcpy_htod_async, memcpy_dtoh_async,
        memcpy_dtod_async, memset, memset_async, stream_create, stream_destroy, stream_synchronize, stream_query,
        stream_wait_event, event_create, event_destroy, event_record, event_synchronize, event_query, module_load,
        module_unload, module_get_function, function_get_attribute, launch_kernel)
}

/// Pure: the first REQUIRED entry that is NULL.
pub fn missing_required(t: &fh_plugin_api_t) -> Option<&'static str> {
    required_entries(t).iter().find(|(_, present)| !present).map(|(name, _)| *name)
}

/// Pure: clears the entries of minors above the negotiated `minor`, so a
/// table compiled against a newer header but serving an older minor is
/// used as that minor (flaghal_plugin.h: the loader calls 1.1 entries only
/// when minor >= 1).
pub fn served_entries(t: &mut fh_plugin_api_t, minor: u32) {
    if minor < 1 {
        t.pointer_get_attributes = None;
    }
}

/// Pure: whether a plugin name follows `[a-z0-9_-]+`.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// What a successful negotiation yields.
pub struct Negotiated {
    /// FH_MAKE_VERSION(major, minor, 0).
    pub abi_version: u32,
    pub api: fh_plugin_api_t,
    pub name: String,
    pub vendor: String,
    pub version: String,
}

/// Calls the entry symbol and validates its output. On failure, the skip and
/// the ABI version if negotiation completed (else 0).
///
/// # Safety
/// `entry` is the plugin's exported fhPluginNegotiate.
pub unsafe fn negotiate(entry: NegotiateFn) -> Result<Negotiated, (Skip, u32)> {
    let mut args = fh_plugin_negotiate_args_t {
        struct_size: size_of::<fh_plugin_negotiate_args_t>(),
        loader_abi_major: LOADER_ABI.major,
        loader_abi_min_minor: LOADER_ABI.min_minor,
        loader_abi_max_minor: LOADER_ABI.max_minor,
        ..Default::default()
    };
    // SAFETY: `args` is a valid, zero-filled, sized struct; the entry writes
    // only inside it (plugin ABI).
    let status = unsafe { entry(&mut args) };
    let minor = judge(LOADER_ABI, status, args.plugin_abi_major, args.plugin_abi_minor, !args.api.is_null())
        .map_err(|s| (s, 0))?;
    let abi_version = make_version(LOADER_ABI.major, minor, 0);
    let fail = |reason, detail: String| (skip(reason, detail), abi_version);
    // SAFETY: `api` is non-NULL (judged above) and points to the plugin's
    // static table, which begins with a size_t struct_size.
    let given = unsafe { args.api.cast::<usize>().read_unaligned() };
    if given < API_STRUCT_SIZE_1_0 {
        return Err(fail(
            FH_PLUGIN_SKIP_TABLE_TOO_SMALL,
            format!("function table struct_size is {given}, below the ABI 1.0 size {API_STRUCT_SIZE_1_0}"),
        ));
    }
    // SAFETY: the table is readable for its struct_size bytes (plugin ABI);
    // read_sized copies min(struct_size, current size) and zero-fills the rest.
    let mut api: fh_plugin_api_t = unsafe { sized::read_sized(args.api, API_STRUCT_SIZE_1_0, "function table") }
        .map_err(|e| fail(FH_PLUGIN_SKIP_TABLE_TOO_SMALL, e.message))?;
    served_entries(&mut api, minor);
    if let Some(entry) = missing_required(&api) {
        return Err(fail(FH_PLUGIN_SKIP_MISSING_REQUIRED_ENTRY, format!("required entry {entry} is NULL")));
    }
    // SAFETY: identity fields are NULL or static NUL-terminated strings.
    let text = |p: *const std::ffi::c_char| unsafe { p.as_ref().map(|_| CStr::from_ptr(p).to_string_lossy().into_owned()) };
    let Some(name) = text(api.name) else {
        return Err(fail(FH_PLUGIN_SKIP_MISSING_REQUIRED_ENTRY, "identity field name is NULL".into()));
    };
    if !valid_name(&name) {
        return Err(fail(FH_PLUGIN_SKIP_NEGOTIATION_FAILED, format!("plugin name \"{name}\" is not [a-z0-9_-]+")));
    }
    Ok(Negotiated {
        abi_version,
        api,
        name,
        vendor: text(api.vendor).unwrap_or_default(),
        version: text(api.version).unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const L: LoaderAbi = LoaderAbi { major: 1, min_minor: 2, max_minor: 5 };

    #[test]
    fn worked_examples_of_negotiation() {
        // Plugin implements 1.0..1.7, loader 1.2..1.5: the plugin answers 1.5.
        assert_eq!(judge(L, FH_SUCCESS, 1, 5, true).unwrap(), 5);
        // Plugin at most 1.3: it answers 1.3.
        assert_eq!(judge(L, FH_SUCCESS, 1, 3, true).unwrap(), 3);
        // Plugin at most 1.1, below the loader's minimum 1.2: it refuses.
        let s = judge(L, FH_ERROR_NOT_SUPPORTED, 1, 1, false).unwrap_err();
        assert_eq!(s.reason, FH_PLUGIN_SKIP_VERSION_TOO_OLD);
        assert_eq!(s.detail, "plugin ABI 1.1, loader supports 1.2..1.5");
        // A 2.x plugin refuses a 1.x loader.
        let s = judge(L, FH_ERROR_NOT_SUPPORTED, 2, 0, false).unwrap_err();
        assert_eq!(s.reason, FH_PLUGIN_SKIP_VERSION_MISMATCH);
        assert_eq!(s.detail, "plugin ABI 2.0, loader supports 1.2..1.5");
    }

    #[test]
    fn inconsistent_answers_are_negotiation_failures() {
        let cases = [
            (FH_SUCCESS, 1, 6, true, FH_PLUGIN_SKIP_NEGOTIATION_FAILED, "above the loader's highest 5"),
            (FH_SUCCESS, 1, 4, false, FH_PLUGIN_SKIP_NEGOTIATION_FAILED, "no function table"),
            (FH_SUCCESS, 2, 0, true, FH_PLUGIN_SKIP_VERSION_MISMATCH, "plugin ABI 2.0"),
            (FH_SUCCESS, 1, 1, true, FH_PLUGIN_SKIP_VERSION_TOO_OLD, "plugin ABI 1.1"),
            (FH_ERROR_INVALID_VALUE, 0, 0, false, FH_PLUGIN_SKIP_NEGOTIATION_FAILED, "returned FH_ERROR_INVALID_VALUE"),
            (FH_ERROR_NOT_SUPPORTED, 1, 3, false, FH_PLUGIN_SKIP_NEGOTIATION_FAILED, "returned FH_ERROR_NOT_SUPPORTED"),
            (42, 1, 3, true, FH_PLUGIN_SKIP_NEGOTIATION_FAILED, "unknown status 42"),
        ];
        for (status, major, minor, table, reason, text) in cases {
            let s = judge(L, status, major, minor, table).unwrap_err();
            assert_eq!(s.reason, reason, "{status} {major}.{minor}");
            assert!(s.detail.contains(text), "{}", s.detail);
        }
    }

    unsafe extern "C" fn dummy_init(_: *const fh_plugin_init_args_t) -> fh_status_t {
        0
    }

    #[test]
    fn required_entries_are_named_when_missing() {
        let mut t = fh_plugin_api_t::default();
        assert_eq!(missing_required(&t), Some("init"));
        t.init = Some(dummy_init);
        assert_eq!(missing_required(&t), Some("device_count"));
        assert_eq!(required_entries(&t).iter().filter(|e| e.1).count(), 1);
        assert!(!required_entries(&t).iter().any(|e| e.0 == "event_elapsed_time" || e.0 == "mem_alloc_host"));
    }

    unsafe extern "C" fn dummy_pointer_query(_: fhp_device_t, _: u64, _: *mut fh_pointer_attributes_t) -> fh_status_t {
        0
    }

    #[test]
    fn entries_of_a_higher_minor_are_not_served() {
        let mut t = fh_plugin_api_t { pointer_get_attributes: Some(dummy_pointer_query), ..Default::default() };
        served_entries(&mut t, 1);
        assert!(t.pointer_get_attributes.is_some());
        served_entries(&mut t, 0);
        assert!(t.pointer_get_attributes.is_none(), "a 1.0 answer never gets 1.1 entries called");
    }

    #[test]
    fn sizes_and_names() {
        assert_eq!(
            flaghal_sys::struct_sizes::FH_PLUGIN_API_STRUCT_SIZE_1_1,
            size_of::<fh_plugin_api_t>(),
            "1.1 is the current table"
        );
        assert_eq!(make_version(1, 0, 0), 1 << 22);
        assert!(valid_name("acme-npu_2"));
        assert!(!valid_name("Acme"));
        assert!(!valid_name("a:b"));
        assert!(!valid_name(""));
    }
}
