/*
 * api_coverage: calls every public fh* function of flaghal.h at least once,
 * on its success path and on its documented error paths (NULL pointers, bad
 * sizes and flags, unknown names, out-of-range ordinals, NOT_SUPPORTED where a
 * device lacks a capability, stale handles when FLAGHAL_VALIDATION=1), and
 * checks every status. Run on every visible device; the tests run it under
 * valgrind with the minimal plugin and the CPU plugin loaded together.
 *
 *   cc -std=c99 -Iinclude c-examples/api_coverage.c -Lprefix/lib -lflaghal -o api_coverage
 *   ./api_coverage KERNEL_DIR      (KERNEL_DIR holds vector_add.so for native CPU devices)
 *
 * Prints one line per failed expectation and a summary; exit status 0 only if
 * every expectation held.
 */
#include <flaghal/flaghal.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int checks, failures;

static const char *status_name(fh_status_t status) {
    const char *name = "(unknown status)";
    fhGetErrorName(status, &name);
    return name;
}

static void expect_status(const char *call, fh_status_t got, fh_status_t want, int line) {
    ++checks;
    if (got != want) {
        char detail[512];
        fhGetLastErrorMessage(detail, sizeof detail, NULL);
        ++failures;
        printf("FAIL line %d: %s returned %s, expected %s (detail: %s)\n", line, call, status_name(got),
               status_name(want), detail);
    }
}

static void expect_true(const char *what, int ok, int line) {
    ++checks;
    if (!ok) {
        ++failures;
        printf("FAIL line %d: %s\n", line, what);
    }
}

#define EXPECT(call, want) expect_status(#call, (call), (want), __LINE__)
#define EXPECT_OK(call) expect_status(#call, (call), FH_SUCCESS, __LINE__)
#define EXPECT_TRUE(cond) expect_true(#cond, (cond) ? 1 : 0, __LINE__)

/* The status a capability-gated call must return: `ok` with the flag, else NOT_SUPPORTED. */
#define GATED(caps, flag, ok) (((caps) & (flag)) ? (ok) : FH_ERROR_NOT_SUPPORTED)

static int validation;

/* The vector_add kernel's argument blob (c-examples/kernels/vector_add.fhk). */
struct vector_add_args {
    fh_deviceptr_t a;
    fh_deviceptr_t b;
    fh_deviceptr_t c;
    uint32_t n;
};

static void *read_file(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    void *data = NULL;
    long length;
    if (f != NULL && fseek(f, 0, SEEK_END) == 0 && (length = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (data = malloc((size_t)length)) != NULL) {
        if (fread(data, 1, (size_t)length, f) == (size_t)length) {
            *size = (size_t)length;
        } else {
            free(data);
            data = NULL;
        }
    }
    if (f != NULL) {
        fclose(f);
    }
    return data;
}

static void host_fn(void *user_data) {
    *(int *)user_data += 1;
}

/* ---------------------------------------------------------------------------
 * Before fhInit, and the error/version functions
 * ------------------------------------------------------------------------- */

static void before_init(void) {
    uint32_t version = 0, count = 7;
    const char *name = "unchanged", *text = "unchanged";
    char buffer[8];
    size_t length = 99;

    EXPECT(fhDeviceGetCount(&count), FH_ERROR_NOT_INITIALIZED);
    EXPECT_TRUE(count == 7); /* outputs untouched on failure */
    EXPECT(fhPluginGetCount(&count), FH_ERROR_NOT_INITIALIZED);
    EXPECT(fhPointerGetAttributes(NULL, NULL, 0), FH_ERROR_NOT_INITIALIZED);
    EXPECT_OK(fhGetVersion(&version));
    EXPECT_TRUE(FH_VERSION_MAJOR(version) == 1);
    EXPECT(fhGetVersion(NULL), FH_ERROR_INVALID_VALUE);
    EXPECT_OK(fhGetErrorName(FH_ERROR_INVALID_VALUE, &name));
    EXPECT_TRUE(strcmp(name, "FH_ERROR_INVALID_VALUE") == 0);
    EXPECT_OK(fhGetErrorName(FH_SUCCESS, &name));
    EXPECT_TRUE(strcmp(name, "FH_SUCCESS") == 0);
    name = "unchanged";
    EXPECT(fhGetErrorName(12345, &name), FH_ERROR_INVALID_VALUE);
    EXPECT_TRUE(strcmp(name, "unchanged") == 0);
    EXPECT(fhGetErrorName(FH_ERROR_UNKNOWN, NULL), FH_ERROR_INVALID_VALUE);
    EXPECT_OK(fhGetErrorString(FH_ERROR_OUT_OF_MEMORY, &text));
    EXPECT_TRUE(strlen(text) > 0 && strcmp(text, "unchanged") != 0);
    text = "unchanged";
    EXPECT(fhGetErrorString(-1, &text), FH_ERROR_INVALID_VALUE);
    EXPECT_TRUE(strcmp(text, "unchanged") == 0);

    /* The failure above set this thread's message; read it in every shape. */
    EXPECT_OK(fhGetLastErrorMessage(NULL, 0, &length));
    EXPECT_TRUE(length > 0 && length != 99);
    memset(buffer, 'x', sizeof buffer);
    EXPECT_OK(fhGetLastErrorMessage(buffer, 4, NULL));
    EXPECT_TRUE(buffer[3] == '\0' && strlen(buffer) == 3 && buffer[4] == 'x'); /* truncated, NUL-terminated */
    EXPECT(fhGetLastErrorMessage(NULL, 8, NULL), FH_ERROR_INVALID_VALUE);

    EXPECT(fhInit(1), FH_ERROR_INVALID_VALUE);
}

/* ---------------------------------------------------------------------------
 * Plugins and devices
 * ------------------------------------------------------------------------- */

static void plugins_and_devices(uint32_t *device_count) {
    uint32_t count = 0, i;
    fh_plugin_info_t info;
    fh_device_t device = NULL, again = NULL;
    fh_device_properties_t props;
    fh_deviceptr_t ptr = 0;
    fh_function_t function = NULL;

    EXPECT_OK(fhPluginGetCount(&count));
    EXPECT_TRUE(count >= 1);
    EXPECT(fhPluginGetCount(NULL), FH_ERROR_INVALID_VALUE);
    for (i = 0; i < count; ++i) {
        memset(&info, 0, sizeof info);
        info.struct_size = sizeof info;
        EXPECT_OK(fhPluginGetInfo(i, &info));
        EXPECT_TRUE(info.name != NULL && info.library_path != NULL && info.skip_detail != NULL);
    }
    info.struct_size = sizeof info;
    EXPECT(fhPluginGetInfo(count, &info), FH_ERROR_INVALID_VALUE);
    EXPECT(fhPluginGetInfo(0, NULL), FH_ERROR_INVALID_VALUE);
    info.struct_size = sizeof(size_t); /* below the 1.0 minimum */
    EXPECT(fhPluginGetInfo(0, &info), FH_ERROR_INVALID_VALUE);

    EXPECT_OK(fhDeviceGetCount(device_count));
    EXPECT(fhDeviceGetCount(NULL), FH_ERROR_INVALID_VALUE);
    EXPECT(fhDeviceGet(*device_count, &device), FH_ERROR_INVALID_DEVICE);
    EXPECT_TRUE(device == NULL);
    EXPECT(fhDeviceGet(0, NULL), FH_ERROR_INVALID_VALUE);
    if (*device_count > 0) {
        EXPECT_OK(fhDeviceGet(0, &device));
        EXPECT_OK(fhDeviceGet(0, &again));
        EXPECT_TRUE(device == again); /* the same ordinal gives the same handle */
    }
    props.struct_size = sizeof props;
    EXPECT(fhDeviceGetProperties(NULL, &props), FH_ERROR_INVALID_HANDLE);
    EXPECT(fhDeviceSynchronize(NULL), FH_ERROR_INVALID_HANDLE);
    EXPECT(fhMemAlloc(NULL, 16, &ptr), FH_ERROR_INVALID_HANDLE);
    EXPECT(fhStreamSynchronize(NULL), FH_ERROR_INVALID_HANDLE);
    EXPECT(fhStreamQuery(NULL), FH_ERROR_INVALID_HANDLE);
    EXPECT(fhEventQuery(NULL), FH_ERROR_INVALID_HANDLE);
    EXPECT(fhEventSynchronize(NULL), FH_ERROR_INVALID_HANDLE);
    EXPECT(fhModuleGetFunction(NULL, "x", &function), FH_ERROR_INVALID_HANDLE);
    /* Destroying NULL is a successful no-op. */
    EXPECT_OK(fhStreamDestroy(NULL));
    EXPECT_OK(fhEventDestroy(NULL));
    EXPECT_OK(fhModuleUnload(NULL));
}

static void properties(fh_device_t device, fh_device_properties_t *props) {
    unsigned char old[sizeof(fh_device_properties_t) + 16];
    size_t old_size = offsetof(fh_device_properties_t, capabilities);
    size_t free_bytes = 0, total_bytes = 0;

    memset(props, 0, sizeof *props);
    props->struct_size = sizeof *props;
    EXPECT_OK(fhDeviceGetProperties(device, props));
    EXPECT_TRUE(props->name[0] != '\0' && props->plugin_name[0] != '\0');
    EXPECT_TRUE(props->memory_alignment >= FH_MIN_MEMORY_ALIGNMENT);
    EXPECT_TRUE(props->max_threads_per_block >= FH_MIN_MAX_THREADS_PER_BLOCK);
    EXPECT_TRUE(props->max_kernel_args_size >= FH_MIN_MAX_KERNEL_ARGS_SIZE);
    EXPECT_TRUE(props->module_format_count <= FH_MAX_MODULE_FORMATS);
    EXPECT(fhDeviceGetProperties(device, NULL), FH_ERROR_INVALID_VALUE);

    /* An older caller's smaller struct: written only inside its size. */
    memset(old, 0xAB, sizeof old);
    memcpy(old, &old_size, sizeof old_size);
    EXPECT_OK(fhDeviceGetProperties(device, (fh_device_properties_t *)(void *)old));
    EXPECT_TRUE(old[old_size] == 0xAB && old[sizeof old - 1] == 0xAB);
    EXPECT_TRUE(memcmp(old + offsetof(fh_device_properties_t, name), props->name, 8) == 0);
    old_size = sizeof(size_t); /* below the 1.0 minimum */
    memcpy(old, &old_size, sizeof old_size);
    EXPECT(fhDeviceGetProperties(device, (fh_device_properties_t *)(void *)old), FH_ERROR_INVALID_VALUE);

    EXPECT_OK(fhMemGetInfo(device, &free_bytes, &total_bytes));
    EXPECT_TRUE(total_bytes > 0 && free_bytes <= total_bytes);
    EXPECT_OK(fhMemGetInfo(device, &free_bytes, NULL));
    EXPECT_OK(fhMemGetInfo(device, NULL, &total_bytes));
    EXPECT(fhMemGetInfo(device, NULL, NULL), FH_ERROR_INVALID_VALUE);
    EXPECT_OK(fhDeviceSynchronize(device));
}

/* ---------------------------------------------------------------------------
 * Memory: synchronous copies and memsets
 * ------------------------------------------------------------------------- */

/* fhPointerGetAttributes on two live allocations p and q of size bytes, and
 * on host memory. */
static void pointers(fh_device_t device, fh_deviceptr_t p, fh_deviceptr_t q, size_t size, const void *host) {
    fh_pointer_attributes_t pa;
    memset(&pa, 0, sizeof pa);
    pa.struct_size = sizeof pa;
    EXPECT_OK(fhPointerGetAttributes(&pa, device, p + 7));
    EXPECT_TRUE(pa.type == FH_MEMORY_TYPE_DEVICE && pa.device == device && pa.base == p && pa.size == size);
    EXPECT_OK(fhPointerGetAttributes(&pa, NULL, q + size - 1)); /* every device */
    EXPECT_TRUE(pa.type == FH_MEMORY_TYPE_DEVICE && pa.base == q && pa.size == size);
    EXPECT_OK(fhPointerGetAttributes(&pa, device, (fh_deviceptr_t)(uintptr_t)host));
    EXPECT_TRUE(pa.type == FH_MEMORY_TYPE_UNREGISTERED && pa.device == NULL && pa.device_ordinal == UINT32_MAX &&
                pa.base == 0 && pa.size == 0);
    EXPECT(fhPointerGetAttributes(NULL, device, p), FH_ERROR_INVALID_VALUE);
    pa.struct_size = sizeof(size_t); /* below the 1.2 size */
    EXPECT(fhPointerGetAttributes(&pa, device, p), FH_ERROR_INVALID_VALUE);
}

static void memory(fh_device_t device, const fh_device_properties_t *props) {
    enum { SIZE = 4096 };
    static unsigned char in[SIZE], out[SIZE];
    fh_deviceptr_t p = 0, q = 0, none = 0;
    int checked = (props->capabilities & FH_DEVICE_CAP_ADDRESS_CHECKS) != 0;
    void *pinned = NULL;
    uint16_t u16[4];
    uint32_t u32[4];
    size_t i;

    for (i = 0; i < SIZE; ++i) {
        in[i] = (unsigned char)(i * 31 + 7);
    }
    EXPECT(fhMemAlloc(device, 0, &none), FH_ERROR_INVALID_VALUE);
    EXPECT(fhMemAlloc(device, (size_t)1 << 62, &none), FH_ERROR_OUT_OF_MEMORY);
    EXPECT_TRUE(none == 0);
    EXPECT(fhMemAlloc(device, SIZE, NULL), FH_ERROR_INVALID_VALUE);
    EXPECT_OK(fhMemAlloc(device, SIZE, &p));
    EXPECT_OK(fhMemAlloc(device, SIZE, &q));
    EXPECT_TRUE(p != 0 && p % props->memory_alignment == 0 && q % props->memory_alignment == 0);

    EXPECT_OK(fhMemcpyHtoD(device, p, in, SIZE));
    EXPECT_OK(fhMemcpyHtoD(device, p, in, 0)); /* size 0 is a no-op */
    EXPECT(fhMemcpyHtoD(device, p, NULL, SIZE), FH_ERROR_INVALID_VALUE);
    EXPECT_OK(fhMemcpyDtoD(device, q, p, SIZE));
    EXPECT_OK(fhMemcpyDtoD(device, q + 100, p + 200, 50)); /* base + offset addressing */
    EXPECT_OK(fhMemcpyDtoH(device, out, q, SIZE));
    EXPECT_TRUE(memcmp(out + 100, in + 200, 50) == 0 && memcmp(out, in, 100) == 0 &&
                memcmp(out + 150, in + 150, SIZE - 150) == 0);
    EXPECT(fhMemcpyDtoH(device, NULL, q, SIZE), FH_ERROR_INVALID_VALUE);
    if (checked) {
        EXPECT(fhMemcpyHtoD(device, p + SIZE - 8, in, 16), FH_ERROR_INVALID_ADDRESS);
        /* p + SIZE may be where q starts, so every range here crosses an end. */
        EXPECT(fhMemcpyDtoH(device, out, p + SIZE - 1, 2), FH_ERROR_INVALID_ADDRESS);
        EXPECT(fhMemcpyDtoD(device, p, q + 1, SIZE), FH_ERROR_INVALID_ADDRESS);
        EXPECT(fhMemsetD8(device, p + 1, 0, SIZE), FH_ERROR_INVALID_ADDRESS);
    }

    EXPECT_OK(fhMemsetD8(device, p, 0x5A, 3));
    EXPECT_OK(fhMemsetD16(device, p + 4, 0xBEEF, 2));
    EXPECT_OK(fhMemsetD32(device, p + 8, 0xDEADBEEFu, 2));
    EXPECT(fhMemsetD16(device, p + 1, 0, 1), FH_ERROR_INVALID_VALUE);
    EXPECT(fhMemsetD32(device, p + 2, 0, 1), FH_ERROR_INVALID_VALUE);
    EXPECT_OK(fhMemcpyDtoH(device, out, p, 16));
    memcpy(u16, out + 4, 4);
    memcpy(u32, out + 8, 8);
    EXPECT_TRUE(out[0] == 0x5A && out[2] == 0x5A && out[3] == in[3]);
    EXPECT_TRUE(u16[0] == 0xBEEF && u16[1] == 0xBEEF && u32[0] == 0xDEADBEEFu && u32[1] == 0xDEADBEEFu);

    pointers(device, p, q, SIZE, in);

    EXPECT(fhMemAllocHost(device, SIZE, &pinned), GATED(props->capabilities, FH_DEVICE_CAP_PINNED_HOST_MEMORY, FH_SUCCESS));
    if (props->capabilities & FH_DEVICE_CAP_PINNED_HOST_MEMORY) {
        void *unused = NULL;
        fh_pointer_attributes_t pa;
        memset(&pa, 0, sizeof pa);
        pa.struct_size = sizeof pa;
        EXPECT_OK(fhPointerGetAttributes(&pa, device, (fh_deviceptr_t)(uintptr_t)pinned + SIZE - 1));
        EXPECT_TRUE(pa.type == FH_MEMORY_TYPE_HOST && pa.device == device && pa.base == (uintptr_t)pinned &&
                    pa.size == SIZE);
        memcpy(pinned, in, SIZE);
        EXPECT_OK(fhMemcpyHtoD(device, q, pinned, SIZE));
        EXPECT_OK(fhMemcpyDtoH(device, out, q, SIZE));
        EXPECT_TRUE(memcmp(out, in, SIZE) == 0);
        EXPECT(fhMemAllocHost(device, 0, &unused), FH_ERROR_INVALID_VALUE);
        EXPECT(fhMemAllocHost(device, SIZE, NULL), FH_ERROR_INVALID_VALUE);
        EXPECT_OK(fhMemFreeHost(device, pinned));
        EXPECT_OK(fhMemFreeHost(device, NULL));
    } else {
        EXPECT(fhMemFreeHost(device, in), FH_ERROR_NOT_SUPPORTED);
    }

    EXPECT_OK(fhMemFree(device, 0)); /* 0 is a no-op */
    if (checked) {
        EXPECT(fhMemFree(device, p + 1), FH_ERROR_INVALID_ADDRESS);
    }
    EXPECT_OK(fhMemFree(device, p));
    if (checked) {
        EXPECT(fhMemFree(device, p), FH_ERROR_INVALID_ADDRESS); /* no longer live */
    }
    EXPECT_OK(fhMemFree(device, q));
}

/* ---------------------------------------------------------------------------
 * Streams, events, asynchronous copies, host functions
 * ------------------------------------------------------------------------- */

static void streams_and_events(fh_device_t device, const fh_device_properties_t *props) {
    enum { SIZE = 1024 };
    static unsigned char in[SIZE], out[SIZE];
    uint64_t caps = props->capabilities;
    fh_stream_t s = NULL, none = NULL;
    fh_event_t timed_a = NULL, timed_b = NULL, untimed = NULL, never = NULL, bad = NULL;
    fh_deviceptr_t p = 0, q = 0;
    float ms = -1.0f;
    int calls = 0;
    size_t i;

    for (i = 0; i < SIZE; ++i) {
        in[i] = (unsigned char)(i ^ 0x5C);
    }
    EXPECT(fhStreamCreate(device, 7, &none), FH_ERROR_INVALID_VALUE);
    EXPECT_TRUE(none == NULL);
    EXPECT(fhStreamCreate(device, FH_STREAM_DEFAULT, NULL), FH_ERROR_INVALID_VALUE);
    EXPECT_OK(fhStreamCreate(device, FH_STREAM_DEFAULT, &s));
    EXPECT(fhEventCreate(device, 5, &bad), FH_ERROR_INVALID_VALUE);
    EXPECT(fhEventCreate(device, FH_EVENT_DEFAULT, NULL), FH_ERROR_INVALID_VALUE);
    EXPECT_OK(fhEventCreate(device, FH_EVENT_DEFAULT, &timed_a));
    EXPECT_OK(fhEventCreate(device, FH_EVENT_DEFAULT, &timed_b));
    EXPECT_OK(fhEventCreate(device, FH_EVENT_DISABLE_TIMING, &untimed));
    EXPECT_OK(fhEventCreate(device, FH_EVENT_DEFAULT, &never));

    /* A never-recorded event is complete, and waiting on it is a no-op. */
    EXPECT_OK(fhEventQuery(never));
    EXPECT_OK(fhEventSynchronize(never));
    EXPECT_OK(fhStreamWaitEvent(s, never));

    EXPECT_OK(fhMemAlloc(device, SIZE, &p));
    EXPECT_OK(fhMemAlloc(device, SIZE, &q));
    EXPECT_OK(fhEventRecord(timed_a, s));
    EXPECT_OK(fhMemcpyHtoDAsync(p, in, SIZE, s));
    EXPECT_OK(fhMemcpyDtoDAsync(q, p, SIZE, s));
    EXPECT_OK(fhMemsetD8Async(q, 0x11, 4, s));
    EXPECT_OK(fhMemsetD16Async(q + 4, 0x2222, 2, s));
    EXPECT_OK(fhMemsetD32Async(q + 8, 0x33333333u, 2, s));
    EXPECT(fhMemsetD32Async(q + 2, 0, 1, s), FH_ERROR_INVALID_VALUE);
    EXPECT(fhMemcpyHtoDAsync(p, NULL, SIZE, s), FH_ERROR_INVALID_VALUE);
    EXPECT(fhMemcpyDtoHAsync(NULL, p, SIZE, s), FH_ERROR_INVALID_VALUE);
    EXPECT(fhMemcpyHtoDAsync(p, in, SIZE, NULL), FH_ERROR_INVALID_HANDLE);
    EXPECT(fhLaunchHostFunc(s, host_fn, &calls), GATED(caps, FH_DEVICE_CAP_HOST_FUNC, FH_SUCCESS));
    if (caps & FH_DEVICE_CAP_HOST_FUNC) {
        EXPECT(fhLaunchHostFunc(s, NULL, &calls), FH_ERROR_INVALID_VALUE);
    }
    EXPECT_OK(fhMemcpyDtoHAsync(out, q, SIZE, s));
    EXPECT_OK(fhEventRecord(untimed, s));
    EXPECT_OK(fhEventRecord(timed_b, s));
    EXPECT_OK(fhEventSynchronize(timed_b));
    EXPECT_OK(fhStreamSynchronize(s));
    EXPECT_OK(fhStreamQuery(s));
    EXPECT_OK(fhEventQuery(untimed));
    EXPECT_TRUE(out[0] == 0x11 && out[3] == 0x11 && out[4] == 0x22 && out[7] == 0x22 && out[8] == 0x33 &&
                out[15] == 0x33 && memcmp(out + 16, in + 16, SIZE - 16) == 0);
    EXPECT_TRUE(calls == ((caps & FH_DEVICE_CAP_HOST_FUNC) ? 1 : 0));

    EXPECT(fhEventElapsedTime(&ms, timed_a, timed_b), GATED(caps, FH_DEVICE_CAP_EVENT_TIMING, FH_SUCCESS));
    if (caps & FH_DEVICE_CAP_EVENT_TIMING) {
        EXPECT_TRUE(ms >= 0.0f);
        EXPECT(fhEventElapsedTime(NULL, timed_a, timed_b), FH_ERROR_INVALID_VALUE);
        EXPECT(fhEventElapsedTime(&ms, timed_a, untimed), FH_ERROR_INVALID_VALUE);
        EXPECT(fhEventElapsedTime(&ms, never, timed_b), FH_ERROR_INVALID_VALUE);
    }

    EXPECT_OK(fhStreamWaitEvent(s, timed_b));
    EXPECT_OK(fhDeviceSynchronize(device));
    EXPECT_OK(fhMemFree(device, p));
    EXPECT_OK(fhMemFree(device, q));
    EXPECT_OK(fhEventDestroy(timed_a));
    EXPECT_OK(fhEventDestroy(timed_b));
    EXPECT_OK(fhEventDestroy(untimed));
    EXPECT_OK(fhStreamDestroy(s));
    if (validation) {
        /* Stale handles and handles of the wrong kind are always detected. */
        EXPECT(fhStreamQuery(s), FH_ERROR_INVALID_HANDLE);
        EXPECT(fhEventQuery(timed_a), FH_ERROR_INVALID_HANDLE);
        EXPECT(fhEventQuery((fh_event_t)(void *)device), FH_ERROR_INVALID_HANDLE);
        EXPECT(fhStreamSynchronize((fh_stream_t)(void *)never), FH_ERROR_INVALID_HANDLE);
    }
    EXPECT_OK(fhEventDestroy(never));
}

/* ---------------------------------------------------------------------------
 * Modules and kernels
 * ------------------------------------------------------------------------- */

static int has_format(const fh_device_properties_t *props, fh_module_format_t format) {
    uint32_t i;
    for (i = 0; i < props->module_format_count && i < FH_MAX_MODULE_FORMATS; ++i) {
        if (props->module_formats[i] == format) {
            return 1;
        }
    }
    return 0;
}

static void modules_and_kernels(fh_device_t device, const fh_device_properties_t *props, const char *kernel_dir) {
    enum { N = 3000 };
    static float a[N], b[N], c[N];
    static const char garbage[64] = "this is not an ELF shared library, nor SPIR-V";
    char path[4096];
    struct vector_add_args args;
    unsigned char big_args[4096];
    fh_module_t module = NULL, none = NULL;
    fh_function_t function = NULL, missing = NULL;
    fh_stream_t s = NULL;
    fh_deviceptr_t da = 0, db = 0, dc = 0;
    int32_t value = -1;
    size_t size = 0, i;
    void *bytes;

    EXPECT(fhModuleLoadData(device, FH_MODULE_FORMAT_PTX, garbage, sizeof garbage, &none),
           has_format(props, FH_MODULE_FORMAT_PTX) ? FH_ERROR_INVALID_IMAGE : FH_ERROR_NOT_SUPPORTED);
    /* A vendor format this device does not list. */
    EXPECT(fhModuleLoadData(device, (fh_module_format_t)(FH_MODULE_FORMAT_VENDOR_BEGIN + 42), garbage,
                            sizeof garbage, &none),
           FH_ERROR_NOT_SUPPORTED);
    /* A module bundle loads wherever one of its images runs (native CPU, SPIR-V). */
    snprintf(path, sizeof path, "%s/examples.fhbundle", kernel_dir);
    bytes = read_file(path, &size);
    EXPECT_TRUE(bytes != NULL);
    if (bytes != NULL) {
        int runs = has_format(props, FH_MODULE_FORMAT_NATIVE_CPU) || has_format(props, FH_MODULE_FORMAT_SPIRV);
        EXPECT(fhModuleLoadData(device, FH_MODULE_FORMAT_BUNDLE, bytes, size / 2, &none), FH_ERROR_INVALID_IMAGE);
        EXPECT_TRUE(none == NULL);
        EXPECT(fhModuleLoadData(device, FH_MODULE_FORMAT_BUNDLE, garbage, sizeof garbage, &none), FH_ERROR_INVALID_IMAGE);
        EXPECT(fhModuleLoadData(device, FH_MODULE_FORMAT_BUNDLE, bytes, size, &module),
               runs ? FH_SUCCESS : FH_ERROR_NOT_SUPPORTED);
        if (runs) {
            EXPECT_OK(fhModuleGetFunction(module, "matmul_tiled", &function));
            EXPECT_OK(fhModuleUnload(module));
            module = NULL;
            function = NULL;
        }
        free(bytes);
    }
    if (!has_format(props, FH_MODULE_FORMAT_NATIVE_CPU)) {
        EXPECT(fhModuleLoadData(device, FH_MODULE_FORMAT_NATIVE_CPU, garbage, sizeof garbage, &none),
               FH_ERROR_NOT_SUPPORTED);
        EXPECT_TRUE(none == NULL);
        return;
    }
    EXPECT(fhModuleLoadData(device, FH_MODULE_FORMAT_NATIVE_CPU, garbage, sizeof garbage, &none),
           FH_ERROR_INVALID_IMAGE);
    EXPECT_TRUE(none == NULL);
    EXPECT(fhModuleLoadData(device, FH_MODULE_FORMAT_NATIVE_CPU, NULL, 16, &none), FH_ERROR_INVALID_VALUE);
    EXPECT(fhModuleLoadData(device, FH_MODULE_FORMAT_NATIVE_CPU, garbage, 0, &none), FH_ERROR_INVALID_VALUE);

    snprintf(path, sizeof path, "%s/vector_add.so", kernel_dir);
    bytes = read_file(path, &size);
    EXPECT_TRUE(bytes != NULL);
    if (bytes == NULL) {
        printf("FAIL: cannot read %s\n", path);
        return;
    }
    EXPECT(fhModuleLoadData(device, FH_MODULE_FORMAT_NATIVE_CPU, bytes, size, NULL), FH_ERROR_INVALID_VALUE);
    EXPECT(fhModuleLoadData(device, FH_MODULE_FORMAT_NATIVE_CPU, bytes, size / 2, &none), FH_ERROR_INVALID_IMAGE);
    EXPECT_OK(fhModuleLoadData(device, FH_MODULE_FORMAT_NATIVE_CPU, bytes, size, &module));
    memset(bytes, 0, size); /* the loader copied the bytes: this must not matter */
    free(bytes);

    EXPECT(fhModuleGetFunction(module, "no_such_kernel", &missing), FH_ERROR_NOT_FOUND);
    EXPECT_TRUE(missing == NULL);
    EXPECT(fhModuleGetFunction(module, NULL, &function), FH_ERROR_INVALID_VALUE);
    EXPECT(fhModuleGetFunction(module, "vector_add", NULL), FH_ERROR_INVALID_VALUE);
    EXPECT_OK(fhModuleGetFunction(module, "vector_add", &function));
    EXPECT_OK(fhFunctionGetAttribute(&value, FH_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK, function));
    EXPECT_TRUE(value > 0 && (uint32_t)value <= props->max_threads_per_block);
    EXPECT_OK(fhFunctionGetAttribute(&value, FH_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES, function));
    EXPECT_TRUE(value == 0);
    EXPECT_OK(fhFunctionGetAttribute(&value, FH_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, function));
    EXPECT_OK(fhFunctionGetAttribute(&value, FH_FUNC_ATTRIBUTE_NUM_REGS, function));
    EXPECT(fhFunctionGetAttribute(&value, (fh_function_attribute_t)99, function), FH_ERROR_INVALID_VALUE);
    EXPECT(fhFunctionGetAttribute(NULL, FH_FUNC_ATTRIBUTE_NUM_REGS, function), FH_ERROR_INVALID_VALUE);
    EXPECT(fhFunctionGetAttribute(&value, FH_FUNC_ATTRIBUTE_NUM_REGS, NULL), FH_ERROR_INVALID_HANDLE);

    for (i = 0; i < N; ++i) {
        a[i] = (float)i;
        b[i] = 0.5f;
        c[i] = -1.0f;
    }
    EXPECT_OK(fhStreamCreate(device, FH_STREAM_DEFAULT, &s));
    EXPECT_OK(fhMemAlloc(device, sizeof a, &da));
    EXPECT_OK(fhMemAlloc(device, sizeof b, &db));
    EXPECT_OK(fhMemAlloc(device, sizeof c, &dc));
    EXPECT_OK(fhMemcpyHtoD(device, da, a, sizeof a));
    EXPECT_OK(fhMemcpyHtoD(device, db, b, sizeof b));
    args.a = da;
    args.b = db;
    args.c = dc;
    args.n = N;
    memset(big_args, 0, sizeof big_args);
    EXPECT(fhLaunchKernel(function, 0, 1, 1, 64, 1, 1, 0, s, &args, sizeof args), FH_ERROR_INVALID_CONFIGURATION);
    EXPECT(fhLaunchKernel(function, 1, 1, 1, 0, 1, 1, 0, s, &args, sizeof args), FH_ERROR_INVALID_CONFIGURATION);
    EXPECT(fhLaunchKernel(function, 1, 1, 1, props->max_threads_per_block + 1, 1, 1, 0, s, &args, sizeof args),
           FH_ERROR_INVALID_CONFIGURATION);
    EXPECT(fhLaunchKernel(function, 1, 1, 1, 64, 1, 1, props->max_shared_memory_per_block + 1, s, &args, sizeof args),
           FH_ERROR_INVALID_CONFIGURATION);
    if (props->max_kernel_args_size < sizeof big_args) {
        EXPECT(fhLaunchKernel(function, 1, 1, 1, 64, 1, 1, 0, s, big_args, props->max_kernel_args_size + 1),
               FH_ERROR_INVALID_CONFIGURATION);
    }
    EXPECT(fhLaunchKernel(function, 1, 1, 1, 64, 1, 1, 0, s, NULL, sizeof args), FH_ERROR_INVALID_VALUE);
    EXPECT(fhLaunchKernel(NULL, 1, 1, 1, 64, 1, 1, 0, s, &args, sizeof args), FH_ERROR_INVALID_HANDLE);
    EXPECT(fhLaunchKernel(function, 1, 1, 1, 64, 1, 1, 0, NULL, &args, sizeof args), FH_ERROR_INVALID_HANDLE);
    EXPECT_OK(fhLaunchKernel(function, (N + 63) / 64, 1, 1, 64, 1, 1, 0, s, &args, sizeof args));
    args.n = 0; /* the blob was copied at launch: changing it now must not matter */
    EXPECT_OK(fhStreamSynchronize(s));
    EXPECT_OK(fhMemcpyDtoH(device, c, dc, sizeof c));
    for (i = 0; i < N && c[i] == (float)i + 0.5f; ++i) {
    }
    EXPECT_TRUE(i == N);

    EXPECT_OK(fhModuleUnload(module));
    if (validation) {
        EXPECT(fhModuleGetFunction(module, "vector_add", &function), FH_ERROR_INVALID_HANDLE);
        EXPECT(fhFunctionGetAttribute(&value, FH_FUNC_ATTRIBUTE_NUM_REGS, function), FH_ERROR_INVALID_HANDLE);
    }
    EXPECT_OK(fhStreamDestroy(s));
    EXPECT_OK(fhMemFree(device, da));
    EXPECT_OK(fhMemFree(device, db));
    EXPECT_OK(fhMemFree(device, dc));
}

/* Objects of two devices in one call are refused. */
static void cross_device(fh_device_t d0, fh_device_t d1) {
    fh_stream_t s0 = NULL, s1 = NULL;
    fh_event_t e0 = NULL;
    EXPECT_OK(fhStreamCreate(d0, FH_STREAM_DEFAULT, &s0));
    EXPECT_OK(fhStreamCreate(d1, FH_STREAM_DEFAULT, &s1));
    EXPECT_OK(fhEventCreate(d0, FH_EVENT_DEFAULT, &e0));
    EXPECT(fhEventRecord(e0, s1), FH_ERROR_INVALID_DEVICE);
    EXPECT(fhStreamWaitEvent(s1, e0), FH_ERROR_INVALID_DEVICE);
    EXPECT_OK(fhEventRecord(e0, s0));
    EXPECT_OK(fhStreamWaitEvent(s0, e0));
    EXPECT_OK(fhEventDestroy(e0));
    EXPECT_OK(fhStreamDestroy(s0));
    EXPECT_OK(fhStreamDestroy(s1));
}

/* Copies between two devices of different plugins (1.2), both ways, every
 * byte checked; the queued one needs host functions on both devices and
 * pinned memory on the destination. */
static void peer_copies(fh_device_t d0, fh_device_t d1) {
    enum { SIZE = 3 * 4096 + 6 };
    static unsigned char in[SIZE], out[SIZE];
    fh_device_properties_t p0, p1;
    fh_deviceptr_t a = 0, b = 0;
    fh_stream_t s0 = NULL, s1 = NULL;
    fh_status_t want_async;
    size_t i;
    memset(&p0, 0, sizeof p0);
    memset(&p1, 0, sizeof p1);
    p0.struct_size = p1.struct_size = sizeof p0;
    EXPECT_OK(fhDeviceGetProperties(d0, &p0));
    EXPECT_OK(fhDeviceGetProperties(d1, &p1));
    for (i = 0; i < SIZE; ++i) {
        in[i] = (unsigned char)(i * 7 + 3);
    }
    EXPECT_OK(fhMemAlloc(d0, SIZE, &a));
    EXPECT_OK(fhMemAlloc(d1, SIZE, &b));
    EXPECT_OK(fhStreamCreate(d0, FH_STREAM_DEFAULT, &s0));
    EXPECT_OK(fhStreamCreate(d1, FH_STREAM_DEFAULT, &s1));
    EXPECT_OK(fhMemcpyHtoD(d0, a, in, SIZE));
    EXPECT_OK(fhMemcpyPeer(d1, b, d0, a, SIZE));
    EXPECT_OK(fhMemcpyDtoH(d1, out, b, SIZE));
    EXPECT_TRUE(memcmp(in, out, SIZE) == 0);
    EXPECT_OK(fhMemcpyPeer(d1, b, d0, a, 0));
    EXPECT(fhMemcpyPeer(NULL, b, d0, a, SIZE), FH_ERROR_INVALID_HANDLE);
    EXPECT(fhMemcpyPeer(d1, UINT64_MAX - 4, d0, a, SIZE), FH_ERROR_INVALID_VALUE);

    /* Back from d1 to d0, queued. */
    EXPECT_OK(fhMemsetD8(d0, a, 0, SIZE));
    want_async = ((p0.capabilities & p1.capabilities & FH_DEVICE_CAP_HOST_FUNC) &&
                  (p0.capabilities & FH_DEVICE_CAP_PINNED_HOST_MEMORY))
                     ? FH_SUCCESS
                     : FH_ERROR_NOT_SUPPORTED;
    EXPECT(fhMemcpyPeerAsync(a, b, SIZE, s0, s1), want_async);
    EXPECT(fhMemcpyPeerAsync(a, b, SIZE, s0, NULL), FH_ERROR_INVALID_HANDLE);
    EXPECT_OK(fhStreamSynchronize(s0));
    EXPECT_OK(fhStreamSynchronize(s1));
    if (want_async == FH_SUCCESS) {
        memset(out, 0, SIZE);
        EXPECT_OK(fhMemcpyDtoH(d0, out, a, SIZE));
        EXPECT_TRUE(memcmp(in, out, SIZE) == 0);
    }
    /* On one device, two streams: a device-to-device copy. */
    EXPECT_OK(fhMemsetD8(d1, b, 0x5A, SIZE / 2));
    EXPECT_OK(fhMemcpyPeerAsync(b + SIZE / 2, b, SIZE / 2, s1, s1));
    EXPECT_OK(fhMemcpyPeer(d1, b, d1, b + SIZE / 2, SIZE / 4));
    EXPECT_OK(fhMemcpyDtoH(d1, out, b, SIZE));
    for (i = 0; i < SIZE; ++i) {
        if (out[i] != 0x5A) {
            break;
        }
    }
    EXPECT_TRUE(i == SIZE);
    EXPECT_OK(fhStreamDestroy(s0));
    EXPECT_OK(fhStreamDestroy(s1));
    EXPECT_OK(fhMemFree(d0, a));
    EXPECT_OK(fhMemFree(d1, b));
}

int main(int argc, char **argv) {
    uint32_t device_count = 0, i;
    const char *env = getenv("FLAGHAL_VALIDATION");
    if (argc != 2) {
        fprintf(stderr, "usage: %s KERNEL_DIR\n", argv[0]);
        return 2;
    }
    validation = env != NULL && strcmp(env, "1") == 0;

    before_init();
    EXPECT_OK(fhInit(0));
    EXPECT_OK(fhInit(0)); /* idempotent */
    plugins_and_devices(&device_count);
    for (i = 0; i < device_count; ++i) {
        fh_device_t device = NULL;
        fh_device_properties_t props;
        EXPECT_OK(fhDeviceGet(i, &device));
        if (device == NULL) {
            continue;
        }
        properties(device, &props);
        printf("device %u: %s (plugin %s)\n", i, props.name, props.plugin_name);
        memory(device, &props);
        streams_and_events(device, &props);
        modules_and_kernels(device, &props, argv[1]);
    }
    if (device_count >= 2) {
        fh_device_t d0 = NULL, d1 = NULL;
        EXPECT_OK(fhDeviceGet(0, &d0));
        EXPECT_OK(fhDeviceGet(1, &d1));
        cross_device(d0, d1);
        peer_copies(d0, d1);
    }
    printf("api_coverage: %d checks on %u device(s), %d failed%s\n", checks, device_count, failures,
           validation ? " (validation on)" : "");
    return failures == 0 && device_count > 0 ? 0 : 1;
}
