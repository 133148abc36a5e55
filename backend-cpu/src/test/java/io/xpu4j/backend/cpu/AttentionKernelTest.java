package io.xpu4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.xpu4j.api.Config;
import io.xpu4j.api.DType;
import io.xpu4j.api.FloatFormats;
import io.xpu4j.api.Ops;
import io.xpu4j.api.Runtime;
import io.xpu4j.api.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code attention} through {@link Ops#scaledDotProductAttention} against a float64 reference
 * computed here with naive loops (scores, max-subtracted softmax, weighted sum of v) from the
 * same dtype-rounded inputs: q, k, v uniform in [-1, 1] (q sometimes larger, for peaked
 * softmaxes).
 *
 * <p>Tolerance, for every output element, with {@code R = max |ref|} over the output:
 * F32 {@code 1e-5 · R + 1e-6 · sqrt(Sk)}; F16 {@code 2e-3 · R + 1e-6 · sqrt(Sk)}; BF16
 * {@code 1e-2 · R + 1e-6 · sqrt(Sk)}. Rows whose keys are all masked must be exactly 0.
 */
class AttentionKernelTest {
    private Runtime rt;
    private Ops ops;

    @BeforeEach
    void open() {
        rt = Runtime.create(Config.defaults());
        ops = rt.ops();
    }

    @AfterEach
    void close() {
        assertEquals(0, rt.device().allocator().stats().liveBytes(), "a test leaked device memory");
        rt.close();
    }

    // ------------------------------------------------------------------------------ helpers

    static double round(DType t, double x) {
        float f = (float) x;
        return switch (t) {
            case F32 -> f;
            case F16 -> Float.float16ToFloat(Float.floatToFloat16(f));
            case BF16 -> Float.intBitsToFloat(FloatFormats.floatToBf16(f) << 16);
            default -> throw new AssertionError(t);
        };
    }

    static double[] random(long seed, DType t, int n, double amplitude) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = round(t, amplitude * r.nextDouble(-1, 1));
        }
        return d;
    }

    static double[] read(Tensor t) {
        if (t.dtype() == DType.F32) {
            float[] f = t.toFloatArray();
            double[] d = new double[f.length];
            for (int i = 0; i < f.length; i++) {
                d[i] = f[i];
            }
            return d;
        }
        ByteBuffer bb = ByteBuffer.wrap(t.toByteArray()).order(ByteOrder.nativeOrder());
        double[] d = new double[Math.toIntExact(t.numel())];
        for (int i = 0; i < d.length; i++) {
            short s = bb.getShort(2 * i);
            d[i] = t.dtype() == DType.F16 ? Float.float16ToFloat(s) : Float.intBitsToFloat(s << 16);
        }
        return d;
    }

    /** Sizes of one case. */
    record Dims(int b, int hq, int hkv, int sq, int sk, int d, int dv) {
        int qCount() {
            return b * hq * sq * d;
        }

        int kCount() {
            return b * hkv * sk * d;
        }

        int vCount() {
            return b * hkv * sk * dv;
        }
    }

    /** A mask: its (broadcastable) shape and data in row-major order. */
    record Mask(long[] shape, double[] data) {
        double at(int b, int h, int i, int j) {
            int[] idx = {b, h, i, j};
            int off = 0;
            for (int d = 0; d < 4; d++) {
                off = off * (int) shape[d] + (shape[d] == 1 ? 0 : idx[d]);
            }
            return data[off];
        }
    }

    /** softmax(q·kᵀ·scale + mask, causal) · v in float64; an all-masked row is zeros. */
    static double[] reference(Dims x, double[] q, double[] k, double[] v, Mask mask, boolean causal, double scale) {
        double[] out = new double[x.b * x.hq * x.sq * x.dv];
        double[] s = new double[x.sk];
        int group = x.hq / x.hkv;
        for (int b = 0; b < x.b; b++) {
            for (int h = 0; h < x.hq; h++) {
                int kvh = h / group;
                for (int i = 0; i < x.sq; i++) {
                    int qo = ((b * x.hq + h) * x.sq + i) * x.d;
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < x.sk; j++) {
                        int ko = ((b * x.hkv + kvh) * x.sk + j) * x.d;
                        double dot = 0;
                        for (int c = 0; c < x.d; c++) {
                            dot += q[qo + c] * k[ko + c];
                        }
                        double sc = dot * scale + (mask == null ? 0 : mask.at(b, h, i, j));
                        if (causal && j > i + x.sk - x.sq) {
                            sc = Double.NEGATIVE_INFINITY;
                        }
                        s[j] = sc;
                        max = Math.max(max, sc);
                    }
                    int oo = ((b * x.hq + h) * x.sq + i) * x.dv;
                    if (max == Double.NEGATIVE_INFINITY) {
                        continue;
                    }
                    double sum = 0;
                    for (int j = 0; j < x.sk; j++) {
                        s[j] = Math.exp(s[j] - max);
                        sum += s[j];
                    }
                    for (int j = 0; j < x.sk; j++) {
                        int vo = ((b * x.hkv + kvh) * x.sk + j) * x.dv;
                        double p = s[j] / sum;
                        for (int c = 0; c < x.dv; c++) {
                            out[oo + c] += p * v[vo + c];
                        }
                    }
                }
            }
        }
        return out;
    }

    static double relTol(DType t) {
        return switch (t) {
            case F32 -> 1e-5;
            case F16 -> 2e-3;
            default -> 1e-2;
        };
    }

    /**
     * Runs one case and compares with the reference. {@code scale} NaN means the default
     * 1/sqrt(D). Returns the reference (for extra checks).
     */
    double[] check(String what, DType t, Dims x, double qAmp, Mask mask, boolean causal, double scale, long seed) {
        double[] q = random(seed, t, x.qCount(), qAmp);
        double[] k = random(seed + 1, t, x.kCount(), 1);
        double[] v = random(seed + 2, t, x.vCount(), 1);
        Mask m = mask == null ? null : new Mask(mask.shape, roundAll(t, mask.data));
        double sc = Double.isNaN(scale) ? 1.0 / Math.sqrt(x.d) : scale;
        double[] want = reference(x, q, k, v, m, causal, sc);
        try (Tensor tq = ops.tensor(t, q, x.b, x.hq, x.sq, x.d);
             Tensor tk = ops.tensor(t, k, x.b, x.hkv, x.sk, x.d);
             Tensor tv = ops.tensor(t, v, x.b, x.hkv, x.sk, x.dv);
             Tensor tm = m == null ? null : ops.tensor(t, m.data, m.shape);
             Tensor out = ops.scaledDotProductAttention(tq, tk, tv, tm, causal, scale)) {
            assertEquals(t, out.dtype());
            assertArrayEquals(new long[] {x.b, x.hq, x.sq, x.dv}, out.shape(), what + ": shape");
            double[] got = read(out);
            double max = 0;
            for (double w : want) {
                max = Math.max(max, Math.abs(w));
            }
            double tol = relTol(t) * max + 1e-6 * Math.sqrt(x.sk);
            for (int i = 0; i < want.length; i++) {
                if (!(Math.abs(got[i] - want[i]) <= tol)) {
                    int row = i / x.dv;
                    throw new AssertionError(what + " " + t + " " + x + ": element " + i + " (b,h,i = "
                            + row / (x.hq * x.sq) + "," + row / x.sq % x.hq + "," + row % x.sq + ") is " + got[i]
                            + ", want " + want[i] + " (tolerance " + tol + ")");
                }
            }
            return got;
        }
    }

    static double[] roundAll(DType t, double[] d) {
        double[] r = new double[d.length];
        for (int i = 0; i < d.length; i++) {
            r[i] = round(t, d[i]);
        }
        return r;
    }

    static Mask mask(long[] shape, ToDoubleFunction<int[]> value) {
        int n = 1;
        for (long s : shape) {
            n *= (int) s;
        }
        double[] d = new double[n];
        int[] idx = new int[4];
        for (int i = 0; i < n; i++) {
            int rem = i;
            for (int dd = 3; dd >= 0; dd--) {
                idx[dd] = rem % (int) shape[dd];
                rem /= (int) shape[dd];
            }
            d[i] = value.applyAsDouble(idx);
        }
        return new Mask(shape, d);
    }

    // ------------------------------------------------------------------------------ cases

    @Test
    void noMask() {
        check("small", DType.F32, new Dims(2, 3, 3, 37, 53, 24, 24), 1, null, false, Double.NaN, 1);
        check("several blocks", DType.F32, new Dims(1, 2, 2, 150, 200, 64, 64), 3, null, false, Double.NaN, 2);
        check("one key", DType.F32, new Dims(1, 2, 2, 7, 1, 16, 16), 1, null, false, Double.NaN, 3);
        check("explicit scale", DType.F32, new Dims(2, 2, 2, 20, 30, 32, 32), 1, null, false, 0.7, 4);
    }

    @Test
    void causal() {
        check("Sq == Sk", DType.F32, new Dims(1, 2, 2, 100, 100, 32, 32), 2, null, true, Double.NaN, 11);
        check("Sq < Sk", DType.F32, new Dims(2, 2, 2, 5, 77, 32, 32), 2, null, true, Double.NaN, 12);
        check("decode, Sq = 1", DType.F32, new Dims(2, 4, 4, 1, 200, 64, 64), 2, null, true, Double.NaN, 13);
        check("long", DType.F32, new Dims(1, 2, 2, 512, 512, 64, 64), 3, null, true, Double.NaN, 14);
        check("chunked prefill", DType.F32, new Dims(1, 3, 3, 70, 300, 48, 48), 2, null, true, Double.NaN, 15);
    }

    @Test
    void causalWithMoreQueriesThanKeysGivesZeroRows() {
        // query i sees keys j <= i - 6: queries 0..5 see nothing
        double[] got = check("Sq > Sk", DType.F32, new Dims(1, 2, 2, 10, 4, 8, 8), 1, null, true, Double.NaN, 21);
        for (int h = 0; h < 2; h++) {
            for (int i = 0; i < 6; i++) {
                for (int c = 0; c < 8; c++) {
                    assertEquals(0.0, got[(h * 10 + i) * 8 + c], "fully masked row " + h + "," + i);
                }
            }
        }
    }

    @Test
    void paddingMask() {
        int[] valid = {70, 33};
        for (double neg : new double[] {Double.NEGATIVE_INFINITY, -1e9}) {
            Mask m = mask(new long[] {2, 1, 1, 70}, idx -> idx[3] < valid[idx[0]] ? 0 : neg);
            check("padding " + neg, DType.F32, new Dims(2, 2, 2, 9, 70, 32, 32), 2, m, false, Double.NaN, 31);
            check("padding + causal " + neg, DType.F32, new Dims(2, 2, 2, 9, 70, 32, 32), 2, m, true, Double.NaN, 32);
            check("padding, decode " + neg, DType.F32, new Dims(2, 2, 2, 1, 70, 32, 32), 2, m, false, Double.NaN, 33);
        }
    }

    @Test
    void fullMaskWithFullyMaskedRow() {
        Dims x = new Dims(2, 3, 3, 11, 40, 16, 16);
        SplittableRandom r = new SplittableRandom(41);
        double[] noise = new double[2 * 3 * 11 * 40];
        for (int i = 0; i < noise.length; i++) {
            noise[i] = r.nextInt(5) == 0 ? Double.NEGATIVE_INFINITY : r.nextDouble(-2, 2);
        }
        // row (b=1, h=2, i=4) has every key masked
        Mask m = mask(new long[] {2, 3, 11, 40}, idx -> idx[0] == 1 && idx[1] == 2 && idx[2] == 4
                ? Double.NEGATIVE_INFINITY : noise[((idx[0] * 3 + idx[1]) * 11 + idx[2]) * 40 + idx[3]]);
        for (boolean causal : new boolean[] {false, true}) {
            double[] got = check("full mask causal=" + causal, DType.F32, x, 2, m, causal, Double.NaN, 42);
            for (int c = 0; c < 16; c++) {
                assertEquals(0.0, got[((3 + 2) * 11 + 4) * 16 + c], "fully masked row");
            }
        }
        // a per-head mask broadcast over batch and queries: [1, H, 1, Sk]
        Mask perHead = mask(new long[] {1, 3, 1, 40}, idx -> idx[3] % (idx[1] + 2) == 0 ? Double.NEGATIVE_INFINITY : 0.5 * idx[1]);
        check("per-head mask", DType.F32, x, 2, perHead, false, Double.NaN, 43);
    }

    @Test
    void groupedQueryAttention() {
        check("GQA decode", DType.F32, new Dims(2, 8, 2, 1, 130, 64, 64), 2, null, true, Double.NaN, 51);
        check("GQA 3 queries", DType.F32, new Dims(1, 8, 2, 3, 90, 32, 32), 2, null, true, Double.NaN, 52);
        check("GQA prefill", DType.F32, new Dims(1, 8, 2, 20, 20, 32, 32), 2, null, true, Double.NaN, 53);
        check("MQA", DType.F32, new Dims(2, 4, 1, 17, 40, 16, 16), 2, null, false, Double.NaN, 54);
        Mask m = mask(new long[] {1, 8, 1, 50}, idx -> idx[3] > 40 + idx[1] ? Double.NEGATIVE_INFINITY : 0);
        check("GQA with per-head mask", DType.F32, new Dims(1, 8, 2, 5, 50, 16, 16), 2, m, false, Double.NaN, 55);
    }

    @Test
    void valueDimDiffersFromKeyDim() {
        check("D 40, Dv 24", DType.F32, new Dims(1, 2, 2, 30, 45, 40, 24), 2, null, false, Double.NaN, 61);
        check("D 16, Dv 72", DType.F32, new Dims(1, 2, 2, 30, 45, 16, 72), 2, null, true, Double.NaN, 62);
        check("D 5, Dv 3", DType.F32, new Dims(2, 2, 1, 9, 13, 5, 3), 2, null, false, Double.NaN, 63);
        check("D 5, Dv 3 decode", DType.F32, new Dims(2, 2, 1, 1, 13, 5, 3), 2, null, false, Double.NaN, 64);
    }

    @Test
    void splitKeysForFewLongRows() {
        // one block of rows: the keys are split between tasks and merged
        check("one row", DType.F32, new Dims(1, 1, 1, 1, 1000, 64, 64), 3, null, false, Double.NaN, 71);
        check("one row causal", DType.F32, new Dims(1, 1, 1, 1, 777, 32, 48), 3, null, true, Double.NaN, 72);
        check("GQA group of 2", DType.F32, new Dims(1, 2, 1, 2, 900, 32, 32), 3, null, true, Double.NaN, 73);
        Mask m = mask(new long[] {1, 1, 1, 1000}, idx -> idx[3] < 600 ? Double.NEGATIVE_INFINITY : 0);
        check("masked early keys", DType.F32, new Dims(1, 1, 1, 1, 1000, 32, 32), 3, m, false, Double.NaN, 74);
        Mask all = mask(new long[] {1, 1, 1, 1000}, idx -> Double.NEGATIVE_INFINITY);
        double[] got = check("all masked", DType.F32, new Dims(1, 1, 1, 1, 1000, 16, 16), 1, all, false, Double.NaN, 75);
        assertArrayEquals(new double[16], got);
    }

    @Test
    void noKeys() {
        try (Tensor q = ops.ones(DType.F32, 1, 2, 3, 8); Tensor k = ops.zeros(DType.F32, 1, 2, 0, 8);
             Tensor v = ops.zeros(DType.F32, 1, 2, 0, 4);
             Tensor out = ops.scaledDotProductAttention(q, k, v, null, false, Double.NaN)) {
            assertArrayEquals(new long[] {1, 2, 3, 4}, out.shape());
            assertArrayEquals(new double[24], read(out));
        }
    }

    @Test
    void halfPrecision() {
        for (DType t : new DType[] {DType.F16, DType.BF16}) {
            check("no mask", t, new Dims(2, 2, 2, 37, 53, 24, 24), 2, null, false, Double.NaN, 81);
            check("causal", t, new Dims(1, 2, 2, 80, 80, 64, 64), 2, null, true, Double.NaN, 82);
            check("GQA decode", t, new Dims(1, 8, 2, 1, 100, 32, 32), 2, null, true, Double.NaN, 83);
            Mask m = mask(new long[] {2, 1, 1, 53}, idx -> idx[3] < 40 - 10 * idx[0] ? 0 : -1e9);
            check("padding mask", t, new Dims(2, 2, 2, 7, 53, 24, 16), 2, m, false, Double.NaN, 84);
            check("split keys", t, new Dims(1, 1, 1, 1, 600, 32, 32), 2, null, false, Double.NaN, 85);
        }
    }

    /** The vectorised contiguous F16/BF16 load converts every pattern exactly like FloatFormats (NaN payloads may differ). */
    @Test
    void halfLoadsConvertEveryPatternExactly() {
        int n = 65536 + 5;   // a tail that is not a whole vector
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(2L * n + 2);
            for (int i = 0; i < n; i++) {
                s.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i + 1, (short) i);
            }
            for (DType t : new DType[] {DType.F16, DType.BF16}) {
                float[] want = new float[n];
                float[] got = new float[n + 3];
                for (int i = 0; i < n; i++) {
                    want[i] = t == DType.F16 ? FloatFormats.halfToFloat((short) i) : FloatFormats.bf16ToFloat((short) i);
                }
                Rows.load(s, t, 1, 1, n, got, 3);
                for (int i = 0; i < n; i++) {
                    boolean same = Float.isNaN(want[i]) ? Float.isNaN(got[i + 3])
                            : Float.floatToRawIntBits(want[i]) == Float.floatToRawIntBits(got[i + 3]);
                    if (!same) {
                        throw new AssertionError(t + " pattern 0x" + Integer.toHexString(i & 0xffff) + ": got "
                                + got[i + 3] + ", want " + want[i]);
                    }
                }
            }
        }
    }
}
