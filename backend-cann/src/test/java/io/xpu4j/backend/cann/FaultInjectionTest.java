package io.xpu4j.backend.cann;

import io.xpu4j.api.Config;
import io.xpu4j.api.DType;
import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.MemoryStats;
import io.xpu4j.api.Ops;
import io.xpu4j.api.Runtime;
import io.xpu4j.api.Tensor;
import io.xpu4j.api.XpuException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Allocation and launch failures injected into the emulator: clear errors, a usable runtime, nothing leaked. */
class FaultInjectionTest {
    private AclRuntime acl;
    private Runtime rt;

    @BeforeEach
    void start() {
        acl = CannAssume.emulator();
        rt = Runtime.create(Config.builder().backend("cann").fallbackBackends(List.of())
                .opFallback(Config.OpFallback.ERROR).build());
    }

    @AfterEach
    void stop() {
        if (acl != null) {
            acl.emulatorConfigure("FAIL_ALLOC", 0);
            acl.emulatorConfigure("FAIL_LAUNCH", 0);
            acl.emulatorConfigure("FAIL_KERNEL", 0);
            acl.emulatorConfigure("MEMORY_BYTES", 16L << 30);
        }
        if (rt != null) {
            rt.close();
        }
    }

    private static void assertAddWorks(Ops ops) {
        try (Tensor a = ops.tensor(new float[]{1, 2, 3}, 3); Tensor b = ops.tensor(new float[]{10, 20, 30}, 3);
             Tensor c = ops.add(a, b)) {
            assertArrayEquals(new float[]{11, 22, 33}, c.toFloatArray());
        }
    }

    @Test
    void allocationFailureIsOutOfMemoryAndLeavesNothingBehind() {
        Ops ops = rt.ops();
        assertAddWorks(ops);
        rt.device().allocator().emptyCache();
        MemoryStats before = rt.device().allocator().stats();
        long emuBefore = acl.emulatorLiveBytes(0);
        assertTrue(acl.emulatorConfigure("FAIL_ALLOC", 1));
        XpuException e = assertThrows(XpuException.class, () -> ops.zeros(DType.F32, 1024, 1024));
        assertEquals(ErrorCode.OUT_OF_MEMORY, e.code());
        assertTrue(e.getMessage().contains("aclrtMalloc") && e.getMessage().contains("cann:0"), e.getMessage());
        assertEquals(207001L, e.nativeCode());
        assertAddWorks(ops);
        rt.device().allocator().emptyCache();
        assertEquals(before.liveBytes(), rt.device().allocator().stats().liveBytes());
        assertEquals(before.cachedBytes(), rt.device().allocator().stats().cachedBytes());
        assertEquals(emuBefore, acl.emulatorLiveBytes(0), "device bytes held by the emulator");
    }

    @Test
    void cacheIsReleasedAndTheAllocationRetriedBeforeOutOfMemory() {
        Ops ops = rt.ops();
        rt.device().allocator().emptyCache();
        long emuBefore = acl.emulatorLiveBytes(0);
        // 8 MiB cached, then a device that only fits 12 MiB in total: a 6 MiB request fits only
        // once the cache is released
        ops.zeros(DType.F32, 2L << 20).close();
        assertTrue(rt.device().allocator().stats().cachedBytes() >= 8L << 20);
        assertTrue(acl.emulatorConfigure("MEMORY_BYTES", 12L << 20));
        try (Tensor t = ops.zeros(DType.F32, 1536L << 10)) {
            assertEquals(1536L << 10, t.numel());
        }
        assertEquals(0, rt.device().allocator().stats().liveBytes());
        XpuException e = assertThrows(XpuException.class, () -> ops.zeros(DType.F32, 4L << 20));
        assertEquals(ErrorCode.OUT_OF_MEMORY, e.code());
        assertTrue(e.getMessage().contains("out of memory") || e.getMessage().contains("aclrtMalloc"), e.getMessage());
        acl.emulatorConfigure("MEMORY_BYTES", 16L << 30);
        assertAddWorks(ops);
        rt.device().allocator().emptyCache();
        assertEquals(0, rt.device().allocator().stats().liveBytes());
        assertEquals(emuBefore, acl.emulatorLiveBytes(0));
    }

    @Test
    void launchFailureNamesTheOperator() {
        Ops ops = rt.ops();
        try (Tensor a = ops.tensor(new float[]{1, 2, 3}, 3); Tensor b = ops.tensor(new float[]{4, 5, 6}, 3)) {
            long live = rt.device().allocator().stats().liveBytes();
            assertTrue(acl.emulatorConfigure("FAIL_LAUNCH", 1));
            XpuException e = assertThrows(XpuException.class, () -> {
                try (Tensor c = ops.mul(a, b)) {
                    c.toFloatArray();
                }
            });
            assertTrue(e.getMessage().contains("aclnnMul"), e.getMessage());
            assertTrue(e.getMessage().contains("op 'mul'"), e.getMessage());
            assertEquals(live, rt.device().allocator().stats().liveBytes());
            try (Tensor c = ops.mul(a, b)) {
                assertArrayEquals(new float[]{4, 10, 18}, c.toFloatArray());
            }
        }
    }

    @Test
    void kernelFaultSurfacesAtTheNextReadNamingTheOperator() {
        Ops ops = rt.ops();
        try (Tensor a = ops.tensor(new float[]{1, 2, 3}, 3); Tensor b = ops.tensor(new float[]{4, 5, 6}, 3)) {
            assertTrue(acl.emulatorConfigure("FAIL_KERNEL", 1));
            Tensor c = ops.mul(a, b);
            try {
                XpuException e = assertThrows(XpuException.class, c::toFloatArray);
                assertEquals(ErrorCode.NATIVE_ERROR, e.code(), e.getMessage());
                assertTrue(e.getMessage().contains("aclrtSynchronizeStream"), e.getMessage());
                assertTrue(e.getMessage().contains("aclnnMul (op 'mul'"), e.getMessage());
            } finally {
                c.close();
            }
            assertTrue(new CannBackend().availability().available(), "a kernel fault does not lose the device");
            try (Tensor d = ops.mul(a, b)) {
                assertArrayEquals(new float[]{4, 10, 18}, d.toFloatArray());
            }
        }
    }
}
