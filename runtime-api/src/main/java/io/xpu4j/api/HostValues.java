package io.xpu4j.api;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Encodes host-generated values (arange, random, scalars) into a dtype's bytes. */
final class HostValues {
    private HostValues() {
    }

    /** Writes element {@code i} of dtype {@code t}: floats round to nearest even, integers must be exact. */
    static void put(MemorySegment seg, long i, DType t, double v) {
        switch (t) {
            case F32 -> seg.set(ValueLayout.JAVA_FLOAT_UNALIGNED, i * 4, (float) v);
            case F16 -> seg.set(ValueLayout.JAVA_SHORT_UNALIGNED, i * 2, FloatFormats.doubleToHalf(v));
            case BF16 -> seg.set(ValueLayout.JAVA_SHORT_UNALIGNED, i * 2, FloatFormats.doubleToBf16(v));
            case F8_E4M3 -> seg.set(ValueLayout.JAVA_BYTE, i, FloatFormats.doubleToE4M3(v, false));
            case F8_E5M2 -> seg.set(ValueLayout.JAVA_BYTE, i, FloatFormats.doubleToE5M2(v, false));
            case I8 -> seg.set(ValueLayout.JAVA_BYTE, i, (byte) exactLong(v, Byte.MIN_VALUE, Byte.MAX_VALUE, t));
            case I32 -> seg.set(ValueLayout.JAVA_INT_UNALIGNED, i * 4, (int) exactLong(v, Integer.MIN_VALUE, Integer.MAX_VALUE, t));
            case I64 -> seg.set(ValueLayout.JAVA_LONG_UNALIGNED, i * 8, exactLong(v, Long.MIN_VALUE, Long.MAX_VALUE, t));
            case BOOL -> seg.set(ValueLayout.JAVA_BYTE, i, (byte) (v != 0 ? 1 : 0));
        }
    }

    private static long exactLong(double v, long min, long max, DType t) {
        if (v != Math.rint(v) || v < min || v > max) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, "value " + v + " is not representable as " + t
                    + "; allowed: whole numbers in [" + min + ", " + max + "]");
        }
        return (long) v;
    }
}
