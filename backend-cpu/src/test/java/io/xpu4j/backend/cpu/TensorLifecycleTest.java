package io.xpu4j.backend.cpu;

import io.xpu4j.api.Config;
import io.xpu4j.api.DType;
import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.MemoryStats;
import io.xpu4j.api.Ops;
import io.xpu4j.api.Runtime;
import io.xpu4j.api.Scope;
import io.xpu4j.api.Tensor;
import io.xpu4j.api.XpuException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Views share storage; close, Scope and the Cleaner release it exactly once. */
class TensorLifecycleTest {
    private Runtime rt;
    private Ops ops;

    @BeforeEach
    void open() {
        rt = Runtime.create(Config.defaults());
        ops = rt.ops();
    }

    @AfterEach
    void close() {
        assertEquals(0, rt.device().allocator().stats().liveBytes(), "a test leaked device memory");
        rt.close();
    }

    private long live() {
        return rt.device().allocator().stats().liveBytes();
    }

    @Test
    void viewsShareStorageUntilTheLastIsClosed() {
        Tensor base = ops.tensor(new float[]{1, 2, 3, 4, 5, 6}, 2, 3);
        long held = live();
        Tensor t = base.transpose(0, 1);
        Tensor s = base.slice(1, 1, 3);
        assertEquals(held, live(), "views allocate nothing");
        assertFalse(t.isContiguous());
        assertArrayEquals(new long[]{1, 3}, t.strides());
        assertArrayEquals(new float[]{2, 3, 5, 6}, s.toFloatArray());
        base.close();
        assertEquals(held, live(), "views keep the storage alive");
        assertArrayEquals(new float[]{1, 4, 2, 5, 3, 6}, t.toFloatArray());
        t.close();
        s.close();
        assertEquals(0, live());
        s.close(); // idempotent
    }

    @Test
    void viewOpsComputeLayouts() {
        try (Scope scope = rt.scope()) {
            Tensor x = ops.arange(0, 24, 1, DType.F32).reshape(2, 3, 4);
            assertArrayEquals(new long[]{4, 2, 3}, x.permute(2, 0, 1).shape());
            assertArrayEquals(new float[]{0, 12, 1, 13}, x.permute(2, 0, 1).slice(0, 0, 2).slice(2, 0, 1).toFloatArray());
            assertArrayEquals(new float[]{1, 3, 5, 7, 9, 11}, x.reshape(-1).slice(0, 1, 12, 2).toFloatArray());
            assertArrayEquals(new float[]{20, 21, 22, 23}, x.slice(1, -1, Long.MAX_VALUE).slice(0, 1, 2).toFloatArray());
            Tensor e = ops.tensor(new float[]{7, 8}, 2, 1).expand(2, 3);
            assertArrayEquals(new long[]{1, 0}, e.strides());
            assertArrayEquals(new float[]{7, 7, 7, 8, 8, 8}, e.toFloatArray());
            assertArrayEquals(new long[]{2, 1, 3, 4}, x.unsqueeze(1).shape());
            assertArrayEquals(new long[]{2, 3, 4, 1}, x.unsqueeze(-1).shape());
            assertArrayEquals(new long[]{2, 4}, x.slice(1, 0, 1).squeeze(1).shape());
            // reshape of a transposed view cannot be a view: it copies, with the right order
            assertArrayEquals(new float[]{0, 4, 8, 1, 5, 9}, x.slice(0, 0, 1).reshape(3, 4).transpose(0, 1).reshape(-1).slice(0, 0, 6).toFloatArray());
            assertEquals(0, x.slice(0, 5, 9).numel(), "slices clamp to the size");
        }
    }

    @Test
    void scopeClosesWhatItMadeAndDetachKeeps() {
        Tensor kept;
        try (Scope scope = rt.scope()) {
            Tensor a = ops.zeros(DType.F32, 100);
            Tensor b = a.reshape(10, 10);
            kept = scope.detach(ops.full(DType.F32, 2, 3));
            assertEquals(2, scope.size());
            a.close(); // explicit close inside a scope is fine
            assertEquals(1, scope.size());
            assertFalse(b.isClosed());
        }
        assertFalse(kept.isClosed());
        assertArrayEquals(new float[]{2, 2, 2}, kept.toFloatArray());
        kept.close();
        assertEquals(0, live());
    }

    @Test
    void closedTensorAndClosedScopeGiveClearErrors() {
        Tensor inScope;
        Scope scope = rt.scope();
        inScope = ops.zeros(DType.F32, 2);
        scope.close();
        XpuException e = assertThrows(XpuException.class, inScope::toFloatArray);
        assertEquals(ErrorCode.CLOSED, e.code());
        assertTrue(e.getMessage().contains("F32[2] on cpu:0 is closed") && e.getMessage().contains("Scope"), e.getMessage());
        XpuException s = assertThrows(XpuException.class, () -> scope.detach(inScope));
        assertEquals(ErrorCode.CLOSED, s.code());
        assertTrue(s.getMessage().contains("scope is closed"), s.getMessage());

        Tensor t = ops.zeros(DType.F32, 3);
        t.close();
        XpuException c = assertThrows(XpuException.class, () -> t.reshape(3, 1));
        assertEquals(ErrorCode.CLOSED, c.code());
        try (Tensor ok = ops.ones(DType.F32, 2)) {
            assertArrayEquals(new float[]{1, 1}, ok.toFloatArray(), "the runtime stays usable");
        }
    }

    @Test
    void unclosedTensorsAreReportedAsLeaksAndReclaimed() throws InterruptedException {
        long before = rt.device().allocator().stats().leakedTensors();
        for (int i = 0; i < 8; i++) {
            ops.zeros(DType.F32, 1000); // dropped without close
        }
        MemoryStats s = rt.device().allocator().stats();
        for (int i = 0; i < 200 && (s.leakedTensors() - before < 8 || s.liveBytes() > 0); i++) {
            System.gc();
            Thread.sleep(20);
            s = rt.device().allocator().stats();
        }
        assertEquals(8, s.leakedTensors() - before, "each dropped tensor is reported once");
        assertEquals(0, s.liveBytes(), "the Cleaner returned their memory");
    }

    @Test
    void memoryLimitRejectsOversizedAllocationAndRecovers() {
        try (Runtime small = Runtime.create(Config.builder().memoryLimitBytes(1 << 20).build())) {
            Ops o = small.ops();
            XpuException e = assertThrows(XpuException.class, () -> o.zeros(DType.F32, 1 << 20));
            assertEquals(ErrorCode.OUT_OF_MEMORY, e.code());
            assertTrue(e.getMessage().contains("memory.limitBytes=1048576"), e.getMessage());
            try (Tensor ok = o.ones(DType.F32, 1000)) {
                assertEquals(1000, ok.toFloatArray().length);
            }
            assertEquals(0, small.device().allocator().stats().liveBytes());
        }
    }

    @Test
    void steadyStateAllocationsComeFromTheCache() {
        for (int i = 0; i < 3; i++) {
            ops.zeros(DType.F32, 4096).close();
        }
        long driver = rt.device().allocator().stats().driverAllocations();
        for (int i = 0; i < 50; i++) {
            ops.zeros(DType.F32, 4096).close();
        }
        assertEquals(driver, rt.device().allocator().stats().driverAllocations());
    }
}
