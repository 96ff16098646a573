//! One handle policy on every plugin built on the SDK: the same NULL,
//! destroyed or wrong-kind handle gives the same status,
//! FH_ERROR_INVALID_HANDLE, on the CPU plugin and on the Vulkan plugin. Both
//! are opened from their libraries, as the loader opens them (each library
//! keeps its own copy of the SDK). The loader refuses such handles before
//! calling a plugin (plugin ABI rule 7); this is what a plugin driven
//! directly answers.

use flaghal_plugin_host::{built_library, open, take_detail, Device, Event, Function, Plugin, Stream};
use flaghal_sys::*;
use std::sync::OnceLock;

const LAVAPIPE_ICD: &str = "/usr/share/vulkan/icd.d/lvp_icd.x86_64.json";

/// Both plugins, started once per process: (name, plugin).
fn plugins() -> &'static [(&'static str, Plugin)] {
    static PLUGINS: OnceLock<Vec<(&'static str, Plugin)>> = OnceLock::new();
    PLUGINS.get_or_init(|| {
        std::env::set_var("MESA_SHADER_CACHE_DISABLE", "true");
        if std::env::var_os("VK_DRIVER_FILES").is_none() && std::path::Path::new(LAVAPIPE_ICD).exists() {
            std::env::set_var("VK_DRIVER_FILES", LAVAPIPE_ICD);
        }
        [("cpu", "libflaghal_cpu.so"), ("vulkan", "libflaghal_vulkan.so")]
            .into_iter()
            .map(|(name, file)| {
                let entry = open(&built_library(file)).unwrap_or_else(|e| panic!("{e}"));
                let plugin = Plugin::start(entry);
                assert_eq!(plugin.name(), name);
                (name, plugin)
            })
            .collect()
    })
}

/// Device 0 of every plugin that has one. Without a Vulkan device (no
/// lavapipe) only the CPU plugin is checked, which fails under CI.
fn devices() -> Vec<(&'static str, Device)> {
    let found: Vec<_> = plugins().iter().filter(|(_, p)| p.device_count() > 0).map(|(n, p)| (*n, p.device(0))).collect();
    if found.len() < plugins().len() {
        flaghal_plugin_host::nothing_checked("a plugin has no device (is mesa-vulkan-drivers installed?): its handles were not compared");
    }
    found
}

/// Asserts every plugin answered INVALID_HANDLE with a detail naming the
/// handle, for each case: the same status on both.
fn assert_invalid_handle(case: &str, results: &[(&str, fh_status_t, String)]) {
    for (plugin, status, detail) in results {
        assert_eq!(*status, FH_ERROR_INVALID_HANDLE, "{plugin}: {case} returned {status} ({detail})");
        assert!(detail.contains("handle"), "{plugin}: {case}: the detail names the handle: {detail:?}");
    }
}

#[test]
fn null_handles_are_invalid_handle_on_every_plugin() {
    let null_device = |p: &Plugin| Device { api: p.api, device: std::ptr::null_mut() };
    let null_stream = Stream(std::ptr::null_mut());
    let null_event = Event(std::ptr::null_mut());
    type Case = fn(Device, Stream, Event) -> fh_status_t;
    let cases: [(&str, Case); 14] = [
        ("device_synchronize(NULL)", |d, _, _| d.device_sync()),
        ("mem_alloc(NULL device)", |d, _, _| d.try_alloc(64).0),
        ("mem_free(NULL device)", |d, _, _| d.free(0x1000)),
        ("memset(NULL device)", |d, _, _| d.memset(0x1000, 0, 1, 1)),
        ("stream_create(NULL device)", |d, _, _| d.try_stream(FH_STREAM_DEFAULT).0),
        ("event_create(NULL device)", |d, _, _| d.try_event(0).0),
        ("stream_query(NULL)", |d, s, _| d.query(s)),
        ("stream_synchronize(NULL)", |d, s, _| d.sync(s)),
        ("stream_destroy(NULL)", |d, s, _| d.try_destroy_stream(s)),
        ("event_query(NULL)", |d, _, e| d.event_query(e)),
        ("event_destroy(NULL)", |d, _, e| d.try_destroy_event(e)),
        ("event_record(NULL, NULL)", |d, s, e| d.try_record(e, s)),
        ("module_unload(NULL)", |d, _, _| d.try_unload(std::ptr::null_mut())),
        ("launch_kernel(NULL function)", |d, s, _| d.launch_bytes(Function(std::ptr::null_mut()), [1; 3], [1; 3], 0, s, &[])),
    ];
    for (case, call) in cases {
        let results: Vec<_> = plugins()
            .iter()
            .map(|(name, p)| {
                let status = call(null_device(p), null_stream, null_event);
                (*name, status, take_detail())
            })
            .collect();
        assert_invalid_handle(case, &results);
    }
}

#[test]
fn destroyed_and_wrong_kind_handles_are_invalid_handle_on_every_plugin() {
    let devices = devices();
    assert!(devices.iter().any(|(name, _)| *name == "cpu"), "the CPU plugin always has its device");
    type Case = fn(&Device) -> fh_status_t;
    let cases: [(&str, Case); 6] = [
        ("stream_query(destroyed stream)", |d| {
            let stream = d.stream();
            d.destroy_stream(stream);
            d.query(stream)
        }),
        ("stream_destroy twice", |d| {
            let stream = d.stream();
            d.destroy_stream(stream);
            d.try_destroy_stream(stream)
        }),
        ("event_synchronize(destroyed event)", |d| {
            let event = d.event(0);
            d.destroy_event(event);
            d.event_sync(event)
        }),
        ("stream_query(an event handle)", |d| {
            let event = d.event(0);
            let status = d.query(Stream(event.0.cast()));
            d.destroy_event(event);
            status
        }),
        ("event_query(a stream handle)", |d| {
            let stream = d.stream();
            let status = d.event_query(Event(stream.0.cast()));
            d.destroy_stream(stream);
            status
        }),
        ("stream_create(a stream handle as the device)", |d| {
            let stream = d.stream();
            let status = Device { api: d.api, device: stream.0.cast() }.try_stream(FH_STREAM_DEFAULT).0;
            d.destroy_stream(stream);
            status
        }),
    ];
    for (case, call) in cases {
        let results: Vec<_> = devices.iter().map(|(name, d)| (*name, call(d), take_detail())).collect();
        assert_invalid_handle(case, &results);
    }
}
