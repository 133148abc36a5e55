package io.xpu4j.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Checks {@link FloatFormats} against a reference written here from the format definitions alone:
 * values are computed in double arithmetic (exact for every format involved) and rounding is done
 * by searching the sorted list of representable values, so nothing in it shares logic with the
 * bit manipulation under test or with the JDK's float16 conversions.
 *
 * <p>Decoding is checked for every bit pattern; encoding for every representable value, every
 * midpoint between neighbours and the doubles and floats just either side of each midpoint.
 */
class FloatFormatsTest {

    /** A binary format: 1 sign bit, {@code ebits} exponent bits, {@code mbits} mantissa bits. */
    record Fmt(String name, int ebits, int mbits, int bias, boolean ieeeSpecials) {
        int signBit() {
            return 1 << (ebits + mbits);
        }

        int expMax() {
            return (1 << ebits) - 1;
        }

        int manMax() {
            return (1 << mbits) - 1;
        }
    }

    static final Fmt HALF = new Fmt("binary16", 5, 10, 15, true);
    static final Fmt BF16 = new Fmt("bfloat16", 8, 7, 127, true);
    /** OCP E4M3FN: no infinities, NaN only at S.1111.111. */
    static final Fmt E4M3 = new Fmt("E4M3", 4, 3, 7, false);
    static final Fmt E5M2 = new Fmt("E5M2", 5, 2, 15, true);

    /** Result code meaning "any NaN with the quiet bit set" (binary16 and bfloat16). */
    static final int ANY_QUIET_NAN = -1;

    // ------------------------------------------------------------------ reference decoder

    static double refDecode(Fmt f, int bits) {
        double sign = (bits & f.signBit()) != 0 ? -1.0 : 1.0;
        int e = (bits >>> f.mbits()) & f.expMax();
        int m = bits & f.manMax();
        double frac = m / Math.pow(2, f.mbits());
        if (f.ieeeSpecials() && e == f.expMax()) {
            return m == 0 ? sign * Double.POSITIVE_INFINITY : Double.NaN;
        }
        if (!f.ieeeSpecials() && e == f.expMax() && m == f.manMax()) {
            return Double.NaN;
        }
        if (e == 0) {
            // sign * 0.0 gives -0.0 for the negative zero pattern, which the checks rely on
            return sign * Math.pow(2, 1 - f.bias()) * frac;
        }
        return sign * Math.pow(2, e - f.bias()) * (1 + frac);
    }

    // ------------------------------------------------------------------ reference encoder

    /** The positive finite values of a format in ascending order, with their bit patterns. */
    record Table(Fmt fmt, double[] values, int[] codes) {
        double max() {
            return values[values.length - 1];
        }

        int maxCode() {
            return codes[codes.length - 1];
        }
    }

    static Table table(Fmt f) {
        int n = 0;
        int[] finiteCodes = new int[f.signBit()];
        double[] byCode = new double[f.signBit()];
        for (int b = 0; b < f.signBit(); b++) {
            double v = refDecode(f, b);
            if (!Double.isNaN(v) && !Double.isInfinite(v)) {
                byCode[b] = v;
                finiteCodes[n++] = b;
            }
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = finiteCodes[i];
        }
        Arrays.sort(order, (a, c) -> Double.compare(byCode[a], byCode[c]));
        double[] values = new double[n];
        int[] codes = new int[n];
        for (int i = 0; i < n; i++) {
            codes[i] = order[i];
            values[i] = byCode[order[i]];
            if (i > 0 && !(values[i] > values[i - 1])) {
                fail(f.name() + ": values not strictly increasing at " + i);
            }
        }
        return new Table(f, values, codes);
    }

    enum Overflow { INF, SATURATE, NAN }

    /** What an out-of-range value or an infinity becomes, per the rules in FloatFormats' javadoc. */
    static int overflowCode(Table t, int sign, Overflow ovf) {
        Fmt f = t.fmt();
        return switch (ovf) {
            case INF -> sign | (f.expMax() << f.mbits());
            case SATURATE -> sign | t.maxCode();
            case NAN -> 0x7F;
        };
    }

    /** Nearest representable value by binary search, ties to the even bit pattern. */
    static int refEncode(Table t, double x, Overflow ovf) {
        Fmt f = t.fmt();
        if (Double.isNaN(x)) {
            return f.signBit() == 0x80 ? 0x7F : ANY_QUIET_NAN; // 8-bit formats emit the one NaN
        }
        int sign = (Double.doubleToRawLongBits(x) < 0) ? f.signBit() : 0;
        double a = Math.abs(x);
        if (Double.isInfinite(a)) {
            return overflowCode(t, sign, ovf);
        }
        double[] v = t.values();
        int found = Arrays.binarySearch(v, a);
        if (found >= 0) {
            return sign | t.codes()[found];
        }
        int lo = -found - 2; // largest index with v[lo] < a; v[0] is +0.0 so lo >= 0
        int lowCode = t.codes()[lo];
        if (lo == v.length - 1) {
            // Beyond max: the next step up (Inf, or the NaN slot in E4M3) lies one ulp of max
            // higher; that step's pattern is max + 1, so a tie goes to it only if max is odd.
            double ulp = v[lo] - v[lo - 1];
            double mid = v[lo] + ulp / 2;
            if (a < mid || (a == mid && (lowCode & 1) == 0)) {
                return sign | lowCode;
            }
            return overflowCode(t, sign, ovf);
        }
        int highCode = t.codes()[lo + 1];
        double mid = (v[lo] + v[lo + 1]) / 2; // exact: both have at most 11 significant bits
        if (a < mid) {
            return sign | lowCode;
        }
        if (a > mid) {
            return sign | highCode;
        }
        return sign | ((lowCode & 1) == 0 ? lowCode : highCode);
    }

    // ------------------------------------------------------------------ cases under test

    interface DoubleEnc {
        int encode(double x);
    }

    interface FloatEnc {
        int encode(float x);
    }

    record Case(String name, Table table, Overflow ovf, DoubleEnc fromDouble, FloatEnc fromFloat) {
    }

    static final Table HALF_T = table(HALF);
    static final Table BF16_T = table(BF16);
    static final Table E4M3_T = table(E4M3);
    static final Table E5M2_T = table(E5M2);

    static final Case[] CASES = {
        new Case("half", HALF_T, Overflow.INF,
                x -> FloatFormats.doubleToHalf(x) & 0xFFFF, x -> FloatFormats.floatToHalf(x) & 0xFFFF),
        new Case("bf16", BF16_T, Overflow.INF,
                x -> FloatFormats.doubleToBf16(x) & 0xFFFF, x -> FloatFormats.floatToBf16(x) & 0xFFFF),
        new Case("e4m3/sat", E4M3_T, Overflow.SATURATE,
                x -> FloatFormats.doubleToE4M3(x, true) & 0xFF, x -> FloatFormats.floatToE4M3(x, true) & 0xFF),
        new Case("e4m3/nosat", E4M3_T, Overflow.NAN,
                x -> FloatFormats.doubleToE4M3(x, false) & 0xFF, x -> FloatFormats.floatToE4M3(x, false) & 0xFF),
        new Case("e5m2/sat", E5M2_T, Overflow.SATURATE,
                x -> FloatFormats.doubleToE5M2(x, true) & 0xFF, x -> FloatFormats.floatToE5M2(x, true) & 0xFF),
        new Case("e5m2/nosat", E5M2_T, Overflow.INF,
                x -> FloatFormats.doubleToE5M2(x, false) & 0xFF, x -> FloatFormats.floatToE5M2(x, false) & 0xFF),
    };

    /** Compares a produced pattern with an expected one, where ANY_QUIET_NAN accepts any quiet NaN. */
    static void expect(Case c, String how, double input, int expected, int actual) {
        if (expected == ANY_QUIET_NAN) {
            Fmt f = c.table().fmt();
            int quietBit = 1 << (f.mbits() - 1);
            if (Double.isNaN(refDecode(f, actual)) && (actual & quietBit) != 0) {
                return;
            }
        } else if (expected == actual) {
            return;
        }
        String want = expected == ANY_QUIET_NAN ? "a quiet NaN" : String.format("0x%X", expected);
        fail(String.format("%s %s(%s = %s): expected %s, got 0x%X", c.name(), how,
                Double.toHexString(input), input, want, actual));
    }

    /**
     * Checks the double overload, and the float overload when {@code x} is a float, against both
     * the reference encoder and {@code expected} (an independent expectation for the reference).
     */
    static void check(Case c, double x, int expected) {
        int ref = refEncode(c.table(), x, c.ovf());
        if (ref != expected) {
            fail(String.format("reference disagrees for %s at %s: 0x%X vs expected 0x%X", c.name(),
                    Double.toHexString(x), ref, expected));
        }
        expect(c, "fromDouble", x, ref, c.fromDouble().encode(x));
        float fx = (float) x;
        if ((double) fx == x) {
            expect(c, "fromFloat", x, ref, c.fromFloat().encode(fx));
        }
    }

    /** Checks the float overload on a float and its two neighbours. */
    static void checkFloat(Case c, float fx, int expected) {
        int ref = refEncode(c.table(), fx, c.ovf());
        if (ref != expected) {
            fail(String.format("reference disagrees for %s at float %s", c.name(), Float.toHexString(fx)));
        }
        expect(c, "fromFloat", fx, ref, c.fromFloat().encode(fx));
    }

    // ------------------------------------------------------------------ decode, every pattern

    @Test
    void halfDecodeEveryPattern() {
        for (int b = 0; b < 0x10000; b++) {
            double ref = refDecode(HALF, b);
            float got = FloatFormats.halfToFloat((short) b);
            assertSameValue("half", b, ref, got);
            if (Double.isNaN(ref)) {
                assertTrue((Float.floatToRawIntBits(got) & 0x0040_0000) != 0, "quiet NaN for half 0x" + Integer.toHexString(b));
            }
        }
    }

    @Test
    void bf16DecodeEveryPattern() {
        for (int b = 0; b < 0x10000; b++) {
            assertSameValue("bf16", b, refDecode(BF16, b), FloatFormats.bf16ToFloat((short) b));
        }
    }

    @Test
    void fp8DecodeEveryPattern() {
        int e4m3Nans = 0;
        int e5m2Nans = 0;
        int e5m2Infs = 0;
        for (int b = 0; b < 0x100; b++) {
            double r4 = refDecode(E4M3, b);
            double r5 = refDecode(E5M2, b);
            assertSameValue("e4m3", b, r4, FloatFormats.e4m3ToFloat((byte) b));
            assertSameValue("e5m2", b, r5, FloatFormats.e5m2ToFloat((byte) b));
            e4m3Nans += Double.isNaN(r4) ? 1 : 0;
            e5m2Nans += Double.isNaN(r5) ? 1 : 0;
            e5m2Infs += Double.isInfinite(r5) ? 1 : 0;
            assertTrue(!Double.isInfinite(r4), "E4M3 has no infinities");
        }
        assertEquals(2, e4m3Nans);
        assertEquals(6, e5m2Nans);
        assertEquals(2, e5m2Infs);
        assertTrue(Float.isNaN(FloatFormats.e4m3ToFloat((byte) 0x7F)));
        assertTrue(Float.isNaN(FloatFormats.e4m3ToFloat((byte) 0xFF)));
        assertEquals(Float.POSITIVE_INFINITY, FloatFormats.e5m2ToFloat((byte) 0x7C));
        assertEquals(Float.NEGATIVE_INFINITY, FloatFormats.e5m2ToFloat((byte) 0xFC));
    }

    @Test
    void referenceTablesHaveTheDocumentedShape() {
        assertEquals(0x7C00, HALF_T.values().length);
        assertEquals(0x7F80, BF16_T.values().length);
        assertEquals(0x7F, E4M3_T.values().length);
        assertEquals(0x7C, E5M2_T.values().length);
        assertEquals(65504.0, HALF_T.max());
        assertEquals(448.0, E4M3_T.max());
        assertEquals(57344.0, E5M2_T.max());
        assertEquals((double) Float.intBitsToFloat(0x7F7F_0000), BF16_T.max());
        assertEquals(E4M3_T.max(), FloatFormats.E4M3_MAX);
        assertEquals(E5M2_T.max(), FloatFormats.E5M2_MAX);
        assertEquals(Math.pow(2, -24), HALF_T.values()[1]);
        assertEquals(Math.pow(2, -133), BF16_T.values()[1]);
        assertEquals(Math.pow(2, -9), E4M3_T.values()[1]);
        assertEquals(Math.pow(2, -16), E5M2_T.values()[1]);
    }

    private static void assertSameValue(String what, int bits, double ref, float got) {
        if (Double.isNaN(ref)) {
            assertTrue(Float.isNaN(got), what + " 0x" + Integer.toHexString(bits) + " should be NaN");
        } else if (Double.doubleToRawLongBits(ref) != Double.doubleToRawLongBits(got)) {
            // raw-bit comparison so that -0.0 and +0.0 count as different
            fail(what + " 0x" + Integer.toHexString(bits) + ": expected " + ref + ", got " + got);
        }
    }

    // ------------------------------------------------------------------ encode, every value

    @Test
    void encodeEveryValueMidpointAndNeighbourHalf() {
        exhaustive(CASES[0]);
    }

    @Test
    void encodeEveryValueMidpointAndNeighbourBf16() {
        exhaustive(CASES[1]);
    }

    @Test
    void encodeEveryValueMidpointAndNeighbourFp8() {
        for (int i = 2; i < CASES.length; i++) {
            exhaustive(CASES[i]);
        }
    }

    private static void exhaustive(Case c) {
        Table t = c.table();
        double[] v = t.values();
        int[] codes = t.codes();
        int signBit = t.fmt().signBit();
        int n = v.length;
        for (int i = 0; i < n; i++) {
            for (int s = 0; s < 2; s++) {
                double sg = s == 0 ? 1.0 : -1.0;
                int sign = s == 0 ? 0 : signBit;
                int here = sign | codes[i];
                check(c, sg * v[i], here);

                int up;
                double mid;
                if (i < n - 1) {
                    up = sign | codes[i + 1];
                    mid = (v[i] + v[i + 1]) / 2;
                } else {
                    // past max: the rounding step above max, then the format's overflow rule
                    up = overflowCode(t, sign, c.ovf());
                    mid = v[i] + (v[i] - v[i - 1]) / 2;
                }
                boolean lowIsEven = (codes[i] & 1) == 0;
                int tie = lowIsEven ? here : up;
                check(c, sg * mid, tie);
                check(c, sg * Math.nextDown(mid), here);
                check(c, sg * Math.nextUp(mid), up);

                float fmid = (float) mid;
                assertEquals(mid, fmid, "midpoints must be floats");
                checkFloat(c, (float) sg * fmid, tie);
                checkFloat(c, (float) sg * Math.nextDown(fmid), here);
                checkFloat(c, (float) sg * Math.nextUp(fmid), up);
            }
        }
    }

    @Test
    void randomInputsMatchReference() {
        SplittableRandom rnd = new SplittableRandom(0x5EED_F10A7L);
        for (Case c : CASES) {
            Fmt f = c.table().fmt();
            // exponents from well below the smallest subnormal to well above the largest value
            int lowExp = 1 - f.bias() - f.mbits() - 4;
            int highExp = f.expMax() - f.bias() + 3;
            for (int k = 0; k < 100_000; k++) {
                int e = rnd.nextInt(lowExp, highExp + 1);
                double x = Math.scalb(1.0 + rnd.nextDouble(), e) * (rnd.nextBoolean() ? 1 : -1);
                check(c, x, refEncode(c.table(), x, c.ovf()));
                float fx = Math.scalb(1.0f + rnd.nextFloat(), e) * (rnd.nextBoolean() ? 1 : -1);
                checkFloat(c, fx, refEncode(c.table(), fx, c.ovf()));
                // arbitrary bit patterns reach the far ends (double subnormals, huge values)
                double raw = Double.longBitsToDouble(rnd.nextLong());
                check(c, raw, refEncode(c.table(), raw, c.ovf()));
                float rawF = Float.intBitsToFloat(rnd.nextInt());
                checkFloat(c, rawF, refEncode(c.table(), rawF, c.ovf()));
            }
        }
    }

    // ------------------------------------------------------------------ special values

    @Test
    void nanStaysQuietNan() {
        float[] floatNans = {
            Float.NaN,
            Float.intBitsToFloat(0x7F80_0001), // payload only in the lowest bit: truncation gives Inf
            Float.intBitsToFloat(0xFF80_0001),
            Float.intBitsToFloat(0x7FFF_FFFF), // the +0x7FFF rounding trick would carry into the sign
            Float.intBitsToFloat(0xFFFF_FFFF),
            Float.intBitsToFloat(0x7FBF_FFFF),
        };
        for (float nan : floatNans) {
            int h = FloatFormats.floatToHalf(nan) & 0xFFFF;
            assertEquals(0x7C00, h & 0x7C00);
            assertTrue((h & 0x0200) != 0, "quiet half NaN, got 0x" + Integer.toHexString(h));
            int b = FloatFormats.floatToBf16(nan) & 0xFFFF;
            assertEquals(0x7F80, b & 0x7F80);
            assertTrue((b & 0x0040) != 0, "quiet bf16 NaN, got 0x" + Integer.toHexString(b));
            assertEquals(Float.floatToRawIntBits(nan) >>> 31, b >>> 15, "NaN sign kept in bf16");
            assertTrue(Float.isNaN(FloatFormats.bf16ToFloat((short) b)));
            assertTrue(Float.isNaN(FloatFormats.halfToFloat((short) h)));
            for (boolean sat : new boolean[] {true, false}) {
                assertEquals((byte) 0x7F, FloatFormats.floatToE4M3(nan, sat));
                assertEquals((byte) 0x7F, FloatFormats.floatToE5M2(nan, sat));
            }
        }
        double[] doubleNans = {
            Double.NaN,
            Double.longBitsToDouble(0x7FF0_0000_0000_0001L),
            Double.longBitsToDouble(0xFFF0_0000_0000_0001L),
            Double.longBitsToDouble(0x7FFF_FFFF_FFFF_FFFFL),
            Double.longBitsToDouble(0xFFF7_FFFF_FFFF_FFFFL),
        };
        for (double nan : doubleNans) {
            int h = FloatFormats.doubleToHalf(nan) & 0xFFFF;
            assertEquals(0x7C00, h & 0x7C00);
            assertTrue((h & 0x0200) != 0);
            int b = FloatFormats.doubleToBf16(nan) & 0xFFFF;
            assertEquals(0x7F80, b & 0x7F80);
            assertTrue((b & 0x0040) != 0);
            for (boolean sat : new boolean[] {true, false}) {
                assertEquals((byte) 0x7F, FloatFormats.doubleToE4M3(nan, sat));
                assertEquals((byte) 0x7F, FloatFormats.doubleToE5M2(nan, sat));
            }
        }
    }

    @Test
    void infinities() {
        for (int s = 0; s < 2; s++) {
            float fInf = s == 0 ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY;
            double dInf = fInf;
            assertEquals((short) (0x7C00 | s << 15), FloatFormats.floatToHalf(fInf));
            assertEquals((short) (0x7C00 | s << 15), FloatFormats.doubleToHalf(dInf));
            assertEquals((short) (0x7F80 | s << 15), FloatFormats.floatToBf16(fInf));
            assertEquals((short) (0x7F80 | s << 15), FloatFormats.doubleToBf16(dInf));
            assertEquals((byte) (0x7E | s << 7), FloatFormats.floatToE4M3(fInf, true));
            assertEquals((byte) (0x7E | s << 7), FloatFormats.doubleToE4M3(dInf, true));
            assertEquals((byte) 0x7F, FloatFormats.floatToE4M3(fInf, false));
            assertEquals((byte) 0x7F, FloatFormats.doubleToE4M3(dInf, false));
            // saturating E5M2 clamps infinities too (__NV_SATFINITE), non-saturating keeps them
            assertEquals((byte) (0x7B | s << 7), FloatFormats.floatToE5M2(fInf, true));
            assertEquals((byte) (0x7B | s << 7), FloatFormats.doubleToE5M2(dInf, true));
            assertEquals((byte) (0x7C | s << 7), FloatFormats.floatToE5M2(fInf, false));
            assertEquals((byte) (0x7C | s << 7), FloatFormats.doubleToE5M2(dInf, false));
        }
        // finite doubles beyond float's range still overflow rather than wrap
        assertEquals((short) 0x7C00, FloatFormats.doubleToHalf(Double.MAX_VALUE));
        assertEquals((short) 0xFF80, FloatFormats.doubleToBf16(-1e300));
        assertEquals((byte) 0x7E, FloatFormats.doubleToE4M3(1e300, true));
        assertEquals((byte) 0xFC, FloatFormats.doubleToE5M2(-1e300, false));
        // 464 is the tie between 448 (even) and the NaN slot: rounds down; just above overflows
        assertEquals((byte) 0x7E, FloatFormats.floatToE4M3(464f, false));
        assertEquals((byte) 0x7F, FloatFormats.floatToE4M3(Math.nextUp(464f), false));
        assertEquals((byte) 0xFE, FloatFormats.floatToE4M3(-Math.nextUp(464f), true));
        // 61440 is the tie between 57344 (odd) and Inf: goes up
        assertEquals((byte) 0x7C, FloatFormats.floatToE5M2(61440f, false));
        assertEquals((byte) 0x7B, FloatFormats.floatToE5M2(61440f, true));
        assertEquals((byte) 0x7B, FloatFormats.floatToE5M2(Math.nextDown(61440f), false));
    }

    @Test
    void signedZeroAndUnderflow() {
        assertEquals((short) 0x0000, FloatFormats.floatToHalf(0f));
        assertEquals((short) 0x8000, FloatFormats.floatToHalf(-0f));
        assertEquals((short) 0x8000, FloatFormats.doubleToHalf(-0d));
        assertEquals((short) 0x8000, FloatFormats.floatToBf16(-0f));
        assertEquals((short) 0x8000, FloatFormats.doubleToBf16(-0d));
        assertEquals((byte) 0x80, FloatFormats.floatToE4M3(-0f, true));
        assertEquals((byte) 0x80, FloatFormats.doubleToE4M3(-0d, false));
        assertEquals((byte) 0x80, FloatFormats.floatToE5M2(-0f, false));
        assertEquals((byte) 0x80, FloatFormats.doubleToE5M2(-0d, true));
        assertEquals(-0f, FloatFormats.halfToFloat((short) 0x8000));
        assertEquals(-0f, FloatFormats.bf16ToFloat((short) 0x8000));
        assertEquals(-0f, FloatFormats.e4m3ToFloat((byte) 0x80));
        assertEquals(-0f, FloatFormats.e5m2ToFloat((byte) 0x80));

        double[] tiny = {Double.MIN_VALUE, Double.MIN_NORMAL, 1e-300, Float.MIN_VALUE, 1e-41};
        for (double t : tiny) {
            assertEquals((short) 0x0000, FloatFormats.doubleToHalf(t));
            assertEquals((short) 0x8000, FloatFormats.doubleToHalf(-t));
            assertEquals((short) 0x8000, FloatFormats.doubleToBf16(-t));
            assertEquals((byte) 0x80, FloatFormats.doubleToE4M3(-t, true));
            assertEquals((byte) 0x00, FloatFormats.doubleToE5M2(t, false));
        }
        // float subnormals: zero for binary16 and FP8, but bfloat16 shares float's exponent range
        assertEquals((short) 0x8000, FloatFormats.floatToHalf(-Float.MIN_VALUE));
        assertEquals((byte) 0x00, FloatFormats.floatToE4M3(Float.MIN_NORMAL, false));
        assertEquals((short) 0x0000, FloatFormats.floatToBf16(Float.MIN_VALUE));
        assertEquals((short) 0x0001, FloatFormats.floatToBf16(Float.intBitsToFloat(0x0000_8001)));
        assertEquals((short) 0x0001, FloatFormats.doubleToBf16(0x1p-133));

        // smallest subnormal boundaries: half of it ties to zero, anything above rounds up
        assertEquals((short) 0x0000, FloatFormats.doubleToHalf(0x1p-25));
        assertEquals((short) 0x0001, FloatFormats.doubleToHalf(Math.nextUp(0x1p-25)));
        assertEquals((short) 0x0001, FloatFormats.floatToHalf(Math.nextUp(0x1p-25f)));
        assertEquals((byte) 0x00, FloatFormats.doubleToE4M3(0x1p-10, true));
        assertEquals((byte) 0x01, FloatFormats.doubleToE4M3(Math.nextUp(0x1p-10), true));
        assertEquals((byte) 0x81, FloatFormats.floatToE5M2(-Math.nextUp(0x1p-17f), true));
        // 1.5 * smallest subnormal ties up to 2 * smallest (even)
        assertEquals((byte) 0x02, FloatFormats.floatToE4M3(0x1.8p-9f, false));
    }

    @Test
    void doubleOverloadsRoundOnlyOnce() {
        // Just above the tie between 1 and 1+2^-10: exact rounding goes up, but float rounding
        // first drops the 2^-40 and lands on the tie, which then goes to even (down).
        double above = 1 + 0x1p-11 + 0x1p-40;
        assertEquals((short) 0x3C01, FloatFormats.doubleToHalf(above));
        assertEquals((short) 0x3C00, FloatFormats.floatToHalf((float) above));
        // Just below the tie between 1+2^-10 and 1+2^-9: exact goes down, via float goes up.
        double below = 1 + 0x1p-10 + 0x1p-11 - 0x1p-40;
        assertEquals((short) 0x3C01, FloatFormats.doubleToHalf(below));
        assertEquals((short) 0x3C02, FloatFormats.floatToHalf((float) below));

        double bfAbove = 1 + 0x1p-8 + 0x1p-40;
        assertEquals((short) 0x3F81, FloatFormats.doubleToBf16(bfAbove));
        assertEquals((short) 0x3F80, FloatFormats.floatToBf16((float) bfAbove));

        double e4Above = 1 + 0x1p-4 + 0x1p-40;
        assertEquals((byte) 0x39, FloatFormats.doubleToE4M3(e4Above, true));
        assertEquals((byte) 0x38, FloatFormats.floatToE4M3((float) e4Above, true));

        double e5Below = 1 + 0x1p-2 + 0x1p-3 - 0x1p-40;
        assertEquals((byte) 0x3D, FloatFormats.doubleToE5M2(e5Below, false));
        assertEquals((byte) 0x3E, FloatFormats.floatToE5M2((float) e5Below, false));

        // in the subnormal range too: just above half of binary16's smallest subnormal
        double subAbove = 0x1p-25 + 0x1p-60;
        assertEquals((short) 0x0001, FloatFormats.doubleToHalf(subAbove));
        assertEquals((short) 0x0000, FloatFormats.floatToHalf((float) subAbove));
    }
}
