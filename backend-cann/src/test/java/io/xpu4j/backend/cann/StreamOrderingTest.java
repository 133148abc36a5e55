package io.xpu4j.backend.cann;

import io.xpu4j.api.Config;
import io.xpu4j.api.Event;
import io.xpu4j.api.Ops;
import io.xpu4j.api.Runtime;
import io.xpu4j.api.Stream;
import io.xpu4j.api.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The emulator's streams run asynchronously (with an injected per-task delay here), so a read
 * that skips the synchronize sees stale bytes; the public read path must not.
 */
class StreamOrderingTest {
    private static final long DELAY_US = 50_000;

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
            acl.emulatorConfigure("STREAM_DELAY_US", 0);
        }
        if (rt != null) {
            rt.close();
        }
    }

    @Test
    void unsynchronizedRawReadIsStaleWhileTensorReadIsCorrect() {
        Ops ops = rt.ops();
        CannDevice dev = (CannDevice) rt.device();
        float[] want = {1.5f, -2f, 3.25f, 4f};
        try (Tensor t = ops.tensor(want, 4); Arena arena = Arena.ofConfined()) {
            assertTrue(acl.emulatorConfigure("STREAM_DELAY_US", DELAY_US));
            MemorySegment host = arena.allocate(16, 64);
            host.fill((byte) 0x7f);
            dev.copyToHostAsync(t.block(), t.byteOffset(), host, 16);
            float stale = host.getAtIndex(JAVA_FLOAT, 0);
            assertTrue(stale != want[0], "an async copy read without synchronize must not have landed yet");
            dev.defaultStream().synchronize();
            assertArrayEquals(want, host.toArray(JAVA_FLOAT));
            try (Tensor doubled = ops.add(t, t)) {
                assertArrayEquals(new float[]{3f, -4f, 6.5f, 8f}, doubled.toFloatArray());
            }
        }
    }

    @Test
    void opsOverlapWithTheHost() {
        Ops ops = rt.ops();
        int n = 8;
        try (Tensor a = ops.tensor(new float[]{1, 2, 3}, 3)) {
            a.toFloatArray();
            assertTrue(acl.emulatorConfigure("STREAM_DELAY_US", DELAY_US));
            List<Tensor> outs = new ArrayList<>();
            long t0 = System.nanoTime();
            Tensor acc = a.share();
            for (int i = 0; i < n; i++) {
                Tensor next = ops.add(acc, a);
                outs.add(acc);
                acc = next;
            }
            long enqueueNs = System.nanoTime() - t0;
            Event done = rt.device().defaultStream().record();
            assertFalse(done.isDone(), "work was still queued");
            float[] got = acc.toFloatArray();
            long totalNs = System.nanoTime() - t0;
            assertTrue(done.isDone());
            assertArrayEquals(new float[]{9, 18, 27}, got);
            long serialNs = n * DELAY_US * 1000;
            assertTrue(enqueueNs < serialNs / 2, "enqueueing " + n + " ops took " + enqueueNs / 1e6
                    + " ms; they should return before the stream runs them (" + serialNs / 1e6 + " ms of work)");
            assertTrue(totalNs >= serialNs, "the read waited for the queued work: " + totalNs / 1e6 + " ms");
            outs.forEach(Tensor::close);
            acc.close();
        }
    }

    @Test
    void eventsOrderASecondStream() {
        Ops ops = rt.ops();
        try (Tensor a = ops.tensor(new float[]{2, 4}, 2); Stream other = rt.device().newStream()) {
            assertTrue(acl.emulatorConfigure("STREAM_DELAY_US", DELAY_US));
            try (Tensor b = ops.mul(a, a)) {
                Event e = rt.device().defaultStream().record();
                other.waitFor(e);
                Event after = other.record();
                after.synchronize();
                assertTrue(e.isDone(), "the second stream waited for the first");
                assertEquals(2, b.numel());
                assertArrayEquals(new float[]{4, 16}, b.toFloatArray());
            }
        }
        // a closed stream is forgotten by the device: synchronizing the device still works
        rt.device().synchronize();
    }
}
