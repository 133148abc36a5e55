package io.xpu4j.backend.cann;

import io.xpu4j.api.Config;
import io.xpu4j.api.Config.MatmulPrecision;
import io.xpu4j.api.DType;
import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.Ops;
import io.xpu4j.api.Runtime;
import io.xpu4j.api.Tensor;
import io.xpu4j.api.XpuException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code matmulPrecision} on cann: the cubeMathType chosen per dtype, setting and chip, and (on
 * the emulator, which rounds FP32 cube inputs to HF32 under ALLOW_FP32_DOWN_PRECISION) proof that
 * the setting reaches the device.
 */
class MatmulPrecisionTest {
    private static final int M = 8;
    private static final int K = 64;
    private static final int N = 12;
    private static final double F32_EPS = 0x1p-24;
    /** HF32/TF32 keeps 10 explicit mantissa bits: each input is off by at most 2^-11 relative. */
    private static final double HF32_PRODUCT = 0x1p-10;

    // ---- the choice (no device needed) ----

    @Test
    void halfPrecisionInputsAlwaysKeepTheirDtype() {
        for (DType t : List.of(DType.F16, DType.BF16)) {
            for (MatmulPrecision p : MatmulPrecision.values()) {
                for (String soc : new String[]{"Ascend910B3", "Ascend910ProB", "Ascend310P3", null}) {
                    assertEquals(CubeMath.KEEP_DTYPE, CubeMath.choose(t, p, soc), t + " " + p + " " + soc);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"Ascend910B1", "Ascend910B4", "Ascend910_9391", "Ascend910_9382",
            "xpu4j-cann-emu (host emulator, not Ascend hardware)", "SomeFutureChip"})
    void exactF32OnA2A3TheEmulatorAndUnknownChips(String soc) {
        assertTrue(CubeMath.exactFp32(soc), soc);
        assertEquals(CubeMath.KEEP_DTYPE, CubeMath.choose(DType.F32, MatmulPrecision.HIGHEST, soc));
        assertEquals(CubeMath.ALLOW_FP32_DOWN_PRECISION, CubeMath.choose(DType.F32, MatmulPrecision.HIGH, soc));
        assertEquals(0, CubeMath.KEEP_DTYPE, "aclnn cubeMathType KEEP_DTYPE");
        assertEquals(1, CubeMath.ALLOW_FP32_DOWN_PRECISION, "aclnn cubeMathType ALLOW_FP32_DOWN_PRECISION");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Ascend910", "Ascend910A", "Ascend910ProA", "Ascend910ProB", "Ascend910PremiumA",
            "Ascend310P1", "Ascend310P3", "ascend310p3"})
    void olderChipsRefuseExactF32AndAllowItWithHigh(String soc) {
        assertTrue(!CubeMath.exactFp32(soc), soc);
        assertEquals(CubeMath.ALLOW_FP32_DOWN_PRECISION, CubeMath.choose(DType.F32, MatmulPrecision.HIGH, soc));
        XpuException e = assertThrows(XpuException.class,
                () -> CubeMath.choose(DType.F32, MatmulPrecision.HIGHEST, soc));
        assertEquals(ErrorCode.UNSUPPORTED_OP, e.code());
        String msg = e.getMessage();
        assertTrue(msg.contains(soc) && msg.contains("cannot compute an F32 matmul exactly")
                && msg.contains("matmulPrecision: high"), msg);
    }

    // ---- on the device ----

    private static Runtime open(MatmulPrecision p) {
        return Runtime.create(Config.builder().backend("cann").fallbackBackends(List.of())
                .opFallback(Config.OpFallback.ERROR).matmulPrecision(p).build());
    }

    private static float[] random(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextFloat() * 2 - 1;
        }
        return v;
    }

    /** Largest |got - exact| / sum_k |a_ik b_kj| over the outputs, with a float64 reference. */
    private static double worstError(float[] a, float[] b, float[] got) {
        double worst = 0;
        for (int i = 0; i < M; i++) {
            for (int j = 0; j < N; j++) {
                double sum = 0;
                double scale = 0;
                for (int k = 0; k < K; k++) {
                    sum += (double) a[i * K + k] * b[k * N + j];
                    scale += Math.abs((double) a[i * K + k] * b[k * N + j]);
                }
                worst = Math.max(worst, Math.abs(got[i * N + j] - sum) / scale);
            }
        }
        return worst;
    }

    /** b [K, N] row-major, transposed to [N, K] for linear's weight. */
    private static float[] transpose(float[] b) {
        float[] w = new float[N * K];
        for (int k = 0; k < K; k++) {
            for (int j = 0; j < N; j++) {
                w[j * K + k] = b[k * N + j];
            }
        }
        return w;
    }

    @Test
    void highRoundsF32InputsOnTheDeviceAndHighestDoesNot() {
        CannAssume.available();
        Random r = new Random(42);
        float[] a = random(r, M * K);
        float[] b = random(r, K * N);
        // F32 summation of K products: at most about (K + 1) roundings of the running sum
        double f32Bound = (K + 2) * F32_EPS;
        double hf32Bound = HF32_PRODUCT + f32Bound;

        for (MatmulPrecision p : MatmulPrecision.values()) {
            try (Runtime rt = open(p)) {
                assertEquals(p, rt.config().matmulPrecision());
                Ops ops = rt.ops();
                double mm;
                double lin;
                try (Tensor ta = ops.tensor(a, M, K); Tensor tb = ops.tensor(b, K, N);
                     Tensor tw = ops.tensor(transpose(b), N, K);
                     Tensor out = ops.matmul(ta, tb); Tensor viaLinear = ops.linear(ta, tw, null)) {
                    assertEquals("cann", out.device().backendId());
                    mm = worstError(a, b, out.toFloatArray());
                    lin = worstError(a, b, viaLinear.toFloatArray());
                }
                assertEquals(0, rt.device().allocator().stats().liveBytes(), "device bytes leaked");
                for (double err : new double[]{mm, lin}) {
                    if (p == MatmulPrecision.HIGHEST) {
                        assertTrue(err <= f32Bound, "highest must match to F32 accuracy: relative error " + err
                                + " > " + f32Bound);
                    } else {
                        assertTrue(err > f32Bound, "high must round the inputs on the device: relative error "
                                + err + " is within F32 rounding " + f32Bound);
                        assertTrue(err <= hf32Bound, "high must stay within HF32 tolerance: " + err + " > " + hf32Bound);
                    }
                }
            }
        }
    }

    @Test
    void halfPrecisionMatmulIsTheSameUnderBothSettings() {
        CannAssume.available();
        Random r = new Random(7);
        float[] a = random(r, M * K);
        float[] b = random(r, K * N);
        for (DType t : List.of(DType.F16, DType.BF16)) {
            float[][] got = new float[2][];
            for (MatmulPrecision p : MatmulPrecision.values()) {
                try (Runtime rt = open(p); Tensor ta0 = rt.ops().tensor(a, M, K); Tensor tb0 = rt.ops().tensor(b, K, N);
                     Tensor ta = ta0.cast(t); Tensor tb = tb0.cast(t); Tensor out = rt.ops().matmul(ta, tb)) {
                    got[p.ordinal()] = out.toFloatArray();
                }
            }
            for (int i = 0; i < got[0].length; i++) {
                assertEquals(Float.floatToRawIntBits(got[0][i]), Float.floatToRawIntBits(got[1][i]), t + " element " + i);
            }
        }
    }
}
