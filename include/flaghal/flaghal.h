/*
 * flaghal.h - the FlagHAL application API, version 1.2.
 *
 * This header is the specification of the API that frameworks call. It is
 * exported by libflaghal.so (SONAME libflaghal.so.1). Every function, type and
 * constant below is part of a stable ABI: values are never renumbered or reused,
 * structs only grow at the end, and functions are never removed.
 *
 * General rules (they hold for every function unless its comment says otherwise)
 * ------------------------------------------------------------------------------
 * - Status. Every fallible call returns fh_status_t. FH_SUCCESS is 0. On any
 *   other status, output parameters are left unchanged, and (except for
 *   FH_ERROR_NOT_READY) the calling thread's detail message is replaced by one
 *   that names the operation; a failure a plugin reports also names the plugin
 *   and any native error ("cpu: fhMemAlloc: ..."), and one the loader detects
 *   itself, before any plugin is called, starts with "flaghal:". Read it with
 *   fhGetLastErrorMessage. Successful calls leave the message alone.
 * - Initialisation. fhInit must have succeeded before any other function except
 *   fhGetVersion, fhGetErrorName, fhGetErrorString and fhGetLastErrorMessage;
 *   otherwise the call returns FH_ERROR_NOT_INITIALIZED.
 * - Threads. Every function may be called from any thread at any time. Calls on
 *   distinct objects never block each other except where a comment says so.
 *   Destroying an object while another thread still uses it is a caller error
 *   whose effect is undefined.
 * - Handles. Handles are opaque pointers owned by the loader. A NULL handle
 *   where a live one is required returns FH_ERROR_INVALID_HANDLE. A handle of
 *   the wrong kind, or one already destroyed, returns FH_ERROR_INVALID_HANDLE
 *   when detectable; with FLAGHAL_VALIDATION=1 in the environment it is always
 *   detected. Destroying a NULL handle is a successful no-op. Once a destroy
 *   or unload call returns, the handle is invalid whatever status it returned.
 * - Pointers. A NULL pointer where the function must read or write returns
 *   FH_ERROR_INVALID_VALUE.
 * - Several faults. When more than one argument is invalid, which of their
 *   statuses is returned is unspecified; some failure status always is.
 * - Devices are explicit. There is no per-thread "current device": every call
 *   names its device, or a stream, event, module or function that belongs to
 *   exactly one device.
 * - Device memory is a 64-bit device address (fh_deviceptr_t). Arithmetic
 *   inside an allocation is valid: base + offset may be passed wherever a device
 *   address is taken, as long as the whole range lies inside that allocation.
 *   A range outside every live allocation of the device returns
 *   FH_ERROR_INVALID_ADDRESS where the device can tell (see
 *   FH_DEVICE_CAP_ADDRESS_CHECKS).
 *
 * Ordering
 * --------
 * - A stream executes its work (copies, memsets, kernels, event records,
 *   event waits, host functions) in submission order; each item starts after
 *   the previous one has completed and its writes are visible.
 * - Work on different streams is unordered unless joined with an event
 *   (fhEventRecord on one stream, fhStreamWaitEvent on another). Streams may
 *   run concurrently or one after another (a device with one hardware queue
 *   serialises them); correct programs depend on neither.
 * - Kernel failures (FH_ERROR_LAUNCH_FAILED) are reported once, by the first
 *   of fhStreamSynchronize (its stream), fhEventSynchronize (an event recorded
 *   after the kernel on its stream) or fhDeviceSynchronize that waits for the
 *   kernel; reporting clears it. Queries and synchronous copies do not
 *   report it.
 * - Synchronous calls (fhMemcpyHtoD, fhMemcpyDtoH, fhMemcpyDtoD, fhMemsetD*)
 *   first wait for all work already submitted to every stream of their device,
 *   then perform the operation, and return once it has completed and its
 *   effect is visible to the host and to work submitted afterwards. Work
 *   submitted to streams by other threads while the call is in progress is not
 *   ordered with it.
 * - An asynchronous copy may read its host source, and write its host
 *   destination, at any time until the stream reaches it: the caller keeps
 *   host buffers alive and unchanged until then. Memory from fhMemAllocHost
 *   ("pinned") gives the fastest transfers; any host memory is accepted.
 * - Since 1.2: an asynchronous copy whose host memory is pinned memory of
 *   its stream's own device (fhMemAllocHost on that device) reads or writes
 *   it when the stream reaches the copy, not earlier, as CUDA does for
 *   page-locked memory. (Ordinary host memory may be read when the copy is
 *   queued.) fhMemcpyPeerAsync depends on it. It is a rule of plugin ABI
 *   1.1: a device whose plugin negotiated ABI 1.0 (fhPluginGetInfo's
 *   abi_version) keeps the 1.0 rule, under which pinned memory is host
 *   memory like any other.
 */
#ifndef FLAGHAL_H_
#define FLAGHAL_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define FH_API
#elif defined(__GNUC__) || defined(__clang__)
#define FH_API __attribute__((visibility("default")))
#else
#define FH_API
#endif

/* ---------------------------------------------------------------------------
 * Versions
 * ------------------------------------------------------------------------- */

/** Packs a version as major (10 bits) . minor (10 bits) . patch (12 bits). */
#define FH_MAKE_VERSION(major, minor, patch) \
    ((((uint32_t)(major)) << 22) | (((uint32_t)(minor)) << 12) | ((uint32_t)(patch)))
#define FH_VERSION_MAJOR(version) (((uint32_t)(version)) >> 22)
#define FH_VERSION_MINOR(version) ((((uint32_t)(version)) >> 12) & 0x3FFu)
#define FH_VERSION_PATCH(version) (((uint32_t)(version)) & 0xFFFu)

/** The application API versions. 1.1 adds, without changing anything of
 *  1.0: the module formats OPENCL_C, OPENCL_SPIRV, CUBIN and BUNDLE (module
 *  bundles, below), the capability flags FLOAT16 .. SUBGROUP_SHUFFLE, and the
 *  loader's check of argument blobs against the parameter sizes a bundle
 *  records, and FH_MIN_MAX_KERNEL_ARGS_SIZE 1024 (was 128). */
#define FH_API_VERSION_1_0 FH_MAKE_VERSION(1, 0, 0)
#define FH_API_VERSION_1_1 FH_MAKE_VERSION(1, 1, 0)
/** 1.2 adds, without changing anything of 1.1: fhMemcpyPeer and
 *  fhMemcpyPeerAsync (copies between devices, also of different plugins)
 *  and pointer queries (fhPointerGetAttributes). */
#define FH_API_VERSION_1_2 FH_MAKE_VERSION(1, 2, 0)
/** The application API version this header describes. */
#define FH_API_VERSION FH_API_VERSION_1_2

/* ---------------------------------------------------------------------------
 * Status codes. Stable forever: never renumbered, never reused.
 * ------------------------------------------------------------------------- */

/** Status of a call: FH_SUCCESS or one of the FH_ERROR_* values below. */
typedef int32_t fh_status_t;

/** The call succeeded. */
#define FH_SUCCESS 0
/** An argument is outside its documented domain (a NULL pointer, a zero
 *  length where one is required, an oversized length, unknown flags, an
 *  unknown enum value where the function says so). */
#define FH_ERROR_INVALID_VALUE 1
/** Device or host memory could not be allocated. */
#define FH_ERROR_OUT_OF_MEMORY 2
/** fhInit has not succeeded yet. */
#define FH_ERROR_NOT_INITIALIZED 3
/** A device ordinal is out of range, or objects of two different devices
 *  were combined in one call. */
#define FH_ERROR_INVALID_DEVICE 4
/** A handle is NULL, of the wrong kind, already destroyed, or a value the
 *  loader never returned. The loader tells these apart on every call, with
 *  or without the validation layer: handles are generation-tagged values
 *  that are never live twice (docs/loader.md, "Handles"). */
#define FH_ERROR_INVALID_HANDLE 5
/** A named item (a kernel in a module) does not exist. */
#define FH_ERROR_NOT_FOUND 6
/** Work is still pending (fhStreamQuery, fhEventQuery, fhEventElapsedTime).
 *  Not a failure: it does not replace the thread's detail message. */
#define FH_ERROR_NOT_READY 7
/** The device or its plugin does not implement this operation; the device's
 *  capability flags say so in advance. */
#define FH_ERROR_NOT_SUPPORTED 8
/** Module bytes are malformed, truncated, or not of the stated format. */
#define FH_ERROR_INVALID_IMAGE 9
/** A device address range does not lie inside one live allocation. */
#define FH_ERROR_INVALID_ADDRESS 10
/** A launch configuration exceeds a device or function limit (block size,
 *  grid size, shared memory, argument blob size), or has a zero dimension. */
#define FH_ERROR_INVALID_CONFIGURATION 11
/** A kernel failed while executing. Reported by the next call that waits on
 *  the stream (or event) it ran on; the stream stays usable, unless the
 *  driver cannot contain the failure (CUDA's faults are sticky for the
 *  whole context): then every later call on that device except the destroy
 *  and free calls returns FH_ERROR_DEVICE_LOST. */
#define FH_ERROR_LAUNCH_FAILED 12
/** The device stopped working; its objects can only be destroyed. */
#define FH_ERROR_DEVICE_LOST 13
/** The loader or a plugin caught an internal panic or exception at the ABI
 *  boundary. The objects involved are in an unspecified state. */
#define FH_ERROR_PANIC 14
/** A failure that fits no other code; the detail message says more. Also
 *  what the loader returns when a plugin breaks the plugin ABI in a way it
 *  can see (an undefined status, a create call that succeeds without a
 *  handle): nothing is created then. */
#define FH_ERROR_UNKNOWN 15

/* ---------------------------------------------------------------------------
 * Basic types
 * ------------------------------------------------------------------------- */

/** A device memory address. 0 is never a valid allocation. */
typedef uint64_t fh_deviceptr_t;

/** A device. Owned by the loader; valid until the process exits. */
typedef struct fh_device_s *fh_device_t;
/** An in-order queue of work on one device. */
typedef struct fh_stream_s *fh_stream_t;
/** A point in a stream's work, for ordering and timing. */
typedef struct fh_event_s *fh_event_t;
/** Device code loaded from bytes. */
typedef struct fh_module_s *fh_module_t;
/** A kernel inside a module. Owned by its module: valid until the module
 *  is unloaded; there is no destroy call. */
typedef struct fh_function_s *fh_function_t;

/** A host function run in stream order by fhLaunchHostFunc. */
typedef void (*fh_host_fn_t)(void *user_data);

/* ---------------------------------------------------------------------------
 * Initialisation, version, errors
 * ------------------------------------------------------------------------- */

/**
 * Discovers and loads plugins and enumerates their devices.
 *
 * flags: must be 0 (FH_ERROR_INVALID_VALUE otherwise, checked on every call,
 * also after a successful initialisation).
 * Idempotent and thread-safe: the first call does the work; concurrent and
 * later calls wait for it and return the same result. Finding no plugin or no
 * device is success (fhDeviceGetCount then reports 0). Broken plugins are
 * skipped and reported through fhPluginGetInfo, never fail fhInit.
 * Environment variables read (once, by the first call): see docs/loader.md.
 */
FH_API fh_status_t fhInit(uint32_t flags);

/**
 * Writes the API version the loader implements (FH_MAKE_VERSION packing) to
 * *version. Callable before fhInit.
 */
FH_API fh_status_t fhGetVersion(uint32_t *version);

/**
 * Sets *name to the constant's identifier, e.g. "FH_ERROR_INVALID_VALUE".
 * The string is static. An unknown status returns FH_ERROR_INVALID_VALUE and
 * leaves *name unchanged. Callable before fhInit.
 */
FH_API fh_status_t fhGetErrorName(fh_status_t status, const char **name);

/**
 * Sets *description to a static one-sentence description of the status.
 * Same rules as fhGetErrorName.
 */
FH_API fh_status_t fhGetErrorString(fh_status_t status, const char **description);

/**
 * Copies the calling thread's detail message (the most recent failure on this
 * thread, or "" if none) into buffer, truncated to at most buffer_size - 1
 * bytes on a UTF-8 character boundary (a character that does not fit is left
 * out whole) and always NUL-terminated when buffer_size > 0. If length is not
 * NULL it receives the full message length without the NUL, so a caller can
 * size a buffer exactly. buffer may be NULL only when buffer_size is 0. Does not
 * clear the message. Callable before fhInit. Messages are UTF-8 and look like
 * "cpu: fhMemAlloc: out of memory allocating 1099511627776 bytes (errno 12)".
 */
FH_API fh_status_t fhGetLastErrorMessage(char *buffer, size_t buffer_size, size_t *length);

/* ---------------------------------------------------------------------------
 * Loader introspection: which plugins were found and why one was skipped
 * ------------------------------------------------------------------------- */

/** Whether a discovered plugin is in use. */
typedef enum fh_plugin_status {
    FH_PLUGIN_STATUS_LOADED = 0,
    FH_PLUGIN_STATUS_SKIPPED = 1,
    FH_PLUGIN_STATUS_FORCE_32BIT = 0x7FFFFFFF
} fh_plugin_status_t;

/** Why a plugin was skipped. Stable forever; the detail text says more. */
typedef enum fh_plugin_skip_reason {
    FH_PLUGIN_SKIP_NONE = 0,                   /**< loaded */
    FH_PLUGIN_SKIP_MANIFEST_UNREADABLE = 1,    /**< manifest file could not be read */
    FH_PLUGIN_SKIP_MANIFEST_INVALID = 2,       /**< not JSON, or required field missing/mistyped */
    FH_PLUGIN_SKIP_WRONG_ARCH = 3,             /**< manifest library_arch is not this process's */
    FH_PLUGIN_SKIP_OPEN_FAILED = 4,            /**< dlopen failed: not a library, missing dependency, undefined symbol */
    FH_PLUGIN_SKIP_NO_ENTRY_POINT = 5,         /**< fhPluginNegotiate not exported */
    FH_PLUGIN_SKIP_VERSION_MISMATCH = 6,       /**< ABI major differs from the loader's */
    FH_PLUGIN_SKIP_VERSION_TOO_OLD = 7,        /**< ABI minor below the loader's minimum */
    FH_PLUGIN_SKIP_NEGOTIATION_FAILED = 8,     /**< negotiate returned an error or inconsistent output */
    FH_PLUGIN_SKIP_TABLE_TOO_SMALL = 9,        /**< function table smaller than the ABI 1.0 table */
    FH_PLUGIN_SKIP_MISSING_REQUIRED_ENTRY = 10,/**< a required function table entry is NULL */
    FH_PLUGIN_SKIP_INIT_FAILED = 11,           /**< the plugin's init returned an error */
    FH_PLUGIN_SKIP_INIT_PANICKED = 12,         /**< the plugin's init caught a panic/exception (FH_ERROR_PANIC) */
    FH_PLUGIN_SKIP_DEVICE_QUERY_FAILED = 13,   /**< device enumeration or properties failed */
    FH_PLUGIN_SKIP_CAPABILITY_MISMATCH = 14,   /**< a device claims a capability whose entry is NULL */
    FH_PLUGIN_SKIP_DISABLED = 15,              /**< excluded by FLAGHAL_PLUGINS_SELECT / _DISABLE */
    FH_PLUGIN_SKIP_DUPLICATE = 16,             /**< same library (or plugin name) already loaded */
    FH_PLUGIN_SKIP_FORCE_32BIT = 0x7FFFFFFF
} fh_plugin_skip_reason_t;

/**
 * One discovered plugin. Every string is owned by the loader, NUL-terminated,
 * never NULL (possibly ""), and valid until the process exits.
 */
typedef struct fh_plugin_info {
    /** Set by the caller to sizeof(fh_plugin_info_t) of its header. */
    size_t struct_size;
    /** Extension chain; must be NULL (no extension struct is defined yet): a
     *  non-NULL next returns FH_ERROR_INVALID_VALUE and nothing is written. */
    void *next;
    /** Plugin name ("cpu", "vulkan"); from the plugin, else the manifest, else the file name. */
    const char *name;
    /** Vendor as the plugin reports it; "" if it was never loaded. */
    const char *vendor;
    /** Plugin's own version string; "" if it was never loaded. */
    const char *version;
    /** Absolute path of the library (as opened, or as the manifest named it). */
    const char *library_path;
    /** Manifest that named it; "" if the library was given directly. */
    const char *manifest_path;
    /** Negotiated plugin ABI version (FH_MAKE_VERSION); 0 if negotiation did not complete. */
    uint32_t abi_version;
    fh_plugin_status_t status;
    fh_plugin_skip_reason_t skip_reason;
    /** Why it was skipped (dlerror text, the missing symbol, the versions
     *  that did not match, the plugin's own message); "" when loaded. */
    const char *skip_detail;
    /** Devices this plugin contributes (after FLAGHAL_VISIBLE_DEVICES). */
    uint32_t device_count;
} fh_plugin_info_t;

/** Writes the number of discovered plugins, loaded and skipped, to *count. */
FH_API fh_status_t fhPluginGetCount(uint32_t *count);

/**
 * Fills *info for plugin index (0 .. count-1, in load order). info->struct_size
 * must be set by the caller; the loader writes only fields that lie inside it
 * (any size >= offsetof(next)+sizeof(next) is accepted; smaller returns
 * FH_ERROR_INVALID_VALUE). Index out of range, or info->next not NULL,
 * returns FH_ERROR_INVALID_VALUE.
 */
FH_API fh_status_t fhPluginGetInfo(uint32_t index, fh_plugin_info_t *info);

/* ---------------------------------------------------------------------------
 * Devices
 * ------------------------------------------------------------------------- */

typedef enum fh_device_type {
    FH_DEVICE_TYPE_OTHER = 0,
    FH_DEVICE_TYPE_GPU = 1,
    FH_DEVICE_TYPE_CPU = 2,
    FH_DEVICE_TYPE_NPU = 3,
    FH_DEVICE_TYPE_FORCE_32BIT = 0x7FFFFFFF
} fh_device_type_t;

/**
 * Formats of module bytes for fhModuleLoadData. Values are stable. Each
 * standard format comes with a kernel calling convention, specified in
 * docs/kernels.md ("Format conventions"): how the argument blob, the block
 * size and dynamic shared memory reach a kernel. A module written to a
 * format's convention runs on every device that lists the format.
 */
typedef enum fh_module_format {
    FH_MODULE_FORMAT_INVALID = 0,
    /** A SPIR-V binary with GLCompute entry points (Vulkan's dialect), under
     *  the FlagHAL SPIR-V convention: block size from specialization
     *  constants 0..2, dynamic shared memory bytes in constant 3, the blob's
     *  first 120 bytes in push constants and, for longer blobs, its address
     *  at push-constant byte 120. */
    FH_MODULE_FORMAT_SPIRV = 1,
    /** NVIDIA PTX text; parameters as CUDA passes them (docs/kernels.md). */
    FH_MODULE_FORMAT_PTX = 2,
    /** A host shared library (ELF) whose kernels follow flaghal_cpu_kernel.h. */
    FH_MODULE_FORMAT_NATIVE_CPU = 3,
    /** OpenCL C source (1.2 or later): one or more translation units, each
     *  ending with a NUL byte (text with no NUL is one unit; an image with
     *  a NUL must end with one); one is built with
     *  clBuildProgram, several are compiled apart and linked. Each kernel
     *  takes `__global const uchar *` to a copy of the blob and optionally
     *  `__local uchar *` dynamic shared memory and its `uint` size
     *  (docs/kernels.md). Added in 1.1. */
    FH_MODULE_FORMAT_OPENCL_C = 4,
    /** A SPIR-V binary with Kernel (OpenCL) entry points, the same kernel
     *  convention as FH_MODULE_FORMAT_OPENCL_C. Added in 1.1. */
    FH_MODULE_FORMAT_OPENCL_SPIRV = 5,
    /** An NVIDIA cubin (ELF) for one GPU architecture; parameters as for
     *  PTX. Added in 1.1. */
    FH_MODULE_FORMAT_CUBIN = 6,
    /** A module bundle: several images of one set of kernels in different
     *  formats (see "Module bundles" below). Every device accepts it, the
     *  loader unpacking it; it is never listed in module_formats and
     *  plugins never receive it. Added in 1.1. */
    FH_MODULE_FORMAT_BUNDLE = 7,
    /** Values from here up are assigned to vendors (docs/abi.md). */
    FH_MODULE_FORMAT_VENDOR_BEGIN = 0x10000,
    FH_MODULE_FORMAT_FORCE_32BIT = 0x7FFFFFFF
} fh_module_format_t;

/** Maximum entries in fh_device_properties_t.module_formats. */
#define FH_MAX_MODULE_FORMATS 8

/* Capability flags (fh_device_properties_t.capabilities). A device without a
 * flag returns FH_ERROR_NOT_SUPPORTED from the calls the flag names. */
/** fhEventElapsedTime works on events created without FH_EVENT_DISABLE_TIMING. */
#define FH_DEVICE_CAP_EVENT_TIMING (1ull << 0)
/** fhLaunchHostFunc is supported. */
#define FH_DEVICE_CAP_HOST_FUNC (1ull << 1)
/** fhMemAllocHost / fhMemFreeHost are supported. */
#define FH_DEVICE_CAP_PINNED_HOST_MEMORY (1ull << 2)
/** Kernels may use 64-bit integer atomics on device memory. */
#define FH_DEVICE_CAP_ATOMIC_INT64 (1ull << 3)
/** Kernels may use 32-bit float atomic add on device memory. */
#define FH_DEVICE_CAP_ATOMIC_FLOAT32 (1ull << 4)
/** Kernels may use 64-bit floating point. */
#define FH_DEVICE_CAP_FLOAT64 (1ull << 5)
/** The host may dereference device addresses directly (shared address space). */
#define FH_DEVICE_CAP_HOST_ACCESSIBLE_MEMORY (1ull << 6)
/** Copies and memsets detect ranges outside live allocations and return
 *  FH_ERROR_INVALID_ADDRESS instead of faulting. */
#define FH_DEVICE_CAP_ADDRESS_CHECKS (1ull << 7)
/* What kernels may use (1.1). A device without a flag may refuse modules
 * that use the feature (FH_ERROR_INVALID_IMAGE or FH_ERROR_NOT_SUPPORTED).
 * docs/kernels.md maps each to SPIR-V capabilities. */
/** 16-bit floats: arithmetic, and loads and stores of device memory. */
#define FH_DEVICE_CAP_FLOAT16 (1ull << 8)
/** 8-bit integers: arithmetic, and loads and stores of device memory. */
#define FH_DEVICE_CAP_INT8 (1ull << 9)
/** 16-bit integers: arithmetic, and loads and stores of device memory. */
#define FH_DEVICE_CAP_INT16 (1ull << 10)
/** Packed 4 x 8-bit integer dot products with 32-bit accumulation run as
 *  native instructions (dp4a; SPIR-V DotProduct + DotProductInput4x8BitPacked). */
#define FH_DEVICE_CAP_INT8_DOT_PRODUCT (1ull << 11)
/** Subgroup reductions, scans, broadcast and elect (subgroup_size wide). */
#define FH_DEVICE_CAP_SUBGROUP_ARITHMETIC (1ull << 12)
/** Subgroup shuffles by lane index and by XOR mask. */
#define FH_DEVICE_CAP_SUBGROUP_SHUFFLE (1ull << 13)

/** Guaranteed lower bounds every device meets (checked by the conformance suite). */
#define FH_MIN_MAX_THREADS_PER_BLOCK 64u
#define FH_MIN_MAX_SHARED_MEMORY_PER_BLOCK 16384u
/** 1024 since 1.1 (128 in 1.0): real operators pass several tensors with
 *  shapes and strides, and every standard format's convention can carry
 *  that much (SPIR-V through its argument buffer). */
#define FH_MIN_MAX_KERNEL_ARGS_SIZE 1024u
#define FH_MIN_MEMORY_ALIGNMENT 256u

/**
 * Properties of a device. Fill with fhDeviceGetProperties. Stable for the
 * life of the process, except that nothing here reports free memory (see
 * fhMemGetInfo).
 */
typedef struct fh_device_properties {
    /** Set by the caller to sizeof(fh_device_properties_t) of its header. */
    size_t struct_size;
    /** Extension chain; must be NULL (no extension struct is defined yet): a
     *  non-NULL next returns FH_ERROR_INVALID_VALUE and nothing is written. */
    void *next;
    /** Human-readable device name, NUL-terminated UTF-8. */
    char name[256];
    /** Vendor name, NUL-terminated UTF-8. */
    char vendor[64];
    /** Name of the plugin that serves the device (fh_plugin_info_t.name). */
    char plugin_name[64];
    fh_device_type_t type;
    /** Identity stable across processes and reboots where the hardware allows. */
    uint8_t uuid[16];
    /** Device memory in bytes that fhMemAlloc draws from. */
    uint64_t total_memory;
    /** Processors that run blocks concurrently (SMs, CUs, CPU cores). */
    uint32_t compute_units;
    /** Largest product block_x * block_y * block_z any kernel may use. */
    uint32_t max_threads_per_block;
    uint32_t max_block_dim[3];
    uint32_t max_grid_dim[3];
    /** Threads that execute in lockstep (warp / subgroup / SIMD width); 1 if none. */
    uint32_t subgroup_size;
    /** Static + dynamic shared memory one block may use, in bytes. */
    uint32_t max_shared_memory_per_block;
    /** Largest argument blob fhLaunchKernel accepts, in bytes. */
    uint32_t max_kernel_args_size;
    /** Alignment in bytes of every address fhMemAlloc returns (>= 256; a
     *  plugin over a runtime that aligns less, such as OpenCL's 128, rounds
     *  up inside a larger allocation: docs/plugin-guide.md). */
    uint32_t memory_alignment;
    /** Module formats fhModuleLoadData accepts, first is preferred. */
    uint32_t module_format_count;
    fh_module_format_t module_formats[FH_MAX_MODULE_FORMATS];
    /** FH_DEVICE_CAP_* flags. */
    uint64_t capabilities;
    /** Index of the device within its plugin. */
    uint32_t plugin_device_index;
} fh_device_properties_t;

/**
 * Writes the number of visible devices to *count. Zero devices is success.
 * Order is stable and documented (docs/loader.md): devices that are not CPUs
 * come first, then CPUs; within each group, plugins in load order and each
 * plugin's devices in its own order. FLAGHAL_VISIBLE_DEVICES filters and
 * reorders.
 */
FH_API fh_status_t fhDeviceGetCount(uint32_t *count);

/** Writes the device at ordinal (0 .. count-1) to *device; an ordinal out of
 *  range returns FH_ERROR_INVALID_DEVICE. The same ordinal always gives the
 *  same handle. */
FH_API fh_status_t fhDeviceGet(uint32_t ordinal, fh_device_t *device);

/**
 * Fills *properties. properties->struct_size must be set by the caller; the
 * loader writes only inside it and accepts any size >= offsetof(name), so a
 * program built against an older header keeps working. A struct_size below
 * that returns FH_ERROR_INVALID_VALUE, and so does properties->next not NULL
 * (nothing is written then).
 */
FH_API fh_status_t fhDeviceGetProperties(fh_device_t device, fh_device_properties_t *properties);

/** Blocks until all work submitted to every stream of device has completed.
 *  Returns the first deferred kernel failure (FH_ERROR_LAUNCH_FAILED) seen
 *  on any of its streams since the last synchronisation, if any. */
FH_API fh_status_t fhDeviceSynchronize(fh_device_t device);

/** Writes the free and total device memory in bytes. free is an estimate that
 *  decreases as memory is allocated and increases as it is freed. Either
 *  pointer may be NULL if that figure is not wanted (not both). */
FH_API fh_status_t fhMemGetInfo(fh_device_t device, size_t *free_bytes, size_t *total_bytes);

/* ---------------------------------------------------------------------------
 * Memory
 * ------------------------------------------------------------------------- */

/**
 * Allocates size bytes of device memory, aligned to at least
 * properties.memory_alignment (>= 256), contents undefined.
 * size 0 returns FH_ERROR_INVALID_VALUE; too large returns
 * FH_ERROR_OUT_OF_MEMORY and changes nothing. The allocation belongs to
 * device and must be freed with fhMemFree on the same device.
 * Synchronous with respect to the host; not ordered with streams.
 */
FH_API fh_status_t fhMemAlloc(fh_device_t device, size_t size, fh_deviceptr_t *ptr);

/**
 * Frees an allocation made by fhMemAlloc on device. ptr 0 is a no-op. A ptr
 * that is not the base of a live allocation returns FH_ERROR_INVALID_ADDRESS
 * where the device can tell. Work still pending on streams that uses the
 * allocation must have completed (synchronise first); the device does not
 * wait for it.
 */
FH_API fh_status_t fhMemFree(fh_device_t device, fh_deviceptr_t ptr);

/**
 * Allocates size bytes of page-locked host memory that the device transfers
 * to and from at full speed. Requires FH_DEVICE_CAP_PINNED_HOST_MEMORY.
 * size 0 returns FH_ERROR_INVALID_VALUE.
 */
FH_API fh_status_t fhMemAllocHost(fh_device_t device, size_t size, void **ptr);

/** Frees memory from fhMemAllocHost on the same device. NULL is a successful
 *  no-op on every device, with or without FH_DEVICE_CAP_PINNED_HOST_MEMORY. */
FH_API fh_status_t fhMemFreeHost(fh_device_t device, void *ptr);

/** Copies size bytes from host src to device dst. Synchronous (see Ordering).
 *  size 0 is a successful no-op that touches nothing, but a NULL host pointer
 *  is FH_ERROR_INVALID_VALUE at any size (this holds for every copy). */
FH_API fh_status_t fhMemcpyHtoD(fh_device_t device, fh_deviceptr_t dst, const void *src, size_t size);
/** Copies size bytes from device src to host dst. Synchronous. */
FH_API fh_status_t fhMemcpyDtoH(fh_device_t device, void *dst, fh_deviceptr_t src, size_t size);
/** Copies size bytes between device ranges of device; overlapping ranges give
 *  undefined contents. Synchronous. */
FH_API fh_status_t fhMemcpyDtoD(fh_device_t device, fh_deviceptr_t dst, fh_deviceptr_t src, size_t size);

/** Queues a host-to-device copy on stream and returns. See Ordering for the
 *  lifetime of src. The destination range is checked when queued. */
FH_API fh_status_t fhMemcpyHtoDAsync(fh_deviceptr_t dst, const void *src, size_t size, fh_stream_t stream);
/** Queues a device-to-host copy on stream. dst must stay valid until the
 *  stream reaches the copy. */
FH_API fh_status_t fhMemcpyDtoHAsync(void *dst, fh_deviceptr_t src, size_t size, fh_stream_t stream);
/** Queues a device-to-device copy on stream. */
FH_API fh_status_t fhMemcpyDtoDAsync(fh_deviceptr_t dst, fh_deviceptr_t src, size_t size, fh_stream_t stream);

/** Sets count 8-bit elements at dst to value. Synchronous. count 0 is a
 *  successful no-op (this holds for every memset). */
FH_API fh_status_t fhMemsetD8(fh_device_t device, fh_deviceptr_t dst, uint8_t value, size_t count);
/** Sets count 16-bit elements; dst must be 2-byte aligned (FH_ERROR_INVALID_VALUE). */
FH_API fh_status_t fhMemsetD16(fh_device_t device, fh_deviceptr_t dst, uint16_t value, size_t count);
/** Sets count 32-bit elements; dst must be 4-byte aligned (FH_ERROR_INVALID_VALUE). */
FH_API fh_status_t fhMemsetD32(fh_device_t device, fh_deviceptr_t dst, uint32_t value, size_t count);
/** Queues fhMemsetD8 on stream. */
FH_API fh_status_t fhMemsetD8Async(fh_deviceptr_t dst, uint8_t value, size_t count, fh_stream_t stream);
/** Queues fhMemsetD16 on stream. */
FH_API fh_status_t fhMemsetD16Async(fh_deviceptr_t dst, uint16_t value, size_t count, fh_stream_t stream);
/** Queues fhMemsetD32 on stream. */
FH_API fh_status_t fhMemsetD32Async(fh_deviceptr_t dst, uint32_t value, size_t count, fh_stream_t stream);

/* ---------------------------------------------------------------------------
 * Streams
 * ------------------------------------------------------------------------- */

/** Default stream flags; the only value defined in 1.0. */
#define FH_STREAM_DEFAULT 0u

/** Creates an in-order stream on device. flags must be FH_STREAM_DEFAULT. */
FH_API fh_status_t fhStreamCreate(fh_device_t device, uint32_t flags, fh_stream_t *stream);

/** Waits for all work queued on stream to complete, then destroys it. NULL is a no-op. */
FH_API fh_status_t fhStreamDestroy(fh_stream_t stream);

/** Blocks until all work queued on stream has completed. Returns
 *  FH_ERROR_LAUNCH_FAILED once for a kernel that failed since the last
 *  synchronisation of the stream. */
FH_API fh_status_t fhStreamSynchronize(fh_stream_t stream);

/** Returns FH_SUCCESS if all work queued on stream has completed, else
 *  FH_ERROR_NOT_READY. Never blocks. */
FH_API fh_status_t fhStreamQuery(fh_stream_t stream);

/**
 * Makes all work queued on stream after this call wait until event's most
 * recent fhEventRecord (at the time of this call) has completed. The wait
 * happens on the device; the host does not block. An event never recorded
 * makes this a no-op. event and stream must belong to the same device
 * (FH_ERROR_INVALID_DEVICE otherwise).
 */
FH_API fh_status_t fhStreamWaitEvent(fh_stream_t stream, fh_event_t event);

/**
 * Queues fn(user_data) on stream: it runs on a thread owned by the plugin after
 * all earlier work on stream has completed, and later work on the stream waits
 * for it to return. fn must not call FlagHAL functions (it may deadlock).
 * Requires FH_DEVICE_CAP_HOST_FUNC.
 */
FH_API fh_status_t fhLaunchHostFunc(fh_stream_t stream, fh_host_fn_t fn, void *user_data);

/* ---------------------------------------------------------------------------
 * Events
 * ------------------------------------------------------------------------- */

/** Default event flags: the event records timestamps. */
#define FH_EVENT_DEFAULT 0u
/** The event does not record timestamps (cheaper); fhEventElapsedTime on it
 *  returns FH_ERROR_INVALID_VALUE. */
#define FH_EVENT_DISABLE_TIMING 1u

/** Creates an event on device. flags: FH_EVENT_DEFAULT or FH_EVENT_DISABLE_TIMING. */
FH_API fh_status_t fhEventCreate(fh_device_t device, uint32_t flags, fh_event_t *event);

/** Destroys event. Waits on streams that reference it remain valid. NULL is a no-op. */
FH_API fh_status_t fhEventDestroy(fh_event_t event);

/** Records event at the current end of stream's work, replacing any earlier
 *  record. event and stream must belong to the same device
 *  (FH_ERROR_INVALID_DEVICE otherwise). */
FH_API fh_status_t fhEventRecord(fh_event_t event, fh_stream_t stream);

/** Blocks until the work before event's most recent record has completed.
 *  An event never recorded returns FH_SUCCESS at once. Completion is
 *  consistent across queries: once this returns (or fhEventQuery returns
 *  FH_SUCCESS), a stream whose last queued item was that record reports
 *  FH_SUCCESS from fhStreamQuery. */
FH_API fh_status_t fhEventSynchronize(fh_event_t event);

/** FH_SUCCESS if event's most recent record has completed (or it was never
 *  recorded), else FH_ERROR_NOT_READY. Never blocks. */
FH_API fh_status_t fhEventQuery(fh_event_t event);

/**
 * Writes the time in milliseconds between two completed records to *ms
 * (negative if end was reached before start). Both events must belong to the
 * same device (FH_ERROR_INVALID_DEVICE otherwise), be recorded, and have
 * timing enabled (FH_ERROR_INVALID_VALUE otherwise); FH_ERROR_NOT_READY if
 * either has not completed. Requires
 * FH_DEVICE_CAP_EVENT_TIMING. Resolution is at least one microsecond.
 */
FH_API fh_status_t fhEventElapsedTime(float *ms, fh_event_t start, fh_event_t end);

/* ---------------------------------------------------------------------------
 * Modules and kernels
 * ------------------------------------------------------------------------- */

/**
 * Loads device code from bytes in format (one of the device's
 * module_formats, or FH_MODULE_FORMAT_BUNDLE on every device; any other
 * value, including values this header does not define, returns
 * FH_ERROR_NOT_SUPPORTED, so a program built against a newer header gets
 * "not supported" from an older loader; FH_MODULE_FORMAT_INVALID (0) returns
 * FH_ERROR_INVALID_VALUE). The bytes are copied: the caller may free data on
 * return. data NULL or size 0 returns FH_ERROR_INVALID_VALUE. Malformed,
 * truncated or mismatched bytes return FH_ERROR_INVALID_IMAGE and load
 * nothing. A bundle loads the image the device prefers (see "Module
 * bundles"); one with no image the device accepts returns
 * FH_ERROR_NOT_SUPPORTED, and the detail message names the device's formats
 * and the bundle's.
 */
FH_API fh_status_t fhModuleLoadData(fh_device_t device, fh_module_format_t format, const void *data,
                                    size_t size, fh_module_t *module);

/**
 * Unloads module. Every fh_function_t from it becomes invalid. Launches already
 * queued keep the code alive until they complete. NULL is a no-op.
 */
FH_API fh_status_t fhModuleUnload(fh_module_t module);

/**
 * Finds the kernel named name (NUL-terminated) in module. An unknown name
 * returns FH_ERROR_NOT_FOUND. Looking up one name twice may return the same
 * handle.
 */
FH_API fh_status_t fhModuleGetFunction(fh_module_t module, const char *name, fh_function_t *function);

typedef enum fh_function_attribute {
    /** Largest block (threads) this kernel can be launched with; <= the device's. */
    FH_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK = 0,
    /** Shared memory the kernel declares statically, in bytes. */
    FH_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES = 1,
    /** Largest dynamic shared memory a launch may request, in bytes: the
     *  device's max_shared_memory_per_block minus SHARED_SIZE_BYTES. */
    FH_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 2,
    /** Registers per thread; 0 where the notion does not apply. */
    FH_FUNC_ATTRIBUTE_NUM_REGS = 3,
    FH_FUNC_ATTRIBUTE_FORCE_32BIT = 0x7FFFFFFF
} fh_function_attribute_t;

/** Writes attribute attrib of function to *value. An unknown attribute returns
 *  FH_ERROR_INVALID_VALUE. (Argument order follows cuFuncGetAttribute.) */
FH_API fh_status_t fhFunctionGetAttribute(int32_t *value, fh_function_attribute_t attrib, fh_function_t function);

/**
 * Queues function on stream over a grid of grid_x * grid_y * grid_z blocks of
 * block_x * block_y * block_z threads, with shared_mem_bytes of dynamic shared
 * memory per block.
 *
 * args points to the argument blob: the kernel's parameters laid out as a C
 * struct with natural alignment (docs/kernels.md), args_size bytes long, copied
 * before the call returns. args may be NULL only when args_size is 0. A blob
 * shorter than the kernel's parameters is refused with FH_ERROR_INVALID_VALUE
 * where the module records their size (a bundle's kernel table does);
 * otherwise the kernel reads undefined values past the blob's end (zero in
 * the formats whose convention says so).
 *
 * Errors when queuing: FH_ERROR_INVALID_CONFIGURATION for a zero dimension, a
 * block above the device's max_block_dim or max_threads_per_block or the
 * function's FH_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK, a grid above max_grid_dim,
 * shared memory above the limit, or args_size above max_kernel_args_size;
 * FH_ERROR_INVALID_DEVICE if function and stream belong to different devices.
 * A failure while the kernel runs is reported later as FH_ERROR_LAUNCH_FAILED.
 */
FH_API fh_status_t fhLaunchKernel(fh_function_t function, uint32_t grid_x, uint32_t grid_y, uint32_t grid_z,
                                  uint32_t block_x, uint32_t block_y, uint32_t block_z,
                                  uint32_t shared_mem_bytes, fh_stream_t stream, const void *args,
                                  size_t args_size);

/* ---------------------------------------------------------------------------
 * Module bundles (FH_MODULE_FORMAT_BUNDLE), added in 1.1
 * ------------------------------------------------------------------------- */

/**
 * A bundle carries several images of one set of kernels, each in a module
 * format (and for a target) of its own, like a CUDA fat binary: one file
 * loads on every device that accepts one of its images. `flaghal-kernel`
 * writes bundles from one kernel source (docs/kernels.md).
 *
 * Layout. Every integer is little-endian; every offset counts from the first
 * byte of the bundle; every range lies inside total_size bytes:
 *   fh_module_bundle_header_t                       at offset 0
 *   image_count entries of image_entry_size bytes   at images_offset
 *   kernel_count entries of kernel_entry_size bytes at kernels_offset
 *   image bytes and NUL-terminated UTF-8 strings    anywhere else
 * The structs below give the fields; the *_entry_size and header_size fields
 * let later versions append members (a reader accepts any size >= the
 * version 1 size and ignores the rest). Flags are 0 in version 1.
 *
 * Loading (fhModuleLoadData, format FH_MODULE_FORMAT_BUNDLE, on any device):
 * 1. The loader checks the whole bundle first: magic, version, sizes, that
 *    every range and string lies inside it, that kernel names are unique and
 *    non-empty, that flags are 0. Any violation: FH_ERROR_INVALID_IMAGE,
 *    nothing loaded.
 * 2. Candidates are the images whose format the device lists in
 *    module_formats, in the device's order of preference (module_formats
 *    order), then in bundle order. A FH_MODULE_FORMAT_NATIVE_CPU image whose
 *    target is not the process's ("x86_64-linux", "aarch64-linux": the ELF
 *    machine and OS, see FH_MODULE_BUNDLE_TARGET_*) is not a candidate.
 *    Images in formats this loader does not know are skipped, not errors.
 * 3. The plugin loads the first candidate; if it refuses it with
 *    FH_ERROR_INVALID_IMAGE or FH_ERROR_NOT_SUPPORTED, the next candidate is
 *    tried. Another failure is returned at once. When every candidate was
 *    refused, the first refusal is returned with a detail naming each.
 * 4. No candidate at all: FH_ERROR_NOT_SUPPORTED, naming the device's formats
 *    and the bundle's.
 * The kernel table records, per kernel, how many bytes of parameters it
 * reads (params_size, 0 = not recorded): fhLaunchKernel on a function of the
 * module with a shorter blob returns FH_ERROR_INVALID_VALUE. A kernel the
 * table does not name is launched without that check.
 */
#define FH_MODULE_BUNDLE_MAGIC "FHBUNDLE"
#define FH_MODULE_BUNDLE_MAGIC_SIZE 8u
#define FH_MODULE_BUNDLE_VERSION 1u
/** Targets of native CPU images. */
#define FH_MODULE_BUNDLE_TARGET_X86_64_LINUX "x86_64-linux"
#define FH_MODULE_BUNDLE_TARGET_AARCH64_LINUX "aarch64-linux"

typedef struct fh_module_bundle_header {
    /** FH_MODULE_BUNDLE_MAGIC, without a NUL. */
    uint8_t magic[8];
    /** FH_MODULE_BUNDLE_VERSION. */
    uint32_t version;
    /** Bytes of this header as written; >= FH_MODULE_BUNDLE_HEADER_SIZE_1. */
    uint32_t header_size;
    /** Bytes of the whole bundle; <= the size passed to fhModuleLoadData. */
    uint64_t total_size;
    uint32_t image_count;
    /** Bytes of each image entry; >= FH_MODULE_BUNDLE_IMAGE_SIZE_1. */
    uint32_t image_entry_size;
    uint64_t images_offset;
    uint32_t kernel_count;
    /** Bytes of each kernel entry; >= FH_MODULE_BUNDLE_KERNEL_SIZE_1. */
    uint32_t kernel_entry_size;
    uint64_t kernels_offset;
} fh_module_bundle_header_t;

/** One image: module bytes in one format for one target. */
typedef struct fh_module_bundle_image {
    /** fh_module_format_t of the bytes (never FH_MODULE_FORMAT_BUNDLE). */
    uint32_t format;
    uint32_t flags;
    uint64_t offset;
    /** Bytes of the image; > 0. */
    uint64_t size;
    /** Offset of a NUL-terminated target name, or 0 for none. */
    uint64_t target_offset;
} fh_module_bundle_image_t;

/** One kernel that every image of the bundle defines. */
typedef struct fh_module_bundle_kernel {
    /** Offset of its NUL-terminated name. */
    uint64_t name_offset;
    /** Bytes of parameters the kernel reads; 0 = not recorded. */
    uint32_t params_size;
    uint32_t flags;
} fh_module_bundle_kernel_t;

#define FH_MODULE_BUNDLE_HEADER_SIZE_1 56u
#define FH_MODULE_BUNDLE_IMAGE_SIZE_1 32u
#define FH_MODULE_BUNDLE_KERNEL_SIZE_1 16u

/* ---------------------------------------------------------------------------
 * Copies between devices, added in 1.2
 * ------------------------------------------------------------------------- */

/**
 * Copies size bytes from src on src_device to dst on dst_device; the two
 * devices may belong to different plugins (a CPU and a GPU, two vendors'
 * chips). Synchronous: first waits for all work already submitted to every
 * stream of both devices, then copies, and returns once the bytes are in
 * dst and visible to work submitted afterwards (the Ordering rules of the
 * synchronous copies, for both devices).
 *
 * How: when dst_device == src_device, this is fhMemcpyDtoD. Otherwise the
 * loader stages the bytes through host memory in chunks: pinned memory of
 * dst_device (fhMemAllocHost) where it has FH_DEVICE_CAP_PINNED_HOST_MEMORY,
 * else of src_device, else ordinary host memory. The loader keeps its
 * staging buffers for reuse until the process exits (docs/loader.md).
 *
 * Errors: FH_ERROR_INVALID_HANDLE for a NULL or stale device;
 * FH_ERROR_INVALID_ADDRESS for a range outside every live allocation of its
 * device, where that device can tell (FH_DEVICE_CAP_ADDRESS_CHECKS) or with
 * FLAGHAL_VALIDATION=1, and then the range is named in the detail message
 * ("src" or "dst", with its device); FH_ERROR_INVALID_VALUE when
 * src + size or dst + size overflows 64 bits. size 0 is a successful no-op.
 * On a failure part-way (a bad range found by a device only when the chunk
 * reaching it is copied), dst may have been partly written; src never is.
 * Overlapping ranges (only possible on one device) give undefined contents.
 */
FH_API fh_status_t fhMemcpyPeer(fh_device_t dst_device, fh_deviceptr_t dst, fh_device_t src_device,
                                fh_deviceptr_t src, size_t size);

/**
 * Queues a copy of size bytes from src, on the device of src_stream, to dst,
 * on the device of dst_stream, and returns; the devices may belong to
 * different plugins. Ordering, as if the copy were queued on both streams:
 * - it reads src after all work queued on src_stream before this call, and
 *   work queued on src_stream afterwards waits until it has read all of src;
 * - it writes dst after all work queued on dst_stream before this call, and
 *   work queued on dst_stream afterwards waits until all of dst is written
 *   (so an event recorded on dst_stream after it completes after the copy).
 * The host does not block. Work on other streams is not ordered with it.
 * The two streams may be one stream (then one device) but need not be.
 *
 * How: on one device it is fhMemcpyDtoDAsync on dst_stream, joined to
 * src_stream by events. Between devices the loader queues, per chunk, a
 * device-to-host copy into staging memory pinned by the destination device
 * on src_stream and a host-to-device copy from it on dst_stream, joined by
 * host functions; two staging buffers alternate, so the source device reads
 * chunk i + 1 while the destination device writes chunk i. This needs
 * FH_DEVICE_CAP_HOST_FUNC on both devices and
 * FH_DEVICE_CAP_PINNED_HOST_MEMORY on the destination, whose plugin must
 * have negotiated plugin ABI 1.1 or later (the pinned-memory rule of
 * Ordering); FH_ERROR_NOT_SUPPORTED otherwise, naming the device and what it
 * lacks (fhMemcpyPeer needs none of it). While
 * one side waits for the other, its stream waits (in a host function); the
 * reference plugins keep their other streams running meanwhile. A deadlock
 * is only possible through the caller's own cycle: work on dst_stream before
 * this call that waits for work queued on src_stream after it.
 *
 * Errors: those of fhMemcpyPeer, with FH_ERROR_INVALID_HANDLE for a NULL or
 * stale stream. Ranges are checked when queued where the device checks
 * addresses. A failure while queuing a later chunk returns its status after
 * leaving both streams able to run to completion (nothing waits forever),
 * dst possibly partly written; a failure while the copy runs is reported
 * like any failed stream work.
 */
FH_API fh_status_t fhMemcpyPeerAsync(fh_deviceptr_t dst, fh_deviceptr_t src, size_t size,
                                     fh_stream_t dst_stream, fh_stream_t src_stream);

/* ---------------------------------------------------------------------------
 * Pointer queries. Added in 1.2.
 * ------------------------------------------------------------------------- */

/** What kind of memory an address lies in (fh_pointer_attributes_t.type).
 *  Added in 1.2. */
typedef enum fh_memory_type {
    /** No live allocation of the devices asked contains the address: plain
     *  host memory (malloc, the stack), freed memory, or a stray value. */
    FH_MEMORY_TYPE_UNREGISTERED = 0,
    /** Pinned host memory from fhMemAllocHost; the address is its host pointer. */
    FH_MEMORY_TYPE_HOST = 1,
    /** Device memory from fhMemAlloc (whether or not the host can also
     *  reach it: FH_DEVICE_CAP_HOST_ACCESSIBLE_MEMORY). */
    FH_MEMORY_TYPE_DEVICE = 2,
    FH_MEMORY_TYPE_FORCE_32BIT = 0x7FFFFFFF
} fh_memory_type_t;

/** The answer of fhPointerGetAttributes. Added in 1.2. */
typedef struct fh_pointer_attributes {
    /** Set by the caller to sizeof(fh_pointer_attributes_t) of its header. */
    size_t struct_size;
    /** Extension chain; must be NULL (no extension struct is defined yet): a
     *  non-NULL next returns FH_ERROR_INVALID_VALUE and nothing is written. */
    void *next;
    fh_memory_type_t type;
    /** Ordinal of the device the allocation belongs to (fhDeviceGet);
     *  UINT32_MAX when type is FH_MEMORY_TYPE_UNREGISTERED. */
    uint32_t device_ordinal;
    /** The device the allocation belongs to; NULL when unregistered. */
    fh_device_t device;
    /** First byte of the allocation that contains the address: what
     *  fhMemAlloc returned, or fhMemAllocHost's pointer as an integer.
     *  0 when unregistered. */
    fh_deviceptr_t base;
    /** Bytes of that allocation as requested from fhMemAlloc or
     *  fhMemAllocHost (base <= address < base + size). 0 when unregistered. */
    uint64_t size;
} fh_pointer_attributes_t;

/** The 1.2 size of fh_pointer_attributes_t: the smallest struct_size accepted. */
#define FH_POINTER_ATTRIBUTES_STRUCT_SIZE_1_2 (offsetof(fh_pointer_attributes_t, size) + sizeof(uint64_t))

/**
 * Describes the allocation that contains address: which device it belongs
 * to, whether it is device memory (fhMemAlloc) or pinned host memory
 * (fhMemAllocHost, pass the host pointer cast to fh_deviceptr_t), and its
 * base and size. Interior addresses are answered: any address in
 * [base, base + size) gives the same answer; base + size itself does not
 * belong to the allocation. Added in 1.2.
 *
 * device NULL asks every device in ordinal order and the first that owns the
 * address answers (two devices whose address spaces overlap, such as two
 * discrete GPUs, may both own one value: pass the device to ask only it).
 * A non-NULL device asks only that device.
 *
 * An address no live allocation of the devices asked contains is not an
 * error: the call returns FH_SUCCESS with type FH_MEMORY_TYPE_UNREGISTERED,
 * device NULL, device_ordinal UINT32_MAX, base 0 and size 0, so a framework
 * can route host memory to a plain memcpy with one call (the rule of
 * cudaPointerGetAttributes since CUDA 11). Freed memory is unregistered once
 * fhMemFree or fhMemFreeHost has returned.
 *
 * attributes->struct_size must be set by the caller (at least
 * FH_POINTER_ATTRIBUTES_STRUCT_SIZE_1_2, else FH_ERROR_INVALID_VALUE); the
 * loader writes only inside it. attributes NULL: FH_ERROR_INVALID_VALUE.
 * Every device answers, whatever ABI its plugin negotiated: a plugin of ABI
 * 1.1 or later answers itself, and for an ABI 1.0 plugin the loader answers
 * from the allocations it has seen pass through fhMemAlloc/fhMemAllocHost
 * (docs/abi.md, "Pointer queries").
 *
 * Thread-safe; not ordered with streams (an allocation is registered from
 * the moment its allocating call returns until its free is called).
 */
FH_API fh_status_t fhPointerGetAttributes(fh_pointer_attributes_t *attributes, fh_device_t device,
                                          fh_deviceptr_t address);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* FLAGHAL_H_ */
