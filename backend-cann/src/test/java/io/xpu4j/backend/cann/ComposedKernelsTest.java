package io.xpu4j.backend.cann;

import io.xpu4j.api.Config;
import io.xpu4j.api.DType;
import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.Ops;
import io.xpu4j.api.RopeLayout;
import io.xpu4j.api.Runtime;
import io.xpu4j.api.Scope;
import io.xpu4j.api.Tensor;
import io.xpu4j.api.XpuException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The kernels composed from several aclnn calls (attention, rope, saturating FP8 casts) and the
 * host-side contract checks, against the CPU backend as the second implementation.
 * Tolerances (absolute + relative): F32 1e-5, F16 4e-3, BF16 3e-2 (a few units in the last
 * place of the output dtype; both sides compute in float32).
 */
class ComposedKernelsTest {
    private Runtime rt;
    private Ops cann;
    private Ops cpu;

    @BeforeEach
    void start() {
        CannAssume.available();
        rt = Runtime.create(Config.builder().backend("cann").fallbackBackends(List.of())
                .opFallback(Config.OpFallback.ERROR).build());
        cann = rt.ops();
        cpu = rt.ops(rt.cpu());
    }

    @AfterEach
    void stop() {
        if (rt != null) {
            assertEquals(0, rt.device().allocator().stats().liveBytes(), "device bytes leaked");
            rt.close();
        }
    }

    private static double tol(DType t) {
        return switch (t) {
            case F32 -> 1e-5;
            case F16 -> 4e-3;
            default -> 3e-2;
        };
    }

    private static void assertClose(Tensor want, Tensor got, DType t, String what) {
        float[] w = want.toFloatArray();
        float[] g = got.toFloatArray();
        assertEquals(w.length, g.length, what);
        double tol = tol(t);
        for (int i = 0; i < w.length; i++) {
            double err = Math.abs((double) w[i] - g[i]);
            assertTrue(err <= tol + tol * Math.abs(w[i]) || (Float.isNaN(w[i]) && Float.isNaN(g[i])),
                    what + ": element " + i + " want " + w[i] + " got " + g[i]);
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F16", "BF16"})
    void groupedQueryAttentionWithMaskAndCausal(DType t) {
        try (Scope s = rt.scope()) {
            Tensor q = cpu.randNormal(1, 0, 1, t, 2, 4, 3, 8);
            Tensor k = cpu.randNormal(2, 0, 1, t, 2, 2, 5, 8);
            Tensor v = cpu.randNormal(3, 0, 1, t, 2, 2, 5, 6);
            Tensor mask = cpu.randNormal(4, 0, 1, t, 1, 1, 3, 5);
            for (boolean causal : new boolean[]{false, true}) {
                for (Tensor m : new Tensor[]{null, mask}) {
                    Tensor want = cpu.scaledDotProductAttention(q, k, v, m, causal, 0.35);
                    Tensor got = cann.scaledDotProductAttention(q.to(rt.device()), k.to(rt.device()), v.to(rt.device()),
                            m == null ? null : m.to(rt.device()), causal, 0.35);
                    assertClose(want, got, t, "attention " + t + " causal=" + causal + " mask=" + (m != null));
                }
            }
        }
    }

    @Test
    void fullyMaskedRowsGiveZero() {
        try (Scope s = rt.scope()) {
            Tensor q = cpu.randNormal(5, 0, 1, DType.F32, 1, 1, 4, 4);
            Tensor k = cpu.randNormal(6, 0, 1, DType.F32, 1, 1, 2, 4);
            Tensor v = cpu.randNormal(7, 0, 1, DType.F32, 1, 1, 2, 4);
            // Sq > Sk with causal alignment to the end: the first two query rows see no key
            Tensor want = cpu.scaledDotProductAttention(q, k, v, null, true, 0.5);
            Tensor got = cann.scaledDotProductAttention(q.to(rt.device()), k.to(rt.device()), v.to(rt.device()), null, true, 0.5);
            float[] g = got.toFloatArray();
            for (int i = 0; i < 8; i++) {
                assertEquals(0f, g[i], "masked row element " + i);
            }
            assertClose(want, got, DType.F32, "attention with dead rows");
        }
    }

    @ParameterizedTest
    @EnumSource(value = RopeLayout.class)
    void ropeMatchesCpu(RopeLayout layout) {
        for (DType t : new DType[]{DType.F32, DType.F16, DType.BF16}) {
            try (Scope s = rt.scope()) {
                Tensor x = cpu.randNormal(8, 0, 1, t, 2, 3, 5, 8);
                Tensor cos = cpu.randUniform(9, -1, 1, DType.F32, 5, 4);
                Tensor sin = cpu.randUniform(10, -1, 1, DType.F32, 5, 4);
                Tensor want = cpu.rope(x, cos, sin, layout);
                Tensor got = cann.rope(x.to(rt.device()), cos.to(rt.device()), sin.to(rt.device()), layout);
                assertClose(want, got, t, "rope " + layout + " " + t);
            }
        }
    }

    @Test
    void saturatingFp8CastClampsAndKeepsNaN() {
        try (Scope s = rt.scope()) {
            Tensor x = cpu.tensor(new float[]{1000f, -1e6f, Float.NaN, Float.POSITIVE_INFINITY, 3.3f, 460f}, 6);
            for (DType f8 : new DType[]{DType.F8_E4M3, DType.F8_E5M2}) {
                for (boolean sat : new boolean[]{true, false}) {
                    byte[] want = cpu.cast(x, f8, sat).toByteArray();
                    byte[] got = cann.cast(x.to(rt.device()), f8, sat).toByteArray();
                    for (int i = 0; i < want.length; i++) {
                        boolean wantNaN = Float.isNaN(cpu.cast(cpu.cast(x, f8, sat), DType.F32).toFloatArray()[i]);
                        if (!wantNaN) {
                            assertEquals(want[i], got[i], f8 + " saturate=" + sat + " element " + i);
                        }
                    }
                }
            }
        }
    }

    @Test
    void contractErrorsMatchTheCpuBackend() {
        try (Scope s = rt.scope()) {
            Tensor a = cpu.tensor(new int[]{7, 8, 9}, 3);
            Tensor b = cpu.tensor(new int[]{1, 0, 3}, 3);
            XpuException want = assertThrows(XpuException.class, () -> cpu.div(a, b));
            XpuException got = assertThrows(XpuException.class, () -> cann.div(a.to(rt.device()), b.to(rt.device())));
            assertEquals(ErrorCode.INVALID_ARGUMENT, got.code());
            assertEquals(want.getMessage(), got.getMessage());

            Tensor f = cpu.tensor(new float[]{1.5f, Float.NaN}, 2);
            want = assertThrows(XpuException.class, () -> cpu.cast(f, DType.I32));
            got = assertThrows(XpuException.class, () -> cann.cast(f.to(rt.device()), DType.I32));
            assertEquals(want.getMessage(), got.getMessage());

            Tensor big = cpu.tensor(new long[]{5, 300}, 2);
            want = assertThrows(XpuException.class, () -> cpu.cast(big, DType.I8));
            got = assertThrows(XpuException.class, () -> cann.cast(big.to(rt.device()), DType.I8));
            assertEquals(want.getMessage(), got.getMessage());

            Tensor w = cpu.randNormal(11, 0, 1, DType.F32, 4, 3);
            Tensor ids = cpu.tensor(new int[]{0, 4}, 2);
            want = assertThrows(XpuException.class, () -> cpu.embedding(w, ids));
            Tensor wd = w.to(rt.device());
            Tensor idd = ids.to(rt.device());
            got = assertThrows(XpuException.class, () -> cann.embedding(wd, idd));
            assertEquals(ErrorCode.INVALID_ARGUMENT, got.code());
            assertEquals(want.getMessage().replace("cpu:0", "cann:0"), got.getMessage());
        }
        // the runtime stays usable
        try (Tensor x = cann.tensor(new float[]{1, 2}, 2); Tensor y = cann.mul(x, x)) {
            assertEquals(4f, y.toFloatArray()[1]);
        }
    }
}
