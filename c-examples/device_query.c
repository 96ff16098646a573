/*
 * device_query: lists every plugin the loader found (loaded or skipped, and
 * why) and every visible device with all of its properties.
 *
 *   cc -std=c99 -Iinclude c-examples/device_query.c -Lprefix/lib -lflaghal -o device_query
 *   ./device_query
 *
 * Exit status 0 when the listing succeeded (even with zero devices: no device
 * is not an error), 1 when a call failed.
 */
#include <flaghal/flaghal.h>

#include <stdio.h>

static int failed(const char *what, fh_status_t status) {
    const char *name = "unknown status";
    char detail[512];
    fhGetErrorName(status, &name);
    fhGetLastErrorMessage(detail, sizeof detail, NULL);
    fprintf(stderr, "device_query: %s failed: %s: %s\n", what, name, detail);
    return 1;
}

#define CHECK(call)                                                                                          \
    do {                                                                                                     \
        fh_status_t status_ = (call);                                                                        \
        if (status_ != FH_SUCCESS) return failed(#call, status_);                                           \
    } while (0)

static const char *skip_reason_name(fh_plugin_skip_reason_t reason) {
    switch (reason) {
    case FH_PLUGIN_SKIP_NONE: return "none";
    case FH_PLUGIN_SKIP_MANIFEST_UNREADABLE: return "manifest unreadable";
    case FH_PLUGIN_SKIP_MANIFEST_INVALID: return "manifest invalid";
    case FH_PLUGIN_SKIP_WRONG_ARCH: return "wrong architecture";
    case FH_PLUGIN_SKIP_OPEN_FAILED: return "library could not be opened";
    case FH_PLUGIN_SKIP_NO_ENTRY_POINT: return "no entry point";
    case FH_PLUGIN_SKIP_VERSION_MISMATCH: return "ABI major mismatch";
    case FH_PLUGIN_SKIP_VERSION_TOO_OLD: return "ABI too old";
    case FH_PLUGIN_SKIP_NEGOTIATION_FAILED: return "negotiation failed";
    case FH_PLUGIN_SKIP_TABLE_TOO_SMALL: return "function table too small";
    case FH_PLUGIN_SKIP_MISSING_REQUIRED_ENTRY: return "required entry missing";
    case FH_PLUGIN_SKIP_INIT_FAILED: return "init failed";
    case FH_PLUGIN_SKIP_INIT_PANICKED: return "init panicked";
    case FH_PLUGIN_SKIP_DEVICE_QUERY_FAILED: return "device query failed";
    case FH_PLUGIN_SKIP_CAPABILITY_MISMATCH: return "capability mismatch";
    case FH_PLUGIN_SKIP_DISABLED: return "disabled";
    case FH_PLUGIN_SKIP_DUPLICATE: return "duplicate";
    default: return "unknown reason";
    }
}

static const char *device_type_name(fh_device_type_t type) {
    switch (type) {
    case FH_DEVICE_TYPE_GPU: return "GPU";
    case FH_DEVICE_TYPE_CPU: return "CPU";
    case FH_DEVICE_TYPE_NPU: return "NPU";
    case FH_DEVICE_TYPE_OTHER: return "other";
    default: return "unknown";
    }
}

static const char *format_name(fh_module_format_t format) {
    switch (format) {
    case FH_MODULE_FORMAT_SPIRV: return "SPIR-V";
    case FH_MODULE_FORMAT_PTX: return "PTX";
    case FH_MODULE_FORMAT_NATIVE_CPU: return "native CPU";
    case FH_MODULE_FORMAT_OPENCL_C: return "OpenCL C";
    case FH_MODULE_FORMAT_OPENCL_SPIRV: return "OpenCL SPIR-V";
    case FH_MODULE_FORMAT_CUBIN: return "cubin";
    case FH_MODULE_FORMAT_BUNDLE: return "bundle";
    default: return format >= FH_MODULE_FORMAT_VENDOR_BEGIN ? "vendor" : "unknown";
    }
}

static void print_capabilities(uint64_t caps) {
    static const struct {
        uint64_t bit;
        const char *name;
    } names[] = {
        {FH_DEVICE_CAP_EVENT_TIMING, "event-timing"},
        {FH_DEVICE_CAP_HOST_FUNC, "host-func"},
        {FH_DEVICE_CAP_PINNED_HOST_MEMORY, "pinned-host-memory"},
        {FH_DEVICE_CAP_ATOMIC_INT64, "atomic-int64"},
        {FH_DEVICE_CAP_ATOMIC_FLOAT32, "atomic-float32"},
        {FH_DEVICE_CAP_FLOAT64, "float64"},
        {FH_DEVICE_CAP_HOST_ACCESSIBLE_MEMORY, "host-accessible-memory"},
        {FH_DEVICE_CAP_ADDRESS_CHECKS, "address-checks"},
        {FH_DEVICE_CAP_FLOAT16, "float16"},
        {FH_DEVICE_CAP_INT8, "int8"},
        {FH_DEVICE_CAP_INT16, "int16"},
        {FH_DEVICE_CAP_INT8_DOT_PRODUCT, "int8-dot-product"},
        {FH_DEVICE_CAP_SUBGROUP_ARITHMETIC, "subgroup-arithmetic"},
        {FH_DEVICE_CAP_SUBGROUP_SHUFFLE, "subgroup-shuffle"},
    };
    size_t i;
    int any = 0;
    printf("    capabilities:           ");
    for (i = 0; i < sizeof names / sizeof names[0]; ++i) {
        if (caps & names[i].bit) {
            printf("%s%s", any ? ", " : "", names[i].name);
            any = 1;
        }
    }
    printf("%s\n", any ? "" : "(none)");
}

static int print_device(uint32_t ordinal) {
    fh_device_t device;
    fh_device_properties_t p;
    size_t free_bytes = 0, total_bytes = 0;
    uint32_t i;
    CHECK(fhDeviceGet(ordinal, &device));
    p.struct_size = sizeof p;
    p.next = NULL;
    CHECK(fhDeviceGetProperties(device, &p));
    CHECK(fhMemGetInfo(device, &free_bytes, &total_bytes));
    printf("device %u: %s\n", ordinal, p.name);
    printf("    vendor:                 %s\n", p.vendor);
    printf("    plugin:                 %s (device %u of it)\n", p.plugin_name, p.plugin_device_index);
    printf("    type:                   %s\n", device_type_name(p.type));
    printf("    uuid:                   ");
    for (i = 0; i < 16; ++i) {
        printf("%02x%s", p.uuid[i], i == 3 || i == 5 || i == 7 || i == 9 ? "-" : "");
    }
    printf("\n");
    printf("    total memory:           %llu bytes\n", (unsigned long long)p.total_memory);
    printf("    free memory:            %llu of %llu bytes\n", (unsigned long long)free_bytes,
           (unsigned long long)total_bytes);
    printf("    compute units:          %u\n", p.compute_units);
    printf("    max threads per block:  %u\n", p.max_threads_per_block);
    printf("    max block dims:         %u x %u x %u\n", p.max_block_dim[0], p.max_block_dim[1], p.max_block_dim[2]);
    printf("    max grid dims:          %u x %u x %u\n", p.max_grid_dim[0], p.max_grid_dim[1], p.max_grid_dim[2]);
    printf("    subgroup size:          %u\n", p.subgroup_size);
    printf("    shared memory / block:  %u bytes\n", p.max_shared_memory_per_block);
    printf("    max kernel args:        %u bytes\n", p.max_kernel_args_size);
    printf("    memory alignment:       %u bytes\n", p.memory_alignment);
    printf("    module formats:         ");
    for (i = 0; i < p.module_format_count && i < FH_MAX_MODULE_FORMATS; ++i) {
        printf("%s%s (%d)", i ? ", " : "", format_name(p.module_formats[i]), (int)p.module_formats[i]);
    }
    printf("%s\n", p.module_format_count ? "" : "(none: this device runs no kernels)");
    print_capabilities(p.capabilities);
    return 0;
}

int main(void) {
    uint32_t version = 0, plugin_count = 0, device_count = 0, i;
    CHECK(fhGetVersion(&version));
    printf("FlagHAL API %u.%u.%u\n", FH_VERSION_MAJOR(version), FH_VERSION_MINOR(version), FH_VERSION_PATCH(version));
    CHECK(fhInit(0));

    CHECK(fhPluginGetCount(&plugin_count));
    printf("%u plugin(s):\n", plugin_count);
    for (i = 0; i < plugin_count; ++i) {
        fh_plugin_info_t info;
        info.struct_size = sizeof info;
        info.next = NULL;
        CHECK(fhPluginGetInfo(i, &info));
        if (info.status == FH_PLUGIN_STATUS_LOADED) {
            printf("plugin %u: %s: loaded, %u device(s), ABI %u.%u, vendor \"%s\", version \"%s\"\n", i, info.name,
                   info.device_count, FH_VERSION_MAJOR(info.abi_version), FH_VERSION_MINOR(info.abi_version),
                   info.vendor, info.version);
        } else {
            printf("plugin %u: %s: skipped (%s, reason %d): %s\n", i, info.name, skip_reason_name(info.skip_reason),
                   (int)info.skip_reason, info.skip_detail);
        }
        printf("    library:  %s\n", info.library_path);
        printf("    manifest: %s\n", info.manifest_path[0] ? info.manifest_path : "(none: given directly)");
    }

    CHECK(fhDeviceGetCount(&device_count));
    printf("%u device(s)\n", device_count);
    for (i = 0; i < device_count; ++i) {
        if (print_device(i) != 0) {
            return 1;
        }
    }
    return 0;
}
