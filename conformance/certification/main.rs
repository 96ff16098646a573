//! `flaghal-certification`: writes docs/certification/README.md from the
//! conformance reports in that folder (page.rs has the format), or checks
//! that the committed page is what they give.
//!
//! ```text
//! flaghal-certification [--check] [DIR]     DIR defaults to docs/certification
//! ```
//! Exit status: 0 written (or, with --check, up to date); 1 --check found a
//! difference; 2 bad usage or an unreadable index or report.

mod page;

use std::path::{Path, PathBuf};

const USAGE: &str = "usage: flaghal-certification [--check] [DIR]

Writes DIR/README.md (default DIR: docs/certification of this repository)
from DIR/index.json and the conformance reports it names. With --check,
writes nothing and exits 1 if DIR/README.md differs from what it would write.";

/// The page for `dir`: the index, each report it names, and no report left out.
fn generate(dir: &Path) -> Result<String, String> {
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).map_err(|e| format!("{}: {e}", dir.join(name).display()));
    let entries = page::parse_index(&read("index.json")?)?;
    let mut rows = Vec::new();
    for entry in entries {
        let report = match &entry.report {
            Some(file) => Some(page::parse_report(file, &read(file)?)?),
            None => None,
        };
        rows.push((entry, report));
    }
    let listed: Vec<&str> = rows.iter().filter_map(|(e, _)| e.report.as_deref()).collect();
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|f| f.ok().map(|f| f.file_name().to_string_lossy().into_owned()))
        .filter(|name| name.ends_with(".json") && name != "index.json")
        .collect();
    files.sort();
    if let Some(orphan) = files.iter().find(|f| !listed.contains(&f.as_str())) {
        return Err(format!("{}: {orphan} is not listed in index.json", dir.display()));
    }
    Ok(page::render(&rows))
}

fn main() {
    let mut check = false;
    let mut dir: Option<PathBuf> = None;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--check" => check = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return;
            }
            a if a.starts_with('-') || dir.is_some() => {
                eprintln!("flaghal-certification: unexpected argument {a:?}\n{USAGE}");
                std::process::exit(2);
            }
            a => dir = Some(PathBuf::from(a)),
        }
    }
    let dir = dir.unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/certification"));
    let dir = dir.canonicalize().unwrap_or(dir);
    let page = generate(&dir).unwrap_or_else(|e| {
        eprintln!("flaghal-certification: {e}");
        std::process::exit(2);
    });
    let target = dir.join("README.md");
    if check {
        let committed = std::fs::read_to_string(&target).unwrap_or_default();
        if committed != page {
            eprintln!(
                "flaghal-certification: {} is not what the reports give; regenerate it with `cargo run -p flaghal-conformance --bin flaghal-certification`",
                target.display()
            );
            std::process::exit(1);
        }
        println!("{} matches its {} backends' reports", target.display(), page.matches("\n| ").count().saturating_sub(1));
        return;
    }
    std::fs::write(&target, page).unwrap_or_else(|e| {
        eprintln!("flaghal-certification: {}: {e}", target.display());
        std::process::exit(2);
    });
    println!("wrote {}", target.display());
}
