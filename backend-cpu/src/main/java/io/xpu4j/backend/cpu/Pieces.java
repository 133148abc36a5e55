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
    static void run(long[] shape, Tensor[] operands, long grain, Body body) {
        int k = operands.length;
        long[][] strides = new long[k][];
        long[] base = new long[k];
        long[] inner = new long[k];
        boolean shareable = true;
        for (int i = 0; i < k; i++) {
            Tensor t = operands[i];
            strides[i] = t.strides();
            base[i] = t.offset();
            inner[i] = Rows.innerStride(t);
            shareable &= Parallel.accessibleByWorkers(t.segment());
        }
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
