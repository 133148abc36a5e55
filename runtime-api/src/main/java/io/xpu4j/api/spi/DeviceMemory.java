package io.xpu4j.api.spi;

/**
 * The raw allocation primitive of a device (malloc, cuMemAlloc, aclrtMalloc), wrapped by
 * {@link CachingAllocator}. Implementations throw {@link io.xpu4j.api.XpuException} with
 * {@link io.xpu4j.api.ErrorCode#OUT_OF_MEMORY} when the driver refuses.
 */
public interface DeviceMemory {
    MemoryBlock allocate(long bytes);

    void free(MemoryBlock block);

    /** For messages: e.g. {@code cuda:0}. */
    String deviceId();
}
