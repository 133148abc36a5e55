package io.xpu4j.backend.cann;

import io.xpu4j.api.Config;
import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.Runtime;
import io.xpu4j.api.Tensor;
import io.xpu4j.api.XpuException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A lost device makes cann unavailable, so a fresh runtime with fallbackBackends [cpu] comes up on the CPU. */
class DeviceLossTest {
    @Test
    void freshRuntimeFallsBackToCpuAfterDeviceLoss() {
        AclRuntime acl = CannAssume.emulator();
        Config config = Config.builder().backend("cann").fallbackBackends(List.of("cpu")).build();
        try {
            try (Runtime rt = Runtime.create(config)) {
                assertEquals("cann", rt.device().backendId());
                try (Tensor a = rt.ops().tensor(new float[]{1, 2}, 2)) {
                    assertTrue(acl.emulatorConfigure("DEVICE_LOST_AFTER", 1));
                    XpuException e = assertThrows(XpuException.class, () -> {
                        try (Tensor b = rt.ops().add(a, a)) {
                            b.toFloatArray();
                        }
                    });
                    assertEquals(ErrorCode.DEVICE_LOST, e.code(), e.getMessage());
                }
            }
            assertFalse(new CannBackend().availability().available());
            assertTrue(new CannBackend().availability().reason().contains("device lost"),
                    new CannBackend().availability().reason());
            try (Runtime rt = Runtime.create(config)) {
                assertEquals("cpu", rt.device().backendId());
                assertTrue(rt.selectionNote().contains("cann unavailable"), rt.selectionNote());
                try (Tensor a = rt.ops().tensor(new float[]{1, 2}, 2); Tensor b = rt.ops().add(a, a)) {
                    assertArrayEquals(new float[]{2, 4}, b.toFloatArray());
                }
            }
        } finally {
            acl.emulatorConfigure("DEVICE_LOST_AFTER", 0);
            acl.clearLost();
        }
        assertTrue(new CannBackend().availability().available());
    }
}
