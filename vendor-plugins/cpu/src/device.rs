//! The one CPU device: its properties, memory, live streams and block pool.
//!
//! Ownership: the device is a process-wide static created by init, handed to
//! the SDK as `&'static` (`flaghal_plugin::Plugin::init`) and never freed.

use crate::abi::Cpu;
use crate::conv;
use crate::event::Event;
use crate::memory::{DeviceMemory, DeviceRange, PinnedMemory};
use crate::module::Module;
use crate::transfer::{self, HostAddress};
use crate::pool::BlockPool;
use crate::probe::{self, DeviceInfo};
use crate::stream::{Stream, StreamQueue};
use flaghal_plugin::DeviceProperties;
use flaghal_sys::{fh_deviceptr_t, fh_module_format_t, FfiResult};
use parking_lot::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::ffi::c_void;
use std::sync::{Arc, OnceLock};

pub struct Device {
    pub info: DeviceInfo,
    pub properties: DeviceProperties,
    pub memory: DeviceMemory,
    pub pinned: PinnedMemory,
    /// Queues of the live streams, for synchronous calls and device sync.
    streams: Mutex<Vec<Arc<StreamQueue>>>,
    pool: OnceLock<Arc<BlockPool>>,
    stream_names: AtomicU64,
}

static DEVICE: OnceLock<Device> = OnceLock::new();

/// Probes and creates the device (init). Later calls return the same one.
pub fn init() -> &'static Device {
    DEVICE.get_or_init(|| {
        let info = probe::probe();
        crate::host::log(
            flaghal_sys::FH_LOG_LEVEL_INFO,
            &format!(
                "CPU device: {} ({}), {} compute units, {} bytes of device memory",
                info.name, info.vendor, info.compute_units, info.total_memory
            ),
        );
        Device {
            properties: DeviceProperties::new(probe::properties(&info)),
            memory: DeviceMemory::new(info.total_memory),
            info,
            pinned: PinnedMemory::default(),
            streams: Mutex::new(Vec::new()),
            pool: OnceLock::new(),
            stream_names: AtomicU64::new(0),
        }
    })
}

/// The device, for objects created on it: every stream, event and function
/// exists only after init made it.
pub fn the() -> &'static Device {
    DEVICE.get().expect("CPU plugin objects exist only after init")
}

impl Device {
    /// The block pool, started on first use with one thread per core.
    pub fn pool(&'static self) -> Arc<BlockPool> {
        self.pool.get_or_init(|| BlockPool::start(self.info.compute_units.max(1) as usize)).clone()
    }

    /// fhStreamCreate: a stream registered with the device.
    pub fn create_stream(&'static self) -> FfiResult<Arc<Stream>> {
        let number = self.stream_names.fetch_add(1, Ordering::Relaxed);
        let stream = Stream::new(format!("flaghal-cpu-stream-{number}"), move || self.pool())?;
        self.streams.lock().push(stream.queue.clone());
        Ok(Arc::new(stream))
    }

    /// fhStreamDestroy: waits for the stream's work, unregisters it, stops its worker.
    pub fn destroy_stream(&self, stream: &Stream) {
        stream.queue.wait_for(stream.queue.submitted());
        self.streams.lock().retain(|queue| !Arc::ptr_eq(queue, &stream.queue));
        stream.shut_down();
    }

    /// Waits for all work submitted so far to every stream (the first half of
    /// every synchronous call, flaghal.h "Ordering"). Returns the queues.
    pub fn wait_all_streams(&self) -> Vec<Arc<StreamQueue>> {
        let targets: Vec<(Arc<StreamQueue>, u64)> =
            self.streams.lock().iter().map(|queue| (queue.clone(), queue.submitted())).collect();
        for (queue, target) in &targets {
            queue.wait_for(*target);
        }
        targets.into_iter().map(|(queue, _)| queue).collect()
    }

    /// Checks a memset's alignment and range and returns them with its pattern.
    pub fn memset_args(&self, dst: fh_deviceptr_t, value: u32, element_size: u32, count: usize) -> FfiResult<(DeviceRange, Vec<u8>)> {
        let bytes = conv::memset_bytes(dst, element_size, count)?;
        Ok((self.memory.check(dst, bytes, "dst")?, conv::memset_pattern(value, element_size)))
    }
}

/// Synchronous copies and memsets check their ranges first (bad input
/// changes nothing), then wait for all work already submitted to every
/// stream of the device, then move the data on the calling thread.
impl flaghal_plugin::Device<Cpu> for Device {
    fn properties(&self) -> &DeviceProperties {
        &self.properties
    }

    /// fhDeviceSynchronize: waits for every stream, then reports the oldest
    /// unreported kernel failure among them (and clears the others).
    fn synchronize(&'static self) -> FfiResult {
        let mut failures: Vec<_> = self.wait_all_streams().iter().filter_map(|queue| queue.take_failure()).collect();
        failures.sort_by_key(|failure| failure.sequence);
        let mut first = None;
        for failure in failures {
            let report = failure.report();
            if first.is_none() {
                first = report;
            }
        }
        first.map_or(Ok(()), Err)
    }

    fn mem_info(&self) -> (u64, u64) {
        (self.memory.free(), self.memory.total())
    }

    fn mem_alloc(&'static self, size: usize) -> FfiResult<fh_deviceptr_t> {
        self.memory.alloc(size)
    }

    fn mem_free(&'static self, ptr: fh_deviceptr_t) -> FfiResult {
        self.memory.free_allocation(ptr)
    }

    fn mem_alloc_host(&'static self, size: usize) -> FfiResult<*mut c_void> {
        self.pinned.alloc(size).map(|p| p.cast())
    }

    fn mem_free_host(&'static self, ptr: *mut c_void) -> FfiResult {
        self.pinned.free(ptr as usize)
    }

    fn memcpy_htod(&'static self, dst: fh_deviceptr_t, src: &[u8]) -> FfiResult {
        let dst = self.memory.check(dst, src.len(), "dst")?;
        self.wait_all_streams();
        // SAFETY: `src` is readable for its length, which is `dst.len`.
        unsafe { transfer::host_to_device(dst, HostAddress(src.as_ptr() as usize)) }
    }

    fn memcpy_dtoh(&'static self, dst: &mut [u8], src: fh_deviceptr_t) -> FfiResult {
        let src = self.memory.check(src, dst.len(), "src")?;
        self.wait_all_streams();
        // SAFETY: `dst` is writable for its length, which is `src.len`.
        unsafe { transfer::device_to_host(HostAddress(dst.as_mut_ptr() as usize), src) }
    }

    fn memcpy_dtod(&'static self, dst: fh_deviceptr_t, src: fh_deviceptr_t, size: usize) -> FfiResult {
        let (dst, src) = self.memory.check_copy(dst, src, size)?;
        self.wait_all_streams();
        // SAFETY: both ranges checked.
        unsafe { transfer::device_to_device(dst, src) };
        Ok(())
    }

    fn memset(&'static self, dst: fh_deviceptr_t, value: u32, element_size: u32, count: usize) -> FfiResult {
        let (range, pattern) = self.memset_args(dst, value, element_size, count)?;
        self.wait_all_streams();
        // SAFETY: the range was checked; its length is count * element_size.
        unsafe { transfer::fill(range, &pattern) };
        Ok(())
    }

    fn stream_create(&'static self, _flags: u32) -> FfiResult<Arc<Stream>> {
        self.create_stream()
    }

    fn event_create(&'static self, flags: u32) -> FfiResult<Box<Event>> {
        Event::new(flags).map(Box::new)
    }

    fn module_load(&'static self, _format: fh_module_format_t, bytes: &[u8]) -> FfiResult<Box<Module>> {
        // The SDK admitted only the listed format, FH_MODULE_FORMAT_NATIVE_CPU.
        Module::load(bytes).map(Box::new)
    }
}
