//! A plugin called without the loader: dlopen a private copy of the plugin
//! library (a distinct file, so the process gets a second, independent
//! instance beside the one libflaghal.so loaded), fhPluginNegotiate, init with
//! host services of our own, then call its function table directly. This is
//! the baseline of the call-overhead rows: the same entry the loader
//! dispatches to, minus the loader.

use flaghal_sys::*;
use std::cell::RefCell;
use std::ffi::{c_char, c_void};
use std::path::Path;

thread_local! {
    /// The detail the plugin attached to its last failure on this thread.
    static DETAIL: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Host service: plugin log lines are dropped (the benchmark prints tables).
unsafe extern "C" fn host_log(_context: *mut c_void, _level: fh_log_level_t, _message: *const c_char) {
    let _ = ffi_boundary(|| Ok(()), |_| {});
}

/// Host service: keeps the failure detail for `Direct::check`.
unsafe extern "C" fn host_set_error_detail(_context: *mut c_void, message: *const c_char) {
    let _ = ffi_boundary(
        || {
            // SAFETY: the plugin passes a NUL-terminated string valid for the call.
            let text = unsafe { ptr::in_cstr(message, "message") }?.to_string_lossy().into_owned();
            DETAIL.with(|d| *d.borrow_mut() = text);
            Ok(())
        },
        |_| {},
    );
}

/// A directly initialised plugin. The library and the host services are
/// leaked: a plugin keeps pointers to them until the process exits.
pub struct Direct {
    pub api: &'static fh_plugin_api_t,
}

impl Direct {
    /// Copies `library` into `scratch` and initialises the copy.
    pub fn open_copy(library: &Path, scratch: &Path) -> Result<Direct, String> {
        let file = library.file_name().ok_or("plugin path has no file name")?;
        let copy = scratch.join(file);
        std::fs::copy(library, &copy).map_err(|e| format!("copying {} to {}: {e}", library.display(), copy.display()))?;
        // SAFETY: a FlagHAL plugin's initialisers have no preconditions.
        let lib = unsafe { libloading::Library::new(&copy) }.map_err(|e| format!("dlopen {}: {e}", copy.display()))?;
        let lib: &'static libloading::Library = Box::leak(Box::new(lib));
        // SAFETY: the symbol has the fh_plugin_negotiate_fn_t signature (flaghal_plugin.h).
        let negotiate = unsafe { lib.get::<unsafe extern "C" fn(*mut fh_plugin_negotiate_args_t) -> fh_status_t>(b"fhPluginNegotiate\0") }
            .map_err(|e| format!("{}: {e}", copy.display()))?;
        let mut args = fh_plugin_negotiate_args_t {
            struct_size: std::mem::size_of::<fh_plugin_negotiate_args_t>(),
            loader_abi_major: FH_PLUGIN_ABI_VERSION_MAJOR,
            loader_abi_min_minor: FH_PLUGIN_ABI_MIN_MINOR,
            loader_abi_max_minor: FH_PLUGIN_ABI_VERSION_MINOR,
            ..Default::default()
        };
        // SAFETY: `args` is a zero-filled current-size struct with the inputs set.
        let status = unsafe { negotiate(&mut args) };
        if status != FH_SUCCESS {
            return Err(format!("{}: fhPluginNegotiate returned {status}", copy.display()));
        }
        // SAFETY: on success `api` points to the plugin's static table.
        let api: &'static fh_plugin_api_t = unsafe { ptr::in_ref(args.api, "api") }.map_err(|e| e.message)?;
        let host: &'static fh_plugin_host_services_t = Box::leak(Box::new(fh_plugin_host_services_t {
            struct_size: std::mem::size_of::<fh_plugin_host_services_t>(),
            next: std::ptr::null_mut(),
            context: std::ptr::null_mut(),
            log: Some(host_log),
            set_error_detail: Some(host_set_error_detail),
        }));
        let init_args = fh_plugin_init_args_t {
            struct_size: std::mem::size_of::<fh_plugin_init_args_t>(),
            next: std::ptr::null_mut(),
            abi_version: (args.plugin_abi_major << 22) | (args.plugin_abi_minor << 12),
            host,
        };
        let direct = Direct { api };
        let init = api.init.ok_or("plugin table has no init")?;
        // SAFETY: init is called once, with valid args whose host services live forever.
        direct.check(unsafe { init(&init_args) }, "init")?;
        Ok(direct)
    }

    pub fn check(&self, status: fh_status_t, what: &str) -> Result<(), String> {
        if status == FH_SUCCESS {
            Ok(())
        } else {
            Err(format!("direct {what}: status {status}: {}", DETAIL.with(|d| d.borrow().clone())))
        }
    }

    /// The plugin's first device.
    pub fn first_device(&self) -> Result<fhp_device_t, String> {
        let count_fn = self.api.device_count.ok_or("no device_count")?;
        let get = self.api.device_get.ok_or("no device_get")?;
        let mut count = 0u32;
        // SAFETY: a valid output pointer.
        self.check(unsafe { count_fn(&mut count) }, "device_count")?;
        if count == 0 {
            return Err("the directly loaded plugin has no device".into());
        }
        let mut device: fhp_device_t = std::ptr::null_mut();
        // SAFETY: index 0 < count, a valid output pointer.
        self.check(unsafe { get(0, &mut device) }, "device_get")?;
        Ok(device)
    }

    pub fn stream_create(&self, device: fhp_device_t) -> Result<fhp_stream_t, String> {
        let create = self.api.stream_create.ok_or("no stream_create")?;
        let mut stream: fhp_stream_t = std::ptr::null_mut();
        // SAFETY: a device of this plugin, a valid output pointer.
        self.check(unsafe { create(device, FH_STREAM_DEFAULT, &mut stream) }, "stream_create")?;
        Ok(stream)
    }

    /// Records an event on `stream`, waits for the stream and destroys the
    /// event: the stream has then run one command.
    pub fn record_and_wait(&self, device: fhp_device_t, stream: fhp_stream_t) -> Result<(), String> {
        let create = self.api.event_create.ok_or("no event_create")?;
        let record = self.api.event_record.ok_or("no event_record")?;
        let synchronize = self.api.stream_synchronize.ok_or("no stream_synchronize")?;
        let destroy = self.api.event_destroy.ok_or("no event_destroy")?;
        let mut event: fhp_event_t = std::ptr::null_mut();
        // SAFETY: a device of this plugin, a valid output pointer.
        self.check(unsafe { create(device, FH_EVENT_DEFAULT, &mut event) }, "event_create")?;
        // SAFETY: a live event and stream of this plugin and device.
        self.check(unsafe { record(event, stream) }, "event_record")?;
        // SAFETY: a live stream.
        self.check(unsafe { synchronize(stream) }, "stream_synchronize")?;
        // SAFETY: a live event, destroyed once.
        self.check(unsafe { destroy(event) }, "event_destroy")
    }

    pub fn stream_destroy(&self, stream: fhp_stream_t) -> Result<(), String> {
        let destroy = self.api.stream_destroy.ok_or("no stream_destroy")?;
        // SAFETY: a live stream of this plugin, destroyed once.
        self.check(unsafe { destroy(stream) }, "stream_destroy")
    }
}
