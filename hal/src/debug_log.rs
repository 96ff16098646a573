//! FLAGHAL_LOADER_DEBUG: which loader (and plugin host-log) lines reach
//! stderr. Lines look like `flaghal: <level>: <text>`.
//!
//! Levels: error (always on: things the user named explicitly that could
//! not be used), warn (each skipped plugin and why), info (each loaded plugin
//! and device), debug (every folder and file looked at); `all` is all four.

use std::io::Write;
use std::sync::atomic::{AtomicU32, Ordering};

pub const ERROR: u32 = 1;
pub const WARN: u32 = 2;
pub const INFO: u32 = 4;
pub const DEBUG: u32 = 8;

/// The enabled levels; error only until fhInit reads the environment.
static MASK: AtomicU32 = AtomicU32::new(ERROR);

/// Pure: the level mask a FLAGHAL_LOADER_DEBUG value selects, and the
/// unknown words in it.
pub fn parse_levels(value: &str) -> (u32, Vec<String>) {
    let mut mask = ERROR;
    let mut unknown = Vec::new();
    for word in value.split(',').map(str::trim).filter(|w| !w.is_empty()) {
        mask |= match word.to_ascii_lowercase().as_str() {
            "error" => ERROR,
            "warn" | "warning" => WARN,
            "info" => INFO,
            "debug" => DEBUG,
            "all" => ERROR | WARN | INFO | DEBUG,
            _ => {
                unknown.push(word.to_string());
                0
            }
        };
    }
    (mask, unknown)
}

/// Pure: the word a level is printed with.
pub fn level_name(level: u32) -> &'static str {
    match level {
        ERROR => "error",
        WARN => "warn",
        INFO => "info",
        _ => "debug",
    }
}

/// Sets the enabled levels (fhInit, from the environment).
pub fn set_mask(mask: u32) {
    MASK.store(mask, Ordering::Relaxed);
}

/// Whether `level` is enabled.
pub fn enabled(level: u32) -> bool {
    MASK.load(Ordering::Relaxed) & level != 0
}

/// Writes one line at `level` if enabled. Never fails, never panics on a
/// closed stderr.
pub fn log(level: u32, text: &str) {
    if enabled(level) {
        let line = format!("flaghal: {}: {}\n", level_name(level), text);
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_parse_and_error_is_always_on() {
        assert_eq!(parse_levels(""), (ERROR, vec![]));
        assert_eq!(parse_levels("warn"), (ERROR | WARN, vec![]));
        assert_eq!(parse_levels("info, DEBUG"), (ERROR | INFO | DEBUG, vec![]));
        assert_eq!(parse_levels("all"), (15, vec![]));
        assert_eq!(parse_levels("warn,loud,x"), (ERROR | WARN, vec!["loud".to_string(), "x".to_string()]));
    }

    #[test]
    fn level_names() {
        assert_eq!([level_name(ERROR), level_name(WARN), level_name(INFO), level_name(DEBUG)], ["error", "warn", "info", "debug"]);
    }
}
