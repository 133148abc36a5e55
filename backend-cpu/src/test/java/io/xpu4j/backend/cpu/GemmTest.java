package io.xpu4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.xpu4j.api.DType;
import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.XpuException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Checks {@link Gemm} against a float64 reference computed from the same (dtype-rounded) input
 * values. Tolerance, for every element: {@code |c - ref| <= 1e-5 * sum_k |a_ik * b_kj| + 1e-6}
 * (plus, when accumulating, the same relative slack on the initial C value).
 */
class GemmTest {

    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort H = ValueLayout.JAVA_SHORT_UNALIGNED;

    /** How a matrix operand is laid out. */
    enum Layout {
        /** row-major, padded rows. */
        ROW,
        /** column-major (a transposed view). */
        COL,
        /** every row is the same row (row stride 0). */
        BCAST_ROWS,
        /** every column is the same column (column stride 0). */
        BCAST_COLS,
        /** non-unit strides in both directions. */
        STRIDED
    }

    /** A strided matrix view in a freshly allocated segment. */
    record Mat(MemorySegment seg, long off, long rs, long cs, DType type, int rows, int cols) {
        double at(int i, int j) {
            long idx = off + i * rs + j * cs;
            return switch (type) {
                case F32 -> seg.getAtIndex(F, idx);
                case F16 -> Float.float16ToFloat(seg.getAtIndex(H, idx));
                case BF16 -> Float.intBitsToFloat(seg.getAtIndex(H, idx) << 16);
                default -> throw new AssertionError();
            };
        }
    }

    static short toBf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        bits += 0x7fff + ((bits >>> 16) & 1);
        return (short) (bits >>> 16);
    }

    static Mat make(Arena arena, SplittableRandom rnd, int rows, int cols, Layout layout, DType type) {
        long off = 1 + rnd.nextInt(7);
        long rs;
        long cs;
        switch (layout) {
            case ROW -> {
                rs = cols + rnd.nextInt(3);
                cs = 1;
            }
            case COL -> {
                rs = 1;
                cs = rows + rnd.nextInt(3);
            }
            case BCAST_ROWS -> {
                rs = 0;
                cs = 1;
            }
            case BCAST_COLS -> {
                rs = 1;
                cs = 0;
            }
            default -> {
                rs = 2L * cols + 1;
                cs = 2;
            }
        }
        long count = off + 1 + (long) Math.max(0, rows - 1) * rs + (long) Math.max(0, cols - 1) * cs;
        MemorySegment seg = arena.allocate(count * type.byteSize(), 64);
        for (long i = 0; i < count; i++) {
            float v = (float) (rnd.nextDouble() * 2 - 1);
            switch (type) {
                case F32 -> seg.setAtIndex(F, i, v);
                case F16 -> seg.setAtIndex(H, i, Float.floatToFloat16(v));
                case BF16 -> seg.setAtIndex(H, i, toBf16(v));
                default -> throw new AssertionError();
            }
        }
        return new Mat(seg, off, rs, cs, type, rows, cols);
    }

    static void check(int m, int n, int k, Layout la, DType ta, Layout lb, DType tb, boolean acc, long seed) {
        check(m, n, k, la, ta, lb, tb, acc, seed, false);
    }

    /**
     * Segments of a confined arena can only be touched by their owner thread, so GEMM runs those
     * on the calling thread; {@code shared} allocates from a shared arena so that the worker pool
     * takes part.
     */
    static void check(int m, int n, int k, Layout la, DType ta, Layout lb, DType tb, boolean acc, long seed,
                      boolean shared) {
        SplittableRandom rnd = new SplittableRandom(seed);
        try (Arena arena = shared ? Arena.ofShared() : Arena.ofConfined()) {
            Mat a = make(arena, rnd, m, k, la, ta);
            Mat b = make(arena, rnd, k, n, lb, tb);
            long cOff = 3;
            long ldc = n + 5;
            long cCount = cOff + (long) m * ldc + 5;
            MemorySegment c = arena.allocate(cCount * Float.BYTES, 64);
            float[] init = new float[(int) cCount];
            for (int i = 0; i < init.length; i++) {
                init[i] = (float) (rnd.nextDouble() * 2 - 1);
                c.setAtIndex(F, i, init[i]);
            }
            Gemm.gemm(m, n, k,
                    a.seg(), a.off(), a.rs(), a.cs(), ta,
                    b.seg(), b.off(), b.rs(), b.cs(), tb,
                    c, cOff, ldc, acc);
            String what = m + "x" + n + "x" + k + " A=" + la + "/" + ta + " B=" + lb + "/" + tb + " acc=" + acc;
            // elements outside the m x n window are untouched
            for (int idx = 0; idx < init.length; idx++) {
                long rel = idx - cOff;
                boolean inside = rel >= 0 && rel / ldc < m && rel % ldc < n;
                if (!inside && Float.floatToRawIntBits(c.getAtIndex(F, idx)) != Float.floatToRawIntBits(init[idx])) {
                    fail(what + ": element " + idx + " outside C was written");
                }
            }
            double[] arow = new double[k];
            for (int i = 0; i < m; i++) {
                for (int p = 0; p < k; p++) {
                    arow[p] = a.at(i, p);
                }
                for (int j = 0; j < n; j++) {
                    double ref = 0;
                    double mag = 0;
                    for (int p = 0; p < k; p++) {
                        double prod = arow[p] * b.at(p, j);
                        ref += prod;
                        mag += Math.abs(prod);
                    }
                    long idx = cOff + i * ldc + j;
                    if (acc) {
                        ref += init[(int) idx];
                        mag += Math.abs(init[(int) idx]);
                    }
                    double got = c.getAtIndex(F, idx);
                    double tol = 1e-5 * mag + 1e-6;
                    if (!(Math.abs(got - ref) <= tol)) {
                        fail(what + ": C[" + i + "," + j + "] = " + got + ", expected " + ref + " (tol " + tol + ")");
                    }
                }
            }
        }
    }

    /** W·x with a packed result column (ldc = 1) takes the transposed one-row path; A row- or column-major. */
    @ParameterizedTest(name = "{0}x1x{1} ldc=1, A transposed={2}, accumulate={3}")
    @MethodSource("oneColumnCases")
    void oneColumnWithUnitLeadingDimension(int m, int k, boolean aTransposed, boolean accumulate) {
        java.util.Random rnd = new java.util.Random(31L * m + k);
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofShared()) {
            java.lang.foreign.MemorySegment a = arena.allocate(4L * m * k);
            java.lang.foreign.MemorySegment b = arena.allocate(4L * k);
            java.lang.foreign.MemorySegment c = arena.allocate(4L * m);
            float[] av = new float[m * k];
            float[] bv = new float[k];
            float[] c0 = new float[m];
            for (int i = 0; i < av.length; i++) {
                av[i] = (float) rnd.nextGaussian();
                a.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i, av[i]);
            }
            for (int i = 0; i < k; i++) {
                bv[i] = (float) rnd.nextGaussian();
                b.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i, bv[i]);
            }
            for (int i = 0; i < m; i++) {
                c0[i] = (float) rnd.nextGaussian();
                c.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i, c0[i]);
            }
            // A element (i, p) lives at i*k + p (row-major) or p*m + i (column-major)
            long rs = aTransposed ? 1 : k;
            long cs = aTransposed ? m : 1;
            Gemm.gemm(m, 1, k, a, 0, rs, cs, DType.F32, b, 0, 1, 1, DType.F32, c, 0, 1, accumulate);
            for (int i = 0; i < m; i++) {
                double ref = accumulate ? c0[i] : 0;
                double mag = accumulate ? Math.abs(c0[i]) : 0;
                for (int p = 0; p < k; p++) {
                    double x = av[(int) (i * rs + p * cs)];
                    ref += x * bv[p];
                    mag += Math.abs(x * bv[p]);
                }
                float got = c.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i);
                assertTrue(Math.abs(got - ref) <= 1e-5 * mag + 1e-6, "row " + i + ": got " + got + ", want " + ref);
            }
        }
    }

    static Stream<Arguments> oneColumnCases() {
        List<Arguments> list = new ArrayList<>();
        for (int[] mk : new int[][] {{33, 17}, {100, 300}, {1000, 1024}, {257, 4097}}) {
            for (boolean t : new boolean[] {false, true}) {
                for (boolean acc : new boolean[] {false, true}) {
                    list.add(Arguments.of(mk[0], mk[1], t, acc));
                }
            }
        }
        return list.stream();
    }

    // ------------------------------------------------------------------------------ shapes

    static Stream<Arguments> shapes() {
        List<Arguments> list = new ArrayList<>();
        int[][] s = {
                {1, 1, 1}, {1, 1, 2}, {2, 3, 1}, {7, 33, 17}, {13, 50, 129}, {8, 32, 256}, {9, 33, 257},
                {64, 64, 64}, {100, 70, 300}, {130, 97, 65}, {257, 129, 513}, {200, 300, 31},
                {1, 1024, 1024}, {1, 1000, 999}, {1, 17, 1024}, {1, 4096, 384}, {1, 3, 5},
                {2, 1024, 1024}, {3, 384, 385}, {4, 512, 384}, {5, 100, 1000}, {7, 1024, 513},
                {8, 64, 1024}, {16, 1024, 768}, {17, 33, 1023}, {31, 600, 384}, {32, 1024, 1024},
                {33, 1024, 384}, {48, 384, 1024}, {40, 65, 70},
                // skinny dot products in K slices: K under a vector, several slices with a tail,
                // every row-tile remainder (M mod 3 = 0, 1, 2)
                {2, 9, 3}, {6, 12, 520}, {8, 70, 1543}, {10, 31, 1030}, {32, 40, 4100},
                // one result column with many rows (W·x): served as the transposed one-row problem
                {33, 1, 17}, {100, 1, 300}, {1000, 1, 1024}, {257, 1, 4097},
                // blocked: C blocks of 384 columns over several K slices, full and edge tiles;
                // a K long enough that the packed B panel narrows below 384 columns
                {200, 800, 600}, {97, 385, 257}, {40, 400, 6000},
        };
        for (int[] x : s) {
            list.add(Arguments.of(x[0], x[1], x[2]));
        }
        return list.stream();
    }

    @ParameterizedTest(name = "{0}x{1}x{2} row-major")
    @MethodSource("shapes")
    void rowMajor(int m, int n, int k) {
        check(m, n, k, Layout.ROW, DType.F32, Layout.ROW, DType.F32, false, 11L * m + 7L * n + k);
    }

    @ParameterizedTest(name = "{0}x{1}x{2} B transposed")
    @MethodSource("shapes")
    void bTransposed(int m, int n, int k) {
        check(m, n, k, Layout.ROW, DType.F32, Layout.COL, DType.F32, false, 13L * m + 5L * n + k);
    }

    @ParameterizedTest(name = "{0}x{1}x{2} A transposed, accumulate")
    @MethodSource("shapes")
    void aTransposedAccumulate(int m, int n, int k) {
        check(m, n, k, Layout.COL, DType.F32, Layout.ROW, DType.F32, true, 17L * m + 3L * n + k);
    }

    static Stream<Arguments> layouts() {
        List<Arguments> list = new ArrayList<>();
        int[][] s = {{1, 200, 300}, {5, 67, 130}, {29, 300, 77}, {70, 90, 260}, {150, 40, 33}};
        for (int[] x : s) {
            for (Layout la : Layout.values()) {
                for (Layout lb : Layout.values()) {
                    list.add(Arguments.of(x[0], x[1], x[2], la, lb));
                }
            }
        }
        return list.stream();
    }

    @ParameterizedTest(name = "{0}x{1}x{2} A={3} B={4}")
    @MethodSource("layouts")
    void allLayouts(int m, int n, int k, Layout la, Layout lb) {
        check(m, n, k, la, DType.F32, lb, DType.F32, (m + n) % 2 == 0, 31L * m + n + k + la.ordinal() * 7L + lb.ordinal());
    }

    static Stream<Arguments> halfTypes() {
        List<Arguments> list = new ArrayList<>();
        int[][] s = {{1, 1000, 1000}, {1, 37, 129}, {4, 256, 300}, {19, 130, 257}, {32, 512, 512}, {100, 96, 200}};
        DType[] types = {DType.F32, DType.F16, DType.BF16};
        for (int[] x : s) {
            for (DType ta : types) {
                for (DType tb : types) {
                    if (ta == DType.F32 && tb == DType.F32) {
                        continue;
                    }
                    for (Layout lb : new Layout[] {Layout.ROW, Layout.COL}) {
                        list.add(Arguments.of(x[0], x[1], x[2], ta, tb, lb));
                    }
                }
            }
        }
        return list.stream();
    }

    @ParameterizedTest(name = "{0}x{1}x{2} A={3} B={4}/{5}")
    @MethodSource("halfTypes")
    void halfPrecisionInputs(int m, int n, int k, DType ta, DType tb, Layout lb) {
        check(m, n, k, Layout.ROW, ta, lb, tb, m % 2 == 0, 101L * m + n + k + ta.ordinal() * 3L + tb.ordinal());
    }

    @Test
    void zeroSizes() {
        for (int[] x : new int[][] {{0, 5, 5}, {5, 0, 5}, {0, 0, 0}, {1, 40, 0}, {40, 40, 0}, {3, 7, 0}}) {
            for (boolean acc : new boolean[] {false, true}) {
                check(x[0], x[1], x[2], Layout.ROW, DType.F32, Layout.ROW, DType.F32, acc, 5);
                check(x[0], x[1], x[2], Layout.ROW, DType.F32, Layout.COL, DType.F32, acc, 6);
            }
        }
    }

    /** x·Wᵀ with W contiguous along K and 4 <= M <= 32 (the broadcast path), adding into C. */
    @Test
    void skinnyBroadcastAccumulates() {
        for (int[] x : new int[][] {{4, 19, 40}, {9, 203, 300}, {20, 37, 129}, {29, 9, 1025}}) {
            check(x[0], x[1], x[2], Layout.ROW, DType.F32, Layout.COL, DType.F32, true, 31L * x[0] + x[1]);
            check(x[0], x[1], x[2], Layout.COL, DType.F32, Layout.COL, DType.F32, true, 37L * x[0] + x[1]);
        }
    }

    /**
     * x·Wᵀ with F32 weights contiguous along K and 4-8 rows of x, which with 16-lane vectors take
     * K in pairs in the broadcast tile: K short, over a thousand with an odd tail, and an odd N
     * (weight rows left after whole tiles); overwriting and adding into C.
     */
    @Test
    void skinnyFewRowsOfXWithKInPairs() {
        for (int m = 4; m <= 8; m++) {
            for (int[] nk : new int[][] {{7, 48}, {33, 1023}, {12, 2083}, {9, 4097}}) {
                check(m, nk[0], nk[1], Layout.ROW, DType.F32, Layout.COL, DType.F32, m % 2 == 0, 71L * m + nk[1]);
                check(m, nk[0], nk[1], Layout.COL, DType.F32, Layout.COL, DType.F32, m % 2 == 1, 73L * m + nk[1]);
            }
        }
        // larger weights, K even and odd
        check(8, 513, 4096, Layout.ROW, DType.F32, Layout.COL, DType.F32, false, 79);
        check(7, 257, 8193, Layout.ROW, DType.F32, Layout.COL, DType.F32, true, 83);
        check(4, 33, 1025, Layout.COL, DType.F32, Layout.COL, DType.F32, false, 89);
    }

    static Stream<Arguments> skinnyHalfWeights() {
        List<Arguments> list = new ArrayList<>();
        int[] ms = {1, 2, 3, 4, 5, 8, 9, 12, 16, 17, 24, 31, 32};
        // K a multiple of every vector length, one past it, and neither
        int[] ks = {37, 256, 257, 602};
        for (int m : ms) {
            for (int k : ks) {
                for (int n : new int[] {10, 35}) {
                    for (DType tb : new DType[] {DType.F16, DType.BF16}) {
                        list.add(Arguments.of(m, n, k, (m + k) % 2 == 0 ? tb : DType.F32, tb));
                    }
                }
            }
        }
        return list.stream();
    }

    /**
     * x·Wᵀ with F16/BF16 weights (W contiguous along K), the layout of a linear layer: M < 4
     * (BF16 weights widened in registers, F16 too for M <= 2, otherwise through the float strip)
     * and the larger M of the tile paths, with weight rows left over after whole tiles.
     */
    @ParameterizedTest(name = "{0}x{1}x{2} A={3} W={4}")
    @MethodSource("skinnyHalfWeights")
    void skinnyHalfWeights(int m, int n, int k, DType ta, DType tb) {
        check(m, n, k, Layout.ROW, ta, Layout.COL, tb, (m + n) % 2 == 1, 53L * m + 7L * n + k + tb.ordinal());
    }

    /**
     * BF16 weights in the broadcast tiles (4 <= M <= 32, W contiguous along K) are widened in
     * registers as they stream; the result must be bit for bit what F32 weights holding the same
     * values give, for ordinary values and for arbitrary bit patterns (subnormals, signed zeros,
     * infinities, NaNs), K even and odd, at every vector width. The weights end exactly where
     * their segment ends, so a load past the last weight would fail.
     */
    @Test
    void bf16BroadcastTilesGiveTheBitsOfTheirF32Values() {
        SplittableRandom rnd = new SplittableRandom(61);
        int lanes = VectorWidth.FLOAT.length();
        for (int m : new int[] {4, 5, 8, 9, 16, 17, 32}) {
            if (m > Gemm.BCAST_MAX_VECTORS * lanes) {
                continue;
            }
            for (int k : new int[] {16, 37, 256, 257}) {
                // whole tiles of 8, 4, 3 or 2 weight rows: rows left over take the dot-product
                // path, whose BF16 and F32 loops sum in different orders (checked by tolerance)
                int n = 24;
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment x = arena.allocate((long) m * k * Float.BYTES);
                    for (int i = 0; i < m * k; i++) {
                        x.setAtIndex(F, i, (float) (rnd.nextDouble() * 2 - 1));
                    }
                    MemorySegment w16 = arena.allocate((long) n * k * Short.BYTES);
                    MemorySegment w32 = arena.allocate((long) n * k * Float.BYTES);
                    for (int i = 0; i < n * k; i++) {
                        short h = rnd.nextInt(4) == 0 ? (short) rnd.nextInt(65536) : toBf16((float) (rnd.nextDouble() * 2 - 1));
                        w16.setAtIndex(H, i, h);
                        w32.setAtIndex(F, i, Float.intBitsToFloat(h << 16));
                    }
                    MemorySegment c16 = arena.allocate((long) m * n * Float.BYTES);
                    MemorySegment c32 = arena.allocate((long) m * n * Float.BYTES);
                    // x: m x k row-major; W: n rows of k, seen as B = Wᵀ (k x n, contiguous along K)
                    Gemm.gemm(m, n, k, x, 0, k, 1, DType.F32, w16, 0, 1, k, DType.BF16, c16, 0, n, false);
                    Gemm.gemm(m, n, k, x, 0, k, 1, DType.F32, w32, 0, 1, k, DType.F32, c32, 0, n, false);
                    for (int i = 0; i < m * n; i++) {
                        float got = c16.getAtIndex(F, i);
                        float want = c32.getAtIndex(F, i);
                        boolean same = Float.isNaN(want) ? Float.isNaN(got)
                                : Float.floatToRawIntBits(got) == Float.floatToRawIntBits(want);
                        if (!same) {
                            fail(m + "x" + n + "x" + k + ": C[" + i / n + "][" + i % n + "] is " + got
                                    + " with BF16 weights, " + want + " with the same weights in F32");
                        }
                    }
                }
            }
        }
    }

    @Test
    void largerShapes() {
        check(300, 400, 700, Layout.ROW, DType.F32, Layout.ROW, DType.F32, false, 99);
        check(513, 260, 300, Layout.COL, DType.F32, Layout.COL, DType.BF16, true, 98);
    }

    /**
     * With more than one panel of B, A is packed once and shared; an A larger than the packing
     * limit goes in chunks of rows. The limit is lowered here so that small matrices take 2–5
     * chunks (edge tiles in the last), on the calling thread and on the pool.
     */
    @Test
    void aPackedInChunksOfRows() {
        int saved = Gemm.aPackFloats;
        try {
            Gemm.aPackFloats = Gemm.MR * 300 * 12;
            check(100, 400, 300, Layout.ROW, DType.F32, Layout.ROW, DType.F32, false, 91);
            check(100, 400, 300, Layout.ROW, DType.F32, Layout.COL, DType.BF16, true, 92, true);
            check(71, 500, 300, Layout.COL, DType.F16, Layout.ROW, DType.F32, true, 93, true);
            Gemm.aPackFloats = Gemm.MR * 290 * 20;
            check(140, 390, 290, Layout.ROW, DType.F32, Layout.ROW, DType.F32, false, 94, true);
        } finally {
            Gemm.aPackFloats = saved;
        }
    }

    /**
     * A shared packed A above the size a thread's scratch keeps is held softly: the same call
     * twice (the buffer found again), then a larger one (a new buffer), each checked.
     */
    @Test
    void aPackBeyondTheKeptSize() {
        int saved = Gemm.aPackKept;
        try {
            Gemm.aPackKept = Gemm.MR * 300 * 2;
            check(100, 400, 300, Layout.ROW, DType.F32, Layout.ROW, DType.F32, false, 95);
            check(100, 400, 300, Layout.ROW, DType.F32, Layout.ROW, DType.F32, true, 96, true);
            check(150, 410, 310, Layout.COL, DType.BF16, Layout.ROW, DType.F32, false, 97, true);
        } finally {
            Gemm.aPackKept = saved;
        }
    }

    static Stream<Arguments> parallelShapes() {
        return Stream.of(
                Arguments.of(300, 400, 700, Layout.ROW, DType.F32, false),   // blocked, rows split
                Arguments.of(513, 260, 300, Layout.COL, DType.BF16, true),
                Arguments.of(60, 1000, 300, Layout.ROW, DType.F32, true),    // blocked, columns split
                Arguments.of(100, 130, 1000, Layout.COL, DType.F16, false),
                Arguments.of(1, 2048, 1024, Layout.COL, DType.F32, false),   // skinny, dot products
                Arguments.of(7, 1001, 999, Layout.COL, DType.BF16, true),
                Arguments.of(1, 2048, 1024, Layout.ROW, DType.F32, true),    // skinny, axpy
                Arguments.of(29, 1030, 515, Layout.ROW, DType.F16, false),
                // skinny, broadcast tiles over widened weight rows; a K longer than any other case
                // here, so that the workers' own scratch has to grow for it
                Arguments.of(8, 200, 20011, Layout.COL, DType.BF16, true),
                Arguments.of(20, 150, 20011, Layout.COL, DType.F16, false));
    }

    @ParameterizedTest(name = "shared arena {0}x{1}x{2} B={3}/{4} acc={5}")
    @MethodSource("parallelShapes")
    void sharedArenaRunsOnThePool(int m, int n, int k, Layout lb, DType tb, boolean acc) {
        check(m, n, k, Layout.ROW, DType.F32, lb, tb, acc, m * 7L + n + k, true);
    }

    /** Every F16 and BF16 bit pattern is widened exactly, F16 checked against its value from the bit fields. */
    @Test
    void allHalfPatternsConvertExactly() {
        for (DType t : new DType[] {DType.F16, DType.BF16}) {
            int n = 65536;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment a = arena.allocate(4);
                a.setAtIndex(F, 0, 1f);
                MemorySegment b = arena.allocate(2L * n);
                for (int i = 0; i < n; i++) {
                    b.setAtIndex(H, i, (short) i);
                }
                MemorySegment c = arena.allocate(4L * n);
                Gemm.gemm(1, n, 1, a, 0, 1, 1, DType.F32, b, 0, n, 1, t, c, 0, n, false);
                for (int i = 0; i < n; i++) {
                    float want = t == DType.F16 ? (float) CastKernelsTest.halfValue(i) : Float.intBitsToFloat(i << 16);
                    float got = c.getAtIndex(F, i);
                    if (Float.isNaN(want) ? !Float.isNaN(got) : got != want) {
                        fail(t + " pattern 0x" + Integer.toHexString(i) + ": got " + got + ", want " + want);
                    }
                }
            }
        }
    }

    /**
     * Every F16 bit pattern through the vector widening of one row of x against F16 weight rows
     * (x·Wᵀ, M = 1): weight row j holds pattern j at position j mod 64 and zeros elsewhere, x is
     * all ones, so C[j] is the pattern's value exactly (a sum with zeros), in every lane position.
     */
    @Test
    void oneRowOfXWidensEveryF16PatternExactly() {
        int n = 65536;
        int k = 64;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = arena.allocate(4L * k);
            for (int p = 0; p < k; p++) {
                a.setAtIndex(F, p, 1f);
            }
            MemorySegment b = arena.allocate(2L * n * k);
            for (int j = 0; j < n; j++) {
                b.setAtIndex(H, (long) j * k + j % k, (short) j);
            }
            MemorySegment c = arena.allocate(4L * n);
            // B [k, n] with its K stride 1: each column (a weight row) contiguous along K
            Gemm.gemm(1, n, k, a, 0, k, 1, DType.F32, b, 0, 1, k, DType.F16, c, 0, n, false);
            for (int j = 0; j < n; j++) {
                double want = CastKernelsTest.halfValue(j);
                float got = c.getAtIndex(F, j);
                if (Double.isNaN(want) ? !Float.isNaN(got) : got != want) {
                    fail("F16 pattern 0x" + Integer.toHexString(j) + ": got " + got + ", want " + want);
                }
            }
        }
    }

    @Test
    void rejectsOtherDtypes() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(64);
            XpuException e = assertThrows(XpuException.class, () ->
                    Gemm.gemm(2, 2, 2, s, 0, 2, 1, DType.I32, s, 0, 2, 1, DType.F32, s, 0, 2, false));
            assertEquals(ErrorCode.DTYPE_MISMATCH, e.code());
            e = assertThrows(XpuException.class, () ->
                    Gemm.gemm(2, 2, 2, s, 0, 2, 1, DType.F32, s, 0, 2, 1, DType.F8_E4M3, s, 0, 2, false));
            assertEquals(ErrorCode.DTYPE_MISMATCH, e.code());
        }
    }

    // ------------------------------------------------------------------------------ Parallel

    @Test
    void parallelCoversEveryIndexOnce() {
        for (int count : new int[] {0, 1, 2, 3, 7, 100, 10_001}) {
            AtomicIntegerArray hits = new AtomicIntegerArray(Math.max(1, count));
            Parallel.forRange(count, (s, e) -> {
                for (int i = s; i < e; i++) {
                    hits.incrementAndGet(i);
                }
            });
            for (int i = 0; i < count; i++) {
                assertEquals(1, hits.get(i), "index " + i + " of " + count);
            }
            AtomicIntegerArray tasks = new AtomicIntegerArray(Math.max(1, count));
            Parallel.forTasks(count, tasks::incrementAndGet);
            for (int i = 0; i < count; i++) {
                assertEquals(1, tasks.get(i));
            }
        }
    }

    @Test
    void parallelRethrowsAndSurvivesNesting() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () ->
                Parallel.forRange(1000, (s, t) -> {
                    if (s > 0 || Parallel.threads() == 1) {
                        throw new IllegalStateException("boom");
                    }
                }));
        assertEquals("boom", e.getMessage());
        AtomicInteger total = new AtomicInteger();
        Parallel.forRange(64, (s, t) -> {
            for (int i = s; i < t; i++) {
                Parallel.forRange(10, (s2, t2) -> total.addAndGet(t2 - s2));
            }
        });
        assertEquals(640, total.get());
        // the pool still works after all that
        AtomicInteger after = new AtomicInteger();
        for (int r = 0; r < 1000; r++) {
            Parallel.forRange(4, (s, t) -> after.addAndGet(t - s));
        }
        assertEquals(4000, after.get());
        assertTrue(Parallel.threads() >= 1);
    }
}
