package io.xpu4j.backend.cpu;

import io.xpu4j.api.DType;
import io.xpu4j.api.FloatFormats;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Running states of the reductions. {@link Acc} reduces to one output element and takes runs of
 * input along the reduced dims; {@link ColAcc} reduces a contiguous stretch of up to
 * {@link #TILE} output elements at once and takes one input row (one reduced index) at a time.
 * Both merge with a state that covers later reduced indices, so a long reduction can be split
 * across threads and combined in order (which keeps argmax's "first index" rule).
 */
final class ReduceAccumulators {
    /**
     * Output elements a {@link ColAcc} holds: 16 KiB of floats, so the state stays in L1/L2 while
     * each input row is read as one long contiguous stretch (narrower tiles make the walk jump
     * between rows every few KiB, which the prefetchers follow poorly).
     */
    static final int TILE = 4096;

    private ReduceAccumulators() {
    }

    enum Kind { SUM, MEAN, MAX, MIN, ARGMAX }

    static Acc acc(Kind kind, MemorySegment xs, DType t, long count) {
        boolean f = t.isFloatingPoint();
        return switch (kind) {
            case SUM, MEAN -> f ? new FloatSum(xs, t, kind == Kind.MEAN ? count : 0) : new LongSum(xs, t);
            case MAX, MIN -> f ? new FloatExtreme(xs, t, kind == Kind.MAX) : new LongExtreme(xs, t, kind == Kind.MAX);
            case ARGMAX -> f ? new FloatArgmax(xs, t) : new LongArgmax(xs, t);
        };
    }

    /** A state for stretches of at most {@code width} (<= {@link #TILE}) output elements. */
    static ColAcc colAcc(Kind kind, MemorySegment xs, DType t, long count, int width) {
        boolean f = t.isFloatingPoint();
        return switch (kind) {
            case SUM, MEAN -> f ? new FloatColSum(xs, t, kind == Kind.MEAN ? count : 0, width) : new LongColSum(xs, t, width);
            case MAX, MIN -> f ? new FloatColExtreme(xs, t, kind == Kind.MAX, width) : new LongColExtreme(xs, t, kind == Kind.MAX, width);
            case ARGMAX -> f ? new FloatColArgmax(xs, t, width) : new LongColArgmax(xs, t, width);
        };
    }

    // ---- element writes ---------------------------------------------------------------------

    static void putFloat(MemorySegment s, DType t, long idx, float v) {
        switch (t) {
            case F32 -> s.set(Rows.F32, idx * 4, v);
            case F16 -> s.set(Rows.I16, idx * 2, Float.floatToFloat16(v));
            case BF16 -> s.set(Rows.I16, idx * 2, FloatFormats.floatToBf16(v));
            default -> throw new IllegalArgumentException("float result into " + t);
        }
    }

    /** I32 wraps, as an integer sum in a 32-bit type does. */
    static void putLong(MemorySegment s, DType t, long idx, long v) {
        switch (t) {
            case I32 -> s.set(Rows.I32, idx * 4, (int) v);
            case I64 -> s.set(Rows.I64, idx * 8, v);
            default -> throw new IllegalArgumentException("integer result into " + t);
        }
    }

    /** Argmax order: NaN beats every number, otherwise strictly larger wins (so ties keep the first). */
    static boolean better(float a, float b) {
        return a > b || (a != a && b == b);
    }

    private static float[] widen(MemorySegment s, DType t, long off, long stride, int n) {
        float[] b = Rows.scratch(0, n);
        Rows.load(s, t, off, stride, n, b, 0);
        return b;
    }

    private static long[] widenLong(MemorySegment s, DType t, long off, long stride, int n) {
        long[] b = Rows.scratchLong(0, n);
        Rows.loadLong(s, t, off, stride, n, b, 0);
        return b;
    }

    // ---- one output element -------------------------------------------------------------------

    abstract static class Acc implements ReducePlan.Piece {
        final MemorySegment xs;
        final DType t;
        /** F32 runs with stride 1 are read in place; everything else is widened into a work buffer. */
        final boolean direct;

        Acc(MemorySegment xs, DType t) {
            this.xs = xs;
            this.t = t;
            this.direct = t == DType.F32;
        }

        abstract void reset();

        abstract void merge(Acc later);

        abstract void write(MemorySegment os, DType ot, long idx);
    }

    static final class FloatSum extends Acc {
        private final long meanOf;
        private double sum;

        /** {@code meanOf} > 0 divides the total by it. */
        FloatSum(MemorySegment xs, DType t, long meanOf) {
            super(xs, t);
            this.meanOf = meanOf;
        }

        @Override
        void reset() {
            sum = 0;
        }

        @Override
        public void piece(long off, long stride, int n, long flat) {
            sum += direct && stride == 1 ? RowMath.sum(xs, null, off, n) : RowMath.sum(null, widen(xs, t, off, stride, n), 0, n);
        }

        @Override
        void merge(Acc later) {
            sum += ((FloatSum) later).sum;
        }

        @Override
        void write(MemorySegment os, DType ot, long idx) {
            putFloat(os, ot, idx, (float) (meanOf > 0 ? sum / meanOf : sum));
        }
    }

    static final class FloatExtreme extends Acc {
        private final boolean isMax;
        private float v;

        FloatExtreme(MemorySegment xs, DType t, boolean isMax) {
            super(xs, t);
            this.isMax = isMax;
        }

        @Override
        void reset() {
            v = isMax ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY;
        }

        @Override
        public void piece(long off, long stride, int n, long flat) {
            float m = direct && stride == 1 ? RowMath.max(xs, null, off, n, isMax)
                    : RowMath.max(null, widen(xs, t, off, stride, n), 0, n, isMax);
            v = isMax ? Math.max(v, m) : Math.min(v, m);
        }

        @Override
        void merge(Acc later) {
            float m = ((FloatExtreme) later).v;
            v = isMax ? Math.max(v, m) : Math.min(v, m);
        }

        @Override
        void write(MemorySegment os, DType ot, long idx) {
            putFloat(os, ot, idx, v);
        }
    }

    static final class FloatArgmax extends Acc {
        private float best;
        private long idx;

        FloatArgmax(MemorySegment xs, DType t) {
            super(xs, t);
        }

        @Override
        void reset() {
            idx = -1;
        }

        @Override
        public void piece(long off, long stride, int n, long flat) {
            // the maximum first (vectorised), then only a run that beats the best so far is searched
            boolean inPlace = direct && stride == 1;
            float[] b = inPlace ? null : widen(xs, t, off, stride, n);
            long pos = inPlace ? off : 0;
            float m = RowMath.max(xs, b, pos, n, true);
            if (idx < 0 || better(m, best)) {
                best = m;
                idx = flat + RowMath.indexOf(xs, b, pos, n, m);
            }
        }

        @Override
        void merge(Acc later) {
            FloatArgmax o = (FloatArgmax) later;
            if (o.idx >= 0 && (idx < 0 || better(o.best, best))) {
                best = o.best;
                idx = o.idx;
            }
        }

        @Override
        void write(MemorySegment os, DType ot, long i) {
            putLong(os, ot, i, idx);
        }
    }

    static final class LongSum extends Acc {
        private long sum;

        LongSum(MemorySegment xs, DType t) {
            super(xs, t);
        }

        @Override
        void reset() {
            sum = 0;
        }

        @Override
        public void piece(long off, long stride, int n, long flat) {
            long[] b = widenLong(xs, t, off, stride, n);
            long s = 0;
            for (int i = 0; i < n; i++) {
                s += b[i];
            }
            sum += s;
        }

        @Override
        void merge(Acc later) {
            sum += ((LongSum) later).sum;
        }

        @Override
        void write(MemorySegment os, DType ot, long idx) {
            putLong(os, ot, idx, sum);
        }
    }

    static final class LongExtreme extends Acc {
        private final boolean isMax;
        private long v;

        LongExtreme(MemorySegment xs, DType t, boolean isMax) {
            super(xs, t);
            this.isMax = isMax;
        }

        @Override
        void reset() {
            v = isMax ? Long.MIN_VALUE : Long.MAX_VALUE;
        }

        @Override
        public void piece(long off, long stride, int n, long flat) {
            long[] b = widenLong(xs, t, off, stride, n);
            long m = v;
            for (int i = 0; i < n; i++) {
                m = isMax ? Math.max(m, b[i]) : Math.min(m, b[i]);
            }
            v = m;
        }

        @Override
        void merge(Acc later) {
            long m = ((LongExtreme) later).v;
            v = isMax ? Math.max(v, m) : Math.min(v, m);
        }

        @Override
        void write(MemorySegment os, DType ot, long idx) {
            putLong(os, ot, idx, v);
        }
    }

    static final class LongArgmax extends Acc {
        private long best;
        private long idx;

        LongArgmax(MemorySegment xs, DType t) {
            super(xs, t);
        }

        @Override
        void reset() {
            idx = -1;
        }

        @Override
        public void piece(long off, long stride, int n, long flat) {
            long[] b = widenLong(xs, t, off, stride, n);
            for (int i = 0; i < n; i++) {
                if (idx < 0 || b[i] > best) {
                    best = b[i];
                    idx = flat + i;
                }
            }
        }

        @Override
        void merge(Acc later) {
            LongArgmax o = (LongArgmax) later;
            if (o.idx >= 0 && (idx < 0 || o.best > best)) {
                best = o.best;
                idx = o.idx;
            }
        }

        @Override
        void write(MemorySegment os, DType ot, long i) {
            putLong(os, ot, i, idx);
        }
    }

    // ---- a contiguous stretch of output elements ----------------------------------------------

    abstract static class ColAcc {
        final MemorySegment xs;
        final DType t;
        final boolean direct;

        ColAcc(MemorySegment xs, DType t) {
            this.xs = xs;
            this.t = t;
            this.direct = t == DType.F32;
        }

        abstract void reset(int w);

        /** Adds the {@code w} contiguous input elements at {@code off}, which have reduced index {@code r}. */
        abstract void addRow(long off, int w, long r);

        /** Four rows with reduced indices {@code r, r+1, r+2, r+3}. */
        void addRows4(long o0, long o1, long o2, long o3, int w, long r) {
            addRow(o0, w, r);
            addRow(o1, w, r + 1);
            addRow(o2, w, r + 2);
            addRow(o3, w, r + 3);
        }

        abstract void merge(ColAcc later, int w);

        /** Writes {@code w} results to output elements {@code idx ..}. */
        abstract void write(MemorySegment os, DType ot, long idx, int w);
    }

    static final class FloatColSum extends ColAcc {
        private final long meanOf;
        private final float[] sum;
        private final float[] comp;

        FloatColSum(MemorySegment xs, DType t, long meanOf, int width) {
            super(xs, t);
            this.sum = new float[width];
            this.comp = new float[width];
            this.meanOf = meanOf;
        }

        @Override
        void reset(int w) {
            Arrays.fill(sum, 0, w, 0f);
            Arrays.fill(comp, 0, w, 0f);
        }

        @Override
        void addRow(long off, int w, long r) {
            if (direct) {
                RowMath.kahanAdd(sum, comp, xs, null, off, w);
            } else {
                RowMath.kahanAdd(sum, comp, null, widen(xs, t, off, 1, w), 0, w);
            }
        }

        @Override
        void addRows4(long o0, long o1, long o2, long o3, int w, long r) {
            if (direct) {
                RowMath.kahanAdd4(sum, comp, xs, o0, o1, o2, o3, null, null, null, null, w);
            } else {
                RowMath.kahanAdd4(sum, comp, null, 0, 0, 0, 0, widenInto(0, o0, w), widenInto(1, o1, w),
                        widenInto(2, o2, w), widenInto(3, o3, w), w);
            }
        }

        private float[] widenInto(int slot, long off, int w) {
            float[] b = Rows.scratch(slot, w);
            Rows.load(xs, t, off, 1, w, b, 0);
            return b;
        }

        @Override
        void merge(ColAcc later, int w) {
            FloatColSum o = (FloatColSum) later;
            float[] corr = Rows.scratch(1, w);
            for (int j = 0; j < w; j++) {
                corr[j] = -o.comp[j];
            }
            RowMath.kahanAdd(sum, comp, null, o.sum, 0, w);
            RowMath.kahanAdd(sum, comp, null, corr, 0, w);
        }

        @Override
        void write(MemorySegment os, DType ot, long idx, int w) {
            for (int j = 0; j < w; j++) {
                double v = (double) sum[j] - comp[j];
                putFloat(os, ot, idx + j, (float) (meanOf > 0 ? v / meanOf : v));
            }
        }
    }

    static final class FloatColExtreme extends ColAcc {
        private final boolean isMax;
        private final float[] acc;

        FloatColExtreme(MemorySegment xs, DType t, boolean isMax, int width) {
            super(xs, t);
            this.acc = new float[width];
            this.isMax = isMax;
        }

        @Override
        void reset(int w) {
            Arrays.fill(acc, 0, w, isMax ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY);
        }

        @Override
        void addRow(long off, int w, long r) {
            if (direct) {
                RowMath.maxInto(acc, xs, null, off, w, isMax);
            } else {
                RowMath.maxInto(acc, null, widen(xs, t, off, 1, w), 0, w, isMax);
            }
        }

        @Override
        void merge(ColAcc later, int w) {
            RowMath.maxInto(acc, null, ((FloatColExtreme) later).acc, 0, w, isMax);
        }

        @Override
        void write(MemorySegment os, DType ot, long idx, int w) {
            for (int j = 0; j < w; j++) {
                putFloat(os, ot, idx + j, acc[j]);
            }
        }
    }

    static final class FloatColArgmax extends ColAcc {
        private final float[] best;
        private final long[] idx;

        FloatColArgmax(MemorySegment xs, DType t, int width) {
            super(xs, t);
            this.best = new float[width];
            this.idx = new long[width];
        }

        @Override
        void reset(int w) {
            Arrays.fill(idx, 0, w, -1L);
        }

        @Override
        void addRow(long off, int w, long r) {
            float[] b = widen(xs, t, off, 1, w);
            for (int j = 0; j < w; j++) {
                if (idx[j] < 0 || better(b[j], best[j])) {
                    best[j] = b[j];
                    idx[j] = r;
                }
            }
        }

        @Override
        void merge(ColAcc later, int w) {
            FloatColArgmax o = (FloatColArgmax) later;
            for (int j = 0; j < w; j++) {
                if (o.idx[j] >= 0 && (idx[j] < 0 || better(o.best[j], best[j]))) {
                    best[j] = o.best[j];
                    idx[j] = o.idx[j];
                }
            }
        }

        @Override
        void write(MemorySegment os, DType ot, long i, int w) {
            for (int j = 0; j < w; j++) {
                putLong(os, ot, i + j, idx[j]);
            }
        }
    }

    static final class LongColSum extends ColAcc {
        private final long[] acc;

        LongColSum(MemorySegment xs, DType t, int width) {
            super(xs, t);
            this.acc = new long[width];
        }

        @Override
        void reset(int w) {
            Arrays.fill(acc, 0, w, 0L);
        }

        @Override
        void addRow(long off, int w, long r) {
            long[] b = widenLong(xs, t, off, 1, w);
            for (int j = 0; j < w; j++) {
                acc[j] += b[j];
            }
        }

        @Override
        void merge(ColAcc later, int w) {
            long[] o = ((LongColSum) later).acc;
            for (int j = 0; j < w; j++) {
                acc[j] += o[j];
            }
        }

        @Override
        void write(MemorySegment os, DType ot, long idx, int w) {
            for (int j = 0; j < w; j++) {
                putLong(os, ot, idx + j, acc[j]);
            }
        }
    }

    static final class LongColExtreme extends ColAcc {
        private final boolean isMax;
        private final long[] acc;

        LongColExtreme(MemorySegment xs, DType t, boolean isMax, int width) {
            super(xs, t);
            this.acc = new long[width];
            this.isMax = isMax;
        }

        @Override
        void reset(int w) {
            Arrays.fill(acc, 0, w, isMax ? Long.MIN_VALUE : Long.MAX_VALUE);
        }

        @Override
        void addRow(long off, int w, long r) {
            long[] b = widenLong(xs, t, off, 1, w);
            for (int j = 0; j < w; j++) {
                acc[j] = isMax ? Math.max(acc[j], b[j]) : Math.min(acc[j], b[j]);
            }
        }

        @Override
        void merge(ColAcc later, int w) {
            long[] o = ((LongColExtreme) later).acc;
            for (int j = 0; j < w; j++) {
                acc[j] = isMax ? Math.max(acc[j], o[j]) : Math.min(acc[j], o[j]);
            }
        }

        @Override
        void write(MemorySegment os, DType ot, long idx, int w) {
            for (int j = 0; j < w; j++) {
                putLong(os, ot, idx + j, acc[j]);
            }
        }
    }

    static final class LongColArgmax extends ColAcc {
        private final long[] best;
        private final long[] idx;

        LongColArgmax(MemorySegment xs, DType t, int width) {
            super(xs, t);
            this.best = new long[width];
            this.idx = new long[width];
        }

        @Override
        void reset(int w) {
            Arrays.fill(idx, 0, w, -1L);
        }

        @Override
        void addRow(long off, int w, long r) {
            long[] b = widenLong(xs, t, off, 1, w);
            for (int j = 0; j < w; j++) {
                if (idx[j] < 0 || b[j] > best[j]) {
                    best[j] = b[j];
                    idx[j] = r;
                }
            }
        }

        @Override
        void merge(ColAcc later, int w) {
            LongColArgmax o = (LongColArgmax) later;
            for (int j = 0; j < w; j++) {
                if (o.idx[j] >= 0 && (idx[j] < 0 || o.best[j] > best[j])) {
                    best[j] = o.best[j];
                    idx[j] = o.idx[j];
                }
            }
        }

        @Override
        void write(MemorySegment os, DType ot, long i, int w) {
            for (int j = 0; j < w; j++) {
                putLong(os, ot, i + j, idx[j]);
            }
        }
    }
}
