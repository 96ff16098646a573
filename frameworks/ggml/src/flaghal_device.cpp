// ggml devices: one per FlagHAL device.
//
// Every FlagHAL device is a ggml GPU-type device, whatever its FlagHAL type
// (the CPU plugin's included): its memory is reached only through FlagHAL
// calls, which is what ggml means by a device with its own memory, and it
// is what makes llama.cpp offload layers to it.
#include "flaghal_backend.h"

namespace {

fhg_device *dev_of(ggml_backend_dev_t dev) {
    return static_cast<fhg_device *>(dev->context);
}

const char *get_name(ggml_backend_dev_t dev) {
    return dev_of(dev)->name.c_str();
}

const char *get_description(ggml_backend_dev_t dev) {
    return dev_of(dev)->description.c_str();
}

void get_memory(ggml_backend_dev_t dev, size_t *free, size_t *total) {
    fhg_device *d = dev_of(dev);
    *free = 0;
    *total = 0;
    if (fhMemGetInfo(d->device, free, total) != FH_SUCCESS) {
        GGML_LOG_WARN("%s: fhMemGetInfo failed: %s\n", d->name.c_str(), fhg_last_error().c_str());
    }
}

enum ggml_backend_dev_type get_type(ggml_backend_dev_t) {
    return GGML_BACKEND_DEVICE_TYPE_GPU;
}

void get_props(ggml_backend_dev_t dev, ggml_backend_dev_props *props) {
    props->name = get_name(dev);
    props->description = get_description(dev);
    get_memory(dev, &props->memory_free, &props->memory_total);
    props->type = get_type(dev);
    props->device_id = nullptr;
    props->caps.async = true;
    props->caps.host_buffer = false;
    props->caps.buffer_from_host_ptr = false;
    props->caps.events = true;
    props->caps.mmap_support = false;
}

ggml_backend_t init_backend(ggml_backend_dev_t dev, const char *) {
    return fhg_backend_init(dev_of(dev));
}

ggml_backend_buffer_type_t get_buffer_type(ggml_backend_dev_t dev) {
    return &dev_of(dev)->buft;
}

// Honest: yes only when the operator library accepts this node's exact
// descriptors on this device (flaghal_graph.cpp).
bool supports_op(ggml_backend_dev_t dev, const ggml_tensor *op) {
    return fhg_node(dev_of(dev)->ops, nullptr, op) == FH_SUCCESS;
}

bool supports_buft(ggml_backend_dev_t dev, ggml_backend_buffer_type_t buft) {
    return buft == &dev_of(dev)->buft;
}

ggml_backend_event_t event_new(ggml_backend_dev_t dev) {
    fh_event_t ev = nullptr;
    if (fhEventCreate(dev_of(dev)->device, FH_EVENT_DISABLE_TIMING, &ev) != FH_SUCCESS) {
        GGML_LOG_ERROR("%s: fhEventCreate failed: %s\n", get_name(dev), fhg_last_error().c_str());
        return nullptr;
    }
    return new ggml_backend_event{dev, ev};
}

void event_free(ggml_backend_dev_t, ggml_backend_event_t event) {
    FHG_CHECK(fhEventDestroy(static_cast<fh_event_t>(event->context)));
    delete event;
}

void event_synchronize(ggml_backend_dev_t, ggml_backend_event_t event) {
    FHG_CHECK(fhEventSynchronize(static_cast<fh_event_t>(event->context)));
}

} // namespace

const ggml_backend_device_i fhg_device_iface = {
    /* .get_name             = */ get_name,
    /* .get_description      = */ get_description,
    /* .get_memory           = */ get_memory,
    /* .get_type             = */ get_type,
    /* .get_props            = */ get_props,
    /* .init_backend         = */ init_backend,
    /* .get_buffer_type      = */ get_buffer_type,
    /* .get_host_buffer_type = */ nullptr,
    /* .buffer_from_host_ptr = */ nullptr,
    /* .supports_op          = */ supports_op,
    /* .supports_buft        = */ supports_buft,
    /* .offload_op           = */ nullptr,
    /* .event_new            = */ event_new,
    /* .event_free           = */ event_free,
    /* .event_synchronize    = */ event_synchronize,
};
