package io.xpu4j.backend.cpu;

import io.xpu4j.api.DType;
import io.xpu4j.api.KernelCall;
import io.xpu4j.api.KernelRegistry;
import io.xpu4j.api.Tensor;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;

/**
 * {@code softmax} and {@code log_softmax} along any axis of a contiguous input, computed stably
 * as exp(x - max) / sum and (x - max) - log(sum).
 *
 * <p>Edge rows follow from that formula, as in PyTorch: a row whose elements are all -Inf has
 * max -Inf, so x - max is NaN and the whole row is NaN (rather than a uniform distribution or
 * zeros, which would hide a fully masked row); a row holding +Inf or NaN is NaN too. A rank-0
 * input is one row of one element: softmax 1, log_softmax 0.
 *
 * <p>The input is viewed as [outer, n, inner] with n the axis. inner == 1 (the last axis) is the
 * fast path, parallel over rows: a row is copied (or widened) into a work array once, handled
 * there by {@link RowPasses} (max, exp-and-sum, scale) while it stays in L1/L2, and copied out
 * once. Otherwise a tile of inner positions is processed as
 * columns, each pass reading contiguous stretches along inner.
 */
final class SoftmaxKernels {
    /**
     * Widest tile of inner positions handled together. Wide tiles make each pass one long
     * sequential stream; narrow ones (sized to stay cached between passes) were measured far
     * slower, since reading a few cache lines per row at a large, often power-of-two stride is
     * latency-bound and the rows alias in the caches.
     */
    private static final int TILE = 4096;
    private static final int GRAIN = 16384;

    private SoftmaxKernels() {
    }

    static void register(KernelRegistry r) {
        for (DType t : List.of(DType.F32, DType.F16, DType.BF16)) {
            r.register("cpu", "softmax", List.of(t), List.of(t), c -> run(c, false));
            r.register("cpu", "log_softmax", List.of(t), List.of(t), c -> run(c, true));
        }
    }

    static void run(KernelCall call, boolean log) {
        Tensor x = call.input(0);
        Tensor out = call.output();
        long[] shape = x.shape();
        int axis = shape.length == 0 ? 0 : (int) call.attrs().getLong("axis");
        long n = shape.length == 0 ? 1 : shape[axis];
        long inner = innerSize(shape, axis);
        long outer = x.numel() / (n * inner);
        DType t = x.dtype();
        MemorySegment xs = x.segment();
        MemorySegment os = out.segment();
        long xo = x.offset();
        long oo = out.offset();
        if (inner == 1) {
            int len = Math.toIntExact(n);
            Parallel.forRange(Math.toIntExact(outer), Math.max(1, GRAIN / len), (from, to) -> {
                float[] b = Rows.scratch(0, len);
                if (t == DType.F32 && !log) {
                    // copy-in fused with the max, and each row's scaled copy-out with the next
                    // row's copy-in and max, so a read and a write stream run together
                    float[] next = Rows.scratch(4, len);
                    float m = RowPasses.loadMax(xs, 4 * (xo + from * len), b, len);
                    for (long r = from; r < to; r++) {
                        float k = (float) (1.0 / RowPasses.expSum(b, b, len, m));
                        if (r + 1 < to) {
                            m = RowPasses.scaleStoreNextLoadMax(b, len, k, os, 4 * (oo + r * len), xs,
                                    4 * (xo + (r + 1) * len), next);
                            float[] done = b;
                            b = next;
                            next = done;
                        } else {
                            RowPasses.scaleStore(b, len, k, os, 4 * (oo + r * len));
                        }
                    }
                    return;
                }
                for (long r = from; r < to; r++) {
                    Rows.load(xs, t, xo + r * len, 1, len, b, 0);
                    row(b, len, log);
                    Rows.store(b, 0, len, os, t, oo + r * len, 1, false);
                }
            });
            return;
        }
        int tile = (int) Math.min(inner, TILE);
        if (outer * ((inner + tile - 1) / tile) < Parallel.threads()) {
            // too few tiles to keep every thread busy: narrower ones, still whole vectors
            long per = (inner + Parallel.threads() - 1) / Parallel.threads();
            tile = (int) Math.min(inner, Math.max(RowMath.L, (per + RowMath.L - 1) / RowMath.L * RowMath.L));
        }
        final int tileW = tile;
        long tiles = (inner + tile - 1) / tile;
        int perItem = (int) Math.min(Integer.MAX_VALUE, n * tile);
        Parallel.forRange(Math.toIntExact(outer * tiles), Math.max(1, GRAIN / perItem), (from, to) -> {
            for (long item = from; item < to; item++) {
                long o = item / tiles;
                long j0 = item % tiles * tileW;
                int w = (int) Math.min(tileW, inner - j0);
                columns(xs, os, t, xo + o * n * inner + j0, oo + o * n * inner + j0, n, inner, w, log);
            }
        });
    }

    private static long innerSize(long[] shape, int axis) {
        long inner = 1;
        for (int d = axis + 1; d < shape.length; d++) {
            inner *= shape[d];
        }
        return inner;
    }

    /**
     * Softmax (or log_softmax) of {@code b[0..n)} in place: the max, then e^(x - max) and its
     * sum, then the scaling; log_softmax keeps x, takes the sum from a second row and writes
     * (x - max) - log Σ.
     */
    static void row(float[] b, int n, boolean log) {
        float m = RowPasses.max(b, n);
        if (log) {
            double sum = RowPasses.expSum(b, Rows.scratch(1, n), n, m);
            RowPasses.subtract2(b, n, m, (float) Math.log(sum));
        } else {
            double sum = RowPasses.expSum(b, b, n, m);
            RowPasses.scale(b, n, (float) (1.0 / sum));
        }
    }

    /**
     * Softmax along a strided axis for {@code w} neighbouring inner positions: element (a, j) is
     * at {@code base + a * inner + j}. Three passes (max, compensated sum of exp, write), each
     * reading one contiguous stretch of {@code w} per axis position.
     */
    private static void columns(MemorySegment xs, MemorySegment os, DType t, long xBase, long oBase,
                                long n, long inner, int w, boolean log) {
        float[] b = Rows.scratch(0, w);
        float[] m = Rows.scratch(1, w);
        float[] sum = Rows.scratch(2, w);
        float[] comp = Rows.scratch(3, w);
        Arrays.fill(m, 0, w, Float.NEGATIVE_INFINITY);
        for (long a = 0; a < n; a++) {
            Rows.load(xs, t, xBase + a * inner, 1, w, b, 0);
            RowMath.maxInto(m, null, b, 0, w, true);
        }
        Arrays.fill(sum, 0, w, 0f);
        Arrays.fill(comp, 0, w, 0f);
        for (long a = 0; a < n; a++) {
            Rows.load(xs, t, xBase + a * inner, 1, w, b, 0);
            expShift(b, m, w);
            RowMath.kahanAdd(sum, comp, null, b, 0, w);
        }
        // per column: the factor (softmax) or the offset (log_softmax) to apply
        for (int j = 0; j < w; j++) {
            double s = (double) sum[j] - comp[j];
            sum[j] = log ? (float) Math.log(s) : (float) (1.0 / s);
        }
        int l = RowMath.L;
        for (long a = 0; a < n; a++) {
            Rows.load(xs, t, xBase + a * inner, 1, w, b, 0);
            int j = 0;
            if (log) {
                for (; j <= w - l; j += l) {
                    FloatVector.fromArray(RowMath.S, b, j).sub(FloatVector.fromArray(RowMath.S, m, j))
                            .sub(FloatVector.fromArray(RowMath.S, sum, j)).intoArray(b, j);
                }
                for (; j < w; j++) {
                    b[j] = (b[j] - m[j]) - sum[j];
                }
            } else {
                expShift(b, m, w);
                for (; j <= w - l; j += l) {
                    FloatVector.fromArray(RowMath.S, b, j).mul(FloatVector.fromArray(RowMath.S, sum, j)).intoArray(b, j);
                }
                for (; j < w; j++) {
                    b[j] *= sum[j];
                }
            }
            Rows.store(b, 0, w, os, t, oBase + a * inner, 1, false);
        }
    }

    /** {@code b[j] = exp(b[j] - m[j])}. */
    private static void expShift(float[] b, float[] m, int w) {
        int l = RowMath.L;
        int j = 0;
        for (; j <= w - l; j += l) {
            UnaryMath.exp(FloatVector.fromArray(RowMath.S, b, j).sub(FloatVector.fromArray(RowMath.S, m, j)))
                    .intoArray(b, j);
        }
        for (; j < w; j++) {
            b[j] = (float) Math.exp(b[j] - m[j]);
        }
    }
}
