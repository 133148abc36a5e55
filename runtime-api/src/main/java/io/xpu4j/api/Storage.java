package io.xpu4j.api;

import io.xpu4j.api.spi.MemoryBlock;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Device memory shared by a tensor and its views. Each tensor holding it counts one reference;
 * the block goes back to the allocator when the last one is released.
 */
final class Storage {
    private final Device device;
    private final MemoryBlock block;
    private final long byteSize;
    private final AtomicInteger refs = new AtomicInteger(1);

    Storage(Device device, MemoryBlock block, long byteSize) {
        this.device = device;
        this.block = block;
        this.byteSize = byteSize;
    }

    Device device() {
        return device;
    }

    MemoryBlock block() {
        return block;
    }

    long byteSize() {
        return byteSize;
    }

    void retain() {
        int before = refs.getAndIncrement();
        if (before <= 0) {
            throw new XpuException(ErrorCode.INTERNAL, "storage retained after it was freed");
        }
    }

    void release() {
        int after = refs.decrementAndGet();
        if (after == 0) {
            device.allocator().free(block);
        } else if (after < 0) {
            throw new XpuException(ErrorCode.INTERNAL, "storage released more often than retained");
        }
    }
}
