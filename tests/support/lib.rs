//! Shared helpers for the cross-component tests in `tests/*.rs`.
//!
//! - [`paths`]: where the built pieces are (libflaghal.so, the CPU plugin, the
//!   zoo and kernels that build.rs compiled, the headers).
//! - [`child`]: `fhInit` runs once per process, so every scenario runs in a
//!   child process with its own environment ([`child::Scenario`]).
//! - [`modules`]: the tests' kernels, loaded through `flaghal-client` (the
//!   API as a C framework sees it through libflaghal.so).
//! - [`c`]: compiling and running C programs with the system compiler.
//! - [`plugins`]: the zoo and minimal plugins, manifests for them, and
//!   assertions on fhPluginGetInfo records.

pub mod c;
pub mod child;
pub mod modules;
pub mod paths;
pub mod plugins;
