package io.xpu4j.backend.cpu;

import java.util.Arrays;

/**
 * A reduction's two index spaces: the kept dims (in output order, whose row-major index is the
 * output element index) and the reduced dims, each with the input's strides. Size-1 dims are
 * dropped and dims that walk memory as one are merged, so a contiguous reduction over the last
 * axes becomes a single contiguous reduced dim whatever the rank.
 */
final class ReducePlan {
    /** Input element offset of element 0. */
    final long base;
    final long[] keptShape;
    final long[] keptStride;
    /** Reduced dims, larger strides first, so the last one is the closest to contiguous. */
    final long[] redShape;
    final long[] redStride;
    final long outCount;
    final long redCount;

    /** Receives a run of {@code n} reduced elements starting at element offset {@code off}. */
    interface Piece {
        void piece(long off, long stride, int n, long flat);
    }

    /** Longest run handed to a {@link Piece}: fits the per-thread work buffers and L1. */
    static final int MAX_PIECE = 2048;

    private ReducePlan(long base, long[][] kept, long[][] red) {
        this.base = base;
        this.keptShape = kept[0];
        this.keptStride = kept[1];
        this.redShape = red[0];
        this.redStride = red[1];
        this.outCount = product(keptShape);
        this.redCount = product(redShape);
    }

    /** {@code axes}: sorted, non-negative, each < shape.length. */
    static ReducePlan of(long[] shape, long[] strides, long offset, long[] axes) {
        int rank = shape.length;
        boolean[] reduced = new boolean[rank];
        for (long a : axes) {
            reduced[(int) a] = true;
        }
        int nk = 0;
        int nr = 0;
        long[] ks = new long[rank];
        long[] kt = new long[rank];
        long[] rs = new long[rank];
        long[] rt = new long[rank];
        for (int d = 0; d < rank; d++) {
            if (shape[d] == 1) {
                continue;
            }
            if (reduced[d]) {
                rs[nr] = shape[d];
                rt[nr++] = strides[d];
            } else {
                ks[nk] = shape[d];
                kt[nk++] = strides[d];
            }
        }
        // Summation order over the reduced dims is free, so walk them outermost-stride first:
        // the innermost reduced dim is then the one most likely to be contiguous.
        for (int i = 1; i < nr; i++) {
            for (int j = i; j > 0 && rt[j - 1] < rt[j]; j--) {
                long s = rs[j];
                rs[j] = rs[j - 1];
                rs[j - 1] = s;
                long t = rt[j];
                rt[j] = rt[j - 1];
                rt[j - 1] = t;
            }
        }
        return new ReducePlan(offset, merge(ks, kt, nk), merge(rs, rt, nr));
    }

    /** Merges neighbours where the outer dim's stride is exactly the inner dim's extent. */
    private static long[][] merge(long[] shape, long[] stride, int n) {
        int m = 0;
        long[] s = new long[n];
        long[] t = new long[n];
        for (int i = 0; i < n; i++) {
            if (m > 0 && t[m - 1] == stride[i] * shape[i]) {
                s[m - 1] *= shape[i];
                t[m - 1] = stride[i];
            } else {
                s[m] = shape[i];
                t[m++] = stride[i];
            }
        }
        return new long[][]{Arrays.copyOf(s, m), Arrays.copyOf(t, m)};
    }

    private static long product(long[] s) {
        long p = 1;
        for (long d : s) {
            p *= d;
        }
        return p;
    }

    /** Element offset of row-major index {@code flat} over the first {@code dims} dims. */
    static long offsetOf(long flat, long[] shape, long[] stride, int dims) {
        long off = 0;
        for (int d = dims - 1; d >= 0; d--) {
            off += flat % shape[d] * stride[d];
            flat /= shape[d];
        }
        return off;
    }

    /** Input offset of output element {@code o}. */
    long keptOffset(long o) {
        return base + offsetOf(o, keptShape, keptStride, keptShape.length);
    }

    /** Offset (relative to a kept element's) of reduced element {@code r}. */
    long reducedOffset(long r) {
        return offsetOf(r, redShape, redStride, redShape.length);
    }

    /**
     * Whether the kept dims end in a contiguous dim while the reduced ones do not (e.g. a sum over
     * axis 0 of [N, D]): then whole contiguous stretches of outputs are accumulated row by row.
     */
    boolean columnWise() {
        int nk = keptShape.length;
        int nr = redShape.length;
        return nk > 0 && keptStride[nk - 1] == 1 && (nr == 0 || redStride[nr - 1] != 1);
    }

    /**
     * Walks reduced elements {@code [from, to)} (row-major over the reduced dims) of the output
     * element at input offset {@code keptOff}, as runs along the innermost reduced dim.
     */
    void forEachPiece(long keptOff, long from, long to, Piece body) {
        int nr = redShape.length;
        if (nr == 0) {
            if (from < to) {
                body.piece(keptOff, 1, 1, 0);
            }
            return;
        }
        long len = redShape[nr - 1];
        long stride = redStride[nr - 1];
        for (long f = from; f < to; ) {
            long run = f / len;
            long pos = f - run * len;
            long off = keptOff + offsetOf(run, redShape, redStride, nr - 1) + pos * stride;
            int n = (int) Math.min(Math.min(len - pos, to - f), MAX_PIECE);
            body.piece(off, stride, n, f);
            f += n;
        }
    }
}
