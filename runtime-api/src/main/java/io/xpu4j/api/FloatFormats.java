package io.xpu4j.api;

/**
 * Bit-level conversions between Java {@code float}/{@code double} and the narrow floating-point
 * storage formats of {@link DType}: IEEE binary16 ({@link DType#F16}), bfloat16
 * ({@link DType#BF16}) and the two OCP 8-bit formats ({@link DType#F8_E4M3},
 * {@link DType#F8_E5M2}).
 *
 * <p>Every narrowing conversion rounds to nearest, ties to even, and keeps the sign of zero. The
 * {@code double} overloads round once, straight from the {@code double}: going through
 * {@code float} first could round twice and land on the wrong neighbour.
 *
 * <p>The methods are static, allocation-free and branch-light, since kernels call them once per
 * element.
 *
 * <h2>NaN</h2>
 * binary16 and bfloat16 keep the sign and the leading payload bits of a NaN and always set the
 * quiet bit, so a NaN never turns into an infinity (which plain truncation of a payload that lives
 * only in the low bits would do). Both 8-bit formats turn every NaN into the one pattern
 * {@code 0x7F}.
 *
 * <h2>8-bit overflow</h2>
 * A finite input is rounded first and then checked against the range, so for E4M3 {@code 464}
 * (the tie between 448 and the slot NaN occupies) still rounds to 448, while anything above it
 * overflows. What an overflow becomes:
 * <table>
 *   <caption>Overflow and infinity handling</caption>
 *   <tr><th></th><th>E4M3, saturate</th><th>E4M3, no saturate</th>
 *       <th>E5M2, saturate</th><th>E5M2, no saturate</th></tr>
 *   <tr><td>|rounded x| &gt; max</td><td>&plusmn;448</td><td>NaN (0x7F)</td>
 *       <td>&plusmn;57344</td><td>&plusmn;Inf</td></tr>
 *   <tr><td>&plusmn;Inf</td><td>&plusmn;448</td><td>NaN (0x7F)</td>
 *       <td>&plusmn;57344</td><td>&plusmn;Inf</td></tr>
 *   <tr><td>NaN</td><td>0x7F</td><td>0x7F</td><td>0x7F</td><td>0x7F</td></tr>
 * </table>
 *
 * <p>Infinity in saturating E5M2 mode: the OCP OFP8 specification leaves it to the saturation
 * mode; we follow NVIDIA's {@code __NV_SATFINITE} (CUDA {@code cuda_fp8.h},
 * {@code __nv_saturation_t}: "input larger than the maximum representable finite number MAXNORM
 * of the target format round to the MAXNORM of the same sign as input"), whose reference
 * implementation {@code __nv_cvt_double_to_fp8} sends {@code ±Inf} to {@code ±MAXNORM} as well,
 * and so does the saturating row of the ONNX {@code Cast} table. Saturating mode therefore never
 * produces an infinity, so results match what {@code cvt.rn.satfinite.e5m2x2} gives on the GPU.
 */
public final class FloatFormats {

    /** Largest finite E4M3 value, bit pattern {@code S.1111.110}. */
    public static final float E4M3_MAX = 448f;
    /** Largest finite E5M2 value, bit pattern {@code S.11110.11}. */
    public static final float E5M2_MAX = 57344f;

    private static final int E4M3_MAX_CODE = 0x7E;
    private static final int E5M2_MAX_CODE = 0x7B;
    private static final int E5M2_INF_CODE = 0x7C;
    private static final byte FP8_NAN = 0x7F;

    private static final int HALF_INF = 0x7C00;
    private static final int HALF_QUIET = 0x0200;
    private static final int BF16_INF = 0x7F80;
    private static final int BF16_QUIET = 0x0040;

    private static final long DOUBLE_ABS = 0x7FFF_FFFF_FFFF_FFFFL;
    private static final long DOUBLE_INF = 0x7FF0_0000_0000_0000L;

    // Decoding 8 bits is a table lookup; tables are filled once from the arithmetic definition.
    private static final float[] E4M3_TABLE = new float[256];
    private static final float[] E5M2_TABLE = new float[256];

    static {
        for (int i = 0; i < 256; i++) {
            E4M3_TABLE[i] = decodeSmall(i, 4, 3, 7, false);
            E5M2_TABLE[i] = decodeSmall(i, 5, 2, 15, true);
        }
    }

    private FloatFormats() {
    }

    // ---------------------------------------------------------------- binary16

    /** Rounds {@code x} to IEEE binary16; overflow gives ±Inf. */
    public static short floatToHalf(float x) {
        int bits = Float.floatToRawIntBits(x);
        if ((bits & 0x7FFF_FFFF) > 0x7F80_0000) {
            return (short) (((bits >>> 16) & 0x8000) | HALF_INF | HALF_QUIET | ((bits >>> 13) & 0x3FF));
        }
        // The JDK conversion is RNE since JDK 20 and is a single instruction where the CPU has one;
        // only its NaN handling (it can emit a signalling NaN) needed replacing above.
        return Float.floatToFloat16(x);
    }

    /** Rounds {@code x} to IEEE binary16 in one step (no detour through float). */
    public static short doubleToHalf(double x) {
        long bits = Double.doubleToRawLongBits(x);
        int sign = (int) (bits >>> 48) & 0x8000;
        long abs = bits & DOUBLE_ABS;
        if (abs > DOUBLE_INF) {
            return (short) (sign | HALF_INF | HALF_QUIET | (int) ((bits >>> 42) & 0x3FF));
        }
        int code = roundDouble(abs, 10, 15);
        return (short) (sign | Math.min(code, HALF_INF));
    }

    /** Widens an IEEE binary16 pattern to float; exact for every non-NaN pattern. */
    public static float halfToFloat(short bits) {
        if ((bits & 0x7C00) == 0x7C00 && (bits & 0x3FF) != 0) {
            return Float.intBitsToFloat(((bits & 0x8000) << 16) | 0x7FC0_0000 | ((bits & 0x3FF) << 13));
        }
        return Float.float16ToFloat(bits);
    }

    // ---------------------------------------------------------------- bfloat16

    /** Rounds {@code x} to bfloat16; overflow gives ±Inf, NaN stays a quiet NaN. */
    public static short floatToBf16(float x) {
        int bits = Float.floatToRawIntBits(x);
        if ((bits & 0x7FFF_FFFF) > 0x7F80_0000) {
            return (short) ((bits >>> 16) | BF16_QUIET);
        }
        // Adding 0x7FFF plus the lowest kept bit carries into bit 16 exactly when the dropped half
        // is above the midpoint, or at it with an odd kept part. The carry also walks correctly
        // from subnormal to normal and from the largest finite value to Inf.
        int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
        return (short) (rounded >>> 16);
    }

    /** Rounds {@code x} to bfloat16 in one step (no detour through float). */
    public static short doubleToBf16(double x) {
        long bits = Double.doubleToRawLongBits(x);
        int sign = (int) (bits >>> 48) & 0x8000;
        long abs = bits & DOUBLE_ABS;
        if (abs > DOUBLE_INF) {
            return (short) (sign | BF16_INF | BF16_QUIET | (int) ((bits >>> 45) & 0x7F));
        }
        int code = roundDouble(abs, 7, 127);
        return (short) (sign | Math.min(code, BF16_INF));
    }

    /** Widens a bfloat16 pattern to float; exact, since bfloat16 is the top half of a float. */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat(bits << 16);
    }

    // ---------------------------------------------------------------- E4M3

    /**
     * Rounds {@code x} to OCP E4M3 (E4M3FN). See the class comment for overflow, infinity and NaN.
     *
     * @param saturate clamp out-of-range values and ±Inf to ±448 instead of producing NaN
     */
    public static byte floatToE4M3(float x, boolean saturate) {
        int bits = Float.floatToRawIntBits(x);
        int abs = bits & 0x7FFF_FFFF;
        if (abs > 0x7F80_0000) {
            return FP8_NAN;
        }
        return finishE4M3((bits >>> 24) & 0x80, roundFloat(abs, 3, 7), saturate);
    }

    /** Rounds {@code x} to OCP E4M3 in one step; same rules as {@link #floatToE4M3}. */
    public static byte doubleToE4M3(double x, boolean saturate) {
        long bits = Double.doubleToRawLongBits(x);
        long abs = bits & DOUBLE_ABS;
        if (abs > DOUBLE_INF) {
            return FP8_NAN;
        }
        return finishE4M3((int) (bits >>> 56) & 0x80, roundDouble(abs, 3, 7), saturate);
    }

    /** Decodes an OCP E4M3 pattern; {@code 0x7F} and {@code 0xFF} are NaN, there is no Inf. */
    public static float e4m3ToFloat(byte bits) {
        return E4M3_TABLE[bits & 0xFF];
    }

    private static byte finishE4M3(int sign, int code, boolean saturate) {
        if (code > E4M3_MAX_CODE) {
            return saturate ? (byte) (sign | E4M3_MAX_CODE) : FP8_NAN;
        }
        return (byte) (sign | code);
    }

    // ---------------------------------------------------------------- E5M2

    /**
     * Rounds {@code x} to OCP E5M2. See the class comment for overflow, infinity and NaN.
     *
     * @param saturate clamp out-of-range values and ±Inf to ±57344 instead of producing ±Inf
     */
    public static byte floatToE5M2(float x, boolean saturate) {
        int bits = Float.floatToRawIntBits(x);
        int abs = bits & 0x7FFF_FFFF;
        if (abs > 0x7F80_0000) {
            return FP8_NAN;
        }
        return finishE5M2((bits >>> 24) & 0x80, roundFloat(abs, 2, 15), saturate);
    }

    /** Rounds {@code x} to OCP E5M2 in one step; same rules as {@link #floatToE5M2}. */
    public static byte doubleToE5M2(double x, boolean saturate) {
        long bits = Double.doubleToRawLongBits(x);
        long abs = bits & DOUBLE_ABS;
        if (abs > DOUBLE_INF) {
            return FP8_NAN;
        }
        return finishE5M2((int) (bits >>> 56) & 0x80, roundDouble(abs, 2, 15), saturate);
    }

    /** Decodes an OCP E5M2 pattern: IEEE-like, {@code S.11111.00} is ±Inf, the rest of E=31 NaN. */
    public static float e5m2ToFloat(byte bits) {
        return E5M2_TABLE[bits & 0xFF];
    }

    private static byte finishE5M2(int sign, int code, boolean saturate) {
        if (code > E5M2_MAX_CODE) {
            return (byte) (sign | (saturate ? E5M2_MAX_CODE : E5M2_INF_CODE));
        }
        return (byte) (sign | code);
    }

    // ---------------------------------------------------------------- shared rounding

    /**
     * Rounds a non-negative, non-NaN double (given as its bits) to a format with {@code mbits}
     * stored mantissa bits and exponent bias {@code bias}, and returns the unsigned code
     * {@code exponentField << mbits | mantissa} with an unbounded exponent field. Any code past
     * the format's largest finite one means overflow; the caller decides what that becomes. Inf
     * is treated as 2^1024 and so always overflows.
     *
     * <p>Branch-free on purpose: whether a value rounds up is data-dependent, and a mispredicted
     * branch per element costs more than the whole conversion.
     */
    private static int roundDouble(long abs, int mbits, int bias) {
        int exp = (int) (abs >>> 52);
        // The implicit bit is set even for zero and double subnormals; that is harmless because
        // their target exponent is so low that everything shifts out and they round to zero.
        long sig = (abs & 0x000F_FFFF_FFFF_FFFFL) | (1L << 52);
        int targetExp = exp - 1023 + bias;
        // Below the target's normal range the quantum stays fixed at the subnormal step, so the
        // extra bits are shifted out too. Capping the shift at 54 keeps Java's shift from wrapping
        // and still sends everything below half the smallest subnormal to zero.
        int shift = Math.min(52 - mbits + Math.max(1 - targetExp, 0), 54);
        // Adding half-minus-one plus the lowest kept bit carries exactly when the dropped part is
        // above half, or at half with an odd kept part: round to nearest, ties to even.
        long q = (sig + ((1L << (shift - 1)) - 1) + ((sig >>> shift) & 1)) >>> shift;
        // q still holds the implicit bit for normals, so adding it to (E-1)<<mbits gives
        // E<<mbits|m, and a rounding carry out of the mantissa bumps the exponent for free. For
        // subnormals the base is 0 and a carry to 1<<mbits is exactly the smallest normal's code.
        int base = Math.max(targetExp - 1, 0) << mbits;
        return base + (int) q;
    }

    /**
     * The float version of {@link #roundDouble}. Float subnormals (< 2^-126) round to zero, which
     * is right for binary16 and both 8-bit formats but not for bfloat16, which has its own path.
     */
    private static int roundFloat(int abs, int mbits, int bias) {
        int exp = abs >>> 23;
        int sig = (abs & 0x007F_FFFF) | (1 << 23);
        int targetExp = exp - 127 + bias;
        int shift = Math.min(23 - mbits + Math.max(1 - targetExp, 0), 25);
        int q = (sig + ((1 << (shift - 1)) - 1) + ((sig >>> shift) & 1)) >>> shift;
        int base = Math.max(targetExp - 1, 0) << mbits;
        return base + q;
    }

    /** Arithmetic decode used once to fill the 8-bit tables. */
    private static float decodeSmall(int bits, int ebits, int mbits, int bias, boolean ieeeSpecials) {
        int expMax = (1 << ebits) - 1;
        int manMax = (1 << mbits) - 1;
        boolean negative = (bits & (1 << (ebits + mbits))) != 0;
        int exp = (bits >>> mbits) & expMax;
        int man = bits & manMax;
        float magnitude;
        if (ieeeSpecials && exp == expMax) {
            magnitude = man == 0 ? Float.POSITIVE_INFINITY : Float.NaN;
        } else if (!ieeeSpecials && exp == expMax && man == manMax) {
            magnitude = Float.NaN;
        } else if (exp == 0) {
            magnitude = Math.scalb((float) man, 1 - bias - mbits);
        } else {
            magnitude = Math.scalb((float) (man | (1 << mbits)), exp - bias - mbits);
        }
        return negative ? -magnitude : magnitude;
    }
}
