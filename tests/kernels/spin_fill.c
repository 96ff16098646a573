/*
 * spin_fill: a deliberately slow kernel for the ordering tests. Every block
 * first burns `spin` iterations of a loop the compiler may not remove, then
 * writes out[i] = value for its elements i < n. A synchronous copy issued
 * right after the launch sees `value` only if it really waited for the kernel.
 *
 * Argument blob (C struct, natural alignment, 24 bytes):
 *   offset  0: fh_deviceptr_t out (n uint32_t, written)
 *   offset  8: uint32_t value
 *   offset 12: uint32_t n
 *   offset 16: uint64_t spin      (busy-loop iterations per block)
 */
#include <flaghal/flaghal_cpu_kernel.h>

struct spin_fill_args {
    uint64_t out;
    uint32_t value;
    uint32_t n;
    uint64_t spin;
};

FH_CPU_KERNEL(spin_fill, 0, 0) {
    const struct spin_fill_args *p = (const struct spin_fill_args *)args;
    uint32_t *out = FH_CPU_PTR(uint32_t, p->out);
    uint64_t first = (uint64_t)ctx->block_idx[0] * ctx->block_dim[0];
    volatile uint64_t sink = 0;
    uint64_t k;
    uint32_t t;
    for (k = 0; k < p->spin; ++k) {
        sink = sink + k;
    }
    for (t = 0; t < ctx->block_dim[0]; ++t) {
        uint64_t i = first + t;
        if (i < p->n) {
            out[i] = p->value;
        }
    }
}
