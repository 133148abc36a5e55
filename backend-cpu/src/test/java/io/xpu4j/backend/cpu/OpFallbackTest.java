package io.xpu4j.backend.cpu;

import io.xpu4j.api.Config;
import io.xpu4j.api.Device;
import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.Ops;
import io.xpu4j.api.Runtime;
import io.xpu4j.api.Scope;
import io.xpu4j.api.Tensor;
import io.xpu4j.api.XpuException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Per-op fallback: an op the device's backend lacks runs on the CPU, or fails, as configured. */
class OpFallbackTest {
    private static Runtime runtime(Config.OpFallback policy) {
        return Runtime.create(Config.builder().backend("cpu").opFallback(policy).build());
    }

    @Test
    void missingKernelRunsOnCpuAndIsCounted() {
        try (Runtime rt = runtime(Config.OpFallback.CPU)) {
            Device fake = rt.device("fake", 0);
            Ops ops = rt.ops(fake);
            try (Scope scope = rt.scope()) {
                Tensor a = ops.tensor(new float[]{1, 2, 3, 4}, 2, 2);
                Tensor b = ops.tensor(new float[]{10, 20, 30, 40}, 2, 2);
                Tensor sum = ops.add(a, b); // the fake backend's own kernel
                assertEquals("fake:0", sum.device().id());
                assertArrayEquals(new float[]{11, 22, 33, 44}, sum.toFloatArray());
                Tensor prod = ops.mul(a, b); // no fake kernel: CPU fallback
                assertEquals("fake:0", prod.device().id(), "the result comes back to the input's device");
                assertArrayEquals(new float[]{10, 40, 90, 160}, prod.toFloatArray());
                ops.mul(a, a).close();
                assertEquals(2L, rt.opFallbackCounts().get("mul"));
                assertEquals(null, rt.opFallbackCounts().get("add"));
            }
            assertEquals(0, fake.allocator().stats().liveBytes());
            assertEquals(0, rt.cpu().allocator().stats().liveBytes());
        }
    }

    @Test
    void errorPolicyNamesOpDtypeAndBackend() {
        try (Runtime rt = runtime(Config.OpFallback.ERROR)) {
            Ops ops = rt.ops(rt.device("fake", 0));
            try (Scope scope = rt.scope()) {
                Tensor a = ops.tensor(new float[]{1, 2}, 2);
                XpuException e = assertThrows(XpuException.class, () -> ops.mul(a, a));
                assertEquals(ErrorCode.UNSUPPORTED_OP, e.code());
                assertTrue(e.getMessage().contains("'mul'") && e.getMessage().contains("F32")
                        && e.getMessage().contains("'fake'") && e.getMessage().contains("opFallback"), e.getMessage());
                assertArrayEquals(new float[]{2, 4}, ops.add(a, a).toFloatArray(), "the runtime stays usable");
            }
        }
    }

    @Test
    void tensorsMoveBetweenDevicesThroughTheHost() {
        try (Runtime rt = runtime(Config.OpFallback.ERROR); Scope scope = rt.scope()) {
            Device fake = rt.device("fake", 0);
            Tensor x = rt.ops().tensor(new float[]{1, 2, 3, 4, 5, 6}, 2, 3);
            Tensor onFake = x.transpose(0, 1).to(fake);
            assertEquals("fake:0", onFake.device().id());
            assertArrayEquals(new float[]{1, 4, 2, 5, 3, 6}, onFake.toFloatArray());
            Tensor back = onFake.to(rt.cpu());
            assertArrayEquals(new float[]{1, 4, 2, 5, 3, 6}, back.toFloatArray());
        }
    }
}
