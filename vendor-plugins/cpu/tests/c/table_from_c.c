/* Drives libflaghal_cpu.so from C, as a loader written in C would: dlopen,
 * fhPluginNegotiate, init with C host services, then devices, memory,
 * streams, events, host functions and a kernel through the table. Checks the
 * plugin against the C header's own layout (not the Rust bindings).
 *
 * usage: table_from_c LIBFLAGHAL_CPU_SO TEST_KERNELS_SO
 * Exits 0 and prints "ok" on success; prints the failed check otherwise.
 * tests/from_c.rs runs it, under valgrind when valgrind is installed. */
#define _POSIX_C_SOURCE 200809L
#include <flaghal/flaghal_plugin.h>

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: check failed: %s (detail: %s)\n", __FILE__, __LINE__, #cond, g_detail); \
            exit(1);                                                                 \
        }                                                                            \
    } while (0)
#define OK(call) CHECK((call) == FH_SUCCESS)

static char g_detail[1024];

static void host_log(void *context, fh_log_level_t level, const char *message) {
    (void)context;
    (void)level;
    (void)message;
}

static void host_set_error_detail(void *context, const char *message) {
    (void)context;
    snprintf(g_detail, sizeof g_detail, "%s", message);
}

static void add_one(void *user_data) { *(int *)user_data += 1; }

static unsigned char *read_file(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    unsigned char *data;
    long length;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    length = ftell(f);
    fseek(f, 0, SEEK_SET);
    data = malloc((size_t)length);
    if (data && fread(data, 1, (size_t)length, f) != (size_t)length) {
        free(data);
        data = NULL;
    }
    fclose(f);
    *size = (size_t)length;
    return data;
}

struct vector_add_args {
    fh_deviceptr_t a, b, c;
    uint32_t n;
};

int main(int argc, char **argv) {
    void *library;
    fh_plugin_negotiate_fn_t negotiate;
    fh_plugin_negotiate_args_t nargs;
    const fh_plugin_api_t *api;
    fh_plugin_host_services_t host;
    fh_plugin_init_args_t iargs;
    fhp_device_t device;
    fh_device_properties_t props;
    uint32_t count = 0;
    fh_deviceptr_t a, b, c;
    uint32_t values[256];
    float fa[1000], fb[1000], fc[1000];
    fhp_stream_t stream;
    fhp_event_t start, end;
    float ms = -1.0f;
    int counter = 0;
    size_t module_size = 0, free_bytes = 0, total_bytes = 0;
    unsigned char *module_bytes;
    fhp_module_t module;
    fhp_function_t function;
    fh_plugin_launch_params_t launch;
    struct vector_add_args vargs;
    int32_t attribute = 0;
    unsigned i;

    if (argc != 3) {
        fprintf(stderr, "usage: %s LIBFLAGHAL_CPU_SO TEST_KERNELS_SO\n", argv[0]);
        return 2;
    }
    library = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 1;
    }
    *(void **)(&negotiate) = dlsym(library, FH_PLUGIN_ENTRY_SYMBOL);
    CHECK(negotiate != NULL);

    memset(&nargs, 0, sizeof nargs);
    nargs.struct_size = sizeof nargs;
    nargs.loader_abi_major = FH_PLUGIN_ABI_VERSION_MAJOR;
    nargs.loader_abi_min_minor = FH_PLUGIN_ABI_MIN_MINOR;
    nargs.loader_abi_max_minor = FH_PLUGIN_ABI_VERSION_MINOR;
    CHECK(negotiate(NULL) == FH_ERROR_INVALID_VALUE);
    OK(negotiate(&nargs));
    CHECK(nargs.plugin_abi_major == 1 && nargs.plugin_abi_minor == 1);
    api = nargs.api;
    CHECK(api != NULL && api->struct_size >= FH_PLUGIN_API_STRUCT_SIZE_1_0);
    CHECK(strcmp(api->name, "cpu") == 0);
    CHECK(api->mem_alloc_host && api->mem_free_host && api->launch_host_func && api->event_elapsed_time);
    CHECK(api->struct_size >= FH_PLUGIN_API_STRUCT_SIZE_1_1 && api->pointer_get_attributes != NULL); /* ABI 1.1 */

    memset(&host, 0, sizeof host);
    host.struct_size = FH_PLUGIN_HOST_SERVICES_STRUCT_SIZE_1_0;
    host.log = host_log;
    host.set_error_detail = host_set_error_detail;
    memset(&iargs, 0, sizeof iargs);
    iargs.struct_size = FH_PLUGIN_INIT_ARGS_STRUCT_SIZE_1_0;
    iargs.abi_version = FH_MAKE_VERSION(1, 0, 0);
    iargs.host = &host;
    OK(api->init(&iargs));

    OK(api->device_count(&count));
    CHECK(count == 1);
    OK(api->device_get(0, &device));
    memset(&props, 0, sizeof props);
    props.struct_size = sizeof props;
    OK(api->device_get_properties(device, &props));
    CHECK(props.name[0] != '\0' && props.type == FH_DEVICE_TYPE_CPU);
    CHECK(props.module_format_count == 1 && props.module_formats[0] == FH_MODULE_FORMAT_NATIVE_CPU);
    CHECK(props.memory_alignment >= FH_MIN_MEMORY_ALIGNMENT);
    CHECK(props.capabilities & FH_DEVICE_CAP_ADDRESS_CHECKS);

    /* Memory: allocation, memset, copies, address checks. */
    OK(api->mem_get_info(device, &free_bytes, &total_bytes));
    CHECK(total_bytes == props.total_memory && free_bytes <= total_bytes);
    OK(api->mem_alloc(device, sizeof values, &a));
    CHECK(a % props.memory_alignment == 0);
    OK(api->memset(device, a, 0xC0FFEEu, 4, 256));
    OK(api->memcpy_dtoh(device, values, a, sizeof values));
    for (i = 0; i < 256; ++i) CHECK(values[i] == 0xC0FFEEu);
    g_detail[0] = '\0';
    CHECK(api->memcpy_dtoh(device, values, a + 8, sizeof values) == FH_ERROR_INVALID_ADDRESS);
    CHECK(strstr(g_detail, "overruns") != NULL);
    CHECK(api->mem_free(device, a + 4) == FH_ERROR_INVALID_ADDRESS);
    {
        /* ABI 1.1: the allocation containing an interior address; "not mine" is NOT_FOUND. */
        fh_pointer_attributes_t pa;
        memset(&pa, 0, sizeof pa);
        pa.struct_size = sizeof pa;
        OK(api->pointer_get_attributes(device, a + sizeof values - 1, &pa));
        CHECK(pa.type == FH_MEMORY_TYPE_DEVICE && pa.base == a && pa.size == sizeof values);
        CHECK(api->pointer_get_attributes(device, a + sizeof values, &pa) == FH_ERROR_NOT_FOUND ||
              pa.base != a);
        CHECK(api->pointer_get_attributes(device, (fh_deviceptr_t)(uintptr_t)&pa, &pa) == FH_ERROR_NOT_FOUND);
    }

    /* Streams, events, host functions. */
    OK(api->stream_create(device, FH_STREAM_DEFAULT, &stream));
    OK(api->event_create(device, FH_EVENT_DEFAULT, &start));
    OK(api->event_create(device, FH_EVENT_DEFAULT, &end));
    OK(api->event_record(start, stream));
    OK(api->memset_async(stream, a, 7, 1, sizeof values));
    OK(api->launch_host_func(stream, add_one, &counter));
    OK(api->launch_host_func(stream, add_one, &counter));
    OK(api->event_record(end, stream));
    OK(api->event_synchronize(end));
    CHECK(counter == 2);
    OK(api->event_elapsed_time(&ms, start, end));
    CHECK(ms >= 0.0f);
    OK(api->memcpy_dtoh_async(stream, values, a, sizeof values));
    OK(api->stream_synchronize(stream));
    CHECK(values[255] == 0x07070707u);
    CHECK(api->stream_query(stream) == FH_SUCCESS);

    /* A kernel. */
    module_bytes = read_file(argv[2], &module_size);
    CHECK(module_bytes != NULL);
    CHECK(api->module_load(device, FH_MODULE_FORMAT_NATIVE_CPU, module_bytes, 16, &module) == FH_ERROR_INVALID_IMAGE);
    OK(api->module_load(device, FH_MODULE_FORMAT_NATIVE_CPU, module_bytes, module_size, &module));
    free(module_bytes); /* the plugin copied the bytes */
    CHECK(api->module_get_function(module, "no_such_kernel", &function) == FH_ERROR_NOT_FOUND);
    OK(api->module_get_function(module, "vector_add", &function));
    OK(api->function_get_attribute(function, FH_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK, &attribute));
    CHECK(attribute == 1024);
    OK(api->mem_alloc(device, sizeof fa, &b));
    OK(api->mem_alloc(device, sizeof fa, &c));
    for (i = 0; i < 1000; ++i) {
        fa[i] = (float)i;
        fb[i] = 0.5f;
    }
    CHECK(api->memcpy_htod(device, a, fa, sizeof fa) == FH_ERROR_INVALID_ADDRESS); /* a holds 1024 bytes */
    OK(api->mem_free(device, a));
    OK(api->mem_alloc(device, sizeof fa, &a));
    OK(api->memcpy_htod_async(stream, a, fa, sizeof fa));
    OK(api->memcpy_htod_async(stream, b, fb, sizeof fb));
    memset(&launch, 0, sizeof launch);
    launch.struct_size = FH_PLUGIN_LAUNCH_PARAMS_STRUCT_SIZE_1_0;
    launch.grid[0] = 4;
    launch.grid[1] = launch.grid[2] = 1;
    launch.block[0] = 256;
    launch.block[1] = launch.block[2] = 1;
    vargs.a = a;
    vargs.b = b;
    vargs.c = c;
    vargs.n = 1000;
    launch.args = &vargs;
    launch.args_size = sizeof vargs;
    OK(api->launch_kernel(function, &launch, stream));
    OK(api->memcpy_dtoh_async(stream, fc, c, sizeof fc));
    OK(api->stream_synchronize(stream));
    for (i = 0; i < 1000; ++i) CHECK(fc[i] == (float)i + 0.5f);

    OK(api->module_unload(module));
    OK(api->event_destroy(start));
    OK(api->event_destroy(end));
    OK(api->stream_destroy(stream));
    OK(api->device_synchronize(device));
    OK(api->mem_free(device, a));
    OK(api->mem_free(device, b));
    OK(api->mem_free(device, c));
    printf("ok\n");
    return 0;
}
