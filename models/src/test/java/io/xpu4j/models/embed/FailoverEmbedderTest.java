package io.xpu4j.models.embed;

import io.xpu4j.api.Config;
import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.Runtime;
import io.xpu4j.api.XpuException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Device loss in the middle of a request: the request is served on the fallback backend. */
class FailoverEmbedderTest {
    /** Same model, same CPU kernels on both sides of the failover: only summation order may differ. */
    static final float TOLERANCE = 1e-5f;

    @BeforeEach
    void enable() {
        LossyBackend.reset();
        LossyBackend.enabled = true;
    }

    @AfterEach
    void disable() {
        LossyBackend.reset();
    }

    private static List<String> texts() {
        List<String> t = new ArrayList<>(EmbedderTest.SENTENCES);
        for (int i = 0; i < 9; i++) {
            t.add("sentence number " + i + " about " + (i % 2 == 0 ? "rain" : "football"));
        }
        return t;
    }

    @Test
    void aLostDeviceMidRequestIsRetriedOnTheFallbackBackend() {
        List<String> texts = texts();
        float[][] expected;
        try (Runtime cpu = Runtime.create(Config.builder().backend("cpu").build());
             Embedder e = Embedder.load(cpu, "all-minilm-l6-v2")) {
            expected = e.embed(texts, 4);
        }
        Config config = Config.builder().backend("auto").fallbackBackends(List.of("cpu")).build();
        try (FailoverEmbedder e = FailoverEmbedder.open(config, rt -> Embedder.load(rt, "all-minilm-l6-v2"))) {
            assertEquals("lossy:0", e.device().id(), "auto picks the test backend first");
            // loaded; lose the device a few hundred kernels into the request (after the first batch)
            LossyBackend.kernelsUntilLoss.set(300);
            float[][] got = e.embed(texts, 4);
            assertTrue(LossyBackend.lost, "the device was lost during the request");
            assertEquals("cpu:0", e.device().id(), "the request finished on the fallback backend");
            assertEquals(1, e.failovers().size(), e.failovers().toString());
            assertTrue(e.failovers().get(0).contains("lossy:0"), e.failovers().get(0));
            assertEquals(texts.size(), got.length, "no text lost");
            for (int i = 0; i < got.length; i++) {
                assertArrayEquals(expected[i], got[i], TOLERANCE, "text " + i);
            }
            // and the next request runs there directly
            assertArrayEquals(expected[0], e.embed(texts.subList(0, 1), 1)[0], TOLERANCE);
            assertEquals(1, e.failovers().size());
        }
    }

    @Test
    void withoutAFallbackTheLossIsReported() {
        Config config = Config.builder().backend("auto").fallbackBackends(List.of()).build();
        try (FailoverEmbedder e = FailoverEmbedder.open(config, rt -> Embedder.load(rt, "all-minilm-l6-v2"))) {
            LossyBackend.kernelsUntilLoss.set(10);
            XpuException ex = assertThrows(XpuException.class, () -> e.embed(List.of("a text"), 1));
            assertEquals(ErrorCode.DEVICE_LOST, ex.code());
            assertTrue(ex.getMessage().contains("leaves no other backend"), ex.getMessage());
        }
    }

    @Test
    void otherErrorsAreNotRetried() {
        Config config = Config.builder().backend("auto").fallbackBackends(List.of("cpu")).build();
        try (FailoverEmbedder e = FailoverEmbedder.open(config, rt -> Embedder.load(rt, "all-minilm-l6-v2"))) {
            XpuException ex = assertThrows(XpuException.class, () -> e.embed(List.of("a"), 0));
            assertEquals(ErrorCode.INVALID_ARGUMENT, ex.code());
            assertEquals("lossy:0", e.device().id());
            assertTrue(e.failovers().isEmpty());
        }
    }
}
