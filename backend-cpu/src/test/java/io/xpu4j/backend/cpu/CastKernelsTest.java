package io.xpu4j.backend.cpu;

import io.xpu4j.api.DType;
import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.Ops;
import io.xpu4j.api.Tensor;
import io.xpu4j.api.XpuException;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code cast} through {@link Ops}: results are read back as raw bytes and checked against
 * decoders and rounding written here (the JDK's binary16 conversion, a distance-based bfloat16
 * rounding, an arithmetic FP8 decoder), not against FloatFormats or the kernels.
 */
class CastKernelsTest extends CpuRuntimeTest {

    // ================================ FP8 =======================================================

    /** OCP E4M3 (FN): bias 7, no infinities, S.1111.111 is NaN. */
    static float e4m3(int b) {
        int e = (b >> 3) & 0xF;
        int m = b & 7;
        float v = e == 0xF && m == 7 ? Float.NaN : e == 0 ? m * 0x1p-9f : (8 + m) * (float) Math.scalb(1.0, e - 10);
        return (b & 0x80) != 0 ? -v : v;
    }

    /** OCP E5M2: bias 15, IEEE-like infinities and NaNs. */
    static float e5m2(int b) {
        int e = (b >> 2) & 0x1F;
        int m = b & 3;
        float v = e == 0x1F ? (m == 0 ? Float.POSITIVE_INFINITY : Float.NaN)
                : e == 0 ? m * 0x1p-16f : (4 + m) * (float) Math.scalb(1.0, e - 17);
        return (b & 0x80) != 0 ? -v : v;
    }

    @Test
    void everyFp8PatternToFloatAndBack() {
        byte[] all = new byte[256];
        for (int i = 0; i < 256; i++) {
            all[i] = (byte) i;
        }
        for (DType t : List.of(DType.F8_E4M3, DType.F8_E5M2)) {
            Tensor x = ops.fromSegment(MemorySegment.ofArray(all), t, 256);
            float[] f = floats(ops.cast(x, DType.F32));
            for (int i = 0; i < 256; i++) {
                float want = t == DType.F8_E4M3 ? e4m3(i) : e5m2(i);
                assertTrue(Float.isNaN(want) ? Float.isNaN(f[i]) : Float.floatToRawIntBits(want) == Float.floatToRawIntBits(f[i]),
                        t + " pattern " + i + " decoded to " + f[i] + ", want " + want);
            }
            for (DType mid : List.of(DType.F32, DType.F16, DType.BF16)) {
                Tensor wide = ops.cast(x, mid);
                for (boolean saturate : new boolean[]{false, true}) {
                    byte[] back = ops.cast(wide, t, saturate).toByteArray();
                    for (int i = 0; i < 256; i++) {
                        float v = t == DType.F8_E4M3 ? e4m3(i) : e5m2(i);
                        int want = Float.isNaN(v) ? 0x7F
                                : Float.isInfinite(v) && saturate ? (i & 0x80) | 0x7B : i;
                        assertEquals((byte) want, back[i], t + " via " + mid + (saturate ? " saturating" : "")
                                + ": pattern " + i);
                    }
                }
            }
            // FP8 -> FP8 of the other format goes through the float path
            DType other = t == DType.F8_E4M3 ? DType.F8_E5M2 : DType.F8_E4M3;
            float[] via = floats(ops.cast(ops.cast(x, other, true), DType.F32));
            assertEquals(f[0x38], via[0x38]);   // 1.0 survives both ways
        }
    }

    @Test
    void fp8OverflowFollowsSaturate() {
        Tensor x = ops.tensor(new float[]{1000, -1000, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 449, 464, 465,
                Float.NaN, 1e-9f, -0f}, 10);
        assertArrayEquals(bytes(0x7F, 0x7F, 0x7F, 0x7F, 0x7E, 0x7E, 0x7F, 0x7F, 0x00, 0x80),
                ops.cast(x, DType.F8_E4M3, false).toByteArray());
        assertArrayEquals(bytes(0x7E, 0xFE, 0x7E, 0xFE, 0x7E, 0x7E, 0x7E, 0x7F, 0x00, 0x80),
                ops.cast(x, DType.F8_E4M3, true).toByteArray());
        Tensor y = ops.tensor(new float[]{1e5f, -1e5f, Float.POSITIVE_INFINITY, 60000, 62000, Float.NaN}, 6);
        assertArrayEquals(bytes(0x7C, 0xFC, 0x7C, 0x7B, 0x7C, 0x7F), ops.cast(y, DType.F8_E5M2, false).toByteArray());
        assertArrayEquals(bytes(0x7B, 0xFB, 0x7B, 0x7B, 0x7B, 0x7F), ops.cast(y, DType.F8_E5M2, true).toByteArray());
    }

    // ================================ binary16 / bfloat16 =======================================

    @Test
    void everyHalfPatternToFloatAndBack() {
        short[] all = new short[65536];
        for (int i = 0; i < all.length; i++) {
            all[i] = (short) i;
        }
        for (DType t : List.of(DType.F16, DType.BF16)) {
            Tensor x = ops.fromSegment(MemorySegment.ofArray(all), t, 256, 256);
            // contiguous (vector fast path, split across threads) and transposed (general path)
            for (boolean strided : new boolean[]{false, true}) {
                Tensor src = strided ? x.transpose(0, 1) : x;
                Tensor f = ops.cast(src, DType.F32);
                int[] bits = ints(strided ? ops.contiguous(f.transpose(0, 1)) : f);
                for (int i = 0; i < 65536; i++) {
                    if (wideBits(t, i) != bits[i]) {
                        fail(t + (strided ? " strided" : "") + " pattern " + i + " widened to " + Integer.toHexString(bits[i]));
                    }
                }
                // back: contiguous (fast path), or the transposed view of f (general path)
                short[] backRowMajor = shorts(ops.cast(strided ? f.transpose(0, 1) : f, t));
                int quiet = t == DType.F16 ? 0x200 : 0x40;
                for (int i = 0; i < 65536; i++) {
                    int want = isNaN(t, i) ? i | quiet : i;
                    if ((short) want != backRowMajor[i]) {
                        fail(t + (strided ? " strided" : "") + " back, pattern " + i + " gave " + backRowMajor[i]);
                    }
                }
            }
        }
    }

    /** The float32 bits a half pattern must widen to: exact, and NaNs quieted with payload kept. */
    private static int wideBits(DType t, int h) {
        if (t == DType.BF16) {
            return h << 16;
        }
        if (isNaN(t, h)) {
            return ((h & 0x8000) << 16) | 0x7FC0_0000 | ((h & 0x3FF) << 13);
        }
        return Float.floatToRawIntBits((float) halfValue(h));
    }

    /** An F16 bit pattern's value from its fields (not through the JDK's conversion). */
    static double halfValue(int bits) {
        int e = (bits >> 10) & 0x1F;
        int f = bits & 0x3FF;
        double mag = e == 0 ? f * 0x1p-24 : e == 31 ? (f == 0 ? Double.POSITIVE_INFINITY : Double.NaN)
                : (1 + f / 1024.0) * Math.scalb(1.0, e - 15);
        return (bits & 0x8000) != 0 ? -mag : mag;
    }

    /**
     * {@code v} rounded to F16 by search over the finite F16 values (nearest, ties to the even
     * pattern, from 65520 on Inf; below it the largest finite value is nearest), independent of
     * the JDK's conversion.
     */
    static short halfRounded(float v) {
        int sign = Float.floatToRawIntBits(v) < 0 ? 0x8000 : 0;
        double a = Math.abs((double) v);
        if (a >= 65520) {
            return (short) (sign | 0x7C00);
        }
        int lo = 0;
        int hi = 0x7BFF;
        while (lo < hi) {   // the largest pattern whose value is <= a
            int mid = (lo + hi + 1) >>> 1;
            if (halfValue(mid) <= a) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        int p = lo;
        if (p < 0x7BFF) {
            double below = a - halfValue(p);
            double above = halfValue(p + 1) - a;
            if (above < below || (above == below && (p & 1) == 1)) {
                p++;
            }
        }
        return (short) (sign | p);
    }

    private static boolean isNaN(DType t, int h) {
        return t == DType.F16 ? (h & 0x7FFF) > 0x7C00 : (h & 0x7FFF) > 0x7F80;
    }

    @Test
    void floatToHalfRoundsToNearestEven() {
        SplittableRandom r = new SplittableRandom(5);
        int n = 100_003;     // a tail after whole vectors, and work for both threads
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            // magnitudes from F16 subnormals to beyond its range, and random low bits
            v[i] = (float) (Math.scalb(1 + r.nextDouble(), r.nextInt(-30, 20)) * (r.nextBoolean() ? 1 : -1));
            if (i % 97 == 0) {
                // exact ties of both formats: the dropped part is exactly half
                int bits = (r.nextInt(0x3000, 0x4700) << 16) | (i % 2 == 0 ? 0x8000 : 0x1000);
                v[i] = Float.intBitsToFloat(bits);
            }
        }
        v[1] = 65520f;          // F16 tie between 65504 and overflow: rounds to Inf
        v[2] = 65519.996f;
        v[3] = 0x1p-25f;        // F16 tie between 0 and the smallest subnormal: rounds to 0
        v[4] = Float.intBitsToFloat(0x7F7FFFFF);    // BF16 rounds the largest float up to Inf
        Tensor x = ops.tensor(v, n);
        Tensor strided = ops.tensor(interleave(v), 2L * n).slice(0, 0, 2L * n, 2);
        for (Tensor src : List.of(x, strided)) {
            short[] h = shorts(ops.cast(src, DType.F16));
            short[] b = shorts(ops.cast(src, DType.BF16));
            for (int i = 0; i < n; i++) {
                if (halfRounded(v[i]) != h[i]) {
                    fail("F16 of " + v[i] + " gave " + Integer.toHexString(h[i] & 0xFFFF));
                }
                if (Float.floatToRawIntBits((float) ElementwiseKernelsTest.bf16Round(v[i])) != b[i] << 16) {
                    fail("BF16 of " + v[i] + " gave " + Integer.toHexString(b[i] & 0xFFFF));
                }
            }
        }
        // NaNs stay NaN (a payload only in the low bits must not become Inf) in both paths;
        // positive ones with low payloads, negative signalling ones with high payloads, and an
        // odd count, so that some fall after the whole vectors
        int count = 43;
        float[] nans = new float[count];
        for (int i = 0; i < count; i++) {
            int bits = i % 4 == 0 ? 0x7F800001 + i : 0xFF80_0000 | (0x3FF << 13) | i;
            nans[i] = i % 2 == 0 ? Float.intBitsToFloat(bits) : 1;
        }
        for (DType t : List.of(DType.F16, DType.BF16)) {
            Tensor c = ops.cast(ops.tensor(nans, count), t);
            Tensor s = ops.cast(ops.tensor(interleave(nans), 2L * count).slice(0, 0, 2L * count, 2), t);
            assertArrayEquals(shorts(c), shorts(s));
            short[] got = shorts(c);
            for (int i = 0; i < nans.length; i += 2) {
                assertTrue(isNaN(t, got[i] & 0xFFFF), t + " NaN " + i);
                // quiet, with the top payload bits (a signalling NaN from the JDK's own conversion
                // where the CPU has no instruction for it would fail here)
                int bits = Float.floatToRawIntBits(nans[i]);
                int want = t == DType.F16 ? ((bits >>> 16) & 0x8000) | 0x7E00 | ((bits >>> 13) & 0x3FF)
                        : (bits >>> 16) | 0x40;
                assertEquals((short) want, got[i], t + " NaN " + i);
            }
        }
    }

    private static float[] interleave(float[] v) {
        float[] w = new float[2 * v.length];
        for (int i = 0; i < v.length; i++) {
            w[2 * i] = v[i];
            w[2 * i + 1] = -1;
        }
        return w;
    }

    @Test
    void integersRoundOnceFromTheExactValue() {
        // 2^60 + 2^52 + 1 lies just above a BF16 tie; through double it would round to the tie
        // point first and then to even (2^60)
        long big = (1L << 60) + (1L << 52) + 1;
        Tensor i64 = ops.tensor(new long[]{big, Long.MIN_VALUE, Long.MAX_VALUE, (1L << 24) + 1, -3}, 5);
        assertArrayEquals(new double[]{0x1p60 + 0x1p53, -0x1p63, 0x1p63, 0x1p24, -3}, values(ops.cast(i64, DType.BF16)));
        assertArrayEquals(new double[]{0x1p60 + 0x1p52, -0x1p63, 0x1p63, 0x1p24, -3}, values(ops.cast(i64, DType.F32)));
        double[] h = values(ops.cast(i64, DType.F16));
        assertEquals(Double.POSITIVE_INFINITY, h[0]);
        assertEquals(Double.NEGATIVE_INFINITY, h[1]);
        // through float, 2^24 + 2^16 + 1 would become the tie 2^24 + 2^16 and then round to even
        Tensor i32 = ops.tensor(new int[]{16842753, 2049, 2051, -65519, 65520, Integer.MIN_VALUE}, 6);
        assertArrayEquals(new double[]{16908288, 2048, 2048, -65536, 65536, -0x1p31}, values(ops.cast(i32, DType.BF16)));
        assertArrayEquals(new double[]{Double.POSITIVE_INFINITY, 2048, 2052, -65504, Double.POSITIVE_INFINITY,
                Double.NEGATIVE_INFINITY}, values(ops.cast(i32, DType.F16)));
        Tensor small = ops.tensor(new int[]{464, 465, -1000, 17, 62000, 60000}, 6);
        assertArrayEquals(bytes(0x7E, 0x7F, 0x7F, 0x58, 0x7F, 0x7F), ops.cast(small, DType.F8_E4M3).toByteArray());
        assertArrayEquals(bytes(0x7E, 0x7E, 0xFE, 0x58, 0x7E, 0x7E), ops.cast(small, DType.F8_E4M3, true).toByteArray());
        assertArrayEquals(bytes(0x5F, 0x5F, 0xE4, 0x4C, 0x7C, 0x7B), ops.cast(small, DType.F8_E5M2).toByteArray());
        Tensor i8 = ops.tensor(DType.I8, new double[]{-128, 127, 0}, 3);
        assertArrayEquals(new double[]{-128, 127, 0}, values(ops.cast(i8, DType.F16)));
    }

    // ================================ to integers ===============================================

    @Test
    void floatToIntegerTruncatesTowardZero() {
        for (DType t : List.of(DType.F32, DType.F16, DType.BF16)) {
            Tensor x = ops.tensor(t, new double[]{2.75, -2.75, 127.5, -128.5, 0.5, -0.5, -0.0}, 7);
            assertArrayEquals(new long[]{2, -2, 127, -128, 0, 0, 0}, longs(ops.cast(x, DType.I8)));
            assertArrayEquals(new long[]{2, -2, 127, -128, 0, 0, 0}, longs(ops.cast(x, DType.I64)));
        }
        Tensor f = ops.tensor(new float[]{2147483520f, -2147483648f, 9.2233715e18f, -9.223372e18f}, 4);
        assertArrayEquals(new long[]{2147483520L, Integer.MIN_VALUE}, longs(ops.cast(f.slice(0, 0, 2), DType.I32)));
        assertArrayEquals(new long[]{2147483520L, Integer.MIN_VALUE, 9223371487098961920L, Long.MIN_VALUE},
                longs(ops.cast(f, DType.I64)));
        Tensor e = ops.fromSegment(MemorySegment.ofArray(bytes(0x38, 0xC4)), DType.F8_E4M3, 2);   // 1, -3
        assertArrayEquals(new long[]{1, -3}, longs(ops.cast(e, DType.I32)));
    }

    @Test
    void castsThatAreNotAllowedFail() {
        record Bad(DType from, double value, DType to) {
        }
        List<Bad> bad = List.of(
                new Bad(DType.F32, 128, DType.I8), new Bad(DType.F32, -129, DType.I8),
                new Bad(DType.F32, Double.NaN, DType.I32), new Bad(DType.F32, Double.POSITIVE_INFINITY, DType.I64),
                new Bad(DType.F32, Double.NEGATIVE_INFINITY, DType.I8), new Bad(DType.F32, 2147483648.0, DType.I32),
                new Bad(DType.F32, 0x1p63, DType.I64), new Bad(DType.F16, 300, DType.I8),
                new Bad(DType.BF16, -1e10, DType.I32), new Bad(DType.F8_E5M2, Double.POSITIVE_INFINITY, DType.I32),
                new Bad(DType.F8_E4M3, Double.NaN, DType.I64),
                new Bad(DType.I64, 0x1p31, DType.I32), new Bad(DType.I64, -2147483649.0, DType.I32),
                new Bad(DType.I64, 128, DType.I8), new Bad(DType.I32, -129, DType.I8));
        for (Bad b : bad) {
            // the bad value sits among good ones, in a tensor big enough to be split across threads
            double[] v = new double[70_000];
            v[50_001] = b.value;
            Tensor x = ops.tensor(b.from, v, v.length);
            XpuException e = assertThrows(XpuException.class, () -> ops.cast(x, b.to), b.toString());
            assertEquals(ErrorCode.INVALID_ARGUMENT, e.code(), b.toString());
            String msg = e.getMessage();
            assertTrue(msg.contains(b.from.name()) && msg.contains(b.to.name()), msg);
            String shown = b.from.isInteger() ? Long.toString((long) b.value) : Double.isNaN(b.value) ? "NaN"
                    : Double.isInfinite(b.value) ? "Infinity" : "";
            assertTrue(msg.contains(shown), msg + " should name " + shown);
        }
        // the edges that do fit
        assertArrayEquals(new long[]{Integer.MIN_VALUE, Integer.MAX_VALUE, 127, -128},
                longs(ops.cast(ops.tensor(new long[]{Integer.MIN_VALUE, Integer.MAX_VALUE, 127, -128}, 4), DType.I32)));
        assertArrayEquals(new long[]{-128, 127}, longs(ops.cast(ops.tensor(new int[]{-128, 127}, 2), DType.I8)));
        assertArrayEquals(new long[]{-128, Integer.MIN_VALUE}, longs(ops.cast(ops.tensor(new int[]{-128, Integer.MIN_VALUE}, 2), DType.I64)));
    }

    // ================================ BOOL ======================================================

    @Test
    void boolCasts() {
        Tensor f = ops.tensor(new float[]{0, -0f, Float.NaN, 2.5f, Float.NEGATIVE_INFINITY, 1e-45f}, 6);
        assertArrayEquals(bytes(0, 0, 1, 1, 1, 1), ops.cast(f, DType.BOOL).toByteArray());
        assertArrayEquals(bytes(0, 0, 1, 1, 1, 0), ops.cast(ops.cast(f, DType.BF16), DType.BOOL).toByteArray());
        assertArrayEquals(bytes(0, 1, 1, 1), ops.cast(ops.tensor(new long[]{0, 5, -1, Long.MIN_VALUE}, 4), DType.BOOL).toByteArray());
        Tensor e = ops.fromSegment(MemorySegment.ofArray(bytes(0x80, 0x00, 0x7F, 0x01)), DType.F8_E4M3, 4);
        assertArrayEquals(bytes(0, 0, 1, 1), ops.cast(e, DType.BOOL).toByteArray());
        // any non-zero BOOL byte counts as true, and becomes exactly 1
        Tensor b = ops.fromSegment(MemorySegment.ofArray(bytes(0, 1, 2, 0xFF)), DType.BOOL, 4);
        assertArrayEquals(new long[]{0, 1, 1, 1}, longs(ops.cast(b, DType.I32)));
        assertArrayEquals(new long[]{0, 1, 1, 1}, longs(ops.cast(b, DType.I8)));
        assertArrayEquals(new long[]{0, 1, 1, 1}, longs(ops.cast(b, DType.I64)));
        assertArrayEquals(new double[]{0, 1, 1, 1}, values(ops.cast(b, DType.F32)));
        assertArrayEquals(new double[]{0, 1, 1, 1}, values(ops.cast(b, DType.F16)));
        assertArrayEquals(new double[]{0, 1, 1, 1}, values(ops.cast(b, DType.BF16)));
        assertArrayEquals(bytes(0, 0x38, 0x38, 0x38), ops.cast(b, DType.F8_E4M3).toByteArray());
        assertArrayEquals(bytes(0, 0x3C, 0x3C, 0x3C), ops.cast(b, DType.F8_E5M2).toByteArray());
    }

    // ================================ layouts and registration ==================================

    @Test
    void stridedRankZeroAndEmpty() {
        Tensor m = ops.tensor(new int[]{1, 2, 3, 4, 5, 6}, 2, 3).transpose(0, 1);
        assertArrayEquals(new double[]{1, 4, 2, 5, 3, 6}, values(ops.cast(m, DType.F32)));
        assertArrayEquals(new double[]{1, 4, 2, 5, 3, 6}, values(ops.cast(ops.cast(m, DType.F16), DType.BF16)));
        assertArrayEquals(new long[]{1, 4, 2, 5, 3, 6}, longs(ops.cast(ops.cast(m, DType.BF16), DType.I8)));
        Tensor bcast = ops.tensor(new float[]{1.5f}, 1).expand(4);
        assertArrayEquals(new double[]{1.5, 1.5, 1.5, 1.5}, values(ops.cast(bcast, DType.F16)));
        Tensor s = ops.cast(ops.scalar(DType.F32, -7.5), DType.I32);
        assertEquals(0, s.rank());
        assertArrayEquals(new long[]{-7}, longs(s));
        Tensor empty = ops.cast(ops.zeros(DType.F32, 3, 0), DType.F16);
        assertArrayEquals(new long[]{3, 0}, empty.shape());
        assertEquals(0, empty.numel());
    }

    @Test
    void everyPairIsRegistered() {
        for (DType from : DType.values()) {
            for (DType to : DType.values()) {
                assertNotNull(rt.kernels().find("cpu", "cast", List.of(from), List.of(to)), from + " -> " + to);
            }
        }
        // same-dtype keys (the API copies instead) move bytes unchanged, NaN payloads included
        var k = rt.kernels().find("cpu", "cast", List.of(DType.F16), List.of(DType.F16));
        Tensor x = ops.fromSegment(MemorySegment.ofArray(new short[]{0x7C01, (short) 0xFE00, 0x3C00}), DType.F16, 3);
        Tensor y = ops.empty(DType.F16, 3);
        k.run(new io.xpu4j.api.KernelCall("cast", rt.device(), List.of(x), List.of(y), io.xpu4j.api.OpAttrs.NONE));
        assertArrayEquals(shorts(x), shorts(y));
    }

    // ================================ helpers ===================================================

    private static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    private static ByteBuffer raw(Tensor t) {
        return ByteBuffer.wrap(t.toByteArray()).order(ByteOrder.nativeOrder());
    }

    private static float[] floats(Tensor t) {
        float[] f = new float[(int) t.numel()];
        raw(t).asFloatBuffer().get(f);
        return f;
    }

    private static int[] ints(Tensor t) {
        int[] v = new int[(int) t.numel()];
        raw(t).asIntBuffer().get(v);
        return v;
    }

    private static short[] shorts(Tensor t) {
        short[] v = new short[(int) t.numel()];
        raw(t).asShortBuffer().get(v);
        return v;
    }

    private static long[] longs(Tensor t) {
        return ElementwiseKernelsTest.readLong(t);
    }

    private static double[] values(Tensor t) {
        return ElementwiseKernelsTest.read(t);
    }
}
