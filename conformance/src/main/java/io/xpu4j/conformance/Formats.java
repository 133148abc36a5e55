package io.xpu4j.conformance;

import io.xpu4j.api.DType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The storage formats of {@link DType}, written from their definitions (IEEE 754 binary32 and
 * binary16, bfloat16, OCP OFP8 E4M3FN and E5M2) rather than taken from the runtime's
 * {@code FloatFormats}: the suite must not inherit a conversion bug from the code it checks.
 *
 * <p>Rounding is done in float64 arithmetic: dividing by a power of two is exact, and
 * {@link Math#rint} rounds half to even, so {@code rint(x / q) * q} is round-to-nearest-even to
 * the quantum {@code q} of x's binade (clamped to the format's smallest exponent, which gives
 * subnormals). That is one rounding, straight from the double.
 */
public final class Formats {
    private Formats() {
    }

    /** Bits of precision (implicit bit included), smallest normal exponent, largest finite value. */
    private record Spec(int precision, int minExp, double maxFinite) {
    }

    private static Spec spec(DType t) {
        return switch (t) {
            case F32 -> new Spec(24, -126, Float.MAX_VALUE);
            case F16 -> new Spec(11, -14, 65504.0);
            case BF16 -> new Spec(8, -126, 0x1.FEp127);
            case F8_E4M3 -> new Spec(4, -6, 448.0);
            case F8_E5M2 -> new Spec(3, -14, 57344.0);
            default -> throw new IllegalArgumentException(t + " is not a float format");
        };
    }

    /** The largest finite value of a float dtype. */
    public static double maxFinite(DType t) {
        return spec(t).maxFinite;
    }

    /**
     * Unit roundoff of a float dtype: half an ulp relative to the value, 2^-precision. One rounding
     * to the format moves a normal value by at most this fraction of itself.
     */
    public static double unitRoundoff(DType t) {
        return Math.scalb(1.0, -spec(t).precision);
    }

    /** Half the spacing of the format's subnormals: the most one rounding moves a tiny value. */
    public static double halfSubnormalSpacing(DType t) {
        Spec s = spec(t);
        return Math.scalb(1.0, s.minExp - s.precision);
    }

    /**
     * {@code x} as {@code t} stores it: floats round to nearest even (overflow handled as the dtype
     * defines, FP8 by {@code saturate}), integers must already be whole and in range, BOOL is
     * {@code x != 0}.
     */
    public static double round(double x, DType t, boolean saturate) {
        if (t == DType.BOOL) {
            return x != 0 ? 1 : 0;
        }
        if (t.isInteger()) {
            if (x != Math.rint(x) || x < intMin(t) || x > intMax(t)) {
                throw new IllegalArgumentException(x + " is not a " + t + " value");
            }
            return x;
        }
        Spec s = spec(t);
        if (Double.isNaN(x)) {
            return Double.NaN;
        }
        if (Double.isInfinite(x)) {
            return overflow(x, t, saturate);
        }
        if (x == 0) {
            return x;
        }
        int e = Math.max(Math.getExponent(x), s.minExp);
        double q = Math.scalb(1.0, e - (s.precision - 1));
        double r = Math.rint(x / q) * q;
        if (Math.abs(r) > s.maxFinite) {
            return overflow(x, t, saturate);
        }
        return r;
    }

    public static double round(double x, DType t) {
        return round(x, t, false);
    }

    private static double overflow(double x, DType t, boolean saturate) {
        double sign = Math.signum(x);
        if (t == DType.F8_E4M3) {
            // E4M3FN has no infinity: overflow is NaN unless saturating
            return saturate ? sign * 448.0 : Double.NaN;
        }
        if (t == DType.F8_E5M2 && saturate) {
            return sign * 57344.0;
        }
        return sign * Double.POSITIVE_INFINITY;
    }

    public static double intMin(DType t) {
        return switch (t) {
            case I8 -> Byte.MIN_VALUE;
            case I32 -> Integer.MIN_VALUE;
            case I64 -> Long.MIN_VALUE;
            default -> throw new IllegalArgumentException(t + " is not an integer dtype");
        };
    }

    public static double intMax(DType t) {
        return switch (t) {
            case I8 -> Byte.MAX_VALUE;
            case I32 -> Integer.MAX_VALUE;
            // 2^63 - 1 is not a double; the largest double below 2^63 is the useful bound
            case I64 -> Math.nextDown(0x1p63);
            default -> throw new IllegalArgumentException(t + " is not an integer dtype");
        };
    }

    /** Decodes raw little/native-endian element bytes of dtype {@code t} into doubles. */
    public static double[] decode(byte[] raw, DType t) {
        int n = raw.length / t.byteSize();
        double[] out = new double[n];
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.nativeOrder());
        for (int i = 0; i < n; i++) {
            out[i] = switch (t) {
                case F32 -> b.getFloat(i * 4);
                case F16 -> Float.float16ToFloat(b.getShort(i * 2));
                case BF16 -> Float.intBitsToFloat(b.getShort(i * 2) << 16);
                case F8_E4M3 -> decodeE4M3(raw[i]);
                case F8_E5M2 -> decodeE5M2(raw[i]);
                case I8 -> raw[i];
                case I32 -> b.getInt(i * 4);
                case I64 -> b.getLong(i * 8);
                case BOOL -> raw[i] != 0 ? 1 : 0;
            };
        }
        return out;
    }

    /** OCP E4M3FN: bias 7, no infinities, S.1111.111 is NaN. */
    static double decodeE4M3(byte bits) {
        int v = bits & 0xFF;
        int e = (v >>> 3) & 0xF;
        int m = v & 0x7;
        double sign = (v & 0x80) != 0 ? -1 : 1;
        if (e == 0xF && m == 0x7) {
            return Double.NaN;
        }
        if (e == 0) {
            return sign * Math.scalb((double) m, -9);
        }
        return sign * Math.scalb(8.0 + m, e - 7 - 3);
    }

    /** OCP E5M2: IEEE-like with bias 15; exponent 31 is Inf (m = 0) or NaN. */
    static double decodeE5M2(byte bits) {
        int v = bits & 0xFF;
        int e = (v >>> 2) & 0x1F;
        int m = v & 0x3;
        double sign = (v & 0x80) != 0 ? -1 : 1;
        if (e == 0x1F) {
            return m == 0 ? sign * Double.POSITIVE_INFINITY : Double.NaN;
        }
        if (e == 0) {
            return sign * Math.scalb((double) m, -16);
        }
        return sign * Math.scalb(4.0 + m, e - 15 - 2);
    }
}
