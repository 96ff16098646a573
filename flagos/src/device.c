/* device.c - GetDeviceCount, SetDevice, GetDevice, DeviceGetStreamPriorityRange,
 * DeviceSynchronize. */
#include "runtime.h"

Error_t GetDeviceCount(int *count) {
    if (count == NULL) {
        return ErrorUnknown;
    }
    *count = flagos_device_count();
    return Success;
}

Error_t SetDevice(int device) {
    Error_t e = flagos_check_device(device);
    if (e == Success) {
        flagos_set_current_device(device);
    }
    return e;
}

Error_t GetDevice(int *device) {
    if (device == NULL) {
        return ErrorUnknown;
    }
    *device = flagos_current_device();
    return Success;
}

Error_t DeviceGetStreamPriorityRange(int *leastPriority, int *greatestPriority) {
    /* FlagHAL streams have no priorities: one level, 0. */
    if (leastPriority != NULL) {
        *leastPriority = 0;
    }
    if (greatestPriority != NULL) {
        *greatestPriority = 0;
    }
    return Success;
}

Error_t DeviceSynchronize(void) {
    int d = flagos_current_device();
    Error_t e = flagos_check_device(d);
    return e != Success ? e : flagos_status(fhDeviceSynchronize(flagos_device(d)));
}
