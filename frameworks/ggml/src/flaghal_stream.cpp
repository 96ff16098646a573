// A ggml backend is one FlagHAL stream: copies, graphs and events are
// enqueued on it in ggml's order and run asynchronously; synchronize waits.
#include "flaghal_backend.h"

namespace {

fhg_backend *ctx_of(ggml_backend_t backend) {
    return static_cast<fhg_backend *>(backend->context);
}

const char *get_name(ggml_backend_t backend) {
    return ctx_of(backend)->dev->name.c_str();
}

void backend_free(ggml_backend_t backend) {
    fhg_backend *ctx = ctx_of(backend);
    FHG_CHECK(fhStreamSynchronize(ctx->stream));
    FHG_CHECK(fhStreamDestroy(ctx->stream));
    delete ctx;
    delete backend;
}

// ggml promises that data stays valid and untouched until synchronize.
void set_tensor_async(ggml_backend_t backend, ggml_tensor *tensor, const void *data, size_t offset, size_t size) {
    FHG_CHECK(fhMemcpyHtoDAsync(fhg_tensor_address(tensor, offset), data, size, ctx_of(backend)->stream));
}

void get_tensor_async(ggml_backend_t backend, const ggml_tensor *tensor, void *data, size_t offset, size_t size) {
    FHG_CHECK(fhMemcpyDtoHAsync(data, fhg_tensor_address(tensor, offset), size, ctx_of(backend)->stream));
}

// Between two FlagHAL streams, of one device or of two (of one plugin or of
// two): fhMemcpyPeerAsync reads src after the source stream's work so far,
// writes dst after the destination stream's, and holds the source stream's
// later work until src is read, so ggml may reuse src's memory for the next
// split at once. Between devices the loader stages through host memory,
// which needs FH_DEVICE_CAP_HOST_FUNC on both and
// FH_DEVICE_CAP_PINNED_HOST_MEMORY on the destination. Without those, for a
// backend that is not ours, and for a tensor outside its backend's device's
// memory, this returns false and ggml's scheduler copies through the host
// synchronously instead.
bool cpy_tensor_async(ggml_backend_t backend_src, ggml_backend_t backend_dst, const ggml_tensor *src,
                      ggml_tensor *dst) {
    if (backend_src->iface.get_name != get_name || backend_dst->iface.get_name != get_name) {
        return false;
    }
    fhg_backend *s = ctx_of(backend_src), *d = ctx_of(backend_dst);
    // Each tensor in memory of its own backend's device (the addresses are
    // that device's).
    if (src->buffer == nullptr || dst->buffer == nullptr || src->buffer->buft != &s->dev->buft ||
        dst->buffer->buft != &d->dev->buft) {
        return false;
    }
    if (s->dev != d->dev) {
        const uint64_t both = s->dev->props.capabilities & d->dev->props.capabilities;
        if ((both & FH_DEVICE_CAP_HOST_FUNC) == 0 ||
            (d->dev->props.capabilities & FH_DEVICE_CAP_PINNED_HOST_MEMORY) == 0) {
            return false;
        }
    }
    FHG_CHECK(fhMemcpyPeerAsync(fhg_tensor_address(dst, 0), fhg_tensor_address(src, 0), ggml_nbytes(src), d->stream,
                                s->stream));
    return true;
}

void synchronize(ggml_backend_t backend) {
    FHG_CHECK(fhStreamSynchronize(ctx_of(backend)->stream));
}

// Enqueues every node in graph order; returns before the device runs them.
// A node the library refuses here was accepted by supports_op with the same
// descriptors, so a refusal is a bug or a device failure: logged, FAILED.
ggml_status graph_compute(ggml_backend_t backend, ggml_cgraph *cgraph) {
    fhg_backend *ctx = ctx_of(backend);
    for (int i = 0; i < ggml_graph_n_nodes(cgraph); i++) {
        ggml_tensor *node = ggml_graph_node(cgraph, i);
        if (ggml_is_empty(node) || fhg_node_is_view(node) || (node->flags & GGML_TENSOR_FLAG_COMPUTE) == 0) {
            continue;
        }
        const fh_status_t status = fhg_node(ctx->dev->ops, ctx->stream, node);
        if (status != FH_SUCCESS) {
            const char *name = "?";
            fhGetErrorName(status, &name);
            GGML_LOG_ERROR("%s: %s (%s) failed: %s: %s\n", ctx->dev->name.c_str(), ggml_op_desc(node), node->name,
                           name, fhg_ops_last_error().c_str());
            return GGML_STATUS_FAILED;
        }
    }
    return GGML_STATUS_SUCCESS;
}

void event_record(ggml_backend_t backend, ggml_backend_event_t event) {
    FHG_CHECK(fhEventRecord(static_cast<fh_event_t>(event->context), ctx_of(backend)->stream));
}

void event_wait(ggml_backend_t backend, ggml_backend_event_t event) {
    FHG_CHECK(fhStreamWaitEvent(ctx_of(backend)->stream, static_cast<fh_event_t>(event->context)));
}

const ggml_backend_i backend_iface = {
    /* .get_name            = */ get_name,
    /* .free                = */ backend_free,
    /* .set_tensor_async    = */ set_tensor_async,
    /* .get_tensor_async    = */ get_tensor_async,
    /* .set_tensor_2d_async = */ nullptr,
    /* .get_tensor_2d_async = */ nullptr,
    /* .cpy_tensor_async    = */ cpy_tensor_async,
    /* .synchronize         = */ synchronize,
    /* .graph_plan_create   = */ nullptr,
    /* .graph_plan_free     = */ nullptr,
    /* .graph_plan_update   = */ nullptr,
    /* .graph_plan_compute  = */ nullptr,
    /* .graph_compute       = */ graph_compute,
    /* .event_record        = */ event_record,
    /* .event_wait          = */ event_wait,
    /* .graph_optimize      = */ nullptr,
};

ggml_guid_t guid() {
    // "FlagHAL ggml bk." as bytes: stable, unique to this backend.
    static ggml_guid g = {0x46, 0x6c, 0x61, 0x67, 0x48, 0x41, 0x4c, 0x20,
                          0x67, 0x67, 0x6d, 0x6c, 0x20, 0x62, 0x6b, 0x2e};
    return &g;
}

} // namespace

ggml_backend_t fhg_backend_init(fhg_device *dev) {
    fh_stream_t stream = nullptr;
    if (fhStreamCreate(dev->device, FH_STREAM_DEFAULT, &stream) != FH_SUCCESS) {
        GGML_LOG_ERROR("%s: fhStreamCreate failed: %s\n", dev->name.c_str(), fhg_last_error().c_str());
        return nullptr;
    }
    return new ggml_backend{guid(), backend_iface, &dev->gdev, new fhg_backend{dev, stream}};
}
