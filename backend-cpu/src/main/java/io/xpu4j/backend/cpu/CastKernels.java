package io.xpu4j.backend.cpu;

import io.xpu4j.api.DType;
import io.xpu4j.api.FloatFormats;
import io.xpu4j.api.KernelCall;
import io.xpu4j.api.KernelRegistry;
import io.xpu4j.api.Tensor;
import io.xpu4j.api.spi.ContractErrors;

import java.lang.foreign.MemorySegment;
import java.util.List;

import static io.xpu4j.api.DType.BOOL;
import static io.xpu4j.api.DType.I32;
import static io.xpu4j.api.DType.I64;

/**
 * {@code cast} between every pair of dtypes (docs/ops.md has the rules).
 *
 * <p>Float sources are widened to float32 (exact for every narrower format), integer and BOOL
 * sources to long; the value is then rounded or checked once into the target:
 * <ul>
 *   <li>to a float dtype: round to nearest even, from the float, or for integers from the exact
 *       integer value (a long is first narrowed to double by round-to-odd, which makes the one
 *       later rounding come out as if done from the exact value);</li>
 *   <li>to an integer dtype: truncate toward zero; NaN, infinities and values outside the
 *       target range are errors, as is an integer that does not fit a narrower integer dtype;</li>
 *   <li>to BOOL: {@code x != 0} (NaN is true); from BOOL: 0 or 1.</li>
 * </ul>
 * F16 and BF16 rows convert a vector at a time ({@link HalfRows}); large casts are split over
 * the worker pool ({@link Pieces}).
 */
final class CastKernels {
    private static final long GRAIN = 32_768;

    private CastKernels() {
    }

    static void register(KernelRegistry r) {
        for (DType from : DType.values()) {
            for (DType to : DType.values()) {
                r.register("cpu", "cast", List.of(from), List.of(to), CastKernels::cast);
            }
        }
    }

    static void cast(KernelCall call) {
        Tensor x = call.input(0);
        Tensor out = call.output();
        DType from = x.dtype();
        DType to = out.dtype();
        boolean saturate = call.attrs().has("saturate") && call.attrs().getBool("saturate");
        if (from == to) {
            copyRaw(x, out);
            return;
        }
        MemorySegment sx = x.segment();
        MemorySegment so = out.segment();
        long ix = Rows.innerStride(x);
        Pieces.run(out.shape(), new Tensor[]{x, out}, GRAIN, (o, n) -> {
            if (from.isFloatingPoint()) {
                float[] v = Rows.scratch(0, n);
                Rows.load(sx, from, o[0], ix, n, v, 0);
                if (to.isFloatingPoint()) {
                    Rows.store(v, 0, n, so, to, o[1], 1, saturate);
                } else if (to == BOOL) {
                    Rows.store(v, 0, n, so, BOOL, o[1], 1, false);
                } else {
                    long[] w = Rows.scratchLong(0, n);
                    truncate(v, n, w, from, to);
                    Rows.storeLong(w, 0, n, so, to, o[1], 1);
                }
            } else {
                long[] w = Rows.scratchLong(0, n);
                Rows.loadLong(sx, from, o[0], ix, n, w, 0);
                if (from == BOOL) {
                    for (int i = 0; i < n; i++) {
                        w[i] = w[i] != 0 ? 1 : 0;
                    }
                }
                if (to.isFloatingPoint()) {
                    storeFromLong(w, n, so, to, o[1], saturate);
                } else {
                    if (to != BOOL) {
                        checkFits(w, n, from, to);
                    }
                    Rows.storeLong(w, 0, n, so, to, o[1], 1);
                }
            }
        });
    }

    /** Integer (or 0/1) values to a float dtype, each rounded once from its exact value. */
    private static void storeFromLong(long[] w, int n, MemorySegment s, DType t, long off, boolean saturate) {
        switch (t) {
            case F32 -> {
                // long to float is itself one round-to-nearest-even
                for (int i = 0; i < n; i++) {
                    s.set(Rows.F32, (off + i) * 4, (float) w[i]);
                }
            }
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    s.set(Rows.I16, (off + i) * 2, FloatFormats.doubleToHalf(toDoubleOdd(w[i])));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    s.set(Rows.I16, (off + i) * 2, FloatFormats.doubleToBf16(toDoubleOdd(w[i])));
                }
            }
            case F8_E4M3 -> {
                for (int i = 0; i < n; i++) {
                    s.set(Rows.I8, off + i, FloatFormats.doubleToE4M3(toDoubleOdd(w[i]), saturate));
                }
            }
            case F8_E5M2 -> {
                for (int i = 0; i < n; i++) {
                    s.set(Rows.I8, off + i, FloatFormats.doubleToE5M2(toDoubleOdd(w[i]), saturate));
                }
            }
            default -> throw new IllegalArgumentException("not a float dtype: " + t);
        }
    }

    /**
     * {@code v} as a double, exact when it fits 53 bits and otherwise rounded to odd: truncated
     * to 53 significant bits with the last one set if anything was dropped. A later
     * round-to-nearest-even to 51 bits or fewer (every format here) then gives exactly the
     * result of rounding {@code v} itself, where plain (double) v could round twice.
     */
    static double toDoubleOdd(long v) {
        long mag = v < 0 ? -v : v; // Long.MIN_VALUE stays 2^63 read as unsigned
        int lz = Long.numberOfLeadingZeros(mag);
        if (lz >= 11) {
            return (double) v;
        }
        int drop = 11 - lz;
        long kept = mag >>> drop;
        if ((mag & ((1L << drop) - 1)) != 0) {
            kept |= 1;
        }
        double r = Math.scalb((double) kept, drop);
        return v < 0 ? -r : r;
    }

    /** Float to integer: truncate toward zero; NaN, infinities and out-of-range values fail. */
    private static void truncate(float[] v, int n, long[] w, DType from, DType to) {
        // Valid inputs are those whose truncation lies in [min, max]: the open interval
        // (min - 1, max + 1), exact in double for I8 and I32; I64's bounds are powers of two.
        double lo = to == I64 ? -0x1p63 : ContractErrors.minOf(to) - 1.0;
        double hi = to == I64 ? 0x1p63 : ContractErrors.maxOf(to) + 1.0;
        boolean loInclusive = to == I64;
        for (int i = 0; i < n; i++) {
            double d = v[i];
            if (!(d < hi && (d > lo || (loInclusive && d == lo)))) {
                throw ContractErrors.castNotAllowed(Float.toString(v[i]), from, to);
            }
            w[i] = (long) d;
        }
    }

    /** Integer to a narrower integer must fit. */
    private static void checkFits(long[] w, int n, DType from, DType to) {
        if (to.byteSize() >= from.byteSize()) {
            return; // widening (or BOOL's 0/1 into I8)
        }
        long min = ContractErrors.minOf(to);
        long max = ContractErrors.maxOf(to);
        for (int i = 0; i < n; i++) {
            if (w[i] < min || w[i] > max) {
                throw ContractErrors.castNotAllowed(Long.toString(w[i]), from, to);
            }
        }
    }


    /** Same dtype: the bytes as they are. */
    private static void copyRaw(Tensor x, Tensor out) {
        MemorySegment sx = x.segment();
        MemorySegment so = out.segment();
        int size = x.dtype().byteSize();
        long ix = Rows.innerStride(x);
        Pieces.run(out.shape(), new Tensor[]{x, out}, GRAIN, (o, n) -> {
            if (ix == 1) {
                MemorySegment.copy(sx, o[0] * size, so, o[1] * size, (long) n * size);
            } else {
                for (int i = 0; i < n; i++) {
                    MemorySegment.copy(sx, (o[0] + i * ix) * size, so, (o[1] + i) * size, size);
                }
            }
        });
    }
}
