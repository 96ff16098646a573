//! fhopsMulMat: ggml_mul_mat on the tiled kernels (ops/kernels/
//! fhops_mul_mat.h: 64 x 64 dst tiles per 16 x 16 block, 128 x 32 up to
//! [`WIDE_COLUMNS`] src1 rows), or, for fewer
//! than [`VEC_COLUMNS`] src1 columns (decoding), on the kernels of one
//! thread per dst element (fhops_mul_mat_vec.h), where a tile's 64 columns
//! would be nearly all idle.

use super::{elementwise, Caps, Launch};
use crate::error::{invalid, unsupported};
use crate::tensor::{require_row_contiguous, require_type, Tensor, Type, View};
use flaghal_client::Args;
use flaghal_sys::FfiResult;

/// Below this many src1 columns (dst ne[1]) the one-thread-per-element
/// kernels run.
pub const VEC_COLUMNS: u32 = 4;

/// Up to this many src1 rows, 128 x 32 tiles (a prompt chunk fills them);
/// above, 64 x 64.
pub const WIDE_COLUMNS: u32 = 32;

pub fn plan(caps: &Caps, dst: &Tensor, src0: &Tensor, src1: &Tensor) -> FfiResult<Launch> {
    let (d, a, b) = (View::new(dst, "dst")?, View::new(src0, "src0")?, View::new(src1, "src1")?);
    require_type(&d, &[Type::F32], "dst")?;
    require_type(&a, &[Type::F32, Type::F16, Type::Q8_0], "src0")?;
    require_type(&b, &[Type::F32], "src1")?;
    // By src1 rows: one thread per dst element below VEC_COLUMNS, 128 x 32
    // tiles up to WIDE_COLUMNS, 64 x 64 tiles above.
    let (square, wide, vec) = match a.ty {
        Type::F16 => {
            caps.require_f16("src0")?;
            ("mul_mat_f16", "mul_mat_wide_f16", "mul_mat_vec_f16")
        }
        Type::Q8_0 => {
            caps.require_q8_0("src0")?;
            ("mul_mat_q8_0", "mul_mat_wide_q8_0", "mul_mat_vec_q8_0")
        }
        _ => ("mul_mat_f32", "mul_mat_wide_f32", "mul_mat_vec_f32"),
    };
    let (kernel, tile) = match b.ne[1] {
        n if n < VEC_COLUMNS => (vec, [0, 0]),
        n if n <= WIDE_COLUMNS => (wide, [128, 32]),
        _ => (square, [64, 64]),
    };
    if a.ne[0] != b.ne[0] {
        return Err(invalid(format!("src0 ne[0] ({}) and src1 ne[0] ({}) differ: they are the reduced dimension", a.ne[0], b.ne[0])));
    }
    let want = [a.ne[1], b.ne[1], b.ne[2], b.ne[3]];
    if d.ne != want {
        return Err(invalid(format!("dst has shape {:?}; src0 x src1 gives {:?}", d.ne, want)));
    }
    if b.ne[2] % a.ne[2] != 0 || b.ne[3] % a.ne[3] != 0 {
        return Err(invalid(format!("src0 {:?} does not broadcast over src1 {:?} in dimensions 2 and 3", a.ne, b.ne)));
    }
    require_row_contiguous(&a, "src0")?;
    require_row_contiguous(&b, "src1")?;
    require_row_contiguous(&d, "dst")?;
    let args = b.encode(a.encode(d.encode(Args::new()))).u32(b.ne[2] / a.ne[2]).u32(b.ne[3] / a.ne[3]).finish();
    if kernel == vec {
        return Ok(elementwise(caps, kernel, d.elements(), args));
    }
    let grid = [d.ne[0].div_ceil(tile[0]), d.ne[1].div_ceil(tile[1]), d.ne[2] * d.ne[3]];
    if (0..3).any(|i| grid[i] > caps.max_grid[i]) {
        return Err(unsupported(format!("dst {:?} needs a grid of {grid:?} blocks; the device allows {:?}", d.ne, caps.max_grid)));
    }
    Ok(Launch { kernel, grid, block: [16, 16, 1], args })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::test_caps;

    fn t(ty: i32, ne: [i64; 4]) -> Tensor {
        crate::tensor::contiguous(ty, ne)
    }

    #[test]
    fn ggml_shapes_plan_one_tiled_launch() {
        let caps = test_caps();
        let a = t(0, [64, 100, 2, 1]);
        let b = t(0, [64, 7, 8, 1]);
        let d = t(0, [100, 7, 8, 1]);
        let l = plan(&caps, &d, &a, &b).unwrap();
        assert_eq!((l.kernel, l.grid, l.block, l.args.len()), ("mul_mat_wide_f32", [1, 1, 8], [16, 16, 1], 128));
        let (b40, d40) = (t(0, [64, 40, 8, 1]), t(0, [100, 40, 8, 1]));
        assert_eq!(plan(&caps, &d40, &a, &b40).unwrap().grid, [2, 1, 8], "64 x 64 tiles above 32 rows");
        assert_eq!(&l.args[120..124], &4u32.to_ne_bytes(), "r2 = 8 / 2");
        let q = t(8, [64, 100, 2, 1]);
        assert_eq!(plan(&caps, &d, &q, &b).unwrap().kernel, "mul_mat_wide_q8_0");
        // One column (a decoding step): one thread per dst element, grid-stride.
        let (b1, d1) = (t(0, [64, 1, 8, 1]), t(0, [100, 1, 8, 1]));
        let l = plan(&caps, &d1, &q, &b1).unwrap();
        assert_eq!((l.kernel, l.grid, l.block, l.args.len()), ("mul_mat_vec_q8_0", [4, 1, 1], [256, 1, 1], 128));
    }

    #[test]
    fn mismatches_and_unsupported_layouts_are_refused() {
        let caps = test_caps();
        let a = t(0, [64, 100, 1, 1]);
        let b = t(0, [32, 7, 1, 1]);
        let d = t(0, [100, 7, 1, 1]);
        assert!(plan(&caps, &d, &a, &b).unwrap_err().message.contains("reduced dimension"));
        let b = t(0, [64, 7, 3, 1]);
        let d3 = t(0, [100, 7, 3, 1]);
        assert_eq!(plan(&caps, &d3, &t(0, [64, 100, 2, 1]), &b).unwrap_err().status, flaghal_sys::FH_ERROR_INVALID_VALUE);
        let mut transposed = a;
        transposed.nb[0] = 400;
        assert_eq!(plan(&caps, &d, &transposed, &t(0, [64, 7, 1, 1])).unwrap_err().status, flaghal_sys::FH_ERROR_NOT_SUPPORTED);
        let no_f16 = Caps { f16: false, q8_0: false, ..caps };
        let h = t(1, [64, 100, 1, 1]);
        assert!(plan(&no_f16, &d, &h, &t(0, [64, 7, 1, 1])).unwrap_err().message.contains("FLOAT16"));
    }
}
