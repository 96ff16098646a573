/*
 * minimal_plugin.c - a complete FlagHAL plugin in plain C99, written from the
 * FlagHAL headers alone (flaghal_plugin.h, flaghal.h, flaghal_cpu_kernel.h).
 * It passes the conformance suite (flaghal-conformance says CONFORMANT), so a
 * vendor can start from a plugin that works and replace, piece by piece, what
 * touches "the device" with calls into its own driver.
 *
 * The device
 * ----------
 * One device of type OTHER named "minimal". Its "device memory" is host
 * memory from malloc, 256-byte aligned; a list of live allocations lets every
 * copy, memset and free check its range (FH_DEVICE_CAP_ADDRESS_CHECKS). It
 * runs kernels in the FH_MODULE_FORMAT_NATIVE_CPU format
 * (flaghal_cpu_kernel.h): host shared libraries, checked as ELF, written to
 * an anonymous file (memfd_create) and dlopen'ed.
 *
 * Streams and events
 * ------------------
 * Each stream is a queue of work items that one worker thread of its own
 * executes in order, so asynchronous calls return at once and fhStreamQuery
 * says NOT_READY while work is pending. A kernel launch runs its blocks one
 * after another on that worker. An event record is a "mark" queued on the
 * stream, completed when the worker reaches it; fhStreamWaitEvent queues an
 * item that holds the worker until the mark completes. Synchronous calls
 * first wait until every stream has finished the work queued before them.
 *
 * Locking: one mutex per device guards everything mutable (allocations,
 * stream queues, marks, failure records, modules); copies and kernels run
 * with it released. Each stream's `work` condition wakes its worker; the
 * device's `progress` condition is broadcast whenever an item completes.
 *
 * The optional entries (pinned host memory, host functions, event timing)
 * are NULL and their capability flags are not set. pointer_get_attributes
 * (ABI 1.1) answers from the same list of allocations.
 *
 * Build it, against an install's include dir, and check it:
 *   cc -std=c99 -Wall -Wextra -Werror -pedantic -O2 -shared -fPIC -fvisibility=hidden \
 *      -Iprefix/include c-examples/minimal_plugin/minimal_plugin.c -o libflaghal_minimal.so -lpthread -ldl
 *   prefix/bin/flaghal-conformance --plugin ./libflaghal_minimal.so --require-device
 *
 * The broken-plugin zoo
 * ---------------------
 * The integration tests compile this same file once per broken case with
 * -DZOO_CASE=<one of the ZOO_* values below>; each case breaks exactly one
 * rule, and the loader must skip it with its own reason code. Apart from the
 * one #if that hides the entry symbol, the cases are ordinary `if`s on the
 * constant ZOO_CASE, so the healthy plugin reads straight through.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create and RTLD_NOLOAD; also declares every POSIX function used */
#endif

#include <flaghal/flaghal_cpu_kernel.h>
#include <flaghal/flaghal_plugin.h>

#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

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
#define ZOO_ABI_1_0 12         /* an ABI 1.0 plugin (no pointer_get_attributes): must load */

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
     : ZOO_CASE == ZOO_ABI_1_0          ? "zoo-abi-1-0"                  \
                                        : "minimal")

#define PLUGIN_ABI_MAJOR (ZOO_CASE == ZOO_WRONG_MAJOR ? 2u : FH_PLUGIN_ABI_VERSION_MAJOR)
/* 1: the table serves pointer_get_attributes (ABI 1.1). */
#define PLUGIN_ABI_MAX_MINOR (ZOO_CASE == ZOO_FUTURE_MINOR ? 7u : ZOO_CASE == ZOO_ABI_1_0 ? 0u : 1u)

/* The device's limits, reported in its properties and checked at launch. */
#define ALIGNMENT 256u
#define TOTAL_MEMORY ((uint64_t)1 << 30) /* 1 GiB budget */
#define MAX_THREADS_PER_BLOCK 1024u
#define MAX_BLOCK_DIM_XY 1024u
#define MAX_BLOCK_DIM_Z 64u
#define MAX_GRID_DIM_X 0x7FFFFFFFu
#define MAX_GRID_DIM_YZ 65535u
#define MAX_SHARED_MEMORY (48u * 1024u) /* static + dynamic, per block */
#define MAX_KERNEL_ARGS_SIZE 4096u
#define SHARED_MEMORY_ALIGNMENT 64u     /* flaghal_cpu_kernel.h */
#define ARGS_ALIGNMENT 16u              /* max_align_t: a kernel casts the blob to its struct */
#define MESSAGE_SIZE 256

/* What this device claims. Kernels are host code and device memory is host
 * memory, so 64-bit and float atomics, doubles, 16-bit floats, small
 * integers and host access all work; a subgroup is one thread
 * (subgroup_size 1), for which every subgroup operation is defined. */
#define CAPABILITIES                                                                                  \
    (FH_DEVICE_CAP_ADDRESS_CHECKS | FH_DEVICE_CAP_HOST_ACCESSIBLE_MEMORY | FH_DEVICE_CAP_ATOMIC_INT64 | \
     FH_DEVICE_CAP_ATOMIC_FLOAT32 | FH_DEVICE_CAP_FLOAT64 | FH_DEVICE_CAP_FLOAT16 | FH_DEVICE_CAP_INT8 | \
     FH_DEVICE_CAP_INT16 | FH_DEVICE_CAP_SUBGROUP_ARITHMETIC | FH_DEVICE_CAP_SUBGROUP_SHUFFLE)

/* The ELF machine a native CPU module must be built for: this host's. */
#if defined(__x86_64__)
#define HOST_ELF_MACHINE EM_X86_64
#elif defined(__aarch64__)
#define HOST_ELF_MACHINE EM_AARCH64
#elif defined(__riscv) && __riscv_xlen == 64
#define HOST_ELF_MACHINE EM_RISCV
#elif defined(__powerpc64__)
#define HOST_ELF_MACHINE EM_PPC64
#elif defined(__s390x__)
#define HOST_ELF_MACHINE EM_S390
#elif defined(__loongarch64)
#define HOST_ELF_MACHINE 258 /* EM_LOONGARCH */
#else
#error "define HOST_ELF_MACHINE as this architecture's ELF e_machine value"
#endif

/* ---------------------------------------------------------------------------
 * Host services and error detail
 * ------------------------------------------------------------------------- */

static const fh_plugin_host_services_t *host;

/* Attaches a printf-style detail message and returns status. */
static fh_status_t fail(fh_status_t status, const char *format, ...) {
    char message[MESSAGE_SIZE];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof message, format, args);
    va_end(args);
    if (host != NULL && host->set_error_detail != NULL) {
        host->set_error_detail(host->context, message);
    }
    return status;
}

static void debug_log(const char *message) {
    if (host != NULL && host->log != NULL) {
        host->log(host->context, FH_LOG_LEVEL_DEBUG, message);
    }
}

/* ---------------------------------------------------------------------------
 * Objects and who owns them. The one device is static. Streams, events,
 * modules and functions are malloc'd by their create entry and freed by their
 * destroy entry (functions by their module). Marks, failure records and
 * modules are reference counted under the device lock: they are shared with
 * work items still queued.
 * ------------------------------------------------------------------------- */

struct allocation {
    void *block;        /* what malloc returned */
    uint64_t base;      /* the aligned address handed out */
    size_t size;
    struct allocation *next;
};

/* The kernel failures of one stream, shared by the stream and by the marks
 * recorded on it, so that each failure is reported once, by whichever
 * synchronisation sees it first (flaghal.h, "Ordering"). */
struct failures {
    int refs;
    uint64_t count;    /* launches on the stream whose kernel called ctx->fail */
    uint64_t reported; /* failures 1 .. reported have been reported */
    char message[MESSAGE_SIZE]; /* the latest one */
};

/* One fhEventRecord: completed when its stream reaches it. */
struct mark {
    int refs;                  /* the event while this is its latest record, and each queued item naming it */
    int done;
    struct failures *failures; /* the recording stream's, set when done */
    uint64_t failures_seen;    /* failures->count when done: the failures that came before it */
};

/* A checked kernel launch with its own copy of the argument blob. */
struct launch {
    struct fhp_function_s *function; /* holds a reference on its module */
    uint32_t grid[3];
    uint32_t block[3];
    size_t shared_bytes; /* static + dynamic */
    void *args;          /* NULL when args_size is 0 */
    size_t args_size;
};

enum item_kind { ITEM_COPY, ITEM_MEMSET, ITEM_KERNEL, ITEM_RECORD, ITEM_WAIT };

/* One piece of work queued on a stream. */
struct item {
    enum item_kind kind;
    uint64_t ticket; /* submission order across the device */
    struct item *next;
    void *dst;              /* COPY, MEMSET */
    const void *src;        /* COPY */
    size_t size;            /* COPY: bytes; MEMSET: elements */
    uint32_t value;         /* MEMSET */
    uint32_t element_size;  /* MEMSET */
    struct launch *launch;  /* KERNEL */
    struct mark *mark;      /* RECORD, WAIT */
};

struct fhp_device_s {
    pthread_mutex_t lock;     /* guards everything below and every object of the device */
    pthread_cond_t progress;  /* broadcast whenever a queued item completes */
    struct allocation *allocations;
    uint64_t used;
    struct fhp_stream_s *streams; /* live streams, for synchronous calls and device_synchronize */
    uint64_t next_ticket;
};

struct fhp_stream_s {
    struct fhp_device_s *device;
    struct item *head; /* running, or next to run; NULL when idle */
    struct item *tail;
    pthread_cond_t work; /* signalled when an item is queued or the stream stops */
    int stopping;
    pthread_t worker;
    struct failures *failures;
    struct fhp_stream_s *next; /* in device->streams */
};

struct fhp_event_s {
    struct fhp_device_s *device;
    uint32_t flags;
    struct mark *latest; /* NULL: never recorded */
};

struct fhp_module_s {
    struct fhp_device_s *device;
    int refs;        /* the module handle, and each queued launch of its kernels */
    void *library;   /* dlopen handle */
    int fd;          /* the memfd it was loaded from */
    char path[32];   /* "/proc/self/fd/N" */
    struct fhp_function_s *functions; /* looked up so far */
};

struct fhp_function_s {
    struct fhp_module_s *module;
    char *name;
    fh_cpu_kernel_fn_t entry;
    fh_cpu_kernel_meta_t meta;
    struct fhp_function_s *next;
};

static struct fhp_device_s the_device = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, 0, NULL, 0};

/* Reference counting; the device lock is held. */
static void failures_release(struct failures *f) {
    if (f != NULL && --f->refs == 0) {
        free(f);
    }
}

static void mark_release(struct mark *m) {
    if (m != NULL && --m->refs == 0) {
        failures_release(m->failures);
        free(m);
    }
}

/* Reports the failures up to number `upto` once: returns 1 and copies the
 * message if some of them were not reported yet. The device lock is held. */
static int take_failure(struct failures *f, uint64_t upto, char *message) {
    if (f == NULL || upto <= f->reported) {
        return 0;
    }
    f->reported = upto;
    memcpy(message, f->message, MESSAGE_SIZE);
    return 1;
}

/* ---------------------------------------------------------------------------
 * Device memory: ranges and data movement
 * ------------------------------------------------------------------------- */

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
        return fail(FH_ERROR_INVALID_ADDRESS, "%s range 0x%llx + %zu lies outside every live allocation", what,
                    (unsigned long long)address, size);
    }
    return FH_SUCCESS;
}

/* The checks every memset makes, synchronous or queued. */
static fh_status_t check_memset(struct fhp_device_s *device, fh_deviceptr_t dst, uint32_t element_size, size_t count) {
    if (element_size != 1 && element_size != 2 && element_size != 4) {
        return fail(FH_ERROR_INVALID_VALUE, "element size %u is not 1, 2 or 4", element_size);
    }
    if (dst % element_size != 0) {
        return fail(FH_ERROR_INVALID_VALUE, "destination 0x%llx is not %u-byte aligned", (unsigned long long)dst,
                    element_size);
    }
    if (count > SIZE_MAX / element_size) {
        return fail(FH_ERROR_INVALID_VALUE, "count %zu overflows", count);
    }
    return check_range(device, dst, count * element_size, "destination");
}

static void *host_ptr(uint64_t address) {
    return (void *)(uintptr_t)address;
}

static void fill(void *dst, uint32_t value, uint32_t element_size, size_t count) {
    unsigned char *p = (unsigned char *)dst;
    size_t i;
    if (element_size == 1) {
        memset(p, (int)(value & 0xFFu), count);
        return;
    }
    for (i = 0; i < count; ++i, p += element_size) {
        if (element_size == 2) {
            uint16_t v = (uint16_t)value;
            memcpy(p, &v, 2);
        } else {
            memcpy(p, &value, 4);
        }
    }
}

/* ---------------------------------------------------------------------------
 * Streams: queues, the worker thread, waiting
 * ------------------------------------------------------------------------- */

static void module_destroy(struct fhp_module_s *module);
static int run_launch(const struct launch *launch, char *failure);

/* Appends an item to a stream's queue; the device lock is held. */
static void enqueue(struct fhp_stream_s *stream, struct item *item) {
    item->ticket = stream->device->next_ticket++;
    item->next = NULL;
    if (stream->tail != NULL) {
        stream->tail->next = item;
    } else {
        stream->head = item;
    }
    stream->tail = item;
    pthread_cond_signal(&stream->work);
}

static struct item *new_item(enum item_kind kind) {
    struct item *item = (struct item *)calloc(1, sizeof *item);
    if (item != NULL) {
        item->kind = kind;
    }
    return item;
}

/* True while the stream still has work queued before ticket `before`. Items
 * complete in order, so looking at the head is enough. Lock held. */
static int pending_before(const struct fhp_stream_s *stream, uint64_t before) {
    return stream->head != NULL && stream->head->ticket < before;
}

/* Waits until every stream of the device has completed the work queued
 * before this call (work queued meanwhile is not waited for). Lock held. */
static void wait_for_streams(struct fhp_device_s *device) {
    uint64_t before = device->next_ticket;
    for (;;) {
        const struct fhp_stream_s *s = device->streams;
        while (s != NULL && !pending_before(s, before)) {
            s = s->next;
        }
        if (s == NULL) {
            return;
        }
        pthread_cond_wait(&device->progress, &device->lock);
    }
}

/* What synchronous copies and memsets do first (flaghal.h, "Ordering"). */
static void wait_for_device_work(struct fhp_device_s *device) {
    pthread_mutex_lock(&device->lock);
    wait_for_streams(device);
    pthread_mutex_unlock(&device->lock);
}

/* Frees a completed item; the device lock is held. Returns a module whose
 * last reference the item held: the caller destroys it without the lock. */
static struct fhp_module_s *finish_item(struct item *item) {
    struct fhp_module_s *dead = NULL;
    mark_release(item->mark);
    if (item->launch != NULL) {
        struct fhp_module_s *module = item->launch->function->module;
        if (--module->refs == 0) {
            dead = module;
        }
        free(item->launch->args);
        free(item->launch);
    }
    free(item);
    return dead;
}

/* The stream's worker thread: runs the queue in order until the stream is
 * destroyed and its queue is empty. */
static void *stream_worker(void *arg) {
    struct fhp_stream_s *stream = (struct fhp_stream_s *)arg;
    struct fhp_device_s *device = stream->device;
    pthread_mutex_lock(&device->lock);
    for (;;) {
        struct item *item;
        struct fhp_module_s *dead;
        while (stream->head == NULL && !stream->stopping) {
            pthread_cond_wait(&stream->work, &device->lock);
        }
        item = stream->head;
        if (item == NULL) {
            break; /* stopping, and everything queued has run */
        }
        if (item->kind == ITEM_WAIT) {
            while (!item->mark->done) {
                pthread_cond_wait(&device->progress, &device->lock);
            }
        } else if (item->kind == ITEM_RECORD) {
            item->mark->failures = stream->failures;
            ++stream->failures->refs;
            item->mark->failures_seen = stream->failures->count;
            item->mark->done = 1;
        } else {
            char failure[MESSAGE_SIZE];
            int failed = 0;
            pthread_mutex_unlock(&device->lock);
            if (item->kind == ITEM_COPY && item->size > 0) {
                memmove(item->dst, item->src, item->size);
            } else if (item->kind == ITEM_MEMSET) {
                fill(item->dst, item->value, item->element_size, item->size);
            } else if (item->kind == ITEM_KERNEL) {
                failed = run_launch(item->launch, failure);
            }
            pthread_mutex_lock(&device->lock);
            if (failed) {
                ++stream->failures->count;
                memcpy(stream->failures->message, failure, MESSAGE_SIZE);
            }
        }
        stream->head = item->next;
        if (stream->head == NULL) {
            stream->tail = NULL;
        }
        dead = finish_item(item);
        pthread_cond_broadcast(&device->progress);
        if (dead != NULL) {
            pthread_mutex_unlock(&device->lock);
            module_destroy(dead);
            pthread_mutex_lock(&device->lock);
        }
    }
    pthread_mutex_unlock(&device->lock);
    return NULL;
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
        return fail(FH_ERROR_INVALID_VALUE, "properties->struct_size %zu is too small", given);
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
    p.compute_units = 1; /* a launch runs its blocks one at a time */
    p.max_threads_per_block = MAX_THREADS_PER_BLOCK;
    p.max_block_dim[0] = p.max_block_dim[1] = MAX_BLOCK_DIM_XY;
    p.max_block_dim[2] = MAX_BLOCK_DIM_Z;
    p.max_grid_dim[0] = MAX_GRID_DIM_X;
    p.max_grid_dim[1] = p.max_grid_dim[2] = MAX_GRID_DIM_YZ;
    p.subgroup_size = 1;
    p.max_shared_memory_per_block = MAX_SHARED_MEMORY;
    p.max_kernel_args_size = MAX_KERNEL_ARGS_SIZE;
    p.memory_alignment = ALIGNMENT;
    p.module_format_count = 1;
    p.module_formats[0] = FH_MODULE_FORMAT_NATIVE_CPU;
    p.capabilities = CAPABILITIES | (ZOO_CASE == ZOO_CAP_MISMATCH ? FH_DEVICE_CAP_EVENT_TIMING : 0);
    p.plugin_device_index = 0;
    /* Write only inside the caller's size, never struct_size itself. */
    memcpy((char *)props + header, (const char *)&p + header, len - header);
    return FH_SUCCESS;
}

/* Waits for every stream, then reports the first kernel failure not yet
 * reported on any of them. */
static fh_status_t m_device_synchronize(fhp_device_t device) {
    char message[MESSAGE_SIZE], later[MESSAGE_SIZE];
    const struct fhp_stream_s *s;
    int failed = 0;
    pthread_mutex_lock(&device->lock);
    wait_for_streams(device);
    for (s = device->streams; s != NULL; s = s->next) {
        if (take_failure(s->failures, s->failures->count, failed ? later : message)) {
            failed = 1; /* every stream's failures are reported now; the first message is kept */
        }
    }
    pthread_mutex_unlock(&device->lock);
    return failed ? fail(FH_ERROR_LAUNCH_FAILED, "%s", message) : FH_SUCCESS;
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
        return fail(FH_ERROR_OUT_OF_MEMORY, "out of memory allocating %zu bytes (%llu of %llu left)", size,
                    (unsigned long long)left, (unsigned long long)TOTAL_MEMORY);
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
        return fail(FH_ERROR_OUT_OF_MEMORY, "malloc of %zu bytes failed", size);
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

/* Does not wait for streams: the application synchronises first. */
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

/* ABI 1.1: the allocation containing address (interior addresses too). "Not
 * mine" is FH_ERROR_NOT_FOUND with no detail text: the loader asks every
 * device, and for most of them that is the ordinary answer. The loader fills
 * device and device_ordinal. */
static fh_status_t m_pointer_get_attributes(fhp_device_t device, fh_deviceptr_t address,
                                            fh_pointer_attributes_t *attributes) {
    const struct allocation *a;
    fh_status_t status = FH_ERROR_NOT_FOUND;
    if (attributes == NULL || attributes->struct_size < FH_POINTER_ATTRIBUTES_STRUCT_SIZE_1_2) {
        return fail(FH_ERROR_INVALID_VALUE, "attributes is NULL or its struct_size is too small");
    }
    pthread_mutex_lock(&device->lock);
    for (a = device->allocations; a != NULL; a = a->next) {
        if (address >= a->base && address - a->base < a->size) {
            attributes->type = FH_MEMORY_TYPE_DEVICE;
            attributes->base = a->base;
            attributes->size = a->size;
            status = FH_SUCCESS;
            break;
        }
    }
    pthread_mutex_unlock(&device->lock);
    return status;
}

/* Synchronous copies and memsets: check, wait for the streams, then act. */
static fh_status_t m_memcpy_htod(fhp_device_t device, fh_deviceptr_t dst, const void *src, size_t size) {
    fh_status_t status;
    if (src == NULL) {
        return fail(FH_ERROR_INVALID_VALUE, "src is NULL");
    }
    if ((status = check_range(device, dst, size, "destination")) != FH_SUCCESS) {
        return status;
    }
    wait_for_device_work(device);
    if (size > 0) {
        memcpy(host_ptr(dst), src, size);
    }
    return FH_SUCCESS;
}

static fh_status_t m_memcpy_dtoh(fhp_device_t device, void *dst, fh_deviceptr_t src, size_t size) {
    fh_status_t status;
    if (dst == NULL) {
        return fail(FH_ERROR_INVALID_VALUE, "dst is NULL");
    }
    if ((status = check_range(device, src, size, "source")) != FH_SUCCESS) {
        return status;
    }
    wait_for_device_work(device);
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
    wait_for_device_work(device);
    if (size > 0) {
        memmove(host_ptr(dst), host_ptr(src), size); /* overlap is undefined; memmove is one valid answer */
    }
    return FH_SUCCESS;
}

static fh_status_t m_memset(fhp_device_t device, fh_deviceptr_t dst, uint32_t value, uint32_t element_size,
                            size_t count) {
    fh_status_t status = check_memset(device, dst, element_size, count);
    if (status != FH_SUCCESS) {
        return status;
    }
    wait_for_device_work(device);
    fill(host_ptr(dst), value, element_size, count);
    return FH_SUCCESS;
}

/* Asynchronous copies and memsets: check the device range now, queue the
 * work; the worker reads and writes the host buffer when it gets there. */
static fh_status_t queue_copy(fhp_stream_t stream, void *dst, const void *src, size_t size) {
    struct item *item = new_item(ITEM_COPY);
    if (item == NULL) {
        return fail(FH_ERROR_OUT_OF_MEMORY, "no memory to queue a copy");
    }
    item->dst = dst;
    item->src = src;
    item->size = size;
    pthread_mutex_lock(&stream->device->lock);
    enqueue(stream, item);
    pthread_mutex_unlock(&stream->device->lock);
    return FH_SUCCESS;
}

static fh_status_t m_memcpy_htod_async(fhp_stream_t stream, fh_deviceptr_t dst, const void *src, size_t size) {
    fh_status_t status;
    if (src == NULL) {
        return fail(FH_ERROR_INVALID_VALUE, "src is NULL");
    }
    if ((status = check_range(stream->device, dst, size, "destination")) != FH_SUCCESS) {
        return status;
    }
    return queue_copy(stream, host_ptr(dst), src, size);
}

static fh_status_t m_memcpy_dtoh_async(fhp_stream_t stream, void *dst, fh_deviceptr_t src, size_t size) {
    fh_status_t status;
    if (dst == NULL) {
        return fail(FH_ERROR_INVALID_VALUE, "dst is NULL");
    }
    if ((status = check_range(stream->device, src, size, "source")) != FH_SUCCESS) {
        return status;
    }
    return queue_copy(stream, dst, host_ptr(src), size);
}

static fh_status_t m_memcpy_dtod_async(fhp_stream_t stream, fh_deviceptr_t dst, fh_deviceptr_t src, size_t size) {
    fh_status_t status;
    if ((status = check_range(stream->device, dst, size, "destination")) != FH_SUCCESS ||
        (status = check_range(stream->device, src, size, "source")) != FH_SUCCESS) {
        return status;
    }
    return queue_copy(stream, host_ptr(dst), host_ptr(src), size);
}

static fh_status_t m_memset_async(fhp_stream_t stream, fh_deviceptr_t dst, uint32_t value, uint32_t element_size,
                                  size_t count) {
    struct item *item;
    fh_status_t status = check_memset(stream->device, dst, element_size, count);
    if (status != FH_SUCCESS) {
        return status;
    }
    if ((item = new_item(ITEM_MEMSET)) == NULL) {
        return fail(FH_ERROR_OUT_OF_MEMORY, "no memory to queue a memset");
    }
    item->dst = host_ptr(dst);
    item->value = value;
    item->element_size = element_size;
    item->size = count;
    pthread_mutex_lock(&stream->device->lock);
    enqueue(stream, item);
    pthread_mutex_unlock(&stream->device->lock);
    return FH_SUCCESS;
}

/* ---------------------------------------------------------------------------
 * Streams and events
 * ------------------------------------------------------------------------- */

static fh_status_t m_stream_create(fhp_device_t device, uint32_t flags, fhp_stream_t *stream) {
    struct fhp_stream_s *s;
    struct failures *f;
    int error;
    if (flags != FH_STREAM_DEFAULT) {
        return fail(FH_ERROR_INVALID_VALUE, "unknown stream flags 0x%x", flags);
    }
    s = (struct fhp_stream_s *)calloc(1, sizeof *s);
    f = (struct failures *)calloc(1, sizeof *f);
    if (s == NULL || f == NULL) {
        free(s);
        free(f);
        return fail(FH_ERROR_OUT_OF_MEMORY, "no memory for a stream");
    }
    f->refs = 1;
    s->device = device;
    s->failures = f;
    pthread_cond_init(&s->work, NULL);
    if ((error = pthread_create(&s->worker, NULL, stream_worker, s)) != 0) {
        pthread_cond_destroy(&s->work);
        free(s);
        free(f);
        return fail(FH_ERROR_OUT_OF_MEMORY, "cannot start the stream's worker thread (error %d: %s)", error,
                    strerror(error));
    }
    pthread_mutex_lock(&device->lock);
    s->next = device->streams;
    device->streams = s;
    pthread_mutex_unlock(&device->lock);
    *stream = s;
    return FH_SUCCESS;
}

/* Waits for the queued work (the worker drains the queue before it exits). */
static fh_status_t m_stream_destroy(fhp_stream_t stream) {
    struct fhp_device_s *device = stream->device;
    struct fhp_stream_s **link;
    pthread_mutex_lock(&device->lock);
    stream->stopping = 1;
    pthread_cond_signal(&stream->work);
    pthread_mutex_unlock(&device->lock);
    pthread_join(stream->worker, NULL);
    pthread_mutex_lock(&device->lock);
    for (link = &device->streams; *link != NULL; link = &(*link)->next) {
        if (*link == stream) {
            *link = stream->next;
            break;
        }
    }
    failures_release(stream->failures);
    pthread_mutex_unlock(&device->lock);
    pthread_cond_destroy(&stream->work);
    free(stream);
    return FH_SUCCESS;
}

static fh_status_t m_stream_synchronize(fhp_stream_t stream) {
    struct fhp_device_s *device = stream->device;
    char message[MESSAGE_SIZE];
    uint64_t before;
    int failed;
    pthread_mutex_lock(&device->lock);
    before = device->next_ticket;
    while (pending_before(stream, before)) {
        pthread_cond_wait(&device->progress, &device->lock);
    }
    failed = take_failure(stream->failures, stream->failures->count, message);
    pthread_mutex_unlock(&device->lock);
    return failed ? fail(FH_ERROR_LAUNCH_FAILED, "%s", message) : FH_SUCCESS;
}

/* Never blocks and attaches no detail. */
static fh_status_t m_stream_query(fhp_stream_t stream) {
    int busy;
    pthread_mutex_lock(&stream->device->lock);
    busy = stream->head != NULL;
    pthread_mutex_unlock(&stream->device->lock);
    return busy ? FH_ERROR_NOT_READY : FH_SUCCESS;
}

/* Queues a wait for the event's latest record as it is now. */
static fh_status_t m_stream_wait_event(fhp_stream_t stream, fhp_event_t event) {
    struct item *item = new_item(ITEM_WAIT);
    struct mark *mark;
    if (item == NULL) {
        return fail(FH_ERROR_OUT_OF_MEMORY, "no memory to queue an event wait");
    }
    pthread_mutex_lock(&stream->device->lock);
    mark = event->latest;
    if (mark == NULL || mark->done) {
        pthread_mutex_unlock(&stream->device->lock);
        free(item); /* never recorded, or already complete: nothing to wait for */
        return FH_SUCCESS;
    }
    ++mark->refs;
    item->mark = mark;
    enqueue(stream, item);
    pthread_mutex_unlock(&stream->device->lock);
    return FH_SUCCESS;
}

static fh_status_t m_event_create(fhp_device_t device, uint32_t flags, fhp_event_t *event) {
    struct fhp_event_s *e;
    if (flags != FH_EVENT_DEFAULT && flags != FH_EVENT_DISABLE_TIMING) {
        return fail(FH_ERROR_INVALID_VALUE, "unknown event flags 0x%x", flags);
    }
    e = (struct fhp_event_s *)calloc(1, sizeof *e);
    if (e == NULL) {
        return fail(FH_ERROR_OUT_OF_MEMORY, "no memory for an event");
    }
    e->device = device;
    e->flags = flags;
    *event = e;
    return FH_SUCCESS;
}

/* Waits already queued on the event hold their own reference to its mark. */
static fh_status_t m_event_destroy(fhp_event_t event) {
    pthread_mutex_lock(&event->device->lock);
    mark_release(event->latest);
    pthread_mutex_unlock(&event->device->lock);
    free(event);
    return FH_SUCCESS;
}

static fh_status_t m_event_record(fhp_event_t event, fhp_stream_t stream) {
    struct item *item = new_item(ITEM_RECORD);
    struct mark *mark = (struct mark *)calloc(1, sizeof *mark);
    if (item == NULL || mark == NULL) {
        free(item);
        free(mark);
        return fail(FH_ERROR_OUT_OF_MEMORY, "no memory to record an event");
    }
    mark->refs = 2; /* the event and the queued item */
    item->mark = mark;
    pthread_mutex_lock(&stream->device->lock);
    mark_release(event->latest);
    event->latest = mark;
    enqueue(stream, item);
    pthread_mutex_unlock(&stream->device->lock);
    return FH_SUCCESS;
}

/* Waits for the latest record, then reports a kernel failure that came
 * before it on its stream, if no synchronisation has reported it yet. */
static fh_status_t m_event_synchronize(fhp_event_t event) {
    char message[MESSAGE_SIZE];
    struct mark *mark;
    int failed = 0;
    pthread_mutex_lock(&event->device->lock);
    mark = event->latest;
    if (mark != NULL) {
        ++mark->refs; /* the event may be re-recorded or destroyed meanwhile */
        while (!mark->done) {
            pthread_cond_wait(&event->device->progress, &event->device->lock);
        }
        failed = take_failure(mark->failures, mark->failures_seen, message);
        mark_release(mark);
    }
    pthread_mutex_unlock(&event->device->lock);
    return failed ? fail(FH_ERROR_LAUNCH_FAILED, "%s", message) : FH_SUCCESS;
}

static fh_status_t m_event_query(fhp_event_t event) {
    int done;
    pthread_mutex_lock(&event->device->lock);
    done = event->latest == NULL || event->latest->done;
    pthread_mutex_unlock(&event->device->lock);
    return done ? FH_SUCCESS : FH_ERROR_NOT_READY;
}

/* ---------------------------------------------------------------------------
 * Modules: FH_MODULE_FORMAT_NATIVE_CPU, host shared libraries
 * ------------------------------------------------------------------------- */

static int host_is_little_endian(void) {
    const uint16_t one = 1;
    return *(const unsigned char *)&one == 1;
}

/* True if count entries of entry_size bytes at offset lie inside size bytes. */
static int fits(uint64_t offset, uint64_t count, uint64_t entry_size, size_t size) {
    if (offset > size) {
        return 0;
    }
    return entry_size == 0 || count <= ((uint64_t)size - offset) / entry_size;
}

/* Checks the bytes are a whole ELF shared object for this host before dlopen
 * sees them, so garbage, truncated and foreign images get INVALID_IMAGE with
 * the reason instead of a crash. */
static fh_status_t check_elf(const unsigned char *bytes, size_t size) {
    Elf64_Ehdr h;
    Elf64_Phdr ph;
    unsigned i;
    unsigned host_data = host_is_little_endian() ? ELFDATA2LSB : ELFDATA2MSB;
    if (size < SELFMAG || memcmp(bytes, ELFMAG, SELFMAG) != 0) {
        return fail(FH_ERROR_INVALID_IMAGE, "not an ELF file: a native CPU module starts with 7f 45 4c 46");
    }
    if (size < sizeof h) {
        return fail(FH_ERROR_INVALID_IMAGE, "truncated: %zu bytes, shorter than the 64-byte ELF header", size);
    }
    memcpy(&h, bytes, sizeof h);
    if (h.e_ident[EI_CLASS] != ELFCLASS64) {
        return fail(FH_ERROR_INVALID_IMAGE, "ELF class %u is not ELFCLASS64 (2)", (unsigned)h.e_ident[EI_CLASS]);
    }
    if (h.e_ident[EI_DATA] != host_data) {
        return fail(FH_ERROR_INVALID_IMAGE, "ELF byte order %u is not this host's (%u)", (unsigned)h.e_ident[EI_DATA],
                    host_data);
    }
    if (h.e_ident[EI_VERSION] != EV_CURRENT) {
        return fail(FH_ERROR_INVALID_IMAGE, "ELF version %u is not EV_CURRENT (1)", (unsigned)h.e_ident[EI_VERSION]);
    }
    if (h.e_type != ET_DYN) {
        return fail(FH_ERROR_INVALID_IMAGE, "ELF type %u is not ET_DYN (3): build the module with -shared -fPIC",
                    (unsigned)h.e_type);
    }
    if (h.e_machine != HOST_ELF_MACHINE) {
        return fail(FH_ERROR_INVALID_IMAGE, "built for ELF machine %u; this host is machine %u", (unsigned)h.e_machine,
                    (unsigned)HOST_ELF_MACHINE);
    }
    if (h.e_phnum == 0 || h.e_phentsize != sizeof ph || !fits(h.e_phoff, h.e_phnum, sizeof ph, size)) {
        return fail(FH_ERROR_INVALID_IMAGE,
                    "truncated or damaged: the program headers (%u entries of %u bytes at offset %llu) do not lie inside the "
                    "%zu bytes given",
                    (unsigned)h.e_phnum, (unsigned)h.e_phentsize, (unsigned long long)h.e_phoff, size);
    }
    for (i = 0; i < h.e_phnum; ++i) {
        memcpy(&ph, bytes + h.e_phoff + (size_t)i * sizeof ph, sizeof ph);
        if (ph.p_type == PT_LOAD && !fits(ph.p_offset, 1, ph.p_filesz, size)) {
            return fail(FH_ERROR_INVALID_IMAGE,
                        "truncated: loadable segment %u (%llu bytes at offset %llu) ends past the %zu bytes given", i,
                        (unsigned long long)ph.p_filesz, (unsigned long long)ph.p_offset, size);
        }
    }
    if (h.e_shnum > 0 &&
        (h.e_shentsize != sizeof(Elf64_Shdr) || !fits(h.e_shoff, h.e_shnum, sizeof(Elf64_Shdr), size))) {
        return fail(FH_ERROR_INVALID_IMAGE,
                    "truncated or damaged: the section headers (%u at offset %llu) do not lie inside the %zu bytes "
                    "given",
                    (unsigned)h.e_shnum, (unsigned long long)h.e_shoff, size);
    }
    return FH_SUCCESS;
}

static int write_all(int fd, const unsigned char *bytes, size_t size) {
    while (size > 0) {
        ssize_t n = write(fd, bytes, size);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return 0;
        }
        bytes += n;
        size -= (size_t)n;
    }
    return 1;
}

/* Copies the bytes into an anonymous memory file and dlopens it as
 * /proc/self/fd/N. The memfd stays open while the library is loaded: glibc
 * recognises a loaded library by its path, so that number must not name
 * another module meanwhile. */
static fh_status_t m_module_load(fhp_device_t device, fh_module_format_t format, const void *data, size_t size,
                                 fhp_module_t *module) {
    struct fhp_module_s *m;
    fh_status_t status;
    int fd, error;
    if (format != FH_MODULE_FORMAT_NATIVE_CPU) {
        return fail(FH_ERROR_NOT_SUPPORTED, "module format %d is not supported (only FH_MODULE_FORMAT_NATIVE_CPU)",
                    (int)format);
    }
    if (data == NULL || size == 0) {
        return fail(FH_ERROR_INVALID_VALUE, "no module bytes (data %p, size %zu)", data, size);
    }
    if ((status = check_elf((const unsigned char *)data, size)) != FH_SUCCESS) {
        return status;
    }
    if ((m = (struct fhp_module_s *)calloc(1, sizeof *m)) == NULL) {
        return fail(FH_ERROR_OUT_OF_MEMORY, "no memory for a module");
    }
    if ((fd = memfd_create("flaghal-minimal-module", MFD_CLOEXEC)) < 0) {
        error = errno;
        free(m);
        return fail(error == ENOMEM ? FH_ERROR_OUT_OF_MEMORY : FH_ERROR_UNKNOWN, "memfd_create failed: %s",
                    strerror(error));
    }
    if (!write_all(fd, (const unsigned char *)data, size)) {
        error = errno;
        close(fd);
        free(m);
        return fail(error == ENOMEM || error == ENOSPC ? FH_ERROR_OUT_OF_MEMORY : FH_ERROR_UNKNOWN,
                    "writing %zu module bytes to the memfd failed: %s", size, strerror(error));
    }
    snprintf(m->path, sizeof m->path, "/proc/self/fd/%d", fd);
    if ((m->library = dlopen(m->path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
        const char *why = dlerror();
        status = fail(FH_ERROR_INVALID_IMAGE, "dlopen rejected the module: %s", why != NULL ? why : "(no dlerror)");
        close(fd);
        free(m);
        return status;
    }
    m->device = device;
    m->fd = fd;
    m->refs = 1;
    *module = m;
    return FH_SUCCESS;
}

/* Called once the module handle and every queued launch are gone. */
static void module_destroy(struct fhp_module_s *module) {
    void *still_loaded;
    while (module->functions != NULL) {
        struct fhp_function_s *f = module->functions;
        module->functions = f->next;
        free(f->name);
        free(f);
    }
    dlclose(module->library);
    /* Still mapped (e.g. linked with -z nodelete)? Then its path must never
     * name another module: keep the descriptor, and so its number. */
    still_loaded = dlopen(module->path, RTLD_NOW | RTLD_NOLOAD);
    if (still_loaded != NULL) {
        dlclose(still_loaded);
        debug_log("minimal: a module stays mapped after dlclose; its memfd is kept open");
    } else {
        close(module->fd);
    }
    free(module);
}

/* Queued launches keep the code loaded until they have run. */
static fh_status_t m_module_unload(fhp_module_t module) {
    int last;
    pthread_mutex_lock(&module->device->lock);
    last = --module->refs == 0;
    pthread_mutex_unlock(&module->device->lock);
    if (last) {
        module_destroy(module);
    }
    return FH_SUCCESS;
}

/* A kernel is NAME plus NAME__fh_meta, both exported, with metadata of this
 * calling convention. A name looked up twice gives the same handle. */
static fh_status_t m_module_get_function(fhp_module_t module, const char *name, fhp_function_t *function) {
    struct fhp_function_s *f, *known;
    fh_cpu_kernel_meta_t meta;
    uint32_t meta_size;
    size_t length = strlen(name);
    char *meta_name;
    void *entry, *meta_symbol;

    pthread_mutex_lock(&module->device->lock);
    for (known = module->functions; known != NULL && strcmp(known->name, name) != 0; known = known->next) {
    }
    pthread_mutex_unlock(&module->device->lock);
    if (known != NULL) {
        *function = known;
        return FH_SUCCESS;
    }
    if (length == 0 || (entry = dlsym(module->library, name)) == NULL) {
        return fail(FH_ERROR_NOT_FOUND, "kernel \"%s\": no such symbol in the module", name);
    }
    if ((meta_name = (char *)malloc(length + sizeof FH_CPU_KERNEL_META_SUFFIX)) == NULL) {
        return fail(FH_ERROR_OUT_OF_MEMORY, "no memory to look up kernel \"%s\"", name);
    }
    memcpy(meta_name, name, length);
    memcpy(meta_name + length, FH_CPU_KERNEL_META_SUFFIX, sizeof FH_CPU_KERNEL_META_SUFFIX);
    meta_symbol = dlsym(module->library, meta_name);
    free(meta_name);
    if (meta_symbol == NULL) {
        return fail(FH_ERROR_NOT_FOUND,
                    "kernel \"%s\": the symbol exists but %s%s does not, so it is not a kernel (declare it with "
                    "FH_CPU_KERNEL)",
                    name, name, FH_CPU_KERNEL_META_SUFFIX);
    }
    memcpy(&meta_size, meta_symbol, sizeof meta_size); /* struct_size comes first */
    if (meta_size < sizeof meta) {
        return fail(FH_ERROR_NOT_FOUND, "kernel \"%s\": its metadata struct_size %u is below %zu", name, meta_size,
                    sizeof meta);
    }
    memcpy(&meta, meta_symbol, sizeof meta);
    if (meta.abi_version != FH_CPU_KERNEL_ABI_VERSION) {
        return fail(FH_ERROR_NOT_FOUND, "kernel \"%s\": built for CPU kernel calling convention %u, this plugin runs %u",
                    name, meta.abi_version, FH_CPU_KERNEL_ABI_VERSION);
    }
    f = (struct fhp_function_s *)calloc(1, sizeof *f);
    if (f == NULL || (f->name = (char *)malloc(length + 1)) == NULL) {
        free(f);
        return fail(FH_ERROR_OUT_OF_MEMORY, "no memory for kernel \"%s\"", name);
    }
    memcpy(f->name, name, length + 1);
    memcpy(&f->entry, &entry, sizeof f->entry); /* dlsym's void * to a function pointer, as POSIX allows */
    f->meta = meta;
    f->module = module;

    pthread_mutex_lock(&module->device->lock);
    for (known = module->functions; known != NULL && strcmp(known->name, name) != 0; known = known->next) {
    }
    if (known == NULL) { /* another thread may have added it meanwhile */
        f->next = module->functions;
        module->functions = f;
    }
    pthread_mutex_unlock(&module->device->lock);
    if (known != NULL) {
        free(f->name);
        free(f);
        f = known;
    }
    *function = f;
    return FH_SUCCESS;
}

static uint32_t function_max_threads(const struct fhp_function_s *f) {
    uint32_t own = f->meta.max_threads_per_block;
    return own == 0 || own > MAX_THREADS_PER_BLOCK ? MAX_THREADS_PER_BLOCK : own;
}

static fh_status_t m_function_get_attribute(fhp_function_t function, fh_function_attribute_t attrib,
                                            int32_t *value) {
    uint32_t shared = function->meta.static_shared_bytes;
    switch (attrib) {
    case FH_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK:
        *value = (int32_t)function_max_threads(function);
        return FH_SUCCESS;
    case FH_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES:
        *value = shared > MAX_SHARED_MEMORY ? (int32_t)MAX_SHARED_MEMORY : (int32_t)shared;
        return FH_SUCCESS;
    case FH_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES:
        *value = shared > MAX_SHARED_MEMORY ? 0 : (int32_t)(MAX_SHARED_MEMORY - shared);
        return FH_SUCCESS;
    case FH_FUNC_ATTRIBUTE_NUM_REGS:
        *value = 0;
        return FH_SUCCESS;
    default:
        return fail(FH_ERROR_INVALID_VALUE, "unknown function attribute %d", (int)attrib);
    }
}

/* ---------------------------------------------------------------------------
 * Kernel launches
 * ------------------------------------------------------------------------- */

/* What ctx->reserved points to while a launch runs. */
struct kernel_run {
    int failed;
    char message[MESSAGE_SIZE];
};

/* ctx->fail: keeps the first message; the remaining blocks are skipped. */
static void kernel_fail(const fh_cpu_kernel_context_t *ctx, const char *message) {
    struct kernel_run *run = (struct kernel_run *)ctx->reserved;
    if (!run->failed) {
        run->failed = 1;
        snprintf(run->message, sizeof run->message, "%s", message != NULL ? message : "(no message)");
    }
}

/* Runs every block of a launch on the calling (worker) thread. Returns 1 and
 * fills failure (MESSAGE_SIZE bytes) if the kernel failed. */
static int run_launch(const struct launch *launch, char *failure) {
    const struct fhp_function_s *f = launch->function;
    fh_cpu_kernel_context_t ctx;
    struct kernel_run run;
    void *shared = NULL;
    uint32_t x, y, z;
    if (posix_memalign(&shared, SHARED_MEMORY_ALIGNMENT, launch->shared_bytes > 0 ? launch->shared_bytes : 1) != 0) {
        snprintf(failure, MESSAGE_SIZE, "kernel %s: no memory for %zu bytes of shared memory", f->name,
                 launch->shared_bytes);
        return 1;
    }
    run.failed = 0;
    run.message[0] = '\0';
    memset(&ctx, 0, sizeof ctx);
    ctx.struct_size = sizeof ctx;
    memcpy(ctx.grid_dim, launch->grid, sizeof ctx.grid_dim);
    memcpy(ctx.block_dim, launch->block, sizeof ctx.block_dim);
    ctx.shared_memory = shared;
    ctx.shared_memory_size = launch->shared_bytes;
    ctx.fail = kernel_fail;
    ctx.reserved = &run;
    ctx.args_size = launch->args_size;
    for (z = 0; z < launch->grid[2] && !run.failed; ++z) {
        for (y = 0; y < launch->grid[1] && !run.failed; ++y) {
            for (x = 0; x < launch->grid[0] && !run.failed; ++x) {
                ctx.block_idx[0] = x;
                ctx.block_idx[1] = y;
                ctx.block_idx[2] = z;
                f->entry(&ctx, launch->args);
            }
        }
    }
    free(shared);
    if (run.failed) {
        snprintf(failure, MESSAGE_SIZE, "kernel %s failed: %.200s", f->name, run.message);
    }
    return run.failed;
}

/* Checks the launch (the loader checked the device's limits already; they
 * are cheap to repeat), copies the blob and queues the launch. */
static fh_status_t m_launch_kernel(fhp_function_t function, const fh_plugin_launch_params_t *params,
                                   fhp_stream_t stream) {
    const uint32_t *g = params->grid, *b = params->block;
    uint64_t threads, shared;
    struct launch *launch;
    struct item *item;
    if (params->struct_size < FH_PLUGIN_LAUNCH_PARAMS_STRUCT_SIZE_1_0) {
        return fail(FH_ERROR_INVALID_VALUE, "launch params struct_size %zu is too small", params->struct_size);
    }
    if (g[0] == 0 || g[1] == 0 || g[2] == 0 || b[0] == 0 || b[1] == 0 || b[2] == 0) {
        return fail(FH_ERROR_INVALID_CONFIGURATION, "grid %ux%ux%u or block %ux%ux%u has a zero dimension", g[0], g[1],
                    g[2], b[0], b[1], b[2]);
    }
    if (g[0] > MAX_GRID_DIM_X || g[1] > MAX_GRID_DIM_YZ || g[2] > MAX_GRID_DIM_YZ || b[0] > MAX_BLOCK_DIM_XY ||
        b[1] > MAX_BLOCK_DIM_XY || b[2] > MAX_BLOCK_DIM_Z) {
        return fail(FH_ERROR_INVALID_CONFIGURATION, "grid %ux%ux%u or block %ux%ux%u exceeds the device's limits",
                    g[0], g[1], g[2], b[0], b[1], b[2]);
    }
    threads = (uint64_t)b[0] * b[1] * b[2];
    if (threads > function_max_threads(function)) {
        return fail(FH_ERROR_INVALID_CONFIGURATION, "block %ux%ux%u has %llu threads; kernel %s allows at most %u",
                    b[0], b[1], b[2], (unsigned long long)threads, function->name, function_max_threads(function));
    }
    shared = (uint64_t)function->meta.static_shared_bytes + params->shared_mem_bytes;
    if (shared > MAX_SHARED_MEMORY) {
        return fail(FH_ERROR_INVALID_CONFIGURATION,
                    "kernel %s needs %u static + %u dynamic shared bytes, above the limit %u", function->name,
                    function->meta.static_shared_bytes, params->shared_mem_bytes, MAX_SHARED_MEMORY);
    }
    if (params->args_size > MAX_KERNEL_ARGS_SIZE) {
        return fail(FH_ERROR_INVALID_CONFIGURATION, "argument blob of %zu bytes is above the limit %u",
                    params->args_size, MAX_KERNEL_ARGS_SIZE);
    }
    if (params->args == NULL && params->args_size > 0) {
        return fail(FH_ERROR_INVALID_VALUE, "args is NULL with args_size %zu", params->args_size);
    }
    launch = (struct launch *)calloc(1, sizeof *launch);
    item = new_item(ITEM_KERNEL);
    if (launch == NULL || item == NULL ||
        (params->args_size > 0 && posix_memalign(&launch->args, ARGS_ALIGNMENT, params->args_size) != 0)) {
        free(launch);
        free(item);
        return fail(FH_ERROR_OUT_OF_MEMORY, "no memory to queue a launch of %s", function->name);
    }
    if (params->args_size > 0) {
        memcpy(launch->args, params->args, params->args_size); /* params->args is only valid during this call */
    }
    launch->function = function;
    memcpy(launch->grid, g, sizeof launch->grid);
    memcpy(launch->block, b, sizeof launch->block);
    launch->shared_bytes = (size_t)shared;
    launch->args_size = params->args_size;
    item->launch = launch;
    pthread_mutex_lock(&stream->device->lock);
    ++function->module->refs;
    enqueue(stream, item);
    pthread_mutex_unlock(&stream->device->lock);
    return FH_SUCCESS;
}

/* ---------------------------------------------------------------------------
 * The table and the entry point
 * ------------------------------------------------------------------------- */

static const fh_plugin_api_t api = {
    ZOO_CASE == ZOO_TABLE_TOO_SMALL ? FH_PLUGIN_API_STRUCT_SIZE_1_0 - sizeof(void *) : sizeof(fh_plugin_api_t),
    NULL,
    PLUGIN_NAME,
    "FlagHAL examples",
    "1.1.0",
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
    ZOO_CASE == ZOO_ABI_1_0 ? NULL : m_pointer_get_attributes, /* ABI 1.1 */
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
