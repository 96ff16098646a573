/*
 * flagos_flaghal.h - interop between libflagos.so and FlagHAL: the FlagHAL
 * objects behind flagos handles, so code running under torch_fl can queue
 * FlagHAL work (kernels from fhModuleLoadData, fhLaunchHostFunc) on the very
 * stream torch_fl is using, in order with the runtime's own copies. Not part
 * of flagos.h; a program that uses it includes this header and flaghal.h.
 *
 * The handles returned stay owned by libflagos.so: never destroy them, and
 * do not use one after its flagos object is destroyed.
 */
#ifndef FLAGOS_FLAGHAL_H_
#define FLAGOS_FLAGHAL_H_

#include "flagos.h"
#include <flaghal/flaghal.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The FlagHAL device behind flagos device index device; NULL if out of range. */
FLAGOS_EXPORT fh_device_t FlagosGetFlagHalDevice(int device);
/** The FlagHAL stream behind stream (NULL: the calling thread's current
 *  stream of its current device); NULL if there is none. */
FLAGOS_EXPORT fh_stream_t FlagosGetFlagHalStream(Stream_t stream);
/** The FlagHAL event behind event; NULL for NULL. */
FLAGOS_EXPORT fh_event_t FlagosGetFlagHalEvent(Event_t event);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* FLAGOS_FLAGHAL_H_ */
