//! Discovery end to end: XDG folders, sorting, FLAGHAL_ADD_PLUGIN_FILES,
//! duplicates, filters, FLAGHAL_VISIBLE_DEVICES and FLAGHAL_LOADER_DEBUG
//! lines. Each scenario points HOME and every XDG variable at scratch
//! folders, so the machine's own configuration cannot leak in.

mod support;

use flaghal_sys::*;
use std::path::Path;
use support::*;

/// HOME and XDG variables for a scratch tree under `root`.
fn xdg_env(root: &Path) -> Vec<(&'static str, String)> {
    let p = |s: &str| root.join(s).to_string_lossy().into_owned();
    vec![
        ("HOME", p("home")),
        ("XDG_CONFIG_DIRS", p("config-dirs")),
        ("XDG_DATA_HOME", p("data-home")),
        ("XDG_DATA_DIRS", p("data-dirs")),
    ]
}

fn as_refs<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn xdg_folders_are_searched_in_order_sorted_by_file_name_and_duplicates_skipped() {
    let root = scratch("xdg");
    let cpu = cpu_plugin();
    // ~/.config (XDG_CONFIG_HOME unset): a bad manifest sorted before the good one.
    write(&root.join("home/.config/flaghal/plugins.d/20-cpu.json"), &manifest("cpu", &cpu));
    write(&root.join("home/.config/flaghal/plugins.d/10-broken.json"), "{");
    write(&root.join("home/.config/flaghal/plugins.d/notes.txt"), "ignored: not .json");
    // A later folder names the same library again.
    write(&root.join("data-dirs/flaghal/plugins.d/cpu-again.json"), &manifest("cpu-again", &cpu));
    let env = xdg_env(&root);
    scenario("xdg_folders_are_searched_in_order_sorted_by_file_name_and_duplicates_skipped", &as_refs(&env), true, |hal| {
        let plugins = hal.plugins().unwrap();
        let manifests: Vec<String> = plugins.iter().map(|p| p.manifest_path.clone()).collect();
        assert_eq!(plugins.len(), 3, "{manifests:?}");
        assert!(manifests[0].ends_with("10-broken.json"));
        assert_eq!(plugins[0].skip_reason, FH_PLUGIN_SKIP_MANIFEST_INVALID);
        assert!(manifests[1].ends_with("20-cpu.json"));
        assert!(plugins[1].loaded, "{:?}", plugins[1]);
        assert!(manifests[2].ends_with("cpu-again.json"));
        assert_eq!(plugins[2].skip_reason, FH_PLUGIN_SKIP_DUPLICATE);
        assert!(plugins[2].skip_detail.contains("\"cpu\""), "{}", plugins[2].skip_detail);
        assert_eq!(hal.device_count().unwrap(), 1);
    });
}

#[test]
fn add_plugin_files_come_first() {
    let root = scratch("add");
    let cpu = cpu_plugin();
    write(&root.join("home/.config/flaghal/plugins.d/cpu.json"), &manifest("cpu", &cpu));
    let missing = root.join("nowhere/libmissing.so");
    let mut env = xdg_env(&root);
    env.push(("FLAGHAL_ADD_PLUGIN_FILES", missing.to_string_lossy().into_owned()));
    let out = scenario("add_plugin_files_come_first", &as_refs(&env), true, |hal| {
        let plugins = hal.plugins().unwrap();
        assert_eq!(plugins.len(), 2);
        assert_eq!(plugins[0].skip_reason, FH_PLUGIN_SKIP_OPEN_FAILED);
        assert!(plugins[0].skip_detail.contains("libmissing.so"));
        assert_eq!(plugins[0].manifest_path, "", "given directly");
        assert!(plugins[1].loaded, "{:?}", plugins[1]);
    });
    assert!(
        out.stderr.lines().any(|l| l.starts_with("flaghal: error: FLAGHAL_ADD_PLUGIN_FILES entry") && l.contains("libmissing.so")),
        "an explicit entry that failed is an error line by default:\n{}",
        out.stderr
    );
    assert!(!out.stderr.contains("flaghal: warn:"), "warn lines are off by default:\n{}", out.stderr);
}

#[test]
fn plugin_files_replace_the_folders() {
    // FLAGHAL_PLUGIN_FILES: only what it names, in its order (a folder, then a library).
    let root = scratch("replace");
    let cpu = cpu_plugin();
    write(&root.join("home/.config/flaghal/plugins.d/cpu.json"), &manifest("cpu", &cpu));
    let dir = root.join("only");
    write(&dir.join("a.json"), "{\"file_format_version\": \"9.0.0\", \"plugin\": {\"library_path\": \"x\"}}");
    let mut env = xdg_env(&root);
    env.push(("FLAGHAL_PLUGIN_FILES", format!("{}:{}", dir.display(), cpu.display())));
    scenario("plugin_files_replace_the_folders", &as_refs(&env), true, |hal| {
        let plugins = hal.plugins().unwrap();
        assert_eq!(plugins.len(), 2, "the ~/.config manifest is not read");
        assert!(plugins[0].skip_detail.contains("9.0.0 is not supported"));
        assert_eq!(plugins[1].name, "cpu");
    });
}

#[test]
fn plugins_select_skips_what_it_does_not_name() {
    let cpu = cpu_plugin().to_string_lossy().into_owned();
    let env = [("FLAGHAL_PLUGIN_FILES", cpu.as_str()), ("FLAGHAL_PLUGINS_SELECT", "vulkan,acme*")];
    scenario("plugins_select_skips_what_it_does_not_name", &env, true, |hal| {
        let p = &hal.plugins().unwrap()[0];
        assert_eq!(p.skip_reason, FH_PLUGIN_SKIP_DISABLED);
        assert!(p.skip_detail.contains("not selected by FLAGHAL_PLUGINS_SELECT=\"vulkan,acme*\""));
        assert_eq!(p.name, "cpu", "the table's name, as there is no manifest");
        assert_eq!(hal.device_count().unwrap(), 0);
    });
}

#[test]
fn visible_devices_set_but_empty_hides_every_device() {
    let cpu = cpu_plugin().to_string_lossy().into_owned();
    let env = [("FLAGHAL_PLUGIN_FILES", cpu.as_str()), ("FLAGHAL_VISIBLE_DEVICES", "")];
    scenario("visible_devices_set_but_empty_hides_every_device", &env, true, |hal| {
        assert_eq!(hal.device_count().unwrap(), 0, "set but empty: no devices");
        let p = &hal.plugins().unwrap()[0];
        assert_eq!((p.loaded, p.device_count), (true, 0));
    });
}

#[test]
fn visible_devices_drops_duplicates_and_reports_invalid_entries() {
    let cpu = cpu_plugin().to_string_lossy().into_owned();
    let env = [("FLAGHAL_PLUGIN_FILES", cpu.as_str()), ("FLAGHAL_VISIBLE_DEVICES", "5,cpu:0,0,bogus")];
    let out = scenario("visible_devices_drops_duplicates_and_reports_invalid_entries", &env, true, |hal| {
        assert_eq!(hal.device_count().unwrap(), 1, "duplicates dropped, invalid entries ignored");
        assert_eq!(hal.plugins().unwrap()[0].device_count, 1);
    });
    let errors: Vec<&str> = out.stderr.lines().filter(|l| l.starts_with("flaghal: error: FLAGHAL_VISIBLE_DEVICES")).collect();
    assert_eq!(errors.len(), 2, "{}", out.stderr);
    assert!(errors[0].contains("\"5\": ordinal 5 is out of range"));
    assert!(errors[1].contains("\"bogus\""));
}

fn debug_env(root: &Path, debug: Option<&str>) -> Vec<(&'static str, String)> {
    let mut env = xdg_env(root);
    env.push(("FLAGHAL_PLUGIN_FILES", cpu_plugin().to_string_lossy().into_owned()));
    if let Some(level) = debug {
        env.push(("FLAGHAL_LOADER_DEBUG", level.to_string()));
    }
    env
}

#[test]
fn loader_debug_info_shows_loads_and_devices_and_reports_unknown_levels() {
    let env = debug_env(&scratch("debug-info"), Some("info,loud"));
    let out = scenario("loader_debug_info_shows_loads_and_devices_and_reports_unknown_levels", &as_refs(&env), true, |_| {});
    assert!(out.stderr.contains("flaghal: error: FLAGHAL_LOADER_DEBUG: unknown level \"loud\""), "{}", out.stderr);
    assert!(out.stderr.lines().any(|l| l.starts_with("flaghal: info: loaded plugin \"cpu\"")), "{}", out.stderr);
    assert!(out.stderr.lines().any(|l| l.starts_with("flaghal: info: device 0: ")), "{}", out.stderr);
    assert!(!out.stderr.contains("flaghal: debug:"), "{}", out.stderr);
}

#[test]
fn loader_debug_all_shows_every_place_looked_at() {
    let env = debug_env(&scratch("debug-all"), Some("all"));
    let out = scenario("loader_debug_all_shows_every_place_looked_at", &as_refs(&env), true, |_| {});
    assert!(out.stderr.contains("flaghal: debug: candidate "), "{}", out.stderr);
    assert!(out.stderr.contains("flaghal: debug: search place "), "{}", out.stderr);
}

#[test]
fn the_loader_is_quiet_by_default() {
    let env = debug_env(&scratch("debug-none"), None);
    let out = scenario("the_loader_is_quiet_by_default", &as_refs(&env), true, |_| {});
    assert_eq!(out.stderr.lines().filter(|l| l.starts_with("flaghal: ")).count(), 0, "{}", out.stderr);
}
