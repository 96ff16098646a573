//! Discovery end to end with several plugins (the CPU plugin, the minimal
//! C plugin and zoo plugins): the XDG search order, FLAGHAL_ADD_PLUGIN_FILES,
//! FLAGHAL_PLUGINS_DISABLE, device order and FLAGHAL_VISIBLE_DEVICES, and
//! FLAGHAL_LOADER_DEBUG lines (docs/loader.md). The loader's own discovery
//! tests with the CPU plugin alone are in hal/tests/discovery.rs.

use flaghal_client::Hal;
use flaghal_integration::child::Scenario;
use flaghal_integration::paths;
use flaghal_integration::plugins::{assert_loaded, assert_skipped, entry, manifest_json, write_manifest, zoo};
use flaghal_sys::*;

#[test]
fn plugins_disable_skips_the_named_plugin_with_reason_disabled() {
    let (cpu, minimal) = (paths::cpu_plugin(), paths::minimal_plugin());
    Scenario::new("plugins_disable_skips_the_named_plugin_with_reason_disabled")
        .plugins(&[cpu.clone(), minimal.clone()])
        .env("FLAGHAL_PLUGINS_DISABLE", "mini*")
        .run(|hal| {
            let plugins = hal.plugins().unwrap();
            assert_skipped(&plugins, &minimal, FH_PLUGIN_SKIP_DISABLED, &["FLAGHAL_PLUGINS_DISABLE", "mini*"]);
            let cpu_info = assert_loaded(&plugins, &cpu);
            assert_eq!(hal.device_count().unwrap(), cpu_info.device_count);
            assert!(hal.device_of_plugin("minimal").unwrap().is_none());
        });
}

fn plugin_of(hal: &Hal, ordinal: u32) -> String {
    hal.properties(hal.device(ordinal).expect("fhDeviceGet")).expect("properties").plugin_name()
}

#[test]
fn devices_that_are_not_cpus_come_first() {
    let (cpu, minimal) = (paths::cpu_plugin(), paths::minimal_plugin());
    // The CPU plugin loads first, yet the minimal (type OTHER) device is ordinal 0.
    Scenario::new("devices_that_are_not_cpus_come_first").plugins(&[cpu, minimal]).run(|hal| {
        assert!(hal.device_count().unwrap() >= 2);
        assert_eq!(plugin_of(hal, 0), "minimal");
        assert_eq!(plugin_of(hal, 1), "cpu");
    });
}

#[test]
fn visible_devices_filters_and_reorders() {
    let (cpu, minimal) = (paths::cpu_plugin(), paths::minimal_plugin());
    Scenario::new("visible_devices_filters_and_reorders")
        .plugins(&[cpu.clone(), minimal.clone()])
        .env("FLAGHAL_VISIBLE_DEVICES", "cpu:0,minimal")
        .run(|hal| {
            assert_eq!(hal.device_count().unwrap(), 2);
            assert_eq!(plugin_of(hal, 0), "cpu", "the list order wins over the default order");
            assert_eq!(plugin_of(hal, 1), "minimal");
            let failure = hal.device(2).expect_err("ordinal 2 is out of range");
            assert_eq!(failure.status, FH_ERROR_INVALID_DEVICE);
        });
}

#[test]
fn visible_devices_hides_the_rest_and_counts_after_filtering() {
    let (cpu, minimal) = (paths::cpu_plugin(), paths::minimal_plugin());
    Scenario::new("visible_devices_hides_the_rest_and_counts_after_filtering")
        .plugins(&[cpu, minimal.clone()])
        .env("FLAGHAL_VISIBLE_DEVICES", "cpu:0")
        .run(|hal| {
            assert_eq!(hal.device_count().unwrap(), 1);
            assert_eq!(plugin_of(hal, 0), "cpu");
            let plugins = hal.plugins().unwrap();
            let hidden = entry(&plugins, &minimal);
            assert!(hidden.loaded, "hiding devices does not skip the plugin");
            assert_eq!(hidden.device_count, 0, "device_count is counted after FLAGHAL_VISIBLE_DEVICES");
        });
}

#[test]
fn loader_debug_all_prints_why_each_plugin_was_skipped_or_loaded() {
    let files = [paths::cpu_plugin(), zoo("no_entry"), paths::minimal_plugin()];
    let out = Scenario::new("loader_debug_all_prints_why_each_plugin_was_skipped_or_loaded")
        .plugins(&files)
        .env("FLAGHAL_LOADER_DEBUG", "all")
        .run(|hal| assert!(hal.device_count().unwrap() >= 2));
    let lines: Vec<&str> = out.stderr.lines().filter(|l| l.starts_with("flaghal: ")).collect();
    let has = |level: &str, words: &[&str]| {
        lines.iter().any(|l| l.starts_with(&format!("flaghal: {level}: ")) && words.iter().all(|w| l.contains(w)))
    };
    assert!(has("warn", &["libzoo_no_entry.so", "fhPluginNegotiate"]), "a warn line for the skipped plugin:\n{}", out.stderr);
    assert!(has("info", &["cpu"]), "an info line for the loaded CPU plugin:\n{}", out.stderr);
    assert!(has("info", &["minimal: initialised"]), "the plugin's own host->log line at info:\n{}", out.stderr);
    assert!(lines.iter().any(|l| l.starts_with("flaghal: debug: ")), "debug lines:\n{}", out.stderr);
}

#[test]
fn without_loader_debug_a_skipped_plugin_prints_nothing() {
    let files = [paths::cpu_plugin(), zoo("no_entry")];
    let out = Scenario::new("without_loader_debug_a_skipped_plugin_prints_nothing")
        .plugins(&files)
        .run(|hal| assert!(hal.device_count().unwrap() >= 1));
    assert!(!out.stderr.contains("flaghal: warn"), "warn lines are off by default:\n{}", out.stderr);
    assert!(!out.stderr.contains("flaghal: info"), "info lines are off by default:\n{}", out.stderr);
}

#[test]
fn without_plugin_files_the_xdg_folders_are_searched_in_order_each_sorted_by_name() {
    // docs/loader.md: FLAGHAL_ADD_PLUGIN_FILES first, then $XDG_CONFIG_HOME,
    // $XDG_CONFIG_DIRS, /etc, $XDG_DATA_HOME, $XDG_DATA_DIRS, each folder's
    // manifests sorted by file name (never readdir order).
    let root = paths::scratch_dir("zoo-xdg");
    let folder = |base: &str| {
        let dir = root.join(base).join("flaghal/plugins.d");
        std::fs::create_dir_all(&dir).unwrap();
        dir
    };
    let arch = std::env::consts::ARCH;
    let (config, system, data) = (folder("config"), folder("xdg-dirs"), folder("data"));
    // Written in reverse order, so readdir order would likely differ.
    write_manifest(&config, "20-cpu.json", &manifest_json("cpu", &paths::text(&paths::cpu_plugin()), arch));
    write_manifest(&config, "10-minimal.json", &manifest_json("minimal", &paths::text(&paths::minimal_plugin()), arch));
    write_manifest(&system, "50-future.json", &manifest_json("zoo-future-minor", &paths::text(&zoo("future_minor")), arch));
    write_manifest(&data, "00-init-fails.json", &manifest_json("zoo-init-fails", &paths::text(&zoo("init_fails")), arch));
    let expected = [zoo("wrong_major"), paths::minimal_plugin(), paths::cpu_plugin(), zoo("future_minor"), zoo("init_fails")];
    let dir = |name: &str| paths::text(&root.join(name));
    Scenario::new("without_plugin_files_the_xdg_folders_are_searched_in_order_each_sorted_by_name")
        .env("HOME", &dir("home"))
        .env("XDG_CONFIG_HOME", &dir("config"))
        .env("XDG_CONFIG_DIRS", &dir("xdg-dirs"))
        .env("XDG_DATA_HOME", &dir("data"))
        .env("XDG_DATA_DIRS", &dir("share"))
        .env("FLAGHAL_ADD_PLUGIN_FILES", &paths::text(&zoo("wrong_major")))
        .run(|hal| {
            let plugins = hal.plugins().unwrap();
            let names: Vec<String> = expected.iter().map(|f| f.file_name().unwrap().to_string_lossy().into_owned()).collect();
            let order: Vec<String> = plugins
                .iter()
                .filter_map(|p| names.iter().find(|n| p.library_path.ends_with(n.as_str())).cloned())
                .collect();
            assert_eq!(order, names, "load order: {plugins:#?}");
            assert_skipped(&plugins, &zoo("wrong_major"), FH_PLUGIN_SKIP_VERSION_MISMATCH, &["2"]);
            assert_skipped(&plugins, &zoo("init_fails"), FH_PLUGIN_SKIP_INIT_FAILED, &["simulated driver failure"]);
            for loaded in [paths::minimal_plugin(), paths::cpu_plugin(), zoo("future_minor")] {
                let info = assert_loaded(&plugins, &loaded);
                assert!(info.manifest_path.ends_with(".json"), "found through its manifest: {info:#?}");
            }
        });
}
