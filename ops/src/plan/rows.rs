//! fhopsRmsNorm, fhopsSoftMax (one 256-thread block per row) and fhopsRope
//! (one thread per rotated pair).

use super::{elementwise, per_row, Caps, Launch};
use crate::error::{invalid, unsupported};
use crate::tensor::{require_row_contiguous, require_same_shape, require_type, Tensor, Type, View};
use flaghal_client::Args;
use flaghal_sys::FfiResult;

/// flaghal_ops.h's fhops_soft_max_params_t.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SoftMaxParams {
    pub scale: f32,
    pub max_bias: f32,
}

/// flaghal_ops.h's fhops_rope_params_t.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RopeParams {
    pub n_dims: i32,
    pub mode: i32,
    pub n_ctx_orig: i32,
    pub freq_base: f32,
    pub freq_scale: f32,
    pub ext_factor: f32,
    pub attn_factor: f32,
    pub beta_fast: f32,
    pub beta_slow: f32,
}

fn rows_of(v: &View) -> u32 {
    v.ne[1] * v.ne[2] * v.ne[3]
}

fn f32_pair(dst: &Tensor, src: &Tensor) -> FfiResult<(View, View)> {
    let (d, s) = (View::new(dst, "dst")?, View::new(src, "src")?);
    require_type(&d, &[Type::F32], "dst")?;
    require_type(&s, &[Type::F32], "src")?;
    require_same_shape(&d, &s, "dst and src")?;
    Ok((d, s))
}

pub fn rms_norm(caps: &Caps, dst: &Tensor, src: &Tensor, eps: f32) -> FfiResult<Launch> {
    let (d, s) = f32_pair(dst, src)?;
    if eps.is_nan() || eps < 0.0 {
        return Err(invalid(format!("eps is {eps}; it is at least 0")));
    }
    let rows = rows_of(&s);
    let args = s.encode(d.encode(Args::new())).f32(eps).u32(rows).finish();
    Ok(per_row(caps, "rms_norm_f32", rows, args))
}

pub fn soft_max(caps: &Caps, dst: &Tensor, src: &Tensor, mask: Option<&Tensor>, params: &SoftMaxParams) -> FfiResult<Launch> {
    let (d, s) = f32_pair(dst, src)?;
    if params.max_bias != 0.0 {
        return Err(unsupported(format!("max_bias is {}: ALiBi is not implemented (only 0)", params.max_bias)));
    }
    let (kernel, m, has_mask) = match mask {
        None => ("soft_max_f32", s, 0),
        Some(mask) => {
            let m = View::new(mask, "mask")?;
            require_type(&m, &[Type::F32, Type::F16], "mask")?;
            if m.ne[0] != s.ne[0] || m.ne[1] < s.ne[1] {
                return Err(invalid(format!("mask {:?} must have src's ne[0] and at least its ne[1] ({:?})", m.ne, s.ne)));
            }
            if s.ne[2] % m.ne[2] != 0 || s.ne[3] % m.ne[3] != 0 {
                return Err(invalid(format!("mask {:?} does not broadcast over src {:?} in dimensions 2 and 3", m.ne, s.ne)));
            }
            if m.ty == Type::F16 {
                caps.require_f16("mask")?;
                ("soft_max_f32_mask_f16", m, 1)
            } else {
                ("soft_max_f32", m, 1)
            }
        }
    };
    let rows = rows_of(&s);
    let args = m.encode(s.encode(d.encode(Args::new()))).u32(has_mask).f32(params.scale).u32(rows).finish();
    Ok(per_row(caps, kernel, rows, args))
}

pub fn rope(caps: &Caps, dst: &Tensor, src: &Tensor, pos: &Tensor, params: &RopeParams) -> FfiResult<Launch> {
    let (d, s) = f32_pair(dst, src)?;
    let p = View::new(pos, "pos")?;
    require_type(&p, &[Type::I32], "pos")?;
    require_row_contiguous(&p, "pos")?;
    let neox = match params.mode {
        0 => 0,
        2 => 1,
        mode => return Err(unsupported(format!("rope mode {mode}: only NORMAL (0) and NEOX (2) are implemented"))),
    };
    if params.ext_factor != 0.0 {
        return Err(unsupported(format!("ext_factor is {}: YaRN is not implemented (only 0)", params.ext_factor)));
    }
    if s.ne[3] != 1 {
        return Err(unsupported(format!("src {:?}: rope takes ne[3] == 1", s.ne)));
    }
    if p.ne[0] != s.ne[2] {
        return Err(invalid(format!("pos has {} positions; src has {} tokens (ne[2])", p.ne[0], s.ne[2])));
    }
    let n_dims = u32::try_from(params.n_dims).unwrap_or(0);
    if n_dims == 0 || n_dims % 2 != 0 || n_dims > s.ne[0] || s.ne[0] % 2 != 0 {
        return Err(invalid(format!("n_dims {} with ne[0] {}: n_dims is even and in [2, ne[0]], ne[0] even", params.n_dims, s.ne[0])));
    }
    // ggml's CPU backend: theta_scale = powf(freq_base, -2.0f / n_dims).
    let theta_scale = params.freq_base.powf(-2.0 / n_dims as f32);
    let n = s.elements() / 2;
    let args = s
        .encode(d.encode(Args::new()))
        .u64(p.data)
        .u32(n_dims)
        .u32(neox)
        .f32(theta_scale)
        .f32(params.freq_scale)
        .f32(params.attn_factor)
        .u32(n)
        .finish();
    Ok(elementwise(caps, "rope_f32", n, args))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::test_caps;

    fn t(ty: i32, ne: [i64; 4]) -> Tensor {
        crate::tensor::contiguous(ty, ne)
    }

    #[test]
    fn row_kernels_get_a_block_per_row() {
        let caps = test_caps();
        let x = t(0, [64, 5, 3, 1]);
        let l = rms_norm(&caps, &x, &x, 1e-5).unwrap();
        assert_eq!((l.grid, l.block, l.args.len()), ([15, 1, 1], [256, 1, 1], 88));
        assert!(rms_norm(&caps, &x, &x, f32::NAN).is_err());
        let mask = t(1, [64, 8, 1, 1]);
        let l = soft_max(&caps, &x, &x, Some(&mask), &SoftMaxParams { scale: 0.5, max_bias: 0.0 }).unwrap();
        assert_eq!((l.kernel, l.args.len()), ("soft_max_f32_mask_f16", 136));
        assert_eq!(soft_max(&caps, &x, &x, None, &SoftMaxParams { scale: 1.0, max_bias: 8.0 }).unwrap_err().status, flaghal_sys::FH_ERROR_NOT_SUPPORTED);
        assert!(soft_max(&caps, &x, &x, Some(&t(0, [64, 4, 1, 1])), &SoftMaxParams::default()).is_err(), "mask rows < src rows");
    }

    #[test]
    fn rope_takes_ggml_modes_without_yarn() {
        let caps = test_caps();
        let x = t(0, [8, 2, 3, 1]);
        let pos = t(26, [3, 1, 1, 1]);
        let base = RopeParams { n_dims: 8, freq_base: 10000.0, freq_scale: 1.0, attn_factor: 1.0, ..Default::default() };
        let l = rope(&caps, &x, &x, &pos, &base).unwrap();
        assert_eq!((l.kernel, l.args.len()), ("rope_f32", 112));
        assert_eq!(&l.args[96..100], &10000f32.powf(-0.25).to_ne_bytes());
        assert!(rope(&caps, &x, &x, &pos, &RopeParams { mode: 8, ..base }).is_err());
        assert!(rope(&caps, &x, &x, &pos, &RopeParams { ext_factor: 1.0, ..base }).is_err());
        assert!(rope(&caps, &x, &x, &pos, &RopeParams { n_dims: 10, ..base }).is_err());
        assert!(rope(&caps, &x, &x, &t(26, [2, 1, 1, 1]), &base).is_err());
    }
}
