package io.xpu4j.api;

/**
 * A snapshot of one device allocator's counters.
 *
 * @param liveBytes         bytes held by live tensors (rounded to the allocator's block sizes)
 * @param peakLiveBytes     the highest {@code liveBytes} seen
 * @param cachedBytes       bytes freed by tensors and kept for reuse instead of returned to the driver
 * @param liveBlocks        number of blocks held by live tensors
 * @param allocations       allocation requests served
 * @param driverAllocations requests that had to go to the driver (not served from the cache)
 * @param leakedTensors     tensors that were garbage-collected without being closed
 */
public record MemoryStats(long liveBytes, long peakLiveBytes, long cachedBytes, long liveBlocks,
                          long allocations, long driverAllocations, long leakedTensors) {
}
