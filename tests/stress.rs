//! "Every function may be called from any thread at any time" (flaghal.h,
//! "Threads"; docs/abi.md, "Threads"). Many threads at once
//! allocate, copy, launch kernels and synchronise, each on its own stream and
//! also many on one shared stream; every byte that comes back is verified.
//! Deterministic: no timing, only results. The kernel tests run on every
//! device that takes one of the vector_add modules (the CPU and the minimal
//! device with the native module, a Vulkan device with the SPIR-V one).

use flaghal_client::{from_bytes, to_bytes, Args, Device, Hal, Stream};
use flaghal_integration::child::Scenario;
use flaghal_integration::paths;
use flaghal_integration::modules::kernel;
use flaghal_sys::fh_deviceptr_t;

const THREADS: usize = 8;
const ROUNDS: usize = 20;

/// One vector_add round trip submitted on `stream`: in, launch, out. The
/// caller synchronises `stream` (possibly shared with other threads) before
/// calling `verify`.
struct Job {
    n: usize,
    a: Vec<u8>,
    b: Vec<u8>,
    c: Vec<u8>,
    buffers: [fh_deviceptr_t; 3],
}

impl Job {
    fn new(hal: &Hal, device: Device, seed: usize) -> Job {
        let n = 1000 + (seed * 7919) % 5000;
        let a: Vec<f32> = (0..n).map(|i| (i + seed) as f32).collect();
        let b: Vec<f32> = (0..n).map(|i| (i * 2 + seed % 13) as f32).collect();
        let buffers = [0; 3].map(|_| hal.mem_alloc(device, n * 4).expect("fhMemAlloc"));
        Job { n, a: to_bytes(&a), b: to_bytes(&b), c: vec![0xFF; n * 4], buffers }
    }

    fn submit(&mut self, hal: &Hal, function: flaghal_client::Function, stream: Stream) {
        let [da, db, dc] = self.buffers;
        // SAFETY: the host buffers live in `self`, which the caller keeps
        // unchanged until it has synchronised `stream` (see `verify`).
        unsafe {
            hal.htod_async(da, &self.a, stream).expect("fhMemcpyHtoDAsync");
            hal.htod_async(db, &self.b, stream).expect("fhMemcpyHtoDAsync");
        }
        let args = Args::new().u64(da).u64(db).u64(dc).u32(self.n as u32).finish();
        hal.launch(function, [(self.n as u32).div_ceil(128), 1, 1], [128, 1, 1], 0, stream, &args).expect("fhLaunchKernel");
        // SAFETY: as above.
        unsafe { hal.dtoh_async(&mut self.c, dc, stream) }.expect("fhMemcpyDtoHAsync");
    }

    /// Checks every element and frees the device buffers.
    fn verify(self, hal: &Hal, device: Device, who: &str) {
        let (a, b, c) = (from_bytes::<f32>(&self.a), from_bytes::<f32>(&self.b), from_bytes::<f32>(&self.c));
        for i in 0..self.n {
            assert_eq!(c[i], a[i] + b[i], "{who}: element {i} of {}", self.n);
        }
        for p in self.buffers {
            hal.mem_free(device, p).expect("fhMemFree");
        }
    }
}

/// The devices that can run vector_add, with their plugin names; at least
/// the CPU device.
fn kernel_devices(hal: &Hal) -> Vec<(Device, String)> {
    let devices: Vec<(Device, String)> = (0..hal.device_count().unwrap())
        .map(|i| hal.device(i).unwrap())
        .filter(|d| kernel(hal, *d, "vector_add").is_some())
        .map(|d| (d, hal.properties(d).unwrap().plugin_name()))
        .collect();
    assert!(devices.iter().any(|(_, plugin)| plugin == "cpu"), "the CPU device runs kernels");
    let plugins: Vec<&str> = devices.iter().map(|(_, p)| p.as_str()).collect();
    println!("kernel devices: {}", plugins.join(", "));
    devices
}

/// `test` with the CPU, the Vulkan and the plain-C minimal plugin.
fn every_kernel_device(test: &str) -> Scenario {
    Scenario::new(test).plugins(&[paths::cpu_plugin(), paths::vulkan_plugin(), paths::minimal_plugin()])
}

#[test]
fn many_threads_each_on_their_own_stream() {
    every_kernel_device("many_threads_each_on_their_own_stream").run(|hal| {
        for (device, plugin) in kernel_devices(hal) {
            std::thread::scope(|scope| {
                for t in 0..THREADS {
                    let plugin = &plugin;
                    scope.spawn(move || {
                        // Each thread loads its own module too: loads are thread-safe.
                        let (module, function) = kernel(hal, device, "vector_add").unwrap().expect("load vector_add");
                        let stream = hal.stream_create(device).expect("fhStreamCreate");
                        let event = hal.event_create(device, flaghal_sys::FH_EVENT_DEFAULT).expect("fhEventCreate");
                        for round in 0..ROUNDS {
                            let mut job = Job::new(hal, device, t * 1000 + round);
                            job.submit(hal, function, stream);
                            hal.event_record(event, stream).expect("fhEventRecord");
                            hal.event_synchronize(event).expect("fhEventSynchronize");
                            hal.stream_synchronize(stream).expect("fhStreamSynchronize");
                            job.verify(hal, device, &format!("{plugin}: thread {t} round {round}"));
                        }
                        hal.event_destroy(event).unwrap();
                        hal.stream_destroy(stream).unwrap();
                        hal.module_unload(module).unwrap();
                    });
                }
            });
        }
    });
}

#[test]
fn many_threads_share_one_stream() {
    every_kernel_device("many_threads_share_one_stream").run(|hal| {
        for (device, plugin) in kernel_devices(hal) {
            let (module, function) = kernel(hal, device, "vector_add").unwrap().expect("load vector_add");
            let shared = hal.stream_create(device).expect("fhStreamCreate");
            std::thread::scope(|scope| {
                for t in 0..THREADS {
                    let plugin = &plugin;
                    scope.spawn(move || {
                        for round in 0..ROUNDS {
                            let mut job = Job::new(hal, device, t * 1000 + round);
                            job.submit(hal, function, shared);
                            // Waits for this thread's work and whatever the others queued.
                            hal.stream_synchronize(shared).expect("fhStreamSynchronize");
                            job.verify(hal, device, &format!("{plugin}: thread {t} round {round} (shared stream)"));
                        }
                    });
                }
            });
            hal.stream_destroy(shared).unwrap();
            hal.module_unload(module).unwrap();
        }
    });
}

#[test]
fn many_threads_allocate_copy_and_free_on_every_device() {
    Scenario::new("many_threads_allocate_copy_and_free_on_every_device")
        .plugins(&[paths::cpu_plugin(), paths::minimal_plugin()])
        .run(|hal| {
            let devices: Vec<Device> = (0..hal.device_count().unwrap()).map(|i| hal.device(i).unwrap()).collect();
            assert!(devices.len() >= 2, "the minimal and the CPU device");
            let minimal = hal.device_of_plugin("minimal").unwrap().unwrap();
            let mut free_before = 0usize;
            // SAFETY: valid out pointer; the total is not wanted.
            hal.check("fhMemGetInfo", unsafe { hal.raw().fhMemGetInfo(minimal.0, &mut free_before, std::ptr::null_mut()) }).unwrap();
            std::thread::scope(|scope| {
                for t in 0..THREADS {
                    let devices = devices.clone();
                    scope.spawn(move || {
                        for round in 0..ROUNDS * 5 {
                            let device = devices[(t + round) % devices.len()];
                            let size = 1 + (t * 131 + round * 977) % 70_000;
                            let data: Vec<u8> = (0..size).map(|i| (i ^ t ^ round) as u8).collect();
                            let p = hal.mem_alloc(device, size).expect("fhMemAlloc");
                            hal.htod(device, p, &data).expect("fhMemcpyHtoD");
                            let mut back = vec![0u8; size];
                            hal.dtoh(device, &mut back, p).expect("fhMemcpyDtoH");
                            assert!(back == data, "thread {t} round {round}: {size} bytes differ");
                            hal.mem_free(device, p).expect("fhMemFree");
                        }
                    });
                }
            });
            let mut free_after = 0usize;
            // SAFETY: as above.
            hal.check("fhMemGetInfo", unsafe { hal.raw().fhMemGetInfo(minimal.0, &mut free_after, std::ptr::null_mut()) }).unwrap();
            assert_eq!(free_after, free_before, "every allocation was returned");
        });
}
