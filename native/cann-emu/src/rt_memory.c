/* Device and pinned-host allocations, their registry (for provenance, double-free
 * and use-after-free checks) and the synchronous copy/memset entry points. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt_internal.h"

#define LOC_HOST 0
#define LOC_DEVICE 1
#define ST_LIVE 1
#define ST_FREED 2
#define HOST_PINNED (-1)
#define POISON_LIMIT (64u << 20)

typedef struct {
    uintptr_t base;
    size_t size;      /* requested bytes */
    size_t accounted; /* bytes charged against the device budget */
    int device;       /* HOST_PINNED for aclrtMallocHost */
    int state;
} emu_alloc;

/* sorted by base; freed blocks stay (quarantined, poisoned, not returned to libc)
 * so a stale pointer is recognised instead of aliasing a new allocation */
static emu_alloc *g_allocs;
static size_t g_n, g_cap;
static uintptr_t *g_quarantine; /* FIFO of freed bases */
static size_t g_q_n, g_q_cap;
static long long g_q_bytes;
static long long g_used[EMU_MAX_DEVICES];
static long long g_live_req[EMU_MAX_DEVICES];
static long long g_host_live;
static pthread_rwlock_t g_mem = PTHREAD_RWLOCK_INITIALIZER;

void mem_rdlock(void) { pthread_rwlock_rdlock(&g_mem); }
void mem_unlock(void) { pthread_rwlock_unlock(&g_mem); }

/* index of the block containing p, or -1 */
static long find_block(uintptr_t p) {
    size_t lo = 0, hi = g_n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (g_allocs[mid].base <= p) lo = mid + 1;
        else hi = mid;
    }
    if (lo == 0) return -1;
    emu_alloc *a = &g_allocs[lo - 1];
    size_t span = a->size ? a->size : 1;
    return (p - a->base < span) ? (long)(lo - 1) : -1;
}

static long find_exact(uintptr_t p) {
    long i = find_block(p);
    return (i >= 0 && g_allocs[i].base == p) ? i : -1;
}

static void insert_block(const emu_alloc *a) {
    if (g_n == g_cap) {
        size_t cap = g_cap ? g_cap * 2 : 256;
        emu_alloc *p = realloc(g_allocs, cap * sizeof *p);
        if (p == NULL) abort();
        g_allocs = p;
        g_cap = cap;
    }
    size_t i = g_n;
    while (i > 0 && g_allocs[i - 1].base > a->base) i--;
    memmove(&g_allocs[i + 1], &g_allocs[i], (g_n - i) * sizeof *g_allocs);
    g_allocs[i] = *a;
    g_n++;
}

static void remove_block(long i) {
    memmove(&g_allocs[i], &g_allocs[i + 1], (g_n - (size_t)i - 1) * sizeof *g_allocs);
    g_n--;
}

/* Caller holds the lock. */
int mem_check(const void *p, uint64_t bytes, char *why, size_t cap) {
    uintptr_t u = (uintptr_t)p;
    long i = find_block(u);
    if (i < 0 || g_allocs[i].device == HOST_PINNED) {
        snprintf(why, cap, "%p is not device memory from aclrtMalloc", p);
        return EMU_MEM_NOT_DEVICE;
    }
    emu_alloc *a = &g_allocs[i];
    if (a->state == ST_FREED) {
        snprintf(why, cap, "%p lies in device memory already released by aclrtFree (use after free)", p);
        return EMU_MEM_FREED;
    }
    if (bytes > a->size - (u - a->base)) {
        snprintf(why, cap, "%llu bytes at %p overrun the %zu-byte allocation starting at %p",
                 (unsigned long long)bytes, p, a->size, (void *)a->base);
        return EMU_MEM_OVERRUN;
    }
    return EMU_MEM_DEVICE;
}

static size_t round_up(size_t v, size_t m) { return (v + m - 1) / m * m; }

static aclError device_alloc(const char *fn, void **devPtr, size_t size, int pad) {
    int dev = -1;
    int rc = rt_enter_dev(fn, &dev);
    if (rc) return rc;
    if (devPtr == NULL) return rt_fail(ACL_ERROR_INVALID_PARAM, "%s: devPtr is null", fn);
    if (size == 0) return rt_fail(ACL_ERROR_INVALID_PARAM, "%s: size must be > 0", fn);
    if (size > ((size_t)1 << 50)) return rt_fail(ACL_ERROR_RT_MEMORY_ALLOCATION, "%s: size %zu is absurd", fn, size);
    size_t accounted = round_up(size, 32) + (pad ? 32 : 0);
    if (rt_fault_hit(EMU_FAULT_ALLOC))
        return rt_fail(ACL_ERROR_RT_MEMORY_ALLOCATION,
                       "%s: allocation of %zu bytes failed (fault injected by XPU4J_CANN_EMU_FAIL_ALLOC)", fn, size);
    pthread_rwlock_wrlock(&g_mem);
    long long cap = g_cfg.memory_bytes;
    if (g_used[dev] + (long long)accounted > cap) {
        long long used = g_used[dev];
        pthread_rwlock_unlock(&g_mem);
        return rt_fail(ACL_ERROR_RT_MEMORY_ALLOCATION,
                       "%s: out of device memory on device %d: requested %zu bytes (%zu accounted), %lld of %lld bytes in use",
                       fn, dev, size, accounted, used, cap);
    }
    void *p = NULL;
    if (posix_memalign(&p, 64, round_up(size, 64)) != 0 || p == NULL) {
        pthread_rwlock_unlock(&g_mem);
        return rt_fail(ACL_ERROR_RT_MEMORY_ALLOCATION, "%s: host memory backing %zu bytes could not be allocated", fn, size);
    }
    /* device memory is uninitialised; a recognisable pattern makes reads of it visible */
    memset(p, 0xCD, size < POISON_LIMIT ? size : POISON_LIMIT);
    emu_alloc a = {(uintptr_t)p, size, accounted, dev, ST_LIVE};
    insert_block(&a);
    g_used[dev] += (long long)accounted;
    g_live_req[dev] += (long long)size;
    pthread_rwlock_unlock(&g_mem);
    *devPtr = p;
    return ACL_SUCCESS;
}

ACL_API aclError aclrtMalloc(void **devPtr, size_t size, aclrtMemMallocPolicy policy) {
    (void)policy; /* page size policy has no observable effect on host memory */
    return device_alloc("aclrtMalloc", devPtr, size, 1);
}

ACL_API aclError aclrtMallocAlign32(void **devPtr, size_t size, aclrtMemMallocPolicy policy) {
    (void)policy;
    return device_alloc("aclrtMallocAlign32", devPtr, size, 0);
}

ACL_API aclError aclrtMallocCached(void **devPtr, size_t size, aclrtMemMallocPolicy policy) {
    (void)policy;
    return device_alloc("aclrtMallocCached", devPtr, size, 1);
}

/* Caller holds the write lock. Releases quarantined blocks beyond the budget. */
static void trim_quarantine(void) {
    size_t drop = 0;
    while (drop < g_q_n && g_q_bytes > g_cfg.quarantine_bytes) {
        long i = find_exact(g_quarantine[drop]);
        if (i >= 0) {
            g_q_bytes -= (long long)g_allocs[i].size;
            free((void *)g_allocs[i].base);
            remove_block(i);
        }
        drop++;
    }
    memmove(g_quarantine, g_quarantine + drop, (g_q_n - drop) * sizeof *g_quarantine);
    g_q_n -= drop;
}

static aclError release(const char *fn, void *ptr, int want_host) {
    if (!rt_is_initialized())
        return rt_fail(ACL_ERROR_UNINITIALIZE, "%s: aclInit has not been called (or aclFinalize already released all memory)", fn);
    if (ptr == NULL) return rt_fail(ACL_ERROR_INVALID_PARAM, "%s: pointer is null", fn);
    pthread_rwlock_wrlock(&g_mem);
    long i = find_block((uintptr_t)ptr);
    const char *what = want_host ? "aclrtMallocHost" : "aclrtMalloc";
    if (i < 0) {
        pthread_rwlock_unlock(&g_mem);
        return rt_fail(ACL_ERROR_RT_PARAM_INVALID, "%s: %p was not allocated by %s (foreign pointer)", fn, ptr, what);
    }
    emu_alloc *a = &g_allocs[i];
    if (a->state == ST_FREED) {
        pthread_rwlock_unlock(&g_mem);
        return rt_fail(ACL_ERROR_RT_PARAM_INVALID, "%s: %p was already freed (double free)", fn, ptr);
    }
    if (a->base != (uintptr_t)ptr) {
        pthread_rwlock_unlock(&g_mem);
        return rt_fail(ACL_ERROR_RT_PARAM_INVALID, "%s: %p points inside the allocation at %p, not to its start", fn, ptr,
                       (void *)a->base);
    }
    if ((a->device == HOST_PINNED) != (want_host != 0)) {
        pthread_rwlock_unlock(&g_mem);
        return rt_fail(ACL_ERROR_RT_PARAM_INVALID, "%s: %p was allocated by %s; free it with %s", fn, ptr,
                       want_host ? "aclrtMalloc" : "aclrtMallocHost", want_host ? "aclrtFree" : "aclrtFreeHost");
    }
    if (a->device == HOST_PINNED) {
        g_host_live -= (long long)a->size;
        free((void *)a->base);
        remove_block(i);
    } else {
        g_used[a->device] -= (long long)a->accounted;
        g_live_req[a->device] -= (long long)a->size;
        a->state = ST_FREED;
        memset((void *)a->base, 0xDD, a->size < POISON_LIMIT ? a->size : POISON_LIMIT);
        if (g_q_n == g_q_cap) {
            size_t cap = g_q_cap ? g_q_cap * 2 : 256;
            uintptr_t *q = realloc(g_quarantine, cap * sizeof *q);
            if (q == NULL) abort();
            g_quarantine = q;
            g_q_cap = cap;
        }
        g_quarantine[g_q_n++] = a->base;
        g_q_bytes += (long long)a->size;
        trim_quarantine();
    }
    pthread_rwlock_unlock(&g_mem);
    return ACL_SUCCESS;
}

ACL_API aclError aclrtFree(void *devPtr) { return release("aclrtFree", devPtr, 0); }

/* Waits for the current device's streams before freeing; the memory is released even when that
 * wait reports an earlier stream failure (which is then returned). */
ACL_API aclError aclrtFreeWithDevSync(void *devPtr) {
    int sync_rc = rt_current_device() >= 0 ? aclrtSynchronizeDevice() : ACL_SUCCESS;
    int rc = release("aclrtFreeWithDevSync", devPtr, 0);
    return rc ? rc : sync_rc;
}

ACL_API aclError aclrtFreeHost(void *hostPtr) { return release("aclrtFreeHost", hostPtr, 1); }

ACL_API aclError aclrtMallocHost(void **hostPtr, size_t size) {
    int rc = rt_enter("aclrtMallocHost");
    if (rc) return rc;
    if (hostPtr == NULL) return rt_fail(ACL_ERROR_INVALID_PARAM, "aclrtMallocHost: hostPtr is null");
    if (size == 0) return rt_fail(ACL_ERROR_INVALID_PARAM, "aclrtMallocHost: size must be > 0");
    void *p = NULL;
    if (posix_memalign(&p, 64, round_up(size, 64)) != 0 || p == NULL)
        return rt_fail(ACL_ERROR_RT_MEMORY_ALLOCATION, "aclrtMallocHost: %zu bytes could not be allocated", size);
    pthread_rwlock_wrlock(&g_mem);
    emu_alloc a = {(uintptr_t)p, size, size, HOST_PINNED, ST_LIVE};
    insert_block(&a);
    g_host_live += (long long)size;
    pthread_rwlock_unlock(&g_mem);
    *hostPtr = p;
    return ACL_SUCCESS;
}

ACL_API long long xpu4jEmuLiveBytes(int device) {
    if (device < -1 || device >= EMU_MAX_DEVICES) return -1;
    pthread_rwlock_rdlock(&g_mem);
    long long v = device == -1 ? g_host_live : g_live_req[device];
    pthread_rwlock_unlock(&g_mem);
    return v;
}

ACL_API aclError aclrtGetMemInfo(aclrtMemAttr attr, size_t *free_bytes, size_t *total) {
    int dev = -1;
    int rc = rt_enter_dev("aclrtGetMemInfo", &dev);
    if (rc) return rc;
    if (free_bytes == NULL || total == NULL) return rt_fail(ACL_ERROR_RT_PARAM_INVALID, "aclrtGetMemInfo: null output pointer");
    if (attr < 0 || attr > 17) return rt_fail(ACL_ERROR_RT_PARAM_INVALID, "aclrtGetMemInfo: attribute %d is not in 0..17", attr);
    pthread_rwlock_rdlock(&g_mem);
    long long cap = g_cfg.memory_bytes, used = g_used[dev];
    pthread_rwlock_unlock(&g_mem);
    *total = (size_t)cap;
    *free_bytes = used >= cap ? 0 : (size_t)(cap - used);
    return ACL_SUCCESS;
}

void mem_reset_all(void) {
    pthread_rwlock_wrlock(&g_mem);
    for (size_t i = 0; i < g_n; i++) free((void *)g_allocs[i].base);
    free(g_allocs);
    free(g_quarantine);
    g_allocs = NULL;
    g_quarantine = NULL;
    g_n = g_cap = g_q_n = g_q_cap = 0;
    g_q_bytes = 0;
    memset(g_used, 0, sizeof g_used);
    memset(g_live_req, 0, sizeof g_live_req);
    g_host_live = 0;
    pthread_rwlock_unlock(&g_mem);
}

/* ---- copies ---- */

static const char *kind_name(int kind) {
    static const char *const names[] = {"HOST_TO_HOST", "HOST_TO_DEVICE", "DEVICE_TO_HOST", "DEVICE_TO_DEVICE",
                                        "DEFAULT", "HOST_TO_BUF_TO_DEVICE", "INNER_DEVICE_TO_DEVICE",
                                        "INTER_DEVICE_TO_DEVICE"};
    return (kind >= 0 && kind <= 7) ? names[kind] : "?";
}

/* Caller holds the lock. Locates [p, p+n): host or live device; rejects freed/overrunning ranges. */
static int locate(const char *fn, const char *role, const void *p, size_t n, int *loc) {
    long i = find_block((uintptr_t)p);
    if (i < 0) {
        *loc = LOC_HOST;
        return ACL_SUCCESS;
    }
    emu_alloc *a = &g_allocs[i];
    if (a->state == ST_FREED)
        return rt_fail(ACL_ERROR_RT_PARAM_INVALID, "%s: %s %p lies in device memory already released by aclrtFree (use after free)",
                       fn, role, p);
    if (n > a->size - ((uintptr_t)p - a->base))
        return rt_fail(ACL_ERROR_RT_PARAM_INVALID, "%s: %s range of %zu bytes at %p overruns its %zu-byte allocation at %p",
                       fn, role, n, p, a->size, (void *)a->base);
    *loc = a->device == HOST_PINNED ? LOC_HOST : LOC_DEVICE;
    return ACL_SUCCESS;
}

static const char *loc_name(int loc) { return loc == LOC_DEVICE ? "device" : "host"; }

/* Caller holds the lock. */
static int check_copy(const char *fn, void *dst, size_t destMax, const void *src, size_t count, int kind,
                      int *dst_loc, int *src_loc) {
    if (dst == NULL || src == NULL) return rt_fail(ACL_ERROR_RT_PARAM_INVALID, "%s: %s is null", fn, dst ? "src" : "dst");
    if (destMax < count)
        return rt_fail(ACL_ERROR_RT_PARAM_INVALID, "%s: count %zu exceeds destMax %zu", fn, count, destMax);
    if (kind < 0 || kind > 7) return rt_fail(ACL_ERROR_RT_PARAM_INVALID, "%s: memcpy kind %d is not in 0..7", fn, kind);
    int rc = locate(fn, "dst", dst, count, dst_loc);
    if (rc) return rc;
    if ((rc = locate(fn, "src", src, count, src_loc))) return rc;
    int want_src = -1, want_dst = -1;
    switch (kind) {
    case 0: want_src = LOC_HOST; want_dst = LOC_HOST; break;
    case 1: case 5: want_src = LOC_HOST; want_dst = LOC_DEVICE; break;
    case 2: want_src = LOC_DEVICE; want_dst = LOC_HOST; break;
    case 3: case 6: case 7: want_src = LOC_DEVICE; want_dst = LOC_DEVICE; break;
    default: break;
    }
    if ((want_src >= 0 && want_src != *src_loc) || (want_dst >= 0 && want_dst != *dst_loc))
        return rt_fail(ACL_ERROR_RT_PARAM_INVALID,
                       "%s: kind ACL_MEMCPY_%s (%d) contradicts the pointers: src %p is %s memory, dst %p is %s memory",
                       fn, kind_name(kind), kind, src, loc_name(*src_loc), dst, loc_name(*dst_loc));
    return ACL_SUCCESS;
}

ACL_API aclError aclrtMemcpy(void *dst, size_t destMax, const void *src, size_t count, aclrtMemcpyKind kind) {
    const char *fn = "aclrtMemcpy";
    int rc = rt_enter(fn);
    if (rc) return rc;
    pthread_rwlock_rdlock(&g_mem);
    int dl, sl;
    rc = check_copy(fn, dst, destMax, src, count, kind, &dl, &sl);
    if (rc == 0 && count > 0 && rt_fault_hit(EMU_FAULT_COPY))
        rc = rt_fail(ACL_ERROR_RT_DEVICE_MEM_ERROR, "%s: copy of %zu bytes failed (fault injected by XPU4J_CANN_EMU_FAIL_COPY)",
                     fn, count);
    if (rc == 0 && count > 0) memmove(dst, src, count);
    pthread_rwlock_unlock(&g_mem);
    return rc;
}

typedef struct {
    void *dst;
    const void *src;
    size_t count;
    int dst_dev, src_dev, fail;
    void *snapshot;
    int is_memset, value;
} copy_task;

static int run_copy(void *arg, char *msg, size_t cap) {
    copy_task *t = arg;
    const char *fn = t->is_memset ? "aclrtMemsetAsync" : "aclrtMemcpyAsync";
    if (t->fail) {
        snprintf(msg, cap, "%s: copy of %zu bytes failed (fault injected by XPU4J_CANN_EMU_FAIL_COPY)", fn, t->count);
        return ACL_ERROR_RT_DEVICE_MEM_ERROR;
    }
    char why[256];
    int rc = 0;
    pthread_rwlock_rdlock(&g_mem);
    if (t->dst_dev && mem_check(t->dst, t->count, why, sizeof why) != EMU_MEM_DEVICE) rc = 1;
    else if (!t->is_memset && t->src_dev && mem_check(t->src, t->count, why, sizeof why) != EMU_MEM_DEVICE) rc = 1;
    if (rc) {
        pthread_rwlock_unlock(&g_mem);
        snprintf(msg, cap, "%s: at execution %s", fn, why);
        return ACL_ERROR_RT_DEVICE_MEM_ERROR;
    }
    if (t->is_memset) memset(t->dst, t->value, t->count);
    else memmove(t->dst, t->snapshot ? t->snapshot : t->src, t->count);
    pthread_rwlock_unlock(&g_mem);
    return 0;
}

static void release_copy(void *arg) {
    copy_task *t = arg;
    free(t->snapshot);
    free(t);
}

ACL_API aclError aclrtMemcpyAsync(void *dst, size_t destMax, const void *src, size_t count, aclrtMemcpyKind kind,
                                  aclrtStream stream) {
    const char *fn = "aclrtMemcpyAsync";
    int rc = rt_enter(fn);
    if (rc) return rc;
    void *s;
    if ((rc = stream_resolve(stream, &s, fn))) return rc;
    int dl, sl;
    pthread_rwlock_rdlock(&g_mem);
    rc = check_copy(fn, dst, destMax, src, count, kind, &dl, &sl);
    pthread_rwlock_unlock(&g_mem);
    if (rc) return rc;
    if (count == 0) return ACL_SUCCESS;
    copy_task *t = calloc(1, sizeof *t);
    if (t == NULL) return rt_fail(ACL_ERROR_BAD_ALLOC, "%s: out of host memory", fn);
    t->dst = dst;
    t->src = src;
    t->count = count;
    t->dst_dev = dl == LOC_DEVICE;
    t->src_dev = sl == LOC_DEVICE;
    t->fail = rt_fault_hit(EMU_FAULT_COPY);
    if (kind == ACL_MEMCPY_HOST_TO_BUF_TO_DEVICE) {
        /* staged: the caller may reuse its host buffer as soon as this returns */
        t->snapshot = malloc(count);
        if (t->snapshot == NULL) {
            free(t);
            return rt_fail(ACL_ERROR_BAD_ALLOC, "%s: out of host memory for the staging buffer", fn);
        }
        memcpy(t->snapshot, src, count);
    }
    return stream_enqueue(s, run_copy, release_copy, t);
}

static int check_memset(const char *fn, void *devPtr, size_t maxCount, size_t count, int *loc) {
    if (devPtr == NULL) return rt_fail(ACL_ERROR_RT_PARAM_INVALID, "%s: devPtr is null", fn);
    if (maxCount < count) return rt_fail(ACL_ERROR_RT_PARAM_INVALID, "%s: count %zu exceeds maxCount %zu", fn, count, maxCount);
    return locate(fn, "devPtr", devPtr, count, loc);
}

ACL_API aclError aclrtMemset(void *devPtr, size_t maxCount, int32_t value, size_t count) {
    const char *fn = "aclrtMemset";
    int rc = rt_enter(fn);
    if (rc) return rc;
    int loc;
    pthread_rwlock_rdlock(&g_mem);
    rc = check_memset(fn, devPtr, maxCount, count, &loc);
    if (rc == 0) memset(devPtr, value, count);
    pthread_rwlock_unlock(&g_mem);
    return rc;
}

ACL_API aclError aclrtMemsetAsync(void *devPtr, size_t maxCount, int32_t value, size_t count, aclrtStream stream) {
    const char *fn = "aclrtMemsetAsync";
    int rc = rt_enter(fn);
    if (rc) return rc;
    void *s;
    if ((rc = stream_resolve(stream, &s, fn))) return rc;
    int loc;
    pthread_rwlock_rdlock(&g_mem);
    rc = check_memset(fn, devPtr, maxCount, count, &loc);
    pthread_rwlock_unlock(&g_mem);
    if (rc) return rc;
    if (count == 0) return ACL_SUCCESS;
    copy_task *t = calloc(1, sizeof *t);
    if (t == NULL) return rt_fail(ACL_ERROR_BAD_ALLOC, "%s: out of host memory", fn);
    t->dst = devPtr;
    t->count = count;
    t->dst_dev = loc == LOC_DEVICE;
    t->is_memset = 1;
    t->value = value;
    return stream_enqueue(s, run_copy, release_copy, t);
}
