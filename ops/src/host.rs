//! Host-side F16 and Q8_0 conversions, ggml's: binary16 with round to
//! nearest even, and quantize_row_q8_0_ref (per 32 values d = max|x| / 127,
//! q = round(x / d)). Pure; for programs that prepare tensors on the host
//! and for the tests' and flaghal-bench's references.

/// f32 -> IEEE binary16 bits, round to nearest even.
pub fn f16_bits(x: f32) -> u16 {
    let bits = x.to_bits();
    let sign = ((bits >> 16) & 0x8000) as u16;
    let exp = ((bits >> 23) & 0xff) as i32;
    let man = bits & 0x7f_ffff;
    if exp == 0xff {
        return sign | 0x7c00 | if man != 0 { 0x200 } else { 0 };
    }
    let e = exp - 127 + 15;
    if e >= 31 {
        return sign | 0x7c00;
    }
    if e <= 0 {
        if e < -10 {
            return sign;
        }
        let m = man | 0x80_0000;
        let shift = (14 - e) as u32;
        let half = 1u32 << (shift - 1);
        let rounded = (m + half - 1 + ((m >> shift) & 1)) >> shift;
        return sign | rounded as u16;
    }
    let half_bits = ((e as u32) << 10) | (man >> 13);
    let rest = man & 0x1fff;
    let round_up = rest > 0x1000 || (rest == 0x1000 && half_bits & 1 == 1);
    sign | (half_bits + u32::from(round_up)) as u16
}

/// IEEE binary16 bits -> f32 (exact).
pub fn f16_value(h: u16) -> f32 {
    let sign = if h & 0x8000 != 0 { -1.0f32 } else { 1.0 };
    let exp = (h >> 10) & 0x1f;
    let man = f32::from(h & 0x3ff);
    match exp {
        0 => sign * man * 2f32.powi(-24),
        31 => {
            if man == 0.0 {
                sign * f32::INFINITY
            } else {
                f32::NAN
            }
        }
        _ => sign * (1.0 + man / 1024.0) * 2f32.powi(i32::from(exp) - 15),
    }
}

pub fn to_f16_bytes(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|&v| f16_bits(v).to_le_bytes()).collect()
}

pub fn from_f16_bytes(bytes: &[u8]) -> Vec<f32> {
    bytes.chunks(2).map(|c| f16_value(u16::from_le_bytes([c[0], c[1]]))).collect()
}

/// ggml's quantize_row_q8_0_ref: per 32 values, d = max|x| / 127, q =
/// round(x / d); blocks of d (binary16) then 32 int8.
pub fn quantize_q8_0(values: &[f32]) -> Vec<u8> {
    assert_eq!(values.len() % 32, 0);
    let mut out = Vec::new();
    for block in values.chunks(32) {
        let amax = block.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let d = amax / 127.0;
        let id = if d != 0.0 { 1.0 / d } else { 0.0 };
        out.extend_from_slice(&f16_bits(d).to_le_bytes());
        out.extend(block.iter().map(|v| (v * id).round() as i8 as u8));
    }
    out
}

pub fn dequantize_q8_0(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks(34)
        .flat_map(|b| {
            let d = f16_value(u16::from_le_bytes([b[0], b[1]]));
            b[2..].iter().map(move |&q| d * f32::from(q as i8))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary16_rounds_to_nearest_even_and_round_trips() {
        assert_eq!(f16_bits(1.0), 0x3c00);
        assert_eq!(f16_bits(-2.0), 0xc000);
        assert_eq!(f16_bits(65504.0), 0x7bff);
        assert_eq!(f16_bits(1e6), 0x7c00, "overflow is infinity");
        assert_eq!(f16_bits(2f32.powi(-24)), 0x0001, "the smallest subnormal");
        assert_eq!(f16_bits(1e-9), 0x0000);
        assert_eq!(f16_bits(1.0 + 2f32.powi(-11)), 0x3c00, "a tie rounds to even");
        assert_eq!(f16_bits(1.0 + 3.0 * 2f32.powi(-11)), 0x3c02, "a tie rounds to even, up");
        assert!(f16_value(f16_bits(f32::NAN)).is_nan());
        for h in [0x0001u16, 0x03ff, 0x0400, 0x3555, 0x7bff, 0xbc00] {
            assert_eq!(f16_bits(f16_value(h)), h);
        }
    }

    #[test]
    fn q8_0_blocks_are_a_scale_and_32_quants() {
        let values: Vec<f32> = (0..64).map(|i| i as f32 - 20.0).collect();
        let q = quantize_q8_0(&values);
        assert_eq!(q.len(), 68);
        let d = f16_value(u16::from_le_bytes([q[0], q[1]]));
        assert_eq!(d, f16_value(f16_bits(20.0 / 127.0)));
        assert_eq!(q[2] as i8, -127, "the largest magnitude maps to 127");
        let back = dequantize_q8_0(&q);
        assert!(values.iter().zip(&back).all(|(v, b)| (v - b).abs() <= 43.0 / 254.0 + 1e-3));
    }
}
