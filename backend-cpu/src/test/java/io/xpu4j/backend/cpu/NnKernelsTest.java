package io.xpu4j.backend.cpu;

import io.xpu4j.api.DType;
import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.Ops;
import io.xpu4j.api.RopeLayout;
import io.xpu4j.api.Tensor;
import io.xpu4j.api.XpuException;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.SplittableRandom;

import static io.xpu4j.backend.cpu.ReduceKernelsTest.logical;
import static io.xpu4j.backend.cpu.ReduceKernelsTest.values;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code softmax log_softmax layer_norm rms_norm embedding rope} through {@link Ops} against
 * float64 references computed here from the dtype-rounded inputs.
 *
 * <p>Tolerances ({@code ref} the float64 value): F32 {@code |got - ref| <= 2e-5·(|ref| + f)},
 * where {@code f} is 0.01 for softmax (whose values are at most 1, so the bound is mostly
 * relative) and 1 elsewhere (outputs of order 1, where the float32 rounding of the shift —
 * max, mean — is an absolute error); F16 adds one F16 ulp ({@code 2^-10·|ref|}) and BF16 one
 * BF16 ulp ({@code 2^-7·|ref|}) for the rounding on store. Embedding is bit-exact.
 */
class NnKernelsTest extends CpuRuntimeTest {

    private static final DType[] FLOATS = {DType.F32, DType.F16, DType.BF16};

    // ================================ softmax ===================================================

    @Test
    void softmaxAlongEveryAxis() {
        for (DType t : FLOATS) {
            long[][] shapes = {{5, 37}, {4, 6, 35}, {3, 4, 600}, {2, 3000}, {7}};
            for (int si = 0; si < shapes.length; si++) {
                long[] shape = shapes[si];
                Tensor x = ops.tensor(t, normal(20 + si, numel(shape), 0, 4), shape);
                double[] v = values(x);
                for (int axis = -1; axis < shape.length; axis++) {
                    for (boolean log : new boolean[]{false, true}) {
                        checkSoftmax(x, v, axis, log);
                    }
                }
            }
        }
        // large magnitudes: without the max shift exp would overflow
        Tensor big = ops.tensor(DType.F32, normal(30, 64 * 50, 0, 300), 64, 50);
        double[] bv = values(big);
        checkSoftmax(big, bv, 1, false);
        checkSoftmax(big, bv, 1, true);
        checkSoftmax(big, bv, 0, true);
        // a non-contiguous input (Ops makes it contiguous first)
        try (Tensor tr = big.transpose(0, 1)) {
            double[] tv = logical(tr, bv);
            checkSoftmax(tr, tv, 1, false);
            checkSoftmax(tr, tv, 0, true);
        }
    }

    @Test
    void softmaxEdgeRows() {
        double inf = Double.POSITIVE_INFINITY;
        // row 0 all -Inf (NaN, as torch); row 1 partly -Inf (those get 0 / -Inf); row 2 one element
        double[] d = {-inf, -inf, -inf, -inf, 1, -inf, 2, -inf};
        for (DType t : FLOATS) {
            Tensor x = ops.tensor(t, d, 2, 4);
            double[] p = values(ops.softmax(x, -1));
            double[] lp = values(ops.logSoftmax(x, -1));
            for (int j = 0; j < 4; j++) {
                assertTrue(Double.isNaN(p[j]) && Double.isNaN(lp[j]), t + " all -Inf row must be NaN");
            }
            double e = Math.exp(-1);
            assertEquals(e / (1 + e), p[4], 1e-2);
            assertEquals(0, p[5]);
            assertEquals(1 / (1 + e), p[6], 1e-2);
            assertEquals(-inf, lp[5]);
            // the same along a strided axis
            try (Tensor tr = x.transpose(0, 1); Tensor c = ops.contiguous(tr)) {
                double[] q = values(ops.softmax(c, 0));
                assertTrue(Double.isNaN(q[0]) && Double.isNaN(q[2]) && q[3] == 0, Arrays.toString(q));
            }
            Tensor one = ops.tensor(t, new double[]{3.5}, 1);
            assertArrayEquals(new double[]{1}, values(ops.softmax(one, 0)));
            assertArrayEquals(new double[]{0}, values(ops.logSoftmax(one, 0)));
        }
        // rank 0: a single element
        Tensor s = ops.scalar(DType.F32, -7);
        Tensor p = ops.softmax(s, 0);
        assertEquals(0, p.rank());
        assertEquals(1, p.item());
        assertEquals(0, ops.logSoftmax(s, 0).item());
        // size-1 axis among others
        Tensor x = ops.tensor(DType.F32, normal(31, 6, 0, 1), 2, 1, 3);
        assertArrayEquals(new float[]{1, 1, 1, 1, 1, 1}, ops.softmax(x, 1).toFloatArray());
    }

    private void checkSoftmax(Tensor x, double[] v, int axis, boolean log) {
        long[] shape = x.shape();
        int a = axis < 0 ? axis + shape.length : axis;
        long n = shape[a];
        long inner = 1;
        for (int d = a + 1; d < shape.length; d++) {
            inner *= shape[d];
        }
        long outer = v.length / (n * inner);
        double[] want = new double[v.length];
        for (long o = 0; o < outer; o++) {
            for (long j = 0; j < inner; j++) {
                double m = Double.NEGATIVE_INFINITY;
                for (long k = 0; k < n; k++) {
                    m = Math.max(m, v[(int) ((o * n + k) * inner + j)]);
                }
                double s = 0;
                for (long k = 0; k < n; k++) {
                    s += Math.exp(v[(int) ((o * n + k) * inner + j)] - m);
                }
                for (long k = 0; k < n; k++) {
                    int i = (int) ((o * n + k) * inner + j);
                    want[i] = log ? v[i] - m - Math.log(s) : Math.exp(v[i] - m) / s;
                }
            }
        }
        try (Tensor out = log ? ops.logSoftmax(x, axis) : ops.softmax(x, axis)) {
            assertArrayEquals(shape, out.shape());
            compare((log ? "log_softmax" : "softmax") + " axis " + axis + " of " + x.describe(),
                    x.dtype(), want, values(out), log ? 1 : 0.01);
        }
    }

    // ================================ norms =====================================================

    @Test
    void layerNormAndRmsNorm() {
        for (DType t : FLOATS) {
            long[][] shapes = {{6, 77}, {2, 3, 256}, {1000}, {5, 1}};
            for (int si = 0; si < shapes.length; si++) {
                long[] shape = shapes[si];
                int d = (int) shape[shape.length - 1];
                // a large mean against a small spread: a one-pass variance would cancel badly
                Tensor x = ops.tensor(t, normal(40 + si, numel(shape), si == 0 ? 10 : 0.5, si == 0 ? 0.1 : 2), shape);
                Tensor w = ops.tensor(t, normal(50 + si, d, 1, 0.5), d);
                Tensor b = ops.tensor(t, normal(60 + si, d, 0, 1), d);
                double[] xv = values(x);
                double[] wv = values(w);
                double[] bv = values(b);
                for (int mask = 0; mask < 4; mask++) {
                    Tensor wt = (mask & 1) != 0 ? w : null;
                    Tensor bt = (mask & 2) != 0 ? b : null;
                    double eps = 1e-5;
                    double[] want = NnKernelsTest.layerNormReference(xv, d, wt != null ? wv : null, bt != null ? bv : null, eps);
                    try (Tensor out = ops.layerNorm(x, wt, bt, eps)) {
                        compare("layer_norm mask " + mask + " of " + x.describe(), t, want, values(out), 1);
                    }
                }
                double eps = 1e-6;
                double[] want = new double[xv.length];
                for (int r = 0; r < xv.length / d; r++) {
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
        // a constant row has x - mean = 0 everywhere
        Tensor c = ops.tensor(DType.F32, new double[]{4, 4, 4, 4}, 1, 4);
        assertArrayEquals(new float[]{0, 0, 0, 0}, ops.layerNorm(c, null, null, 1e-5).toFloatArray());
        // rows many enough to be split across threads
        Tensor many = ops.tensor(DType.F32, normal(70, 4096 * 64, 1, 3), 4096, 64);
        Tensor w = ops.ones(DType.F32, 64);
        float[] y = ops.rmsNorm(many, w, 0).toFloatArray();
        double[] mv = values(many);
        for (int r = 0; r < 4096; r += 511) {
            double ms = 0;
            for (int i = 0; i < 64; i++) {
                ms += mv[r * 64 + i] * mv[r * 64 + i];
            }
            double rs = 1 / Math.sqrt(ms / 64);
            for (int i = 0; i < 64; i++) {
                assertEquals(mv[r * 64 + i] * rs, y[r * 64 + i], 2e-5 * (1 + Math.abs(mv[r * 64 + i] * rs)));
            }
        }
    }

    // ================================ embedding =================================================

    @Test
    void embeddingCopiesRowsOfEveryDType() {
        SplittableRandom r = new SplittableRandom(80);
        int vocab = 10;
        int dim = 7;
        for (DType t : DType.values()) {
            byte[] wb = new byte[vocab * dim * t.byteSize()];
            for (int i = 0; i < wb.length; i++) {
                wb[i] = (byte) r.nextInt(256);
            }
            Tensor w = ops.fromSegment(MemorySegment.ofArray(wb), t, vocab, dim);
            int rowBytes = dim * t.byteSize();
            int[] ids32 = {3, 0, 9, 3, 7, 1};
            long[] ids64 = {9, 2, 2, 0};
            Tensor i32 = ops.tensor(ids32, 2, 3);
            Tensor i64 = ops.tensor(ids64, 4);
            Tensor[] outs = {ops.embedding(w, i32), ops.embedding(w, i64)};
            long[][] idLists = {Arrays.stream(ids32).asLongStream().toArray(), ids64};
            assertArrayEquals(new long[]{2, 3, dim}, outs[0].shape());
            assertArrayEquals(new long[]{4, dim}, outs[1].shape());
            for (int k = 0; k < 2; k++) {
                assertEquals(t, outs[k].dtype());
                byte[] got = outs[k].toByteArray();
                for (int p = 0; p < idLists[k].length; p++) {
                    byte[] want = Arrays.copyOfRange(wb, (int) idLists[k][p] * rowBytes, (int) (idLists[k][p] + 1) * rowBytes);
                    assertArrayEquals(want, Arrays.copyOfRange(got, p * rowBytes, (p + 1) * rowBytes), t + " row " + p);
                }
            }
        }
        // rank-0 ids give one row; a transposed weight is made contiguous by Ops first
        Tensor w = ops.tensor(DType.F32, normal(81, 12, 0, 1), 3, 4);
        double[] wv = values(w);
        try (Tensor wt = w.transpose(0, 1)) {
            double[] tv = logical(wt, wv);
            Tensor row = ops.embedding(wt, ops.tensor(new long[]{2}));
            assertArrayEquals(new long[]{3}, row.shape());
            assertArrayEquals(Arrays.copyOfRange(tv, 6, 9), values(row));
        }
        // many ids, split across threads
        int n = 50000;
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) {
            ids[i] = r.nextInt(3);
        }
        double[] got = values(ops.embedding(w, ops.tensor(ids, n)));
        for (int i = 0; i < n; i += 997) {
            assertArrayEquals(Arrays.copyOfRange(wv, (int) ids[i] * 4, (int) ids[i] * 4 + 4), Arrays.copyOfRange(got, i * 4, i * 4 + 4));
        }
    }

    @Test
    void embeddingRejectsIdsOutsideTheVocabulary() {
        Tensor w = ops.zeros(DType.F32, 10, 4);
        Tensor bad = ops.tensor(new int[]{1, 2, 3, 4, 5, 10}, 2, 3);
        XpuException e = assertThrows(XpuException.class, () -> ops.embedding(w, bad));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
        for (String m : new String[]{"id 10", "[1, 2]", "[0, 10)"}) {
            assertTrue(e.getMessage().contains(m), "message should mention '" + m + "': " + e.getMessage());
        }
        Tensor neg = ops.tensor(new long[]{0, -1}, 2);
        XpuException e2 = assertThrows(XpuException.class, () -> ops.embedding(w, neg));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e2.code());
        assertTrue(e2.getMessage().contains("id -1") && e2.getMessage().contains("[1]"), e2.getMessage());
    }

    // ================================ rope ======================================================

    @Test
    void ropeInterleavedHandWorked() {
        // one pair (x1, x2) = (1, 2) rotated by 30 degrees
        float c = (float) Math.cos(Math.PI / 6);
        float s = (float) Math.sin(Math.PI / 6);
        Tensor x = ops.tensor(new float[]{1, 2}, 1, 2);
        Tensor cos = ops.tensor(new float[]{c}, 1, 1);
        Tensor sin = ops.tensor(new float[]{s}, 1, 1);
        float[] got = ops.rope(x, cos, sin, RopeLayout.INTERLEAVED).toFloatArray();
        assertEquals(1 * (double) c - 2 * (double) s, got[0], 1e-6);   // x1·c − x2·s ≈ -0.1340
        assertEquals(1 * (double) s + 2 * (double) c, got[1], 1e-6);   // x1·s + x2·c ≈ 2.2321
        assertEquals(-0.1339746, got[0], 1e-6);
        assertEquals(2.2320508, got[1], 1e-6);
        // half_split pairs x[i] with x[i + D/2]: (1, 3) by 30 degrees and (2, 4) by 90 degrees
        Tensor x4 = ops.tensor(new float[]{1, 2, 3, 4}, 1, 4);
        Tensor c2 = ops.tensor(new float[]{c, 0}, 1, 2);
        Tensor s2 = ops.tensor(new float[]{s, 1}, 1, 2);
        float[] h = ops.rope(x4, c2, s2, RopeLayout.HALF_SPLIT).toFloatArray();
        assertArrayEquals(new float[]{c - 3 * s, -4, s + 3 * c, 2}, h, 1e-6f);
    }

    @Test
    void ropeRandom() {
        for (DType t : FLOATS) {
            long[][] shapes = {{2, 3, 5, 38}, {7, 64}, {1, 2, 9, 2}};
            for (int si = 0; si < shapes.length; si++) {
                long[] shape = shapes[si];
                int d = (int) shape[shape.length - 1];
                int seq = (int) shape[shape.length - 2];
                Tensor x = ops.tensor(t, normal(90 + si, numel(shape), 0, 1), shape);
                Tensor[] tables = ops.ropeTables(3, seq, d, 10000);
                double[] xv = values(x);
                double[] cv = values(tables[0]);
                double[] sv = values(tables[1]);
                for (RopeLayout layout : RopeLayout.values()) {
                    boolean inter = layout == RopeLayout.INTERLEAVED;
                    double[] want = new double[xv.length];
                    int h = d / 2;
                    for (int row = 0; row < xv.length / d; row++) {
                        int s = row % seq;
                        for (int i = 0; i < h; i++) {
                            int i1 = row * d + (inter ? 2 * i : i);
                            int i2 = row * d + (inter ? 2 * i + 1 : i + h);
                            double c = cv[s * h + i];
                            double sn = sv[s * h + i];
                            want[i1] = xv[i1] * c - xv[i2] * sn;
                            want[i2] = xv[i1] * sn + xv[i2] * c;
                        }
                    }
                    try (Tensor out = ops.rope(x, tables[0], tables[1], layout)) {
                        assertArrayEquals(shape, out.shape());
                        compare("rope " + layout + " of " + x.describe(), t, want, values(out), 1);
                    }
                }
            }
        }
    }

    // ================================ helpers ===================================================

    private static void compare(String what, DType t, double[] want, double[] got, double floor) {
        assertEquals(want.length, got.length, what + ": length");
        double ulp = t == DType.F16 ? Math.scalb(1.0, -10) : t == DType.BF16 ? Math.scalb(1.0, -7) : 0;
        for (int i = 0; i < want.length; i++) {
            if (Double.isNaN(want[i]) || Double.isNaN(got[i]) || Double.isInfinite(want[i])) {
                assertEquals(want[i], got[i], what + " element " + i);
                continue;
            }
            double tol = 2e-5 * (Math.abs(want[i]) + floor) + ulp * Math.abs(want[i]);
            if (!(Math.abs(got[i] - want[i]) <= tol)) {
                fail(what + " element " + i + ": want " + want[i] + " got " + got[i] + " (|diff| "
                        + Math.abs(got[i] - want[i]) + " > " + tol + ")");
            }
        }
    }

    private static int numel(long[] shape) {
        int n = 1;
        for (long d : shape) {
            n *= (int) d;
        }
        return n;
    }

    private static double[] normal(long seed, int n, double mean, double std) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = mean + std * (r.nextDouble() + r.nextDouble() + r.nextDouble() - 1.5) * 2;
        }
        return d;
    }

    /** layer_norm in float64 over rows of {@code d}: biased variance, then weight and bias where given (null: absent). */
    static double[] layerNormReference(double[] xv, int d, double[] wv, double[] bv, double eps) {
        double[] want = new double[xv.length];
        for (int r = 0; r < xv.length / d; r++) {
            double mean = 0;
            for (int i = 0; i < d; i++) {
                mean += xv[r * d + i];
            }
            mean /= d;
            double var = 0;
            for (int i = 0; i < d; i++) {
                var += (xv[r * d + i] - mean) * (xv[r * d + i] - mean);
            }
            var /= d;
            for (int i = 0; i < d; i++) {
                double y = (xv[r * d + i] - mean) / Math.sqrt(var + eps);
                want[r * d + i] = y * (wv != null ? wv[i] : 1) + (bv != null ? bv[i] : 0);
            }
        }
        return want;
    }
}
