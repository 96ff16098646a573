//! A loaded plugin as the handles see it: its name (for messages) and its
//! function table, copied into a current-size table whose tail past the
//! plugin's struct_size is zero (a NULL entry = not supported).
//!
//! Ownership: one `Box` per loaded plugin, leaked at load time; handles hold
//! `&'static Plugin`. The plugin's library is never closed either.

use flaghal_sys::fh_plugin_api_t;

pub struct Plugin {
    pub name: String,
    pub api: fh_plugin_api_t,
    /// The plugin ABI version negotiated (FH_MAKE_VERSION): which minor's
    /// rules the plugin is held to.
    pub abi_version: u32,
}

// SAFETY: the table holds function pointers and pointers to the plugin's
// static identity strings, all valid and unchanged until process exit (plugin
// ABI: "must stay valid and unchanged"); every entry is thread-safe (plugin
// ABI rule 6), so sharing the table across threads is sound.
unsafe impl Send for Plugin {}
// SAFETY: as above; the struct is never mutated after load.
unsafe impl Sync for Plugin {}

impl Plugin {
    /// Leaks a plugin for the process lifetime.
    pub fn leak(name: String, api: fh_plugin_api_t, abi_version: u32) -> &'static Plugin {
        Box::leak(Box::new(Plugin { name, api, abi_version }))
    }

    /// Whether the negotiated ABI minor is at least `minor` (major 1).
    pub fn abi_minor_at_least(&self, minor: u32) -> bool {
        flaghal_sys::version::version_minor(self.abi_version) >= minor
    }
}

/// Unwraps a REQUIRED entry (checked non-NULL at load time, so the error arm
/// is unreachable in practice but never a crash).
#[macro_export]
macro_rules! required {
    ($plugin:expr, $entry:ident) => {
        match $plugin.api.$entry {
            Some(f) => f,
            None => {
                return Err($crate::failure::fail(
                    flaghal_sys::FH_ERROR_UNKNOWN,
                    concat!("required entry ", stringify!($entry), " is NULL"),
                ))
            }
        }
    };
}
