package io.xpu4j.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteOrder;

/**
 * Vectorised passes over one row held in a float work array, for the last-axis softmax,
 * layer_norm and rms_norm kernels. A kernel brings a row from tensor storage into a per-thread
 * array once, runs two or three passes on it while it sits in L1/L2, and writes the result out
 * once, so each element crosses the memory bus once in and once out. For F32 the copy in is
 * fused with the first pass (max or sum) and the copy out with the last (scaling or the norm's
 * output), sparing two trips through L1 per row; F16/BF16 rows are widened and narrowed by
 * {@link Rows} around the same passes. For F32 softmax, layer_norm and rms_norm with a weight,
 * a row's output pass also reads the next row and takes its first statistic, so that a read and
 * a write stream run at the same time. The F32 norms do not copy the next row at all: their
 * later passes read it from the tensor while it is in cache. The copy into a work array in the
 * streaming loop had cost layer_norm a quarter of its time (2 threads, [4096, 4096], 512-bit
 * vectors). Softmax keeps its copy: its exponentials go to a work array anyway, and the same
 * change measured no faster there.
 *
 * <p>Why arrays rather than passes over the tensor's segment: a loop that read three segments and
 * stored to a fourth (the norm's output pass) ran 3-4x slower than the same loop on arrays
 * (measured with C2 of JDK 25), while loops that read or write a single segment, like the fused
 * ones here, run as fast as on arrays. The output passes that also read the next row touch two
 * segments; they index row-sized slices from 0, for which C2 hoists the bounds checks (with base
 * offsets it checked every access).
 *
 * <p>Each pass is its own method taking arrays and scalars, and callers reach it through a
 * {@link MethodHandle} read from an array, which C2 cannot see through, so no pass is inlined
 * into its caller. Vector API code is fast only while every vector stays inside one compile unit
 * under C2's node budget; a caller that inlined the three softmax passes outgrew it and C2 boxed
 * a vector on the heap every iteration (measured: 3x slower, 64 bytes allocated per vector). One
 * indirect call per pass and row costs nanoseconds against microseconds of work.
 *
 * <p>Sums are accumulated as float vectors over blocks of {@link RowMath#BLOCK} elements and the
 * block totals (and the scalar tail, element by element) added in double, accurate to about
 * 1e-7 relative to the sum of magnitudes.
 */
final class RowPasses {
    private static final VectorSpecies<Float> S = VectorWidth.FLOAT;
    private static final int L = S.length();
    private static final int BLOCK = RowMath.BLOCK;
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private RowPasses() {
    }

    // ------------------------------------------------------------------ entry points

    /** Largest of {@code a[0..n)}, n >= 1; NaN if any is NaN. */
    static float max(float[] a, int n) {
        try {
            return (float) LOOPS[MAX].invokeExact(a, n);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Sum of {@code a[0..n)}. */
    static double sum(float[] a, int n) {
        try {
            return (double) LOOPS[SUM].invokeExact(a, n);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Sum of {@code (a[i] - c)²} over {@code a[0..n)}. */
    static double sumSquaredDiff(float[] a, int n, float c) {
        try {
            return (double) LOOPS[SSD].invokeExact(a, n, c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code o[i] = e^(x[i] - m)} for {@code i < n} ({@code o} may be {@code x}), returning the sum
     * of the o[i]. Meant for m = the row's max, so x - m <= 0 or NaN: the exponential is
     * {@link UnaryMath#exp}'s (1 ulp) without its overflow clamp and subnormal scaling, flushing to
     * +0 below {@link #EXP_FLUSH}; a NaN argument (a NaN in the row, or an all -Inf row) gives NaN.
     */
    static double expSum(float[] x, float[] o, int n, float m) {
        try {
            return (double) LOOPS[EXP_SUM].invokeExact(x, o, n, m);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code a[i] *= k} for {@code i < n}. */
    static void scale(float[] a, int n, float k) {
        try {
            LOOPS[SCALE].invokeExact(a, n, k);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code a[i] = (a[i] - s) - c}: log_softmax's output with s = max, c = log Σ. */
    static void subtract2(float[] a, int n, float s, float c) {
        try {
            LOOPS[SUB2].invokeExact(a, n, s, c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code a[i] = (a[i] - shift) * scale [* w[i]] [+ b[i]]}; w and b may be null. */
    static void normalize(float[] a, int n, float shift, float scale, float[] w, float[] b) {
        int which = w == null ? (b == null ? NORM : NORM_B) : (b == null ? NORM_W : NORM_WB);
        try {
            LOOPS[which].invokeExact(a, n, shift, scale, w, b);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // F32 rows: the first pass copies the row from tensor storage while it reduces, the last
    // writes the output straight to storage, which spares a copy in and a copy out per row.

    /** Copies {@code n} floats at byte offset {@code off} of {@code s} into {@code a}, returning their max. */
    static float loadMax(MemorySegment s, long off, float[] a, int n) {
        try {
            return (float) LOOPS[LOAD_MAX].invokeExact(s, off, a, n);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Copies {@code n} floats at byte offset {@code off} of {@code s} into {@code a}, returning their sum. */
    static double loadSum(MemorySegment s, long off, float[] a, int n) {
        try {
            return (double) LOOPS[LOAD_SUM].invokeExact(s, off, a, n);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Copies {@code n} floats at byte offset {@code off} of {@code s} into {@code a}, returning the
     * sum of their squares (rms_norm's statistic, which needs no mean first).
     */
    static double loadSumSquares(MemorySegment s, long off, float[] a, int n) {
        try {
            return (double) LOOPS[LOAD_SSQ].invokeExact(s, off, a, n);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * rms_norm's output for one row with the next row's statistic in the same loop: stores
     * {@code o[i] = x[i] * scale * w[i]} for the {@code n} floats of {@code s} at byte offset
     * {@code off} (into {@code o} at {@code outOff}) and returns the sum of squares of the
     * {@code n} floats at {@code nextOff}, summed exactly as {@link #loadSumSquares} does. One
     * stream read from memory and one written at the same time, like a triad, where the row at a
     * time passes read, then write.
     */
    static double weightStoreNextSumSquares(MemorySegment s, long off, long nextOff, int n, float scale,
                                            float[] w, MemorySegment o, long outOff) {
        try {
            return (double) LOOPS[STORE_NEXT_SSQ].invokeExact(s, off, nextOff, n, scale, w, o, outOff);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Sum of {@code (x[i] - c)²} over the {@code n} floats of {@code s} at byte offset {@code off}. */
    static double sumSquaredDiff(MemorySegment s, long off, int n, float c) {
        try {
            return (double) LOOPS[SSD_SEG].invokeExact(s, off, n, c);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * layer_norm's output for one row with the next row's sum in the same loop, in the shape of
     * {@link #weightStoreNextSumSquares}: stores {@code o[i] = (x[i] - shift) * scale * w[i] [+ b[i]]}
     * for the {@code n} floats of {@code s} at byte offset {@code off} (into {@code o} at
     * {@code outOff}) and returns the sum of the {@code n} floats at {@code nextOff}, summed
     * exactly as {@link #loadSum} does; {@code b} may be null, {@code w} may not.
     */
    static double normalizeStoreNextSum(MemorySegment s, long off, long nextOff, int n, float shift, float scale,
                                        float[] w, float[] b, MemorySegment o, long outOff) {
        try {
            return (double) LOOPS[b == null ? NORM_W_STORE_NEXT_SUM : NORM_WB_STORE_NEXT_SUM]
                    .invokeExact(s, off, nextOff, n, shift, scale, w, b, o, outOff);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * softmax's output for one row with the next row's copy-in and max in the same loop:
     * {@code o[i] = a[i] * k} into {@code n} floats of {@code o} at byte offset {@code outOff},
     * while the {@code n} floats of {@code s} at {@code nextOff} are copied into {@code next};
     * returns their largest (NaN if any is NaN), as {@link #loadMax} does.
     */
    static float scaleStoreNextLoadMax(float[] a, int n, float k, MemorySegment o, long outOff, MemorySegment s,
                                       long nextOff, float[] next) {
        try {
            return (float) LOOPS[SCALE_STORE_NEXT_MAX].invokeExact(a, n, k, o, outOff, s, nextOff, next);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code o[i] = a[i] * k} into {@code n} floats at byte offset {@code off} of {@code o}. */
    static void scaleStore(float[] a, int n, float k, MemorySegment o, long off) {
        try {
            LOOPS[SCALE_STORE].invokeExact(a, n, k, o, off);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException re) {
            throw re;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException(t);
    }

    private static final int MAX = 0, SUM = 1, SSD = 2, EXP_SUM = 3, SCALE = 4, SUB2 = 5;
    private static final int NORM = 6, NORM_W = 7, NORM_B = 8, NORM_WB = 9;
    private static final int LOAD_MAX = 10, LOAD_SUM = 11, SCALE_STORE = 12, SSD_SEG = 13;
    private static final int LOAD_SSQ = 14, STORE_NEXT_SSQ = 15, NORM_W_STORE_NEXT_SUM = 16, NORM_WB_STORE_NEXT_SUM = 17;
    private static final int SCALE_STORE_NEXT_MAX = 18;
    private static final MethodHandle[] LOOPS = new MethodHandle[19];

    static {
        MethodHandles.Lookup lookup = MethodHandles.lookup();
        Class<?> fa = float[].class;
        MethodType norm = MethodType.methodType(void.class, fa, int.class, float.class, float.class, fa, fa);
        try {
            LOOPS[MAX] = lookup.findStatic(RowPasses.class, "maxLoop", MethodType.methodType(float.class, fa, int.class));
            LOOPS[SUM] = lookup.findStatic(RowPasses.class, "sumLoop", MethodType.methodType(double.class, fa, int.class));
            LOOPS[SSD] = lookup.findStatic(RowPasses.class, "sumSquaredDiffLoop",
                    MethodType.methodType(double.class, fa, int.class, float.class));
            LOOPS[EXP_SUM] = lookup.findStatic(RowPasses.class, "expSumLoop",
                    MethodType.methodType(double.class, fa, fa, int.class, float.class));
            LOOPS[SCALE] = lookup.findStatic(RowPasses.class, "scaleLoop",
                    MethodType.methodType(void.class, fa, int.class, float.class));
            LOOPS[SUB2] = lookup.findStatic(RowPasses.class, "subtract2Loop",
                    MethodType.methodType(void.class, fa, int.class, float.class, float.class));
            LOOPS[NORM] = lookup.findStatic(RowPasses.class, "normalizeLoop", norm);
            LOOPS[NORM_W] = lookup.findStatic(RowPasses.class, "normalizeWeightLoop", norm);
            LOOPS[NORM_B] = lookup.findStatic(RowPasses.class, "normalizeBiasLoop", norm);
            LOOPS[NORM_WB] = lookup.findStatic(RowPasses.class, "normalizeWeightBiasLoop", norm);
            Class<?> seg = MemorySegment.class;
            LOOPS[LOAD_MAX] = lookup.findStatic(RowPasses.class, "loadMaxLoop",
                    MethodType.methodType(float.class, seg, long.class, fa, int.class));
            LOOPS[LOAD_SUM] = lookup.findStatic(RowPasses.class, "loadSumLoop",
                    MethodType.methodType(double.class, seg, long.class, fa, int.class));
            LOOPS[LOAD_SSQ] = lookup.findStatic(RowPasses.class, "loadSumSquaresLoop",
                    MethodType.methodType(double.class, seg, long.class, fa, int.class));
            LOOPS[STORE_NEXT_SSQ] = lookup.findStatic(RowPasses.class, "weightStoreNextSumSquaresLoop",
                    MethodType.methodType(double.class, seg, long.class, long.class, int.class, float.class, fa,
                            seg, long.class));
            LOOPS[SSD_SEG] = lookup.findStatic(RowPasses.class, "sumSquaredDiffSegLoop",
                    MethodType.methodType(double.class, seg, long.class, int.class, float.class));
            MethodType storeNextSum = MethodType.methodType(double.class, seg, long.class, long.class, int.class,
                    float.class, float.class, fa, fa, seg, long.class);
            LOOPS[NORM_W_STORE_NEXT_SUM] = lookup.findStatic(RowPasses.class, "normalizeWeightStoreNextSumLoop",
                    storeNextSum);
            LOOPS[NORM_WB_STORE_NEXT_SUM] = lookup.findStatic(RowPasses.class, "normalizeWeightBiasStoreNextSumLoop",
                    storeNextSum);
            LOOPS[SCALE_STORE_NEXT_MAX] = lookup.findStatic(RowPasses.class, "scaleStoreNextLoadMaxLoop",
                    MethodType.methodType(float.class, fa, int.class, float.class, seg, long.class, seg, long.class, fa));
            LOOPS[SCALE_STORE] = lookup.findStatic(RowPasses.class, "scaleStoreLoop",
                    MethodType.methodType(void.class, fa, int.class, float.class, seg, long.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    // ------------------------------------------------------------------ statistics

    private static float maxLoop(float[] a, int n) {
        float r = Float.NEGATIVE_INFINITY;
        int i = 0;
        if (n >= 4 * L) {
            // four independent chains: one would wait on max's latency every vector
            FloatVector m0 = FloatVector.fromArray(S, a, 0);
            FloatVector m1 = FloatVector.fromArray(S, a, L);
            FloatVector m2 = FloatVector.fromArray(S, a, 2 * L);
            FloatVector m3 = FloatVector.fromArray(S, a, 3 * L);
            for (i = 4 * L; i <= n - 4 * L; i += 4 * L) {
                m0 = m0.max(FloatVector.fromArray(S, a, i));
                m1 = m1.max(FloatVector.fromArray(S, a, i + L));
                m2 = m2.max(FloatVector.fromArray(S, a, i + 2 * L));
                m3 = m3.max(FloatVector.fromArray(S, a, i + 3 * L));
            }
            r = m0.max(m1).max(m2.max(m3)).reduceLanes(VectorOperators.MAX);
        }
        for (; i < n; i++) {
            r = Math.max(r, a[i]);
        }
        return r;
    }

    private static double sumLoop(float[] a, int n) {
        double total = 0;
        for (int blk = 0; blk < n; blk += BLOCK) {
            int end = Math.min(n, blk + BLOCK);
            FloatVector a0 = FloatVector.zero(S);
            FloatVector a1 = FloatVector.zero(S);
            int i = blk;
            for (; i <= end - 2 * L; i += 2 * L) {
                a0 = a0.add(FloatVector.fromArray(S, a, i));
                a1 = a1.add(FloatVector.fromArray(S, a, i + L));
            }
            total += LaneSums.sum(a0.add(a1));
            for (; i < end; i++) {
                total += a[i];
            }
        }
        return total;
    }

    private static double sumSquaredDiffLoop(float[] a, int n, float c) {
        FloatVector vc = FloatVector.broadcast(S, c);
        double total = 0;
        for (int blk = 0; blk < n; blk += BLOCK) {
            int end = Math.min(n, blk + BLOCK);
            FloatVector a0 = FloatVector.zero(S);
            FloatVector a1 = FloatVector.zero(S);
            int i = blk;
            for (; i <= end - 2 * L; i += 2 * L) {
                FloatVector d0 = FloatVector.fromArray(S, a, i).sub(vc);
                FloatVector d1 = FloatVector.fromArray(S, a, i + L).sub(vc);
                a0 = d0.fma(d0, a0);
                a1 = d1.fma(d1, a1);
            }
            total += LaneSums.sum(a0.add(a1));
            for (; i < end; i++) {
                float d = a[i] - c;
                total += d * d;
            }
        }
        return total;
    }

    // ------------------------------------------------------------------ softmax

    /** 1.5 * 2^23: adding it rounds a float of magnitude below 2^22 to an integer, RNE. */
    private static final float SHIFTER_F = 0x1.8p23f;
    /** Added to the shifted bits, leaves k + 127, the biased exponent of 2^k. */
    private static final int BIAS_FIX = 127 - Float.floatToRawIntBits(SHIFTER_F);
    /**
     * e^x for x below this is flushed to +0: it is under 2^-126 (the smallest normal float, the
     * F32 tolerance floor), and above it 2^k for k = round(x·log2 e) >= -126 is a normal float.
     */
    static final float EXP_FLUSH = -87.33654f;

    private static double expSumLoop(float[] x, float[] o, int n, float m) {
        int nv = n - n % L;
        double total = 0;
        for (int blk = 0; blk < nv; blk += BLOCK) {
            total += expBlock(x, o, blk, Math.min(nv, blk + BLOCK), m);
        }
        for (int i = nv; i < n; i++) {
            float e = (float) Math.exp(x[i] - m);
            o[i] = e;
            total += e;
        }
        return total;
    }

    /**
     * The vector part of {@link #expSum} over {@code [from, to)}, whole vectors. The constants
     * are broadcast here, before the loop, so that they live in registers: as static final
     * vectors (read from memory at each use) the loop ran 12-16% slower. The accumulator starts
     * from {@code FloatVector.zero}; from a static zero vector C2 boxed a vector every iteration.
     */
    private static float expBlock(float[] x, float[] o, int from, int to, float m) {
        FloatVector vm = FloatVector.broadcast(S, m);
        FloatVector acc = FloatVector.zero(S);
        FloatVector log2e = FloatVector.broadcast(S, 1.44269504088896341f);
        FloatVector shifter = FloatVector.broadcast(S, SHIFTER_F);
        // -ln 2 split so that k * hi is exact for |k| <= 2^8 (its low 8 bits are zero)
        FloatVector hi = FloatVector.broadcast(S, -0.693145751953125f);
        FloatVector lo = FloatVector.broadcast(S, -1.428606765330187e-6f);
        // (e^r - 1 - r) / r^2 on [-ln2/2, ln2/2]: UnaryMath.exp's coefficients (e^r to 3.3e-9)
        FloatVector e2 = FloatVector.broadcast(S, 0.49999993050190067f);
        FloatVector e3 = FloatVector.broadcast(S, 0.1666651478620644f);
        FloatVector e4 = FloatVector.broadcast(S, 0.041668456892683861f);
        FloatVector e5 = FloatVector.broadcast(S, 0.008369419309040871f);
        FloatVector e6 = FloatVector.broadcast(S, 0.00138131395686769f);
        FloatVector one = FloatVector.broadcast(S, 1f);
        FloatVector flush = FloatVector.broadcast(S, EXP_FLUSH);
        FloatVector zero = FloatVector.zero(S);
        for (int i = from; i < to; i += L) {
            FloatVector d = FloatVector.fromArray(S, x, i).sub(vm);
            FloatVector v = d.fma(log2e, shifter);
            FloatVector k = v.sub(shifter);
            // r = d - k ln2 in two steps; the first is exact, so r carries one rounding
            FloatVector r = k.fma(lo, k.fma(hi, d));
            FloatVector q = r.fma(e6, e5).fma(r, e4).fma(r, e3).fma(r, e2);
            FloatVector p = r.mul(r).fma(q, r).add(one);
            FloatVector scale = v.reinterpretAsInts().add(BIAS_FIX)
                    .lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            // lt is false for NaN, so NaN survives; -Inf and tiny arguments become +0
            FloatVector e = p.mul(scale).blend(zero, d.lt(flush));
            acc = acc.add(e);
            e.intoArray(o, i);
        }
        return LaneSums.sum(acc);
    }

    private static void scaleLoop(float[] a, int n, float k) {
        FloatVector vk = FloatVector.broadcast(S, k);
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector.fromArray(S, a, i).mul(vk).intoArray(a, i);
        }
        for (; i < n; i++) {
            a[i] *= k;
        }
    }

    private static void subtract2Loop(float[] a, int n, float s, float c) {
        FloatVector vs = FloatVector.broadcast(S, s);
        FloatVector vc = FloatVector.broadcast(S, c);
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector.fromArray(S, a, i).sub(vs).sub(vc).intoArray(a, i);
        }
        for (; i < n; i++) {
            a[i] = (a[i] - s) - c;
        }
    }

    // ------------------------------------------------------------------ norms
    // One loop per combination of weight and bias: a test inside the loop would merge vectors
    // from two paths, which C2 may box.

    private static void normalizeLoop(float[] a, int n, float shift, float scale, float[] w, float[] b) {
        FloatVector vs = FloatVector.broadcast(S, shift);
        FloatVector vk = FloatVector.broadcast(S, scale);
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector.fromArray(S, a, i).sub(vs).mul(vk).intoArray(a, i);
        }
        for (; i < n; i++) {
            a[i] = (a[i] - shift) * scale;
        }
    }

    private static void normalizeWeightLoop(float[] a, int n, float shift, float scale, float[] w, float[] b) {
        FloatVector vs = FloatVector.broadcast(S, shift);
        FloatVector vk = FloatVector.broadcast(S, scale);
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector.fromArray(S, a, i).sub(vs).mul(vk).mul(FloatVector.fromArray(S, w, i)).intoArray(a, i);
        }
        for (; i < n; i++) {
            a[i] = (a[i] - shift) * scale * w[i];
        }
    }

    private static void normalizeBiasLoop(float[] a, int n, float shift, float scale, float[] w, float[] b) {
        FloatVector vs = FloatVector.broadcast(S, shift);
        FloatVector vk = FloatVector.broadcast(S, scale);
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector.fromArray(S, a, i).sub(vs).mul(vk).add(FloatVector.fromArray(S, b, i)).intoArray(a, i);
        }
        for (; i < n; i++) {
            a[i] = (a[i] - shift) * scale + b[i];
        }
    }

    private static void normalizeWeightBiasLoop(float[] a, int n, float shift, float scale, float[] w, float[] b) {
        FloatVector vs = FloatVector.broadcast(S, shift);
        FloatVector vk = FloatVector.broadcast(S, scale);
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector.fromArray(S, a, i).sub(vs).mul(vk).mul(FloatVector.fromArray(S, w, i))
                    .add(FloatVector.fromArray(S, b, i)).intoArray(a, i);
        }
        for (; i < n; i++) {
            a[i] = (a[i] - shift) * scale * w[i] + b[i];
        }
    }

    // ------------------------------------------------------------------ fused with the copies

    private static float loadMaxLoop(MemorySegment s, long off, float[] a, int n) {
        float r = Float.NEGATIVE_INFINITY;
        int i = 0;
        if (n >= 2 * L) {
            FloatVector m0 = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            FloatVector m1 = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            for (; i <= n - 2 * L; i += 2 * L) {
                FloatVector v0 = FloatVector.fromMemorySegment(S, s, off + 4L * i, NATIVE);
                FloatVector v1 = FloatVector.fromMemorySegment(S, s, off + 4L * (i + L), NATIVE);
                v0.intoArray(a, i);
                v1.intoArray(a, i + L);
                m0 = m0.max(v0);
                m1 = m1.max(v1);
            }
            r = m0.max(m1).reduceLanes(VectorOperators.MAX);
        }
        for (; i < n; i++) {
            float v = s.get(F32, off + 4L * i);
            a[i] = v;
            r = Math.max(r, v);
        }
        return r;
    }

    private static double loadSumLoop(MemorySegment s, long off, float[] a, int n) {
        double total = 0;
        for (int blk = 0; blk < n; blk += BLOCK) {
            int end = Math.min(n, blk + BLOCK);
            FloatVector a0 = FloatVector.zero(S);
            FloatVector a1 = FloatVector.zero(S);
            int i = blk;
            for (; i <= end - 2 * L; i += 2 * L) {
                FloatVector v0 = FloatVector.fromMemorySegment(S, s, off + 4L * i, NATIVE);
                FloatVector v1 = FloatVector.fromMemorySegment(S, s, off + 4L * (i + L), NATIVE);
                v0.intoArray(a, i);
                v1.intoArray(a, i + L);
                a0 = a0.add(v0);
                a1 = a1.add(v1);
            }
            total += LaneSums.sum(a0.add(a1));
            for (; i < end; i++) {
                float v = s.get(F32, off + 4L * i);
                a[i] = v;
                total += v;
            }
        }
        return total;
    }

    private static double loadSumSquaresLoop(MemorySegment s, long off, float[] a, int n) {
        double total = 0;
        for (int blk = 0; blk < n; blk += BLOCK) {
            int end = Math.min(n, blk + BLOCK);
            FloatVector a0 = FloatVector.zero(S);
            FloatVector a1 = FloatVector.zero(S);
            int i = blk;
            for (; i <= end - 2 * L; i += 2 * L) {
                FloatVector v0 = FloatVector.fromMemorySegment(S, s, off + 4L * i, NATIVE);
                FloatVector v1 = FloatVector.fromMemorySegment(S, s, off + 4L * (i + L), NATIVE);
                v0.intoArray(a, i);
                v1.intoArray(a, i + L);
                a0 = v0.fma(v0, a0);
                a1 = v1.fma(v1, a1);
            }
            total += LaneSums.sum(a0.add(a1));
            for (; i < end; i++) {
                float v = s.get(F32, off + 4L * i);
                a[i] = v;
                total += v * v;
            }
        }
        return total;
    }

    private static double weightStoreNextSumSquaresLoop(MemorySegment s, long off, long nextOff, int n, float scale,
                                                        float[] w, MemorySegment o, long outOff) {
        // row-sized slices indexed from 0: C2 then hoists the bounds checks of all three out of
        // the loop (with base offsets into two segments in one loop it checked every access)
        long bytes = 4L * n;
        MemorySegment cur = s.asSlice(off, bytes);
        MemorySegment next = s.asSlice(nextOff, bytes);
        MemorySegment out = o.asSlice(outOff, bytes);
        FloatVector vk = FloatVector.broadcast(S, scale);
        double total = 0;
        for (int blk = 0; blk < n; blk += BLOCK) {
            int end = Math.min(n, blk + BLOCK);
            FloatVector a0 = FloatVector.zero(S);
            FloatVector a1 = FloatVector.zero(S);
            int i = blk;
            for (; i <= end - 2 * L; i += 2 * L) {
                FloatVector v0 = FloatVector.fromMemorySegment(S, next, 4L * i, NATIVE);
                FloatVector v1 = FloatVector.fromMemorySegment(S, next, 4L * (i + L), NATIVE);
                a0 = v0.fma(v0, a0);
                a1 = v1.fma(v1, a1);
                FloatVector.fromMemorySegment(S, cur, 4L * i, NATIVE).mul(vk).mul(FloatVector.fromArray(S, w, i))
                        .intoMemorySegment(out, 4L * i, NATIVE);
                FloatVector.fromMemorySegment(S, cur, 4L * (i + L), NATIVE).mul(vk)
                        .mul(FloatVector.fromArray(S, w, i + L)).intoMemorySegment(out, 4L * (i + L), NATIVE);
            }
            total += LaneSums.sum(a0.add(a1));
            for (; i < end; i++) {
                float v = next.get(F32, 4L * i);
                total += v * v;
                out.set(F32, 4L * i, cur.get(F32, 4L * i) * scale * w[i]);
            }
        }
        return total;
    }

    private static double sumSquaredDiffSegLoop(MemorySegment s, long off, int n, float c) {
        MemorySegment row = s.asSlice(off, 4L * n);
        FloatVector vc = FloatVector.broadcast(S, c);
        double total = 0;
        for (int blk = 0; blk < n; blk += BLOCK) {
            int end = Math.min(n, blk + BLOCK);
            FloatVector a0 = FloatVector.zero(S);
            FloatVector a1 = FloatVector.zero(S);
            int i = blk;
            for (; i <= end - 2 * L; i += 2 * L) {
                FloatVector d0 = FloatVector.fromMemorySegment(S, row, 4L * i, NATIVE).sub(vc);
                FloatVector d1 = FloatVector.fromMemorySegment(S, row, 4L * (i + L), NATIVE).sub(vc);
                a0 = d0.fma(d0, a0);
                a1 = d1.fma(d1, a1);
            }
            total += LaneSums.sum(a0.add(a1));
            for (; i < end; i++) {
                float d = row.get(F32, 4L * i) - c;
                total += d * d;
            }
        }
        return total;
    }

    private static double normalizeWeightStoreNextSumLoop(MemorySegment s, long off, long nextOff, int n, float shift,
                                                          float scale, float[] w, float[] b, MemorySegment o,
                                                          long outOff) {
        long bytes = 4L * n;
        MemorySegment cur = s.asSlice(off, bytes);
        MemorySegment next = s.asSlice(nextOff, bytes);
        MemorySegment out = o.asSlice(outOff, bytes);
        FloatVector vs = FloatVector.broadcast(S, shift);
        FloatVector vk = FloatVector.broadcast(S, scale);
        double total = 0;
        for (int blk = 0; blk < n; blk += BLOCK) {
            int end = Math.min(n, blk + BLOCK);
            FloatVector a0 = FloatVector.zero(S);
            FloatVector a1 = FloatVector.zero(S);
            int i = blk;
            for (; i <= end - 2 * L; i += 2 * L) {
                a0 = a0.add(FloatVector.fromMemorySegment(S, next, 4L * i, NATIVE));
                a1 = a1.add(FloatVector.fromMemorySegment(S, next, 4L * (i + L), NATIVE));
                FloatVector.fromMemorySegment(S, cur, 4L * i, NATIVE).sub(vs).mul(vk)
                        .mul(FloatVector.fromArray(S, w, i)).intoMemorySegment(out, 4L * i, NATIVE);
                FloatVector.fromMemorySegment(S, cur, 4L * (i + L), NATIVE).sub(vs).mul(vk)
                        .mul(FloatVector.fromArray(S, w, i + L)).intoMemorySegment(out, 4L * (i + L), NATIVE);
            }
            total += LaneSums.sum(a0.add(a1));
            for (; i < end; i++) {
                total += next.get(F32, 4L * i);
                out.set(F32, 4L * i, (cur.get(F32, 4L * i) - shift) * scale * w[i]);
            }
        }
        return total;
    }

    private static double normalizeWeightBiasStoreNextSumLoop(MemorySegment s, long off, long nextOff, int n,
                                                              float shift, float scale, float[] w, float[] b,
                                                              MemorySegment o, long outOff) {
        long bytes = 4L * n;
        MemorySegment cur = s.asSlice(off, bytes);
        MemorySegment next = s.asSlice(nextOff, bytes);
        MemorySegment out = o.asSlice(outOff, bytes);
        FloatVector vs = FloatVector.broadcast(S, shift);
        FloatVector vk = FloatVector.broadcast(S, scale);
        double total = 0;
        for (int blk = 0; blk < n; blk += BLOCK) {
            int end = Math.min(n, blk + BLOCK);
            FloatVector a0 = FloatVector.zero(S);
            FloatVector a1 = FloatVector.zero(S);
            int i = blk;
            for (; i <= end - 2 * L; i += 2 * L) {
                a0 = a0.add(FloatVector.fromMemorySegment(S, next, 4L * i, NATIVE));
                a1 = a1.add(FloatVector.fromMemorySegment(S, next, 4L * (i + L), NATIVE));
                FloatVector.fromMemorySegment(S, cur, 4L * i, NATIVE).sub(vs).mul(vk)
                        .mul(FloatVector.fromArray(S, w, i)).add(FloatVector.fromArray(S, b, i))
                        .intoMemorySegment(out, 4L * i, NATIVE);
                FloatVector.fromMemorySegment(S, cur, 4L * (i + L), NATIVE).sub(vs).mul(vk)
                        .mul(FloatVector.fromArray(S, w, i + L)).add(FloatVector.fromArray(S, b, i + L))
                        .intoMemorySegment(out, 4L * (i + L), NATIVE);
            }
            total += LaneSums.sum(a0.add(a1));
            for (; i < end; i++) {
                total += next.get(F32, 4L * i);
                out.set(F32, 4L * i, (cur.get(F32, 4L * i) - shift) * scale * w[i] + b[i]);
            }
        }
        return total;
    }

    private static float scaleStoreNextLoadMaxLoop(float[] a, int n, float k, MemorySegment o, long outOff,
                                                   MemorySegment s, long nextOff, float[] next) {
        MemorySegment in = s.asSlice(nextOff, 4L * n);
        MemorySegment out = o.asSlice(outOff, 4L * n);
        FloatVector vk = FloatVector.broadcast(S, k);
        float r = Float.NEGATIVE_INFINITY;
        int i = 0;
        if (n >= 2 * L) {
            FloatVector m0 = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            FloatVector m1 = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            for (; i <= n - 2 * L; i += 2 * L) {
                FloatVector v0 = FloatVector.fromMemorySegment(S, in, 4L * i, NATIVE);
                FloatVector v1 = FloatVector.fromMemorySegment(S, in, 4L * (i + L), NATIVE);
                v0.intoArray(next, i);
                v1.intoArray(next, i + L);
                m0 = m0.max(v0);
                m1 = m1.max(v1);
                FloatVector.fromArray(S, a, i).mul(vk).intoMemorySegment(out, 4L * i, NATIVE);
                FloatVector.fromArray(S, a, i + L).mul(vk).intoMemorySegment(out, 4L * (i + L), NATIVE);
            }
            r = m0.max(m1).reduceLanes(VectorOperators.MAX);
        }
        for (; i < n; i++) {
            float v = in.get(F32, 4L * i);
            next[i] = v;
            r = Math.max(r, v);
            out.set(F32, 4L * i, a[i] * k);
        }
        return r;
    }

    private static void scaleStoreLoop(float[] a, int n, float k, MemorySegment o, long off) {
        FloatVector vk = FloatVector.broadcast(S, k);
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector.fromArray(S, a, i).mul(vk).intoMemorySegment(o, off + 4L * i, NATIVE);
        }
        for (; i < n; i++) {
            o.set(F32, off + 4L * i, a[i] * k);
        }
    }
}
