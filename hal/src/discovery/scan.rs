//! Expands search places into candidates (reads folders): a folder gives its
//! `*.json` files sorted by file name; an explicit entry ending in `.json` is
//! a manifest; any other explicit entry that is not a folder is a library.
//! A manifest reached twice (same canonical path) is tried once.

use super::search_paths::{Origin, SearchEntry};
use super::{Candidate, CandidateKind};
use crate::debug_log::{self, DEBUG, ERROR};
use std::path::{Path, PathBuf};

/// Pure: whether a file name is a manifest name.
pub fn is_manifest_name(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "json")
}

/// Lists the manifests of one folder, sorted by file name.
fn manifests_in(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| is_manifest_name(p) && p.is_file())
        .collect();
    files.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    Ok(files)
}

/// The candidates of every place, in order.
pub fn candidates(entries: &[SearchEntry]) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = Vec::new();
    let mut seen_manifests = std::collections::HashSet::new();
    let mut push = |out: &mut Vec<Candidate>, path: PathBuf, kind, origin| {
        if kind == CandidateKind::Manifest {
            let key = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
            if !seen_manifests.insert(key) {
                debug_log::log(DEBUG, &format!("manifest {} already seen; tried once", path.display()));
                return;
            }
        }
        debug_log::log(DEBUG, &format!("candidate {}", path.display()));
        out.push(Candidate { path, kind, origin });
    };
    for entry in entries {
        let path = &entry.path;
        if path.is_dir() {
            debug_log::log(DEBUG, &format!("searching folder {}", path.display()));
            match manifests_in(path) {
                Ok(files) => files.into_iter().for_each(|f| push(&mut out, f, CandidateKind::Manifest, entry.origin)),
                Err(e) => {
                    let level = if matches!(entry.origin, Origin::Explicit(_)) { ERROR } else { DEBUG };
                    debug_log::log(level, &format!("cannot read folder {}: {e}", path.display()));
                }
            }
        } else if let Origin::Explicit(_) = entry.origin {
            let kind = if is_manifest_name(path) { CandidateKind::Manifest } else { CandidateKind::Library };
            push(&mut out, path.clone(), kind, entry.origin);
        } else {
            debug_log::log(DEBUG, &format!("folder {} is not present", path.display()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_give_sorted_json_files_and_explicit_entries_are_classified() {
        let dir = std::env::temp_dir().join(format!("flaghal-scan-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("sub.json")).unwrap(); // a folder named .json is not a manifest
        for name in ["b.json", "a.json", "c.txt", "10.json"] {
            std::fs::write(dir.join(name), "{}").unwrap();
        }
        let explicit = Origin::Explicit("FLAGHAL_PLUGIN_FILES");
        let entries = vec![
            SearchEntry { path: dir.clone(), origin: Origin::Default },
            SearchEntry { path: dir.join("a.json"), origin: explicit },
            SearchEntry { path: "/nonexistent/libx.so".into(), origin: explicit },
            SearchEntry { path: "/nonexistent/m.json".into(), origin: explicit },
            SearchEntry { path: "/nonexistent/dir".into(), origin: Origin::Default },
        ];
        let found = candidates(&entries);
        let names: Vec<String> = found.iter().map(|c| c.path.file_name().unwrap().to_string_lossy().into_owned()).collect();
        assert_eq!(names, ["10.json", "a.json", "b.json", "libx.so", "m.json"], "a.json is tried once");
        assert_eq!(found[3].kind, CandidateKind::Library);
        assert_eq!(found[4].kind, CandidateKind::Manifest);
        assert_eq!(found[4].origin, explicit);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
