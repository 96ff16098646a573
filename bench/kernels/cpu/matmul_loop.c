/* The CPU baseline of flaghal-bench's matmul rows: c = a * b for row-major
 * f32 matrices, written the straightforward way, an i-k-j triple loop (the
 * inner loop streams a row of b into a row of c). It computes `rows` rows:
 * a_rows is rows x k (the first row of a slice of a), b is k x n, c_rows is
 * rows x n, so the bench splits the rows over threads by slicing
 * (bench/src/matmul_host.rs). Compiled -O2 by bench/build.rs, the
 * optimisation level of the kernel bundle's native image, and linked into
 * the bench binary. */
#include <stddef.h>
#include <stdint.h>

void flaghal_bench_matmul_rows(const float *restrict a_rows, const float *restrict b, float *restrict c_rows,
                               uint32_t rows, uint32_t n, uint32_t k);

void flaghal_bench_matmul_rows(const float *restrict a_rows, const float *restrict b, float *restrict c_rows,
                               uint32_t rows, uint32_t n, uint32_t k) {
    for (size_t i = 0; i < rows; ++i) {
        float *restrict ci = c_rows + i * n;
        for (size_t j = 0; j < n; ++j) ci[j] = 0.0f;
        for (size_t p = 0; p < k; ++p) {
            const float aip = a_rows[i * k + p];
            const float *restrict bp = b + p * n;
            for (size_t j = 0; j < n; ++j) ci[j] += aip * bp[j];
        }
    }
}
