/* stream_oom.c - run by tests/flagos_bringup.rs on one device whose stream
 * creation fails with FH_ERROR_OUT_OF_MEMORY (the planted-bug shim's
 * stream_oom). Every call that needs a stream it cannot get must say
 * ErrorMemoryAllocation, the status torch's empty-cache-and-retry path acts
 * on, never ErrorInvalidDevice: the device is valid. Prints one line per
 * call; exits 1 if any is wrong. */
#include "../include/flagos.h"

#include <stdio.h>

static int failures;

static void expect_oom(const char *call, Error_t e) {
    int ok = e == ErrorMemoryAllocation;
    printf("%s %s: Error_t %d\n", ok ? "ok" : "FAIL", call, (int)e);
    failures += !ok;
}

int main(void) {
    Stream_t created = NULL;
    Event_t event = NULL;
    int priority = 0;
    char src[4] = "abc", dst[4];
    void *dev = NULL;
    int count = 0;

    if (GetDeviceCount(&count) != Success || count != 1) {
        printf("FAIL expected one device, got %d\n", count);
        return 1;
    }
    /* Allocation and events do not need a stream: they still work. */
    if (Malloc(&dev, 64) != Success || EventCreate(&event) != Success) {
        printf("FAIL Malloc or EventCreate on the device\n");
        return 1;
    }
    expect_oom("StreamCreate", StreamCreate(&created));
    expect_oom("StreamQuery(NULL)", StreamQuery(NULL));
    expect_oom("StreamSynchronize(NULL)", StreamSynchronize(NULL));
    expect_oom("StreamGetPriority(NULL)", StreamGetPriority(NULL, &priority));
    expect_oom("StreamWaitEvent(NULL)", StreamWaitEvent(NULL, event, 0));
    expect_oom("EventRecord(NULL stream)", EventRecord(event, NULL));
    expect_oom("MemcpyAsync(NULL stream)", MemcpyAsync(dst, src, sizeof src, MemcpyHostToHost, NULL));
    expect_oom("MemsetAsync(NULL stream)", MemsetAsync(dev, 0, 64, NULL));
    if (GetDefaultStreamForDevice(0) != NULL) {
        printf("FAIL GetDefaultStreamForDevice(0) is not NULL\n");
        failures++;
    }
    /* A failed creation is not cached as a bad device: still out of memory. */
    expect_oom("StreamQuery(NULL) again", StreamQuery(NULL));
    if (EventDestroy(event) != Success || Free(dev) != Success) {
        printf("FAIL EventDestroy or Free\n");
        failures++;
    }
    printf("%s\n", failures == 0 ? "stream out-of-memory reported as ErrorMemoryAllocation" : "stream out-of-memory misreported");
    return failures == 0 ? 0 : 1;
}
