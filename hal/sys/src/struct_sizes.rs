//! The `FH_*_STRUCT_SIZE_1_0` macros of flaghal_plugin.h (offset of the last
//! 1.0 member plus its size), which bindgen cannot evaluate because they use
//! `offsetof`. Computed here the same way, once for every Rust crate; the
//! integration test `tests/headers.rs` checks them against the C compiler.
//! Plus the smallest `struct_size` flaghal.h accepts for its output structs.

use crate::bindings::*;
use std::mem::{offset_of, size_of};

/// Size of a pointer or `size_t` member (every last 1.0 member below is one).
const WORD: usize = size_of::<usize>();

pub const FH_PLUGIN_NEGOTIATE_ARGS_STRUCT_SIZE_1_0: usize = offset_of!(fh_plugin_negotiate_args_t, api) + WORD;
pub const FH_PLUGIN_INIT_ARGS_STRUCT_SIZE_1_0: usize = offset_of!(fh_plugin_init_args_t, host) + WORD;
pub const FH_PLUGIN_HOST_SERVICES_STRUCT_SIZE_1_0: usize =
    offset_of!(fh_plugin_host_services_t, set_error_detail) + WORD;
pub const FH_PLUGIN_LAUNCH_PARAMS_STRUCT_SIZE_1_0: usize = offset_of!(fh_plugin_launch_params_t, args_size) + WORD;
pub const FH_PLUGIN_API_STRUCT_SIZE_1_0: usize = offset_of!(fh_plugin_api_t, launch_kernel) + WORD;
/// The ABI 1.1 table (pointer_get_attributes appended).
pub const FH_PLUGIN_API_STRUCT_SIZE_1_1: usize = offset_of!(fh_plugin_api_t, pointer_get_attributes) + WORD;
/// fhPointerGetAttributes accepts any `struct_size` from the end of `size` on (API 1.2).
pub const FH_POINTER_ATTRIBUTES_STRUCT_SIZE_1_2: usize = offset_of!(fh_pointer_attributes_t, size) + size_of::<u64>();

/// fhPluginGetInfo accepts any `struct_size` from the end of `next` on.
pub const FH_PLUGIN_INFO_MIN_STRUCT_SIZE: usize = offset_of!(fh_plugin_info_t, next) + WORD;
/// fhDeviceGetProperties accepts any `struct_size` from the offset of `name` on.
pub const FH_DEVICE_PROPERTIES_MIN_STRUCT_SIZE: usize = offset_of!(fh_device_properties_t, name);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_on_lp64_match_the_c_compiler() {
        // The values `offsetof(...) + sizeof(...)` gives with gcc on x86_64/aarch64.
        assert_eq!(FH_PLUGIN_NEGOTIATE_ARGS_STRUCT_SIZE_1_0, 48);
        assert_eq!(FH_PLUGIN_INIT_ARGS_STRUCT_SIZE_1_0, 32);
        assert_eq!(FH_PLUGIN_HOST_SERVICES_STRUCT_SIZE_1_0, 40);
        assert_eq!(FH_PLUGIN_LAUNCH_PARAMS_STRUCT_SIZE_1_0, 64);
        assert_eq!(FH_PLUGIN_API_STRUCT_SIZE_1_0 + WORD, FH_PLUGIN_API_STRUCT_SIZE_1_1);
        assert_eq!(FH_PLUGIN_API_STRUCT_SIZE_1_1, size_of::<fh_plugin_api_t>());
        assert_eq!(FH_POINTER_ATTRIBUTES_STRUCT_SIZE_1_2, 48);
        assert_eq!(FH_PLUGIN_INFO_MIN_STRUCT_SIZE, 16);
        assert_eq!(FH_DEVICE_PROPERTIES_MIN_STRUCT_SIZE, 16);
    }
}
