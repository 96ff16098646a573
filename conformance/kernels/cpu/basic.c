/* Reference kernels (docs/kernels.md): element-wise work and argument passing. */
#include <flaghal/flaghal_cpu_kernel.h>

struct fill_u32_args { uint64_t dst; uint32_t value; uint32_t count; };

FH_CPU_KERNEL(fill_u32, 0, 0) {
    const struct fill_u32_args *a = (const struct fill_u32_args *)args;
    uint32_t *dst = FH_CPU_PTR(uint32_t, a->dst);
    uint64_t base = (uint64_t)ctx->block_idx[0] * ctx->block_dim[0];
    for (uint32_t t = 0; t < ctx->block_dim[0]; ++t) {
        uint64_t i = base + t;
        if (i < a->count) dst[i] = a->value;
    }
}

struct vector_add_f32_args { uint64_t a; uint64_t b; uint64_t c; uint32_t n; };

FH_CPU_KERNEL(vector_add_f32, 0, 0) {
    const struct vector_add_f32_args *p = (const struct vector_add_f32_args *)args;
    const float *a = FH_CPU_PTR(const float, p->a);
    const float *b = FH_CPU_PTR(const float, p->b);
    float *c = FH_CPU_PTR(float, p->c);
    uint64_t base = (uint64_t)ctx->block_idx[0] * ctx->block_dim[0];
    for (uint32_t t = 0; t < ctx->block_dim[0]; ++t) {
        uint64_t i = base + t;
        if (i < p->n) c[i] = a[i] + b[i];
    }
}

struct scale_index_3d_args { uint64_t out; uint32_t size_x; uint32_t size_y; uint32_t size_z; uint32_t tag; };

FH_CPU_KERNEL(scale_index_3d, 0, 0) {
    const struct scale_index_3d_args *a = (const struct scale_index_3d_args *)args;
    uint32_t *out = FH_CPU_PTR(uint32_t, a->out);
    for (uint32_t tz = 0; tz < ctx->block_dim[2]; ++tz) {
        uint64_t gz = (uint64_t)ctx->block_idx[2] * ctx->block_dim[2] + tz;
        for (uint32_t ty = 0; ty < ctx->block_dim[1]; ++ty) {
            uint64_t gy = (uint64_t)ctx->block_idx[1] * ctx->block_dim[1] + ty;
            for (uint32_t tx = 0; tx < ctx->block_dim[0]; ++tx) {
                uint64_t gx = (uint64_t)ctx->block_idx[0] * ctx->block_dim[0] + tx;
                if (gx < a->size_x && gy < a->size_y && gz < a->size_z) {
                    uint64_t index = (gz * a->size_y + gy) * a->size_x + gx;
                    out[index] = (uint32_t)(gx | (gy << 10) | (gz << 20)) ^ a->tag;
                }
            }
        }
    }
}

struct args_probe_args {
    uint32_t a_u32;
    uint64_t b_u64;
    float c_f32;
    uint32_t tail_count;
    uint64_t out;
    uint32_t d_u32;
    uint32_t tail[];
};

FH_CPU_KERNEL(args_probe, 0, 0) {
    const struct args_probe_args *a = (const struct args_probe_args *)args;
    if (ctx->block_idx[0] != 0 || ctx->block_idx[1] != 0 || ctx->block_idx[2] != 0) return;
    uint64_t *out = FH_CPU_PTR(uint64_t, a->out);
    union { float f; uint32_t u; } doubled;
    doubled.f = a->c_f32 * 2.0f;
    uint32_t sum = 0;
    for (uint32_t i = 0; i < a->tail_count; ++i) sum += a->tail[i];
    out[0] = a->a_u32;
    out[1] = a->b_u64;
    out[2] = doubled.u;
    out[3] = a->d_u32;
    out[4] = sum;
}
