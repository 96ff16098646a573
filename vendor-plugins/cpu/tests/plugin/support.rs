//! Test support: the shared plugin test host (`flaghal_plugin_host`: host
//! services keeping each thread's detail, negotiation, init, table
//! wrappers, gates) on the CPU plugin, linked from the rlib, plus what is
//! this plugin's own: its C test kernels.

#![allow(dead_code)]

pub use flaghal_plugin_host::gates::*;
pub use flaghal_plugin_host::{host_services, negotiate_args, take_detail, Stream};
use flaghal_sys::{fh_status_t, fhp_module_t, FH_MODULE_FORMAT_NATIVE_CPU, FH_SUCCESS};
use std::sync::OnceLock;

/// Device 0 of the CPU plugin, with its table (`api`) and handle (`device`).
pub type Plugin = flaghal_plugin_host::Device;

/// Negotiated and initialised once per test process.
pub fn plugin() -> &'static Plugin {
    static PLUGIN: OnceLock<Plugin> = OnceLock::new();
    PLUGIN.get_or_init(|| flaghal_plugin_host::Plugin::start(flaghal_cpu::fhPluginNegotiate).device(0))
}

/// Bytes of a test kernel module built by build.rs.
pub fn kernel_bytes(name: &str) -> Vec<u8> {
    let path = format!("{}/{name}.so", env!("FLAGHAL_CPU_TEST_KERNELS"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("test kernels were not built ({path}): {e}"))
}

/// Loading FH_MODULE_FORMAT_NATIVE_CPU modules.
pub trait NativeModules {
    fn load(&self, bytes: &[u8]) -> (fh_status_t, fhp_module_t);
    fn load_test_kernels(&self) -> fhp_module_t;
}

impl NativeModules for Plugin {
    fn load(&self, bytes: &[u8]) -> (fh_status_t, fhp_module_t) {
        self.load_module(FH_MODULE_FORMAT_NATIVE_CPU, bytes)
    }
    fn load_test_kernels(&self) -> fhp_module_t {
        let (status, module) = self.load(&kernel_bytes("test_kernels"));
        assert_eq!(status, FH_SUCCESS, "{}", take_detail());
        module
    }
}

/// Serialises the tests that produce kernel failures or call
/// device_synchronize: a device-wide sync reports (and so consumes) any
/// stream's failure, which would race with a test expecting it elsewhere.
pub fn serial() -> std::sync::MutexGuard<'static, ()> {
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    SERIAL.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
