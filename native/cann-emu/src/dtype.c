/* Element load/store for every supported dtype. Narrow float formats are rounded
 * to nearest, ties to even, from a double; FP8 does not saturate (E4M3FN overflow
 * gives NaN, E5M2 overflow gives +-Inf). */
#include <math.h>
#include <pthread.h>
#include <string.h>

#include "op_common.h"

int dt_size(aclDataType dt) {
    switch (dt) {
    case ACL_FLOAT: case ACL_INT32: case ACL_UINT32: return 4;
    case ACL_FLOAT16: case ACL_BF16: case ACL_INT16: case ACL_UINT16: return 2;
    case ACL_INT8: case ACL_UINT8: case ACL_BOOL: case ACL_FLOAT8_E4M3FN: case ACL_FLOAT8_E5M2: return 1;
    case ACL_INT64: case ACL_UINT64: case ACL_DOUBLE: return 8;
    default: return 0;
    }
}

const char *dt_name(aclDataType dt) {
    switch (dt) {
    case ACL_FLOAT: return "FLOAT";
    case ACL_FLOAT16: return "FLOAT16";
    case ACL_BF16: return "BF16";
    case ACL_INT8: return "INT8";
    case ACL_INT16: return "INT16";
    case ACL_INT32: return "INT32";
    case ACL_INT64: return "INT64";
    case ACL_UINT8: return "UINT8";
    case ACL_UINT16: return "UINT16";
    case ACL_UINT32: return "UINT32";
    case ACL_UINT64: return "UINT64";
    case ACL_DOUBLE: return "DOUBLE";
    case ACL_BOOL: return "BOOL";
    case ACL_FLOAT8_E4M3FN: return "FLOAT8_E4M3FN";
    case ACL_FLOAT8_E5M2: return "FLOAT8_E5M2";
    default: return "unsupported";
    }
}

int dt_is_floating(aclDataType dt) {
    return dt == ACL_FLOAT || dt == ACL_FLOAT16 || dt == ACL_BF16 || dt == ACL_DOUBLE || dt == ACL_FLOAT8_E4M3FN ||
           dt == ACL_FLOAT8_E5M2;
}

/* fn = "finite": no infinities, NaN only with all exponent and mantissa bits set (E4M3FN) */
static uint32_t encode_small(double x, int ebits, int mbits, int bias, int fn) {
    uint32_t sign = signbit(x) ? 1u << (ebits + mbits) : 0;
    uint32_t emax_field = (1u << ebits) - 1;
    uint32_t nan = fn ? (emax_field << mbits) | ((1u << mbits) - 1) : (emax_field << mbits) | (1u << (mbits - 1));
    uint32_t inf = fn ? nan : (emax_field << mbits);
    if (isnan(x)) return sign | nan;
    double a = fabs(x);
    if (isinf(a)) return sign | inf;
    if (a == 0) return sign;
    int emin = 1 - bias;
    double maxv = fn ? ldexp(1.0 + (double)((1 << mbits) - 2) / (1 << mbits), (int)emax_field - bias)
                     : ldexp(2.0 - ldexp(1.0, -mbits), (int)emax_field - 1 - bias);
    int e;
    frexp(a, &e);
    e -= 1;
    if (e < emin) e = emin;
    double r = nearbyint(ldexp(a, mbits - e)); /* default rounding mode: nearest-even */
    double v = ldexp(r, e - mbits);
    if (v > maxv) return sign | inf;
    if (v < ldexp(1.0, emin)) return sign | (uint32_t)r;
    int e2;
    frexp(v, &e2);
    e2 -= 1;
    uint32_t mant = (uint32_t)ldexp(v, mbits - e2) - (1u << mbits);
    return sign | ((uint32_t)(e2 + bias) << mbits) | mant;
}

static double decode_small(uint32_t bits, int ebits, int mbits, int bias, int fn) {
    uint32_t sign = (bits >> (ebits + mbits)) & 1u;
    uint32_t emask = (1u << ebits) - 1, mmask = (1u << mbits) - 1;
    uint32_t e = (bits >> mbits) & emask, m = bits & mmask;
    double v;
    if (e == 0) v = ldexp((double)m, 1 - bias - mbits);
    else if (!fn && e == emask) v = m ? NAN : INFINITY;
    else if (fn && e == emask && m == mmask) v = NAN;
    else v = ldexp(1.0 + (double)m / (1u << mbits), (int)e - bias);
    return sign ? -v : v;
}

static float g_f16_table[65536];
static pthread_once_t g_f16_once = PTHREAD_ONCE_INIT;

static void build_f16_table(void) {
    for (uint32_t i = 0; i < 65536; i++) g_f16_table[i] = (float)decode_small(i, 5, 10, 15, 0);
}

static float f16_to_float(uint16_t h) {
    pthread_once(&g_f16_once, build_f16_table);
    return g_f16_table[h];
}

double dt_round(aclDataType dt, double v) {
    switch (dt) {
    case ACL_FLOAT: return (float)v;
    case ACL_FLOAT16: return decode_small(encode_small(v, 5, 10, 15, 0), 5, 10, 15, 0);
    case ACL_BF16: return decode_small(encode_small(v, 8, 7, 127, 0), 8, 7, 127, 0);
    default: return v;
    }
}

double round_hf32(double v) { return decode_small(encode_small(v, 8, 10, 127, 0), 8, 10, 127, 0); }

double dt_load_f(aclDataType dt, const char *p) {
    switch (dt) {
    case ACL_FLOAT: { float f; memcpy(&f, p, 4); return f; }
    case ACL_DOUBLE: { double d; memcpy(&d, p, 8); return d; }
    case ACL_FLOAT16: { uint16_t h; memcpy(&h, p, 2); return f16_to_float(h); }
    case ACL_BF16: {
        uint16_t h;
        memcpy(&h, p, 2);
        uint32_t u = (uint32_t)h << 16;
        float f;
        memcpy(&f, &u, 4);
        return f;
    }
    case ACL_FLOAT8_E4M3FN: return decode_small((uint8_t)p[0], 4, 3, 7, 1);
    case ACL_FLOAT8_E5M2: return decode_small((uint8_t)p[0], 5, 2, 15, 0);
    case ACL_UINT64: { uint64_t u; memcpy(&u, p, 8); return (double)u; }
    default: return (double)dt_load_i(dt, p);
    }
}

int64_t dt_load_i(aclDataType dt, const char *p) {
    switch (dt) {
    case ACL_INT8: return (int8_t)p[0];
    case ACL_UINT8: return (uint8_t)p[0];
    case ACL_BOOL: return p[0] != 0;
    case ACL_INT16: { int16_t v; memcpy(&v, p, 2); return v; }
    case ACL_UINT16: { uint16_t v; memcpy(&v, p, 2); return v; }
    case ACL_INT32: { int32_t v; memcpy(&v, p, 4); return v; }
    case ACL_UINT32: { uint32_t v; memcpy(&v, p, 4); return v; }
    case ACL_INT64: case ACL_UINT64: { int64_t v; memcpy(&v, p, 8); return v; }
    default: {
        double d = dt_load_f(dt, p);
        return dt_f_fits(ACL_INT64, d) ? (int64_t)d : 0;
    }
    }
}

int dt_f_fits(aclDataType dt, double v) {
    if (!isfinite(v)) return dt_is_floating(dt) || dt == ACL_BOOL;
    double t = trunc(v);
    switch (dt) {
    case ACL_INT8: return t >= -128.0 && t <= 127.0;
    case ACL_UINT8: return t >= 0.0 && t <= 255.0;
    case ACL_INT16: return t >= -32768.0 && t <= 32767.0;
    case ACL_UINT16: return t >= 0.0 && t <= 65535.0;
    case ACL_INT32: return t >= -2147483648.0 && t <= 2147483647.0;
    case ACL_UINT32: return t >= 0.0 && t <= 4294967295.0;
    case ACL_INT64: return t >= -9223372036854775808.0 && t < 9223372036854775808.0;
    case ACL_UINT64: return t >= 0.0 && t < 18446744073709551616.0;
    default: return 1;
    }
}

void dt_store_f(aclDataType dt, char *p, double v) {
    switch (dt) {
    case ACL_FLOAT: { float f = (float)v; memcpy(p, &f, 4); return; }
    case ACL_DOUBLE: memcpy(p, &v, 8); return;
    case ACL_FLOAT16: { uint16_t h = (uint16_t)encode_small(v, 5, 10, 15, 0); memcpy(p, &h, 2); return; }
    case ACL_BF16: { uint16_t h = (uint16_t)encode_small(v, 8, 7, 127, 0); memcpy(p, &h, 2); return; }
    case ACL_FLOAT8_E4M3FN: p[0] = (char)encode_small(v, 4, 3, 7, 1); return;
    case ACL_FLOAT8_E5M2: p[0] = (char)encode_small(v, 5, 2, 15, 0); return;
    case ACL_BOOL: p[0] = v != 0; return;
    case ACL_UINT64: { uint64_t u = (uint64_t)trunc(v); memcpy(p, &u, 8); return; }
    default: dt_store_i(dt, p, (int64_t)trunc(v)); return;
    }
}

void dt_store_i(aclDataType dt, char *p, int64_t v) {
    switch (dt) {
    case ACL_INT8: case ACL_UINT8: p[0] = (char)(uint8_t)(uint64_t)v; return;
    case ACL_BOOL: p[0] = v != 0; return;
    case ACL_INT16: case ACL_UINT16: { uint16_t x = (uint16_t)(uint64_t)v; memcpy(p, &x, 2); return; }
    case ACL_INT32: case ACL_UINT32: { uint32_t x = (uint32_t)(uint64_t)v; memcpy(p, &x, 4); return; }
    case ACL_INT64: case ACL_UINT64: memcpy(p, &v, 8); return;
    case ACL_FLOAT: { float f = (float)v; memcpy(p, &f, 4); return; } /* one rounding, not via double */
    default: dt_store_f(dt, p, (double)v); return;
    }
}
