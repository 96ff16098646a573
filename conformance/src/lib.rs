//! `flaghal-conformance`: certifies a FlagHAL plugin by driving a device
//! through the public C API of libflaghal.so, exactly as a framework would
//! (docs/conformance.md). The library holds the catalogue of tests
//! ([`suite`]), the child/parent runner and the reports; `main.rs` only calls
//! [`app::main`].
//!
//! Layout: pure code (option parsing, globs, sha256, status names, verdict
//! rules, expectations, report rendering, the line protocol) lives in its
//! own files with unit tests; libflaghal is reached only through
//! `flaghal-client` (`Hal::raw` for the calls that pass deliberately bad
//! arguments); [`suite`] holds one file per test group.

pub mod app;
pub mod child;
pub mod expectations;
pub mod kernels;
pub mod options;
pub mod outcome;
pub mod record;
pub mod report;
pub mod runner;
pub mod sha256;
pub mod signals;
pub mod status_names;
pub mod suite;
