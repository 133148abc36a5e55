/* Streams are FIFO queues drained by one worker thread each, so stream work really
 * runs asynchronously to the host; events are sequence numbers completed by the
 * worker that reaches them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rt_internal.h"

#define STREAM_MAGIC 0x5354524du
#define EVENT_MAGIC 0x45564e54u

#define TASK_WORK 0   /* kernels and copies: skipped after a failure in ACL_STOP_ON_FAILURE mode */
#define TASK_ALWAYS 1 /* event waits and host callbacks run whatever the failure mode */
#define TASK_RECORD 2 /* event records/resets: run even on a force-destroyed stream, so no waiter hangs */

typedef struct emu_task {
    struct emu_task *next;
    int kind;
    emu_task_fn run;
    void (*release)(void *);
    void *arg;
} emu_task;

typedef struct emu_stream {
    uint32_t magic;
    int device;
    int is_default;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv_work, cv_done;
    emu_task *head, *tail;
    uint64_t enqueued, done;
    int stop;
    int discard;         /* aclrtDestroyStreamForce: drop queued work instead of running it */
    int stop_on_failure; /* aclrtSetStreamFailureMode; the default is ACL_CONTINUE_ON_FAILURE */
    int err;
    char errmsg[768];
    struct emu_stream *next_all;
} emu_stream;

typedef struct emu_event {
    uint32_t magic;
    uint32_t flags;
    uint64_t recorded, completed;
    uint64_t reset_seq; /* records up to this sequence were undone by aclrtResetEvent */
    int64_t stamp_ns;
    int refs;
    int destroyed;
    struct emu_event *next_all;
} emu_event;

static emu_stream *g_streams;                 /* guarded by g_rt_lock */
static emu_stream *g_default[EMU_MAX_DEVICES]; /* guarded by g_rt_lock */
static emu_event *g_events;                   /* guarded by g_ev_lock */
static pthread_mutex_t g_ev_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_ev_cv = PTHREAD_COND_INITIALIZER;

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void *worker(void *p) {
    emu_stream *s = p;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (s->head == NULL && !s->stop) pthread_cond_wait(&s->cv_work, &s->mu);
        if (s->head == NULL) break;
        emu_task *t = s->head;
        s->head = t->next;
        if (s->head == NULL) s->tail = NULL;
        int skip = (t->kind == TASK_WORK && s->err != 0 && s->stop_on_failure) ||
                   (s->discard && t->kind != TASK_RECORD);
        pthread_mutex_unlock(&s->mu);

        long long delay = skip ? 0 : rt_delay_us();
        if (delay > 0) usleep((useconds_t)delay);
        char msg[768];
        msg[0] = '\0';
        int rc = skip ? 0 : t->run(t->arg, msg, sizeof msg);
        if (t->release) t->release(t->arg);
        free(t);

        pthread_mutex_lock(&s->mu);
        if (rc != 0 && s->err == 0) {
            s->err = rc;
            snprintf(s->errmsg, sizeof s->errmsg, "%s", msg[0] ? msg : "stream task failed");
        }
        s->done++;
        pthread_cond_broadcast(&s->cv_done);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

static emu_stream *stream_new(int dev, int is_default) {
    emu_stream *s = calloc(1, sizeof *s);
    if (s == NULL) return NULL;
    s->magic = STREAM_MAGIC;
    s->device = dev;
    s->is_default = is_default;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv_work, NULL);
    pthread_cond_init(&s->cv_done, NULL);
    if (pthread_create(&s->thread, NULL, worker, s) != 0) {
        free(s);
        return NULL;
    }
    return s;
}

/* Waits for queued work, stops the worker and frees the stream (not registered any more). */
static void stream_free(emu_stream *s, int discard) {
    pthread_mutex_lock(&s->mu);
    s->stop = 1;
    s->discard = discard;
    pthread_cond_signal(&s->cv_work);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->thread, NULL);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv_work);
    pthread_cond_destroy(&s->cv_done);
    s->magic = 0;
    free(s);
}

/* Caller holds g_rt_lock. */
static int stream_known(const emu_stream *s) {
    for (emu_stream *it = g_streams; it; it = it->next_all)
        if (it == s) return 1;
    return 0;
}

int stream_resolve(aclrtStream handle, void **out, const char *fn) {
    if (handle == NULL) {
        int dev = rt_current_device();
        if (dev < 0)
            return rt_fail(ACL_ERROR_RT_CONTEXT_NULL,
                           "%s: the default stream (NULL) needs a current device; call aclrtSetDevice first", fn);
        pthread_mutex_lock(&g_rt_lock);
        if (g_default[dev] == NULL) {
            g_default[dev] = stream_new(dev, 1);
            if (g_default[dev]) {
                g_default[dev]->next_all = g_streams;
                g_streams = g_default[dev];
            }
        }
        emu_stream *s = g_default[dev];
        pthread_mutex_unlock(&g_rt_lock);
        if (s == NULL) return rt_fail(ACL_ERROR_RT_INTERNAL_ERROR, "%s: could not start the default stream worker", fn);
        *out = s;
        return ACL_SUCCESS;
    }
    pthread_mutex_lock(&g_rt_lock);
    int ok = stream_known(handle);
    pthread_mutex_unlock(&g_rt_lock);
    if (!ok)
        return rt_fail(ACL_ERROR_RT_INVALID_HANDLE, "%s: stream %p is not a live stream (destroyed or never created)", fn,
                       handle);
    *out = handle;
    return ACL_SUCCESS;
}

static int enqueue_kind(emu_stream *s, int kind, emu_task_fn run, void (*release)(void *), void *arg) {
    emu_task *t = calloc(1, sizeof *t);
    if (t == NULL) {
        if (release) release(arg);
        return rt_fail(ACL_ERROR_BAD_ALLOC, "stream enqueue: out of host memory");
    }
    t->kind = kind;
    t->run = run;
    t->release = release;
    t->arg = arg;
    pthread_mutex_lock(&s->mu);
    if (s->tail) s->tail->next = t;
    else s->head = t;
    s->tail = t;
    s->enqueued++;
    pthread_cond_signal(&s->cv_work);
    pthread_mutex_unlock(&s->mu);
    return ACL_SUCCESS;
}

int stream_enqueue(void *stream, emu_task_fn run, void (*release)(void *), void *arg) {
    return enqueue_kind(stream, TASK_WORK, run, release, arg);
}

/* timeout_ms < 0 waits forever. Reports (and clears) the stream's sticky error. */
static int stream_sync(emu_stream *s, long timeout_ms, const char *fn) {
    struct timespec deadline;
    if (timeout_ms >= 0) {
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += timeout_ms / 1000;
        deadline.tv_nsec += (timeout_ms % 1000) * 1000000L;
        if (deadline.tv_nsec >= 1000000000L) {
            deadline.tv_sec++;
            deadline.tv_nsec -= 1000000000L;
        }
    }
    pthread_mutex_lock(&s->mu);
    uint64_t target = s->enqueued;
    while (s->done < target) {
        if (timeout_ms < 0) {
            pthread_cond_wait(&s->cv_done, &s->mu);
        } else if (pthread_cond_timedwait(&s->cv_done, &s->mu, &deadline) == ETIMEDOUT && s->done < target) {
            uint64_t left = target - s->done;
            pthread_mutex_unlock(&s->mu);
            return rt_fail(ACL_ERROR_RT_STREAM_SYNC_TIMEOUT, "%s: %llu task(s) still pending after %ld ms", fn,
                           (unsigned long long)left, timeout_ms);
        }
    }
    int err = s->err;
    char msg[768];
    snprintf(msg, sizeof msg, "%s", s->errmsg);
    s->err = 0;
    s->errmsg[0] = '\0';
    pthread_mutex_unlock(&s->mu);
    if (err) return rt_fail(err, "%s: earlier work on the stream failed: %s", fn, msg);
    return ACL_SUCCESS;
}

void streams_shutdown_device(int dev) {
    pthread_mutex_lock(&g_rt_lock);
    emu_stream *s = g_default[dev];
    g_default[dev] = NULL;
    if (s) {
        for (emu_stream **pp = &g_streams; *pp; pp = &(*pp)->next_all)
            if (*pp == s) {
                *pp = s->next_all;
                break;
            }
    }
    pthread_mutex_unlock(&g_rt_lock);
    if (s) stream_free(s, 0);
}

void streams_shutdown_all(void) {
    pthread_mutex_lock(&g_rt_lock);
    emu_stream *all = g_streams;
    g_streams = NULL;
    memset(g_default, 0, sizeof g_default);
    pthread_mutex_unlock(&g_rt_lock);
    while (all) {
        emu_stream *n = all->next_all;
        stream_free(all, 0);
        all = n;
    }
}

ACL_API aclError aclrtCreateStreamWithConfig(aclrtStream *stream, uint32_t priority, uint32_t flag) {
    const char *fn = "aclrtCreateStreamWithConfig";
    int dev = -1;
    int rc = rt_enter_dev(fn, &dev);
    if (rc) return rc;
    if (stream == NULL) return rt_fail(ACL_ERROR_RT_PARAM_INVALID, "%s: stream is null", fn);
    if (priority > 7) return rt_fail(ACL_ERROR_RT_PARAM_INVALID, "%s: priority %u is not in 0..7", fn, priority);
    (void)flag; /* launch/sync speed hints */
    emu_stream *s = stream_new(dev, 0);
    if (s == NULL) return rt_fail(ACL_ERROR_RT_INTERNAL_ERROR, "%s: could not start the stream worker thread", fn);
    pthread_mutex_lock(&g_rt_lock);
    s->next_all = g_streams;
    g_streams = s;
    pthread_mutex_unlock(&g_rt_lock);
    *stream = s;
    return ACL_SUCCESS;
}

ACL_API aclError aclrtCreateStream(aclrtStream *stream) {
    int dev = -1;
    int rc = rt_enter_dev("aclrtCreateStream", &dev);
    if (rc) return rc;
    if (stream == NULL) return rt_fail(ACL_ERROR_RT_PARAM_INVALID, "aclrtCreateStream: stream is null");
    emu_stream *s = stream_new(dev, 0);
    if (s == NULL) return rt_fail(ACL_ERROR_RT_INTERNAL_ERROR, "aclrtCreateStream: could not start the stream worker thread");
    pthread_mutex_lock(&g_rt_lock);
    s->next_all = g_streams;
    g_streams = s;
    pthread_mutex_unlock(&g_rt_lock);
    *stream = s;
    return ACL_SUCCESS;
}

static aclError destroy_stream(const char *fn, aclrtStream stream, int force) {
    if (!rt_is_initialized()) return rt_fail(ACL_ERROR_UNINITIALIZE, "%s: aclInit has not been called", fn);
    if (stream == NULL) return rt_fail(ACL_ERROR_RT_PARAM_INVALID, "%s: stream is null (the default stream cannot be destroyed)", fn);
    pthread_mutex_lock(&g_rt_lock);
    emu_stream *s = stream;
    int found = 0;
    for (emu_stream **pp = &g_streams; *pp; pp = &(*pp)->next_all)
        if (*pp == s && !s->is_default) {
            *pp = s->next_all;
            found = 1;
            break;
        }
    pthread_mutex_unlock(&g_rt_lock);
    if (!found) return rt_fail(ACL_ERROR_RT_INVALID_HANDLE, "%s: stream %p is not a live stream", fn, stream);
    stream_free(s, force); /* drains queued work first, or drops it when forced */
    return ACL_SUCCESS;
}

ACL_API aclError aclrtDestroyStream(aclrtStream stream) { return destroy_stream("aclrtDestroyStream", stream, 0); }

/* Queued kernels, copies, waits and host callbacks that have not started are dropped; a task
 * already running finishes; queued event records still complete so nothing waits forever. */
ACL_API aclError aclrtDestroyStreamForce(aclrtStream stream) {
    return destroy_stream("aclrtDestroyStreamForce", stream, 1);
}

ACL_API aclError aclrtSetStreamFailureMode(aclrtStream stream, uint64_t mode) {
    const char *fn = "aclrtSetStreamFailureMode";
    int rc = rt_enter(fn);
    if (rc) return rc;
    if (mode != ACL_CONTINUE_ON_FAILURE && mode != ACL_STOP_ON_FAILURE)
        return rt_fail(ACL_ERROR_RT_PARAM_INVALID,
                       "%s: mode %llu is neither ACL_CONTINUE_ON_FAILURE (0) nor ACL_STOP_ON_FAILURE (1)", fn,
                       (unsigned long long)mode);
    void *sv;
    if ((rc = stream_resolve(stream, &sv, fn))) return rc;
    emu_stream *s = sv;
    pthread_mutex_lock(&s->mu);
    s->stop_on_failure = mode == ACL_STOP_ON_FAILURE;
    pthread_mutex_unlock(&s->mu);
    return ACL_SUCCESS;
}

ACL_API aclError aclrtSynchronizeStream(aclrtStream stream) {
    const char *fn = "aclrtSynchronizeStream";
    int rc = rt_enter(fn);
    if (rc) return rc;
    void *s;
    if ((rc = stream_resolve(stream, &s, fn))) return rc;
    return stream_sync(s, -1, fn);
}

ACL_API aclError aclrtSynchronizeStreamWithTimeout(aclrtStream stream, int32_t timeout) {
    const char *fn = "aclrtSynchronizeStreamWithTimeout";
    int rc = rt_enter(fn);
    if (rc) return rc;
    if (timeout < -1) return rt_fail(ACL_ERROR_RT_PARAM_INVALID, "%s: timeout %d must be -1 (forever) or >= 0", fn, timeout);
    void *s;
    if ((rc = stream_resolve(stream, &s, fn))) return rc;
    return stream_sync(s, timeout, fn);
}

static aclError sync_device(const char *fn, long timeout_ms) {
    int dev = -1;
    int rc = rt_enter_dev(fn, &dev);
    if (rc) return rc;
    /* snapshot the device's streams; each is synchronised outside the registry lock */
    pthread_mutex_lock(&g_rt_lock);
    size_t n = 0;
    for (emu_stream *it = g_streams; it; it = it->next_all) n += it->device == dev;
    emu_stream **list = calloc(n ? n : 1, sizeof *list);
    size_t k = 0;
    if (list)
        for (emu_stream *it = g_streams; it; it = it->next_all)
            if (it->device == dev) list[k++] = it;
    pthread_mutex_unlock(&g_rt_lock);
    if (list == NULL) return rt_fail(ACL_ERROR_BAD_ALLOC, "%s: out of host memory", fn);
    int first = ACL_SUCCESS;
    for (size_t i = 0; i < k; i++) {
        int r = stream_sync(list[i], timeout_ms, fn); /* the timeout applies per stream */
        if (r && !first) first = r;
    }
    free(list);
    return first;
}

ACL_API aclError aclrtSynchronizeDevice(void) { return sync_device("aclrtSynchronizeDevice", -1); }

ACL_API aclError aclrtSynchronizeDeviceWithTimeout(int32_t timeout) {
    const char *fn = "aclrtSynchronizeDeviceWithTimeout";
    if (timeout < -1) {
        int rc = rt_enter(fn);
        if (rc) return rc;
        return rt_fail(ACL_ERROR_RT_PARAM_INVALID, "%s: timeout %d must be -1 (forever) or >= 0", fn, timeout);
    }
    return sync_device(fn, timeout);
}

ACL_API aclError aclrtStreamQuery(aclrtStream stream, aclrtStreamStatus *status) {
    const char *fn = "aclrtStreamQuery";
    int rc = rt_enter(fn);
    if (rc) return rc;
    if (status == NULL) return rt_fail(ACL_ERROR_RT_PARAM_INVALID, "%s: status is null", fn);
    void *sv;
    if ((rc = stream_resolve(stream, &sv, fn))) return rc;
    emu_stream *s = sv;
    pthread_mutex_lock(&s->mu);
    *status = s->done == s->enqueued ? ACL_STREAM_STATUS_COMPLETE : ACL_STREAM_STATUS_NOT_READY;
    pthread_mutex_unlock(&s->mu);
    return ACL_SUCCESS;
}

typedef struct {
    aclrtHostFunc fn;
    void *args;
} host_call;

static int run_host_call(void *arg, char *msg, size_t cap) {
    (void)msg;
    (void)cap;
    host_call *h = arg;
    h->fn(h->args);
    return 0;
}

ACL_API aclError aclrtLaunchHostFunc(aclrtStream stream, aclrtHostFunc fn, void *args) {
    const char *name = "aclrtLaunchHostFunc";
    int rc = rt_enter(name);
    if (rc) return rc;
    if (fn == NULL) return rt_fail(ACL_ERROR_RT_PARAM_INVALID, "%s: fn is null", name);
    void *s;
    if ((rc = stream_resolve(stream, &s, name))) return rc;
    host_call *h = malloc(sizeof *h);
    if (h == NULL) return rt_fail(ACL_ERROR_BAD_ALLOC, "%s: out of host memory", name);
    h->fn = fn;
    h->args = args;
    return enqueue_kind(s, TASK_ALWAYS, run_host_call, free, h);
}

/* ---- events ---- */

static int event_known_locked(const emu_event *e) {
    for (emu_event *it = g_events; it; it = it->next_all)
        if (it == e) return 1;
    return 0;
}

static void event_unref_locked(emu_event *e) {
    if (--e->refs == 0 && e->destroyed) {
        e->magic = 0;
        free(e);
    }
}

static int check_event(const char *fn, aclrtEvent event) {
    if (event == NULL) return rt_fail(ACL_ERROR_RT_PARAM_INVALID, "%s: event is null", fn);
    pthread_mutex_lock(&g_ev_lock);
    int ok = event_known_locked(event);
    pthread_mutex_unlock(&g_ev_lock);
    if (!ok) return rt_fail(ACL_ERROR_RT_INVALID_HANDLE, "%s: event %p is not a live event", fn, event);
    return ACL_SUCCESS;
}

ACL_API aclError aclrtCreateEventWithFlag(aclrtEvent *event, uint32_t flag) {
    const char *fn = "aclrtCreateEventWithFlag";
    int rc = rt_enter(fn);
    if (rc) return rc;
    if (event == NULL) return rt_fail(ACL_ERROR_RT_PARAM_INVALID, "%s: event is null", fn);
    emu_event *e = calloc(1, sizeof *e);
    if (e == NULL) return rt_fail(ACL_ERROR_BAD_ALLOC, "%s: out of host memory", fn);
    e->magic = EVENT_MAGIC;
    e->flags = flag;
    e->refs = 1;
    pthread_mutex_lock(&g_ev_lock);
    e->next_all = g_events;
    g_events = e;
    pthread_mutex_unlock(&g_ev_lock);
    *event = e;
    return ACL_SUCCESS;
}

/* Events are reusable (can be recorded again) here anyway, so the Ex variant is the same. */
ACL_API aclError aclrtCreateEventExWithFlag(aclrtEvent *event, uint32_t flag) {
    return aclrtCreateEventWithFlag(event, flag);
}

ACL_API aclError aclrtCreateEvent(aclrtEvent *event) {
    int rc = aclrtCreateEventWithFlag(event, 0x1);
    if (rc) return rc;
    return ACL_SUCCESS;
}

typedef struct {
    emu_event *e;
    uint64_t seq;
} event_task;

static int run_record(void *arg, char *msg, size_t cap) {
    (void)msg;
    (void)cap;
    event_task *t = arg;
    pthread_mutex_lock(&g_ev_lock);
    if (t->seq > t->e->completed) {
        t->e->completed = t->seq;
        t->e->stamp_ns = now_ns();
    }
    pthread_cond_broadcast(&g_ev_cv);
    pthread_mutex_unlock(&g_ev_lock);
    return 0;
}

static int run_wait(void *arg, char *msg, size_t cap) {
    (void)msg;
    (void)cap;
    event_task *t = arg;
    pthread_mutex_lock(&g_ev_lock);
    while (t->e->completed < t->seq) pthread_cond_wait(&g_ev_cv, &g_ev_lock);
    pthread_mutex_unlock(&g_ev_lock);
    return 0;
}

static void release_event_task(void *arg) {
    event_task *t = arg;
    pthread_mutex_lock(&g_ev_lock);
    event_unref_locked(t->e);
    pthread_mutex_unlock(&g_ev_lock);
    free(t);
}

static int enqueue_event_task(const char *fn, void *s, emu_event *e, int record) {
    event_task *t = malloc(sizeof *t);
    if (t == NULL) return rt_fail(ACL_ERROR_BAD_ALLOC, "%s: out of host memory", fn);
    pthread_mutex_lock(&g_ev_lock);
    if (record) e->recorded++;
    t->e = e;
    t->seq = e->recorded;
    e->refs++;
    int unrecorded = t->seq <= e->reset_seq;
    pthread_mutex_unlock(&g_ev_lock);
    if (!record && unrecorded) { /* waiting on a never-recorded (or reset) event is a no-op */
        release_event_task(t);
        return ACL_SUCCESS;
    }
    return enqueue_kind(s, record ? TASK_RECORD : TASK_ALWAYS, record ? run_record : run_wait, release_event_task, t);
}

ACL_API aclError aclrtRecordEvent(aclrtEvent event, aclrtStream stream) {
    const char *fn = "aclrtRecordEvent";
    int rc = rt_enter(fn);
    if (rc) return rc;
    if ((rc = check_event(fn, event))) return rc;
    void *s;
    if ((rc = stream_resolve(stream, &s, fn))) return rc;
    return enqueue_event_task(fn, s, event, 1);
}

ACL_API aclError aclrtStreamWaitEvent(aclrtStream stream, aclrtEvent event) {
    const char *fn = "aclrtStreamWaitEvent";
    int rc = rt_enter(fn);
    if (rc) return rc;
    if ((rc = check_event(fn, event))) return rc;
    void *s;
    if ((rc = stream_resolve(stream, &s, fn))) return rc;
    return enqueue_event_task(fn, s, event, 0);
}

static int run_reset(void *arg, char *msg, size_t cap) {
    (void)msg;
    (void)cap;
    event_task *t = arg;
    pthread_mutex_lock(&g_ev_lock);
    if (t->seq > t->e->reset_seq) t->e->reset_seq = t->seq;
    pthread_mutex_unlock(&g_ev_lock);
    return 0;
}

/* Stream-ordered: when the stream reaches it, every record issued before this call is undone,
 * so the event counts as not recorded (waits on it pass, elapsed time needs a new record). */
ACL_API aclError aclrtResetEvent(aclrtEvent event, aclrtStream stream) {
    const char *fn = "aclrtResetEvent";
    int rc = rt_enter(fn);
    if (rc) return rc;
    if ((rc = check_event(fn, event))) return rc;
    void *s;
    if ((rc = stream_resolve(stream, &s, fn))) return rc;
    event_task *t = malloc(sizeof *t);
    if (t == NULL) return rt_fail(ACL_ERROR_BAD_ALLOC, "%s: out of host memory", fn);
    emu_event *e = event;
    pthread_mutex_lock(&g_ev_lock);
    t->e = e;
    t->seq = e->recorded;
    e->refs++;
    pthread_mutex_unlock(&g_ev_lock);
    return enqueue_kind(s, TASK_RECORD, run_reset, release_event_task, t);
}

ACL_API aclError aclrtSynchronizeEvent(aclrtEvent event) {
    const char *fn = "aclrtSynchronizeEvent";
    int rc = rt_enter(fn);
    if (rc) return rc;
    if ((rc = check_event(fn, event))) return rc;
    emu_event *e = event;
    pthread_mutex_lock(&g_ev_lock);
    uint64_t target = e->recorded;
    while (e->completed < target) pthread_cond_wait(&g_ev_cv, &g_ev_lock);
    pthread_mutex_unlock(&g_ev_lock);
    return ACL_SUCCESS;
}

static int event_complete(const char *fn, aclrtEvent event, int *complete) {
    int rc = rt_enter(fn);
    if (rc) return rc;
    if ((rc = check_event(fn, event))) return rc;
    emu_event *e = event;
    pthread_mutex_lock(&g_ev_lock);
    *complete = e->completed >= e->recorded;
    pthread_mutex_unlock(&g_ev_lock);
    return ACL_SUCCESS;
}

ACL_API aclError aclrtQueryEvent(aclrtEvent event, aclrtEventStatus *status) {
    if (status == NULL) return rt_fail(ACL_ERROR_RT_PARAM_INVALID, "aclrtQueryEvent: status is null");
    int done;
    int rc = event_complete("aclrtQueryEvent", event, &done);
    if (rc) return rc;
    *status = done ? ACL_EVENT_STATUS_COMPLETE : ACL_EVENT_STATUS_NOT_READY;
    return ACL_SUCCESS;
}

ACL_API aclError aclrtQueryEventStatus(aclrtEvent event, aclrtEventRecordedStatus *status) {
    if (status == NULL) return rt_fail(ACL_ERROR_RT_PARAM_INVALID, "aclrtQueryEventStatus: status is null");
    int done;
    int rc = event_complete("aclrtQueryEventStatus", event, &done);
    if (rc) return rc;
    *status = done ? ACL_EVENT_RECORDED_STATUS_COMPLETE : ACL_EVENT_RECORDED_STATUS_NOT_READY;
    return ACL_SUCCESS;
}

ACL_API aclError aclrtEventElapsedTime(float *ms, aclrtEvent startEvent, aclrtEvent endEvent) {
    const char *fn = "aclrtEventElapsedTime";
    int rc = rt_enter(fn);
    if (rc) return rc;
    if (ms == NULL) return rt_fail(ACL_ERROR_RT_PARAM_INVALID, "%s: ms is null", fn);
    if ((rc = check_event(fn, startEvent)) || (rc = check_event(fn, endEvent))) return rc;
    emu_event *a = startEvent, *b = endEvent;
    pthread_mutex_lock(&g_ev_lock);
    int unrecorded = a->recorded <= a->reset_seq || b->recorded <= b->reset_seq;
    int pending = a->completed < a->recorded || b->completed < b->recorded;
    int64_t d = b->stamp_ns - a->stamp_ns;
    pthread_mutex_unlock(&g_ev_lock);
    if (unrecorded) return rt_fail(ACL_ERROR_RT_PARAM_INVALID, "%s: both events must have been recorded", fn);
    if (pending)
        return rt_fail(ACL_ERROR_RT_EVENT_NOT_COMPLETE, "%s: an event has not completed; synchronize its stream first", fn);
    *ms = (float)((double)d / 1e6);
    return ACL_SUCCESS;
}

ACL_API aclError aclrtDestroyEvent(aclrtEvent event) {
    const char *fn = "aclrtDestroyEvent";
    if (!rt_is_initialized()) return rt_fail(ACL_ERROR_UNINITIALIZE, "%s: aclInit has not been called", fn);
    if (event == NULL) return rt_fail(ACL_ERROR_RT_PARAM_INVALID, "%s: event is null", fn);
    pthread_mutex_lock(&g_ev_lock);
    int found = 0;
    for (emu_event **pp = &g_events; *pp; pp = &(*pp)->next_all)
        if (*pp == event) {
            *pp = ((emu_event *)event)->next_all;
            found = 1;
            break;
        }
    if (found) {
        emu_event *e = event;
        e->destroyed = 1;
        event_unref_locked(e); /* queued records/waits keep it alive until they ran */
    }
    pthread_mutex_unlock(&g_ev_lock);
    if (!found) return rt_fail(ACL_ERROR_RT_INVALID_HANDLE, "%s: event %p is not a live event", fn, event);
    return ACL_SUCCESS;
}

void events_shutdown_all(void) {
    pthread_mutex_lock(&g_ev_lock);
    emu_event *e = g_events;
    g_events = NULL;
    while (e) {
        emu_event *n = e->next_all;
        e->destroyed = 1;
        event_unref_locked(e);
        e = n;
    }
    pthread_mutex_unlock(&g_ev_lock);
}
