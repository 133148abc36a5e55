/* Reductions (ReduceSum, Mean, Amax, Amin) and ArgMax. The input is gathered with
 * kept dims first and reduced dims last, so each output element owns one
 * contiguous row. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "op_common.h"

enum { R_SUM, R_MEAN, R_MAX, R_MIN, R_ARGMAX };

static int k_reduce(const aclOpExecutor *ex, void *ws, char *msg, size_t cap) {
    (void)ws;
    const emu_tview *a = SLOT_IN(ex, 0), *o = SLOT_OUT(ex, 0);
    int reduce[EMU_MAX_RANK] = {0};
    for (int i = 0; i < ex->a.ndims; i++) reduce[ex->a.dims[i]] = 1;
    if (ex->a.ndims == 0 && ex->a.mode != R_ARGMAX)
        for (int d = 0; d < a->rank; d++) reduce[d] = 1; /* empty dim list reduces everything */
    emu_tview pv;
    int64_t outer, row = tv_move_dims_last(a, reduce, &pv, &outer);
    int64_t n = outer * row;
    int mode = (int)ex->a.mode;
    int float_path = dt_is_floating(a->dtype) || (mode != R_ARGMAX && dt_is_floating(o->dtype));
    if (mode == R_ARGMAX) {
        double *x = scratch((size_t)n, sizeof *x);
        tv_gather_f(&pv, a->rank, pv.dims, x);
        int64_t *r = scratch((size_t)outer, sizeof *r);
        for (int64_t i = 0; i < outer; i++) {
            const double *p = x + i * row;
            int64_t best = 0;
            for (int64_t j = 1; j < row && !isnan(p[best]); j++)
                if (isnan(p[j]) || p[j] > p[best]) best = j;
            r[i] = best;
        }
        tv_scatter_i(o, r);
        free(x);
        free(r);
        return 0;
    }
    if (float_path) {
        double *x = scratch((size_t)n, sizeof *x), *r = scratch((size_t)outer, sizeof *r);
        tv_gather_f(&pv, a->rank, pv.dims, x);
        for (int64_t i = 0; i < outer; i++) {
            const double *p = x + i * row;
            double acc = (mode == R_MAX || mode == R_MIN) ? p[0] : 0.0;
            for (int64_t j = 0; j < row; j++) {
                if (mode == R_SUM || mode == R_MEAN) acc += p[j];
                else if (isnan(p[j]) || isnan(acc)) acc = NAN;
                else if (mode == R_MAX ? p[j] > acc : p[j] < acc) acc = p[j];
            }
            if (mode == R_MEAN) acc /= (double)row;
            if (!dt_f_fits(o->dtype, acc)) {
                snprintf(msg, cap, "%s: result %g does not fit the %s output", ex->op, acc, dt_name(o->dtype));
                free(x);
                free(r);
                return KERNEL_FAILED;
            }
            r[i] = acc;
        }
        tv_scatter_f(o, r);
        free(x);
        free(r);
        return 0;
    }
    int64_t *x = scratch((size_t)n, sizeof *x), *r = scratch((size_t)outer, sizeof *r);
    tv_gather_i(&pv, a->rank, pv.dims, x);
    for (int64_t i = 0; i < outer; i++) {
        const int64_t *p = x + i * row;
        uint64_t sum = 0;
        int64_t best = row ? p[0] : 0;
        for (int64_t j = 0; j < row; j++) {
            sum += (uint64_t)p[j];
            if (mode == R_MAX ? p[j] > best : p[j] < best) best = p[j];
        }
        r[i] = mode == R_SUM ? (int64_t)sum : best;
    }
    tv_scatter_i(o, r);
    free(x);
    free(r);
    return 0;
}

static int check_out_shape(const aclOpExecutor *e, const emu_tview *a, const int *reduce, int keep) {
    int64_t dims[EMU_MAX_RANK];
    int r = 0;
    for (int d = 0; d < a->rank; d++) {
        if (!reduce[d]) dims[r++] = a->dims[d];
        else if (keep) dims[r++] = 1;
    }
    const emu_tview *o = SLOT_OUT(e, 0);
    int same = o->rank == r;
    for (int d = 0; same && d < r; d++) same = o->dims[d] == dims[d];
    if (!same)
        return p1_fail(ACLNN_ERR_PARAM_INVALID, "%s: out has shape %s; expected %s (self %s, keepdim %d)", e->op,
                       shape_str(o->rank, o->dims), shape_str(r, dims), shape_str(a->rank, a->dims), keep);
    return ACLNN_SUCCESS;
}

static int reduce_p1(const char *op, int mode, const aclTensor *self, const aclIntArray *dims, bool keep,
                     aclDataType dtype, int has_dtype, aclTensor *out, uint64_t *workspaceSize,
                     aclOpExecutor **executor) {
    aclOpExecutor e;
    TRY(p1_begin(&e, op, k_reduce, workspaceSize, executor));
    e.a.mode = mode;
    e.a.keep = keep;
    TRY(p1_in(&e, "self", self, 1));
    TRY(p1_out(&e, "out", out));
    const emu_tview *a = SLOT_IN(&e, 0);
    TRY(p1_dims(&e, "dims", dims, a->rank, &e.a.ndims, e.a.dims, 1));
    if (a->rank == 0) e.a.ndims = 0;
    TRY(p1_dtype(&e, 0, mode == R_MEAN ? M_FLOATS : M_NUMERIC));
    if (has_dtype) {
        TRY(p1_dtype(&e, 1, mode == R_MEAN ? M_FLOATS : M_NUMERIC));
        if (dtype != SLOT_OUT(&e, 0)->dtype)
            return p1_fail(ACLNN_ERR_PARAM_INVALID, "%s: dtype %s differs from out's dtype %s", op, dt_name(dtype),
                           dt_name(SLOT_OUT(&e, 0)->dtype));
    } else {
        TRY(p1_same_dtype(&e, 0, 1));
    }
    int reduce[EMU_MAX_RANK] = {0};
    for (int i = 0; i < e.a.ndims; i++) reduce[e.a.dims[i]] = 1;
    if (e.a.ndims == 0)
        for (int d = 0; d < a->rank; d++) reduce[d] = 1;
    if (mode == R_MAX || mode == R_MIN)
        for (int d = 0; d < a->rank; d++)
            if (reduce[d] && a->dims[d] == 0)
                return p1_fail(ACLNN_ERR_PARAM_INVALID, "%s: cannot reduce over dim %d of size 0 (no identity)", op, d);
    TRY(check_out_shape(&e, a, reduce, keep));
    uint64_t ws = (mode == R_SUM || mode == R_MEAN)
                      ? ws_bytes((uint64_t)shape_numel(SLOT_OUT(&e, 0)->rank, SLOT_OUT(&e, 0)->dims) * 8)
                      : 0;
    return p1_publish(&e, ws, workspaceSize, executor);
}

ACL_API aclnnStatus aclnnReduceSumGetWorkspaceSize(const aclTensor *self, const aclIntArray *dims, bool keepDims,
                                                   aclDataType dtype, aclTensor *out, uint64_t *workspaceSize,
                                                   aclOpExecutor **executor) {
    return reduce_p1("aclnnReduceSum", R_SUM, self, dims, keepDims, dtype, 1, out, workspaceSize, executor);
}
PHASE2(aclnnReduceSum)

ACL_API aclnnStatus aclnnMeanGetWorkspaceSize(const aclTensor *self, const aclIntArray *dim, bool keepDim,
                                              aclDataType dtype, aclTensor *out, uint64_t *workspaceSize,
                                              aclOpExecutor **executor) {
    return reduce_p1("aclnnMean", R_MEAN, self, dim, keepDim, dtype, 1, out, workspaceSize, executor);
}
PHASE2(aclnnMean)

ACL_API aclnnStatus aclnnAmaxGetWorkspaceSize(const aclTensor *self, const aclIntArray *dim, bool keepDim,
                                              aclTensor *out, uint64_t *workspaceSize, aclOpExecutor **executor) {
    return reduce_p1("aclnnAmax", R_MAX, self, dim, keepDim, 0, 0, out, workspaceSize, executor);
}
PHASE2(aclnnAmax)

ACL_API aclnnStatus aclnnAminGetWorkspaceSize(const aclTensor *self, const aclIntArray *dim, bool keepDim,
                                              aclTensor *out, uint64_t *workspaceSize, aclOpExecutor **executor) {
    return reduce_p1("aclnnAmin", R_MIN, self, dim, keepDim, 0, 0, out, workspaceSize, executor);
}
PHASE2(aclnnAmin)

ACL_API aclnnStatus aclnnArgMaxGetWorkspaceSize(const aclTensor *self, int64_t dim, bool keepdim, aclTensor *out,
                                                uint64_t *workspaceSize, aclOpExecutor **executor) {
    aclOpExecutor e;
    TRY(p1_begin(&e, "aclnnArgMax", k_reduce, workspaceSize, executor));
    e.a.mode = R_ARGMAX;
    e.a.keep = keepdim;
    TRY(p1_in(&e, "self", self, 1));
    TRY(p1_out(&e, "out", out));
    const emu_tview *a = SLOT_IN(&e, 0);
    TRY(p1_dtype(&e, 0, M_NUMERIC));
    TRY(p1_dtype(&e, 1, DT_BIT(ACL_INT32) | DT_BIT(ACL_INT64)));
    int64_t d;
    TRY(p1_dim(&e, "dim", dim, a->rank, &d));
    int reduce[EMU_MAX_RANK] = {0};
    if (a->rank > 0) {
        if (a->dims[d] == 0)
            return p1_fail(ACLNN_ERR_PARAM_INVALID, "aclnnArgMax: dim %lld has size 0", (long long)d);
        reduce[d] = 1;
        e.a.ndims = 1;
        e.a.dims[0] = d;
    }
    TRY(check_out_shape(&e, a, reduce, keepdim));
    return p1_publish(&e, 0, workspaceSize, executor);
}
PHASE2(aclnnArgMax)
