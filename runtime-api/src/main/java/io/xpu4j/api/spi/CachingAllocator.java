package io.xpu4j.api.spi;

import io.xpu4j.api.Allocator;
import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.MemoryStats;
import io.xpu4j.api.XpuException;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Keeps freed blocks for reuse so that steady-state inference makes no driver allocations,
 * in the manner of PyTorch's caching allocator, and enforces the configured memory limit.
 *
 * <p>Requests are rounded up to a size class (512-byte steps up to 1 MiB, then 2 MiB steps), and
 * a request is served only from a cached block of exactly its class, which keeps fragmentation
 * bounded without splitting blocks. When the driver refuses, the cache is released and the
 * request retried once.
 */
public final class CachingAllocator implements Allocator {
    private static final long SMALL_STEP = 512;
    private static final long SMALL_LIMIT = 1L << 20;
    private static final long LARGE_STEP = 2L << 20;

    private final DeviceMemory memory;
    private final long limitBytes;
    private final Map<Long, ArrayDeque<MemoryBlock>> cache = new TreeMap<>();
    private final Map<Long, Long> liveSizeByAddress = new HashMap<>();
    private long liveBytes;
    private long peakLiveBytes;
    private long cachedBytes;
    private long allocations;
    private long driverAllocations;
    private long leakedTensors;

    /** @param limitBytes the most bytes live tensors may hold; 0 for no limit */
    public CachingAllocator(DeviceMemory memory, long limitBytes) {
        this.memory = memory;
        this.limitBytes = limitBytes;
    }

    static long sizeClass(long bytes) {
        long b = Math.max(bytes, 1);
        long step = b <= SMALL_LIMIT ? SMALL_STEP : LARGE_STEP;
        return (b + step - 1) / step * step;
    }

    @Override
    public synchronized MemoryBlock allocate(long bytes) {
        if (bytes < 0) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, "negative allocation size " + bytes);
        }
        long cls = sizeClass(bytes);
        if (limitBytes > 0 && liveBytes + cls > limitBytes) {
            throw new XpuException(ErrorCode.OUT_OF_MEMORY, String.format(
                    "%s: allocating %d bytes would exceed memory.limitBytes=%d (live tensors hold %d bytes); "
                            + "close tensors you no longer need or raise memory.limitBytes",
                    memory.deviceId(), bytes, limitBytes, liveBytes));
        }
        MemoryBlock block = takeCached(cls);
        if (block == null) {
            if (limitBytes > 0 && liveBytes + cachedBytes + cls > limitBytes) {
                releaseCache();
            }
            block = allocateFromDriver(cls, bytes);
        }
        liveSizeByAddress.put(block.address(), cls);
        liveBytes += cls;
        peakLiveBytes = Math.max(peakLiveBytes, liveBytes);
        allocations++;
        return block;
    }

    private MemoryBlock allocateFromDriver(long cls, long requested) {
        try {
            driverAllocations++;
            return memory.allocate(cls);
        } catch (XpuException first) {
            if (first.code() != ErrorCode.OUT_OF_MEMORY || cachedBytes == 0) {
                throw first;
            }
            releaseCache();
            try {
                return memory.allocate(cls);
            } catch (XpuException second) {
                throw new XpuException(ErrorCode.OUT_OF_MEMORY, String.format(
                        "%s: out of memory allocating %d bytes (live tensors hold %d bytes)",
                        memory.deviceId(), requested, liveBytes), second);
            }
        }
    }

    private MemoryBlock takeCached(long cls) {
        ArrayDeque<MemoryBlock> q = cache.get(cls);
        if (q == null || q.isEmpty()) {
            return null;
        }
        cachedBytes -= cls;
        return q.pop();
    }

    @Override
    public synchronized void free(MemoryBlock block) {
        Long cls = liveSizeByAddress.remove(block.address());
        if (cls == null) {
            throw new XpuException(ErrorCode.INTERNAL,
                    memory.deviceId() + ": free of a block this allocator does not hold (address 0x"
                            + Long.toHexString(block.address()) + ")");
        }
        liveBytes -= cls;
        cache.computeIfAbsent(cls, k -> new ArrayDeque<>()).push(block);
        cachedBytes += cls;
    }

    @Override
    public synchronized void emptyCache() {
        releaseCache();
    }

    private void releaseCache() {
        for (ArrayDeque<MemoryBlock> q : cache.values()) {
            for (MemoryBlock b : q) {
                memory.free(b);
            }
        }
        cache.clear();
        cachedBytes = 0;
    }

    @Override
    public synchronized void reportLeak() {
        leakedTensors++;
    }

    @Override
    public synchronized MemoryStats stats() {
        return new MemoryStats(liveBytes, peakLiveBytes, cachedBytes, liveSizeByAddress.size(),
                allocations, driverAllocations, leakedTensors);
    }
}
