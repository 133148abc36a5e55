package io.xpu4j.backend.cuda;

import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

/**
 * The fake cuBLAS's GEMM: column-major C = alpha·op(A)·op(B) + beta·C per matrix of a batch, with
 * the argument checks of the reference BLAS that cuBLAS documents (a leading dimension below
 * max(1, rows of the stored matrix) is {@code CUBLAS_STATUS_INVALID_VALUE}, even when a
 * dimension is 0). Sums in double; the result is rounded to the C type. {@code CUBLAS_COMPUTE_32F}
 * takes every supported type; {@code CUBLAS_COMPUTE_32F_FAST_TF32} only F32 matrices, whose
 * inputs it rounds to TF32 (10 mantissa bits, nearest even) as tensor cores would.
 */
final class FakeGemm {
    static final int CUBLAS_STATUS_INVALID_VALUE = 7;
    static final int CUBLAS_STATUS_NOT_SUPPORTED = 15;

    private FakeGemm() {
    }

    static int run(FakeCuda.Gemm g, MemorySegment alphaPtr, MemorySegment aPtr, MemorySegment bPtr,
                   MemorySegment betaPtr, MemorySegment cPtr) {
        boolean ta = g.transa() == CublasApi.CUBLAS_OP_T;
        boolean tb = g.transb() == CublasApi.CUBLAS_OP_T;
        if ((!ta && g.transa() != CublasApi.CUBLAS_OP_N) || (!tb && g.transb() != CublasApi.CUBLAS_OP_N)) {
            return CUBLAS_STATUS_INVALID_VALUE;
        }
        int m = g.m();
        int n = g.n();
        int k = g.k();
        if (m < 0 || n < 0 || k < 0 || g.batch() < 0
                || g.lda() < Math.max(1, ta ? k : m)
                || g.ldb() < Math.max(1, tb ? n : k)
                || g.ldc() < Math.max(1, m)) {
            return CUBLAS_STATUS_INVALID_VALUE;
        }
        boolean tf32 = g.computeType() == CublasApi.CUBLAS_COMPUTE_32F_FAST_TF32;
        if (size(g.type()) == 0 || !(g.computeType() == CublasApi.CUBLAS_COMPUTE_32F
                || (tf32 && g.type() == CublasApi.CUDA_R_32F))) {
            return CUBLAS_STATUS_NOT_SUPPORTED;
        }
        if (m == 0 || n == 0 || g.batch() == 0) {
            return 0;
        }
        float alpha = alphaPtr.reinterpret(4).get(JAVA_FLOAT, 0);
        float beta = betaPtr.reinterpret(4).get(JAVA_FLOAT, 0);
        int t = g.type();
        MemorySegment a = span(aPtr, ta ? k : m, ta ? m : k, g.lda(), g.strideA(), g.batch(), t);
        MemorySegment b = span(bPtr, tb ? n : k, tb ? k : n, g.ldb(), g.strideB(), g.batch(), t);
        MemorySegment c = span(cPtr, m, n, g.ldc(), g.strideC(), g.batch(), t);
        for (int p = 0; p < g.batch(); p++) {
            for (int j = 0; j < n; j++) {
                for (int i = 0; i < m; i++) {
                    double sum = 0;
                    for (int l = 0; l < k; l++) {
                        long ai = p * g.strideA() + (ta ? l + (long) i * g.lda() : i + (long) l * g.lda());
                        long bi = p * g.strideB() + (tb ? j + (long) l * g.ldb() : l + (long) j * g.ldb());
                        float x = load(a, ai, t);
                        float y = load(b, bi, t);
                        sum += tf32 ? (double) toTf32(x) * toTf32(y) : (double) x * y;
                    }
                    long ci = p * g.strideC() + i + (long) j * g.ldc();
                    double r = alpha * sum + (beta == 0 ? 0 : beta * (double) load(c, ci, t));
                    store(c, ci, t, (float) r);
                }
            }
        }
        return 0;
    }

    /** Rounds to 10 explicit mantissa bits, nearest even (finite values; enough for the tests). */
    static float toTf32(float v) {
        int bits = Float.floatToRawIntBits(v);
        int rounded = (bits + 0xFFF + ((bits >>> 13) & 1)) & ~0x1FFF;
        return Float.intBitsToFloat(rounded);
    }

    private static int size(int type) {
        return switch (type) {
            case CublasApi.CUDA_R_32F -> 4;
            case CublasApi.CUDA_R_16F, CublasApi.CUDA_R_16BF -> 2;
            default -> 0;
        };
    }

    /** The bytes a batch of col-major rows x cols matrices (leading dimension ld) spans. */
    private static MemorySegment span(MemorySegment p, int rows, int cols, int ld, long stride, int batch, int type) {
        long last = (batch - 1) * Math.max(0, stride) + (long) (cols - 1) * ld + (rows - 1);
        return p.reinterpret((Math.max(last, 0) + 1) * size(type));
    }

    private static float load(MemorySegment s, long i, int type) {
        return switch (type) {
            case CublasApi.CUDA_R_32F -> s.getAtIndex(JAVA_FLOAT_UNALIGNED, i);
            case CublasApi.CUDA_R_16F -> Float.float16ToFloat(s.getAtIndex(JAVA_SHORT_UNALIGNED, i));
            default -> Float.intBitsToFloat((s.getAtIndex(JAVA_SHORT_UNALIGNED, i) & 0xFFFF) << 16);
        };
    }

    private static void store(MemorySegment s, long i, int type, float v) {
        switch (type) {
            case CublasApi.CUDA_R_32F -> s.setAtIndex(JAVA_FLOAT_UNALIGNED, i, v);
            case CublasApi.CUDA_R_16F -> s.setAtIndex(JAVA_SHORT_UNALIGNED, i, Float.floatToFloat16(v));
            default -> {
                int bits = Float.floatToRawIntBits(v);
                int rounded = Float.isNaN(v) ? (bits >>> 16) | 0x40 : (bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16;
                s.setAtIndex(JAVA_SHORT_UNALIGNED, i, (short) rounded);
            }
        }
    }
}
