/*
 * ops_query: the operator library (flaghal/flaghal_ops.h) from C. On every
 * device: creates an operator context, asks what it supports (F16 and Q8_0
 * matrix products), runs y = rms_norm(x W^T) on ggml-layout tensors and
 * checks it against plain C.
 *
 *   cc -std=c99 c-examples/ops_query.c $(pkg-config --cflags --libs flaghal-ops) -lm -o ops_query
 *   ./ops_query
 *
 * Exit status 0 when every device computed the result within 1e-4, 1 when
 * a call failed or a result is off.
 */
#include <flaghal/flaghal.h>
#include <flaghal/flaghal_ops.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

enum { K = 64, M = 48, N = 5 };

static int failed(const char *what, fh_status_t status, int from_ops) {
    const char *name = "unknown status";
    char detail[512];
    fhGetErrorName(status, &name);
    if (from_ops) {
        fhopsGetLastErrorMessage(detail, sizeof detail, NULL);
    } else {
        fhGetLastErrorMessage(detail, sizeof detail, NULL);
    }
    fprintf(stderr, "ops_query: %s failed: %s: %s\n", what, name, detail);
    return 1;
}

#define CHECK(call)                                                                                          \
    do {                                                                                                     \
        fh_status_t status_ = (call);                                                                        \
        if (status_ != FH_SUCCESS) return failed(#call, status_, 0);                                        \
    } while (0)
#define CHECK_OPS(call)                                                                                      \
    do {                                                                                                     \
        fh_status_t status_ = (call);                                                                        \
        if (status_ != FH_SUCCESS) return failed(#call, status_, 1);                                        \
    } while (0)

/* A contiguous F32 (or F16) ggml tensor of shape {ne0, ne1, 1, 1}. */
static fhops_tensor_t matrix(fh_deviceptr_t data, fhops_type_t type, int64_t ne0, int64_t ne1) {
    size_t unit = type == FHOPS_TYPE_F16 ? 2 : 4;
    fhops_tensor_t t;
    memset(&t, 0, sizeof t);
    t.data = data;
    t.type = type;
    t.ne[0] = ne0;
    t.ne[1] = ne1;
    t.ne[2] = t.ne[3] = 1;
    t.nb[0] = unit;
    t.nb[1] = unit * (size_t)ne0;
    t.nb[2] = t.nb[3] = t.nb[1] * (size_t)ne1;
    return t;
}

static const char *type_name(fh_device_type_t type) {
    switch (type) {
    case FH_DEVICE_TYPE_CPU: return "CPU";
    case FH_DEVICE_TYPE_GPU: return "GPU";
    default: return "other";
    }
}

static int run_device(uint32_t index) {
    static float w[M * K], x[N * K], y[N * M], want[N * M];
    fh_device_t device;
    fh_device_properties_t props;
    memset(&props, 0, sizeof props);
    props.struct_size = sizeof props;
    CHECK(fhDeviceGet(index, &device));
    CHECK(fhDeviceGetProperties(device, &props));

    fhops_context_t ops;
    CHECK_OPS(fhopsContextCreate(device, &ops));
    for (int i = 0; i < M * K; ++i) w[i] = (float)((i * 7) % 13) / 13.0f - 0.5f;
    for (int i = 0; i < N * K; ++i) x[i] = (float)((i * 5) % 11) / 11.0f - 0.5f;

    fh_deviceptr_t dw, dx, dy;
    CHECK(fhMemAlloc(device, sizeof w, &dw));
    CHECK(fhMemAlloc(device, sizeof x, &dx));
    CHECK(fhMemAlloc(device, sizeof y, &dy));
    CHECK(fhMemcpyHtoD(device, dw, w, sizeof w));
    CHECK(fhMemcpyHtoD(device, dx, x, sizeof x));
    fhops_tensor_t tw = matrix(dw, FHOPS_TYPE_F32, K, M), tx = matrix(dx, FHOPS_TYPE_F32, K, N);
    fhops_tensor_t ty = matrix(dy, FHOPS_TYPE_F32, M, N);

    /* What the device can do, as a ggml backend's supports_op asks. */
    fhops_tensor_t w16 = matrix(0, FHOPS_TYPE_F16, K, M);
    fh_status_t f16 = fhopsMulMatSupported(ops, &ty, &w16, &tx);
    if (f16 != FH_SUCCESS && f16 != FH_ERROR_NOT_SUPPORTED) return failed("fhopsMulMatSupported", f16, 1);

    fh_stream_t stream;
    CHECK(fhStreamCreate(device, 0, &stream));
    CHECK_OPS(fhopsMulMat(ops, stream, &ty, &tw, &tx));
    CHECK_OPS(fhopsRmsNorm(ops, stream, &ty, &ty, 1e-5f));
    CHECK(fhStreamSynchronize(stream));
    CHECK(fhMemcpyDtoH(device, y, dy, sizeof y));

    double worst = 0.0;
    for (int n = 0; n < N; ++n) {
        double sq = 0.0;
        for (int m = 0; m < M; ++m) {
            double acc = 0.0;
            for (int k = 0; k < K; ++k) acc += (double)w[m * K + k] * (double)x[n * K + k];
            want[n * M + m] = (float)acc;
            sq += acc * acc;
        }
        double scale = 1.0 / sqrt(sq / M + 1e-5);
        for (int m = 0; m < M; ++m) {
            double err = fabs(want[n * M + m] * scale - y[n * M + m]);
            if (err > worst) worst = err;
        }
    }
    printf("ops_query: device %u: %s (type %s, plugin %s): F16 mul_mat %s; rms_norm(x W^T) max error %.2e %s\n",
           (unsigned)index, props.name, type_name(props.type), props.plugin_name,
           f16 == FH_SUCCESS ? "supported" : "not supported", worst, worst <= 1e-4 ? "ok" : "WRONG");
    CHECK(fhStreamDestroy(stream));
    CHECK(fhMemFree(device, dw));
    CHECK(fhMemFree(device, dx));
    CHECK(fhMemFree(device, dy));
    CHECK_OPS(fhopsContextDestroy(ops));
    return worst <= 1e-4 ? 0 : 1;
}

int main(void) {
    uint32_t count = 0;
    CHECK(fhInit(0));
    CHECK(fhDeviceGetCount(&count));
    int status = 0;
    for (uint32_t i = 0; i < count; ++i) status |= run_device(i);
    return status;
}
