/* memory.c - Malloc, Free, MallocHost, FreeHost, Memcpy(Async),
 * PointerGetAttributes, Memset(Async). Every device pointer is resolved with
 * fhPointerGetAttributes: it names the device, and its base and size bound
 * the range an operation may touch. */
#define _POSIX_C_SOURCE 200112L
#include "runtime.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The FlagHAL allocation that holds [ptr, ptr + count); ErrorUnknown unless
 * it is device memory (kind DEVICE) and the whole range lies inside it. */
/* fhPointerGetAttributes over every device for ptr. */
static Error_t query_pointer(const void *ptr, fh_pointer_attributes_t *a) {
    Error_t e = flagos_init();
    if (e != Success) {
        return e;
    }
    memset(a, 0, sizeof *a);
    a->struct_size = sizeof *a;
    return flagos_status(fhPointerGetAttributes(a, NULL, (uint64_t)(uintptr_t)ptr));
}

static Error_t device_range(const void *ptr, size_t count, fh_pointer_attributes_t *a) {
    uint64_t address = (uint64_t)(uintptr_t)ptr;
    Error_t e = query_pointer(ptr, a);
    if (e != Success) {
        return e;
    }
    if (a->type != FH_MEMORY_TYPE_DEVICE || address - a->base > a->size || count > a->size - (address - a->base)) {
        return ErrorUnknown;
    }
    return Success;
}

static int index_of(fh_device_t device) {
    int d;
    for (d = 0; d < flagos_device_count(); d++) {
        if (flagos_device(d) == device) {
            return d;
        }
    }
    return -1;
}

Error_t Malloc(void **devPtr, size_t size) {
    int d = flagos_current_device();
    fh_deviceptr_t ptr = 0;
    Error_t e;
    if (devPtr == NULL) {
        return ErrorUnknown;
    }
    if ((e = flagos_check_device(d)) != Success) {
        return e;
    }
    if (size == 0) {
        *devPtr = NULL;
        return Success;
    }
    if ((e = flagos_status(fhMemAlloc(flagos_device(d), size, &ptr))) == Success) {
        *devPtr = (void *)(uintptr_t)ptr;
    }
    return e;
}

Error_t Free(void *devPtr) {
    fh_pointer_attributes_t a;
    Error_t e;
    if (devPtr == NULL) {
        return Success;
    }
    if ((e = device_range(devPtr, 0, &a)) != Success) {
        return e;
    }
    if (a.base != (uint64_t)(uintptr_t)devPtr) {
        return ErrorUnknown;
    }
    return flagos_status(fhMemFree(a.device, a.base));
}

Error_t MallocHost(void **hostPtr, size_t size) {
    int d = flagos_current_device();
    fh_status_t status;
    Error_t e;
    if (hostPtr == NULL) {
        return ErrorUnknown;
    }
    if ((e = flagos_check_device(d)) != Success) {
        return e;
    }
    if (size == 0) {
        *hostPtr = NULL;
        return Success;
    }
    status = fhMemAllocHost(flagos_device(d), size, hostPtr);
    if (status == FH_ERROR_NOT_SUPPORTED) {
        /* No pinned memory on this device: ordinary page-aligned memory. */
        return posix_memalign(hostPtr, 4096, size) == 0 ? Success : ErrorMemoryAllocation;
    }
    return flagos_status(status);
}

Error_t FreeHost(void *hostPtr) {
    fh_pointer_attributes_t a;
    Error_t e;
    if (hostPtr == NULL) {
        return Success;
    }
    if ((e = query_pointer(hostPtr, &a)) != Success) {
        return e;
    }
    if (a.type == FH_MEMORY_TYPE_HOST) {
        return a.base == (uint64_t)(uintptr_t)hostPtr ? flagos_status(fhMemFreeHost(a.device, hostPtr)) : ErrorUnknown;
    }
    if (a.type == FH_MEMORY_TYPE_DEVICE) {
        return ErrorUnknown;
    }
    free(hostPtr); /* the fallback of MallocHost */
    return Success;
}

/* DeviceToDevice between two devices: through a host buffer, synchronously. */
static Error_t copy_between_devices(const fh_pointer_attributes_t *dst, void *dst_ptr,
                                    const fh_pointer_attributes_t *src, const void *src_ptr, size_t count) {
    void *staging = malloc(count);
    Error_t e;
    if (staging == NULL) {
        return ErrorMemoryAllocation;
    }
    e = flagos_status(fhMemcpyDtoH(src->device, staging, (uint64_t)(uintptr_t)src_ptr, count));
    if (e == Success) {
        e = flagos_status(fhMemcpyHtoD(dst->device, (uint64_t)(uintptr_t)dst_ptr, staging, count));
    }
    free(staging);
    return e;
}

Error_t Memcpy(void *dst, const void *src, size_t count, MemcpyKind kind) {
    fh_pointer_attributes_t d, s;
    Error_t e;
    if (dst == NULL || src == NULL || (unsigned)kind > MemcpyDeviceToDevice) {
        return ErrorUnknown;
    }
    if (count == 0) {
        return Success;
    }
    switch (kind) {
    case MemcpyHostToHost:
        memmove(dst, src, count);
        return Success;
    case MemcpyHostToDevice:
        if ((e = device_range(dst, count, &d)) != Success) {
            return e;
        }
        return flagos_status(fhMemcpyHtoD(d.device, (uint64_t)(uintptr_t)dst, src, count));
    case MemcpyDeviceToHost:
        if ((e = device_range(src, count, &s)) != Success) {
            return e;
        }
        return flagos_status(fhMemcpyDtoH(s.device, dst, (uint64_t)(uintptr_t)src, count));
    case MemcpyDeviceToDevice:
        if ((e = device_range(dst, count, &d)) != Success || (e = device_range(src, count, &s)) != Success) {
            return e;
        }
        if (d.device != s.device) {
            return copy_between_devices(&d, dst, &s, src, count);
        }
        return flagos_status(fhMemcpyDtoD(d.device, (uint64_t)(uintptr_t)dst, (uint64_t)(uintptr_t)src, count));
    }
    return ErrorUnknown;
}

Error_t MemcpyAsync(void *dst, const void *src, size_t count, MemcpyKind kind, Stream_t stream) {
    fh_pointer_attributes_t d, s;
    struct Stream *st;
    Error_t e = flagos_resolve_stream(stream, &st);
    if (e != Success || dst == NULL || src == NULL || (unsigned)kind > MemcpyDeviceToDevice) {
        return e != Success ? e : ErrorUnknown;
    }
    if (count == 0) {
        return Success;
    }
    switch (kind) {
    case MemcpyHostToHost:
        if ((e = flagos_status(fhStreamSynchronize(st->fh))) != Success) {
            return e;
        }
        memmove(dst, src, count);
        return Success;
    case MemcpyHostToDevice:
        if ((e = device_range(dst, count, &d)) != Success) {
            return e;
        }
        if (index_of(d.device) != st->device) {
            return ErrorInvalidDevice;
        }
        return flagos_status(fhMemcpyHtoDAsync((uint64_t)(uintptr_t)dst, src, count, st->fh));
    case MemcpyDeviceToHost:
        if ((e = device_range(src, count, &s)) != Success) {
            return e;
        }
        if (index_of(s.device) != st->device) {
            return ErrorInvalidDevice;
        }
        return flagos_status(fhMemcpyDtoHAsync(dst, (uint64_t)(uintptr_t)src, count, st->fh));
    case MemcpyDeviceToDevice:
        if ((e = device_range(dst, count, &d)) != Success || (e = device_range(src, count, &s)) != Success) {
            return e;
        }
        if (d.device != s.device) {
            if ((e = flagos_status(fhStreamSynchronize(st->fh))) != Success) {
                return e;
            }
            return copy_between_devices(&d, dst, &s, src, count);
        }
        if (index_of(d.device) != st->device) {
            return ErrorInvalidDevice;
        }
        return flagos_status(fhMemcpyDtoDAsync((uint64_t)(uintptr_t)dst, (uint64_t)(uintptr_t)src, count, st->fh));
    }
    return ErrorUnknown;
}

Error_t PointerGetAttributes(PointerAttributes *attributes, const void *ptr) {
    fh_pointer_attributes_t a;
    Error_t e;
    if (attributes == NULL) {
        return ErrorUnknown;
    }
    if ((e = query_pointer(ptr, &a)) != Success) {
        return e;
    }
    attributes->pointer = (void *)(uintptr_t)ptr;
    switch (a.type) {
    case FH_MEMORY_TYPE_DEVICE:
        attributes->type = MemoryTypeDevice;
        attributes->device = (int)a.device_ordinal;
        break;
    case FH_MEMORY_TYPE_HOST:
        attributes->type = MemoryTypeHost;
        attributes->device = (int)a.device_ordinal;
        break;
    default:
        attributes->type = MemoryTypeUnmanaged;
        attributes->device = -1;
        break;
    }
    return Success;
}

Error_t Memset(void *devPtr, int value, size_t count) {
    fh_pointer_attributes_t a;
    Error_t e;
    if (count == 0) {
        return Success;
    }
    if ((e = device_range(devPtr, count, &a)) != Success) {
        return e;
    }
    return flagos_status(fhMemsetD8(a.device, (uint64_t)(uintptr_t)devPtr, (uint8_t)value, count));
}

Error_t MemsetAsync(void *devPtr, int value, size_t count, Stream_t stream) {
    fh_pointer_attributes_t a;
    struct Stream *st;
    Error_t e = flagos_resolve_stream(stream, &st);
    if (e != Success) {
        return e;
    }
    if (count == 0) {
        return Success;
    }
    if ((e = device_range(devPtr, count, &a)) != Success) {
        return e;
    }
    if (index_of(a.device) != st->device) {
        return ErrorInvalidDevice;
    }
    return flagos_status(fhMemsetD8Async((uint64_t)(uintptr_t)devPtr, (uint8_t)value, count, st->fh));
}
