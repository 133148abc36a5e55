package io.xpu4j.backend.cuda;

import io.xpu4j.api.DType;
import io.xpu4j.api.FloatFormats;

/** DType as the kernels number it (the DT_* codes of xpu4j_common.cuh), and host-side element encoding. */
final class DTypeCodes {
    private DTypeCodes() {
    }

    /** The kernels' dtype code: DType's ordinal, which the header's DT_* constants follow. */
    static int code(DType t) {
        return t.ordinal();
    }

    /** One element holding {@code v} as the bits of {@code t} (rounded once from the double, as the CPU fill does). */
    static long encode(DType t, double v) {
        return switch (t) {
            case F32 -> Float.floatToRawIntBits((float) v) & 0xFFFF_FFFFL;
            case F16 -> FloatFormats.doubleToHalf(v) & 0xFFFFL;
            case BF16 -> FloatFormats.doubleToBf16(v) & 0xFFFFL;
            case F8_E4M3 -> FloatFormats.doubleToE4M3(v, false) & 0xFFL;
            case F8_E5M2 -> FloatFormats.doubleToE5M2(v, false) & 0xFFL;
            case BOOL -> v != 0 ? 1 : 0;
            case I8 -> ((long) v) & 0xFFL;
            case I32 -> ((long) v) & 0xFFFF_FFFFL;
            case I64 -> (long) v;
        };
    }
}
