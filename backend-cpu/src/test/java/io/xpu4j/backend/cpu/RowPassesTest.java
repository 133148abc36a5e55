package io.xpu4j.backend.cpu;

import io.xpu4j.api.DType;
import io.xpu4j.api.Ops;
import io.xpu4j.api.Tensor;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static io.xpu4j.backend.cpu.ReduceKernelsTest.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The last-axis row passes ({@link RowPasses}) behind softmax, log_softmax, layer_norm and
 * rms_norm: the exponential on its own against {@link Math#exp}, and the kernels through
 * {@link Ops} at row lengths around the vector width and the summation block (tails only, one
 * vector, a vector and a tail, several blocks) against float64 references.
 *
 * <p>Tolerances: the exponential within 2 float32 ulp of e^x (a float32 result correctly rounded
 * is within 0.5); kernels F32 {@code |got - ref| <= 2e-5·(|ref| + f)} with f = 0.01 for softmax
 * and 1 for the rest (as in NnKernelsTest), F16/BF16 plus one ulp of the format for the store.
 */
class RowPassesTest extends CpuRuntimeTest {
    private static final int[] LENGTHS = {1, 2, 7, 8, 9, 15, 16, 17, 31, 33, 65, 2047, 2048, 2049, 4097};
    private static final DType[] FLOATS = {DType.F32, DType.F16, DType.BF16};

    @Test
    void expOfNonPositiveArgumentsIsWithinTwoUlp() {
        int n = (1 << 20) + 5;   // a scalar tail too
        float[] x = new float[n];
        SplittableRandom r = new SplittableRandom(5);
        for (int i = 0; i < n; i++) {
            // half uniform over the whole normal range, half near 0 where e^x ~ 1
            x[i] = i % 2 == 0 ? (float) (RowPasses.EXP_FLUSH * r.nextDouble()) : (float) (-r.nextDouble() * 1e-3);
        }
        float[] e = new float[n];
        double sum = RowPasses.expSum(x, e, n, 0f);
        double want = 0;
        for (int i = 0; i < n; i++) {
            double ref = Math.exp(x[i]);
            want += ref;
            double ulp = Math.ulp((float) ref);
            if (!(Math.abs(e[i] - ref) <= 2 * ulp)) {
                fail("exp(" + x[i] + "): want " + ref + " got " + e[i] + " (" + Math.abs(e[i] - ref) / ulp + " ulp)");
            }
        }
        assertEquals(want, sum, 1e-6 * want, "sum of the exponentials");
        // the shift by m, in place: e^(x - 2) into x itself
        float[] y = {0f, -1f, -2.5f, 1.5f, 2f, -30f, 0.25f, -0.5f, 1f};
        float[] y0 = y.clone();
        RowPasses.expSum(y, y, y.length, 2f);
        for (int i = 0; i < y.length; i++) {
            double ref = Math.exp(y0[i] - 2.0);
            assertEquals(ref, y[i], 2 * Math.ulp((float) ref), "exp(" + y0[i] + " - 2)");
        }
        // flushed, -Inf and NaN arguments: below the flush limit +0, NaN stays NaN; 8 + 1
        // elements so that both the vector loop (256-bit vectors) and the scalar tail see each kind
        float[] special = {-87.4f, -100f, Float.NEGATIVE_INFINITY, Float.NaN, -0f, -1e-30f, -87.3f, -3f, Float.NaN};
        float[] got = new float[special.length];
        RowPasses.expSum(special, got, special.length, 0f);
        for (int i = 0; i < special.length; i++) {
            if (Float.isNaN(special[i])) {
                assertTrue(Float.isNaN(got[i]), "exp(NaN) must be NaN, got " + got[i]);
            } else if (special[i] < RowPasses.EXP_FLUSH) {
                assertTrue(got[i] >= 0 && got[i] <= 0x1p-126f, "exp(" + special[i] + ") = " + got[i]);
            } else {
                double ref = Math.exp(special[i]);
                assertEquals(ref, got[i], 2 * Math.ulp((float) ref), "exp(" + special[i] + ")");
            }
        }
    }

    @Test
    void softmaxAtEveryRowLength() {
        for (DType t : FLOATS) {
            for (int d : LENGTHS) {
                int rows = d < 64 ? 5 : 3;
                // a spread of 200: many x - max fall below the exponential's flush limit
                Tensor x = ops.tensor(t, uniform(d, rows * d, -100, 100), rows, d);
                double[] v = values(x);
                for (boolean log : new boolean[]{false, true}) {
                    double[] want = new double[v.length];
                    for (int r = 0; r < rows; r++) {
                        double m = Double.NEGATIVE_INFINITY;
                        for (int i = 0; i < d; i++) {
                            m = Math.max(m, v[r * d + i]);
                        }
                        double s = 0;
                        for (int i = 0; i < d; i++) {
                            s += Math.exp(v[r * d + i] - m);
                        }
                        for (int i = 0; i < d; i++) {
                            double z = v[r * d + i] - m;
                            want[r * d + i] = log ? z - Math.log(s) : Math.exp(z) / s;
                        }
                    }
                    try (Tensor out = log ? ops.logSoftmax(x, -1) : ops.softmax(x, -1)) {
                        compare((log ? "log_softmax" : "softmax") + " of " + x.describe(), t, want, values(out),
                                log ? 1 : 0.01);
                    }
                }
            }
        }
    }

    /**
     * F32 softmax over many rows (split between threads, each row through the fused copy-in and
     * copy-out passes) gives the same bits as each row on its own, masked (-Inf) entries and NaN
     * rows included: no row depends on where it falls in the batch.
     */
    @Test
    void softmaxOverManyRowsMatchesEachRowAloneBitForBit() {
        int rows = 9;
        for (int d : new int[]{1, 7, 8, 33, 2049, 4100}) {
            double[] v = uniform(3 * d + 1, rows * d, -30, 30);
            v[2 * d] = Double.NEGATIVE_INFINITY;            // row 2: one masked entry
            v[4 * d + d / 2] = Double.NaN;                  // row 4: a NaN
            for (int i = 0; i < d; i++) {                   // row 6: all masked but one
                v[6 * d + i] = i == d - 1 ? 0.5 : Double.NEGATIVE_INFINITY;
            }
            Tensor x = ops.tensor(DType.F32, v, rows, d);
            float[] all = ops.softmax(x, -1).toFloatArray();
            for (int r = 0; r < rows; r++) {
                double[] row = java.util.Arrays.copyOfRange(v, r * d, (r + 1) * d);
                float[] alone = ops.softmax(ops.tensor(DType.F32, row, 1, d), -1).toFloatArray();
                for (int i = 0; i < d; i++) {
                    if (Float.floatToIntBits(alone[i]) != Float.floatToIntBits(all[r * d + i])) {
                        fail("d=" + d + " row " + r + " element " + i + ": alone " + alone[i] + ", in the batch "
                                + all[r * d + i]);
                    }
                }
            }
            if (d > 1) {
                assertEquals(0f, all[6 * d], "a masked entry is exactly 0");
            }
            assertEquals(1f, all[6 * d + d - 1], "the one unmasked entry of row 6");
        }
    }

    /**
     * F32 rms_norm and layer_norm with a weight compute each row's output in the same loop as the
     * next row's statistic, so rows are carried from one pass to the next: every row of a batch
     * (split between threads at these sizes) must still come out with the bits it has alone.
     */
    @Test
    void normsOverManyRowsMatchEachRowAloneBitForBit() {
        int rows = 37;
        for (int d : new int[]{1, 7, 16, 33, 2049, 4100}) {
            double[] v = uniform(5 * d + 3, rows * d, -3, 3);
            for (int i = 0; i < d; i++) {
                v[3 * d + i] *= 1000;                      // row 3: a much larger scale than its neighbours
            }
            v[5 * d + d / 2] = Double.NaN;                  // row 5: a NaN, which must stay in its row
            Tensor x = ops.tensor(DType.F32, v, rows, d);
            Tensor w = ops.tensor(DType.F32, uniform(d + 9, d, 0.5, 1.5), d);
            Tensor b = ops.tensor(DType.F32, uniform(d + 10, d, -1, 1), d);
            for (int kind = 0; kind < 3; kind++) {
                String what = kind == 0 ? "rms_norm" : kind == 1 ? "layer_norm with weight" : "layer_norm with weight and bias";
                float[] all = norm(kind, x, w, b).toFloatArray();
                for (int r = 0; r < rows; r++) {
                    double[] row = java.util.Arrays.copyOfRange(v, r * d, (r + 1) * d);
                    float[] alone = norm(kind, ops.tensor(DType.F32, row, 1, d), w, b).toFloatArray();
                    for (int i = 0; i < d; i++) {
                        if (Float.floatToIntBits(alone[i]) != Float.floatToIntBits(all[r * d + i])) {
                            fail(what + " d=" + d + " row " + r + " element " + i + ": alone " + alone[i]
                                    + ", in the batch " + all[r * d + i]);
                        }
                    }
                    // a constant row (d = 1) normalises to 0·(1/sqrt(eps)), finite; only row 5 has a NaN
                    if (r != 5) {
                        for (int i = 0; i < d; i++) {
                            assertTrue(Float.isFinite(all[r * d + i]), what + " d=" + d + " row " + r + " element " + i);
                        }
                    }
                }
            }
        }
    }

    private Tensor norm(int kind, Tensor x, Tensor w, Tensor b) {
        return kind == 0 ? ops.rmsNorm(x, w, 1e-5) : ops.layerNorm(x, w, kind == 2 ? b : null, 1e-5);
    }

    @Test
    void softmaxRowWithNanOrInfinityIsNan() {
        for (int d : new int[]{5, 8, 21}) {
            double[] v = uniform(d, 3 * d, -2, 2);
            v[d + d / 2] = Double.NaN;                      // row 1: a NaN
            v[2 * d + d - 1] = Double.POSITIVE_INFINITY;    // row 2: +Inf, so Inf - Inf
            Tensor x = ops.tensor(DType.F32, v, 3, d);
            float[] p = ops.softmax(x, -1).toFloatArray();
            float[] lp = ops.logSoftmax(x, -1).toFloatArray();
            double s = 0;
            for (int i = 0; i < d; i++) {
                assertTrue(Float.isFinite(p[i]) && p[i] > 0, "row 0 element " + i + ": " + p[i]);
                s += p[i];
            }
            assertEquals(1, s, 1e-5);
            for (int i = d; i < 3 * d; i++) {
                assertTrue(Float.isNaN(p[i]) && Float.isNaN(lp[i]), "d=" + d + " element " + i + ": " + p[i] + ", " + lp[i]);
            }
        }
    }

    @Test
    void normsAtEveryRowLength() {
        double eps = 1e-5;
        for (DType t : FLOATS) {
            for (int d : LENGTHS) {
                int rows = d < 64 ? 5 : 3;
                // a mean of 20 against a spread of 2: centring matters, and cancels
                Tensor x = ops.tensor(t, uniform(d, rows * d, 18, 22), rows, d);
                Tensor w = ops.tensor(t, uniform(d + 1, d, 0.5, 1.5), d);
                Tensor b = ops.tensor(t, uniform(d + 2, d, -1, 1), d);
                double[] xv = values(x);
                double[] wv = values(w);
                double[] bv = values(b);
                for (int mask = 0; mask < 4; mask++) {
                    Tensor wt = (mask & 1) != 0 ? w : null;
                    Tensor bt = (mask & 2) != 0 ? b : null;
                    double[] want = NnKernelsTest.layerNormReference(xv, d, wt != null ? wv : null, bt != null ? bv : null, eps);
                    try (Tensor out = ops.layerNorm(x, wt, bt, eps)) {
                        compare("layer_norm mask " + mask + " of " + x.describe(), t, want, values(out), 1);
                    }
                }
                double[] want = new double[xv.length];
                for (int r = 0; r < rows; r++) {
                    double ms = 0;
                    for (int i = 0; i < d; i++) {
                        ms += xv[r * d + i] * xv[r * d + i];
                    }
                    ms /= d;
                    for (int i = 0; i < d; i++) {
                        want[r * d + i] = xv[r * d + i] / Math.sqrt(ms + eps) * wv[i];
                    }
                }
                try (Tensor out = ops.rmsNorm(x, w, eps)) {
                    compare("rms_norm of " + x.describe(), t, want, values(out), 1);
                }
            }
        }
    }

    private static void compare(String what, DType t, double[] want, double[] got, double floor) {
        assertEquals(want.length, got.length, what + ": length");
        double ulp = t == DType.F16 ? Math.scalb(1.0, -10) : t == DType.BF16 ? Math.scalb(1.0, -7) : 0;
        for (int i = 0; i < want.length; i++) {
            double tol = 2e-5 * (Math.abs(want[i]) + floor) + ulp * Math.abs(want[i]);
            if (!(Math.abs(got[i] - want[i]) <= tol)) {
                fail(what + " element " + i + ": want " + want[i] + " got " + got[i] + " (|diff| "
                        + Math.abs(got[i] - want[i]) + " > " + tol + ")");
            }
        }
    }

    private static double[] uniform(long seed, int n, double lo, double hi) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = lo + (hi - lo) * r.nextDouble();
        }
        return d;
    }
}
