/*
 * ABI conformance check of the emulator against the project's ABI reference: documented
 * return codes and behaviours of the runtime and meta API, aclDataTypeSize, contexts, stream
 * failure modes, event reset, forced destruction, and the narrow float formats (F16, BF16,
 * FP8 E4M3FN/E5M2) checked against reference encoders/decoders written here from the
 * format definitions (integer bit manipulation and exhaustive nearest-value search), not
 * from the emulator's code. Exits non-zero on any failed check.
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "aclnn_ops.h"
#include "check.h"

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* ---------------------------------------------------------------- init / finalize */

static void test_init_finalize(void) {
    size_t f = 0, t = 0;
    EXPECT_RC(aclrtGetMemInfo(1, &f, &t), ACL_ERROR_UNINITIALIZE);
    EXPECT_RC(aclInit(NULL), 0);
    EXPECT_RC(aclInit(NULL), 0); /* reference counted: a repeat is not an error */
    uint64_t left = 99;
    EXPECT_RC(aclFinalizeReference(&left), 0);
    CHECK(left == 1, "aclFinalizeReference left %llu, expected 1", (unsigned long long)left);
    EXPECT_RC(aclFinalize(), 0);
    EXPECT_RC(aclFinalize(), ACL_ERROR_REPEAT_FINALIZE);
    EXPECT_RC(aclInit(NULL), 0);
}

/* ---------------------------------------------------------------- aclDataTypeSize */

static void test_datatype_size(void) {
    /* value -> bytes per element, from the reference's aclDataType table; 0 = not a whole-byte element */
    static const struct { int dt; size_t size; } want[] = {
        {-1, 0}, {0, 4}, {1, 2}, {2, 1}, {3, 4}, {4, 1}, {6, 2}, {7, 2}, {8, 4}, {9, 8}, {10, 8}, {11, 8},
        {12, 1}, {13, 0}, {16, 8}, {17, 16}, {27, 2}, {29, 0}, {30, 0}, {33, 4}, {34, 1}, {35, 1}, {36, 1},
        {37, 1}, {38, 0}, {39, 0}, {40, 0}, {41, 0}, {5, 0}, {14, 0}, {15, 0}, {18, 0}, {26, 0}, {28, 0},
        {31, 0}, {32, 0}, {42, 0}, {1000, 0},
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        CHECK(aclDataTypeSize(want[i].dt) == want[i].size, "aclDataTypeSize(%d) = %zu, expected %zu", want[i].dt,
              aclDataTypeSize(want[i].dt), want[i].size);
}

/* ---------------------------------------------------------------- devices and contexts */

typedef struct {
    aclrtContext ctx;
    int rc_get_before, rc_set, rc_malloc, rc_free;
    int32_t dev;
} ctx_thread_arg;

static void *ctx_thread(void *p) {
    ctx_thread_arg *a = p;
    aclrtContext c = NULL;
    a->rc_get_before = aclrtGetCurrentContext(&c); /* a new thread has no current context */
    a->rc_set = aclrtSetCurrentContext(a->ctx);
    a->dev = -1;
    aclrtGetDevice(&a->dev);
    void *d = NULL;
    a->rc_malloc = aclrtMalloc(&d, 128, 0);
    a->rc_free = d ? aclrtFree(d) : -1;
    return NULL;
}

static void test_devices_and_contexts(void) {
    size_t f = 0, t = 0;
    int32_t dev = -1;
    aclrtContext c0 = NULL, c1 = NULL, cur = NULL;
    EXPECT_RC(aclrtGetMemInfo(1, &f, &t), ACL_ERROR_RT_CONTEXT_NULL); /* before aclrtSetDevice */
    EXPECT_RC(aclrtGetDevice(&dev), ACL_ERROR_RT_CONTEXT_NULL);
    EXPECT_RC(aclrtGetCurrentContext(&cur), ACL_ERROR_RT_CONTEXT_NULL);
    EXPECT_RC(aclrtSetDevice(7), ACL_ERROR_RT_INVALID_DEVICEID);
    EXPECT_RC(aclrtSetDevice(0), 0);
    EXPECT_RC(aclrtGetMemInfo(1, &f, &t), 0);
    CHECK(t > 0 && f <= t, "mem info free %zu total %zu", f, t);

    EXPECT_RC(aclrtGetCurrentContext(&c0), 0);
    CHECK(c0 != NULL, "default context is null");
    EXPECT_RC(aclrtCreateContext(&c1, 0), 0);
    EXPECT_RC(aclrtGetCurrentContext(&cur), 0);
    CHECK(cur == c1 && c1 != c0, "aclrtCreateContext must make the new context current (%p vs %p)", cur, c1);
    EXPECT_RC(aclrtCreateContext(&cur, 3), ACL_ERROR_RT_INVALID_DEVICEID);
    EXPECT_RC(aclrtCreateContext(NULL, 0), ACL_ERROR_RT_PARAM_INVALID);
    EXPECT_RC(aclrtSetCurrentContext(c0), 0);
    EXPECT_RC(aclrtGetCurrentContext(&cur), 0);
    CHECK(cur == c0, "last aclrtSetCurrentContext wins");
    EXPECT_RC(aclrtDestroyContext(c0), ACL_ERROR_RT_PARAM_INVALID); /* the default context */
    EXPECT_RC(aclrtDestroyContext(NULL), ACL_ERROR_RT_PARAM_INVALID);

    /* another thread adopts an explicit context and works on its device */
    ctx_thread_arg arg = {.ctx = c1};
    pthread_t th;
    pthread_create(&th, NULL, ctx_thread, &arg);
    pthread_join(th, NULL);
    CHECK(arg.rc_get_before == ACL_ERROR_RT_CONTEXT_NULL, "new thread GetCurrentContext %d", arg.rc_get_before);
    CHECK(arg.rc_set == 0 && arg.dev == 0 && arg.rc_malloc == 0 && arg.rc_free == 0,
          "context on another thread: set %d dev %d malloc %d free %d", arg.rc_set, arg.dev, arg.rc_malloc, arg.rc_free);

    EXPECT_RC(aclrtDestroyContext(c1), 0);
    EXPECT_RC(aclrtDestroyContext(c1), ACL_ERROR_RT_INVALID_HANDLE);
    EXPECT_RC(aclrtSetCurrentContext(c1), ACL_ERROR_RT_INVALID_HANDLE);

    /* forced reset: the thread loses its device until the next aclrtSetDevice */
    EXPECT_RC(aclrtResetDeviceForce(0), 0);
    EXPECT_RC(aclrtGetMemInfo(1, &f, &t), ACL_ERROR_RT_CONTEXT_NULL);
    EXPECT_RC(aclrtSetCurrentContext(c0), ACL_ERROR_RT_INVALID_HANDLE); /* its device was reset */
    EXPECT_RC(aclrtSetDevice(0), 0);
    EXPECT_RC(aclrtSetCurrentContext(c0), 0);
    EXPECT_RC(aclrtGetDevice(&dev), 0);
    CHECK(dev == 0, "device %d", dev);
}

/* ---------------------------------------------------------------- memory and copies */

static void test_memory(void) {
    void *d = NULL, *d2 = NULL;
    EXPECT_RC(aclrtMalloc(&d, 0, 0), ACL_ERROR_INVALID_PARAM);
    EXPECT_RC(aclrtMalloc(&d, 256, 0), 0);
    EXPECT_RC(aclrtMalloc(&d2, 256, 0), 0);
    CHECK(((uintptr_t)d & 63) == 0, "aclrtMalloc pointer %p not 64-byte aligned", d);
    unsigned char h[256], back[256];
    for (int i = 0; i < 256; i++) h[i] = (unsigned char)(i * 7 + 1);
    /* kinds that contradict the pointers */
    EXPECT_RC(aclrtMemcpy(d, 256, h, 256, ACL_MEMCPY_DEVICE_TO_HOST), ACL_ERROR_RT_PARAM_INVALID);
    EXPECT_RC(aclrtMemcpy(d, 256, h, 256, ACL_MEMCPY_DEVICE_TO_DEVICE), ACL_ERROR_RT_PARAM_INVALID);
    EXPECT_RC(aclrtMemcpy(back, 256, h, 256, ACL_MEMCPY_HOST_TO_DEVICE), ACL_ERROR_RT_PARAM_INVALID);
    EXPECT_RC(aclrtMemcpy(d, 256, h, 256, 8), ACL_ERROR_RT_PARAM_INVALID);
    EXPECT_RC(aclrtMemcpy(d, 128, h, 256, ACL_MEMCPY_HOST_TO_DEVICE), ACL_ERROR_RT_PARAM_INVALID);
    /* DEFAULT infers every direction from the addresses */
    EXPECT_RC(aclrtMemcpy(d, 256, h, 256, ACL_MEMCPY_DEFAULT), 0);
    EXPECT_RC(aclrtMemcpy(d2, 256, d, 256, ACL_MEMCPY_DEFAULT), 0);
    memset(back, 0, sizeof back);
    EXPECT_RC(aclrtMemcpy(back, 256, d2, 256, ACL_MEMCPY_DEFAULT), 0);
    CHECK(memcmp(back, h, 256) == 0, "DEFAULT-kind round trip lost data");
    unsigned char h2[256];
    EXPECT_RC(aclrtMemcpy(h2, 256, back, 256, ACL_MEMCPY_DEFAULT), 0);
    CHECK(memcmp(h2, h, 256) == 0, "DEFAULT-kind host to host lost data");
    /* the NULL stream is the default stream */
    memset(back, 0, sizeof back);
    EXPECT_RC(aclrtMemsetAsync(d2, 256, 0x11, 256, NULL), 0);
    EXPECT_RC(aclrtMemcpyAsync(back, 256, d2, 256, ACL_MEMCPY_DEVICE_TO_HOST, NULL), 0);
    EXPECT_RC(aclrtSynchronizeStream(NULL), 0);
    CHECK(back[0] == 0x11 && back[255] == 0x11, "default-stream work not finished by aclrtSynchronizeStream(NULL)");
    EXPECT_RC(aclrtFreeWithDevSync(d2), 0);
    EXPECT_RC(aclrtFree(d), 0);
    EXPECT_RC(aclrtFree(d), ACL_ERROR_RT_PARAM_INVALID);
    CHECK(xpu4jEmuLiveBytes(0) == 0, "live bytes %lld", xpu4jEmuLiveBytes(0));
}

/* ---------------------------------------------------------------- device tensors and casts */

static aclTensor *tensor1d(aclDataType dt, int64_t n, void *data) {
    int64_t dims[1] = {n}, strides[1] = {1};
    return aclCreateTensor(dims, 1, dt, strides, 0, 2, dims, 1, data);
}

/* Casts n elements from host `in` (dtype a) to host `out` (dtype b) on the device. */
static int device_cast(aclDataType a, size_t asz, const void *in, aclDataType b, size_t bsz, void *out, int64_t n,
                       aclrtStream s) {
    void *din = NULL, *dout = NULL;
    int rc = aclrtMalloc(&din, (size_t)n * asz, 0);
    if (rc == 0) rc = aclrtMalloc(&dout, (size_t)n * bsz, 0);
    if (rc == 0) rc = aclrtMemcpy(din, (size_t)n * asz, in, (size_t)n * asz, ACL_MEMCPY_HOST_TO_DEVICE);
    aclTensor *ti = tensor1d(a, n, din), *to = tensor1d(b, n, dout);
    uint64_t ws = 0;
    aclOpExecutor *ex = NULL;
    if (rc == 0) rc = aclnnCastGetWorkspaceSize(ti, b, to, &ws, &ex);
    if (rc == 0) rc = aclnnCast(NULL, 0, ex, s);
    if (rc == 0) rc = aclrtSynchronizeStream(s);
    if (rc == 0) rc = aclrtMemcpy(out, (size_t)n * bsz, dout, (size_t)n * bsz, ACL_MEMCPY_DEVICE_TO_HOST);
    aclDestroyTensor(ti);
    aclDestroyTensor(to);
    if (din) aclrtFree(din);
    if (dout) aclrtFree(dout);
    return rc;
}

/* ---------------------------------------------------------------- meta API and two-phase calls */

static void test_meta_and_phases(aclrtStream s) {
    EXPECT_RC(aclDestroyTensor(NULL), 0);
    EXPECT_RC(aclDestroyScalar(NULL), 0);
    EXPECT_RC(aclDestroyIntArray(NULL), 0);
    EXPECT_RC(aclDestroyFloatArray(NULL), 0);
    EXPECT_RC(aclDestroyBoolArray(NULL), 0);
    EXPECT_RC(aclDestroyTensorList(NULL), 0);
    EXPECT_RC(aclDestroyScalarList(NULL), 0);

    int64_t dims9[9] = {1, 1, 1, 1, 1, 1, 1, 1, 2};
    CHECK(aclCreateTensor(NULL, 2, ACL_FLOAT, NULL, 0, 2, dims9, 1, NULL) == NULL, "NULL dims with count 2 must fail");
    CHECK(aclCreateTensor(dims9, 1, ACL_FLOAT, NULL, 0, 2, NULL, 1, NULL) == NULL, "NULL storage dims with count 1");
    aclTensor *scalar_shaped = aclCreateTensor(NULL, 0, ACL_FLOAT, NULL, 0, 2, NULL, 0, NULL);
    CHECK(scalar_shaped != NULL, "rank-0 tensor with NULL dims must be created");
    int64_t big[100];
    for (int i = 0; i < 100; i++) big[i] = 1;
    aclTensor *rank100 = aclCreateTensor(big, 100, 12345, NULL, -5, 99, big, 100, NULL);
    CHECK(rank100 != NULL, "aclCreateTensor validates nothing but the dims pointers (rank 100, bad dtype)");
    aclDestroyTensor(rank100);
    aclDestroyTensor(scalar_shaped);
    float one = 1.0f;
    CHECK(aclCreateScalar(NULL, ACL_FLOAT) == NULL, "aclCreateScalar(NULL) must fail");
    aclScalar *sc = aclCreateScalar(&one, ACL_FLOAT);
    CHECK(sc != NULL, "aclCreateScalar");
    one = 5.0f; /* the scalar holds a copy */
    aclScalarList *sl = aclCreateScalarList((const aclScalar *const *)&sc, 1);
    EXPECT_RC(aclDestroyScalarList(sl), 0); /* also destroys sc (leak-checked by `make sanitize`) */

    /* a list owns its members: destroying it releases both tensors */
    int64_t d2[1] = {2};
    const aclTensor *members[2] = {tensor1d(ACL_FLOAT, 2, NULL), aclCreateTensor(d2, 1, ACL_FLOAT, NULL, 0, 2, d2, 1, NULL)};
    aclTensorList *tl = aclCreateTensorList(members, 2);
    uint64_t n = 0;
    EXPECT_RC(aclGetTensorListSize(tl, &n), 0);
    CHECK(n == 2, "tensor list size %llu", (unsigned long long)n);
    EXPECT_RC(aclDestroyTensorList(tl), 0);

    /* phase 1 validation */
    void *dx = NULL, *dy = NULL;
    EXPECT_RC(aclrtMalloc(&dx, 64, 0), 0);
    EXPECT_RC(aclrtMalloc(&dy, 64, 0), 0);
    aclTensor *x = tensor1d(ACL_FLOAT, 4, dx), *y = tensor1d(ACL_FLOAT16, 4, dy);
    aclTensor *x9 = aclCreateTensor(dims9, 9, ACL_FLOAT, NULL, 0, 2, dims9, 9, dx);
    aclTensor *y9 = aclCreateTensor(dims9, 9, ACL_FLOAT16, NULL, 0, 2, dims9, 9, dy);
    aclTensor *xc = tensor1d(ACL_COMPLEX64, 4, dx);
    uint64_t ws = 0;
    aclOpExecutor *ex = NULL;
    EXPECT_RC(aclnnCastGetWorkspaceSize(NULL, ACL_FLOAT16, y, &ws, &ex), ACLNN_ERR_PARAM_NULLPTR);
    EXPECT_RC(aclnnCastGetWorkspaceSize(x, ACL_FLOAT16, NULL, &ws, &ex), ACLNN_ERR_PARAM_NULLPTR);
    EXPECT_RC(aclnnCastGetWorkspaceSize(x, ACL_FLOAT16, y, NULL, &ex), ACLNN_ERR_PARAM_NULLPTR);
    EXPECT_RC(aclnnCastGetWorkspaceSize(x, ACL_FLOAT16, y, &ws, NULL), ACLNN_ERR_PARAM_NULLPTR);
    EXPECT_RC(aclnnCastGetWorkspaceSize(x9, ACL_FLOAT16, y9, &ws, &ex), ACLNN_ERR_PARAM_INVALID);
    EXPECT_RC(aclnnCastGetWorkspaceSize(xc, ACL_FLOAT16, y, &ws, &ex), ACLNN_ERR_PARAM_INVALID);
    EXPECT_RC(aclnnCastGetWorkspaceSize(x, ACL_FLOAT16, x9, &ws, &ex), ACLNN_ERR_PARAM_INVALID);
    /* a scalar of any whole-byte dtype can be created; the op rejects what it cannot use */
    float c64[2] = {1.0f, 2.0f};
    aclScalar *sc64 = aclCreateScalar(c64, ACL_COMPLEX64);
    CHECK(sc64 != NULL, "aclCreateScalar(COMPLEX64) must succeed");
    aclTensor *x2 = tensor1d(ACL_FLOAT, 4, dy);
    EXPECT_RC(aclnnMulsGetWorkspaceSize(x, sc64, x2, &ws, &ex), ACLNN_ERR_PARAM_INVALID);
    EXPECT_RC(aclnnMulsGetWorkspaceSize(x, NULL, x2, &ws, &ex), ACLNN_ERR_PARAM_NULLPTR);
    aclDestroyScalar(sc64);
    aclDestroyTensor(x2);
    aclDestroyTensor(x9);
    aclDestroyTensor(y9);
    aclDestroyTensor(xc);

    /* executors: single use unless repeatable; a repeatable one is freed by aclDestroyAclOpExecutor */
    float hx[4] = {1, 2, 3, 4};
    uint16_t hy[4];
    EXPECT_RC(aclrtMemcpy(dx, 64, hx, sizeof hx, ACL_MEMCPY_HOST_TO_DEVICE), 0);
    EXPECT_RC(aclnnCastGetWorkspaceSize(x, ACL_FLOAT16, y, &ws, &ex), 0);
    EXPECT_RC(aclnnCast(NULL, 0, ex, s), 0);
    EXPECT_RC(aclnnCast(NULL, 0, ex, s), ACLNN_ERR_PARAM_INVALID);
    EXPECT_RC(aclnnCast(NULL, 0, NULL, s), ACLNN_ERR_INNER_NULLPTR);
    EXPECT_RC(aclSetAclOpExecutorRepeatable(NULL), ACLNN_ERR_INNER_NULLPTR);
    EXPECT_RC(aclDestroyAclOpExecutor(NULL), ACLNN_ERR_INNER_NULLPTR);
    EXPECT_RC(aclnnCastGetWorkspaceSize(x, ACL_FLOAT16, y, &ws, &ex), 0);
    EXPECT_RC(aclSetAclOpExecutorRepeatable(ex), 0);
    EXPECT_RC(aclnnCast(NULL, 0, ex, s), 0);
    EXPECT_RC(aclrtSynchronizeStream(s), 0);
    hx[0] = -8;
    EXPECT_RC(aclrtMemcpy(dx, 64, hx, sizeof hx, ACL_MEMCPY_HOST_TO_DEVICE), 0);
    EXPECT_RC(aclnnCast(NULL, 0, ex, s), 0); /* relaunch sees the new input */
    EXPECT_RC(aclrtSynchronizeStream(s), 0);
    EXPECT_RC(aclrtMemcpy(hy, sizeof hy, dy, sizeof hy, ACL_MEMCPY_DEVICE_TO_HOST), 0);
    CHECK(hy[0] == 0xC800 && hy[3] == 0x4400, "repeatable cast results %04x %04x", hy[0], hy[3]);
    EXPECT_RC(aclDestroyAclOpExecutor(ex), 0);
    EXPECT_RC(aclnnCast(NULL, 0, ex, s), ACLNN_ERR_PARAM_INVALID);
    EXPECT_RC(aclDestroyAclOpExecutor(ex), ACLNN_ERR_PARAM_INVALID);
    aclDestroyTensor(x);
    aclDestroyTensor(y);
    aclrtFree(dx);
    aclrtFree(dy);
}

/* ---------------------------------------------------------------- streams and events */

static void test_events(aclrtStream s) {
    aclrtEvent a = NULL, b = NULL, c = NULL;
    float ms = -1;
    void *d = NULL;
    EXPECT_RC(aclrtMalloc(&d, 1024, 0), 0);
    EXPECT_RC(aclrtCreateEvent(&a), 0);
    EXPECT_RC(aclrtCreateEventExWithFlag(&b, ACL_EVENT_SYNC | ACL_EVENT_TIME_LINE), 0);
    EXPECT_RC(xpu4jEmuConfigure("STREAM_DELAY_US", 100000), 0);
    EXPECT_RC(aclrtRecordEvent(a, s), 0);
    EXPECT_RC(aclrtMemsetAsync(d, 1024, 0, 1024, s), 0);
    EXPECT_RC(aclrtRecordEvent(b, s), 0);
    EXPECT_RC(aclrtEventElapsedTime(&ms, a, b), ACL_ERROR_RT_EVENT_NOT_COMPLETE); /* before synchronize */
    EXPECT_RC(aclrtSynchronizeStream(s), 0);
    EXPECT_RC(xpu4jEmuConfigure("STREAM_DELAY_US", 0), 0);
    EXPECT_RC(aclrtEventElapsedTime(&ms, a, b), 0);
    CHECK(ms >= 50.0f && ms < 5000.0f, "elapsed %g ms should include one 100 ms task delay", ms);

    /* reset: the event counts as not recorded until it is recorded again */
    EXPECT_RC(aclrtResetEvent(b, s), 0);
    EXPECT_RC(aclrtSynchronizeStream(s), 0);
    EXPECT_RC(aclrtEventElapsedTime(&ms, a, b), ACL_ERROR_RT_PARAM_INVALID);
    EXPECT_RC(aclrtStreamWaitEvent(s, b), 0); /* waiting on a reset event does not block */
    EXPECT_RC(aclrtSynchronizeStream(s), 0);
    EXPECT_RC(aclrtRecordEvent(b, s), 0);
    EXPECT_RC(aclrtSynchronizeEvent(b), 0);
    EXPECT_RC(aclrtEventElapsedTime(&ms, a, b), 0);
    CHECK(ms >= 0.0f, "elapsed after re-record %g", ms);
    EXPECT_RC(aclrtResetEvent(NULL, s), ACL_ERROR_RT_PARAM_INVALID);
    EXPECT_RC(aclrtCreateEventWithFlag(&c, ACL_EVENT_SYNC), 0);
    EXPECT_RC(aclrtDestroyEvent(c), 0);
    EXPECT_RC(aclrtResetEvent(c, s), ACL_ERROR_RT_INVALID_HANDLE);
    EXPECT_RC(aclrtDestroyEvent(a), 0);
    EXPECT_RC(aclrtDestroyEvent(b), 0);
    aclrtFree(d);
}

/* a kernel fault followed by a copy on the same stream, under the given failure mode */
static int copy_after_fault(aclrtStream s, int mode) {
    float hx[4] = {1, 2, 3, 4};
    uint16_t hy[4];
    unsigned char marker[64], back[64];
    memset(marker, 0x42, sizeof marker);
    void *dm = NULL, *dn = NULL;
    aclrtMalloc(&dm, 64, 0);
    aclrtMalloc(&dn, 64, 0);
    aclrtMemcpy(dm, 64, marker, 64, ACL_MEMCPY_HOST_TO_DEVICE);
    aclrtMemset(dn, 64, 0, 64);
    EXPECT_RC(aclrtSetStreamFailureMode(s, (uint64_t)mode), 0);
    EXPECT_RC(xpu4jEmuConfigure("FAIL_KERNEL", 1), 0);
    void *dx = NULL, *dy = NULL;
    aclrtMalloc(&dx, 16, 0);
    aclrtMalloc(&dy, 8, 0);
    aclrtMemcpy(dx, 16, hx, 16, ACL_MEMCPY_HOST_TO_DEVICE);
    aclTensor *x = tensor1d(ACL_FLOAT, 4, dx), *y = tensor1d(ACL_FLOAT16, 4, dy);
    uint64_t ws = 0;
    aclOpExecutor *ex = NULL;
    EXPECT_RC(aclnnCastGetWorkspaceSize(x, ACL_FLOAT16, y, &ws, &ex), 0);
    EXPECT_RC(aclnnCast(NULL, 0, ex, s), 0);
    EXPECT_RC(aclrtMemcpyAsync(dn, 64, dm, 64, ACL_MEMCPY_DEVICE_TO_DEVICE, s), 0);
    EXPECT_RC(aclrtSynchronizeStream(s), ACL_ERROR_RT_AICORE_EXCEPTION);
    EXPECT_RC(aclrtSynchronizeStream(s), 0); /* reported once */
    EXPECT_RC(xpu4jEmuConfigure("FAIL_KERNEL", 0), 0);
    aclrtMemcpy(back, 64, dn, 64, ACL_MEMCPY_DEVICE_TO_HOST);
    (void)hy;
    aclDestroyTensor(x);
    aclDestroyTensor(y);
    aclrtFree(dx);
    aclrtFree(dy);
    aclrtFree(dm);
    aclrtFree(dn);
    EXPECT_RC(aclrtSetStreamFailureMode(s, ACL_CONTINUE_ON_FAILURE), 0);
    return back[0] == 0x42 && back[63] == 0x42;
}

static void test_failure_modes(aclrtStream s) {
    EXPECT_RC(aclrtSetStreamFailureMode(s, 2), ACL_ERROR_RT_PARAM_INVALID);
    EXPECT_RC(aclrtSetStreamFailureMode(NULL, ACL_CONTINUE_ON_FAILURE), 0); /* default stream */
    CHECK(copy_after_fault(s, ACL_CONTINUE_ON_FAILURE) == 1, "CONTINUE_ON_FAILURE must run work after the fault");
    CHECK(copy_after_fault(s, ACL_STOP_ON_FAILURE) == 0, "STOP_ON_FAILURE must skip work after the fault");
}

static void test_destroy_force(void) {
    aclrtStream f = NULL;
    aclrtEvent e = NULL;
    void *d[4] = {0};
    for (int i = 0; i < 4; i++) {
        aclrtMalloc(&d[i], 64, 0);
        aclrtMemset(d[i], 64, 0, 64);
    }
    EXPECT_RC(aclrtCreateStreamWithConfig(&f, 0, 0x3), 0);
    EXPECT_RC(aclrtCreateEvent(&e), 0);
    EXPECT_RC(xpu4jEmuConfigure("STREAM_DELAY_US", 200000), 0);
    for (int i = 0; i < 4; i++) EXPECT_RC(aclrtMemsetAsync(d[i], 64, 0x77, 64, f), 0);
    EXPECT_RC(aclrtRecordEvent(e, f), 0);
    double t0 = now_ms();
    EXPECT_RC(aclrtDestroyStreamForce(f), 0);
    double took = now_ms() - t0;
    EXPECT_RC(xpu4jEmuConfigure("STREAM_DELAY_US", 0), 0);
    CHECK(took < 600.0, "forced destroy took %g ms; it must not run the 4 queued 200 ms tasks", took);
    EXPECT_RC(aclrtSynchronizeEvent(e), 0); /* the queued record still completed: no waiter hangs */
    unsigned char last[64];
    aclrtMemcpy(last, 64, d[3], 64, ACL_MEMCPY_DEVICE_TO_HOST);
    CHECK(last[0] == 0, "the last queued memset must have been dropped, got %02x", last[0]);
    EXPECT_RC(aclrtDestroyStreamForce(f), ACL_ERROR_RT_INVALID_HANDLE);
    EXPECT_RC(aclrtDestroyEvent(e), 0);
    for (int i = 0; i < 4; i++) aclrtFree(d[i]);
    EXPECT_RC(aclrtSynchronizeDeviceWithTimeout(-2), ACL_ERROR_RT_PARAM_INVALID);
    EXPECT_RC(aclrtSynchronizeDeviceWithTimeout(1000), 0);
}

/* ---------------------------------------------------------------- narrow float numerics */

static uint32_t f2u(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static float u2f(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

/* binary32 -> binary16, round to nearest even, by integer arithmetic on the bit fields */
static uint16_t ref_f32_to_f16(uint32_t x) {
    uint32_t sign = (x >> 16) & 0x8000u, exp = (x >> 23) & 0xFFu, man = x & 0x7FFFFFu;
    if (exp == 0xFF) return (uint16_t)(sign | (man ? 0x7E00u : 0x7C00u));
    int e = (int)exp - 127 + 15;
    if (e >= 31) return (uint16_t)(sign | 0x7C00u);
    if (e <= 0) { /* result is subnormal or zero: shift the full significand */
        int shift = 14 - e;
        if (exp == 0 || shift > 24) return (uint16_t)sign;
        uint32_t m = man | 0x800000u, q = m >> shift, rem = m & ((1u << shift) - 1), half = 1u << (shift - 1);
        if (rem > half || (rem == half && (q & 1u))) q++;
        return (uint16_t)(sign | q);
    }
    uint32_t q = ((uint32_t)e << 10) | (man >> 13), rem = man & 0x1FFFu;
    if (rem > 0x1000u || (rem == 0x1000u && (q & 1u))) q++; /* a carry may reach the infinity encoding */
    return (uint16_t)(sign | q);
}

static double ref_f16_value(uint16_t h) {
    int s = h >> 15, e = (h >> 10) & 31, m = h & 1023;
    double v = e == 0 ? ldexp(m, -24) : e == 31 ? (m ? NAN : INFINITY) : ldexp(1024 + m, e - 25);
    return s ? -v : v;
}

static uint16_t ref_f32_to_bf16(uint32_t x) {
    if ((x & 0x7F800000u) == 0x7F800000u && (x & 0x7FFFFFu)) return (uint16_t)((x >> 16) | 0x40u);
    uint32_t rem = x & 0xFFFFu, q = x >> 16;
    if (rem > 0x8000u || (rem == 0x8000u && (q & 1u))) q++;
    return (uint16_t)q;
}

static void test_f16_bf16(aclrtStream s) {
    /* encode: every finite f16 value, the midpoints to its successor (the successor of the
     * largest finite value being 65536, the overflow threshold) and their float neighbours */
    size_t cap = 0x7C00u * 8 + 64, n = 0;
    float *in = malloc(cap * sizeof *in);
    for (uint32_t h = 0; h < 0x7C00u; h++) {
        double v = ref_f16_value((uint16_t)h), next = h == 0x7BFFu ? 65536.0 : ref_f16_value((uint16_t)(h + 1));
        float mid = (float)((v + next) / 2); /* exact in binary32 */
        float pts[4] = {(float)v, mid, nextafterf(mid, 0.0f), nextafterf(mid, INFINITY)};
        for (int k = 0; k < 4; k++) {
            in[n++] = pts[k];
            in[n++] = -pts[k];
        }
    }
    float extra[] = {INFINITY, -INFINITY, NAN, 1e-30f, -1e-30f, 1e30f, u2f(0x00000001u), 65519.0f, 65520.0f, 70000.0f,
                     u2f(0x33000000u) /* 2^-25: half the least subnormal, ties to 0 */,
                     u2f(0x33000001u) /* just above: rounds to the least subnormal */};
    for (size_t k = 0; k < sizeof extra / sizeof *extra; k++) in[n++] = extra[k];
    uint16_t *out = malloc(n * sizeof *out);
    EXPECT_RC(device_cast(ACL_FLOAT, 4, in, ACL_FLOAT16, 2, out, (int64_t)n, s), 0);
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        uint16_t want = ref_f32_to_f16(f2u(in[i]));
        int ok = isnan(in[i]) ? ((out[i] & 0x7C00u) == 0x7C00u && (out[i] & 0x3FFu)) : out[i] == want;
        if (!ok && bad++ < 10) CHECK(0, "F32->F16 of %.9g (%08x): got %04x want %04x", in[i], f2u(in[i]), out[i], want);
    }
    CHECK(bad == 0, "F32->F16: %d of %zu conversions differ from the reference", bad, n);

    /* decode: all 65536 codes */
    uint16_t *codes = malloc(65536 * sizeof *codes);
    double *dec = malloc(65536 * sizeof *dec);
    for (uint32_t i = 0; i < 65536; i++) codes[i] = (uint16_t)i;
    EXPECT_RC(device_cast(ACL_FLOAT16, 2, codes, ACL_DOUBLE, 8, dec, 65536, s), 0);
    bad = 0;
    for (uint32_t i = 0; i < 65536; i++) {
        double want = ref_f16_value((uint16_t)i);
        int ok = isnan(want) ? isnan(dec[i]) : (dec[i] == want && signbit(dec[i]) == signbit(want));
        if (!ok && bad++ < 10) CHECK(0, "F16->DOUBLE of %04x: got %.17g want %.17g", i, dec[i], want);
    }
    CHECK(bad == 0, "F16 decode: %d codes differ", bad);

    /* DOUBLE -> F16 rounds once: just above a midpoint goes up even where binary32 would tie */
    double dd[2] = {1.0 + ldexp(1, -11) + ldexp(1, -40), 1.0 + ldexp(1, -11)};
    uint16_t dh[2];
    EXPECT_RC(device_cast(ACL_DOUBLE, 8, dd, ACL_FLOAT16, 2, dh, 2, s), 0);
    CHECK(dh[0] == 0x3C01 && dh[1] == 0x3C00, "DOUBLE->F16 single rounding: %04x %04x", dh[0], dh[1]);

    /* BF16: pseudo-random bit patterns (all classes) plus ties around every exponent */
    size_t m = 0, bcap = 200000 + 256 * 6;
    float *bin = malloc(bcap * sizeof *bin);
    uint32_t r = 12345u;
    for (int i = 0; i < 200000; i++) {
        r = r * 1664525u + 1013904223u;
        uint32_t u = r;
        if (i % 3 == 0) u = (u & 0xFFFF0000u) | 0x8000u; /* exact ties */
        if (i % 3 == 1) u = (u & 0xFFFF0000u) | (0x7FFFu + (u & 2u)); /* one off a tie */
        bin[m++] = u2f(u);
    }
    for (uint32_t e = 0; e < 256; e++) {
        uint32_t base = e << 23;
        uint32_t pts[6] = {base | 0x7FFFFFu, base | 0x7F8000u, base | 0x018000u, base | 0x008000u, base | 0x7FFF7Fu,
                           base | 0x000001u};
        for (int k = 0; k < 6; k++) bin[m++] = u2f(pts[k] | (k & 1 ? 0x80000000u : 0));
    }
    uint16_t *bout = malloc(m * sizeof *bout);
    EXPECT_RC(device_cast(ACL_FLOAT, 4, bin, ACL_BF16, 2, bout, (int64_t)m, s), 0);
    bad = 0;
    for (size_t i = 0; i < m; i++) {
        uint16_t want = ref_f32_to_bf16(f2u(bin[i]));
        int ok = isnan(bin[i]) ? ((bout[i] & 0x7F80u) == 0x7F80u && (bout[i] & 0x7Fu)) : bout[i] == want;
        if (!ok && bad++ < 10) CHECK(0, "F32->BF16 of %08x: got %04x want %04x", f2u(bin[i]), bout[i], want);
    }
    CHECK(bad == 0, "F32->BF16: %d of %zu conversions differ", bad, m);

    /* BF16 decode: all 65536 codes are the top half of a binary32 */
    EXPECT_RC(device_cast(ACL_BF16, 2, codes, ACL_DOUBLE, 8, dec, 65536, s), 0);
    bad = 0;
    for (uint32_t i = 0; i < 65536; i++) {
        double want = u2f(i << 16);
        int ok = isnan(want) ? isnan(dec[i]) : (dec[i] == want && signbit(dec[i]) == signbit(want));
        if (!ok && bad++ < 10) CHECK(0, "BF16->DOUBLE of %04x: got %.17g want %.17g", i, dec[i], want);
    }
    CHECK(bad == 0, "BF16 decode: %d codes differ", bad);
    free(in);
    free(out);
    free(codes);
    free(dec);
    free(bin);
    free(bout);
}

/* FP8 formats from their definitions: sign, ebits exponent (bias), mbits mantissa.
 * E4M3FN has no infinities and one NaN mantissa (all ones) per sign; E5M2 is IEEE-like. */
typedef struct {
    const char *name;
    aclDataType dt;
    int ebits, mbits, bias, fn;
} fp8_fmt;

static double fp8_value(const fp8_fmt *f, unsigned c) {
    unsigned s = (c >> 7) & 1, e = (c >> f->mbits) & ((1u << f->ebits) - 1), m = c & ((1u << f->mbits) - 1);
    unsigned emax = (1u << f->ebits) - 1;
    double v;
    if (f->fn && e == emax && m == (1u << f->mbits) - 1) v = NAN;
    else if (!f->fn && e == emax) v = m ? NAN : INFINITY;
    else if (e == 0) v = ldexp(m, 1 - f->bias - f->mbits);
    else v = ldexp((1u << f->mbits) + m, (int)e - f->bias - f->mbits);
    return s ? -v : v;
}

/* Nearest code by exhaustive search over the positive codes 0..top (top = largest finite),
 * plus the code after top standing for the first value past the range; ties pick the even
 * code. That extra code decodes to NaN for E4M3FN and to Inf for E5M2, which is exactly the
 * non-saturating overflow result of each format. */
static unsigned ref_fp8_encode(const fp8_fmt *f, double x) {
    if (isnan(x)) return f->fn ? 0x7Fu : 0x7Fu; /* any NaN code; compared by class below */
    unsigned sign = signbit(x) ? 0x80u : 0;
    double a = fabs(x);
    unsigned top = f->fn ? 0x7Eu : 0x7Bu;
    double past = fp8_value(f, top) + (fp8_value(f, top) - fp8_value(f, top - 1));
    if (isinf(a)) return sign | (top + 1);
    unsigned best = 0;
    double bd = INFINITY;
    for (unsigned c = 0; c <= top + 1; c++) {
        double v = c == top + 1 ? past : fp8_value(f, c), d = fabs(v - a);
        if (d < bd || (d == bd && (c & 1u) == 0)) {
            bd = d;
            best = c;
        }
    }
    return sign | best;
}

static void test_fp8(aclrtStream s) {
    const fp8_fmt fmts[2] = {{"E4M3FN", ACL_FLOAT8_E4M3FN, 4, 3, 7, 1}, {"E5M2", ACL_FLOAT8_E5M2, 5, 2, 15, 0}};
    for (int k = 0; k < 2; k++) {
        const fp8_fmt *f = &fmts[k];
        /* decode every code */
        unsigned char codes[256];
        double dec[256];
        for (int c = 0; c < 256; c++) codes[c] = (unsigned char)c;
        EXPECT_RC(device_cast(f->dt, 1, codes, ACL_DOUBLE, 8, dec, 256, s), 0);
        int bad = 0;
        for (int c = 0; c < 256; c++) {
            double want = fp8_value(f, (unsigned)c);
            int ok = isnan(want) ? isnan(dec[c]) : (dec[c] == want && signbit(dec[c]) == signbit(want));
            if (!ok && bad++ < 5) CHECK(0, "%s decode %02x: got %.17g want %.17g", f->name, c, dec[c], want);
        }
        CHECK(bad == 0, "%s decode: %d codes differ", f->name, bad);

        /* encode: every representable value, midpoints, their neighbours, beyond the range */
        unsigned top = f->fn ? 0x7Eu : 0x7Bu;
        double past = fp8_value(f, top) + (fp8_value(f, top) - fp8_value(f, top - 1));
        double in[2048];
        int n = 0;
        for (unsigned c = 0; c <= top; c++) {
            double v = fp8_value(f, c), next = c == top ? past : fp8_value(f, c + 1), mid = (v + next) / 2;
            double pts[4] = {v, mid, nextafter(mid, 0), nextafter(mid, INFINITY)};
            for (int j = 0; j < 4; j++) {
                in[n++] = pts[j];
                in[n++] = -pts[j];
            }
        }
        double extra[] = {past, 2 * past, 1e10, INFINITY, -INFINITY, NAN, ldexp(1, -30), -ldexp(1, -30)};
        for (size_t j = 0; j < sizeof extra / sizeof *extra; j++) in[n++] = extra[j];
        unsigned char out[2048];
        EXPECT_RC(device_cast(ACL_DOUBLE, 8, in, f->dt, 1, out, n, s), 0);
        bad = 0;
        for (int i = 0; i < n; i++) {
            unsigned want = ref_fp8_encode(f, in[i]);
            int ok = isnan(fp8_value(f, want)) ? isnan(fp8_value(f, out[i])) : out[i] == want;
            if (!ok && bad++ < 10)
                CHECK(0, "%s encode of %.17g: got %02x want %02x", f->name, in[i], out[i], want);
        }
        CHECK(bad == 0, "%s encode: %d of %d conversions differ", f->name, bad, n);
    }
    /* spot values from the format definitions */
    double sv[4] = {448.0, 464.0, 57344.0, 61440.0};
    unsigned char e4[4], e5[4];
    EXPECT_RC(device_cast(ACL_DOUBLE, 8, sv, ACL_FLOAT8_E4M3FN, 1, e4, 4, s), 0);
    EXPECT_RC(device_cast(ACL_DOUBLE, 8, sv, ACL_FLOAT8_E5M2, 1, e5, 4, s), 0);
    CHECK(e4[0] == 0x7E && e4[1] == 0x7E && e4[2] == 0x7F, "E4M3FN 448/464/57344 -> %02x %02x %02x", e4[0], e4[1], e4[2]);
    CHECK(e5[2] == 0x7B && e5[3] == 0x7C, "E5M2 57344/61440 -> %02x %02x", e5[2], e5[3]);
}

/* ---------------------------------------------------------------- prototypes */

/* Each exported function assigned to a pointer whose type is spelled from the reference's
 * prototype (LP64: size_t and uint64_t are both unsigned long; enums are int). A mismatch in
 * the emulator's declarations is an incompatible-pointer error at compile time (-Werror). */
#define SIG(fn, ret, ...)                                                                                         \
    do {                                                                                                          \
        ret (*p_)(__VA_ARGS__) = fn;                                                                              \
        CHECK(p_ != NULL, "%s not linked", #fn);                                                                  \
    } while (0)

static void test_prototypes(void) {
    SIG(aclInit, int, const char *);
    SIG(aclFinalize, int, void);
    SIG(aclFinalizeReference, int, uint64_t *);
    SIG(aclDataTypeSize, size_t, int);
    SIG(aclrtGetVersion, int, int32_t *, int32_t *, int32_t *);
    SIG(aclsysGetCANNVersion, int, int, aclCANNPackageVersion *);
    SIG(aclGetRecentErrMsg, const char *, void);
    SIG(aclrtGetSocName, const char *, void);
    SIG(aclrtPeekAtLastError, int, int);
    SIG(aclrtGetLastError, int, int);
    SIG(aclGetDeviceCapability, int, uint32_t, int, int64_t *);
    SIG(aclrtSetDevice, int, int32_t);
    SIG(aclrtResetDevice, int, int32_t);
    SIG(aclrtResetDeviceForce, int, int32_t);
    SIG(aclrtGetDevice, int, int32_t *);
    SIG(aclrtGetDeviceCount, int, uint32_t *);
    SIG(aclrtSynchronizeDevice, int, void);
    SIG(aclrtSynchronizeDeviceWithTimeout, int, int32_t);
    SIG(aclrtGetRunMode, int, int *);
    SIG(aclrtCreateContext, int, void **, int32_t);
    SIG(aclrtDestroyContext, int, void *);
    SIG(aclrtSetCurrentContext, int, void *);
    SIG(aclrtGetCurrentContext, int, void **);
    SIG(aclrtGetDeviceInfo, int, uint32_t, int, int64_t *);
    SIG(aclrtGetMemInfo, int, int, size_t *, size_t *);
    SIG(aclrtCreateStream, int, void **);
    SIG(aclrtCreateStreamWithConfig, int, void **, uint32_t, uint32_t);
    SIG(aclrtDestroyStream, int, void *);
    SIG(aclrtDestroyStreamForce, int, void *);
    SIG(aclrtSynchronizeStream, int, void *);
    SIG(aclrtSynchronizeStreamWithTimeout, int, void *, int32_t);
    SIG(aclrtStreamQuery, int, void *, int *);
    SIG(aclrtStreamWaitEvent, int, void *, void *);
    SIG(aclrtSetStreamFailureMode, int, void *, uint64_t);
    SIG(aclrtLaunchHostFunc, int, void *, void (*)(void *), void *);
    SIG(aclrtCreateEvent, int, void **);
    SIG(aclrtCreateEventWithFlag, int, void **, uint32_t);
    SIG(aclrtCreateEventExWithFlag, int, void **, uint32_t);
    SIG(aclrtRecordEvent, int, void *, void *);
    SIG(aclrtResetEvent, int, void *, void *);
    SIG(aclrtSynchronizeEvent, int, void *);
    SIG(aclrtQueryEvent, int, void *, int *);
    SIG(aclrtQueryEventStatus, int, void *, int *);
    SIG(aclrtEventElapsedTime, int, float *, void *, void *);
    SIG(aclrtDestroyEvent, int, void *);
    SIG(aclrtMalloc, int, void **, size_t, int);
    SIG(aclrtMallocAlign32, int, void **, size_t, int);
    SIG(aclrtMallocCached, int, void **, size_t, int);
    SIG(aclrtFree, int, void *);
    SIG(aclrtFreeWithDevSync, int, void *);
    SIG(aclrtMallocHost, int, void **, size_t);
    SIG(aclrtFreeHost, int, void *);
    SIG(aclrtMemcpy, int, void *, size_t, const void *, size_t, int);
    SIG(aclrtMemcpyAsync, int, void *, size_t, const void *, size_t, int, void *);
    SIG(aclrtMemset, int, void *, size_t, int32_t, size_t);
    SIG(aclrtMemsetAsync, int, void *, size_t, int32_t, size_t, void *);
    SIG(aclCreateTensor, aclTensor *, const int64_t *, uint64_t, int, const int64_t *, int64_t, int, const int64_t *,
        uint64_t, void *);
    SIG(aclCreateScalar, aclScalar *, void *, int);
    SIG(aclCreateIntArray, aclIntArray *, const int64_t *, uint64_t);
    SIG(aclCreateFloatArray, aclFloatArray *, const float *, uint64_t);
    SIG(aclCreateBoolArray, aclBoolArray *, const bool *, uint64_t);
    SIG(aclCreateTensorList, aclTensorList *, const aclTensor *const *, uint64_t);
    SIG(aclCreateScalarList, aclScalarList *, const aclScalar *const *, uint64_t);
    SIG(aclDestroyTensor, int32_t, const aclTensor *);
    SIG(aclDestroyScalar, int32_t, const aclScalar *);
    SIG(aclDestroyIntArray, int32_t, const aclIntArray *);
    SIG(aclDestroyFloatArray, int32_t, const aclFloatArray *);
    SIG(aclDestroyBoolArray, int32_t, const aclBoolArray *);
    SIG(aclDestroyTensorList, int32_t, const aclTensorList *);
    SIG(aclDestroyScalarList, int32_t, const aclScalarList *);
    SIG(aclGetViewShape, int32_t, const aclTensor *, int64_t **, uint64_t *);
    SIG(aclGetStorageShape, int32_t, const aclTensor *, int64_t **, uint64_t *);
    SIG(aclGetViewStrides, int32_t, const aclTensor *, int64_t **, uint64_t *);
    SIG(aclGetViewOffset, int32_t, const aclTensor *, int64_t *);
    SIG(aclGetFormat, int32_t, const aclTensor *, int *);
    SIG(aclGetDataType, int32_t, const aclTensor *, int *);
    SIG(aclGetIntArraySize, int32_t, const aclIntArray *, uint64_t *);
    SIG(aclGetFloatArraySize, int32_t, const aclFloatArray *, uint64_t *);
    SIG(aclGetBoolArraySize, int32_t, const aclBoolArray *, uint64_t *);
    SIG(aclGetTensorListSize, int32_t, const aclTensorList *, uint64_t *);
    SIG(aclSetAclOpExecutorRepeatable, int32_t, aclOpExecutor *);
    SIG(aclDestroyAclOpExecutor, int32_t, aclOpExecutor *);
    SIG(aclSetInputTensorAddr, int32_t, aclOpExecutor *, size_t, aclTensor *, void *);
    SIG(aclSetOutputTensorAddr, int32_t, aclOpExecutor *, size_t, aclTensor *, void *);
    SIG(aclnnInit, int32_t, const char *);
    SIG(aclnnFinalize, int32_t, void);
    /* phase 1 of the ops the reference lists (section 6); phase 2 is shared */
#define WS uint64_t *, aclOpExecutor **
    SIG(aclnnAddGetWorkspaceSize, int32_t, const aclTensor *, const aclTensor *, const aclScalar *, aclTensor *, WS);
    SIG(aclnnAddsGetWorkspaceSize, int32_t, const aclTensor *, const aclScalar *, const aclScalar *, aclTensor *, WS);
    SIG(aclnnSubGetWorkspaceSize, int32_t, const aclTensor *, const aclTensor *, const aclScalar *, aclTensor *, WS);
    SIG(aclnnMulGetWorkspaceSize, int32_t, const aclTensor *, const aclTensor *, aclTensor *, WS);
    SIG(aclnnMulsGetWorkspaceSize, int32_t, const aclTensor *, const aclScalar *, aclTensor *, WS);
    SIG(aclnnDivGetWorkspaceSize, int32_t, const aclTensor *, const aclTensor *, aclTensor *, WS);
    SIG(aclnnExpGetWorkspaceSize, int32_t, const aclTensor *, aclTensor *, WS);
    SIG(aclnnNegGetWorkspaceSize, int32_t, const aclTensor *, aclTensor *, WS);
    SIG(aclnnSqrtGetWorkspaceSize, int32_t, const aclTensor *, aclTensor *, WS);
    SIG(aclnnRsqrtGetWorkspaceSize, int32_t, const aclTensor *, aclTensor *, WS);
    SIG(aclnnCastGetWorkspaceSize, int32_t, const aclTensor *, const int, aclTensor *, WS);
    SIG(aclnnReduceSumGetWorkspaceSize, int32_t, const aclTensor *, const aclIntArray *, bool, int, aclTensor *, WS);
    SIG(aclnnArgMaxGetWorkspaceSize, int32_t, const aclTensor *, int64_t, bool, aclTensor *, WS);
    SIG(aclnnPermuteGetWorkspaceSize, int32_t, const aclTensor *, const aclIntArray *, aclTensor *, WS);
    SIG(aclnnInplaceCopyGetWorkspaceSize, int32_t, aclTensor *, const aclTensor *, WS);
    SIG(aclnnMatmulGetWorkspaceSize, int32_t, const aclTensor *, const aclTensor *, aclTensor *, int8_t, WS);
    SIG(aclnnMmGetWorkspaceSize, int32_t, const aclTensor *, const aclTensor *, aclTensor *, int8_t, WS);
    SIG(aclnnBatchMatMulGetWorkspaceSize, int32_t, const aclTensor *, const aclTensor *, aclTensor *, int8_t, WS);
    SIG(aclnnSoftmaxGetWorkspaceSize, int32_t, const aclTensor *, int64_t, aclTensor *, WS);
    SIG(aclnnRmsNormGetWorkspaceSize, int32_t, const aclTensor *, const aclTensor *, double, const aclTensor *,
        const aclTensor *, WS);
    SIG(aclnnLayerNormGetWorkspaceSize, int32_t, const aclTensor *, const aclIntArray *, const aclTensor *,
        const aclTensor *, double, aclTensor *, aclTensor *, aclTensor *, WS);
    SIG(aclnnGeluGetWorkspaceSize, int32_t, const aclTensor *, aclTensor *, WS);
    SIG(aclnnSiluGetWorkspaceSize, int32_t, const aclTensor *, aclTensor *, WS);
    SIG(aclnnReluGetWorkspaceSize, int32_t, const aclTensor *, aclTensor *, WS);
    SIG(aclnnEmbeddingGetWorkspaceSize, int32_t, const aclTensor *, const aclTensor *, const aclTensor *, WS);
#undef WS
    SIG(aclnnAdd, int32_t, void *, uint64_t, aclOpExecutor *, void *);
    SIG(aclnnLayerNorm, int32_t, void *, uint64_t, aclOpExecutor *, void *);
}

int main(void) {
    test_prototypes();
    test_init_finalize();
    test_datatype_size();
    test_devices_and_contexts();
    test_memory();
    aclrtStream s = NULL;
    EXPECT_RC(aclrtCreateStream(&s), 0);
    test_meta_and_phases(s);
    test_events(s);
    test_failure_modes(s);
    test_destroy_force();
    test_f16_bf16(s);
    test_fp8(s);
    EXPECT_RC(aclrtDestroyStream(s), 0);
    CHECK(xpu4jEmuLiveBytes(0) == 0, "leaked device bytes %lld", xpu4jEmuLiveBytes(0));
    EXPECT_RC(aclrtResetDevice(0), 0);
    EXPECT_RC(aclFinalize(), 0);
    printf("cann-emu ABI check: %d checks, %d failed\n", g_checks, g_failures);
    return g_failures == 0 ? 0 : 1;
}
