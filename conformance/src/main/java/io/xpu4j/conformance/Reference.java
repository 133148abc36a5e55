package io.xpu4j.conformance;

import io.xpu4j.api.DType;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Float64 references for the elementwise, reduction, cast and creation ops of {@code docs/ops.md},
 * on plain {@link Nd} arrays. They take the values the tensors actually hold (already rounded to
 * their dtype), so a comparison measures only the kernel's error. Integer ops compute in
 * {@code long}, as the kernel contract says; inputs are kept within ±2^53 so doubles hold them
 * exactly. See {@link NnReference} for matmul and the neural-network ops.
 */
public final class Reference {
    private Reference() {
    }

    // ================================ elementwise ==================================================

    /**
     * {@code add sub mul div maximum minimum pow} with NumPy broadcasting. With {@code integer},
     * computes in long; {@code div} truncates toward zero and throws on a zero divisor.
     */
    public static Nd binary(String op, Nd a, Nd b, boolean integer) {
        long[] shape = Nd.broadcast(a.shape(), b.shape());
        double[] out = new double[Math.toIntExact(Nd.numel(shape))];
        for (int i = 0; i < out.length; i++) {
            long[] idx = Nd.unravel(shape, i);
            double x = a.data()[Nd.broadcastOffset(a.shape(), idx)];
            double y = b.data()[Nd.broadcastOffset(b.shape(), idx)];
            out[i] = integer ? binaryLong(op, (long) x, (long) y) : binaryDouble(op, x, y);
        }
        return new Nd(shape, out);
    }

    static double binaryDouble(String op, double x, double y) {
        return switch (op) {
            case "add" -> x + y;
            case "sub" -> x - y;
            case "mul" -> x * y;
            case "div" -> x / y;
            case "maximum" -> Math.max(x, y);
            case "minimum" -> Math.min(x, y);
            case "pow" -> Math.pow(x, y);
            default -> throw new IllegalArgumentException("unknown binary op " + op);
        };
    }

    static double binaryLong(String op, long x, long y) {
        return switch (op) {
            case "add" -> x + y;
            case "sub" -> x - y;
            case "mul" -> x * y;
            case "div" -> {
                if (y == 0) {
                    throw new ArithmeticException("integer division by zero");
                }
                yield x / y; // Java's long division truncates toward zero, as the op does
            }
            case "maximum" -> Math.max(x, y);
            case "minimum" -> Math.min(x, y);
            default -> throw new IllegalArgumentException("unknown integer binary op " + op);
        };
    }

    /** {@code eq ne lt le gt ge}: 1 for true, 0 for false; NaN compares unequal to everything. */
    public static Nd compare(String op, Nd a, Nd b) {
        long[] shape = Nd.broadcast(a.shape(), b.shape());
        double[] out = new double[Math.toIntExact(Nd.numel(shape))];
        for (int i = 0; i < out.length; i++) {
            long[] idx = Nd.unravel(shape, i);
            double x = a.data()[Nd.broadcastOffset(a.shape(), idx)];
            double y = b.data()[Nd.broadcastOffset(b.shape(), idx)];
            boolean r = switch (op) {
                case "eq" -> x == y;
                case "ne" -> x != y;
                case "lt" -> x < y;
                case "le" -> x <= y;
                case "gt" -> x > y;
                case "ge" -> x >= y;
                default -> throw new IllegalArgumentException("unknown compare op " + op);
            };
            out[i] = r ? 1 : 0;
        }
        return new Nd(shape, out);
    }

    /** {@code cond ? a : b}, the three broadcast together. */
    public static Nd where(Nd cond, Nd a, Nd b) {
        long[] shape = Nd.broadcast(cond.shape(), a.shape(), b.shape());
        double[] out = new double[Math.toIntExact(Nd.numel(shape))];
        for (int i = 0; i < out.length; i++) {
            long[] idx = Nd.unravel(shape, i);
            boolean c = cond.data()[Nd.broadcastOffset(cond.shape(), idx)] != 0;
            out[i] = c ? a.data()[Nd.broadcastOffset(a.shape(), idx)] : b.data()[Nd.broadcastOffset(b.shape(), idx)];
        }
        return new Nd(shape, out);
    }

    /** A unary op by its kernel name; {@code gelu_tanh} is gelu with the tanh approximation. */
    public static Nd unary(String op, Nd x) {
        double[] out = new double[x.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = unary(op, x.data()[i]);
        }
        return new Nd(x.shape().clone(), out);
    }

    public static double unary(String op, double x) {
        return switch (op) {
            case "neg" -> -x;
            case "abs" -> Math.abs(x);
            case "relu" -> x > 0 ? x : 0;
            case "exp" -> Math.exp(x);
            case "log" -> Math.log(x);
            case "sqrt" -> Math.sqrt(x);
            case "rsqrt" -> rsqrt(x);
            case "tanh" -> Math.tanh(x);
            case "erf" -> Erf.erf(x);
            case "sigmoid" -> sigmoid(x);
            case "silu" -> silu(x);
            case "gelu" -> gelu(x);
            case "gelu_tanh" -> geluTanh(x);
            default -> throw new IllegalArgumentException("unknown unary op " + op);
        };
    }

    public static double rsqrt(double x) {
        return 1 / Math.sqrt(x);
    }

    public static double sigmoid(double x) {
        // written per sign so that exp never overflows into an Inf/Inf
        if (x >= 0) {
            return 1 / (1 + Math.exp(-x));
        }
        double e = Math.exp(x);
        return e / (1 + e);
    }

    public static double silu(double x) {
        return x * sigmoid(x);
    }

    /** Exact GELU, x·Φ(x) = 0.5·x·erfc(−x/√2): the erfc form keeps accuracy for negative x. */
    public static double gelu(double x) {
        if (Double.isInfinite(x)) {
            return x > 0 ? x : 0;
        }
        return 0.5 * x * Erf.erfc(-x / Math.sqrt(2));
    }

    /** 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
    public static double geluTanh(double x) {
        double u = Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x);
        return 0.5 * x * (1 + Math.tanh(u));
    }

    // ================================ reductions ===================================================

    /**
     * {@code sum mean max min} over {@code axes} (any order, negatives allowed; none = all).
     * The result has the keep-dim shape when {@code keepdim}, else the reduced axes dropped.
     * Scale (see {@link Tolerance#accumulate}) for sum and mean: Σ|x| (÷K for the mean).
     * max and min propagate NaN; the mean of nothing is NaN, the sum of nothing 0.
     */
    public static Expected reduce(String op, Nd x, int[] axes, boolean keepdim) {
        boolean[] red = reducedAxes(x.rank(), axes);
        long[] keep = x.shape().clone();
        long k = 1;
        for (int i = 0; i < keep.length; i++) {
            if (red[i]) {
                k *= keep[i];
                keep[i] = 1;
            }
        }
        int n = Math.toIntExact(Nd.numel(keep));
        double[] acc = new double[n];
        double[] mag = new double[n];
        double init = switch (op) {
            case "sum", "mean" -> 0;
            case "max" -> Double.NEGATIVE_INFINITY;
            case "min" -> Double.POSITIVE_INFINITY;
            default -> throw new IllegalArgumentException("unknown reduction " + op);
        };
        Arrays.fill(acc, init);
        for (int i = 0; i < x.size(); i++) {
            long[] idx = Nd.unravel(x.shape(), i);
            for (int d = 0; d < idx.length; d++) {
                if (red[d]) {
                    idx[d] = 0;
                }
            }
            int o = Nd.offset(keep, idx);
            double v = x.data()[i];
            switch (op) {
                case "sum", "mean" -> acc[o] += v;
                case "max" -> acc[o] = Double.isNaN(v) || Double.isNaN(acc[o]) ? Double.NaN : Math.max(acc[o], v);
                default -> acc[o] = Double.isNaN(v) || Double.isNaN(acc[o]) ? Double.NaN : Math.min(acc[o], v);
            }
            mag[o] += Math.abs(v);
        }
        double[] scale = new double[n];
        for (int o = 0; o < n; o++) {
            if (op.equals("mean")) {
                acc[o] = k == 0 ? Double.NaN : acc[o] / k;
                scale[o] = k == 0 ? 0 : mag[o] / k;
            } else if (op.equals("sum")) {
                scale[o] = mag[o];
            }
        }
        long[] outShape = keepdim ? keep : dropAxes(x.shape(), red);
        return new Expected(new Nd(outShape, acc), scale);
    }

    /** Index of the first maximum along {@code axis}; a NaN counts as larger than everything. */
    public static Nd argmax(Nd x, int axis, boolean keepdim) {
        if (x.rank() == 0) {
            return Nd.of(new double[]{0});
        }
        int ax = axis < 0 ? axis + x.rank() : axis;
        boolean[] red = new boolean[x.rank()];
        red[ax] = true;
        long[] keep = x.shape().clone();
        keep[ax] = 1;
        int n = Math.toIntExact(Nd.numel(keep));
        double[] best = new double[n];
        double[] arg = new double[n];
        Arrays.fill(arg, -1);
        for (int i = 0; i < x.size(); i++) {
            long[] idx = Nd.unravel(x.shape(), i);
            long pos = idx[ax];
            idx[ax] = 0;
            int o = Nd.offset(keep, idx);
            double v = x.data()[i];
            boolean better = arg[o] < 0 || (!Double.isNaN(best[o]) && (Double.isNaN(v) || v > best[o]));
            if (better) {
                best[o] = v;
                arg[o] = pos;
            }
        }
        return new Nd(keepdim ? keep : dropAxes(x.shape(), red), arg);
    }

    static boolean[] reducedAxes(int rank, int[] axes) {
        boolean[] red = new boolean[rank];
        if (axes.length == 0) {
            Arrays.fill(red, true);
        }
        for (int a : axes) {
            red[a < 0 ? a + rank : a] = true;
        }
        return red;
    }

    static long[] dropAxes(long[] shape, boolean[] drop) {
        return IntStream.range(0, shape.length).filter(i -> !drop[i]).mapToLong(i -> shape[i]).toArray();
    }

    // ================================ cast and creation ============================================

    /**
     * {@code x} (exact values of the source dtype) converted to {@code to}: floats round to nearest
     * even (FP8 overflow per {@code saturate}), float to integer truncates toward zero, anything to
     * BOOL is {@code x != 0}.
     *
     * @throws IllegalArgumentException for a value the cast does not allow (NaN, Inf or out of range
     *                                  for an integer target)
     */
    public static Nd cast(Nd x, DType to, boolean saturate) {
        double[] out = new double[x.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = cast(x.data()[i], to, saturate);
        }
        return new Nd(x.shape().clone(), out);
    }

    public static double cast(double v, DType to, boolean saturate) {
        if (to == DType.BOOL) {
            return v != 0 ? 1 : 0;
        }
        if (to.isInteger()) {
            if (Double.isNaN(v) || Double.isInfinite(v)) {
                throw new IllegalArgumentException(v + " cannot be cast to " + to);
            }
            double t = v < 0 ? Math.ceil(v) : Math.floor(v);
            if (t < Formats.intMin(to) || t > Formats.intMax(to)) {
                throw new IllegalArgumentException(v + " is out of range for " + to);
            }
            return t + 0.0; // turns a -0.0 from ceil into 0
        }
        return Formats.round(v, to, saturate);
    }

    /** What {@code full(dtype, value, shape)} holds. */
    public static Nd fill(DType t, double value, long... shape) {
        double[] out = new double[Math.toIntExact(Nd.numel(shape))];
        Arrays.fill(out, Formats.round(value, t));
        return new Nd(shape.clone(), out);
    }

    /** {@code start + i·step} for every i with the value short of {@code end}, in dtype {@code t}. */
    public static Nd arange(double start, double end, double step, DType t) {
        int n = (int) Math.max(0, Math.ceil((end - start) / step));
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = Formats.round(start + i * step, t);
        }
        return Nd.of(out, n);
    }
}
