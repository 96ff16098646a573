// Buffer types and buffers: FlagHAL device memory.
//
// A buffer is one fhMemAlloc allocation on its type's device. ggml keeps a
// buffer's "base pointer" and places tensors at base + offset; here the base
// is the fh_deviceptr_t itself, an address only the device uses (is_host is
// false, so ggml never dereferences it: every access goes through the entry
// points below, which call FlagHAL's synchronous copies and memsets: they
// wait for the device's streams first, as ggml's buffer interface requires).
#include "flaghal_backend.h"

#include <cstring>

namespace {

struct fhg_buffer {
    fhg_device *dev;
    fh_deviceptr_t base;
};

fhg_device *buft_device(ggml_backend_buffer_type_t buft) {
    return static_cast<fhg_device *>(buft->context);
}

fhg_buffer *buffer_ctx(ggml_backend_buffer_t buffer) {
    return static_cast<fhg_buffer *>(buffer->context);
}

void buffer_free(ggml_backend_buffer_t buffer) {
    fhg_buffer *b = buffer_ctx(buffer);
    FHG_CHECK(fhMemFree(b->dev->device, b->base));
    delete b;
}

void *buffer_get_base(ggml_backend_buffer_t buffer) {
    return reinterpret_cast<void *>(static_cast<uintptr_t>(buffer_ctx(buffer)->base));
}

void buffer_memset_tensor(ggml_backend_buffer_t buffer, ggml_tensor *tensor, uint8_t value, size_t offset,
                          size_t size) {
    FHG_CHECK(fhMemsetD8(buffer_ctx(buffer)->dev->device, fhg_tensor_address(tensor, offset), value, size));
}

void buffer_set_tensor(ggml_backend_buffer_t buffer, ggml_tensor *tensor, const void *data, size_t offset,
                       size_t size) {
    FHG_CHECK(fhMemcpyHtoD(buffer_ctx(buffer)->dev->device, fhg_tensor_address(tensor, offset), data, size));
}

void buffer_get_tensor(ggml_backend_buffer_t buffer, const ggml_tensor *tensor, void *data, size_t offset,
                       size_t size) {
    FHG_CHECK(fhMemcpyDtoH(buffer_ctx(buffer)->dev->device, data, fhg_tensor_address(tensor, offset), size));
}

// dst is in this buffer. A source on the same FlagHAL device is a device
// copy; a source in host memory is an upload; anything else (another
// device) is refused, and ggml copies through the host.
bool buffer_cpy_tensor(ggml_backend_buffer_t buffer, const ggml_tensor *src, ggml_tensor *dst) {
    fhg_buffer *b = buffer_ctx(buffer);
    ggml_backend_buffer_t src_buffer = src->view_src ? src->view_src->buffer : src->buffer;
    if (src_buffer == nullptr) {
        return false;
    }
    if (fhg_buffer_type_is_flaghal(src_buffer->buft) && buft_device(src_buffer->buft) == b->dev) {
        FHG_CHECK(fhMemcpyDtoD(b->dev->device, fhg_tensor_address(dst, 0), fhg_tensor_address(src, 0),
                               ggml_nbytes(src)));
        return true;
    }
    if (ggml_backend_buffer_is_host(src_buffer)) {
        FHG_CHECK(fhMemcpyHtoD(b->dev->device, fhg_tensor_address(dst, 0), src->data, ggml_nbytes(src)));
        return true;
    }
    return false;
}

void buffer_clear(ggml_backend_buffer_t buffer, uint8_t value) {
    fhg_buffer *b = buffer_ctx(buffer);
    FHG_CHECK(fhMemsetD8(b->dev->device, b->base, value, buffer->size));
}

const ggml_backend_buffer_i buffer_iface = {
    /* .free_buffer   = */ buffer_free,
    /* .get_base      = */ buffer_get_base,
    /* .init_tensor   = */ nullptr,
    /* .memset_tensor = */ buffer_memset_tensor,
    /* .set_tensor    = */ buffer_set_tensor,
    /* .get_tensor    = */ buffer_get_tensor,
    /* .set_tensor_2d = */ nullptr,
    /* .get_tensor_2d = */ nullptr,
    /* .cpy_tensor    = */ buffer_cpy_tensor,
    /* .clear         = */ buffer_clear,
    /* .reset         = */ nullptr,
};

const char *buft_get_name(ggml_backend_buffer_type_t buft) {
    return buft_device(buft)->name.c_str();
}

// Size 0 never reaches here (ggml makes an empty buffer itself). Out of
// memory is reported to ggml as a NULL buffer, with FlagHAL's reason logged.
ggml_backend_buffer_t buft_alloc_buffer(ggml_backend_buffer_type_t buft, size_t size) {
    fhg_device *dev = buft_device(buft);
    fh_deviceptr_t base = 0;
    const fh_status_t status = fhMemAlloc(dev->device, size, &base);
    if (status != FH_SUCCESS) {
        GGML_LOG_ERROR("%s: fhMemAlloc of %zu bytes failed: %s\n", dev->name.c_str(), size, fhg_last_error().c_str());
        return nullptr;
    }
    return ggml_backend_buffer_init(buft, buffer_iface, new fhg_buffer{dev, base}, size);
}

// Tensors start on the device's allocation alignment, so every tensor an
// operator receives is as aligned as an fhMemAlloc result.
size_t buft_get_alignment(ggml_backend_buffer_type_t buft) {
    return buft_device(buft)->props.memory_alignment;
}

size_t buft_get_max_size(ggml_backend_buffer_type_t buft) {
    const uint64_t total = buft_device(buft)->props.total_memory;
    return total != 0 && total < SIZE_MAX ? static_cast<size_t>(total) : SIZE_MAX;
}

bool buft_is_host(ggml_backend_buffer_type_t) {
    return false;
}

const ggml_backend_buffer_type_i buft_iface = {
    /* .get_name       = */ buft_get_name,
    /* .alloc_buffer   = */ buft_alloc_buffer,
    /* .get_alignment  = */ buft_get_alignment,
    /* .get_max_size   = */ buft_get_max_size,
    /* .get_alloc_size = */ nullptr,
    /* .is_host        = */ buft_is_host,
};

} // namespace

void fhg_buffer_type_init(fhg_device *dev) {
    dev->buft = ggml_backend_buffer_type{buft_iface, &dev->gdev, dev};
}

bool fhg_buffer_type_is_flaghal(ggml_backend_buffer_type_t buft) {
    return buft->iface.get_name == buft_get_name;
}

fh_deviceptr_t fhg_tensor_address(const ggml_tensor *tensor, size_t offset) {
    return static_cast<fh_deviceptr_t>(reinterpret_cast<uintptr_t>(tensor->data)) + offset;
}
