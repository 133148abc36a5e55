/* Matmul family, Softmax/LogSoftmax, RmsNorm and LayerNorm. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "op_common.h"

/* ---- matmul ---- */

/* An FP32 matmul input as the cube unit sees it under cubeMathType. This emulator behaves like an
 * Atlas A2/A3 part: 1 ALLOW_FP32_DOWN_PRECISION and 3 USE_HF32 give HF32 (taken to be TF32-like:
 * 8 exponent and 10 explicit mantissa bits, round to nearest even; unconfirmed), 2 USE_FP16 gives
 * FP16, and 0 KEEP_DTYPE / 4 USE_FP32_ADD keep FP32. Accumulation is FP32 in every case. */
static double cube_round(int cube, double v) {
    switch (cube) {
    case 1:
    case 3: return round_hf32(v);
    case 2: return dt_round(ACL_FLOAT16, v);
    default: return v;
    }
}

/* a.dims: batch rank in ndims, M in dims[0], K in dims[1], N in dims[2]; batch shape in out slot */
static int k_matmul(const aclOpExecutor *ex, void *ws, char *msg, size_t cap) {
    (void)ws, (void)msg, (void)cap;
    emu_tview a = *SLOT_IN(ex, 0), b = *SLOT_IN(ex, 1);
    const emu_tview *o = SLOT_OUT(ex, 0);
    int64_t M = ex->a.dims[0], K = ex->a.dims[1], N = ex->a.dims[2];
    int nb = ex->a.ndims;
    const int64_t *bshape = ex->a.dims + 3;
    if (a.rank == 1) { /* [K] -> [1,K] */
        a.dims[1] = a.dims[0];
        a.strides[1] = a.strides[0];
        a.dims[0] = 1;
        a.strides[0] = 0;
        a.rank = 2;
    }
    if (b.rank == 1) { /* [K] -> [K,1] */
        b.dims[1] = 1;
        b.strides[1] = 0;
        b.rank = 2;
    }
    int64_t batch = shape_numel(nb, bshape);
    int64_t adims[EMU_MAX_RANK], bdims[EMU_MAX_RANK];
    memcpy(adims, bshape, (size_t)nb * sizeof *adims);
    memcpy(bdims, bshape, (size_t)nb * sizeof *bdims);
    adims[nb] = M, adims[nb + 1] = K;
    bdims[nb] = K, bdims[nb + 1] = N;
    double *x = scratch((size_t)(batch * M * K), sizeof *x), *y = scratch((size_t)(batch * K * N), sizeof *y);
    tv_gather_f(&a, nb + 2, adims, x);
    tv_gather_f(&b, nb + 2, bdims, y);
    int cube = a.dtype == ACL_FLOAT ? ex->a.cube : 0; /* cubeMathType only changes FP32 inputs */
    float *fa = scratch((size_t)(batch * M * K), sizeof *fa), *fb = scratch((size_t)(batch * K * N), sizeof *fb);
    for (int64_t i = 0; i < batch * M * K; i++) fa[i] = (float)cube_round(cube, x[i]);
    for (int64_t i = 0; i < batch * K * N; i++) fb[i] = (float)cube_round(cube, y[i]);
    free(x);
    free(y);
    float *acc = scratch((size_t)(batch * M * N), sizeof *acc);
    for (int64_t bi = 0; bi < batch; bi++) {
        const float *pa = fa + bi * M * K, *pb = fb + bi * K * N;
        float *pc = acc + bi * M * N;
        for (int64_t i = 0; i < M; i++)
            for (int64_t k = 0; k < K; k++) {
                float av = pa[i * K + k];
                const float *rowb = pb + k * N;
                float *rowc = pc + i * N;
                for (int64_t j = 0; j < N; j++) rowc[j] += av * rowb[j];
            }
    }
    double *r = scratch((size_t)(batch * M * N), sizeof *r);
    for (int64_t i = 0; i < batch * M * N; i++) r[i] = acc[i];
    tv_scatter_f(o, r);
    free(fa);
    free(fb);
    free(acc);
    free(r);
    return 0;
}

enum { MM_MATMUL, MM_MM, MM_BMM };

static int matmul_p1(const char *op, int kind, const aclTensor *self, const aclTensor *mat2, const aclTensor *out,
                     int8_t cube, uint64_t *workspaceSize, aclOpExecutor **executor) {
    aclOpExecutor e;
    TRY(p1_begin(&e, op, k_matmul, workspaceSize, executor));
    TRY(p1_in(&e, "self", self, 1));
    TRY(p1_in(&e, "mat2", mat2, 1));
    TRY(p1_out(&e, "out", out));
    TRY(p1_dtype(&e, 0, M_FLOATS));
    TRY(p1_same_dtype(&e, 0, 1));
    TRY(p1_same_dtype(&e, 0, 2));
    if (cube < 0 || cube > 4)
        return p1_fail(ACLNN_ERR_PARAM_INVALID, "%s: cubeMathType %d is not in 0..4", op, cube);
    e.a.cube = cube;
    const emu_tview *a = SLOT_IN(&e, 0), *b = SLOT_IN(&e, 1), *o = SLOT_OUT(&e, 0);
    int want = kind == MM_MM ? 2 : kind == MM_BMM ? 3 : 0;
    if (want && (a->rank != want || b->rank != want))
        return p1_fail(ACLNN_ERR_PARAM_INVALID, "%s: self %s and mat2 %s must both be %d-D", op, shape_str(a->rank, a->dims),
                       shape_str(b->rank, b->dims), want);
    if (a->rank < 1 || a->rank > 6 || b->rank < 1 || b->rank > 6)
        return p1_fail(ACLNN_ERR_PARAM_INVALID, "%s: self %s and mat2 %s must have 1 to 6 dims", op,
                       shape_str(a->rank, a->dims), shape_str(b->rank, b->dims));
    int64_t M = a->rank == 1 ? 1 : a->dims[a->rank - 2], K = a->dims[a->rank - 1];
    int64_t K2 = b->rank == 1 ? b->dims[0] : b->dims[b->rank - 2], N = b->rank == 1 ? 1 : b->dims[b->rank - 1];
    if (K != K2)
        return p1_fail(ACLNN_ERR_PARAM_INVALID, "%s: contracted dims differ: self %s has K=%lld, mat2 %s has K=%lld", op,
                       shape_str(a->rank, a->dims), (long long)K, shape_str(b->rank, b->dims), (long long)K2);
    int ba = a->rank > 2 ? a->rank - 2 : 0, bb = b->rank > 2 ? b->rank - 2 : 0;
    int nb = ba > bb ? ba : bb;
    int64_t bshape[EMU_MAX_RANK];
    for (int i = 0; i < nb; i++) {
        int ia = i - (nb - ba), ib = i - (nb - bb);
        int64_t da = ia >= 0 ? a->dims[ia] : 1, db = ib >= 0 ? b->dims[ib] : 1;
        if (da != db && da != 1 && db != 1)
            return p1_fail(ACLNN_ERR_PARAM_INVALID, "%s: batch dims of self %s and mat2 %s cannot be broadcast", op,
                           shape_str(a->rank, a->dims), shape_str(b->rank, b->dims));
        if (kind == MM_BMM && da != db)
            return p1_fail(ACLNN_ERR_PARAM_INVALID, "%s: batch sizes differ: self %s, mat2 %s", op,
                           shape_str(a->rank, a->dims), shape_str(b->rank, b->dims));
        bshape[i] = da == 1 ? db : da;
    }
    int64_t odims[EMU_MAX_RANK];
    int orank = nb;
    memcpy(odims, bshape, (size_t)nb * sizeof *odims);
    if (a->rank > 1) odims[orank++] = M;
    if (b->rank > 1) odims[orank++] = N;
    int same = o->rank == orank;
    for (int i = 0; same && i < orank; i++) same = o->dims[i] == odims[i];
    if (!same)
        return p1_fail(ACLNN_ERR_PARAM_INVALID, "%s: out has shape %s; expected %s for self %s x mat2 %s", op,
                       shape_str(o->rank, o->dims), shape_str(orank, odims), shape_str(a->rank, a->dims),
                       shape_str(b->rank, b->dims));
    if (nb + 3 > EMU_MAX_RANK) /* dims[] holds M,K,N and the batch shape */
        return p1_fail(ACLNN_ERR_PARAM_INVALID, "%s: at most %d batch dims are supported", op, EMU_MAX_RANK - 3);
    e.a.dims[0] = M, e.a.dims[1] = K, e.a.dims[2] = N;
    memcpy(e.a.dims + 3, bshape, (size_t)nb * sizeof *bshape);
    e.a.ndims = nb;
    return p1_publish(&e, ws_bytes((uint64_t)(shape_numel(nb, bshape) * M * N) * 4), workspaceSize, executor);
}

#define MATMUL(NAME, KIND)                                                                                        \
    ACL_API aclnnStatus NAME##GetWorkspaceSize(const aclTensor *self, const aclTensor *mat2, aclTensor *out,      \
                                               int8_t cubeMathType, uint64_t *workspaceSize,                      \
                                               aclOpExecutor **executor) {                                        \
        return matmul_p1(#NAME, KIND, self, mat2, out, cubeMathType, workspaceSize, executor);                   \
    }                                                                                                             \
    PHASE2(NAME)

MATMUL(aclnnMatmul, MM_MATMUL)
MATMUL(aclnnMm, MM_MM)
MATMUL(aclnnBatchMatMul, MM_BMM)

/* ---- softmax ---- */

static int k_softmax(const aclOpExecutor *ex, void *ws, char *msg, size_t cap) {
    (void)ws, (void)msg, (void)cap;
    const emu_tview *a = SLOT_IN(ex, 0), *o = SLOT_OUT(ex, 0);
    int flag[EMU_MAX_RANK] = {0};
    if (a->rank > 0) flag[ex->a.dim] = 1;
    emu_tview pa, po;
    int64_t outer, row = tv_move_dims_last(a, flag, &pa, &outer);
    tv_move_dims_last(o, flag, &po, &outer);
    double *x = scratch((size_t)(outer * row), sizeof *x);
    tv_gather_f(&pa, pa.rank, pa.dims, x);
    int logm = ex->a.mode == 1;
    for (int64_t i = 0; i < outer; i++) {
        double *p = x + i * row, mx = -INFINITY, sum = 0;
        for (int64_t j = 0; j < row; j++)
            if (p[j] > mx || isnan(p[j])) mx = p[j];
        for (int64_t j = 0; j < row; j++) sum += exp(p[j] - mx); /* all -inf: -inf - -inf = NaN */
        for (int64_t j = 0; j < row; j++) p[j] = logm ? (p[j] - mx) - log(sum) : exp(p[j] - mx) / sum;
    }
    tv_scatter_f(&po, x);
    free(x);
    return 0;
}

static int softmax_p1(const char *op, int logm, const aclTensor *self, int64_t dim, const aclTensor *out,
                      uint64_t *workspaceSize, aclOpExecutor **executor) {
    aclOpExecutor e;
    TRY(p1_begin(&e, op, k_softmax, workspaceSize, executor));
    e.a.mode = logm;
    TRY(p1_in(&e, "self", self, 1));
    TRY(p1_out(&e, "out", out));
    TRY(p1_dtype(&e, 0, M_FLOATS));
    TRY(p1_same_dtype(&e, 0, 1));
    TRY(p1_same_shape(&e, 0, 1));
    TRY(p1_dim(&e, "dim", dim, SLOT_IN(&e, 0)->rank, &e.a.dim));
    const emu_tview *a = SLOT_IN(&e, 0);
    int64_t row = a->rank ? a->dims[e.a.dim] : 1;
    return p1_publish(&e, ws_bytes((uint64_t)row * 8), workspaceSize, executor);
}

ACL_API aclnnStatus aclnnSoftmaxGetWorkspaceSize(const aclTensor *self, int64_t dim, aclTensor *out,
                                                 uint64_t *workspaceSize, aclOpExecutor **executor) {
    return softmax_p1("aclnnSoftmax", 0, self, dim, out, workspaceSize, executor);
}
PHASE2(aclnnSoftmax)

ACL_API aclnnStatus aclnnLogSoftmaxGetWorkspaceSize(const aclTensor *self, int64_t dim, aclTensor *out,
                                                    uint64_t *workspaceSize, aclOpExecutor **executor) {
    return softmax_p1("aclnnLogSoftmax", 1, self, dim, out, workspaceSize, executor);
}
PHASE2(aclnnLogSoftmax)

/* ---- norms: slots in0 x, [in1 gamma/weight], [in2 bias]; out0 y, out1/out2 statistics ---- */

static int k_norm(const aclOpExecutor *ex, void *ws, char *msg, size_t cap) {
    (void)ws, (void)msg, (void)cap;
    int rms = ex->a.mode == 0;
    const emu_tview *x = SLOT_IN(ex, 0), *w = SLOT_IN(ex, 1), *b = SLOT_IN(ex, 2);
    const emu_tview *y = SLOT_OUT(ex, 0), *s1 = SLOT_OUT(ex, 1), *s2 = rms ? NULL : SLOT_OUT(ex, 2);
    int g = ex->a.ndims;
    const int64_t *nd = x->dims + (x->rank - g);
    int64_t row = shape_numel(g, nd), outer = shape_numel(x->rank - g, x->dims);
    double *v = scratch((size_t)(outer * row), sizeof *v);
    double *wv = scratch((size_t)row, sizeof *wv), *bv = scratch((size_t)row, sizeof *bv);
    double *mean = scratch((size_t)outer, sizeof *mean), *rstd = scratch((size_t)outer, sizeof *rstd);
    tv_gather_f(x, x->rank, x->dims, v);
    if (w->present) tv_gather_f(w, g, nd, wv);
    else
        for (int64_t j = 0; j < row; j++) wv[j] = 1.0;
    if (b->present) tv_gather_f(b, g, nd, bv);
    for (int64_t i = 0; i < outer; i++) {
        double *p = v + i * row, m = 0, sq = 0;
        if (!rms) {
            for (int64_t j = 0; j < row; j++) m += p[j];
            m /= (double)row;
        }
        for (int64_t j = 0; j < row; j++) sq += (p[j] - m) * (p[j] - m);
        double r = 1.0 / sqrt(sq / (double)row + ex->a.eps);
        for (int64_t j = 0; j < row; j++) p[j] = (p[j] - m) * r * wv[j] + bv[j];
        mean[i] = m;
        rstd[i] = r;
    }
    tv_scatter_f(y, v);
    if (rms) {
        tv_scatter_f(s1, rstd);
    } else {
        if (s1->present) tv_scatter_f(s1, mean);
        if (s2->present) tv_scatter_f(s2, rstd);
    }
    free(v);
    free(wv);
    free(bv);
    free(mean);
    free(rstd);
    return 0;
}

/* Statistic outputs have x's shape with the normalised trailing dims set to 1. */
static int check_stat_shape(const aclOpExecutor *e, int slot, int g) {
    const emu_tview *x = SLOT_IN(e, 0), *s = &e->t[slot];
    if (!s->present) return ACLNN_SUCCESS;
    int64_t dims[EMU_MAX_RANK];
    for (int d = 0; d < x->rank; d++) dims[d] = d >= x->rank - g ? 1 : x->dims[d];
    int same = s->rank == x->rank;
    for (int d = 0; same && d < x->rank; d++) same = s->dims[d] == dims[d];
    if (!same)
        return p1_fail(ACLNN_ERR_PARAM_INVALID, "%s: %s has shape %s; expected %s", e->op, e->slot_name[slot],
                       shape_str(s->rank, s->dims), shape_str(x->rank, dims));
    return ACLNN_SUCCESS;
}

static int check_trailing(const aclOpExecutor *e, const char *what, int g, const int64_t *dims) {
    const emu_tview *x = SLOT_IN(e, 0);
    int ok = g >= 1 && g <= x->rank;
    for (int i = 0; ok && i < g; i++) ok = dims[i] == x->dims[x->rank - g + i];
    if (!ok)
        return p1_fail(ACLNN_ERR_PARAM_INVALID, "%s: %s %s must equal the trailing dims of the input %s", e->op, what,
                       shape_str(g, dims), shape_str(x->rank, x->dims));
    return ACLNN_SUCCESS;
}

ACL_API aclnnStatus aclnnRmsNormGetWorkspaceSize(const aclTensor *x, const aclTensor *gamma, double epsilon,
                                                 const aclTensor *yOut, const aclTensor *rstdOut,
                                                 uint64_t *workspaceSize, aclOpExecutor **executor) {
    aclOpExecutor e;
    TRY(p1_begin(&e, "aclnnRmsNorm", k_norm, workspaceSize, executor));
    e.a.mode = 0;
    e.a.eps = epsilon;
    TRY(p1_in(&e, "x", x, 1));
    TRY(p1_in(&e, "gamma", gamma, 1));
    TRY(p1_in(&e, "bias", NULL, 0));
    TRY(p1_out(&e, "yOut", yOut));
    TRY(p1_out(&e, "rstdOut", rstdOut));
    TRY(p1_dtype(&e, 0, M_FLOATS));
    TRY(p1_same_dtype(&e, 0, 1));
    TRY(p1_same_dtype(&e, 0, 3));
    TRY(p1_dtype(&e, 4, DT_BIT(ACL_FLOAT)));
    TRY(p1_same_shape(&e, 0, 3));
    const emu_tview *g = SLOT_IN(&e, 1);
    TRY(check_trailing(&e, "gamma shape", g->rank, g->dims));
    e.a.ndims = g->rank;
    TRY(check_stat_shape(&e, 4, g->rank));
    int64_t outer = shape_numel(SLOT_IN(&e, 0)->rank - g->rank, SLOT_IN(&e, 0)->dims);
    return p1_publish(&e, ws_bytes((uint64_t)outer * 8), workspaceSize, executor);
}
PHASE2(aclnnRmsNorm)

ACL_API aclnnStatus aclnnLayerNormGetWorkspaceSize(const aclTensor *input, const aclIntArray *normalizedShape,
                                                   const aclTensor *weightOptional, const aclTensor *biasOptional,
                                                   double eps, aclTensor *out, aclTensor *meanOutOptional,
                                                   aclTensor *rstdOutOptional, uint64_t *workspaceSize,
                                                   aclOpExecutor **executor) {
    aclOpExecutor e;
    TRY(p1_begin(&e, "aclnnLayerNorm", k_norm, workspaceSize, executor));
    e.a.mode = 1;
    e.a.eps = eps;
    TRY(p1_in(&e, "input", input, 1));
    TRY(p1_in(&e, "weight", weightOptional, 0));
    TRY(p1_in(&e, "bias", biasOptional, 0));
    TRY(p1_out(&e, "out", out));
    /* optional outputs: present only when given */
    e.slot_name[4] = "meanOut";
    e.slot_name[5] = "rstdOut";
    e.n_out = 3;
    if (meanOutOptional) {
        aclOpExecutor tmp = e;
        tmp.n_out = 1;
        TRY(p1_out(&tmp, "meanOut", meanOutOptional));
        e.t[4] = tmp.t[4];
    }
    if (rstdOutOptional) {
        aclOpExecutor tmp = e;
        tmp.n_out = 2;
        TRY(p1_out(&tmp, "rstdOut", rstdOutOptional));
        e.t[5] = tmp.t[5];
    }
    if (normalizedShape == NULL) return p1_fail(ACLNN_ERR_PARAM_NULLPTR, "aclnnLayerNorm: normalizedShape is null");
    if (normalizedShape->size > EMU_MAX_RANK)
        return p1_fail(ACLNN_ERR_PARAM_INVALID, "aclnnLayerNorm: normalizedShape has %llu entries",
                       (unsigned long long)normalizedShape->size);
    int g = (int)normalizedShape->size;
    TRY(p1_dtype(&e, 0, M_FLOATS));
    TRY(p1_same_dtype(&e, 0, 1));
    TRY(p1_same_dtype(&e, 0, 2));
    TRY(p1_same_dtype(&e, 0, 3));
    TRY(p1_dtype(&e, 4, M_FLOATS));
    TRY(p1_dtype(&e, 5, M_FLOATS));
    TRY(p1_same_shape(&e, 0, 3));
    TRY(check_trailing(&e, "normalizedShape", g, normalizedShape->values));
    for (int s = 1; s <= 2; s++) {
        const emu_tview *p = SLOT_IN(&e, s);
        if (!p->present) continue;
        int same = p->rank == g;
        for (int i = 0; same && i < g; i++) same = p->dims[i] == normalizedShape->values[i];
        if (!same)
            return p1_fail(ACLNN_ERR_PARAM_INVALID, "aclnnLayerNorm: %s has shape %s; expected normalizedShape %s",
                           e.slot_name[s], shape_str(p->rank, p->dims), shape_str(g, normalizedShape->values));
    }
    TRY(check_stat_shape(&e, 4, g));
    TRY(check_stat_shape(&e, 5, g));
    e.a.ndims = g;
    int64_t outer = shape_numel(SLOT_IN(&e, 0)->rank - g, SLOT_IN(&e, 0)->dims);
    return p1_publish(&e, ws_bytes((uint64_t)outer * 16), workspaceSize, executor);
}
PHASE2(aclnnLayerNorm)
