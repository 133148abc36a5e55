package io.xpu4j.api;

/**
 * Element types a tensor can hold.
 *
 * <p>Floating-point conversions round to nearest, ties to even. {@link #F8_E4M3} is the OCP
 * "E4M3FN" format (no infinities, one NaN pattern, largest finite value 448); {@link #F8_E5M2}
 * is OCP E5M2 (IEEE-like, with infinities, largest finite value 57344). {@link FloatFormats}
 * holds the bit-level conversions.
 */
public enum DType {
    F32(4, Kind.FLOAT),
    F16(2, Kind.FLOAT),
    BF16(2, Kind.FLOAT),
    F8_E4M3(1, Kind.FLOAT),
    F8_E5M2(1, Kind.FLOAT),
    I8(1, Kind.INTEGER),
    I32(4, Kind.INTEGER),
    I64(8, Kind.INTEGER),
    BOOL(1, Kind.BOOL);

    private enum Kind { FLOAT, INTEGER, BOOL }

    private final int byteSize;
    private final Kind kind;

    DType(int byteSize, Kind kind) {
        this.byteSize = byteSize;
        this.kind = kind;
    }

    /** Bytes one element occupies. */
    public int byteSize() {
        return byteSize;
    }

    public boolean isFloatingPoint() {
        return kind == Kind.FLOAT;
    }

    public boolean isInteger() {
        return kind == Kind.INTEGER;
    }

    /** One of the 8-bit float formats, which are storage types: compute happens after a cast. */
    public boolean isFloat8() {
        return this == F8_E4M3 || this == F8_E5M2;
    }

    /**
     * Parses a dtype name case-insensitively ({@code f32}, {@code BF16}, {@code f8_e4m3}).
     *
     * @throws XpuException naming the bad value and the allowed names
     */
    public static DType parse(String name) {
        if (name != null) {
            for (DType t : values()) {
                if (t.name().equalsIgnoreCase(name.trim())) {
                    return t;
                }
            }
        }
        throw new XpuException(ErrorCode.INVALID_ARGUMENT,
                "unknown dtype '" + name + "'; allowed: " + java.util.Arrays.toString(values()));
    }
}
