//! The environment, read once by the first fhInit into an [`Environment`]
//! snapshot. Everything downstream (search paths, filters, device order,
//! debug levels) is a pure function of the snapshot, so it can be tested
//! with a fake one.
//!
//! In a setuid/setgid or otherwise elevated process (AT_SECURE set, or real
//! and effective ids differ) the variables that name paths are ignored, as
//! secure_getenv does, and an error-level line says so: a user must not be
//! able to make a privileged program load a library of their choosing.

use std::ffi::OsString;
use std::path::PathBuf;

/// Every variable the loader reads, as found at fhInit time.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    // Path variables (ignored when `secure`).
    pub plugin_files: Option<OsString>,
    pub add_plugin_files: Option<OsString>,
    pub home: Option<OsString>,
    pub xdg_config_home: Option<OsString>,
    pub xdg_config_dirs: Option<OsString>,
    pub xdg_data_home: Option<OsString>,
    pub xdg_data_dirs: Option<OsString>,
    /// FLAGHAL_TRACE: the trace file to write (a path, so ignored when `secure`).
    pub trace: Option<OsString>,
    // Other settings.
    pub plugins_select: Option<String>,
    pub plugins_disable: Option<String>,
    pub visible_devices: Option<String>,
    pub loader_debug: Option<String>,
    pub validation: Option<String>,
    /// Folder holding libflaghal.so itself (for `../share/flaghal/plugins.d`).
    pub install_dir: Option<PathBuf>,
    /// The process is setuid/elevated: path variables were dropped.
    pub secure: bool,
}

/// The path variables, by name, for the secure-mode message.
pub const PATH_VARIABLES: [&str; 8] = [
    "FLAGHAL_PLUGIN_FILES",
    "FLAGHAL_ADD_PLUGIN_FILES",
    "HOME",
    "XDG_CONFIG_HOME",
    "XDG_CONFIG_DIRS",
    "XDG_DATA_HOME",
    "XDG_DATA_DIRS",
    "FLAGHAL_TRACE",
];

impl Environment {
    /// Reads the process environment. Returns the snapshot and, in a secure
    /// process, the names of the path variables that were set and ignored.
    pub fn read() -> (Environment, Vec<&'static str>) {
        let mut env = Environment::from_lookup(|name| std::env::var_os(name), is_secure_process());
        env.0.install_dir = crate::discovery::self_location::install_dir();
        env
    }

    /// Pure: builds the snapshot from a variable lookup. With `secure`, the
    /// path variables are dropped and returned by name if they were set.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<OsString>, secure: bool) -> (Environment, Vec<&'static str>) {
        let text = |name: &str| lookup(name).map(|v| v.to_string_lossy().into_owned());
        let mut ignored = Vec::new();
        let mut path = |name: &'static str| {
            let value = lookup(name);
            if secure && value.is_some() {
                ignored.push(name);
                None
            } else {
                value
            }
        };
        let env = Environment {
            plugin_files: path("FLAGHAL_PLUGIN_FILES"),
            add_plugin_files: path("FLAGHAL_ADD_PLUGIN_FILES"),
            home: path("HOME"),
            xdg_config_home: path("XDG_CONFIG_HOME"),
            xdg_config_dirs: path("XDG_CONFIG_DIRS"),
            xdg_data_home: path("XDG_DATA_HOME"),
            xdg_data_dirs: path("XDG_DATA_DIRS"),
            trace: path("FLAGHAL_TRACE"),
            plugins_select: text("FLAGHAL_PLUGINS_SELECT"),
            plugins_disable: text("FLAGHAL_PLUGINS_DISABLE"),
            visible_devices: text("FLAGHAL_VISIBLE_DEVICES"),
            loader_debug: text("FLAGHAL_LOADER_DEBUG"),
            validation: text("FLAGHAL_VALIDATION"),
            install_dir: None,
            secure,
        };
        (env, ignored)
    }
}

extern "C" {
    fn getauxval(kind: std::ffi::c_ulong) -> std::ffi::c_ulong;
    fn getuid() -> u32;
    fn geteuid() -> u32;
    fn getgid() -> u32;
    fn getegid() -> u32;
}

/// `AT_SECURE` from <elf.h>.
const AT_SECURE: std::ffi::c_ulong = 23;

/// Whether the process runs with elevated privileges (setuid/setgid binary,
/// file capabilities, or differing real and effective ids).
pub fn is_secure_process() -> bool {
    // SAFETY: getauxval, getuid, geteuid, getgid and getegid take no pointers,
    // cannot fail in a way that matters here, and are async-signal-safe.
    unsafe { getauxval(AT_SECURE) != 0 || getuid() != geteuid() || getgid() != getegid() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ordinary_test_process_is_not_secure() {
        assert!(!is_secure_process());
    }

    fn fake(name: &str) -> Option<OsString> {
        match name {
            "FLAGHAL_PLUGIN_FILES" => Some("/tmp/evil.so".into()),
            "HOME" => Some("/home/u".into()),
            "XDG_DATA_DIRS" => Some("/x".into()),
            "FLAGHAL_VISIBLE_DEVICES" => Some("cpu".into()),
            "FLAGHAL_LOADER_DEBUG" => Some("all".into()),
            _ => None,
        }
    }

    #[test]
    fn a_secure_process_ignores_every_path_variable_and_names_them() {
        let (env, ignored) = Environment::from_lookup(fake, true);
        assert_eq!(ignored, ["FLAGHAL_PLUGIN_FILES", "HOME", "XDG_DATA_DIRS"]);
        assert!(env.plugin_files.is_none() && env.home.is_none() && env.xdg_data_dirs.is_none());
        assert_eq!(env.visible_devices.as_deref(), Some("cpu"), "non-path settings still apply");
        assert_eq!(env.loader_debug.as_deref(), Some("all"));
        let places = crate::discovery::search_paths::search_entries(&env);
        assert!(places.iter().all(|p| !p.path.starts_with("/home") && !p.path.starts_with("/tmp")), "{places:?}");
    }

    #[test]
    fn an_ordinary_process_keeps_them() {
        let (env, ignored) = Environment::from_lookup(fake, false);
        assert!(ignored.is_empty());
        assert_eq!(env.plugin_files.as_deref(), Some(std::ffi::OsStr::new("/tmp/evil.so")));
        assert_eq!(env.home.as_deref(), Some(std::ffi::OsStr::new("/home/u")));
    }
}
