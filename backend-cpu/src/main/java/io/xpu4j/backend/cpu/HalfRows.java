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
 * The conversions are integer arithmetic on the bit patterns, so they do not depend on the CPU
 * having conversion instructions or on C2 vectorising {@link Float#floatToFloat16}.
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
        int whole = n - n % LANES;
        for (int i = 0; i < whole; i += LANES) {
            IntVector h = (IntVector) ShortVector.fromMemorySegment(H, s, (off + i) * 2, NATIVE)
                    .convertShape(VectorOperators.S2I, I, 0);
            IntVector mag = h.and(0x7FFF);
            IntVector sign = h.and(0x8000).lanewise(VectorOperators.LSHL, 16);
            // Exponent and mantissa moved to float position read as a float with bias 127 instead
            // of 15: times 2^112 rebiases exactly, subnormals included.
            FloatVector finite = mag.lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f);
            // Inf and NaN: all-ones exponent, payload kept, NaNs made quiet (as FloatFormats does)
            VectorMask<Integer> special = mag.compare(VectorOperators.GE, 0x7C00);
            VectorMask<Integer> nan = mag.compare(VectorOperators.GT, 0x7C00);
            IntVector bits = finite.reinterpretAsInts()
                    .blend(mag.and(0x3FF).lanewise(VectorOperators.LSHL, 13).or(0x7F80_0000), special)
                    .blend(mag.and(0x3FF).lanewise(VectorOperators.LSHL, 13).or(0x7FC0_0000), nan);
            bits.or(sign).reinterpretAsFloats().intoArray(dst, pos + i);
        }
        for (int i = whole; i < n; i++) {
            dst[pos + i] = FloatFormats.halfToFloat(s.get(Rows.I16, (off + i) * 2));
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
        int whole = n - n % LANES;
        for (int i = 0; i < whole; i += LANES) {
            FloatVector x = FloatVector.fromArray(F, src, pos + i);
            IntVector bits = x.reinterpretAsInts();
            IntVector a = bits.and(0x7FFF_FFFF);
            IntVector sign = bits.lanewise(VectorOperators.LSHR, 16).and(0x8000);
            // Normal results: round to nearest even at bit 13 of the float bits, then rebias the
            // exponent from 127 to 15; a mantissa carry moves into the exponent by itself.
            IntVector normal = a.add(a.lanewise(VectorOperators.LSHR, 13).and(1)).add(0xFFF)
                    .sub(0x3800_0000).lanewise(VectorOperators.LSHR, 13);
            // Results below 2^-14 (subnormal or zero): adding 0.5 makes the float addition round
            // at 2^-24, binary16's subnormal step; the bits above 0.5's are the code.
            IntVector tiny = x.abs().add(0.5f).reinterpretAsInts().sub(0x3F00_0000);
            IntVector h = normal.blend(tiny, a.compare(VectorOperators.LT, 0x3880_0000))
                    // from 65520 on (the tie with 65536 rounds to even, which is up) and for Inf
                    .blend(0x7C00, a.compare(VectorOperators.GE, 0x477F_F000))
                    .blend(a.lanewise(VectorOperators.LSHR, 13).and(0x3FF).or(0x7E00),
                            a.compare(VectorOperators.GT, 0x7F80_0000));
            h.or(sign).convertShape(VectorOperators.I2S, H, 0).intoMemorySegment(s, (off + i) * 2, NATIVE);
        }
        for (int i = whole; i < n; i++) {
            s.set(Rows.I16, (off + i) * 2, FloatFormats.floatToHalf(src[pos + i]));
        }
    }
}
