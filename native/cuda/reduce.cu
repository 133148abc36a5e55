// Row kernels: reductions over arbitrary axes, argmax, softmax, layer_norm, rms_norm.
// One block per row (grid-stride over rows); threads stride along the row and combine through
// shared memory. blockDim.x must be 256.
#include "xpu4j_common.cuh"

#define R_SUM 0
#define R_MAX 1
#define R_MIN 2
#define R_MEAN 3

#define ROW_THREADS 256

// Output o (contiguous) reduces every element of `inner` shape at the position `o` of `outer`
// shape: input offset = offset_of(o, outer, outerS) + offset_of(j, inner, innerS).
extern "C" __global__ void xpu_reduce(const void* src, void* dst, Dims outer, Strides outerS, Dims inner,
                                      Strides innerS, i64 outerCount, i64 innerCount, int dt, int op) {
    __shared__ double shd[ROW_THREADS];
    __shared__ i64 shi[ROW_THREADS];
    unsigned t = threadIdx.x;
    bool isFloat = is_float_dt(dt);
    for (i64 o = blockIdx.x; o < outerCount; o += gridDim.x) {
        i64 base = offset_of(o, outer, outerS);
        if (isFloat) {
            double acc = op == R_MAX ? -__longlong_as_double(0x7FF0000000000000ll)
                    : op == R_MIN ? __longlong_as_double(0x7FF0000000000000ll) : 0.0;
            for (i64 j = t; j < innerCount; j += blockDim.x) {
                double v = (double) load_f(src, base + offset_of(j, inner, innerS), dt);
                if (op == R_MAX) {
                    acc = (acc != acc || v != v) ? __longlong_as_double(0x7FF8000000000000ll) : (v > acc ? v : acc);
                } else if (op == R_MIN) {
                    acc = (acc != acc || v != v) ? __longlong_as_double(0x7FF8000000000000ll) : (v < acc ? v : acc);
                } else {
                    acc += v;
                }
            }
            shd[t] = acc;
            __syncthreads();
            for (unsigned s = blockDim.x / 2; s > 0; s >>= 1) {
                if (t < s) {
                    double a = shd[t];
                    double b = shd[t + s];
                    if (op == R_MAX) {
                        shd[t] = (a != a || b != b) ? __longlong_as_double(0x7FF8000000000000ll) : (b > a ? b : a);
                    } else if (op == R_MIN) {
                        shd[t] = (a != a || b != b) ? __longlong_as_double(0x7FF8000000000000ll) : (b < a ? b : a);
                    } else {
                        shd[t] = a + b;
                    }
                }
                __syncthreads();
            }
            if (t == 0) {
                double r = shd[0];
                if (op == R_MEAN) {
                    r = r / (double) innerCount;
                }
                if (dt == DT_F32) {
                    ((float*) dst)[o] = (float) r;
                } else {
                    // rounded once from the double result
                    unsigned code = r != r ? encode_float(__int_as_float(0x7FC00000), dt, false)
                            : encode_double(r, dt, false);
                    if (dt == DT_F16 || dt == DT_BF16) {
                        ((unsigned short*) dst)[o] = (unsigned short) code;
                    } else {
                        ((unsigned char*) dst)[o] = (unsigned char) code;
                    }
                }
            }
            __syncthreads();
        } else {
            i64 acc = op == R_MAX ? (i64) 0x8000000000000000ull : op == R_MIN ? 0x7FFFFFFFFFFFFFFFll : 0;
            for (i64 j = t; j < innerCount; j += blockDim.x) {
                i64 v = load_i(src, base + offset_of(j, inner, innerS), dt);
                if (op == R_MAX) {
                    acc = v > acc ? v : acc;
                } else if (op == R_MIN) {
                    acc = v < acc ? v : acc;
                } else {
                    acc = (i64) ((u64) acc + (u64) v);
                }
            }
            shi[t] = acc;
            __syncthreads();
            for (unsigned s = blockDim.x / 2; s > 0; s >>= 1) {
                if (t < s) {
                    i64 a = shi[t];
                    i64 b = shi[t + s];
                    shi[t] = op == R_MAX ? (b > a ? b : a) : op == R_MIN ? (b < a ? b : a) : (i64) ((u64) a + (u64) b);
                }
                __syncthreads();
            }
            if (t == 0) {
                store_i(dst, o, dt, shi[0]);
            }
            __syncthreads();
        }
    }
}

// (value, index) a beats (value, index) b: NaN is the largest value; ties go to the lower index.
__device__ __forceinline__ bool argmax_better_f(float va, i64 ia, float vb, i64 ib) {
    bool na = va != va;
    bool nb = vb != vb;
    if (na || nb) {
        return na && (!nb || ia < ib);
    }
    return va > vb || (va == vb && ia < ib);
}

__device__ __forceinline__ bool argmax_better_i(i64 va, i64 ia, i64 vb, i64 ib) {
    return va > vb || (va == vb && ia < ib);
}

// The first index of the maximum along one axis of length len (element stride axisStride).
// Indices start at len (none yet), which loses to every real element.
extern "C" __global__ void xpu_argmax(const void* src, i64* dst, Dims outer, Strides outerS, i64 outerCount,
                                      i64 len, i64 axisStride, int dt) {
    __shared__ float shf[ROW_THREADS];
    __shared__ i64 shv[ROW_THREADS];
    __shared__ i64 shx[ROW_THREADS];
    unsigned t = threadIdx.x;
    bool isFloat = is_float_dt(dt);
    for (i64 o = blockIdx.x; o < outerCount; o += gridDim.x) {
        i64 base = offset_of(o, outer, outerS);
        float bf = -__int_as_float(0x7F800000);
        i64 bv = (i64) 0x8000000000000000ull;
        i64 bi = len;
        for (i64 j = t; j < len; j += blockDim.x) {
            if (isFloat) {
                float v = load_f(src, base + j * axisStride, dt);
                if (bi == len || argmax_better_f(v, j, bf, bi)) {
                    bf = v;
                    bi = j;
                }
            } else {
                i64 v = load_i(src, base + j * axisStride, dt);
                if (bi == len || argmax_better_i(v, j, bv, bi)) {
                    bv = v;
                    bi = j;
                }
            }
        }
        shf[t] = bf;
        shv[t] = bv;
        shx[t] = bi;
        __syncthreads();
        for (unsigned s = blockDim.x / 2; s > 0; s >>= 1) {
            if (t < s && shx[t + s] < len) {
                bool take = shx[t] == len || (isFloat ? argmax_better_f(shf[t + s], shx[t + s], shf[t], shx[t])
                        : argmax_better_i(shv[t + s], shx[t + s], shv[t], shx[t]));
                if (take) {
                    shf[t] = shf[t + s];
                    shv[t] = shv[t + s];
                    shx[t] = shx[t + s];
                }
            }
            __syncthreads();
        }
        if (t == 0) {
            dst[o] = shx[0] == len ? 0 : shx[0];
        }
        __syncthreads();
    }
}

// softmax / log_softmax of a contiguous input viewed as [outer, len, inner], along len.
// Row r is (r / inner, r % inner); its elements lie `inner` apart.
extern "C" __global__ void xpu_softmax(const void* src, void* dst, i64 rows, i64 len, i64 inner, int dt, int logOut) {
    __shared__ double shd[ROW_THREADS];
    __shared__ float shf[ROW_THREADS];
    unsigned t = threadIdx.x;
    for (i64 r = blockIdx.x; r < rows; r += gridDim.x) {
        i64 base = (r / inner) * len * inner + (r % inner);
        float m = -__int_as_float(0x7F800000);
        bool nan = false;
        for (i64 j = t; j < len; j += blockDim.x) {
            float v = load_f(src, base + j * inner, dt);
            nan |= v != v;
            m = fmaxf(m, v);
        }
        float rowMax = block_max_f(nan ? __int_as_float(0x7FC00000) : m, shf);
        // fmaxf drops NaN, so a NaN anywhere is carried by a separate flag
        double anyNan = block_sum_d(nan ? 1.0 : 0.0, shd);
        if (anyNan > 0.0) {
            rowMax = __int_as_float(0x7FC00000);
        }
        double sum = 0.0;
        for (i64 j = t; j < len; j += blockDim.x) {
            sum += (double) expf(load_f(src, base + j * inner, dt) - rowMax);
        }
        double total = block_sum_d(sum, shd);
        float logSum = (float) log(total);
        float inv = (float) (1.0 / total);
        for (i64 j = t; j < len; j += blockDim.x) {
            float d = load_f(src, base + j * inner, dt) - rowMax;
            float y = logOut ? d - logSum : expf(d) * inv;
            store_f(dst, base + j * inner, dt, y, false);
        }
    }
}

// layer_norm over the last dim D of a contiguous [rows, D] input: biased variance, two passes.
// weight and bias are [D] with element strides ws and bs.
extern "C" __global__ void xpu_layer_norm(const void* x, const void* w, const void* b, void* out, i64 rows, i64 D,
                                          int dt, double eps, int hasW, int hasB, i64 ws, i64 bs) {
    __shared__ double shd[ROW_THREADS];
    unsigned t = threadIdx.x;
    for (i64 r = blockIdx.x; r < rows; r += gridDim.x) {
        i64 base = r * D;
        double s = 0.0;
        for (i64 j = t; j < D; j += blockDim.x) {
            s += (double) load_f(x, base + j, dt);
        }
        double mean = block_sum_d(s, shd) / (double) D;
        double q = 0.0;
        for (i64 j = t; j < D; j += blockDim.x) {
            double dv = (double) load_f(x, base + j, dt) - mean;
            q += dv * dv;
        }
        double var = block_sum_d(q, shd) / (double) D;
        float inv = (float) (1.0 / sqrt(var + eps));
        float meanF = (float) mean;
        for (i64 j = t; j < D; j += blockDim.x) {
            float y = (load_f(x, base + j, dt) - meanF) * inv;
            if (hasW) {
                y *= load_f(w, j * ws, dt);
            }
            if (hasB) {
                y += load_f(b, j * bs, dt);
            }
            store_f(out, base + j, dt, y, false);
        }
    }
}

// rms_norm: x / sqrt(mean(x^2) + eps) * w over the last dim D; w is [D] with element stride ws.
extern "C" __global__ void xpu_rms_norm(const void* x, const void* w, void* out, i64 rows, i64 D, int dt, double eps,
                                        i64 ws) {
    __shared__ double shd[ROW_THREADS];
    unsigned t = threadIdx.x;
    for (i64 r = blockIdx.x; r < rows; r += gridDim.x) {
        i64 base = r * D;
        double q = 0.0;
        for (i64 j = t; j < D; j += blockDim.x) {
            double v = (double) load_f(x, base + j, dt);
            q += v * v;
        }
        double ms = block_sum_d(q, shd) / (double) D;
        float inv = (float) (1.0 / sqrt(ms + eps));
        for (i64 j = t; j < D; j += blockDim.x) {
            store_f(out, base + j, dt, load_f(x, base + j, dt) * inv * load_f(w, j * ws, dt), false);
        }
    }
}
