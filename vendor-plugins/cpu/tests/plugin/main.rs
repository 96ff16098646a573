//! The CPU plugin's loader-independent tests: every behaviour is exercised
//! through the plugin's own function table, obtained from fhPluginNegotiate
//! and initialised with host services defined in `support`.

mod support;

mod device;
mod events;
mod kernels;
mod memory;
mod modules;
mod negotiate;
mod streams;
mod threads;
