package io.xpu4j.backend.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.ADDRESS;

/**
 * One device's {@code cublasHandle_t}, bound to the device's default stream, in default math
 * mode (no TF32 for F32 GEMM: F32 results must match the CPU backend's float32 accumulation).
 */
final class CublasHandle {
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
        api.check(api.setMathMode(handle, CublasApi.CUBLAS_DEFAULT_MATH), "cublasSetMathMode(DEFAULT)", device.id());
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
