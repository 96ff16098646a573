//! `flaghal-info`: which plugins and devices FlagHAL finds, and why a plugin
//! was skipped, like vulkaninfo or clinfo. It uses only the public API of
//! libflaghal.so.
//!
//! Usage: flaghal-info [--json] [--plugin PATH]... [--library PATH]
//!   --json          machine-readable output on stdout
//!   --plugin PATH   use only this plugin library, manifest or folder (may repeat;
//!                   sets FLAGHAL_PLUGIN_FILES for this run)
//!
//! Exit status: 0; 1 when a plugin named with --plugin was skipped (so a
//! script can check that its plugin loads) or the loader failed; 2 for bad
//! arguments. Plugins found by discovery that are skipped do not change it.
//!   --library PATH  the libflaghal.so to use (default: beside this program,
//!                   ../lib, then the dynamic linker's search path)

mod names;
mod query;
mod render;

use std::path::PathBuf;
use std::process::ExitCode;

struct Options {
    json: bool,
    plugins: Vec<String>,
    library: Option<PathBuf>,
}

const USAGE: &str = "usage: flaghal-info [--json] [--plugin PATH]... [--library PATH]";

fn parse(args: impl Iterator<Item = String>) -> Result<Options, String> {
    let mut options = Options { json: false, plugins: Vec::new(), library: None };
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--json" => options.json = true,
            "--plugin" => options.plugins.push(args.next().ok_or("--plugin needs a PATH")?),
            "--library" => options.library = Some(args.next().ok_or("--library needs a PATH")?.into()),
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument '{other}'")),
        }
    }
    Ok(options)
}

fn main() -> ExitCode {
    let options = match parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("flaghal-info: {message}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    if !options.plugins.is_empty() {
        // Single-threaded here, before the loader is opened: nothing else reads
        // the environment concurrently.
        std::env::set_var("FLAGHAL_PLUGIN_FILES", options.plugins.join(":"));
    }
    let opened = match &options.library {
        Some(path) => flaghal_client::Hal::open_at(path),
        None => flaghal_client::Hal::open(),
    };
    let hal = match opened {
        Ok(hal) => hal,
        Err(message) => {
            eprintln!("flaghal-info: {message}");
            return ExitCode::FAILURE;
        }
    };
    let snapshot = match query::snapshot(&hal) {
        Ok(snapshot) => snapshot,
        Err(e) => {
            eprintln!("flaghal-info: {e}");
            return ExitCode::FAILURE;
        }
    };
    let library = hal.path().display().to_string();
    if options.json {
        println!("{}", serde_json::to_string_pretty(&render::json(&library, &snapshot)).unwrap());
    } else {
        print!("{}", render::text(&library, &snapshot));
    }
    let named_plugin_skipped = !options.plugins.is_empty() && snapshot.plugins.iter().any(|p| !p.loaded);
    if named_plugin_skipped {
        eprintln!("flaghal-info: a plugin named with --plugin was skipped (see its reason above)");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
