// Model kernels: rope, embedding, attention.
#include "xpu4j_common.cuh"

#define GRID_STRIDE(i, n) for (i64 i = (i64) blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += (i64) blockDim.x * gridDim.x)

// Rotary embedding of a contiguous x [rows, D] whose row r sits at position r % S; cos and sin are
// F32 [S, D/2] with strides (cs0, cs1) and (ss0, ss1). interleaved pairs (2i, 2i+1); otherwise
// (i, i + D/2).
extern "C" __global__ void xpu_rope(const void* x, const float* cosT, const float* sinT, void* out, i64 rows, i64 S,
                                    i64 D, i64 cs0, i64 cs1, i64 ss0, i64 ss1, int dt, int interleaved) {
    i64 half = D / 2;
    GRID_STRIDE(p, rows * half) {
        i64 r = p / half;
        i64 i = p % half;
        i64 s = r % S;
        float c = cosT[s * cs0 + i * cs1];
        float sn = sinT[s * ss0 + i * ss1];
        i64 i1 = interleaved ? r * D + 2 * i : r * D + i;
        i64 i2 = interleaved ? i1 + 1 : i1 + half;
        float x1 = load_f(x, i1, dt);
        float x2 = load_f(x, i2, dt);
        store_f(out, i1, dt, x1 * c - x2 * sn, false);
        store_f(out, i2, dt, x1 * sn + x2 * c, false);
    }
}

// out[p, :] = weight[ids[p], :] for a contiguous weight [V, D] of elements `size` bytes wide.
// An id outside [0, V) is reported (with its position) and its row left unwritten.
extern "C" __global__ void xpu_embedding(const void* weight, const void* ids, void* out, i64 n, i64 D, i64 V,
                                         int size, int wideIds, ErrorRecord* err) {
    GRID_STRIDE(e, n * D) {
        i64 p = e / D;
        i64 d = e % D;
        i64 id = wideIds ? ((const i64*) ids)[p] : (i64) ((const int*) ids)[p];
        if (id < 0 || id >= V) {
            if (d == 0) {
                report_error(err, ERR_EMBEDDING_ID, p, id, 0.0);
            }
            continue;
        }
        i64 src = id * D + d;
        switch (size) {
            case 1: ((unsigned char*) out)[e] = ((const unsigned char*) weight)[src]; break;
            case 2: ((unsigned short*) out)[e] = ((const unsigned short*) weight)[src]; break;
            case 4: ((unsigned*) out)[e] = ((const unsigned*) weight)[src]; break;
            default: ((u64*) out)[e] = ((const u64*) weight)[src]; break;
        }
    }
}

#define ATT_THREADS 128

// Scaled dot-product attention, one block per (b, h, query) row, keys in tiles of ATT_THREADS
// with an online softmax (running max m and sum l; the accumulator is rescaled when m grows).
// q [B,Hq,Sq,D], k [B,Hkv,Sk,D], v [B,Hkv,Sk,Dv], out [B,Hq,Sq,Dv] contiguous; mask (optional)
// has shape [B,Hq,Sq,Sk] with strides ms (0 for broadcast dims). Dynamic shared memory holds
// q (D floats) and the accumulator (Dv floats).
extern "C" __global__ void xpu_attention(const void* q, const void* k, const void* v, const void* mask, void* out,
                                         i64 B, i64 Hq, i64 Hkv, i64 Sq, i64 Sk, i64 D, i64 Dv,
                                         i64 ms0, i64 ms1, i64 ms2, i64 ms3,
                                         float scale, int causal, int hasMask, int dt) {
    XPU_EXTERN_SHARED float dyn[];
    float* qs = dyn;
    float* acc = dyn + D;
    __shared__ float sc[ATT_THREADS];
    __shared__ float red[ATT_THREADS];
    __shared__ double redd[ATT_THREADS];
    unsigned t = threadIdx.x;
    const float NEG_INF = -__int_as_float(0x7F800000);
    i64 total = B * Hq * Sq;
    i64 group = Hq / Hkv;
    for (i64 row = blockIdx.x; row < total; row += gridDim.x) {
        i64 i = row % Sq;
        i64 h = (row / Sq) % Hq;
        i64 b = row / (Sq * Hq);
        i64 kvh = h / group;
        i64 kbase = (b * Hkv + kvh) * Sk * D;
        i64 vbase = (b * Hkv + kvh) * Sk * Dv;
        for (i64 d = t; d < D; d += blockDim.x) {
            qs[d] = load_f(q, row * D + d, dt);
        }
        for (i64 d = t; d < Dv; d += blockDim.x) {
            acc[d] = 0.0f;
        }
        __syncthreads();
        float m = NEG_INF;
        double l = 0.0;
        i64 lastKey = i + Sk - Sq; // causal: keys after this one are masked
        for (i64 t0 = 0; t0 < Sk; t0 += blockDim.x) {
            i64 j = t0 + t;
            float s = NEG_INF;
            if (j < Sk && !(causal && j > lastKey)) {
                float dot = 0.0f;
                for (i64 d = 0; d < D; d++) {
                    dot += qs[d] * load_f(k, kbase + j * D + d, dt);
                }
                s = dot * scale;
                if (hasMask) {
                    s += load_f(mask, b * ms0 + h * ms1 + i * ms2 + j * ms3, dt);
                }
            }
            // NaN-propagating: a NaN score must poison the row (as on the CPU), not read as "masked"
            float tileMax = block_max_nan_f(s, red);
            float newMax = nan_max(m, tileMax);
            if (newMax == NEG_INF) {
                continue; // every key so far masked: nothing to add (uniform across the block)
            }
            float corr = m == NEG_INF ? 0.0f : expf(m - newMax);
            float p = s == NEG_INF ? 0.0f : expf(s - newMax);
            sc[t] = p;
            double tileSum = block_sum_d((double) p, redd); // also makes sc visible
            l = l * (double) corr + tileSum;
            i64 count = Sk - t0 < (i64) blockDim.x ? Sk - t0 : (i64) blockDim.x;
            for (i64 d = t; d < Dv; d += blockDim.x) {
                float a = acc[d] * corr;
                for (i64 jj = 0; jj < count; jj++) {
                    float pj = sc[jj];
                    if (pj != 0.0f) {
                        a += pj * load_f(v, vbase + (t0 + jj) * Dv + d, dt);
                    }
                }
                acc[d] = a;
            }
            m = newMax;
            __syncthreads();
        }
        for (i64 d = t; d < Dv; d += blockDim.x) {
            float y = (l > 0.0 || l != l) ? (float) (acc[d] / l) : 0.0f; // l = 0: every key masked
            store_f(out, row * Dv + d, dt, y, false);
        }
        __syncthreads();
    }
}
