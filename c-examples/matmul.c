/*
 * matmul: C = A * B with the tiled matrix multiply of
 * c-examples/kernels/matmul_tiled.fhk (shared memory, barriers, 4 x 4 outputs
 * per thread), the same source on every device. Checks every element of C
 * against the host's product (exact: the inputs are small integers) and
 * prints the kernel time and GFLOP/s.
 *
 *   cc -std=c99 -Iinclude c-examples/matmul.c -Lprefix/lib -lflaghal -o matmul
 *   flaghal-kernel build --committed c-examples/kernels/{vector_add,scale,matmul_tiled}.fhk -o kernels/examples.fhbundle
 *   ./matmul [--device N] [--kernels FILE] [--size M N K] [--repeat R]
 *
 * Exit status 0 when every element is correct, 1 otherwise, 2 for bad
 * arguments.
 */
#define _POSIX_C_SOURCE 199309L /* clock_gettime */

#include <flaghal/flaghal.h>

#include "example_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The argument blob of matmul_tiled (see kernels/matmul_tiled.fhk). */
struct matmul_args {
    fh_deviceptr_t a;
    fh_deviceptr_t b;
    fh_deviceptr_t c;
    uint32_t m;
    uint32_t n;
    uint32_t k;
};

static double seconds_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv) {
    unsigned device_index = 0;
    unsigned long m = 512, n = 512, k = 512, repeat = 3, r, i, j, x, wrong = 0;
    const char *kernels = example_kernels_default();
    fh_device_t device;
    fh_device_properties_t props;
    fh_module_t module;
    fh_function_t function;
    fh_stream_t stream;
    fh_event_t start, stop;
    fh_deviceptr_t da, db, dc;
    struct matmul_args args;
    float *a, *b, *c, ms = 0.0f;
    double t0, best = 0.0;
    int timing, arg;

    example_name = "matmul";
    for (arg = 1; arg < argc; ++arg) {
        if (strcmp(argv[arg], "--device") == 0 && arg + 1 < argc) {
            device_index = (unsigned)strtoul(argv[++arg], NULL, 10);
        } else if (strcmp(argv[arg], "--kernels") == 0 && arg + 1 < argc) {
            kernels = argv[++arg];
        } else if (strcmp(argv[arg], "--size") == 0 && arg + 3 < argc) {
            m = strtoul(argv[++arg], NULL, 10);
            n = strtoul(argv[++arg], NULL, 10);
            k = strtoul(argv[++arg], NULL, 10);
        } else if (strcmp(argv[arg], "--repeat") == 0 && arg + 1 < argc) {
            repeat = strtoul(argv[++arg], NULL, 10);
        } else {
            fprintf(stderr, "usage: %s [--device N] [--kernels FILE] [--size M N K] [--repeat R]\n", argv[0]);
            return 2;
        }
    }
    if (m == 0 || n == 0 || k == 0 || m > 8192 || n > 8192 || k > 8192 || repeat == 0) {
        fprintf(stderr, "matmul: sizes must be 1 .. 8192 and --repeat at least 1\n");
        return 2;
    }

    CHECK(example_open_device(device_index, &device, &props));
    printf("matmul: %lu x %lu x %lu\n", m, n, k);
    if (props.max_threads_per_block < 256) {
        fprintf(stderr, "matmul: the kernel needs blocks of 16 x 16 threads; this device allows %u\n",
                props.max_threads_per_block);
        return 1;
    }
    CHECK(example_load_kernels(device, kernels, &module));
    CHECK(fhModuleGetFunction(module, "matmul_tiled", &function));

    a = (float *)malloc(m * k * sizeof *a);
    b = (float *)malloc(k * n * sizeof *b);
    c = (float *)malloc(m * n * sizeof *c);
    if (a == NULL || b == NULL || c == NULL) {
        fprintf(stderr, "matmul: out of host memory\n");
        return 1;
    }
    /* Small integers, so every sum is exact in float and C must match exactly. */
    for (i = 0; i < m * k; ++i) a[i] = (float)((i * 7 + 3) % 9) - 4.0f;
    for (i = 0; i < k * n; ++i) b[i] = (float)((i * 5 + 1) % 7) - 3.0f;

    CHECK(fhMemAlloc(device, m * k * sizeof(float), &da));
    CHECK(fhMemAlloc(device, k * n * sizeof(float), &db));
    CHECK(fhMemAlloc(device, m * n * sizeof(float), &dc));
    CHECK(fhMemcpyHtoD(device, da, a, m * k * sizeof(float)));
    CHECK(fhMemcpyHtoD(device, db, b, k * n * sizeof(float)));
    CHECK(fhStreamCreate(device, FH_STREAM_DEFAULT, &stream));
    timing = (props.capabilities & FH_DEVICE_CAP_EVENT_TIMING) != 0;
    CHECK(fhEventCreate(device, timing ? FH_EVENT_DEFAULT : FH_EVENT_DISABLE_TIMING, &start));
    CHECK(fhEventCreate(device, timing ? FH_EVENT_DEFAULT : FH_EVENT_DISABLE_TIMING, &stop));
    args.a = da;
    args.b = db;
    args.c = dc;
    args.m = (uint32_t)m;
    args.n = (uint32_t)n;
    args.k = (uint32_t)k;

    /* The first run compiles and warms up; the best of the others counts. */
    for (r = 0; r <= repeat; ++r) {
        t0 = seconds_now();
        CHECK(fhEventRecord(start, stream));
        CHECK(fhLaunchKernel(function, (uint32_t)((n + 63) / 64), (uint32_t)((m + 63) / 64), 1, 16, 16, 1, 0, stream,
                             &args, sizeof args));
        CHECK(fhEventRecord(stop, stream));
        CHECK(fhStreamSynchronize(stream));
        if (timing) {
            CHECK(fhEventElapsedTime(&ms, start, stop));
        } else {
            ms = (float)((seconds_now() - t0) * 1e3);
        }
        if (r > 0 && (best == 0.0 || ms < best)) best = ms;
    }
    CHECK(fhMemcpyDtoH(device, c, dc, m * n * sizeof(float)));

    for (i = 0; i < m; ++i) {
        for (j = 0; j < n; ++j) {
            float want = 0.0f;
            for (x = 0; x < k; ++x) want += a[i * k + x] * b[x * n + j];
            if (c[i * n + j] != want && wrong++ < 5) {
                fprintf(stderr, "matmul: c[%lu][%lu] = %g, expected %g\n", i, j, (double)c[i * n + j], (double)want);
            }
        }
    }
    printf("matmul: kernel time %.3f ms (best of %lu), %.2f GFLOP/s\n", best, repeat,
           2.0 * (double)m * (double)n * (double)k / (best * 1e-3) / 1e9);

    CHECK(fhEventDestroy(start));
    CHECK(fhEventDestroy(stop));
    CHECK(fhStreamDestroy(stream));
    CHECK(fhModuleUnload(module));
    CHECK(fhMemFree(device, da));
    CHECK(fhMemFree(device, db));
    CHECK(fhMemFree(device, dc));
    free(a);
    free(b);
    free(c);
    if (wrong != 0) {
        printf("matmul: FAILED: %lu of %lu elements wrong\n", wrong, m * n);
        return 1;
    }
    printf("matmul: PASSED: all %lu elements correct\n", m * n);
    return 0;
}
