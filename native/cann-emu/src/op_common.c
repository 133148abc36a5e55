/* Phase-1 validation helpers, executor publication and the shared phase-2 launch. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "op_common.h"

static const emu_internal_api *api(void) { return xpu4jEmuInternalApi(); }

int p1_fail(int code, const char *fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    api()->set_msg(buf);
    return code;
}

static const char *mask_str(uint64_t mask) {
    static __thread char buf[256];
    size_t k = 0;
    buf[0] = '\0';
    for (int d = 0; d < 64 && k < sizeof buf - 32; d++)
        if (mask & DT_BIT(d)) k += (size_t)snprintf(buf + k, sizeof buf - k, k ? ", %s" : "%s", dt_name(d));
    return buf;
}

int p1_begin(aclOpExecutor *e, const char *op, emu_kernel_fn k, uint64_t *workspaceSize, aclOpExecutor **executor) {
    memset(e, 0, sizeof *e);
    e->magic = EMU_EXEC_MAGIC;
    e->op = op;
    e->kernel = k;
    if (workspaceSize == NULL) return p1_fail(ACLNN_ERR_PARAM_NULLPTR, "%sGetWorkspaceSize: workspaceSize is null", op);
    if (executor == NULL) return p1_fail(ACLNN_ERR_PARAM_NULLPTR, "%sGetWorkspaceSize: executor is null", op);
    return ACLNN_SUCCESS;
}

static int add_slot(aclOpExecutor *e, const char *name, const aclTensor *t, int required, int slot) {
    const char *op = e->op;
    e->slot_name[slot] = name;
    emu_tview *v = &e->t[slot];
    memset(v, 0, sizeof *v);
    if (t == NULL) {
        if (required) return p1_fail(ACLNN_ERR_PARAM_NULLPTR, "%s: %s is null", op, name);
        return ACLNN_SUCCESS;
    }
    if (t->magic != EMU_TENSOR_MAGIC)
        return p1_fail(ACLNN_ERR_PARAM_INVALID, "%s: %s is not a live aclTensor (destroyed or not from aclCreateTensor)", op,
                       name);
    if (t->rank > EMU_MAX_RANK)
        return p1_fail(ACLNN_ERR_PARAM_INVALID, "%s: %s has rank %llu; at most %d dims are supported", op, name,
                       (unsigned long long)t->rank, EMU_MAX_RANK);
    if (dt_size(t->dtype) == 0)
        return p1_fail(ACLNN_ERR_PARAM_INVALID, "%s: %s has dtype %d, which the emulator does not support", op, name,
                       t->dtype);
    if (t->offset < 0) return p1_fail(ACLNN_ERR_PARAM_INVALID, "%s: %s has negative offset %lld", op, name, (long long)t->offset);
    v->present = 1;
    v->dtype = t->dtype;
    v->rank = (int)t->rank;
    v->offset = t->offset;
    v->data = t->data;
    int64_t reach = t->offset, n = 1;
    for (int i = 0; i < v->rank; i++) {
        if (t->dims[i] < 0 || t->strides[i] < 0)
            return p1_fail(ACLNN_ERR_PARAM_INVALID, "%s: %s has a negative dim or stride (dims %s)", op, name,
                           shape_str(v->rank, t->dims));
        v->dims[i] = t->dims[i];
        v->strides[i] = t->strides[i];
        n *= t->dims[i];
        if (t->dims[i] > 0) reach += (t->dims[i] - 1) * t->strides[i];
    }
    v->extent = n == 0 ? 0 : reach + 1;
    if (t->storage_rank > 0 && n > 0) {
        int64_t cap = 1;
        for (uint64_t i = 0; i < t->storage_rank; i++) cap *= t->storage_dims[i];
        if (v->extent > cap)
            return p1_fail(ACLNN_ERR_PARAM_INVALID,
                           "%s: %s view (dims %s, offset %lld) reaches element %lld but its storage holds %lld elements",
                           op, name, shape_str(v->rank, v->dims), (long long)t->offset, (long long)(v->extent - 1),
                           (long long)cap);
    }
    return ACLNN_SUCCESS;
}

int p1_in(aclOpExecutor *e, const char *name, const aclTensor *t, int required) {
    if (e->n_out > 0 || e->n_in >= EMU_MAX_SLOTS) abort(); /* programming error in an op definition */
    int slot = e->n_in++;
    return add_slot(e, name, t, required, slot);
}

int p1_out(aclOpExecutor *e, const char *name, const aclTensor *t) {
    if (e->n_in + e->n_out >= EMU_MAX_SLOTS) abort();
    int slot = e->n_in + e->n_out++;
    return add_slot(e, name, t, 1, slot);
}

int p1_dtype(const aclOpExecutor *e, int slot, uint64_t mask) {
    const emu_tview *v = &e->t[slot];
    if (!v->present) return ACLNN_SUCCESS;
    if (v->dtype < 0 || v->dtype >= 64 || !(mask & DT_BIT(v->dtype)))
        return p1_fail(ACLNN_ERR_PARAM_INVALID, "%s: %s has dtype %s; allowed: %s", e->op, e->slot_name[slot],
                       dt_name(v->dtype), mask_str(mask));
    return ACLNN_SUCCESS;
}

int p1_same_dtype(const aclOpExecutor *e, int a, int b) {
    if (!e->t[a].present || !e->t[b].present || e->t[a].dtype == e->t[b].dtype) return ACLNN_SUCCESS;
    return p1_fail(ACLNN_ERR_PARAM_INVALID, "%s: %s is %s but %s is %s; mixed dtypes are not supported (cast first)",
                   e->op, e->slot_name[a], dt_name(e->t[a].dtype), e->slot_name[b], dt_name(e->t[b].dtype));
}

int p1_same_shape(const aclOpExecutor *e, int a, int b) {
    const emu_tview *x = &e->t[a], *y = &e->t[b];
    int same = x->rank == y->rank;
    for (int i = 0; same && i < x->rank; i++) same = x->dims[i] == y->dims[i];
    if (same) return ACLNN_SUCCESS;
    return p1_fail(ACLNN_ERR_PARAM_INVALID, "%s: %s has shape %s but %s has shape %s; they must match", e->op,
                   e->slot_name[b], shape_str(y->rank, y->dims), e->slot_name[a], shape_str(x->rank, x->dims));
}

int p1_broadcast_to_out(const aclOpExecutor *e, int n_inputs, const int *slots, int out_slot) {
    int rank = 0;
    int64_t dims[EMU_MAX_RANK];
    for (int k = 0; k < n_inputs; k++)
        if (e->t[slots[k]].rank > rank) rank = e->t[slots[k]].rank;
    for (int d = 0; d < rank; d++) dims[d] = 1;
    for (int k = 0; k < n_inputs; k++) {
        const emu_tview *v = &e->t[slots[k]];
        for (int i = 0; i < v->rank; i++) {
            int d = rank - v->rank + i;
            if (v->dims[i] == dims[d] || v->dims[i] == 1) continue;
            if (dims[d] == 1) {
                dims[d] = v->dims[i];
                continue;
            }
            return p1_fail(ACLNN_ERR_PARAM_INVALID, "%s: %s with shape %s cannot be broadcast against shape %s", e->op,
                           e->slot_name[slots[k]], shape_str(v->rank, v->dims), shape_str(rank, dims));
        }
    }
    const emu_tview *o = &e->t[out_slot];
    int same = o->rank == rank;
    for (int d = 0; same && d < rank; d++) same = o->dims[d] == dims[d];
    if (!same)
        return p1_fail(ACLNN_ERR_PARAM_INVALID, "%s: %s has shape %s but the broadcast shape of the inputs is %s", e->op,
                       e->slot_name[out_slot], shape_str(o->rank, o->dims), shape_str(rank, dims));
    return ACLNN_SUCCESS;
}

int p1_expand_to(const aclOpExecutor *e, int slot, int out_slot) {
    const emu_tview *v = &e->t[slot], *o = &e->t[out_slot];
    int ok = v->rank <= o->rank;
    for (int i = 0; ok && i < v->rank; i++) {
        int64_t od = o->dims[o->rank - v->rank + i];
        ok = v->dims[i] == od || v->dims[i] == 1;
    }
    if (ok) return ACLNN_SUCCESS;
    return p1_fail(ACLNN_ERR_PARAM_INVALID, "%s: %s with shape %s cannot be broadcast to %s's shape %s", e->op,
                   e->slot_name[slot], shape_str(v->rank, v->dims), e->slot_name[out_slot], shape_str(o->rank, o->dims));
}

int p1_scalar(const aclOpExecutor *e, const char *name, const aclScalar *s, emu_scalar *out) {
    if (s == NULL) return p1_fail(ACLNN_ERR_PARAM_NULLPTR, "%s: %s is null", e->op, name);
    if (s->magic != EMU_SCALAR_MAGIC) return p1_fail(ACLNN_ERR_PARAM_INVALID, "%s: %s is not a live aclScalar", e->op, name);
    if (dt_size(s->dtype) == 0)
        return p1_fail(ACLNN_ERR_PARAM_INVALID, "%s: %s has dtype %d, which no emulated operator accepts for a scalar",
                       e->op, name, s->dtype);
    out->dtype = s->dtype;
    if (dt_is_floating(s->dtype)) {
        out->f = dt_load_f(s->dtype, (const char *)s->bytes);
        out->i = dt_f_fits(ACL_INT64, out->f) ? (int64_t)out->f : 0;
    } else {
        out->i = dt_load_i(s->dtype, (const char *)s->bytes);
        out->f = s->dtype == ACL_UINT64 ? dt_load_f(s->dtype, (const char *)s->bytes) : (double)out->i;
    }
    return ACLNN_SUCCESS;
}

int p1_dim(const aclOpExecutor *e, const char *name, int64_t dim, int rank, int64_t *norm) {
    int r = rank > 0 ? rank : 1;
    if (dim < -r || dim >= r)
        return p1_fail(ACLNN_ERR_PARAM_INVALID, "%s: %s %lld is out of range for rank %d (allowed %d..%d)", e->op, name,
                       (long long)dim, rank, -r, r - 1);
    *norm = dim < 0 ? dim + r : dim;
    return ACLNN_SUCCESS;
}

int p1_dims(const aclOpExecutor *e, const char *name, const aclIntArray *a, int rank, int *n, int64_t *dims,
            int allow_empty) {
    if (a == NULL) return p1_fail(ACLNN_ERR_PARAM_NULLPTR, "%s: %s is null", e->op, name);
    if (a->size > EMU_MAX_RANK || (a->size == 0 && !allow_empty))
        return p1_fail(ACLNN_ERR_PARAM_INVALID, "%s: %s has %llu entries; expected %s%d", e->op, name,
                       (unsigned long long)a->size, allow_empty ? "0.." : "1..", EMU_MAX_RANK);
    for (uint64_t i = 0; i < a->size; i++) {
        TRY(p1_dim(e, name, a->values[i], rank, &dims[i]));
        for (uint64_t j = 0; j < i; j++)
            if (dims[j] == dims[i])
                return p1_fail(ACLNN_ERR_PARAM_INVALID, "%s: %s names dim %lld twice", e->op, name, (long long)dims[i]);
    }
    *n = (int)a->size;
    return ACLNN_SUCCESS;
}

uint64_t ws_bytes(uint64_t payload) { return 64 + (payload + 63) / 64 * 64; }

int p1_publish(aclOpExecutor *e, uint64_t workspace, uint64_t *workspaceSize, aclOpExecutor **executor) {
    aclOpExecutor *h = malloc(sizeof *h);
    if (h == NULL) return p1_fail(ACLNN_ERR_INNER_NULLPTR, "%s: out of host memory creating the executor", e->op);
    e->workspace = workspace;
    *h = *e;
    api()->exec_register(h);
    *workspaceSize = workspace;
    *executor = h;
    return ACLNN_SUCCESS;
}

/* ---- phase 2 ---- */

typedef struct {
    aclOpExecutor ex;
    void *ws;
} op_task;

static int check_ranges(const aclOpExecutor *ex, void *ws, char *msg, size_t cap, int *kind) {
    char why[256];
    for (int s = 0; s < ex->n_in + ex->n_out; s++) {
        const emu_tview *v = &ex->t[s];
        if (!v->present || v->extent == 0) continue;
        *kind = api()->mem_check(v->data, (uint64_t)v->extent * (uint64_t)dt_size(v->dtype), why, sizeof why);
        if (*kind != EMU_MEM_DEVICE) {
            snprintf(msg, cap, "%s: %s data %s", ex->op, ex->slot_name[s], why);
            return 1;
        }
    }
    if (ex->workspace > 0) {
        *kind = api()->mem_check(ws, ex->workspace, why, sizeof why);
        if (*kind != EMU_MEM_DEVICE) {
            snprintf(msg, cap, "%s: workspace %s", ex->op, why);
            return 1;
        }
    }
    return 0;
}

static int run_op(void *arg, char *msg, size_t cap) {
    op_task *t = arg;
    int kind;
    api()->mem_rdlock();
    if (check_ranges(&t->ex, t->ws, msg, cap, &kind)) {
        api()->mem_unlock();
        return ACL_ERROR_RT_DEVICE_MEM_ERROR;
    }
    if (api()->fault_hit(EMU_FAULT_KERNEL)) {
        api()->mem_unlock();
        snprintf(msg, cap, "%s: kernel failed on the device (fault injected by XPU4J_CANN_EMU_FAIL_KERNEL)", t->ex.op);
        return KERNEL_FAILED;
    }
    if (t->ex.workspace > 0) memset(t->ws, 0x5A, t->ex.workspace < 64 ? t->ex.workspace : 64);
    int rc = t->ex.kernel(&t->ex, t->ws, msg, cap);
    api()->mem_unlock();
    return rc;
}

aclnnStatus p2_launch(const char *op, void *workspace, uint64_t workspaceSize, aclOpExecutor *ex, aclrtStream stream) {
    if (ex == NULL) return p1_fail(ACLNN_ERR_INNER_NULLPTR, "%s: executor is null", op);
    int st = api()->exec_state(ex);
    if (st == EMU_EXEC_RETIRED)
        return p1_fail(ACLNN_ERR_PARAM_INVALID,
                       "%s: executor was already consumed by an earlier phase-2 call (or destroyed); only executors "
                       "marked with aclSetAclOpExecutorRepeatable may be launched again",
                       op);
    if (st != EMU_EXEC_LIVE) return p1_fail(ACLNN_ERR_PARAM_INVALID, "%s: %p is not an executor from a phase-1 call", op, (void *)ex);
    if (strcmp(ex->op, op) != 0)
        return p1_fail(ACLNN_ERR_PARAM_INVALID, "%s: executor was created by %sGetWorkspaceSize, not %sGetWorkspaceSize", op,
                       ex->op, op);
    if (api()->enter(op) != ACL_SUCCESS) return ACLNN_ERR_RUNTIME_ERROR;
    if (ex->workspace > 0 && (workspace == NULL || workspaceSize < ex->workspace))
        return p1_fail(ACLNN_ERR_PARAM_INVALID,
                       "%s: workspace %p of %llu bytes is smaller than the %llu bytes reported by phase 1", op, workspace,
                       (unsigned long long)(workspace ? workspaceSize : 0), (unsigned long long)ex->workspace);
    void *s;
    if (api()->resolve_stream(stream, &s, op) != ACL_SUCCESS) return ACLNN_ERR_RUNTIME_ERROR;
    char msg[512];
    int kind;
    api()->mem_rdlock();
    int bad = check_ranges(ex, workspace, msg, sizeof msg, &kind);
    api()->mem_unlock();
    if (bad) return p1_fail(ACLNN_ERR_PARAM_INVALID, "%s", msg);
    if (api()->fault_hit(EMU_FAULT_LAUNCH))
        return p1_fail(ACLNN_ERR_RUNTIME_ERROR, "%s: kernel launch failed (fault injected by XPU4J_CANN_EMU_FAIL_LAUNCH)", op);
    op_task *t = malloc(sizeof *t);
    if (t == NULL) return p1_fail(ACLNN_ERR_INNER_NULLPTR, "%s: out of host memory", op);
    t->ex = *ex;
    t->ws = workspace;
    if (api()->enqueue(s, run_op, free, t) != ACL_SUCCESS) return ACLNN_ERR_RUNTIME_ERROR;
    if (!ex->repeatable) api()->exec_retire(ex);
    return ACLNN_SUCCESS;
}
