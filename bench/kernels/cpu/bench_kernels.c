/* Native CPU kernels of flaghal-bench (flaghal_cpu_kernel.h), compiled by
 * bench/build.rs with the cc crate's compiler and embedded in the binary. */
#include <flaghal/flaghal_cpu_kernel.h>

/* empty: does nothing; measures what a launch costs by itself. */
FH_CPU_KERNEL(empty, 0, 0) {
    (void)ctx;
    (void)args;
}

/* saxpy: y[i] = a * x[i] + y[i] for i < n. Each block takes one contiguous
 * slice of ceil(n / grid_x) elements, so the loop is a plain streaming loop
 * the compiler vectorises; block_dim only sets how many blocks there are. */
struct saxpy_args {
    uint64_t x; /* 0: const float[n] */
    uint64_t y; /* 8: float[n] */
    float a;    /* 16 */
    uint32_t n; /* 20 */
};              /* sizeof 24 */

FH_CPU_KERNEL(saxpy, 0, 0) {
    const struct saxpy_args *p = (const struct saxpy_args *)args;
    const float *restrict x = FH_CPU_PTR(const float, p->x);
    float *restrict y = FH_CPU_PTR(float, p->y);
    uint64_t n = p->n;
    uint64_t blocks = ctx->grid_dim[0];
    uint64_t chunk = (n + blocks - 1) / blocks;
    uint64_t begin = (uint64_t)ctx->block_idx[0] * chunk;
    uint64_t end = begin + chunk < n ? begin + chunk : n;
    float a = p->a;
    for (uint64_t i = begin; i < end; ++i) {
        y[i] = a * x[i] + y[i];
    }
}
