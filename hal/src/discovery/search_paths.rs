//! Pure: environment snapshot -> the ordered list of places to look for
//! plugins. Order (docs/loader.md):
//!
//! 1. each entry of FLAGHAL_ADD_PLUGIN_FILES, in the given order;
//! 2. if FLAGHAL_PLUGIN_FILES is set (and not empty), each of its entries and
//!    nothing else; otherwise the `flaghal/plugins.d` folder under
//!    $XDG_CONFIG_HOME (default ~/.config), each of $XDG_CONFIG_DIRS (default
//!    /etc/xdg), /etc, $XDG_DATA_HOME (default ~/.local/share), each of
//!    $XDG_DATA_DIRS (default /usr/local/share:/usr/share), and last the
//!    install's own `<libdir>/../share/flaghal/plugins.d`.
//!
//! A place named twice is kept at its first position only.

use super::environment::Environment;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

/// Where a place came from: a variable the user set (failures there are
/// reported at error level) or a default folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Explicit(&'static str),
    Default,
}

/// One place to look: a folder of manifests, a manifest, or a library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchEntry {
    pub path: PathBuf,
    pub origin: Origin,
}

/// The sub-folder of every XDG/system folder that holds manifests.
pub const SUBDIR: &str = "flaghal/plugins.d";

/// Builds the ordered, de-duplicated list of places from `env`.
pub fn search_entries(env: &Environment) -> Vec<SearchEntry> {
    let mut entries = Vec::new();
    let explicit = |value: &Option<std::ffi::OsString>, var: &'static str, entries: &mut Vec<SearchEntry>| {
        for path in split_list(value.as_deref()) {
            entries.push(SearchEntry { path, origin: Origin::Explicit(var) });
        }
    };
    explicit(&env.add_plugin_files, "FLAGHAL_ADD_PLUGIN_FILES", &mut entries);
    let replace = env.plugin_files.as_deref().is_some_and(|v| !v.is_empty());
    if replace {
        explicit(&env.plugin_files, "FLAGHAL_PLUGIN_FILES", &mut entries);
    } else {
        for dir in default_dirs(env) {
            entries.push(SearchEntry { path: dir.join(SUBDIR), origin: Origin::Default });
        }
        if let Some(lib_dir) = &env.install_dir {
            // `<libdir>/../share`, written without `..`: install_dir is canonical.
            let prefix = lib_dir.parent().unwrap_or(lib_dir);
            entries.push(SearchEntry { path: prefix.join("share").join(SUBDIR), origin: Origin::Default });
        }
    }
    let mut seen = std::collections::HashSet::new();
    entries.retain(|e| seen.insert(e.path.clone()));
    entries
}

/// The XDG and system base folders, in search order (without the sub-folder).
fn default_dirs(env: &Environment) -> Vec<PathBuf> {
    let home = env.home.as_deref().filter(|h| !h.is_empty()).map(Path::new);
    let mut dirs = Vec::new();
    dirs.extend(xdg_home(env.xdg_config_home.as_deref(), home, ".config"));
    dirs.extend(xdg_dirs(env.xdg_config_dirs.as_deref(), "/etc/xdg"));
    dirs.push(PathBuf::from("/etc"));
    dirs.extend(xdg_home(env.xdg_data_home.as_deref(), home, ".local/share"));
    dirs.extend(xdg_dirs(env.xdg_data_dirs.as_deref(), "/usr/local/share:/usr/share"));
    dirs
}

/// $XDG_*_HOME if set to an absolute path, else $HOME/<fallback>.
fn xdg_home(value: Option<&OsStr>, home: Option<&Path>, fallback: &str) -> Option<PathBuf> {
    match value.map(Path::new).filter(|p| p.is_absolute()) {
        Some(dir) => Some(dir.to_path_buf()),
        None => home.map(|h| h.join(fallback)),
    }
}

/// $XDG_*_DIRS (absolute entries only, per the XDG spec) or the default list.
fn xdg_dirs(value: Option<&OsStr>, default: &str) -> Vec<PathBuf> {
    let given: Vec<PathBuf> = split_list(value).into_iter().filter(|p| p.is_absolute()).collect();
    if given.is_empty() {
        split_list(Some(OsStr::new(default)))
    } else {
        given
    }
}

/// Splits a colon-separated list, dropping empty items.
pub fn split_list(value: Option<&OsStr>) -> Vec<PathBuf> {
    match value {
        None => Vec::new(),
        Some(v) => std::env::split_paths(v).filter(|p| !p.as_os_str().is_empty()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> Environment {
        Environment { home: Some("/home/u".into()), install_dir: Some("/opt/fh/lib".into()), ..Default::default() }
    }

    fn paths(entries: &[SearchEntry]) -> Vec<String> {
        entries.iter().map(|e| e.path.display().to_string()).collect()
    }

    #[test]
    fn defaults_follow_the_xdg_order_and_end_with_the_install() {
        assert_eq!(
            paths(&search_entries(&env())),
            [
                "/home/u/.config/flaghal/plugins.d",
                "/etc/xdg/flaghal/plugins.d",
                "/etc/flaghal/plugins.d",
                "/home/u/.local/share/flaghal/plugins.d",
                "/usr/local/share/flaghal/plugins.d",
                "/usr/share/flaghal/plugins.d",
                "/opt/fh/share/flaghal/plugins.d",
            ]
        );
        assert!(search_entries(&env()).iter().all(|e| e.origin == Origin::Default));
    }

    #[test]
    fn xdg_variables_replace_their_defaults_and_relative_entries_are_ignored() {
        let e = Environment {
            xdg_config_home: Some("/cfg".into()),
            xdg_config_dirs: Some("/a:relative::/b".into()),
            xdg_data_home: Some("not/absolute".into()),
            xdg_data_dirs: Some("/d".into()),
            ..env()
        };
        assert_eq!(
            paths(&search_entries(&e)),
            [
                "/cfg/flaghal/plugins.d",
                "/a/flaghal/plugins.d",
                "/b/flaghal/plugins.d",
                "/etc/flaghal/plugins.d",
                "/home/u/.local/share/flaghal/plugins.d",
                "/d/flaghal/plugins.d",
                "/opt/fh/share/flaghal/plugins.d",
            ]
        );
    }

    #[test]
    fn without_home_the_home_folders_are_skipped() {
        let e = Environment { home: None, install_dir: None, ..Default::default() };
        assert_eq!(paths(&search_entries(&e))[0], "/etc/xdg/flaghal/plugins.d");
        assert_eq!(search_entries(&e).len(), 4);
    }

    #[test]
    fn plugin_files_replace_everything_and_add_files_come_first() {
        let e = Environment {
            plugin_files: Some("/p/a.json:/p/dir::/p/lib.so".into()),
            add_plugin_files: Some("/x/first.json".into()),
            ..env()
        };
        let entries = search_entries(&e);
        assert_eq!(paths(&entries), ["/x/first.json", "/p/a.json", "/p/dir", "/p/lib.so"]);
        assert_eq!(entries[0].origin, Origin::Explicit("FLAGHAL_ADD_PLUGIN_FILES"));
        assert_eq!(entries[1].origin, Origin::Explicit("FLAGHAL_PLUGIN_FILES"));
    }

    #[test]
    fn add_files_precede_the_defaults_and_an_empty_replacement_is_unset() {
        let e = Environment { plugin_files: Some("".into()), add_plugin_files: Some("/x/a.so:/x/b.so".into()), ..env() };
        let p = paths(&search_entries(&e));
        assert_eq!(p[..3], ["/x/a.so", "/x/b.so", "/home/u/.config/flaghal/plugins.d"]);
        assert_eq!(p.len(), 9);
    }

    #[test]
    fn a_place_named_twice_is_kept_once_at_its_first_position() {
        let e = Environment { xdg_config_dirs: Some("/etc:/etc/xdg".into()), ..env() };
        let p = paths(&search_entries(&e));
        assert_eq!(p[1], "/etc/flaghal/plugins.d");
        assert_eq!(p[2], "/etc/xdg/flaghal/plugins.d");
        assert_eq!(p.iter().filter(|x| x.as_str() == "/etc/flaghal/plugins.d").count(), 1);
    }
}
