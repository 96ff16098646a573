/* interop.c - flagos_flaghal.h: the FlagHAL objects behind flagos handles. */
#include "../include/flagos_flaghal.h"
#include "runtime.h"

fh_device_t FlagosGetFlagHalDevice(int device) {
    return flagos_check_device(device) == Success ? flagos_device(device) : NULL;
}

fh_stream_t FlagosGetFlagHalStream(Stream_t stream) {
    struct Stream *s;
    return flagos_resolve_stream(stream, &s) == Success ? s->fh : NULL;
}

fh_event_t FlagosGetFlagHalEvent(Event_t event) {
    return event != NULL ? event->fh : NULL;
}
