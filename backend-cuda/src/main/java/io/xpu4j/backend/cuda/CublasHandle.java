package io.xpu4j.backend.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.ADDRESS;

/**
 * One device's {@code cublasHandle_t}, bound to the device's default stream, in default math
 * mode (no TF32 for F32 GEMM unless a call asks for it through its compute type, see
 * {@link MatmulOp}: by default F32 results must match the CPU backend's float32 accumulation) and
 * with reduced-precision reductions disallowed (F16/BF16 results accumulate in F32 throughout).
 */
final class CublasHandle {
    /**
     * Default math (no TF32), and F16/BF16 GEMMs that split K must reduce the partial sums in the
     * compute type (F32), not in the output type, which cuBLAS otherwise allows.
     */
    static final int MATH_MODE = CublasApi.CUBLAS_DEFAULT_MATH | CublasApi.CUBLAS_MATH_DISALLOW_REDUCED_PRECISION_REDUCTION;

    private final CudaDevice device;
    private final CublasApi api;
    private final MemorySegment handle;

    CublasHandle(CudaDevice device) {
        this.device = device;
        this.api = device.libs.cublas;
        device.makeCurrent();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            api.check(api.create(out), "cublasCreate_v2", device.id());
            handle = out.get(ADDRESS, 0);
        }
        api.check(api.setStream(handle, device.streamHandle()), "cublasSetStream_v2", device.id());
        api.check(api.setMathMode(handle, MATH_MODE), "cublasSetMathMode(DEFAULT | DISALLOW_REDUCED_PRECISION_REDUCTION)",
                device.id());
    }

    CublasApi api() {
        return api;
    }

    MemorySegment handle() {
        return handle;
    }

    void close() {
        device.makeCurrent();
        api.check(api.destroy(handle), "cublasDestroy_v2", device.id());
    }
}
