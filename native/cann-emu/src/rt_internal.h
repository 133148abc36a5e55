/* State and helpers private to libascendcl.so. */
#ifndef XPU4J_RT_INTERNAL_H
#define XPU4J_RT_INTERNAL_H

#include <pthread.h>

#include "emu_internal.h"

#define EMU_MAX_DEVICES 64

typedef struct {
    int devices;
    long long memory_bytes;
    long long delay_us;
    long long quarantine_bytes;
} rt_config;

extern pthread_mutex_t g_rt_lock;
extern rt_config g_cfg;

/* Records code + message as the thread's last error; returns code. */
int rt_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rt_set_msg(const char *msg);
/* Checks aclInit, counts the call, applies the device-lost fault. */
int rt_enter(const char *fn);
/* rt_enter plus: the calling thread must have a current device (107002). */
int rt_enter_dev(const char *fn, int *dev);
int rt_is_initialized(void);
int rt_current_device(void);
int rt_fault_hit(int kind);
long long rt_delay_us(void);

void mem_reset_all(void);
void mem_rdlock(void);
void mem_unlock(void);
int mem_check(const void *p, uint64_t bytes, char *why, size_t cap);

int stream_resolve(aclrtStream s, void **out, const char *fn);
int stream_enqueue(void *stream, emu_task_fn run, void (*release)(void *), void *arg);
void streams_shutdown_device(int dev);
void streams_shutdown_all(void);
void events_shutdown_all(void);

void exec_reset_all(void);
void exec_register(void *ex);
int exec_state(const void *ex);
void exec_retire(void *ex);

#endif
