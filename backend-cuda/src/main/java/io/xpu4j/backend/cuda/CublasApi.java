package io.xpu4j.backend.cuda;

import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.XpuException;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * cuBLAS ({@code libcublas.so.13}, else {@code .so.12}): the GEMM calls behind {@code matmul}.
 * {@code cublasStatus_t}, {@code cublasOperation_t}, {@code cudaDataType},
 * {@code cublasComputeType_t}, {@code cublasGemmAlgo_t} and {@code cublasMath_t} are C enums
 * ({@code JAVA_INT}); strides are {@code long long}; handles, streams and scalars are pointers.
 */
final class CublasApi {
    static final List<String> LIBRARIES = List.of("libcublas.so.13", "libcublas.so.12");

    static final int CUBLAS_STATUS_SUCCESS = 0;
    static final int CUBLAS_OP_N = 0;
    static final int CUBLAS_OP_T = 1;
    static final int CUDA_R_32F = 0;
    static final int CUDA_R_16F = 2;
    static final int CUDA_R_16BF = 14;
    static final int CUDA_R_8F_E4M3 = 28;
    static final int CUDA_R_8F_E5M2 = 29;
    static final int CUBLAS_COMPUTE_32F = 68;
    static final int CUBLAS_COMPUTE_32F_FAST_TF32 = 77;
    static final int CUBLAS_GEMM_DEFAULT = -1;
    static final int CUBLAS_DEFAULT_MATH = 0;
    static final int CUBLAS_MATH_DISALLOW_REDUCED_PRECISION_REDUCTION = 16;

    static final NativeFunction CREATE = fn("cublasCreate_v2", ADDRESS);
    static final NativeFunction DESTROY = fn("cublasDestroy_v2", ADDRESS);
    static final NativeFunction SET_STREAM = fn("cublasSetStream_v2", ADDRESS, ADDRESS);
    static final NativeFunction SET_MATH_MODE = fn("cublasSetMathMode", ADDRESS, JAVA_INT);
    static final NativeFunction GEMM_EX = fn("cublasGemmEx",
            ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, // handle, transa, transb, m, n, k
            ADDRESS, ADDRESS, JAVA_INT, JAVA_INT,                      // alpha, A, Atype, lda
            ADDRESS, JAVA_INT, JAVA_INT,                               // B, Btype, ldb
            ADDRESS, ADDRESS, JAVA_INT, JAVA_INT,                      // beta, C, Ctype, ldc
            JAVA_INT, JAVA_INT);                                       // computeType, algo
    static final NativeFunction GEMM_STRIDED_BATCHED_EX = fn("cublasGemmStridedBatchedEx",
            ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, // handle, transa, transb, m, n, k
            ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, JAVA_LONG,           // alpha, A, Atype, lda, strideA
            ADDRESS, JAVA_INT, JAVA_INT, JAVA_LONG,                    // B, Btype, ldb, strideB
            ADDRESS, ADDRESS, JAVA_INT, JAVA_INT, JAVA_LONG,           // beta, C, Ctype, ldc, strideC
            JAVA_INT, JAVA_INT, JAVA_INT);                             // batchCount, computeType, algo
    static final NativeFunction GET_STATUS_NAME =
            new NativeFunction("cublasGetStatusName", "cublasGetStatusName", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    static final NativeFunction GET_STATUS_STRING =
            new NativeFunction("cublasGetStatusString", "cublasGetStatusString", FunctionDescriptor.of(ADDRESS, JAVA_INT));

    static final List<NativeFunction> FUNCTIONS = List.of(CREATE, DESTROY, SET_STREAM, SET_MATH_MODE, GEMM_EX,
            GEMM_STRIDED_BATCHED_EX, GET_STATUS_NAME, GET_STATUS_STRING);

    private static NativeFunction fn(String name, MemoryLayout... args) {
        return new NativeFunction(name, name, FunctionDescriptor.of(JAVA_INT, args));
    }

    private final String fileName;
    private final MethodHandle create;
    private final MethodHandle destroy;
    private final MethodHandle setStream;
    private final MethodHandle setMathMode;
    private final MethodHandle gemmEx;
    private final MethodHandle gemmStridedBatchedEx;
    private final MethodHandle getStatusName;
    private final MethodHandle getStatusString;

    CublasApi(NativeLibrary lib) throws NativeBindingException {
        fileName = lib.fileName();
        create = lib.bind(CREATE);
        destroy = lib.bind(DESTROY);
        setStream = lib.bind(SET_STREAM);
        setMathMode = lib.bind(SET_MATH_MODE);
        gemmEx = lib.bind(GEMM_EX);
        gemmStridedBatchedEx = lib.bind(GEMM_STRIDED_BATCHED_EX);
        getStatusName = lib.bind(GET_STATUS_NAME);
        getStatusString = lib.bind(GET_STATUS_STRING);
    }

    String fileName() {
        return fileName;
    }

    void check(int status, String call, String device) {
        if (status == CUBLAS_STATUS_SUCCESS) {
            return;
        }
        String name = text(getStatusName, status, "cublasStatus_t " + status);
        throw new XpuException(ErrorCode.NATIVE_ERROR, device + ": " + call + " failed: " + name, "cuda",
                (long) status, name + ": " + text(getStatusString, status, ""), null);
    }

    private static String text(MethodHandle h, int status, String fallback) {
        try {
            MemorySegment p = (MemorySegment) h.invokeExact(status);
            return p.address() == 0 ? fallback : p.reinterpret(4096).getString(0);
        } catch (Throwable t) {
            return fallback;
        }
    }

    private static XpuException linkFailure(String function, Throwable t) {
        return new XpuException(ErrorCode.INTERNAL, "calling " + function + " failed in the binding: " + t, t);
    }

    int create(MemorySegment handleOut) {
        try {
            return (int) create.invokeExact(handleOut);
        } catch (Throwable t) {
            throw linkFailure("cublasCreate_v2", t);
        }
    }

    int destroy(MemorySegment handle) {
        try {
            return (int) destroy.invokeExact(handle);
        } catch (Throwable t) {
            throw linkFailure("cublasDestroy_v2", t);
        }
    }

    int setStream(MemorySegment handle, MemorySegment stream) {
        try {
            return (int) setStream.invokeExact(handle, stream);
        } catch (Throwable t) {
            throw linkFailure("cublasSetStream_v2", t);
        }
    }

    int setMathMode(MemorySegment handle, int mode) {
        try {
            return (int) setMathMode.invokeExact(handle, mode);
        } catch (Throwable t) {
            throw linkFailure("cublasSetMathMode", t);
        }
    }

    int gemmEx(MemorySegment handle, int transa, int transb, int m, int n, int k,
               MemorySegment alpha, MemorySegment a, int aType, int lda,
               MemorySegment b, int bType, int ldb,
               MemorySegment beta, MemorySegment c, int cType, int ldc, int computeType, int algo) {
        try {
            return (int) gemmEx.invokeExact(handle, transa, transb, m, n, k, alpha, a, aType, lda, b, bType, ldb,
                    beta, c, cType, ldc, computeType, algo);
        } catch (Throwable t) {
            throw linkFailure("cublasGemmEx", t);
        }
    }

    int gemmStridedBatchedEx(MemorySegment handle, int transa, int transb, int m, int n, int k,
                             MemorySegment alpha, MemorySegment a, int aType, int lda, long strideA,
                             MemorySegment b, int bType, int ldb, long strideB,
                             MemorySegment beta, MemorySegment c, int cType, int ldc, long strideC,
                             int batchCount, int computeType, int algo) {
        try {
            return (int) gemmStridedBatchedEx.invokeExact(handle, transa, transb, m, n, k, alpha, a, aType, lda,
                    strideA, b, bType, ldb, strideB, beta, c, cType, ldc, strideC, batchCount, computeType, algo);
        } catch (Throwable t) {
            throw linkFailure("cublasGemmStridedBatchedEx", t);
        }
    }
}
