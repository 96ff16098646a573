//! `flaghal-plugin-vulkan`: the FlagHAL reference Vulkan plugin
//! (libflaghal_vulkan.so). It proves the plugin ABI fits a real,
//! vendor-neutral GPU API and gives every Vulkan 1.2 device with
//! bufferDeviceAddress and timeline semaphores a FlagHAL device.
//!
//! Design rules (docs/vulkan.md has the full mapping):
//! - libvulkan is loaded at run time: no Vulkan means zero devices and a log
//!   line, never a failure to open.
//! - Device memory is sub-allocated from large blocks, addressed by 64-bit
//!   buffer device addresses, so kernels receive real pointers.
//! - Streams record into command-buffer batches on the device's compute queue
//!   and order everything with one timeline semaphore per stream; queries
//!   read the counter and never block. A batch waiting for a value not yet
//!   submitted (behind a running host function) is held back in the device,
//!   so the in-order queue never stalls other streams.
//! - It is built on the plugin SDK (`flaghal_plugin`): `abi` implements the
//!   SDK's traits on the plugin's objects; the SDK supplies the entry point,
//!   the table, every extern "C" entry (in its one panic boundary), handle
//!   conversion and the host services. Every C pointer goes through
//!   `flaghal_sys::ptr`/`sized`.
//! - Mapping code (VkResult and enums to FlagHAL) lives in `conv`, pure.
//!
//! Files: `abi` (the plugin's identity and the SDK traits on its objects),
//! `plugin` (init state), `instance`, `adapter`, `device`, `memory` +
//! `suballoc` + `staging`, `timeline`, `stream` + `host_worker`, `event`,
//! `copy`, `module` (SPIR-V reflection is `flaghal_formats::spirv`), `conv`,
//! `error`; `host` is the SDK's (the loader's log and error detail services).

pub mod abi;
pub mod adapter;
pub mod conv;
pub mod copy;
pub mod device;
pub mod error;
pub mod event;
pub mod host_worker;
pub mod instance;
pub mod memory;
pub mod module;
pub mod plugin;
pub mod staging;
pub mod stream;
pub mod suballoc;
pub mod timeline;

pub use abi::{fhPluginNegotiate, Vulkan};
/// The loader's host services (log, error detail), kept by the SDK.
pub use flaghal_plugin::host;
pub use instance::validation_message_count;
