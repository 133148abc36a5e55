package io.xpu4j.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vectorised float32 transcendental functions for the elementwise kernels.
 *
 * <p>Why our own and not {@code VectorOperators.EXP/LOG/TANH}: those are intrinsics only where
 * the JDK ships a vector math library for the CPU (and TANH is not one here); elsewhere every
 * lane falls back to a scalar {@code Math} call, 20-60x slower. These are plain FMA arithmetic,
 * equally fast everywhere, and give the same bits on every machine.
 *
 * <p>Accuracy against the exact function of the float input (maximum over 4 million random
 * inputs per range, uniform and log-uniform; ElementwiseKernelsTest re-checks a grid): exp 1.0
 * ulp, log 2.0, tanh 2.5, erf 2.1, sigmoid 2.6, silu 3.4, rsqrt 1.5, gelu 6.7 ulp (4.2e-7
 * relative) for x > -9, gelu-tanh 2e-6 relative for x > -5 (see {@link #geluTanh} for both
 * tails). The backend's budget is 4e-6 relative or 1e-6 absolute.
 *
 * <p>The polynomial coefficients were fitted for this class (weighted minimax by iteratively
 * reweighted least squares in 40-digit arithmetic) over the ranges stated beside them.
 *
 * <p>Compilation budget: C2 stops inlining a compile unit after about 18000 IR nodes, and each
 * Vector API operation costs roughly 400 before intrinsification; a vector-typed helper that is
 * then not inlined boxes its vectors on the heap on every call (a 10x slowdown). So constants
 * are pre-broadcast vectors (a broadcast at each use costs ~200 nodes more), each function stays
 * near 30 operations, and erf and GELU are computed in passes ({@link FloatLoops}), each pass
 * its own compile unit.
 */
final class UnaryMath {
    static final VectorSpecies<Float> F = VectorWidth.FLOAT;

    private UnaryMath() {
    }

    private static FloatVector c(float v) {
        return FloatVector.broadcast(F, v);
    }

    private static final FloatVector ZERO = c(0f);
    private static final FloatVector ONE = c(1f);
    private static final FloatVector TWO = c(2f);
    private static final FloatVector HALF = c(0.5f);
    private static final IntVector SIGN = IntVector.broadcast(F.vectorShape().withLanes(int.class), 0x80000000);

    // ------------------------------------------------------------------------------ exp

    private static final FloatVector EXP_LO = c(-104f);
    private static final FloatVector EXP_HI = c(89f);
    private static final FloatVector LOG2E = c(1.44269504088896341f);
    /** 1.5 * 2^23: adding it rounds a float of magnitude below 2^22 to an integer, RNE. */
    private static final float SHIFTER_F = 0x1.8p23f;
    private static final FloatVector SHIFTER = c(SHIFTER_F);
    private static final int SHIFTER_BITS = Float.floatToRawIntBits(SHIFTER_F);
    /** -ln 2 split so that n * LN2_HI is exact for |n| <= 2^8 (its low 8 bits are zero). */
    private static final FloatVector NEG_LN2_HI = c(-0.693145751953125f);
    private static final FloatVector NEG_LN2_LO = c(-1.428606765330187e-6f);
    // q(r) = (e^r - 1 - r) / r^2 on [-ln2/2, ln2/2]; relative error of e^r 3.3e-9
    private static final FloatVector E2 = c(0.49999993050190067f);
    private static final FloatVector E3 = c(0.1666651478620644f);
    private static final FloatVector E4 = c(0.041668456892683861f);
    private static final FloatVector E5 = c(0.008369419309040871f);
    private static final FloatVector E6 = c(0.00138131395686769f);

    /**
     * e^x. Max error 1.0 ulp, subnormal results included (within one subnormal step); above
     * 88.72 +Inf, below -104 +0, NaN stays NaN.
     */
    static FloatVector exp(FloatVector x) {
        // Outside [-104, 89] the result is 0 or Inf anyway; clamping keeps n small for the scaling
        // below. max/min keep NaN.
        FloatVector xc = x.max(EXP_LO).min(EXP_HI);
        FloatVector v = xc.fma(LOG2E, SHIFTER);
        FloatVector n = v.sub(SHIFTER);
        IntVector ni = v.reinterpretAsInts().sub(SHIFTER_BITS);
        // r = x - n ln2 in two steps; the first is exact (Sterbenz), so r carries one rounding.
        FloatVector r = n.fma(NEG_LN2_LO, n.fma(NEG_LN2_HI, xc));
        FloatVector q = r.fma(E6, E5).fma(r, E4).fma(r, E3).fma(r, E2);
        FloatVector p = r.mul(r).fma(q, r).add(ONE);
        // 2^n in two halves: each is a normal float for n in [-150, 128], so the first product is
        // exact and the second rounds once, also correctly into the subnormal range or to Inf.
        IntVector n1 = ni.lanewise(VectorOperators.ASHR, 1);
        FloatVector s1 = n1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = ni.sub(n1).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return p.mul(s1).mul(s2);
    }

    private static final FloatVector EXPM1_HI = c(20f);

    /**
     * e^x - 1 for 0 <= x (clamped at 20), relative error about 1 ulp including near 0, where
     * e^x - 1 computed from e^x would lose all its digits.
     */
    private static FloatVector expm1NonNegative(FloatVector x) {
        FloatVector xc = x.min(EXPM1_HI);
        FloatVector v = xc.fma(LOG2E, SHIFTER);
        FloatVector n = v.sub(SHIFTER);
        FloatVector r = n.fma(NEG_LN2_LO, n.fma(NEG_LN2_HI, xc));
        FloatVector q = r.fma(E6, E5).fma(r, E4).fma(r, E3).fma(r, E2);
        FloatVector em1 = r.mul(r).fma(q, r);                            // e^r - 1
        // n in [0, 29]: 2^n is a normal float built from the bits, and 2^n - 1 is exact up to 2^24
        FloatVector s = v.reinterpretAsInts().sub(SHIFTER_BITS - 127)
                .lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        return em1.fma(s, s.sub(ONE));                                   // 2^n (e^r - 1) + 2^n - 1
    }

    // ------------------------------------------------------------------------------ log

    private static final int SQRT_HALF_BITS = 0x3f3504f3;
    private static final FloatVector TINY = c(0x1p-126f);
    private static final FloatVector TWO_23 = c(0x1p23f);
    private static final FloatVector LN2_HI = c(0.693147180559945309f);
    private static final FloatVector LN2_LO = c((float) (0.693147180559945309 - (double) 0.693147180559945309f));
    // log1p(f) = 2s + s z R(z), s = f / (2 + f), z = s^2, |s| <= 3 - 2 sqrt 2; relative 8e-10
    private static final FloatVector L1 = c(0.66666776416875661767f);
    private static final FloatVector L2 = c(0.39977536809346943985f);
    private static final FloatVector L3 = c(0.29871866121861501677f);
    private static final FloatVector NAN = c(Float.NaN);
    private static final FloatVector INF = c(Float.POSITIVE_INFINITY);
    private static final FloatVector NEG_INF = c(Float.NEGATIVE_INFINITY);

    /**
     * Natural logarithm. Max error 2.0 ulp over all positive floats, subnormals included;
     * log(+-0) = -Inf, log(x < 0) = NaN, log(+Inf) = +Inf.
     */
    static FloatVector log(FloatVector x) {
        // Subnormals: scale into the normal range first and take 23 off the exponent.
        VectorMask<Float> tiny = x.lt(TINY);
        FloatVector xs = x.blend(x.mul(TWO_23), tiny);
        // Bias the bits so that the mantissa lands in [sqrt(1/2), sqrt(2)) and the exponent
        // picks up the carry: x = 2^k * m, f = m - 1 exactly.
        IntVector ix = xs.reinterpretAsInts().add(0x3f800000 - SQRT_HALF_BITS);
        FloatVector k = ((FloatVector) ix.lanewise(VectorOperators.ASHR, 23).sub(127)
                .convert(VectorOperators.I2F, 0)).sub(ZERO.blend(23f, tiny));
        FloatVector f = ix.and(0x007fffff).add(SQRT_HALF_BITS).reinterpretAsFloats().sub(ONE);
        FloatVector s = f.div(f.add(TWO));
        FloatVector z = s.mul(s);
        FloatVector rz = z.fma(L3, L2).fma(z, L1).mul(z);
        FloatVector log1p = s.fma(rz, s.add(s));
        FloatVector res = k.fma(LN2_HI, k.fma(LN2_LO, log1p));
        // special inputs, without a branch (see geluTanh on why no branches)
        res = res.blend(NEG_INF, x.eq(ZERO));
        res = res.blend(INF, x.eq(INF));
        return res.blend(NAN, x.lt(ZERO).or(x.test(VectorOperators.IS_NAN)));
    }

    // ------------------------------------------------------------------------------ tanh

    /**
     * Hyperbolic tangent as (e^2a - 1) / (e^2a + 1) on a = |x| with an accurate e^2a - 1, so
     * small arguments keep full relative accuracy; tanh(-0) = -0, +-1 from |x| = 9.1, NaN stays
     * NaN. Max error 2.5 ulp.
     */
    static FloatVector tanh(FloatVector x) {
        FloatVector a = x.abs();
        FloatVector em1 = expm1NonNegative(a.add(a));
        return copySign(em1.div(em1.add(TWO)), x);
    }

    // ------------------------------------------------------------------------------ sigmoid, silu

    /**
     * 1 / (1 + e^-x), evaluated as e^x / (1 + e^x) for negative x so that it neither overflows
     * nor loses relative accuracy in the tail. Max error 2.6 ulp.
     */
    static FloatVector sigmoid(FloatVector x) {
        FloatVector e = exp(x.abs().neg());
        FloatVector r = ONE.div(e.add(ONE));
        return r.blend(e.mul(r), x.lt(ZERO));
    }

    private static final FloatVector SILU_FAR = c(64f);
    private static final FloatVector SILU_SHIFT = c(32f);
    /** e^-32, undoing the shift in {@link #silu}. */
    private static final FloatVector EXP_M32 = c(1.2664165549094176e-14f);

    /**
     * x * sigmoid(x). For |x| >= 64, e^-|x| is computed as e^(32 - |x|) * e^-32 and multiplied
     * by x before the e^-32: below -87 e^-|x| alone is subnormal (few significant bits) while x
     * times it is still a normal float. (32 - |x| is exact from 64 on; shifting smaller |x| would
     * round away low bits of x.) Max error 3.4 ulp.
     */
    static FloatVector silu(FloatVector x) {
        FloatVector a = x.abs();
        VectorMask<Float> far = a.compare(VectorOperators.GE, SILU_FAR);
        FloatVector shifted = exp(ZERO.blend(SILU_SHIFT, far).sub(a));
        FloatVector unshift = ONE.blend(EXP_M32, far);
        FloatVector r = ONE.div(shifted.fma(unshift, ONE));
        FloatVector num = x.blend(x.mul(shifted).mul(unshift), x.lt(ZERO));
        return num.mul(r);
    }

    // ------------------------------------------------------------------------------ gelu (tanh form)

    private static final FloatVector GELU_K0 = c((float) (2 * 0.79788456080286535588));
    private static final FloatVector GELU_K1 = c((float) (2 * 0.79788456080286535588 * 0.044715));

    /**
     * GELU, tanh form: 0.5 x (1 + tanh(u)), u = sqrt(2/pi) (x + 0.044715 x^3), evaluated as
     * x * sigmoid(2u) (the same function, since 1 + tanh(u) = 2 sigmoid(2u)), which avoids the
     * cancellation of 1 + tanh(u) for negative x. The relative error is about 1.2e-7 * |2u|, the
     * rounding of the float argument 2u amplified in the negative tail: 1e-6 at x = -3, 2e-6 at
     * x = -5 (value -1.5e-7), 1.3e-5 at x = -10 (value 1e-37). (A float64 reference computing
     * 1 + tanh(u) directly is itself worse there.)
     *
     * <p>No function here branches on a mask (computing both sides and blending instead): C2
     * turns vectors that meet at a control-flow merge into heap boxes.
     */
    static FloatVector geluTanh(FloatVector x) {
        FloatVector y = x.mul(x).fma(GELU_K1, GELU_K0).mul(x);
        FloatVector e = exp(y.abs().neg());
        FloatVector r = ONE.div(e.add(ONE));
        return x.mul(r.blend(e.mul(r), y.lt(ZERO)));
    }

    // ------------------------------------------------------------------------------ erf, gelu

    static final float ERF_SMALL = 0.75f;
    private static final FloatVector ERF_SMALL_V = c(ERF_SMALL);
    // erf(a) = a + a P(a^2) on a < 0.75; P(0) = 2/sqrt(pi) - 1, so that the value near 0 does not
    // inherit the rounding of 2/sqrt(pi) to float. Relative error 1.4e-9.
    private static final FloatVector R0 = c((float) (1.1283791654964172094 - 1.0));
    private static final FloatVector R1 = c(-0.3761261875645665105f);
    private static final FloatVector R2 = c(0.11283376570611788305f);
    private static final FloatVector R3 = c(-0.026834624387303130312f);
    private static final FloatVector R4 = c(0.0051143451880711981454f);
    private static final FloatVector R5 = c(-0.00067495106926280216373f);
    // erfc(z) = e^(-z^2) t G(t), t = 1 / (1 + z/2), z >= 0.75; relative error 3.0e-9.
    private static final FloatVector G0 = c(0.28209479094969825034f);
    private static final FloatVector G1 = c(0.2820947733495534707f);
    private static final FloatVector G2 = c(0.24683911426282350305f);
    private static final FloatVector G3 = c(0.17611404021251065725f);
    private static final FloatVector G4 = c(0.08634145953349864069f);
    private static final FloatVector G5 = c(-0.022804405451691354898f);
    private static final FloatVector G6 = c(0.019202885691741160494f);
    private static final FloatVector G7 = c(-0.23860371328886676196f);
    private static final FloatVector G8 = c(0.24384355261726012971f);
    private static final FloatVector G9 = c(-0.075279912012337576225f);
    /** erfc underflows to 0 well before this; clamping keeps z^2 finite. */
    private static final FloatVector ERFC_CLAMP = c(11f);
    private static final FloatVector GELU_CLAMP = c(11f * 1.41421356f);
    private static final FloatVector INV_SQRT2 = c(0.70710678118654752f);

    /** erf(a) for 0 <= a < 0.75 (any a computes, only that range is accurate). */
    private static FloatVector erfSmall(FloatVector a) {
        FloatVector u = a.mul(a);
        FloatVector p = u.fma(R5, R4).fma(u, R3).fma(u, R2).fma(u, R1).fma(u, R0);
        return a.fma(p, a);
    }

    /**
     * First pass of erf(x): the factor t G(t) (1 - lo) of erfc(z) = e^-(hi + lo) t G(t), z = |x|,
     * into {@code factor}, and -hi into {@code arg}; z^2 = hi + lo exactly. The split matters:
     * e^(-z^2) is so sensitive to z^2 that the rounding of z*z alone would cost up to 100 ulps at
     * z = 10.
     */
    static void erfcParts(FloatVector x, float[] factor, float[] arg, int i) {
        FloatVector z = x.abs().min(ERFC_CLAMP);
        FloatVector hi = z.mul(z);
        FloatVector lo = z.fma(z, hi.neg());
        erfcFactor(z, lo).intoArray(factor, i);
        hi.neg().intoArray(arg, i);
    }

    /** The same for GELU: erfc(|x| / sqrt 2), with hi + lo = x^2 / 2 exactly (halving is exact). */
    static void geluParts(FloatVector x, float[] factor, float[] arg, int i) {
        FloatVector ax = x.abs().min(GELU_CLAMP);
        FloatVector xx = ax.mul(ax);
        FloatVector lo = ax.fma(ax, xx.neg()).mul(HALF);
        erfcFactor(ax.mul(INV_SQRT2), lo).intoArray(factor, i);
        xx.mul(HALF).neg().intoArray(arg, i);
    }

    /** t G(t) (1 - lo), t = 1 / (1 + z/2). */
    private static FloatVector erfcFactor(FloatVector z, FloatVector lo) {
        FloatVector t = TWO.div(z.add(TWO));
        FloatVector g = t.fma(G9, G8).fma(t, G7).fma(t, G6).fma(t, G5).fma(t, G4)
                .fma(t, G3).fma(t, G2).fma(t, G1).fma(t, G0);
        FloatVector tg = t.mul(g);
        return lo.neg().fma(tg, tg);
    }

    /** Second pass, shared: erfc = e^arg * factor. */
    static FloatVector erfcFinish(FloatVector factor, FloatVector arg) {
        return exp(arg).mul(factor);
    }

    /**
     * Last pass of erf(x), given erfc(|x|) for the large range: erf(+-0) = +-0, +-1 beyond
     * |x| = 3.9, NaN stays NaN. Max error 2.1 ulp.
     */
    static FloatVector erf(FloatVector x, FloatVector erfcAbs) {
        FloatVector a = x.abs();
        FloatVector big = ONE.sub(erfcAbs);
        return copySign(big.blend(erfSmall(a), a.lt(ERF_SMALL_V)), x);
    }

    /**
     * Last pass of GELU, exact form: x Phi(x), Phi(x) = (1 + erf(x / sqrt 2)) / 2, given
     * erfc(|x| / sqrt 2) for the large range. For negative x the tail Phi = erfc / 2 is used
     * as is, not as 1 - erf, so the result keeps its relative accuracy far into the tail: max
     * error 6.7 ulp (4.2e-7 relative) for x > -9; below -13, where erfc is subnormal while the
     * result (~1e-37) is not yet, up to 1.2e-6 relative.
     */
    static FloatVector gelu(FloatVector x, FloatVector erfcAbs) {
        FloatVector a = x.abs().mul(INV_SQRT2);
        VectorMask<Float> neg = x.lt(ZERO);
        FloatVector h = erfSmall(a).mul(HALF);
        FloatVector phiSmall = HALF.add(h.blend(h.neg(), neg));
        FloatVector tail = erfcAbs.mul(HALF);
        FloatVector phiBig = tail.blend(ONE.sub(tail), neg.not());
        return x.mul(phiBig.blend(phiSmall, a.lt(ERF_SMALL_V)));
    }

    private static FloatVector copySign(FloatVector magnitude, FloatVector sign) {
        return magnitude.reinterpretAsInts()
                .or(sign.reinterpretAsInts().and(SIGN))
                .reinterpretAsFloats();
    }
}
