/*
 * flagos.h - the FlagOS device runtime (the interface torch_fl, FlagOS's
 * PyTorch plugin, builds against), as implemented once over FlagHAL by
 * libflagos.so in this folder. The names and types are those torch_fl
 * expects, so its sources compile unchanged against this header; the text is
 * our own and is the specification of this implementation (README.md says
 * how each call maps onto libflaghal.so).
 *
 * Model
 * -----
 * - Devices are FlagHAL's devices, numbered as fhDeviceGet numbers them
 *   (FLAGHAL_VISIBLE_DEVICES filters and reorders them). The first call of
 *   any function initialises FlagHAL (fhInit); no device is an empty runtime:
 *   GetDeviceCount gives 0 and succeeds.
 * - Current device: per thread, 0 until the thread calls SetDevice. Malloc,
 *   MallocHost, StreamCreate*, EventCreate* and DeviceSynchronize act on it.
 * - Streams: each device has one default stream, shared by every thread and
 *   never destroyed (GetDefaultStreamForDevice). Each thread has, per device,
 *   a current stream (the default stream until SetCurrentStreamForDevice).
 *   A NULL Stream_t passed to any call means the calling thread's current
 *   stream of its current device. Streams never synchronise implicitly with
 *   one another (every stream behaves as a non-blocking stream); join them
 *   with events.
 * - Pointers: device memory is a FlagHAL device address. Memcpy, Memset and
 *   Free find the device of a pointer with fhPointerGetAttributes, so a
 *   pointer of any device may be passed whatever the current device is, and
 *   a range that does not lie inside one allocation is refused.
 * - Synchronous Memcpy and Memset first wait for all work queued on every
 *   stream of the pointer's device (FlagHAL's rule), so a copy to the host
 *   never races a kernel still producing its data.
 * - Errors: Error_t has five values. FlagHAL's statuses map onto them
 *   one way only (README.md has the table): NOT_READY -> ErrorNotReady,
 *   OUT_OF_MEMORY -> ErrorMemoryAllocation, INVALID_DEVICE ->
 *   ErrorInvalidDevice, every other failure -> ErrorUnknown. Invalid
 *   arguments found here (NULL outputs, unknown copy kinds, ranges outside
 *   allocations) are ErrorUnknown too; an out-of-range device index is
 *   ErrorInvalidDevice.
 * - Threads: every function may be called from any thread.
 */
#ifndef FLAGOS_H_
#define FLAGOS_H_

#include <stddef.h>

#ifndef FLAGOS_EXPORT
#ifdef _WIN32
#define FLAGOS_EXPORT __declspec(dllexport)
#else
#define FLAGOS_EXPORT __attribute__((visibility("default")))
#endif
#endif

#ifdef __cplusplus
extern "C" {
#endif

/** Status of every call. */
typedef enum Error_t {
    Success = 0,
    /** Any failure without a value of its own. */
    ErrorUnknown = 1,
    /** StreamQuery / EventQuery / EventElapsedTime: work still pending. Not a failure. */
    ErrorNotReady = 2,
    /** A device index out of range, or objects of two devices combined. */
    ErrorInvalidDevice = 3,
    /** Device or host memory could not be allocated. */
    ErrorMemoryAllocation = 4
} Error_t;

/** Direction of Memcpy / MemcpyAsync. */
typedef enum MemcpyKind {
    MemcpyHostToHost = 0,
    MemcpyHostToDevice = 1,
    MemcpyDeviceToHost = 2,
    MemcpyDeviceToDevice = 3
} MemcpyKind;

/** What PointerGetAttributes found. */
typedef enum MemoryType {
    /** Not memory of this runtime: plain host memory, freed memory, a stray value. */
    MemoryTypeUnmanaged = 0,
    /** Pinned host memory from MallocHost. */
    MemoryTypeHost = 1,
    /** Device memory from Malloc. */
    MemoryTypeDevice = 2
} MemoryType;

typedef struct PointerAttributes {
    MemoryType type;
    /** The owning device; -1 when type is MemoryTypeUnmanaged. */
    int device;
    /** The pointer that was asked about (interior pointers stay interior). */
    void *pointer;
} PointerAttributes;

/** EventCreateWithFlags flags. Note the values: 0 disables timing. */
typedef enum EventFlags {
    EventDisableTiming = 0x0,
    EventEnableTiming = 0x1
} EventFlags;

struct Stream;
struct Event;
typedef struct Stream *Stream_t;
typedef struct Event *Event_t;

/* Memory ------------------------------------------------------------------ */

/** size bytes of device memory on the current device; size 0 gives NULL and
 *  succeeds. Too large: ErrorMemoryAllocation, *devPtr unchanged. */
FLAGOS_EXPORT Error_t Malloc(void **devPtr, size_t size);
/** Frees Malloc memory of any device (NULL: no-op). A pointer that is not the
 *  start of a live Malloc allocation is ErrorUnknown. Pending stream work on
 *  it must have completed. */
FLAGOS_EXPORT Error_t Free(void *devPtr);
/** size bytes of pinned host memory from the current device. On a device
 *  without pinned host memory (FlagHAL capability PINNED_HOST_MEMORY), page-
 *  aligned ordinary host memory instead: it works everywhere host memory
 *  does, and PointerGetAttributes reports it MemoryTypeUnmanaged. */
FLAGOS_EXPORT Error_t MallocHost(void **hostPtr, size_t size);
/** Frees MallocHost memory (NULL: no-op). */
FLAGOS_EXPORT Error_t FreeHost(void *hostPtr);
/** Copies count bytes, synchronously. kind must agree with the pointers
 *  (a device side must lie inside one Malloc allocation); count 0 succeeds.
 *  DeviceToDevice across two devices goes through host memory. */
FLAGOS_EXPORT Error_t Memcpy(void *dst, const void *src, size_t count, MemcpyKind kind);
/** Queues the copy on stream (NULL: the current stream), whose device must
 *  own the device side(s) (ErrorInvalidDevice otherwise). Host memory must
 *  stay valid until the stream reaches the copy. HostToHost, and
 *  DeviceToDevice across devices, wait for stream and then copy. */
FLAGOS_EXPORT Error_t MemcpyAsync(void *dst, const void *src, size_t count, MemcpyKind kind, Stream_t stream);
/** Which device and kind of memory ptr lies in. ptr of no allocation is not
 *  an error: Success with MemoryTypeUnmanaged. attributes NULL: ErrorUnknown. */
FLAGOS_EXPORT Error_t PointerGetAttributes(PointerAttributes *attributes, const void *ptr);
/** Sets count bytes at devPtr to (unsigned char)value, synchronously. */
FLAGOS_EXPORT Error_t Memset(void *devPtr, int value, size_t count);
/** Queues Memset on stream (NULL: the current stream). */
FLAGOS_EXPORT Error_t MemsetAsync(void *devPtr, int value, size_t count, Stream_t stream);

/* Devices ----------------------------------------------------------------- */

/** Number of devices; never fails for lack of devices (0 is Success). */
FLAGOS_EXPORT Error_t GetDeviceCount(int *count);
/** Makes device the calling thread's current device. */
FLAGOS_EXPORT Error_t SetDevice(int device);
/** The calling thread's current device. */
FLAGOS_EXPORT Error_t GetDevice(int *device);
/** FlagHAL has one stream priority: both are 0 (lower numbers would be
 *  higher priorities, as in CUDA). */
FLAGOS_EXPORT Error_t DeviceGetStreamPriorityRange(int *leastPriority, int *greatestPriority);
/** Waits for all work on every stream of the current device; reports a
 *  kernel failure seen since the last synchronisation. */
FLAGOS_EXPORT Error_t DeviceSynchronize(void);

/* Streams ----------------------------------------------------------------- */

/** A stream on the current device. flags: 0, or 1 (CUDA's NonBlocking, which
 *  every stream is); other bits are ErrorUnknown. priority is clamped to the
 *  range DeviceGetStreamPriorityRange gives, and StreamGetPriority returns
 *  the clamped value. */
FLAGOS_EXPORT Error_t StreamCreateWithPriority(Stream_t *stream, unsigned int flags, int priority);
/** StreamCreateWithPriority(stream, 0, 0). */
FLAGOS_EXPORT Error_t StreamCreate(Stream_t *stream);
FLAGOS_EXPORT Error_t StreamGetPriority(Stream_t stream, int *priority);
/** The device's default stream, created on first use; NULL if device is out
 *  of range or the stream cannot be created (a call given the NULL stream,
 *  e.g. StreamQuery(NULL) on that device, returns why:
 *  ErrorMemoryAllocation when the device is out of memory). */
FLAGOS_EXPORT Stream_t GetDefaultStreamForDevice(int device);
/** The calling thread's current stream of device; NULL as for
 *  GetDefaultStreamForDevice. */
FLAGOS_EXPORT Stream_t GetCurrentStreamForDevice(int device);
/** Sets the calling thread's current stream of device (NULL: back to the
 *  default stream). A stream of another device is ErrorInvalidDevice. */
FLAGOS_EXPORT Error_t SetCurrentStreamForDevice(int device, Stream_t stream);
/** Waits for the stream's work, then destroys it. A default stream cannot be
 *  destroyed (ErrorUnknown). A thread whose current stream it was falls back
 *  to the default stream only by calling SetCurrentStreamForDevice. */
FLAGOS_EXPORT Error_t StreamDestroy(Stream_t stream);
/** Success when the stream is idle, ErrorNotReady while work is pending. */
FLAGOS_EXPORT Error_t StreamQuery(Stream_t stream);
FLAGOS_EXPORT Error_t StreamSynchronize(Stream_t stream);
/** Work queued on stream after this call waits for event's last record.
 *  flags must be 0. */
FLAGOS_EXPORT Error_t StreamWaitEvent(Stream_t stream, Event_t event, unsigned int flags);

/* Events ------------------------------------------------------------------ */

/** An event on the current device; flags EventDisableTiming or EventEnableTiming. */
FLAGOS_EXPORT Error_t EventCreateWithFlags(Event_t *event, unsigned int flags);
/** EventCreateWithFlags(event, EventEnableTiming). */
FLAGOS_EXPORT Error_t EventCreate(Event_t *event);
FLAGOS_EXPORT Error_t EventDestroy(Event_t event);
/** Records event on stream (NULL: the current stream); both of one device. */
FLAGOS_EXPORT Error_t EventRecord(Event_t event, Stream_t stream);
FLAGOS_EXPORT Error_t EventSynchronize(Event_t event);
/** Success once the last record completed (or if never recorded), else ErrorNotReady. */
FLAGOS_EXPORT Error_t EventQuery(Event_t event);
/** Milliseconds between two completed records of timing events. */
FLAGOS_EXPORT Error_t EventElapsedTime(float *ms, Event_t start, Event_t end);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* FLAGOS_H_ */
