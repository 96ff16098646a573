/* bringup.c - torch_fl's runtime bring-up checks, replayed on every device
 * libflagos.so sees: malloc, a copy round trip, pointer attributes (interior
 * pointers too), NotReady kept apart from out-of-memory, and allocator churn
 * across two streams with event-guarded block reuse. A stream is held busy
 * deterministically by a FlagHAL host function queued on the stream behind
 * it (flagos_flaghal.h). Prints one line per check; exits 1 at the first
 * failure, naming it. */
#include "../include/flagos_flaghal.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond, ...)                                              \
    do {                                                              \
        if (!(cond)) {                                                \
            printf("FAIL device %d: ", device);                       \
            printf(__VA_ARGS__);                                      \
            printf("\n");                                             \
            exit(1);                                                  \
        }                                                             \
    } while (0)

static void round_trip(int device) {
    enum { N = 4096 + 7 };
    unsigned char *host = malloc(N), *back = malloc(N);
    void *dev = NULL, *zero = (void *)1;
    int i;
    for (i = 0; i < N; i++) {
        host[i] = (unsigned char)(i * 31 + 7);
    }
    CHECK(Malloc(&zero, 0) == Success && zero == NULL, "Malloc(0) must give NULL");
    CHECK(Malloc(&dev, N) == Success && dev != NULL, "Malloc(%d)", N);
    CHECK(Memcpy(dev, host, N, MemcpyHostToDevice) == Success, "Memcpy H2D");
    CHECK(Memcpy(back, dev, N, MemcpyDeviceToHost) == Success, "Memcpy D2H");
    CHECK(memcmp(host, back, N) == 0, "round trip differs");
    CHECK(Memset((char *)dev + 100, 0x5A, 50) == Success, "Memset interior");
    CHECK(Memcpy(back, dev, N, MemcpyDeviceToHost) == Success && back[99] == host[99] && back[100] == 0x5A &&
              back[149] == 0x5A && back[150] == host[150],
          "Memset touched the wrong bytes");
    CHECK(Memcpy(dev, host, N + 1, MemcpyHostToDevice) == ErrorUnknown, "a copy past the allocation must fail");
    CHECK(Free(dev) == Success, "Free");
    printf("device %d: malloc and copy round trip ok\n", device);
    free(host);
    free(back);
}

/* Whether the device under test runs FlagHAL host functions (the gate that
 * holds a stream); without them NotReady cannot be provoked on purpose. */
static int has_host_func;

static void pointer_attributes(int device) {
    PointerAttributes a;
    int pinned_is_host;
    char stack[16];
    void *dev = NULL, *pinned = NULL;
    CHECK(Malloc(&dev, 1000) == Success, "Malloc");
    CHECK(PointerGetAttributes(&a, dev) == Success && a.type == MemoryTypeDevice && a.device == device &&
              a.pointer == dev,
          "device pointer: type %d device %d", (int)a.type, a.device);
    CHECK(PointerGetAttributes(&a, (char *)dev + 999) == Success && a.type == MemoryTypeDevice && a.device == device,
          "interior device pointer: type %d device %d", (int)a.type, a.device);
    CHECK(PointerGetAttributes(&a, stack) == Success && a.type == MemoryTypeUnmanaged, "stack memory: type %d", (int)a.type);
    CHECK(MallocHost(&pinned, 4096) == Success, "MallocHost");
    CHECK(PointerGetAttributes(&a, (char *)pinned + 10) == Success &&
              (a.type == MemoryTypeUnmanaged || (a.type == MemoryTypeHost && a.device == device)),
          "pinned memory: type %d device %d", (int)a.type, a.device);
    pinned_is_host = a.type == MemoryTypeHost;
    CHECK(FreeHost(pinned) == Success, "FreeHost");
    CHECK(Free(dev) == Success, "Free");
    CHECK(PointerGetAttributes(&a, dev) == Success && a.type == MemoryTypeUnmanaged, "freed memory still managed");
    printf("device %d: pointer attributes ok (MallocHost: %s)\n", device, pinned_is_host ? "pinned" : "ordinary memory");
}

/* A host function that holds its stream until the test opens the gate. */
static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static int gate_open;

static void hold_stream(void *unused) {
    (void)unused;
    pthread_mutex_lock(&gate_lock);
    while (!gate_open) {
        pthread_cond_wait(&gate_cond, &gate_lock);
    }
    pthread_mutex_unlock(&gate_lock);
}

static void open_gate(void) {
    pthread_mutex_lock(&gate_lock);
    gate_open = 1;
    pthread_cond_broadcast(&gate_cond);
    pthread_mutex_unlock(&gate_lock);
}

static void not_ready_versus_oom(int device) {
    void *huge = (void *)1;
    Stream_t s;
    Event_t start, end;
    float ms = -1.0f;
    CHECK(Malloc(&huge, (size_t)1 << 62) == ErrorMemoryAllocation && huge == (void *)1,
          "an impossible Malloc must be ErrorMemoryAllocation and leave the output alone");
    if (!has_host_func) {
        printf("device %d: out-of-memory ok; NotReady not provoked (no FlagHAL host functions)\n", device);
        return;
    }
    CHECK(StreamCreate(&s) == Success && EventCreate(&start) == Success && EventCreate(&end) == Success, "create");
    CHECK(EventRecord(start, s) == Success, "EventRecord start");
    gate_open = 0;
    /* Held by a FlagHAL host function queued on the stream behind s. */
    CHECK(fhLaunchHostFunc(FlagosGetFlagHalStream(s), hold_stream, NULL) == FH_SUCCESS, "fhLaunchHostFunc");
    CHECK(EventRecord(end, s) == Success, "EventRecord end");
    CHECK(StreamQuery(s) == ErrorNotReady, "StreamQuery on a held stream must be ErrorNotReady");
    CHECK(EventQuery(end) == ErrorNotReady, "EventQuery of a pending record must be ErrorNotReady");
    CHECK(EventElapsedTime(&ms, start, end) == ErrorNotReady, "EventElapsedTime of a pending record must be ErrorNotReady");
    open_gate();
    CHECK(StreamSynchronize(s) == Success && StreamQuery(s) == Success && EventQuery(end) == Success,
          "after the gate opens the stream and event complete");
    CHECK(EventElapsedTime(&ms, start, end) == Success && ms >= 0.0f, "EventElapsedTime after completion");
    CHECK(EventDestroy(start) == Success && EventDestroy(end) == Success && StreamDestroy(s) == Success, "cleanup");
    printf("device %d: NotReady and out-of-memory are distinct ok\n", device);
}

/* What another thread sees while the main thread has changed its own
 * current device and stream: the defaults (both are per thread). */
struct seen {
    int device;
    Stream_t current;
};

static void *look_from_another_thread(void *arg) {
    struct seen *seen = (struct seen *)arg;
    int d = seen->device;
    seen->device = -1;
    GetDevice(&seen->device);
    seen->current = GetCurrentStreamForDevice(d);
    return NULL;
}

/* Queued copies in order across two streams joined by an event, the current
 * stream (NULL) and its reset, and the synchronous copy kinds. */
static void streams_and_copies(int device) {
    enum { N = 10000 };
    unsigned char *host = malloc(N), *back = malloc(N);
    void *a = NULL, *b = NULL;
    Stream_t s1, s2;
    Event_t e;
    int i;
    for (i = 0; i < N; i++) {
        host[i] = (unsigned char)(i ^ 0xA5);
    }
    CHECK(Malloc(&a, N) == Success && Malloc(&b, N) == Success, "Malloc");
    CHECK(StreamCreate(&s1) == Success && StreamCreate(&s2) == Success, "StreamCreate");
    CHECK(EventCreateWithFlags(&e, EventDisableTiming) == Success, "EventCreateWithFlags");
    gate_open = !has_host_func;
    if (has_host_func) {
        CHECK(fhLaunchHostFunc(FlagosGetFlagHalStream(s1), hold_stream, NULL) == FH_SUCCESS, "fhLaunchHostFunc");
    }
    CHECK(MemcpyAsync(a, host, N, MemcpyHostToDevice, s1) == Success, "MemcpyAsync H2D");
    CHECK(EventRecord(e, s1) == Success, "EventRecord");
    CHECK(StreamWaitEvent(s2, e, 0) == Success, "StreamWaitEvent");
    CHECK(StreamWaitEvent(s2, e, 1) == ErrorUnknown, "StreamWaitEvent flags 1 must be refused");
    CHECK(MemcpyAsync(b, a, N, MemcpyDeviceToDevice, s2) == Success, "MemcpyAsync D2D");
    CHECK(MemcpyAsync(back, b, N, MemcpyDeviceToHost, s2) == Success, "MemcpyAsync D2H");
    CHECK(!has_host_func || StreamQuery(s2) == ErrorNotReady, "a stream waiting on a pending event must be ErrorNotReady");
    open_gate();
    CHECK(StreamSynchronize(s2) == Success, "StreamSynchronize");
    CHECK(memcmp(back, host, N) == 0, "H2D on one stream, D2D and D2H on another: data differs");
    /* NULL is the current stream; setting one makes NULL mean it. */
    CHECK(SetCurrentStreamForDevice(device, s2) == Success && GetCurrentStreamForDevice(device) == s2, "set current");
    CHECK(MemsetAsync(b, 0x11, N, NULL) == Success && MemcpyAsync(back, b, N, MemcpyDeviceToHost, NULL) == Success,
          "queued on the current stream");
    CHECK(StreamSynchronize(s2) == Success && back[0] == 0x11 && back[N - 1] == 0x11, "work went to the current stream");
    {
        pthread_t other;
        struct seen seen;
        seen.device = device;
        seen.current = NULL;
        CHECK(pthread_create(&other, NULL, look_from_another_thread, &seen) == 0 && pthread_join(other, NULL) == 0, "thread");
        CHECK(seen.device == 0 && seen.current == GetDefaultStreamForDevice(device),
              "another thread must see device 0 and the default stream, not this thread's choices (saw device %d)", seen.device);
    }
    CHECK(SetCurrentStreamForDevice(device, NULL) == Success &&
              GetCurrentStreamForDevice(device) == GetDefaultStreamForDevice(device),
          "NULL resets the current stream to the default stream");
    CHECK(StreamDestroy(GetDefaultStreamForDevice(device)) == ErrorUnknown, "the default stream cannot be destroyed");
    /* Synchronous kinds: D2D inside one device, H2H, and a wrong kind. */
    CHECK(Memcpy(b, a, N, MemcpyDeviceToDevice) == Success && Memcpy(back, b, N, MemcpyDeviceToHost) == Success &&
              memcmp(back, host, N) == 0,
          "Memcpy D2D");
    CHECK(Memcpy(back, host, N, MemcpyHostToHost) == Success && memcmp(back, host, N) == 0, "Memcpy H2H");
    CHECK(Memcpy(back, host, N, MemcpyHostToDevice) == ErrorUnknown, "H2D into host memory must be refused");
    CHECK(Memcpy(a, host, N, (MemcpyKind)7) == ErrorUnknown, "an unknown kind must be refused");
    CHECK(EventDestroy(e) == Success && StreamDestroy(s1) == Success && StreamDestroy(s2) == Success, "cleanup");
    CHECK(Free(a) == Success && Free((char *)b + 1) == ErrorUnknown && Free(b) == Success, "Free");
    printf("device %d: streams, events and copy kinds ok\n", device);
    free(host);
    free(back);
}

/* Device to device across two devices (through host memory). */
static void across_devices(int first, int second) {
    enum { N = 3000 };
    unsigned char host[N], back[N];
    void *a = NULL, *b = NULL;
    int device = second, i;
    PointerAttributes pa;
    for (i = 0; i < N; i++) {
        host[i] = (unsigned char)(i * 13);
    }
    CHECK(SetDevice(first) == Success && Malloc(&a, N) == Success, "Malloc on %d", first);
    CHECK(SetDevice(second) == Success && Malloc(&b, N) == Success, "Malloc on %d", second);
    CHECK(PointerGetAttributes(&pa, a) == Success && pa.device == first, "a belongs to device %d, not %d", first, pa.device);
    CHECK(Memcpy(a, host, N, MemcpyHostToDevice) == Success, "H2D on device %d with device %d current", first, second);
    CHECK(Memcpy(b, a, N, MemcpyDeviceToDevice) == Success, "D2D from device %d to %d", first, second);
    CHECK(Memcpy(back, b, N, MemcpyDeviceToHost) == Success && memcmp(back, host, N) == 0, "data across devices");
    CHECK(Memset(b, 0, N) == Success && MemcpyAsync(b, a, N, MemcpyDeviceToDevice, NULL) == Success &&
              MemcpyAsync(back, host, 1, MemcpyHostToHost, NULL) == Success && StreamSynchronize(NULL) == Success &&
              Memcpy(back, b, N, MemcpyDeviceToHost) == Success && memcmp(back, host, N) == 0,
          "queued D2D across devices and a queued H2H");
    CHECK(MemcpyAsync(b, host, N, MemcpyHostToDevice, GetDefaultStreamForDevice(first)) == ErrorInvalidDevice,
          "a queued copy on another device's stream must be ErrorInvalidDevice");
    CHECK(Free(a) == Success && Free(b) == Success, "Free");
    printf("devices %d and %d: copies across devices ok\n", first, second);
}

enum { BLOCKS = 8, ROUNDS = 200 };

struct block {
    void *ptr;
    size_t size;
    unsigned char value;
    Event_t freed; /* recorded on the stream that last used the block */
    int pending;
};

static void churn(int device) {
    Stream_t streams[2];
    struct block pool[BLOCKS];
    int least, greatest, i, round, reused = 0, deferred = 0, freed = 0;
    unsigned char *check = malloc(1 << 16);
    CHECK(DeviceGetStreamPriorityRange(&least, &greatest) == Success, "priority range");
    CHECK(StreamCreateWithPriority(&streams[0], 1, greatest) == Success, "stream 0");
    CHECK(StreamCreateWithPriority(&streams[1], 1, least) == Success, "stream 1");
    CHECK(StreamGetPriority(streams[0], &i) == Success && i >= greatest && i <= least, "priority %d", i);
    memset(pool, 0, sizeof pool);
    for (round = 0; round < ROUNDS; round++) {
        struct block *b = &pool[round % BLOCKS];
        Stream_t s = streams[round % 2];
        if (b->pending) {
            /* The caching allocator's rule: a block freed on one stream is
             * reused (here on the other stream) only once its event says the
             * last use completed; NotReady means "wait", anything else fails. */
            Error_t q = EventQuery(b->freed);
            CHECK(q == Success || q == ErrorNotReady, "EventQuery returned %d", (int)q);
            if (q == ErrorNotReady) {
                deferred++;
                CHECK(EventSynchronize(b->freed) == Success, "EventSynchronize");
            }
            reused++;
            if (round % 3 == 0) { /* return it to the device and take a new size */
                CHECK(Free(b->ptr) == Success, "Free in churn");
                b->size = (size_t)(1024 + (round * 7919) % 60000);
                CHECK(Malloc(&b->ptr, b->size) == Success, "Malloc %zu in churn", b->size);
                freed++;
            }
        } else {
            b->size = (size_t)(1024 + (round * 7919) % 60000);
            CHECK(Malloc(&b->ptr, b->size) == Success, "Malloc %zu", b->size);
            CHECK(EventCreateWithFlags(&b->freed, EventDisableTiming) == Success, "EventCreate");
        }
        b->value = (unsigned char)round;
        CHECK(MemsetAsync(b->ptr, b->value, b->size, s) == Success, "MemsetAsync");
        CHECK(EventRecord(b->freed, s) == Success, "EventRecord");
        b->pending = 1;
    }
    for (i = 0; i < BLOCKS; i++) {
        CHECK(EventSynchronize(pool[i].freed) == Success, "EventSynchronize");
        CHECK(Memcpy(check, pool[i].ptr, pool[i].size, MemcpyDeviceToHost) == Success, "read back");
        CHECK(check[0] == pool[i].value && check[pool[i].size - 1] == pool[i].value, "block %d holds %u, expected %u", i,
              check[0], pool[i].value);
        CHECK(Free(pool[i].ptr) == Success && EventDestroy(pool[i].freed) == Success, "free block");
    }
    CHECK(StreamDestroy(streams[0]) == Success && StreamDestroy(streams[1]) == Success, "StreamDestroy");
    CHECK(DeviceSynchronize() == Success, "DeviceSynchronize");
    printf("device %d: allocator churn across two streams ok (%d reuses, %d waited, %d freed and reallocated)\n", device,
           reused, deferred, freed);
    free(check);
}

int main(void) {
    int count = -1, device = -1, d;
    fh_device_properties_t props;
    setvbuf(stdout, NULL, _IOLBF, 0);
    CHECK(GetDeviceCount(&count) == Success && count > 0, "GetDeviceCount gave %d", count);
    CHECK(SetDevice(count) == ErrorInvalidDevice, "SetDevice(count) must be ErrorInvalidDevice");
    for (d = 0; d < count; d++) {
        device = d;
        CHECK(SetDevice(d) == Success, "SetDevice");
        CHECK(GetDevice(&device) == Success && device == d, "GetDevice");
        memset(&props, 0, sizeof props);
        props.struct_size = sizeof props;
        CHECK(fhDeviceGetProperties(FlagosGetFlagHalDevice(d), &props) == FH_SUCCESS, "fhDeviceGetProperties");
        printf("device %d: %s (plugin %s)\n", d, props.name, props.plugin_name);
        has_host_func = (props.capabilities & FH_DEVICE_CAP_HOST_FUNC) != 0;
        CHECK(GetCurrentStreamForDevice(d) == GetDefaultStreamForDevice(d) && GetDefaultStreamForDevice(d) != NULL,
              "the current stream starts as the default stream");
        round_trip(d);
        pointer_attributes(d);
        not_ready_versus_oom(d);
        streams_and_copies(d);
        churn(d);
    }
    for (d = 1; d < count; d++) {
        device = d;
        across_devices(d - 1, d);
    }
    printf("bring-up passed on %d device(s)\n", count);
    return 0;
}
