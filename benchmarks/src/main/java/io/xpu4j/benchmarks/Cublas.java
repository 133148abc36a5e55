package io.xpu4j.benchmarks;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * cuBLAS called directly through java.lang.foreign, as the GEMM peer: the time xpu4j adds over
 * it is the cost of its dispatch. Column-major as cuBLAS is; callers turn row-major problems
 * around (C = A·B row-major is Cᵀ = Bᵀ·Aᵀ column-major). Scalars are host pointers (the
 * handle's default pointer mode); the default stream, which {@link CudaDriver#synchronize()} waits for.
 */
final class Cublas {
    static final int OP_N = 0;
    static final int OP_T = 1;
    /** cudaDataType values. */
    static final int R_32F = 0;
    static final int R_16F = 2;
    static final int R_16BF = 14;
    /** cublasComputeType_t CUBLAS_COMPUTE_32F. */
    static final int COMPUTE_32F = 68;
    /** cublasGemmAlgo_t CUBLAS_GEMM_DEFAULT. */
    static final int GEMM_DEFAULT = -1;

    /** Sonames tried in order: cuBLAS 13 (CUDA 13), then 12. */
    static final List<String> LIBRARIES = List.of("libcublas.so.13", "libcublas.so.12", "libcublas.so");

    private final MethodHandle sgemm;
    private final MethodHandle gemmEx;
    private final MethodHandle destroy;
    private final MemorySegment handle;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment one;
    private final MemorySegment zero;
    final String library;

    Cublas() {
        CudaDriver.get();
        List<String> tried = new ArrayList<>();
        SymbolLookup lib = null;
        String found = null;
        for (String name : LIBRARIES) {
            try {
                lib = SymbolLookup.libraryLookup(name, Arena.global());
                found = name;
                break;
            } catch (IllegalArgumentException e) {
                tried.add(name);
            }
        }
        if (lib == null) {
            arena.close();
            throw new IllegalStateException("cuBLAS not found (tried " + tried + " on the library path;"
                    + " put the CUDA toolkit's lib64 or the nvidia-cublas wheel's lib directory on LD_LIBRARY_PATH)");
        }
        library = found;
        Linker linker = Linker.nativeLinker();
        MethodHandle create = CudaDriver.bind(lib, "cublasCreate_v2", ADDRESS);
        destroy = CudaDriver.bind(lib, "cublasDestroy_v2", ADDRESS);
        sgemm = linker.downcallHandle(symbol(lib, "cublasSgemm_v2"), FunctionDescriptor.of(JAVA_INT,
                ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                ADDRESS, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
        gemmEx = linker.downcallHandle(symbol(lib, "cublasGemmEx"), FunctionDescriptor.of(JAVA_INT,
                ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT,
                ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
        one = arena.allocateFrom(JAVA_FLOAT, 1f);
        zero = arena.allocateFrom(JAVA_FLOAT, 0f);
        MemorySegment h = arena.allocate(ADDRESS);
        try {
            check("cublasCreate_v2", (int) create.invokeExact(h));
        } catch (IllegalStateException e) {
            arena.close();
            throw e;
        } catch (Throwable t) {
            arena.close();
            throw new IllegalStateException(t);
        }
        handle = h.get(ADDRESS, 0);
    }

    private static MemorySegment symbol(SymbolLookup lib, String name) {
        return lib.find(name).orElseThrow(() -> new IllegalStateException("symbol " + name + " is missing from cuBLAS"));
    }

    /** C = op(A)·op(B), float32, column-major, alpha 1 and beta 0. */
    void sgemm(int transA, int transB, int m, int n, int k, long a, int lda, long b, int ldb, long c, int ldc) {
        try {
            check("cublasSgemm_v2", (int) sgemm.invokeExact(handle, transA, transB, m, n, k,
                    one, a, lda, b, ldb, zero, c, ldc));
        } catch (IllegalStateException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** C = op(A)·op(B) with A, B and C of {@code type} (F16 or BF16), accumulated in float32. */
    void gemmEx(int transA, int transB, int m, int n, int k, long a, int lda, long b, int ldb, long c, int ldc,
                int type) {
        try {
            check("cublasGemmEx", (int) gemmEx.invokeExact(handle, transA, transB, m, n, k,
                    one, a, type, lda, b, type, ldb, zero, c, type, ldc, COMPUTE_32F, GEMM_DEFAULT));
        } catch (IllegalStateException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    void close() {
        try {
            check("cublasDestroy_v2", (int) destroy.invokeExact(handle));
        } catch (IllegalStateException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        } finally {
            arena.close();
        }
    }

    private static void check(String call, int status) {
        if (status != 0) {
            throw new IllegalStateException(call + " failed: cublasStatus_t " + status + " (" + statusName(status) + ")");
        }
    }

    /** The cublasStatus_t names, from cublas_api.h. */
    static String statusName(int status) {
        return switch (status) {
            case 1 -> "CUBLAS_STATUS_NOT_INITIALIZED";
            case 3 -> "CUBLAS_STATUS_ALLOC_FAILED";
            case 7 -> "CUBLAS_STATUS_INVALID_VALUE";
            case 8 -> "CUBLAS_STATUS_ARCH_MISMATCH";
            case 11 -> "CUBLAS_STATUS_MAPPING_ERROR";
            case 13 -> "CUBLAS_STATUS_EXECUTION_FAILED";
            case 14 -> "CUBLAS_STATUS_INTERNAL_ERROR";
            case 15 -> "CUBLAS_STATUS_NOT_SUPPORTED";
            case 16 -> "CUBLAS_STATUS_LICENSE_ERROR";
            default -> "unknown status";
        };
    }
}
