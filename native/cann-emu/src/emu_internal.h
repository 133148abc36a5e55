/*
 * Emulator-internal contract shared by the three libraries. All process-wide
 * state (init count, devices, memory registry, streams, faults, error text) lives
 * in libascendcl.so; the other two reach it through the table returned by
 * xpu4jEmuInternalApi(), so a caller that loads each library by full path still
 * sees one runtime.
 */
#ifndef XPU4J_EMU_INTERNAL_H
#define XPU4J_EMU_INTERNAL_H

#include "acl_abi.h"

#define EMU_MAX_RANK 8
#define EMU_MAX_SLOTS 6
#define EMU_TENSOR_MAGIC 0x54454e53u
#define EMU_SCALAR_MAGIC 0x5343414cu
#define EMU_EXEC_MAGIC 0x45584543u

struct aclTensor {
    uint32_t magic;
    aclDataType dtype;
    aclFormat format;
    uint64_t rank;
    int64_t *dims;
    int64_t *strides;
    int64_t offset;
    uint64_t storage_rank;
    int64_t *storage_dims;
    void *data;
};

struct aclScalar {
    uint32_t magic;
    aclDataType dtype;
    unsigned char bytes[16];
};

struct aclIntArray { uint64_t size; int64_t *values; };
struct aclFloatArray { uint64_t size; float *values; };
struct aclBoolArray { uint64_t size; bool *values; };
struct aclTensorList { uint64_t size; aclTensor **items; };
struct aclScalarList { uint64_t size; aclScalar **items; };

/* A validated, flat copy of a tensor view, so queued work does not depend on the
 * caller's aclTensor objects (which may be destroyed right after phase 2). */
typedef struct {
    int present;
    aclDataType dtype;
    int rank;
    int64_t dims[EMU_MAX_RANK];
    int64_t strides[EMU_MAX_RANK];
    int64_t offset;
    int64_t extent;   /* 1 + largest element index reached by the view, 0 if empty */
    char *data;
} emu_tview;

typedef struct {
    aclDataType dtype;
    double f;
    int64_t i;
} emu_scalar;

typedef struct emu_op_attrs {
    emu_scalar s0, s1;
    int64_t dim;
    int keep;
    aclDataType dtype;
    int ndims;
    int64_t dims[EMU_MAX_RANK];
    double eps;
    int cube;
    int64_t mode;
} emu_op_attrs;

/* Returns 0 or an aclError; on failure writes a message into msg. */
typedef int (*emu_kernel_fn)(const struct aclOpExecutor *ex, void *workspace, char *msg, size_t cap);

struct aclOpExecutor {
    uint32_t magic;
    int repeatable;
    const char *op;        /* "aclnnAdd" ... */
    uint64_t workspace;
    int n_in, n_out;       /* slots: inputs first, then outputs */
    const char *slot_name[EMU_MAX_SLOTS];
    emu_tview t[EMU_MAX_SLOTS];
    emu_op_attrs a;
    emu_kernel_fn kernel;
};

typedef int (*emu_task_fn)(void *arg, char *msg, size_t cap);

/* results of emu_internal_api.mem_check */
#define EMU_MEM_DEVICE 0
#define EMU_MEM_NOT_DEVICE 1
#define EMU_MEM_FREED 2
#define EMU_MEM_OVERRUN 3

#define EMU_FAULT_ALLOC 0
#define EMU_FAULT_LAUNCH 1
#define EMU_FAULT_COPY 2
#define EMU_FAULT_KERNEL 3

#define EMU_EXEC_UNKNOWN 0
#define EMU_EXEC_LIVE 1
#define EMU_EXEC_RETIRED 2

typedef struct emu_internal_api {
    int version;
    void (*set_msg)(const char *msg);
    /* Counts one device call; checks aclInit and the device-lost fault. Returns an aclError (message set). */
    int (*enter)(const char *fn);
    /* Resolves a stream handle (NULL = current device's default stream). Returns an aclError (message set). */
    int (*resolve_stream)(aclrtStream s, void **out, const char *fn);
    int (*enqueue)(void *stream, emu_task_fn run, void (*release)(void *), void *arg);
    void (*mem_rdlock)(void);
    void (*mem_unlock)(void);
    /* Caller holds the read lock. Classifies [p, p+bytes) and describes problems in why. */
    int (*mem_check)(const void *p, uint64_t bytes, char *why, size_t cap);
    int (*fault_hit)(int kind);
    void (*exec_register)(void *ex);
    int (*exec_state)(const void *ex);
    void (*exec_retire)(void *ex);
} emu_internal_api;

ACL_API const emu_internal_api *xpu4jEmuInternalApi(void);

#endif
