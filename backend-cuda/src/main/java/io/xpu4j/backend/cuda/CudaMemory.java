package io.xpu4j.backend.cuda;

import io.xpu4j.api.spi.DeviceMemory;
import io.xpu4j.api.spi.MemoryBlock;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** {@code cuMemAlloc_v2}/{@code cuMemFree_v2} under the caching allocator; blocks have no host segment. */
final class CudaMemory implements DeviceMemory {
    private final CudaDevice device;

    CudaMemory(CudaDevice device) {
        this.device = device;
    }

    @Override
    public MemoryBlock allocate(long bytes) {
        device.makeCurrent();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_LONG);
            // CUDA_ERROR_OUT_OF_MEMORY becomes ErrorCode.OUT_OF_MEMORY, so the caching allocator
            // can release its cache and retry
            device.check(device.driver.memAlloc(out, bytes), "cuMemAlloc_v2(" + bytes + " bytes)");
            return new MemoryBlock(out.get(JAVA_LONG, 0), bytes, null);
        }
    }

    @Override
    public void free(MemoryBlock block) {
        // after the device closed, the context reset has already freed the block
        device.releaseIfOpen(() -> {
            // a cached block may still be read by queued kernels; let them finish first
            device.check(device.driver.ctxSynchronize(), "cuCtxSynchronize (before cuMemFree_v2)");
            device.check(device.driver.memFree(block.address()), "cuMemFree_v2");
        });
    }

    @Override
    public String deviceId() {
        return device.id();
    }
}
