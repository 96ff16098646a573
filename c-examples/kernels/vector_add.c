/*
 * vector_add: c[i] = a[i] + b[i] for i < n, one thread per element.
 * Native CPU module (include/flaghal/flaghal_cpu_kernel.h); build with
 *   cc -std=c99 -O2 -shared -fPIC -Iinclude c-examples/kernels/vector_add.c -o vector_add.so
 *
 * Argument blob (C struct, natural alignment, 32 bytes). A SPIR-V version of
 * this kernel (vector_add.spv) takes the same blob.
 *   offset  0: fh_deviceptr_t a   (n floats, read)
 *   offset  8: fh_deviceptr_t b   (n floats, read)
 *   offset 16: fh_deviceptr_t c   (n floats, written)
 *   offset 24: uint32_t n         (element count)
 *   offset 28: 4 bytes of padding
 * Launch with any 1-D grid covering n: grid_x * block_x >= n.
 */
#include <flaghal/flaghal_cpu_kernel.h>

struct vector_add_args {
    uint64_t a;
    uint64_t b;
    uint64_t c;
    uint32_t n;
};

FH_CPU_KERNEL(vector_add, 0, 0) {
    const struct vector_add_args *p = (const struct vector_add_args *)args;
    const float *a = FH_CPU_PTR(const float, p->a);
    const float *b = FH_CPU_PTR(const float, p->b);
    float *c = FH_CPU_PTR(float, p->c);
    uint64_t first = (uint64_t)ctx->block_idx[0] * ctx->block_dim[0];
    uint32_t t;
    for (t = 0; t < ctx->block_dim[0]; ++t) {
        uint64_t i = first + t;
        if (i < p->n) {
            c[i] = a[i] + b[i];
        }
    }
}
