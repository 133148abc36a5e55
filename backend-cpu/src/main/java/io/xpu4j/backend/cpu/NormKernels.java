package io.xpu4j.backend.cpu;

import io.xpu4j.api.DType;
import io.xpu4j.api.KernelCall;
import io.xpu4j.api.KernelRegistry;
import io.xpu4j.api.Tensor;
import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * {@code layer_norm} and {@code rms_norm} over the last dim of a contiguous x, parallel over rows.
 *
 * <p>Statistics are two-pass: the mean first, then the mean of squared deviations (the biased
 * variance), so no cancellation occurs for rows with a large mean. Both sums are float vectors
 * over blocks added in double ({@link RowMath}), accurate to about 1e-7 relative.
 */
final class NormKernels {
    private static final int GRAIN = 16384;

    private NormKernels() {
    }

    static void register(KernelRegistry r) {
        for (DType t : List.of(DType.F32, DType.F16, DType.BF16)) {
            // x, x+weight or x+bias (one extra tensor either way), x+weight+bias
            r.register("cpu", "layer_norm", List.of(t), List.of(t), NormKernels::layerNorm);
            r.register("cpu", "layer_norm", List.of(t, t), List.of(t), NormKernels::layerNorm);
            r.register("cpu", "layer_norm", List.of(t, t, t), List.of(t), NormKernels::layerNorm);
            r.register("cpu", "rms_norm", List.of(t, t), List.of(t), NormKernels::rmsNorm);
        }
    }

    static void layerNorm(KernelCall c) {
        boolean hasW = c.attrs().getBool("hasWeight");
        boolean hasB = c.attrs().getBool("hasBias");
        Tensor w = hasW ? c.input(1) : null;
        Tensor b = hasB ? c.input(hasW ? 2 : 1) : null;
        run(c, w, b, false);
    }

    static void rmsNorm(KernelCall c) {
        run(c, c.input(1), null, true);
    }

    private static void run(KernelCall c, Tensor weight, Tensor bias, boolean rms) {
        Tensor x = c.input(0);
        Tensor out = c.output();
        double eps = c.attrs().getDouble("eps");
        DType t = x.dtype();
        int d = Math.toIntExact(x.shape(-1));
        long rows = x.numel() / d;
        MemorySegment xs = x.segment();
        MemorySegment os = out.segment();
        long xo = x.offset();
        long oo = out.offset();
        Parallel.forRange(Math.toIntExact(rows), Math.max(1, GRAIN / d), (from, to) -> {
            float[] row = Rows.scratch(0, d);
            float[] w = weight == null ? null : Rows.scratch(1, d);
            float[] bs = bias == null ? null : Rows.scratch(2, d);
            if (w != null) {
                Rows.load(weight.segment(), t, weight.offset(), 1, d, w, 0);
            }
            if (bs != null) {
                Rows.load(bias.segment(), t, bias.offset(), 1, d, bs, 0);
            }
            for (long r = from; r < to; r++) {
                Rows.load(xs, t, xo + r * d, 1, d, row, 0);
                float shift;
                double var;
                if (rms) {
                    shift = 0f;
                    var = RowMath.sumSquares(row, d) / d;
                } else {
                    shift = (float) (RowMath.sum(null, row, 0, d) / d);
                    var = RowMath.sumSquaredDiff(row, d, shift) / d;
                }
                float scale = (float) (1.0 / Math.sqrt(var + eps));
                apply(row, d, shift, scale, w, bs);
                Rows.store(row, 0, d, os, t, oo + r * d, 1, false);
            }
        });
    }

    /** {@code row = (row - shift) * scale [* w] [+ b]}. */
    private static void apply(float[] row, int d, float shift, float scale, float[] w, float[] b) {
        int l = RowMath.L;
        FloatVector vs = FloatVector.broadcast(RowMath.S, shift);
        FloatVector vk = FloatVector.broadcast(RowMath.S, scale);
        int i = 0;
        for (; i <= d - l; i += l) {
            FloatVector y = FloatVector.fromArray(RowMath.S, row, i).sub(vs).mul(vk);
            if (w != null) {
                y = y.mul(FloatVector.fromArray(RowMath.S, w, i));
            }
            if (b != null) {
                y = y.add(FloatVector.fromArray(RowMath.S, b, i));
            }
            y.intoArray(row, i);
        }
        for (; i < d; i++) {
            float y = (row[i] - shift) * scale;
            if (w != null) {
                y *= w[i];
            }
            if (b != null) {
                y += b[i];
            }
            row[i] = y;
        }
    }
}
