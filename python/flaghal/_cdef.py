"""The C declarations of include/flaghal/flaghal.h, for cffi's ABI mode.

Generated from the header by python/tests/cdef_from_header.py; do not edit.
Regenerate: python3 python/tests/cdef_from_header.py
"""

CDEF = """
typedef int32_t fh_status_t;
#define FH_SUCCESS 0
#define FH_ERROR_INVALID_VALUE 1
#define FH_ERROR_OUT_OF_MEMORY 2
#define FH_ERROR_NOT_INITIALIZED 3
#define FH_ERROR_INVALID_DEVICE 4
#define FH_ERROR_INVALID_HANDLE 5
#define FH_ERROR_NOT_FOUND 6
#define FH_ERROR_NOT_READY 7
#define FH_ERROR_NOT_SUPPORTED 8
#define FH_ERROR_INVALID_IMAGE 9
#define FH_ERROR_INVALID_ADDRESS 10
#define FH_ERROR_INVALID_CONFIGURATION 11
#define FH_ERROR_LAUNCH_FAILED 12
#define FH_ERROR_DEVICE_LOST 13
#define FH_ERROR_PANIC 14
#define FH_ERROR_UNKNOWN 15
typedef uint64_t fh_deviceptr_t;
typedef struct fh_device_s *fh_device_t;
typedef struct fh_stream_s *fh_stream_t;
typedef struct fh_event_s *fh_event_t;
typedef struct fh_module_s *fh_module_t;
typedef struct fh_function_s *fh_function_t;
typedef void (*fh_host_fn_t)(void *user_data);
fh_status_t fhInit(uint32_t flags);
fh_status_t fhGetVersion(uint32_t *version);
fh_status_t fhGetErrorName(fh_status_t status, const char **name);
fh_status_t fhGetErrorString(fh_status_t status, const char **description);
fh_status_t fhGetLastErrorMessage(char *buffer, size_t buffer_size, size_t *length);
typedef enum fh_plugin_status {
    FH_PLUGIN_STATUS_LOADED = 0,
    FH_PLUGIN_STATUS_SKIPPED = 1,
    FH_PLUGIN_STATUS_FORCE_32BIT = 0x7FFFFFFF
} fh_plugin_status_t;
typedef enum fh_plugin_skip_reason {
    FH_PLUGIN_SKIP_NONE = 0,
    FH_PLUGIN_SKIP_MANIFEST_UNREADABLE = 1,
    FH_PLUGIN_SKIP_MANIFEST_INVALID = 2,
    FH_PLUGIN_SKIP_WRONG_ARCH = 3,
    FH_PLUGIN_SKIP_OPEN_FAILED = 4,
    FH_PLUGIN_SKIP_NO_ENTRY_POINT = 5,
    FH_PLUGIN_SKIP_VERSION_MISMATCH = 6,
    FH_PLUGIN_SKIP_VERSION_TOO_OLD = 7,
    FH_PLUGIN_SKIP_NEGOTIATION_FAILED = 8,
    FH_PLUGIN_SKIP_TABLE_TOO_SMALL = 9,
    FH_PLUGIN_SKIP_MISSING_REQUIRED_ENTRY = 10,
    FH_PLUGIN_SKIP_INIT_FAILED = 11,
    FH_PLUGIN_SKIP_INIT_PANICKED = 12,
    FH_PLUGIN_SKIP_DEVICE_QUERY_FAILED = 13,
    FH_PLUGIN_SKIP_CAPABILITY_MISMATCH = 14,
    FH_PLUGIN_SKIP_DISABLED = 15,
    FH_PLUGIN_SKIP_DUPLICATE = 16,
    FH_PLUGIN_SKIP_FORCE_32BIT = 0x7FFFFFFF
} fh_plugin_skip_reason_t;
typedef struct fh_plugin_info {
    size_t struct_size;
    void *next;
    const char *name;
    const char *vendor;
    const char *version;
    const char *library_path;
    const char *manifest_path;
    uint32_t abi_version;
    fh_plugin_status_t status;
    fh_plugin_skip_reason_t skip_reason;
    const char *skip_detail;
    uint32_t device_count;
} fh_plugin_info_t;
fh_status_t fhPluginGetCount(uint32_t *count);
fh_status_t fhPluginGetInfo(uint32_t index, fh_plugin_info_t *info);
typedef enum fh_device_type {
    FH_DEVICE_TYPE_OTHER = 0,
    FH_DEVICE_TYPE_GPU = 1,
    FH_DEVICE_TYPE_CPU = 2,
    FH_DEVICE_TYPE_NPU = 3,
    FH_DEVICE_TYPE_FORCE_32BIT = 0x7FFFFFFF
} fh_device_type_t;
typedef enum fh_module_format {
    FH_MODULE_FORMAT_INVALID = 0,
    FH_MODULE_FORMAT_SPIRV = 1,
    FH_MODULE_FORMAT_PTX = 2,
    FH_MODULE_FORMAT_NATIVE_CPU = 3,
    FH_MODULE_FORMAT_OPENCL_C = 4,
    FH_MODULE_FORMAT_OPENCL_SPIRV = 5,
    FH_MODULE_FORMAT_CUBIN = 6,
    FH_MODULE_FORMAT_BUNDLE = 7,
    FH_MODULE_FORMAT_VENDOR_BEGIN = 0x10000,
    FH_MODULE_FORMAT_FORCE_32BIT = 0x7FFFFFFF
} fh_module_format_t;
#define FH_MAX_MODULE_FORMATS 8
#define FH_MIN_MAX_THREADS_PER_BLOCK 64u
#define FH_MIN_MAX_SHARED_MEMORY_PER_BLOCK 16384u
#define FH_MIN_MAX_KERNEL_ARGS_SIZE 1024u
#define FH_MIN_MEMORY_ALIGNMENT 256u
typedef struct fh_device_properties {
    size_t struct_size;
    void *next;
    char name[256];
    char vendor[64];
    char plugin_name[64];
    fh_device_type_t type;
    uint8_t uuid[16];
    uint64_t total_memory;
    uint32_t compute_units;
    uint32_t max_threads_per_block;
    uint32_t max_block_dim[3];
    uint32_t max_grid_dim[3];
    uint32_t subgroup_size;
    uint32_t max_shared_memory_per_block;
    uint32_t max_kernel_args_size;
    uint32_t memory_alignment;
    uint32_t module_format_count;
    fh_module_format_t module_formats[FH_MAX_MODULE_FORMATS];
    uint64_t capabilities;
    uint32_t plugin_device_index;
} fh_device_properties_t;
fh_status_t fhDeviceGetCount(uint32_t *count);
fh_status_t fhDeviceGet(uint32_t ordinal, fh_device_t *device);
fh_status_t fhDeviceGetProperties(fh_device_t device, fh_device_properties_t *properties);
fh_status_t fhDeviceSynchronize(fh_device_t device);
fh_status_t fhMemGetInfo(fh_device_t device, size_t *free_bytes, size_t *total_bytes);
fh_status_t fhMemAlloc(fh_device_t device, size_t size, fh_deviceptr_t *ptr);
fh_status_t fhMemFree(fh_device_t device, fh_deviceptr_t ptr);
fh_status_t fhMemAllocHost(fh_device_t device, size_t size, void **ptr);
fh_status_t fhMemFreeHost(fh_device_t device, void *ptr);
fh_status_t fhMemcpyHtoD(fh_device_t device, fh_deviceptr_t dst, const void *src, size_t size);
fh_status_t fhMemcpyDtoH(fh_device_t device, void *dst, fh_deviceptr_t src, size_t size);
fh_status_t fhMemcpyDtoD(fh_device_t device, fh_deviceptr_t dst, fh_deviceptr_t src, size_t size);
fh_status_t fhMemcpyHtoDAsync(fh_deviceptr_t dst, const void *src, size_t size, fh_stream_t stream);
fh_status_t fhMemcpyDtoHAsync(void *dst, fh_deviceptr_t src, size_t size, fh_stream_t stream);
fh_status_t fhMemcpyDtoDAsync(fh_deviceptr_t dst, fh_deviceptr_t src, size_t size, fh_stream_t stream);
fh_status_t fhMemsetD8(fh_device_t device, fh_deviceptr_t dst, uint8_t value, size_t count);
fh_status_t fhMemsetD16(fh_device_t device, fh_deviceptr_t dst, uint16_t value, size_t count);
fh_status_t fhMemsetD32(fh_device_t device, fh_deviceptr_t dst, uint32_t value, size_t count);
fh_status_t fhMemsetD8Async(fh_deviceptr_t dst, uint8_t value, size_t count, fh_stream_t stream);
fh_status_t fhMemsetD16Async(fh_deviceptr_t dst, uint16_t value, size_t count, fh_stream_t stream);
fh_status_t fhMemsetD32Async(fh_deviceptr_t dst, uint32_t value, size_t count, fh_stream_t stream);
#define FH_STREAM_DEFAULT 0u
fh_status_t fhStreamCreate(fh_device_t device, uint32_t flags, fh_stream_t *stream);
fh_status_t fhStreamDestroy(fh_stream_t stream);
fh_status_t fhStreamSynchronize(fh_stream_t stream);
fh_status_t fhStreamQuery(fh_stream_t stream);
fh_status_t fhStreamWaitEvent(fh_stream_t stream, fh_event_t event);
fh_status_t fhLaunchHostFunc(fh_stream_t stream, fh_host_fn_t fn, void *user_data);
#define FH_EVENT_DEFAULT 0u
#define FH_EVENT_DISABLE_TIMING 1u
fh_status_t fhEventCreate(fh_device_t device, uint32_t flags, fh_event_t *event);
fh_status_t fhEventDestroy(fh_event_t event);
fh_status_t fhEventRecord(fh_event_t event, fh_stream_t stream);
fh_status_t fhEventSynchronize(fh_event_t event);
fh_status_t fhEventQuery(fh_event_t event);
fh_status_t fhEventElapsedTime(float *ms, fh_event_t start, fh_event_t end);
fh_status_t fhModuleLoadData(fh_device_t device, fh_module_format_t format, const void *data,
    size_t size, fh_module_t *module);
fh_status_t fhModuleUnload(fh_module_t module);
fh_status_t fhModuleGetFunction(fh_module_t module, const char *name, fh_function_t *function);
typedef enum fh_function_attribute {
    FH_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK = 0,
    FH_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES = 1,
    FH_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 2,
    FH_FUNC_ATTRIBUTE_NUM_REGS = 3,
    FH_FUNC_ATTRIBUTE_FORCE_32BIT = 0x7FFFFFFF
} fh_function_attribute_t;
fh_status_t fhFunctionGetAttribute(int32_t *value, fh_function_attribute_t attrib, fh_function_t function);
fh_status_t fhLaunchKernel(fh_function_t function, uint32_t grid_x, uint32_t grid_y, uint32_t grid_z,
    uint32_t block_x, uint32_t block_y, uint32_t block_z,
    uint32_t shared_mem_bytes, fh_stream_t stream, const void *args,
    size_t args_size);
#define FH_MODULE_BUNDLE_MAGIC_SIZE 8u
#define FH_MODULE_BUNDLE_VERSION 1u
typedef struct fh_module_bundle_header {
    uint8_t magic[8];
    uint32_t version;
    uint32_t header_size;
    uint64_t total_size;
    uint32_t image_count;
    uint32_t image_entry_size;
    uint64_t images_offset;
    uint32_t kernel_count;
    uint32_t kernel_entry_size;
    uint64_t kernels_offset;
} fh_module_bundle_header_t;
typedef struct fh_module_bundle_image {
    uint32_t format;
    uint32_t flags;
    uint64_t offset;
    uint64_t size;
    uint64_t target_offset;
} fh_module_bundle_image_t;
typedef struct fh_module_bundle_kernel {
    uint64_t name_offset;
    uint32_t params_size;
    uint32_t flags;
} fh_module_bundle_kernel_t;
#define FH_MODULE_BUNDLE_HEADER_SIZE_1 56u
#define FH_MODULE_BUNDLE_IMAGE_SIZE_1 32u
#define FH_MODULE_BUNDLE_KERNEL_SIZE_1 16u
fh_status_t fhMemcpyPeer(fh_device_t dst_device, fh_deviceptr_t dst, fh_device_t src_device,
    fh_deviceptr_t src, size_t size);
fh_status_t fhMemcpyPeerAsync(fh_deviceptr_t dst, fh_deviceptr_t src, size_t size,
    fh_stream_t dst_stream, fh_stream_t src_stream);
typedef enum fh_memory_type {
    FH_MEMORY_TYPE_UNREGISTERED = 0,
    FH_MEMORY_TYPE_HOST = 1,
    FH_MEMORY_TYPE_DEVICE = 2,
    FH_MEMORY_TYPE_FORCE_32BIT = 0x7FFFFFFF
} fh_memory_type_t;
typedef struct fh_pointer_attributes {
    size_t struct_size;
    void *next;
    fh_memory_type_t type;
    uint32_t device_ordinal;
    fh_device_t device;
    fh_deviceptr_t base;
    uint64_t size;
} fh_pointer_attributes_t;
fh_status_t fhPointerGetAttributes(fh_pointer_attributes_t *attributes, fh_device_t device,
    fh_deviceptr_t address);
"""
