package io.xpu4j.backend.cpu;

import io.xpu4j.api.DType;
import io.xpu4j.api.KernelCall;
import io.xpu4j.api.KernelRegistry;
import io.xpu4j.api.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * {@code rope}: rotates each pair (x1, x2) of a row of x [..., S, D] at position s by the angle
 * whose cos and sin are {@code cos[s][i]}, {@code sin[s][i]}: x1' = x1·c − x2·s, x2' = x1·s + x2·c.
 * {@code interleaved} pairs (x[2i], x[2i+1]); {@code half_split} pairs (x[i], x[i+D/2]).
 *
 * <p>Rows are visited position-major (all leading indices of one position, then the next), so a
 * thread loads a position's tables once for many rows. For {@code interleaved} the tables are
 * expanded to full width, c' = [c0, c0, c1, c1, ...] and s' = [-s0, s0, -s1, s1, ...], so that
 * x' = x·c' + swap(x)·s', where swap exchanges the two lanes of each pair: one lane shuffle.
 */
final class RopeKernel {
    private static final int GRAIN = 16384;
    private static final VectorShuffle<Float> SWAP_PAIRS = VectorShuffle.fromOp(RowMath.S, i -> i ^ 1);

    private RopeKernel() {
    }

    static void register(KernelRegistry r) {
        for (DType t : List.of(DType.F32, DType.F16, DType.BF16)) {
            r.register("cpu", "rope", List.of(t, DType.F32, DType.F32), List.of(t), RopeKernel::run);
        }
    }

    static void run(KernelCall c) {
        Tensor x = c.input(0);
        Tensor cos = c.input(1);
        Tensor sin = c.input(2);
        Tensor out = c.output();
        boolean interleaved = switch (c.attrs().getString("layout")) {
            case "interleaved" -> true;
            case "half_split" -> false;
            default -> throw new IllegalArgumentException("rope layout " + c.attrs().getString("layout"));
        };
        DType t = x.dtype();
        long seq = x.shape(-2);
        int d = Math.toIntExact(x.shape(-1));
        int h = d / 2;
        long lead = x.numel() / (seq * d);
        MemorySegment xs = x.segment();
        MemorySegment os = out.segment();
        MemorySegment cs = cos.segment();
        MemorySegment ss = sin.segment();
        long xo = x.offset();
        long oo = out.offset();
        long co = cos.offset();
        long so = sin.offset();
        Parallel.forRange(Math.toIntExact(seq * lead), Math.max(1, GRAIN / d), (from, to) -> {
            float[] row = Rows.scratch(0, d);
            float[] res = Rows.scratch(1, d);
            float[] cv = Rows.scratch(2, d);
            float[] sv = Rows.scratch(3, d);
            long loaded = -1;
            for (long item = from; item < to; item++) {
                long s = item / lead;
                long b = item % lead;
                if (s != loaded) {
                    loadTables(cs, ss, co + s * h, so + s * h, h, cv, sv, interleaved);
                    loaded = s;
                }
                long rowOff = (b * seq + s) * d;
                Rows.load(xs, t, xo + rowOff, 1, d, row, 0);
                if (interleaved) {
                    interleaved(row, res, cv, sv, d);
                } else {
                    halfSplit(row, res, cv, sv, h);
                }
                Rows.store(res, 0, d, os, t, oo + rowOff, 1, false);
            }
        });
    }

    private static void loadTables(MemorySegment cs, MemorySegment ss, long co, long so, int h,
                                   float[] cv, float[] sv, boolean interleaved) {
        Rows.load(cs, DType.F32, co, 1, h, cv, 0);
        Rows.load(ss, DType.F32, so, 1, h, sv, 0);
        if (interleaved) {
            // expand in place from the back so no entry is overwritten before it is read
            for (int i = h - 1; i >= 0; i--) {
                float cc = cv[i];
                float sn = sv[i];
                cv[2 * i] = cc;
                cv[2 * i + 1] = cc;
                sv[2 * i] = -sn;
                sv[2 * i + 1] = sn;
            }
        }
    }

    private static void interleaved(float[] x, float[] y, float[] c, float[] s, int d) {
        int l = RowMath.L;
        int i = 0;
        for (; i <= d - l; i += l) {
            FloatVector v = FloatVector.fromArray(RowMath.S, x, i);
            v.mul(FloatVector.fromArray(RowMath.S, c, i))
                    .add(v.rearrange(SWAP_PAIRS).mul(FloatVector.fromArray(RowMath.S, s, i)))
                    .intoArray(y, i);
        }
        // the vector length is even, so the tail starts on a pair boundary
        for (; i < d; i += 2) {
            float x1 = x[i];
            float x2 = x[i + 1];
            y[i] = x1 * c[i] + x2 * s[i];
            y[i + 1] = x2 * c[i + 1] + x1 * s[i + 1];
        }
    }

    private static void halfSplit(float[] x, float[] y, float[] c, float[] s, int h) {
        int l = RowMath.L;
        int i = 0;
        for (; i <= h - l; i += l) {
            FloatVector x1 = FloatVector.fromArray(RowMath.S, x, i);
            FloatVector x2 = FloatVector.fromArray(RowMath.S, x, i + h);
            FloatVector vc = FloatVector.fromArray(RowMath.S, c, i);
            FloatVector vs = FloatVector.fromArray(RowMath.S, s, i);
            x1.mul(vc).sub(x2.mul(vs)).intoArray(y, i);
            x1.mul(vs).add(x2.mul(vc)).intoArray(y, i + h);
        }
        for (; i < h; i++) {
            float x1 = x[i];
            float x2 = x[i + h];
            y[i] = x1 * c[i] - x2 * s[i];
            y[i + h] = x1 * s[i] + x2 * c[i];
        }
    }
}
