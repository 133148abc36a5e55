/* Elementwise aclnn ops: arithmetic (tensor-tensor and tensor-scalar), comparisons,
 * SWhere and unary math. Floats compute in double and round once into the output
 * dtype; integers compute in 64-bit two's complement and wrap into the output. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "op_common.h"

enum { B_ADD, B_SUB, B_MUL, B_DIV, B_MAX, B_MIN, B_POW, C_EQ, C_NE, C_LT, C_LE, C_GT, C_GE };
enum { U_EXP, U_NEG, U_SQRT, U_RSQRT, U_ABS, U_LOG, U_TANH, U_ERF, U_SIGMOID, U_GELU_TANH, U_GELU_ERF, U_SILU, U_RELU };

static double bin_f(int mode, double x, double y, double alpha) {
    switch (mode) {
    case B_ADD: return x + alpha * y;
    case B_SUB: return x - alpha * y;
    case B_MUL: return x * y;
    case B_DIV: return x / y;
    case B_MAX: return (isnan(x) || isnan(y)) ? NAN : (x > y ? x : y);
    case B_MIN: return (isnan(x) || isnan(y)) ? NAN : (x < y ? x : y);
    case B_POW: return pow(x, y);
    case C_EQ: return x == y;
    case C_NE: return x != y;
    case C_LT: return x < y;
    case C_LE: return x <= y;
    case C_GT: return x > y;
    default: return x >= y;
    }
}

static int64_t bin_i(int mode, int64_t x, int64_t y, int64_t alpha) {
    uint64_t ux = (uint64_t)x, uy = (uint64_t)y, ua = (uint64_t)alpha;
    switch (mode) {
    case B_ADD: return (int64_t)(ux + ua * uy);
    case B_SUB: return (int64_t)(ux - ua * uy);
    case B_MUL: return (int64_t)(ux * uy);
    case B_DIV: return (y == -1) ? (int64_t)(0 - ux) : x / y; /* truncates toward zero; INT64_MIN / -1 wraps */
    case B_MAX: return x > y ? x : y;
    case B_MIN: return x < y ? x : y;
    case C_EQ: return x == y;
    case C_NE: return x != y;
    case C_LT: return x < y;
    case C_LE: return x <= y;
    case C_GT: return x > y;
    default: return x >= y;
    }
}

/* inputs: self, other (absent when a.keep: other is scalar s0); alpha in s1 */
static int k_binary(const aclOpExecutor *ex, void *ws, char *msg, size_t cap) {
    (void)ws;
    const emu_tview *a = SLOT_IN(ex, 0), *b = SLOT_IN(ex, 1), *o = SLOT_OUT(ex, 0);
    int64_t n = shape_numel(o->rank, o->dims);
    int mode = (int)ex->a.mode, scalar_other = ex->a.keep;
    int is_cmp = mode >= C_EQ;
    if (dt_is_floating(a->dtype)) {
        double *x = scratch((size_t)n, sizeof *x), *y = scratch((size_t)n, sizeof *y);
        tv_gather_f(a, o->rank, o->dims, x);
        if (scalar_other) {
            double v = ex->a.s0.f;
            for (int64_t i = 0; i < n; i++) y[i] = v;
        } else {
            tv_gather_f(b, o->rank, o->dims, y);
        }
        for (int64_t i = 0; i < n; i++) x[i] = bin_f(mode, x[i], y[i], ex->a.s1.f);
        tv_scatter_f(o, x);
        free(x);
        free(y);
        return 0;
    }
    int64_t *x = scratch((size_t)n, sizeof *x), *y = scratch((size_t)n, sizeof *y);
    tv_gather_i(a, o->rank, o->dims, x);
    if (scalar_other) {
        for (int64_t i = 0; i < n; i++) y[i] = ex->a.s0.i;
    } else {
        tv_gather_i(b, o->rank, o->dims, y);
    }
    for (int64_t i = 0; i < n; i++) {
        if (mode == B_DIV && y[i] == 0) {
            snprintf(msg, cap, "%s: integer division by zero at element %lld", ex->op, (long long)i);
            free(x);
            free(y);
            return KERNEL_FAILED;
        }
        x[i] = bin_i(mode, x[i], y[i], ex->a.s1.i);
    }
    (void)is_cmp;
    tv_scatter_i(o, x);
    free(x);
    free(y);
    return 0;
}

static int check_alpha(const aclOpExecutor *e, const char *name, const emu_scalar *s, aclDataType dt) {
    if (dt_is_floating(dt) || !dt_is_floating(s->dtype)) return ACLNN_SUCCESS;
    if (s->f != trunc(s->f) || !dt_f_fits(ACL_INT64, s->f))
        return p1_fail(ACLNN_ERR_PARAM_INVALID, "%s: %s %g is not an integer but the tensors are %s", e->op, name, s->f,
                       dt_name(dt));
    return ACLNN_SUCCESS;
}

static int binary_p1(const char *op, int mode, uint64_t mask, const aclTensor *self, const aclTensor *other,
                     const aclScalar *alpha, int has_alpha, const aclTensor *out, uint64_t *workspaceSize,
                     aclOpExecutor **executor) {
    aclOpExecutor e;
    TRY(p1_begin(&e, op, k_binary, workspaceSize, executor));
    e.a.mode = mode;
    e.a.s1.f = 1.0;
    e.a.s1.i = 1;
    TRY(p1_in(&e, "self", self, 1));
    TRY(p1_in(&e, "other", other, 1));
    TRY(p1_out(&e, "out", out));
    if (has_alpha) {
        TRY(p1_scalar(&e, "alpha", alpha, &e.a.s1));
        TRY(check_alpha(&e, "alpha", &e.a.s1, e.t[0].dtype));
    }
    TRY(p1_dtype(&e, 0, mask));
    if (dt_is_floating(e.t[0].dtype)) e.a.s1.f = (float)e.a.s1.f; /* scalars take the compute type */
    TRY(p1_same_dtype(&e, 0, 1));
    if (mode >= C_EQ) {
        TRY(p1_dtype(&e, 2, M_BOOL));
    } else {
        TRY(p1_same_dtype(&e, 0, 2));
    }
    int ins[2] = {0, 1};
    TRY(p1_broadcast_to_out(&e, 2, ins, 2));
    return p1_publish(&e, 0, workspaceSize, executor);
}

static int scalar_p1(const char *op, int mode, const aclTensor *self, const aclScalar *other, const aclScalar *alpha,
                     int has_alpha, const aclTensor *out, uint64_t *workspaceSize, aclOpExecutor **executor) {
    aclOpExecutor e;
    TRY(p1_begin(&e, op, k_binary, workspaceSize, executor));
    e.a.mode = mode;
    e.a.keep = 1;
    e.a.s1.f = 1.0;
    e.a.s1.i = 1;
    TRY(p1_in(&e, "self", self, 1));
    TRY(p1_in(&e, "other", NULL, 0));
    TRY(p1_out(&e, "out", out));
    TRY(p1_scalar(&e, "other", other, &e.a.s0));
    if (has_alpha) TRY(p1_scalar(&e, "alpha", alpha, &e.a.s1));
    TRY(p1_dtype(&e, 0, M_NUMERIC));
    if (dt_is_floating(e.t[0].dtype)) { /* scalars take the compute type */
        e.a.s0.f = (float)e.a.s0.f;
        e.a.s1.f = (float)e.a.s1.f;
    }
    TRY(check_alpha(&e, "other", &e.a.s0, e.t[0].dtype));
    TRY(check_alpha(&e, "alpha", &e.a.s1, e.t[0].dtype));
    TRY(p1_same_dtype(&e, 0, 2));
    TRY(p1_same_shape(&e, 0, 2));
    return p1_publish(&e, 0, workspaceSize, executor);
}

#define BIN_ALPHA(NAME, MODE)                                                                                     \
    ACL_API aclnnStatus NAME##GetWorkspaceSize(const aclTensor *self, const aclTensor *other, const aclScalar *alpha, \
                                               aclTensor *out, uint64_t *workspaceSize, aclOpExecutor **executor) { \
        return binary_p1(#NAME, MODE, M_NUMERIC, self, other, alpha, 1, out, workspaceSize, executor);           \
    }                                                                                                             \
    PHASE2(NAME)

#define BIN(NAME, MODE, MASK)                                                                                     \
    ACL_API aclnnStatus NAME##GetWorkspaceSize(const aclTensor *self, const aclTensor *other, aclTensor *out,     \
                                               uint64_t *workspaceSize, aclOpExecutor **executor) {               \
        return binary_p1(#NAME, MODE, MASK, self, other, NULL, 0, out, workspaceSize, executor);                 \
    }                                                                                                             \
    PHASE2(NAME)

BIN_ALPHA(aclnnAdd, B_ADD)
BIN_ALPHA(aclnnSub, B_SUB)
BIN(aclnnMul, B_MUL, M_NUMERIC)
BIN(aclnnDiv, B_DIV, M_NUMERIC)
BIN(aclnnMaximum, B_MAX, M_NUMERIC)
BIN(aclnnMinimum, B_MIN, M_NUMERIC)
BIN(aclnnPowTensorTensor, B_POW, M_FLOATS)
BIN(aclnnEqTensor, C_EQ, M_NUMERIC)
BIN(aclnnNeTensor, C_NE, M_NUMERIC)
BIN(aclnnLtTensor, C_LT, M_NUMERIC)
BIN(aclnnLeTensor, C_LE, M_NUMERIC)
BIN(aclnnGtTensor, C_GT, M_NUMERIC)
BIN(aclnnGeTensor, C_GE, M_NUMERIC)

ACL_API aclnnStatus aclnnAddsGetWorkspaceSize(const aclTensor *self, const aclScalar *other, const aclScalar *alpha,
                                              aclTensor *out, uint64_t *workspaceSize, aclOpExecutor **executor) {
    return scalar_p1("aclnnAdds", B_ADD, self, other, alpha, 1, out, workspaceSize, executor);
}
PHASE2(aclnnAdds)

ACL_API aclnnStatus aclnnMulsGetWorkspaceSize(const aclTensor *self, const aclScalar *other, aclTensor *out,
                                              uint64_t *workspaceSize, aclOpExecutor **executor) {
    return scalar_p1("aclnnMuls", B_MUL, self, other, NULL, 0, out, workspaceSize, executor);
}
PHASE2(aclnnMuls)

/* ---- SWhere ---- */

static int k_where(const aclOpExecutor *ex, void *ws, char *msg, size_t cap) {
    (void)ws, (void)msg, (void)cap;
    const emu_tview *c = SLOT_IN(ex, 0), *a = SLOT_IN(ex, 1), *b = SLOT_IN(ex, 2), *o = SLOT_OUT(ex, 0);
    int64_t n = shape_numel(o->rank, o->dims);
    int es = dt_size(o->dtype);
    int64_t *cond = scratch((size_t)n, sizeof *cond);
    char *x = scratch((size_t)n, (size_t)es), *y = scratch((size_t)n, (size_t)es);
    tv_gather_i(c, o->rank, o->dims, cond);
    tv_gather_raw(a, o->rank, o->dims, x);
    tv_gather_raw(b, o->rank, o->dims, y);
    for (int64_t i = 0; i < n; i++)
        if (!cond[i]) memcpy(x + i * es, y + i * es, (size_t)es);
    tv_scatter_raw(o, x);
    free(cond);
    free(x);
    free(y);
    return 0;
}

ACL_API aclnnStatus aclnnSWhereGetWorkspaceSize(const aclTensor *condition, const aclTensor *self,
                                                const aclTensor *other, aclTensor *out, uint64_t *workspaceSize,
                                                aclOpExecutor **executor) {
    aclOpExecutor e;
    TRY(p1_begin(&e, "aclnnSWhere", k_where, workspaceSize, executor));
    TRY(p1_in(&e, "condition", condition, 1));
    TRY(p1_in(&e, "self", self, 1));
    TRY(p1_in(&e, "other", other, 1));
    TRY(p1_out(&e, "out", out));
    TRY(p1_dtype(&e, 0, M_BOOL));
    TRY(p1_dtype(&e, 1, M_NUMERIC));
    TRY(p1_same_dtype(&e, 1, 2));
    TRY(p1_same_dtype(&e, 1, 3));
    int ins[3] = {0, 1, 2};
    TRY(p1_broadcast_to_out(&e, 3, ins, 3));
    return p1_publish(&e, 0, workspaceSize, executor);
}
PHASE2(aclnnSWhere)

/* ---- unary ---- */

static double sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }

static double un_f(int mode, double x) {
    switch (mode) {
    case U_EXP: return exp(x);
    case U_NEG: return -x;
    case U_SQRT: return sqrt(x);
    case U_RSQRT: return 1.0 / sqrt(x);
    case U_ABS: return fabs(x);
    case U_LOG: return log(x);
    case U_TANH: return tanh(x);
    case U_ERF: return erf(x);
    case U_SIGMOID: return sigmoid(x);
    case U_GELU_TANH: return 0.5 * x * (1.0 + tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)));
    case U_GELU_ERF: return 0.5 * x * (1.0 + erf(x * 0.7071067811865476));
    case U_SILU: return x * sigmoid(x);
    default: return isnan(x) ? x : (x > 0 ? x : 0.0); /* relu */
    }
}

static int k_unary(const aclOpExecutor *ex, void *ws, char *msg, size_t cap) {
    (void)ws, (void)msg, (void)cap;
    const emu_tview *a = SLOT_IN(ex, 0), *o = SLOT_OUT(ex, 0);
    int64_t n = shape_numel(o->rank, o->dims);
    int mode = (int)ex->a.mode;
    if (dt_is_floating(a->dtype)) {
        double *x = scratch((size_t)n, sizeof *x);
        tv_gather_f(a, o->rank, o->dims, x);
        for (int64_t i = 0; i < n; i++) x[i] = un_f(mode, x[i]);
        tv_scatter_f(o, x);
        free(x);
        return 0;
    }
    int64_t *x = scratch((size_t)n, sizeof *x);
    tv_gather_i(a, o->rank, o->dims, x);
    for (int64_t i = 0; i < n; i++) {
        uint64_t u = (uint64_t)x[i];
        if (mode == U_NEG) x[i] = (int64_t)(0 - u);
        else if (mode == U_ABS) x[i] = x[i] < 0 ? (int64_t)(0 - u) : x[i];
        else x[i] = x[i] > 0 ? x[i] : 0;
    }
    tv_scatter_i(o, x);
    free(x);
    return 0;
}

static int unary_p1(const char *op, int mode, uint64_t mask, const aclTensor *self, const aclTensor *out,
                    uint64_t *workspaceSize, aclOpExecutor **executor) {
    aclOpExecutor e;
    TRY(p1_begin(&e, op, k_unary, workspaceSize, executor));
    e.a.mode = mode;
    TRY(p1_in(&e, "self", self, 1));
    TRY(p1_out(&e, "out", out));
    TRY(p1_dtype(&e, 0, mask));
    TRY(p1_same_dtype(&e, 0, 1));
    TRY(p1_same_shape(&e, 0, 1));
    return p1_publish(&e, 0, workspaceSize, executor);
}

#define UNARY(NAME, MODE, MASK)                                                                                   \
    ACL_API aclnnStatus NAME##GetWorkspaceSize(const aclTensor *self, aclTensor *out, uint64_t *workspaceSize,    \
                                               aclOpExecutor **executor) {                                        \
        return unary_p1(#NAME, MODE, MASK, self, out, workspaceSize, executor);                                  \
    }                                                                                                             \
    PHASE2(NAME)

UNARY(aclnnExp, U_EXP, M_FLOATS)
UNARY(aclnnNeg, U_NEG, M_NUMERIC)
UNARY(aclnnSqrt, U_SQRT, M_FLOATS)
UNARY(aclnnRsqrt, U_RSQRT, M_FLOATS)
UNARY(aclnnAbs, U_ABS, M_NUMERIC)
UNARY(aclnnLog, U_LOG, M_FLOATS)
UNARY(aclnnTanh, U_TANH, M_FLOATS)
UNARY(aclnnErf, U_ERF, M_FLOATS)
UNARY(aclnnSigmoid, U_SIGMOID, M_FLOATS)
UNARY(aclnnGelu, U_GELU_TANH, M_FLOATS)
UNARY(aclnnSilu, U_SILU, M_FLOATS)
UNARY(aclnnRelu, U_RELU, M_NUMERIC)

ACL_API aclnnStatus aclnnGeluV2GetWorkspaceSize(const aclTensor *x, int64_t approximate, aclTensor *y,
                                                uint64_t *workspaceSize, aclOpExecutor **executor) {
    if (approximate != 0 && approximate != 1)
        return p1_fail(ACLNN_ERR_PARAM_INVALID, "aclnnGeluV2: approximate %lld is not 0 (none/erf) or 1 (tanh)",
                       (long long)approximate);
    return unary_p1("aclnnGeluV2", approximate ? U_GELU_TANH : U_GELU_ERF, M_FLOATS, x, y, workspaceSize, executor);
}
PHASE2(aclnnGeluV2)
