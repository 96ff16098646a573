//! Loading one candidate: manifest checks, name filters, duplicate checks,
//! dlopen (RTLD_NOW | RTLD_LOCAL; the library is never closed: leaked),
//! negotiation, init with the host services, device enumeration. Every
//! outcome becomes a `Record` (one fhPluginGetInfo entry, plugin_record.rs);
//! a broken plugin never hides the others.

use crate::device_query::query_devices;
use crate::discovery::manifest::{self, LibraryLocation};
use crate::discovery::{self_location, Candidate, CandidateKind};
use flaghal_sys::glob;
use crate::negotiate::{self, make_version, NegotiateFn, LOADER_ABI};
use crate::plugin::Plugin;
use crate::plugin_record::{Loaded, Record};
use crate::skip::{skip, Skip};
use crate::{error_state, host_services, status_names};
use flaghal_sys::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// What earlier candidates left for later ones: filters and duplicates.
#[derive(Default)]
pub struct LoadContext {
    pub select: Option<String>,
    pub disable: Option<String>,
    /// Canonical library path -> the plugin name that opened it first.
    libraries: HashMap<PathBuf, String>,
    /// Loaded plugin name -> where it came from.
    names: HashMap<String, String>,
}

impl LoadContext {
    pub fn new(select: Option<String>, disable: Option<String>) -> Self {
        LoadContext { select, disable, ..Default::default() }
    }

    /// Pure given the filters: why `name` is excluded, if it is.
    pub fn excluded(&self, name: &str) -> Option<String> {
        if let Some(disable) = self.disable.as_deref().filter(|d| glob::matches_any(d, name)) {
            return Some(format!("excluded by FLAGHAL_PLUGINS_DISABLE=\"{disable}\""));
        }
        match self.select.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(select) if !glob::matches_any(select, name) => {
                Some(format!("not selected by FLAGHAL_PLUGINS_SELECT=\"{select}\""))
            }
            _ => None,
        }
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string())
}

/// Loads one candidate.
pub fn load(candidate: &Candidate, ctx: &mut LoadContext) -> Record {
    let mut record = Record {
        name: file_name(&candidate.path),
        vendor: String::new(),
        version: String::new(),
        library_path: String::new(),
        manifest_path: String::new(),
        abi_version: 0,
        origin: candidate.origin,
        outcome: Err(Skip { reason: FH_PLUGIN_SKIP_NONE, detail: String::new() }),
    };
    record.outcome = load_steps(candidate, ctx, &mut record);
    record
}

fn load_steps(candidate: &Candidate, ctx: &mut LoadContext, record: &mut Record) -> Result<Loaded, Skip> {
    let mut manifest_name = None;
    let location = match candidate.kind {
        CandidateKind::Library => {
            record.library_path = absolute(&candidate.path).display().to_string();
            LibraryLocation::Path(candidate.path.clone())
        }
        CandidateKind::Manifest => {
            let path = &candidate.path;
            record.manifest_path = absolute(path).display().to_string();
            let text = match std::fs::read_to_string(path) {
                Ok(text) => text,
                Err(e) => return skip(FH_PLUGIN_SKIP_MANIFEST_UNREADABLE, format!("cannot read {}: {e}", path.display())),
            };
            let m = manifest::parse(&text).or_else(|e| skip(FH_PLUGIN_SKIP_MANIFEST_INVALID, format!("{}: {e}", path.display())))?;
            let location = manifest::locate_library(&absolute(path), &m.library_path);
            record.library_path = match &location {
                LibraryLocation::Path(p) => p.display().to_string(),
                LibraryLocation::SearchPath(n) => n.clone(),
            };
            if let Some(name) = &m.name {
                record.name = name.clone();
                manifest_name = Some(name.clone());
            } else {
                record.name = file_name(Path::new(&m.library_path));
            }
            if let Some((major, minor)) = m.abi_version {
                if major != LOADER_ABI.major {
                    return skip(
                        FH_PLUGIN_SKIP_VERSION_MISMATCH,
                        format!("manifest declares plugin ABI {major}.{minor}, loader supports {}", LOADER_ABI.range()),
                    );
                }
            }
            if let Some(arch) = &m.library_arch {
                if arch != std::env::consts::ARCH {
                    return skip(
                        FH_PLUGIN_SKIP_WRONG_ARCH,
                        format!("library_arch is \"{arch}\" but this process is {}", std::env::consts::ARCH),
                    );
                }
            }
            location
        }
    };
    if let Some(name) = &manifest_name {
        if let Some(why) = ctx.excluded(name) {
            return skip(FH_PLUGIN_SKIP_DISABLED, why);
        }
        if let Some(first) = ctx.names.get(name) {
            return skip(FH_PLUGIN_SKIP_DUPLICATE, format!("a plugin named \"{name}\" is already loaded from {first}"));
        }
    }
    if let LibraryLocation::Path(p) = &location {
        if let Some(first) = std::fs::canonicalize(p).ok().and_then(|c| ctx.libraries.get(&c)) {
            return skip(FH_PLUGIN_SKIP_DUPLICATE, format!("same library as plugin \"{first}\", already opened"));
        }
    }

    // dlopen. The Library is leaked on every path below: plugins are never closed.
    let target = match &location {
        LibraryLocation::Path(p) => p.as_os_str().to_owned(),
        LibraryLocation::SearchPath(n) => n.into(),
    };
    let flags = libloading::os::unix::RTLD_NOW | libloading::os::unix::RTLD_LOCAL;
    // SAFETY: loading a plugin runs its initialisers; that is what a plugin
    // is. The library is never closed afterwards.
    let library = match unsafe { libloading::os::unix::Library::open(Some(&target), flags) } {
        Ok(library) => library,
        Err(e) => return skip(FH_PLUGIN_SKIP_OPEN_FAILED, e.to_string()),
    };
    // SAFETY: the symbol, if present, has the type the plugin ABI declares.
    let entry = unsafe { library.get::<NegotiateFn>(FH_PLUGIN_ENTRY_SYMBOL) }.map(|s| *s);
    std::mem::forget(library);
    let entry: NegotiateFn = match entry {
        Ok(entry) => entry,
        Err(e) => return skip(FH_PLUGIN_SKIP_NO_ENTRY_POINT, format!("fhPluginNegotiate is not exported: {e}")),
    };
    let opened = self_location::object_path_of(entry as usize);
    if let Some(opened) = &opened {
        record.library_path = opened.display().to_string();
        if let Some(first) = ctx.libraries.get(opened) {
            return skip(FH_PLUGIN_SKIP_DUPLICATE, format!("same library as plugin \"{first}\", already opened"));
        }
        ctx.libraries.insert(opened.clone(), record.name.clone());
    }

    // SAFETY: `entry` is the plugin's exported fhPluginNegotiate.
    let negotiated = match unsafe { negotiate::negotiate(entry) } {
        Ok(n) => n,
        Err((s, abi)) => {
            record.abi_version = abi;
            return Err(s);
        }
    };
    record.abi_version = negotiated.abi_version;
    record.name = negotiated.name.clone();
    if let Some(opened) = opened {
        ctx.libraries.insert(opened, negotiated.name.clone());
    }
    record.vendor = negotiated.vendor.clone();
    record.version = negotiated.version.clone();
    if manifest_name.as_deref() != Some(negotiated.name.as_str()) {
        if let Some(m) = &manifest_name {
            crate::debug_log::log(
                crate::debug_log::WARN,
                &format!("manifest {} names the plugin \"{m}\" but its table says \"{}\"; using \"{}\"", record.manifest_path, negotiated.name, negotiated.name),
            );
        }
        if let Some(why) = ctx.excluded(&negotiated.name) {
            return skip(FH_PLUGIN_SKIP_DISABLED, why);
        }
    }
    if let Some(first) = ctx.names.get(&negotiated.name) {
        return skip(FH_PLUGIN_SKIP_DUPLICATE, format!("a plugin named \"{}\" is already loaded from {first}", negotiated.name));
    }

    let plugin = Plugin::leak(negotiated.name.clone(), negotiated.api, negotiated.abi_version);
    init(plugin, negotiated.abi_version)?;
    let devices = query_devices(plugin)?;
    ctx.names.insert(plugin.name.clone(), record.library_path.clone());
    Ok(Loaded { plugin, devices })
}

/// Calls the plugin's init with its host services.
fn init(plugin: &'static Plugin, abi_version: u32) -> Result<(), Skip> {
    let Some(init) = plugin.api.init else {
        return skip(FH_PLUGIN_SKIP_MISSING_REQUIRED_ENTRY, "required entry init is NULL");
    };
    let args = fh_plugin_init_args_t {
        struct_size: std::mem::size_of::<fh_plugin_init_args_t>(),
        next: std::ptr::null_mut(),
        abi_version,
        host: host_services::services_for(&plugin.name),
    };
    let _ = error_state::take_plugin_detail();
    // SAFETY: a required entry, called once, with valid sized arguments whose
    // host services live until process exit.
    let status = unsafe { init(&args) };
    if status == FH_SUCCESS {
        return Ok(());
    }
    let reason = if status == FH_ERROR_PANIC { FH_PLUGIN_SKIP_INIT_PANICKED } else { FH_PLUGIN_SKIP_INIT_FAILED };
    let detail = match error_state::take_plugin_detail() {
        Some(d) => format!("init returned {}: {d}", status_names::name_or_number(status)),
        None => format!("init returned {} (no detail from the plugin)", status_names::name_or_number(status)),
    };
    skip(reason, detail)
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// FH_MAKE_VERSION of the loader's highest plugin ABI (for docs and tests).
pub const LOADER_PLUGIN_ABI: u32 = make_version(LOADER_ABI.major, LOADER_ABI.max_minor, 0);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discovery::search_paths::Origin;

    fn manifest_candidate(dir: &Path, name: &str, text: &str) -> Candidate {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        Candidate { path, kind: CandidateKind::Manifest, origin: Origin::Default }
    }

    #[test]
    fn manifest_problems_are_skips_with_reasons_and_no_dlopen() {
        let dir = std::env::temp_dir().join(format!("flaghal-load-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut ctx = LoadContext::new(None, Some("off*".into()));
        let cases = [
            ("bad.json", "{nope", FH_PLUGIN_SKIP_MANIFEST_INVALID, "not valid JSON"),
            (
                "v2.json",
                r#"{"file_format_version":"1.0.0","plugin":{"name":"x","library_path":"/none.so","abi_version":"2.1"}}"#,
                FH_PLUGIN_SKIP_VERSION_MISMATCH,
                "manifest declares plugin ABI 2.1, loader supports 1.0..1.1",
            ),
            (
                "arch.json",
                r#"{"file_format_version":"1.0.0","plugin":{"library_path":"/none.so","library_arch":"sparc"}}"#,
                FH_PLUGIN_SKIP_WRONG_ARCH,
                "library_arch is \"sparc\"",
            ),
            (
                "off.json",
                r#"{"file_format_version":"1.0.0","plugin":{"name":"off-1","library_path":"/none.so"}}"#,
                FH_PLUGIN_SKIP_DISABLED,
                "FLAGHAL_PLUGINS_DISABLE=\"off*\"",
            ),
            (
                "missing.json",
                r#"{"file_format_version":"1.0.0","plugin":{"library_path":"lib/libnothere.so"}}"#,
                FH_PLUGIN_SKIP_OPEN_FAILED,
                "libnothere.so",
            ),
        ];
        for (file, text, reason, detail) in cases {
            let record = load(&manifest_candidate(&dir, file, text), &mut ctx);
            let s = record.outcome.err().expect("skipped");
            assert_eq!(s.reason, reason, "{file}: {}", s.detail);
            assert!(s.detail.contains(detail), "{file}: {}", s.detail);
            assert!(record.manifest_path.ends_with(file));
        }
        let unreadable = Candidate { path: dir.join("absent.json"), kind: CandidateKind::Manifest, origin: Origin::Default };
        assert_eq!(load(&unreadable, &mut ctx).outcome.err().unwrap().reason, FH_PLUGIN_SKIP_MANIFEST_UNREADABLE);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_file_that_is_not_a_library_fails_to_open_with_the_dlerror_text() {
        let path = std::env::temp_dir().join(format!("flaghal-notalib-{}.so", std::process::id()));
        std::fs::write(&path, "not an ELF file").unwrap();
        let c = Candidate { path: path.clone(), kind: CandidateKind::Library, origin: Origin::Default };
        let record = load(&c, &mut LoadContext::default());
        let s = record.outcome.err().unwrap();
        assert_eq!(s.reason, FH_PLUGIN_SKIP_OPEN_FAILED);
        assert!(s.detail.contains(&*path.to_string_lossy()), "{}", s.detail);
        assert_eq!(record.manifest_path, "");
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn a_manifest_naming_a_loaded_plugin_is_a_duplicate_before_dlopen() {
        let dir = std::env::temp_dir().join(format!("flaghal-dupname-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut ctx = LoadContext::default();
        ctx.names.insert("cpu".into(), "/first/libflaghal_cpu.so".into());
        let text = r#"{"file_format_version":"1.0.0","plugin":{"name":"cpu","library_path":"/never/opened.so"}}"#;
        let s = load(&manifest_candidate(&dir, "cpu2.json", text), &mut ctx).outcome.err().unwrap();
        assert_eq!(s.reason, FH_PLUGIN_SKIP_DUPLICATE, "not OPEN_FAILED: the library is never opened");
        assert!(s.detail.contains("already loaded from /first/libflaghal_cpu.so"), "{}", s.detail);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn select_and_disable_filters() {
        let ctx = LoadContext::new(Some("cpu,vu*".into()), Some("vulkan".into()));
        assert_eq!(ctx.excluded("cpu"), None);
        assert!(ctx.excluded("vulkan").unwrap().contains("DISABLE"), "disable wins");
        assert!(ctx.excluded("vux").is_none());
        assert!(ctx.excluded("acme").unwrap().contains("not selected"));
        assert_eq!(LoadContext::new(Some(" ".into()), None).excluded("acme"), None, "an empty select selects all");
    }
}
