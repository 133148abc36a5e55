/* Init/finalize, configuration from the environment, fault counters, per-thread
 * error state, devices and the internal table for the other two libraries. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rt_internal.h"

pthread_mutex_t g_rt_lock = PTHREAD_MUTEX_INITIALIZER;
rt_config g_cfg;

static int g_init_count;
static unsigned g_generation = 1;

/* fault settings (0 = off) and their counters; guarded by g_rt_lock */
static long long g_fault_n[4];
static long long g_fault_count[4];
static long long g_lost_after;
static long long g_call_count;
static int g_lost;

/* A context selects a device for the calling thread. Each device has one default context
 * (static, never destroyed); aclrtCreateContext adds explicit ones. Streams and memory belong
 * to the device, not to the context. */
#define CTX_MAGIC 0x43545854u
typedef struct emu_context {
    uint32_t magic;
    int device;
    struct emu_context *next;
} emu_context;
static emu_context g_default_ctx[EMU_MAX_DEVICES];
static emu_context *g_contexts; /* explicit contexts; guarded by g_rt_lock */

static __thread int t_device = -1;
static __thread unsigned t_device_gen;
static __thread emu_context *t_ctx;
static __thread int t_last_error;
static __thread int t_has_msg;
static __thread char t_msg[1024];

static const char *const k_soc = "xpu4j-cann-emu (host emulator, not Ascend hardware)";

static long long env_ll(const char *name, long long dflt) {
    const char *v = getenv(name);
    if (v == NULL || *v == '\0') return dflt;
    char *end = NULL;
    long long r = strtoll(v, &end, 10);
    if (end == v || *end != '\0' || r < 0) {
        fprintf(stderr, "xpu4j-cann-emu: ignoring %s=%s (expected a non-negative integer)\n", name, v);
        return dflt;
    }
    return r;
}

void rt_set_msg(const char *msg) {
    snprintf(t_msg, sizeof t_msg, "%s", msg);
    t_has_msg = 1;
}

int rt_fail(int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t_msg, sizeof t_msg, fmt, ap);
    va_end(ap);
    t_has_msg = 1;
    t_last_error = code;
    return code;
}

int rt_is_initialized(void) {
    pthread_mutex_lock(&g_rt_lock);
    int r = g_init_count > 0;
    pthread_mutex_unlock(&g_rt_lock);
    return r;
}

int rt_current_device(void) {
    pthread_mutex_lock(&g_rt_lock);
    int r = (t_device_gen == g_generation) ? t_device : -1;
    pthread_mutex_unlock(&g_rt_lock);
    return r;
}

int rt_enter(const char *fn) {
    pthread_mutex_lock(&g_rt_lock);
    if (g_init_count == 0) {
        pthread_mutex_unlock(&g_rt_lock);
        return rt_fail(ACL_ERROR_UNINITIALIZE, "%s: aclInit has not been called (or aclFinalize already ran)", fn);
    }
    g_call_count++;
    if (g_lost_after > 0 && g_call_count >= g_lost_after) g_lost = 1;
    int lost = g_lost;
    long long after = g_lost_after;
    pthread_mutex_unlock(&g_rt_lock);
    if (lost)
        return rt_fail(ACL_ERROR_RT_INTERNAL_ERROR,
                       "%s: device lost (fault injected by XPU4J_CANN_EMU_DEVICE_LOST_AFTER=%lld); "
                       "every device call fails until the fault is cleared or aclFinalize/aclInit",
                       fn, after);
    return ACL_SUCCESS;
}

int rt_enter_dev(const char *fn, int *dev) {
    int rc = rt_enter(fn);
    if (rc != ACL_SUCCESS) return rc;
    int d = rt_current_device();
    if (d < 0)
        return rt_fail(ACL_ERROR_RT_CONTEXT_NULL,
                       "%s: no current device on this thread; call aclrtSetDevice first", fn);
    if (dev) *dev = d;
    return ACL_SUCCESS;
}

int rt_fault_hit(int kind) {
    pthread_mutex_lock(&g_rt_lock);
    int hit = 0;
    if (g_fault_n[kind] > 0) {
        g_fault_count[kind]++;
        hit = g_fault_count[kind] == g_fault_n[kind];
    }
    pthread_mutex_unlock(&g_rt_lock);
    return hit;
}

long long rt_delay_us(void) {
    pthread_mutex_lock(&g_rt_lock);
    long long d = g_cfg.delay_us;
    pthread_mutex_unlock(&g_rt_lock);
    return d;
}

static void load_config_locked(void) {
    long long devs = env_ll("XPU4J_CANN_EMU_DEVICES", 1);
    if (devs < 1) devs = 1;
    if (devs > EMU_MAX_DEVICES) devs = EMU_MAX_DEVICES;
    g_cfg.devices = (int)devs;
    g_cfg.memory_bytes = env_ll("XPU4J_CANN_EMU_MEMORY_BYTES", 16LL << 30);
    g_cfg.delay_us = env_ll("XPU4J_CANN_EMU_STREAM_DELAY_US", 0);
    g_cfg.quarantine_bytes = env_ll("XPU4J_CANN_EMU_QUARANTINE_BYTES", 64LL << 20);
    g_fault_n[EMU_FAULT_ALLOC] = env_ll("XPU4J_CANN_EMU_FAIL_ALLOC", 0);
    g_fault_n[EMU_FAULT_LAUNCH] = env_ll("XPU4J_CANN_EMU_FAIL_LAUNCH", 0);
    g_fault_n[EMU_FAULT_COPY] = env_ll("XPU4J_CANN_EMU_FAIL_COPY", 0);
    g_fault_n[EMU_FAULT_KERNEL] = env_ll("XPU4J_CANN_EMU_FAIL_KERNEL", 0);
    g_lost_after = env_ll("XPU4J_CANN_EMU_DEVICE_LOST_AFTER", 0);
    memset(g_fault_count, 0, sizeof g_fault_count);
    g_call_count = 0;
    g_lost = 0;
}

ACL_API aclError aclInit(const char *configPath) {
    (void)configPath; /* dump/profiling JSON has no meaning here */
    pthread_mutex_lock(&g_rt_lock);
    if (g_init_count == 0) {
        load_config_locked();
        g_generation++;
    }
    g_init_count++;
    pthread_mutex_unlock(&g_rt_lock);
    return ACL_SUCCESS;
}

static void teardown(void) {
    streams_shutdown_all();
    events_shutdown_all();
    mem_reset_all();
    exec_reset_all();
    pthread_mutex_lock(&g_rt_lock);
    g_generation++;
    memset(g_default_ctx, 0, sizeof g_default_ctx);
    while (g_contexts) {
        emu_context *n = g_contexts->next;
        g_contexts->magic = 0;
        free(g_contexts);
        g_contexts = n;
    }
    pthread_mutex_unlock(&g_rt_lock);
}

ACL_API aclError aclFinalize(void) {
    pthread_mutex_lock(&g_rt_lock);
    if (g_init_count == 0) {
        pthread_mutex_unlock(&g_rt_lock);
        return rt_fail(ACL_ERROR_REPEAT_FINALIZE, "aclFinalize: not initialized (aclInit not called or already finalized)");
    }
    g_init_count = 0;
    pthread_mutex_unlock(&g_rt_lock);
    teardown();
    return ACL_SUCCESS;
}

ACL_API aclError aclFinalizeReference(uint64_t *refCount) {
    pthread_mutex_lock(&g_rt_lock);
    if (g_init_count == 0) {
        pthread_mutex_unlock(&g_rt_lock);
        if (refCount) *refCount = 0;
        return rt_fail(ACL_ERROR_REPEAT_FINALIZE, "aclFinalizeReference: not initialized");
    }
    int left = --g_init_count;
    pthread_mutex_unlock(&g_rt_lock);
    if (refCount) *refCount = (uint64_t)left;
    if (left == 0) teardown();
    return ACL_SUCCESS;
}

/* Bytes per element; 0 for types without a whole-byte element (STRING, sub-byte packed types,
 * the 6-bit floats whose packing is not confirmed) and for values that name no type. */
ACL_API size_t aclDataTypeSize(aclDataType dataType) {
    switch (dataType) {
    case ACL_INT8: case ACL_UINT8: case ACL_BOOL: case ACL_HIFLOAT8: case ACL_FLOAT8_E5M2: case ACL_FLOAT8_E4M3FN:
    case ACL_FLOAT8_E8M0:
        return 1;
    case ACL_FLOAT16: case ACL_BF16: case ACL_INT16: case ACL_UINT16: return 2;
    case ACL_FLOAT: case ACL_INT32: case ACL_UINT32: case ACL_COMPLEX32: return 4;
    case ACL_INT64: case ACL_UINT64: case ACL_DOUBLE: case ACL_COMPLEX64: return 8;
    case ACL_COMPLEX128: return 16;
    default: return 0;
    }
}

ACL_API aclError aclrtGetVersion(int32_t *major, int32_t *minor, int32_t *patch) {
    if (!major || !minor || !patch) return rt_fail(ACL_ERROR_INVALID_PARAM, "aclrtGetVersion: null output pointer");
    *major = 1;
    *minor = 15;
    *patch = 0;
    return ACL_SUCCESS;
}

ACL_API aclError aclsysGetCANNVersion(aclCANNPackageName name, aclCANNPackageVersion *version) {
    if (version == NULL) return rt_fail(ACL_ERROR_INVALID_PARAM, "aclsysGetCANNVersion: version is null");
    if (name < 0 || name > 7)
        return rt_fail(ACL_ERROR_INVALID_PARAM, "aclsysGetCANNVersion: package name %d is not in 0..7", name);
    memset(version, 0, sizeof *version);
    snprintf(version->version, sizeof version->version, "8.0.0-xpu4j-cann-emu");
    snprintf(version->majorVersion, sizeof version->majorVersion, "8");
    snprintf(version->minorVersion, sizeof version->minorVersion, "0");
    snprintf(version->releaseVersion, sizeof version->releaseVersion, "0");
    snprintf(version->patchVersion, sizeof version->patchVersion, "0");
    return ACL_SUCCESS;
}

ACL_API const char *aclGetRecentErrMsg(void) { return t_has_msg ? t_msg : NULL; }

ACL_API const char *aclrtGetSocName(void) { return k_soc; }

ACL_API aclError aclrtPeekAtLastError(aclrtLastErrLevel level) {
    (void)level;
    return t_last_error;
}

ACL_API aclError aclrtGetLastError(aclrtLastErrLevel level) {
    (void)level;
    int e = t_last_error;
    t_last_error = 0;
    return e;
}

static int check_device_id(const char *fn, long long id) {
    if (id < 0 || id >= g_cfg.devices)
        return rt_fail(ACL_ERROR_RT_INVALID_DEVICEID, "%s: device id %lld is out of range; %d device(s) visible (0..%d)",
                       fn, id, g_cfg.devices, g_cfg.devices - 1);
    return ACL_SUCCESS;
}

ACL_API aclError aclrtSetDevice(int32_t deviceId) {
    int rc = rt_enter("aclrtSetDevice");
    if (rc) return rc;
    if ((rc = check_device_id("aclrtSetDevice", deviceId))) return rc;
    pthread_mutex_lock(&g_rt_lock);
    t_device = deviceId;
    t_device_gen = g_generation;
    g_default_ctx[deviceId].magic = CTX_MAGIC;
    g_default_ctx[deviceId].device = deviceId;
    t_ctx = &g_default_ctx[deviceId];
    pthread_mutex_unlock(&g_rt_lock);
    return ACL_SUCCESS;
}

ACL_API aclError aclrtResetDevice(int32_t deviceId) {
    pthread_mutex_lock(&g_rt_lock);
    int inited = g_init_count > 0;
    pthread_mutex_unlock(&g_rt_lock);
    if (!inited) return rt_fail(ACL_ERROR_UNINITIALIZE, "aclrtResetDevice: aclInit has not been called");
    int rc = check_device_id("aclrtResetDevice", deviceId);
    if (rc) return rc;
    /* waits for and releases the device's default stream; explicit streams stay valid */
    streams_shutdown_device(deviceId);
    pthread_mutex_lock(&g_rt_lock);
    g_default_ctx[deviceId].magic = 0; /* its default context is gone until the next aclrtSetDevice */
    if (t_device == deviceId) {
        t_device = -1;
        t_ctx = NULL;
    }
    pthread_mutex_unlock(&g_rt_lock);
    return ACL_SUCCESS;
}

/* SetDevice is not reference counted here, so the forced reset is the same as the plain one. */
ACL_API aclError aclrtResetDeviceForce(int32_t deviceId) { return aclrtResetDevice(deviceId); }

/* Caller holds g_rt_lock. */
static int context_live_locked(const emu_context *c) {
    if (c >= g_default_ctx && c < g_default_ctx + g_cfg.devices) return c->magic == CTX_MAGIC;
    for (emu_context *it = g_contexts; it; it = it->next)
        if (it == c) return 1;
    return 0;
}

ACL_API aclError aclrtCreateContext(aclrtContext *context, int32_t deviceId) {
    const char *fn = "aclrtCreateContext";
    int rc = rt_enter(fn);
    if (rc) return rc;
    if (context == NULL) return rt_fail(ACL_ERROR_RT_PARAM_INVALID, "%s: context is null", fn);
    if ((rc = check_device_id(fn, deviceId))) return rc;
    emu_context *c = calloc(1, sizeof *c);
    if (c == NULL) return rt_fail(ACL_ERROR_BAD_ALLOC, "%s: out of host memory", fn);
    c->magic = CTX_MAGIC;
    c->device = deviceId;
    pthread_mutex_lock(&g_rt_lock);
    c->next = g_contexts;
    g_contexts = c;
    /* the new context becomes the calling thread's current one */
    t_ctx = c;
    t_device = deviceId;
    t_device_gen = g_generation;
    pthread_mutex_unlock(&g_rt_lock);
    *context = c;
    return ACL_SUCCESS;
}

ACL_API aclError aclrtDestroyContext(aclrtContext context) {
    const char *fn = "aclrtDestroyContext";
    if (!rt_is_initialized()) return rt_fail(ACL_ERROR_UNINITIALIZE, "%s: aclInit has not been called", fn);
    if (context == NULL) return rt_fail(ACL_ERROR_RT_PARAM_INVALID, "%s: context is null", fn);
    emu_context *c = context;
    pthread_mutex_lock(&g_rt_lock);
    if (c >= g_default_ctx && c < g_default_ctx + EMU_MAX_DEVICES) {
        pthread_mutex_unlock(&g_rt_lock);
        return rt_fail(ACL_ERROR_RT_PARAM_INVALID,
                       "%s: %p is the default context of device %d, which only aclrtResetDevice releases", fn, context,
                       (int)(c - g_default_ctx));
    }
    int found = 0;
    for (emu_context **pp = &g_contexts; *pp; pp = &(*pp)->next)
        if (*pp == c) {
            *pp = c->next;
            found = 1;
            break;
        }
    if (found && t_ctx == c) { /* other threads that made it current find it gone at their next use */
        t_ctx = NULL;
        t_device = -1;
    }
    pthread_mutex_unlock(&g_rt_lock);
    if (!found)
        return rt_fail(ACL_ERROR_RT_INVALID_HANDLE, "%s: context %p is not a live context (destroyed or never created)",
                       fn, context);
    c->magic = 0;
    free(c);
    return ACL_SUCCESS;
}

ACL_API aclError aclrtSetCurrentContext(aclrtContext context) {
    const char *fn = "aclrtSetCurrentContext";
    int rc = rt_enter(fn);
    if (rc) return rc;
    if (context == NULL) return rt_fail(ACL_ERROR_RT_PARAM_INVALID, "%s: context is null", fn);
    emu_context *c = context;
    pthread_mutex_lock(&g_rt_lock);
    int live = context_live_locked(c);
    if (live) {
        t_ctx = c;
        t_device = c->device;
        t_device_gen = g_generation;
    }
    pthread_mutex_unlock(&g_rt_lock);
    if (!live)
        return rt_fail(ACL_ERROR_RT_INVALID_HANDLE,
                       "%s: context %p is not a live context (destroyed, its device reset, or never created)", fn, context);
    return ACL_SUCCESS;
}

ACL_API aclError aclrtGetCurrentContext(aclrtContext *context) {
    const char *fn = "aclrtGetCurrentContext";
    int rc = rt_enter(fn);
    if (rc) return rc;
    if (context == NULL) return rt_fail(ACL_ERROR_RT_PARAM_INVALID, "%s: context is null", fn);
    pthread_mutex_lock(&g_rt_lock);
    emu_context *c = (t_device_gen == g_generation && t_device >= 0) ? t_ctx : NULL;
    if (c != NULL && !context_live_locked(c)) c = NULL;
    pthread_mutex_unlock(&g_rt_lock);
    if (c == NULL)
        return rt_fail(ACL_ERROR_RT_CONTEXT_NULL,
                       "%s: this thread has no current context; call aclrtSetDevice or aclrtCreateContext first", fn);
    *context = c;
    return ACL_SUCCESS;
}

ACL_API aclError aclrtGetDevice(int32_t *deviceId) {
    int dev = -1;
    int rc = rt_enter_dev("aclrtGetDevice", &dev);
    if (rc) return rc;
    if (deviceId == NULL) return rt_fail(ACL_ERROR_RT_PARAM_INVALID, "aclrtGetDevice: deviceId is null");
    *deviceId = dev;
    return ACL_SUCCESS;
}

ACL_API aclError aclrtGetDeviceCount(uint32_t *count) {
    int rc = rt_enter("aclrtGetDeviceCount");
    if (rc) return rc;
    if (count == NULL) return rt_fail(ACL_ERROR_RT_PARAM_INVALID, "aclrtGetDeviceCount: count is null");
    *count = (uint32_t)g_cfg.devices;
    return ACL_SUCCESS;
}

ACL_API aclError aclrtGetRunMode(aclrtRunMode *mode) {
    int rc = rt_enter("aclrtGetRunMode");
    if (rc) return rc;
    if (mode == NULL) return rt_fail(ACL_ERROR_RT_PARAM_INVALID, "aclrtGetRunMode: mode is null");
    *mode = ACL_HOST;
    return ACL_SUCCESS;
}

ACL_API aclError aclrtGetDeviceInfo(uint32_t deviceId, aclrtDevAttr attr, int64_t *value) {
    int rc = rt_enter("aclrtGetDeviceInfo");
    if (rc) return rc;
    if ((rc = check_device_id("aclrtGetDeviceInfo", deviceId))) return rc;
    if (value == NULL) return rt_fail(ACL_ERROR_RT_PARAM_INVALID, "aclrtGetDeviceInfo: value is null");
    switch (attr) {
    case 1: *value = 6; break;            /* AICPU cores */
    case 101: case 102: *value = 24; break;
    case 201: *value = 48; break;
    case 202: *value = 32; break;
    case 203: *value = 1024; break;
    case 204: *value = 192 * 1024; break;
    case 301: *value = g_cfg.memory_bytes; break;
    case 302: *value = 192LL << 20; break;
    case 402: *value = deviceId; break;
    case 401: case 403: case 404: case 405: case 406: case 407: case 501: *value = 0; break;
    default:
        return rt_fail(ACL_ERROR_RT_PARAM_INVALID, "aclrtGetDeviceInfo: unknown attribute %d", attr);
    }
    return ACL_SUCCESS;
}

ACL_API aclError aclGetDeviceCapability(uint32_t deviceId, aclDeviceInfo info, int64_t *value) {
    int rc = rt_enter("aclGetDeviceCapability");
    if (rc) return rc;
    if ((rc = check_device_id("aclGetDeviceCapability", deviceId))) return rc;
    if (value == NULL) return rt_fail(ACL_ERROR_INVALID_PARAM, "aclGetDeviceCapability: value is null");
    switch (info) {
    case 0: *value = 24; break;
    case 1: *value = 48; break;
    case 2: *value = 192LL << 20; break;
    default: return rt_fail(ACL_ERROR_INVALID_PARAM, "aclGetDeviceCapability: unknown info %d (0..2 allowed)", info);
    }
    return ACL_SUCCESS;
}

static int key_is(const char *key, const char *name) {
    if (strncasecmp(key, "XPU4J_CANN_EMU_", 15) == 0) key += 15;
    return strcasecmp(key, name) == 0;
}

ACL_API int xpu4jEmuConfigure(const char *key, long long value) {
    if (key == NULL || value < 0)
        return rt_fail(ACL_ERROR_INVALID_PARAM, "xpu4jEmuConfigure: key must be non-null and value >= 0");
    int rc = ACL_SUCCESS;
    pthread_mutex_lock(&g_rt_lock);
    int fault = -1;
    if (key_is(key, "FAIL_ALLOC")) fault = EMU_FAULT_ALLOC;
    else if (key_is(key, "FAIL_LAUNCH")) fault = EMU_FAULT_LAUNCH;
    else if (key_is(key, "FAIL_COPY")) fault = EMU_FAULT_COPY;
    else if (key_is(key, "FAIL_KERNEL")) fault = EMU_FAULT_KERNEL;
    if (fault >= 0) {
        g_fault_n[fault] = value;
        g_fault_count[fault] = 0;
    } else if (key_is(key, "DEVICE_LOST_AFTER")) {
        g_lost_after = value;
        g_call_count = 0;
        g_lost = 0;
    } else if (key_is(key, "STREAM_DELAY_US")) {
        g_cfg.delay_us = value;
    } else if (key_is(key, "MEMORY_BYTES")) {
        g_cfg.memory_bytes = value;
    } else if (key_is(key, "QUARANTINE_BYTES")) {
        g_cfg.quarantine_bytes = value;
    } else {
        rc = ACL_ERROR_INVALID_PARAM;
    }
    pthread_mutex_unlock(&g_rt_lock);
    if (rc)
        return rt_fail(rc, "xpu4jEmuConfigure: unknown key '%s' (FAIL_ALLOC, FAIL_LAUNCH, FAIL_COPY, FAIL_KERNEL, "
                           "DEVICE_LOST_AFTER, STREAM_DELAY_US, MEMORY_BYTES, QUARANTINE_BYTES)", key);
    return ACL_SUCCESS;
}

/* ---- executor registry: lets phase 2 tell a consumed executor from a live one ---- */

#define EXEC_RETIRED_RING 4096
static void **g_exec_live;
static size_t g_exec_n, g_exec_cap;
static const void *g_exec_retired[EXEC_RETIRED_RING];
static size_t g_exec_retired_next;
static pthread_mutex_t g_exec_lock = PTHREAD_MUTEX_INITIALIZER;

void exec_register(void *ex) {
    pthread_mutex_lock(&g_exec_lock);
    if (g_exec_n == g_exec_cap) {
        size_t cap = g_exec_cap ? g_exec_cap * 2 : 64;
        void **p = realloc(g_exec_live, cap * sizeof *p);
        if (p == NULL) abort();
        g_exec_live = p;
        g_exec_cap = cap;
    }
    g_exec_live[g_exec_n++] = ex;
    for (size_t i = 0; i < EXEC_RETIRED_RING; i++)
        if (g_exec_retired[i] == ex) g_exec_retired[i] = NULL;
    pthread_mutex_unlock(&g_exec_lock);
}

int exec_state(const void *ex) {
    int st = EMU_EXEC_UNKNOWN;
    pthread_mutex_lock(&g_exec_lock);
    for (size_t i = g_exec_n; i-- > 0;)
        if (g_exec_live[i] == ex) { st = EMU_EXEC_LIVE; break; }
    if (st == EMU_EXEC_UNKNOWN)
        for (size_t i = 0; i < EXEC_RETIRED_RING; i++)
            if (g_exec_retired[i] == ex) { st = EMU_EXEC_RETIRED; break; }
    pthread_mutex_unlock(&g_exec_lock);
    return st;
}

void exec_retire(void *ex) {
    pthread_mutex_lock(&g_exec_lock);
    for (size_t i = g_exec_n; i-- > 0;)
        if (g_exec_live[i] == ex) {
            g_exec_live[i] = g_exec_live[--g_exec_n];
            break;
        }
    g_exec_retired[g_exec_retired_next] = ex;
    g_exec_retired_next = (g_exec_retired_next + 1) % EXEC_RETIRED_RING;
    pthread_mutex_unlock(&g_exec_lock);
    free(ex);
}

void exec_reset_all(void) {
    pthread_mutex_lock(&g_exec_lock);
    for (size_t i = 0; i < g_exec_n; i++) free(g_exec_live[i]);
    free(g_exec_live);
    g_exec_live = NULL;
    g_exec_n = g_exec_cap = 0;
    memset(g_exec_retired, 0, sizeof g_exec_retired);
    pthread_mutex_unlock(&g_exec_lock);
}

static const emu_internal_api k_api = {
    .version = 1,
    .set_msg = rt_set_msg,
    .enter = rt_enter,
    .resolve_stream = stream_resolve,
    .enqueue = stream_enqueue,
    .mem_rdlock = mem_rdlock,
    .mem_unlock = mem_unlock,
    .mem_check = mem_check,
    .fault_hit = rt_fault_hit,
    .exec_register = exec_register,
    .exec_state = exec_state,
    .exec_retire = exec_retire,
};

ACL_API const emu_internal_api *xpu4jEmuInternalApi(void) { return &k_api; }
