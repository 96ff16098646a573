/*
 * minimal_plugin.c - a complete FlagHAL plugin in plain C99, written from
 * include/flaghal/flaghal_plugin.h alone.
 *
 * One device of type OTHER named "minimal" whose "device memory" is host
 * memory from malloc, 256-byte aligned. A small allocation list lets every
 * copy and memset check that its range lies inside one live allocation.
 * Streams execute each operation immediately when it is submitted (which is a
 * valid in-order stream that is always complete when queried) and events
 * complete immediately. The device lists no module format, so the loader
 * refuses every fhModuleLoadData; module_load is implemented anyway and says
 * NOT_SUPPORTED. Optional entries are NULL and no capability flag is set.
 *
 * Build:
 *   cc -std=c99 -Wall -Wextra -Werror -pedantic -shared -fPIC -Iinclude \
 *      c-examples/minimal_plugin/minimal_plugin.c -o libflaghal_minimal.so -lpthread
 *
 * The broken-plugin zoo
 * ---------------------
 * The integration tests compile this same file once per broken case with
 * -DZOO_CASE=<one of the ZOO_* values below>; each case breaks exactly one
 * rule, and the loader must skip it with its own reason code. Apart from the
 * one #if that hides the entry symbol, the cases are ordinary `if`s on the
 * constant ZOO_CASE, so the healthy plugin reads straight through.
 */
#define _POSIX_C_SOURCE 200112L

#include <flaghal/flaghal_plugin.h>

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ZOO_NONE 0             /* the healthy plugin */
#define ZOO_NO_ENTRY 1         /* exports a misspelled entry symbol */
#define ZOO_WRONG_MAJOR 2      /* speaks ABI major 2 */
#define ZOO_TABLE_TOO_SMALL 3  /* struct_size one pointer short of the 1.0 table */
#define ZOO_MISSING_REQUIRED 4 /* stream_query (REQUIRED) is NULL */
#define ZOO_INIT_FAILS 5       /* init returns FH_ERROR_UNKNOWN */
#define ZOO_INIT_PANICS 6      /* init reports a caught panic (FH_ERROR_PANIC) */
#define ZOO_CAP_MISMATCH 7     /* claims EVENT_TIMING, event_elapsed_time NULL */
#define ZOO_NEGOTIATE_FAILS 8  /* fhPluginNegotiate returns an error */
#define ZOO_FUTURE_MINOR 9     /* a newer plugin offering minor 7: must load */
#define ZOO_NEGOTIATE_LIES 10  /* fhPluginNegotiate succeeds but returns no table */
#define ZOO_DEVICE_QUERY_FAILS 11 /* device_get_properties fails */

#ifndef ZOO_CASE
#define ZOO_CASE ZOO_NONE
#endif

/* Every case has its own name, so none is skipped as a duplicate of another. */
#define PLUGIN_NAME                                                      \
    (ZOO_CASE == ZOO_NO_ENTRY           ? "zoo-no-entry"                 \
     : ZOO_CASE == ZOO_WRONG_MAJOR      ? "zoo-wrong-major"              \
     : ZOO_CASE == ZOO_TABLE_TOO_SMALL  ? "zoo-table-too-small"          \
     : ZOO_CASE == ZOO_MISSING_REQUIRED ? "zoo-missing-required"         \
     : ZOO_CASE == ZOO_INIT_FAILS       ? "zoo-init-fails"               \
     : ZOO_CASE == ZOO_INIT_PANICS      ? "zoo-init-panics"              \
     : ZOO_CASE == ZOO_CAP_MISMATCH     ? "zoo-cap-mismatch"             \
     : ZOO_CASE == ZOO_NEGOTIATE_FAILS  ? "zoo-negotiate-fails"          \
     : ZOO_CASE == ZOO_FUTURE_MINOR     ? "zoo-future-minor"             \
     : ZOO_CASE == ZOO_NEGOTIATE_LIES   ? "zoo-negotiate-lies"           \
     : ZOO_CASE == ZOO_DEVICE_QUERY_FAILS ? "zoo-device-query-fails"     \
                                        : "minimal")

#define PLUGIN_ABI_MAJOR (ZOO_CASE == ZOO_WRONG_MAJOR ? 2u : FH_PLUGIN_ABI_VERSION_MAJOR)
#define PLUGIN_ABI_MAX_MINOR (ZOO_CASE == ZOO_FUTURE_MINOR ? 7u : 0u)

#define ALIGNMENT 256u
#define TOTAL_MEMORY ((uint64_t)1 << 30) /* 1 GiB budget */

/* ---------------------------------------------------------------------------
 * Host services and error detail
 * ------------------------------------------------------------------------- */

static const fh_plugin_host_services_t *host;

/* Attaches a printf-style detail message and returns status. */
static fh_status_t fail(fh_status_t status, const char *format, ...) {
    char message[256];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    if (host != NULL && host->set_error_detail != NULL) {
        host->set_error_detail(host->context, message);
    }
    return status;
}

/* ---------------------------------------------------------------------------
 * Objects. Ownership: the one device is static; streams and events are
 * malloc'd by their create entry and freed by their destroy entry.
 * ------------------------------------------------------------------------- */

struct allocation {
    void *block;        /* what malloc returned */
    uint64_t base;      /* the aligned address handed out */
    size_t size;
    struct allocation *next;
};

struct fhp_device_s {
    pthread_mutex_t lock; /* guards allocations and used */
    struct allocation *allocations;
    uint64_t used;
};

struct fhp_stream_s {
    struct fhp_device_s *device;
};

struct fhp_event_s {
    struct fhp_device_s *device;
    uint32_t flags;
};

static struct fhp_device_s the_device = {PTHREAD_MUTEX_INITIALIZER, NULL, 0};

/* True if [address, address + size) lies inside one live allocation. */
static int range_is_live(struct fhp_device_s *device, uint64_t address, size_t size) {
    const struct allocation *a;
    int live = 0;
    pthread_mutex_lock(&device->lock);
    for (a = device->allocations; a != NULL; a = a->next) {
        if (address >= a->base && address - a->base <= a->size && size <= a->size - (address - a->base)) {
            live = 1;
            break;
        }
    }
    pthread_mutex_unlock(&device->lock);
    return live;
}

static fh_status_t check_range(struct fhp_device_s *device, uint64_t address, size_t size, const char *what) {
    if (!range_is_live(device, address, size)) {
        return fail(FH_ERROR_INVALID_ADDRESS, "%s range 0x%llx + %lu lies outside every live allocation", what,
                    (unsigned long long)address, (unsigned long)size);
    }
    return FH_SUCCESS;
}

static void *host_ptr(uint64_t address) {
    return (void *)(uintptr_t)address;
}

/* ---------------------------------------------------------------------------
 * Lifecycle and devices
 * ------------------------------------------------------------------------- */

static fh_status_t m_init(const fh_plugin_init_args_t *args) {
    if (args == NULL || args->struct_size < FH_PLUGIN_INIT_ARGS_STRUCT_SIZE_1_0 || args->host == NULL ||
        args->host->struct_size < FH_PLUGIN_HOST_SERVICES_STRUCT_SIZE_1_0) {
        return FH_ERROR_INVALID_VALUE; /* no host services to report through */
    }
    host = args->host;
    if (ZOO_CASE == ZOO_INIT_FAILS) {
        return fail(FH_ERROR_UNKNOWN, "zoo: init refuses to start (simulated driver failure, native error -3)");
    }
    if (ZOO_CASE == ZOO_INIT_PANICS) {
        return fail(FH_ERROR_PANIC, "panic: zoo: init hit an internal assertion");
    }
    if (host->log != NULL) {
        host->log(host->context, FH_LOG_LEVEL_INFO, "minimal: initialised with one host-memory device");
    }
    return FH_SUCCESS;
}

static fh_status_t m_device_count(uint32_t *count) {
    *count = 1;
    return FH_SUCCESS;
}

static fh_status_t m_device_get(uint32_t index, fhp_device_t *device) {
    if (index != 0) {
        return fail(FH_ERROR_INVALID_DEVICE, "device index %u out of range (1 device)", index);
    }
    *device = &the_device;
    return FH_SUCCESS;
}

static fh_status_t m_device_get_properties(fhp_device_t device, fh_device_properties_t *props) {
    fh_device_properties_t p;
    size_t given = props->struct_size;
    size_t header = sizeof p.struct_size;
    size_t len = given < sizeof p ? given : sizeof p;
    (void)device;
    if (given < FH_STRUCT_SIZE(fh_device_properties_t, name)) {
        return fail(FH_ERROR_INVALID_VALUE, "properties->struct_size %lu is too small", (unsigned long)given);
    }
    if (ZOO_CASE == ZOO_DEVICE_QUERY_FAILS) {
        return fail(FH_ERROR_DEVICE_LOST, "zoo: the device stopped answering (simulated firmware hang)");
    }
    memset(&p, 0, sizeof p);
    strcpy(p.name, "minimal");
    strcpy(p.vendor, "FlagHAL examples");
    p.type = FH_DEVICE_TYPE_OTHER;
    memcpy(p.uuid, "flaghal-minimal", 16); /* 15 characters and the NUL */
    p.total_memory = TOTAL_MEMORY;
    p.compute_units = 1;
    p.max_threads_per_block = FH_MIN_MAX_THREADS_PER_BLOCK;
    p.max_block_dim[0] = p.max_block_dim[1] = p.max_block_dim[2] = FH_MIN_MAX_THREADS_PER_BLOCK;
    p.max_grid_dim[0] = p.max_grid_dim[1] = p.max_grid_dim[2] = 65535;
    p.subgroup_size = 1;
    p.max_shared_memory_per_block = FH_MIN_MAX_SHARED_MEMORY_PER_BLOCK;
    p.max_kernel_args_size = FH_MIN_MAX_KERNEL_ARGS_SIZE;
    p.memory_alignment = ALIGNMENT;
    p.module_format_count = 0;
    p.capabilities = ZOO_CASE == ZOO_CAP_MISMATCH ? FH_DEVICE_CAP_EVENT_TIMING : 0;
    p.plugin_device_index = 0;
    /* Write only inside the caller's size, never struct_size itself. */
    memcpy((char *)props + header, (const char *)&p + header, len - header);
    return FH_SUCCESS;
}

static fh_status_t m_device_synchronize(fhp_device_t device) {
    (void)device; /* all work completed when it was submitted */
    return FH_SUCCESS;
}

static fh_status_t m_mem_get_info(fhp_device_t device, size_t *free_bytes, size_t *total_bytes) {
    pthread_mutex_lock(&device->lock);
    *free_bytes = (size_t)(TOTAL_MEMORY - device->used);
    pthread_mutex_unlock(&device->lock);
    *total_bytes = (size_t)TOTAL_MEMORY;
    return FH_SUCCESS;
}

/* ---------------------------------------------------------------------------
 * Memory
 * ------------------------------------------------------------------------- */

static fh_status_t m_mem_alloc(fhp_device_t device, size_t size, fh_deviceptr_t *ptr) {
    struct allocation *a;
    void *block;
    if (size == 0) {
        return fail(FH_ERROR_INVALID_VALUE, "size is 0");
    }
    pthread_mutex_lock(&device->lock);
    if (size > TOTAL_MEMORY - device->used) {
        uint64_t left = TOTAL_MEMORY - device->used;
        pthread_mutex_unlock(&device->lock);
        return fail(FH_ERROR_OUT_OF_MEMORY, "out of memory allocating %lu bytes (%llu of %llu left)",
                    (unsigned long)size, (unsigned long long)left, (unsigned long long)TOTAL_MEMORY);
    }
    device->used += size; /* reserve before malloc so concurrent callers cannot overcommit */
    pthread_mutex_unlock(&device->lock);

    a = (struct allocation *)malloc(sizeof *a);
    block = size <= SIZE_MAX - ALIGNMENT ? malloc(size + ALIGNMENT - 1) : NULL;
    if (a == NULL || block == NULL) {
        free(a);
        free(block);
        pthread_mutex_lock(&device->lock);
        device->used -= size;
        pthread_mutex_unlock(&device->lock);
        return fail(FH_ERROR_OUT_OF_MEMORY, "malloc of %lu bytes failed", (unsigned long)size);
    }
    a->block = block;
    a->base = ((uint64_t)(uintptr_t)block + ALIGNMENT - 1) & ~(uint64_t)(ALIGNMENT - 1);
    a->size = size;
    pthread_mutex_lock(&device->lock);
    a->next = device->allocations;
    device->allocations = a;
    pthread_mutex_unlock(&device->lock);
    *ptr = a->base;
    return FH_SUCCESS;
}

static fh_status_t m_mem_free(fhp_device_t device, fh_deviceptr_t ptr) {
    struct allocation **link;
    struct allocation *found = NULL;
    pthread_mutex_lock(&device->lock);
    for (link = &device->allocations; *link != NULL; link = &(*link)->next) {
        if ((*link)->base == ptr) {
            found = *link;
            *link = found->next;
            device->used -= found->size;
            break;
        }
    }
    pthread_mutex_unlock(&device->lock);
    if (found == NULL) {
        return fail(FH_ERROR_INVALID_ADDRESS, "0x%llx is not the base of a live allocation", (unsigned long long)ptr);
    }
    free(found->block);
    free(found);
    return FH_SUCCESS;
}

static fh_status_t m_memcpy_htod(fhp_device_t device, fh_deviceptr_t dst, const void *src, size_t size) {
    fh_status_t status;
    if (src == NULL && size > 0) {
        return fail(FH_ERROR_INVALID_VALUE, "src is NULL");
    }
    if ((status = check_range(device, dst, size, "destination")) != FH_SUCCESS) {
        return status;
    }
    if (size > 0) {
        memcpy(host_ptr(dst), src, size);
    }
    return FH_SUCCESS;
}

static fh_status_t m_memcpy_dtoh(fhp_device_t device, void *dst, fh_deviceptr_t src, size_t size) {
    fh_status_t status;
    if (dst == NULL && size > 0) {
        return fail(FH_ERROR_INVALID_VALUE, "dst is NULL");
    }
    if ((status = check_range(device, src, size, "source")) != FH_SUCCESS) {
        return status;
    }
    if (size > 0) {
        memcpy(dst, host_ptr(src), size);
    }
    return FH_SUCCESS;
}

static fh_status_t m_memcpy_dtod(fhp_device_t device, fh_deviceptr_t dst, fh_deviceptr_t src, size_t size) {
    fh_status_t status;
    if ((status = check_range(device, dst, size, "destination")) != FH_SUCCESS ||
        (status = check_range(device, src, size, "source")) != FH_SUCCESS) {
        return status;
    }
    if (size > 0) {
        memmove(host_ptr(dst), host_ptr(src), size); /* overlap is undefined; memmove is one valid answer */
    }
    return FH_SUCCESS;
}

/* Streams run each operation at submission, so the async entries are the
 * synchronous ones applied to the stream's device. */
static fh_status_t m_memcpy_htod_async(fhp_stream_t stream, fh_deviceptr_t dst, const void *src, size_t size) {
    return m_memcpy_htod(stream->device, dst, src, size);
}

static fh_status_t m_memcpy_dtoh_async(fhp_stream_t stream, void *dst, fh_deviceptr_t src, size_t size) {
    return m_memcpy_dtoh(stream->device, dst, src, size);
}

static fh_status_t m_memcpy_dtod_async(fhp_stream_t stream, fh_deviceptr_t dst, fh_deviceptr_t src, size_t size) {
    return m_memcpy_dtod(stream->device, dst, src, size);
}

static fh_status_t m_memset(fhp_device_t device, fh_deviceptr_t dst, uint32_t value, uint32_t element_size,
                            size_t count) {
    fh_status_t status;
    size_t i;
    if (element_size != 1 && element_size != 2 && element_size != 4) {
        return fail(FH_ERROR_INVALID_VALUE, "element size %u is not 1, 2 or 4", element_size);
    }
    if (dst % element_size != 0) {
        return fail(FH_ERROR_INVALID_VALUE, "destination 0x%llx is not %u-byte aligned", (unsigned long long)dst,
                    element_size);
    }
    if (count > SIZE_MAX / element_size) {
        return fail(FH_ERROR_INVALID_VALUE, "count %lu overflows", (unsigned long)count);
    }
    if ((status = check_range(device, dst, count * element_size, "destination")) != FH_SUCCESS) {
        return status;
    }
    for (i = 0; i < count; ++i) {
        unsigned char *p = (unsigned char *)host_ptr(dst) + i * element_size;
        if (element_size == 1) {
            *p = (uint8_t)value;
        } else if (element_size == 2) {
            uint16_t v = (uint16_t)value;
            memcpy(p, &v, 2);
        } else {
            memcpy(p, &value, 4);
        }
    }
    return FH_SUCCESS;
}

static fh_status_t m_memset_async(fhp_stream_t stream, fh_deviceptr_t dst, uint32_t value, uint32_t element_size,
                                  size_t count) {
    return m_memset(stream->device, dst, value, element_size, count);
}

/* ---------------------------------------------------------------------------
 * Streams and events
 * ------------------------------------------------------------------------- */

static fh_status_t m_stream_create(fhp_device_t device, uint32_t flags, fhp_stream_t *stream) {
    struct fhp_stream_s *s;
    if (flags != FH_STREAM_DEFAULT) {
        return fail(FH_ERROR_INVALID_VALUE, "unknown stream flags 0x%x", flags);
    }
    s = (struct fhp_stream_s *)malloc(sizeof *s);
    if (s == NULL) {
        return fail(FH_ERROR_OUT_OF_MEMORY, "no memory for a stream");
    }
    s->device = device;
    *stream = s;
    return FH_SUCCESS;
}

static fh_status_t m_stream_destroy(fhp_stream_t stream) {
    free(stream);
    return FH_SUCCESS;
}

static fh_status_t m_stream_synchronize(fhp_stream_t stream) {
    (void)stream;
    return FH_SUCCESS;
}

static fh_status_t m_stream_query(fhp_stream_t stream) {
    (void)stream;
    return FH_SUCCESS;
}

static fh_status_t m_stream_wait_event(fhp_stream_t stream, fhp_event_t event) {
    (void)stream; /* the event's work completed when it was submitted */
    (void)event;
    return FH_SUCCESS;
}

static fh_status_t m_event_create(fhp_device_t device, uint32_t flags, fhp_event_t *event) {
    struct fhp_event_s *e;
    if (flags != FH_EVENT_DEFAULT && flags != FH_EVENT_DISABLE_TIMING) {
        return fail(FH_ERROR_INVALID_VALUE, "unknown event flags 0x%x", flags);
    }
    e = (struct fhp_event_s *)malloc(sizeof *e);
    if (e == NULL) {
        return fail(FH_ERROR_OUT_OF_MEMORY, "no memory for an event");
    }
    e->device = device;
    e->flags = flags;
    *event = e;
    return FH_SUCCESS;
}

static fh_status_t m_event_destroy(fhp_event_t event) {
    free(event);
    return FH_SUCCESS;
}

static fh_status_t m_event_record(fhp_event_t event, fhp_stream_t stream) {
    (void)event; /* everything before it on the stream has already completed */
    (void)stream;
    return FH_SUCCESS;
}

static fh_status_t m_event_synchronize(fhp_event_t event) {
    (void)event;
    return FH_SUCCESS;
}

static fh_status_t m_event_query(fhp_event_t event) {
    (void)event;
    return FH_SUCCESS;
}

/* ---------------------------------------------------------------------------
 * Modules: the device has no module format, so nothing can be loaded and no
 * module or function handle of this plugin can ever exist.
 * ------------------------------------------------------------------------- */

static fh_status_t m_module_load(fhp_device_t device, fh_module_format_t format, const void *data, size_t size,
                                 fhp_module_t *module) {
    (void)device;
    (void)data;
    (void)module;
    return fail(FH_ERROR_NOT_SUPPORTED, "the minimal device runs no kernels (format %d, %lu bytes refused)",
                (int)format, (unsigned long)size);
}

static fh_status_t m_module_unload(fhp_module_t module) {
    (void)module;
    return fail(FH_ERROR_INVALID_HANDLE, "the minimal plugin never creates modules");
}

static fh_status_t m_module_get_function(fhp_module_t module, const char *name, fhp_function_t *function) {
    (void)module;
    (void)function;
    return fail(FH_ERROR_INVALID_HANDLE, "the minimal plugin never creates modules (looking up %s)",
                name != NULL ? name : "(null)");
}

static fh_status_t m_function_get_attribute(fhp_function_t function, fh_function_attribute_t attrib,
                                            int32_t *value) {
    (void)function;
    (void)attrib;
    (void)value;
    return fail(FH_ERROR_INVALID_HANDLE, "the minimal plugin never creates functions");
}

static fh_status_t m_launch_kernel(fhp_function_t function, const fh_plugin_launch_params_t *params,
                                   fhp_stream_t stream) {
    (void)function;
    (void)params;
    (void)stream;
    return fail(FH_ERROR_INVALID_HANDLE, "the minimal plugin never creates functions");
}

/* ---------------------------------------------------------------------------
 * The table and the entry point
 * ------------------------------------------------------------------------- */

static const fh_plugin_api_t api = {
    ZOO_CASE == ZOO_TABLE_TOO_SMALL ? FH_PLUGIN_API_STRUCT_SIZE_1_0 - sizeof(void *) : sizeof(fh_plugin_api_t),
    NULL,
    PLUGIN_NAME,
    "FlagHAL examples",
    "1.0.0",
    m_init,
    m_device_count,
    m_device_get,
    m_device_get_properties,
    m_device_synchronize,
    m_mem_get_info,
    m_mem_alloc,
    m_mem_free,
    NULL, /* mem_alloc_host: OPTIONAL, not supported */
    NULL, /* mem_free_host: OPTIONAL, not supported */
    m_memcpy_htod,
    m_memcpy_dtoh,
    m_memcpy_dtod,
    m_memcpy_htod_async,
    m_memcpy_dtoh_async,
    m_memcpy_dtod_async,
    m_memset,
    m_memset_async,
    m_stream_create,
    m_stream_destroy,
    m_stream_synchronize,
    ZOO_CASE == ZOO_MISSING_REQUIRED ? NULL : m_stream_query,
    m_stream_wait_event,
    NULL, /* launch_host_func: OPTIONAL, not supported */
    m_event_create,
    m_event_destroy,
    m_event_record,
    m_event_synchronize,
    m_event_query,
    NULL, /* event_elapsed_time: OPTIONAL, not supported */
    m_module_load,
    m_module_unload,
    m_module_get_function,
    m_function_get_attribute,
    m_launch_kernel,
};

#if ZOO_CASE == ZOO_NO_ENTRY
#define ENTRY_POINT fhPluginNegotiat /* the typo a vendor might make */
FH_PLUGIN_EXPORT fh_status_t ENTRY_POINT(fh_plugin_negotiate_args_t *args);
#else
#define ENTRY_POINT fhPluginNegotiate
#endif

FH_PLUGIN_EXPORT fh_status_t ENTRY_POINT(fh_plugin_negotiate_args_t *args) {
    if (args == NULL || args->struct_size < FH_PLUGIN_NEGOTIATE_ARGS_STRUCT_SIZE_1_0 ||
        args->loader_abi_min_minor > args->loader_abi_max_minor) {
        return FH_ERROR_INVALID_VALUE;
    }
    if (ZOO_CASE == ZOO_NEGOTIATE_FAILS) {
        return FH_ERROR_UNKNOWN; /* no host services yet: the status is all the loader gets */
    }
    args->plugin_abi_major = PLUGIN_ABI_MAJOR;
    if (args->loader_abi_major != PLUGIN_ABI_MAJOR) {
        args->api = NULL;
        return FH_ERROR_NOT_SUPPORTED;
    }
    if (PLUGIN_ABI_MAX_MINOR < args->loader_abi_min_minor) {
        args->plugin_abi_minor = PLUGIN_ABI_MAX_MINOR;
        args->api = NULL;
        return FH_ERROR_NOT_SUPPORTED;
    }
    args->plugin_abi_minor =
        PLUGIN_ABI_MAX_MINOR < args->loader_abi_max_minor ? PLUGIN_ABI_MAX_MINOR : args->loader_abi_max_minor;
    args->api = ZOO_CASE == ZOO_NEGOTIATE_LIES ? NULL : &api;
    return FH_SUCCESS;
}
