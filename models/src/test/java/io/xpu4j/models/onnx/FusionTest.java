package io.xpu4j.models.onnx;

import io.xpu4j.api.Config;
import io.xpu4j.api.Runtime;
import io.xpu4j.api.Scope;
import io.xpu4j.api.Tensor;
import io.xpu4j.models.ProgressListener;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import static io.xpu4j.models.onnx.OnnxBuilder.intAttr;
import static io.xpu4j.models.onnx.OnnxBuilder.intsAttr;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The decomposed LayerNorm, GELU and attention forms are fused into one runtime op each, and the
 * fused graph computes what the node-by-node graph computes (within float rounding). Where a
 * run-time condition of the fast path fails, the original nodes run.
 */
@SuppressWarnings("try") // scopes free what the test makes without being referenced
class FusionTest {
    private static final int F = OnnxTypes.FLOAT;
    private static final Set<String> ALL = Set.of(Kernels.FUSED_LAYER_NORM, Kernels.FUSED_GELU, Kernels.FUSED_ATTENTION);
    private static Runtime rt;

    @BeforeAll
    static void start() {
        rt = Runtime.create(Config.builder().backend("cpu").build());
    }

    @AfterAll
    static void stop() {
        rt.close();
    }

    @AfterEach
    void nothingLeftAllocated() {
        assertEquals(0, rt.device().allocator().stats().liveBytes());
    }

    private record Out(float[] values, Map<String, Integer> fused, int steps) {
    }

    private static Out run(OnnxBuilder b, Set<String> skip, Map<String, long[]> shapes) {
        try (OnnxModel m = b.model();
             OnnxSession s = OnnxSession.create(rt, rt.device(), m, ProgressListener.NONE, skip);
             Scope scope = rt.scope()) {
            Map<String, Tensor> in = new LinkedHashMap<>();
            long seed = 1;
            for (Map.Entry<String, long[]> e : shapes.entrySet()) {
                in.put(e.getKey(), rt.ops().randNormal(seed++, 0, 1, io.xpu4j.api.DType.F32, e.getValue()));
            }
            Map<String, Tensor> out = s.run(in);
            try {
                return new Out(out.values().iterator().next().toFloatArray(), s.fusedCounts(), s.stepCount());
            } finally {
                out.values().forEach(Tensor::close);
            }
        }
    }

    /** Runs fused and unfused; checks they agree and returns the fused result. */
    private static Out same(OnnxBuilder b, Map<String, long[]> shapes, double tol) {
        Out fused = run(b, Set.of(), shapes);
        Out plain = run(b, ALL, shapes);
        assertEquals(Map.of(), plain.fused());
        assertEquals(plain.values().length, fused.values().length);
        for (int i = 0; i < plain.values().length; i++) {
            assertEquals(plain.values()[i], fused.values()[i], tol, "element " + i);
        }
        return fused;
    }

    private static float[] randoms(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) r.nextDouble(-1, 1);
        }
        return f;
    }

    @Test
    void decomposedLayerNormBecomesOneLayerNorm() {
        OnnxBuilder b = new OnnxBuilder(11).input("x", F, "n", 8).output("y", F)
                .floats("gamma", new long[]{8}, randoms(8, 1)).floats("beta", new long[]{8}, randoms(8, 2))
                .op("ReduceMean", "m", new String[]{"x"}, intsAttr("axes", -1))
                .op("Sub", "d", "x", "m").scalar("two", 2).op("Pow", "p", "d", "two")
                .op("ReduceMean", "v", new String[]{"p"}, intsAttr("axes", -1))
                .scalar("eps", 1e-12f).op("Add", "ve", "v", "eps").op("Sqrt", "s", "ve")
                .op("Div", "nrm", "d", "s").op("Mul", "g", "nrm", "gamma").op("Add", "y", "beta", "g");
        Out o = same(b, Map.of("x", new long[]{5, 8}), 1e-5);
        assertEquals(Map.of(Kernels.FUSED_LAYER_NORM, 1), o.fused());
        assertEquals(1, o.steps());
    }

    @Test
    void aLayerNormWhoseMeanIsAlsoReadElsewhereIsNotFused() {
        OnnxBuilder b = new OnnxBuilder(11).input("x", F, 3, 8).output("y", F)
                .op("ReduceMean", "m", new String[]{"x"}, intsAttr("axes", -1))
                .op("Sub", "d", "x", "m").scalar("two", 2).op("Pow", "p", "d", "two")
                .op("ReduceMean", "v", new String[]{"p"}, intsAttr("axes", -1))
                .scalar("eps", 1e-5f).op("Add", "ve", "v", "eps").op("Sqrt", "s", "ve")
                .op("Div", "nrm", "d", "s").op("Add", "y", "nrm", "m");
        Out o = same(b, Map.of("x", new long[]{3, 8}), 1e-6);
        assertEquals(Map.of(), o.fused());
    }

    @Test
    void theThreeGeluOrdersBecomeOneGelu() {
        // x·(1+erf(x/√2))·0.5
        OnnxBuilder a = new OnnxBuilder(13).input("x", F, 4, 16).output("y", F)
                .scalar("r2", (float) Math.sqrt(2)).scalar("one", 1).scalar("half", 0.5f)
                .op("Div", "a", "x", "r2").op("Erf", "e", "a").op("Add", "b", "e", "one")
                .op("Mul", "c", "x", "b").op("Mul", "y", "c", "half");
        // x·((1+erf(x·(1/√2)))·0.5)
        OnnxBuilder b = new OnnxBuilder(13).input("x", F, 4, 16).output("y", F)
                .scalar("ir2", (float) Math.sqrt(0.5)).scalar("one", 1).scalar("half", 0.5f)
                .op("Mul", "a", "ir2", "x").op("Erf", "e", "a").op("Add", "b", "one", "e")
                .op("Mul", "c", "b", "half").op("Mul", "y", "x", "c");
        // (x·0.5)·(1+erf(x/√2))
        OnnxBuilder c = new OnnxBuilder(13).input("x", F, 4, 16).output("y", F)
                .scalar("r2", (float) Math.sqrt(2)).scalar("one", 1).scalar("half", 0.5f)
                .op("Mul", "h", "x", "half").op("Div", "a", "x", "r2").op("Erf", "e", "a")
                .op("Add", "b", "e", "one").op("Mul", "y", "h", "b");
        for (OnnxBuilder g : new OnnxBuilder[]{a, b, c}) {
            Out o = same(g, Map.of("x", new long[]{4, 16}), 1e-6);
            assertEquals(Map.of(Kernels.FUSED_GELU, 1), o.fused());
            assertEquals(1, o.steps());
        }
    }

    /** q, k, v [1, 2, 5, 4] (k given as kᵀ through a Transpose), scale by Div, additive mask [1, 1, 1, 5]. */
    private static OnnxBuilder attention(int rank, boolean mask, boolean mulScale) {
        Object[] qs = rank == 4 ? new Object[]{1, 2, 5, 4} : new Object[]{2, 5, 4};
        long[] perm = rank == 4 ? new long[]{0, 1, 3, 2} : new long[]{0, 2, 1};
        OnnxBuilder b = new OnnxBuilder(13).input("q", F, qs).input("k", F, qs).input("v", F, qs);
        if (mask) {
            b.input("mask", F, rank == 4 ? new Object[]{1, 1, 1, 5} : new Object[]{1, 1, 5});
        }
        b.output("y", F).op("Transpose", "kt", new String[]{"k"}, intsAttr("perm", perm))
                .op("MatMul", "s", "q", "kt");
        if (mulScale) {
            b.scalar("c", 0.5f).op("Mul", "sc", "c", "s");
        } else {
            b.scalar("c", 2f).op("Div", "sc", "s", "c");
        }
        String pre = "sc";
        if (mask) {
            b.op("Add", "sm", "mask", "sc");
            pre = "sm";
        }
        return b.op("Softmax", "p", new String[]{pre}, intAttr("axis", -1)).op("MatMul", "y", "p", "v");
    }

    @Test
    void decomposedAttentionBecomesOneAttention() {
        long[] s = {1, 2, 5, 4};
        Map<String, long[]> shapes = new LinkedHashMap<>(Map.of("q", s, "k", s, "v", s, "mask", new long[]{1, 1, 1, 5}));
        Out o = same(attention(4, true, false), shapes, 1e-5);
        assertEquals(Map.of(Kernels.FUSED_ATTENTION, 1), o.fused());

        Out noMask = same(attention(4, false, true), Map.of("q", s, "k", s, "v", s), 1e-5);
        assertEquals(Map.of(Kernels.FUSED_ATTENTION, 1), noMask.fused());
    }

    @Test
    void attentionOnRank3TensorsFallsBackToTheOriginalNodes() {
        long[] s = {2, 5, 4};
        Map<String, long[]> shapes = Map.of("q", s, "k", s, "v", s, "mask", new long[]{1, 1, 5});
        Out o = same(attention(3, true, false), shapes, 1e-6);
        // matched at load time; at run time the rank is not 4, so the nodes ran one by one
        assertEquals(Map.of(Kernels.FUSED_ATTENTION, 1), o.fused());
    }
}
