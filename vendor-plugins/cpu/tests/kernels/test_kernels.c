/* Test kernels of the CPU plugin's own tests (vendor-plugins/cpu/tests/).
 * Built by build.rs with `cc -shared -fPIC -O2 -std=c11`; each follows
 * include/flaghal/flaghal_cpu_kernel.h. */
#define _POSIX_C_SOURCE 200809L
#include <flaghal/flaghal.h> /* fh_deviceptr_t: flaghal_cpu_kernel.h does not define it */
#include <flaghal/flaghal_cpu_kernel.h>

#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

/* Writes, for every thread of a ragged 1D/2D/3D launch, its linear global
 * index plus one at out[x + y*nx + z*nx*ny]; threads outside the nx*ny*nz
 * box write nothing. Element 0 of an untouched buffer stays as the host set it. */
struct fill_index_args {
    fh_deviceptr_t out;
    uint32_t nx, ny, nz;
};

FH_CPU_KERNEL(fill_index, 0, 0) {
    const struct fill_index_args *a = (const struct fill_index_args *)args;
    uint32_t *out = FH_CPU_PTR(uint32_t, a->out);
    for (uint32_t tz = 0; tz < ctx->block_dim[2]; ++tz)
        for (uint32_t ty = 0; ty < ctx->block_dim[1]; ++ty)
            for (uint32_t tx = 0; tx < ctx->block_dim[0]; ++tx) {
                uint32_t x = ctx->block_idx[0] * ctx->block_dim[0] + tx;
                uint32_t y = ctx->block_idx[1] * ctx->block_dim[1] + ty;
                uint32_t z = ctx->block_idx[2] * ctx->block_dim[2] + tz;
                if (x < a->nx && y < a->ny && z < a->nz) {
                    uint64_t i = x + (uint64_t)y * a->nx + (uint64_t)z * a->nx * a->ny;
                    out[i] = (uint32_t)i + 1u;
                }
            }
}

/* c[i] = a[i] + b[i] for i < n. */
struct vector_add_args {
    fh_deviceptr_t a, b, c;
    uint32_t n;
};

FH_CPU_KERNEL(vector_add, 1024, 0) {
    const struct vector_add_args *p = (const struct vector_add_args *)args;
    const float *a = FH_CPU_PTR(const float, p->a);
    const float *b = FH_CPU_PTR(const float, p->b);
    float *c = FH_CPU_PTR(float, p->c);
    for (uint32_t t = 0; t < ctx->block_dim[0]; ++t) {
        uint32_t i = ctx->block_idx[0] * ctx->block_dim[0] + t;
        if (i < p->n) c[i] = a[i] + b[i];
    }
}

/* Reverses each block's chunk of `data` through shared memory: 64 bytes of
 * static shared memory (a guard pattern) followed by the dynamic part that
 * holds the chunk. Fails if the shared memory is misaligned or too small. */
struct reverse_args {
    fh_deviceptr_t data;
};

FH_CPU_KERNEL(block_reverse, 0, 64) {
    const struct reverse_args *p = (const struct reverse_args *)args;
    uint32_t *data = FH_CPU_PTR(uint32_t, p->data);
    uint32_t n = ctx->block_dim[0];
    if (((uintptr_t)ctx->shared_memory) % 64 != 0) {
        ctx->fail(ctx, "shared memory is not 64-byte aligned");
        return;
    }
    if (ctx->shared_memory_size < 64 + (size_t)n * sizeof(uint32_t)) {
        ctx->fail(ctx, "shared memory is smaller than static + dynamic");
        return;
    }
    uint32_t *guard = (uint32_t *)ctx->shared_memory;
    uint32_t *tile = (uint32_t *)((char *)ctx->shared_memory + 64);
    uint32_t base = ctx->block_idx[0] * n;
    for (uint32_t t = 0; t < 16; ++t) guard[t] = base + t;
    for (uint32_t t = 0; t < n; ++t) tile[t] = data[base + t]; /* "__syncthreads()" */
    for (uint32_t t = 0; t < n; ++t) data[base + t] = tile[n - 1 - t];
    for (uint32_t t = 0; t < 16; ++t)
        if (guard[t] != base + t) ctx->fail(ctx, "another block wrote into this block's shared memory");
}

/* Every thread adds 1 to a 64-bit counter and its value to a float sum,
 * and bumps a 32-bit per-block counter: C11 atomics across concurrent blocks. */
struct atomics_args {
    fh_deviceptr_t counter; /* int64_t */
    fh_deviceptr_t sum;     /* float */
    fh_deviceptr_t per_block; /* uint32_t per block */
};

static void atomic_add_float(_Atomic uint32_t *target, float value) {
    uint32_t old = atomic_load(target);
    for (;;) {
        union { uint32_t u; float f; } current = {old}, next;
        next.f = current.f + value;
        if (atomic_compare_exchange_weak(target, &old, next.u)) return;
    }
}

FH_CPU_KERNEL(atomics, 0, 0) {
    const struct atomics_args *p = (const struct atomics_args *)args;
    _Atomic int64_t *counter = FH_CPU_PTR(_Atomic int64_t, p->counter);
    _Atomic uint32_t *sum = FH_CPU_PTR(_Atomic uint32_t, p->sum);
    _Atomic uint32_t *per_block = FH_CPU_PTR(_Atomic uint32_t, p->per_block);
    uint32_t block = ctx->block_idx[0] + ctx->block_idx[1] * ctx->grid_dim[0];
    for (uint32_t t = 0; t < ctx->block_dim[0]; ++t) {
        atomic_fetch_add(counter, 1);
        atomic_add_float(sum, 1.0f);
        atomic_fetch_add(&per_block[block], 1u);
    }
}

/* Fails in block `bad_block` (x index) with a message; other blocks count themselves. */
struct fail_args {
    uint32_t bad_block;
    uint32_t pad;
    fh_deviceptr_t ran; /* _Atomic uint32_t */
};

FH_CPU_KERNEL(fail_in_block, 0, 0) {
    const struct fail_args *p = (const struct fail_args *)args;
    if (ctx->block_idx[0] == p->bad_block) {
        ctx->fail(ctx, "refusing to run this block");
        return;
    }
    atomic_fetch_add(FH_CPU_PTR(_Atomic uint32_t, p->ran), 1u);
}

/* Spins until the host sets *flag (device memory the host can write directly),
 * then writes 1 to *done. Makes "work is running" observable without timing. */
struct gate_args {
    fh_deviceptr_t flag; /* _Atomic uint32_t */
    fh_deviceptr_t done; /* uint32_t */
};

FH_CPU_KERNEL(wait_for_flag, 1, 0) {
    const struct gate_args *p = (const struct gate_args *)args;
    (void)ctx;
    _Atomic uint32_t *flag = FH_CPU_PTR(_Atomic uint32_t, p->flag);
    while (atomic_load(flag) == 0) {
    }
    *FH_CPU_PTR(uint32_t, p->done) = 1u;
}

/* A kernel limited to 64 threads per block, with 1 KiB of static shared memory. */
FH_CPU_KERNEL(limited, 64, 1024) {
    (void)ctx;
    (void)args;
}

/* Exported but not a kernel: no __fh_meta beside it. */
FH_CPU_KERNEL_VISIBLE void not_a_kernel(const fh_cpu_kernel_context_t *ctx, const void *args) {
    (void)ctx;
    (void)args;
}

/* A kernel that claims a future calling convention. */
FH_CPU_KERNEL_VISIBLE const fh_cpu_kernel_meta_t future_kernel__fh_meta = {
    (uint32_t)sizeof(fh_cpu_kernel_meta_t), 99u, 0u, 0u};
FH_CPU_KERNEL_VISIBLE void future_kernel(const fh_cpu_kernel_context_t *ctx, const void *args) {
    (void)ctx;
    (void)args;
}

/* Every block waits until `expected` blocks are running at the same time, so
 * the launch completes only if that many threads run its blocks concurrently.
 * Gives up after 20 s with ctx->fail instead of hanging the test. */
struct rendezvous_args {
    fh_deviceptr_t arrived; /* _Atomic uint32_t */
    uint32_t expected;
};

static double seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

FH_CPU_KERNEL(rendezvous, 1, 0) {
    const struct rendezvous_args *p = (const struct rendezvous_args *)args;
    _Atomic uint32_t *arrived = FH_CPU_PTR(_Atomic uint32_t, p->arrived);
    atomic_fetch_add(arrived, 1u);
    double start = seconds();
    while (atomic_load(arrived) < p->expected) {
        if (seconds() - start > 20.0) {
            ctx->fail(ctx, "blocks did not run concurrently on all cores");
            return;
        }
    }
}

/* Keeps 4 MiB on the stack (more than Rust's 2 MiB default for spawned
 * threads) and writes its block index + 1 to out[block] through it. */
struct big_stack_args {
    fh_deviceptr_t out; /* uint32_t per block */
};

FH_CPU_KERNEL(big_stack, 1, 0) {
    volatile unsigned char buffer[4u << 20];
    uint32_t sum = 0;
    for (size_t i = 0; i < sizeof buffer; i += 4096) buffer[i] = (unsigned char)(ctx->block_idx[0] + 1);
    sum = buffer[sizeof buffer - 4096];
    FH_CPU_PTR(uint32_t, ((const struct big_stack_args *)args)->out)[ctx->block_idx[0]] = sum;
}
