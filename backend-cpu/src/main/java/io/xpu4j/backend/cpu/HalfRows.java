package io.xpu4j.backend.cpu;

import io.xpu4j.api.DType;
import io.xpu4j.api.FloatFormats;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Contiguous runs of F16/BF16 elements to and from float scratch arrays, a vector at a time;
 * {@link Rows#load} and {@link Rows#store} send stride-1 F16/BF16 runs here. Results are
 * bit-identical to the scalar {@link FloatFormats} conversions, NaNs included: widening is
 * exact (an F16 NaN comes out quiet), narrowing rounds to nearest even and keeps NaNs NaN.
 * BF16 is integer arithmetic on the bit patterns. F16 goes through the JDK's exact conversions
 * in plain loops, which C2 vectorises into the CPU's conversion instructions where it has them
 * (about 1.5x faster for an F16 add or exp than the bit arithmetic was); without them the
 * results are the same, only slower. NaNs are then given FloatFormats' quiet form.
 *
 * <p>Each loop is written out in full, with no vector-typed helper of ours: such a helper that
 * C2 declines to inline boxes its vectors (see {@link FloatLoops}).
 */
final class HalfRows {
    private static final VectorSpecies<Float> F = VectorWidth.FLOAT;
    private static final VectorSpecies<Integer> I = F.vectorShape().withLanes(int.class);
    /** As many shorts as F has floats, in half the bits. */
    private static final VectorSpecies<Short> H =
            VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    private static final int LANES = F.length();
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    private HalfRows() {
    }

    /** {@code dst[pos + i]} = contiguous F16 or BF16 element {@code off + i}, for i < n. */
    static void load(MemorySegment s, DType t, long off, int n, float[] dst, int pos) {
        if (t == DType.BF16) {
            loadBf16(s, off, n, dst, pos);
        } else {
            loadF16(s, off, n, dst, pos);
        }
    }

    /** Contiguous F16 or BF16 elements {@code off ...} = {@code src[pos, pos + n)}, rounded to nearest even. */
    static void store(float[] src, int pos, int n, MemorySegment s, DType t, long off) {
        if (t == DType.BF16) {
            storeBf16(src, pos, n, s, off);
        } else {
            storeF16(src, pos, n, s, off);
        }
    }

    private static void loadBf16(MemorySegment s, long off, int n, float[] dst, int pos) {
        int whole = n - n % LANES;
        for (int i = 0; i < whole; i += LANES) {
            IntVector h = (IntVector) ShortVector.fromMemorySegment(H, s, (off + i) * 2, NATIVE)
                    .convertShape(VectorOperators.S2I, I, 0);
            // bf16 is the top half of a float; the sign extension is shifted out
            h.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, pos + i);
        }
        for (int i = whole; i < n; i++) {
            dst[pos + i] = FloatFormats.bf16ToFloat(s.get(Rows.I16, (off + i) * 2));
        }
    }

    private static void loadF16(MemorySegment s, long off, int n, float[] dst, int pos) {
        // A plain loop over Float.float16ToFloat: C2 turns it into the CPU's conversion
        // instruction where there is one (F16C's vcvtph2ps on x86), several times faster than
        // widening the bits with vector integer arithmetic.
        for (int i = 0; i < n; i++) {
            dst[pos + i] = Float.float16ToFloat(s.get(Rows.I16, (off + i) * 2));
        }
        // NaNs made quiet, payload kept, as FloatFormats does: a signalling NaN's quiet bit is
        // clear after the JDK's conversion in some tiers and set by the instruction in others.
        int whole = n - n % LANES;
        for (int i = 0; i < whole; i += LANES) {
            IntVector bits = FloatVector.fromArray(F, dst, pos + i).reinterpretAsInts();
            bits.blend(bits.or(0x0040_0000), bits.and(0x7FFF_FFFF).compare(VectorOperators.GT, 0x7F80_0000))
                    .reinterpretAsFloats().intoArray(dst, pos + i);
        }
        for (int i = whole; i < n; i++) {
            int bits = Float.floatToRawIntBits(dst[pos + i]);
            if ((bits & 0x7FFF_FFFF) > 0x7F80_0000) {
                dst[pos + i] = Float.intBitsToFloat(bits | 0x0040_0000);
            }
        }
    }

    private static void storeBf16(float[] src, int pos, int n, MemorySegment s, long off) {
        int whole = n - n % LANES;
        for (int i = 0; i < whole; i += LANES) {
            IntVector bits = FloatVector.fromArray(F, src, pos + i).reinterpretAsInts();
            IntVector high = bits.lanewise(VectorOperators.LSHR, 16);
            // Round to nearest even on the bits (the carry walks into the exponent and on to Inf
            // correctly); a NaN keeps its top payload bits and gets the quiet bit.
            IntVector rounded = bits.add(high.and(1)).add(0x7FFF).lanewise(VectorOperators.LSHR, 16);
            VectorMask<Integer> nan = bits.and(0x7FFF_FFFF).compare(VectorOperators.GT, 0x7F80_0000);
            rounded.blend(high.or(0x40), nan).convertShape(VectorOperators.I2S, H, 0)
                    .intoMemorySegment(s, (off + i) * 2, NATIVE);
        }
        for (int i = whole; i < n; i++) {
            s.set(Rows.I16, (off + i) * 2, FloatFormats.floatToBf16(src[pos + i]));
        }
    }

    private static void storeF16(float[] src, int pos, int n, MemorySegment s, long off) {
        // A plain loop over Float.floatToFloat16 (round to nearest even): C2 turns it into the
        // CPU's conversion instruction where there is one (F16C's vcvtps2ph on x86).
        for (int i = 0; i < n; i++) {
            s.set(Rows.I16, (off + i) * 2, Float.floatToFloat16(src[pos + i]));
        }
        // NaNs get FloatFormats' quiet NaN with the top payload bits (the JDK's conversion can
        // give a signalling one); rows without NaNs only pay the test.
        int whole = n - n % LANES;
        for (int i = 0; i < whole; i += LANES) {
            if (FloatVector.fromArray(F, src, pos + i).test(VectorOperators.IS_NAN).anyTrue()) {
                fixNaNs(src, pos + i, LANES, s, off + i);
            }
        }
        fixNaNs(src, pos + whole, n - whole, s, off + whole);
    }

    private static void fixNaNs(float[] src, int pos, int n, MemorySegment s, long off) {
        for (int i = 0; i < n; i++) {
            if (Float.isNaN(src[pos + i])) {
                s.set(Rows.I16, (off + i) * 2, FloatFormats.floatToHalf(src[pos + i]));
            }
        }
    }
}
