/* Data movement ops: Permute, Cast, InplaceCopy, InplaceFillScalar, Embedding. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "op_common.h"

/* ---- conversion shared by Cast and InplaceCopy: slot in0 -> out0 (broadcast) ---- */

static int k_convert(const aclOpExecutor *ex, void *ws, char *msg, size_t cap) {
    (void)ws;
    const emu_tview *a = SLOT_IN(ex, 0), *o = SLOT_OUT(ex, 0);
    int64_t n = shape_numel(o->rank, o->dims);
    if (a->dtype == o->dtype) {
        char *buf = scratch((size_t)n, (size_t)dt_size(o->dtype));
        tv_gather_raw(a, o->rank, o->dims, buf);
        tv_scatter_raw(o, buf);
        free(buf);
        return 0;
    }
    if (!dt_is_floating(a->dtype)) {
        int64_t *buf = scratch((size_t)n, sizeof *buf);
        tv_gather_i(a, o->rank, o->dims, buf);
        tv_scatter_i(o, buf);
        free(buf);
        return 0;
    }
    double *buf = scratch((size_t)n, sizeof *buf);
    tv_gather_f(a, o->rank, o->dims, buf);
    if (!dt_is_floating(o->dtype) && o->dtype != ACL_BOOL)
        for (int64_t i = 0; i < n; i++)
            if (!dt_f_fits(o->dtype, buf[i])) {
                snprintf(msg, cap,
                         "%s: element %lld is %g, which has no %s value (NaN, Inf and out-of-range values are "
                         "undefined on the device)",
                         ex->op, (long long)i, buf[i], dt_name(o->dtype));
                free(buf);
                return KERNEL_FAILED;
            }
    tv_scatter_f(o, buf);
    free(buf);
    return 0;
}

ACL_API aclnnStatus aclnnCastGetWorkspaceSize(const aclTensor *self, const aclDataType dtype, aclTensor *out,
                                              uint64_t *workspaceSize, aclOpExecutor **executor) {
    aclOpExecutor e;
    TRY(p1_begin(&e, "aclnnCast", k_convert, workspaceSize, executor));
    TRY(p1_in(&e, "self", self, 1));
    TRY(p1_out(&e, "out", out));
    TRY(p1_dtype(&e, 0, M_CASTABLE));
    TRY(p1_dtype(&e, 1, M_CASTABLE));
    if (dtype != SLOT_OUT(&e, 0)->dtype)
        return p1_fail(ACLNN_ERR_PARAM_INVALID, "aclnnCast: dtype %s (%d) differs from out's dtype %s", dt_name(dtype),
                       dtype, dt_name(SLOT_OUT(&e, 0)->dtype));
    TRY(p1_same_shape(&e, 0, 1));
    return p1_publish(&e, 0, workspaceSize, executor);
}
PHASE2(aclnnCast)

ACL_API aclnnStatus aclnnInplaceCopyGetWorkspaceSize(aclTensor *selfRef, const aclTensor *src,
                                                     uint64_t *workspaceSize, aclOpExecutor **executor) {
    aclOpExecutor e;
    TRY(p1_begin(&e, "aclnnInplaceCopy", k_convert, workspaceSize, executor));
    TRY(p1_in(&e, "src", src, 1));
    TRY(p1_out(&e, "selfRef", selfRef));
    if (selfRef == NULL) return p1_fail(ACLNN_ERR_PARAM_NULLPTR, "aclnnInplaceCopy: selfRef is null");
    TRY(p1_dtype(&e, 0, M_CASTABLE));
    TRY(p1_dtype(&e, 1, M_CASTABLE));
    TRY(p1_expand_to(&e, 0, 1));
    return p1_publish(&e, 0, workspaceSize, executor);
}
PHASE2(aclnnInplaceCopy)

/* ---- fill ---- */

static int k_fill(const aclOpExecutor *ex, void *ws, char *msg, size_t cap) {
    (void)ws, (void)msg, (void)cap;
    const emu_tview *o = SLOT_OUT(ex, 0);
    int64_t n = shape_numel(o->rank, o->dims);
    int es = dt_size(o->dtype);
    char one[8];
    if (dt_is_floating(ex->a.s0.dtype)) dt_store_f(o->dtype, one, ex->a.s0.f);
    else dt_store_i(o->dtype, one, ex->a.s0.i);
    char *buf = scratch((size_t)n, (size_t)es);
    for (int64_t i = 0; i < n; i++) memcpy(buf + i * es, one, (size_t)es);
    tv_scatter_raw(o, buf);
    free(buf);
    return 0;
}

ACL_API aclnnStatus aclnnInplaceFillScalarGetWorkspaceSize(aclTensor *selfRef, const aclScalar *value,
                                                           uint64_t *workspaceSize, aclOpExecutor **executor) {
    aclOpExecutor e;
    TRY(p1_begin(&e, "aclnnInplaceFillScalar", k_fill, workspaceSize, executor));
    TRY(p1_out(&e, "selfRef", selfRef));
    TRY(p1_scalar(&e, "value", value, &e.a.s0));
    TRY(p1_dtype(&e, 0, M_CASTABLE));
    aclDataType dt = SLOT_OUT(&e, 0)->dtype;
    if (dt_is_floating(e.a.s0.dtype) && !dt_is_floating(dt) && dt != ACL_BOOL && !dt_f_fits(dt, e.a.s0.f))
        return p1_fail(ACLNN_ERR_PARAM_INVALID, "aclnnInplaceFillScalar: value %g has no %s representation", e.a.s0.f,
                       dt_name(dt));
    return p1_publish(&e, 0, workspaceSize, executor);
}
PHASE2(aclnnInplaceFillScalar)

/* ---- permute ---- */

static int k_permute(const aclOpExecutor *ex, void *ws, char *msg, size_t cap) {
    (void)ws, (void)msg, (void)cap;
    const emu_tview *a = SLOT_IN(ex, 0), *o = SLOT_OUT(ex, 0);
    emu_tview pv = *a;
    for (int i = 0; i < a->rank; i++) {
        pv.dims[i] = a->dims[ex->a.dims[i]];
        pv.strides[i] = a->strides[ex->a.dims[i]];
    }
    int64_t n = shape_numel(pv.rank, pv.dims);
    char *buf = scratch((size_t)n, (size_t)dt_size(a->dtype));
    tv_gather_raw(&pv, pv.rank, pv.dims, buf);
    tv_scatter_raw(o, buf);
    free(buf);
    return 0;
}

ACL_API aclnnStatus aclnnPermuteGetWorkspaceSize(const aclTensor *self, const aclIntArray *dims, aclTensor *out,
                                                 uint64_t *workspaceSize, aclOpExecutor **executor) {
    aclOpExecutor e;
    TRY(p1_begin(&e, "aclnnPermute", k_permute, workspaceSize, executor));
    TRY(p1_in(&e, "self", self, 1));
    TRY(p1_out(&e, "out", out));
    TRY(p1_dtype(&e, 0, M_CASTABLE));
    TRY(p1_same_dtype(&e, 0, 1));
    const emu_tview *a = SLOT_IN(&e, 0), *o = SLOT_OUT(&e, 0);
    TRY(p1_dims(&e, "dims", dims, a->rank, &e.a.ndims, e.a.dims, a->rank == 0));
    if (e.a.ndims != a->rank)
        return p1_fail(ACLNN_ERR_PARAM_INVALID, "aclnnPermute: dims has %d entries but self has rank %d", e.a.ndims,
                       a->rank);
    int64_t want[EMU_MAX_RANK];
    for (int i = 0; i < a->rank; i++) want[i] = a->dims[e.a.dims[i]];
    int same = o->rank == a->rank;
    for (int i = 0; same && i < a->rank; i++) same = o->dims[i] == want[i];
    if (!same)
        return p1_fail(ACLNN_ERR_PARAM_INVALID, "aclnnPermute: out has shape %s; expected %s", shape_str(o->rank, o->dims),
                       shape_str(a->rank, want));
    return p1_publish(&e, 0, workspaceSize, executor);
}
PHASE2(aclnnPermute)

/* ---- embedding ---- */

static int k_embedding(const aclOpExecutor *ex, void *ws, char *msg, size_t cap) {
    (void)ws;
    const emu_tview *w = SLOT_IN(ex, 0), *ix = SLOT_IN(ex, 1), *o = SLOT_OUT(ex, 0);
    int64_t n = shape_numel(ix->rank, ix->dims), V = w->dims[0], D = w->dims[1];
    int es = dt_size(w->dtype);
    int64_t *idx = scratch((size_t)n, sizeof *idx);
    tv_gather_i(ix, ix->rank, ix->dims, idx);
    char *buf = scratch((size_t)(n * D), (size_t)es);
    for (int64_t i = 0; i < n; i++) {
        if (idx[i] < 0 || idx[i] >= V) {
            snprintf(msg, cap, "%s: index %lld at position %lld is out of range [0, %lld)", ex->op, (long long)idx[i],
                     (long long)i, (long long)V);
            free(idx);
            free(buf);
            return KERNEL_FAILED;
        }
        emu_tview row = *w;
        row.rank = 1;
        row.dims[0] = D;
        row.strides[0] = w->strides[1];
        row.offset = w->offset + idx[i] * w->strides[0];
        tv_gather_raw(&row, 1, row.dims, buf + i * D * es);
    }
    tv_scatter_raw(o, buf);
    free(idx);
    free(buf);
    return 0;
}

ACL_API aclnnStatus aclnnEmbeddingGetWorkspaceSize(const aclTensor *weight, const aclTensor *indices,
                                                   const aclTensor *out, uint64_t *workspaceSize,
                                                   aclOpExecutor **executor) {
    aclOpExecutor e;
    TRY(p1_begin(&e, "aclnnEmbedding", k_embedding, workspaceSize, executor));
    TRY(p1_in(&e, "weight", weight, 1));
    TRY(p1_in(&e, "indices", indices, 1));
    TRY(p1_out(&e, "out", out));
    TRY(p1_dtype(&e, 0, M_CASTABLE));
    TRY(p1_dtype(&e, 1, DT_BIT(ACL_INT32) | DT_BIT(ACL_INT64)));
    TRY(p1_same_dtype(&e, 0, 2));
    const emu_tview *w = SLOT_IN(&e, 0), *ix = SLOT_IN(&e, 1), *o = SLOT_OUT(&e, 0);
    if (w->rank != 2)
        return p1_fail(ACLNN_ERR_PARAM_INVALID, "aclnnEmbedding: weight %s must be 2-D [V, D]", shape_str(w->rank, w->dims));
    if (ix->rank > EMU_MAX_RANK - 1)
        return p1_fail(ACLNN_ERR_PARAM_INVALID, "aclnnEmbedding: indices rank %d exceeds %d", ix->rank, EMU_MAX_RANK - 1);
    int64_t want[EMU_MAX_RANK];
    memcpy(want, ix->dims, (size_t)ix->rank * sizeof *want);
    want[ix->rank] = w->dims[1];
    int same = o->rank == ix->rank + 1;
    for (int i = 0; same && i <= ix->rank; i++) same = o->dims[i] == want[i];
    if (!same)
        return p1_fail(ACLNN_ERR_PARAM_INVALID, "aclnnEmbedding: out has shape %s; expected indices shape + [D] = %s",
                       shape_str(o->rank, o->dims), shape_str(ix->rank + 1, want));
    return p1_publish(&e, 0, workspaceSize, executor);
}
PHASE2(aclnnEmbedding)
