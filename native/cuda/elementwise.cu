// Elementwise kernels: fill, strided copy, cast, unary, binary, compare, where.
// Every kernel walks the row-major index of the output with a grid-stride loop and finds each
// operand's element through its own strides (0 for broadcast dims).
#include "xpu4j_common.cuh"

#define GRID_STRIDE(i, n) for (i64 i = (i64) blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += (i64) blockDim.x * gridDim.x)

// op codes, matched by the Java side
#define U_NEG 0
#define U_ABS 1
#define U_RELU 2
#define U_EXP 3
#define U_LOG 4
#define U_SQRT 5
#define U_RSQRT 6
#define U_TANH 7
#define U_ERF 8
#define U_SIGMOID 9
#define U_SILU 10
#define U_GELU 11
#define U_GELU_TANH 12

#define B_ADD 0
#define B_SUB 1
#define B_MUL 2
#define B_DIV 3
#define B_MAXIMUM 4
#define B_MINIMUM 5
#define B_POW 6

#define C_EQ 0
#define C_NE 1
#define C_LT 2
#define C_LE 3
#define C_GT 4
#define C_GE 5

__device__ __forceinline__ void copy_element(const void* src, i64 si, void* dst, i64 di, int size) {
    switch (size) {
        case 1: ((unsigned char*) dst)[di] = ((const unsigned char*) src)[si]; break;
        case 2: ((unsigned short*) dst)[di] = ((const unsigned short*) src)[si]; break;
        case 4: ((unsigned*) dst)[di] = ((const unsigned*) src)[si]; break;
        default: ((u64*) dst)[di] = ((const u64*) src)[si]; break;
    }
}

// Every element of a contiguous array set to one bit pattern (already encoded for the dtype).
extern "C" __global__ void xpu_fill(void* dst, i64 n, int size, u64 bits) {
    GRID_STRIDE(i, n) {
        switch (size) {
            case 1: ((unsigned char*) dst)[i] = (unsigned char) bits; break;
            case 2: ((unsigned short*) dst)[i] = (unsigned short) bits; break;
            case 4: ((unsigned*) dst)[i] = (unsigned) bits; break;
            default: ((u64*) dst)[i] = bits; break;
        }
    }
}

// dst[shape, dstStrides] = src[shape, srcStrides], raw elements of `size` bytes.
extern "C" __global__ void xpu_copy(const void* src, void* dst, Dims d, Strides ss, Strides ds, i64 n, int size) {
    GRID_STRIDE(i, n) {
        copy_element(src, offset_of(i, d, ss), dst, offset_of(i, d, ds), size);
    }
}

// Casts a strided source into a contiguous destination of another dtype (from != to).
extern "C" __global__ void xpu_cast(const void* src, void* dst, Dims d, Strides ss, i64 n, int from, int to,
                                    int saturate, ErrorRecord* err) {
    bool sat = saturate != 0;
    GRID_STRIDE(i, n) {
        i64 off = offset_of(i, d, ss);
        if (is_float_dt(from)) {
            float v = load_f(src, off, from);
            if (is_float_dt(to) || to == DT_BOOL) {
                store_f(dst, i, to, v, sat);
            } else {
                // valid inputs truncate into [min, max]: the open interval (min - 1, max + 1);
                // I64's bounds are powers of two, so its lower one is inclusive
                double x = (double) v;
                bool ok;
                if (to == DT_I8) {
                    ok = x > -129.0 && x < 128.0;
                } else if (to == DT_I32) {
                    ok = x > -2147483649.0 && x < 2147483648.0;
                } else {
                    ok = x >= -9223372036854775808.0 && x < 9223372036854775808.0;
                }
                if (ok) {
                    store_i(dst, i, to, (i64) x);
                } else {
                    report_error(err, ERR_CAST_FLOAT_TO_INT, i, 0, x);
                    store_i(dst, i, to, 0);
                }
            }
        } else {
            i64 w = load_i(src, off, from);
            if (to == DT_F32) {
                ((float*) dst)[i] = (float) w;
            } else if (is_float_dt(to)) {
                unsigned code = encode_double(to_double_odd(w), to, sat);
                if (to == DT_F16 || to == DT_BF16) {
                    ((unsigned short*) dst)[i] = (unsigned short) code;
                } else {
                    ((unsigned char*) dst)[i] = (unsigned char) code;
                }
            } else {
                if (to != DT_BOOL && dt_size(to) < dt_size(from)) {
                    i64 lo = to == DT_I8 ? -128 : -2147483648ll;
                    i64 hi = to == DT_I8 ? 127 : 2147483647ll;
                    if (w < lo || w > hi) {
                        report_error(err, ERR_CAST_INT_NARROW, i, w, 0.0);
                    }
                }
                store_i(dst, i, to, w);
            }
        }
    }
}

__device__ __forceinline__ float unary_float(float x, int op) {
    double v = (double) x;
    switch (op) {
        case U_NEG: return -x;
        case U_ABS: return fabsf(x);
        case U_RELU: return x != x ? x : (x > 0.0f ? x : 0.0f);
        case U_EXP: return (float) exp(v);
        case U_LOG: return (float) log(v);
        case U_SQRT: return (float) sqrt(v);
        case U_RSQRT: return (float) (1.0 / sqrt(v));
        case U_TANH: return (float) tanh(v);
        case U_ERF: return (float) erf(v);
        case U_SIGMOID: return (float) (1.0 / (1.0 + exp(-v)));
        case U_SILU: return (float) (v / (1.0 + exp(-v)));
        case U_GELU: return (float) (0.5 * v * (1.0 + erf(v * 0.70710678118654752440)));
        default: { // U_GELU_TANH
            double inner = 0.79788456080286535588 * (v + 0.044715 * v * v * v);
            return (float) (0.5 * v * (1.0 + tanh(inner)));
        }
    }
}

__device__ __forceinline__ i64 unary_int(i64 x, int op) {
    switch (op) {
        case U_NEG: return (i64) (0ull - (u64) x);
        case U_ABS: return x < 0 ? (i64) (0ull - (u64) x) : x;
        default: return x > 0 ? x : 0; // U_RELU
    }
}

extern "C" __global__ void xpu_unary(const void* src, void* dst, Dims d, Strides ss, i64 n, int dt, int op) {
    GRID_STRIDE(i, n) {
        i64 off = offset_of(i, d, ss);
        if (is_float_dt(dt)) {
            store_f(dst, i, dt, unary_float(load_f(src, off, dt), op), false);
        } else {
            store_i(dst, i, dt, unary_int(load_i(src, off, dt), op));
        }
    }
}

// Math.max / Math.min semantics: NaN wins, +0 is above -0.
__device__ __forceinline__ float java_max(float a, float b) {
    if (a != a || b != b) {
        return __int_as_float(0x7FC00000);
    }
    if (a == b) {
        return (__float_as_uint(a) >> 31) ? b : a; // +0 beats -0
    }
    return a > b ? a : b;
}

__device__ __forceinline__ float java_min(float a, float b) {
    if (a != a || b != b) {
        return __int_as_float(0x7FC00000);
    }
    if (a == b) {
        return (__float_as_uint(a) >> 31) ? a : b; // -0 beats +0
    }
    return a < b ? a : b;
}

// pow in double rounded once, with Math.pow's special cases where C's pow differs:
// a NaN exponent, or |base| = 1 with an infinite exponent, give NaN.
#define INF_D __longlong_as_double(0x7FF0000000000000ll)

__device__ __forceinline__ float java_pow(float a, float b) {
    double x = (double) a;
    double y = (double) b;
    if (y != y) {
        return __int_as_float(0x7FC00000);
    }
    if ((x == 1.0 || x == -1.0) && (y == INF_D || y == -INF_D)) {
        return __int_as_float(0x7FC00000);
    }
    return (float) pow(x, y);
}

__device__ __forceinline__ float binary_float(float a, float b, int op) {
    switch (op) {
        case B_ADD: return a + b;
        case B_SUB: return a - b;
        case B_MUL: return a * b;
        case B_DIV: return a / b;
        case B_MAXIMUM: return java_max(a, b);
        case B_MINIMUM: return java_min(a, b);
        default: return java_pow(a, b);
    }
}

extern "C" __global__ void xpu_binary(const void* a, const void* b, void* dst, Dims d, Strides sa, Strides sb,
                                      i64 n, int dt, int op, ErrorRecord* err) {
    GRID_STRIDE(i, n) {
        i64 oa = offset_of(i, d, sa);
        i64 ob = offset_of(i, d, sb);
        if (is_float_dt(dt)) {
            store_f(dst, i, dt, binary_float(load_f(a, oa, dt), load_f(b, ob, dt), op), false);
        } else {
            i64 x = load_i(a, oa, dt);
            i64 y = load_i(b, ob, dt);
            i64 r;
            switch (op) {
                case B_ADD: r = (i64) ((u64) x + (u64) y); break;
                case B_SUB: r = (i64) ((u64) x - (u64) y); break;
                case B_MUL: r = (i64) ((u64) x * (u64) y); break;
                case B_DIV:
                    if (y == 0) {
                        report_error(err, ERR_INT_DIV_ZERO, i, x, 0.0);
                        r = 0;
                    } else if (y == -1) {
                        r = (i64) (0ull - (u64) x); // wraps for the minimum, as Java's division does
                    } else {
                        r = x / y;
                    }
                    break;
                case B_MAXIMUM: r = x > y ? x : y; break;
                default: r = x < y ? x : y; break; // B_MINIMUM
            }
            store_i(dst, i, dt, r);
        }
    }
}

extern "C" __global__ void xpu_compare(const void* a, const void* b, unsigned char* dst, Dims d, Strides sa,
                                       Strides sb, i64 n, int dt, int op) {
    GRID_STRIDE(i, n) {
        i64 oa = offset_of(i, d, sa);
        i64 ob = offset_of(i, d, sb);
        bool r;
        if (is_float_dt(dt)) {
            float x = load_f(a, oa, dt);
            float y = load_f(b, ob, dt);
            switch (op) {
                case C_EQ: r = x == y; break;
                case C_NE: r = !(x == y); break;
                case C_LT: r = x < y; break;
                case C_LE: r = x <= y; break;
                case C_GT: r = x > y; break;
                default: r = x >= y; break;
            }
        } else {
            i64 x = load_i(a, oa, dt);
            i64 y = load_i(b, ob, dt);
            switch (op) {
                case C_EQ: r = x == y; break;
                case C_NE: r = x != y; break;
                case C_LT: r = x < y; break;
                case C_LE: r = x <= y; break;
                case C_GT: r = x > y; break;
                default: r = x >= y; break;
            }
        }
        dst[i] = r ? 1 : 0;
    }
}

extern "C" __global__ void xpu_where(const unsigned char* cond, const void* a, const void* b, void* dst, Dims d,
                                     Strides sc, Strides sa, Strides sb, i64 n, int size) {
    GRID_STRIDE(i, n) {
        if (cond[offset_of(i, d, sc)] != 0) {
            copy_element(a, offset_of(i, d, sa), dst, i, size);
        } else {
            copy_element(b, offset_of(i, d, sb), dst, i, size);
        }
    }
}
