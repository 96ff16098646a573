/* Reference kernels (docs/kernels.md): a busy kernel and a failing one. */
#include <stdio.h>
#include <flaghal/flaghal_cpu_kernel.h>

struct spin_args { uint64_t out; uint64_t iterations; uint32_t seed; };

FH_CPU_KERNEL(spin, 0, 0) {
    const struct spin_args *a = (const struct spin_args *)args;
    if (ctx->block_idx[0] != 0 || ctx->block_idx[1] != 0 || ctx->block_idx[2] != 0) return;
    uint32_t x = a->seed;
    for (uint64_t i = 0; i < a->iterations; ++i) {
        x = x * 1664525u + 1013904223u;
        __asm__ volatile("" : "+r"(x)); /* keep the loop: no closed form */
    }
    *FH_CPU_PTR(uint32_t, a->out) = x;
}

struct fault_args { uint32_t code; };

FH_CPU_KERNEL(fault, 0, 0) {
    const struct fault_args *a = (const struct fault_args *)args;
    char message[64];
    snprintf(message, sizeof message, "fault: deliberate failure %u", (unsigned)a->code);
    ctx->fail(ctx, message);
}
