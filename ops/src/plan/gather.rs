//! fhopsGetRows, fhopsSetRows, fhopsCpy: one thread per element
//! (get_rows_*, set_rows_*, cpy_*_*).

use super::{elementwise, Caps, Launch};
use crate::error::invalid;
use crate::tensor::{require_row_contiguous, require_type, Tensor, Type, View};
use flaghal_client::Args;
use flaghal_sys::FfiResult;

pub fn get_rows(caps: &Caps, dst: &Tensor, src: &Tensor, rows: &Tensor) -> FfiResult<Launch> {
    let (d, s, r) = (View::new(dst, "dst")?, View::new(src, "src")?, View::new(rows, "rows")?);
    require_type(&d, &[Type::F32], "dst")?;
    require_type(&s, &[Type::F32, Type::F16, Type::Q8_0], "src")?;
    require_type(&r, &[Type::I32], "rows")?;
    require_row_contiguous(&s, "src")?;
    let kernel = match s.ty {
        Type::F16 => {
            caps.require_f16("src")?;
            "get_rows_f16"
        }
        Type::Q8_0 => {
            caps.require_q8_0("src")?;
            "get_rows_q8_0"
        }
        _ => "get_rows_f32",
    };
    if r.ne[1] != s.ne[2] || r.ne[2] != s.ne[3] || r.ne[3] != 1 {
        return Err(invalid(format!("rows {:?} must be {{n, {}, {}, 1}} for src {:?}", r.ne, s.ne[2], s.ne[3], s.ne)));
    }
    let want = [s.ne[0], r.ne[0], s.ne[2], s.ne[3]];
    if d.ne != want {
        return Err(invalid(format!("dst has shape {:?}; get_rows gives {want:?}", d.ne)));
    }
    let n = d.elements();
    let args = r.encode(s.encode(d.encode(Args::new()))).u32(n).finish();
    Ok(elementwise(caps, kernel, n, args))
}

pub fn set_rows(caps: &Caps, dst: &Tensor, src: &Tensor, rows: &Tensor) -> FfiResult<Launch> {
    let (d, s, r) = (View::new(dst, "dst")?, View::new(src, "src")?, View::new(rows, "rows")?);
    require_type(&d, &[Type::F32, Type::F16], "dst")?;
    require_type(&s, &[Type::F32], "src")?;
    require_type(&r, &[Type::I64, Type::I32], "rows")?;
    let kernel = if d.ty == Type::F16 {
        caps.require_f16("dst")?;
        "set_rows_f16"
    } else {
        "set_rows_f32"
    };
    if d.ne[0] != s.ne[0] || d.ne[2] != s.ne[2] || d.ne[3] != s.ne[3] {
        return Err(invalid(format!("dst {:?} and src {:?} differ outside dimension 1", d.ne, s.ne)));
    }
    if r.ne[0] != s.ne[1] || s.ne[2] % r.ne[1] != 0 || s.ne[3] % r.ne[2] != 0 || r.ne[3] != 1 {
        return Err(invalid(format!("rows {:?} must be {{{}, a divisor of {}, a divisor of {}, 1}}", r.ne, s.ne[1], s.ne[2], s.ne[3])));
    }
    let n = s.elements();
    let args = r.encode(s.encode(d.encode(Args::new()))).u32(u32::from(r.ty == Type::I64)).u32(n).finish();
    Ok(elementwise(caps, kernel, n, args))
}

pub fn cpy(caps: &Caps, dst: &Tensor, src: &Tensor) -> FfiResult<Launch> {
    let (d, s) = (View::new(dst, "dst")?, View::new(src, "src")?);
    require_type(&d, &[Type::F32, Type::F16], "dst")?;
    require_type(&s, &[Type::F32, Type::F16], "src")?;
    let kernel = match (s.ty, d.ty) {
        (Type::F32, Type::F32) => "cpy_f32_f32",
        (Type::F32, _) => "cpy_f32_f16",
        (_, Type::F32) => "cpy_f16_f32",
        _ => "cpy_f16_f16",
    };
    if kernel != "cpy_f32_f32" {
        caps.require_f16("cpy")?;
    }
    if d.elements() != s.elements() {
        return Err(invalid(format!("dst {:?} and src {:?} hold different numbers of elements", d.ne, s.ne)));
    }
    let n = d.elements();
    let args = s.encode(d.encode(Args::new())).u32(n).finish();
    Ok(elementwise(caps, kernel, n, args))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::test_caps;

    fn t(ty: i32, ne: [i64; 4]) -> Tensor {
        crate::tensor::contiguous(ty, ne)
    }

    #[test]
    fn shapes_follow_ggml() {
        let caps = test_caps();
        let table = t(8, [64, 10, 1, 1]);
        let l = get_rows(&caps, &t(0, [64, 3, 1, 1]), &table, &t(26, [3, 1, 1, 1])).unwrap();
        assert_eq!((l.kernel, l.args.len()), ("get_rows_q8_0", 128));
        assert!(get_rows(&caps, &t(0, [64, 4, 1, 1]), &table, &t(26, [3, 1, 1, 1])).is_err());
        let cache = t(1, [32, 100, 1, 1]);
        let l = set_rows(&caps, &cache, &t(0, [32, 5, 1, 1]), &t(27, [5, 1, 1, 1])).unwrap();
        assert_eq!((l.kernel, &l.args[120..124]), ("set_rows_f16", &1u32.to_ne_bytes()[..]));
        assert!(set_rows(&caps, &cache, &t(0, [32, 5, 1, 1]), &t(27, [4, 1, 1, 1])).is_err());
        assert_eq!(cpy(&caps, &t(1, [6, 1, 1, 1]), &t(0, [2, 3, 1, 1])).unwrap().kernel, "cpy_f32_f16");
        assert!(cpy(&caps, &t(0, [5, 1, 1, 1]), &t(0, [2, 3, 1, 1])).is_err());
    }
}
