/*
 * Self-test of the emulator libraries through their C ABI only. Expected values are
 * computed here in double (or with independent bit-level encoders); a failed check
 * makes the process exit non-zero, which fails the build.
 */
#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aclnn_ops.h"
#include "check.h"

typedef aclnnStatus (*phase2_fn)(void *, uint64_t, aclOpExecutor *, aclrtStream);

static int msg_has(const char *needle) {
    const char *m = aclGetRecentErrMsg();
    return m != NULL && strstr(m, needle) != NULL;
}

/* ---- independent reference encoders ---- */
static uint16_t ref_f16(float f) { _Float16 h = (_Float16)f; uint16_t u; memcpy(&u, &h, 2); return u; }
static double ref_f16_val(uint16_t u) { _Float16 h; memcpy(&h, &u, 2); return (double)h; }
static uint16_t ref_bf16(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    return (uint16_t)((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
}
static double ref_bf16_val(uint16_t b) {
    uint32_t u = (uint32_t)b << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* ---- device tensor helpers ---- */
typedef struct {
    aclTensor *t;
    void *dev;
    size_t bytes;
} dtensor;

static size_t esize(aclDataType dt) {
    switch (dt) {
    case ACL_FLOAT: case ACL_INT32: return 4;
    case ACL_FLOAT16: case ACL_BF16: return 2;
    case ACL_INT64: return 8;
    default: return 1;
    }
}

static dtensor make(aclDataType dt, int rank, const int64_t *dims, const void *host) {
    dtensor d = {0};
    int64_t n = 1;
    for (int i = 0; i < rank; i++) n *= dims[i];
    d.bytes = (size_t)n * esize(dt);
    EXPECT_RC(aclrtMalloc(&d.dev, d.bytes ? d.bytes : 1, 0), ACL_SUCCESS);
    if (host) EXPECT_RC(aclrtMemcpy(d.dev, d.bytes, host, d.bytes, ACL_MEMCPY_HOST_TO_DEVICE), ACL_SUCCESS);
    int64_t storage = n;
    d.t = aclCreateTensor(dims, (uint64_t)rank, dt, NULL, 0, 2, &storage, 1, d.dev);
    CHECK(d.t != NULL, "aclCreateTensor failed");
    return d;
}

static void fetch(const dtensor *d, void *host) {
    EXPECT_RC(aclrtMemcpy(host, d->bytes, d->dev, d->bytes, ACL_MEMCPY_DEVICE_TO_HOST), ACL_SUCCESS);
}

static void drop(dtensor *d) {
    aclDestroyTensor(d->t);
    EXPECT_RC(aclrtFree(d->dev), ACL_SUCCESS);
}

/* Phase 2 with a workspace of the reported size, then synchronize; returns the sync code. */
/* ws/ex are read through pointers: argument evaluation order must not matter */
static int launch(int p1rc, const uint64_t *wsp, aclOpExecutor *const *exp, phase2_fn p2, aclrtStream s) {
    uint64_t ws = *wsp;
    aclOpExecutor *ex = *exp;
    CHECK(p1rc == 0, "phase 1 failed with %d: %s", p1rc, aclGetRecentErrMsg() ? aclGetRecentErrMsg() : "");
    if (p1rc) return p1rc;
    void *w = NULL;
    if (ws) EXPECT_RC(aclrtMalloc(&w, ws, 0), ACL_SUCCESS);
    EXPECT_RC(p2(w, ws, ex, s), ACL_SUCCESS);
    int rc = aclrtSynchronizeStream(s);
    if (w) aclrtFree(w);
    return rc;
}

static void test_init_and_devices(void) {
    EXPECT_RC(aclrtSetDevice(0), ACL_ERROR_UNINITIALIZE);
    CHECK(msg_has("aclInit"), "uninitialised message should mention aclInit");
    size_t f, t;
    EXPECT_RC(aclInit(NULL), ACL_SUCCESS);
    EXPECT_RC(aclInit(NULL), ACL_SUCCESS); /* reference counted */
    uint64_t left = 99;
    EXPECT_RC(aclFinalizeReference(&left), ACL_SUCCESS);
    CHECK(left == 1, "refcount after one release = %llu", (unsigned long long)left);
    EXPECT_RC(aclrtGetMemInfo(1, &f, &t), ACL_ERROR_RT_CONTEXT_NULL);
    int32_t dev = -5;
    EXPECT_RC(aclrtGetDevice(&dev), ACL_ERROR_RT_CONTEXT_NULL);
    EXPECT_RC(aclrtSetDevice(3), ACL_ERROR_RT_INVALID_DEVICEID);
    EXPECT_RC(aclrtSetDevice(0), ACL_SUCCESS);
    EXPECT_RC(aclrtGetDevice(&dev), ACL_SUCCESS);
    CHECK(dev == 0, "current device %d", dev);
    uint32_t n = 0;
    EXPECT_RC(aclrtGetDeviceCount(&n), ACL_SUCCESS);
    CHECK(n == 1, "device count %u", n);
    EXPECT_RC(aclrtGetMemInfo(1, &f, &t), ACL_SUCCESS);
    CHECK(t == (size_t)16 << 30 && f == t, "mem info free=%zu total=%zu", f, t);
    CHECK(strstr(aclrtGetSocName(), "emulator") != NULL, "soc name %s", aclrtGetSocName());
    int32_t ma, mi, pa;
    EXPECT_RC(aclrtGetVersion(&ma, &mi, &pa), ACL_SUCCESS);
    CHECK(ma == 1, "major %d", ma);
}

static void test_memory(void) {
    void *p = NULL, *q = NULL;
    EXPECT_RC(aclrtMalloc(&p, 0, 0), ACL_ERROR_INVALID_PARAM);
    EXPECT_RC(aclrtMalloc(&p, 100, 0), ACL_SUCCESS);
    CHECK(((uintptr_t)p % 64) == 0, "pointer %p not 64-byte aligned", p);
    CHECK(xpu4jEmuLiveBytes(0) == 100, "live bytes %lld", xpu4jEmuLiveBytes(0));
    char host[128] = {0};
    EXPECT_RC(aclrtMemcpy(p, 100, host, 101, ACL_MEMCPY_HOST_TO_DEVICE), ACL_ERROR_RT_PARAM_INVALID); /* destMax */
    EXPECT_RC(aclrtMemcpy(host, 128, host + 64, 8, ACL_MEMCPY_HOST_TO_DEVICE), ACL_ERROR_RT_PARAM_INVALID);
    CHECK(msg_has("contradicts"), "kind mismatch message: %s", aclGetRecentErrMsg());
    EXPECT_RC(aclrtMemcpy(p, 100, host, 128, ACL_MEMCPY_HOST_TO_DEVICE), ACL_ERROR_RT_PARAM_INVALID); /* count>destMax */
    EXPECT_RC(aclrtMemcpy(p, 200, host, 128, ACL_MEMCPY_HOST_TO_DEVICE), ACL_ERROR_RT_PARAM_INVALID); /* overrun */
    EXPECT_RC(aclrtMemcpy(p, 100, host, 100, ACL_MEMCPY_DEFAULT), ACL_SUCCESS);
    EXPECT_RC(aclrtFree(host), ACL_ERROR_RT_PARAM_INVALID);
    CHECK(msg_has("foreign"), "foreign free message: %s", aclGetRecentErrMsg());
    EXPECT_RC(aclrtFree(p), ACL_SUCCESS);
    EXPECT_RC(aclrtFree(p), ACL_ERROR_RT_PARAM_INVALID);
    CHECK(msg_has("double free"), "double free message: %s", aclGetRecentErrMsg());
    EXPECT_RC(aclrtMemcpy(host, 128, p, 16, ACL_MEMCPY_DEVICE_TO_HOST), ACL_ERROR_RT_PARAM_INVALID);
    CHECK(msg_has("use after free"), "use-after-free message: %s", aclGetRecentErrMsg());
    CHECK(xpu4jEmuLiveBytes(0) == 0, "live bytes after free %lld", xpu4jEmuLiveBytes(0));
    EXPECT_RC(xpu4jEmuConfigure("MEMORY_BYTES", 1 << 20), ACL_SUCCESS);
    EXPECT_RC(aclrtMalloc(&q, 2 << 20, 0), ACL_ERROR_RT_MEMORY_ALLOCATION);
    EXPECT_RC(xpu4jEmuConfigure("MEMORY_BYTES", 16LL << 30), ACL_SUCCESS);
    EXPECT_RC(aclrtMallocHost(&q, 64), ACL_SUCCESS);
    EXPECT_RC(aclrtFree(q), ACL_ERROR_RT_PARAM_INVALID); /* wrong release function */
    EXPECT_RC(aclrtFreeHost(q), ACL_SUCCESS);
    EXPECT_RC(xpu4jEmuConfigure("NO_SUCH_KEY", 1), ACL_ERROR_INVALID_PARAM);
}

static void test_stream_race(void) {
    aclrtStream s;
    EXPECT_RC(aclrtCreateStream(&s), ACL_SUCCESS);
    float zeros[4] = {0}, sevens[4] = {7, 7, 7, 7}, got[4];
    void *d;
    EXPECT_RC(aclrtMalloc(&d, sizeof zeros, 0), ACL_SUCCESS);
    EXPECT_RC(aclrtMemcpy(d, 16, zeros, 16, ACL_MEMCPY_HOST_TO_DEVICE), ACL_SUCCESS);
    EXPECT_RC(xpu4jEmuConfigure("STREAM_DELAY_US", 200000), ACL_SUCCESS);
    EXPECT_RC(aclrtMemcpyAsync(d, 16, sevens, 16, ACL_MEMCPY_HOST_TO_DEVICE, s), ACL_SUCCESS);
    aclrtStreamStatus st = 99;
    EXPECT_RC(aclrtStreamQuery(s, &st), ACL_SUCCESS);
    CHECK(st == ACL_STREAM_STATUS_NOT_READY, "stream should still be busy, status %d", st);
    EXPECT_RC(aclrtMemcpy(got, 16, d, 16, ACL_MEMCPY_DEVICE_TO_HOST), ACL_SUCCESS);
    CHECK(got[0] == 0.0f, "unsynchronised read should see stale data, got %g", got[0]);
    EXPECT_RC(aclrtSynchronizeStreamWithTimeout(s, 10), ACL_ERROR_RT_STREAM_SYNC_TIMEOUT);
    EXPECT_RC(aclrtSynchronizeStream(s), ACL_SUCCESS);
    EXPECT_RC(aclrtMemcpy(got, 16, d, 16, ACL_MEMCPY_DEVICE_TO_HOST), ACL_SUCCESS);
    CHECK(got[3] == 7.0f, "after synchronize expected 7, got %g", got[3]);

    /* cross-stream ordering through an event, and event timing */
    aclrtStream s2;
    aclrtEvent e0, e1;
    EXPECT_RC(aclrtCreateStreamWithConfig(&s2, 0, 3), ACL_SUCCESS);
    EXPECT_RC(aclrtCreateEvent(&e0), ACL_SUCCESS);
    EXPECT_RC(aclrtCreateEvent(&e1), ACL_SUCCESS);
    EXPECT_RC(aclrtRecordEvent(e0, s), ACL_SUCCESS);
    EXPECT_RC(aclrtMemcpyAsync(d, 16, zeros, 16, ACL_MEMCPY_HOST_TO_BUF_TO_DEVICE, s), ACL_SUCCESS);
    EXPECT_RC(aclrtRecordEvent(e1, s), ACL_SUCCESS);
    EXPECT_RC(aclrtStreamWaitEvent(s2, e1), ACL_SUCCESS);
    EXPECT_RC(aclrtMemcpyAsync(got, 16, d, 16, ACL_MEMCPY_DEVICE_TO_HOST, s2), ACL_SUCCESS);
    EXPECT_RC(aclrtSynchronizeStream(s2), ACL_SUCCESS);
    CHECK(got[1] == 0.0f, "s2 must run after s reached e1, got %g", got[1]);
    aclrtEventRecordedStatus es = 0;
    EXPECT_RC(aclrtQueryEventStatus(e1, &es), ACL_SUCCESS);
    CHECK(es == ACL_EVENT_RECORDED_STATUS_COMPLETE, "event status %d", es);
    float ms = -1;
    EXPECT_RC(aclrtEventElapsedTime(&ms, e0, e1), ACL_SUCCESS);
    CHECK(ms >= 150.0f, "elapsed %g ms should include the 200 ms task delay", ms);
    EXPECT_RC(xpu4jEmuConfigure("STREAM_DELAY_US", 0), ACL_SUCCESS);
    EXPECT_RC(aclrtSynchronizeStreamWithTimeout(s, 0), ACL_SUCCESS);
    EXPECT_RC(aclrtDestroyEvent(e0), ACL_SUCCESS);
    EXPECT_RC(aclrtDestroyEvent(e1), ACL_SUCCESS);
    EXPECT_RC(aclrtDestroyEvent(e1), ACL_ERROR_RT_INVALID_HANDLE);
    EXPECT_RC(aclrtDestroyStream(s2), ACL_SUCCESS);
    EXPECT_RC(aclrtDestroyStream(s), ACL_SUCCESS);
    EXPECT_RC(aclrtSynchronizeStream(s), ACL_ERROR_RT_INVALID_HANDLE);
    EXPECT_RC(aclrtFree(d), ACL_SUCCESS);
}

static void test_ops(aclrtStream s) {
    /* Add with broadcast, alpha and a strided (transposed) self view: F32 */
    float a[6] = {1, 2, 3, 4, 5, 6}, b[3] = {0.5f, -1.25f, 3.0f}, out[6];
    int64_t d23[2] = {2, 3}, d3[1] = {3}, d32[2] = {3, 2};
    dtensor A = make(ACL_FLOAT, 2, d32, a); /* storage [3,2] viewed as [2,3] through strides (1,2) */
    aclDestroyTensor(A.t);
    int64_t tstr[2] = {1, 2}, st6 = 6;
    A.t = aclCreateTensor(d23, 2, ACL_FLOAT, tstr, 0, 2, &st6, 1, A.dev);
    dtensor B = make(ACL_FLOAT, 1, d3, b), O = make(ACL_FLOAT, 2, d23, NULL);
    float alpha = 2.0f;
    aclScalar *al = aclCreateScalar(&alpha, ACL_FLOAT);
    uint64_t ws = 0;
    aclOpExecutor *ex = NULL;
    EXPECT_RC(launch(aclnnAddGetWorkspaceSize(A.t, B.t, al, O.t, &ws, &ex), &ws, &ex, aclnnAdd, s), 0);
    fetch(&O, out);
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 3; j++) {
            double want = (double)a[j * 2 + i] + 2.0 * b[j];
            CHECK(fabs(out[i * 3 + j] - want) <= 1e-6 * fabs(want) + 1e-7, "add[%d,%d]=%g want %g", i, j, out[i * 3 + j],
                  want);
        }
    /* executor reuse without the repeatable mark */
    EXPECT_RC(aclnnAdd(NULL, 0, ex, s), ACLNN_ERR_PARAM_INVALID);
    CHECK(msg_has("consumed"), "reuse message: %s", aclGetRecentErrMsg());
    /* repeatable executor: two launches then destroy */
    EXPECT_RC(aclnnAddGetWorkspaceSize(A.t, B.t, al, O.t, &ws, &ex), 0);
    EXPECT_RC(aclSetAclOpExecutorRepeatable(ex), 0);
    EXPECT_RC(aclnnAdd(NULL, 0, ex, s), 0);
    EXPECT_RC(aclnnAdd(NULL, 0, ex, s), 0);
    EXPECT_RC(aclrtSynchronizeStream(s), 0);
    EXPECT_RC(aclDestroyAclOpExecutor(ex), 0);
    /* phase-1 validation */
    EXPECT_RC(aclnnAddGetWorkspaceSize(NULL, B.t, al, O.t, &ws, &ex), ACLNN_ERR_PARAM_NULLPTR);
    CHECK(msg_has("self"), "null message names the argument: %s", aclGetRecentErrMsg());
    int64_t d4[1] = {4};
    dtensor Bad = make(ACL_FLOAT, 1, d4, NULL);
    EXPECT_RC(aclnnAddGetWorkspaceSize(A.t, Bad.t, al, O.t, &ws, &ex), ACLNN_ERR_PARAM_INVALID);
    CHECK(msg_has("broadcast"), "broadcast message: %s", aclGetRecentErrMsg());
    drop(&Bad);
    aclDestroyScalar(al);

    /* Matmul [2,3] x [3,2] (mat2 is the storage of A seen as [3,2]) with workspace checks */
    dtensor M2 = make(ACL_FLOAT, 2, d32, a);
    int64_t d22[2] = {2, 2};
    dtensor MO = make(ACL_FLOAT, 2, d22, NULL);
    EXPECT_RC(aclnnMatmulGetWorkspaceSize(A.t, M2.t, MO.t, 5, &ws, &ex), ACLNN_ERR_PARAM_INVALID);
    EXPECT_RC(aclnnMatmulGetWorkspaceSize(A.t, M2.t, MO.t, 1, &ws, &ex), 0);
    CHECK(ws > 0, "matmul must report a workspace");
    void *small;
    EXPECT_RC(aclrtMalloc(&small, 8, 0), 0);
    EXPECT_RC(aclnnMatmul(small, 8, ex, s), ACLNN_ERR_PARAM_INVALID);
    EXPECT_RC(aclnnMatmul(NULL, 0, ex, s), ACLNN_ERR_PARAM_INVALID);
    EXPECT_RC(aclrtFree(small), 0);
    EXPECT_RC(launch(0, &ws, &ex, aclnnMatmul, s), 0);
    float mo[4];
    fetch(&MO, mo);
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) {
            double want = 0;
            for (int k = 0; k < 3; k++) want += (double)a[k * 2 + i] * a[k * 2 + j];
            CHECK(fabs(mo[i * 2 + j] - want) <= 1e-5 * fabs(want), "mm[%d,%d]=%g want %g", i, j, mo[i * 2 + j], want);
        }

    /* Softmax over the last dim and ReduceSum over dim 0 (F32) */
    EXPECT_RC(launch(aclnnSoftmaxGetWorkspaceSize(A.t, -1, O.t, &ws, &ex), &ws, &ex, aclnnSoftmax, s), 0);
    fetch(&O, out);
    for (int i = 0; i < 2; i++) {
        double den = 0;
        for (int j = 0; j < 3; j++) den += exp((double)a[j * 2 + i]);
        for (int j = 0; j < 3; j++) {
            double want = exp((double)a[j * 2 + i]) / den;
            CHECK(fabs(out[i * 3 + j] - want) <= 1e-6, "softmax[%d,%d]=%g want %g", i, j, out[i * 3 + j], want);
        }
    }
    int64_t dim0 = 0;
    aclIntArray *dims = aclCreateIntArray(&dim0, 1);
    dtensor R = make(ACL_FLOAT, 1, d3, NULL);
    EXPECT_RC(aclnnReduceSumGetWorkspaceSize(A.t, dims, false, ACL_FLOAT16, R.t, &ws, &ex), ACLNN_ERR_PARAM_INVALID);
    EXPECT_RC(launch(aclnnReduceSumGetWorkspaceSize(A.t, dims, false, ACL_FLOAT, R.t, &ws, &ex), &ws, &ex, aclnnReduceSum, s), 0);
    float r[3];
    fetch(&R, r);
    for (int j = 0; j < 3; j++) CHECK(r[j] == a[j * 2] + a[j * 2 + 1], "sum[%d]=%g", j, r[j]);
    drop(&R);

    /* Permute [2,3] view -> [3,2]: recovers the storage order */
    int64_t perm[2] = {1, 0};
    aclIntArray *pa = aclCreateIntArray(perm, 2);
    dtensor P = make(ACL_FLOAT, 2, d32, NULL);
    EXPECT_RC(launch(aclnnPermuteGetWorkspaceSize(A.t, pa, P.t, &ws, &ex), &ws, &ex, aclnnPermute, s), 0);
    fetch(&P, out);
    CHECK(memcmp(out, a, sizeof a) == 0, "permute should restore storage order");
    drop(&P);
    aclDestroyIntArray(pa);

    /* ArgMax over dim 1 into INT64 */
    int64_t am[2];
    int64_t d2[1] = {2};
    dtensor AM = make(ACL_INT64, 1, d2, NULL);
    EXPECT_RC(launch(aclnnArgMaxGetWorkspaceSize(A.t, 1, false, AM.t, &ws, &ex), &ws, &ex, aclnnArgMax, s), 0);
    fetch(&AM, am);
    CHECK(am[0] == 2 && am[1] == 2, "argmax %lld %lld", (long long)am[0], (long long)am[1]);
    drop(&AM);

    /* F16 Mul and Exp, BF16 Mul: inputs encoded and outputs decoded independently */
    uint16_t hx[3], hy[3], ho[3];
    float xs[3] = {1.5f, -2.25f, 0.333f}, ys[3] = {3.0f, 0.1f, 7.0f};
    for (int i = 0; i < 3; i++) hx[i] = ref_f16(xs[i]), hy[i] = ref_f16(ys[i]);
    dtensor HX = make(ACL_FLOAT16, 1, d3, hx), HY = make(ACL_FLOAT16, 1, d3, hy), HO = make(ACL_FLOAT16, 1, d3, NULL);
    EXPECT_RC(launch(aclnnMulGetWorkspaceSize(HX.t, HY.t, HO.t, &ws, &ex), &ws, &ex, aclnnMul, s), 0);
    fetch(&HO, ho);
    for (int i = 0; i < 3; i++) {
        double want = ref_f16_val(hx[i]) * ref_f16_val(hy[i]);
        CHECK(ho[i] == ref_f16((float)want), "f16 mul[%d] bits %04x want %04x", i, ho[i], ref_f16((float)want));
    }
    EXPECT_RC(launch(aclnnExpGetWorkspaceSize(HX.t, HO.t, &ws, &ex), &ws, &ex, aclnnExp, s), 0);
    fetch(&HO, ho);
    for (int i = 0; i < 3; i++) {
        double want = exp(ref_f16_val(hx[i]));
        CHECK(fabs(ref_f16_val(ho[i]) - want) <= 1e-3 * fabs(want), "f16 exp[%d]=%g want %g", i, ref_f16_val(ho[i]), want);
    }
    EXPECT_RC(aclnnMulGetWorkspaceSize(HX.t, B.t, HO.t, &ws, &ex), ACLNN_ERR_PARAM_INVALID); /* mixed dtypes */
    CHECK(msg_has("FLOAT16"), "dtype message: %s", aclGetRecentErrMsg());
    uint16_t bx[3], by[3], bo[3];
    for (int i = 0; i < 3; i++) bx[i] = ref_bf16(xs[i]), by[i] = ref_bf16(ys[i]);
    dtensor BX = make(ACL_BF16, 1, d3, bx), BY = make(ACL_BF16, 1, d3, by), BO = make(ACL_BF16, 1, d3, NULL);
    EXPECT_RC(launch(aclnnMulGetWorkspaceSize(BX.t, BY.t, BO.t, &ws, &ex), &ws, &ex, aclnnMul, s), 0);
    fetch(&BO, bo);
    for (int i = 0; i < 3; i++) {
        double want = ref_bf16_val(bx[i]) * ref_bf16_val(by[i]);
        CHECK(bo[i] == ref_bf16((float)want), "bf16 mul[%d] bits %04x want %04x", i, bo[i], ref_bf16((float)want));
    }

    /* Cast F32 -> F16 (ties to even), F32 -> FP8 E4M3FN / E5M2 (non-saturating), F32 -> INT32 (truncation) */
    float cs[6] = {1.0f + 1.0f / 2048.0f, 448.0f, 464.0f, 500.0f, -0.0f, 1e-9f};
    int64_t d6[1] = {6};
    dtensor CS = make(ACL_FLOAT, 1, d6, cs), C16 = make(ACL_FLOAT16, 1, d6, NULL), C8 = make(ACL_FLOAT8_E4M3FN, 1, d6, NULL),
            C5 = make(ACL_FLOAT8_E5M2, 1, d6, NULL);
    uint16_t c16[6];
    uint8_t c8[6], c5[6];
    EXPECT_RC(launch(aclnnCastGetWorkspaceSize(CS.t, ACL_FLOAT16, C16.t, &ws, &ex), &ws, &ex, aclnnCast, s), 0);
    fetch(&C16, c16);
    for (int i = 0; i < 6; i++) CHECK(c16[i] == ref_f16(cs[i]), "cast f16[%d] %04x want %04x", i, c16[i], ref_f16(cs[i]));
    EXPECT_RC(launch(aclnnCastGetWorkspaceSize(CS.t, ACL_FLOAT8_E4M3FN, C8.t, &ws, &ex), &ws, &ex, aclnnCast, s), 0);
    fetch(&C8, c8);
    const uint8_t want8[6] = {0x38, 0x7E, 0x7E, 0x7F, 0x80, 0x00}; /* 1.0, 448, 464 ties to 448, 500 -> NaN */
    for (int i = 0; i < 6; i++) CHECK(c8[i] == want8[i], "cast e4m3fn[%d] %02x want %02x", i, c8[i], want8[i]);
    float big[6] = {57344.0f, 61440.0f, -70000.0f, 1.25f, 0.0f, 1.5f};
    dtensor BIG = make(ACL_FLOAT, 1, d6, big);
    EXPECT_RC(launch(aclnnCastGetWorkspaceSize(BIG.t, ACL_FLOAT8_E5M2, C5.t, &ws, &ex), &ws, &ex, aclnnCast, s), 0);
    fetch(&C5, c5);
    const uint8_t want5[6] = {0x7B, 0x7C, 0xFC, 0x3D, 0x00, 0x3E}; /* max, tie -> +Inf, -Inf, 1.25, 0, 1.5 */
    for (int i = 0; i < 6; i++) CHECK(c5[i] == want5[i], "cast e5m2[%d] %02x want %02x", i, c5[i], want5[i]);
    float nanv[6] = {1.9f, -2.7f, NAN, 0, 0, 0};
    dtensor NANS = make(ACL_FLOAT, 1, d6, nanv), CI = make(ACL_INT32, 1, d6, NULL);
    EXPECT_RC(launch(aclnnCastGetWorkspaceSize(NANS.t, ACL_INT32, CI.t, &ws, &ex), &ws, &ex, aclnnCast, s),
              ACL_ERROR_RT_AICORE_EXCEPTION);
    CHECK(msg_has("NaN"), "cast NaN message: %s", aclGetRecentErrMsg());
    EXPECT_RC(aclrtSynchronizeStream(s), 0); /* error is reported once */

    /* integer Div truncates; a zero divisor fails the stream work */
    int32_t ia[3] = {7, -7, 9}, ib[3] = {2, 2, 0}, io[3];
    dtensor IA = make(ACL_INT32, 1, d3, ia), IB = make(ACL_INT32, 1, d3, ib), IO = make(ACL_INT32, 1, d3, NULL);
    EXPECT_RC(launch(aclnnDivGetWorkspaceSize(IA.t, IB.t, IO.t, &ws, &ex), &ws, &ex, aclnnDiv, s),
              ACL_ERROR_RT_AICORE_EXCEPTION);
    CHECK(msg_has("division by zero"), "div message: %s", aclGetRecentErrMsg());
    ib[2] = -4;
    EXPECT_RC(aclrtMemcpy(IB.dev, 12, ib, 12, ACL_MEMCPY_HOST_TO_DEVICE), 0);
    EXPECT_RC(launch(aclnnDivGetWorkspaceSize(IA.t, IB.t, IO.t, &ws, &ex), &ws, &ex, aclnnDiv, s), 0);
    fetch(&IO, io);
    CHECK(io[0] == 3 && io[1] == -3 && io[2] == -2, "int div %d %d %d", io[0], io[1], io[2]);

    /* RmsNorm over the last dim */
    float g3[3] = {1.0f, 0.5f, 2.0f}, rs[2];
    dtensor G = make(ACL_FLOAT, 1, d3, g3);
    int64_t d21[2] = {2, 1};
    dtensor RS = make(ACL_FLOAT, 2, d21, NULL);
    EXPECT_RC(launch(aclnnRmsNormGetWorkspaceSize(A.t, G.t, 1e-6, O.t, RS.t, &ws, &ex), &ws, &ex, aclnnRmsNorm, s), 0);
    fetch(&O, out);
    fetch(&RS, rs);
    for (int i = 0; i < 2; i++) {
        double ms = 0;
        for (int j = 0; j < 3; j++) ms += (double)a[j * 2 + i] * a[j * 2 + i];
        double rr = 1.0 / sqrt(ms / 3 + 1e-6);
        CHECK(fabs(rs[i] - rr) <= 1e-6 * rr, "rstd[%d]=%g want %g", i, rs[i], rr);
        for (int j = 0; j < 3; j++) {
            double want = a[j * 2 + i] * rr * g3[j];
            CHECK(fabs(out[i * 3 + j] - want) <= 1e-6 * fabs(want), "rms[%d,%d]=%g want %g", i, j, out[i * 3 + j], want);
        }
    }

    /* Embedding with INT32 indices, and an out-of-range index failing at synchronize */
    int32_t idx[2] = {2, 0};
    dtensor IX = make(ACL_INT32, 1, d2, idx);
    int64_t d22b[2] = {2, 2};
    dtensor EO = make(ACL_FLOAT, 2, d22b, NULL);
    EXPECT_RC(launch(aclnnEmbeddingGetWorkspaceSize(M2.t, IX.t, EO.t, &ws, &ex), &ws, &ex, aclnnEmbedding, s), 0);
    float eo[4];
    fetch(&EO, eo);
    CHECK(eo[0] == a[4] && eo[1] == a[5] && eo[2] == a[0] && eo[3] == a[1], "embedding rows %g %g %g %g", eo[0], eo[1],
          eo[2], eo[3]);
    idx[1] = 3;
    EXPECT_RC(aclrtMemcpy(IX.dev, 8, idx, 8, ACL_MEMCPY_HOST_TO_DEVICE), 0);
    EXPECT_RC(launch(aclnnEmbeddingGetWorkspaceSize(M2.t, IX.t, EO.t, &ws, &ex), &ws, &ex, aclnnEmbedding, s),
              ACL_ERROR_RT_AICORE_EXCEPTION);

    /* fill through a strided output view (every other element) */
    int64_t half = 3, two = 2, st_store = 6;
    aclTensor *every2 = aclCreateTensor(&half, 1, ACL_FLOAT, &two, 1, 2, &st_store, 1, O.dev);
    float fv = -1.5f;
    aclScalar *fs = aclCreateScalar(&fv, ACL_FLOAT);
    float before[6];
    fetch(&O, before);
    EXPECT_RC(launch(aclnnInplaceFillScalarGetWorkspaceSize(every2, fs, &ws, &ex), &ws, &ex, aclnnInplaceFillScalar, s), 0);
    fetch(&O, out);
    for (int i = 0; i < 6; i++)
        CHECK(out[i] == (i % 2 ? -1.5f : before[i]), "strided fill[%d]=%g", i, out[i]);
    aclDestroyTensor(every2);
    aclDestroyScalar(fs);

    /* use after free in an op: launch-time check, then a free between launch and execution */
    EXPECT_RC(aclnnExpGetWorkspaceSize(A.t, O.t, &ws, &ex), 0);
    void *keep = O.dev;
    EXPECT_RC(xpu4jEmuConfigure("STREAM_DELAY_US", 100000), 0);
    EXPECT_RC(aclnnExp(NULL, 0, ex, s), 0);
    EXPECT_RC(aclrtFree(O.dev), 0);
    EXPECT_RC(aclrtSynchronizeStream(s), ACL_ERROR_RT_DEVICE_MEM_ERROR);
    CHECK(msg_has("use after free"), "op use-after-free message: %s", aclGetRecentErrMsg());
    EXPECT_RC(xpu4jEmuConfigure("STREAM_DELAY_US", 0), 0);
    EXPECT_RC(aclnnExpGetWorkspaceSize(A.t, O.t, &ws, &ex), 0);
    EXPECT_RC(aclnnExp(NULL, 0, ex, s), ACLNN_ERR_PARAM_INVALID);
    CHECK(msg_has("use after free"), "launch use-after-free message: %s", aclGetRecentErrMsg());
    EXPECT_RC(aclDestroyAclOpExecutor(ex), 0);
    (void)keep;
    aclDestroyTensor(O.t);

    aclDestroyIntArray(dims);
    dtensor *all[] = {&A, &B, &M2, &MO, &HX, &HY, &HO, &BX, &BY, &BO, &CS, &C16, &C8, &C5, &BIG, &NANS, &CI, &IA,
                      &IB, &IO, &G, &RS, &IX, &EO};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) drop(all[i]);
}

static double maxerr(const float *got, const double *want, int n) {
    double e = 0;
    for (int i = 0; i < n; i++) {
        double d = fabs(got[i] - want[i]) / (fabs(want[i]) + 1e-6);
        if (!(d <= e)) e = d; /* NaN mismatches count as infinite */
    }
    return e;
}

/* F32 tolerance: 1e-5 relative (double reference; one final rounding plus float accumulation in matmul) */
static void test_more_ops(aclrtStream s) {
    uint64_t ws;
    aclOpExecutor *ex;
    float x[6] = {0.5f, -1.0f, 2.0f, 3.5f, -0.25f, 1.0f}, y[6];
    double w[6];
    int64_t d23[2] = {2, 3}, d3[1] = {3}, d2[1] = {2}, d21[2] = {2, 1};
    dtensor X = make(ACL_FLOAT, 2, d23, x), Y = make(ACL_FLOAT, 2, d23, NULL);

    /* LayerNorm over the last dim with weight, no bias, mean output only */
    float gw[3] = {2.0f, 1.0f, -1.0f}, mean[2];
    dtensor W = make(ACL_FLOAT, 1, d3, gw), MEAN = make(ACL_FLOAT, 2, d21, NULL);
    aclIntArray *ns = aclCreateIntArray(d3, 1);
    EXPECT_RC(launch(aclnnLayerNormGetWorkspaceSize(X.t, ns, W.t, NULL, 1e-5, Y.t, MEAN.t, NULL, &ws, &ex), &ws, &ex,
                     aclnnLayerNorm, s), 0);
    fetch(&Y, y);
    fetch(&MEAN, mean);
    for (int i = 0; i < 2; i++) {
        double m = (x[i * 3] + x[i * 3 + 1] + x[i * 3 + 2]) / 3.0, v = 0;
        for (int j = 0; j < 3; j++) v += (x[i * 3 + j] - m) * (x[i * 3 + j] - m);
        v /= 3;
        for (int j = 0; j < 3; j++) w[i * 3 + j] = (x[i * 3 + j] - m) / sqrt(v + 1e-5) * gw[j];
        CHECK(fabs(mean[i] - m) <= 1e-6, "layernorm mean[%d]=%g want %g", i, mean[i], m);
    }
    CHECK(maxerr(y, w, 6) <= 1e-5, "layernorm rel err %g", maxerr(y, w, 6));
    aclDestroyIntArray(ns);

    /* BatchMatMul [2,1,3] x [2,3,1] */
    int64_t b13[3] = {2, 1, 3}, b31[3] = {2, 3, 1}, b11[3] = {2, 1, 1};
    dtensor BA = make(ACL_FLOAT, 3, b13, x), BB = make(ACL_FLOAT, 3, b31, x), BO = make(ACL_FLOAT, 3, b11, NULL);
    EXPECT_RC(launch(aclnnBatchMatMulGetWorkspaceSize(BA.t, BB.t, BO.t, 0, &ws, &ex), &ws, &ex, aclnnBatchMatMul, s), 0);
    float bo[2];
    fetch(&BO, bo);
    for (int b = 0; b < 2; b++) {
        double dot = 0;
        for (int k = 0; k < 3; k++) dot += (double)x[b * 3 + k] * x[b * 3 + k];
        CHECK(fabs(bo[b] - dot) <= 1e-5 * dot, "bmm[%d]=%g want %g", b, bo[b], dot);
    }

    /* Matmul broadcasting: 1-D [3] x [2,3,1] -> [2,1]; [2,1,3] x [3,2] -> [2,1,2] (mat2 reused per batch) */
    int64_t m21[2] = {2, 1};
    dtensor V3 = make(ACL_FLOAT, 1, d3, x), MV = make(ACL_FLOAT, 2, m21, NULL);
    EXPECT_RC(launch(aclnnMatmulGetWorkspaceSize(V3.t, BB.t, MV.t, 0, &ws, &ex), &ws, &ex, aclnnMatmul, s), 0);
    float mv[2];
    fetch(&MV, mv);
    for (int b = 0; b < 2; b++) {
        double dot = 0;
        for (int k = 0; k < 3; k++) dot += (double)x[k] * x[b * 3 + k];
        CHECK(fabs(mv[b] - dot) <= 1e-5 * fabs(dot), "vec x batch[%d]=%g want %g", b, mv[b], dot);
    }
    int64_t k32[2] = {3, 2}, o212[3] = {2, 1, 2};
    dtensor K32 = make(ACL_FLOAT, 2, k32, x), MB = make(ACL_FLOAT, 3, o212, NULL);
    EXPECT_RC(launch(aclnnMatmulGetWorkspaceSize(BA.t, K32.t, MB.t, 4, &ws, &ex), &ws, &ex, aclnnMatmul, s), 0);
    float mb[4];
    fetch(&MB, mb);
    for (int b = 0; b < 2; b++)
        for (int j = 0; j < 2; j++) {
            double dot = 0;
            for (int k = 0; k < 3; k++) dot += (double)x[b * 3 + k] * x[k * 2 + j];
            CHECK(fabs(mb[b * 2 + j] - dot) <= 1e-5 * fabs(dot) + 1e-6, "batch bcast[%d,%d]=%g want %g", b, j,
                  mb[b * 2 + j], dot);
        }
    drop(&V3);
    drop(&MV);
    drop(&K32);
    drop(&MB);

    /* Gt (BOOL out) + SWhere with a broadcast condition row, Maximum with NaN */
    float t3[3] = {0.0f, 0.0f, 1.5f};
    dtensor T = make(ACL_FLOAT, 1, d3, t3), C = make(ACL_BOOL, 2, d23, NULL);
    EXPECT_RC(launch(aclnnGtTensorGetWorkspaceSize(X.t, T.t, C.t, &ws, &ex), &ws, &ex, aclnnGtTensor, s), 0);
    uint8_t c[6];
    fetch(&C, c);
    for (int i = 0; i < 6; i++) CHECK(c[i] == (x[i] > t3[i % 3]), "gt[%d]=%d", i, c[i]);
    EXPECT_RC(launch(aclnnSWhereGetWorkspaceSize(C.t, X.t, T.t, Y.t, &ws, &ex), &ws, &ex, aclnnSWhere, s), 0);
    fetch(&Y, y);
    for (int i = 0; i < 6; i++) CHECK(y[i] == (c[i] ? x[i] : t3[i % 3]), "where[%d]=%g", i, y[i]);
    t3[1] = NAN;
    EXPECT_RC(aclrtMemcpy(T.dev, 12, t3, 12, ACL_MEMCPY_HOST_TO_DEVICE), 0);
    EXPECT_RC(launch(aclnnMaximumGetWorkspaceSize(X.t, T.t, Y.t, &ws, &ex), &ws, &ex, aclnnMaximum, s), 0);
    fetch(&Y, y);
    for (int i = 0; i < 6; i++) {
        double want = i % 3 == 1 ? NAN : fmax(x[i], t3[i % 3]);
        CHECK(i % 3 == 1 ? isnan(y[i]) : y[i] == want, "maximum[%d]=%g", i, y[i]);
    }

    /* Amax (NaN propagates), Mean with keepDim, both over dim 1 */
    int64_t dim1 = 1;
    aclIntArray *da = aclCreateIntArray(&dim1, 1);
    dtensor R2 = make(ACL_FLOAT, 1, d2, NULL), R21 = make(ACL_FLOAT, 2, d21, NULL);
    EXPECT_RC(launch(aclnnAmaxGetWorkspaceSize(Y.t, da, false, R2.t, &ws, &ex), &ws, &ex, aclnnAmax, s), 0);
    float r[2];
    fetch(&R2, r);
    CHECK(isnan(r[0]) && isnan(r[1]), "amax with NaN rows: %g %g", r[0], r[1]);
    EXPECT_RC(launch(aclnnMeanGetWorkspaceSize(X.t, da, true, ACL_FLOAT, R21.t, &ws, &ex), &ws, &ex, aclnnMean, s), 0);
    fetch(&R21, r);
    for (int i = 0; i < 2; i++) {
        double m = ((double)x[i * 3] + x[i * 3 + 1] + x[i * 3 + 2]) / 3.0;
        CHECK(fabs(r[i] - m) <= 1e-6, "mean[%d]=%g want %g", i, r[i], m);
    }
    EXPECT_RC(aclnnMeanGetWorkspaceSize(X.t, da, false, ACL_FLOAT, R21.t, &ws, &ex), ACLNN_ERR_PARAM_INVALID);
    aclDestroyIntArray(da);

    /* LogSoftmax over dim 0, GeluV2 erf form, Adds with alpha */
    EXPECT_RC(launch(aclnnLogSoftmaxGetWorkspaceSize(X.t, 0, Y.t, &ws, &ex), &ws, &ex, aclnnLogSoftmax, s), 0);
    fetch(&Y, y);
    for (int j = 0; j < 3; j++) {
        double lse = log(exp((double)x[j]) + exp((double)x[3 + j]));
        w[j] = x[j] - lse;
        w[3 + j] = x[3 + j] - lse;
    }
    CHECK(maxerr(y, w, 6) <= 1e-5, "logsoftmax rel err %g", maxerr(y, w, 6));
    EXPECT_RC(launch(aclnnGeluV2GetWorkspaceSize(X.t, 0, Y.t, &ws, &ex), &ws, &ex, aclnnGeluV2, s), 0);
    fetch(&Y, y);
    for (int i = 0; i < 6; i++) w[i] = 0.5 * x[i] * (1.0 + erf(x[i] / sqrt(2.0)));
    CHECK(maxerr(y, w, 6) <= 1e-5, "gelu(erf) rel err %g", maxerr(y, w, 6));
    EXPECT_RC(aclnnGeluV2GetWorkspaceSize(X.t, 2, Y.t, &ws, &ex), ACLNN_ERR_PARAM_INVALID);
    double other = 0.25;
    int64_t al = 3;
    aclScalar *so = aclCreateScalar(&other, ACL_DOUBLE), *sa = aclCreateScalar(&al, ACL_INT64);
    EXPECT_RC(launch(aclnnAddsGetWorkspaceSize(X.t, so, sa, Y.t, &ws, &ex), &ws, &ex, aclnnAdds, s), 0);
    fetch(&Y, y);
    for (int i = 0; i < 6; i++) w[i] = x[i] + 3 * 0.25;
    CHECK(maxerr(y, w, 6) <= 1e-7, "adds rel err %g", maxerr(y, w, 6));
    aclDestroyScalar(so);
    aclDestroyScalar(sa);

    /* InplaceCopy: INT32 row broadcast into an F32 [2,3] */
    int32_t iv[3] = {-4, 5, 7};
    dtensor I = make(ACL_INT32, 1, d3, iv);
    EXPECT_RC(launch(aclnnInplaceCopyGetWorkspaceSize(Y.t, I.t, &ws, &ex), &ws, &ex, aclnnInplaceCopy, s), 0);
    fetch(&Y, y);
    for (int i = 0; i < 6; i++) CHECK(y[i] == (float)iv[i % 3], "copy[%d]=%g", i, y[i]);

    dtensor *all[] = {&X, &Y, &W, &MEAN, &BA, &BB, &BO, &T, &C, &R2, &R21, &I};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) drop(all[i]);
}

static void test_faults(aclrtStream s) {
    void *p[3] = {0};
    EXPECT_RC(xpu4jEmuConfigure("FAIL_ALLOC", 2), 0);
    EXPECT_RC(aclrtMalloc(&p[0], 64, 0), 0);
    EXPECT_RC(aclrtMalloc(&p[1], 64, 0), ACL_ERROR_RT_MEMORY_ALLOCATION);
    CHECK(msg_has("FAIL_ALLOC"), "alloc fault message: %s", aclGetRecentErrMsg());
    EXPECT_RC(aclrtMalloc(&p[2], 64, 0), 0);
    EXPECT_RC(xpu4jEmuConfigure("FAIL_ALLOC", 0), 0);

    char host[64] = {1};
    EXPECT_RC(xpu4jEmuConfigure("XPU4J_CANN_EMU_FAIL_COPY", 1), 0);
    EXPECT_RC(aclrtMemcpy(p[0], 64, host, 64, ACL_MEMCPY_HOST_TO_DEVICE), ACL_ERROR_RT_DEVICE_MEM_ERROR);
    EXPECT_RC(aclrtMemcpy(p[0], 64, host, 64, ACL_MEMCPY_HOST_TO_DEVICE), 0);
    EXPECT_RC(xpu4jEmuConfigure("FAIL_COPY", 2), 0);
    EXPECT_RC(aclrtMemcpyAsync(p[0], 64, host, 64, ACL_MEMCPY_HOST_TO_DEVICE, s), 0);
    EXPECT_RC(aclrtMemcpyAsync(p[0], 64, host, 64, ACL_MEMCPY_HOST_TO_DEVICE, s), 0);
    EXPECT_RC(aclrtSynchronizeStream(s), ACL_ERROR_RT_DEVICE_MEM_ERROR); /* async failure is sticky until reported */
    EXPECT_RC(aclrtSynchronizeStream(s), 0);

    int64_t d4[1] = {16};
    aclTensor *t = aclCreateTensor(d4, 1, ACL_FLOAT, NULL, 0, 2, d4, 1, p[0]);
    aclTensor *u = aclCreateTensor(d4, 1, ACL_FLOAT, NULL, 0, 2, d4, 1, p[2]);
    uint64_t ws;
    aclOpExecutor *ex;
    EXPECT_RC(xpu4jEmuConfigure("FAIL_LAUNCH", 1), 0);
    EXPECT_RC(aclnnExpGetWorkspaceSize(t, u, &ws, &ex), 0);
    EXPECT_RC(aclnnExp(NULL, 0, ex, s), ACLNN_ERR_RUNTIME_ERROR);
    CHECK(msg_has("FAIL_LAUNCH"), "launch fault message: %s", aclGetRecentErrMsg());
    EXPECT_RC(aclnnExp(NULL, 0, ex, s), 0); /* a failed launch does not consume the executor */
    EXPECT_RC(aclrtSynchronizeStream(s), 0);
    EXPECT_RC(xpu4jEmuConfigure("FAIL_KERNEL", 1), 0);
    EXPECT_RC(aclnnExpGetWorkspaceSize(t, u, &ws, &ex), 0);
    EXPECT_RC(aclnnExp(NULL, 0, ex, s), 0);
    EXPECT_RC(aclrtSynchronizeStream(s), ACL_ERROR_RT_AICORE_EXCEPTION);
    EXPECT_RC(xpu4jEmuConfigure("FAIL_KERNEL", 0), 0);

    EXPECT_RC(xpu4jEmuConfigure("DEVICE_LOST_AFTER", 3), 0);
    uint32_t n;
    EXPECT_RC(aclrtGetDeviceCount(&n), 0);
    EXPECT_RC(aclrtGetDeviceCount(&n), 0);
    EXPECT_RC(aclrtGetDeviceCount(&n), ACL_ERROR_RT_INTERNAL_ERROR);
    CHECK(msg_has("device lost"), "device lost message: %s", aclGetRecentErrMsg());
    EXPECT_RC(aclrtMemcpy(p[0], 64, host, 64, ACL_MEMCPY_HOST_TO_DEVICE), ACL_ERROR_RT_INTERNAL_ERROR);
    EXPECT_RC(aclnnExpGetWorkspaceSize(t, u, &ws, &ex), 0);
    EXPECT_RC(aclnnExp(NULL, 0, ex, s), ACLNN_ERR_RUNTIME_ERROR);
    EXPECT_RC(aclDestroyAclOpExecutor(ex), 0);
    EXPECT_RC(aclrtFree(p[0]), 0); /* releases still work on a lost device */
    EXPECT_RC(xpu4jEmuConfigure("DEVICE_LOST_AFTER", 0), 0);
    EXPECT_RC(aclrtGetDeviceCount(&n), 0);
    aclDestroyTensor(t);
    aclDestroyTensor(u);
    EXPECT_RC(aclrtFree(p[2]), 0);
}

static void test_env_at_init(void) {
    EXPECT_RC(aclFinalize(), 0);
    EXPECT_RC(aclFinalize(), ACL_ERROR_REPEAT_FINALIZE);
    setenv("XPU4J_CANN_EMU_DEVICES", "2", 1);
    setenv("XPU4J_CANN_EMU_FAIL_ALLOC", "1", 1);
    setenv("XPU4J_CANN_EMU_MEMORY_BYTES", "4096", 1);
    EXPECT_RC(aclInit(NULL), 0);
    uint32_t n = 0;
    EXPECT_RC(aclrtGetDeviceCount(&n), 0);
    CHECK(n == 2, "device count from env %u", n);
    EXPECT_RC(aclrtSetDevice(1), 0); /* the device binding did not survive aclFinalize */
    void *p;
    EXPECT_RC(aclrtMalloc(&p, 64, 0), ACL_ERROR_RT_MEMORY_ALLOCATION);
    EXPECT_RC(aclrtMalloc(&p, 8192, 0), ACL_ERROR_RT_MEMORY_ALLOCATION);
    CHECK(msg_has("out of device memory"), "capacity message: %s", aclGetRecentErrMsg());
    EXPECT_RC(aclrtMalloc(&p, 64, 0), 0);
    CHECK(xpu4jEmuLiveBytes(1) == 64 && xpu4jEmuLiveBytes(0) == 0, "per-device live bytes");
    EXPECT_RC(aclrtFree(p), 0);
    unsetenv("XPU4J_CANN_EMU_DEVICES");
    unsetenv("XPU4J_CANN_EMU_FAIL_ALLOC");
    unsetenv("XPU4J_CANN_EMU_MEMORY_BYTES");
    EXPECT_RC(aclrtResetDevice(1), 0);
    EXPECT_RC(aclFinalize(), 0);
}

/* A caller that loads each library by its full path (as a JVM SymbolLookup does) must see one runtime. */
static void test_one_state_per_process(void) {
    Dl_info info;
    CHECK(dladdr((void *)&aclInit, &info) != 0 && info.dli_fname != NULL, "dladdr(aclInit) failed");
    char path[4096];
    const char *slash = strrchr(info.dli_fname, '/');
    int dirlen = slash ? (int)(slash - info.dli_fname) : 0;
    snprintf(path, sizeof path, "%.*s/libopapi.so", dirlen, info.dli_fname);
    void *op = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    CHECK(op != NULL, "dlopen %s: %s", path, dlerror());
    if (op == NULL) return;
    /* meta API reachable through the op library handle, and the same code as the linked copy */
    CHECK(dlsym(op, "aclCreateTensor") == (void *)&aclCreateTensor, "aclCreateTensor resolves to a second copy");
    CHECK(dlsym(op, "aclrtMalloc") == (void *)&aclrtMalloc, "aclrtMalloc resolves to a second copy");
    CHECK(dlsym(op, "p1_fail") == NULL && dlsym(op, "rt_fail") == NULL, "internal helpers must not be exported");
    dlclose(op);
}

/* cubeMathType on FP32 inputs: a [1,3] row times the identity returns the row as the cube unit saw
 * it. Expected values are worked out by hand: 1+2^-12 is below half an ulp of a 10-bit mantissa
 * (gone in FP16 and HF32); 1+3*2^-11 is a tie, which round-to-nearest-even takes up to 1+2^-9;
 * 1e-5 is subnormal in FP16 (steps of 2^-24) but normal in HF32. 100000 overflows FP16 and is a
 * tie in HF32 (steps of 64), rounded to even 99968. BF16 inputs ignore cubeMathType. */
static void test_cube_math(aclrtStream s) {
    uint64_t ws;
    aclOpExecutor *ex;
    float row[3] = {1.0f + 0x1p-12f, 1.0f + 0x3p-11f, 1e-5f};
    float eye[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    const double exact[3] = {1.000244140625, 1.00146484375, (double)1e-5f};
    const double hf32[3] = {1.0, 1.001953125, 9.998679161071777e-06};
    const double fp16[3] = {1.0, 1.001953125, 1.0013580322265625e-05};
    int64_t d13[2] = {1, 3}, d33[2] = {3, 3}, d11[2] = {1, 1};
    dtensor R = make(ACL_FLOAT, 2, d13, row), I = make(ACL_FLOAT, 2, d33, eye), O = make(ACL_FLOAT, 2, d13, NULL);
    for (int cube = 0; cube <= 4; cube++) {
        const double *want = cube == 1 || cube == 3 ? hf32 : cube == 2 ? fp16 : exact;
        EXPECT_RC(launch(aclnnMmGetWorkspaceSize(R.t, I.t, O.t, (int8_t)cube, &ws, &ex), &ws, &ex, aclnnMm, s), 0);
        float got[3];
        fetch(&O, got);
        for (int j = 0; j < 3; j++)
            CHECK((double)got[j] == want[j], "cubeMathType %d: element %d = %.17g, want %.17g", cube, j,
                  (double)got[j], want[j]);
    }
    float big = 100000.0f, one = 1.0f, out;
    dtensor BIG = make(ACL_FLOAT, 2, d11, &big), ONE = make(ACL_FLOAT, 2, d11, &one), BO = make(ACL_FLOAT, 2, d11, NULL);
    const double bigwant[5] = {100000.0, 99968.0, INFINITY, 99968.0, 100000.0};
    for (int cube = 0; cube <= 4; cube++) {
        EXPECT_RC(launch(aclnnMatmulGetWorkspaceSize(BIG.t, ONE.t, BO.t, (int8_t)cube, &ws, &ex), &ws, &ex, aclnnMatmul,
                         s), 0);
        fetch(&BO, &out);
        CHECK((double)out == bigwant[cube], "cubeMathType %d: 100000 x 1 = %.17g, want %.17g", cube, (double)out,
              bigwant[cube]);
    }
    /* BF16 100000 is 0x47C3 = 99840: USE_FP16 would overflow it, but BF16 inputs keep their dtype */
    uint16_t hb = 0x47C3, hone = 0x3F80, hout = 0;
    dtensor HB = make(ACL_BF16, 2, d11, &hb), HONE = make(ACL_BF16, 2, d11, &hone), HO = make(ACL_BF16, 2, d11, NULL);
    EXPECT_RC(launch(aclnnMmGetWorkspaceSize(HB.t, HONE.t, HO.t, 2, &ws, &ex), &ws, &ex, aclnnMm, s), 0);
    fetch(&HO, &hout);
    CHECK(hout == 0x47C3, "bf16 matmul with cubeMathType 2: bits %04x, want 47c3 (99840)", hout);
    dtensor all[] = {R, I, O, BIG, ONE, BO, HB, HONE, HO};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) drop(&all[i]);
}

int main(void) {
    /* hermetic: settings inherited from the caller's environment would change the expected results */
    const char *vars[] = {"DEVICES", "MEMORY_BYTES", "STREAM_DELAY_US", "QUARANTINE_BYTES", "FAIL_ALLOC",
                          "FAIL_LAUNCH", "FAIL_COPY", "FAIL_KERNEL", "DEVICE_LOST_AFTER"};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++) {
        char name[64];
        snprintf(name, sizeof name, "XPU4J_CANN_EMU_%s", vars[i]);
        unsetenv(name);
    }
    test_one_state_per_process();
    test_init_and_devices();
    test_memory();
    test_stream_race();
    aclrtStream s;
    EXPECT_RC(aclrtCreateStream(&s), 0);
    test_ops(s);
    test_more_ops(s);
    test_cube_math(s);
    test_faults(s);
    EXPECT_RC(aclrtDestroyStream(s), 0);
    EXPECT_RC(aclrtSynchronizeStream(NULL), 0);
    CHECK(xpu4jEmuLiveBytes(0) == 0, "leaked %lld device bytes", xpu4jEmuLiveBytes(0));
    test_env_at_init();
    printf("cann-emu self-test: %d checks, %d failed\n", g_checks, g_failures);
    return g_failures ? 1 : 0;
}
