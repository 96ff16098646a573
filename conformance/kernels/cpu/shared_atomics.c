/* Reference kernels (docs/kernels.md): shared memory with barriers, atomics. */
#include <flaghal/flaghal_cpu_kernel.h>

struct block_reduce_shared_args { uint64_t in; uint64_t out; uint32_t n; };

/* A block barrier on the CPU is the boundary between two loops over threads. */
FH_CPU_KERNEL(block_reduce_shared, 0, 0) {
    const struct block_reduce_shared_args *a = (const struct block_reduce_shared_args *)args;
    uint32_t threads = ctx->block_dim[0];
    if (ctx->shared_memory_size < (size_t)threads * 4u || (threads & (threads - 1u)) != 0) {
        ctx->fail(ctx, "block_reduce_shared: needs 4*block_x bytes of shared memory and a power-of-two block_x");
        return;
    }
    const uint32_t *in = FH_CPU_PTR(const uint32_t, a->in);
    uint32_t *out = FH_CPU_PTR(uint32_t, a->out);
    uint32_t *shared = (uint32_t *)ctx->shared_memory;
    uint64_t base = (uint64_t)ctx->block_idx[0] * threads;
    for (uint32_t t = 0; t < threads; ++t) {
        uint64_t i = base + t;
        shared[t] = i < a->n ? in[i] : 0u;
    }
    for (uint32_t stride = threads / 2u; stride > 0; stride /= 2u) {
        /* barrier */
        for (uint32_t t = 0; t < stride; ++t) shared[t] += shared[t + stride];
    }
    out[ctx->block_idx[0]] = shared[0];
}

/* The linear id of thread (tx, ty, tz) of this block over the whole launch. */
static uint64_t linear_thread(const fh_cpu_kernel_context_t *ctx, uint32_t tx, uint32_t ty, uint32_t tz) {
    uint64_t gsx = (uint64_t)ctx->grid_dim[0] * ctx->block_dim[0];
    uint64_t gsy = (uint64_t)ctx->grid_dim[1] * ctx->block_dim[1];
    uint64_t gx = (uint64_t)ctx->block_idx[0] * ctx->block_dim[0] + tx;
    uint64_t gy = (uint64_t)ctx->block_idx[1] * ctx->block_dim[1] + ty;
    uint64_t gz = (uint64_t)ctx->block_idx[2] * ctx->block_dim[2] + tz;
    return (gz * gsy + gy) * gsx + gx;
}

#define FOR_EACH_THREAD(ctx)                                    \
    for (uint32_t tz = 0; tz < (ctx)->block_dim[2]; ++tz)       \
        for (uint32_t ty = 0; ty < (ctx)->block_dim[1]; ++ty)   \
            for (uint32_t tx = 0; tx < (ctx)->block_dim[0]; ++tx)

struct atomic_add_u32_args { uint64_t counters; uint32_t n_counters; uint32_t iterations; uint32_t value; };

FH_CPU_KERNEL(atomic_add_u32, 0, 0) {
    const struct atomic_add_u32_args *a = (const struct atomic_add_u32_args *)args;
    uint32_t *counters = FH_CPU_PTR(uint32_t, a->counters);
    FOR_EACH_THREAD(ctx) {
        uint32_t *c = &counters[linear_thread(ctx, tx, ty, tz) % a->n_counters];
        for (uint32_t i = 0; i < a->iterations; ++i) __atomic_fetch_add(c, a->value, __ATOMIC_RELAXED);
    }
}

struct atomic_add_u64_args { uint64_t counters; uint32_t n_counters; uint32_t iterations; uint64_t value; };

FH_CPU_KERNEL(atomic_add_u64, 0, 0) {
    const struct atomic_add_u64_args *a = (const struct atomic_add_u64_args *)args;
    uint64_t *counters = FH_CPU_PTR(uint64_t, a->counters);
    FOR_EACH_THREAD(ctx) {
        uint64_t *c = &counters[linear_thread(ctx, tx, ty, tz) % a->n_counters];
        for (uint32_t i = 0; i < a->iterations; ++i) __atomic_fetch_add(c, a->value, __ATOMIC_RELAXED);
    }
}

struct atomic_add_f32_args { uint64_t counters; uint32_t n_counters; uint32_t iterations; float value; };

FH_CPU_KERNEL(atomic_add_f32, 0, 0) {
    const struct atomic_add_f32_args *a = (const struct atomic_add_f32_args *)args;
    float *counters = FH_CPU_PTR(float, a->counters);
    FOR_EACH_THREAD(ctx) {
        uint32_t *c = (uint32_t *)&counters[linear_thread(ctx, tx, ty, tz) % a->n_counters];
        for (uint32_t i = 0; i < a->iterations; ++i) {
            uint32_t old = __atomic_load_n(c, __ATOMIC_RELAXED);
            for (;;) {
                union { float f; uint32_t u; } v;
                v.u = old;
                v.f += a->value;
                if (__atomic_compare_exchange_n(c, &old, v.u, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) break;
            }
        }
    }
}
