/*
 * ops_coverage: every function of flaghal/flaghal_ops.h called from C on
 * its success and error paths, each status checked, each result compared
 * with plain C (house rule 6; ops/tests/c_coverage.rs runs it under
 * valgrind). Runs on device 0 (or argv[1]).
 *
 *   cc -std=c99 c-examples/ops_coverage.c $(pkg-config --cflags --libs flaghal-ops) -lm -o ops_coverage
 *
 * Prints "ops_coverage: N checks, F failed" and exits 1 if F > 0.
 */
#include <flaghal/flaghal.h>
#include <flaghal/flaghal_ops.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int checks, failures;

static void expect(int ok, const char *what, int line) {
    ++checks;
    if (!ok) {
        char detail[512];
        fhopsGetLastErrorMessage(detail, sizeof detail, NULL);
        fprintf(stderr, "ops_coverage: line %d: %s failed (last fhops message: %s)\n", line, what, detail);
        ++failures;
    }
}
#define EXPECT(cond) expect((cond), #cond, __LINE__)
#define EXPECT_OK(call) expect((call) == FH_SUCCESS, #call, __LINE__)

enum { N = 64, ROWS = 3 };

static fh_device_t device;
static fh_stream_t stream;

static fhops_tensor_t tensor(fh_deviceptr_t data, fhops_type_t type, int64_t ne0, int64_t ne1) {
    size_t unit = type == FHOPS_TYPE_F16 ? 2 : type == FHOPS_TYPE_I64 ? 8 : 4;
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

static fh_deviceptr_t upload(const void *data, size_t size) {
    fh_deviceptr_t p = 0;
    EXPECT_OK(fhMemAlloc(device, size, &p));
    if (data) EXPECT_OK(fhMemcpyHtoD(device, p, data, size));
    return p;
}

static float max_error(fh_deviceptr_t p, const float *want, int n) {
    float got[N * ROWS * 2];
    double worst = 0.0;
    EXPECT_OK(fhStreamSynchronize(stream));
    EXPECT_OK(fhMemcpyDtoH(device, got, p, (size_t)n * sizeof(float)));
    for (int i = 0; i < n; ++i) {
        double e = fabs((double)got[i] - (double)want[i]);
        if (!(e <= worst)) worst = e; /* NaN counts as worst */
    }
    return (float)worst;
}

int main(int argc, char **argv) {
    uint32_t ordinal = argc > 1 ? (uint32_t)atoi(argv[1]) : 0u;
    static float x[N * ROWS], y[N * ROWS], w[N * ROWS], want[N * ROWS * 2];
    fhops_context_t ops = NULL;
    char message[256];
    size_t length = 0;

    EXPECT_OK(fhInit(0));
    EXPECT_OK(fhDeviceGet(ordinal, &device));
    EXPECT_OK(fhStreamCreate(device, 0, &stream));

    /* Context: errors first, then the real one. */
    EXPECT(fhopsContextCreate(device, NULL) == FH_ERROR_INVALID_VALUE);
    EXPECT_OK(fhopsGetLastErrorMessage(message, sizeof message, &length));
    EXPECT(length > 0 && strlen(message) == length);
    EXPECT(fhopsGetLastErrorMessage(NULL, 4, NULL) == FH_ERROR_INVALID_VALUE);
    EXPECT_OK(fhopsContextCreate(device, &ops));
    EXPECT_OK(fhopsGetLastErrorMessage(message, sizeof message, &length));
    EXPECT(length == 0 && message[0] == 0);
    fh_device_t back = NULL;
    EXPECT_OK(fhopsContextGetDevice(ops, &back));
    EXPECT(back == device);
    EXPECT(fhopsContextGetDevice(NULL, &back) == FH_ERROR_INVALID_VALUE);
    EXPECT(fhopsContextGetDevice(ops, NULL) == FH_ERROR_INVALID_VALUE);

    for (int i = 0; i < N * ROWS; ++i) {
        x[i] = (float)((i * 7) % 17) / 17.0f - 0.5f;
        y[i] = (float)((i * 3) % 11) / 11.0f - 0.5f;
        w[i] = (float)((i * 5) % 13) / 13.0f - 0.5f;
    }
    fh_deviceptr_t dx = upload(x, sizeof x), dy = upload(y, sizeof y), dw = upload(w, sizeof w);
    fh_deviceptr_t dout = upload(NULL, sizeof want);
    fhops_tensor_t tx = tensor(dx, FHOPS_TYPE_F32, N, ROWS), ty = tensor(dy, FHOPS_TYPE_F32, N, ROWS);
    fhops_tensor_t tw = tensor(dw, FHOPS_TYPE_F32, N, ROWS), tout = tensor(dout, FHOPS_TYPE_F32, N, ROWS);

    /* mul_mat: out (ROWS x ROWS) = x w^T. */
    fhops_tensor_t mm = tensor(dout, FHOPS_TYPE_F32, ROWS, ROWS);
    EXPECT_OK(fhopsMulMatSupported(ops, &mm, &tw, &tx));
    EXPECT(fhopsMulMatSupported(ops, &tout, &tw, &tx) == FH_ERROR_INVALID_VALUE);
    EXPECT(fhopsMulMat(NULL, stream, &mm, &tw, &tx) == FH_ERROR_INVALID_VALUE);
    EXPECT_OK(fhopsMulMat(ops, stream, &mm, &tw, &tx));
    for (int n = 0; n < ROWS; ++n)
        for (int m = 0; m < ROWS; ++m) {
            double acc = 0.0;
            for (int k = 0; k < N; ++k) acc += (double)w[m * N + k] * x[n * N + k];
            want[n * ROWS + m] = (float)acc;
        }
    EXPECT(max_error(dout, want, ROWS * ROWS) < 1e-5f);

    /* add, mul (y broadcast as one row), scale, silu. */
    fhops_tensor_t row = tensor(dy, FHOPS_TYPE_F32, N, 1);
    EXPECT_OK(fhopsAddSupported(ops, &tout, &tx, &row));
    EXPECT_OK(fhopsAdd(ops, stream, &tout, &tx, &row));
    for (int i = 0; i < N * ROWS; ++i) want[i] = x[i] + y[i % N];
    EXPECT(max_error(dout, want, N * ROWS) == 0.0f);
    EXPECT_OK(fhopsMulSupported(ops, &tout, &tx, &ty));
    EXPECT(fhopsMulSupported(ops, &tout, &row, &tx) == FH_ERROR_INVALID_VALUE);
    EXPECT_OK(fhopsMul(ops, stream, &tout, &tx, &ty));
    for (int i = 0; i < N * ROWS; ++i) want[i] = x[i] * y[i];
    EXPECT(max_error(dout, want, N * ROWS) == 0.0f);
    EXPECT_OK(fhopsScaleSupported(ops, &tout, &tx));
    EXPECT_OK(fhopsScale(ops, stream, &tout, &tx, 2.0f, 0.5f));
    for (int i = 0; i < N * ROWS; ++i) want[i] = x[i] * 2.0f + 0.5f;
    EXPECT(max_error(dout, want, N * ROWS) == 0.0f);
    EXPECT_OK(fhopsSiluSupported(ops, &tout, &tx));
    EXPECT_OK(fhopsSilu(ops, stream, &tout, &tx));
    for (int i = 0; i < N * ROWS; ++i) want[i] = x[i] / (1.0f + expf(-x[i]));
    EXPECT(max_error(dout, want, N * ROWS) < 1e-6f);
    EXPECT_OK(fhopsSwigluSupported(ops, &tout, &tx, &ty));
    EXPECT_OK(fhopsSwiglu(ops, stream, &tout, &tx, &ty, 0));
    for (int i = 0; i < N * ROWS; ++i) want[i] = x[i] / (1.0f + expf(-x[i])) * y[i];
    EXPECT(max_error(dout, want, N * ROWS) < 1e-6f);

    /* rms_norm and soft_max per row. */
    EXPECT_OK(fhopsRmsNormSupported(ops, &tout, &tx));
    EXPECT_OK(fhopsRmsNorm(ops, stream, &tout, &tx, 1e-6f));
    for (int r = 0; r < ROWS; ++r) {
        double sq = 0.0;
        for (int i = 0; i < N; ++i) sq += (double)x[r * N + i] * x[r * N + i];
        for (int i = 0; i < N; ++i) want[r * N + i] = (float)(x[r * N + i] / sqrt(sq / N + 1e-6));
    }
    EXPECT(max_error(dout, want, N * ROWS) < 1e-5f);
    fhops_soft_max_params_t sm = {0.5f, 0.0f};
    EXPECT_OK(fhopsSoftMaxSupported(ops, &tout, &tx, &ty, &sm));
    EXPECT_OK(fhopsSoftMax(ops, stream, &tout, &tx, &ty, &sm));
    for (int r = 0; r < ROWS; ++r) {
        double top = -1e30, sum = 0.0;
        for (int i = 0; i < N; ++i) top = fmax(top, x[r * N + i] * 0.5 + y[r * N + i]);
        for (int i = 0; i < N; ++i) sum += exp(x[r * N + i] * 0.5 + y[r * N + i] - top);
        for (int i = 0; i < N; ++i) want[r * N + i] = (float)(exp(x[r * N + i] * 0.5 + y[r * N + i] - top) / sum);
    }
    EXPECT(max_error(dout, want, N * ROWS) < 1e-6f);
    fhops_soft_max_params_t alibi = {1.0f, 8.0f};
    EXPECT(fhopsSoftMaxSupported(ops, &tout, &tx, NULL, &alibi) == FH_ERROR_NOT_SUPPORTED);

    /* rope, NORMAL mode: x as {N, 1, ROWS} (ROWS tokens, one head). */
    int32_t positions[ROWS] = {0, 3, 10};
    fh_deviceptr_t dpos = upload(positions, sizeof positions);
    fhops_tensor_t tok = tensor(dx, FHOPS_TYPE_F32, N, 1), tok_out = tensor(dout, FHOPS_TYPE_F32, N, 1);
    tok.ne[2] = tok_out.ne[2] = ROWS;
    fhops_tensor_t tpos = tensor(dpos, FHOPS_TYPE_I32, ROWS, 1);
    fhops_rope_params_t rope = {N, FHOPS_ROPE_MODE_NORMAL, 0, 10000.0f, 1.0f, 0.0f, 1.0f, 32.0f, 1.0f};
    EXPECT_OK(fhopsRopeSupported(ops, &tok_out, &tok, &tpos, &rope));
    EXPECT_OK(fhopsRope(ops, stream, &tok_out, &tok, &tpos, &rope));
    for (int t = 0; t < ROWS; ++t)
        for (int p = 0; p < N / 2; ++p) {
            double theta = positions[t] * pow(10000.0, -2.0 * p / N);
            double x0 = x[t * N + 2 * p], x1 = x[t * N + 2 * p + 1];
            want[t * N + 2 * p] = (float)(x0 * cos(theta) - x1 * sin(theta));
            want[t * N + 2 * p + 1] = (float)(x0 * sin(theta) + x1 * cos(theta));
        }
    EXPECT(max_error(dout, want, N * ROWS) < 1e-4f);

    /* get_rows, set_rows, cpy. */
    int32_t picks[2] = {2, 0};
    fh_deviceptr_t dpicks = upload(picks, sizeof picks);
    fhops_tensor_t tpicks = tensor(dpicks, FHOPS_TYPE_I32, 2, 1), got_rows = tensor(dout, FHOPS_TYPE_F32, N, 2);
    EXPECT_OK(fhopsGetRowsSupported(ops, &got_rows, &tx, &tpicks));
    EXPECT_OK(fhopsGetRows(ops, stream, &got_rows, &tx, &tpicks));
    for (int i = 0; i < N; ++i) {
        want[i] = x[2 * N + i];
        want[N + i] = x[i];
    }
    EXPECT(max_error(dout, want, 2 * N) == 0.0f);
    int64_t slots[2] = {1, 2};
    fh_deviceptr_t dslots = upload(slots, sizeof slots);
    fhops_tensor_t tslots = tensor(dslots, FHOPS_TYPE_I64, 2, 1), two = tensor(dy, FHOPS_TYPE_F32, N, 2);
    EXPECT_OK(fhMemsetD32(device, dout, 0, (size_t)N * ROWS));
    EXPECT_OK(fhopsSetRowsSupported(ops, &tout, &two, &tslots));
    EXPECT_OK(fhopsSetRows(ops, stream, &tout, &two, &tslots));
    for (int i = 0; i < N; ++i) {
        want[i] = 0.0f;
        want[N + i] = y[i];
        want[2 * N + i] = y[N + i];
    }
    EXPECT(max_error(dout, want, N * ROWS) == 0.0f);
    fhops_tensor_t flat = tensor(dout, FHOPS_TYPE_F32, N * ROWS, 1);
    EXPECT_OK(fhopsCpySupported(ops, &flat, &tx));
    EXPECT_OK(fhopsCpy(ops, stream, &flat, &tx));
    EXPECT(max_error(dout, x, N * ROWS) == 0.0f);
    fhops_tensor_t wrong = tensor(dout, FHOPS_TYPE_F32, N, 2);
    EXPECT(fhopsCpy(ops, stream, &wrong, &tx) == FH_ERROR_INVALID_VALUE);

    EXPECT_OK(fhStreamSynchronize(stream));
    fh_deviceptr_t all[] = {dx, dy, dw, dout, dpos, dpicks, dslots};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; ++i) EXPECT_OK(fhMemFree(device, all[i]));
    EXPECT_OK(fhopsContextDestroy(ops));
    EXPECT_OK(fhopsContextDestroy(NULL));
    EXPECT_OK(fhStreamDestroy(stream));
    printf("ops_coverage: %d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
