//! The ABI 1.0 sizes of the sized structs (the FH_*_STRUCT_SIZE_1_0 macros of
//! flaghal_plugin.h). bindgen cannot evaluate `offsetof` macros, so
//! flaghal-sys does not carry them; they are computed here the same way the
//! header does: offset of the last 1.0 member plus its size.

use flaghal_sys::{
    fh_device_properties_t, fh_plugin_host_services_t, fh_plugin_init_args_t, fh_plugin_launch_params_t,
    fh_plugin_negotiate_args_t,
};
use std::mem::{offset_of, size_of};

pub const NEGOTIATE_ARGS_1_0: usize = offset_of!(fh_plugin_negotiate_args_t, api) + size_of::<usize>();
pub const INIT_ARGS_1_0: usize = offset_of!(fh_plugin_init_args_t, host) + size_of::<usize>();
pub const HOST_SERVICES_1_0: usize = offset_of!(fh_plugin_host_services_t, set_error_detail) + size_of::<usize>();
pub const LAUNCH_PARAMS_1_0: usize = offset_of!(fh_plugin_launch_params_t, args_size) + size_of::<usize>();
/// fhDeviceGetProperties accepts any size from `name` on (flaghal.h); the
/// plugin writes only inside the size the loader passes.
pub const DEVICE_PROPERTIES_MIN: usize = offset_of!(fh_device_properties_t, name);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_match_the_header_layout_on_lp64() {
        assert_eq!(NEGOTIATE_ARGS_1_0, 48);
        assert_eq!(INIT_ARGS_1_0, 32);
        assert_eq!(HOST_SERVICES_1_0, 40);
        assert_eq!(LAUNCH_PARAMS_1_0, 64);
        assert_eq!(DEVICE_PROPERTIES_MIN, 16);
    }
}
