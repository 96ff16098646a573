//! The host side of the matmul section: the problem (inputs of small
//! integers, so every product is exact in f32 and a result is right or
//! wrong, not close), its exact reference, and the plain C baseline
//! (kernels/cpu/matmul_loop.c, linked by build.rs) run over all cores.

use crate::bench_saxpy::threads;
use crate::measure::Sample;

/// The name of the host baseline rows: the plain C loop below.
pub const C_LOOP: &str = "plain C i-k-j loop (-O2, rows over all cores)";

/// `flop` operations in `seconds`, as GFLOP/s (a sample of any matmul row).
pub fn gflops(flop: f64, seconds: f64) -> Sample {
    if seconds <= 0.0 {
        return Err(format!("{flop} FLOP took no measurable time"));
    }
    Ok(flop / seconds / 1e9)
}

extern "C" {
    /// kernels/cpu/matmul_loop.c: `rows` rows of c = a * b.
    fn flaghal_bench_matmul_rows(a_rows: *const f32, b: *const f32, c_rows: *mut f32, rows: u32, n: u32, k: u32);
}

/// c (m x n) = a (m x k) * b (k x n), row-major f32.
pub struct Problem {
    pub m: usize,
    pub n: usize,
    pub k: usize,
    pub a: Vec<f32>,
    pub b: Vec<f32>,
    /// The exact product.
    pub want: Vec<f32>,
}

/// Element `i` of a and of b (row-major), the pattern of c-examples/matmul.c:
/// a in -4..=4, b in -3..=3. src/matmul_numpy.py builds the same.
pub fn a_value(i: usize) -> f32 {
    ((i * 7 + 3) % 9) as f32 - 4.0
}

pub fn b_value(i: usize) -> f32 {
    ((i * 5 + 1) % 7) as f32 - 3.0
}

impl Problem {
    pub fn new(m: usize, n: usize, k: usize) -> Result<Problem, String> {
        // |c| <= 4 * 3 * k: exact in f32 (24-bit significand) below 2^24.
        if 12 * k >= 1 << 24 {
            return Err(format!("k = {k} is too large for exact f32 results"));
        }
        let a: Vec<f32> = (0..m * k).map(a_value).collect();
        let b: Vec<f32> = (0..k * n).map(b_value).collect();
        // Integer reference: exact whatever the summation order.
        let ai: Vec<i32> = a.iter().map(|&v| v as i32).collect();
        let bi: Vec<i32> = b.iter().map(|&v| v as i32).collect();
        let mut acc = vec![0i32; n];
        let mut want = vec![0.0f32; m * n];
        for i in 0..m {
            acc.fill(0);
            for p in 0..k {
                let aip = ai[i * k + p];
                for (c, &bv) in acc.iter_mut().zip(&bi[p * n..(p + 1) * n]) {
                    *c += aip * bv;
                }
            }
            for (w, &c) in want[i * n..(i + 1) * n].iter_mut().zip(&acc) {
                *w = c as f32;
            }
        }
        Ok(Problem { m, n, k, a, b, want })
    }

    /// Floating-point operations of one product (a multiply and an add per
    /// term).
    pub fn flop(&self) -> f64 {
        2.0 * self.m as f64 * self.n as f64 * self.k as f64
    }

    /// "m x n x k".
    pub fn shape(&self) -> String {
        format!("{} x {} x {}", self.m, self.n, self.k)
    }

    /// Ok when `got` is exactly the product, else the first wrong element.
    pub fn check(&self, what: &str, got: &[f32]) -> Result<(), String> {
        if got.len() != self.want.len() {
            return Err(format!("{what}: {} elements, expected {}", got.len(), self.want.len()));
        }
        match got.iter().zip(&self.want).position(|(g, w)| g != w) {
            None => Ok(()),
            Some(i) => Err(format!(
                "{what} computed a wrong product ({}): c[{}][{}] = {}, expected {}",
                self.shape(),
                i / self.n,
                i % self.n,
                got[i],
                self.want[i]
            )),
        }
    }

    /// Σ c[i] * (i % 13 + 1) over the exact product, in f64: the checksum
    /// the numpy child reports for its own result (exact: integers below 2^53).
    pub fn checksum(&self) -> f64 {
        checksum(&self.want)
    }
}

pub fn checksum(c: &[f32]) -> f64 {
    c.iter().enumerate().map(|(i, &v)| f64::from(v) * (i % 13 + 1) as f64).sum()
}

/// The plain C loop over one block of rows.
fn c_loop_rows(a_rows: &[f32], b: &[f32], c_rows: &mut [f32], n: usize, k: usize) {
    let rows = c_rows.len() / n;
    assert!(a_rows.len() == rows * k && b.len() == k * n && c_rows.len() == rows * n, "matmul slice sizes");
    let narrow = |v: usize| u32::try_from(v).expect("matmul sizes fit in u32");
    // SAFETY: the C function reads rows*k floats of a_rows and k*n of b and
    // writes rows*n of c_rows, exactly the slices' lengths (asserted above);
    // c_rows is a unique borrow, so it overlaps neither input.
    unsafe { flaghal_bench_matmul_rows(a_rows.as_ptr(), b.as_ptr(), c_rows.as_mut_ptr(), narrow(rows), narrow(n), narrow(k)) }
}

/// c = a * b with the plain C loop, the rows split evenly over one thread per
/// core (as the SAXPY section's multithreaded loop splits its elements).
pub fn c_loop(p: &Problem, c: &mut [f32]) {
    let rows = p.m.div_ceil(threads()).max(1);
    std::thread::scope(|scope| {
        for (c_rows, a_rows) in c.chunks_mut(rows * p.n).zip(p.a.chunks(rows * p.k)) {
            scope.spawn(move || c_loop_rows(a_rows, &p.b, c_rows, p.n, p.k));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_is_the_product_and_a_wrong_element_is_named() {
        // a = [[a0 a1 a2], [a3 a4 a5]], b = [[b0 b1], [b2 b3], [b4 b5]].
        let p = Problem::new(2, 2, 3).unwrap();
        let (a, b) = (&p.a, &p.b);
        let c01 = a[0] * b[1] + a[1] * b[3] + a[2] * b[5];
        let c10 = a[3] * b[0] + a[4] * b[2] + a[5] * b[4];
        assert_eq!((p.want[1], p.want[2]), (c01, c10));
        assert!(p.check("x", &p.want).is_ok());
        let mut wrong = p.want.clone();
        wrong[3] += 1.0;
        assert!(p.check("x", &wrong).unwrap_err().contains("c[1][1]"));
        assert!(p.check("x", &wrong[..3]).is_err());
    }

    #[test]
    fn the_c_loop_computes_the_exact_product_on_a_ragged_size() {
        let p = Problem::new(67, 35, 19).unwrap();
        let mut c = vec![f32::NAN; p.m * p.n];
        c_loop(&p, &mut c);
        p.check("plain C loop", &c).unwrap();
        assert_eq!(checksum(&c), p.checksum());
        assert_ne!(p.checksum(), 0.0);
    }
}
