// The backend registry: what ggml_backend_load() finds in libggml-flaghal.so.
//
// On first use it initialises FlagHAL (fhInit) and makes one ggml device per
// FlagHAL device, in FlagHAL's device order (FLAGHAL_VISIBLE_DEVICES filters
// and reorders, as for every FlagHAL program). A device whose operator
// library cannot load (fhopsContextCreate fails) is left out, with the
// reason logged: it could run no node. No FlagHAL devices, or no loader,
// gives a registry with zero devices, never a failure of the host program.
#include "flaghal_backend.h"

#include <memory>
#include <mutex>
#include <vector>

namespace {

struct fhg_reg {
    std::vector<std::unique_ptr<fhg_device>> devices;
    ggml_backend_reg reg{};
};

std::unique_ptr<fhg_device> make_device(uint32_t ordinal) {
    auto dev = std::make_unique<fhg_device>();
    dev->ordinal = ordinal;
    dev->props.struct_size = sizeof dev->props;
    if (fhDeviceGet(ordinal, &dev->device) != FH_SUCCESS ||
        fhDeviceGetProperties(dev->device, &dev->props) != FH_SUCCESS) {
        GGML_LOG_WARN("%s: FlagHAL device %u skipped: %s\n", GGML_FLAGHAL_NAME, ordinal, fhg_last_error().c_str());
        return nullptr;
    }
    if (fhopsContextCreate(dev->device, &dev->ops) != FH_SUCCESS) {
        GGML_LOG_WARN("%s: FlagHAL device %u (%s) skipped: the operator library does not load on it: %s\n",
                      GGML_FLAGHAL_NAME, ordinal, dev->props.name, fhg_ops_last_error().c_str());
        return nullptr;
    }
    dev->name = GGML_FLAGHAL_NAME + std::to_string(ordinal);
    dev->description = std::string(dev->props.name) + " (" + dev->props.plugin_name + ")";
    fhg_buffer_type_init(dev.get());
    return dev;
}

const char *reg_get_name(ggml_backend_reg_t) {
    return GGML_FLAGHAL_NAME;
}

size_t reg_get_device_count(ggml_backend_reg_t reg) {
    return static_cast<fhg_reg *>(reg->context)->devices.size();
}

ggml_backend_dev_t reg_get_device(ggml_backend_reg_t reg, size_t index) {
    auto *r = static_cast<fhg_reg *>(reg->context);
    GGML_ASSERT(index < r->devices.size());
    return &r->devices[index]->gdev;
}

const ggml_backend_reg_i reg_iface = {
    /* .get_name         = */ reg_get_name,
    /* .get_device_count = */ reg_get_device_count,
    /* .get_device       = */ reg_get_device,
    /* .get_proc_address = */ nullptr,
};

fhg_reg *create_registry() {
    auto *r = new fhg_reg();
    r->reg = ggml_backend_reg{GGML_BACKEND_API_VERSION, reg_iface, r};
    uint32_t count = 0;
    if (fhInit(0) != FH_SUCCESS || fhDeviceGetCount(&count) != FH_SUCCESS) {
        GGML_LOG_WARN("%s: no devices: fhInit failed: %s\n", GGML_FLAGHAL_NAME, fhg_last_error().c_str());
        return r;
    }
    for (uint32_t i = 0; i < count; i++) {
        if (auto dev = make_device(i)) {
            dev->gdev = ggml_backend_device{fhg_device_iface, &r->reg, dev.get()};
            r->devices.push_back(std::move(dev));
        }
    }
    return r;
}

} // namespace

ggml_backend_reg_t ggml_backend_flaghal_reg(void) {
    static std::once_flag once;
    static fhg_reg *reg = nullptr;  // lives for the process, as ggml expects
    std::call_once(once, [] { reg = create_registry(); });
    return &reg->reg;
}

GGML_BACKEND_DL_IMPL(ggml_backend_flaghal_reg)
