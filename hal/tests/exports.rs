//! libflaghal.so exports exactly the functions flaghal.h declares, which are
//! exactly the loader's list of exports (each declared once, in an
//! `exports!` block of hal/src/api/), and its SONAME is libflaghal.so.1.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;

/// The libflaghal.so of this build: target/<profile>/deps/ (where `cargo
/// test` refreshes it; `cargo build` also copies it up one folder), found
/// from this test binary (target/<profile>/deps/exports-...).
fn library() -> PathBuf {
    let deps = std::env::current_exe().unwrap().parent().unwrap().to_path_buf();
    let path = [deps.join("libflaghal.so"), deps.parent().unwrap().join("libflaghal.so")]
        .into_iter()
        .find(|p| p.is_file())
        .expect("libflaghal.so built");
    path
}

/// Names declared with FH_API in the header: `FH_API <type> <name>(`.
fn declared_functions() -> BTreeSet<String> {
    let header = concat!(env!("CARGO_MANIFEST_DIR"), "/../include/flaghal/flaghal.h");
    let text = std::fs::read_to_string(header).unwrap();
    let mut names = BTreeSet::new();
    for piece in text.split("FH_API ").skip(1) {
        let before_paren = piece.split('(').next().unwrap();
        let name = before_paren.split(|c: char| c.is_whitespace() || c == '*').rfind(|w| !w.is_empty()).unwrap();
        names.insert(name.to_string());
    }
    // The #define FH_API lines themselves are not declarations.
    names.retain(|n| n.starts_with("fh"));
    names
}

/// The defined dynamic symbols of libflaghal.so.
fn exported_symbols() -> BTreeSet<String> {
    let output = Command::new("nm").args(["-D", "--defined-only"]).arg(library()).output().expect("nm runs");
    assert!(output.status.success());
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            (fields.len() == 3 && fields[1] != "A").then(|| fields[2].split('@').next().unwrap().to_string())
        })
        .collect()
}

/// Asserts two name sets are equal, naming what each lacks.
fn assert_same(what: &str, expected: &BTreeSet<String>, got: &BTreeSet<String>) {
    let missing: Vec<_> = expected.difference(got).collect();
    let extra: Vec<_> = got.difference(expected).collect();
    assert!(missing.is_empty() && extra.is_empty(), "{what}: missing {missing:?}, unexpected {extra:?}");
}

#[test]
fn the_exported_functions_are_exactly_those_of_flaghal_h() {
    let declared = declared_functions();
    assert!(declared.len() >= 45, "header parse found only {declared:?}");
    assert_same("exports of libflaghal.so against flaghal.h", &declared, &exported_symbols());
}

#[test]
fn the_loaders_list_of_exports_is_flaghal_h_once_each() {
    let list: Vec<&str> = flaghal::api::exported_names().collect();
    let unique: BTreeSet<String> = list.iter().map(|n| n.to_string()).collect();
    assert_eq!(unique.len(), list.len(), "a name is declared twice in {list:?}");
    assert_same("flaghal::api::EXPORTS against flaghal.h", &declared_functions(), &unique);
}

/// The version script exports by the one pattern `fh*`, so it names no
/// function (nothing to keep in step with the list) and hides everything else.
#[test]
fn the_version_script_exports_fh_star_and_hides_the_rest() {
    let map = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/libflaghal.map")).unwrap();
    let code: String = map.split("*/").last().unwrap().split_whitespace().collect();
    assert_eq!(code, "{global:fh*;local:*;};", "libflaghal.map: {map}");
}

#[test]
fn the_soname_is_libflaghal_so_1_and_the_library_is_never_unloaded() {
    let output = Command::new("readelf").arg("-d").arg(library()).output().expect("readelf runs");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("Library soname: [libflaghal.so.1]"), "{text}");
    assert!(text.contains("NODELETE"), "{text}");
}
