//! Every operator of flaghal_ops.h on every device (CPU, Vulkan on
//! lavapipe, OpenCL on PoCL) against the host references: f32 within tight
//! tolerances, F16 and Q8_0 against dequantize-then-reference. Shapes are
//! ragged (not multiples of the tiles or blocks), broadcast, and strided
//! (permuted views) where the operator allows it.

mod support;

use flaghal_client::to_bytes;
use flaghal_ops::ffi::*;
use flaghal_ops::plan::rows::{RopeParams, SoftMaxParams};
use flaghal_sys::{FH_ERROR_INVALID_VALUE, FH_ERROR_NOT_SUPPORTED, FH_SUCCESS};
use support::reference as r;
use support::*;

fn nel(ne: [usize; 4]) -> usize {
    ne.iter().product()
}

fn ne64(ne: [usize; 4]) -> [i64; 4] {
    ne.map(|n| n as i64)
}

/// mul_mat with src0 of type ty (its values as the reference sees them:
/// dequantized), src1 either contiguous or a permuted view.
fn check_mul_mat(dev: &Dev, ty: i32, ane: [usize; 4], bne: [usize; 4], permuted_src1: bool) {
    let a = values(nel(ane), 1);
    let (a_bytes, a_seen) = match ty {
        F32 => (to_bytes(&a), a.clone()),
        F16 => (r::to_f16_bytes(&a), r::from_f16_bytes(&r::to_f16_bytes(&a))),
        _ => {
            let q = r::quantize_q8_0(&a);
            let seen = r::dequantize_q8_0(&q);
            (q, seen)
        }
    };
    let b = values(nel(bne), 2);
    let dne = [ane[1], bne[1], bne[2], bne[3]];
    let src0 = tensor(ty, dev.upload(&a_bytes), ne64(ane));
    let src1 = if permuted_src1 {
        // b stored as {K, B2, N, B3} and viewed as {K, N, B2, B3} (ggml_permute(0, 2, 1, 3)).
        let stored = [bne[0], bne[2], bne[1], bne[3]];
        let mut data = vec![0.0; nel(bne)];
        for i in r::indices(bne) {
            data[r::at(stored, [i[0], i[2], i[1], i[3]])] = b[r::at(bne, i)];
        }
        permute(&tensor(F32, dev.upload_f32(&data), ne64(stored)), [0, 2, 1, 3])
    } else {
        tensor(F32, dev.upload_f32(&b), ne64(bne))
    };
    let out = dev.alloc(nel(dne) * 4);
    let dst = tensor(F32, out, ne64(dne));
    // SAFETY: valid context and descriptors.
    if !dev.runs(ty, "mul_mat", unsafe { fhopsMulMatSupported(dev.ctx, &dst, &src0, &src1) }) {
        return;
    }
    // SAFETY: as above.
    dev.ok("fhopsMulMat", unsafe { fhopsMulMat(dev.ctx, dev.stream.0, &dst, &src0, &src1) });
    let want = r::mul_mat(&a_seen, ane, &b, bne);
    let what = format!("mul_mat type {ty} {ane:?} x {bne:?}{}", if permuted_src1 { " (permuted src1)" } else { "" });
    assert_close(dev, &what, &dev.read_f32(out, want.len()), &want, 1e-4, 1e-4);
}

#[test]
fn mul_mat_f32_f16_q8_0_match_the_reference() {
    on_every_device(|dev| {
        check_mul_mat(dev, F32, [96, 70, 2, 1], [96, 5, 4, 1], false);
        check_mul_mat(dev, F32, [40, 3, 1, 1], [40, 130, 1, 1], false);
        check_mul_mat(dev, F32, [64, 33, 4, 1], [64, 9, 4, 1], true);
        check_mul_mat(dev, F16, [80, 67, 1, 2], [80, 7, 2, 2], false);
        check_mul_mat(dev, Q8_0, [128, 75, 1, 1], [128, 6, 1, 1], false);
        // Above 32 src1 rows: the 64 x 64 tiles (4 to 32: the 128 x 32 ones).
        check_mul_mat(dev, F16, [48, 67, 1, 2], [48, 40, 2, 2], false);
        check_mul_mat(dev, Q8_0, [64, 75, 1, 1], [64, 70, 1, 1], true);
        // Fewer than 4 columns: the one-thread-per-element kernels.
        check_mul_mat(dev, Q8_0, [64, 10, 2, 1], [64, 1, 2, 1], false);
        check_mul_mat(dev, F32, [100, 37, 2, 1], [100, 3, 4, 1], true);
        check_mul_mat(dev, F16, [96, 70, 1, 1], [96, 1, 1, 1], false);
        check_mul_mat(dev, F32, [101, 9, 1, 1], [101, 2, 1, 1], false); // K not a multiple of the 4 partial sums
    });
}

#[test]
fn add_and_mul_broadcast_like_ggml() {
    on_every_device(|dev| {
        let ne = [37, 6, 3, 2];
        for (bne, mul) in [([37, 1, 1, 1], true), ([37, 6, 1, 2], false), ([1, 6, 3, 1], true)] {
            let a = values(nel(ne), 3);
            let b = values(nel(bne), 4);
            let (pa, pb, out) = (dev.upload_f32(&a), dev.upload_f32(&b), dev.alloc(nel(ne) * 4));
            let (src0, src1, dst) = (tensor(F32, pa, ne64(ne)), tensor(F32, pb, ne64(bne)), tensor(F32, out, ne64(ne)));
            // SAFETY: valid context and descriptors.
            let status = unsafe {
                if mul { fhopsMul(dev.ctx, dev.stream.0, &dst, &src0, &src1) } else { fhopsAdd(dev.ctx, dev.stream.0, &dst, &src0, &src1) }
            };
            dev.ok("fhopsAdd/fhopsMul", status);
            let want = r::binary(&a, ne, &b, bne, if mul { |x, y| x * y } else { |x, y| x + y });
            assert_close(dev, &format!("{} by {bne:?}", if mul { "mul" } else { "add" }), &dev.read_f32(out, want.len()), &want, 0.0, 0.0);
            // In place: src0 += src1.
            // SAFETY: as above.
            dev.ok("fhopsAdd in place", unsafe { fhopsAdd(dev.ctx, dev.stream.0, &src0, &src0, &src1) });
            let want = r::binary(&a, ne, &b, bne, |x, y| x + y);
            assert_close(dev, "add in place", &dev.read_f32(pa, want.len()), &want, 0.0, 0.0);
        }
    });
}

#[test]
fn scale_silu_and_swiglu_elementwise() {
    on_every_device(|dev| {
        let ne = [50, 7, 1, 1];
        let x: Vec<f32> = values(nel(ne), 5).iter().map(|v| v * 6.0).collect();
        let g = values(nel(ne), 6);
        let (px, pg, out) = (dev.upload_f32(&x), dev.upload_f32(&g), dev.alloc(nel(ne) * 4));
        let (tx, tg, dst) = (tensor(F32, px, ne64(ne)), tensor(F32, pg, ne64(ne)), tensor(F32, out, ne64(ne)));
        // SAFETY: valid context and descriptors throughout.
        unsafe {
            dev.ok("fhopsScale", fhopsScale(dev.ctx, dev.stream.0, &dst, &tx, 0.25, 1.5));
            let want: Vec<f32> = x.iter().map(|v| v * 0.25 + 1.5).collect();
            assert_close(dev, "scale", &dev.read_f32(out, want.len()), &want, 0.0, 0.0);
            dev.ok("fhopsSilu", fhopsSilu(dev.ctx, dev.stream.0, &dst, &tx));
            let want: Vec<f32> = x.iter().map(|&v| r::silu(v)).collect();
            assert_close(dev, "silu", &dev.read_f32(out, want.len()), &want, 1e-6, 1e-5);
            dev.ok("fhopsSwiglu split", fhopsSwiglu(dev.ctx, dev.stream.0, &dst, &tx, &tg, 0));
            let want: Vec<f32> = x.iter().zip(&g).map(|(&a, &b)| r::silu(a) * b).collect();
            assert_close(dev, "swiglu split", &dev.read_f32(out, want.len()), &want, 1e-6, 1e-5);
            // Fused: x viewed as {25, 14} rows of [a | b] halves... use a {2 * 25, 7} tensor.
            let fused = tensor(F32, px, [50, 7, 1, 1]);
            let half = tensor(F32, out, [25, 7, 1, 1]);
            for swapped in [0, 1] {
                dev.ok("fhopsSwiglu fused", fhopsSwiglu(dev.ctx, dev.stream.0, &half, &fused, std::ptr::null(), swapped));
                let want: Vec<f32> = (0..7 * 25)
                    .map(|i| {
                        let (row, j) = (i / 25, i % 25);
                        let (a, b) = (x[row * 50 + j], x[row * 50 + 25 + j]);
                        if swapped == 0 { r::silu(a) * b } else { r::silu(b) * a }
                    })
                    .collect();
                assert_close(dev, &format!("swiglu fused, swapped {swapped}"), &dev.read_f32(out, want.len()), &want, 1e-6, 1e-5);
            }
        }
    });
}

#[test]
fn rms_norm_and_soft_max_per_row() {
    on_every_device(|dev| {
        let ne = [300, 5, 3, 1];
        let x: Vec<f32> = values(nel(ne), 7).iter().map(|v| v * 4.0).collect();
        let (px, out) = (dev.upload_f32(&x), dev.alloc(nel(ne) * 4));
        let (tx, dst) = (tensor(F32, px, ne64(ne)), tensor(F32, out, ne64(ne)));
        // SAFETY: valid context and descriptors throughout.
        unsafe {
            dev.ok("fhopsRmsNorm", fhopsRmsNorm(dev.ctx, dev.stream.0, &dst, &tx, 1e-6));
            let want = r::rms_norm(&x, ne[0], 1e-6);
            assert_close(dev, "rms_norm", &dev.read_f32(out, want.len()), &want, 1e-6, 1e-5);

            let params = SoftMaxParams { scale: 0.125, max_bias: 0.0 };
            dev.ok("fhopsSoftMax", fhopsSoftMax(dev.ctx, dev.stream.0, &dst, &tx, std::ptr::null(), &params));
            let want = r::soft_max(&x, ne, None, 0.125);
            assert_close(dev, "soft_max", &dev.read_f32(out, want.len()), &want, 1e-7, 1e-5);

            // A causal mask (-inf above the diagonal) with padded rows (8 >= 5), broadcast over dim 2.
            let mne = [300, 8, 1, 1];
            let mask: Vec<f32> = r::indices(mne).map(|[i0, i1, _, _]| if i0 > i1 + 290 { f32::NEG_INFINITY } else { 0.0 }).collect();
            for f16 in [false, true] {
                let (ty, bytes) = if f16 { (F16, r::to_f16_bytes(&mask)) } else { (F32, to_bytes(&mask)) };
                let tm = tensor(ty, dev.upload(&bytes), ne64(mne));
                if !dev.runs(ty, "soft_max mask", fhopsSoftMaxSupported(dev.ctx, &dst, &tx, &tm, &params)) {
                    continue;
                }
                dev.ok("fhopsSoftMax masked", fhopsSoftMax(dev.ctx, dev.stream.0, &dst, &tx, &tm, &params));
                let want = r::soft_max(&x, ne, Some((&mask, mne)), 0.125);
                assert_close(dev, &format!("soft_max, causal mask type {ty}"), &dev.read_f32(out, want.len()), &want, 1e-7, 1e-5);
            }
        }
    });
}

#[test]
fn rope_normal_and_neox_with_partial_dims() {
    on_every_device(|dev| {
        let ne = [64, 3, 5, 1];
        let x = values(nel(ne), 8);
        let pos: Vec<i32> = vec![0, 1, 7, 20, 63];
        let (px, out) = (dev.upload_f32(&x), dev.alloc(nel(ne) * 4));
        let pp = dev.upload(&to_bytes(&pos));
        let (tx, dst, tp) = (tensor(F32, px, ne64(ne)), tensor(F32, out, ne64(ne)), tensor(I32, pp, [5, 1, 1, 1]));
        for (mode, n_dims) in [(0, 64), (2, 64), (0, 48), (2, 32)] {
            let params = RopeParams { n_dims, mode, freq_base: 10000.0, freq_scale: 0.5, attn_factor: 1.25, ..Default::default() };
            // SAFETY: valid context and descriptors.
            dev.ok("fhopsRope", unsafe { fhopsRope(dev.ctx, dev.stream.0, &dst, &tx, &tp, &params) });
            let want = r::rope(&x, ne, &pos, &params);
            assert_close(dev, &format!("rope mode {mode} n_dims {n_dims}"), &dev.read_f32(out, want.len()), &want, 1e-4, 1e-4);
        }
    });
}

#[test]
fn get_rows_of_every_type_and_set_rows_into_caches() {
    on_every_device(|dev| {
        let table_ne = [64, 10, 2, 1];
        let table = values(nel(table_ne), 9);
        let rows: Vec<i32> = vec![3, 0, 9, 3, 7, 1];
        let rows_t = tensor(I32, dev.upload(&to_bytes(&rows)), [3, 2, 1, 1]);
        let dne = [64, 3, 2, 1];
        let out = dev.alloc(nel(dne) * 4);
        let dst = tensor(F32, out, ne64(dne));
        for ty in [F32, F16, Q8_0] {
            let (bytes, seen) = match ty {
                F32 => (to_bytes(&table), table.clone()),
                F16 => (r::to_f16_bytes(&table), r::from_f16_bytes(&r::to_f16_bytes(&table))),
                _ => (r::quantize_q8_0(&table), r::dequantize_q8_0(&r::quantize_q8_0(&table))),
            };
            let src = tensor(ty, dev.upload(&bytes), ne64(table_ne));
            // SAFETY: valid context and descriptors.
            if !dev.runs(ty, "get_rows", unsafe { fhopsGetRowsSupported(dev.ctx, &dst, &src, &rows_t) }) {
                continue;
            }
            // SAFETY: as above.
            dev.ok("fhopsGetRows", unsafe { fhopsGetRows(dev.ctx, dev.stream.0, &dst, &src, &rows_t) });
            let want: Vec<f32> = r::indices(dne).map(|[i0, i1, i2, _]| seen[r::at(table_ne, [i0, rows[i2 * 3 + i1] as usize, i2, 0])]).collect();
            assert_close(dev, &format!("get_rows type {ty}"), &dev.read_f32(out, want.len()), &want, 0.0, 0.0);
        }

        // set_rows: 4 new rows of 32 into a 20-row cache, I64 and I32 indices, F32 and F16 caches.
        let src_v = values(4 * 32, 10);
        let src = tensor(F32, dev.upload_f32(&src_v), [32, 4, 1, 1]);
        let idx: Vec<i64> = vec![5, 19, 0, 6];
        for (index_ty, cache_ty) in [(I64, F16), (I32, F32)] {
            let index_bytes = if index_ty == I64 { to_bytes(&idx) } else { to_bytes(&idx.iter().map(|&i| i as i32).collect::<Vec<_>>()) };
            let ti = tensor(index_ty, dev.upload(&index_bytes), [4, 1, 1, 1]);
            let (ebytes, _) = unit(cache_ty);
            let cache = dev.upload(&vec![0u8; 20 * 32 * ebytes]);
            let tc = tensor(cache_ty, cache, [32, 20, 1, 1]);
            // SAFETY: valid context and descriptors.
            if !dev.runs(cache_ty, "set_rows", unsafe { fhopsSetRowsSupported(dev.ctx, &tc, &src, &ti) }) {
                continue;
            }
            // SAFETY: as above.
            dev.ok("fhopsSetRows", unsafe { fhopsSetRows(dev.ctx, dev.stream.0, &tc, &src, &ti) });
            let got = if cache_ty == F16 { r::from_f16_bytes(&dev.read(cache, 20 * 32 * 2)) } else { dev.read_f32(cache, 20 * 32) };
            let mut want = vec![0.0f32; 20 * 32];
            for (j, &row) in idx.iter().enumerate() {
                for i0 in 0..32 {
                    let v = src_v[j * 32 + i0];
                    want[row as usize * 32 + i0] = if cache_ty == F16 { r::f16_value(r::f16_bits(v)) } else { v };
                }
            }
            assert_close(dev, &format!("set_rows index type {index_ty} into cache type {cache_ty}"), &got, &want, 0.0, 0.0);
        }
    });
}

#[test]
fn cpy_converts_and_makes_strided_views_contiguous() {
    on_every_device(|dev| {
        let ne = [13, 4, 3, 1];
        let x = values(nel(ne), 11);
        let stored = tensor(F32, dev.upload_f32(&x), ne64(ne));
        // ggml_cont(ggml_permute(x, 1, 0, 2, 3)): a transposed view copied out.
        let view = permute(&stored, [1, 0, 2, 3]);
        let vne = [4, 13, 3, 1];
        let want_t: Vec<f32> = r::indices(vne).map(|[i0, i1, i2, _]| x[r::at(ne, [i1, i0, i2, 0])]).collect();
        let out = dev.alloc(nel(ne) * 4);
        let half = dev.alloc(nel(ne) * 2);
        // SAFETY: valid context and descriptors throughout.
        unsafe {
            dev.ok("fhopsCpy f32", fhopsCpy(dev.ctx, dev.stream.0, &tensor(F32, out, ne64(vne)), &view));
            assert_close(dev, "cont of a transposed view", &dev.read_f32(out, want_t.len()), &want_t, 0.0, 0.0);
            // Into a 1D F16 view (a KV-cache store), then back to F32.
            let flat16 = tensor(F16, half, [nel(ne) as i64, 1, 1, 1]);
            if !dev.runs(F16, "cpy", fhopsCpySupported(dev.ctx, &flat16, &view)) {
                return;
            }
            dev.ok("fhopsCpy f32 -> f16", fhopsCpy(dev.ctx, dev.stream.0, &flat16, &view));
            let want16: Vec<f32> = want_t.iter().map(|&v| r::f16_value(r::f16_bits(v))).collect();
            assert_close(dev, "cpy to F16", &r::from_f16_bytes(&dev.read(half, nel(ne) * 2)), &want16, 0.0, 0.0);
            dev.ok("fhopsCpy f16 -> f32", fhopsCpy(dev.ctx, dev.stream.0, &tensor(F32, out, ne64(ne)), &tensor(F16, half, ne64(ne))));
            assert_close(dev, "cpy from F16", &dev.read_f32(out, want16.len()), &want16, 0.0, 0.0);
            let half2 = dev.alloc(nel(ne) * 2);
            dev.ok("fhopsCpy f16 -> f16", fhopsCpy(dev.ctx, dev.stream.0, &tensor(F16, half2, ne64(ne)), &flat16));
            assert_eq!(dev.read(half2, nel(ne) * 2), dev.read(half, nel(ne) * 2), "{}: F16 -> F16 is exact", dev.name);
        }
    });
}

#[test]
fn supported_queries_agree_with_the_operators_and_explain_refusals() {
    on_every_device(|dev| {
        let a = tensor(F32, 0, [64, 8, 1, 1]);
        let b = tensor(F32, 0, [64, 3, 1, 1]);
        let d = tensor(F32, 0, [8, 3, 1, 1]);
        let q4 = flaghal_ops::tensor::Tensor { ty: 2, ..a };
        // SAFETY: valid context and descriptors (addresses unused by queries).
        unsafe {
            assert_eq!(fhopsMulMatSupported(dev.ctx, &d, &a, &b), FH_SUCCESS);
            assert_eq!(fhopsMulMatSupported(dev.ctx, &d, &q4, &b), FH_ERROR_NOT_SUPPORTED);
            assert!(last_error().contains("element type 2"), "{}", last_error());
            assert_eq!(fhopsMulMatSupported(dev.ctx, &b, &a, &b), FH_ERROR_INVALID_VALUE);
            assert!(last_error().contains("src0 x src1 gives"), "{}", last_error());
            // The enqueueing twin refuses the same arguments and enqueues nothing.
            assert_eq!(fhopsMulMat(dev.ctx, dev.stream.0, &b, &a, &b), FH_ERROR_INVALID_VALUE);
            let yarn = RopeParams { n_dims: 64, ext_factor: 1.0, freq_base: 1e4, freq_scale: 1.0, ..Default::default() };
            let pos = tensor(I32, 0, [1, 1, 1, 1]);
            assert_eq!(fhopsRopeSupported(dev.ctx, &a, &a, &pos, &yarn), FH_ERROR_NOT_SUPPORTED);
            assert!(last_error().contains("YaRN"), "{}", last_error());
            assert!(last_error().contains("YaRN"), "reading the message leaves it: {}", last_error());
            let mut len = 0usize;
            assert_eq!(fhopsGetLastErrorMessage(std::ptr::null_mut(), 0, &mut len), FH_SUCCESS);
            assert!(len > 4, "the full length without a buffer");
            let mut small = [0x55u8; 5];
            assert_eq!(fhopsGetLastErrorMessage(small.as_mut_ptr().cast(), small.len(), &mut len), FH_SUCCESS);
            assert_eq!(&small, b"ext_\0", "cut to the buffer, NUL-terminated");
            assert_eq!(fhopsGetLastErrorMessage(std::ptr::null_mut(), 8, &mut len), FH_ERROR_INVALID_VALUE);
            assert_eq!(fhopsMulMatSupported(std::ptr::null(), &d, &a, &b), FH_ERROR_INVALID_VALUE);
            assert_eq!(fhopsSoftMaxSupported(dev.ctx, &a, &a, std::ptr::null(), std::ptr::null()), FH_ERROR_INVALID_VALUE);
            let to_f16 = fhopsCpySupported(dev.ctx, &tensor(F16, 0, [64, 8, 1, 1]), &a);
            assert_eq!(to_f16, if dev.f16 { FH_SUCCESS } else { FH_ERROR_NOT_SUPPORTED }, "{}", last_error());
            assert_eq!(fhopsCpySupported(dev.ctx, &a, &a), FH_SUCCESS);
            assert_eq!(last_error(), "", "a success clears the message");
        }
    });
}
