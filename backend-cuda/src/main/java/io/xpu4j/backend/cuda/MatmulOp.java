package io.xpu4j.backend.cuda;

import io.xpu4j.api.Config.MatmulPrecision;
import io.xpu4j.api.DType;
import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.KernelCall;
import io.xpu4j.api.KernelRegistry;
import io.xpu4j.api.Tensor;
import io.xpu4j.api.XpuException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * {@code matmul} on cuBLAS: {@code cublasGemmStridedBatchedEx} (or {@code cublasGemmEx} for one
 * matrix) with F32 accumulation. The compute type is {@code CUBLAS_COMPUTE_32F} (the handle is in
 * default math mode, so no TF32) unless an F32 call carries {@code f32Precision = high}
 * ({@code matmulPrecision: high}), which selects {@code CUBLAS_COMPUTE_32F_FAST_TF32}: inputs
 * rounded to TF32 on tensor cores, sums still in F32. F16/BF16 always use {@code CUBLAS_COMPUTE_32F}.
 *
 * <p>cuBLAS is column-major; a row-major [M, N] result C is the column-major [N, M] matrix C^T,
 * and C^T = B^T A^T, so the call passes B first with m = N, n = M. A row-major operand read as
 * column-major is its transpose, which is exactly what that product needs (op N); an operand
 * whose storage is the transpose (a column-major view, as {@code linear} makes of its weight) is
 * passed with op T instead of being copied. Operands that are neither, or whose batch dims do
 * not collapse to one stride, are first copied to a contiguous scratch tensor.
 */
final class MatmulOp {
    private MatmulOp() {
    }

    static void register(KernelRegistry r) {
        for (DType t : ElementwiseOps.FLOAT) {
            r.register("cuda", "matmul", List.of(t, t), List.of(t), MatmulOp::matmul);
        }
    }

    static int cudaDataType(DType t) {
        return switch (t) {
            case F32 -> CublasApi.CUDA_R_32F;
            case F16 -> CublasApi.CUDA_R_16F;
            case BF16 -> CublasApi.CUDA_R_16BF;
            default -> throw new XpuException(ErrorCode.DTYPE_MISMATCH, "matmul on cuda takes F32, F16 or BF16, got " + t);
        };
    }

    /** The cuBLAS compute type for a matmul of {@code t} at the requested F32 precision. */
    static int computeType(DType t, MatmulPrecision precision) {
        return t == DType.F32 && precision == MatmulPrecision.HIGH
                ? CublasApi.CUBLAS_COMPUTE_32F_FAST_TF32
                : CublasApi.CUBLAS_COMPUTE_32F;
    }

    /**
     * How one operand [batch..., R, C] is handed to cuBLAS.
     *
     * @param transposed   storage is column-major (the operand must be passed with op T)
     * @param ld           the leading dimension in elements
     * @param batchStride  elements between consecutive batch matrices (0 when broadcast)
     */
    record Operand(boolean transposed, long ld, long batchStride) {
    }

    /** The operand's GEMM layout, or null when it needs a contiguous copy first. */
    static Operand describe(long[] shape, long[] strides) {
        int n = shape.length;
        long rows = shape[n - 2];
        long cols = shape[n - 1];
        long sr = strides[n - 2];
        long sc = strides[n - 1];
        Operand base;
        if ((sc == 1 || cols == 1) && (rows == 1 || sr >= Math.max(1, cols))) {
            base = new Operand(false, rows == 1 ? Math.max(1, cols) : sr, 0);
        } else if ((sr == 1 || rows == 1) && (cols == 1 || sc >= Math.max(1, rows))) {
            base = new Operand(true, cols == 1 ? Math.max(1, rows) : sc, 0);
        } else {
            return null;
        }
        long[] batchShape = Arrays.copyOf(shape, n - 2);
        long[] batchStrides = Arrays.copyOf(strides, n - 2);
        TensorLayouts.Merged m = TensorLayouts.merge(batchShape, batchStrides);
        if (m.shape().length > 1) {
            return null;
        }
        long stride = m.shape().length == 0 ? 0 : m.strides()[0][0];
        if (stride < 0 || base.ld() > Integer.MAX_VALUE) {
            return null;
        }
        return new Operand(base.transposed(), base.ld(), stride);
    }

    private static Operand describeContiguous(Tensor t, String name) {
        Operand o = describe(t.shape(), t.strides());
        if (o == null) {
            throw new XpuException(ErrorCode.INTERNAL, "matmul on cuda: the contiguous copy of " + name + " "
                    + Arrays.toString(t.shape()) + " (strides " + Arrays.toString(t.strides())
                    + ") has no cuBLAS layout");
        }
        return o;
    }

    static void matmul(KernelCall c) {
        Tensor a = c.input(0);
        Tensor b = c.input(1);
        Tensor out = c.output();
        CudaDevice d = ElementwiseOps.device(c);
        DType t = out.dtype();
        int compute = computeType(t, MatmulPrecision.of(c.attrs()));
        int rank = out.rank();
        long m = out.shape(rank - 2);
        long n = out.shape(rank - 1);
        long k = a.shape(a.rank() - 1);
        long batch = out.numel() / Math.max(1, m * n);
        if (m > Integer.MAX_VALUE || n > Integer.MAX_VALUE || k > Integer.MAX_VALUE || batch > Integer.MAX_VALUE) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, "matmul on cuda: M=" + m + ", N=" + n + ", K=" + k
                    + ", batch=" + batch + "; each must fit in a 32-bit int for cuBLAS");
        }
        if (out.numel() == 0) {
            // nothing to write; cuBLAS would also reject ldc = N = 0 (ldc must be >= max(1, N))
            return;
        }
        if (k == 0) {
            d.makeCurrent();
            d.zero(out.address(), out.byteSize()); // an empty sum
            return;
        }
        Tensor ac = null;
        Tensor bc = null;
        try {
            Operand oa = describe(a.shape(), a.strides());
            if (oa == null) {
                ac = a.contiguous();
                oa = describeContiguous(ac, "a");
            }
            Operand ob = describe(b.shape(), b.strides());
            if (ob == null) {
                bc = b.contiguous();
                ob = describeContiguous(bc, "b");
            }
            long aAddr = (ac != null ? ac : a).address();
            long bAddr = (bc != null ? bc : b).address();
            gemm(d, t, compute, (int) m, (int) n, (int) k, (int) batch, aAddr, oa, bAddr, ob, out.address());
        } finally {
            if (ac != null) {
                ac.close();
            }
            if (bc != null) {
                bc.close();
            }
        }
    }

    private static void gemm(CudaDevice d, DType t, int compute, int m, int n, int k, int batch,
                             long a, Operand oa, long b, Operand ob, long c) {
        CublasHandle h = d.blas();
        CublasApi api = h.api();
        int type = cudaDataType(t);
        int opB = ob.transposed() ? CublasApi.CUBLAS_OP_T : CublasApi.CUBLAS_OP_N;
        int opA = oa.transposed() ? CublasApi.CUBLAS_OP_T : CublasApi.CUBLAS_OP_N;
        d.makeCurrent();
        try (Arena arena = Arena.ofConfined()) {
            // both 32F compute types take float scalars (host pointers: the handle's default pointer mode)
            MemorySegment alpha = arena.allocateFrom(JAVA_FLOAT, 1f);
            MemorySegment beta = arena.allocateFrom(JAVA_FLOAT, 0f);
            MemorySegment pa = MemorySegment.ofAddress(a);
            MemorySegment pb = MemorySegment.ofAddress(b);
            MemorySegment pc = MemorySegment.ofAddress(c);
            String call;
            int status;
            if (batch == 1) {
                call = "cublasGemmEx(m=" + n + ", n=" + m + ", k=" + k + ")";
                status = api.gemmEx(h.handle(), opB, opA, n, m, k, alpha, pb, type, (int) ob.ld(), pa, type,
                        (int) oa.ld(), beta, pc, type, n, compute, CublasApi.CUBLAS_GEMM_DEFAULT);
            } else {
                call = "cublasGemmStridedBatchedEx(m=" + n + ", n=" + m + ", k=" + k + ", batch=" + batch + ")";
                status = api.gemmStridedBatchedEx(h.handle(), opB, opA, n, m, k, alpha, pb, type, (int) ob.ld(),
                        ob.batchStride(), pa, type, (int) oa.ld(), oa.batchStride(), beta, pc, type, n,
                        (long) m * n, batch, compute, CublasApi.CUBLAS_GEMM_DEFAULT);
            }
            api.check(status, call, d.id());
        }
    }
}
