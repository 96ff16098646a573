/*
 * scale: y[i] = factor * x[i] for i < n, one thread per element. x and y may
 * be the same buffer (each element is read before it is written).
 * Native CPU module (include/flaghal/flaghal_cpu_kernel.h).
 *
 * Argument blob (C struct, natural alignment, 24 bytes). A SPIR-V version of
 * this kernel (scale.spv) takes the same blob.
 *   offset  0: fh_deviceptr_t x   (n floats, read)
 *   offset  8: fh_deviceptr_t y   (n floats, written)
 *   offset 16: float factor
 *   offset 20: uint32_t n         (element count)
 * Launch with any 1-D grid covering n: grid_x * block_x >= n.
 */
#include <flaghal/flaghal_cpu_kernel.h>

struct scale_args {
    uint64_t x;
    uint64_t y;
    float factor;
    uint32_t n;
};

FH_CPU_KERNEL(scale, 0, 0) {
    const struct scale_args *p = (const struct scale_args *)args;
    const float *x = FH_CPU_PTR(const float, p->x);
    float *y = FH_CPU_PTR(float, p->y);
    uint64_t first = (uint64_t)ctx->block_idx[0] * ctx->block_dim[0];
    uint32_t t;
    for (t = 0; t < ctx->block_dim[0]; ++t) {
        uint64_t i = first + t;
        if (i < p->n) {
            y[i] = p->factor * x[i];
        }
    }
}
