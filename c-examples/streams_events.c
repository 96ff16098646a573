/*
 * streams_events: two streams working at once, joined by an event.
 *
 *   stream 1:  a, b in -> c = a + b (vector_add)      -> record `ready`
 *   stream 2:  x in    -> y = 0.5 * x (scale)         -> wait for `ready`
 *              -> d = 2 * c (scale, needs stream 1's c) -> d, y out
 *
 * Without the wait, stream 2 could read c before stream 1 wrote it. Timing
 * events around the whole run give the elapsed time across both streams.
 *
 *   cc -std=c99 -Iinclude c-examples/streams_events.c -Lprefix/lib -lflaghal -o streams_events
 *   flaghal-kernel build --committed c-examples/kernels/{vector_add,scale,matmul_tiled}.fhk -o kernels/examples.fhbundle
 *   ./streams_events [--device N] [--kernels FILE]
 *
 * The kernel bundle as in vector_add.c; argument blobs are documented in
 * c-examples/kernels/vector_add.fhk and scale.fhk.
 * Exit status 0 when every element is correct, 1 otherwise.
 */
#include <flaghal/flaghal.h>

#include "example_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N (1u << 18)

/* Argument blobs (see kernels/vector_add.fhk and kernels/scale.fhk). */
struct vector_add_args {
    fh_deviceptr_t a;
    fh_deviceptr_t b;
    fh_deviceptr_t c;
    uint32_t n;
};

struct scale_args {
    fh_deviceptr_t x;
    fh_deviceptr_t y;
    float factor;
    uint32_t n;
};

int main(int argc, char **argv) {
    unsigned device_index = 0;
    const char *kernels = example_kernels_default();
    uint32_t block, grid, i, wrong = 0;
    fh_device_t device;
    fh_device_properties_t props;
    fh_module_t module;
    fh_function_t add, scale;
    fh_stream_t s1, s2;
    fh_event_t ready, start, end;
    fh_deviceptr_t da, db, dc, dd, dx, dy;
    struct vector_add_args add_args;
    struct scale_args scale_c, scale_x;
    static float a[N], b[N], x[N], d[N], y[N];
    float ms = 0.0f;
    int timing, arg;

    example_name = "streams_events";
    for (arg = 1; arg < argc; ++arg) {
        if (strcmp(argv[arg], "--device") == 0 && arg + 1 < argc) {
            device_index = (unsigned)strtoul(argv[++arg], NULL, 10);
        } else if (strcmp(argv[arg], "--kernels") == 0 && arg + 1 < argc) {
            kernels = argv[++arg];
        } else {
            fprintf(stderr, "usage: %s [--device N] [--kernels FILE]\n", argv[0]);
            return 2;
        }
    }

    CHECK(example_open_device(device_index, &device, &props));
    CHECK(example_load_kernels(device, kernels, &module));
    CHECK(fhModuleGetFunction(module, "vector_add", &add));
    CHECK(fhModuleGetFunction(module, "scale", &scale));

    for (i = 0; i < N; ++i) {
        a[i] = (float)i;
        b[i] = (float)(i % 1000);
        x[i] = (float)(2 * i);
        d[i] = y[i] = -1.0f;
    }
    CHECK(fhMemAlloc(device, sizeof a, &da));
    CHECK(fhMemAlloc(device, sizeof b, &db));
    CHECK(fhMemAlloc(device, sizeof a, &dc));
    CHECK(fhMemAlloc(device, sizeof d, &dd));
    CHECK(fhMemAlloc(device, sizeof x, &dx));
    CHECK(fhMemAlloc(device, sizeof y, &dy));
    CHECK(fhStreamCreate(device, FH_STREAM_DEFAULT, &s1));
    CHECK(fhStreamCreate(device, FH_STREAM_DEFAULT, &s2));
    timing = (props.capabilities & FH_DEVICE_CAP_EVENT_TIMING) != 0;
    CHECK(fhEventCreate(device, FH_EVENT_DISABLE_TIMING, &ready)); /* only for ordering */
    CHECK(fhEventCreate(device, timing ? FH_EVENT_DEFAULT : FH_EVENT_DISABLE_TIMING, &start));
    CHECK(fhEventCreate(device, timing ? FH_EVENT_DEFAULT : FH_EVENT_DISABLE_TIMING, &end));

    block = props.max_threads_per_block < 256 ? props.max_threads_per_block : 256;
    grid = (N + block - 1) / block;
    add_args.a = da;
    add_args.b = db;
    add_args.c = dc;
    add_args.n = N;
    scale_x.x = dx;
    scale_x.y = dy;
    scale_x.factor = 0.5f;
    scale_x.n = N;
    scale_c.x = dc;
    scale_c.y = dd;
    scale_c.factor = 2.0f;
    scale_c.n = N;

    /* Stream 1: c = a + b, then mark `ready`. */
    CHECK(fhEventRecord(start, s1));
    CHECK(fhMemcpyHtoDAsync(da, a, sizeof a, s1));
    CHECK(fhMemcpyHtoDAsync(db, b, sizeof b, s1));
    CHECK(fhLaunchKernel(add, grid, 1, 1, block, 1, 1, 0, s1, &add_args, sizeof add_args));
    CHECK(fhEventRecord(ready, s1));

    /* Stream 2: independent work first, then wait for stream 1's c. */
    CHECK(fhMemcpyHtoDAsync(dx, x, sizeof x, s2));
    CHECK(fhLaunchKernel(scale, grid, 1, 1, block, 1, 1, 0, s2, &scale_x, sizeof scale_x));
    CHECK(fhStreamWaitEvent(s2, ready));
    CHECK(fhLaunchKernel(scale, grid, 1, 1, block, 1, 1, 0, s2, &scale_c, sizeof scale_c));
    CHECK(fhMemcpyDtoHAsync(d, dd, sizeof d, s2));
    CHECK(fhMemcpyDtoHAsync(y, dy, sizeof y, s2));
    CHECK(fhEventRecord(end, s2));

    CHECK(fhEventSynchronize(end)); /* everything before `end` is done: d and y are on the host */
    CHECK(fhStreamSynchronize(s1));
    CHECK(fhStreamSynchronize(s2));
    CHECK(fhStreamQuery(s1)); /* both streams are idle now */
    CHECK(fhStreamQuery(s2));
    CHECK(fhEventQuery(ready));

    for (i = 0; i < N; ++i) {
        float want_d = 2.0f * ((float)i + (float)(i % 1000));
        float want_y = (float)i;
        if (d[i] != want_d || y[i] != want_y) {
            if (wrong++ < 5) {
                fprintf(stderr, "streams_events: element %u: d = %g (want %g), y = %g (want %g)\n", i, (double)d[i],
                        (double)want_d, (double)y[i], (double)want_y);
            }
        }
    }
    if (timing) {
        CHECK(fhEventElapsedTime(&ms, start, end));
        printf("streams_events: both streams took %.3f ms from first copy to last\n", (double)ms);
    } else {
        printf("streams_events: elapsed time not measured (the device has no event timing)\n");
    }

    CHECK(fhEventDestroy(ready));
    CHECK(fhEventDestroy(start));
    CHECK(fhEventDestroy(end));
    CHECK(fhStreamDestroy(s1));
    CHECK(fhStreamDestroy(s2));
    CHECK(fhModuleUnload(module));
    CHECK(fhMemFree(device, da));
    CHECK(fhMemFree(device, db));
    CHECK(fhMemFree(device, dc));
    CHECK(fhMemFree(device, dd));
    CHECK(fhMemFree(device, dx));
    CHECK(fhMemFree(device, dy));
    if (wrong != 0) {
        printf("streams_events: FAILED: %u of %u elements wrong\n", wrong, N);
        return 1;
    }
    printf("streams_events: PASSED: all %u elements correct on both streams\n", N);
    return 0;
}
