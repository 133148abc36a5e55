package io.xpu4j.models.onnx;

import io.xpu4j.api.Config;
import io.xpu4j.api.Runtime;
import io.xpu4j.api.Scope;
import io.xpu4j.api.Tensor;
import io.xpu4j.models.ProgressListener;
import io.xpu4j.models.TestModels;
import io.xpu4j.models.embed.KnownModel;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Times all-MiniLM-L6-v2 forward passes at batch 32 x 128 tokens and batch 1, with the time per
 * op type. A measurement, not a check: runs only with {@code -Dxpu4j.perf=true}
 * ({@code ./mvnw -pl models test -Dtest=SessionTimingTest -Dxpu4j.perf=true}). The JMH benchmark
 * against ONNX Runtime lives in the benchmarks module.
 */
@SuppressWarnings("try") // scopes free what the test makes without being referenced
class SessionTimingTest {
    @Test
    void timeMiniLm() {
        Assumptions.assumeTrue(Boolean.getBoolean("xpu4j.perf"), "a measurement; run with -Dxpu4j.perf=true");
        try (Runtime rt = Runtime.create(Config.builder().backend("cpu").build());
             OnnxSession s = OnnxSession.load(rt, TestModels.onnx(KnownModel.ALL_MINILM_L6_V2), ProgressListener.NONE)) {
            System.out.println("all-minilm-l6-v2: " + s.summary());
            for (int[] shape : new int[][]{{32, 128}, {1, 128}, {1, 16}}) {
                time(rt, s, shape[0], shape[1], Integer.getInteger("xpu4j.perf.iterations", 10));
            }
        }
    }

    private static void time(Runtime rt, OnnxSession s, int b, int n, int iterations) {
        long[] ids = new long[b * n];
        long[] mask = new long[b * n];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i % n == 0 ? 101 : i % n == n - 1 ? 102 : 1000 + (i * 7919) % 28000;
            mask[i] = 1;
        }
        double[] ms = new double[iterations];
        Map<String, long[]> prof = new TreeMap<>();
        for (int it = -3; it < iterations; it++) {
            // the last passes also record time per op (with a device sync after each step)
            s.profile = it >= iterations - 2 ? prof : null;
            long t0 = System.nanoTime();
            try (Scope scope = rt.scope()) {
                Map<String, Tensor> in = new LinkedHashMap<>();
                in.put("input_ids", rt.ops().tensor(ids, b, n));
                in.put("attention_mask", rt.ops().tensor(mask, b, n));
                in.put("token_type_ids", rt.ops().tensor(new long[b * n], b, n));
                Map<String, Tensor> out = s.run(in);
                out.values().forEach(Tensor::close);
            }
            if (it >= 0) {
                ms[it] = (System.nanoTime() - t0) / 1e6;
            }
        }
        s.profile = null;
        double[] sorted = Arrays.copyOf(ms, iterations - 2);
        Arrays.sort(sorted);
        System.out.printf("batch %d x %d tokens: median %.1f ms, min %.1f ms per forward pass (%d passes after 3 warm-up)%n",
                b, n, sorted[sorted.length / 2], sorted[0], sorted.length);
        long total = prof.values().stream().mapToLong(v -> v[0]).sum();
        prof.entrySet().stream().sorted(Comparator.comparingLong((Map.Entry<String, long[]> e) -> -e.getValue()[0]))
                .forEach(e -> System.out.printf("    %-18s %7.1f ms  %4.1f%%  x%d%n", e.getKey(), e.getValue()[0] / 2e6,
                        100.0 * e.getValue()[0] / total, e.getValue()[1] / 2));
    }
}
