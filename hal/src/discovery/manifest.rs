//! Pure parsing of a plugin manifest (`*.json` in a `plugins.d` folder):
//!
//! ```json
//! {"file_format_version": "1.0.0",
//!  "plugin": {"name": "cpu", "library_path": "libflaghal_cpu.so",
//!             "abi_version": "1.0", "library_arch": "x86_64"}}
//! ```
//!
//! `file_format_version` (major 1) and `plugin.library_path` are required;
//! `name`, `abi_version` and `library_arch` are optional; unknown fields are
//! ignored so later file formats stay readable.

use serde_json::Value;
use std::path::{Path, PathBuf};

/// A parsed manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    pub name: Option<String>,
    pub library_path: String,
    /// `(major, minor)` of the plugin ABI the library implements.
    pub abi_version: Option<(u32, u32)>,
    pub library_arch: Option<String>,
}

/// Where `library_path` points, decided by its shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LibraryLocation {
    /// An absolute path, or a relative one resolved against the manifest's folder.
    Path(PathBuf),
    /// A bare file name: the dynamic linker's search path decides.
    SearchPath(String),
}

/// Parses manifest text. The error names the problem precisely (JSON
/// position, missing or mistyped field, unsupported file format).
pub fn parse(text: &str) -> Result<Manifest, String> {
    let root: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    let root = root.as_object().ok_or("the top level is not a JSON object")?;
    let format = match root.get("file_format_version") {
        None => return Err("missing \"file_format_version\"".into()),
        Some(Value::String(s)) => s,
        Some(_) => return Err("\"file_format_version\" is not a string".into()),
    };
    let major = parse_version_numbers(format, 3)
        .ok_or_else(|| format!("\"file_format_version\" \"{format}\" is not MAJOR.MINOR.PATCH"))?[0];
    if major != 1 {
        return Err(format!("file_format_version {format} is not supported (this loader reads 1.x.y)"));
    }
    let plugin = match root.get("plugin") {
        None => return Err("missing \"plugin\" object".into()),
        Some(Value::Object(o)) => o,
        Some(_) => return Err("\"plugin\" is not an object".into()),
    };
    let library_path = match plugin.get("library_path") {
        None => return Err("missing \"plugin.library_path\"".into()),
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(Value::String(_)) => return Err("\"plugin.library_path\" is empty".into()),
        Some(_) => return Err("\"plugin.library_path\" is not a string".into()),
    };
    let name = optional_string(plugin, "name")?;
    let library_arch = optional_string(plugin, "library_arch")?;
    let abi_version = match optional_string(plugin, "abi_version")? {
        None => None,
        Some(text) => {
            let numbers = parse_version_numbers(&text, 2)
                .ok_or_else(|| format!("\"plugin.abi_version\" \"{text}\" is not MAJOR.MINOR"))?;
            Some((numbers[0], numbers[1]))
        }
    };
    Ok(Manifest { name, library_path, abi_version, library_arch })
}

fn optional_string(object: &serde_json::Map<String, Value>, key: &str) -> Result<Option<String>, String> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(format!("\"plugin.{key}\" is not a string")),
    }
}

/// Splits "1.0.0" (or "1.0") into numbers: `parts` numbers, or, for a
/// three-part version, "1.0" is accepted too (patch 0).
fn parse_version_numbers(text: &str, parts: usize) -> Option<Vec<u32>> {
    let numbers: Vec<u32> = text.split('.').map(|p| p.parse::<u32>().ok()).collect::<Option<_>>()?;
    if numbers.len() == parts || (parts == 3 && numbers.len() == 2) {
        Some(numbers)
    } else {
        None
    }
}

/// Resolves `library_path` against the folder of the manifest at `manifest`.
pub fn locate_library(manifest: &Path, library_path: &str) -> LibraryLocation {
    let path = Path::new(library_path);
    if path.is_absolute() {
        LibraryLocation::Path(path.to_path_buf())
    } else if library_path.contains('/') {
        let dir = manifest.parent().unwrap_or(Path::new("."));
        LibraryLocation::Path(dir.join(path))
    } else {
        LibraryLocation::SearchPath(library_path.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: &str = r#"{"file_format_version": "1.0.0", "plugin": {"name": "cpu",
        "library_path": "libflaghal_cpu.so", "abi_version": "1.0", "library_arch": "x86_64"}}"#;

    #[test]
    fn a_full_manifest_parses() {
        let m = parse(FULL).unwrap();
        assert_eq!(m.name.as_deref(), Some("cpu"));
        assert_eq!(m.library_path, "libflaghal_cpu.so");
        assert_eq!(m.abi_version, Some((1, 0)));
        assert_eq!(m.library_arch.as_deref(), Some("x86_64"));
    }

    #[test]
    fn optional_fields_may_be_absent_and_unknown_fields_are_ignored() {
        let m = parse(r#"{"file_format_version":"1.2.0","extra":[1],"plugin":{"library_path":"/x/lib.so","future":{}}}"#)
            .unwrap();
        assert_eq!(m, Manifest { name: None, library_path: "/x/lib.so".into(), abi_version: None, library_arch: None });
    }

    #[test]
    fn malformed_manifests_name_the_problem() {
        let cases = [
            ("", "not valid JSON"),
            ("{\"file_format_version\": \"1.0.0\",", "not valid JSON"),
            ("[1,2]", "not a JSON object"),
            (r#"{"plugin":{"library_path":"a.so"}}"#, "missing \"file_format_version\""),
            (r#"{"file_format_version":1,"plugin":{"library_path":"a.so"}}"#, "is not a string"),
            (r#"{"file_format_version":"x.0.0","plugin":{"library_path":"a.so"}}"#, "is not MAJOR.MINOR.PATCH"),
            (r#"{"file_format_version":"2.0.0","plugin":{"library_path":"a.so"}}"#, "2.0.0 is not supported"),
            (r#"{"file_format_version":"1.0.0"}"#, "missing \"plugin\" object"),
            (r#"{"file_format_version":"1.0.0","plugin":[]}"#, "\"plugin\" is not an object"),
            (r#"{"file_format_version":"1.0.0","plugin":{"name":"x"}}"#, "missing \"plugin.library_path\""),
            (r#"{"file_format_version":"1.0.0","plugin":{"library_path":5}}"#, "library_path\" is not a string"),
            (r#"{"file_format_version":"1.0.0","plugin":{"library_path":""}}"#, "library_path\" is empty"),
            (r#"{"file_format_version":"1.0.0","plugin":{"library_path":"a","name":3}}"#, "\"plugin.name\" is not a string"),
            (r#"{"file_format_version":"1.0.0","plugin":{"library_path":"a","abi_version":"one"}}"#, "is not MAJOR.MINOR"),
            (r#"{"file_format_version":"1.0.0","plugin":{"library_path":"a","abi_version":"1.0.0"}}"#, "is not MAJOR.MINOR"),
        ];
        for (text, expected) in cases {
            let err = parse(text).unwrap_err();
            assert!(err.contains(expected), "{text:?}: got {err:?}, expected {expected:?}");
        }
    }

    #[test]
    fn json_errors_carry_a_position() {
        let err = parse("{\n  \"file_format_version\": \"1.0.0\",\n  oops\n}").unwrap_err();
        assert!(err.contains("line 3"), "{err}");
    }

    #[test]
    fn library_paths_resolve_by_shape() {
        let manifest = Path::new("/etc/flaghal/plugins.d/acme.json");
        assert_eq!(locate_library(manifest, "/opt/acme/lib.so"), LibraryLocation::Path("/opt/acme/lib.so".into()));
        assert_eq!(
            locate_library(manifest, "../lib/libacme.so"),
            LibraryLocation::Path("/etc/flaghal/plugins.d/../lib/libacme.so".into())
        );
        assert_eq!(locate_library(manifest, "./libacme.so"), LibraryLocation::Path("/etc/flaghal/plugins.d/./libacme.so".into()));
        assert_eq!(locate_library(manifest, "libacme.so"), LibraryLocation::SearchPath("libacme.so".into()));
    }
}
