/*
 * vector_add: c = a + b on one device. Allocates device memory, copies the
 * inputs in on a stream, launches the vector_add kernel between two timing
 * events, copies the result out, checks every element and prints the kernel
 * time.
 *
 *   cc -std=c99 -Iinclude c-examples/vector_add.c -Lprefix/lib -lflaghal -o vector_add
 *   cc -std=c99 -shared -fPIC -Iinclude c-examples/kernels/vector_add.c -o kernels/vector_add.so
 *   ./vector_add [--device N] [--kernels DIR] [--n ELEMENTS]
 *
 * The kernel module is chosen by the device's preferred module format (the
 * first of its module_formats this program has a file type for):
 * native CPU -> DIR/vector_add.so, SPIR-V -> DIR/vector_add.spv. DIR defaults
 * to $FLAGHAL_EXAMPLE_KERNELS, else ./kernels. The argument blob is documented
 * in c-examples/kernels/vector_add.c.
 *
 * Exit status 0 when every element is correct, 1 otherwise.
 */
#include <flaghal/flaghal.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failed(const char *what, fh_status_t status, int line) {
    const char *name = "unknown status";
    char detail[512];
    fhGetErrorName(status, &name);
    fhGetLastErrorMessage(detail, sizeof detail, NULL);
    fprintf(stderr, "vector_add: line %d: %s failed: %s: %s\n", line, what, name, detail);
    return 1;
}

#define CHECK(call)                                                                                          \
    do {                                                                                                     \
        fh_status_t status_ = (call);                                                                        \
        if (status_ != FH_SUCCESS) return failed(#call, status_, __LINE__);                                 \
    } while (0)

/* The argument blob of the vector_add kernel (see kernels/vector_add.c). */
struct vector_add_args {
    fh_deviceptr_t a;
    fh_deviceptr_t b;
    fh_deviceptr_t c;
    uint32_t n;
};

/* Reads a whole file; NULL (with a message) on failure. */
static void *read_file(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    void *data = NULL;
    long length;
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (length = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET) != 0 ||
        (data = malloc((size_t)length)) == NULL || fread(data, 1, (size_t)length, f) != (size_t)length) {
        fprintf(stderr, "vector_add: cannot read kernel file %s\n", path);
        free(data);
        data = NULL;
    } else {
        *size = (size_t)length;
    }
    if (f != NULL) {
        fclose(f);
    }
    return data;
}

/* Loads DIR/NAME.<ext> in the device's preferred format we have files for. */
static int load_kernel(fh_device_t device, const fh_device_properties_t *props, const char *dir, const char *name,
                       fh_module_t *module, fh_function_t *function) {
    uint32_t i;
    for (i = 0; i < props->module_format_count && i < FH_MAX_MODULE_FORMATS; ++i) {
        const char *ext = props->module_formats[i] == FH_MODULE_FORMAT_NATIVE_CPU ? "so"
                          : props->module_formats[i] == FH_MODULE_FORMAT_SPIRV    ? "spv"
                                                                                  : NULL;
        char path[4096];
        size_t size = 0;
        void *bytes;
        fh_status_t status;
        if (ext == NULL) {
            continue;
        }
        snprintf(path, sizeof path, "%s/%s.%s", dir, name, ext);
        if ((bytes = read_file(path, &size)) == NULL) {
            return 1;
        }
        status = fhModuleLoadData(device, props->module_formats[i], bytes, size, module);
        free(bytes); /* the loader copied the bytes */
        CHECK(status);
        CHECK(fhModuleGetFunction(*module, name, function));
        printf("vector_add: kernel %s (format %d)\n", path, (int)props->module_formats[i]);
        return 0;
    }
    fprintf(stderr, "vector_add: device %s accepts no module format this example has kernels for\n", props->name);
    return 1;
}

int main(int argc, char **argv) {
    unsigned device_index = 0;
    unsigned long n = 1u << 20;
    const char *kernel_dir = getenv("FLAGHAL_EXAMPLE_KERNELS") ? getenv("FLAGHAL_EXAMPLE_KERNELS") : "./kernels";
    uint32_t device_count = 0, block, grid;
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

    for (arg = 1; arg < argc; ++arg) {
        if (strcmp(argv[arg], "--device") == 0 && arg + 1 < argc) {
            device_index = (unsigned)strtoul(argv[++arg], NULL, 10);
        } else if (strcmp(argv[arg], "--kernels") == 0 && arg + 1 < argc) {
            kernel_dir = argv[++arg];
        } else if (strcmp(argv[arg], "--n") == 0 && arg + 1 < argc) {
            n = strtoul(argv[++arg], NULL, 10);
        } else {
            fprintf(stderr, "usage: %s [--device N] [--kernels DIR] [--n ELEMENTS]\n", argv[0]);
            return 2;
        }
    }
    if (n == 0 || n > (1ul << 24)) {
        fprintf(stderr, "vector_add: --n must be 1 .. 16777216 (results stay exact in float)\n");
        return 2;
    }

    CHECK(fhInit(0));
    CHECK(fhDeviceGetCount(&device_count));
    if (device_index >= device_count) {
        fprintf(stderr, "vector_add: device %u requested, %u available\n", device_index, device_count);
        return 1;
    }
    CHECK(fhDeviceGet(device_index, &device));
    props.struct_size = sizeof props;
    props.next = NULL;
    CHECK(fhDeviceGetProperties(device, &props));
    printf("vector_add: device %u: %s (plugin %s)\n", device_index, props.name, props.plugin_name);
    if (load_kernel(device, &props, kernel_dir, "vector_add", &module, &function) != 0) {
        return 1;
    }

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
