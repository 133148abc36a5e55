package io.xpu4j.conformance;

/**
 * The error function in float64, accurate to about 1e-15 relative, written here because
 * {@link Math} has none and the references must not borrow a kernel's.
 *
 * <ul>
 *   <li>|x| &lt; 2.5: erf(x) = 2/√π · e^(−x²) · Σₙ x·(2x²)ⁿ / (1·3·5···(2n+1)). Every term is
 *       positive, so unlike the alternating Taylor series nothing cancels; the terms stop
 *       growing once 2x² &lt; 2n+1 and the sum converges geometrically after that.</li>
 *   <li>|x| ≥ 2.5: erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))),
 *       the Laplace continued fraction, evaluated by the modified Lentz method; it converges
 *       fast for x ≥ 2.5, and erf = 1 − erfc, where erfc ≤ 4.1e-4 so the subtraction is benign.</li>
 * </ul>
 * {@link #erfc} uses the continued fraction from x = 1 on, so it keeps relative accuracy (about
 * 1e-15) in the tail, where 1 − erf would cancel.
 */
public final class Erf {
    private static final double TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
    private static final double ONE_OVER_SQRT_PI = 1 / Math.sqrt(Math.PI);
    private static final double SPLIT = 2.5;
    private static final double ERFC_SPLIT = 1.0;

    private Erf() {
    }

    public static double erf(double x) {
        if (Double.isNaN(x)) {
            return x;
        }
        double a = Math.abs(x);
        double r = a < SPLIT ? series(a) : 1 - erfcLarge(a);
        return Math.copySign(r, x);
    }

    /** erfc(x) = 1 − erf(x), keeping relative accuracy in the far right tail. */
    public static double erfc(double x) {
        if (Double.isNaN(x)) {
            return x;
        }
        // the continued fraction converges from x = 1 on (about 190 terms there), and below 1
        // erfc > 0.157, so 1 - erf loses under 3 bits
        if (x >= ERFC_SPLIT) {
            return erfcLarge(x);
        }
        if (x <= -ERFC_SPLIT) {
            return 2 - erfcLarge(-x);
        }
        return 1 - (x < 0 ? -series(-x) : series(x));
    }

    private static double series(double a) {
        double x2 = a * a;
        double term = a;
        double sum = a;
        for (int n = 1; n < 200; n++) {
            term *= 2 * x2 / (2 * n + 1);
            sum += term;
            if (term < sum * 1e-17) {
                break;
            }
        }
        return TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
    }

    private static double erfcLarge(double a) {
        if (a > 27) {
            return 0; // e^(-729) underflows a double
        }
        // continued fraction a + c1/(a + c2/(a + ...)) with c_k = k/2; erfc = e^(-a²)/√π / that
        double tiny = 1e-300;
        double f = a;
        double c = a;
        double d = 0;
        for (int k = 1; k < 1000; k++) {
            double ak = k / 2.0;
            d = a + ak * d;
            d = d == 0 ? tiny : d;
            c = a + ak / c;
            c = c == 0 ? tiny : c;
            d = 1 / d;
            double delta = c * d;
            f *= delta;
            if (Math.abs(delta - 1) < 1e-16) {
                break;
            }
        }
        return ONE_OVER_SQRT_PI * Math.exp(-a * a) / f;
    }
}
