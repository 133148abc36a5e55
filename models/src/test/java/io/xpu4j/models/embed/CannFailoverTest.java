package io.xpu4j.models.embed;

import io.xpu4j.api.Availability;
import io.xpu4j.api.BackendStatus;
import io.xpu4j.api.Config;
import io.xpu4j.api.Runtime;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The scenario on the Ascend backend (run on the AscendCL emulator, whose fault injection
 * can report the device lost from a given call on): an embedding request in flight when the NPU
 * is lost is served on the CPU, and nothing of it is lost.
 */
class CannFailoverTest {
    /** cann and cpu compute in float32 with different summation orders. */
    static final float TOLERANCE = 1e-4f;

    @Test
    void requestInFlightWhenTheNpuIsLostIsServedOnTheCpu() throws Exception {
        BackendStatus cann = Runtime.backends().stream().filter(s -> s.id().equals("cann")).findFirst().orElseThrow();
        Availability a = cann.availability();
        Assumptions.assumeTrue(a.available(), () -> "cann: " + a.reason());
        Object acl = emulator();
        List<String> texts = List.of("The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium.",
                "A quiet night by the lake.", "Markets fell sharply on Monday.", "She plays the violin.");
        float[][] expected;
        try (Runtime cpu = Runtime.create(Config.builder().backend("cpu").build());
             Embedder e = Embedder.load(cpu, "all-minilm-l6-v2")) {
            expected = e.embed(texts, 2);
        }
        Config config = Config.builder().backend("cann").fallbackBackends(List.of("cpu")).build();
        try (FailoverEmbedder e = FailoverEmbedder.open(config, rt -> Embedder.load(rt, "all-minilm-l6-v2"))) {
            assertEquals("cann:0", e.device().id());
            // the model is on the device; a few hundred runtime calls into the request, the device goes away
            assertTrue(configure(acl, "DEVICE_LOST_AFTER", 300), "the emulator takes the setting");
            float[][] got = e.embed(texts, 2);
            assertEquals("cpu:0", e.device().id(), "the request finished on the CPU");
            assertEquals(1, e.failovers().size(), e.failovers().toString());
            assertTrue(e.failovers().get(0).startsWith("device cann:0 lost"), e.failovers().get(0));
            assertEquals(texts.size(), got.length);
            for (int i = 0; i < got.length; i++) {
                assertArrayEquals(expected[i], got[i], TOLERANCE, "text " + i);
            }
        } finally {
            configure(acl, "DEVICE_LOST_AFTER", 0);
            // the backend remembers a lost device for the life of the process, as it must on hardware; the
            // emulator's device is back, so the other tests in this JVM may use it again
            Method clear = acl.getClass().getDeclaredMethod("clearLost");
            clear.setAccessible(true);
            clear.invoke(acl);
        }
    }

    private static Object emulator() throws Exception {
        Class<?> c = Class.forName("io.xpu4j.backend.cann.AclRuntime");
        Method shared = c.getDeclaredMethod("shared");
        shared.setAccessible(true);
        Object acl = shared.invoke(null);
        Assumptions.assumeTrue(configure(acl, "STREAM_DELAY_US", 0), "cann runs on real CANN, not the emulator: "
                + "no fault injection");
        return acl;
    }

    private static boolean configure(Object acl, String key, long value) throws Exception {
        Method m = acl.getClass().getDeclaredMethod("emulatorConfigure", String.class, long.class);
        m.setAccessible(true);
        return (boolean) m.invoke(acl, key, value);
    }
}
