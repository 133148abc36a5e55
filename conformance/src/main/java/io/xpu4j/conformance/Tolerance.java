package io.xpu4j.conformance;

import io.xpu4j.api.DType;

/**
 * Every tolerance of the suite, in one place, with the reasoning.
 *
 * <h2>The model</h2>
 * A result element passes when {@code |got − expected| ≤ abs + rel·|expected| + perScale·scale},
 * where {@code expected} is the float64 reference on the dtype-rounded inputs and {@code scale}
 * is an op-specific magnitude the reference computes alongside (for a sum: Σ|terms|). Besides:
 * <ul>
 *   <li>an expected NaN must be NaN; an expected ±Inf (including a finite value that rounds to
 *       ±Inf in the output dtype) must be that same infinity; a finite expectation needs a finite
 *       result;</li>
 *   <li>+0 and −0 are equal;</li>
 *   <li>integer and BOOL results, and ops that only move or select values (copy, where, max/min,
 *       neg/abs/relu, compares, cast, embedding, concat, fill), are compared exactly, after
 *       rounding the float64 reference once to the output dtype.</li>
 * </ul>
 *
 * <h2>The units</h2>
 * Every float kernel computes in float32 (the contract in docs/ops.md), so compute error is
 * measured in U32 = 2^-24, float32's unit roundoff. F16 and BF16 results are rounded once more
 * when stored: {@link #store} adds their unit roundoff u (F16 2^-11 ≈ 4.9e-4, BF16 2^-8 ≈ 3.9e-3)
 * to the relative tolerance, since round-to-nearest moves a normal value by at most u·|value|.
 * Below the normal range the error is absolute instead, at most half the subnormal spacing:
 * that is {@link #floor} (F16 2^-25). F32 and BF16 floors are 2^-126, the smallest normal, so a
 * backend that flushes float32 subnormals to zero (GPUs do by default) still conforms.
 *
 * <h2>Families</h2>
 * <ul>
 *   <li>{@link #arithmetic}: add sub mul div maximum minimum. One IEEE operation, correctly
 *       rounded: 8·U32 ≈ 4.8e-7 leaves room for a reciprocal-multiply division. For F16/BF16 the
 *       store rounding dominates, so the tolerance is u + 8·U32: tight enough that a kernel which
 *       truncates instead of rounding to nearest even (error up to 2u) fails.</li>
 *   <li>{@link #math}: exp log sqrt rsqrt tanh erf sigmoid silu gelu pow. A float32 libm-quality
 *       function is within a few ulp; MATH_REL = 4e-6 (≈ 67 ulp) also admits GPU fast intrinsics
 *       over the input ranges the suite uses. Formulas that cancel get an absolute term 8·U32·scale
 *       with scale from {@link #mathScale}: |x| for silu/gelu (1 + tanh(u) or 1 + erf(u) cancels
 *       for negative x, leaving an error ∝ u·|x|), 1 for log, tanh and erf (float implementations
 *       of these are accurate to an ulp of 1 near their zero, not relatively).</li>
 *   <li>{@link #accumulate}: sum, mean, matmul. A float32 sum of K terms has a worst-case error
 *       K·U32·Σ|terms| but a typical one of √K·U32·Σ|terms| (rounding errors are a random walk,
 *       bounded by the partial sums); blocked or pairwise sums do better still. 2·√K·U32·Σ|terms|
 *       is about six standard deviations of the sequential-sum error with all terms positive.</li>
 *   <li>{@link #softmax}, {@link #logSoftmax}, {@link #norm}, {@link #rope}, {@link #attention}:
 *       a transcendental (MATH_REL, relative) plus accumulated rounding of the terms, with the
 *       scale each reference in {@link NnReference} documents.</li>
 * </ul>
 */
public final class Tolerance {
    /** float32 unit roundoff: the compute precision of every float kernel. */
    public static final double U32 = 0x1p-24;
    /** Allowance for one float32 transcendental function, relative (≈ 67 ulp). */
    public static final double MATH_REL = 4e-6;

    private Tolerance() {
    }

    /** |got − expected| ≤ abs + rel·|expected| + perScale·scale. */
    public record Bound(double rel, double abs, double perScale) {
        public double limit(double expected, double scale) {
            return abs + rel * Math.abs(expected) + perScale * scale;
        }

        /** Whether {@code got} is acceptable for {@code expected} (see the class comment for NaN/Inf). */
        public boolean accepts(double expected, double got, double scale) {
            if (Double.isNaN(expected)) {
                return Double.isNaN(got);
            }
            if (Double.isInfinite(expected) || rel == 0 && abs == 0 && perScale == 0) {
                return expected == got;
            }
            return Double.isFinite(got) && Math.abs(got - expected) <= limit(expected, scale);
        }

        public boolean isExact() {
            return rel == 0 && abs == 0 && perScale == 0;
        }

        @Override
        public String toString() {
            return isExact() ? "exact" : String.format("rel %.3g, abs %.3g, per-scale %.3g", rel, abs, perScale);
        }
    }

    /** Bit-for-bit (after one rounding of the reference to the output dtype). */
    public static Bound exact() {
        return new Bound(0, 0, 0);
    }

    /** Extra relative error from rounding a float32 result into the output dtype. */
    static double store(DType t) {
        return t == DType.F32 ? 0 : Formats.unitRoundoff(t);
    }

    /** The absolute floor for results near zero; see the class comment. */
    static double floor(DType t) {
        return t == DType.F16 ? Formats.halfSubnormalSpacing(t) : 0x1p-126;
    }

    private static void requireFloat(DType t) {
        if (!t.isFloatingPoint() || t.isFloat8()) {
            throw new IllegalArgumentException(t + " has no float tolerance: integer results are exact");
        }
    }

    /** add sub mul div (and maximum/minimum, which are exact anyway). Integers: exact. */
    public static Bound arithmetic(DType t) {
        if (!t.isFloatingPoint()) {
            return exact();
        }
        requireFloat(t);
        return new Bound(store(t) + 8 * U32, floor(t), 0);
    }

    /** Transcendental unary ops and pow; scale from {@link #mathScale}. */
    public static Bound math(DType t) {
        requireFloat(t);
        return new Bound(store(t) + MATH_REL, floor(t), 8 * U32);
    }

    /** The absolute-error scale of a transcendental op at input {@code x}; see the class comment. */
    public static double mathScale(String op, double x) {
        return switch (op) {
            case "log", "tanh", "erf" -> 1;
            case "silu", "gelu", "gelu_tanh" -> Double.isFinite(x) ? Math.abs(x) : 0;
            default -> 0;
        };
    }

    /** sum, mean, matmul over K terms; scale Σ|terms| (÷K for the mean). Integers: exact. */
    public static Bound accumulate(DType t, long k) {
        if (!t.isFloatingPoint()) {
            return exact();
        }
        requireFloat(t);
        return new Bound(store(t) + 8 * U32, floor(t), 2 * Math.sqrt(Math.max(k, 1)) * U32);
    }

    /**
     * {@code linear}: a matmul, whose result is stored in the dtype, then a bias add rounded again;
     * scale Σ|terms| + |bias|, so the intermediate rounding (u·|x·wᵀ| ≤ u·Σ|terms|) is covered by
     * the store term on the scale.
     */
    public static Bound linear(DType t, long k) {
        requireFloat(t);
        return new Bound(store(t) + 8 * U32, floor(t), 2 * Math.sqrt(Math.max(k, 1)) * U32 + store(t));
    }

    /** softmax; scale |yᵢ|·(√K + |xᵢ − max|) from {@link NnReference#softmax}. */
    public static Bound softmax(DType t) {
        requireFloat(t);
        return new Bound(store(t) + MATH_REL, floor(t), 2 * U32);
    }

    /**
     * log_softmax: the exp errors inside the sum become an absolute error of log Σ of up to
     * MATH_REL; the subtractions add 8·U32 times the sizes subtracted (the reference's scale).
     */
    public static Bound logSoftmax(DType t) {
        requireFloat(t);
        return new Bound(store(t), floor(t) + MATH_REL, 8 * U32);
    }

    /** layer_norm, rms_norm: rsqrt (relative) and the rounding of mean/variance sums (scale). */
    public static Bound norm(DType t) {
        requireFloat(t);
        return new Bound(store(t) + MATH_REL, floor(t), 4 * U32);
    }

    /** rope: two products and a sum per output; scale |x₁·cos| + |x₂·sin|. */
    public static Bound rope(DType t) {
        requireFloat(t);
        return new Bound(store(t), floor(t), 4 * U32);
    }

    /**
     * attention: scores are dot products, then softmax, then a weighted sum of v. The reference
     * scale Σ pⱼ·|vⱼ|·(1 + √Sk + |sⱼ − max| + √D·Σ|q·k|·scale) collects how an error in a score
     * (absolute, from the dot product) becomes a relative error of its weight; the transcendental
     * allowance applies to all of it.
     */
    public static Bound attention(DType t) {
        requireFloat(t);
        return new Bound(store(t) + MATH_REL, floor(t), MATH_REL);
    }
}
