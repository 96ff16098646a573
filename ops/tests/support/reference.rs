//! Plain host references of the operators (ggml's CPU semantics), in f64
//! where that is free; the F16 and Q8_0 conversions are the library's
//! (flaghal_ops::host).

use flaghal_ops::plan::rows::RopeParams;

pub use flaghal_ops::host::{dequantize_q8_0, f16_bits, f16_value, from_f16_bytes, quantize_q8_0, to_f16_bytes};

/// Row-major index of (i0, i1, i2, i3) in a contiguous tensor of shape ne.
pub fn at(ne: [usize; 4], i: [usize; 4]) -> usize {
    ((i[3] * ne[2] + i[2]) * ne[1] + i[1]) * ne[0] + i[0]
}

/// Every index of shape ne, dimension 0 fastest.
pub fn indices(ne: [usize; 4]) -> impl Iterator<Item = [usize; 4]> {
    (0..ne[3]).flat_map(move |i3| {
        (0..ne[2]).flat_map(move |i2| (0..ne[1]).flat_map(move |i1| (0..ne[0]).map(move |i0| [i0, i1, i2, i3])))
    })
}

/// ggml_mul_mat of contiguous a (K x M x A2 x A3) and b (K x N x B2 x B3).
pub fn mul_mat(a: &[f32], ane: [usize; 4], b: &[f32], bne: [usize; 4]) -> Vec<f32> {
    let (k, m, n) = (ane[0], ane[1], bne[1]);
    let dne = [m, n, bne[2], bne[3]];
    let (r2, r3) = (bne[2] / ane[2], bne[3] / ane[3]);
    indices(dne)
        .map(|[i0, i1, i2, i3]| {
            let arow = at(ane, [0, i0, i2 / r2, i3 / r3]);
            let brow = at(bne, [0, i1, i2, i3]);
            (0..k).map(|kk| f64::from(a[arow + kk]) * f64::from(b[brow + kk])).sum::<f64>() as f32
        })
        .collect()
}

/// ggml_add / ggml_mul with src1 repeated.
pub fn binary(a: &[f32], ne: [usize; 4], b: &[f32], bne: [usize; 4], op: fn(f32, f32) -> f32) -> Vec<f32> {
    indices(ne).map(|i| op(a[at(ne, i)], b[at(bne, [i[0] % bne[0], i[1] % bne[1], i[2] % bne[2], i[3] % bne[3]])])).collect()
}

pub fn silu(x: f32) -> f32 {
    (f64::from(x) / (1.0 + (-f64::from(x)).exp())) as f32
}

pub fn rms_norm(x: &[f32], ne0: usize, eps: f32) -> Vec<f32> {
    x.chunks(ne0)
        .flat_map(|row| {
            let mean = row.iter().map(|&v| f64::from(v) * f64::from(v)).sum::<f64>() / ne0 as f64;
            let scale = 1.0 / (mean + f64::from(eps)).sqrt();
            row.iter().map(move |&v| (f64::from(v) * scale) as f32)
        })
        .collect()
}

/// ggml_soft_max_ext with a contiguous mask of shape mne (rows by i1,
/// broadcast over 2 and 3).
pub fn soft_max(x: &[f32], ne: [usize; 4], mask: Option<(&[f32], [usize; 4])>, scale: f32) -> Vec<f32> {
    let mut out = vec![0.0; x.len()];
    for i3 in 0..ne[3] {
        for i2 in 0..ne[2] {
            for i1 in 0..ne[1] {
                let v: Vec<f64> = (0..ne[0])
                    .map(|i0| {
                        let m = mask.map_or(0.0, |(m, mne)| m[at(mne, [i0, i1, i2 % mne[2], i3 % mne[3]])]);
                        f64::from(x[at(ne, [i0, i1, i2, i3])]) * f64::from(scale) + f64::from(m)
                    })
                    .collect();
                let top = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                let sum: f64 = v.iter().map(|e| (e - top).exp()).sum();
                for i0 in 0..ne[0] {
                    out[at(ne, [i0, i1, i2, i3])] = ((v[i0] - top).exp() / sum) as f32;
                }
            }
        }
    }
    out
}

/// ggml_rope_ext (no YaRN, no frequency factors) on a contiguous {d, h, t, 1}.
pub fn rope(x: &[f32], ne: [usize; 4], pos: &[i32], params: &RopeParams) -> Vec<f32> {
    let mut out = x.to_vec();
    let (n_dims, neox, attn) = (params.n_dims as usize, params.mode == 2, params.attn_factor);
    let theta_scale = f64::from(params.freq_base).powf(-2.0 / n_dims as f64);
    for (i2, &position) in pos.iter().enumerate().take(ne[2]) {
        for i1 in 0..ne[1] {
            let row = at(ne, [0, i1, i2, 0]);
            for p in 0..n_dims / 2 {
                let theta = f64::from(position) * theta_scale.powi(p as i32) * f64::from(params.freq_scale);
                let (c, s) = (theta.cos() * f64::from(attn), theta.sin() * f64::from(attn));
                let (e0, e1) = if neox { (p, p + n_dims / 2) } else { (2 * p, 2 * p + 1) };
                let (x0, x1) = (f64::from(x[row + e0]), f64::from(x[row + e1]));
                out[row + e0] = (x0 * c - x1 * s) as f32;
                out[row + e1] = (x0 * s + x1 * c) as f32;
            }
        }
    }
    out
}
