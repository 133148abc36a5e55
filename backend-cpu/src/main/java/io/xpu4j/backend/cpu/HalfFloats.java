package io.xpu4j.backend.cpu;

import io.xpu4j.api.DType;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Contiguous runs of F32, F16 or BF16 elements into float arrays, a vector at a time. Same
 * results as {@link Rows#load} (every conversion is exact), several times faster for the 16-bit
 * types, whose scalar loop costs more than the arithmetic in kernels that re-read the same K/V
 * blocks per query block.
 */
final class HalfFloats {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final VectorSpecies<Short> SS = VectorSpecies.of(short.class, VectorShape.forBitSize(L * Short.SIZE));
    private static final VectorSpecies<Integer> IS = VectorSpecies.of(int.class, VectorShape.forBitSize(L * Integer.SIZE));
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    private HalfFloats() {
    }

    /** {@code dst[pos + i] = element (off + i)} for i < n, elements contiguous in {@code s}. */
    static void load(MemorySegment s, DType t, long off, int n, float[] dst, int pos) {
        if (t != DType.F16 && t != DType.BF16) {
            Rows.load(s, t, off, 1, n, dst, pos);
            return;
        }
        boolean bf16 = t == DType.BF16;
        int i = 0;
        for (; i + L <= n; i += L) {
            IntVector h = (IntVector) ShortVector.fromMemorySegment(SS, s, (off + i) * 2, NATIVE)
                    .convertShape(VectorOperators.S2I, IS, 0);
            (bf16 ? fromBf16(h) : fromF16(h)).intoArray(dst, pos + i);
        }
        if (i < n) {
            Rows.load(s, t, off + i, 1, n - i, dst, pos + i);
        }
    }

    /** BF16 is the top half of a float. */
    private static FloatVector fromBf16(IntVector h) {
        return h.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /**
     * F16 from its (sign-extended) bits: exponent and mantissa moved into float position read as
     * a float with exponent bias 127 instead of 15, so multiplying by 2^112 rebiases exactly,
     * subnormals included (Java floats keep denormals). Inf/NaN take the all-ones exponent.
     */
    private static FloatVector fromF16(IntVector h) {
        IntVector magnitude = h.and(0x7fff).lanewise(VectorOperators.LSHL, 13);
        IntVector value = magnitude.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
        VectorMask<Integer> special = h.and(0x7c00).compare(VectorOperators.EQ, 0x7c00);
        value = value.blend(magnitude.or(0x7f800000), special);
        return value.or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
    }
}
