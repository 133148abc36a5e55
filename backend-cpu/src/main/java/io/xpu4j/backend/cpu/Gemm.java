package io.xpu4j.backend.cpu;

import io.xpu4j.api.DType;
import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.XpuException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.SoftReference;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Single-precision GEMM over {@link MemorySegment} storage with arbitrary element strides.
 *
 * <p>Two paths:
 * <ul>
 *   <li>The blocked path: A is packed once per call (in chunks of rows when it is large) into
 *       micro-panels of {@link #MR} rows holding all of K; for each panel of {@link #NC} columns
 *       of B, all of K is packed into micro-panels of {@link #NR} columns (both shared by all
 *       threads and packed in parallel, B a block of rows at a time so its reads stream); the
 *       rows of C are then cut into tasks that threads claim as they free up. A task takes its
 *       rows {@link #MC} at a time and runs every {@link #KC} slice of K over that block of C
 *       before moving on, so the block of C stays in L2 for the whole of K, with an
 *       {@code MR x NR} register-tiled FMA micro-kernel (8 x 2 vectors with 512-bit vectors,
 *       3 x 3 with 256-bit ones) summing each tile over K in a per-thread buffer of contiguous
 *       tiles that is written to C once. Packing handles strides and F16/BF16 conversion; edge
 *       tiles are zero-padded in the packed buffers and masked when written to C.</li>
 *   <li>The skinny path for small M ({@code m <= SKINNY_M}) when B is contiguous along K
 *       (transposed weights, {@code x·Wᵀ}) or along N (axpy along N): no full pack of B. For
 *       weights contiguous along K and 4 &lt;= M &lt;= 32 the product runs as Cᵀ = W·Xᵀ: A packed
 *       transposed, whole vectors along M, one scalar of each of a few weight rows broadcast per
 *       step of K (BF16 weights widened in registers as they are broadcast, in
 *       {@link Bf16BroadcastTiles}; F16 weight rows widened first, a group at a time, into a
 *       per-thread float buffer); with 16 lanes and M &lt;= 8 two adjacent weights are broadcast
 *       per step, against x's rows for both values of K, so that no lane is padding. For M &lt; 4
 *       it runs as dot products along K (bandwidth-bound on the weight bytes for M = 1; one row of x
 *       takes six weight rows per pass), BF16 weights (and F16 ones for M &lt;= 2) widened in
 *       registers. Other F16/BF16 weights are
 *       widened a few columns (or a 256-row strip) at a time into a small per-thread float array
 *       that register tiles then reuse. Columns are split between threads.</li>
 * </ul>
 */
final class Gemm {

    private static final VectorSpecies<Float> S = VectorWidth.FLOAT;
    private static final int L = S.length();
    private static final VectorSpecies<Short> SS =
            VectorSpecies.of(short.class, VectorShape.forBitSize(L * Short.SIZE));
    private static final VectorSpecies<Integer> IS =
            VectorSpecies.of(int.class, VectorShape.forBitSize(L * Integer.SIZE));
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort H = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfLong PAIR = ValueLayout.JAVA_LONG_UNALIGNED;
    /** 64-bit lanes of the float shape: one lane holds two adjacent floats. */
    private static final VectorSpecies<Long> LS = VectorWidth.sameShape(long.class);

    /**
     * Micro-tile shape: 8 rows x 2 vectors (16 accumulators) with 512-bit vectors (32
     * registers); 3 rows x 3 vectors (9 accumulators) with narrower vectors (16 registers: C2
     * keeps several broadcasts live and spills an accumulator of a 6x2 or 4x3 tile, which then
     * runs at 60-70% of the 3x3 tile; 5x2 measured no faster than 3x3).
     */
    static final int MR = L >= 16 ? 8 : 3;
    /** Vectors per micro-tile row. */
    static final int NV = L >= 16 ? 2 : 3;
    /** Micro-tile columns. */
    static final int NR = NV * L;
    /**
     * K slice. With 256-bit vectors a kc x NR micro-panel of B (24 KiB) stays in L1 while A
     * streams from L2. With 512-bit vectors the micro-panel (64 KiB) is read from L2, which feeds
     * the 8 x 2 tile's two loads per 16 FMAs easily; the longer slice halves the tile's loads
     * and stores of C per multiply-add (a block of the kernel over packed operands in L2/L3: 216
     * GFLOP/s per core at KC = 256, 230 at 512 and 232 at 1024, against 237 for the bare FMA loop).
     */
    static final int KC = L >= 16 ? 512 : 256;
    /** Rows of A per packed block: MC x KC floats = 192 KiB (384 KiB with 512-bit vectors), in L2. */
    static final int MC = 192;
    /**
     * Columns of B per packed panel (all of K): the MC x NC block of C (288 KiB) stays in L2 while
     * every K slice is added to it, instead of C being read and written again for each slice.
     */
    static final int NC = 384;
    /** Rows of B packed per pass over a panel's micro-panels (row-contiguous B). */
    private static final int PACK_B_ROWS = 16;
    /**
     * Most floats of A packed at once (64 MiB): a larger A is packed and multiplied in row chunks,
     * each of which packs and streams all of B again (n = 4096 in four chunks of 16 MiB ran 7-13%
     * slower than in one). Not final so that tests can lower it to exercise the chunks on small
     * matrices.
     */
    static int aPackFloats = 1 << 24;
    /**
     * Largest packed A (16 MiB) a thread's scratch holds strongly between calls; a larger one is
     * held softly, so that one big multiplication does not pin 64 MiB per calling thread while
     * the next one of its size still finds it (allocating it per call cost half of the gain).
     * Not final so that tests can lower it.
     */
    static int aPackKept = 1 << 22;
    /** Most floats a packed B panel may hold (8 MiB): a long K narrows the panel instead. */
    private static final int B_PANEL_FLOATS = 1 << 21;
    /** Largest M that takes the skinny (no B packing) path. */
    static final int SKINNY_M = 32;
    /**
     * Smallest M for which x·Wᵀ (W contiguous along K) runs as Cᵀ = W·Xᵀ with vectors along M and
     * W's scalars broadcast; below it the dot products along K run with more of each vector used.
     */
    static final int BCAST_MIN_M = 4;
    /** Most vectors along M a broadcast tile holds ({@link Op#bcast2x4}). */
    static final int BCAST_MAX_VECTORS = 4;
    /** Below this many multiply-adds a call runs on one thread. */
    private static final long PARALLEL_MIN_FMAS = 1L << 18;

    private static final int T_F32 = 0;
    private static final int T_F16 = 1;
    private static final int T_BF16 = 2;

    private Gemm() {
    }

    /** Per-thread scratch buffers, grown on demand and reused. */
    private static final class Scratch {
        float[] aPack = new float[0];
        float[] bPack = new float[0];
        float[] line = new float[Math.max(KC, NC)];
        float[] cTiles = new float[0];
        float[] strip = new float[0];
        float[] bcastTile = new float[0];
        float[] aTransposed = new float[0];
        /** F16 (and big-endian BF16) weight rows widened for {@link Op#bcastColumnsHalf}. */
        MemorySegment weightRows = MemorySegment.NULL;

        MemorySegment weightRows(long floats) {
            return weightRows = NativeScratch.atLeast(weightRows, floats * Float.BYTES);
        }

        float[] cTiles(int size) {
            return cTiles = atLeast(cTiles, size);
        }

        float[] bcastTile(int size) {
            return bcastTile = atLeast(bcastTile, size);
        }

        float[] aTransposedPairs = new float[0];

        float[] aTransposedPairs(int size) {
            return aTransposedPairs = atLeast(aTransposedPairs, size);
        }

        float[] aTransposed(int size) {
            return aTransposed = atLeast(aTransposed, size);
        }

        float[] strip(int size) {
            return strip = atLeast(strip, size);
        }

        float[] aPack(int size) {
            return aPack = atLeast(aPack, size);
        }

        private SoftReference<float[]> largeAPack = new SoftReference<>(null);

        /** {@link #aPack}, or above {@link #aPackKept} floats a buffer held only softly. */
        float[] sharedAPack(int size) {
            if (size <= aPackKept) {
                return aPack(size);
            }
            float[] a = largeAPack.get();
            if (a == null || a.length < size) {
                a = new float[size];
                largeAPack = new SoftReference<>(a);
            }
            return a;
        }

        float[] bPack(int size) {
            return bPack = atLeast(bPack, size);
        }

        void line(int size) {
            line = atLeast(line, size);
        }

        /** {@code a} itself when it holds {@code size} floats, else a new array of that size. */
        private static float[] atLeast(float[] a, int size) {
            return a.length < size ? new float[size] : a;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** C = A·B (accumulate=false) or C += A·B. A is m×k, B is k×n, C is m×n float32. */
    static void gemm(int m, int n, int k,
                     MemorySegment a, long aOffset, long aRowStride, long aColStride, DType aType,
                     MemorySegment b, long bOffset, long bRowStride, long bColStride, DType bType,
                     MemorySegment c, long cOffset, long ldc, boolean accumulate) {
        int at = typeCode(aType, "A");
        int bt = typeCode(bType, "B");
        if (m < 0 || n < 0 || k < 0) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT,
                    "gemm: negative size m=" + m + " n=" + n + " k=" + k);
        }
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            if (!accumulate) {
                for (int i = 0; i < m; i++) {
                    long off = (cOffset + i * ldc) * Float.BYTES;
                    c.asSlice(off, (long) n * Float.BYTES).fill((byte) 0);
                }
            }
            return;
        }
        if (n == 1 && m > SKINNY_M && ldc == 1) {
            // One result column (W·x) is the one-row problem Cᵀ = Bᵀ·Aᵀ: the bandwidth-bound small-M
            // path streams A once, where the blocked path would pack all of A for a single column.
            gemm(1, m, k, b, bOffset, bColStride, bRowStride, bType, a, aOffset, aColStride, aRowStride, aType,
                    c, cOffset, m, accumulate);
            return;
        }
        Op op = new Op(m, n, k, a, aOffset, aRowStride, aColStride, at,
                b, bOffset, bRowStride, bColStride, bt, c, cOffset, ldc, accumulate);
        boolean parallel = (long) m * n * k >= PARALLEL_MIN_FMAS && Parallel.threads() > 1
                && Parallel.accessibleByWorkers(a) && Parallel.accessibleByWorkers(b)
                && Parallel.accessibleByWorkers(c);
        if (m <= SKINNY_M) {
            if (bColStride == 1 && n >= L) {
                op.packAFull();
                int w = 3 * L;
                int chunks = (n + w - 1) / w;
                if (parallel) {
                    Parallel.forRange(chunks, (s, e) -> op.axpyColumns(s * w, Math.min(n, e * w)));
                } else {
                    op.axpyColumns(0, n);
                }
                return;
            }
            // the broadcast tiles hold at most four vectors along M: all of M <= 32 with 8 or 16
            // lanes, but only M <= 16 with the 4 lanes of 128-bit vectors (NEON, SSE)
            if (bRowStride == 1 && m >= BCAST_MIN_M && m <= BCAST_MAX_VECTORS * L && k >= L) {
                op.packATransposed();
                int r = Op.bcastRows(op.mp / L);
                int groups = n / r;
                if (parallel) {
                    // four tile groups per task, claimed as threads free up
                    Parallel.forTasks((groups + 3) / 4, t -> op.bcastColumns(t * 4 * r, Math.min(groups, t * 4 + 4) * r, r));
                } else {
                    op.bcastColumns(0, groups * r, r);
                }
                if (groups * r < n) {
                    // the weight rows left over after whole tiles
                    op.packAFull();
                    op.dotColumns(groups * r, n);
                }
                return;
            }
            if (bRowStride == 1 || k == 1) {
                op.packAFull();
                int groups = (n + 2) / 3;
                if (parallel) {
                    Parallel.forRange(groups, (s, e) -> op.dotColumns(s * 3, Math.min(n, e * 3)));
                } else {
                    op.dotColumns(0, n);
                }
                return;
            }
        }
        op.blocked(parallel);
    }

    private static int typeCode(DType t, String which) {
        if (t == DType.F32) {
            return T_F32;
        }
        if (t == DType.F16) {
            return T_F16;
        }
        if (t == DType.BF16) {
            return T_BF16;
        }
        throw new XpuException(ErrorCode.DTYPE_MISMATCH,
                "gemm: " + which + " must be F32, F16 or BF16, got " + t);
    }

    // ---------------------------------------------------------------------------------------
    // element access helpers

    /**
     * Reads {@code len} elements starting at element {@code idx} with element stride
     * {@code stride} into {@code dst[dstOff + i * dstStride]}, converting to float.
     */
    private static void readLine(MemorySegment s, long idx, long stride, int type, int len,
                                 float[] dst, int dstOff, int dstStride, Scratch sc) {
        if (stride == 1) {
            if (type == T_F32) {
                if (dstStride == 1) {
                    MemorySegment.copy(s, F, idx * Float.BYTES, dst, dstOff, len);
                    return;
                }
                for (int i = 0, d = dstOff; i < len; i++, d += dstStride) {
                    dst[d] = s.getAtIndex(F, idx + i);
                }
                return;
            }
            if (dstStride == 1) {
                convertLine(s, idx, type, len, dst, dstOff);
                return;
            }
            float[] line = sc.line;
            convertLine(s, idx, type, len, line, 0);
            for (int i = 0, d = dstOff; i < len; i++, d += dstStride) {
                dst[d] = line[i];
            }
            return;
        }
        switch (type) {
            case T_F32 -> {
                for (int i = 0, d = dstOff; i < len; i++, d += dstStride) {
                    dst[d] = s.getAtIndex(F, idx + i * stride);
                }
            }
            case T_F16 -> {
                for (int i = 0, d = dstOff; i < len; i++, d += dstStride) {
                    dst[d] = Float.float16ToFloat(s.getAtIndex(H, idx + i * stride));
                }
            }
            default -> {
                for (int i = 0, d = dstOff; i < len; i++, d += dstStride) {
                    dst[d] = Float.intBitsToFloat(s.getAtIndex(H, idx + i * stride) << 16);
                }
            }
        }
    }

    /**
     * Converts {@code len} consecutive elements at element index {@code idx} into
     * {@code dst[dstOff..]}: a bulk copy for F32, vector shifts for BF16, and for F16 a loop the
     * JIT turns into the CPU's conversion instruction (one branch-free loop per dtype).
     */
    private static void convertLine(MemorySegment s, long idx, int type, int len, float[] dst, int dstOff) {
        int v = len - len % L;
        if (type == T_F32) {
            if (len > 64) {
                MemorySegment.copy(s, F, idx * Float.BYTES, dst, dstOff, len);
                return;
            }
            // a short line (a row of a B micro-panel): vector moves, not a call into the copy stub
            int i = 0;
            for (; i < v; i += L) {
                FloatVector.fromMemorySegment(S, s, (idx + i) * Float.BYTES, NATIVE).intoArray(dst, dstOff + i);
            }
            for (; i < len; i++) {
                dst[dstOff + i] = s.getAtIndex(F, idx + i);
            }
            return;
        }
        long off = idx * Short.BYTES;
        int i = 0;
        if (type == T_BF16) {
            for (; i < v; i += L) {
                IntVector h = (IntVector) ShortVector.fromMemorySegment(SS, s, off + (long) i * Short.BYTES, NATIVE)
                        .convertShape(VectorOperators.S2I, IS, 0);
                h.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, dstOff + i);
            }
            for (; i < len; i++) {
                dst[dstOff + i] = Float.intBitsToFloat(s.getAtIndex(H, idx + i) << 16);
            }
        } else {
            // a plain loop over Float.float16ToFloat: C2 vectorises it into the CPU's conversion
            // instruction where there is one (F16C's vcvtph2ps on x86; about 6x faster than
            // widening the bits with the Vector API on rows in L1); NaNs stay NaN, and their
            // payload does not matter to a product
            for (; i < len; i++) {
                dst[dstOff + i] = Float.float16ToFloat(s.getAtIndex(H, idx + i));
            }
        }
    }

    /** L BF16 elements from element {@code p} of {@code s}, widened to floats. */
    private static FloatVector bf16Vector(MemorySegment s, int p) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(SS, s, (long) p * Short.BYTES, NATIVE)
                .convertShape(VectorOperators.S2I, IS, 0);
        return h.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /** The BF16 element at index {@code p} of {@code s}, widened to float. */
    static float bf16At(MemorySegment s, long p) {
        return Float.intBitsToFloat(s.getAtIndex(H, p) << 16);
    }

    /** Writes {@code v} to C (or adds it) at element index {@code idx}, first {@code lanes} lanes. */
    private static void storeC(MemorySegment c, long idx, FloatVector v, int lanes, boolean overwrite) {
        long off = idx * Float.BYTES;
        if (lanes >= L) {
            if (!overwrite) {
                v = v.add(FloatVector.fromMemorySegment(S, c, off, NATIVE));
            }
            v.intoMemorySegment(c, off, NATIVE);
        } else if (lanes > 0) {
            VectorMask<Float> mask = S.indexInRange(0, lanes);
            if (!overwrite) {
                v = v.add(FloatVector.fromMemorySegment(S, c, off, NATIVE, mask));
            }
            v.intoMemorySegment(c, off, NATIVE, mask);
        }
    }

    private static void storeC(MemorySegment c, long idx, float v, boolean overwrite) {
        if (!overwrite) {
            v += c.getAtIndex(F, idx);
        }
        c.setAtIndex(F, idx, v);
    }

    // ---------------------------------------------------------------------------------------

    /** One GEMM call: its arguments plus the work routines of both paths. */
    private static final class Op {
        final int m, n, k;
        final MemorySegment a, b, c;
        final long aOff, aRs, aCs, bOff, bRs, bCs, cOff, ldc;
        final int at, bt;
        final boolean accumulate;
        /** A packed row-major m x k (skinny path). */
        float[] aFull;
        /** A packed transposed, k x mp with rows of mp = M rounded up to whole vectors (skinny path). */
        float[] aT;
        /**
         * With 16 lanes and M <= 8: A transposed in pairs of K, 16 floats per pair, row i's
         * values at K = 2p and 2p + 1 side by side in lanes 2i and 2i + 1 ({@link #bcastPairs8x1}).
         */
        float[] aTPairs;
        int mp;

        Op(int m, int n, int k, MemorySegment a, long aOff, long aRs, long aCs, int at,
           MemorySegment b, long bOff, long bRs, long bCs, int bt,
           MemorySegment c, long cOff, long ldc, boolean accumulate) {
            this.m = m;
            this.n = n;
            this.k = k;
            this.a = a;
            this.aOff = aOff;
            this.aRs = aRs;
            this.aCs = aCs;
            this.at = at;
            this.b = b;
            this.bOff = bOff;
            this.bRs = bRs;
            this.bCs = bCs;
            this.bt = bt;
            this.c = c;
            this.cOff = cOff;
            this.ldc = ldc;
            this.accumulate = accumulate;
        }

        // ------------------------------------------------------------------ skinny path

        void packAFull() {
            Scratch sc = SCRATCH.get();
            sc.line(k);
            float[] ap = sc.aPack((m * k));
            for (int i = 0; i < m; i++) {
                readLine(a, aOff + i * aRs, aCs, at, k, ap, i * k, 1, sc);
            }
            // the array is shared read-only with the workers (published by the pool's handoff)
            aFull = ap;
        }

        void packATransposed() {
            Scratch sc = SCRATCH.get();
            sc.line(k);
            mp = (m + L - 1) / L * L;
            float[] t = sc.aTransposed(k * mp);
            if (mp > m) {
                // padding lanes are never stored, but the buffer is reused between calls and a
                // stale value there (a subnormal, say) could slow every FMA on its lane
                for (int p = 0; p < k; p++) {
                    java.util.Arrays.fill(t, p * mp + m, p * mp + mp, 0f);
                }
            }
            for (int i = 0; i < m; i++) {
                readLine(a, aOff + i * aRs, aCs, at, k, t, i, mp, sc);
            }
            aT = t;
            if (pairsOfK()) {
                int kp = k / 2;
                float[] tp = sc.aTransposedPairs(kp * L);
                for (int q = 0; q < kp; q++) {
                    for (int i = 0; i < L / 2; i++) {
                        tp[q * L + 2 * i] = t[2 * q * mp + i];
                        tp[q * L + 2 * i + 1] = t[(2 * q + 1) * mp + i];
                    }
                }
                aTPairs = tp;
            }
        }

        /**
         * Whether the one-vector broadcast tile takes K in pairs: 16 lanes and at most 8 rows of
         * x, which would leave half of every lane empty; a pair of adjacent weights broadcast
         * as one 64-bit lane fills them (x's rows for two values of K side by side).
         */
        boolean pairsOfK() {
            // little-endian: the first float of the pair lands in the lower (even) float lane
            return L == 16 && m <= L / 2 && NATIVE == ByteOrder.LITTLE_ENDIAN;
        }

        /** Rows of W per broadcast tile for {@code nv} vectors along M: 8 or 9 accumulators. */
        static int bcastRows(int nv) {
            return switch (nv) {
                case 1 -> 8;
                // 32 vector registers (AVX-512): 16 accumulators; with 16 registers, 8
                case 2 -> L >= 16 ? 8 : 4;
                case 3 -> 3;
                default -> 2;
            };
        }

        /**
         * C[:, j0:j1] (j1 - j0 a multiple of r) for B contiguous along K, as Cᵀ = W·Xᵀ: each step
         * of K loads the column of Xᵀ (nv vectors along M) once and broadcasts one scalar from each
         * of r rows of W, so the weights stream once with no dot-product reductions, and the loop
         * stays a single plain iteration that the JIT keeps in registers.
         */
        void bcastColumns(int j0, int j1, int r) {
            boolean bf16 = bt == T_BF16 && Bf16BroadcastTiles.serves();
            if (bt != T_F32 && !bf16) {
                bcastColumnsHalf(j0, j1, r);
                return;
            }
            int nv = mp / L;
            float[] tile = SCRATCH.get().bcastTile(r * mp);
            for (int j = j0; j < j1; j += r) {
                long q = bOff + j * bCs;
                if (bf16) {
                    bf16Tile(nv, r, q, tile);
                } else {
                    switch (nv) {
                        case 1 -> {
                            if (aTPairs != null) {
                                bcastPairs8x1(q, tile);
                            } else {
                                bcast8x1(q, tile);
                            }
                        }
                        case 2 -> {
                            if (r == 8) {
                                bcast8x2(q, tile);
                            } else {
                                bcast4x2(q, tile);
                            }
                        }
                        case 3 -> bcast3x3(q, tile);
                        default -> bcast2x4(q, tile);
                    }
                }
                for (int rr = 0; rr < r; rr++) {
                    long ci = cOff + j + rr;
                    for (int i = 0; i < m; i++) {
                        storeC(c, ci + i * ldc, tile[rr * mp + i], !accumulate);
                    }
                }
            }
        }

        /** The BF16 tile of {@link #bcastColumns}' shape: {@code nv} vectors along M, {@code r} weight rows. */
        private void bf16Tile(int nv, int r, long q, float[] tile) {
            switch (nv) {
                case 1 -> {
                    if (aTPairs != null) {
                        Bf16BroadcastTiles.pairs8x1(b, q, bCs, aTPairs, aT, k, m, mp, tile);
                    } else {
                        Bf16BroadcastTiles.rows8x1(b, q, bCs, aT, k, m, tile);
                    }
                }
                case 2 -> {
                    if (r == 8) {
                        Bf16BroadcastTiles.rows8x2(b, q, bCs, aT, k, m, tile);
                    } else {
                        Bf16BroadcastTiles.rows4x2(b, q, bCs, aT, k, m, tile);
                    }
                }
                case 3 -> Bf16BroadcastTiles.rows3x3(b, q, bCs, aT, k, m, tile);
                default -> Bf16BroadcastTiles.rows2x4(b, q, bCs, aT, k, m, tile);
            }
        }

        /**
         * {@link #bcastColumns} for F16 weights (and BF16 ones where {@link Bf16BroadcastTiles} does
         * not serve): each group of r weight rows is widened into a float buffer (r x K floats, in
         * L2) and the F32 tile loops run over it, through an Op that sees the buffer as its B. The
         * buffer is native memory, as tensor storage is, so that those loops keep reading one kind
         * of segment.
         */
        private void bcastColumnsHalf(int j0, int j1, int r) {
            if (j0 >= j1) {
                return;
            }
            Scratch sc = SCRATCH.get();
            sc.line(k);
            MemorySegment rows = sc.weightRows((long) r * k);
            for (int j = j0; j < j1; j += r) {
                for (int rr = 0; rr < r; rr++) {
                    convertLine(b, bOff + (long) (j + rr) * bCs, bt, k, sc.line, 0);
                    MemorySegment.copy(sc.line, 0, rows, F, (long) rr * k * Float.BYTES, k);
                }
                Op group = new Op(m, r, k, a, aOff, aRs, aCs, at, rows, 0, 1, k, T_F32, c, cOff + j, ldc, accumulate);
                group.aT = aT;
                group.aTPairs = aTPairs;
                group.mp = mp;
                group.bcastColumns(0, r, r);
            }
        }

        private float bs(long idx) {
            return b.getAtIndex(F, idx);
        }

        /** Two adjacent weights, at element {@code idx} of B, in every 64-bit lane. */
        private FloatVector pairBroadcast(long idx) {
            return LongVector.broadcast(LS, b.get(PAIR, idx * Float.BYTES)).reinterpretAsFloats();
        }

        /**
         * {@link #bcast8x1} over K in pairs ({@link #pairsOfK}): lanes 2i and 2i + 1 sum row i's
         * products at even and odd K, added together at the end; an odd K's last value is added
         * one product at a time.
         */
        private void bcastPairs8x1(long q0, float[] tile) {
            FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
            final long ks = bCs;
            final int kp = k / 2;
            float[] xt = aTPairs;
            long q1 = q0 + ks, q2 = q1 + ks, q3 = q2 + ks, q4 = q3 + ks, q5 = q4 + ks, q6 = q5 + ks, q7 = q6 + ks;
            for (int p = 0; p < kp; p++) {
                FloatVector x = FloatVector.fromArray(S, xt, p * L);
                long o = 2L * p;
                c0 = pairBroadcast(q0 + o).fma(x, c0);
                c1 = pairBroadcast(q1 + o).fma(x, c1);
                c2 = pairBroadcast(q2 + o).fma(x, c2);
                c3 = pairBroadcast(q3 + o).fma(x, c3);
                c4 = pairBroadcast(q4 + o).fma(x, c4);
                c5 = pairBroadcast(q5 + o).fma(x, c5);
                c6 = pairBroadcast(q6 + o).fma(x, c6);
                c7 = pairBroadcast(q7 + o).fma(x, c7);
            }
            c0.intoArray(tile, 0);
            c1.intoArray(tile, L);
            c2.intoArray(tile, 2 * L);
            c3.intoArray(tile, 3 * L);
            c4.intoArray(tile, 4 * L);
            c5.intoArray(tile, 5 * L);
            c6.intoArray(tile, 6 * L);
            c7.intoArray(tile, 7 * L);
            int last = 2 * kp;
            for (int rr = 0; rr < 8; rr++) {
                int t = rr * L;
                // in place: entry i is written after entries 2i and 2i + 1 were read
                for (int i = 0; i < L / 2; i++) {
                    tile[t + i] = tile[t + 2 * i] + tile[t + 2 * i + 1];
                }
                if (last < k) {
                    float w = bs(q0 + rr * ks + last);
                    for (int i = 0; i < m; i++) {
                        tile[t + i] += aT[last * mp + i] * w;
                    }
                }
            }
        }

        private void bcast8x1(long q0, float[] tile) {
            FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
            final long ks = bCs;
            final int kk = k;
            float[] xt = aT;
            long q1 = q0 + ks, q2 = q1 + ks, q3 = q2 + ks, q4 = q3 + ks, q5 = q4 + ks, q6 = q5 + ks, q7 = q6 + ks;
            for (int p = 0; p < kk; p++) {
                FloatVector x = FloatVector.fromArray(S, xt, p * L);
                c0 = FloatVector.broadcast(S, bs(q0 + p)).fma(x, c0);
                c1 = FloatVector.broadcast(S, bs(q1 + p)).fma(x, c1);
                c2 = FloatVector.broadcast(S, bs(q2 + p)).fma(x, c2);
                c3 = FloatVector.broadcast(S, bs(q3 + p)).fma(x, c3);
                c4 = FloatVector.broadcast(S, bs(q4 + p)).fma(x, c4);
                c5 = FloatVector.broadcast(S, bs(q5 + p)).fma(x, c5);
                c6 = FloatVector.broadcast(S, bs(q6 + p)).fma(x, c6);
                c7 = FloatVector.broadcast(S, bs(q7 + p)).fma(x, c7);
            }
            c0.intoArray(tile, 0);
            c1.intoArray(tile, L);
            c2.intoArray(tile, 2 * L);
            c3.intoArray(tile, 3 * L);
            c4.intoArray(tile, 4 * L);
            c5.intoArray(tile, 5 * L);
            c6.intoArray(tile, 6 * L);
            c7.intoArray(tile, 7 * L);
        }

        private void bcast8x2(long q0, float[] tile) {
            FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
            FloatVector c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
            final long ks = bCs;
            final int kk = k;
            float[] xt = aT;
            long q1 = q0 + ks, q2 = q1 + ks, q3 = q2 + ks, q4 = q3 + ks, q5 = q4 + ks, q6 = q5 + ks, q7 = q6 + ks;
            for (int p = 0; p < kk; p++) {
                int xi = p * (2 * L);
                FloatVector x0 = FloatVector.fromArray(S, xt, xi);
                FloatVector x1 = FloatVector.fromArray(S, xt, xi + L);
                FloatVector w = FloatVector.broadcast(S, bs(q0 + p));
                c00 = w.fma(x0, c00);
                c01 = w.fma(x1, c01);
                w = FloatVector.broadcast(S, bs(q1 + p));
                c10 = w.fma(x0, c10);
                c11 = w.fma(x1, c11);
                w = FloatVector.broadcast(S, bs(q2 + p));
                c20 = w.fma(x0, c20);
                c21 = w.fma(x1, c21);
                w = FloatVector.broadcast(S, bs(q3 + p));
                c30 = w.fma(x0, c30);
                c31 = w.fma(x1, c31);
                w = FloatVector.broadcast(S, bs(q4 + p));
                c40 = w.fma(x0, c40);
                c41 = w.fma(x1, c41);
                w = FloatVector.broadcast(S, bs(q5 + p));
                c50 = w.fma(x0, c50);
                c51 = w.fma(x1, c51);
                w = FloatVector.broadcast(S, bs(q6 + p));
                c60 = w.fma(x0, c60);
                c61 = w.fma(x1, c61);
                w = FloatVector.broadcast(S, bs(q7 + p));
                c70 = w.fma(x0, c70);
                c71 = w.fma(x1, c71);
            }
            c00.intoArray(tile, 0);
            c01.intoArray(tile, L);
            c10.intoArray(tile, 2 * L);
            c11.intoArray(tile, 3 * L);
            c20.intoArray(tile, 4 * L);
            c21.intoArray(tile, 5 * L);
            c30.intoArray(tile, 6 * L);
            c31.intoArray(tile, 7 * L);
            c40.intoArray(tile, 8 * L);
            c41.intoArray(tile, 9 * L);
            c50.intoArray(tile, 10 * L);
            c51.intoArray(tile, 11 * L);
            c60.intoArray(tile, 12 * L);
            c61.intoArray(tile, 13 * L);
            c70.intoArray(tile, 14 * L);
            c71.intoArray(tile, 15 * L);
        }

        private void bcast4x2(long q0, float[] tile) {
            FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00;
            FloatVector c20 = c00, c21 = c00, c30 = c00, c31 = c00;
            final long ks = bCs;
            final int kk = k;
            float[] xt = aT;
            long q1 = q0 + ks, q2 = q1 + ks, q3 = q2 + ks;
            for (int p = 0; p < kk; p++) {
                int xi = p * (2 * L);
                FloatVector x0 = FloatVector.fromArray(S, xt, xi);
                FloatVector x1 = FloatVector.fromArray(S, xt, xi + L);
                FloatVector w = FloatVector.broadcast(S, bs(q0 + p));
                c00 = w.fma(x0, c00);
                c01 = w.fma(x1, c01);
                w = FloatVector.broadcast(S, bs(q1 + p));
                c10 = w.fma(x0, c10);
                c11 = w.fma(x1, c11);
                w = FloatVector.broadcast(S, bs(q2 + p));
                c20 = w.fma(x0, c20);
                c21 = w.fma(x1, c21);
                w = FloatVector.broadcast(S, bs(q3 + p));
                c30 = w.fma(x0, c30);
                c31 = w.fma(x1, c31);
            }
            c00.intoArray(tile, 0);
            c01.intoArray(tile, L);
            c10.intoArray(tile, 2 * L);
            c11.intoArray(tile, 3 * L);
            c20.intoArray(tile, 4 * L);
            c21.intoArray(tile, 5 * L);
            c30.intoArray(tile, 6 * L);
            c31.intoArray(tile, 7 * L);
        }

        private void bcast3x3(long q0, float[] tile) {
            FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00;
            FloatVector c20 = c00, c21 = c00, c22 = c00;
            final long ks = bCs;
            final int kk = k;
            float[] xt = aT;
            long q1 = q0 + ks, q2 = q1 + ks;
            for (int p = 0; p < kk; p++) {
                int xi = p * (3 * L);
                FloatVector x0 = FloatVector.fromArray(S, xt, xi);
                FloatVector x1 = FloatVector.fromArray(S, xt, xi + L);
                FloatVector x2 = FloatVector.fromArray(S, xt, xi + 2 * L);
                FloatVector w = FloatVector.broadcast(S, bs(q0 + p));
                c00 = w.fma(x0, c00);
                c01 = w.fma(x1, c01);
                c02 = w.fma(x2, c02);
                w = FloatVector.broadcast(S, bs(q1 + p));
                c10 = w.fma(x0, c10);
                c11 = w.fma(x1, c11);
                c12 = w.fma(x2, c12);
                w = FloatVector.broadcast(S, bs(q2 + p));
                c20 = w.fma(x0, c20);
                c21 = w.fma(x1, c21);
                c22 = w.fma(x2, c22);
            }
            c00.intoArray(tile, 0);
            c01.intoArray(tile, L);
            c02.intoArray(tile, 2 * L);
            c10.intoArray(tile, 3 * L);
            c11.intoArray(tile, 4 * L);
            c12.intoArray(tile, 5 * L);
            c20.intoArray(tile, 6 * L);
            c21.intoArray(tile, 7 * L);
            c22.intoArray(tile, 8 * L);
        }

        private void bcast2x4(long q0, float[] tile) {
            FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c03 = c00;
            FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
            final long ks = bCs;
            final int kk = k;
            float[] xt = aT;
            long q1 = q0 + ks;
            for (int p = 0; p < kk; p++) {
                int xi = p * (4 * L);
                FloatVector x0 = FloatVector.fromArray(S, xt, xi);
                FloatVector x1 = FloatVector.fromArray(S, xt, xi + L);
                FloatVector x2 = FloatVector.fromArray(S, xt, xi + 2 * L);
                FloatVector x3 = FloatVector.fromArray(S, xt, xi + 3 * L);
                FloatVector w = FloatVector.broadcast(S, bs(q0 + p));
                c00 = w.fma(x0, c00);
                c01 = w.fma(x1, c01);
                c02 = w.fma(x2, c02);
                c03 = w.fma(x3, c03);
                w = FloatVector.broadcast(S, bs(q1 + p));
                c10 = w.fma(x0, c10);
                c11 = w.fma(x1, c11);
                c12 = w.fma(x2, c12);
                c13 = w.fma(x3, c13);
            }
            c00.intoArray(tile, 0);
            c01.intoArray(tile, L);
            c02.intoArray(tile, 2 * L);
            c03.intoArray(tile, 3 * L);
            c10.intoArray(tile, 4 * L);
            c11.intoArray(tile, 5 * L);
            c12.intoArray(tile, 6 * L);
            c13.intoArray(tile, 7 * L);
        }

        /**
         * C[:, j0:j1] for B contiguous along N: for each strip of 3 vectors of columns and each
         * slice of 256 rows of K, the strip of B is converted into a small float array (L1/L2
         * resident), then register tiles of 3 rows x 3 vectors (9 accumulators) run over it.
         */
        void axpyColumns(int j0, int j1) {
            final int kb = 256;
            final int w = 3 * L;
            float[] ap = aFull;
            Scratch sc = SCRATCH.get();
            float[] strip = sc.strip(kb * w);
            boolean direct = bt == T_F32 && m < 3;
            for (int j = j0; j < j1; j += w) {
                int cols = Math.min(w, j1 - j);
                if (direct && cols == w) {
                    for (int p0 = 0; p0 < k; p0 += kb) {
                        int p1 = Math.min(k, p0 + kb);
                        for (int i = 0; i < m; i++) {
                            axpy1x3Seg(ap, i, p0, p1, j, !accumulate && p0 == 0);
                        }
                    }
                    continue;
                }
                for (int p0 = 0; p0 < k; p0 += kb) {
                    int p1 = Math.min(k, p0 + kb);
                    int kn = p1 - p0;
                    boolean ow = !accumulate && p0 == 0;
                    for (int p = 0; p < kn; p++) {
                        convertLine(b, bOff + (long) (p0 + p) * bRs + j, bt, cols, strip, p * w);
                        if (cols < w) {
                            java.util.Arrays.fill(strip, p * w + cols, p * w + w, 0f);
                        }
                    }
                    if (cols == w) {
                        int i = 0;
                        for (; i + 3 <= m; i += 3) {
                            axpy3x3(ap, i, p0, kn, strip, j, ow);
                        }
                        for (; i < m; i++) {
                            axpy1x3(ap, i, p0, kn, strip, j, ow);
                        }
                    } else {
                        for (int v = 0; v * L < cols; v++) {
                            for (int i = 0; i < m; i++) {
                                axpy1x1(ap, i, p0, kn, strip, v * L, j + v * L, Math.min(L, cols - v * L), ow);
                            }
                        }
                    }
                }
            }
        }

        private void axpy3x3(float[] ap, int i, int p0, int kn, float[] bs, int j, boolean ow) {
            FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00;
            FloatVector c10 = c00, c11 = c00, c12 = c00;
            FloatVector c20 = c00, c21 = c00, c22 = c00;
            final int kk = k;
            int r0 = i * kk + p0, r1 = r0 + kk, r2 = r1 + kk;
            for (int p = 0; p < kn; p++) {
                int bi = p * (3 * L);
                FloatVector b0 = FloatVector.fromArray(S, bs, bi);
                FloatVector b1 = FloatVector.fromArray(S, bs, bi + L);
                FloatVector b2 = FloatVector.fromArray(S, bs, bi + 2 * L);
                FloatVector x = FloatVector.broadcast(S, ap[r0 + p]);
                c00 = x.fma(b0, c00);
                c01 = x.fma(b1, c01);
                c02 = x.fma(b2, c02);
                x = FloatVector.broadcast(S, ap[r1 + p]);
                c10 = x.fma(b0, c10);
                c11 = x.fma(b1, c11);
                c12 = x.fma(b2, c12);
                x = FloatVector.broadcast(S, ap[r2 + p]);
                c20 = x.fma(b0, c20);
                c21 = x.fma(b1, c21);
                c22 = x.fma(b2, c22);
            }
            long ci = cOff + i * ldc + j;
            storeC(c, ci, c00, L, ow);
            storeC(c, ci + L, c01, L, ow);
            storeC(c, ci + 2 * L, c02, L, ow);
            ci += ldc;
            storeC(c, ci, c10, L, ow);
            storeC(c, ci + L, c11, L, ow);
            storeC(c, ci + 2 * L, c12, L, ow);
            ci += ldc;
            storeC(c, ci, c20, L, ow);
            storeC(c, ci + L, c21, L, ow);
            storeC(c, ci + 2 * L, c22, L, ow);
        }

        private void axpy1x3(float[] ap, int i, int p0, int kn, float[] bs, int j, boolean ow) {
            FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0;
            FloatVector d0 = c0, d1 = c0, d2 = c0;
            int r0 = i * k + p0;
            int p = 0;
            // two independent accumulator sets hide the FMA latency (M = 1 is all this)
            for (; p + 1 < kn; p += 2) {
                int bi = p * (3 * L);
                FloatVector x = FloatVector.broadcast(S, ap[r0 + p]);
                FloatVector y = FloatVector.broadcast(S, ap[r0 + p + 1]);
                c0 = x.fma(FloatVector.fromArray(S, bs, bi), c0);
                c1 = x.fma(FloatVector.fromArray(S, bs, bi + L), c1);
                c2 = x.fma(FloatVector.fromArray(S, bs, bi + 2 * L), c2);
                d0 = y.fma(FloatVector.fromArray(S, bs, bi + 3 * L), d0);
                d1 = y.fma(FloatVector.fromArray(S, bs, bi + 4 * L), d1);
                d2 = y.fma(FloatVector.fromArray(S, bs, bi + 5 * L), d2);
            }
            if (p < kn) {
                int bi = p * (3 * L);
                FloatVector x = FloatVector.broadcast(S, ap[r0 + p]);
                c0 = x.fma(FloatVector.fromArray(S, bs, bi), c0);
                c1 = x.fma(FloatVector.fromArray(S, bs, bi + L), c1);
                c2 = x.fma(FloatVector.fromArray(S, bs, bi + 2 * L), c2);
            }
            long ci = cOff + i * ldc + j;
            storeC(c, ci, c0.add(d0), L, ow);
            storeC(c, ci + L, c1.add(d1), L, ow);
            storeC(c, ci + 2 * L, c2.add(d2), L, ow);
        }

        private void axpy1x1(float[] ap, int i, int p0, int kn, float[] bs, int bo, int j, int lanes, boolean ow) {
            FloatVector c0 = FloatVector.zero(S);
            int r0 = i * k + p0;
            for (int p = 0; p < kn; p++) {
                c0 = FloatVector.broadcast(S, ap[r0 + p]).fma(FloatVector.fromArray(S, bs, bo + p * (3 * L)), c0);
            }
            storeC(c, cOff + i * ldc + j, c0, lanes, ow);
        }

        /**
         * C[:, j0:j1] for B contiguous along K: three columns of B at a time are converted into a
         * float array, then dot products along K in tiles of 3 rows x 3 columns.
         */
        void dotColumns(int j0, int j1) {
            float[] ap = aFull;
            boolean ow = !accumulate;
            final int kk = k;
            Scratch sc = SCRATCH.get();
            float[] bs = sc.strip(3 * kk);
            int j = j0;
            if (bt == T_F32 && (bRs == 1 || kk < L)) {
                if (m == 1) {
                    // one row of x (decode, W·x): six weight rows per pass, so that each load of x
                    // feeds six streams (three measured 20-30% slower per core with 512-bit vectors)
                    for (; j + 6 <= j1; j += 6) {
                        dot1x6Seg(ap, j, ow);
                    }
                }
                for (; j + 3 <= j1; j += 3) {
                    int i = 0;
                    for (; i + 3 <= m; i += 3) {
                        dot3x3Seg(ap, i, j, ow);
                    }
                    if (m - i == 2) {
                        // one 2-row tile: two 1-row passes would each stream the weight rows again
                        dot2x3Seg(ap, i, j, ow);
                    } else if (m - i == 1) {
                        dot1x3Seg(ap, i, j, ow);
                    }
                }
            }
            if (bt == T_BF16 && bRs == 1 && m < BCAST_MIN_M) {
                // few rows of x: BF16 weights are widened in registers as they stream (a float
                // copy of three weight rows would not stay in L1), each row of x reading them from
                // L1; one row of x takes six weight rows per pass, as dot1x6Seg does
                if (m == 1) {
                    for (; j + 6 <= j1; j += 6) {
                        dot1x6Bf16(ap, j, ow);
                    }
                }
                for (; j + 3 <= j1; j += 3) {
                    for (int i = 0; i < m; i++) {
                        dot1x3Bf16(ap, i, j, ow);
                    }
                }
            }
            if (bt == T_F16 && bRs == 1 && m <= 2) {
                // each row of x against six F16 weight rows, the second reading them from L2 (48
                // KiB): one thread, K = N = 4096, M = 2 4.8 -> 3.8 ms; M = 3 stays with the strip,
                // whose 3 x 3 tiles widen each weight once for three rows (4.4 against 5.6 ms)
                for (; j + 6 <= j1; j += 6) {
                    for (int i = 0; i < m; i++) {
                        dot1x6F16(ap, i, j, ow);
                    }
                }
            }
            for (; j + 3 <= j1; j += 3) {
                for (int q = 0; q < 3; q++) {
                    convertLine(b, bOff + (long) (j + q) * bCs, bt, kk, bs, q * kk);
                }
                int i = 0;
                for (; i + 3 <= m; i += 3) {
                    dot3x3(ap, i, bs, j, ow);
                }
                for (; i < m; i++) {
                    dot1x3(ap, i, bs, j, ow);
                }
            }
            for (; j < j1; j++) {
                convertLine(b, bOff + (long) j * bCs, bt, kk, bs, 0);
                for (int i = 0; i < m; i++) {
                    dot1x1(ap, i, bs, j, ow);
                }
            }
        }

        private void dot3x3(float[] ap, int i, float[] bs, int j, boolean ow) {
            FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00;
            FloatVector c10 = c00, c11 = c00, c12 = c00;
            FloatVector c20 = c00, c21 = c00, c22 = c00;
            final int kk = k;
            final int kv = kk - kk % L;
            int r0 = i * kk, r1 = r0 + kk, r2 = r1 + kk;
            int q1 = kk, q2 = 2 * kk;
            for (int p = 0; p < kv; p += L) {
                FloatVector b0 = FloatVector.fromArray(S, bs, p);
                FloatVector b1 = FloatVector.fromArray(S, bs, q1 + p);
                FloatVector b2 = FloatVector.fromArray(S, bs, q2 + p);
                FloatVector x = FloatVector.fromArray(S, ap, r0 + p);
                c00 = x.fma(b0, c00);
                c01 = x.fma(b1, c01);
                c02 = x.fma(b2, c02);
                x = FloatVector.fromArray(S, ap, r1 + p);
                c10 = x.fma(b0, c10);
                c11 = x.fma(b1, c11);
                c12 = x.fma(b2, c12);
                x = FloatVector.fromArray(S, ap, r2 + p);
                c20 = x.fma(b0, c20);
                c21 = x.fma(b1, c21);
                c22 = x.fma(b2, c22);
            }
            float t00 = LaneSums.sum(c00), t01 = LaneSums.sum(c01);
            float t02 = LaneSums.sum(c02), t10 = LaneSums.sum(c10);
            float t11 = LaneSums.sum(c11), t12 = LaneSums.sum(c12);
            float t20 = LaneSums.sum(c20), t21 = LaneSums.sum(c21);
            float t22 = LaneSums.sum(c22);
            for (int p = kv; p < kk; p++) {
                float b0 = bs[p], b1 = bs[q1 + p], b2 = bs[q2 + p];
                float x0 = ap[r0 + p], x1 = ap[r1 + p], x2 = ap[r2 + p];
                t00 += x0 * b0;
                t01 += x0 * b1;
                t02 += x0 * b2;
                t10 += x1 * b0;
                t11 += x1 * b1;
                t12 += x1 * b2;
                t20 += x2 * b0;
                t21 += x2 * b1;
                t22 += x2 * b2;
            }
            long ci = cOff + i * ldc + j;
            storeC(c, ci, t00, ow);
            storeC(c, ci + 1, t01, ow);
            storeC(c, ci + 2, t02, ow);
            ci += ldc;
            storeC(c, ci, t10, ow);
            storeC(c, ci + 1, t11, ow);
            storeC(c, ci + 2, t12, ow);
            ci += ldc;
            storeC(c, ci, t20, ow);
            storeC(c, ci + 1, t21, ow);
            storeC(c, ci + 2, t22, ow);
        }

        private void dot1x3(float[] ap, int i, float[] bs, int j, boolean ow) {
            FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0;
            FloatVector d0 = c0, d1 = c0, d2 = c0;
            final int kk = k;
            final int kv = kk - kk % L;
            int r0 = i * kk;
            int q1 = kk, q2 = 2 * kk;
            int p = 0;
            // two independent accumulator sets hide the FMA latency (M = 1 is all this)
            for (; p + 2 * L <= kv; p += 2 * L) {
                FloatVector x = FloatVector.fromArray(S, ap, r0 + p);
                FloatVector y = FloatVector.fromArray(S, ap, r0 + p + L);
                c0 = x.fma(FloatVector.fromArray(S, bs, p), c0);
                c1 = x.fma(FloatVector.fromArray(S, bs, q1 + p), c1);
                c2 = x.fma(FloatVector.fromArray(S, bs, q2 + p), c2);
                d0 = y.fma(FloatVector.fromArray(S, bs, p + L), d0);
                d1 = y.fma(FloatVector.fromArray(S, bs, q1 + p + L), d1);
                d2 = y.fma(FloatVector.fromArray(S, bs, q2 + p + L), d2);
            }
            for (; p < kv; p += L) {
                FloatVector x = FloatVector.fromArray(S, ap, r0 + p);
                c0 = x.fma(FloatVector.fromArray(S, bs, p), c0);
                c1 = x.fma(FloatVector.fromArray(S, bs, q1 + p), c1);
                c2 = x.fma(FloatVector.fromArray(S, bs, q2 + p), c2);
            }
            float t0 = LaneSums.sum(c0.add(d0));
            float t1 = LaneSums.sum(c1.add(d1));
            float t2 = LaneSums.sum(c2.add(d2));
            for (; p < kk; p++) {
                float x = ap[r0 + p];
                t0 += x * bs[p];
                t1 += x * bs[q1 + p];
                t2 += x * bs[q2 + p];
            }
            long ci = cOff + i * ldc + j;
            storeC(c, ci, t0, ow);
            storeC(c, ci + 1, t1, ow);
            storeC(c, ci + 2, t2, ow);
        }

        private void dot1x1(float[] ap, int i, float[] bs, int j, boolean ow) {
            FloatVector c0 = FloatVector.zero(S);
            final int kk = k;
            final int kv = kk - kk % L;
            int r0 = i * kk;
            for (int p = 0; p < kv; p += L) {
                c0 = FloatVector.fromArray(S, ap, r0 + p).fma(FloatVector.fromArray(S, bs, p), c0);
            }
            float t0 = LaneSums.sum(c0);
            for (int p = kv; p < kk; p++) {
                t0 += ap[r0 + p] * bs[p];
            }
            storeC(c, cOff + i * ldc + j, t0, ow);
        }

        // F32 B read straight from its segment (no strip copy): branch-free loops, so the
        // weights stream from memory once, at memory bandwidth, for M = 1.

        /**
         * Column {@code j} of B (a weight row, contiguous along K) as a slice indexed from 0: C2
         * hoists a slice's bounds checks out of the loop, where offsets of several rows into one
         * segment were checked at every load.
         */
        private MemorySegment weightRow(int j) {
            return b.asSlice((bOff + j * bCs) * Float.BYTES, (long) k * Float.BYTES);
        }

        private FloatVector bv(long idx) {
            return FloatVector.fromMemorySegment(S, b, idx * Float.BYTES, NATIVE);
        }

        private void dot3x3Seg(float[] ap, int i, int j, boolean ow) {
            FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00;
            FloatVector c10 = c00, c11 = c00, c12 = c00;
            FloatVector c20 = c00, c21 = c00, c22 = c00;
            final int kk = k;
            final int kv = kk - kk % L;
            int r0 = i * kk, r1 = r0 + kk, r2 = r1 + kk;
            MemorySegment w0 = weightRow(j), w1 = weightRow(j + 1), w2 = weightRow(j + 2);
            for (int p = 0; p < kv; p += L) {
                FloatVector b0 = FloatVector.fromMemorySegment(S, w0, (long) p * Float.BYTES, NATIVE);
                FloatVector b1 = FloatVector.fromMemorySegment(S, w1, (long) p * Float.BYTES, NATIVE);
                FloatVector b2 = FloatVector.fromMemorySegment(S, w2, (long) p * Float.BYTES, NATIVE);
                FloatVector x = FloatVector.fromArray(S, ap, r0 + p);
                c00 = x.fma(b0, c00);
                c01 = x.fma(b1, c01);
                c02 = x.fma(b2, c02);
                x = FloatVector.fromArray(S, ap, r1 + p);
                c10 = x.fma(b0, c10);
                c11 = x.fma(b1, c11);
                c12 = x.fma(b2, c12);
                x = FloatVector.fromArray(S, ap, r2 + p);
                c20 = x.fma(b0, c20);
                c21 = x.fma(b1, c21);
                c22 = x.fma(b2, c22);
            }
            float t00 = LaneSums.sum(c00), t01 = LaneSums.sum(c01);
            float t02 = LaneSums.sum(c02), t10 = LaneSums.sum(c10);
            float t11 = LaneSums.sum(c11), t12 = LaneSums.sum(c12);
            float t20 = LaneSums.sum(c20), t21 = LaneSums.sum(c21);
            float t22 = LaneSums.sum(c22);
            for (int p = kv; p < kk; p++) {
                float b0 = w0.getAtIndex(F, p), b1 = w1.getAtIndex(F, p), b2 = w2.getAtIndex(F, p);
                float x0 = ap[r0 + p], x1 = ap[r1 + p], x2 = ap[r2 + p];
                t00 += x0 * b0;
                t01 += x0 * b1;
                t02 += x0 * b2;
                t10 += x1 * b0;
                t11 += x1 * b1;
                t12 += x1 * b2;
                t20 += x2 * b0;
                t21 += x2 * b1;
                t22 += x2 * b2;
            }
            long ci = cOff + i * ldc + j;
            storeC(c, ci, t00, ow);
            storeC(c, ci + 1, t01, ow);
            storeC(c, ci + 2, t02, ow);
            ci += ldc;
            storeC(c, ci, t10, ow);
            storeC(c, ci + 1, t11, ow);
            storeC(c, ci + 2, t12, ow);
            ci += ldc;
            storeC(c, ci, t20, ow);
            storeC(c, ci + 1, t21, ow);
            storeC(c, ci + 2, t22, ow);
        }

        private void dot2x3Seg(float[] ap, int i, int j, boolean ow) {
            FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00;
            FloatVector c10 = c00, c11 = c00, c12 = c00;
            final int kk = k;
            final int kv = kk - kk % L;
            int r0 = i * kk, r1 = r0 + kk;
            MemorySegment w0 = weightRow(j), w1 = weightRow(j + 1), w2 = weightRow(j + 2);
            for (int p = 0; p < kv; p += L) {
                FloatVector b0 = FloatVector.fromMemorySegment(S, w0, (long) p * Float.BYTES, NATIVE);
                FloatVector b1 = FloatVector.fromMemorySegment(S, w1, (long) p * Float.BYTES, NATIVE);
                FloatVector b2 = FloatVector.fromMemorySegment(S, w2, (long) p * Float.BYTES, NATIVE);
                FloatVector x = FloatVector.fromArray(S, ap, r0 + p);
                c00 = x.fma(b0, c00);
                c01 = x.fma(b1, c01);
                c02 = x.fma(b2, c02);
                x = FloatVector.fromArray(S, ap, r1 + p);
                c10 = x.fma(b0, c10);
                c11 = x.fma(b1, c11);
                c12 = x.fma(b2, c12);
            }
            float t00 = LaneSums.sum(c00), t01 = LaneSums.sum(c01);
            float t02 = LaneSums.sum(c02), t10 = LaneSums.sum(c10);
            float t11 = LaneSums.sum(c11), t12 = LaneSums.sum(c12);
            for (int p = kv; p < kk; p++) {
                float b0 = w0.getAtIndex(F, p), b1 = w1.getAtIndex(F, p), b2 = w2.getAtIndex(F, p);
                float x0 = ap[r0 + p], x1 = ap[r1 + p];
                t00 += x0 * b0;
                t01 += x0 * b1;
                t02 += x0 * b2;
                t10 += x1 * b0;
                t11 += x1 * b1;
                t12 += x1 * b2;
            }
            long ci = cOff + i * ldc + j;
            storeC(c, ci, t00, ow);
            storeC(c, ci + 1, t01, ow);
            storeC(c, ci + 2, t02, ow);
            ci += ldc;
            storeC(c, ci, t10, ow);
            storeC(c, ci + 1, t11, ow);
            storeC(c, ci + 2, t12, ow);
        }

        private void dot1x3Seg(float[] ap, int i, int j, boolean ow) {
            FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0;
            FloatVector d0 = c0, d1 = c0, d2 = c0;
            final int kk = k;
            final int kv = kk - kk % L;
            int r0 = i * kk;
            MemorySegment w0 = weightRow(j), w1 = weightRow(j + 1), w2 = weightRow(j + 2);
            int p = 0;
            for (; p + 2 * L <= kv; p += 2 * L) {
                FloatVector x = FloatVector.fromArray(S, ap, r0 + p);
                FloatVector y = FloatVector.fromArray(S, ap, r0 + p + L);
                c0 = x.fma(FloatVector.fromMemorySegment(S, w0, (long) p * Float.BYTES, NATIVE), c0);
                c1 = x.fma(FloatVector.fromMemorySegment(S, w1, (long) p * Float.BYTES, NATIVE), c1);
                c2 = x.fma(FloatVector.fromMemorySegment(S, w2, (long) p * Float.BYTES, NATIVE), c2);
                d0 = y.fma(FloatVector.fromMemorySegment(S, w0, (long) (p + L) * Float.BYTES, NATIVE), d0);
                d1 = y.fma(FloatVector.fromMemorySegment(S, w1, (long) (p + L) * Float.BYTES, NATIVE), d1);
                d2 = y.fma(FloatVector.fromMemorySegment(S, w2, (long) (p + L) * Float.BYTES, NATIVE), d2);
            }
            for (; p < kv; p += L) {
                FloatVector x = FloatVector.fromArray(S, ap, r0 + p);
                c0 = x.fma(FloatVector.fromMemorySegment(S, w0, (long) p * Float.BYTES, NATIVE), c0);
                c1 = x.fma(FloatVector.fromMemorySegment(S, w1, (long) p * Float.BYTES, NATIVE), c1);
                c2 = x.fma(FloatVector.fromMemorySegment(S, w2, (long) p * Float.BYTES, NATIVE), c2);
            }
            float t0 = LaneSums.sum(c0.add(d0));
            float t1 = LaneSums.sum(c1.add(d1));
            float t2 = LaneSums.sum(c2.add(d2));
            for (; p < kk; p++) {
                float x = ap[r0 + p];
                t0 += x * w0.getAtIndex(F, p);
                t1 += x * w1.getAtIndex(F, p);
                t2 += x * w2.getAtIndex(F, p);
            }
            long ci = cOff + i * ldc + j;
            storeC(c, ci, t0, ow);
            storeC(c, ci + 1, t1, ow);
            storeC(c, ci + 2, t2, ow);
        }

        /**
         * Row {@code i} of x against F16 weight rows j..j+5, as {@link #dot1x6Bf16} does for BF16,
         * the weights widened in registers with integer and float arithmetic (the Vector API has
         * no half-precision conversion): the magnitude's bits moved to F32's places are the value
         * times 2^-112, exactly, for normal and subnormal halves alike, so one multiplication by
         * 2^112 rebiases the exponent; Inf and NaN (exponent all ones) get F32's all-ones exponent
         * with their payload kept; the sign goes back in last.
         * With 512-bit vectors this ran about 2x as fast as the float strip, whose widening by the
         * CPU's conversion instruction reads one weight row at a time and, in profiles, waited on
         * those loads: here six weight rows stream at once, as for F32 and BF16.
         */
        private void dot1x6F16(float[] ap, int i, int j, boolean ow) {
            FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
            final int kk = k;
            final int kv = kk - kk % L;
            final int r0 = i * kk;
            MemorySegment w0 = halfWeightRow(j), w1 = halfWeightRow(j + 1), w2 = halfWeightRow(j + 2);
            MemorySegment w3 = halfWeightRow(j + 3), w4 = halfWeightRow(j + 4), w5 = halfWeightRow(j + 5);
            // the widening written out for each row: as a helper method it was not inlined once
            // compiled on its own, and every call boxed its vector (then 2x slower than the strip)
            IntVector low15 = IntVector.broadcast(IS, 0x7fff);
            IntVector sign16 = IntVector.broadcast(IS, 0x8000);
            IntVector infNan = IntVector.broadcast(IS, 0x7f800000);
            FloatVector rebias = FloatVector.broadcast(S, 0x1p112f);
            int p = 0;
            for (; p < kv; p += L) {
                FloatVector x = FloatVector.fromArray(S, ap, r0 + p);
                long o = (long) p * Short.BYTES;
                IntVector h0 = (IntVector) ShortVector.fromMemorySegment(SS, w0, o, NATIVE)
                        .convertShape(VectorOperators.S2I, IS, 0);
                IntVector m0 = h0.and(low15);
                c0 = x.fma(m0.lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(rebias).reinterpretAsInts()
                        .lanewise(VectorOperators.OR, infNan, m0.compare(VectorOperators.GE, 0x7c00))
                        .or(h0.and(sign16).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats(), c0);
                IntVector h1 = (IntVector) ShortVector.fromMemorySegment(SS, w1, o, NATIVE)
                        .convertShape(VectorOperators.S2I, IS, 0);
                IntVector m1 = h1.and(low15);
                c1 = x.fma(m1.lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(rebias).reinterpretAsInts()
                        .lanewise(VectorOperators.OR, infNan, m1.compare(VectorOperators.GE, 0x7c00))
                        .or(h1.and(sign16).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats(), c1);
                IntVector h2 = (IntVector) ShortVector.fromMemorySegment(SS, w2, o, NATIVE)
                        .convertShape(VectorOperators.S2I, IS, 0);
                IntVector m2 = h2.and(low15);
                c2 = x.fma(m2.lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(rebias).reinterpretAsInts()
                        .lanewise(VectorOperators.OR, infNan, m2.compare(VectorOperators.GE, 0x7c00))
                        .or(h2.and(sign16).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats(), c2);
                IntVector h3 = (IntVector) ShortVector.fromMemorySegment(SS, w3, o, NATIVE)
                        .convertShape(VectorOperators.S2I, IS, 0);
                IntVector m3 = h3.and(low15);
                c3 = x.fma(m3.lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(rebias).reinterpretAsInts()
                        .lanewise(VectorOperators.OR, infNan, m3.compare(VectorOperators.GE, 0x7c00))
                        .or(h3.and(sign16).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats(), c3);
                IntVector h4 = (IntVector) ShortVector.fromMemorySegment(SS, w4, o, NATIVE)
                        .convertShape(VectorOperators.S2I, IS, 0);
                IntVector m4 = h4.and(low15);
                c4 = x.fma(m4.lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(rebias).reinterpretAsInts()
                        .lanewise(VectorOperators.OR, infNan, m4.compare(VectorOperators.GE, 0x7c00))
                        .or(h4.and(sign16).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats(), c4);
                IntVector h5 = (IntVector) ShortVector.fromMemorySegment(SS, w5, o, NATIVE)
                        .convertShape(VectorOperators.S2I, IS, 0);
                IntVector m5 = h5.and(low15);
                c5 = x.fma(m5.lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(rebias).reinterpretAsInts()
                        .lanewise(VectorOperators.OR, infNan, m5.compare(VectorOperators.GE, 0x7c00))
                        .or(h5.and(sign16).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats(), c5);
            }
            float t0 = LaneSums.sum(c0), t1 = LaneSums.sum(c1), t2 = LaneSums.sum(c2);
            float t3 = LaneSums.sum(c3), t4 = LaneSums.sum(c4), t5 = LaneSums.sum(c5);
            for (; p < kk; p++) {
                float x = ap[r0 + p];
                t0 += x * Float.float16ToFloat(w0.getAtIndex(H, p));
                t1 += x * Float.float16ToFloat(w1.getAtIndex(H, p));
                t2 += x * Float.float16ToFloat(w2.getAtIndex(H, p));
                t3 += x * Float.float16ToFloat(w3.getAtIndex(H, p));
                t4 += x * Float.float16ToFloat(w4.getAtIndex(H, p));
                t5 += x * Float.float16ToFloat(w5.getAtIndex(H, p));
            }
            long ci = cOff + i * ldc + j;
            storeC(c, ci, t0, ow);
            storeC(c, ci + 1, t1, ow);
            storeC(c, ci + 2, t2, ow);
            storeC(c, ci + 3, t3, ow);
            storeC(c, ci + 4, t4, ow);
            storeC(c, ci + 5, t5, ow);
        }

        /** Row 0 of x against weight rows j..j+5, one vector of K per step. */
        private void dot1x6Seg(float[] ap, int j, boolean ow) {
            FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
            final int kk = k;
            final int kv = kk - kk % L;
            MemorySegment w0 = weightRow(j), w1 = weightRow(j + 1), w2 = weightRow(j + 2);
            MemorySegment w3 = weightRow(j + 3), w4 = weightRow(j + 4), w5 = weightRow(j + 5);
            int p = 0;
            for (; p < kv; p += L) {
                FloatVector x = FloatVector.fromArray(S, ap, p);
                long o = (long) p * Float.BYTES;
                c0 = x.fma(FloatVector.fromMemorySegment(S, w0, o, NATIVE), c0);
                c1 = x.fma(FloatVector.fromMemorySegment(S, w1, o, NATIVE), c1);
                c2 = x.fma(FloatVector.fromMemorySegment(S, w2, o, NATIVE), c2);
                c3 = x.fma(FloatVector.fromMemorySegment(S, w3, o, NATIVE), c3);
                c4 = x.fma(FloatVector.fromMemorySegment(S, w4, o, NATIVE), c4);
                c5 = x.fma(FloatVector.fromMemorySegment(S, w5, o, NATIVE), c5);
            }
            float t0 = LaneSums.sum(c0), t1 = LaneSums.sum(c1), t2 = LaneSums.sum(c2);
            float t3 = LaneSums.sum(c3), t4 = LaneSums.sum(c4), t5 = LaneSums.sum(c5);
            for (; p < kk; p++) {
                float x = ap[p];
                t0 += x * w0.getAtIndex(F, p);
                t1 += x * w1.getAtIndex(F, p);
                t2 += x * w2.getAtIndex(F, p);
                t3 += x * w3.getAtIndex(F, p);
                t4 += x * w4.getAtIndex(F, p);
                t5 += x * w5.getAtIndex(F, p);
            }
            long ci = cOff + j;
            storeC(c, ci, t0, ow);
            storeC(c, ci + 1, t1, ow);
            storeC(c, ci + 2, t2, ow);
            storeC(c, ci + 3, t3, ow);
            storeC(c, ci + 4, t4, ow);
            storeC(c, ci + 5, t5, ow);
        }

        /**
         * {@link #dot1x3Seg} for BF16 weight rows, widened to floats in registers (a shift). F16
         * weights keep the float strip for three rows of x: this loop with F16's longer widening
         * measured 3-6x slower than the strip (one or two rows of x: {@link #dot1x6F16}).
         */
        private void dot1x3Bf16(float[] ap, int i, int j, boolean ow) {
            FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0;
            FloatVector d0 = c0, d1 = c0, d2 = c0;
            final int kk = k;
            final int kv = kk - kk % L;
            int r0 = i * kk;
            MemorySegment w0 = halfWeightRow(j), w1 = halfWeightRow(j + 1), w2 = halfWeightRow(j + 2);
            int p = 0;
            for (; p + 2 * L <= kv; p += 2 * L) {
                FloatVector x = FloatVector.fromArray(S, ap, r0 + p);
                FloatVector y = FloatVector.fromArray(S, ap, r0 + p + L);
                c0 = x.fma(bf16Vector(w0, p), c0);
                c1 = x.fma(bf16Vector(w1, p), c1);
                c2 = x.fma(bf16Vector(w2, p), c2);
                d0 = y.fma(bf16Vector(w0, p + L), d0);
                d1 = y.fma(bf16Vector(w1, p + L), d1);
                d2 = y.fma(bf16Vector(w2, p + L), d2);
            }
            for (; p < kv; p += L) {
                FloatVector x = FloatVector.fromArray(S, ap, r0 + p);
                c0 = x.fma(bf16Vector(w0, p), c0);
                c1 = x.fma(bf16Vector(w1, p), c1);
                c2 = x.fma(bf16Vector(w2, p), c2);
            }
            float t0 = LaneSums.sum(c0.add(d0));
            float t1 = LaneSums.sum(c1.add(d1));
            float t2 = LaneSums.sum(c2.add(d2));
            for (; p < kk; p++) {
                float x = ap[r0 + p];
                t0 += x * bf16At(w0, p);
                t1 += x * bf16At(w1, p);
                t2 += x * bf16At(w2, p);
            }
            long ci = cOff + i * ldc + j;
            storeC(c, ci, t0, ow);
            storeC(c, ci + 1, t1, ow);
            storeC(c, ci + 2, t2, ow);
        }

        /** {@link #dot1x6Seg} for BF16 weight rows, widened in registers as in {@link #dot1x3Bf16}. */
        private void dot1x6Bf16(float[] ap, int j, boolean ow) {
            FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
            final int kk = k;
            final int kv = kk - kk % L;
            MemorySegment w0 = halfWeightRow(j), w1 = halfWeightRow(j + 1), w2 = halfWeightRow(j + 2);
            MemorySegment w3 = halfWeightRow(j + 3), w4 = halfWeightRow(j + 4), w5 = halfWeightRow(j + 5);
            int p = 0;
            for (; p < kv; p += L) {
                FloatVector x = FloatVector.fromArray(S, ap, p);
                c0 = x.fma(bf16Vector(w0, p), c0);
                c1 = x.fma(bf16Vector(w1, p), c1);
                c2 = x.fma(bf16Vector(w2, p), c2);
                c3 = x.fma(bf16Vector(w3, p), c3);
                c4 = x.fma(bf16Vector(w4, p), c4);
                c5 = x.fma(bf16Vector(w5, p), c5);
            }
            float t0 = LaneSums.sum(c0), t1 = LaneSums.sum(c1), t2 = LaneSums.sum(c2);
            float t3 = LaneSums.sum(c3), t4 = LaneSums.sum(c4), t5 = LaneSums.sum(c5);
            for (; p < kk; p++) {
                float x = ap[p];
                t0 += x * bf16At(w0, p);
                t1 += x * bf16At(w1, p);
                t2 += x * bf16At(w2, p);
                t3 += x * bf16At(w3, p);
                t4 += x * bf16At(w4, p);
                t5 += x * bf16At(w5, p);
            }
            long ci = cOff + j;
            storeC(c, ci, t0, ow);
            storeC(c, ci + 1, t1, ow);
            storeC(c, ci + 2, t2, ow);
            storeC(c, ci + 3, t3, ow);
            storeC(c, ci + 4, t4, ow);
            storeC(c, ci + 5, t5, ow);
        }

        /** Column {@code j} of B, 2-byte elements, as a slice indexed from 0 (see {@link #weightRow}). */
        private MemorySegment halfWeightRow(int j) {
            return b.asSlice((bOff + j * bCs) * Short.BYTES, (long) k * Short.BYTES);
        }

        private void axpy1x3Seg(float[] ap, int i, int p0, int p1, int j, boolean ow) {
            FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0;
            FloatVector d0 = c0, d1 = c0, d2 = c0;
            final long rs = bRs;
            int r0 = i * k;
            long bi = bOff + p0 * rs + j;
            int p = p0;
            for (; p + 1 < p1; p += 2, bi += 2 * rs) {
                FloatVector x = FloatVector.broadcast(S, ap[r0 + p]);
                FloatVector y = FloatVector.broadcast(S, ap[r0 + p + 1]);
                c0 = x.fma(bv(bi), c0);
                c1 = x.fma(bv(bi + L), c1);
                c2 = x.fma(bv(bi + 2 * L), c2);
                d0 = y.fma(bv(bi + rs), d0);
                d1 = y.fma(bv(bi + rs + L), d1);
                d2 = y.fma(bv(bi + rs + 2 * L), d2);
            }
            if (p < p1) {
                FloatVector x = FloatVector.broadcast(S, ap[r0 + p]);
                c0 = x.fma(bv(bi), c0);
                c1 = x.fma(bv(bi + L), c1);
                c2 = x.fma(bv(bi + 2 * L), c2);
            }
            long ci = cOff + i * ldc + j;
            storeC(c, ci, c0.add(d0), L, ow);
            storeC(c, ci + L, c1.add(d1), L, ow);
            storeC(c, ci + 2 * L, c2.add(d2), L, ow);
        }

        // ------------------------------------------------------------------ blocked path

        void blocked(boolean parallel) {
            int threads = parallel ? Parallel.threads() : 1;
            int kBlocks = (k + KC - 1) / KC;
            int kc0 = (k + kBlocks - 1) / kBlocks;
            int ncMax = Math.max(NR, Math.min(NC, B_PANEL_FLOATS / k / NR * NR));
            int nBlocks = (n + ncMax - 1) / ncMax;
            int nc0 = roundUp((n + nBlocks - 1) / nBlocks, NR);
            // the panel of B holds all of K, so that a block of C stays in cache while every
            // K slice is added to it (C is read and written once per call, not once per slice)
            Scratch sc = SCRATCH.get();
            float[] bp = sc.bPack(k * nc0);
            // With several panels of B, A is packed once per call (in chunks of rows when it is
            // large) and shared by every panel, instead of once per panel. With one panel each
            // task packs its own slices of A right before using them, while they are in cache.
            int mTilesAll = (m + MR - 1) / MR;
            boolean shareA = nBlocks > 1;
            int maxTiles = shareA ? Math.max(1, aPackFloats / (k * MR)) : mTilesAll;
            int chunks = (mTilesAll + maxTiles - 1) / maxTiles;
            // chunks of nearly equal rows: each chunk packs and streams all of B once
            int chunkTiles = (mTilesAll + chunks - 1) / chunks;
            final float[] ap = shareA ? sc.sharedAPack(chunkTiles * MR * k) : null;
            for (int i0 = 0; i0 < m; i0 += chunkTiles * MR) {
                final int mChunk = Math.min(chunkTiles * MR, m - i0);
                final int mTiles = (mChunk + MR - 1) / MR;
                final int i0f = i0;
                if (shareA && threads > 1) {
                    Parallel.forRange(mTiles, (s0, e0) -> packSharedA(ap, i0f, mChunk, s0, e0, mTiles, kc0));
                } else if (shareA) {
                    packSharedA(ap, i0f, mChunk, 0, mTiles, mTiles, kc0);
                }
                boolean splitM = mTiles >= 8 * threads;
                for (int jc = 0; jc < n; jc += nc0) {
                    final int nc = Math.min(nc0, n - jc);
                    final int panels = (nc + NR - 1) / NR;
                    final int jcf = jc;
                    if (threads > 1) {
                        Parallel.forRange(panels, (s0, e0) -> packB(bp, jcf, nc, 0, k, s0, e0));
                        // several tasks per thread, claimed as threads free up: on a shared machine
                        // one core can run slower than the other, and equal halves would wait for it
                        if (splitM) {
                            int tileTask = perTask(mTiles, threads);
                            Parallel.forTasks((mTiles + tileTask - 1) / tileTask, t -> rows(ap, mTiles, bp, i0f,
                                    t * tileTask * MR, Math.min(mChunk, (t + 1) * tileTask * MR), jcf, nc, 0, panels, kc0));
                        } else {
                            int panelTask = perTask(panels, threads);
                            Parallel.forTasks((panels + panelTask - 1) / panelTask, t -> rows(ap, mTiles, bp, i0f, 0, mChunk,
                                    jcf, nc, t * panelTask, Math.min(panels, (t + 1) * panelTask), kc0));
                        }
                    } else {
                        packB(bp, jcf, nc, 0, k, 0, panels);
                        rows(ap, mTiles, bp, i0f, 0, mChunk, jcf, nc, 0, panels, kc0);
                    }
                }
            }
        }

        /**
         * Units (tiles or panels) per task: a whole multiple of the thread count of tasks, up to
         * four per thread while each keeps at least eight units, so no thread is left a lone extra.
         */
        private static int perTask(int units, int threads) {
            int tasks = Math.max(threads, Math.min(4 * threads, units / 8));
            tasks -= tasks % threads;
            return (units + tasks - 1) / tasks;
        }

        private static int roundUp(int x, int q) {
            return (x + q - 1) / q * q;
        }

        /** Packs micro-panels [p0, p1) of the kc x nc panel of B at (pc, jc). */
        private void packB(float[] bp, int jc, int nc, int pc, int kc, int p0, int p1) {
            Scratch sc = SCRATCH.get();
            sc.line(Math.max(kc, NR));
            boolean alongK = bRs == 1 && bCs != 1;
            if (!alongK && bCs == 1) {
                // rows of B are contiguous: a block of rows at a time, each read left to right
                // across all full micro-panels, so the reads stream through each row (one
                // micro-panel after another would step a page per row and defeat the prefetcher)
                int fullEnd = Math.min(p1, nc / NR);
                for (int q = 0; q < kc; q += PACK_B_ROWS) {
                    int qe = Math.min(kc, q + PACK_B_ROWS);
                    for (int jp = p0; jp < fullEnd; jp++) {
                        long src = bOff + (long) (pc + q) * bRs + jc + jp * NR;
                        int d = jp * kc * NR + q * NR;
                        if (bt == T_F32) {
                            for (int p = q; p < qe; p++, src += bRs, d += NR) {
                                for (int v = 0; v < NV; v++) {
                                    FloatVector.fromMemorySegment(S, b, (src + v * L) * Float.BYTES, NATIVE)
                                            .intoArray(bp, d + v * L);
                                }
                            }
                        } else {
                            for (int p = q; p < qe; p++, src += bRs, d += NR) {
                                convertLine(b, src, bt, NR, bp, d);
                            }
                        }
                    }
                }
                p0 = Math.max(p0, fullEnd);
            }
            for (int jp = p0; jp < p1; jp++) {
                int base = jp * kc * NR;
                int j = jc + jp * NR;
                int cols = Math.min(NR, jc + nc - j);
                if (alongK) {
                    // K slice by K slice, so that the part of the micro-panel being scattered into
                    // (KC x NR floats) stays in L1 while NR rows of B are read along K
                    for (int q = 0; q < kc; q += KC) {
                        int qn = Math.min(KC, kc - q);
                        for (int jj = 0; jj < cols; jj++) {
                            readLine(b, bOff + (long) (j + jj) * bCs + pc + q, 1, bt, qn, bp, base + q * NR + jj, NR, sc);
                        }
                    }
                    if (cols < NR) {
                        for (int p = 0; p < kc; p++) {
                            for (int jj = cols; jj < NR; jj++) {
                                bp[base + p * NR + jj] = 0f;
                            }
                        }
                    }
                } else {
                    for (int p = 0; p < kc; p++) {
                        int d = base + p * NR;
                        readLine(b, bOff + (long) (pc + p) * bRs + (long) j * bCs, bCs, bt, cols, bp, d, 1, sc);
                        for (int jj = cols; jj < NR; jj++) {
                            bp[d + jj] = 0f;
                        }
                    }
                }
            }
        }

        /**
         * Packs micro-panels [t0, t1) of the {@code mc} rows of A from row {@code i0}, of a chunk of
         * {@code tiles} micro-panels, K slice by K slice: slice pc (kc0 wide, the last one
         * narrower) starts at {@code pc * tiles * MR}, and within it the micro-panels follow one
         * another as {@link #packA} lays them out. The micro-panels that one block of rows uses
         * for one K slice are then one contiguous run that the prefetchers stream (with all of K
         * per micro-panel they were k·MR floats apart, a fresh region each).
         */
        private void packSharedA(float[] ap, int i0, int mc, int t0, int t1, int tiles, int kc0) {
            for (int pc = 0; pc < k; pc += kc0) {
                packA(ap, pc * tiles * MR, i0, mc, t0, t1, pc, Math.min(kc0, k - pc));
            }
        }

        private void packA(float[] ap, int i0, int mc, int t0, int t1, int pc, int kc) {
            packA(ap, 0, i0, mc, t0, t1, pc, kc);
        }

        /**
         * Packs micro-panels [t0, t1) of the {@code mc} rows of A from row {@code i0}, over
         * [pc, pc + kc) of K: row r of panel t at step pc + p lands at
         * {@code ap[dst + (t * kc + p) * MR + r]}.
         */
        private void packA(float[] ap, int dst, int i0, int mc, int t0, int t1, int pc, int kc) {
            Scratch sc = SCRATCH.get();
            sc.line(MR * kc);
            boolean alongM = aRs == 1 && aCs != 1;
            for (int ip = t0; ip < t1; ip++) {
                int base = dst + ip * kc * MR;
                int i = i0 + ip * MR;
                int rows = Math.min(MR, i0 + mc - i);
                if (alongM) {
                    for (int p = 0; p < kc; p++) {
                        int d = base + p * MR;
                        readLine(a, aOff + (long) i * aRs + (long) (pc + p) * aCs, aRs, at, rows, ap, d, 1, sc);
                        for (int ii = rows; ii < MR; ii++) {
                            ap[d + ii] = 0f;
                        }
                    }
                } else if (aCs == 1 && rows == MR) {
                    // the MR rows are copied (or widened) whole into the line buffer, then
                    // interleaved: array reads and a sequential store stream, instead of one
                    // segment read and a strided store per element and row
                    float[] line = sc.line;
                    for (int ii = 0; ii < MR; ii++) {
                        readLine(a, aOff + (long) (i + ii) * aRs + pc, 1, at, kc, line, ii * kc, 1, sc);
                    }
                    interleave(line, kc, ap, base);
                } else {
                    for (int ii = 0; ii < rows; ii++) {
                        readLine(a, aOff + (long) (i + ii) * aRs + (long) pc * aCs, aCs, at, kc, ap, base + ii, MR, sc);
                    }
                    for (int p = 0; p < kc; p++) {
                        for (int ii = rows; ii < MR; ii++) {
                            ap[base + p * MR + ii] = 0f;
                        }
                    }
                }
            }
        }

        /**
         * Rows [r0, r1) of the chunk of A packed from row {@code i0} against micro-panels
         * [p0, p1) of the packed B panel (all of K): for each block of mc rows, every K slice in
         * turn runs the micro-kernel over every tile, adding into the same block of C.
         */
        private void rows(float[] shared, int sharedTiles, float[] bp, int i0, int r0, int r1, int jc, int nc, int p0, int p1, int kc0) {
            if (r0 >= r1 || p0 >= p1) {
                return;
            }
            Scratch sc = SCRATCH.get();
            int total = r1 - r0;
            int mBlocks = (total + MC - 1) / MC;
            int mc0 = roundUp((total + mBlocks - 1) / mBlocks, MR);
            float[] ap = shared != null ? shared : sc.aPack(mc0 * kc0);
            // The block of C is summed over K in a buffer of whole tiles, each MR x NR floats in
            // one run, and written to C once at the end: tiles read and written in place, rows of
            // C apart, came back from L3 at every K slice (the block of C, the block of A and the
            // slice's micro-panels of B do not fit L2 together) on lines no prefetcher predicts.
            int panels = p1 - p0;
            float[] ct = sc.cTiles(mc0 / MR * panels * MR * NR);
            for (int ic = r0; ic < r1; ic += mc0) {
                int mc = Math.min(mc0, r1 - ic);
                int tilesM = (mc + MR - 1) / MR;
                for (int pc = 0; pc < k; pc += kc0) {
                    int kc = Math.min(kc0, k - pc);
                    boolean first = pc == 0;
                    // where the block's first micro-panel starts in ap, and how far apart they are
                    int aFirst, aStride;
                    if (shared != null) {
                        aFirst = pc * sharedTiles * MR + ic / MR * kc * MR;
                        aStride = kc * MR;
                    } else {
                        packA(ap, i0 + ic, mc, 0, tilesM, pc, kc);
                        aFirst = 0;
                        aStride = kc * MR;
                    }
                    for (int jp = p0; jp < p1; jp++) {
                        int bBase = jp * k * NR + pc * NR;
                        int tile = (jp - p0) * tilesM * MR * NR;
                        for (int t = 0; t < tilesM; t++, tile += MR * NR) {
                            kernel(kc, ap, aFirst + t * aStride, bp, bBase, ct, tile, first);
                        }
                    }
                }
                // row by row of tiles, so that each row of C is written left to right
                for (int t = 0; t < tilesM; t++) {
                    int i = i0 + ic + t * MR;
                    for (int jp = p0; jp < p1; jp++) {
                        int j = jc + jp * NR;
                        writeTile(ct, ((jp - p0) * tilesM + t) * MR * NR, i, j, Math.min(MR, i0 + ic + mc - i),
                                Math.min(NR, jc + nc - j), !accumulate);
                    }
                }
            }
        }

        private void writeTile(float[] tiles, int tile, int i, int j, int rows, int cols, boolean ow) {
            long ci = cOff + (long) i * ldc + j;
            for (int r = 0; r < rows; r++, ci += ldc) {
                for (int v = 0; v < NV; v++) {
                    storeC(c, ci + v * L, FloatVector.fromArray(S, tiles, tile + r * NR + v * L), Math.min(L, cols - v * L), ow);
                }
            }
        }
    }

    /** {@code ap[base + p * MR + r] = rows[r * kc + p]}: MR rows of length kc into one micro-panel. */
    private static void interleave(float[] rows, int kc, float[] ap, int base) {
        if (MR == 3) {
            for (int p = 0, d = base; p < kc; p++, d += 3) {
                ap[d] = rows[p];
                ap[d + 1] = rows[kc + p];
                ap[d + 2] = rows[2 * kc + p];
            }
        } else {
            for (int p = 0, d = base; p < kc; p++, d += MR) {
                for (int r = 0; r < MR; r++) {
                    ap[d + r] = rows[r * kc + p];
                }
            }
        }
    }

    /**
     * The MR x NR micro-kernel: the tile of MR x NR floats at {@code tiles[t..]}, row by row, is
     * set to ({@code first}) or added to by Apanel(MR x kc) · Bpanel(kc x NR).
     */
    private static void kernel(int kc, float[] ap, int ao, float[] bp, int bo, float[] tiles, int t, boolean first) {
        if (MR == 8) {
            kernel8(kc, ap, ao, bp, bo, tiles, t, first);
        } else {
            kernel3(kc, ap, ao, bp, bo, tiles, t, first);
        }
    }

    /** 3 rows x 3 vectors. */
    private static void kernel3(int kc, float[] ap, int ao, float[] bp, int bo, float[] tiles, int t, boolean first) {
        FloatVector c00, c01, c02, c10, c11, c12, c20, c21, c22;
        if (first) {
            c00 = FloatVector.zero(S);
            c01 = c00;
            c02 = c00;
            c10 = c00;
            c11 = c00;
            c12 = c00;
            c20 = c00;
            c21 = c00;
            c22 = c00;
        } else {
            c00 = FloatVector.fromArray(S, tiles, t);
            c01 = FloatVector.fromArray(S, tiles, t + L);
            c02 = FloatVector.fromArray(S, tiles, t + 2 * L);
            c10 = FloatVector.fromArray(S, tiles, t + 3 * L);
            c11 = FloatVector.fromArray(S, tiles, t + 4 * L);
            c12 = FloatVector.fromArray(S, tiles, t + 5 * L);
            c20 = FloatVector.fromArray(S, tiles, t + 6 * L);
            c21 = FloatVector.fromArray(S, tiles, t + 7 * L);
            c22 = FloatVector.fromArray(S, tiles, t + 8 * L);
        }
        // running indices, no induction variable: the loop body has no index arithmetic beyond
        // two adds (measured faster than p-based indices)
        int end = ao + 3 * kc;
        for (int ai = ao, bi = bo; ai < end; ai += 3, bi += 3 * L) {
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector b2 = FloatVector.fromArray(S, bp, bi + 2 * L);
            FloatVector x = FloatVector.broadcast(S, ap[ai]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            c02 = x.fma(b2, c02);
            x = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            c12 = x.fma(b2, c12);
            x = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            c22 = x.fma(b2, c22);
        }
        c00.intoArray(tiles, t);
        c01.intoArray(tiles, t + L);
        c02.intoArray(tiles, t + 2 * L);
        c10.intoArray(tiles, t + 3 * L);
        c11.intoArray(tiles, t + 4 * L);
        c12.intoArray(tiles, t + 5 * L);
        c20.intoArray(tiles, t + 6 * L);
        c21.intoArray(tiles, t + 7 * L);
        c22.intoArray(tiles, t + 8 * L);
    }

    /** 8 rows x 2 vectors. */
    private static void kernel8(int kc, float[] ap, int ao, float[] bp, int bo, float[] tiles, int t, boolean first) {
        FloatVector zero = FloatVector.zero(S);
        FloatVector c00 = first ? zero : FloatVector.fromArray(S, tiles, t);
        FloatVector c01 = first ? zero : FloatVector.fromArray(S, tiles, t + L);
        FloatVector c10 = first ? zero : FloatVector.fromArray(S, tiles, t + 2 * L);
        FloatVector c11 = first ? zero : FloatVector.fromArray(S, tiles, t + 3 * L);
        FloatVector c20 = first ? zero : FloatVector.fromArray(S, tiles, t + 4 * L);
        FloatVector c21 = first ? zero : FloatVector.fromArray(S, tiles, t + 5 * L);
        FloatVector c30 = first ? zero : FloatVector.fromArray(S, tiles, t + 6 * L);
        FloatVector c31 = first ? zero : FloatVector.fromArray(S, tiles, t + 7 * L);
        FloatVector c40 = first ? zero : FloatVector.fromArray(S, tiles, t + 8 * L);
        FloatVector c41 = first ? zero : FloatVector.fromArray(S, tiles, t + 9 * L);
        FloatVector c50 = first ? zero : FloatVector.fromArray(S, tiles, t + 10 * L);
        FloatVector c51 = first ? zero : FloatVector.fromArray(S, tiles, t + 11 * L);
        FloatVector c60 = first ? zero : FloatVector.fromArray(S, tiles, t + 12 * L);
        FloatVector c61 = first ? zero : FloatVector.fromArray(S, tiles, t + 13 * L);
        FloatVector c70 = first ? zero : FloatVector.fromArray(S, tiles, t + 14 * L);
        FloatVector c71 = first ? zero : FloatVector.fromArray(S, tiles, t + 15 * L);
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * (2 * L);
            int ai = ao + p * 8;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector x = FloatVector.broadcast(S, ap[ai]);
            c00 = x.fma(b0, c00);
            c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(S, ap[ai + 1]);
            c10 = x.fma(b0, c10);
            c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(S, ap[ai + 2]);
            c20 = x.fma(b0, c20);
            c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(S, ap[ai + 3]);
            c30 = x.fma(b0, c30);
            c31 = x.fma(b1, c31);
            x = FloatVector.broadcast(S, ap[ai + 4]);
            c40 = x.fma(b0, c40);
            c41 = x.fma(b1, c41);
            x = FloatVector.broadcast(S, ap[ai + 5]);
            c50 = x.fma(b0, c50);
            c51 = x.fma(b1, c51);
            x = FloatVector.broadcast(S, ap[ai + 6]);
            c60 = x.fma(b0, c60);
            c61 = x.fma(b1, c61);
            x = FloatVector.broadcast(S, ap[ai + 7]);
            c70 = x.fma(b0, c70);
            c71 = x.fma(b1, c71);
        }
        c00.intoArray(tiles, t);
        c01.intoArray(tiles, t + L);
        c10.intoArray(tiles, t + 2 * L);
        c11.intoArray(tiles, t + 3 * L);
        c20.intoArray(tiles, t + 4 * L);
        c21.intoArray(tiles, t + 5 * L);
        c30.intoArray(tiles, t + 6 * L);
        c31.intoArray(tiles, t + 7 * L);
        c40.intoArray(tiles, t + 8 * L);
        c41.intoArray(tiles, t + 9 * L);
        c50.intoArray(tiles, t + 10 * L);
        c51.intoArray(tiles, t + 11 * L);
        c60.intoArray(tiles, t + 12 * L);
        c61.intoArray(tiles, t + 13 * L);
        c70.intoArray(tiles, t + 14 * L);
        c71.intoArray(tiles, t + 15 * L);
    }
}
