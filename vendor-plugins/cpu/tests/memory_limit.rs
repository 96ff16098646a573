//! FLAGHAL_CPU_MEMORY_LIMIT caps the device memory; fhMemGetInfo's free
//! figure moves exactly with allocations. A test binary of its own, so the
//! variable is set before the plugin's init in this process and no other
//! test allocates meanwhile.

use flaghal_plugin_host::{take_detail, Plugin};
use flaghal_sys::*;

#[test]
fn the_limit_caps_total_memory_and_free_tracks_allocations() {
    const LIMIT: usize = 1 << 20;
    std::env::set_var("FLAGHAL_CPU_MEMORY_LIMIT", LIMIT.to_string());
    let device = Plugin::start(flaghal_cpu::fhPluginNegotiate).device(0);
    assert_eq!(device.properties().total_memory, LIMIT as u64);
    let free = || {
        let (free, total) = device.mem_info();
        assert_eq!(total, LIMIT);
        free
    };
    assert_eq!(free(), LIMIT);
    let a = device.alloc(1000);
    assert_eq!(free(), LIMIT - 1000);
    let b = device.alloc(LIMIT - 1000);
    assert_eq!(free(), 0);
    assert_eq!(device.try_alloc(1), (FH_ERROR_OUT_OF_MEMORY, 0));
    assert!(take_detail().contains("out of memory"));
    assert_eq!(device.free(a), FH_SUCCESS);
    assert_eq!(free(), 1000);
    assert_eq!(device.free(b), FH_SUCCESS);
    assert_eq!(free(), LIMIT);
}
