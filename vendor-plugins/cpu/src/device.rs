//! The one CPU device: its properties, memory, live streams and block pool.
//!
//! Ownership: the device is a process-wide static created by init, handed to
//! the SDK as `&'static` (`flaghal_plugin::Plugin::devices`) and never freed.

use crate::memory::{DeviceMemory, PinnedMemory};
use crate::pool::BlockPool;
use crate::probe::{self, DeviceInfo};
use crate::stream::{Stream, StreamQueue};
use flaghal_plugin::DeviceProperties;
use flaghal_sys::FfiResult;
use parking_lot::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
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

/// The devices: none before init, then the one.
pub fn all() -> &'static [Device] {
    DEVICE.get().map(std::slice::from_ref).unwrap_or(&[])
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

    /// fhDeviceSynchronize: waits for every stream, then reports the oldest
    /// unreported kernel failure among them (and clears the others).
    pub fn synchronize(&self) -> FfiResult {
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
}
