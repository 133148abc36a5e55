package io.xpu4j.backend.cpu;

import io.xpu4j.api.Tensor;

/**
 * Walks operands that share one shape (an elementwise op's inputs, already expanded, and its
 * output) in pieces: runs of at most {@link #PIECE} elements along the last dimension, so that
 * a kernel can load a piece into small scratch buffers that stay in L1, compute, and store it.
 * Large work is spread over the {@link Parallel} pool in (row, piece) units, so that many short
 * rows and a single long row (a 1-D tensor) split evenly alike.
 */
final class Pieces {
    /** Elements per piece: 8 KiB of floats, so a few scratch buffers fit in L1 together. */
    static final int PIECE = 2048;

    /** One piece: {@code offsets[k]} is operand k's element offset of the piece's first element. */
    interface Body {
        void run(long[] offsets, int length);
    }

    private Pieces() {
    }

    /**
     * Runs {@code body} over all of {@code shape}. Work below {@code grain} elements per thread
     * stays on the calling thread. The offsets array passed to {@code body} is reused; copy it to
     * keep it.
     */
    static void run(long[] fullShape, Tensor[] operands, long grain, Body body) {
        int k = operands.length;
        long[][] fullStrides = new long[k][];
        long[] base = new long[k];
        long[] inner = new long[k];
        boolean shareable = true;
        for (int i = 0; i < k; i++) {
            Tensor t = operands[i];
            fullStrides[i] = t.strides();
            base[i] = t.offset();
            inner[i] = Rows.innerStride(t);
            shareable &= Parallel.accessibleByWorkers(t.segment());
        }
        long[][] strides = new long[k][];
        long[] shape = coalesce(fullShape, fullStrides, strides);
        long rows = Rows.rowCount(shape);
        int len = Rows.rowLength(shape);
        long total = rows * len;
        if (total == 0) {
            return;
        }
        int pieces = (len + PIECE - 1) / PIECE;
        if (!shareable || Parallel.threads() == 1 || total < 2 * grain) {
            long[] o = new long[k];
            Rows.forEachRow(shape, strides, base, 0, rows, (offs, r) -> pieces(offs, inner, len, 0, pieces, o, body));
            return;
        }
        // Units are (row, piece) pairs in row-major order, so that many short rows, a few long
        // ones, or one long row all split evenly over the threads.
        long units = rows * pieces;
        int minUnits = (int) Math.max(1, grain / Math.min(len, PIECE));
        Parallel.forRange(Math.toIntExact(units), minUnits, (u0, u1) -> {
            long r0 = u0 / pieces;
            long r1 = (u1 - 1) / pieces + 1;
            long[] o = new long[k];
            Rows.forEachRow(shape, strides, base, r0, r1, (offs, r) -> {
                int p0 = (int) Math.max(0, u0 - r * pieces);
                int p1 = (int) Math.min(pieces, u1 - r * pieces);
                pieces(offs, inner, len, p0, p1, o, body);
            });
        });
    }

    /** Longest row a merge may make: pieces and units are counted in ints. */
    private static final long MAX_ROW = 1L << 30;

    /**
     * {@code shape} with its dims merged wherever every operand steps through two neighbours as
     * through one dim (the outer stride is the inner stride times the inner length), and outer
     * dims of one element dropped; {@code strides} receives each operand's strides for the result.
     * Contiguous operands become one long row, so a [1000000, 4] tensor is walked in pieces of
     * {@link #PIECE} elements rather than a million rows of four. The last dim's stride never
     * changes, so the inner strides the kernels take from the tensors stay right.
     */
    static long[] coalesce(long[] shape, long[][] fullStrides, long[][] strides) {
        int rank = shape.length;
        int k = fullStrides.length;
        if (rank <= 1) {
            for (int i = 0; i < k; i++) {
                strides[i] = fullStrides[i];
            }
            return shape;
        }
        long[] outShape = new long[rank];
        long[][] outStrides = new long[k][rank];
        int pos = rank - 1;
        outShape[pos] = shape[rank - 1];
        for (int i = 0; i < k; i++) {
            outStrides[i][pos] = fullStrides[i][rank - 1];
        }
        for (int d = rank - 2; d >= 0; d--) {
            if (shape[d] == 1) {
                continue;
            }
            // merging into a last dim of one element would change the row's stride
            boolean merge = !(pos == rank - 1 && outShape[pos] == 1) && outShape[pos] * shape[d] <= MAX_ROW;
            for (int i = 0; i < k && merge; i++) {
                merge = fullStrides[i][d] == outStrides[i][pos] * outShape[pos];
            }
            if (merge) {
                outShape[pos] *= shape[d];
            } else {
                pos--;
                outShape[pos] = shape[d];
                for (int i = 0; i < k; i++) {
                    outStrides[i][pos] = fullStrides[i][d];
                }
            }
        }
        for (int i = 0; i < k; i++) {
            strides[i] = java.util.Arrays.copyOfRange(outStrides[i], pos, rank);
        }
        return java.util.Arrays.copyOfRange(outShape, pos, rank);
    }

    private static void pieces(long[] rowStart, long[] inner, int len, int p0, int p1, long[] o, Body body) {
        for (int p = p0; p < p1; p++) {
            int start = p * PIECE;
            for (int i = 0; i < o.length; i++) {
                o[i] = rowStart[i] + start * inner[i];
            }
            body.run(o, Math.min(PIECE, len - start));
        }
    }

    /** {@code n} rounded up to whole vectors of {@code lanes}: scratch sizes for padded loops. */
    static int padded(int n, int lanes) {
        return (n + lanes - 1) / lanes * lanes;
    }
}
