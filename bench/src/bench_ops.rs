//! Section 12 of the table: ggml's mul_mat through the operator library
//! (libflaghal_ops, `fhopsMulMat`, ops/kernels/mul_mat_f32.fhk: one source,
//! its native image on the CPU plugin, its SPIR-V on Vulkan, its OpenCL C on
//! OpenCL) at llama-like shapes, in GFLOP/s (2MNK / the time of enqueue +
//! synchronize), beside numpy's product of the same size measured in the
//! same run, samples alternating (numpy's BLAS: OpenBLAS from the wheel in
//! scripts/bench-ops.sh's venv). Without numpy (`--smoke`, or a python
//! without it) the baseline is the plain C loop of section 8.
//!
//! ggml's dst = src1 x src0^T: src0 (weights) M x K, src1 (activations)
//! N x K, dst N x M. The same inputs as section 8's Problem (small
//! integers, so every product is exact) with m = N, n = M, k = K: src1 is
//! the problem's a, src0 the transpose of its b, and dst its c; every
//! device's product is checked once per shape. Q8_0 rows (weights
//! quantized as ggml does, flaghal_ops::host) run where the device has the
//! capabilities, checked against the product of the dequantized weights
//! within 1e-3 relative; their numpy baseline is the same f32 product.

use crate::matmul_host::{c_loop, gflops, Problem, C_LOOP};
use crate::matmul_numpy::Numpy;
use crate::measure::{pair, seconds, seconds_of, Plan};
use crate::row::Better;
use crate::suite::{Label, Suite};
use flaghal_client::{Device, Hal, Stream};
use flaghal_ops::context::Context;
use flaghal_ops::ffi::{fhopsContextCreate, fhopsContextDestroy, fhopsGetLastErrorMessage, fhopsMulMat, fhopsMulMatSupported};
use flaghal_ops::tensor::Tensor;
use flaghal_sys::{fh_deviceptr_t, fh_status_t, FH_SUCCESS};
use serde_json::json;

pub const GROUP: &str = "12. ggml mul_mat (libflaghal_ops fhopsMulMat, F32 and Q8_0 weights, 2MNK FLOP / time of enqueue + synchronize)";
const UNIT: &str = "GFLOP/s";

/// (K, M, N): TinyLlama-1.1B's projections (hidden 2048, FFN 5632) over a
/// 32-token prompt chunk, and one decoding token (N = 1).
fn shapes(s: &Suite) -> Vec<[usize; 3]> {
    s.pick(vec![[2048, 2048, 32], [2048, 5632, 32], [5632, 2048, 32], [2048, 2048, 1]], vec![[64, 70, 5]])
}

fn ops_error(call: &str, status: fh_status_t) -> String {
    let mut buffer = [0u8; 512];
    let mut len = 0usize;
    // SAFETY: buffer is writable for its length; len is writable.
    unsafe { fhopsGetLastErrorMessage(buffer.as_mut_ptr().cast(), buffer.len(), &mut len) };
    format!("{call} failed (status {status}): {}", String::from_utf8_lossy(&buffer[..len.min(511)]))
}

const F32: i32 = 0;
const Q8_0: i32 = 8;

/// A contiguous F32 or Q8_0 matrix of ne1 rows of ne0 elements.
fn matrix(data: fh_deviceptr_t, ty: i32, ne0: usize, ne1: usize) -> Tensor {
    let (unit, row) = if ty == Q8_0 { (34, 34 * ne0 / 32) } else { (4, 4 * ne0) };
    Tensor { data, ty, ne: [ne0 as i64, ne1 as i64, 1, 1], nb: [unit, row, row * ne1, row * ne1] }
}

/// src0 of the problem (the transpose of its b, M x K) as F32 values.
fn weights(p: &Problem) -> Vec<f32> {
    let (m, k) = (p.n, p.k);
    let mut w = vec![0.0f32; m * k];
    for (i0, row) in w.chunks_mut(k).enumerate() {
        for (kk, v) in row.iter_mut().enumerate() {
            *v = p.b[kk * m + i0];
        }
    }
    w
}

/// The product of src1 and the dequantized Q8_0 weights, in f64.
fn q8_0_reference(p: &Problem, dequantized: &[f32]) -> Vec<f32> {
    let (n, m, k) = (p.m, p.n, p.k);
    let mut out = vec![0.0f32; n * m];
    for i1 in 0..n {
        let x = &p.a[i1 * k..(i1 + 1) * k];
        for i0 in 0..m {
            let w = &dequantized[i0 * k..(i0 + 1) * k];
            out[i1 * m + i0] = x.iter().zip(w).map(|(&a, &b)| f64::from(a) * f64::from(b)).sum::<f64>() as f32;
        }
    }
    out
}

fn to_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_ne_bytes()).collect()
}

/// One shape on one device: the operator context, tensors and stream.
struct OnDevice {
    hal: &'static Hal,
    device: Device,
    ctx: *mut Context,
    stream: Stream,
    tensors: [Tensor; 3],
}

impl OnDevice {
    /// src0 of type `ty` from `src0_bytes`; Ok(None) when the device
    /// cannot run that type (fhopsMulMatSupported says so).
    fn new(hal: &'static Hal, device: Device, p: &Problem, ty: i32, src0_bytes: &[u8]) -> Result<Option<OnDevice>, String> {
        let mut ctx = std::ptr::null_mut();
        // SAFETY: ctx is a valid out pointer; device is the loader's.
        let status = unsafe { fhopsContextCreate(device.0, &mut ctx) };
        if status != FH_SUCCESS {
            return Err(ops_error("fhopsContextCreate", status));
        }
        let (n, m, k) = (p.m, p.n, p.k);
        let shapes = [matrix(0, F32, m, n), matrix(0, ty, k, m), matrix(0, F32, k, n)];
        // SAFETY: a live context and valid descriptors (addresses unused by queries).
        let supported = unsafe { fhopsMulMatSupported(ctx, &shapes[0], &shapes[1], &shapes[2]) };
        if supported != FH_SUCCESS {
            // SAFETY: the context is live and destroyed once.
            unsafe { fhopsContextDestroy(ctx) };
            return Ok(None);
        }
        let upload = |bytes: &[u8]| -> Result<fh_deviceptr_t, String> {
            let ptr = hal.mem_alloc(device, bytes.len())?;
            hal.htod(device, ptr, bytes)?;
            Ok(ptr)
        };
        let (src0, src1, dst) = (upload(src0_bytes)?, upload(&to_bytes(&p.a))?, hal.mem_alloc(device, n * m * 4)?);
        let stream = hal.stream_create(device)?;
        let tensors = [matrix(dst, F32, m, n), matrix(src0, ty, k, m), matrix(src1, F32, k, n)];
        Ok(Some(OnDevice { hal, device, ctx, stream, tensors }))
    }

    /// One product: enqueue + synchronize.
    fn pass(&self) -> Result<(), String> {
        let [dst, src0, src1] = &self.tensors;
        // SAFETY: a live context and valid descriptors of live allocations.
        let status = unsafe { fhopsMulMat(self.ctx, self.stream.0, dst, src0, src1) };
        if status != FH_SUCCESS {
            return Err(ops_error("fhopsMulMat", status));
        }
        Ok(self.hal.stream_synchronize(self.stream)?)
    }

    /// One product over a NaN-filled dst: exactly the problem's for F32,
    /// within 1e-3 relative of `q8_want` for Q8_0.
    fn checked_pass(&self, what: &str, p: &Problem, q8_want: Option<&[f32]>) -> Result<(), String> {
        let dst = self.tensors[0].data;
        self.hal.htod(self.device, dst, &to_bytes(&vec![f32::NAN; p.want.len()]))?;
        self.pass()?;
        let bytes = self.hal.read(self.device, dst, p.want.len() * 4)?;
        let got: Vec<f32> = bytes.chunks(4).map(|c| f32::from_ne_bytes([c[0], c[1], c[2], c[3]])).collect();
        let Some(want) = q8_want else { return p.check(what, &got) };
        for (i, (g, w)) in got.iter().zip(want).enumerate() {
            let err = (g - w).abs();
            if err.is_nan() || err > 1e-3 * w.abs().max(1.0) {
                return Err(format!("{what} {}: element {i} is {g}, the dequantized product {w}", p.shape()));
            }
        }
        Ok(())
    }

    fn free(self) -> Result<(), String> {
        self.hal.stream_destroy(self.stream)?;
        for t in self.tensors {
            self.hal.mem_free(self.device, t.data)?;
        }
        // SAFETY: the context is live, its work done, and destroyed once.
        let status = unsafe { fhopsContextDestroy(self.ctx) };
        if status != FH_SUCCESS {
            return Err(ops_error("fhopsContextDestroy", status));
        }
        Ok(())
    }
}

pub fn run(s: &mut Suite) -> Result<(), String> {
    let plan = s.plan(Plan { warmup: 1, reps: 9 }, Plan { warmup: 1, reps: 3 });
    let hal = s.hal;
    let devices: Vec<(&str, Device)> =
        [("cpu", s.cpu), ("vulkan", s.vulkan), ("opencl", s.opencl)].into_iter().filter_map(|(n, d)| d.map(|d| (n, d))).collect();
    for plugin in ["cpu", "vulkan", "opencl"] {
        if !devices.iter().any(|(n, _)| *n == plugin) {
            s.skip(&format!("ggml mul_mat ({plugin})"), "no device of this plugin");
        }
    }
    let mut numpy = if s.smoke {
        None
    } else {
        match Numpy::start()? {
            Ok(n) => {
                s.machine.insert("numpy".into(), n.info.clone());
                Some(n)
            }
            Err(why) => {
                s.skip("ggml mul_mat numpy baseline (the plain C loop instead)", &why);
                None
            }
        }
    };
    for [k, m, n] in shapes(s) {
        let p = Problem::new(n, m, k)?;
        let flop = p.flop();
        let baseline = match numpy.as_mut() {
            Some(np) => {
                np.prepare(&p)?;
                format!("{} a @ b, same size", np.describe())
            }
            None => C_LOOP.to_string(),
        };
        let w = weights(&p);
        let q8 = flaghal_ops::host::quantize_q8_0(&w);
        let q8_want = q8_0_reference(&p, &flaghal_ops::host::dequantize_q8_0(&q8));
        let mut host_c = vec![f32::NAN; p.want.len()];
        for (ty, type_name, src0_bytes) in [(F32, "F32", to_bytes(&w)), (Q8_0, "Q8_0", q8.clone())] {
            for (plugin, device) in &devices {
                let Some(on) = OnDevice::new(hal, *device, &p, ty, &src0_bytes)? else {
                    s.skip(&format!("ggml mul_mat {type_name} ({plugin})"), "fhopsMulMatSupported: not supported on this device");
                    continue;
                };
                on.checked_pass(&format!("{plugin} plugin fhopsMulMat {type_name}"), &p, (ty == Q8_0).then_some(&q8_want[..]))?;
                let result = match numpy.as_mut() {
                    Some(np) => pair(plan, || gflops(flop, seconds(|| on.pass())?), || gflops(flop, np.run()?))?,
                    None => pair(plan, || gflops(flop, seconds(|| on.pass())?), || gflops(flop, seconds_of(|| c_loop(&p, &mut host_c))))?,
                };
                let device_name = hal.properties(*device)?.name();
                let name = format!("{plugin} plugin, src0 {type_name} {m} x {k}, src1 {n} x {k}");
                let params = json!({"K": k, "M": m, "N": n, "flop": flop, "device": device_name, "src0": type_name});
                s.add(Label { group: GROUP, name, baseline: &baseline, unit: UNIT, better: Better::Higher }, result, params, None);
                on.free()?;
            }
        }
    }
    Ok(())
}
