/* errors.c - the one mapping from FlagHAL statuses to Error_t. Pure.
 * Five values cannot be one-to-one with FlagHAL's sixteen; what must stay
 * distinct does: NOT_READY (the caching allocator's "not yet reusable") and
 * OUT_OF_MEMORY (torch's free-cache-and-retry path) each have their own. */
#include "runtime.h"

Error_t flagos_status(fh_status_t status) {
    switch (status) {
    case FH_SUCCESS:
        return Success;
    case FH_ERROR_NOT_READY:
        return ErrorNotReady;
    case FH_ERROR_OUT_OF_MEMORY:
        return ErrorMemoryAllocation;
    case FH_ERROR_INVALID_DEVICE:
        return ErrorInvalidDevice;
    default:
        return ErrorUnknown;
    }
}
