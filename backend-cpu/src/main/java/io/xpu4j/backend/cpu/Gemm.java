package io.xpu4j.backend.cpu;

import io.xpu4j.api.DType;
import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.XpuException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
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
 *   <li>The blocked path (BLIS loop order): for each {@code nc} panel of B and each {@code kc}
 *       slice of K, B is packed once into micro-panels of {@link #NR} columns (shared by all
 *       threads, packed in parallel), then the rows of C are split between threads; each thread
 *       packs its own {@code mc x kc} blocks of A into micro-panels of {@link #MR} rows and runs
 *       an {@code MR x NR} register-tiled FMA micro-kernel (8 rows x 2 vectors = 16 accumulators).
 *       Packing handles strides and F16/BF16 conversion; edge tiles are zero-padded in the
 *       packed buffers and masked when written to C.</li>
 *   <li>The skinny path for small M ({@code m <= SKINNY_M}) when B is contiguous along K
 *       (transposed weights, {@code x·Wᵀ}: dot products along K) or along N (axpy along N):
 *       B is streamed straight from its segment, converting F16/BF16 in registers, with A packed
 *       to a small float array; columns are split between threads. This is bandwidth-bound on
 *       the weight bytes for M = 1 and avoids the cost of packing B when M is too small to
 *       amortise it.</li>
 * </ul>
 */
final class Gemm {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final VectorSpecies<Short> SS =
            VectorSpecies.of(short.class, VectorShape.forBitSize(L * Short.SIZE));
    private static final VectorSpecies<Integer> IS =
            VectorSpecies.of(int.class, VectorShape.forBitSize(L * Integer.SIZE));
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfShort H = ValueLayout.JAVA_SHORT_UNALIGNED;

    /**
     * Micro-tile rows: 8 x 2 vectors (16 accumulators) with 512-bit vectors (32 registers),
     * 6 x 2 (12 accumulators) with 256-bit or narrower vectors (16 registers).
     */
    static final int MR = L >= 16 ? 8 : 6;
    /** Micro-tile columns: two vectors. */
    static final int NR = 2 * L;
    /** K slice: a kc x NR micro-panel of B (32 KiB) stays in L1 while A streams from L2. */
    static final int KC = 256;
    /** Rows of A per packed block: MC x KC floats = 256 KiB, in L2. */
    static final int MC = 192;
    /** Columns of B per packed panel: KC x NC floats = 4 MiB, in L3. */
    static final int NC = 4096;
    /** Largest M that takes the skinny (no B packing) path. */
    static final int SKINNY_M = 32;
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
        short[] lineS = new short[Math.max(KC, NC)];
        final float[] tile = new float[MR * NR];

        float[] aPack(int size) {
            if (aPack.length < size) {
                aPack = new float[size];
            }
            return aPack;
        }

        float[] bPack(int size) {
            if (bPack.length < size) {
                bPack = new float[size];
            }
            return bPack;
        }

        void line(int size) {
            if (line.length < size) {
                line = new float[size];
                lineS = new short[size];
            }
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
        Op op = new Op(m, n, k, a, aOffset, aRowStride, aColStride, at,
                b, bOffset, bRowStride, bColStride, bt, c, cOffset, ldc, accumulate);
        boolean parallel = (long) m * n * k >= PARALLEL_MIN_FMAS && Parallel.threads() > 1
                && Parallel.accessibleByWorkers(a) && Parallel.accessibleByWorkers(b)
                && Parallel.accessibleByWorkers(c);
        if (m <= SKINNY_M) {
            if (bColStride == 1 && n >= L) {
                op.packAFull();
                int chunks = (n + 4 * L - 1) / (4 * L);
                if (parallel) {
                    Parallel.forRange(chunks, (s, e) -> op.axpyColumns(s * 4 * L, Math.min(n, e * 4 * L)));
                } else {
                    op.axpyColumns(0, n);
                }
                return;
            }
            if (bRowStride == 1 || k == 1) {
                op.packAFull();
                int groups = (n + 3) / 4;
                if (parallel) {
                    Parallel.forRange(groups, (s, e) -> op.dotColumns(s * 4, Math.min(n, e * 4)));
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

    private static float get(MemorySegment s, long idx, int type) {
        return switch (type) {
            case T_F32 -> s.getAtIndex(F, idx);
            case T_F16 -> Float.float16ToFloat(s.getAtIndex(H, idx));
            default -> Float.intBitsToFloat(s.getAtIndex(H, idx) << 16);
        };
    }

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
                float[] line = sc.line;
                MemorySegment.copy(s, F, idx * Float.BYTES, line, 0, len);
                for (int i = 0, d = dstOff; i < len; i++, d += dstStride) {
                    dst[d] = line[i];
                }
                return;
            }
            short[] ls = sc.lineS;
            MemorySegment.copy(s, H, idx * Short.BYTES, ls, 0, len);
            if (type == T_F16) {
                for (int i = 0, d = dstOff; i < len; i++, d += dstStride) {
                    dst[d] = Float.float16ToFloat(ls[i]);
                }
            } else {
                for (int i = 0, d = dstOff; i < len; i++, d += dstStride) {
                    dst[d] = Float.intBitsToFloat(ls[i] << 16);
                }
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

    /** Loads L consecutive elements at element index {@code idx} as floats. */
    private static FloatVector load(MemorySegment s, long idx, int type) {
        if (type == T_F32) {
            return FloatVector.fromMemorySegment(S, s, idx * Float.BYTES, NATIVE);
        }
        IntVector h = (IntVector) ShortVector.fromMemorySegment(SS, s, idx * Short.BYTES, NATIVE)
                .convertShape(VectorOperators.S2I, IS, 0);
        return widen(h, type);
    }

    /** Loads the first {@code lanes} of L consecutive elements; the other lanes are zero. */
    private static FloatVector loadMasked(MemorySegment s, long idx, int type, int lanes) {
        if (type == T_F32) {
            return FloatVector.fromMemorySegment(S, s, idx * Float.BYTES, NATIVE, S.indexInRange(0, lanes));
        }
        IntVector h = (IntVector) ShortVector.fromMemorySegment(SS, s, idx * Short.BYTES, NATIVE,
                SS.indexInRange(0, lanes)).convertShape(VectorOperators.S2I, IS, 0);
        return widen(h, type);
    }

    /** Converts sign-extended 16-bit F16 or BF16 patterns to floats. */
    private static FloatVector widen(IntVector h, int type) {
        if (type == T_BF16) {
            return h.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
        }
        // F16: shift exponent+mantissa into place and rescale by 2^112 (exact for normals and
        // subnormals); Inf/NaN get the all-ones float exponent; then the sign.
        IntVector e = h.and(0x7fff).lanewise(VectorOperators.LSHL, 13);
        IntVector mag = e.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
        VectorMask<Integer> special = h.and(0x7c00).compare(VectorOperators.EQ, 0x7c00);
        mag = mag.blend(e.or(0x7f800000), special);
        return mag.or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
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

        /** C[:, j0:j1] for B contiguous along N: register tiles of 4 rows x 4 vectors. */
        void axpyColumns(int j0, int j1) {
            final int kb = 256;
            final int w = 4 * L;
            float[] ap = aFull;
            int j = j0;
            for (; j + w <= j1; j += w) {
                for (int p0 = 0; p0 < k; p0 += kb) {
                    int p1 = Math.min(k, p0 + kb);
                    boolean ow = !accumulate && p0 == 0;
                    int i = 0;
                    for (; i + 4 <= m; i += 4) {
                        axpy4x4(ap, i, j, p0, p1, ow);
                    }
                    for (; i < m; i++) {
                        axpy1x4(ap, i, j, p0, p1, ow);
                    }
                }
            }
            for (; j < j1; j += L) {
                int lanes = Math.min(L, j1 - j);
                for (int p0 = 0; p0 < k; p0 += kb) {
                    int p1 = Math.min(k, p0 + kb);
                    boolean ow = !accumulate && p0 == 0;
                    for (int i = 0; i < m; i++) {
                        axpy1x1(ap, i, j, p0, p1, lanes, ow);
                    }
                }
            }
        }

        private void axpy4x4(float[] ap, int i, int j, int p0, int p1, boolean ow) {
            FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c03 = c00;
            FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
            FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00;
            FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00;
            final int type = bt;
            final MemorySegment bs = b;
            final int kk = k;
            int r0 = i * kk, r1 = r0 + kk, r2 = r1 + kk, r3 = r2 + kk;
            long bi = bOff + p0 * bRs + j;
            for (int p = p0; p < p1; p++, bi += bRs) {
                FloatVector b0 = load(bs, bi, type);
                FloatVector b1 = load(bs, bi + L, type);
                FloatVector b2 = load(bs, bi + 2 * L, type);
                FloatVector b3 = load(bs, bi + 3 * L, type);
                FloatVector x = FloatVector.broadcast(S, ap[r0 + p]);
                c00 = x.fma(b0, c00);
                c01 = x.fma(b1, c01);
                c02 = x.fma(b2, c02);
                c03 = x.fma(b3, c03);
                x = FloatVector.broadcast(S, ap[r1 + p]);
                c10 = x.fma(b0, c10);
                c11 = x.fma(b1, c11);
                c12 = x.fma(b2, c12);
                c13 = x.fma(b3, c13);
                x = FloatVector.broadcast(S, ap[r2 + p]);
                c20 = x.fma(b0, c20);
                c21 = x.fma(b1, c21);
                c22 = x.fma(b2, c22);
                c23 = x.fma(b3, c23);
                x = FloatVector.broadcast(S, ap[r3 + p]);
                c30 = x.fma(b0, c30);
                c31 = x.fma(b1, c31);
                c32 = x.fma(b2, c32);
                c33 = x.fma(b3, c33);
            }
            long ci = cOff + i * ldc + j;
            storeC(c, ci, c00, L, ow);
            storeC(c, ci + L, c01, L, ow);
            storeC(c, ci + 2 * L, c02, L, ow);
            storeC(c, ci + 3 * L, c03, L, ow);
            ci += ldc;
            storeC(c, ci, c10, L, ow);
            storeC(c, ci + L, c11, L, ow);
            storeC(c, ci + 2 * L, c12, L, ow);
            storeC(c, ci + 3 * L, c13, L, ow);
            ci += ldc;
            storeC(c, ci, c20, L, ow);
            storeC(c, ci + L, c21, L, ow);
            storeC(c, ci + 2 * L, c22, L, ow);
            storeC(c, ci + 3 * L, c23, L, ow);
            ci += ldc;
            storeC(c, ci, c30, L, ow);
            storeC(c, ci + L, c31, L, ow);
            storeC(c, ci + 2 * L, c32, L, ow);
            storeC(c, ci + 3 * L, c33, L, ow);
        }

        private void axpy1x4(float[] ap, int i, int j, int p0, int p1, boolean ow) {
            FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0;
            final int type = bt;
            final MemorySegment bs = b;
            int r0 = i * k;
            long bi = bOff + p0 * bRs + j;
            for (int p = p0; p < p1; p++, bi += bRs) {
                FloatVector x = FloatVector.broadcast(S, ap[r0 + p]);
                c0 = x.fma(load(bs, bi, type), c0);
                c1 = x.fma(load(bs, bi + L, type), c1);
                c2 = x.fma(load(bs, bi + 2 * L, type), c2);
                c3 = x.fma(load(bs, bi + 3 * L, type), c3);
            }
            long ci = cOff + i * ldc + j;
            storeC(c, ci, c0, L, ow);
            storeC(c, ci + L, c1, L, ow);
            storeC(c, ci + 2 * L, c2, L, ow);
            storeC(c, ci + 3 * L, c3, L, ow);
        }

        private void axpy1x1(float[] ap, int i, int j, int p0, int p1, int lanes, boolean ow) {
            FloatVector c0 = FloatVector.zero(S);
            int r0 = i * k;
            long bi = bOff + p0 * bRs + j;
            if (lanes == L) {
                for (int p = p0; p < p1; p++, bi += bRs) {
                    c0 = FloatVector.broadcast(S, ap[r0 + p]).fma(load(b, bi, bt), c0);
                }
            } else {
                for (int p = p0; p < p1; p++, bi += bRs) {
                    c0 = FloatVector.broadcast(S, ap[r0 + p]).fma(loadMasked(b, bi, bt, lanes), c0);
                }
            }
            storeC(c, cOff + i * ldc + j, c0, lanes, ow);
        }

        /** C[:, j0:j1] for B contiguous along K: dot products, tiles of 4 rows x 4 columns. */
        void dotColumns(int j0, int j1) {
            float[] ap = aFull;
            boolean ow = !accumulate;
            int j = j0;
            for (; j + 4 <= j1; j += 4) {
                int i = 0;
                for (; i + 4 <= m; i += 4) {
                    dot4x4(ap, i, j, ow);
                }
                for (; i < m; i++) {
                    dot1x4(ap, i, j, ow);
                }
            }
            for (; j < j1; j++) {
                for (int i = 0; i < m; i++) {
                    dot1x1(ap, i, j, ow);
                }
            }
        }

        private void dot4x4(float[] ap, int i, int j, boolean ow) {
            FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c03 = c00;
            FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
            FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00;
            FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00;
            final int type = bt;
            final MemorySegment bs = b;
            final int kk = k;
            final int kv = kk - kk % L;
            int r0 = i * kk, r1 = r0 + kk, r2 = r1 + kk, r3 = r2 + kk;
            long q0 = bOff + j * bCs, q1 = q0 + bCs, q2 = q1 + bCs, q3 = q2 + bCs;
            for (int p = 0; p < kv; p += L) {
                FloatVector b0 = load(bs, q0 + p, type);
                FloatVector b1 = load(bs, q1 + p, type);
                FloatVector b2 = load(bs, q2 + p, type);
                FloatVector b3 = load(bs, q3 + p, type);
                FloatVector x = FloatVector.fromArray(S, ap, r0 + p);
                c00 = x.fma(b0, c00);
                c01 = x.fma(b1, c01);
                c02 = x.fma(b2, c02);
                c03 = x.fma(b3, c03);
                x = FloatVector.fromArray(S, ap, r1 + p);
                c10 = x.fma(b0, c10);
                c11 = x.fma(b1, c11);
                c12 = x.fma(b2, c12);
                c13 = x.fma(b3, c13);
                x = FloatVector.fromArray(S, ap, r2 + p);
                c20 = x.fma(b0, c20);
                c21 = x.fma(b1, c21);
                c22 = x.fma(b2, c22);
                c23 = x.fma(b3, c23);
                x = FloatVector.fromArray(S, ap, r3 + p);
                c30 = x.fma(b0, c30);
                c31 = x.fma(b1, c31);
                c32 = x.fma(b2, c32);
                c33 = x.fma(b3, c33);
            }
            float[] t = {
                    c00.reduceLanes(VectorOperators.ADD), c01.reduceLanes(VectorOperators.ADD),
                    c02.reduceLanes(VectorOperators.ADD), c03.reduceLanes(VectorOperators.ADD),
                    c10.reduceLanes(VectorOperators.ADD), c11.reduceLanes(VectorOperators.ADD),
                    c12.reduceLanes(VectorOperators.ADD), c13.reduceLanes(VectorOperators.ADD),
                    c20.reduceLanes(VectorOperators.ADD), c21.reduceLanes(VectorOperators.ADD),
                    c22.reduceLanes(VectorOperators.ADD), c23.reduceLanes(VectorOperators.ADD),
                    c30.reduceLanes(VectorOperators.ADD), c31.reduceLanes(VectorOperators.ADD),
                    c32.reduceLanes(VectorOperators.ADD), c33.reduceLanes(VectorOperators.ADD)};
            for (int p = kv; p < kk; p++) {
                float b0 = get(bs, q0 + p, type), b1 = get(bs, q1 + p, type);
                float b2 = get(bs, q2 + p, type), b3 = get(bs, q3 + p, type);
                for (int r = 0; r < 4; r++) {
                    float x = ap[r0 + r * kk + p];
                    t[r * 4] += x * b0;
                    t[r * 4 + 1] += x * b1;
                    t[r * 4 + 2] += x * b2;
                    t[r * 4 + 3] += x * b3;
                }
            }
            for (int r = 0; r < 4; r++) {
                long ci = cOff + (i + r) * ldc + j;
                for (int q = 0; q < 4; q++) {
                    storeC(c, ci + q, t[r * 4 + q], ow);
                }
            }
        }

        private void dot1x4(float[] ap, int i, int j, boolean ow) {
            FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0;
            final int type = bt;
            final MemorySegment bs = b;
            final int kk = k;
            final int kv = kk - kk % L;
            int r0 = i * kk;
            long q0 = bOff + j * bCs, q1 = q0 + bCs, q2 = q1 + bCs, q3 = q2 + bCs;
            for (int p = 0; p < kv; p += L) {
                FloatVector x = FloatVector.fromArray(S, ap, r0 + p);
                c0 = x.fma(load(bs, q0 + p, type), c0);
                c1 = x.fma(load(bs, q1 + p, type), c1);
                c2 = x.fma(load(bs, q2 + p, type), c2);
                c3 = x.fma(load(bs, q3 + p, type), c3);
            }
            float t0 = c0.reduceLanes(VectorOperators.ADD), t1 = c1.reduceLanes(VectorOperators.ADD);
            float t2 = c2.reduceLanes(VectorOperators.ADD), t3 = c3.reduceLanes(VectorOperators.ADD);
            for (int p = kv; p < kk; p++) {
                float x = ap[r0 + p];
                t0 += x * get(bs, q0 + p, type);
                t1 += x * get(bs, q1 + p, type);
                t2 += x * get(bs, q2 + p, type);
                t3 += x * get(bs, q3 + p, type);
            }
            long ci = cOff + i * ldc + j;
            storeC(c, ci, t0, ow);
            storeC(c, ci + 1, t1, ow);
            storeC(c, ci + 2, t2, ow);
            storeC(c, ci + 3, t3, ow);
        }

        private void dot1x1(float[] ap, int i, int j, boolean ow) {
            FloatVector c0 = FloatVector.zero(S);
            final int kk = k;
            final int kv = kk - kk % L;
            int r0 = i * kk;
            long q0 = bOff + j * bCs;
            for (int p = 0; p < kv; p += L) {
                c0 = FloatVector.fromArray(S, ap, r0 + p).fma(load(b, q0 + p, bt), c0);
            }
            float t0 = c0.reduceLanes(VectorOperators.ADD);
            for (int p = kv; p < kk; p++) {
                t0 += ap[r0 + p] * get(b, q0 + p, bt);
            }
            storeC(c, cOff + i * ldc + j, t0, ow);
        }

        // ------------------------------------------------------------------ blocked path

        void blocked(boolean parallel) {
            int threads = parallel ? Parallel.threads() : 1;
            int kBlocks = (k + KC - 1) / KC;
            int kc0 = roundUp((k + kBlocks - 1) / kBlocks, 1);
            int nBlocks = (n + NC - 1) / NC;
            int nc0 = roundUp((n + nBlocks - 1) / nBlocks, NR);
            float[] bp = SCRATCH.get().bPack(kc0 * nc0);
            int mTiles = (m + MR - 1) / MR;
            boolean splitM = mTiles >= 8 * threads;
            for (int jc = 0; jc < n; jc += nc0) {
                final int nc = Math.min(nc0, n - jc);
                final int panels = (nc + NR - 1) / NR;
                final int jcf = jc;
                for (int pc = 0; pc < k; pc += kc0) {
                    final int kc = Math.min(kc0, k - pc);
                    final int pcf = pc;
                    final boolean ow = !accumulate && pc == 0;
                    if (threads > 1) {
                        Parallel.forRange(panels, (s, e) -> packB(bp, jcf, nc, pcf, kc, s, e));
                        if (splitM) {
                            Parallel.forRange(mTiles, (s, e) ->
                                    rows(bp, s * MR, Math.min(m, e * MR), jcf, nc, 0, panels, pcf, kc, ow));
                        } else {
                            Parallel.forRange(panels, (s, e) ->
                                    rows(bp, 0, m, jcf, nc, s, e, pcf, kc, ow));
                        }
                    } else {
                        packB(bp, jcf, nc, pcf, kc, 0, panels);
                        rows(bp, 0, m, jcf, nc, 0, panels, pcf, kc, ow);
                    }
                }
            }
        }

        private static int roundUp(int x, int q) {
            return (x + q - 1) / q * q;
        }

        /** Packs micro-panels [p0, p1) of the kc x nc panel of B at (pc, jc). */
        private void packB(float[] bp, int jc, int nc, int pc, int kc, int p0, int p1) {
            Scratch sc = SCRATCH.get();
            sc.line(Math.max(kc, NR));
            boolean alongK = bRs == 1 && bCs != 1;
            for (int jp = p0; jp < p1; jp++) {
                int base = jp * kc * NR;
                int j = jc + jp * NR;
                int cols = Math.min(NR, jc + nc - j);
                if (alongK) {
                    for (int jj = 0; jj < cols; jj++) {
                        readLine(b, bOff + (long) (j + jj) * bCs + pc, 1, bt, kc, bp, base + jj, NR, sc);
                    }
                    if (cols < NR) {
                        for (int p = 0; p < kc; p++) {
                            for (int jj = cols; jj < NR; jj++) {
                                bp[base + p * NR + jj] = 0f;
                            }
                        }
                    }
                } else if (bCs == 1 && cols == NR) {
                    long src = bOff + (long) pc * bRs + j;
                    for (int p = 0; p < kc; p++, src += bRs) {
                        int d = base + p * NR;
                        load(b, src, bt).intoArray(bp, d);
                        load(b, src + L, bt).intoArray(bp, d + L);
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

        /** Packs rows [i0, i0 + mc) x [pc, pc + kc) of A into MR-row micro-panels. */
        private void packA(float[] ap, int i0, int mc, int pc, int kc, Scratch sc) {
            boolean alongM = aRs == 1 && aCs != 1;
            for (int ip = 0; ip * MR < mc; ip++) {
                int base = ip * kc * MR;
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
                } else {
                    for (int ii = 0; ii < rows; ii++) {
                        readLine(a, aOff + (long) (i + ii) * aRs + (long) pc * aCs, aCs, at, kc, ap, base + ii, MR, sc);
                    }
                    if (rows < MR) {
                        for (int p = 0; p < kc; p++) {
                            for (int ii = rows; ii < MR; ii++) {
                                ap[base + p * MR + ii] = 0f;
                            }
                        }
                    }
                }
            }
        }

        /**
         * Rows [r0, r1) of C against micro-panels [p0, p1) of the packed B panel: packs A in
         * mc-row blocks into this thread's buffer and runs the micro-kernel over every tile.
         */
        private void rows(float[] bp, int r0, int r1, int jc, int nc, int p0, int p1, int pc, int kc,
                          boolean ow) {
            if (r0 >= r1 || p0 >= p1) {
                return;
            }
            Scratch sc = SCRATCH.get();
            sc.line(Math.max(kc, MR));
            int total = r1 - r0;
            int mBlocks = (total + MC - 1) / MC;
            int mc0 = roundUp((total + mBlocks - 1) / mBlocks, MR);
            float[] ap = sc.aPack(mc0 * kc);
            float[] tile = sc.tile;
            for (int ic = r0; ic < r1; ic += mc0) {
                int mc = Math.min(mc0, r1 - ic);
                packA(ap, ic, mc, pc, kc, sc);
                for (int jp = p0; jp < p1; jp++) {
                    int j = jc + jp * NR;
                    int cols = Math.min(NR, jc + nc - j);
                    int bBase = jp * kc * NR;
                    for (int ip = 0; ip * MR < mc; ip++) {
                        int i = ic + ip * MR;
                        int rows = Math.min(MR, ic + mc - i);
                        kernel(kc, ap, ip * kc * MR, bp, bBase, tile);
                        writeTile(tile, i, j, rows, cols, ow);
                    }
                }
            }
        }

        private void writeTile(float[] tile, int i, int j, int rows, int cols, boolean ow) {
            int lanes0 = Math.min(L, cols);
            int lanes1 = cols - L;
            long ci = cOff + (long) i * ldc + j;
            for (int r = 0; r < rows; r++, ci += ldc) {
                storeC(c, ci, FloatVector.fromArray(S, tile, r * NR), lanes0, ow);
                storeC(c, ci + L, FloatVector.fromArray(S, tile, r * NR + L), lanes1, ow);
            }
        }
    }

    /** The MR x NR micro-kernel: tile = Apanel(MR x kc) · Bpanel(kc x NR). */
    private static void kernel(int kc, float[] ap, int ao, float[] bp, int bo, float[] tile) {
        if (MR == 8) {
            kernel8(kc, ap, ao, bp, bo, tile);
        } else {
            kernel6(kc, ap, ao, bp, bo, tile);
        }
    }

    private static void kernel6(int kc, float[] ap, int ao, float[] bp, int bo, float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00;
        FloatVector c10 = c00, c11 = c00;
        FloatVector c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00;
        FloatVector c40 = c00, c41 = c00;
        FloatVector c50 = c00, c51 = c00;
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * NR;
            int ai = ao + p * 6;
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
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, L);
        c10.intoArray(tile, NR);
        c11.intoArray(tile, NR + L);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + L);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + L);
        c40.intoArray(tile, 4 * NR);
        c41.intoArray(tile, 4 * NR + L);
        c50.intoArray(tile, 5 * NR);
        c51.intoArray(tile, 5 * NR + L);
    }

    private static void kernel8(int kc, float[] ap, int ao, float[] bp, int bo, float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00;
        FloatVector c10 = c00, c11 = c00;
        FloatVector c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00;
        FloatVector c40 = c00, c41 = c00;
        FloatVector c50 = c00, c51 = c00;
        FloatVector c60 = c00, c61 = c00;
        FloatVector c70 = c00, c71 = c00;
        for (int p = 0; p < kc; p++) {
            int bi = bo + p * NR;
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
        c00.intoArray(tile, 0);
        c01.intoArray(tile, L);
        c10.intoArray(tile, NR);
        c11.intoArray(tile, NR + L);
        c20.intoArray(tile, 2 * NR);
        c21.intoArray(tile, 2 * NR + L);
        c30.intoArray(tile, 3 * NR);
        c31.intoArray(tile, 3 * NR + L);
        c40.intoArray(tile, 4 * NR);
        c41.intoArray(tile, 4 * NR + L);
        c50.intoArray(tile, 5 * NR);
        c51.intoArray(tile, 5 * NR + L);
        c60.intoArray(tile, 6 * NR);
        c61.intoArray(tile, 6 * NR + L);
        c70.intoArray(tile, 7 * NR);
        c71.intoArray(tile, 7 * NR + L);
    }
}
