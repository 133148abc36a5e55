package io.xpu4j.api.spi;

import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.MemoryStats;
import io.xpu4j.api.XpuException;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CachingAllocatorTest {
    /** Hands out fake addresses and can refuse once its capacity is used. */
    static final class FakeMemory implements DeviceMemory {
        final long capacity;
        long used;
        long next = 0x1000;
        int mallocs;
        int frees;
        final Set<Long> live = new HashSet<>();

        FakeMemory(long capacity) {
            this.capacity = capacity;
        }

        @Override
        public MemoryBlock allocate(long bytes) {
            if (used + bytes > capacity) {
                throw new XpuException(ErrorCode.OUT_OF_MEMORY, "fake device full");
            }
            used += bytes;
            mallocs++;
            long a = next;
            next += bytes + 4096;
            live.add(a);
            return new MemoryBlock(a, bytes, null);
        }

        @Override
        public void free(MemoryBlock block) {
            assertTrue(live.remove(block.address()), "double free of " + block.address());
            used -= block.size();
            frees++;
        }

        @Override
        public String deviceId() {
            return "fake:0";
        }
    }

    @Test
    void steadyStateReusesBlocksWithoutDriverCalls() {
        FakeMemory mem = new FakeMemory(1 << 30);
        CachingAllocator a = new CachingAllocator(mem, 0);
        for (int i = 0; i < 100; i++) {
            MemoryBlock x = a.allocate(1000);
            MemoryBlock y = a.allocate(5000);
            a.free(x);
            a.free(y);
        }
        assertEquals(2, mem.mallocs, "only the first iteration may reach the driver");
        MemoryStats s = a.stats();
        assertEquals(0, s.liveBytes());
        assertEquals(200, s.allocations());
        assertEquals(2, s.driverAllocations());
        assertEquals(1024 + 5120, s.cachedBytes());
        a.emptyCache();
        assertEquals(0, a.stats().cachedBytes());
        assertEquals(2, mem.frees);
    }

    @Test
    void sizeClassesRoundUp() {
        assertEquals(512, CachingAllocator.sizeClass(1));
        assertEquals(512, CachingAllocator.sizeClass(0));
        assertEquals(1024, CachingAllocator.sizeClass(513));
        assertEquals(1L << 20, CachingAllocator.sizeClass(1L << 20));
        assertEquals(2L << 20, CachingAllocator.sizeClass((1L << 20) + 1));
        assertEquals(4L << 20, CachingAllocator.sizeClass((2L << 20) + 1));
    }

    @Test
    void limitIsEnforcedWithAClearMessageAndLeavesStateIntact() {
        CachingAllocator a = new CachingAllocator(new FakeMemory(1 << 30), 4096);
        MemoryBlock b = a.allocate(3000);
        XpuException e = assertThrows(XpuException.class, () -> a.allocate(2000));
        assertEquals(ErrorCode.OUT_OF_MEMORY, e.code());
        assertTrue(e.getMessage().contains("memory.limitBytes=4096"), e.getMessage());
        assertTrue(e.getMessage().contains("2000"), e.getMessage());
        a.free(b);
        assertEquals(0, a.stats().liveBytes());
        a.free(a.allocate(4000)); // fits again after the free
    }

    @Test
    void driverOutOfMemoryReleasesCacheAndRetries() {
        FakeMemory mem = new FakeMemory(3 << 20);
        CachingAllocator a = new CachingAllocator(mem, 0);
        MemoryBlock big = a.allocate(2 << 20);
        a.free(big); // cached: the driver still holds 2 MiB
        MemoryBlock other = a.allocate(3 << 19); // 1.5 MiB rounds to 2 MiB: needs the cache released
        assertEquals(0, a.stats().cachedBytes());
        a.free(other);
    }

    @Test
    void freeOfForeignBlockIsAnError() {
        CachingAllocator a = new CachingAllocator(new FakeMemory(1 << 20), 0);
        XpuException e = assertThrows(XpuException.class, () -> a.free(new MemoryBlock(0xdead, 16, null)));
        assertEquals(ErrorCode.INTERNAL, e.code());
        MemoryBlock ok = a.allocate(16);
        assertSame(ok, ok);
        a.free(ok);
    }
}
