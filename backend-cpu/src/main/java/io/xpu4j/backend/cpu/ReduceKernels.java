package io.xpu4j.backend.cpu;

import io.xpu4j.api.DType;
import io.xpu4j.api.KernelCall;
import io.xpu4j.api.KernelRegistry;
import io.xpu4j.api.Tensor;
import io.xpu4j.backend.cpu.ReduceAccumulators.Acc;
import io.xpu4j.backend.cpu.ReduceAccumulators.ColAcc;
import io.xpu4j.backend.cpu.ReduceAccumulators.Kind;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * {@code sum}, {@code mean}, {@code max}, {@code min} over any set of axes and {@code argmax}
 * over one, for inputs of any strides. The output arrives contiguous in keep-dim shape, so
 * output element {@code o} is the row-major index over the kept dims.
 *
 * <p>Two walks, picked from the {@link ReducePlan}:
 * <ul>
 *   <li>row-wise: each output element reduces runs along the innermost reduced dim (vectorised
 *       when that dim is contiguous F32, e.g. a last-axis sum), parallel over outputs;</li>
 *   <li>column-wise, when the kept dims end in a contiguous dim and the reduced ones do not (a
 *       sum over axis 0 of [N, D]): a tile of outputs is updated one input row at a time, so the
 *       loads are contiguous vectors instead of strided scalars; parallel over tiles.</li>
 * </ul>
 * When there are fewer outputs (or tiles) than threads but many elements, each reduction is split
 * across threads and the partial states merged in order.
 *
 * <p>Float sums: see {@link RowMath} (row-wise) and its Kahan update (column-wise); both stay
 * within about 1e-7 of the float64 sum for a million elements. Integer sums are in long and wrap
 * to the output type.
 */
final class ReduceKernels {
    /** Elements below which a parallel hand-off costs more than it saves. */
    private static final long GRAIN = 32768;

    private static final List<DType> FLOAT = List.of(DType.F32, DType.F16, DType.BF16);
    private static final List<DType> REDUCIBLE = List.of(DType.F32, DType.F16, DType.BF16, DType.I32, DType.I64);
    private static final List<DType> NUMERIC = List.of(DType.F32, DType.F16, DType.BF16, DType.I8, DType.I32, DType.I64);

    private ReduceKernels() {
    }

    static void register(KernelRegistry r) {
        for (DType t : REDUCIBLE) {
            r.register("cpu", "sum", List.of(t), List.of(t), c -> reduce(c, Kind.SUM));
            r.register("cpu", "max", List.of(t), List.of(t), c -> reduce(c, Kind.MAX));
            r.register("cpu", "min", List.of(t), List.of(t), c -> reduce(c, Kind.MIN));
        }
        for (DType t : FLOAT) {
            r.register("cpu", "mean", List.of(t), List.of(t), c -> reduce(c, Kind.MEAN));
        }
        for (DType t : NUMERIC) {
            r.register("cpu", "argmax", List.of(t), List.of(DType.I64), c -> reduce(c, Kind.ARGMAX));
        }
    }

    static void reduce(KernelCall call, Kind kind) {
        Tensor x = call.input(0);
        Tensor out = call.output();
        long[] axes;
        if (kind == Kind.ARGMAX) {
            axes = x.rank() == 0 ? new long[0] : new long[]{call.attrs().getLong("axis")};
        } else {
            axes = call.attrs().getLongs("axes");
        }
        ReducePlan p = ReducePlan.of(x.shape(), x.strides(), x.offset(), axes);
        MemorySegment xs = x.segment();
        MemorySegment os = out.segment();
        DType ot = out.dtype();
        long ob = out.offset();
        if (p.redCount == 0) {
            // only sum and mean get here (Ops rejects empty max/min/argmax): 0, and 0/0 = NaN
            for (long o = 0; o < p.outCount; o++) {
                if (ot.isInteger()) {
                    ReduceAccumulators.putLong(os, ot, ob + o, 0);
                } else {
                    ReduceAccumulators.putFloat(os, ot, ob + o, kind == Kind.MEAN ? Float.NaN : 0f);
                }
            }
            return;
        }
        if (p.columnWise()) {
            columns(p, kind, xs, x.dtype(), os, ot, ob);
        } else {
            rows(p, kind, xs, x.dtype(), os, ot, ob);
        }
    }

    private static void rows(ReducePlan p, Kind kind, MemorySegment xs, DType in, MemorySegment os, DType ot, long ob) {
        long red = p.redCount;
        int threads = Parallel.threads();
        if (p.outCount >= threads || red < GRAIN || threads == 1) {
            int minChunk = (int) Math.max(1, GRAIN / red);
            Parallel.forRange(Math.toIntExact(p.outCount), minChunk, (from, to) -> {
                Acc a = ReduceAccumulators.acc(kind, xs, in, red);
                long off = p.keptOffset(from);
                int nk = p.keptShape.length;
                for (long o = from; o < to; o++) {
                    if (o > from && nk > 0) {
                        // the innermost kept dim usually advances alone; recompute only on a carry
                        off = o % p.keptShape[nk - 1] == 0 ? p.keptOffset(o) : off + p.keptStride[nk - 1];
                    }
                    a.reset();
                    p.forEachPiece(off, 0, red, a);
                    a.write(os, ot, ob + o);
                }
            });
            return;
        }
        Acc[] parts = new Acc[threads];
        for (int k = 0; k < threads; k++) {
            parts[k] = ReduceAccumulators.acc(kind, xs, in, red);
        }
        for (long o = 0; o < p.outCount; o++) {
            long off = p.keptOffset(o);
            Parallel.forRange(threads, (s, e) -> {
                for (int k = s; k < e; k++) {
                    parts[k].reset();
                    p.forEachPiece(off, red * k / threads, red * (k + 1) / threads, parts[k]);
                }
            });
            for (int k = 1; k < threads; k++) {
                parts[0].merge(parts[k]);
            }
            parts[0].write(os, ot, ob + o);
        }
    }

    private static void columns(ReducePlan p, Kind kind, MemorySegment xs, DType in, MemorySegment os, DType ot, long ob) {
        int tile = ReduceAccumulators.TILE;
        int nk = p.keptShape.length;
        long inner = p.keptShape[nk - 1];
        long tiles = (inner + tile - 1) / tile;
        long items = p.outCount / inner * tiles;
        long red = p.redCount;
        int threads = Parallel.threads();
        if (items >= threads || red * Math.min(inner, tile) < GRAIN || threads == 1) {
            int minChunk = (int) Math.max(1, GRAIN / (red * Math.min(inner, tile)));
            Parallel.forRange(Math.toIntExact(items), minChunk, (from, to) -> {
                ColAcc a = ReduceAccumulators.colAcc(kind, xs, in, red, (int) Math.min(inner, tile));
                for (long item = from; item < to; item++) {
                    long ko = item / tiles;
                    long j0 = item % tiles * tile;
                    int w = (int) Math.min(tile, inner - j0);
                    long base = p.base + ReducePlan.offsetOf(ko, p.keptShape, p.keptStride, nk - 1) + j0;
                    a.reset(w);
                    addRows(p, a, base, w, 0, red);
                    a.write(os, ot, ob + ko * inner + j0, w);
                }
            });
            return;
        }
        ColAcc[] parts = new ColAcc[threads];
        for (int k = 0; k < threads; k++) {
            parts[k] = ReduceAccumulators.colAcc(kind, xs, in, red, (int) Math.min(inner, tile));
        }
        for (long item = 0; item < items; item++) {
            long ko = item / tiles;
            long j0 = item % tiles * tile;
            int w = (int) Math.min(tile, inner - j0);
            long base = p.base + ReducePlan.offsetOf(ko, p.keptShape, p.keptStride, nk - 1) + j0;
            Parallel.forRange(threads, (s, e) -> {
                for (int k = s; k < e; k++) {
                    parts[k].reset(w);
                    addRows(p, parts[k], base, w, red * k / threads, red * (k + 1) / threads);
                }
            });
            for (int k = 1; k < threads; k++) {
                parts[0].merge(parts[k], w);
            }
            parts[0].write(os, ot, ob + ko * inner + j0, w);
        }
    }

    /** Feeds reduced rows {@code [from, to)} of the tile at {@code base} to {@code a}, four at a time. */
    private static void addRows(ReducePlan p, ColAcc a, long base, int w, long from, long to) {
        long r = from;
        if (p.redShape.length == 1) {
            long st = p.redStride[0];
            for (; r + 4 <= to; r += 4) {
                long o = base + r * st;
                a.addRows4(o, o + st, o + 2 * st, o + 3 * st, w, r);
            }
        } else {
            for (; r + 4 <= to; r += 4) {
                a.addRows4(base + p.reducedOffset(r), base + p.reducedOffset(r + 1), base + p.reducedOffset(r + 2),
                        base + p.reducedOffset(r + 3), w, r);
            }
        }
        for (; r < to; r++) {
            a.addRow(base + p.reducedOffset(r), w, r);
        }
    }
}
