// FlagHAL's detail messages, and the abort of entry points that cannot fail.
#include "flaghal_backend.h"

std::string fhg_last_error(void) {
    char buf[1024] = {0};
    if (fhGetLastErrorMessage(buf, sizeof buf, nullptr) != FH_SUCCESS) {
        return "(no detail message)";
    }
    return buf;
}

std::string fhg_ops_last_error(void) {
    char buf[1024] = {0};
    if (fhopsGetLastErrorMessage(buf, sizeof buf, nullptr) != FH_SUCCESS) {
        return "(no detail message)";
    }
    return buf;
}

void fhg_check(fh_status_t status, const char *call, const char *file, int line) {
    if (status == FH_SUCCESS) {
        return;
    }
    const char *name = "?";
    fhGetErrorName(status, &name);
    ggml_abort(file, line, "FlagHAL: %s failed: %s: %s", call, name, fhg_last_error().c_str());
}
