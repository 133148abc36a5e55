package io.xpu4j.backend.cpu;

import io.xpu4j.api.DType;
import io.xpu4j.api.Ops;
import io.xpu4j.api.Tensor;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code sum mean max min argmax} through {@link Ops} against float64 references computed here
 * from the dtype-rounded input values (never with the code under test).
 *
 * <p>Tolerances, per output element, with {@code A} the sum of |x| over the reduced elements
 * (for mean: their mean |x|) and {@code ref} the float64 result:
 * <ul>
 *   <li>F32 sum/mean: {@code |got - ref| <= 1e-6·A + 1e-30} (the float32 kernel must track the
 *       float64 sum to ~1e-7 even over a million elements);</li>
 *   <li>F16 sum/mean: {@code 2^-10·|ref| + 1e-5·A} (one F16 ulp for the rounding on store, which
 *       is double rounding via float32, plus float32 accumulation);</li>
 *   <li>BF16 sum/mean: {@code 2^-7·|ref| + 1e-5·A} (one BF16 ulp, likewise);</li>
 *   <li>max, min, argmax and every integer result: exact.</li>
 * </ul>
 */
class ReduceKernelsTest extends CpuRuntimeTest {

    enum R { SUM, MEAN, MAX, MIN }

    // ================================ tests =====================================================

    @Test
    void everyAxisCombinationF32() {
        long[] shape = {6, 35, 41};
        double[] data = normal(1, 6 * 35 * 41, 0, 1);
        Tensor x = ops.tensor(DType.F32, data, shape);
        double[] v = values(x);
        for (int[] axes : subsets(3)) {
            for (R kind : R.values()) {
                for (boolean keep : new boolean[]{true, false}) {
                    check(x, v, shape, axes, kind, keep);
                }
            }
        }
        // negative axes mean the same as their positive forms
        assertArrayEquals(values(ops.sum(x, 2)), values(ops.sum(x, -1)));
    }

    @Test
    void nonContiguousViews() {
        long[] shape = {8, 10, 12};
        double[] data = normal(2, 960, 0.5, 2);
        Tensor base = ops.tensor(DType.F32, data, shape);
        double[] bv = values(base);
        Tensor row = ops.tensor(DType.F32, Arrays.copyOf(data, 10), 1, 10, 1);
        double[] rv = values(row);
        // each view with the row-major values of the tensor it views
        List<Tensor> views = List.of(
                base.permute(2, 0, 1),                       // inner dim no longer contiguous
                base.transpose(0, 2).slice(1, 1, 10, 2),     // transposed and stepped
                base.slice(2, 3, 11, 3),                     // stepped last dim
                base.slice(1, 0, 9, 3),                      // dims 0 and 1 no longer merge into one
                row.expand(8, 10, 12),                       // stride 0 (broadcast)
                row.expand(8, 10, 12).permute(1, 2, 0));
        List<double[]> storage = List.of(bv, bv, bv, bv, rv, rv);
        for (int i = 0; i < views.size(); i++) {
            Tensor view = views.get(i);
            double[] v = logical(view, storage.get(i));
            for (int[] axes : subsets(3)) {
                for (R kind : R.values()) {
                    check(view, v, view.shape(), axes, kind, true);
                }
            }
            for (int a = 0; a < 3; a++) {
                checkArgmax(view, v, a, a % 2 == 0);
            }
        }
    }

    @Test
    void largeRowAndColumnWalks() {
        // [2000, 1100]: axis 0 walks column tiles (1024 + 76 wide), axis 1 contiguous rows
        long[] shape = {2000, 1100};
        Tensor x = ops.tensor(DType.F32, normal(3, 2000 * 1100, 100, 10), shape);
        double[] v = values(x);
        for (int[] axes : new int[][]{{0}, {1}}) {
            for (R kind : R.values()) {
                check(x, v, shape, axes, kind, false);
            }
            checkArgmax(x, v, axes[0], false);
        }
        // [100000, 40] over axis 0: one narrow tile, so the rows are split across threads
        long[] tall = {100000, 40};
        Tensor y = ops.tensor(DType.F32, normal(4, 100000 * 40, -3, 5), tall);
        double[] w = values(y);
        for (R kind : R.values()) {
            check(y, w, tall, new int[]{0}, kind, false);
        }
        checkArgmax(y, w, 0, true);
        // a middle axis: kept dims on both sides
        long[] mid = {5, 3000, 33};
        Tensor z = ops.tensor(DType.F32, normal(5, 5 * 3000 * 33, 1, 1), mid);
        double[] u = values(z);
        for (R kind : R.values()) {
            check(z, u, mid, new int[]{1}, kind, true);
        }
        checkArgmax(z, u, 1, true);
    }

    @Test
    void millionElementSumsAreAccurate() {
        int n = 1 << 20;
        Tensor x = ops.randUniform(6, 0, 1, DType.F32, n);
        double[] v = values(x);
        check(x, v, new long[]{n}, new int[0], R.SUM, false);
        check(x, v, new long[]{n}, new int[0], R.MEAN, false);
        // the same elements as [1024, 1024] reduced over axis 0 of a transposed view (contiguous runs)
        try (Tensor m = x.reshape(1024, 1024); Tensor t = m.transpose(0, 1)) {
            double[] tv = logical(t, v);
            check(t, tv, t.shape(), new int[]{1}, R.SUM, false);
            check(t, tv, t.shape(), new int[]{0}, R.SUM, false);
        }
        // a total over two dims that cannot merge, split across threads mid-run
        try (Tensor m = x.reshape(1024, 1024); Tensor cut = m.slice(1, 0, 1000)) {
            double[] cv = logical(cut, v);
            check(cut, cv, cut.shape(), new int[0], R.SUM, false);
            check(cut, cv, cut.shape(), new int[0], R.MAX, true);
        }
        // large values with a small spread, narrower than one vector: scalar compensated columns
        long[] narrow = {262144, 4};
        Tensor y = ops.tensor(DType.F32, normal(7, n, 1000, 1), narrow);
        double[] w = values(y);
        check(y, w, narrow, new int[]{0}, R.SUM, false);
        check(y, w, narrow, new int[]{0}, R.MEAN, false);
        check(y, w, narrow, new int[0], R.SUM, false);
    }

    @Test
    void halfPrecision() {
        for (DType t : new DType[]{DType.F16, DType.BF16}) {
            long[] shape = {9, 130};
            Tensor x = ops.tensor(t, normal(8, 9 * 130, 0.25, 1), shape);
            double[] v = values(x);
            for (int[] axes : subsets(2)) {
                for (R kind : R.values()) {
                    check(x, v, shape, axes, kind, false);
                }
            }
            checkArgmax(x, v, 0, false);
            checkArgmax(x, v, 1, true);
            try (Tensor tr = x.transpose(0, 1)) {
                double[] tv = logical(tr, v);
                check(tr, tv, tr.shape(), new int[]{1}, R.SUM, false);
                check(tr, tv, tr.shape(), new int[]{0}, R.MEAN, true);
            }
        }
    }

    @Test
    void integers() {
        SplittableRandom r = new SplittableRandom(9);
        for (DType t : new DType[]{DType.I32, DType.I64}) {
            long[] shape = {7, 300};
            double[] data = new double[7 * 300];
            for (int i = 0; i < data.length; i++) {
                data[i] = r.nextInt(-1000, 1001);
            }
            Tensor x = ops.tensor(t, data, shape);
            for (int[] axes : subsets(2)) {
                for (R kind : new R[]{R.SUM, R.MAX, R.MIN}) {
                    check(x, data, shape, axes, kind, false);
                }
            }
            try (Tensor tr = x.transpose(0, 1)) {
                double[] tv = logical(tr, data);
                check(tr, tv, tr.shape(), new int[]{0}, R.SUM, true);
                check(tr, tv, tr.shape(), new int[]{1}, R.MAX, true);
                checkArgmax(tr, tv, 0, false);
            }
            checkArgmax(x, data, 0, false);
            checkArgmax(x, data, 1, false);
        }
        // sums are computed in 64 bits and wrap like a 32-bit add for I32 ...
        Tensor i32 = ops.tensor(new int[]{Integer.MAX_VALUE, 1, 0}, 3);
        assertArrayEquals(new int[]{Integer.MIN_VALUE}, ops.sum(i32, true, 0).toIntArray());
        assertArrayEquals(new int[]{Integer.MAX_VALUE}, ops.max(i32).toIntArray());
        // ... and stay exact for I64 values a double cannot hold
        Tensor i64 = ops.tensor(new long[]{Long.MAX_VALUE - 5, 3, -1}, 3);
        assertArrayEquals(new long[]{Long.MAX_VALUE - 3}, ops.sum(i64, true, 0).toLongArray());
        assertArrayEquals(new long[]{-1}, ops.min(i64, true, 0).toLongArray());
        // argmax of I8, with ties
        Tensor i8 = ops.tensor(DType.I8, new double[]{-5, 7, 7, -128, 127, 127}, 2, 3);
        assertArrayEquals(new long[]{1, 1}, ops.argmax(i8, 1, false).toLongArray());
        assertArrayEquals(new long[]{0, 1, 1}, ops.argmax(i8, 0, false).toLongArray());
    }

    @Test
    void argmaxFirstIndexAndNaN() {
        SplittableRandom r = new SplittableRandom(10);
        long[] shape = {13, 77};
        double[] data = new double[13 * 77];
        for (int i = 0; i < data.length; i++) {
            data[i] = r.nextInt(4);   // many ties
        }
        Tensor x = ops.tensor(DType.F32, data, shape);
        checkArgmax(x, data, 0, true);
        checkArgmax(x, data, 1, false);
        checkArgmax(x, data, -1, true);
        // NaN counts as the maximum and the first NaN wins, in the vector body and in the tail
        double[] row = new double[100];
        Arrays.fill(row, 1);
        row[40] = Double.NaN;
        row[99] = Double.NaN;
        row[3] = 5;
        Tensor a = ops.tensor(DType.F32, row, 100);
        assertEquals(40, ops.argmax(a, 0, false).item());
        row[40] = 1;
        Tensor b = ops.tensor(DType.F32, row, 100);
        assertEquals(99, ops.argmax(b, 0, false).item());
        // a long row split across threads: the first of equal maxima, far from the start
        double[] big = new double[300000];
        big[200001] = 7;
        big[250000] = 7;
        big[299999] = Double.NaN;
        Tensor c = ops.tensor(DType.F32, big, 300000);
        assertEquals(299999, ops.argmax(c, 0, false).item());
        big[299999] = 7;
        Tensor d = ops.tensor(DType.F32, big, 300000);
        assertEquals(200001, ops.argmax(d, 0, false).item());
        // all -Inf: index 0
        double[] neg = new double[20];
        Arrays.fill(neg, Double.NEGATIVE_INFINITY);
        assertEquals(0, ops.argmax(ops.tensor(DType.F32, neg, 20), 0, false).item());
        // columns with NaN
        double[] col = new double[6 * 40];
        col[4 * 40 + 7] = Double.NaN;
        col[2 * 40 + 7] = 3;
        col[5 * 40 + 7] = Double.NaN;
        Tensor e = ops.tensor(DType.F32, col, 6, 40);
        checkArgmax(e, col, 0, false);
        assertEquals(4, ops.argmax(e, 0, false).toLongArray()[7]);
        // rank 0
        Tensor s = ops.scalar(DType.F32, 3);
        Tensor am = ops.argmax(s, 0, false);
        assertEquals(0, am.rank());
        assertEquals(0, am.item());
    }

    @Test
    void maxAndMinPropagateNaN() {
        double[] data = normal(11, 20 * 64, 0, 1);
        data[5 * 64 + 9] = Double.NaN;    // row 5, column 9
        data[17 * 64 + 63] = Double.NaN;  // row 17, last column (a vector tail in some walks)
        long[] shape = {20, 64};
        Tensor x = ops.tensor(DType.F32, data, shape);
        double[] v = values(x);
        for (R kind : new R[]{R.MAX, R.MIN, R.SUM}) {
            for (int[] axes : subsets(2)) {
                check(x, v, shape, axes, kind, false);
            }
        }
        float[] colMax = ops.max(x, 0).toFloatArray();
        assertTrue(Float.isNaN(colMax[9]) && Float.isNaN(colMax[63]) && !Float.isNaN(colMax[10]));
        float[] rowMin = ops.min(x, 1).toFloatArray();
        assertTrue(Float.isNaN(rowMin[5]) && Float.isNaN(rowMin[17]) && !Float.isNaN(rowMin[6]));
        assertTrue(Double.isNaN(ops.max(x).item()));
    }

    @Test
    void sizeOneAndEmpty() {
        // reduction over an empty axis: sum 0, mean NaN
        Tensor e = ops.zeros(DType.F32, 3, 0);
        Tensor s = ops.sum(e, 1);
        assertArrayEquals(new long[]{3}, s.shape());
        assertArrayEquals(new float[]{0, 0, 0}, s.toFloatArray());
        float[] m = ops.mean(e, true, 1).toFloatArray();
        assertEquals(3, m.length);
        for (float f : m) {
            assertTrue(Float.isNaN(f));
        }
        assertArrayEquals(new long[]{0}, ops.sum(e, 0).shape());
        assertEquals(0, ops.sum(e).item());
        assertTrue(Double.isNaN(ops.mean(e).item()));
        assertArrayEquals(new int[]{0, 0, 0, 0}, ops.sum(ops.zeros(DType.I32, 0, 4), 0).toIntArray());
        assertArrayEquals(new long[]{0, 0}, ops.sum(ops.zeros(DType.I64, 2, 0, 5), 1, 2).toLongArray());
        double[] hm = values(ops.mean(ops.zeros(DType.F16, 4, 0), 1));
        assertEquals(4, hm.length);
        for (double f : hm) {
            assertTrue(Double.isNaN(f));
        }
        // rank 0: every reduction is the element itself
        Tensor sc = ops.scalar(DType.F32, 2.5);
        for (Tensor r : new Tensor[]{ops.sum(sc), ops.mean(sc), ops.max(sc), ops.min(sc, true)}) {
            assertEquals(0, r.rank());
            assertEquals(2.5, r.item());
        }
        // size-1 dims, reduced or kept
        double[] d = {1.5, -2, 3.25, 4, 0.5};
        Tensor x = ops.tensor(DType.F32, d, 1, 5, 1);
        for (int[] axes : subsets(3)) {
            for (R kind : R.values()) {
                check(x, d, new long[]{1, 5, 1}, axes, kind, false);
            }
        }
        checkArgmax(x, d, 0, false);
        checkArgmax(x, d, 1, true);
        Tensor one = ops.tensor(DType.BF16, new double[]{-3}, 1, 1, 1);
        assertArrayEquals(new double[]{-3}, values(ops.sum(one)));
        assertArrayEquals(new long[]{1, 1, 1}, ops.mean(one, true).shape());
    }

    // ================================ checking ==================================================

    private Tensor reduce(Tensor x, R kind, boolean keep, int[] axes) {
        return switch (kind) {
            case SUM -> ops.sum(x, keep, axes);
            case MEAN -> ops.mean(x, keep, axes);
            case MAX -> ops.max(x, keep, axes);
            case MIN -> ops.min(x, keep, axes);
        };
    }

    /** Runs the reduction on {@code x} (logical row-major values {@code v}) and compares with the reference. */
    private void check(Tensor x, double[] v, long[] shape, int[] axes, R kind, boolean keep) {
        String what = kind + " over " + Arrays.toString(axes) + " of " + x.describe() + " strides "
                + Arrays.toString(x.strides()) + (keep ? " keepdim" : "");
        Ref ref = reference(v, shape, axes, kind);
        try (Tensor out = reduce(x, kind, keep, axes)) {
            assertArrayEquals(keep ? ref.keepShape : ref.dropShape, out.shape(), what + ": shape");
            double[] got = values(out);
            for (int i = 0; i < got.length; i++) {
                double want = ref.values[i];
                if (Double.isNaN(want) || Double.isNaN(got[i])) {
                    assertEquals(Double.isNaN(want), Double.isNaN(got[i]), what + " element " + i + ": want " + want + " got " + got[i]);
                    continue;
                }
                double tol = tolerance(x.dtype(), kind, want, ref.absScale[i]);
                if (!(Math.abs(got[i] - want) <= tol)) {
                    fail(what + " element " + i + ": want " + want + " got " + got[i] + " (|diff| "
                            + Math.abs(got[i] - want) + " > " + tol + ")");
                }
            }
        }
    }

    private static double tolerance(DType t, R kind, double ref, double absScale) {
        if (kind == R.MAX || kind == R.MIN || t.isInteger()) {
            return 0;
        }
        return switch (t) {
            case F32 -> 1e-6 * absScale + 1e-30;
            case F16 -> Math.scalb(1.0, -10) * Math.abs(ref) + 1e-5 * absScale;
            case BF16 -> Math.scalb(1.0, -7) * Math.abs(ref) + 1e-5 * absScale;
            default -> throw new AssertionError(t);
        };
    }

    private void checkArgmax(Tensor x, double[] v, int axis, boolean keep) {
        long[] shape = x.shape();
        int a = axis < 0 ? axis + shape.length : axis;
        long outer = 1;
        long inner = 1;
        for (int d = 0; d < a; d++) {
            outer *= shape[d];
        }
        for (int d = a + 1; d < shape.length; d++) {
            inner *= shape[d];
        }
        long n = shape[a];
        long[] want = new long[(int) (outer * inner)];
        for (long o = 0; o < outer; o++) {
            for (long j = 0; j < inner; j++) {
                double best = v[(int) (o * n * inner + j)];
                long bi = 0;
                for (long k = 1; k < n; k++) {
                    double e = v[(int) ((o * n + k) * inner + j)];
                    if ((Double.isNaN(e) && !Double.isNaN(best)) || e > best) {
                        best = e;
                        bi = k;
                    }
                }
                want[(int) (o * inner + j)] = bi;
            }
        }
        try (Tensor out = ops.argmax(x, axis, keep)) {
            long[] s = shape.clone();
            s[a] = 1;
            long[] expectShape = keep ? s : dropAxis(shape, a);
            String what = "argmax over " + axis + " of " + x.describe() + " strides " + Arrays.toString(x.strides());
            assertArrayEquals(expectShape, out.shape(), what + ": shape");
            assertEquals(DType.I64, out.dtype());
            assertArrayEquals(want, out.toLongArray(), what);
        }
    }

    private static long[] dropAxis(long[] shape, int a) {
        long[] r = new long[shape.length - 1];
        for (int i = 0, j = 0; i < shape.length; i++) {
            if (i != a) {
                r[j++] = shape[i];
            }
        }
        return r;
    }

    record Ref(double[] values, double[] absScale, long[] keepShape, long[] dropShape) {
    }

    /** Float64 reduction of row-major {@code v}: empty {@code axes} means all axes. */
    static Ref reference(double[] v, long[] shape, int[] axes, R kind) {
        int rank = shape.length;
        boolean[] red = new boolean[rank];
        if (axes.length == 0) {
            Arrays.fill(red, true);
        }
        for (int a : axes) {
            red[a < 0 ? a + rank : a] = true;
        }
        long[] keep = shape.clone();
        List<Long> drop = new ArrayList<>();
        long count = 1;
        for (int d = 0; d < rank; d++) {
            if (red[d]) {
                keep[d] = 1;
                count *= shape[d];
            } else {
                drop.add(shape[d]);
            }
        }
        int n = 1;
        for (long k : keep) {
            n *= (int) k;
        }
        double[] acc = new double[n];
        double[] abs = new double[n];
        Arrays.fill(acc, kind == R.MAX ? Double.NEGATIVE_INFINITY : kind == R.MIN ? Double.POSITIVE_INFINITY : 0);
        long[] idx = new long[rank];
        for (int i = 0; i < v.length; i++) {
            long rem = i;
            for (int d = rank - 1; d >= 0; d--) {
                idx[d] = rem % shape[d];
                rem /= shape[d];
            }
            int o = 0;
            for (int d = 0; d < rank; d++) {
                o = (int) (o * keep[d] + (red[d] ? 0 : idx[d]));
            }
            double x = v[i];
            switch (kind) {
                case SUM, MEAN -> acc[o] += x;
                case MAX -> acc[o] = Math.max(acc[o], x);
                case MIN -> acc[o] = Math.min(acc[o], x);
            }
            abs[o] += Math.abs(x);
        }
        if (kind == R.MEAN) {
            for (int o = 0; o < n; o++) {
                acc[o] /= count;
                abs[o] /= count;
            }
        }
        return new Ref(acc, abs, keep, drop.stream().mapToLong(Long::longValue).toArray());
    }

    // ================================ host data =================================================

    private static double[] normal(long seed, int n, double mean, double std) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            // sum of uniforms: close enough to normal, and reproducible
            d[i] = mean + std * (r.nextDouble() + r.nextDouble() + r.nextDouble() - 1.5) * 2;
        }
        return d;
    }

    /** Every subset of {@code 0..rank-1} (the empty one means "all axes" to Ops). */
    private static List<int[]> subsets(int rank) {
        List<int[]> r = new ArrayList<>();
        for (int mask = 0; mask < 1 << rank; mask++) {
            int[] a = new int[Integer.bitCount(mask)];
            for (int d = 0, k = 0; d < rank; d++) {
                if ((mask & 1 << d) != 0) {
                    a[k++] = d;
                }
            }
            r.add(a);
        }
        return r;
    }

    /** The elements of {@code t} in row-major order, decoded from its raw bytes. */
    static double[] values(Tensor t) {
        ByteBuffer b = ByteBuffer.wrap(t.toByteArray()).order(ByteOrder.nativeOrder());
        double[] v = new double[(int) t.numel()];
        for (int i = 0; i < v.length; i++) {
            v[i] = switch (t.dtype()) {
                case F32 -> b.getFloat(i * 4);
                case F16 -> Float.float16ToFloat(b.getShort(i * 2));
                case BF16 -> Float.intBitsToFloat(b.getShort(i * 2) << 16);
                case I8, BOOL -> b.get(i);
                case I32 -> b.getInt(i * 4);
                case I64 -> b.getLong(i * 8);
                default -> throw new AssertionError(t.dtype());
            };
        }
        return v;
    }

    /**
     * The logical row-major elements of view {@code t}, read from the row-major values
     * {@code storage} of the tensor it views through its strides and offset (no kernel involved).
     */
    static double[] logical(Tensor t, double[] storage) {
        long[] shape = t.shape();
        long[] st = t.strides();
        double[] v = new double[(int) t.numel()];
        for (int i = 0; i < v.length; i++) {
            long rem = i;
            long off = t.offset();
            for (int d = shape.length - 1; d >= 0; d--) {
                off += rem % shape[d] * st[d];
                rem /= shape[d];
            }
            v[i] = storage[(int) off];
        }
        return v;
    }
}
