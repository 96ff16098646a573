//! flaghal_ops.h's tensor descriptor (`fhops_tensor_t`), its element types,
//! and the checks every operator shares: what a kernel's view
//! (ops/kernels/fhops_view.h) can hold. Pure.

use crate::error::{invalid, unsupported};
use flaghal_client::Args;
use flaghal_sys::FfiResult;

/// `fhops_tensor_t`, field for field.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tensor {
    pub data: u64,
    /// An `fhops_type_t` (ggml_type) value.
    pub ty: i32,
    pub ne: [i64; 4],
    pub nb: [usize; 4],
}

// The C layout: data @0, type @8, ne @16, nb @48, sizeof 80 (LP64).
const _: () = assert!(std::mem::size_of::<Tensor>() == 80);
const _: () = assert!(std::mem::offset_of!(Tensor, ne) == 16 && std::mem::offset_of!(Tensor, nb) == 48);

/// The element types of flaghal_ops.h (values are ggml_type's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Type {
    F32,
    F16,
    Q8_0,
    I32,
    I64,
}

impl Type {
    pub fn from_raw(raw: i32) -> Option<Type> {
        Some(match raw {
            0 => Type::F32,
            1 => Type::F16,
            8 => Type::Q8_0,
            26 => Type::I32,
            27 => Type::I64,
            _ => return None,
        })
    }

    /// Bytes of one element, or of one block for Q8_0 (nb[0] of a
    /// contiguous row).
    pub fn unit_bytes(self) -> usize {
        match self {
            Type::F32 | Type::I32 => 4,
            Type::F16 => 2,
            Type::Q8_0 => 34,
            Type::I64 => 8,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Type::F32 => "F32",
            Type::F16 => "F16",
            Type::Q8_0 => "Q8_0",
            Type::I32 => "I32",
            Type::I64 => "I64",
        }
    }
}

/// Largest element count (of a tensor, and per dimension) an operator call
/// takes: kernels index in 32 bits.
pub const MAX_ELEMENTS: u64 = (1 << 31) - 1;

/// A checked tensor: its type known, every count in [1, 2^31), every
/// stride below 2^32 (what the kernels' views hold).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct View {
    pub data: u64,
    pub ty: Type,
    pub ne: [u32; 4],
    pub nb: [u32; 4],
}

impl View {
    /// Checks `t` (named `what` in messages) and converts it.
    pub fn new(t: &Tensor, what: &str) -> FfiResult<View> {
        let ty = Type::from_raw(t.ty).ok_or_else(|| unsupported(format!("{what}: element type {} is not one of flaghal_ops.h's", t.ty)))?;
        let mut ne = [0u32; 4];
        let mut total: u64 = 1;
        for (d, (out, &n)) in ne.iter_mut().zip(&t.ne).enumerate() {
            if n < 1 {
                return Err(invalid(format!("{what}: ne[{d}] is {n}; every count is at least 1")));
            }
            total = total.saturating_mul(n as u64);
            if n as u64 > MAX_ELEMENTS || total > MAX_ELEMENTS {
                return Err(unsupported(format!("{what}: {:?} elements; an operator takes fewer than 2^31", t.ne)));
            }
            *out = n as u32;
        }
        let mut nb = [0u32; 4];
        for (d, (out, &b)) in nb.iter_mut().zip(&t.nb).enumerate() {
            *out = u32::try_from(b).map_err(|_| unsupported(format!("{what}: nb[{d}] = {b} bytes; strides must be below 2^32")))?;
        }
        if ty == Type::Q8_0 && ne[0] % 32 != 0 {
            return Err(invalid(format!("{what}: a Q8_0 tensor's ne[0] ({}) is a multiple of 32", ne[0])));
        }
        Ok(View { data: t.data, ty, ne, nb })
    }

    pub fn elements(&self) -> u32 {
        self.ne.iter().product()
    }

    /// Dimension 0 is contiguous: nb[0] is one element (one block for Q8_0).
    pub fn row_contiguous(&self) -> bool {
        self.nb[0] as usize == self.ty.unit_bytes()
    }

    /// This view with `ne[0]` elements from element `first` of dimension 0.
    pub fn slice0(&self, first: u32, count: u32) -> View {
        let mut v = *self;
        v.data += u64::from(first) * u64::from(self.nb[0]);
        v.ne[0] = count;
        v
    }

    /// Appends the kernels' `fhops_view` (40 bytes, 8-aligned).
    pub fn encode(&self, args: Args) -> Args {
        let mut args = args.u64(self.data);
        for n in self.ne {
            args = args.u32(n);
        }
        for b in self.nb {
            args = args.u32(b);
        }
        args
    }
}

/// `what` has one of `types`.
pub fn require_type(v: &View, types: &[Type], what: &str) -> FfiResult {
    if types.contains(&v.ty) {
        return Ok(());
    }
    let names: Vec<&str> = types.iter().map(|t| t.name()).collect();
    Err(unsupported(format!("{what} is {}; this operator takes {}", v.ty.name(), names.join(" or "))))
}

/// `a` and `b` have one shape.
pub fn require_same_shape(a: &View, b: &View, what: &str) -> FfiResult {
    if a.ne == b.ne {
        Ok(())
    } else {
        Err(invalid(format!("{what}: shapes {:?} and {:?} differ", a.ne, b.ne)))
    }
}

/// Dimension 0 of `v` is contiguous.
pub fn require_row_contiguous(v: &View, what: &str) -> FfiResult {
    if v.row_contiguous() {
        Ok(())
    } else {
        Err(unsupported(format!("{what}: nb[0] is {} bytes; this operator needs dimension 0 contiguous ({} bytes)", v.nb[0], v.ty.unit_bytes())))
    }
}

/// A contiguous tensor of type `ty` (a raw value this file knows) at
/// address 256, for the unit tests.
#[cfg(test)]
pub(crate) fn contiguous(ty: i32, ne: [i64; 4]) -> Tensor {
    let t = Type::from_raw(ty).expect("a known type");
    let per_unit = if t == Type::Q8_0 { 32 } else { 1 };
    let row = t.unit_bytes() * (ne[0] / per_unit) as usize;
    Tensor { data: 256, ty, ne, nb: [t.unit_bytes(), row, row * ne[1] as usize, row * (ne[1] * ne[2]) as usize] }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f32(ne: [i64; 4]) -> Tensor {
        contiguous(0, ne)
    }

    #[test]
    fn views_check_counts_types_and_strides() {
        let v = View::new(&f32([3, 2, 1, 1]), "x").unwrap();
        assert_eq!((v.ne, v.nb, v.elements()), ([3, 2, 1, 1], [4, 12, 24, 24], 6));
        assert!(View::new(&f32([0, 2, 1, 1]), "x").unwrap_err().message.contains("ne[0] is 0"));
        assert!(View::new(&f32([1 << 16, 1 << 16, 1, 1]), "x").unwrap_err().message.contains("2^31"));
        let mut t = f32([3, 1, 1, 1]);
        t.ty = 2; // Q4_0
        assert!(View::new(&t, "x").unwrap_err().message.contains("element type 2"));
        t.ty = 8;
        t.nb[0] = 34;
        assert!(View::new(&t, "w").unwrap_err().message.contains("multiple of 32"));
        let mut t = f32([3, 1, 1, 1]);
        t.nb[3] = 1 << 33;
        assert!(View::new(&t, "x").unwrap_err().message.contains("nb[3]"));
    }

    #[test]
    fn a_view_encodes_as_the_kernels_struct() {
        let v = View::new(&f32([3, 2, 1, 1]), "x").unwrap();
        let bytes = v.encode(Args::new().u32(7)).finish();
        assert_eq!(bytes.len(), 48, "u32, pad to 8, then 40 bytes");
        assert_eq!(&bytes[8..16], &256u64.to_ne_bytes());
        assert_eq!(&bytes[16..20], &3u32.to_ne_bytes());
        assert_eq!(&bytes[32..36], &4u32.to_ne_bytes());
        assert_eq!(v.slice0(1, 2).data, 260);
    }
}
