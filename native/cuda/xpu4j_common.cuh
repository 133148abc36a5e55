// Shared by every xpu4j kernel file: dtype codes, element loads and stores (round to nearest
// even), tensor layouts passed by value, the error record, and block reductions.
//
// Self-contained on purpose (no CUDA headers): NVRTC compiles these sources at run time on
// machines that have no toolkit include directory.
#ifndef XPU4J_COMMON_CUH
#define XPU4J_COMMON_CUH

// dtype codes: the ordinals of io.xpu4j.api.DType
#define DT_F32 0
#define DT_F16 1
#define DT_BF16 2
#define DT_E4M3 3
#define DT_E5M2 4
#define DT_I8 5
#define DT_I32 6
#define DT_I64 7
#define DT_BOOL 8

// error codes a kernel reports through ErrorRecord (decoded by the Java side)
#define ERR_INT_DIV_ZERO 1
#define ERR_CAST_FLOAT_TO_INT 2
#define ERR_CAST_INT_NARROW 3
#define ERR_EMBEDDING_ID 4

#define XPU_MAX_RANK 8

// Declares the kernel's dynamic shared memory; a host build of the kernels redefines it.
#ifndef XPU_EXTERN_SHARED
#define XPU_EXTERN_SHARED extern __shared__
#endif

typedef long long i64;
typedef unsigned long long u64;

// A shape (the output's, shared by every operand of an elementwise op) and one operand's strides,
// both in elements. Passed by value; the Java side packs the same layout.
struct Dims {
    i64 n[XPU_MAX_RANK];
    int rank;
    int pad;
};

struct Strides {
    i64 s[XPU_MAX_RANK];
};

// The first failure a kernel saw; code 0 means none. Only the thread that wins the compare-and-swap
// on code writes the other fields.
struct ErrorRecord {
    int code;
    int pad;
    i64 index;
    i64 ivalue;
    double fvalue;
};

__device__ __forceinline__ void report_error(ErrorRecord* err, int code, i64 index, i64 ivalue, double fvalue) {
    if (atomicCAS(&err->code, 0, -1) == 0) {
        err->index = index;
        err->ivalue = ivalue;
        err->fvalue = fvalue;
        __threadfence();
        atomicExch(&err->code, code);
    }
}

// Element offset of row-major index i of shape d under strides s.
__device__ __forceinline__ i64 offset_of(i64 i, const Dims& d, const Strides& s) {
    i64 off = 0;
    for (int k = d.rank - 1; k >= 0; k--) {
        i64 n = d.n[k];
        i64 idx = i % n;
        i /= n;
        off += idx * s.s[k];
    }
    return off;
}

__device__ __forceinline__ bool is_float_dt(int dt) {
    return dt <= DT_E5M2;
}

__device__ __forceinline__ int dt_size(int dt) {
    switch (dt) {
        case DT_F32: case DT_I32: return 4;
        case DT_F16: case DT_BF16: return 2;
        case DT_I64: return 8;
        default: return 1;
    }
}

// ---------------------------------------------------------------- decoding

__device__ __forceinline__ float half_to_float(unsigned h) {
    unsigned sign = (h & 0x8000u) << 16;
    unsigned e = (h >> 10) & 0x1Fu;
    unsigned m = h & 0x3FFu;
    if (e == 0) {
        if (m == 0) {
            return __uint_as_float(sign);
        }
        float f = (float) m * 5.9604644775390625e-8f; // m * 2^-24, exact
        return sign ? -f : f;
    }
    if (e == 31) {
        return __uint_as_float(sign | 0x7F800000u | (m << 13) | (m ? 0x00400000u : 0u));
    }
    return __uint_as_float(sign | ((e + 112u) << 23) | (m << 13));
}

__device__ __forceinline__ float decode_small(unsigned b, int ebits, int mbits, int bias, bool ieee) {
    int expMax = (1 << ebits) - 1;
    int manMax = (1 << mbits) - 1;
    bool neg = ((b >> (ebits + mbits)) & 1u) != 0;
    int e = (int) ((b >> mbits) & (unsigned) expMax);
    int m = (int) (b & (unsigned) manMax);
    float mag;
    if (ieee && e == expMax) {
        mag = m == 0 ? __int_as_float(0x7F800000) : __int_as_float(0x7FC00000);
    } else if (!ieee && e == expMax && m == manMax) {
        mag = __int_as_float(0x7FC00000);
    } else if (e == 0) {
        mag = ldexpf((float) m, 1 - bias - mbits);
    } else {
        mag = ldexpf((float) (m | (1 << mbits)), e - bias - mbits);
    }
    return neg ? -mag : mag;
}

// Element i of a float-kind (or integer/bool) array as float.
__device__ __forceinline__ float load_f(const void* p, i64 i, int dt) {
    switch (dt) {
        case DT_F32: return ((const float*) p)[i];
        case DT_F16: return half_to_float(((const unsigned short*) p)[i]);
        case DT_BF16: return __uint_as_float(((unsigned) ((const unsigned short*) p)[i]) << 16);
        case DT_E4M3: return decode_small(((const unsigned char*) p)[i], 4, 3, 7, false);
        case DT_E5M2: return decode_small(((const unsigned char*) p)[i], 5, 2, 15, true);
        case DT_I8: return (float) ((const signed char*) p)[i];
        case DT_I32: return (float) ((const int*) p)[i];
        case DT_I64: return (float) ((const i64*) p)[i];
        default: return ((const unsigned char*) p)[i] != 0 ? 1.0f : 0.0f;
    }
}

// Element i of an integer or bool array as a 64-bit integer (bool as 0/1).
__device__ __forceinline__ i64 load_i(const void* p, i64 i, int dt) {
    switch (dt) {
        case DT_I8: return ((const signed char*) p)[i];
        case DT_I32: return ((const int*) p)[i];
        case DT_I64: return ((const i64*) p)[i];
        case DT_BOOL: return ((const unsigned char*) p)[i] != 0 ? 1 : 0;
        default: return (i64) load_f(p, i, dt);
    }
}

// ---------------------------------------------------------------- encoding

// Rounds a non-negative, non-NaN double (its bits) to a format with mbits mantissa bits and
// exponent bias `bias`; returns exponentField << mbits | mantissa with an unbounded exponent
// field, so any code past the format's largest finite one means overflow. Round to nearest even.
__device__ __forceinline__ unsigned round_double(u64 abs, int mbits, int bias) {
    int exp = (int) (abs >> 52);
    u64 sig = (abs & 0x000FFFFFFFFFFFFFull) | (1ull << 52);
    int targetExp = exp - 1023 + bias;
    int below = 1 - targetExp;
    int shift = 52 - mbits + (below > 0 ? below : 0);
    if (shift > 54) {
        shift = 54;
    }
    u64 q = (sig + ((1ull << (shift - 1)) - 1) + ((sig >> shift) & 1ull)) >> shift;
    int baseExp = targetExp - 1 > 0 ? targetExp - 1 : 0;
    return ((unsigned) baseExp << mbits) + (unsigned) q;
}

// A double to the bits of a narrow float dtype (F16, BF16, E4M3, E5M2), rounded once.
__device__ __forceinline__ unsigned encode_double(double x, int dt, bool saturate) {
    u64 bits = (u64) __double_as_longlong(x);
    u64 abs = bits & 0x7FFFFFFFFFFFFFFFull;
    bool nan = abs > 0x7FF0000000000000ull;
    switch (dt) {
        case DT_F16: {
            unsigned sign = (unsigned) (bits >> 48) & 0x8000u;
            if (nan) {
                return sign | 0x7C00u | 0x0200u | (unsigned) ((bits >> 42) & 0x3FFu);
            }
            unsigned code = round_double(abs, 10, 15);
            return sign | (code < 0x7C00u ? code : 0x7C00u);
        }
        case DT_BF16: {
            unsigned sign = (unsigned) (bits >> 48) & 0x8000u;
            if (nan) {
                return sign | 0x7F80u | 0x0040u | (unsigned) ((bits >> 45) & 0x7Fu);
            }
            unsigned code = round_double(abs, 7, 127);
            return sign | (code < 0x7F80u ? code : 0x7F80u);
        }
        case DT_E4M3: {
            if (nan) {
                return 0x7Fu;
            }
            unsigned sign = (unsigned) (bits >> 56) & 0x80u;
            unsigned code = round_double(abs, 3, 7);
            if (code > 0x7Eu) {
                return saturate ? (sign | 0x7Eu) : 0x7Fu;
            }
            return sign | code;
        }
        default: { // DT_E5M2
            if (nan) {
                return 0x7Fu;
            }
            unsigned sign = (unsigned) (bits >> 56) & 0x80u;
            unsigned code = round_double(abs, 2, 15);
            if (code > 0x7Bu) {
                return sign | (saturate ? 0x7Bu : 0x7Cu);
            }
            return sign | code;
        }
    }
}

// A float to a narrow float dtype. NaN keeps its float payload bits (as the Java conversions do);
// every other float is exact in double, so rounding from the double rounds once.
__device__ __forceinline__ unsigned encode_float(float x, int dt, bool saturate) {
    unsigned bits = __float_as_uint(x);
    if ((bits & 0x7FFFFFFFu) > 0x7F800000u) {
        switch (dt) {
            case DT_F16: return ((bits >> 16) & 0x8000u) | 0x7C00u | 0x0200u | ((bits >> 13) & 0x3FFu);
            case DT_BF16: return (bits >> 16) | 0x0040u;
            default: return 0x7Fu;
        }
    }
    return encode_double((double) x, dt, saturate);
}

// Stores float v as element i of a float-kind array (or bool: v != 0, so NaN is true).
__device__ __forceinline__ void store_f(void* p, i64 i, int dt, float v, bool saturate) {
    switch (dt) {
        case DT_F32: ((float*) p)[i] = v; break;
        case DT_F16:
        case DT_BF16: ((unsigned short*) p)[i] = (unsigned short) encode_float(v, dt, saturate); break;
        case DT_E4M3:
        case DT_E5M2: ((unsigned char*) p)[i] = (unsigned char) encode_float(v, dt, saturate); break;
        case DT_BOOL: ((unsigned char*) p)[i] = v != 0.0f ? 1 : 0; break;
        default: ((unsigned char*) p)[i] = 0; break; // integer targets go through store_i
    }
}

// Stores a 64-bit integer into an integer or bool array, wrapping to the width (two's complement).
__device__ __forceinline__ void store_i(void* p, i64 i, int dt, i64 w) {
    switch (dt) {
        case DT_I8: ((signed char*) p)[i] = (signed char) w; break;
        case DT_I32: ((int*) p)[i] = (int) w; break;
        case DT_I64: ((i64*) p)[i] = w; break;
        default: ((unsigned char*) p)[i] = w != 0 ? 1 : 0; break;
    }
}

// v as a double, exact when it fits 53 bits and otherwise rounded to odd, so that a later
// round-to-nearest-even to a narrower format rounds v itself exactly once.
__device__ __forceinline__ double to_double_odd(i64 v) {
    u64 mag = v < 0 ? 0ull - (u64) v : (u64) v;
    int lz = mag == 0 ? 64 : __clzll((i64) mag);
    if (lz >= 11) {
        return (double) v;
    }
    int drop = 11 - lz;
    u64 kept = mag >> drop;
    if ((mag & ((1ull << drop) - 1)) != 0) {
        kept |= 1ull;
    }
    double r = ldexp((double) kept, drop);
    return v < 0 ? -r : r;
}

// ---------------------------------------------------------------- block reductions
// blockDim.x must be a power of two no larger than the scratch arrays (256).

__device__ __forceinline__ double block_sum_d(double v, double* sh) {
    unsigned t = threadIdx.x;
    sh[t] = v;
    __syncthreads();
    for (unsigned s = blockDim.x / 2; s > 0; s >>= 1) {
        if (t < s) {
            sh[t] += sh[t + s];
        }
        __syncthreads();
    }
    double r = sh[0];
    __syncthreads();
    return r;
}

__device__ __forceinline__ float nan_max(float a, float b) {
    if (a != a || b != b) {
        return __int_as_float(0x7FC00000);
    }
    return a > b ? a : b;
}

__device__ __forceinline__ float nan_min(float a, float b) {
    if (a != a || b != b) {
        return __int_as_float(0x7FC00000);
    }
    return a < b ? a : b;
}

// Maximum over the block, ignoring NaN (callers treat NaN separately where it matters).
__device__ __forceinline__ float block_max_f(float v, float* sh) {
    unsigned t = threadIdx.x;
    sh[t] = v;
    __syncthreads();
    for (unsigned s = blockDim.x / 2; s > 0; s >>= 1) {
        if (t < s) {
            sh[t] = fmaxf(sh[t], sh[t + s]);
        }
        __syncthreads();
    }
    float r = sh[0];
    __syncthreads();
    return r;
}

// Maximum over the block where any NaN makes the result NaN.
__device__ __forceinline__ float block_max_nan_f(float v, float* sh) {
    unsigned t = threadIdx.x;
    sh[t] = v;
    __syncthreads();
    for (unsigned s = blockDim.x / 2; s > 0; s >>= 1) {
        if (t < s) {
            sh[t] = nan_max(sh[t], sh[t + s]);
        }
        __syncthreads();
    }
    float r = sh[0];
    __syncthreads();
    return r;
}

#endif
