package io.xpu4j.conformance;

import io.xpu4j.api.DType;
import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.Ops;
import io.xpu4j.api.Runtime;
import io.xpu4j.api.Tensor;
import io.xpu4j.api.XpuException;
import org.opentest4j.AssertionFailedError;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * What one test body works with: the ops of the backend under test, a random generator seeded
 * for the case, input construction (with the reference's view of the values) and comparison.
 *
 * <p>Reference inputs are read back from the bytes the tensors hold, decoded by {@link Formats}:
 * they are the dtype-rounded values, and reading them needs no kernel (a fresh tensor is
 * contiguous, so no copy or cast runs), so a broken cast kernel cannot corrupt the reference.
 * The values of a view are gathered on the host from its base through its strides and offset.
 *
 * <p>Every tensor the body obtains goes through {@link #keep}, and is closed after the body; the
 * suite then checks that nothing is left allocated.
 */
final class Harness {
    final Runtime runtime;
    final Ops ops;
    final SplittableRandom rnd;
    private final String caseName;
    private final List<Tensor> owned = new ArrayList<>();

    /** An input tensor and the values the reference sees for it. */
    record In(Tensor t, Nd v) {
    }

    Harness(Runtime runtime, long seed, String caseName) {
        this.runtime = runtime;
        this.ops = runtime.ops();
        this.rnd = new SplittableRandom(seed);
        this.caseName = caseName;
    }

    Tensor keep(Tensor t) {
        owned.add(t);
        return t;
    }

    void closeAll() {
        for (int i = owned.size() - 1; i >= 0; i--) {
            owned.get(i).close();
        }
        owned.clear();
    }

    // ---- inputs -------------------------------------------------------------------------------

    In input(DType t, long... shape) {
        return input(t, Layout.CONTIGUOUS, Gen.forDType(t), shape);
    }

    In input(DType t, Gen g, long... shape) {
        return input(t, Layout.CONTIGUOUS, g, shape);
    }

    /** A tensor of logical {@code shape} laid out as {@code layout}, filled from {@code g}. */
    In input(DType t, Layout layout, Gen g, long... shape) {
        int rank = shape.length;
        Layout eff = layout;
        if (eff == Layout.TRANSPOSED && rank < 2) {
            eff = Layout.STRIDED;
        }
        if (rank == 0) {
            eff = Layout.CONTIGUOUS;
        }
        long[] base = shape.clone();
        switch (eff) {
            case TRANSPOSED -> {
                for (int i = 0; i < rank; i++) {
                    base[i] = shape[rank - 1 - i];
                }
            }
            case STRIDED -> base[rank - 1] = 2 * shape[rank - 1] + 1;
            case EXPANDED -> base[0] = Math.min(shape[0], 1);
            default -> {
            }
        }
        double[] data = new double[Math.toIntExact(Nd.numel(base))];
        for (int i = 0; i < data.length; i++) {
            data[i] = g.next(rnd);
        }
        Tensor b = keep(ops.tensor(t, data, base));
        double[] stored = Formats.decode(b.toByteArray(), t);
        Tensor view = switch (eff) {
            case CONTIGUOUS -> b;
            case TRANSPOSED -> {
                int[] order = new int[rank];
                for (int i = 0; i < rank; i++) {
                    order[i] = rank - 1 - i;
                }
                yield keep(b.permute(order));
            }
            case STRIDED -> keep(b.slice(rank - 1, 1, base[rank - 1], 2));
            case EXPANDED -> keep(b.expand(shape));
        };
        if (!Arrays.equals(view.shape(), shape)) {
            throw new IllegalStateException("harness built " + view.describe() + " for shape " + Arrays.toString(shape));
        }
        return new In(view, gather(stored, view));
    }

    /** A contiguous tensor holding exactly {@code values} (after rounding to {@code t}). */
    In values(DType t, double[] values, long... shape) {
        Tensor b = keep(ops.tensor(t, values, shape));
        return new In(b, new Nd(shape.clone(), Formats.decode(b.toByteArray(), t)));
    }

    /** The values a view of a contiguous base shows, following its strides and offset. */
    private static Nd gather(double[] base, Tensor view) {
        long[] shape = view.shape();
        long[] strides = view.strides();
        double[] out = new double[Math.toIntExact(view.numel())];
        for (int i = 0; i < out.length; i++) {
            long[] idx = Nd.unravel(shape, i);
            long off = view.offset();
            for (int d = 0; d < idx.length; d++) {
                off += idx[d] * strides[d];
            }
            out[i] = base[(int) off];
        }
        return new Nd(shape, out);
    }

    /** The values of a result tensor (contiguous results are read without running any kernel). */
    Nd read(Tensor t) {
        return new Nd(t.shape(), Formats.decode(t.toByteArray(), t.dtype()));
    }

    // ---- comparison ---------------------------------------------------------------------------

    void expectExact(String what, Tensor got, DType dtype, Nd expected) {
        expect(what, got, dtype, Expected.of(expected), Tolerance.exact());
    }

    /**
     * Checks dtype, shape and every element of {@code got} against {@code expected} within
     * {@code bound}; an exact bound compares with the reference rounded once to {@code dtype}.
     */
    void expect(String what, Tensor got, DType dtype, Expected expected, Tolerance.Bound bound) {
        String where = caseName + ": " + what;
        if (got.dtype() != dtype) {
            throw new AssertionFailedError(where + ": result dtype is " + got.dtype() + ", expected " + dtype);
        }
        Nd exp = expected.value();
        if (!Arrays.equals(got.shape(), exp.shape())) {
            throw new AssertionFailedError(where + ": result shape " + Arrays.toString(got.shape())
                    + ", expected " + Arrays.toString(exp.shape()), Arrays.toString(exp.shape()), Arrays.toString(got.shape()));
        }
        double[] g = read(got).data();
        boolean isFloat = dtype.isFloatingPoint();
        int bad = 0;
        StringBuilder detail = new StringBuilder();
        double worst = 0;
        String worstText = "";
        for (int i = 0; i < g.length; i++) {
            double e = exp.data()[i];
            if (isFloat) {
                double r = Formats.round(e, dtype);
                if (bound.isExact() || Double.isInfinite(r)) {
                    e = r; // exact ops, and results beyond the dtype's range, must match the stored value
                }
            }
            double s = expected.scale()[i];
            if (!bound.accepts(e, g[i], s)) {
                bad++;
                double lim = bound.limit(e, s);
                double err = Math.abs(g[i] - e);
                String line = "  at " + Arrays.toString(Nd.unravel(exp.shape(), i)) + ": expected " + e + ", got " + g[i]
                        + (bound.isExact() || !Double.isFinite(e) ? "" : String.format(" (|diff| %.3g > limit %.3g)", err, lim));
                if (bad <= 6) {
                    detail.append('\n').append(line);
                }
                double ratio = Double.isFinite(err) && lim > 0 ? err / lim : Double.POSITIVE_INFINITY;
                if (ratio > worst || worstText.isEmpty()) {
                    worst = ratio;
                    worstText = line.trim();
                }
            }
        }
        if (bad > 0) {
            throw new AssertionFailedError(where + ": " + bad + " of " + g.length + " elements of " + got.describe()
                    + " outside tolerance (" + bound + "); worst " + worstText + detail);
        }
    }

    /** Runs {@code call}, which must fail with {@code code}; returns the exception. */
    XpuException expectError(String what, ErrorCode code, Supplier<?> call) {
        Object r;
        try {
            r = call.get();
        } catch (XpuException e) {
            if (e.code() != code) {
                throw new AssertionFailedError(caseName + ": " + what + ": expected an XpuException with " + code
                        + " but got " + e.getMessage(), e);
            }
            return e;
        }
        if (r instanceof Tensor t) {
            keep(t);
        }
        throw new AssertionFailedError(caseName + ": " + what + ": expected an XpuException with " + code
                + " but the call succeeded" + (r instanceof Tensor t ? " and returned " + t.describe() : ""));
    }
}
