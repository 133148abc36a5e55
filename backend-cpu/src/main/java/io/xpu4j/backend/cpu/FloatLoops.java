package io.xpu4j.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteOrder;

/**
 * The float32 work loops of the elementwise kernels, on scratch arrays that hold one piece.
 *
 * <p>Arrays are processed in whole vectors up to {@link Pieces#padded}{@code (n, LANES)}: the
 * caller sizes its scratch that way, and the lanes past {@code n} compute on leftovers that are
 * never stored (float arithmetic cannot trap), which spares every loop a masked tail.
 *
 * <p>How the loops are laid out is dictated by C2. Vector API code is fast only when every
 * method that passes a vector around is inlined into one compile unit; a vector-typed call that
 * is not inlined boxes the vector on the heap (measured: 10x slower, megabytes of garbage per
 * call). C2 refuses further inlining once a unit reaches about 18000 IR nodes, roughly 40 vector
 * operations. So:
 * <ul>
 *   <li>each loop sits in its own method, takes and returns only arrays, and is one compile
 *       unit: the unary loops, whose math nearly fills a unit, are called through
 *       {@link MethodHandle}s read from an array, which C2 cannot see through, so a dispatcher
 *       never inlines several of them into one oversized unit (with a switch it did);</li>
 *   <li>erf and the exact GELU run as three passes (factor and exponent of erfc, the
 *       exponential, the combination), each its own unit;</li>
 *   <li>the binary and compare loops are a single operation each and stay behind a switch.</li>
 * </ul>
 */
final class FloatLoops {
    static final VectorSpecies<Float> F = VectorWidth.FLOAT;
    static final int LANES = F.length();

    private FloatLoops() {
    }

    // ---------------------------------------------------------------- binary: x = x op y

    static void binary(ElementwiseKernels.Binary op, float[] x, float[] y, int n) {
        int m = Pieces.padded(n, LANES);
        switch (op) {
            case ADD -> add(x, y, m);
            case SUB -> sub(x, y, m);
            case MUL -> mul(x, y, m);
            case DIV -> div(x, y, m);
            case MAXIMUM -> max(x, y, m);
            case MINIMUM -> min(x, y, m);
            case POW -> pow(x, y, n);
        }
    }

    private static void add(float[] x, float[] y, int m) {
        for (int i = 0; i < m; i += LANES) {
            FloatVector.fromArray(F, x, i).add(FloatVector.fromArray(F, y, i)).intoArray(x, i);
        }
    }

    private static void sub(float[] x, float[] y, int m) {
        for (int i = 0; i < m; i += LANES) {
            FloatVector.fromArray(F, x, i).sub(FloatVector.fromArray(F, y, i)).intoArray(x, i);
        }
    }

    private static void mul(float[] x, float[] y, int m) {
        for (int i = 0; i < m; i += LANES) {
            FloatVector.fromArray(F, x, i).mul(FloatVector.fromArray(F, y, i)).intoArray(x, i);
        }
    }

    private static void div(float[] x, float[] y, int m) {
        for (int i = 0; i < m; i += LANES) {
            FloatVector.fromArray(F, x, i).div(FloatVector.fromArray(F, y, i)).intoArray(x, i);
        }
    }

    // FloatVector.max/min follow Math.max/min: NaN wins, and +0 > -0.
    private static void max(float[] x, float[] y, int m) {
        for (int i = 0; i < m; i += LANES) {
            FloatVector.fromArray(F, x, i).max(FloatVector.fromArray(F, y, i)).intoArray(x, i);
        }
    }

    private static void min(float[] x, float[] y, int m) {
        for (int i = 0; i < m; i += LANES) {
            FloatVector.fromArray(F, x, i).min(FloatVector.fromArray(F, y, i)).intoArray(x, i);
        }
    }

    /**
     * pow in double, rounded once to float: correctly rounded in practice, and Math.pow has the
     * C99 special cases (pow(x, 0) = 1 even for NaN x, pow(-8, 1/3) = NaN, ...). Scalar, but pow
     * is rare in models, and the common scalar exponents 2 and 0.5 take the vector loops mul and
     * {@link #powHalf} instead.
     */
    private static void pow(float[] x, float[] y, int n) {
        for (int i = 0; i < n; i++) {
            x[i] = (float) Math.pow(x[i], y[i]);
        }
    }

    /** pow(x, 0.5): sqrt, except pow(-0, 0.5) = +0 and pow(-Inf, 0.5) = +Inf (C99, Math.pow). */
    static void powHalf(float[] x, int n) {
        int m = Pieces.padded(n, LANES);
        FloatVector zero = FloatVector.zero(F);
        FloatVector inf = FloatVector.broadcast(F, Float.POSITIVE_INFINITY);
        for (int i = 0; i < m; i += LANES) {
            FloatVector v = FloatVector.fromArray(F, x, i);
            // -0 + 0 is +0 in round-to-nearest
            v.lanewise(VectorOperators.SQRT).add(zero).blend(inf, v.eq(inf.neg())).intoArray(x, i);
        }
    }

    // ---------------------------------------------------------------- compare: BOOL bytes

    /**
     * One byte lane per float lane; null with 128-bit float vectors (NEON, SSE), whose four bytes
     * are narrower than the smallest vector shape (64 bits): the comparisons there run scalar.
     */
    private static final VectorSpecies<Byte> B = F.length() * Byte.SIZE >= 64
            ? VectorSpecies.of(byte.class, VectorShape.forBitSize(F.length() * Byte.SIZE)) : null;

    /** Elements the comparison loops take as whole vectors. */
    private static int compareVectorsEnd(int n) {
        return B == null ? 0 : n - n % LANES;
    }
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    /**
     * {@code out[off + i] = (x[i] op y[i]) ? 1 : 0} for i < n, out a contiguous BOOL row. Java's
     * (and the vector) float comparisons are IEEE: every comparison with NaN is false except !=.
     */
    static void compare(ElementwiseKernels.Compare op, float[] x, float[] y, int n, MemorySegment out, long off) {
        switch (op) {
            case EQ -> eq(x, y, n, out, off);
            case NE -> ne(x, y, n, out, off);
            case LT -> lt(x, y, n, out, off);
            case LE -> le(x, y, n, out, off);
            case GT -> lt(y, x, n, out, off);
            case GE -> le(y, x, n, out, off);
        }
    }

    // Each writes whole vectors as bytes (1.0/0.0 narrowed), then the tail one by one.

    private static void eq(float[] x, float[] y, int n, MemorySegment out, long off) {
        FloatVector zero = FloatVector.zero(F);
        FloatVector one = FloatVector.broadcast(F, 1f);
        int whole = compareVectorsEnd(n);
        for (int i = 0; i < whole; i += LANES) {
            VectorMask<Float> m = FloatVector.fromArray(F, x, i).compare(VectorOperators.EQ, FloatVector.fromArray(F, y, i));
            zero.blend(one, m).convertShape(VectorOperators.F2B, B, 0).intoMemorySegment(out, off + i, NATIVE);
        }
        for (int i = whole; i < n; i++) {
            out.set(Rows.I8, off + i, (byte) (x[i] == y[i] ? 1 : 0));
        }
    }

    private static void ne(float[] x, float[] y, int n, MemorySegment out, long off) {
        FloatVector zero = FloatVector.zero(F);
        FloatVector one = FloatVector.broadcast(F, 1f);
        int whole = compareVectorsEnd(n);
        for (int i = 0; i < whole; i += LANES) {
            VectorMask<Float> m = FloatVector.fromArray(F, x, i).compare(VectorOperators.NE, FloatVector.fromArray(F, y, i));
            zero.blend(one, m).convertShape(VectorOperators.F2B, B, 0).intoMemorySegment(out, off + i, NATIVE);
        }
        for (int i = whole; i < n; i++) {
            out.set(Rows.I8, off + i, (byte) (x[i] != y[i] ? 1 : 0));
        }
    }

    private static void lt(float[] x, float[] y, int n, MemorySegment out, long off) {
        FloatVector zero = FloatVector.zero(F);
        FloatVector one = FloatVector.broadcast(F, 1f);
        int whole = compareVectorsEnd(n);
        for (int i = 0; i < whole; i += LANES) {
            VectorMask<Float> m = FloatVector.fromArray(F, x, i).compare(VectorOperators.LT, FloatVector.fromArray(F, y, i));
            zero.blend(one, m).convertShape(VectorOperators.F2B, B, 0).intoMemorySegment(out, off + i, NATIVE);
        }
        for (int i = whole; i < n; i++) {
            out.set(Rows.I8, off + i, (byte) (x[i] < y[i] ? 1 : 0));
        }
    }

    private static void le(float[] x, float[] y, int n, MemorySegment out, long off) {
        FloatVector zero = FloatVector.zero(F);
        FloatVector one = FloatVector.broadcast(F, 1f);
        int whole = compareVectorsEnd(n);
        for (int i = 0; i < whole; i += LANES) {
            VectorMask<Float> m = FloatVector.fromArray(F, x, i).compare(VectorOperators.LE, FloatVector.fromArray(F, y, i));
            zero.blend(one, m).convertShape(VectorOperators.F2B, B, 0).intoMemorySegment(out, off + i, NATIVE);
        }
        for (int i = whole; i < n; i++) {
            out.set(Rows.I8, off + i, (byte) (x[i] <= y[i] ? 1 : 0));
        }
    }

    // ---------------------------------------------------------------- unary: x = f(x)

    private static final MethodType LOOP = MethodType.methodType(void.class, float[].class, float[].class,
            float[].class, int.class);
    private static final MethodHandle[] UNARY = new MethodHandle[ElementwiseKernels.Unary.values().length];
    private static final int ERFC_PARTS = 0;
    private static final int GELU_PARTS = 1;
    private static final int ERFC_FINISH = 2;
    private static final int ERF_FINISH = 3;
    private static final int GELU_FINISH = 4;
    private static final MethodHandle[] PASSES = new MethodHandle[5];

    static {
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        try {
            for (ElementwiseKernels.Unary op : ElementwiseKernels.Unary.values()) {
                if (op != ElementwiseKernels.Unary.ERF && op != ElementwiseKernels.Unary.GELU) {
                    String name = op.name().toLowerCase(java.util.Locale.ROOT).replace("_t", "T");
                    UNARY[op.ordinal()] = lookup.findStatic(FloatLoops.class, name, LOOP);
                }
            }
            PASSES[ERFC_PARTS] = lookup.findStatic(FloatLoops.class, "erfcParts", LOOP);
            PASSES[GELU_PARTS] = lookup.findStatic(FloatLoops.class, "geluParts", LOOP);
            PASSES[ERFC_FINISH] = lookup.findStatic(FloatLoops.class, "erfcFinish", LOOP);
            PASSES[ERF_FINISH] = lookup.findStatic(FloatLoops.class, "erfFinish", LOOP);
            PASSES[GELU_FINISH] = lookup.findStatic(FloatLoops.class, "geluFinish", LOOP);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    static void unary(ElementwiseKernels.Unary op, float[] x, int n) {
        int m = Pieces.padded(n, LANES);
        switch (op) {
            case ERF -> passes(ERFC_PARTS, ERF_FINISH, x, m);
            case GELU -> passes(GELU_PARTS, GELU_FINISH, x, m);
            default -> run(UNARY[op.ordinal()], x, null, null, m);
        }
    }

    /** erfc's factor and exponent into scratch, then erfc, then the op's own combination. */
    private static void passes(int first, int last, float[] x, int m) {
        float[] factor = Rows.scratch(2, m);
        float[] arg = Rows.scratch(3, m);
        run(PASSES[first], x, factor, arg, m);
        run(PASSES[ERFC_FINISH], x, factor, arg, m);
        run(PASSES[last], x, factor, arg, m);
    }

    private static void run(MethodHandle loop, float[] x, float[] a, float[] b, int m) {
        try {
            loop.invokeExact(x, a, b, m);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    // The loops below all have the signature LOOP (x, scratch, scratch, m); most ignore the
    // scratch arrays.

    private static void neg(float[] x, float[] a, float[] b, int m) {
        for (int i = 0; i < m; i += LANES) {
            FloatVector.fromArray(F, x, i).neg().intoArray(x, i);
        }
    }

    private static void abs(float[] x, float[] a, float[] b, int m) {
        for (int i = 0; i < m; i += LANES) {
            FloatVector.fromArray(F, x, i).abs().intoArray(x, i);
        }
    }

    /** max(x, 0): NaN stays NaN, as in PyTorch. */
    private static void relu(float[] x, float[] a, float[] b, int m) {
        FloatVector zero = FloatVector.zero(F);
        for (int i = 0; i < m; i += LANES) {
            FloatVector.fromArray(F, x, i).max(zero).intoArray(x, i);
        }
    }

    private static void exp(float[] x, float[] a, float[] b, int m) {
        for (int i = 0; i < m; i += LANES) {
            UnaryMath.exp(FloatVector.fromArray(F, x, i)).intoArray(x, i);
        }
    }

    private static void log(float[] x, float[] a, float[] b, int m) {
        for (int i = 0; i < m; i += LANES) {
            UnaryMath.log(FloatVector.fromArray(F, x, i)).intoArray(x, i);
        }
    }

    private static void sqrt(float[] x, float[] a, float[] b, int m) {
        for (int i = 0; i < m; i += LANES) {
            FloatVector.fromArray(F, x, i).lanewise(VectorOperators.SQRT).intoArray(x, i);
        }
    }

    /** 1 / sqrt(x) with two correctly rounded steps (the hardware estimate is only 14 bits). */
    private static void rsqrt(float[] x, float[] a, float[] b, int m) {
        FloatVector one = FloatVector.broadcast(F, 1f);
        for (int i = 0; i < m; i += LANES) {
            one.div(FloatVector.fromArray(F, x, i).lanewise(VectorOperators.SQRT)).intoArray(x, i);
        }
    }

    private static void tanh(float[] x, float[] a, float[] b, int m) {
        for (int i = 0; i < m; i += LANES) {
            UnaryMath.tanh(FloatVector.fromArray(F, x, i)).intoArray(x, i);
        }
    }

    private static void sigmoid(float[] x, float[] a, float[] b, int m) {
        for (int i = 0; i < m; i += LANES) {
            UnaryMath.sigmoid(FloatVector.fromArray(F, x, i)).intoArray(x, i);
        }
    }

    private static void silu(float[] x, float[] a, float[] b, int m) {
        for (int i = 0; i < m; i += LANES) {
            UnaryMath.silu(FloatVector.fromArray(F, x, i)).intoArray(x, i);
        }
    }

    private static void geluTanh(float[] x, float[] a, float[] b, int m) {
        for (int i = 0; i < m; i += LANES) {
            UnaryMath.geluTanh(FloatVector.fromArray(F, x, i)).intoArray(x, i);
        }
    }

    private static void erfcParts(float[] x, float[] factor, float[] arg, int m) {
        for (int i = 0; i < m; i += LANES) {
            UnaryMath.erfcParts(FloatVector.fromArray(F, x, i), factor, arg, i);
        }
    }

    private static void geluParts(float[] x, float[] factor, float[] arg, int m) {
        for (int i = 0; i < m; i += LANES) {
            UnaryMath.geluParts(FloatVector.fromArray(F, x, i), factor, arg, i);
        }
    }

    /** factor = erfc = e^arg * factor. */
    private static void erfcFinish(float[] x, float[] factor, float[] arg, int m) {
        for (int i = 0; i < m; i += LANES) {
            UnaryMath.erfcFinish(FloatVector.fromArray(F, factor, i), FloatVector.fromArray(F, arg, i))
                    .intoArray(factor, i);
        }
    }

    private static void erfFinish(float[] x, float[] erfc, float[] arg, int m) {
        for (int i = 0; i < m; i += LANES) {
            UnaryMath.erf(FloatVector.fromArray(F, x, i), FloatVector.fromArray(F, erfc, i)).intoArray(x, i);
        }
    }

    private static void geluFinish(float[] x, float[] erfc, float[] arg, int m) {
        for (int i = 0; i < m; i += LANES) {
            UnaryMath.gelu(FloatVector.fromArray(F, x, i), FloatVector.fromArray(F, erfc, i)).intoArray(x, i);
        }
    }
}
