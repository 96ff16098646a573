//! fhPluginNegotiate's answer, exactly as the comment on
//! `fh_plugin_negotiate_args_t` specifies: [`decide`] is the pure decision,
//! [`answer`] reads and writes the loader's struct. It allocates nothing and
//! starts no threads, so it may be called any number of times.

use crate::sys::sized::{read_sized, write_sized};
use crate::sys::struct_sizes::FH_PLUGIN_NEGOTIATE_ARGS_STRUCT_SIZE_1_0;
use crate::sys::{self, fh_plugin_api_t, fh_plugin_negotiate_args_t};
use crate::{FfiError, FfiResult};

/// What the plugin answers, given the loader's inputs and its own version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Negotiation {
    /// Agreed on `minor`: write major, minor and the table.
    Accept { minor: u32 },
    /// Another major: write only the plugin's major.
    OtherMajor,
    /// The plugin is older than the loader's minimum: write major and the
    /// plugin's highest minor.
    TooOld { plugin_max_minor: u32 },
    /// The loader's own range is empty.
    BadRange,
}

/// Decides a negotiation. Pure.
pub fn decide(loader_major: u32, loader_min_minor: u32, loader_max_minor: u32, plugin_major: u32, plugin_max_minor: u32) -> Negotiation {
    if loader_min_minor > loader_max_minor {
        Negotiation::BadRange
    } else if loader_major != plugin_major {
        Negotiation::OtherMajor
    } else if plugin_max_minor < loader_min_minor {
        Negotiation::TooOld { plugin_max_minor }
    } else {
        Negotiation::Accept { minor: plugin_max_minor.min(loader_max_minor) }
    }
}

/// Answers the loader: reads `args` (refusing NULL or a struct below the 1.0
/// size before writing anything), decides, and writes the outputs inside
/// the loader's struct_size.
///
/// # Safety
/// `args` is NULL or points to a negotiate-args struct whose struct_size
/// bytes are readable and writable.
pub unsafe fn answer(args: *mut fh_plugin_negotiate_args_t, plugin_max_minor: u32, api: &'static fh_plugin_api_t) -> FfiResult {
    const MAJOR: u32 = sys::FH_PLUGIN_ABI_VERSION_MAJOR;
    // SAFETY: forwarded from the caller.
    let mut value: fh_plugin_negotiate_args_t = unsafe { read_sized(args, FH_PLUGIN_NEGOTIATE_ARGS_STRUCT_SIZE_1_0, "args") }?;
    let (min, max) = (value.loader_abi_min_minor, value.loader_abi_max_minor);
    let refusal = match decide(value.loader_abi_major, min, max, MAJOR, plugin_max_minor) {
        Negotiation::BadRange => {
            return Err(FfiError::new(
                sys::FH_ERROR_INVALID_VALUE,
                format!("loader_abi_min_minor {min} is above loader_abi_max_minor {max}"),
            ));
        }
        Negotiation::OtherMajor => {
            value.plugin_abi_major = MAJOR;
            Some(format!("the loader speaks ABI major {}, this plugin {MAJOR}", value.loader_abi_major))
        }
        Negotiation::TooOld { plugin_max_minor } => {
            value.plugin_abi_major = MAJOR;
            value.plugin_abi_minor = plugin_max_minor;
            Some(format!("this plugin implements ABI {MAJOR}.{plugin_max_minor}, below the loader's minimum {MAJOR}.{min}"))
        }
        Negotiation::Accept { minor } => {
            value.plugin_abi_major = MAJOR;
            value.plugin_abi_minor = minor;
            value.api = api;
            None
        }
    };
    // SAFETY: forwarded from the caller; writes only inside struct_size.
    unsafe { write_sized(args, &value, FH_PLUGIN_NEGOTIATE_ARGS_STRUCT_SIZE_1_0, "args") }?;
    match refusal {
        None => Ok(()),
        Some(message) => Err(FfiError::new(sys::FH_ERROR_NOT_SUPPORTED, message)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_follow_the_header_rules() {
        assert_eq!(decide(1, 0, 0, 1, 0), Negotiation::Accept { minor: 0 });
        assert_eq!(decide(1, 0, 5, 1, 2), Negotiation::Accept { minor: 2 });
        assert_eq!(decide(1, 0, 1, 1, 3), Negotiation::Accept { minor: 1 });
        assert_eq!(decide(2, 0, 0, 1, 0), Negotiation::OtherMajor);
        assert_eq!(decide(1, 3, 4, 1, 2), Negotiation::TooOld { plugin_max_minor: 2 });
        assert_eq!(decide(1, 4, 3, 1, 9), Negotiation::BadRange);
        assert_eq!(decide(2, 4, 3, 1, 0), Negotiation::BadRange, "an empty range is refused before the major");
    }
}
