/*
 * flaghal_plugin.h - the FlagHAL plugin ABI, version 1.1: what a chip vendor
 * implements. Plain C99 (stdint/stddef only, through flaghal.h); implementable
 * in any language that can export a C function. docs/abi.md states the rules
 * in prose and docs/plugin-guide.md walks through writing a plugin.
 *
 * Shape
 * -----
 * A plugin is a shared library that exports exactly one symbol,
 * fhPluginNegotiate (FH_PLUGIN_ENTRY_SYMBOL). The loader calls it once to agree
 * on an ABI version and receive the plugin's function table (fh_plugin_api_t),
 * then calls table->init once with the host services, then enumerates devices.
 * The library is never unloaded while the process runs.
 *
 * Rules every plugin follows
 * --------------------------
 * 1. Versions: major must equal the loader's; the negotiated minor is
 *    min(plugin's max, loader's max) and must be >= the loader's minimum.
 * 2. Sizes: every struct crossing the ABI starts with struct_size. A receiver
 *    accepts any size >= the 1.0 size (the FH_*_STRUCT_SIZE_1_0 macros),
 *    treats fields beyond a smaller given size as zero, and writes outputs only
 *    inside the size it was given.
 * 3. The table only grows at the end. A NULL optional entry means "not
 *    supported": the loader answers FH_ERROR_NOT_SUPPORTED without calling.
 *    Required entries (marked REQUIRED) are checked at load time; a plugin
 *    with one missing is skipped.
 * 4. Capability flags a device reports (FH_DEVICE_CAP_*) agree with the table:
 *    a flag whose entries are NULL gets the plugin skipped. A flag a device
 *    does not report means the loader never calls those entries for it.
 * 5. Errors: return fh_status_t; before returning an error, attach detail text
 *    with host->set_error_detail on the calling thread. Never let a panic or a
 *    C++ exception cross the boundary: catch it and return FH_ERROR_PANIC.
 * 6. Threads: every entry may be called concurrently from any thread. The
 *    loader takes no lock around plugin calls.
 * 7. Handles: fhp_* handles are the plugin's own opaque pointers. The loader
 *    wraps them and validates NULL, kind and device membership before calling,
 *    so entries receive non-NULL handles of the right kind that belong to the
 *    device involved, and non-NULL output pointers. It also checks what it can
 *    judge without the device: stream and event flags, non-zero allocation
 *    and module sizes, memset element sizes, listed module formats, launch
 *    limits against the device's properties (docs/abi.md has the full list).
 *    Everything else (addresses and ranges, alignment, module bytes, kernel
 *    names, a kernel's own limits) passes through unchecked: the plugin
 *    validates it and returns the statuses flaghal.h documents.
 *    A create entry (stream_create, event_create, module_load,
 *    module_get_function) that returns FH_SUCCESS writes a non-NULL handle.
 *    One that writes NULL breaks the contract: the loader creates no handle,
 *    never calls the plugin with that NULL, and returns FH_ERROR_UNKNOWN to
 *    the application ("reported success but returned a NULL stream").
 * 8. Semantics: each entry implements the flaghal.h function named beside it,
 *    with that function's ordering, blocking and error rules. A rule a later
 *    minor adds binds only plugins that negotiate that minor: since ABI 1.1,
 *    memcpy_htod_async and memcpy_dtoh_async read or write pinned memory of
 *    their own device (mem_alloc_host) when the stream reaches the copy,
 *    never at queue time (flaghal.h, Ordering, "Since 1.2"); the loader's
 *    queued copies between devices rely on it only for 1.1 plugins.
 */
#ifndef FLAGHAL_PLUGIN_H_
#define FLAGHAL_PLUGIN_H_

#include "flaghal.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------
 * ABI version
 * ------------------------------------------------------------------------- */

#define FH_PLUGIN_ABI_VERSION_MAJOR 1u
/** 1.1 appends pointer_get_attributes to the table (fhPointerGetAttributes,
 *  API 1.2) and the stream-ordered pinned-memory rule (rule 8). A 1.0
 *  plugin still loads (FH_PLUGIN_ABI_MIN_MINOR stays 0). */
#define FH_PLUGIN_ABI_VERSION_MINOR 1u
/** The lowest minor this loader accepts for major FH_PLUGIN_ABI_VERSION_MAJOR. */
#define FH_PLUGIN_ABI_MIN_MINOR 0u

/** The one symbol a plugin exports. */
#define FH_PLUGIN_ENTRY_SYMBOL "fhPluginNegotiate"

/** Byte size of a struct up to and including member (the PJRT idiom). */
#define FH_STRUCT_SIZE(type, member) (offsetof(type, member) + sizeof(((type *)0)->member))

/* ---------------------------------------------------------------------------
 * Plugin-side handles: opaque to the loader
 * ------------------------------------------------------------------------- */

typedef struct fhp_device_s *fhp_device_t;
typedef struct fhp_stream_s *fhp_stream_t;
typedef struct fhp_event_s *fhp_event_t;
typedef struct fhp_module_s *fhp_module_t;
typedef struct fhp_function_s *fhp_function_t;

/* ---------------------------------------------------------------------------
 * Host services: what the loader offers a plugin
 * ------------------------------------------------------------------------- */

typedef enum fh_log_level {
    FH_LOG_LEVEL_ERROR = 0,
    FH_LOG_LEVEL_WARN = 1,
    FH_LOG_LEVEL_INFO = 2,
    FH_LOG_LEVEL_DEBUG = 3,
    FH_LOG_LEVEL_FORCE_32BIT = 0x7FFFFFFF
} fh_log_level_t;

/**
 * Services the loader hands the plugin in init. The struct and the functions
 * stay valid until the process exits; every function is thread-safe and may be
 * called from any thread, including the plugin's own worker threads.
 */
typedef struct fh_plugin_host_services {
    size_t struct_size;
    void *next;
    /** Passed back as the first argument of every service below. */
    void *context;
    /**
     * Writes message (NUL-terminated UTF-8) to the loader's log, shown when
     * FLAGHAL_LOADER_DEBUG enables level. Never fails.
     */
    void (*log)(void *context, fh_log_level_t level, const char *message);
    /**
     * Attaches message as the detail of the failure the calling thread is
     * about to return from the current entry. The loader prefixes it with the
     * plugin and operation names and stores it in the application thread's
     * detail message. Call it on the thread that returns the error.
     */
    void (*set_error_detail)(void *context, const char *message);
} fh_plugin_host_services_t;

#define FH_PLUGIN_HOST_SERVICES_STRUCT_SIZE_1_0 FH_STRUCT_SIZE(fh_plugin_host_services_t, set_error_detail)

/* ---------------------------------------------------------------------------
 * Arguments of the table entries that take structs
 * ------------------------------------------------------------------------- */

/** Arguments of init. */
typedef struct fh_plugin_init_args {
    size_t struct_size;
    void *next;
    /** Negotiated ABI version (FH_MAKE_VERSION(major, minor, 0)). */
    uint32_t abi_version;
    /** Host services; valid until the process exits. */
    const fh_plugin_host_services_t *host;
} fh_plugin_init_args_t;

#define FH_PLUGIN_INIT_ARGS_STRUCT_SIZE_1_0 FH_STRUCT_SIZE(fh_plugin_init_args_t, host)

/** One kernel launch (fhLaunchKernel). Validated by the loader against the
 *  device's limits before the plugin sees it; the plugin checks the
 *  function's own limits. args is only valid during the call: copy it. */
typedef struct fh_plugin_launch_params {
    size_t struct_size;
    void *next;
    uint32_t grid[3];
    uint32_t block[3];
    uint32_t shared_mem_bytes;
    const void *args;
    size_t args_size;
} fh_plugin_launch_params_t;

#define FH_PLUGIN_LAUNCH_PARAMS_STRUCT_SIZE_1_0 FH_STRUCT_SIZE(fh_plugin_launch_params_t, args_size)

/* ---------------------------------------------------------------------------
 * The function table
 * ------------------------------------------------------------------------- */

/**
 * The plugin's function table. The plugin owns it (static storage); it must
 * stay valid and unchanged until the process exits. Entries follow the
 * flaghal.h function named beside them. Entries marked OPTIONAL may be NULL.
 */
typedef struct fh_plugin_api {
    /** sizeof(fh_plugin_api_t) as the plugin was compiled; at least
     *  FH_PLUGIN_API_STRUCT_SIZE_1_0. */
    size_t struct_size;
    void *next;

    /* Identity: NUL-terminated static strings, non-NULL. */
    /** Short unique name, [a-z0-9_-]+ ("cpu", "vulkan", "acme-npu"). */
    const char *name;
    const char *vendor;
    /** The plugin's own version, free form ("1.4.2"). */
    const char *version;

    /* Lifecycle and devices -------------------------------------------- */
    /** REQUIRED. Called once, before any other entry. May find zero devices;
     *  return an error only when the plugin cannot work at all. */
    fh_status_t (*init)(const fh_plugin_init_args_t *args);
    /** REQUIRED. Number of devices (0 is fine). Stable after init. */
    fh_status_t (*device_count)(uint32_t *count);
    /** REQUIRED. Device index (0 .. count-1); handle valid until process exit. */
    fh_status_t (*device_get)(uint32_t index, fhp_device_t *device);
    /** REQUIRED. fhDeviceGetProperties. props->struct_size is set by the
     *  loader; plugin_name and plugin_device_index are filled by the loader
     *  afterwards (whatever the plugin wrote there is replaced). */
    fh_status_t (*device_get_properties)(fhp_device_t device, fh_device_properties_t *props);
    /** REQUIRED. fhDeviceSynchronize. */
    fh_status_t (*device_synchronize)(fhp_device_t device);
    /** REQUIRED. fhMemGetInfo; both pointers non-NULL. */
    fh_status_t (*mem_get_info)(fhp_device_t device, size_t *free_bytes, size_t *total_bytes);

    /* Memory ------------------------------------------------------------- */
    /** REQUIRED. fhMemAlloc (size > 0 is checked by the loader). */
    fh_status_t (*mem_alloc)(fhp_device_t device, size_t size, fh_deviceptr_t *ptr);
    /** REQUIRED. fhMemFree (ptr != 0: the loader handles 0). */
    fh_status_t (*mem_free)(fhp_device_t device, fh_deviceptr_t ptr);
    /** OPTIONAL, with FH_DEVICE_CAP_PINNED_HOST_MEMORY. fhMemAllocHost. */
    fh_status_t (*mem_alloc_host)(fhp_device_t device, size_t size, void **ptr);
    /** OPTIONAL, with FH_DEVICE_CAP_PINNED_HOST_MEMORY. fhMemFreeHost (ptr != NULL). */
    fh_status_t (*mem_free_host)(fhp_device_t device, void *ptr);
    /** REQUIRED. fhMemcpyHtoD. */
    fh_status_t (*memcpy_htod)(fhp_device_t device, fh_deviceptr_t dst, const void *src, size_t size);
    /** REQUIRED. fhMemcpyDtoH. */
    fh_status_t (*memcpy_dtoh)(fhp_device_t device, void *dst, fh_deviceptr_t src, size_t size);
    /** REQUIRED. fhMemcpyDtoD. */
    fh_status_t (*memcpy_dtod)(fhp_device_t device, fh_deviceptr_t dst, fh_deviceptr_t src, size_t size);
    /** REQUIRED. fhMemcpyHtoDAsync. */
    fh_status_t (*memcpy_htod_async)(fhp_stream_t stream, fh_deviceptr_t dst, const void *src, size_t size);
    /** REQUIRED. fhMemcpyDtoHAsync. */
    fh_status_t (*memcpy_dtoh_async)(fhp_stream_t stream, void *dst, fh_deviceptr_t src, size_t size);
    /** REQUIRED. fhMemcpyDtoDAsync. */
    fh_status_t (*memcpy_dtod_async)(fhp_stream_t stream, fh_deviceptr_t dst, fh_deviceptr_t src, size_t size);
    /**
     * REQUIRED. fhMemsetD8/D16/D32: sets count elements of element_size
     * (1, 2 or 4, checked by the loader) bytes at dst to the low element_size
     * bytes of value. The plugin checks dst alignment.
     */
    fh_status_t (*memset)(fhp_device_t device, fh_deviceptr_t dst, uint32_t value, uint32_t element_size,
                          size_t count);
    /** REQUIRED. fhMemsetD8Async/D16Async/D32Async, as memset. */
    fh_status_t (*memset_async)(fhp_stream_t stream, fh_deviceptr_t dst, uint32_t value, uint32_t element_size,
                                size_t count);

    /* Streams ------------------------------------------------------------ */
    /** REQUIRED. fhStreamCreate. */
    fh_status_t (*stream_create)(fhp_device_t device, uint32_t flags, fhp_stream_t *stream);
    /** REQUIRED. fhStreamDestroy (never NULL). */
    fh_status_t (*stream_destroy)(fhp_stream_t stream);
    /** REQUIRED. fhStreamSynchronize. */
    fh_status_t (*stream_synchronize)(fhp_stream_t stream);
    /** REQUIRED. fhStreamQuery: FH_SUCCESS or FH_ERROR_NOT_READY, never blocks. */
    fh_status_t (*stream_query)(fhp_stream_t stream);
    /** REQUIRED. fhStreamWaitEvent (same device, checked by the loader). */
    fh_status_t (*stream_wait_event)(fhp_stream_t stream, fhp_event_t event);
    /** OPTIONAL, with FH_DEVICE_CAP_HOST_FUNC. fhLaunchHostFunc (fn non-NULL). */
    fh_status_t (*launch_host_func)(fhp_stream_t stream, fh_host_fn_t fn, void *user_data);

    /* Events ------------------------------------------------------------- */
    /** REQUIRED. fhEventCreate. */
    fh_status_t (*event_create)(fhp_device_t device, uint32_t flags, fhp_event_t *event);
    /** REQUIRED. fhEventDestroy (never NULL). */
    fh_status_t (*event_destroy)(fhp_event_t event);
    /** REQUIRED. fhEventRecord (same device, checked by the loader). */
    fh_status_t (*event_record)(fhp_event_t event, fhp_stream_t stream);
    /** REQUIRED. fhEventSynchronize. */
    fh_status_t (*event_synchronize)(fhp_event_t event);
    /** REQUIRED. fhEventQuery: FH_SUCCESS or FH_ERROR_NOT_READY, never blocks. */
    fh_status_t (*event_query)(fhp_event_t event);
    /** OPTIONAL, with FH_DEVICE_CAP_EVENT_TIMING. fhEventElapsedTime. */
    fh_status_t (*event_elapsed_time)(float *ms, fhp_event_t start, fhp_event_t end);

    /* Modules and kernels ------------------------------------------------ */
    /** REQUIRED. fhModuleLoadData (data non-NULL, size > 0). */
    fh_status_t (*module_load)(fhp_device_t device, fh_module_format_t format, const void *data, size_t size,
                               fhp_module_t *module);
    /** REQUIRED. fhModuleUnload (never NULL). */
    fh_status_t (*module_unload)(fhp_module_t module);
    /** REQUIRED. fhModuleGetFunction. The function handle lives until the
     *  module is unloaded. */
    fh_status_t (*module_get_function)(fhp_module_t module, const char *name, fhp_function_t *function);
    /** REQUIRED. fhFunctionGetAttribute. */
    fh_status_t (*function_get_attribute)(fhp_function_t function, fh_function_attribute_t attrib,
                                          int32_t *value);
    /** REQUIRED. fhLaunchKernel (function and stream on the same device). */
    fh_status_t (*launch_kernel)(fhp_function_t function, const fh_plugin_launch_params_t *params,
                                 fhp_stream_t stream);

    /* Added in ABI 1.1 --------------------------------------------------- */
    /**
     * OPTIONAL (no capability flag). fhPointerGetAttributes for one device:
     * if address lies in [base, base + size) of a live allocation of device
     * (fhMemAlloc, or fhMemAllocHost's pointer as an integer), set
     * attributes->type (FH_MEMORY_TYPE_DEVICE or FH_MEMORY_TYPE_HOST), base
     * and size (the size that was requested), and return FH_SUCCESS;
     * otherwise return FH_ERROR_NOT_FOUND without writing and without
     * attaching detail text (it is the ordinary answer "not mine"). The
     * loader fills device and device_ordinal, and passes a struct of the
     * current size with everything else zero. Must be as cheap as a lookup:
     * the loader may ask every device for one address.
     *
     * The loader calls it only when the negotiated minor is >= 1 and the
     * table's struct_size covers it; for a 1.0 plugin, or a 1.1 plugin that
     * leaves it NULL, the loader answers from the allocations it recorded as
     * they passed through mem_alloc/mem_alloc_host (docs/abi.md).
     */
    fh_status_t (*pointer_get_attributes)(fhp_device_t device, fh_deviceptr_t address,
                                          fh_pointer_attributes_t *attributes);
} fh_plugin_api_t;

/** Size of the ABI 1.0 table: a plugin table smaller than this is rejected. */
#define FH_PLUGIN_API_STRUCT_SIZE_1_0 FH_STRUCT_SIZE(fh_plugin_api_t, launch_kernel)
/** Size of the ABI 1.1 table: a table that negotiates minor 1 but is smaller
 *  than this is served as 1.0 (its missing entries read as NULL). */
#define FH_PLUGIN_API_STRUCT_SIZE_1_1 FH_STRUCT_SIZE(fh_plugin_api_t, pointer_get_attributes)

/* ---------------------------------------------------------------------------
 * Negotiation: the entry symbol
 * ------------------------------------------------------------------------- */

/**
 * In/out arguments of fhPluginNegotiate. The loader zero-fills the struct and
 * sets struct_size and the loader_* fields.
 */
typedef struct fh_plugin_negotiate_args {
    /** In: sizeof as the loader was compiled; >= FH_PLUGIN_NEGOTIATE_ARGS_STRUCT_SIZE_1_0. */
    size_t struct_size;
    void *next;
    /** In: the loader's ABI major. */
    uint32_t loader_abi_major;
    /** In: the lowest minor the loader accepts. */
    uint32_t loader_abi_min_minor;
    /** In: the highest minor the loader implements. */
    uint32_t loader_abi_max_minor;
    /** Out: the plugin's ABI major, written even when refusing. */
    uint32_t plugin_abi_major;
    /** Out: min(plugin's max minor, loader_abi_max_minor). */
    uint32_t plugin_abi_minor;
    /** Out: the plugin's function table (NULL when refusing). */
    const fh_plugin_api_t *api;
} fh_plugin_negotiate_args_t;

#define FH_PLUGIN_NEGOTIATE_ARGS_STRUCT_SIZE_1_0 FH_STRUCT_SIZE(fh_plugin_negotiate_args_t, api)

/**
 * The entry point, exported as "fhPluginNegotiate". May be called more than
 * once (the conformance suite does); must not allocate devices or start threads.
 *
 * - args NULL, or args->struct_size < FH_PLUGIN_NEGOTIATE_ARGS_STRUCT_SIZE_1_0:
 *   return FH_ERROR_INVALID_VALUE and write nothing.
 * - loader_abi_min_minor > loader_abi_max_minor: FH_ERROR_INVALID_VALUE.
 * - Major differs from the plugin's: write plugin_abi_major, leave api NULL,
 *   return FH_ERROR_NOT_SUPPORTED.
 * - The plugin's highest minor is below loader_abi_min_minor: write
 *   plugin_abi_major and plugin_abi_minor (its highest), return
 *   FH_ERROR_NOT_SUPPORTED.
 * - Otherwise write plugin_abi_major, plugin_abi_minor = min(its max,
 *   loader_abi_max_minor), api, and return FH_SUCCESS. The table it returns
 *   must serve that minor.
 */
typedef fh_status_t (*fh_plugin_negotiate_fn_t)(fh_plugin_negotiate_args_t *args);

#if defined(__GNUC__) || defined(__clang__)
#define FH_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define FH_PLUGIN_EXPORT
#endif

/** The declaration a plugin defines (with FH_PLUGIN_EXPORT). */
FH_PLUGIN_EXPORT fh_status_t fhPluginNegotiate(fh_plugin_negotiate_args_t *args);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* FLAGHAL_PLUGIN_H_ */
