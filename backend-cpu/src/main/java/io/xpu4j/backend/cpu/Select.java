package io.xpu4j.backend.cpu;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * The row loops of {@code where}: {@code out[i] = cond[i] != 0 ? a[i] : b[i]} on raw element
 * bits. Vectorised for 4- and 2-byte elements when cond, b and out are contiguous rows and a is
 * one too or a single value (as in maskedFill); element offsets, not bytes, throughout.
 */
final class Select {
    private static final VectorSpecies<Integer> I = VectorWidth.sameShape(int.class);
    private static final int LANES = I.length();
    /**
     * The condition bytes, one lane per element; null with 128-bit vectors (NEON, SSE), whose four
     * bytes are narrower than the smallest vector shape (64 bits): selection there runs scalar.
     */
    private static final VectorSpecies<Byte> B = LANES * Byte.SIZE >= 64
            ? VectorSpecies.of(byte.class, VectorShape.forBitSize(LANES * Byte.SIZE)) : null;
    private static final VectorSpecies<Short> H = VectorSpecies.of(short.class, VectorShape.forBitSize(LANES * 16));
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    private Select() {
    }

    static void select32(MemorySegment sc, long co, MemorySegment sa, long ao, boolean aOne,
                         MemorySegment sb, long bo, MemorySegment so, long oo, int n) {
        int whole = B == null ? 0 : n - n % LANES;
        if (aOne) {
            IntVector av = IntVector.broadcast(I, sa.get(Rows.I32, ao * 4));
            for (int i = 0; i < whole; i += LANES) {
                VectorMask<Integer> m = ByteVector.fromMemorySegment(B, sc, co + i, NATIVE)
                        .compare(VectorOperators.NE, (byte) 0).cast(I);
                IntVector.fromMemorySegment(I, sb, (bo + i) * 4, NATIVE).blend(av, m)
                        .intoMemorySegment(so, (oo + i) * 4, NATIVE);
            }
        } else {
            for (int i = 0; i < whole; i += LANES) {
                VectorMask<Integer> m = ByteVector.fromMemorySegment(B, sc, co + i, NATIVE)
                        .compare(VectorOperators.NE, (byte) 0).cast(I);
                IntVector.fromMemorySegment(I, sb, (bo + i) * 4, NATIVE)
                        .blend(IntVector.fromMemorySegment(I, sa, (ao + i) * 4, NATIVE), m)
                        .intoMemorySegment(so, (oo + i) * 4, NATIVE);
            }
        }
        scalar(4, sc, co + whole, 1, sa, aOne ? ao : ao + whole, aOne ? 0 : 1, sb, bo + whole, 1, so, oo + whole, n - whole);
    }

    static void select16(MemorySegment sc, long co, MemorySegment sa, long ao, boolean aOne,
                         MemorySegment sb, long bo, MemorySegment so, long oo, int n) {
        int whole = B == null ? 0 : n - n % LANES;
        if (aOne) {
            ShortVector av = ShortVector.broadcast(H, sa.get(Rows.I16, ao * 2));
            for (int i = 0; i < whole; i += LANES) {
                VectorMask<Short> m = ByteVector.fromMemorySegment(B, sc, co + i, NATIVE)
                        .compare(VectorOperators.NE, (byte) 0).cast(H);
                ShortVector.fromMemorySegment(H, sb, (bo + i) * 2, NATIVE).blend(av, m)
                        .intoMemorySegment(so, (oo + i) * 2, NATIVE);
            }
        } else {
            for (int i = 0; i < whole; i += LANES) {
                VectorMask<Short> m = ByteVector.fromMemorySegment(B, sc, co + i, NATIVE)
                        .compare(VectorOperators.NE, (byte) 0).cast(H);
                ShortVector.fromMemorySegment(H, sb, (bo + i) * 2, NATIVE)
                        .blend(ShortVector.fromMemorySegment(H, sa, (ao + i) * 2, NATIVE), m)
                        .intoMemorySegment(so, (oo + i) * 2, NATIVE);
            }
        }
        scalar(2, sc, co + whole, 1, sa, aOne ? ao : ao + whole, aOne ? 0 : 1, sb, bo + whole, 1, so, oo + whole, n - whole);
    }

    /** Any element size and strides; out contiguous. */
    static void scalar(int size, MemorySegment sc, long co, long ic, MemorySegment sa, long ao, long ia,
                       MemorySegment sb, long bo, long ib, MemorySegment so, long oo, int n) {
        switch (size) {
            case 1 -> {
                for (int i = 0; i < n; i++) {
                    byte v = sc.get(Rows.I8, co + i * ic) != 0 ? sa.get(Rows.I8, ao + i * ia) : sb.get(Rows.I8, bo + i * ib);
                    so.set(Rows.I8, oo + i, v);
                }
            }
            case 2 -> {
                for (int i = 0; i < n; i++) {
                    short v = sc.get(Rows.I8, co + i * ic) != 0 ? sa.get(Rows.I16, (ao + i * ia) * 2) : sb.get(Rows.I16, (bo + i * ib) * 2);
                    so.set(Rows.I16, (oo + i) * 2, v);
                }
            }
            case 4 -> {
                for (int i = 0; i < n; i++) {
                    int v = sc.get(Rows.I8, co + i * ic) != 0 ? sa.get(Rows.I32, (ao + i * ia) * 4) : sb.get(Rows.I32, (bo + i * ib) * 4);
                    so.set(Rows.I32, (oo + i) * 4, v);
                }
            }
            default -> {
                for (int i = 0; i < n; i++) {
                    long v = sc.get(Rows.I8, co + i * ic) != 0 ? sa.get(Rows.I64, (ao + i * ia) * 8) : sb.get(Rows.I64, (bo + i * ib) * 8);
                    so.set(Rows.I64, (oo + i) * 8, v);
                }
            }
        }
    }
}
