/* state.c - initialisation, the device table, the default streams and the
 * per-thread current device and streams. */
#include "runtime.h"

#include <pthread.h>
#include <stdlib.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static fh_status_t init_status = FH_ERROR_NOT_INITIALIZED;
static int device_count;
static fh_device_t devices[FLAGOS_MAX_DEVICES];
static struct Stream *default_streams[FLAGOS_MAX_DEVICES];
static pthread_mutex_t default_lock = PTHREAD_MUTEX_INITIALIZER;

static __thread int current_device;
static __thread struct Stream *current_streams[FLAGOS_MAX_DEVICES];

static void init_once(void) {
    uint32_t count = 0;
    uint32_t i;
    init_status = fhInit(0);
    if (init_status != FH_SUCCESS || fhDeviceGetCount(&count) != FH_SUCCESS) {
        return;
    }
    if (count > FLAGOS_MAX_DEVICES) {
        count = FLAGOS_MAX_DEVICES;
    }
    for (i = 0; i < count; i++) {
        if (fhDeviceGet(i, &devices[i]) != FH_SUCCESS) {
            break;
        }
    }
    device_count = (int)i;
}

Error_t flagos_init(void) {
    pthread_once(&once, init_once);
    return flagos_status(init_status);
}

int flagos_device_count(void) {
    return flagos_init() == Success ? device_count : 0;
}

fh_device_t flagos_device(int d) {
    return devices[d];
}

Error_t flagos_check_device(int d) {
    Error_t e = flagos_init();
    if (e != Success) {
        return e;
    }
    return d >= 0 && d < device_count ? Success : ErrorInvalidDevice;
}

int flagos_current_device(void) {
    return current_device;
}

void flagos_set_current_device(int d) {
    current_device = d;
}

Error_t flagos_default_stream(int d, struct Stream **out) {
    struct Stream *s;
    Error_t e = flagos_check_device(d);
    *out = NULL;
    if (e != Success) {
        return e;
    }
    pthread_mutex_lock(&default_lock);
    s = default_streams[d];
    if (s == NULL) {
        if ((s = (struct Stream *)calloc(1, sizeof *s)) == NULL) {
            e = ErrorMemoryAllocation;
        } else if ((e = flagos_status(fhStreamCreate(devices[d], FH_STREAM_DEFAULT, &s->fh))) == Success) {
            s->device = d;
            s->is_default = 1;
            default_streams[d] = s;
        } else {
            free(s);
            s = NULL;
        }
    }
    pthread_mutex_unlock(&default_lock);
    *out = s;
    return e;
}

struct Stream **flagos_current_stream_slot(int d) {
    return &current_streams[d];
}

Error_t flagos_resolve_stream(struct Stream *stream, struct Stream **out) {
    int d = current_device;
    Error_t e;
    *out = stream;
    if (stream != NULL) {
        return Success;
    }
    if ((e = flagos_check_device(d)) != Success) {
        return e;
    }
    if (current_streams[d] != NULL) {
        *out = current_streams[d];
        return Success;
    }
    return flagos_default_stream(d, out);
}
