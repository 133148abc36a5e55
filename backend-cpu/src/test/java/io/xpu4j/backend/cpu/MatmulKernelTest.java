package io.xpu4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.xpu4j.api.Config;
import io.xpu4j.api.DType;
import io.xpu4j.api.FloatFormats;
import io.xpu4j.api.Ops;
import io.xpu4j.api.Runtime;
import io.xpu4j.api.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code matmul} through {@link Ops} against a float64 reference computed here with naive loops
 * from the same dtype-rounded inputs (values uniform in [-1, 1]).
 *
 * <p>Tolerance, for every output element, with {@code R = max |ref|} over the output:
 * <ul>
 *   <li>F32: {@code 1e-5 · R + 1e-6 · sqrt(K)} (float32 accumulation);</li>
 *   <li>F16: {@code 2e-3 · R + 1e-6 · sqrt(K)} (output rounded to 11 significant bits);</li>
 *   <li>BF16: {@code 1e-2 · R + 1e-6 · sqrt(K)} (output rounded to 8 significant bits).</li>
 * </ul>
 */
class MatmulKernelTest {
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

    /** A host array with its logical shape. */
    record Arr(double[] data, long[] shape) {
        int rank() {
            return shape.length;
        }

        long dim(int d) {
            return shape[d < 0 ? shape.length + d : d];
        }
    }

    static double round(DType t, double x) {
        float f = (float) x;
        return switch (t) {
            case F32 -> f;
            case F16 -> Float.float16ToFloat(Float.floatToFloat16(f));
            case BF16 -> Float.intBitsToFloat(FloatFormats.floatToBf16(f) << 16);
            default -> throw new AssertionError(t);
        };
    }

    static Arr random(long seed, DType t, long... shape) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] d = new double[Math.toIntExact(numel(shape))];
        for (int i = 0; i < d.length; i++) {
            d[i] = round(t, r.nextDouble(-1, 1));
        }
        return new Arr(d, shape);
    }

    static long numel(long[] shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        return n;
    }

    Tensor upload(DType t, Arr a) {
        return ops.tensor(t, a.data, a.shape);
    }

    /** The elements of {@code t} in row-major order, decoded without any kernel but copy. */
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

    /** Swaps the last two dims of a host array. */
    static Arr transposeLast(Arr a) {
        int r = a.rank();
        int rows = Math.toIntExact(a.shape[r - 2]);
        int cols = Math.toIntExact(a.shape[r - 1]);
        double[] out = new double[a.data.length];
        int mats = a.data.length / Math.max(1, rows * cols);
        for (int b = 0; b < mats; b++) {
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    out[b * rows * cols + j * rows + i] = a.data[b * rows * cols + i * cols + j];
                }
            }
        }
        long[] s = a.shape.clone();
        s[r - 2] = cols;
        s[r - 1] = rows;
        return new Arr(out, s);
    }

    /** NumPy matmul of rank >= 2 arrays: batch dims broadcast, float64 accumulation. */
    static Arr reference(Arr a, Arr b) {
        int m = Math.toIntExact(a.dim(-2));
        int k = Math.toIntExact(a.dim(-1));
        int n = Math.toIntExact(b.dim(-1));
        int ra = a.rank() - 2;
        int rb = b.rank() - 2;
        int rank = Math.max(ra, rb);
        long[] batch = new long[rank];
        for (int d = 0; d < rank; d++) {
            long x = d - (rank - ra) >= 0 ? a.shape[d - (rank - ra)] : 1;
            long y = d - (rank - rb) >= 0 ? b.shape[d - (rank - rb)] : 1;
            batch[d] = Math.max(x, y);
        }
        long count = numel(batch);
        double[] out = new double[Math.toIntExact(count * m * n)];
        for (long bi = 0; bi < count; bi++) {
            long rem = bi;
            long ia = 0;
            long ib = 0;
            long sa = 1;
            long sb = 1;
            for (int d = rank - 1; d >= 0; d--) {
                long idx = rem % batch[d];
                rem /= batch[d];
                int da = d - (rank - ra);
                int db = d - (rank - rb);
                if (da >= 0) {
                    ia += (a.shape[da] == 1 ? 0 : idx) * sa;
                    sa *= a.shape[da];
                }
                if (db >= 0) {
                    ib += (b.shape[db] == 1 ? 0 : idx) * sb;
                    sb *= b.shape[db];
                }
            }
            int ao = Math.toIntExact(ia * m * k);
            int bo = Math.toIntExact(ib * k * n);
            int oo = Math.toIntExact(bi * m * n);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int p = 0; p < k; p++) {
                        s += a.data[ao + i * k + p] * b.data[bo + p * n + j];
                    }
                    out[oo + i * n + j] = s;
                }
            }
        }
        long[] shape = Arrays.copyOf(batch, rank + 2);
        shape[rank] = m;
        shape[rank + 1] = n;
        return new Arr(out, shape);
    }

    static double relTol(DType t) {
        return switch (t) {
            case F32 -> 1e-5;
            case F16 -> 2e-3;
            default -> 1e-2;
        };
    }

    static void assertClose(String what, DType t, long k, double[] want, Tensor got) {
        double[] g = read(got);
        assertEquals(want.length, g.length, what + ": element count");
        double max = 0;
        for (double w : want) {
            max = Math.max(max, Math.abs(w));
        }
        double tol = relTol(t) * max + 1e-6 * Math.sqrt(k);
        for (int i = 0; i < want.length; i++) {
            if (!(Math.abs(g[i] - want[i]) <= tol)) {
                throw new AssertionError(what + ": element " + i + " is " + g[i] + ", want " + want[i]
                        + " (tolerance " + tol + ")");
            }
        }
    }

    /** Uploads a and b, runs matmul (optionally with transposed storage), checks shape and values. */
    void check(String what, DType t, Arr a, Arr b, boolean transA, boolean transB) {
        Arr want = reference(a, b);
        try (Tensor ta = upload(t, transA ? transposeLast(a) : a);
             Tensor tb = upload(t, transB ? transposeLast(b) : b);
             Tensor out = ops.matmul(ta, tb, transA, transB)) {
            assertEquals(t, out.dtype(), what);
            assertArrayEquals(want.shape, out.shape(), what + ": shape");
            assertClose(what, t, a.dim(-1), want.data, out);
        }
    }

    void check(String what, DType t, Arr a, Arr b) {
        check(what, t, a, b, false, false);
    }

    // ------------------------------------------------------------------------------ 2-D shapes

    static Stream<Arguments> shapes() {
        int[][] mnk = {
                {1, 1, 1}, {1, 17, 33}, {5, 1, 7}, {7, 9, 1}, {1, 64, 256}, {1, 300, 70}, {2, 33, 15},
                {33, 31, 65}, {31, 17, 40}, {64, 64, 64}, {65, 47, 129}, {130, 100, 300}, {3, 5, 0}, {40, 70, 0}};
        return Stream.of(mnk).map(x -> Arguments.of(x[0], x[1], x[2]));
    }

    @ParameterizedTest(name = "F32 {0}x{1}x{2}")
    @MethodSource("shapes")
    void f32Shapes(int m, int n, int k) {
        check("F32 " + m + "x" + n + "x" + k, DType.F32, random(m * 31L + k, DType.F32, m, k),
                random(n * 17L + k + 1, DType.F32, k, n));
    }

    @Test
    void zeroInnerDimensionGivesZeros() {
        for (DType t : new DType[] {DType.F32, DType.F16, DType.BF16}) {
            try (Tensor a = ops.zeros(t, 3, 0); Tensor b = ops.zeros(t, 0, 5); Tensor out = ops.matmul(a, b)) {
                assertArrayEquals(new long[] {3, 5}, out.shape());
                assertArrayEquals(new double[15], read(out), t.toString());
            }
        }
    }

    @Test
    void transposedOperands() {
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                for (int[] x : new int[][] {{1, 40, 33}, {17, 23, 29}, {70, 65, 80}}) {
                    Arr a = random(x[0] + 3L * x[2], DType.F32, 3, x[0], x[2]);
                    Arr b = random(x[1] + 5L * x[2], DType.F32, 3, x[2], x[1]);
                    check("transposed " + ta + "/" + tb + " " + Arrays.toString(x), DType.F32, a, b, ta, tb);
                }
            }
        }
    }

    // ------------------------------------------------------------------------------ batches

    @Test
    void batchedAndBroadcastBatches() {
        check("batched", DType.F32, random(1, DType.F32, 4, 9, 13), random(2, DType.F32, 4, 13, 11));
        // [2,1,M,K] x [3,K,N] -> [2,3,M,N]: a broadcast over the second dim, b over the first
        check("broadcast batch", DType.F32, random(3, DType.F32, 2, 1, 7, 12), random(4, DType.F32, 3, 12, 5));
        // shared b (one weight matrix for every batch): a single GEMM over all rows
        check("shared b", DType.F32, random(5, DType.F32, 2, 3, 7, 20), random(6, DType.F32, 20, 9));
        check("shared b, one row each", DType.F32, random(7, DType.F32, 5, 1, 33), random(8, DType.F32, 33, 40));
        // a's batches not an even run of rows (transposed per batch): one GEMM per batch
        check("shared b, transposed a", DType.F32, random(9, DType.F32, 4, 6, 10), random(10, DType.F32, 10, 8),
                true, false);
        // a shared, b per batch
        check("shared a", DType.F32, random(11, DType.F32, 6, 10), random(12, DType.F32, 3, 10, 8));
        // a few large batches (per-batch GEMMs that split internally)
        check("few large", DType.F32, random(13, DType.F32, 3, 150, 120), random(14, DType.F32, 3, 120, 140));
    }

    @Test
    void attentionShapedBatches() {
        // [B*H, S, D] x [B*H, D, S] and back: many medium batches
        Arr q = random(21, DType.F32, 24, 128, 64);
        Arr k = random(22, DType.F32, 24, 128, 64);
        check("q·kᵀ", DType.F32, q, transposeLast(k));
        check("q·kᵀ via transposeB", DType.F32, q, transposeLast(k), false, true);
        Arr p = random(23, DType.F32, 24, 128, 128);
        check("p·v", DType.F32, p, k);
        // many tiny batches
        check("tiny batches", DType.F32, random(24, DType.F32, 1000, 4, 3), random(25, DType.F32, 1000, 3, 5));
        check("decode batches", DType.F32, random(26, DType.F32, 32, 1, 64), random(27, DType.F32, 32, 64, 300));
    }

    @Test
    void stridedViews() {
        Arr big = random(31, DType.F32, 2, 20, 30);
        try (Tensor full = upload(DType.F32, big);
             Tensor rows = full.slice(1, 0, 20, 2);
             Tensor a = rows.slice(2, 3, 27);       // [2, 10, 24], row stride 60
             Tensor b = upload(DType.F32, random(32, DType.F32, 24, 7));
             Tensor out = ops.matmul(a, b)) {
            double[] ad = new double[2 * 10 * 24];
            for (int bb = 0; bb < 2; bb++) {
                for (int i = 0; i < 10; i++) {
                    for (int j = 0; j < 24; j++) {
                        ad[(bb * 10 + i) * 24 + j] = big.data[(bb * 20 + 2 * i) * 30 + 3 + j];
                    }
                }
            }
            Arr want = reference(new Arr(ad, new long[] {2, 10, 24}), random(32, DType.F32, 24, 7));
            assertArrayEquals(want.shape, out.shape());
            assertClose("strided a", DType.F32, 24, want.data, out);
        }
    }

    // ------------------------------------------------------------------------------ 1-D operands

    @Test
    void vectorOperands() {
        Arr v = random(41, DType.F32, 37);
        Arr m = random(42, DType.F32, 37, 19);
        Arr mt = random(43, DType.F32, 23, 37);
        Arr w = random(44, DType.F32, 37);
        try (Tensor tv = upload(DType.F32, v); Tensor tm = upload(DType.F32, m); Tensor tmt = upload(DType.F32, mt);
             Tensor tw = upload(DType.F32, w)) {
            try (Tensor out = ops.matmul(tv, tm)) {
                assertArrayEquals(new long[] {19}, out.shape());
                assertClose("vector·matrix", DType.F32, 37,
                        reference(new Arr(v.data, new long[] {1, 37}), m).data, out);
            }
            try (Tensor out = ops.matmul(tmt, tv)) {
                assertArrayEquals(new long[] {23}, out.shape());
                assertClose("matrix·vector", DType.F32, 37,
                        reference(mt, new Arr(v.data, new long[] {37, 1})).data, out);
            }
            try (Tensor out = ops.matmul(tv, tw)) {
                assertArrayEquals(new long[] {}, out.shape());
                double dot = 0;
                for (int i = 0; i < 37; i++) {
                    dot += v.data[i] * w.data[i];
                }
                assertClose("vector·vector", DType.F32, 37, new double[] {dot}, out);
            }
        }
        Arr bm = random(45, DType.F32, 3, 5, 37);
        try (Tensor tb = upload(DType.F32, bm); Tensor tv = upload(DType.F32, v); Tensor out = ops.matmul(tb, tv)) {
            assertArrayEquals(new long[] {3, 5}, out.shape());
            assertClose("batched matrix·vector", DType.F32, 37,
                    reference(bm, new Arr(v.data, new long[] {37, 1})).data, out);
        }
    }

    // ------------------------------------------------------------------------------ half precision

    @Test
    void halfPrecision() {
        for (DType t : new DType[] {DType.F16, DType.BF16}) {
            for (int[] x : new int[][] {{1, 1, 1}, {1, 70, 100}, {9, 33, 17}, {40, 50, 130}}) {
                check(t + " " + Arrays.toString(x), t, random(x[0] + 7L * x[2], t, x[0], x[2]),
                        random(x[1] + 11L * x[2], t, x[2], x[1]));
            }
            check(t + " batched transposed", t, random(51, t, 3, 20, 30), random(52, t, 3, 30, 25), true, true);
            check(t + " shared b", t, random(53, t, 4, 5, 30), random(54, t, 30, 25));
            check(t + " many batches", t, random(55, t, 64, 8, 16), random(56, t, 64, 16, 8));
            check(t + " broadcast", t, random(57, t, 2, 1, 3, 12), random(58, t, 3, 12, 5));
        }
    }

    @Test
    void halfPrecisionOutputLargerThanOneStagingChunk() {
        // 1100 x 1000 outputs are more than MatmulKernel.CHUNK_FLOATS: staged in row chunks
        check("BF16 chunked", DType.BF16, random(61, DType.BF16, 1100, 8), random(62, DType.BF16, 8, 1000));
    }

    // ------------------------------------------------------------------------------ linear

    @Test
    void linearWithoutBias() {
        Arr x = random(71, DType.F32, 2, 5, 24);
        Arr w = random(72, DType.F32, 10, 24);
        try (Tensor tx = upload(DType.F32, x); Tensor tw = upload(DType.F32, w); Tensor y = ops.linear(tx, tw, null)) {
            Arr want = reference(x, transposeLast(w));
            assertArrayEquals(want.shape, y.shape());
            assertClose("linear", DType.F32, 24, want.data, y);
        }
    }

    @Test
    void linearWithBias() {
        assumeTrue(rt.kernels().ops("cpu").contains("add"), "the CPU backend has no 'add' kernel yet");
        for (DType t : new DType[] {DType.F32, DType.BF16}) {
            Arr x = random(73, t, 2, 5, 24);
            Arr w = random(74, t, 10, 24);
            Arr bias = random(75, t, 10);
            try (Tensor tx = upload(t, x); Tensor tw = upload(t, w); Tensor tbias = upload(t, bias);
                 Tensor y = ops.linear(tx, tw, tbias)) {
                Arr want = reference(x, transposeLast(w));
                for (int i = 0; i < want.data.length; i++) {
                    want.data[i] += bias.data[i % 10];
                }
                assertArrayEquals(want.shape, y.shape());
                assertClose(t + " linear + bias", t, 24, want.data, y);
            }
        }
    }
}
