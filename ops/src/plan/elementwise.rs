//! fhopsAdd, fhopsMul, fhopsScale, fhopsSilu, fhopsSwiglu: one thread per
//! element (binary_f32, unary_f32, swiglu_f32).

use super::{elementwise, Caps, Launch};
use crate::error::invalid;
use crate::tensor::{require_same_shape, require_type, Tensor, Type, View};
use flaghal_client::Args;
use flaghal_sys::FfiResult;

/// The binary operators of binary_f32 (its `op`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binary {
    Add = 0,
    Mul = 1,
}

pub fn binary(caps: &Caps, op: Binary, dst: &Tensor, src0: &Tensor, src1: &Tensor) -> FfiResult<Launch> {
    let (d, a, b) = (View::new(dst, "dst")?, View::new(src0, "src0")?, View::new(src1, "src1")?);
    for (v, what) in [(&d, "dst"), (&a, "src0"), (&b, "src1")] {
        require_type(v, &[Type::F32], what)?;
    }
    require_same_shape(&d, &a, "dst and src0")?;
    if (0..4).any(|i| a.ne[i] % b.ne[i] != 0) {
        return Err(invalid(format!("src1 {:?} does not repeat into src0 {:?} (each src0 count is a multiple of src1's)", b.ne, a.ne)));
    }
    let n = d.elements();
    let args = b.encode(a.encode(d.encode(Args::new()))).u32(op as u32).u32(n).finish();
    Ok(elementwise(caps, "binary_f32", n, args))
}

/// The operators of unary_f32 (its `op`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Unary {
    Scale { scale: f32, bias: f32 },
    Silu,
}

pub fn unary(caps: &Caps, op: Unary, dst: &Tensor, src: &Tensor) -> FfiResult<Launch> {
    let (d, s) = (View::new(dst, "dst")?, View::new(src, "src")?);
    require_type(&d, &[Type::F32], "dst")?;
    require_type(&s, &[Type::F32], "src")?;
    require_same_shape(&d, &s, "dst and src")?;
    let (code, scale, bias) = match op {
        Unary::Scale { scale, bias } => (0, scale, bias),
        Unary::Silu => (1, 1.0, 0.0),
    };
    let n = d.elements();
    let args = s.encode(d.encode(Args::new())).u32(code).f32(scale).f32(bias).u32(n).finish();
    Ok(elementwise(caps, "unary_f32", n, args))
}

/// Split form when `src1` is given, else the halves of `src0` (`swapped`:
/// the gate is the second half).
pub fn swiglu(caps: &Caps, dst: &Tensor, src0: &Tensor, src1: Option<&Tensor>, swapped: bool) -> FfiResult<Launch> {
    let (d, s0) = (View::new(dst, "dst")?, View::new(src0, "src0")?);
    require_type(&d, &[Type::F32], "dst")?;
    require_type(&s0, &[Type::F32], "src0")?;
    let (gate, up) = match src1 {
        Some(src1) => {
            let s1 = View::new(src1, "src1")?;
            require_type(&s1, &[Type::F32], "src1")?;
            require_same_shape(&d, &s0, "dst and src0")?;
            require_same_shape(&d, &s1, "dst and src1")?;
            (s0, s1)
        }
        None => {
            let half = d.ne[0];
            let want = [2 * half, d.ne[1], d.ne[2], d.ne[3]];
            if s0.ne != want {
                return Err(invalid(format!("fused swiglu: src0 has shape {:?}; dst {:?} needs {want:?}", s0.ne, d.ne)));
            }
            let (first, second) = (s0.slice0(0, half), s0.slice0(half, half));
            if swapped {
                (second, first)
            } else {
                (first, second)
            }
        }
    };
    let n = d.elements();
    let args = up.encode(gate.encode(d.encode(Args::new()))).u32(n).finish();
    Ok(elementwise(caps, "swiglu_f32", n, args))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::test_caps;

    fn f32(ne: [i64; 4]) -> Tensor {
        crate::tensor::contiguous(0, ne)
    }

    #[test]
    fn broadcasting_must_repeat_evenly() {
        let caps = test_caps();
        let l = binary(&caps, Binary::Mul, &f32([8, 4, 1, 1]), &f32([8, 4, 1, 1]), &f32([8, 1, 1, 1])).unwrap();
        assert_eq!((l.kernel, l.args.len(), &l.args[120..124]), ("binary_f32", 128, &1u32.to_ne_bytes()[..]));
        assert!(binary(&caps, Binary::Add, &f32([8, 4, 1, 1]), &f32([8, 4, 1, 1]), &f32([3, 1, 1, 1])).is_err());
        assert!(binary(&caps, Binary::Add, &f32([8, 4, 1, 1]), &f32([8, 2, 1, 1]), &f32([8, 1, 1, 1])).is_err());
    }

    #[test]
    fn fused_swiglu_splits_src0_in_halves() {
        let caps = test_caps();
        let l = swiglu(&caps, &f32([4, 3, 1, 1]), &f32([8, 3, 1, 1]), None, true).unwrap();
        // gate view (@40) starts at the second half: 256 + 4 elements * 4 bytes.
        assert_eq!(&l.args[40..48], &(256u64 + 16).to_ne_bytes());
        assert_eq!(&l.args[80..88], &256u64.to_ne_bytes());
        assert!(swiglu(&caps, &f32([4, 3, 1, 1]), &f32([7, 3, 1, 1]), None, false).is_err());
        assert!(swiglu(&caps, &f32([4, 3, 1, 1]), &f32([4, 3, 1, 1]), Some(&f32([4, 2, 1, 1])), false).is_err());
    }
}
