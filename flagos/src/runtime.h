/* runtime.h - libflagos.so's shared state: FlagHAL's devices, each device's
 * default stream, the per-thread current device and current streams, and the
 * status mapping (errors.c). Ownership: a Stream or Event is malloc'ed by its
 * create call and freed by its destroy call; default streams live until the
 * process exits. */
#ifndef FLAGOS_RUNTIME_H_
#define FLAGOS_RUNTIME_H_

#include "../include/flagos.h"
#include <flaghal/flaghal.h>

/** Devices beyond this many are not addressable through flagos.h. */
#define FLAGOS_MAX_DEVICES 64

struct Stream {
    fh_stream_t fh;
    int device;
    int priority;
    int is_default;
};

struct Event {
    fh_event_t fh;
    int device;
};

/** Pure: FlagHAL status -> Error_t (errors.c). */
Error_t flagos_status(fh_status_t status);

/** Initialises FlagHAL once; Success or the mapped fhInit failure. */
Error_t flagos_init(void);
/** Device count after flagos_init (0 if it failed). */
int flagos_device_count(void);
/** The FlagHAL handle of device index d (d checked by the caller). */
fh_device_t flagos_device(int d);
/** ErrorInvalidDevice unless 0 <= d < count (after initialising). */
Error_t flagos_check_device(int d);
/** The calling thread's current device. */
int flagos_current_device(void);
void flagos_set_current_device(int d);
/** Sets *out to the default stream of d, created on first use. On failure
 * *out is NULL and the result says why: ErrorInvalidDevice for a bad d, the
 * mapped fhStreamCreate status (ErrorMemoryAllocation when the device is out
 * of memory), never a blanket "invalid device". A failed creation is retried
 * on the next use. */
Error_t flagos_default_stream(int d, struct Stream **out);
/** Sets *out to stream, or to the calling thread's current stream of its
 * current device (its default stream unless one was set). On failure *out is
 * NULL; the result is as for flagos_default_stream. */
Error_t flagos_resolve_stream(struct Stream *stream, struct Stream **out);
/** Per-thread current stream of d (NULL means the default stream). */
struct Stream **flagos_current_stream_slot(int d);

#endif
