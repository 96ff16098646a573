/* stream.c - streams and events. */
#include "runtime.h"

#include <stdlib.h>

static Error_t create_stream(Stream_t *stream, unsigned int flags, int priority) {
    int d = flagos_current_device();
    struct Stream *s;
    Error_t e;
    if (stream == NULL || (flags & ~1u) != 0) {
        return ErrorUnknown;
    }
    if ((e = flagos_check_device(d)) != Success) {
        return e;
    }
    if ((s = (struct Stream *)calloc(1, sizeof *s)) == NULL) {
        return ErrorMemoryAllocation;
    }
    if ((e = flagos_status(fhStreamCreate(flagos_device(d), FH_STREAM_DEFAULT, &s->fh))) != Success) {
        free(s);
        return e;
    }
    s->device = d;
    s->priority = 0; /* one level: every priority clamps to 0 */
    (void)priority;
    *stream = s;
    return Success;
}

Error_t StreamCreateWithPriority(Stream_t *stream, unsigned int flags, int priority) {
    return create_stream(stream, flags, priority);
}

Error_t StreamCreate(Stream_t *stream) {
    return create_stream(stream, 0, 0);
}

Error_t StreamGetPriority(Stream_t stream, int *priority) {
    struct Stream *s;
    Error_t e = flagos_resolve_stream(stream, &s);
    if (e != Success || priority == NULL) {
        return e != Success ? e : ErrorUnknown;
    }
    *priority = s->priority;
    return Success;
}

Stream_t GetDefaultStreamForDevice(int device) {
    struct Stream *s;
    (void)flagos_default_stream(device, &s); /* NULL on failure */
    return s;
}

Stream_t GetCurrentStreamForDevice(int device) {
    struct Stream *s;
    if (flagos_check_device(device) != Success) {
        return NULL;
    }
    if (*flagos_current_stream_slot(device) != NULL) {
        return *flagos_current_stream_slot(device);
    }
    (void)flagos_default_stream(device, &s); /* NULL on failure */
    return s;
}

Error_t SetCurrentStreamForDevice(int device, Stream_t stream) {
    Error_t e = flagos_check_device(device);
    if (e != Success) {
        return e;
    }
    if (stream != NULL && stream->device != device) {
        return ErrorInvalidDevice;
    }
    *flagos_current_stream_slot(device) = stream;
    return Success;
}

Error_t StreamDestroy(Stream_t stream) {
    Error_t e;
    if (stream == NULL || stream->is_default) {
        return ErrorUnknown;
    }
    e = flagos_status(fhStreamDestroy(stream->fh)); /* waits for its work */
    free(stream);
    return e;
}

Error_t StreamQuery(Stream_t stream) {
    struct Stream *s;
    Error_t e = flagos_resolve_stream(stream, &s);
    return e != Success ? e : flagos_status(fhStreamQuery(s->fh));
}

Error_t StreamSynchronize(Stream_t stream) {
    struct Stream *s;
    Error_t e = flagos_resolve_stream(stream, &s);
    return e != Success ? e : flagos_status(fhStreamSynchronize(s->fh));
}

Error_t StreamWaitEvent(Stream_t stream, Event_t event, unsigned int flags) {
    struct Stream *s;
    Error_t e = flagos_resolve_stream(stream, &s);
    if (e != Success || event == NULL || flags != 0) {
        return e != Success ? e : ErrorUnknown;
    }
    return flagos_status(fhStreamWaitEvent(s->fh, event->fh));
}

Error_t EventCreateWithFlags(Event_t *event, unsigned int flags) {
    int d = flagos_current_device();
    struct Event *ev;
    Error_t e;
    if (event == NULL || (flags & ~(unsigned)EventEnableTiming) != 0) {
        return ErrorUnknown;
    }
    if ((e = flagos_check_device(d)) != Success) {
        return e;
    }
    if ((ev = (struct Event *)calloc(1, sizeof *ev)) == NULL) {
        return ErrorMemoryAllocation;
    }
    /* flagos' 0 means "no timing", FlagHAL's 0 means "timing". */
    e = flagos_status(fhEventCreate(flagos_device(d), (flags & EventEnableTiming) ? FH_EVENT_DEFAULT : FH_EVENT_DISABLE_TIMING,
                                    &ev->fh));
    if (e != Success) {
        free(ev);
        return e;
    }
    ev->device = d;
    *event = ev;
    return Success;
}

Error_t EventCreate(Event_t *event) {
    return EventCreateWithFlags(event, EventEnableTiming);
}

Error_t EventDestroy(Event_t event) {
    Error_t e;
    if (event == NULL) {
        return Success;
    }
    e = flagos_status(fhEventDestroy(event->fh));
    free(event);
    return e;
}

Error_t EventRecord(Event_t event, Stream_t stream) {
    struct Stream *s;
    Error_t e = flagos_resolve_stream(stream, &s);
    if (e != Success || event == NULL) {
        return e != Success ? e : ErrorUnknown;
    }
    if (s->device != event->device) {
        return ErrorInvalidDevice;
    }
    return flagos_status(fhEventRecord(event->fh, s->fh));
}

Error_t EventSynchronize(Event_t event) {
    return event == NULL ? ErrorUnknown : flagos_status(fhEventSynchronize(event->fh));
}

Error_t EventQuery(Event_t event) {
    return event == NULL ? ErrorUnknown : flagos_status(fhEventQuery(event->fh));
}

Error_t EventElapsedTime(float *ms, Event_t start, Event_t end) {
    if (ms == NULL || start == NULL || end == NULL) {
        return ErrorUnknown;
    }
    return flagos_status(fhEventElapsedTime(ms, start->fh, end->fh));
}
