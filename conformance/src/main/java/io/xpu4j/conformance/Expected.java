package io.xpu4j.conformance;

/**
 * A reference result: the float64 values, and per element an error scale, the magnitude that a
 * correct float32 computation's absolute error is proportional to (for a sum: √K · Σ|terms|).
 * What the scale means for each op family, and the factor applied to it, is in {@link Tolerance}.
 */
public record Expected(Nd value, double[] scale) {
    public Expected {
        if (scale.length != value.size()) {
            throw new IllegalArgumentException("scale has " + scale.length + " entries for " + value.size() + " values");
        }
    }

    /** A result whose error is purely relative to the value itself (no scale term). */
    public static Expected of(Nd value) {
        return new Expected(value, new double[value.size()]);
    }
}
