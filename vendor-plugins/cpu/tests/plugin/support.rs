//! Test support: drives the plugin only through its ABI, as a loader would.
//! `plugin()` negotiates through `fhPluginNegotiate` (linked from the rlib),
//! calls init with host services defined here, and returns the table and the
//! device. The host's set_error_detail stores the message per thread, so a
//! test can assert the detail a failing entry attached.

#![allow(dead_code)]

use flaghal_cpu::fhPluginNegotiate;
use flaghal_sys::*;
use std::cell::RefCell;
use std::ffi::{c_char, c_void, CStr};
use std::sync::OnceLock;

thread_local! {
    static DETAIL: RefCell<String> = const { RefCell::new(String::new()) };
}

unsafe extern "C" fn host_log(_context: *mut c_void, _level: fh_log_level_t, message: *const c_char) {
    // SAFETY: the plugin passes a NUL-terminated message.
    let text = unsafe { CStr::from_ptr(message) }.to_string_lossy();
    eprintln!("[plugin log] {text}");
}

unsafe extern "C" fn host_set_error_detail(_context: *mut c_void, message: *const c_char) {
    // SAFETY: the plugin passes a NUL-terminated message.
    let text = unsafe { CStr::from_ptr(message) }.to_string_lossy().into_owned();
    DETAIL.with(|d| *d.borrow_mut() = text);
}

/// The detail the plugin attached on this thread, cleared by reading.
pub fn take_detail() -> String {
    DETAIL.with(|d| std::mem::take(&mut *d.borrow_mut()))
}

pub struct Plugin {
    pub api: &'static fh_plugin_api_t,
    pub device: fhp_device_t,
}

// SAFETY: the device handle is a pointer to the plugin's static device,
// usable from any thread (flaghal_plugin.h rule 6).
unsafe impl Send for Plugin {}
// SAFETY: as above.
unsafe impl Sync for Plugin {}

struct HostBox(fh_plugin_host_services_t);
// SAFETY: immutable data: a NULL context and two functions.
unsafe impl Sync for HostBox {}

static HOST: HostBox = HostBox(fh_plugin_host_services_t {
    struct_size: std::mem::size_of::<fh_plugin_host_services_t>(),
    next: std::ptr::null_mut(),
    context: std::ptr::null_mut(),
    log: Some(host_log),
    set_error_detail: Some(host_set_error_detail),
});

/// The host services the tests hand the plugin.
pub fn host_services() -> &'static fh_plugin_host_services_t {
    &HOST.0
}

pub fn negotiate_args(major: u32, min_minor: u32, max_minor: u32) -> fh_plugin_negotiate_args_t {
    fh_plugin_negotiate_args_t {
        struct_size: std::mem::size_of::<fh_plugin_negotiate_args_t>(),
        loader_abi_major: major,
        loader_abi_min_minor: min_minor,
        loader_abi_max_minor: max_minor,
        ..Default::default()
    }
}

pub fn plugin() -> &'static Plugin {
    static PLUGIN: OnceLock<Plugin> = OnceLock::new();
    PLUGIN.get_or_init(|| {
        let mut args = negotiate_args(1, 0, 0);
        // SAFETY: a valid, sized negotiate struct.
        assert_eq!(unsafe { fhPluginNegotiate(&mut args) }, FH_SUCCESS);
        // SAFETY: on success the plugin hands out its static table.
        let api: &'static fh_plugin_api_t = unsafe { &*args.api };
        let init = fh_plugin_init_args_t {
            struct_size: std::mem::size_of::<fh_plugin_init_args_t>(),
            next: std::ptr::null_mut(),
            abi_version: (1 << 22),
            host: &HOST.0,
        };
        // SAFETY: valid init arguments; the host services are static.
        assert_eq!(unsafe { api.init.unwrap()(&init) }, FH_SUCCESS);
        let mut device: fhp_device_t = std::ptr::null_mut();
        // SAFETY: a valid output pointer.
        assert_eq!(unsafe { api.device_get.unwrap()(0, &mut device) }, FH_SUCCESS);
        Plugin { api, device }
    })
}

/// Bytes of a test kernel module built by build.rs.
pub fn kernel_bytes(name: &str) -> Vec<u8> {
    let path = format!("{}/{name}.so", env!("FLAGHAL_CPU_TEST_KERNELS"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("test kernels were not built ({path}): {e}"))
}

/// A stream handle that may cross threads in tests.
#[derive(Clone, Copy)]
pub struct Stream(pub fhp_stream_t);
// SAFETY: plugin handles are usable from any thread.
unsafe impl Send for Stream {}
// SAFETY: as above.
unsafe impl Sync for Stream {}

#[derive(Clone, Copy)]
pub struct Event(pub fhp_event_t);

#[derive(Clone, Copy)]
pub struct Function(pub fhp_function_t);
// SAFETY: plugin handles are usable from any thread.
unsafe impl Send for Function {}
// SAFETY: as above.
unsafe impl Sync for Function {}

/// Thin safe wrappers over the table, each returning the raw status.
/// SAFETY (all): handles come from the same plugin and are live; pointers
/// are valid for the sizes passed.
impl Plugin {
    pub fn alloc(&self, size: usize) -> fh_deviceptr_t {
        let mut ptr = 0;
        let status = unsafe { self.api.mem_alloc.unwrap()(self.device, size, &mut ptr) };
        assert_eq!(status, FH_SUCCESS, "mem_alloc({size}): {}", take_detail());
        ptr
    }
    pub fn try_alloc(&self, size: usize) -> (fh_status_t, fh_deviceptr_t) {
        let mut ptr = 0;
        // SAFETY: live handles of this plugin; pointers valid for the sizes passed.
        let status = unsafe { self.api.mem_alloc.unwrap()(self.device, size, &mut ptr) };
        (status, ptr)
    }
    pub fn free(&self, ptr: fh_deviceptr_t) -> fh_status_t {
        // SAFETY: live handles of this plugin; pointers valid for the sizes passed.
        unsafe { self.api.mem_free.unwrap()(self.device, ptr) }
    }
    pub fn htod(&self, dst: fh_deviceptr_t, src: &[u8]) -> fh_status_t {
        // SAFETY: live handles of this plugin; pointers valid for the sizes passed.
        unsafe { self.api.memcpy_htod.unwrap()(self.device, dst, src.as_ptr().cast(), src.len()) }
    }
    pub fn dtoh(&self, dst: &mut [u8], src: fh_deviceptr_t) -> fh_status_t {
        // SAFETY: live handles of this plugin; pointers valid for the sizes passed.
        unsafe { self.api.memcpy_dtoh.unwrap()(self.device, dst.as_mut_ptr().cast(), src, dst.len()) }
    }
    pub fn write_u32s(&self, dst: fh_deviceptr_t, values: &[u32]) {
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_ne_bytes()).collect();
        assert_eq!(self.htod(dst, &bytes), FH_SUCCESS, "{}", take_detail());
    }
    pub fn read_u32s(&self, src: fh_deviceptr_t, count: usize) -> Vec<u32> {
        let mut bytes = vec![0u8; count * 4];
        assert_eq!(self.dtoh(&mut bytes, src), FH_SUCCESS, "{}", take_detail());
        bytes.chunks_exact(4).map(|c| u32::from_ne_bytes(c.try_into().unwrap())).collect()
    }
    pub fn memset(&self, dst: fh_deviceptr_t, value: u32, element_size: u32, count: usize) -> fh_status_t {
        // SAFETY: live handles of this plugin; pointers valid for the sizes passed.
        unsafe { self.api.memset.unwrap()(self.device, dst, value, element_size, count) }
    }
    pub fn mem_info(&self) -> (usize, usize) {
        let (mut free, mut total) = (0, 0);
        // SAFETY: live handles of this plugin; pointers valid for the sizes passed.
        assert_eq!(unsafe { self.api.mem_get_info.unwrap()(self.device, &mut free, &mut total) }, FH_SUCCESS);
        (free, total)
    }
    pub fn stream(&self) -> Stream {
        let mut stream = std::ptr::null_mut();
        // SAFETY: live handles of this plugin; pointers valid for the sizes passed.
        assert_eq!(unsafe { self.api.stream_create.unwrap()(self.device, 0, &mut stream) }, FH_SUCCESS);
        Stream(stream)
    }
    pub fn destroy_stream(&self, stream: Stream) {
        // SAFETY: live handles of this plugin; pointers valid for the sizes passed.
        assert_eq!(unsafe { self.api.stream_destroy.unwrap()(stream.0) }, FH_SUCCESS);
    }
    pub fn query(&self, stream: Stream) -> fh_status_t {
        // SAFETY: live handles of this plugin; pointers valid for the sizes passed.
        unsafe { self.api.stream_query.unwrap()(stream.0) }
    }
    pub fn sync(&self, stream: Stream) -> fh_status_t {
        // SAFETY: live handles of this plugin; pointers valid for the sizes passed.
        unsafe { self.api.stream_synchronize.unwrap()(stream.0) }
    }
    pub fn device_sync(&self) -> fh_status_t {
        // SAFETY: live handles of this plugin; pointers valid for the sizes passed.
        unsafe { self.api.device_synchronize.unwrap()(self.device) }
    }
    pub fn event(&self, flags: u32) -> Event {
        let mut event = std::ptr::null_mut();
        // SAFETY: live handles of this plugin; pointers valid for the sizes passed.
        assert_eq!(unsafe { self.api.event_create.unwrap()(self.device, flags, &mut event) }, FH_SUCCESS);
        Event(event)
    }
    pub fn destroy_event(&self, event: Event) {
        // SAFETY: live handles of this plugin; pointers valid for the sizes passed.
        assert_eq!(unsafe { self.api.event_destroy.unwrap()(event.0) }, FH_SUCCESS);
    }
    pub fn record(&self, event: Event, stream: Stream) {
        // SAFETY: live handles of this plugin; pointers valid for the sizes passed.
        assert_eq!(unsafe { self.api.event_record.unwrap()(event.0, stream.0) }, FH_SUCCESS);
    }
    pub fn event_query(&self, event: Event) -> fh_status_t {
        // SAFETY: live handles of this plugin; pointers valid for the sizes passed.
        unsafe { self.api.event_query.unwrap()(event.0) }
    }
    pub fn event_sync(&self, event: Event) -> fh_status_t {
        // SAFETY: live handles of this plugin; pointers valid for the sizes passed.
        unsafe { self.api.event_synchronize.unwrap()(event.0) }
    }
    pub fn elapsed(&self, start: Event, end: Event) -> (fh_status_t, f32) {
        let mut ms = f32::NAN;
        // SAFETY: live handles of this plugin; pointers valid for the sizes passed.
        let status = unsafe { self.api.event_elapsed_time.unwrap()(&mut ms, start.0, end.0) };
        (status, ms)
    }
    pub fn wait_event(&self, stream: Stream, event: Event) {
        // SAFETY: live handles of this plugin; pointers valid for the sizes passed.
        assert_eq!(unsafe { self.api.stream_wait_event.unwrap()(stream.0, event.0) }, FH_SUCCESS);
    }
    pub fn host_func(&self, stream: Stream, f: unsafe extern "C" fn(*mut c_void), data: *mut c_void) {
        // SAFETY: live handles of this plugin; pointers valid for the sizes passed.
        assert_eq!(unsafe { self.api.launch_host_func.unwrap()(stream.0, Some(f), data) }, FH_SUCCESS);
    }
    pub fn load(&self, bytes: &[u8]) -> (fh_status_t, fhp_module_t) {
        let mut module = std::ptr::null_mut();
        // SAFETY: live handles of this plugin; pointers valid for the sizes passed.
        let status = unsafe {
            self.api.module_load.unwrap()(self.device, FH_MODULE_FORMAT_NATIVE_CPU, bytes.as_ptr().cast(), bytes.len(), &mut module)
        };
        (status, module)
    }
    pub fn load_test_kernels(&self) -> fhp_module_t {
        let (status, module) = self.load(&kernel_bytes("test_kernels"));
        assert_eq!(status, FH_SUCCESS, "{}", take_detail());
        module
    }
    pub fn unload(&self, module: fhp_module_t) {
        // SAFETY: live handles of this plugin; pointers valid for the sizes passed.
        assert_eq!(unsafe { self.api.module_unload.unwrap()(module) }, FH_SUCCESS);
    }
    pub fn get_function(&self, module: fhp_module_t, name: &CStr) -> (fh_status_t, Function) {
        let mut function = std::ptr::null_mut();
        // SAFETY: live handles of this plugin; pointers valid for the sizes passed.
        let status = unsafe { self.api.module_get_function.unwrap()(module, name.as_ptr(), &mut function) };
        (status, Function(function))
    }
    pub fn function(&self, module: fhp_module_t, name: &CStr) -> Function {
        let (status, function) = self.get_function(module, name);
        assert_eq!(status, FH_SUCCESS, "{}", take_detail());
        function
    }
    pub fn attribute(&self, function: Function, attribute: fh_function_attribute_t) -> (fh_status_t, i32) {
        let mut value = -1;
        // SAFETY: live handles of this plugin; pointers valid for the sizes passed.
        let status = unsafe { self.api.function_get_attribute.unwrap()(function.0, attribute, &mut value) };
        (status, value)
    }
    /// Launches with `args` as the argument blob (any plain struct).
    pub fn launch<T>(&self, function: Function, grid: [u32; 3], block: [u32; 3], shared: u32, stream: Stream, args: &T) -> fh_status_t {
        let params = fh_plugin_launch_params_t {
            struct_size: std::mem::size_of::<fh_plugin_launch_params_t>(),
            next: std::ptr::null_mut(),
            grid,
            block,
            shared_mem_bytes: shared,
            args: (args as *const T).cast(),
            args_size: std::mem::size_of::<T>(),
        };
        // SAFETY: live handles of this plugin; pointers valid for the sizes passed.
        unsafe { self.api.launch_kernel.unwrap()(function.0, &params, stream.0) }
    }
}

/// A gate a host function waits on, so a test controls exactly when a
/// stream's work may proceed (no timing involved).
#[derive(Default)]
pub struct Gate {
    open: std::sync::Mutex<bool>,
    opened: std::sync::Condvar,
    pub entered: std::sync::atomic::AtomicBool,
}

impl Gate {
    pub fn open(&self) {
        *self.open.lock().unwrap() = true;
        self.opened.notify_all();
    }
    pub fn as_user_data(&self) -> *mut c_void {
        (self as *const Gate).cast_mut().cast()
    }
}

/// Host function: blocks its stream until the gate opens.
pub unsafe extern "C" fn wait_at_gate(user_data: *mut c_void) {
    // SAFETY: the test passes a Gate that outlives the stream's work.
    let gate = unsafe { &*(user_data as *const Gate) };
    gate.entered.store(true, std::sync::atomic::Ordering::SeqCst);
    let mut open = gate.open.lock().unwrap();
    while !*open {
        open = gate.opened.wait(open).unwrap();
    }
}

/// An append-only log that host functions write to, to observe order.
#[derive(Default)]
pub struct OrderLog(pub std::sync::Mutex<Vec<usize>>);

pub struct LogEntry<'a> {
    pub log: &'a OrderLog,
    pub value: usize,
}

/// Host function: appends `value` to the log.
pub unsafe extern "C" fn append_to_log(user_data: *mut c_void) {
    // SAFETY: the test passes a LogEntry that outlives the stream's work.
    let entry = unsafe { &*(user_data as *const LogEntry) };
    entry.log.0.lock().unwrap().push(entry.value);
}

/// Serialises the tests that produce kernel failures or call
/// device_synchronize: a device-wide sync reports (and so consumes) any
/// stream's failure, which would race with a test expecting it elsewhere.
pub fn serial() -> std::sync::MutexGuard<'static, ()> {
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    SERIAL.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Host function: sleeps for the number of microseconds at user_data.
pub unsafe extern "C" fn sleep_micros(user_data: *mut c_void) {
    std::thread::sleep(std::time::Duration::from_micros(user_data as u64));
}
