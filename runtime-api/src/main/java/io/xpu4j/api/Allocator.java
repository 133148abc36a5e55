package io.xpu4j.api;

import io.xpu4j.api.spi.MemoryBlock;

/** A device's memory allocator. Tensors allocate through it; its statistics are visible. */
public interface Allocator {
    /**
     * Allocates at least {@code bytes} bytes.
     *
     * @throws XpuException with {@link ErrorCode#OUT_OF_MEMORY} when the device or the configured
     *                      limit cannot hold the request
     */
    MemoryBlock allocate(long bytes);

    /** Returns a block obtained from {@link #allocate}. */
    void free(MemoryBlock block);

    MemoryStats stats();

    /** Returns cached (free) blocks to the driver. */
    void emptyCache();

    /** Records that a tensor was garbage-collected without being closed. */
    void reportLeak();
}
