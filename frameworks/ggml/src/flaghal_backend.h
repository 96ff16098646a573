// The FlagHAL backend for ggml: internal declarations shared by its files.
//
// Object model (each ggml object and the FlagHAL object behind it):
//   ggml_backend_reg     one, static: the FlagHAL devices found by fhInit
//   ggml_backend_device  one per FlagHAL device (fh_device_t) whose operator
//                        context (fhopsContextCreate) could be made; named
//                        "FlagHAL<ordinal>", its description the device's name
//   ggml_backend_buffer_type  one per device: FlagHAL device memory
//   ggml_backend_buffer  one fhMemAlloc allocation; ggml's "base pointer" is
//                        the fh_deviceptr_t (never dereferenced by the host)
//   ggml_backend         one FlagHAL stream (fhStreamCreate) on the device:
//                        async copies, graph_compute and events are enqueued
//                        on it; synchronize is fhStreamSynchronize
//   ggml_backend_event   one fh_event_t
//
// Ownership: the registry and its devices live for the process (ggml never
// frees a registry or a device); buffers, backends and events are owned by
// ggml and freed through their free entry points.
//
// Errors: ggml's entry points that return void cannot report failure, so a
// failing FlagHAL call there aborts with FlagHAL's detail message (as ggml's
// own GPU backends do); graph_compute returns GGML_STATUS_FAILED instead.
#pragma once

#include <flaghal/flaghal.h>
#include <flaghal/flaghal_ops.h>

#include <string>

#include "ggml-backend-impl.h"
#include "ggml-impl.h"

#define GGML_FLAGHAL_NAME "FlagHAL"

struct fhg_device {
    uint32_t ordinal = 0;
    fh_device_t device = nullptr;
    fh_device_properties_t props{};
    fhops_context_t ops = nullptr;
    std::string name;         // "FlagHAL<ordinal>"
    std::string description;  // "<device name> (<plugin>)"
    ggml_backend_buffer_type buft{};
    ggml_backend_device gdev{};
};

struct fhg_backend {
    fhg_device *dev = nullptr;
    fh_stream_t stream = nullptr;
};

// The registry (flaghal_reg.cpp); ggml_backend_init returns it.
ggml_backend_reg_t ggml_backend_flaghal_reg(void);

// Device entry points (flaghal_device.cpp).
extern const ggml_backend_device_i fhg_device_iface;

// The buffer type of dev (flaghal_buffer.cpp); true if buft is one of ours.
void fhg_buffer_type_init(fhg_device *dev);
bool fhg_buffer_type_is_flaghal(ggml_backend_buffer_type_t buft);
// The device address of tensor->data + offset in one of our buffers.
fh_deviceptr_t fhg_tensor_address(const ggml_tensor *tensor, size_t offset);

// A backend (stream) on dev (flaghal_stream.cpp); nullptr on failure (logged).
ggml_backend_t fhg_backend_init(fhg_device *dev);

// One graph node (flaghal_graph.cpp): with stream, enqueues it; without,
// answers whether it would be accepted (the very same checks).
fh_status_t fhg_node(fhops_context_t ops, fh_stream_t stream, const ggml_tensor *node);
// Nodes that describe memory only and launch nothing.
bool fhg_node_is_view(const ggml_tensor *node);

// FlagHAL's detail message for the calling thread's last failed call.
std::string fhg_last_error(void);
std::string fhg_ops_last_error(void);

// Aborts with the call's text and FlagHAL's detail if status is not FH_SUCCESS.
void fhg_check(fh_status_t status, const char *call, const char *file, int line);
#define FHG_CHECK(call) fhg_check((call), #call, __FILE__, __LINE__)
