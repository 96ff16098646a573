//! What the operator tests share: the loader with the CPU, Vulkan and OpenCL
//! plugins (one process, all three side by side), an operator context and a
//! stream per device, device buffers, ggml-layout tensor descriptors, and
//! the host references (reference.rs).

pub mod reference;

use flaghal_client::{from_bytes, to_bytes, Device, Hal, Stream};
use flaghal_ops::context::Context;
use flaghal_ops::ffi;
use flaghal_ops::tensor::Tensor;
use flaghal_sys::{fh_status_t, FH_DEVICE_CAP_FLOAT16, FH_DEVICE_CAP_INT8, FH_ERROR_NOT_SUPPORTED, FH_SUCCESS};
use std::path::PathBuf;
use std::sync::OnceLock;

pub const F32: i32 = 0;
pub const F16: i32 = 1;
pub const Q8_0: i32 = 8;
pub const I32: i32 = 26;
pub const I64: i32 = 27;

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

fn plugin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let deps = exe.parent().unwrap();
    let file = format!("libflaghal_{name}.so");
    [deps.join(&file), deps.parent().unwrap().join(&file)]
        .into_iter()
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{file} is not built (cargo test -p flaghal-ops builds it)"))
}

/// The loader, initialised once with the three reference plugins.
pub fn hal() -> &'static Hal {
    static HAL: OnceLock<Hal> = OnceLock::new();
    HAL.get_or_init(|| {
        let files: Vec<String> = ["cpu", "vulkan", "opencl"].iter().map(|p| plugin(p).display().to_string()).collect();
        std::env::set_var("FLAGHAL_PLUGIN_FILES", files.join(":"));
        std::env::set_var("MESA_SHADER_CACHE_DISABLE", "true");
        let hal = Hal::open().expect("libflaghal.so");
        hal.init(0).unwrap();
        hal
    })
}

/// One device with an operator context and a stream.
pub struct Dev {
    pub name: String,
    pub device: Device,
    pub ctx: *mut Context,
    pub stream: Stream,
    /// FH_DEVICE_CAP_FLOAT16: F16 tensors run (PoCL 3.1 lacks it).
    pub f16: bool,
    /// FLOAT16 and INT8: Q8_0 tensors run.
    pub q8_0: bool,
}

impl Dev {
    pub fn upload(&self, bytes: &[u8]) -> u64 {
        let ptr = hal().mem_alloc(self.device, bytes.len().max(4)).unwrap();
        hal().htod(self.device, ptr, bytes).unwrap();
        ptr
    }

    pub fn upload_f32(&self, values: &[f32]) -> u64 {
        self.upload(&to_bytes(values))
    }

    /// `len` bytes filled with a NaN pattern, so unwritten results show.
    pub fn alloc(&self, len: usize) -> u64 {
        self.upload(&vec![0xff; len])
    }

    pub fn read_f32(&self, ptr: u64, n: usize) -> Vec<f32> {
        hal().stream_synchronize(self.stream).unwrap();
        from_bytes(&hal().read(self.device, ptr, n * 4).unwrap())
    }

    pub fn read(&self, ptr: u64, len: usize) -> Vec<u8> {
        hal().stream_synchronize(self.stream).unwrap();
        hal().read(self.device, ptr, len).unwrap()
    }

    /// Whether tensors of type `ty` run here; when not, `supported` (the
    /// operator's Supported query) must say FH_ERROR_NOT_SUPPORTED.
    pub fn runs(&self, ty: i32, what: &str, supported: fh_status_t) -> bool {
        let runs = match ty {
            F16 => self.f16,
            Q8_0 => self.q8_0,
            _ => true,
        };
        if !runs {
            assert_eq!(supported, FH_ERROR_NOT_SUPPORTED, "{}: {what}: type {ty} without the capability", self.name);
            println!("{}: {what}: type {ty} is FH_ERROR_NOT_SUPPORTED here ({})", self.name, last_error());
        }
        runs
    }

    /// Panics with the library's message unless `status` is FH_SUCCESS.
    pub fn ok(&self, what: &str, status: fh_status_t) {
        assert_eq!(status, FH_SUCCESS, "{}: {what}: {}", self.name, last_error());
    }
}

/// The thread's fhops detail message.
pub fn last_error() -> String {
    let mut buffer = [0u8; 1024];
    let mut len = 0usize;
    // SAFETY: buffer is writable for its length; len is writable.
    unsafe { ffi::fhopsGetLastErrorMessage(buffer.as_mut_ptr().cast(), buffer.len(), &mut len) };
    String::from_utf8_lossy(&buffer[..len.min(1023)]).into_owned()
}

/// Runs `body` on the first device of each plugin (CPU, Vulkan, OpenCL).
/// A missing Vulkan or OpenCL device is skipped with a message, and is a
/// failure under CI (scripts/test.sh installs lavapipe and PoCL).
pub fn on_every_device(body: impl Fn(&Dev)) {
    let hal = hal();
    for plugin in ["cpu", "vulkan", "opencl"] {
        let Some(device) = hal.device_of_plugin(plugin).unwrap() else {
            let why = format!("no {plugin} device (install mesa-vulkan-drivers and pocl-opencl-icd)");
            assert!(!in_ci() && plugin != "cpu", "{why}");
            eprintln!("SKIPPED on {plugin}: {why}");
            continue;
        };
        let name = format!("{plugin} ({})", hal.properties(device).unwrap().name());
        let mut ctx = std::ptr::null_mut();
        // SAFETY: ctx is a valid out pointer.
        let status = unsafe { ffi::fhopsContextCreate(device.0, &mut ctx) };
        assert_eq!(status, FH_SUCCESS, "{name}: fhopsContextCreate: {}", last_error());
        let props = hal.properties(device).unwrap();
        let f16 = props.has(FH_DEVICE_CAP_FLOAT16);
        let q8_0 = f16 && props.has(FH_DEVICE_CAP_INT8);
        let dev = Dev { name, device, ctx, stream: hal.stream_create(device).unwrap(), f16, q8_0 };
        body(&dev);
        hal.stream_synchronize(dev.stream).unwrap();
        hal.stream_destroy(dev.stream).unwrap();
        // SAFETY: the context is live and destroyed once.
        assert_eq!(unsafe { ffi::fhopsContextDestroy(dev.ctx) }, FH_SUCCESS);
    }
}

/// Bytes of one unit of dimension 0 (an element, a Q8_0 block) and the
/// elements it holds.
pub fn unit(ty: i32) -> (usize, usize) {
    match ty {
        F32 | I32 => (4, 1),
        F16 => (2, 1),
        Q8_0 => (34, 32),
        I64 => (8, 1),
        _ => panic!("type {ty}"),
    }
}

/// A contiguous ggml tensor at `data`.
pub fn tensor(ty: i32, data: u64, ne: [i64; 4]) -> Tensor {
    let (bytes, per) = unit(ty);
    let row = bytes * ne[0] as usize / per;
    let nb = [bytes, row, row * ne[1] as usize, row * (ne[1] * ne[2]) as usize];
    Tensor { data, ty, ne, nb }
}

/// ggml_permute's view: dimension d of the result is dimension axes[d] of t.
pub fn permute(t: &Tensor, axes: [usize; 4]) -> Tensor {
    let mut p = *t;
    for (d, &axis) in axes.iter().enumerate() {
        p.ne[d] = t.ne[axis];
        p.nb[d] = t.nb[axis];
    }
    p
}

/// Deterministic values in [-1, 1).
pub fn values(n: usize, seed: u32) -> Vec<f32> {
    let mut x = seed.wrapping_mul(2654435761).wrapping_add(12345);
    (0..n)
        .map(|_| {
            x = x.wrapping_mul(1664525).wrapping_add(1013904223);
            (x >> 8) as f32 / (1u32 << 23) as f32 - 1.0
        })
        .collect()
}

/// Every element within `abs + rel * |want|`.
pub fn assert_close(dev: &Dev, what: &str, got: &[f32], want: &[f32], abs: f32, rel: f32) {
    assert_eq!(got.len(), want.len());
    let mut worst = (0.0f32, 0usize);
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let err = (g - w).abs();
        assert!(err <= abs + rel * w.abs(), "{}: {what}: element {i} is {g}, want {w} (error {err})", dev.name);
        if err > worst.0 {
            worst = (err, i);
        }
    }
    println!("{}: {what}: {} elements, max abs error {:.3e} (element {})", dev.name, want.len(), worst.0, worst.1);
}
