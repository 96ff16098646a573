/*
 * example_common.h - what the C examples share: CHECK, which stops a program
 * at the first failed call and prints the status name and the detail message,
 * and how they load their kernels: one module bundle file
 * (FH_MODULE_FORMAT_BUNDLE) built from the one-source kernels of
 * c-examples/kernels/ by
 *
 *   flaghal-kernel build --committed c-examples/kernels/{vector_add,scale,matmul_tiled}.fhk -o kernels/examples.fhbundle
 *
 * fhModuleLoadData picks the image the device runs (native CPU, SPIR-V), so
 * the examples never look at module formats. The file is --kernels FILE,
 * else $FLAGHAL_EXAMPLE_KERNELS, else ./kernels/examples.fhbundle.
 */
#ifndef FLAGHAL_EXAMPLE_COMMON_H_
#define FLAGHAL_EXAMPLE_COMMON_H_

#include <flaghal/flaghal.h>

#include <stdio.h>
#include <stdlib.h>

/* The program's name in messages; each example sets it first thing. */
static const char *example_name = "example";

/* Prints why `what` failed (line, status name, detail message); returns 1. */
static int example_failed(const char *what, fh_status_t status, int line) {
    const char *name = "unknown status";
    char detail[512];
    fhGetErrorName(status, &name);
    fhGetLastErrorMessage(detail, sizeof detail, NULL);
    fprintf(stderr, "%s: line %d: %s failed: %s: %s\n", example_name, line, what, name, detail);
    return 1;
}

/* Returns 1 from the calling function when `call` does not succeed. */
#define CHECK(call)                                                                                          \
    do {                                                                                                     \
        fh_status_t status_ = (call);                                                                        \
        if (status_ != FH_SUCCESS) return example_failed(#call, status_, __LINE__);                         \
    } while (0)

/* fhInit, then device `index` and its properties; prints which device it
 * is. Returns FH_SUCCESS, or the failing status (FH_ERROR_INVALID_DEVICE
 * with a message when there is no such device). */
static fh_status_t example_open_device(uint32_t index, fh_device_t *device, fh_device_properties_t *props) {
    uint32_t count = 0;
    fh_status_t status = fhInit(0);
    if (status == FH_SUCCESS) status = fhDeviceGetCount(&count);
    if (status != FH_SUCCESS) return status;
    if (index >= count) {
        fprintf(stderr, "%s: device %u requested, %u available\n", example_name, (unsigned)index, (unsigned)count);
        return FH_ERROR_INVALID_DEVICE;
    }
    status = fhDeviceGet(index, device);
    props->struct_size = sizeof *props;
    props->next = NULL;
    if (status == FH_SUCCESS) status = fhDeviceGetProperties(*device, props);
    if (status == FH_SUCCESS) {
        printf("%s: device %u: %s (plugin %s)\n", example_name, (unsigned)index, props->name, props->plugin_name);
    }
    return status;
}

/* The bundle to load when no --kernels FILE is given. */
static const char *example_kernels_default(void) {
    const char *env = getenv("FLAGHAL_EXAMPLE_KERNELS");
    return env != NULL && env[0] != '\0' ? env : "./kernels/examples.fhbundle";
}

/* Reads a whole file into malloc'ed memory; NULL (with a message) on failure. */
static void *example_read_file(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    void *data = NULL;
    long length;
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (length = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET) != 0 ||
        (data = malloc((size_t)length)) == NULL || fread(data, 1, (size_t)length, f) != (size_t)length) {
        fprintf(stderr, "%s: cannot read kernel bundle %s\n", example_name, path);
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

/* Loads the bundle at `path` on `device`: FH_SUCCESS, or the failing
 * status (the detail message says more). */
static fh_status_t example_load_kernels(fh_device_t device, const char *path, fh_module_t *module) {
    size_t size = 0;
    void *bytes = example_read_file(path, &size);
    fh_status_t status;
    if (bytes == NULL) {
        return FH_ERROR_INVALID_VALUE;
    }
    status = fhModuleLoadData(device, FH_MODULE_FORMAT_BUNDLE, bytes, size, module);
    free(bytes); /* the loader copied the bytes */
    return status;
}

#endif /* FLAGHAL_EXAMPLE_COMMON_H_ */
