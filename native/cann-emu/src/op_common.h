/* Helpers private to libopapi.so: dtype conversion, strided views, phase-1 checks, launch. */
#ifndef XPU4J_OP_COMMON_H
#define XPU4J_OP_COMMON_H

#include <stdio.h>

#include "aclnn_ops.h"
#include "emu_internal.h"

#define DT_BIT(d) (1ULL << (d))
#define M_FLOATS (DT_BIT(ACL_FLOAT) | DT_BIT(ACL_FLOAT16) | DT_BIT(ACL_BF16))
#define M_INTS (DT_BIT(ACL_INT8) | DT_BIT(ACL_INT32) | DT_BIT(ACL_INT64))
#define M_BOOL DT_BIT(ACL_BOOL)
#define M_NUMERIC (M_FLOATS | M_INTS | M_BOOL)
#define M_CASTABLE                                                                                                \
    (M_NUMERIC | DT_BIT(ACL_UINT8) | DT_BIT(ACL_INT16) | DT_BIT(ACL_DOUBLE) | DT_BIT(ACL_FLOAT8_E4M3FN) |           \
     DT_BIT(ACL_FLOAT8_E5M2))

#define KERNEL_FAILED ACL_ERROR_RT_AICORE_EXCEPTION

#define TRY(x)                                                                                                    \
    do {                                                                                                          \
        int try_rc_ = (x);                                                                                        \
        if (try_rc_) return try_rc_;                                                                              \
    } while (0)

/* dtype.c */
int dt_size(aclDataType dt);
const char *dt_name(aclDataType dt);
int dt_is_floating(aclDataType dt); /* float storage types incl. FP8 and DOUBLE */
double dt_load_f(aclDataType dt, const char *p);
int64_t dt_load_i(aclDataType dt, const char *p);
void dt_store_f(aclDataType dt, char *p, double v); /* integers: caller checked dt_f_fits */
void dt_store_i(aclDataType dt, char *p, int64_t v);
int dt_f_fits(aclDataType dt, double v);           /* finite and in range after truncation */
double dt_round(aclDataType dt, double v);          /* v rounded to dt's precision */
double round_hf32(double v);

/* tensor.c */
int64_t shape_numel(int rank, const int64_t *dims);
void tv_gather_f(const emu_tview *t, int rank, const int64_t *dims, double *out);
void tv_gather_i(const emu_tview *t, int rank, const int64_t *dims, int64_t *out);
void tv_gather_raw(const emu_tview *t, int rank, const int64_t *dims, char *out);
void tv_scatter_f(const emu_tview *t, const double *in);
void tv_scatter_i(const emu_tview *t, const int64_t *in);
void tv_scatter_raw(const emu_tview *t, const char *in);
/* Copy of self with the flagged dims moved last (order kept); returns their element count. */
int64_t tv_move_dims_last(const emu_tview *self, const int *flagged, emu_tview *pv, int64_t *outer);
const char *shape_str(int rank, const int64_t *dims);
void *scratch(size_t n, size_t size); /* calloc that never returns NULL for n == 0 */

/* op_common.c: phase 1 */
int p1_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int p1_begin(aclOpExecutor *e, const char *op, emu_kernel_fn k, uint64_t *workspaceSize, aclOpExecutor **executor);
int p1_in(aclOpExecutor *e, const char *name, const aclTensor *t, int required);
int p1_out(aclOpExecutor *e, const char *name, const aclTensor *t);
int p1_dtype(const aclOpExecutor *e, int slot, uint64_t mask);
int p1_same_dtype(const aclOpExecutor *e, int a, int b);
int p1_same_shape(const aclOpExecutor *e, int a, int b);
int p1_broadcast_to_out(const aclOpExecutor *e, int n_inputs, const int *slots, int out_slot);
/* slot's shape must broadcast (numpy rules) to exactly out_slot's shape */
int p1_expand_to(const aclOpExecutor *e, int slot, int out_slot);
int p1_scalar(const aclOpExecutor *e, const char *name, const aclScalar *s, emu_scalar *out);
int p1_dims(const aclOpExecutor *e, const char *name, const aclIntArray *a, int rank, int *n, int64_t *dims,
            int allow_empty);
int p1_dim(const aclOpExecutor *e, const char *name, int64_t dim, int rank, int64_t *norm);
int p1_publish(aclOpExecutor *e, uint64_t workspace, uint64_t *workspaceSize, aclOpExecutor **executor);
uint64_t ws_bytes(uint64_t payload);
/* phase 2 */
aclnnStatus p2_launch(const char *op, void *workspace, uint64_t workspaceSize, aclOpExecutor *executor,
                      aclrtStream stream);

#define PHASE2(NAME)                                                                                              \
    ACL_API aclnnStatus NAME(void *workspace, uint64_t workspaceSize, aclOpExecutor *executor, aclrtStream stream) \
    {                                                                                                             \
        return p2_launch(#NAME, workspace, workspaceSize, executor, stream);                                     \
    }

#define SLOT_IN(e, i) (&(e)->t[(i)])
#define SLOT_OUT(e, j) (&(e)->t[(e)->n_in + (j)])

#endif
