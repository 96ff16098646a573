//! The tests' kernels, loaded through the client: the native CPU modules
//! build.rs compiles (tests/kernels/*.c) and the examples' bundle.

use crate::paths;
use flaghal_client::{Device, Function, Hal, Module, Result};
use flaghal_sys::{FH_ERROR_NOT_SUPPORTED, FH_MODULE_FORMAT_BUNDLE, FH_MODULE_FORMAT_NATIVE_CPU};

/// Loads the native CPU module `<kernels_dir>/<name>.so` and finds kernel `name` in it.
pub fn cpu_kernel(hal: &Hal, device: Device, name: &str) -> Result<(Module, Function)> {
    let module = hal.module_load(device, FH_MODULE_FORMAT_NATIVE_CPU, &paths::kernel_bytes(name))?;
    Ok((module, hal.get_function(module, name)?))
}

/// Loads the examples' bundle ([`paths::examples_bundle`]) and finds kernel
/// `name` in it; `None` if the device runs none of its images.
pub fn kernel(hal: &Hal, device: Device, name: &str) -> Option<Result<(Module, Function)>> {
    match hal.module_load(device, FH_MODULE_FORMAT_BUNDLE, &paths::examples_bundle()) {
        Err(e) if e.status == FH_ERROR_NOT_SUPPORTED => None,
        loaded => Some(loaded.and_then(|module| Ok((module, hal.get_function(module, name)?)))),
    }
}
