package io.xpu4j.backend.cpu;

import io.xpu4j.api.DType;
import io.xpu4j.api.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * One block of query rows of {@link AttentionKernel}: loads the (scaled) queries once, then for
 * each block of {@link #BK} keys computes the scores, adds the mask, applies the causal limit,
 * updates the running max / sum per row (online softmax) and accumulates P·V into a float
 * output block. All data passes through per-thread float buffers ({@link Rows#scratch}):
 * F16/BF16 are converted as each block is loaded (vectorised, via {@link Rows#load}) and the inner loops see
 * only float arrays.
 *
 * <p>Two layouts of the score block, chosen by the number of rows:
 * <ul>
 *   <li>Column mode (more than {@link #ROW_MODE_MAX_ROWS} rows): queries are stored transposed
 *       [D, rows] and scores as [keys, rows], so a score tile of 4 keys × 2 vectors of rows is
 *       a register-tiled product (broadcast one key element, FMA into a vector of rows) with no
 *       horizontal reductions, and the softmax statistics are vectors across rows.</li>
 *   <li>Row mode (a few rows, e.g. decoding): scores [rows, keys] are dot products along D,
 *       vectorised over D, and the softmax runs along keys; a vector across rows would be
 *       mostly empty lanes.</li>
 * </ul>
 * P·V is the same in both: tiles of 4 rows × 2 vectors of Dv, reading P through (row, key)
 * strides that describe either layout.
 */
final class AttentionBlock {
    private static final VectorSpecies<Float> S = VectorWidth.FLOAT;
    private static final int L = S.length();
    /**
     * Query rows per block (a whole number of vectors): each K/V block loaded is used by this
     * many rows. 64 measured slightly faster than 32 with 8-float vectors.
     */
    static final int BQ = Math.max(64, 4 * L);
    /** Keys per block (a multiple of 4, the score tile height). */
    static final int BK = 64;
    /** Blocks with at most this many rows compute scores as dot products along D. */
    static final int ROW_MODE_MAX_ROWS = 4;
    /** Keys padded to a whole number of vectors (row-mode softmax) and of score tiles. */
    private static final int BKP = roundUp(BK, Math.max(L, 4));

    private static final int SLOT_Q = 0;
    private static final int SLOT_K = 1;
    private static final int SLOT_V = 2;
    private static final int SLOT_SCORES = 3;
    private static final int SLOT_O = 4;
    private static final int SLOT_STATS = 5;
    private static final int SLOT_TMP = 6;

    private AttentionBlock() {
    }

    /** The call's tensors, sizes and work split; immutable after construction except the partials. */
    static final class Problem {
        final MemorySegment q, k, v, mask, out;
        final DType qType, kType, vType, maskType, outType;
        final long qOff, kOff, vOff, maskOff, outOff;
        final long[] maskStrides;
        final int batch, hq, hkv, group, sq, sk, d, dv, dp, dvp;
        final float scale;
        final boolean causal;
        /** Query rows per kv head (group · Sq) and blocks of BQ of them. */
        final int rowsPerHead, blocksPerHead, blocks;
        /** Key ranges per block (1 unless there are too few blocks for the pool). */
        final int splits;
        /** Split-K partial results: unnormalised output rows, row maxima and sums. */
        final float[] partO, partM, partL;

        Problem(Tensor q, Tensor k, Tensor v, Tensor mask, Tensor out, boolean causal, float scale, int threads) {
            this.q = q.segment();
            this.k = k.segment();
            this.v = v.segment();
            this.mask = mask == null ? null : mask.segment();
            this.out = out.segment();
            this.qType = q.dtype();
            this.kType = k.dtype();
            this.vType = v.dtype();
            this.maskType = mask == null ? null : mask.dtype();
            this.outType = out.dtype();
            this.qOff = q.offset();
            this.kOff = k.offset();
            this.vOff = v.offset();
            this.maskOff = mask == null ? 0 : mask.offset();
            this.maskStrides = mask == null ? null : mask.strides();
            this.outOff = out.offset();
            this.batch = Math.toIntExact(q.shape(0));
            this.hq = Math.toIntExact(q.shape(1));
            this.sq = Math.toIntExact(q.shape(2));
            this.d = Math.toIntExact(q.shape(3));
            this.hkv = Math.toIntExact(k.shape(1));
            this.sk = Math.toIntExact(k.shape(2));
            this.dv = Math.toIntExact(v.shape(3));
            this.group = hq / hkv;
            this.dp = roundUp(d, L);
            this.dvp = roundUp(dv, 2 * L);
            this.scale = scale;
            this.causal = causal;
            this.rowsPerHead = Math.toIntExact((long) group * sq);
            this.blocksPerHead = (rowsPerHead + BQ - 1) / BQ;
            this.blocks = Math.toIntExact((long) batch * hkv * blocksPerHead);
            int s = 1;
            if (threads > 1 && blocks < 2 * threads) {
                // a few long rows (decoding): split the keys so every thread has work
                s = Math.min((2 * threads + blocks - 1) / blocks, Math.max(1, sk / (2 * BK)));
            }
            this.splits = s;
            if (s > 1) {
                partO = new float[blocks * s * BQ * dvp];
                partM = new float[blocks * s * BQ];
                partL = new float[blocks * s * BQ];
            } else {
                partO = partM = partL = null;
            }
        }

        /** Element offset of query row {@code gr} (0 .. rowsPerHead) of kv head {@code bh} in q (times d) or out (times dv). */
        long rowIndex(int bh, int gr) {
            int b = bh / hkv;
            int kvh = bh % hkv;
            return ((long) b * hq + (long) kvh * group) * sq + gr;
        }

        /** Last key that row {@code gr} may see under the causal rule (may be negative). */
        int causalLimit(int gr) {
            return gr % sq + sk - sq;
        }
    }

    /** Work item {@code t}: block {@code t / splits}, key range {@code t % splits}. */
    static void task(Problem p, int t) {
        int split = t % p.splits;
        int blk = t / p.splits;
        int bh = blk / p.blocksPerHead;
        int r0 = firstRow(p, blk);
        int rows = Math.min(BQ, p.rowsPerHead - r0);
        boolean rowMode = rows <= ROW_MODE_MAX_ROWS;
        int bqp = roundUp(rows, L);

        int keyEnd = p.sk;
        int minLimit = Integer.MAX_VALUE;
        if (p.causal) {
            int maxLimit = Integer.MIN_VALUE;
            for (int r = 0; r < rows; r++) {
                int lim = p.causalLimit(r0 + r);
                minLimit = Math.min(minLimit, lim);
                maxLimit = Math.max(maxLimit, lim);
            }
            keyEnd = Math.max(0, Math.min(p.sk, maxLimit + 1));
        }
        int kStart = (int) ((long) keyEnd * split / p.splits);
        int kEnd = (int) ((long) keyEnd * (split + 1) / p.splits);

        float[] tmp = Rows.scratch(SLOT_TMP, Math.max(Math.max(p.d, p.dvp), BKP));
        float[] qb = Rows.scratch(SLOT_Q, BQ * p.dp);
        float[] kb = Rows.scratch(SLOT_K, BKP * p.dp);
        float[] vb = Rows.scratch(SLOT_V, BKP * p.dvp);
        float[] sc = Rows.scratch(SLOT_SCORES, BQ * BKP);
        float[] o = Rows.scratch(SLOT_O, BQ * p.dvp);
        float[] stats = Rows.scratch(SLOT_STATS, 3 * BQ);
        // stats: [0, BQ) running max, [BQ, 2BQ) running sum, [2BQ, 3BQ) rescale factor of the block
        Arrays.fill(stats, 0, BQ, Float.NEGATIVE_INFINITY);
        Arrays.fill(stats, BQ, 2 * BQ, 0f);
        Arrays.fill(o, 0, rows * p.dvp, 0f);

        long qRow0 = p.qOff + p.rowIndex(bh, r0) * p.d;
        loadQueries(p, qRow0, rows, rowMode, bqp, qb, tmp);

        int b = bh / p.hkv;
        long kBase = p.kOff + (long) bh * p.sk * p.d;
        long vBase = p.vOff + (long) bh * p.sk * p.dv;
        // P's (row, key) strides in sc
        int pr = rowMode ? BKP : 1;
        int pk = rowMode ? 1 : bqp;
        for (int j0 = kStart; j0 < kEnd; j0 += BK) {
            int nk = Math.min(BK, kEnd - j0);
            int nk4 = roundUp(nk, 4);
            loadKeys(p, kBase + (long) j0 * p.d, nk, nk4, kb);
            loadValues(p, vBase + (long) j0 * p.dv, nk, vb);
            if (rowMode) {
                scoresByRows(qb, rows, p.dp, kb, nk4, sc);
            } else {
                scoresByColumns(qb, bqp, p.d, p.dp, kb, nk4, sc);
            }
            if (p.mask != null) {
                for (int r = 0; r < rows; r++) {
                    int gr = r0 + r;
                    int h = (bh % p.hkv) * p.group + gr / p.sq;
                    long off = p.maskOff + b * p.maskStrides[0] + h * p.maskStrides[1]
                            + (long) (gr % p.sq) * p.maskStrides[2] + j0 * p.maskStrides[3];
                    if (p.maskStrides[3] == 1) {
                        Rows.load(p.mask, p.maskType, off, 1, nk, tmp, 0);
                    } else {
                        Rows.load(p.mask, p.maskType, off, p.maskStrides[3], nk, tmp, 0);
                    }
                    for (int j = 0, s = r * pr; j < nk; j++, s += pk) {
                        sc[s] += tmp[j];
                    }
                }
            }
            if (p.causal && j0 + nk - 1 > minLimit) {
                for (int r = 0; r < rows; r++) {
                    int from = Math.max(0, p.causalLimit(r0 + r) + 1 - j0);
                    for (int j = from, s = r * pr + from * pk; j < nk; j++, s += pk) {
                        sc[s] = Float.NEGATIVE_INFINITY;
                    }
                }
            }
            if (rowMode) {
                softmaxByRows(sc, rows, nk, stats);
            } else {
                softmaxByColumns(sc, bqp, nk, stats);
            }
            rescale(o, rows, p.dvp, stats);
            accumulate(sc, pr, pk, rows, nk, vb, p.dvp, o);
        }

        if (p.splits == 1) {
            long outRow = p.outOff + p.rowIndex(bh, r0) * p.dv;
            for (int r = 0; r < rows; r++, outRow += p.dv) {
                float l = stats[BQ + r];
                // l == 0: every key of the row was masked; the row is defined as zeros
                float inv = l == 0 ? 0f : 1f / l;
                for (int c = 0, oi = r * p.dvp; c < p.dv; c++) {
                    tmp[c] = l == 0 ? 0f : o[oi + c] * inv;
                }
                Rows.store(tmp, 0, p.dv, p.out, p.outType, outRow, 1, false);
            }
        } else {
            int part = blk * p.splits + split;
            System.arraycopy(o, 0, p.partO, part * BQ * p.dvp, rows * p.dvp);
            System.arraycopy(stats, 0, p.partM, part * BQ, rows);
            System.arraycopy(stats, BQ, p.partL, part * BQ, rows);
        }
    }

    /**
     * First query row (within its kv head's rows) of block {@code blk}. Blocks are numbered from
     * the last rows of each head: under a causal mask those see the most keys, and the pool hands
     * out tasks in order, so the longest start first and the short ones fill in at the end.
     */
    private static int firstRow(Problem p, int blk) {
        return (p.blocksPerHead - 1 - blk % p.blocksPerHead) * BQ;
    }

    /** Combines the split-K partials of block {@code blk} and writes its output rows. */
    static void merge(Problem p, int blk) {
        int bh = blk / p.blocksPerHead;
        int r0 = firstRow(p, blk);
        int rows = Math.min(BQ, p.rowsPerHead - r0);
        float[] tmp = Rows.scratch(SLOT_TMP, Math.max(p.dvp, BKP));
        long outRow = p.outOff + p.rowIndex(bh, r0) * p.dv;
        int base = blk * p.splits;
        for (int r = 0; r < rows; r++, outRow += p.dv) {
            float m = Float.NEGATIVE_INFINITY;
            for (int s = 0; s < p.splits; s++) {
                m = Math.max(m, p.partM[(base + s) * BQ + r]);
            }
            Arrays.fill(tmp, 0, p.dv, 0f);
            if (m != Float.NEGATIVE_INFINITY) {
                float l = 0;
                for (int s = 0; s < p.splits; s++) {
                    int part = base + s;
                    float w = (float) Math.exp(p.partM[part * BQ + r] - m);
                    if (w == 0) {
                        continue;
                    }
                    l += w * p.partL[part * BQ + r];
                    for (int c = 0, oi = (part * BQ + r) * p.dvp; c < p.dv; c++) {
                        tmp[c] += w * p.partO[oi + c];
                    }
                }
                float inv = 1f / l;
                for (int c = 0; c < p.dv; c++) {
                    tmp[c] *= inv;
                }
            }
            Rows.store(tmp, 0, p.dv, p.out, p.outType, outRow, 1, false);
        }
    }

    // ---------------------------------------------------------------------------- loading

    /**
     * Scaled queries into {@code qb}: rows [rows, dp] (row mode) or transposed [d, bqp]
     * (column mode); padding is zero.
     */
    private static void loadQueries(Problem p, long rowOff, int rows, boolean rowMode, int bqp, float[] qb, float[] tmp) {
        float scale = p.scale;
        int d = p.d;
        if (rowMode) {
            for (int r = 0; r < rows; r++) {
                int base = r * p.dp;
                Rows.load(p.q, p.qType, rowOff + (long) r * d, 1, d, qb, base);
                for (int c = 0; c < d; c++) {
                    qb[base + c] *= scale;
                }
                Arrays.fill(qb, base + d, base + p.dp, 0f);
            }
            return;
        }
        for (int r = 0; r < rows; r++) {
            Rows.load(p.q, p.qType, rowOff + (long) r * d, 1, d, tmp, 0);
            for (int c = 0, t = r; c < d; c++, t += bqp) {
                qb[t] = tmp[c] * scale;
            }
        }
        if (rows < bqp) {
            for (int c = 0; c < d; c++) {
                Arrays.fill(qb, c * bqp + rows, (c + 1) * bqp, 0f);
            }
        }
    }

    /** Keys [nk, d] into rows of stride dp; padding columns and rows up to nk4 are zero. */
    private static void loadKeys(Problem p, long off, int nk, int nk4, float[] kb) {
        int d = p.d;
        int dp = p.dp;
        if (d == dp) {
            Rows.load(p.k, p.kType, off, 1, nk * d, kb, 0);
        } else {
            for (int j = 0; j < nk; j++) {
                Rows.load(p.k, p.kType, off + (long) j * d, 1, d, kb, j * dp);
                Arrays.fill(kb, j * dp + d, (j + 1) * dp, 0f);
            }
        }
        Arrays.fill(kb, nk * dp, nk4 * dp, 0f);
    }

    /** Values [nk, dv] into rows of stride dvp; padding columns are zero. */
    private static void loadValues(Problem p, long off, int nk, float[] vb) {
        int dv = p.dv;
        int dvp = p.dvp;
        if (dv == dvp) {
            Rows.load(p.v, p.vType, off, 1, nk * dv, vb, 0);
            return;
        }
        for (int j = 0; j < nk; j++) {
            Rows.load(p.v, p.vType, off + (long) j * dv, 1, dv, vb, j * dvp);
            Arrays.fill(vb, j * dvp + dv, (j + 1) * dvp, 0f);
        }
    }

    // ---------------------------------------------------------------------------- scores

    /** sc[j, r] (stride bqp) = Σ_c kb[j, c] · qt[c, r] for keys j < nk4 and all bqp lanes. */
    private static void scoresByColumns(float[] qt, int bqp, int d, int dp, float[] kb, int nk4, float[] sc) {
        for (int j = 0; j < nk4; j += 4) {
            int c = 0;
            for (; c + 2 * L <= bqp; c += 2 * L) {
                qk4x2(qt, bqp, d, kb, dp, j, c, sc);
            }
            if (c < bqp) {
                qk4x1(qt, bqp, d, kb, dp, j, c, sc);
            }
        }
    }

    private static void qk4x2(float[] qt, int ld, int d, float[] kb, int ldk, int j, int c, float[] sc) {
        FloatVector a00 = FloatVector.zero(S), a01 = a00, a10 = a00, a11 = a00;
        FloatVector a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        int k0 = j * ldk, k1 = k0 + ldk, k2 = k1 + ldk, k3 = k2 + ldk;
        for (int p = 0, qi = c; p < d; p++, qi += ld) {
            FloatVector q0 = FloatVector.fromArray(S, qt, qi);
            FloatVector q1 = FloatVector.fromArray(S, qt, qi + L);
            FloatVector x = FloatVector.broadcast(S, kb[k0 + p]);
            a00 = q0.fma(x, a00);
            a01 = q1.fma(x, a01);
            x = FloatVector.broadcast(S, kb[k1 + p]);
            a10 = q0.fma(x, a10);
            a11 = q1.fma(x, a11);
            x = FloatVector.broadcast(S, kb[k2 + p]);
            a20 = q0.fma(x, a20);
            a21 = q1.fma(x, a21);
            x = FloatVector.broadcast(S, kb[k3 + p]);
            a30 = q0.fma(x, a30);
            a31 = q1.fma(x, a31);
        }
        int s = j * ld + c;
        a00.intoArray(sc, s);
        a01.intoArray(sc, s + L);
        s += ld;
        a10.intoArray(sc, s);
        a11.intoArray(sc, s + L);
        s += ld;
        a20.intoArray(sc, s);
        a21.intoArray(sc, s + L);
        s += ld;
        a30.intoArray(sc, s);
        a31.intoArray(sc, s + L);
    }

    private static void qk4x1(float[] qt, int ld, int d, float[] kb, int ldk, int j, int c, float[] sc) {
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
        int k0 = j * ldk, k1 = k0 + ldk, k2 = k1 + ldk, k3 = k2 + ldk;
        for (int p = 0, qi = c; p < d; p++, qi += ld) {
            FloatVector q0 = FloatVector.fromArray(S, qt, qi);
            a0 = q0.fma(FloatVector.broadcast(S, kb[k0 + p]), a0);
            a1 = q0.fma(FloatVector.broadcast(S, kb[k1 + p]), a1);
            a2 = q0.fma(FloatVector.broadcast(S, kb[k2 + p]), a2);
            a3 = q0.fma(FloatVector.broadcast(S, kb[k3 + p]), a3);
        }
        int s = j * ld + c;
        a0.intoArray(sc, s);
        a1.intoArray(sc, s + ld);
        a2.intoArray(sc, s + 2 * ld);
        a3.intoArray(sc, s + 3 * ld);
    }

    /** sc[r, j] (stride BKP) = q_r · k_j, vectorised along D, four keys at a time. */
    private static void scoresByRows(float[] qb, int rows, int dp, float[] kb, int nk4, float[] sc) {
        for (int r = 0; r < rows; r++) {
            int qi = r * dp;
            for (int j = 0; j < nk4; j += 4) {
                FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
                int k0 = j * dp, k1 = k0 + dp, k2 = k1 + dp, k3 = k2 + dp;
                for (int c = 0; c < dp; c += L) {
                    FloatVector x = FloatVector.fromArray(S, qb, qi + c);
                    a0 = x.fma(FloatVector.fromArray(S, kb, k0 + c), a0);
                    a1 = x.fma(FloatVector.fromArray(S, kb, k1 + c), a1);
                    a2 = x.fma(FloatVector.fromArray(S, kb, k2 + c), a2);
                    a3 = x.fma(FloatVector.fromArray(S, kb, k3 + c), a3);
                }
                int s = r * BKP + j;
                sc[s] = LaneSums.sum(a0);
                sc[s + 1] = LaneSums.sum(a1);
                sc[s + 2] = LaneSums.sum(a2);
                sc[s + 3] = LaneSums.sum(a3);
            }
        }
    }

    // ---------------------------------------------------------------------------- online softmax

    /**
     * Scores [keys, lanes] → probabilities relative to the new running max, vectorised across
     * rows. Updates max and sum and leaves each row's rescale factor exp(old max − new max).
     * A row whose scores are all -Inf so far is measured from 0 instead, so that it gets
     * probabilities 0 and a factor 0 rather than NaN.
     */
    private static void softmaxByColumns(float[] sc, int bqp, int nk, float[] stats) {
        for (int c = 0; c < bqp; c += L) {
            FloatVector mx = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            for (int j = 0, s = c; j < nk; j++, s += bqp) {
                mx = mx.max(FloatVector.fromArray(S, sc, s));
            }
            FloatVector mOld = FloatVector.fromArray(S, stats, c);
            FloatVector mNew = mOld.max(mx);
            FloatVector ref = mNew.blend(0f, mNew.compare(VectorOperators.EQ, Float.NEGATIVE_INFINITY));
            FloatVector sum = FloatVector.zero(S);
            for (int j = 0, s = c; j < nk; j++, s += bqp) {
                FloatVector e = UnaryMath.exp(FloatVector.fromArray(S, sc, s).sub(ref));
                e.intoArray(sc, s);
                sum = sum.add(e);
            }
            FloatVector alpha = UnaryMath.exp(mOld.sub(ref));
            FloatVector.fromArray(S, stats, BQ + c).mul(alpha).add(sum).intoArray(stats, BQ + c);
            mNew.intoArray(stats, c);
            alpha.intoArray(stats, 2 * BQ + c);
        }
    }

    /** The same for scores [rows, keys]: vectorised along the keys of each row. */
    private static void softmaxByRows(float[] sc, int rows, int nk, float[] stats) {
        int nkv = roundUp(nk, L);
        for (int r = 0; r < rows; r++) {
            int base = r * BKP;
            Arrays.fill(sc, base + nk, base + nkv, Float.NEGATIVE_INFINITY);
            FloatVector mv = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            for (int j = 0; j < nkv; j += L) {
                mv = mv.max(FloatVector.fromArray(S, sc, base + j));
            }
            float mOld = stats[r];
            float mNew = Math.max(mOld, mv.reduceLanes(VectorOperators.MAX));
            float ref = mNew == Float.NEGATIVE_INFINITY ? 0f : mNew;
            FloatVector sum = FloatVector.zero(S);
            for (int j = 0; j < nkv; j += L) {
                FloatVector e = UnaryMath.exp(FloatVector.fromArray(S, sc, base + j).sub(ref));
                e.intoArray(sc, base + j);
                sum = sum.add(e);
            }
            float alpha = (float) Math.exp(mOld - ref);
            stats[BQ + r] = stats[BQ + r] * alpha + LaneSums.sum(sum);
            stats[r] = mNew;
            stats[2 * BQ + r] = alpha;
        }
    }

    // ---------------------------------------------------------------------------- P·V

    /** Scales each output row by its block rescale factor. */
    private static void rescale(float[] o, int rows, int dvp, float[] stats) {
        for (int r = 0; r < rows; r++) {
            float a = stats[2 * BQ + r];
            if (a == 1f) {
                continue;
            }
            FloatVector av = FloatVector.broadcast(S, a);
            for (int c = 0, oi = r * dvp; c < dvp; c += L, oi += L) {
                FloatVector.fromArray(S, o, oi).mul(av).intoArray(o, oi);
            }
        }
    }

    /** o[r, :] += Σ_j P[r, j] · v[j, :]; P[r, j] is {@code p[r * pr + j * pk]}. */
    private static void accumulate(float[] p, int pr, int pk, int rows, int nk, float[] vb, int dvp, float[] o) {
        int r = 0;
        for (; r + 4 <= rows; r += 4) {
            for (int c = 0; c < dvp; c += 2 * L) {
                pv4x2(p, pr, pk, r, nk, vb, dvp, c, o);
            }
        }
        for (; r < rows; r++) {
            for (int c = 0; c < dvp; c += 2 * L) {
                pv1x2(p, pr, pk, r, nk, vb, dvp, c, o);
            }
        }
    }

    private static void pv4x2(float[] p, int pr, int pk, int r, int nk, float[] vb, int ld, int c, float[] o) {
        int o0 = r * ld + c, o1 = o0 + ld, o2 = o1 + ld, o3 = o2 + ld;
        FloatVector a00 = FloatVector.fromArray(S, o, o0), a01 = FloatVector.fromArray(S, o, o0 + L);
        FloatVector a10 = FloatVector.fromArray(S, o, o1), a11 = FloatVector.fromArray(S, o, o1 + L);
        FloatVector a20 = FloatVector.fromArray(S, o, o2), a21 = FloatVector.fromArray(S, o, o2 + L);
        FloatVector a30 = FloatVector.fromArray(S, o, o3), a31 = FloatVector.fromArray(S, o, o3 + L);
        int p0 = r * pr, p1 = p0 + pr, p2 = p1 + pr, p3 = p2 + pr;
        for (int j = 0, vi = c, pj = 0; j < nk; j++, vi += ld, pj += pk) {
            FloatVector v0 = FloatVector.fromArray(S, vb, vi);
            FloatVector v1 = FloatVector.fromArray(S, vb, vi + L);
            FloatVector x = FloatVector.broadcast(S, p[p0 + pj]);
            a00 = v0.fma(x, a00);
            a01 = v1.fma(x, a01);
            x = FloatVector.broadcast(S, p[p1 + pj]);
            a10 = v0.fma(x, a10);
            a11 = v1.fma(x, a11);
            x = FloatVector.broadcast(S, p[p2 + pj]);
            a20 = v0.fma(x, a20);
            a21 = v1.fma(x, a21);
            x = FloatVector.broadcast(S, p[p3 + pj]);
            a30 = v0.fma(x, a30);
            a31 = v1.fma(x, a31);
        }
        a00.intoArray(o, o0);
        a01.intoArray(o, o0 + L);
        a10.intoArray(o, o1);
        a11.intoArray(o, o1 + L);
        a20.intoArray(o, o2);
        a21.intoArray(o, o2 + L);
        a30.intoArray(o, o3);
        a31.intoArray(o, o3 + L);
    }

    private static void pv1x2(float[] p, int pr, int pk, int r, int nk, float[] vb, int ld, int c, float[] o) {
        int o0 = r * ld + c;
        FloatVector a0 = FloatVector.fromArray(S, o, o0), a1 = FloatVector.fromArray(S, o, o0 + L);
        int p0 = r * pr;
        for (int j = 0, vi = c, pj = p0; j < nk; j++, vi += ld, pj += pk) {
            FloatVector x = FloatVector.broadcast(S, p[pj]);
            a0 = FloatVector.fromArray(S, vb, vi).fma(x, a0);
            a1 = FloatVector.fromArray(S, vb, vi + L).fma(x, a1);
        }
        a0.intoArray(o, o0);
        a1.intoArray(o, o0 + L);
    }

    static int roundUp(int x, int q) {
        return (x + q - 1) / q * q;
    }
}
