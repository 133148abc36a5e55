package io.xpu4j.models.onnx;

import io.xpu4j.api.Config;
import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.Runtime;
import io.xpu4j.api.Scope;
import io.xpu4j.api.Tensor;
import io.xpu4j.api.XpuException;
import io.xpu4j.models.ProgressListener;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import static io.xpu4j.models.onnx.OnnxBuilder.floatAttr;
import static io.xpu4j.models.onnx.OnnxBuilder.intAttr;
import static io.xpu4j.models.onnx.OnnxBuilder.intsAttr;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ONNX op semantics on small hand-built graphs, checked against values worked out here. */
@SuppressWarnings("try") // scopes free what the test makes without being referenced
class OnnxOpsTest {
    private static final int F = OnnxTypes.FLOAT;
    private static final int I64 = OnnxTypes.INT64;
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
        assertEquals(0, rt.device().allocator().stats().liveBytes(), "every tensor of the run and session is freed");
    }

    /** One input: name, shape, and float[] or long[] data. */
    private record In(String name, long[] shape, Object data) {
    }

    private static In in(String name, long[] shape, float... data) {
        return new In(name, shape, data);
    }

    private static In inL(String name, long[] shape, long... data) {
        return new In(name, shape, data);
    }

    private static long[] dims(long... d) {
        return d;
    }

    private record Result(float[] f, long[] l, long[] shape, int steps) {
    }

    private static Result run(OnnxBuilder b, In... inputs) {
        return run(b, Set.of(), inputs);
    }

    /** Runs the model with the named fusions left out; returns its first output. */
    private static Result run(OnnxBuilder b, Set<String> skip, In... inputs) {
        try (OnnxModel m = b.model();
             OnnxSession s = OnnxSession.create(rt, rt.device(), m, ProgressListener.NONE, skip);
             Scope scope = rt.scope()) {
            Map<String, Tensor> in = new LinkedHashMap<>();
            for (In i : inputs) {
                in.put(i.name(), i.data() instanceof float[] f ? rt.ops().tensor(f, i.shape())
                        : rt.ops().tensor((long[]) i.data(), i.shape()));
            }
            Map<String, Tensor> out = s.run(in);
            try {
                Tensor y = out.values().iterator().next();
                boolean fl = y.dtype().isFloatingPoint();
                return new Result(fl ? y.toFloatArray() : null, fl ? null : y.toLongArray(), y.shape(), s.stepCount());
            } finally {
                out.values().forEach(Tensor::close);
            }
        }
    }

    private static void near(float[] want, float[] got, double tol) {
        assertEquals(want.length, got.length, "length");
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], tol, "element " + i + ": want " + Arrays.toString(want) + " got " + Arrays.toString(got));
        }
    }

    @Test
    void matmulAddAndGemm() {
        OnnxBuilder b = new OnnxBuilder(13).input("x", F, 2, 3).output("y", F)
                .floats("w", new long[]{3, 2}, 1, 2, 3, 4, 5, 6).floats("bias", new long[]{2}, 10, 20)
                .op("MatMul", "m", "x", "w").op("Add", "y", "bias", "m");
        Result r = run(b, in("x", dims(2, 3), 1, 0, 0, 0, 1, 1));
        near(new float[]{11, 22, 18, 30}, r.f(), 0);
        assertArrayEquals(new long[]{2, 2}, r.shape());

        // Gemm: alpha·Aᵀ·B + beta·C with A given transposed
        OnnxBuilder g = new OnnxBuilder(13).input("x", F, 2, 3).output("y", F)
                .floats("w", new long[]{2, 2}, 1, 0, 0, 1).floats("c", new long[]{2}, 1, 1)
                .op("Gemm", "y", new String[]{"x", "w", "c"}, intAttr("transA", 1), floatAttr("alpha", 2),
                        floatAttr("beta", 0.5f));
        Result rg = run(g, in("x", dims(2, 3), 1, 2, 3, 4, 5, 6));
        // xᵀ = [[1,4],[2,5],[3,6]], times I, ·2, + 0.5
        near(new float[]{2.5f, 8.5f, 4.5f, 10.5f, 6.5f, 12.5f}, rg.f(), 0);
        assertArrayEquals(new long[]{3, 2}, rg.shape());
    }

    @Test
    void gatherAsEmbeddingAlongAnotherAxisAndWithAScalarIndex() {
        OnnxBuilder emb = new OnnxBuilder(13).input("ids", I64, 1, 3).output("y", F)
                .floats("table", new long[]{4, 2}, 0, 1, 10, 11, 20, 21, 30, 31).op("Gather", "y", "table", "ids");
        Result r = run(emb, inL("ids", dims(1, 3), 3L, 0L, 2L));
        near(new float[]{30, 31, 0, 1, 20, 21}, r.f(), 0);
        assertArrayEquals(new long[]{1, 3, 2}, r.shape());

        // axis 1 with constant (host) indices, one negative: data [2, 3, 2] -> [2, 2, 2]
        OnnxBuilder ax1 = new OnnxBuilder(13).input("x", F, 2, 3, 2).output("y", F)
                .longs("idx", new long[]{2}, -1, 0).op("Gather", "y", new String[]{"x", "idx"}, intAttr("axis", 1));
        float[] x = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
        Result r1 = run(ax1, in("x", dims(2, 3, 2), x));
        near(new float[]{4, 5, 0, 1, 10, 11, 6, 7}, r1.f(), 0);
        assertArrayEquals(new long[]{2, 2, 2}, r1.shape());

        // a scalar index drops the axis (a view)
        OnnxBuilder sc = new OnnxBuilder(13).input("x", F, 2, 3, 2).output("y", F)
                .longs("i", new long[0], 1).op("Gather", "y", new String[]{"x", "i"}, intAttr("axis", 1));
        Result r2 = run(sc, in("x", dims(2, 3, 2), x));
        near(new float[]{2, 3, 8, 9}, r2.f(), 0);
        assertArrayEquals(new long[]{2, 2}, r2.shape());

        OnnxBuilder out = new OnnxBuilder(13).input("x", F, 2, 3, 2).output("y", F)
                .longs("i", new long[0], 3).op("Gather", "y", new String[]{"x", "i"}, intAttr("axis", 1));
        XpuException e = assertThrows(XpuException.class, () -> run(out, in("x", dims(2, 3, 2), x)));
        assertTrue(e.getMessage().contains("index 3 is out of range for axis 1 of size 3"), e::getMessage);
        assertTrue(e.getMessage().contains("Gather node 'y'"), e::getMessage);
    }

    @Test
    void shapeArithmeticRunsOnTheHostAndFeedsReshape() {
        // y = Reshape(x, Concat(Unsqueeze(Gather(Shape(x), 0)), [-1, 2]))  : [4, 6] -> [4, 3, 2]
        OnnxBuilder b = new OnnxBuilder(11).input("x", F, "n", 6).output("y", F)
                .op("Shape", "s", "x")
                .longs("zero", new long[0], 0).longs("tail", new long[]{2}, -1, 2)
                .op("Gather", "g", new String[]{"s", "zero"}, intAttr("axis", 0))
                .op("Unsqueeze", "u", new String[]{"g"}, intsAttr("axes", 0))
                .op("Concat", "c", new String[]{"u", "tail"}, intAttr("axis", 0))
                .op("Reshape", "y", "x", "c");
        float[] x = new float[24];
        for (int i = 0; i < x.length; i++) {
            x[i] = i;
        }
        Result r = run(b, in("x", dims(4, 6), x));
        assertArrayEquals(new long[]{4, 3, 2}, r.shape());
        near(x, r.f(), 0);

        // Reshape's 0 copies a dim; opset 13 Unsqueeze takes axes as an input
        OnnxBuilder b13 = new OnnxBuilder(13).input("x", F, 4, 6).output("y", F)
                .longs("shape", new long[]{3}, 0, 3, -1).longs("axes", new long[]{1}, -1)
                .op("Reshape", "r", "x", "shape").op("Unsqueeze", "y", "r", "axes");
        Result r13 = run(b13, in("x", dims(4, 6), x));
        assertArrayEquals(new long[]{4, 3, 2, 1}, r13.shape());
    }

    @Test
    void sliceWithStepsOnTheDeviceAndNegativeStepsOnTheHost() {
        OnnxBuilder b = new OnnxBuilder(13).input("x", F, 2, 5).output("y", F)
                .longs("st", new long[]{1}, 1).longs("en", new long[]{1}, Long.MAX_VALUE).longs("ax", new long[]{1}, -1)
                .longs("sp", new long[]{1}, 2).node("Slice", "y", new String[]{"x", "st", "en", "ax", "sp"}, new String[]{"y"});
        Result r = run(b, in("x", dims(2, 5), 0, 1, 2, 3, 4, 5, 6, 7, 8, 9));
        near(new float[]{1, 3, 6, 8}, r.f(), 0);
        assertArrayEquals(new long[]{2, 2}, r.shape());

        // reversing a constant: folded on the host at load time, then added to the input
        OnnxBuilder rev = new OnnxBuilder(13).input("x", I64, 4).output("y", I64)
                .longs("c", new long[]{4}, 10, 20, 30, 40)
                .longs("st", new long[]{1}, -1).longs("en", new long[]{1}, Long.MIN_VALUE).longs("ax", new long[]{1}, 0)
                .longs("sp", new long[]{1}, -1).node("Slice", "r", new String[]{"c", "st", "en", "ax", "sp"}, new String[]{"r"})
                .op("Add", "y", "x", "r");
        Result rr = run(rev, inL("x", dims(4), 1L, 2L, 3L, 4L));
        assertArrayEquals(new long[]{41, 32, 23, 14}, rr.l());
        assertEquals(1, rr.steps(), "the constant slice was folded at load time");
    }

    @Test
    void softmaxBeforeOpset13FlattensFromTheAxis() {
        float[] x = {0, 1, 2, 3};
        OnnxBuilder old = new OnnxBuilder(11).input("x", F, 1, 2, 2).output("y", F)
                .op("Softmax", "y", new String[]{"x"}, intAttr("axis", 1));
        // opset 11: one softmax over all four values
        double z = Math.exp(0) + Math.exp(1) + Math.exp(2) + Math.exp(3);
        near(new float[]{(float) (1 / z), (float) (Math.E / z), (float) (Math.exp(2) / z), (float) (Math.exp(3) / z)},
                run(old, in("x", dims(1, 2, 2), x)).f(), 1e-6);
        OnnxBuilder now = new OnnxBuilder(13).input("x", F, 1, 2, 2).output("y", F)
                .op("Softmax", "y", new String[]{"x"}, intAttr("axis", 1));
        // opset 13: along axis 1 only: pairs (0, 2) and (1, 3)
        float a = (float) (1 / (1 + Math.exp(2)));
        near(new float[]{a, a, 1 - a, 1 - a}, run(now, in("x", dims(1, 2, 2), x)).f(), 1e-6);
    }

    @Test
    void whereEqualExpandConstantOfShapeAndCast() {
        OnnxBuilder b = new OnnxBuilder(13).input("x", I64, 2, 2).output("y", F)
                .longs("two", new long[0], 2).longs("shape", new long[]{2}, 2, 2)
                .op("Equal", "eq", "x", "two")
                .node("ConstantOfShape", "ones", new String[]{"shape"}, new String[]{"ones"},
                        OnnxBuilder.tensorAttr("value", OnnxBuilder.floatTensor("", new long[]{1}, 1.5f)))
                .op("Cast", "xf", new String[]{"x"}, intAttr("to", F))
                .op("Where", "y", "eq", "ones", "xf");
        Result r = run(b, inL("x", dims(2, 2), 1L, 2L, 3L, 2L));
        near(new float[]{1, 1.5f, 3, 1.5f}, r.f(), 0);

        OnnxBuilder e = new OnnxBuilder(13).input("x", F, 2, 1).output("y", F)
                .longs("shape", new long[]{3}, 2, 1, 3).op("Expand", "y", "x", "shape");
        Result re = run(e, in("x", dims(2, 1), 1, 2));
        assertArrayEquals(new long[]{2, 2, 3}, re.shape());
        near(new float[]{1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2}, re.f(), 0);
    }

    @Test
    void reductionsLayerNormalizationAndUnaryOps() {
        float[] x = {1, 2, 3, 4, 6, 8};
        OnnxBuilder sum = new OnnxBuilder(13).input("x", F, 2, 3).output("y", F)
                .longs("axes", new long[]{1}, 1).op("ReduceSum", "y", new String[]{"x", "axes"}, intAttr("keepdims", 0));
        Result rs = run(sum, in("x", dims(2, 3), x));
        near(new float[]{6, 18}, rs.f(), 0);
        assertArrayEquals(new long[]{2}, rs.shape());

        OnnxBuilder ln = new OnnxBuilder(17).input("x", F, 2, 3).output("y", F)
                .floats("g", new long[]{3}, 1, 1, 2).floats("b", new long[]{3}, 0, 0, 1)
                .op("LayerNormalization", "y", new String[]{"x", "g", "b"}, floatAttr("epsilon", 0));
        float s = (float) Math.sqrt(2.0 / 3);
        near(new float[]{-1 / s, 0, 2 / s + 1, -1 / s, 0, 2 / s + 1}, run(ln, in("x", dims(2, 3), x)).f(), 1e-5);

        OnnxBuilder un = new OnnxBuilder(13).input("x", F, 2, 3).output("y", F)
                .op("Neg", "n", "x").op("Relu", "r", "n").op("Sqrt", "q", "x").op("Add", "y", "r", "q");
        float[] want = new float[6];
        for (int i = 0; i < 6; i++) {
            want[i] = (float) Math.sqrt(x[i]);
        }
        near(want, run(un, in("x", dims(2, 3), x)).f(), 1e-6);
    }

    @Test
    void anUnsupportedOpNamesTypeNodeAndOpset() {
        OnnxBuilder b = new OnnxBuilder(13).input("x", F, 4).output("y", F)
                .op("Relu", "r", "x").node("NonZero", "/model/find_nonzero", new String[]{"r"}, new String[]{"y"});
        XpuException e = assertThrows(XpuException.class, () -> run(b, in("x", dims(4), new float[4])));
        assertEquals(ErrorCode.UNSUPPORTED_OP, e.code());
        assertTrue(e.getMessage().contains("op 'NonZero'"), e::getMessage);
        assertTrue(e.getMessage().contains("'/model/find_nonzero'"), e::getMessage);
        assertTrue(e.getMessage().contains("opset 13"), e::getMessage);
        assertTrue(e.getMessage().contains("supported ops"), e::getMessage);

        OnnxBuilder ms = new OnnxBuilder(13, "com.microsoft").input("x", F, 4).output("y", F)
                .node("FusedGemm", "com.microsoft", "fg", new String[]{"x"}, new String[]{"y"});
        XpuException e2 = assertThrows(XpuException.class, () -> run(ms, in("x", dims(4), new float[4])));
        assertEquals(ErrorCode.UNSUPPORTED_OP, e2.code());
        assertTrue(e2.getMessage().contains("domain 'com.microsoft', opset 1"), e2::getMessage);
    }

    @Test
    void inputsAreCheckedByNameDtypeAndShape() {
        OnnxBuilder b = new OnnxBuilder(13).input("x", F, "n", 2).output("y", F).op("Relu", "y", "x");
        try (OnnxModel m = b.model(); OnnxSession s = OnnxSession.create(rt, m, ProgressListener.NONE);
             Scope scope = rt.scope()) {
            XpuException missing = assertThrows(XpuException.class, () -> s.run(Map.of()));
            assertTrue(missing.getMessage().contains("input 'x' (FLOAT[n, 2]) is missing"), missing::getMessage);
            XpuException unknown = assertThrows(XpuException.class,
                    () -> s.run(Map.of("x", rt.ops().zeros(1, 2), "z", rt.ops().zeros(1))));
            assertTrue(unknown.getMessage().contains("has no input 'z'"), unknown::getMessage);
            XpuException dtype = assertThrows(XpuException.class, () -> s.run(Map.of("x", rt.ops().tensor(new long[]{1, 2}, 1, 2))));
            assertEquals(ErrorCode.DTYPE_MISMATCH, dtype.code());
            XpuException shape = assertThrows(XpuException.class, () -> s.run(Map.of("x", rt.ops().zeros(2, 3))));
            assertTrue(shape.getMessage().contains("must have shape [n, 2], got [2, 3]"), shape::getMessage);
            Map<String, Tensor> ok = s.run(Map.of("x", rt.ops().tensor(new float[]{-1, 2, 3, -4}, 2, 2)));
            assertArrayEquals(new float[]{0, 2, 3, 0}, ok.get("y").toFloatArray());
            ok.values().forEach(Tensor::close);
        }
    }
}
