/* Strided N-d iteration with numpy-style broadcasting (right-aligned, size-1 or
 * stride-0 dims repeat). Kernels gather operands into contiguous buffers, compute
 * on those, then scatter into the (possibly strided) output view. */
#include <stdlib.h>
#include <string.h>

#include "op_common.h"

int64_t shape_numel(int rank, const int64_t *dims) {
    int64_t n = 1;
    for (int i = 0; i < rank; i++) n *= dims[i];
    return n;
}

void *scratch(size_t n, size_t size) {
    void *p = calloc(n ? n : 1, size);
    if (p == NULL) abort(); /* the emulator cannot report a host OOM from inside a kernel more usefully */
    return p;
}

const char *shape_str(int rank, const int64_t *dims) {
    static __thread char bufs[4][160];
    static __thread int next;
    char *b = bufs[next];
    next = (next + 1) % 4;
    size_t k = 0;
    b[k++] = '[';
    for (int i = 0; i < rank && k < 140; i++)
        k += (size_t)snprintf(b + k, sizeof bufs[0] - k, i ? ",%lld" : "%lld", (long long)dims[i]);
    snprintf(b + k, sizeof bufs[0] - k, "]");
    return b;
}

/* Strides of t seen through the target shape: 0 along broadcast (missing or size-1) dims. */
static void bstrides(const emu_tview *t, int rank, const int64_t *dims, int64_t *st) {
    for (int d = 0; d < rank; d++) {
        int td = d - (rank - t->rank);
        st[d] = (td < 0 || t->dims[td] == 1) ? 0 : t->strides[td];
        (void)dims;
    }
}

/* Visits every element of the target shape in row-major order: i is the element number,
 * off the element offset into T's storage. The innermost dim runs as a tight loop. */
#define WALK(T, RANK, DIMS, STMT)                                                                                 \
    do {                                                                                                          \
        int64_t st_[EMU_MAX_RANK], idx_[EMU_MAX_RANK] = {0};                                                      \
        bstrides((T), (RANK), (DIMS), st_);                                                                       \
        if (shape_numel((RANK), (DIMS)) == 0) break;                                                              \
        int r_ = (RANK);                                                                                          \
        int64_t inner_ = r_ ? (DIMS)[r_ - 1] : 1, istep_ = r_ ? st_[r_ - 1] : 0;                                  \
        int64_t base_ = (T)->offset, i = 0;                                                                       \
        for (;;) {                                                                                                \
            int64_t off = base_;                                                                                  \
            for (int64_t k_ = 0; k_ < inner_; k_++, i++, off += istep_) {                                         \
                STMT;                                                                                             \
            }                                                                                                     \
            int d_ = r_ - 2;                                                                                      \
            for (; d_ >= 0; d_--) {                                                                               \
                if (++idx_[d_] < (DIMS)[d_]) {                                                                    \
                    base_ += st_[d_];                                                                             \
                    break;                                                                                        \
                }                                                                                                 \
                base_ -= st_[d_] * ((DIMS)[d_] - 1);                                                              \
                idx_[d_] = 0;                                                                                     \
            }                                                                                                     \
            if (d_ < 0) break;                                                                                    \
        }                                                                                                         \
    } while (0)

void tv_gather_f(const emu_tview *t, int rank, const int64_t *dims, double *out) {
    if (t->dtype == ACL_FLOAT) { /* the common case, without the per-element dtype dispatch */
        const char *base = t->data;
        WALK(t, rank, dims, {
            float f;
            memcpy(&f, base + off * 4, 4);
            out[i] = f;
        });
        return;
    }
    int es = dt_size(t->dtype);
    WALK(t, rank, dims, out[i] = dt_load_f(t->dtype, t->data + off * es));
}

void tv_gather_i(const emu_tview *t, int rank, const int64_t *dims, int64_t *out) {
    int es = dt_size(t->dtype);
    WALK(t, rank, dims, out[i] = dt_load_i(t->dtype, t->data + off * es));
}

void tv_gather_raw(const emu_tview *t, int rank, const int64_t *dims, char *out) {
    int es = dt_size(t->dtype);
    WALK(t, rank, dims, memcpy(out + i * es, t->data + off * es, (size_t)es));
}

void tv_scatter_f(const emu_tview *t, const double *in) {
    if (t->dtype == ACL_FLOAT) {
        char *base = t->data;
        WALK(t, t->rank, t->dims, {
            float f = (float)in[i];
            memcpy(base + off * 4, &f, 4);
        });
        return;
    }
    int es = dt_size(t->dtype);
    WALK(t, t->rank, t->dims, dt_store_f(t->dtype, t->data + off * es, in[i]));
}

void tv_scatter_i(const emu_tview *t, const int64_t *in) {
    int es = dt_size(t->dtype);
    WALK(t, t->rank, t->dims, dt_store_i(t->dtype, t->data + off * es, in[i]));
}

void tv_scatter_raw(const emu_tview *t, const char *in) {
    int es = dt_size(t->dtype);
    WALK(t, t->rank, t->dims, memcpy(t->data + off * es, in + i * es, (size_t)es));
}

int64_t tv_move_dims_last(const emu_tview *self, const int *flagged, emu_tview *pv, int64_t *outer) {
    *pv = *self;
    int k = 0;
    int64_t row = 1, out = 1;
    for (int pass = 0; pass < 2; pass++)
        for (int d = 0; d < self->rank; d++)
            if ((flagged[d] != 0) == pass) {
                pv->dims[k] = self->dims[d];
                pv->strides[k] = self->strides[d];
                k++;
                if (pass) row *= self->dims[d];
                else out *= self->dims[d];
            }
    *outer = out;
    return row;
}
