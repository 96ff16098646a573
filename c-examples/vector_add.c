/*
 * vector_add: c = a + b on one device. Allocates device memory, copies the
 * inputs in on a stream, launches the vector_add kernel between two timing
 * events, copies the result out, checks every element and prints the kernel
 * time.
 *
 *   cc -std=c99 -Iinclude c-examples/vector_add.c -Lprefix/lib -lflaghal -o vector_add
 *   flaghal-kernel build --committed c-examples/kernels/{vector_add,scale,matmul_tiled}.fhk -o kernels/examples.fhbundle
 *   ./vector_add [--device N] [--kernels FILE] [--n ELEMENTS]
 *
 * The kernel is c-examples/kernels/vector_add.fhk, written once; the bundle
 * holds its native CPU and SPIR-V images and the loader picks the one the
 * device runs (example_common.h).
 *
 * Exit status 0 when every element is correct, 1 otherwise.
 */
#include <flaghal/flaghal.h>

#include "example_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The argument blob of the vector_add kernel (see kernels/vector_add.fhk). */
struct vector_add_args {
    fh_deviceptr_t a;
    fh_deviceptr_t b;
    fh_deviceptr_t c;
    uint32_t n;
};

int main(int argc, char **argv) {
    unsigned device_index = 0;
    unsigned long n = 1u << 20;
    const char *kernels = example_kernels_default();
    uint32_t block, grid;
    fh_device_t device;
    fh_device_properties_t props;
    fh_module_t module;
    fh_function_t function;
    fh_stream_t stream;
    fh_event_t start, stop;
    fh_deviceptr_t da, db, dc;
    struct vector_add_args args;
    float *a, *b, *c, ms = 0.0f;
    unsigned long i, wrong = 0;
    int timing, arg;

    example_name = "vector_add";
    for (arg = 1; arg < argc; ++arg) {
        if (strcmp(argv[arg], "--device") == 0 && arg + 1 < argc) {
            device_index = (unsigned)strtoul(argv[++arg], NULL, 10);
        } else if (strcmp(argv[arg], "--kernels") == 0 && arg + 1 < argc) {
            kernels = argv[++arg];
        } else if (strcmp(argv[arg], "--n") == 0 && arg + 1 < argc) {
            n = strtoul(argv[++arg], NULL, 10);
        } else {
            fprintf(stderr, "usage: %s [--device N] [--kernels FILE] [--n ELEMENTS]\n", argv[0]);
            return 2;
        }
    }
    if (n == 0 || n > (1ul << 24)) {
        fprintf(stderr, "vector_add: --n must be 1 .. 16777216 (results stay exact in float)\n");
        return 2;
    }

    CHECK(example_open_device(device_index, &device, &props));
    CHECK(example_load_kernels(device, kernels, &module));
    CHECK(fhModuleGetFunction(module, "vector_add", &function));

    a = (float *)malloc(n * sizeof *a);
    b = (float *)malloc(n * sizeof *b);
    c = (float *)malloc(n * sizeof *c);
    if (a == NULL || b == NULL || c == NULL) {
        fprintf(stderr, "vector_add: out of host memory\n");
        return 1;
    }
    for (i = 0; i < n; ++i) {
        a[i] = (float)i;
        b[i] = (float)(2 * i);
        c[i] = -1.0f;
    }

    CHECK(fhMemAlloc(device, n * sizeof(float), &da));
    CHECK(fhMemAlloc(device, n * sizeof(float), &db));
    CHECK(fhMemAlloc(device, n * sizeof(float), &dc));
    CHECK(fhStreamCreate(device, FH_STREAM_DEFAULT, &stream));
    timing = (props.capabilities & FH_DEVICE_CAP_EVENT_TIMING) != 0;
    CHECK(fhEventCreate(device, timing ? FH_EVENT_DEFAULT : FH_EVENT_DISABLE_TIMING, &start));
    CHECK(fhEventCreate(device, timing ? FH_EVENT_DEFAULT : FH_EVENT_DISABLE_TIMING, &stop));

    /* Everything below is queued on one stream: it runs in this order. */
    CHECK(fhMemcpyHtoDAsync(da, a, n * sizeof(float), stream));
    CHECK(fhMemcpyHtoDAsync(db, b, n * sizeof(float), stream));
    args.a = da;
    args.b = db;
    args.c = dc;
    args.n = (uint32_t)n;
    block = props.max_threads_per_block < 256 ? props.max_threads_per_block : 256;
    grid = (uint32_t)((n + block - 1) / block);
    CHECK(fhEventRecord(start, stream));
    CHECK(fhLaunchKernel(function, grid, 1, 1, block, 1, 1, 0, stream, &args, sizeof args));
    CHECK(fhEventRecord(stop, stream));
    CHECK(fhMemcpyDtoHAsync(c, dc, n * sizeof(float), stream));
    CHECK(fhStreamSynchronize(stream));

    for (i = 0; i < n; ++i) {
        if (c[i] != (float)(3 * i)) {
            if (wrong++ < 5) {
                fprintf(stderr, "vector_add: c[%lu] = %g, expected %g\n", i, (double)c[i], (double)(3 * i));
            }
        }
    }
    if (timing) {
        CHECK(fhEventElapsedTime(&ms, start, stop));
        printf("vector_add: kernel time %.3f ms (%u blocks of %u threads)\n", (double)ms, grid, block);
    } else {
        printf("vector_add: kernel time not measured (the device has no event timing)\n");
    }

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
        printf("vector_add: FAILED: %lu of %lu elements wrong\n", wrong, n);
        return 1;
    }
    printf("vector_add: PASSED: all %lu elements correct\n", n);
    return 0;
}
