package io.xpu4j.backend.cann;

import io.xpu4j.api.Config;
import io.xpu4j.api.Device;
import io.xpu4j.api.MemoryInfo;
import io.xpu4j.api.MemoryStats;
import io.xpu4j.api.Ops;
import io.xpu4j.api.Runtime;
import io.xpu4j.api.Tensor;
import io.xpu4j.api.spi.Backend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Device listing, memory information, caching, copies and use from several threads. */
class CannDeviceTest {
    private AclRuntime acl;
    private Runtime rt;

    @BeforeEach
    void start() {
        acl = CannAssume.available();
        rt = Runtime.create(Config.builder().backend("cann").fallbackBackends(List.of())
                .opFallback(Config.OpFallback.ERROR).build());
    }

    @AfterEach
    void stop() {
        if (rt != null) {
            rt.close();
        }
    }

    @Test
    void listingAndMemoryInfo() {
        List<Backend.DeviceDescription> ds = new CannBackend().devices();
        assertEquals(acl.deviceCount, ds.size());
        assertTrue(ds.getFirst().totalMemoryBytes() > 0);
        if (acl.isEmulator()) {
            assertTrue(ds.getFirst().details().contains("ABI emulator, not Ascend hardware"), ds.getFirst().details());
        }
        Device d = rt.device();
        assertEquals("cann:0", d.id());
        assertFalse(d.isHostAccessible());
        MemoryInfo m = d.memoryInfo();
        assertTrue(m.totalBytes() > 0 && m.freeBytes() >= 0 && m.freeBytes() <= m.totalBytes(), m.toString());
        try (Tensor t = rt.ops().zeros(1 << 20)) {
            assertNull(t.block().hostSegment());
            assertTrue(d.memoryInfo().freeBytes() < m.freeBytes(), "4 MiB allocated should lower the free bytes");
        }
    }

    @Test
    void steadyStateReusesCachedBlocks() {
        Ops ops = rt.ops();
        try (Tensor a = ops.randNormal(1, 0, 1, io.xpu4j.api.DType.F32, 64, 64)) {
            for (int i = 0; i < 3; i++) {
                try (Tensor b = ops.matmul(a, a); Tensor c = ops.softmax(b, -1)) {
                    c.toFloatArray();
                }
            }
            MemoryStats before = rt.device().allocator().stats();
            for (int i = 0; i < 5; i++) {
                try (Tensor b = ops.matmul(a, a); Tensor c = ops.softmax(b, -1)) {
                    c.toFloatArray();
                }
            }
            MemoryStats after = rt.device().allocator().stats();
            assertEquals(before.driverAllocations(), after.driverAllocations(), "no aclrtMalloc in steady state");
            assertEquals(before.liveBytes(), after.liveBytes());
        }
    }

    @Test
    void copiesRoundTripIncludingStridedViews() {
        Ops ops = rt.ops();
        float[] data = new float[24];
        for (int i = 0; i < data.length; i++) {
            data[i] = i * 0.5f - 3;
        }
        try (Tensor t = ops.tensor(data, 2, 3, 4); Tensor v = t.transpose(0, 2); Tensor c = ops.contiguous(v);
             Tensor back = c.to(rt.cpu())) {
            float[] got = back.toFloatArray();
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 3; j++) {
                    for (int k = 0; k < 2; k++) {
                        assertEquals(data[k * 12 + j * 4 + i], got[i * 6 + j * 2 + k]);
                    }
                }
            }
        }
    }

    @Test
    void otherThreadsBindTheDeviceThemselves() throws Exception {
        Ops ops = rt.ops();
        try (Tensor a = ops.tensor(new float[]{1, 2, 3}, 3)) {
            AtomicReference<Throwable> failure = new AtomicReference<>();
            AtomicReference<float[]> result = new AtomicReference<>();
            Thread t = new Thread(() -> {
                try (Tensor b = ops.add(a, a)) {
                    result.set(b.toFloatArray());
                } catch (Throwable e) {
                    failure.set(e);
                }
            });
            t.start();
            t.join();
            assertNull(failure.get(), () -> "use from a second thread failed: " + failure.get());
            assertArrayEquals(new float[]{2, 4, 6}, result.get());
        }
    }
}
