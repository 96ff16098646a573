//! The broken-plugin zoo (docs/abi.md and docs/loader.md: a broken plugin is
//! reported with a stable reason code and is skipped; it never hides the
//! good ones and never takes the process down). Every zoo plugin is the
//! minimal C plugin (c-examples/minimal_plugin) compiled with one rule
//! broken (build.rs). They are all loaded at once beside the CPU plugin:
//! each must be skipped with its own fh_plugin_skip_reason_t and a detail
//! that says what is wrong, and the good plugins must still give usable
//! devices. Then the broken manifests, each skipped with its reason.
//! Search order, filters and debug lines are in `tests/discovery.rs`.

use flaghal_client::{from_bytes, to_bytes, Args, Device, Hal, PluginInfo};
use flaghal_integration::child::Scenario;
use flaghal_integration::paths;
use flaghal_integration::modules::cpu_kernel;
use flaghal_integration::plugins::{assert_loaded, assert_skipped, entry, manifest_json, write_manifest, zoo};
use flaghal_sys::*;
use serde_json::json;
use std::path::Path;

/// Memory round trip through a device: what "usable" means for every device.
fn assert_memory_works(hal: &Hal, device: Device) {
    let pattern: Vec<u8> = (0..4096u32).map(|i| (i * 7 + 3) as u8).collect();
    let buf = hal.mem_alloc(device, pattern.len()).expect("fhMemAlloc");
    hal.htod(device, buf, &pattern).expect("fhMemcpyHtoD");
    let mut back = vec![0u8; pattern.len()];
    hal.dtoh(device, &mut back, buf).expect("fhMemcpyDtoH");
    assert_eq!(back, pattern);
    hal.mem_free(device, buf).expect("fhMemFree");
}

/// vector_add on a device that takes native CPU modules: kernels run too.
fn assert_kernels_work(hal: &Hal, device: Device) {
    let n = 1000usize;
    let a: Vec<f32> = (0..n).map(|i| i as f32).collect();
    let b: Vec<f32> = (0..n).map(|i| 2.0 * i as f32).collect();
    let bytes = n * 4;
    let (da, db, dc) = (
        hal.mem_alloc(device, bytes).unwrap(),
        hal.mem_alloc(device, bytes).unwrap(),
        hal.mem_alloc(device, bytes).unwrap(),
    );
    hal.htod(device, da, &to_bytes(&a)).unwrap();
    hal.htod(device, db, &to_bytes(&b)).unwrap();
    let (module, function) = cpu_kernel(hal, device, "vector_add").expect("load vector_add");
    let stream = hal.stream_create(device).unwrap();
    let args = Args::new().u64(da).u64(db).u64(dc).u32(n as u32).finish();
    hal.launch(function, [n.div_ceil(64) as u32, 1, 1], [64, 1, 1], 0, stream, &args).expect("fhLaunchKernel");
    hal.stream_synchronize(stream).unwrap();
    let mut out = vec![0u8; bytes];
    hal.dtoh(device, &mut out, dc).unwrap();
    let c = from_bytes::<f32>(&out);
    assert!((0..n).all(|i| c[i] == 3.0 * i as f32), "vector_add results wrong: {:?}", &c[..8]);
    hal.stream_destroy(stream).unwrap();
    hal.module_unload(module).unwrap();
    for p in [da, db, dc] {
        hal.mem_free(device, p).unwrap();
    }
}

#[test]
fn every_broken_plugin_is_skipped_with_its_own_reason_and_the_good_ones_still_work() {
    let cpu = paths::cpu_plugin();
    let minimal = paths::minimal_plugin();
    // Broken plugins before, between and after the good ones.
    let files = vec![
        zoo("not_a_library"),
        zoo("no_entry"),
        zoo("wrong_major"),
        cpu.clone(),
        zoo("table_too_small"),
        zoo("missing_required"),
        zoo("init_fails"),
        minimal.clone(),
        zoo("init_panics"),
        zoo("cap_mismatch"),
        zoo("negotiate_fails"),
        zoo("future_minor"),
        zoo("negotiate_lies"),
        zoo("device_query_fails"),
        zoo("abi_1_0"),
    ];
    Scenario::new("every_broken_plugin_is_skipped_with_its_own_reason_and_the_good_ones_still_work")
        .plugins(&files)
        .run(|hal| {
            let plugins = hal.plugins().unwrap();
            assert_eq!(plugins.len(), files.len(), "one entry per file: {plugins:#?}");

            assert_skipped(&plugins, &zoo("not_a_library"), FH_PLUGIN_SKIP_OPEN_FAILED, &["libzoo_not_a_library.so"]);
            assert_skipped(&plugins, &zoo("no_entry"), FH_PLUGIN_SKIP_NO_ENTRY_POINT, &["fhPluginNegotiate"]);
            assert_skipped(&plugins, &zoo("wrong_major"), FH_PLUGIN_SKIP_VERSION_MISMATCH, &["2"]);
            // FH_PLUGIN_API_STRUCT_SIZE_1_0 minus one pointer: the size the plugin claims.
            let short = std::mem::offset_of!(fh_plugin_api_t, launch_kernel).to_string();
            assert_skipped(&plugins, &zoo("table_too_small"), FH_PLUGIN_SKIP_TABLE_TOO_SMALL, &[&short]);
            assert_skipped(&plugins, &zoo("missing_required"), FH_PLUGIN_SKIP_MISSING_REQUIRED_ENTRY, &["stream_query"]);
            assert_skipped(&plugins, &zoo("init_fails"), FH_PLUGIN_SKIP_INIT_FAILED, &["simulated driver failure"]);
            assert_skipped(&plugins, &zoo("init_panics"), FH_PLUGIN_SKIP_INIT_PANICKED, &["internal assertion"]);
            assert_skipped(
                &plugins,
                &zoo("cap_mismatch"),
                FH_PLUGIN_SKIP_CAPABILITY_MISMATCH,
                &["event_elapsed_time", "EVENT_TIMING"],
            );
            assert_skipped(
                &plugins,
                &zoo("negotiate_fails"),
                FH_PLUGIN_SKIP_NEGOTIATION_FAILED,
                &["FH_ERROR_UNKNOWN", "15"],
            );
            // Success with no function table is inconsistent output.
            assert_skipped(&plugins, &zoo("negotiate_lies"), FH_PLUGIN_SKIP_NEGOTIATION_FAILED, &["table", "api", "NULL"]);
            assert_skipped(
                &plugins,
                &zoo("device_query_fails"),
                FH_PLUGIN_SKIP_DEVICE_QUERY_FAILED,
                &["simulated firmware hang"],
            );
            // Negotiation never completed for these, so no ABI version.
            for case in ["not_a_library", "no_entry", "negotiate_fails"] {
                assert_eq!(entry(&plugins, &zoo(case)).abi_version, 0, "{case}");
            }

            let cpu_info = assert_loaded(&plugins, &cpu);
            assert_eq!(cpu_info.name, "cpu");
            assert_eq!(cpu_info.abi_version, FH_MAKE_VERSION(1, 1, 0));
            let minimal_info = assert_loaded(&plugins, &minimal);
            assert_eq!((minimal_info.name.as_str(), minimal_info.device_count), ("minimal", 1));
            assert_eq!(minimal_info.vendor, "FlagHAL examples");
            assert_eq!(minimal_info.abi_version, FH_MAKE_VERSION(1, 1, 0));
            // A newer plugin (max minor 7) is accepted at min(7, loader max) = 1.
            let future = assert_loaded(&plugins, &zoo("future_minor"));
            assert_eq!(future.abi_version, FH_MAKE_VERSION(1, 1, 0), "negotiated min(7, 1)");
            // An older plugin (ABI 1.0, no pointer_get_attributes) still loads.
            let old = assert_loaded(&plugins, &zoo("abi_1_0"));
            assert_eq!(old.abi_version, FH_MAKE_VERSION(1, 0, 0));

            let expected_devices = cpu_info.device_count + 3;
            assert_eq!(hal.device_count().unwrap(), expected_devices, "only loaded plugins contribute devices");
            let cpu_device = hal.device_of_plugin("cpu").unwrap().expect("a CPU device");
            assert_memory_works(hal, cpu_device);
            assert_kernels_work(hal, cpu_device);
            let minimal_device = hal.device_of_plugin("minimal").unwrap().expect("the minimal device");
            assert_memory_works(hal, minimal_device);
            assert_kernels_work(hal, minimal_device);
            assert_memory_works(hal, hal.device_of_plugin("zoo-future-minor").unwrap().expect("the future-minor device"));
            // Pointer queries: the 1.1 plugins answer themselves, and the
            // loader answers for the 1.0 one from its own records.
            for name in ["cpu", "minimal", "zoo-abi-1-0"] {
                assert_pointer_queries_work(hal, hal.device_of_plugin(name).unwrap().expect("a device"), name);
            }
            assert_queued_peer_copy_needs_abi_1_1(hal, cpu_device, hal.device_of_plugin("zoo-abi-1-0").unwrap().expect("a device"));
        });
}

/// An interior address names its allocation, asked of the device or of
/// every device; once freed it is unregistered.
fn assert_pointer_queries_work(hal: &flaghal_client::Hal, device: flaghal_client::Device, name: &str) {
    let base = hal.mem_alloc(device, 3000).unwrap();
    for asked in [Some(device), None] {
        let a = hal.pointer_attributes(asked, base + 2999).unwrap();
        assert_eq!((a.memory_type, a.device, a.base, a.size), (FH_MEMORY_TYPE_DEVICE, Some(device), base, 3000), "{name}, {asked:?}");
    }
    hal.mem_free(device, base).unwrap();
    assert_eq!(hal.pointer_attributes(Some(device), base).unwrap().memory_type, FH_MEMORY_TYPE_UNREGISTERED, "{name}: freed");
}

/// The stream-ordered pinned-memory rule a queued copy between devices
/// stages on is plugin ABI 1.1: toward a 1.0 plugin's device the queued copy
/// is refused with the reason, and the synchronous one works.
fn assert_queued_peer_copy_needs_abi_1_1(hal: &flaghal_client::Hal, cpu: flaghal_client::Device, old: flaghal_client::Device) {
    let (src, dst) = (hal.mem_alloc(cpu, 4096).unwrap(), hal.mem_alloc(old, 4096).unwrap());
    hal.htod(cpu, src, &[0x5a; 4096]).unwrap();
    let (src_stream, dst_stream) = (hal.stream_create(cpu).unwrap(), hal.stream_create(old).unwrap());
    let e = hal.peer_async(dst, src, 4096, dst_stream, src_stream).unwrap_err();
    assert_eq!(e.status, flaghal_sys::FH_ERROR_NOT_SUPPORTED, "{e:?}");
    assert!(e.message.contains("plugin of ABI 1.0"), "the reason names the ABI: {}", e.message);
    hal.peer(old, dst, cpu, src, 4096).unwrap();
    let mut back = vec![0u8; 4096];
    hal.dtoh(old, &mut back, dst).unwrap();
    assert!(back.iter().all(|&b| b == 0x5a), "fhMemcpyPeer to the 1.0 device copies the bytes");
    hal.stream_destroy(src_stream).unwrap();
    hal.stream_destroy(dst_stream).unwrap();
    hal.mem_free(cpu, src).unwrap();
    hal.mem_free(old, dst).unwrap();
}

/// FH_MAKE_VERSION from flaghal.h (a function-like macro bindgen skips).
#[allow(non_snake_case)]
const fn FH_MAKE_VERSION(major: u32, minor: u32, patch: u32) -> u32 {
    (major << 22) | (minor << 12) | patch
}

#[test]
fn manifests_are_checked_and_each_bad_one_is_skipped_with_its_reason() {
    let dir = paths::scratch_dir("zoo-manifests");
    // A relative library_path resolves against the manifest's own folder.
    std::fs::create_dir_all(dir.join("lib")).unwrap();
    std::fs::copy(paths::minimal_plugin(), dir.join("lib/libflaghal_minimal.so")).unwrap();
    let arch = std::env::consts::ARCH;
    let cpu = paths::cpu_plugin();
    let malformed = write_manifest(&dir, "malformed.json", "{\"file_format_version\": \"1.0.0\",\n \"plugin\": {");
    let no_library = write_manifest(
        &dir,
        "no-library.json",
        &json!({"file_format_version": "1.0.0", "plugin": {"name": "nolib"}}).to_string(),
    );
    let wrong_arch = write_manifest(&dir, "wrong-arch.json", &manifest_json("minimal", "lib/libflaghal_minimal.so", "sparc64"));
    let relative = write_manifest(&dir, "relative.json", &manifest_json("minimal", "lib/libflaghal_minimal.so", arch));
    let duplicate = write_manifest(&dir, "duplicate.json", &manifest_json("cpu", &paths::text(&cpu), arch));
    let files = vec![cpu.clone(), malformed.clone(), no_library.clone(), wrong_arch.clone(), relative.clone(), duplicate.clone()];
    Scenario::new("manifests_are_checked_and_each_bad_one_is_skipped_with_its_reason").plugins(&files).run(|hal| {
        let plugins = hal.plugins().unwrap();
        let by_manifest = |m: &Path| -> PluginInfo {
            let found: Vec<&PluginInfo> =
                plugins.iter().filter(|p| Path::new(&p.manifest_path).file_name() == m.file_name()).collect();
            assert_eq!(found.len(), 1, "one entry for manifest {}: {plugins:#?}", m.display());
            found[0].clone()
        };
        let check = |m: &Path, reason: fh_plugin_skip_reason_t, hints: &[&str]| {
            let info = by_manifest(m);
            assert!(!info.loaded, "{info:#?}");
            assert_eq!(info.skip_reason, reason, "{info:#?}");
            assert!(hints.iter().any(|h| info.skip_detail.contains(h)), "detail should name one of {hints:?}: {info:#?}");
        };
        check(&malformed, FH_PLUGIN_SKIP_MANIFEST_INVALID, &["line", "column", "EOF"]);
        check(&no_library, FH_PLUGIN_SKIP_MANIFEST_INVALID, &["library_path"]);
        check(&wrong_arch, FH_PLUGIN_SKIP_WRONG_ARCH, &["sparc64"]);
        check(&duplicate, FH_PLUGIN_SKIP_DUPLICATE, &["cpu", "libflaghal_cpu.so"]);

        let rel = by_manifest(&relative);
        assert!(rel.loaded, "a relative library_path loads: {rel:#?}");
        assert!(Path::new(&rel.library_path).is_absolute(), "reported absolute: {rel:#?}");
        assert!(rel.library_path.ends_with("lib/libflaghal_minimal.so"), "{rel:#?}");
        assert!(rel.manifest_path.ends_with("relative.json"));

        // The library given directly (no manifest) is the one that loaded.
        let direct = plugins
            .iter()
            .find(|p| p.manifest_path.is_empty() && p.library_path.ends_with("libflaghal_cpu.so"))
            .expect("the CPU plugin given directly, with an empty manifest_path");
        assert!(direct.loaded, "{direct:#?}");
        assert_eq!(hal.device_count().unwrap(), direct.device_count + 1);
    });
}
