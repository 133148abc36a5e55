package io.xpu4j.backend.cpu;

import io.xpu4j.api.DType;
import io.xpu4j.api.KernelCall;
import io.xpu4j.api.KernelRegistry;
import io.xpu4j.api.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * {@code layer_norm} and {@code rms_norm} over the last dim of a contiguous x, parallel over rows.
 *
 * <p>Statistics are two-pass: the mean first, then the mean of squared deviations (the biased
 * variance), so no cancellation occurs for rows with a large mean. Both sums are float vectors
 * over blocks added in double ({@link RowPasses}), accurate to about 1e-7 relative. F32 with a
 * weight reads each row from the tensor three times while it is in L1/L2 (sum, deviations,
 * output) and the sum is taken in the previous row's output pass; other dtypes, or no weight, go
 * through a work array: a row is copied (or widened) in once, and copied out once.
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
            // F32 with a weight (the common case): the copy-in fused with the first statistic (the
            // sum; rms_norm: the sum of squares, its only one), the copy-out with the output pass
            boolean fused = t == DType.F32 && w != null;
            if (fused && rms) {
                // each row's output pass also reads the next row and sums its squares, so a read
                // and a write stream run together; the last row's pass re-reads itself
                double ssq = RowPasses.loadSumSquares(xs, 4 * (xo + from * d), row, d);
                for (long r = from; r < to; r++) {
                    float scale = (float) (1.0 / Math.sqrt(ssq / d + eps));
                    long next = r + 1 < to ? r + 1 : r;
                    ssq = RowPasses.weightStoreNextSumSquares(xs, 4 * (xo + r * d), 4 * (xo + next * d), d, scale, w,
                            os, 4 * (oo + r * d));
                }
                return;
            }
            if (fused) {
                // layer_norm: each row's output pass also sums the next row; the variance about
                // the mean is a pass over the row while it is in cache
                double sum = RowPasses.loadSum(xs, 4 * (xo + from * d), row, d);
                for (long r = from; r < to; r++) {
                    float shift = (float) (sum / d);
                    double var = RowPasses.sumSquaredDiff(xs, 4 * (xo + r * d), d, shift) / d;
                    float scale = (float) (1.0 / Math.sqrt(var + eps));
                    long next = r + 1 < to ? r + 1 : r;
                    sum = RowPasses.normalizeStoreNextSum(xs, 4 * (xo + r * d), 4 * (xo + next * d), d, shift, scale,
                            w, bs, os, 4 * (oo + r * d));
                }
                return;
            }
            // other dtypes, or no weight: a row at a time through the work array
            for (long r = from; r < to; r++) {
                Rows.load(xs, t, xo + r * d, 1, d, row, 0);
                float shift = rms ? 0f : (float) (RowPasses.sum(row, d) / d);
                double var = RowPasses.sumSquaredDiff(row, d, shift) / d;
                float scale = (float) (1.0 / Math.sqrt(var + eps));
                RowPasses.normalize(row, d, shift, scale, w, bs);
                Rows.store(row, 0, d, os, t, oo + r * d, 1, false);
            }
        });
    }
}
