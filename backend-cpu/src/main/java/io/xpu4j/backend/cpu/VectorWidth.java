package io.xpu4j.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The float vector species of every CPU kernel: the hardware's preferred one (256-bit with AVX2,
 * 512-bit with AVX-512, 128-bit with NEON), or the width {@code -Dxpu4j.internal.vectorBits}
 * names (128, 256 or 512). The override lets the tests run the code paths of other machines'
 * widths on any machine: narrower than the hardware's runs at native speed, wider is emulated
 * by the Vector API (correct, and many times slower).
 */
final class VectorWidth {
    static final String PROPERTY = "xpu4j.internal.vectorBits";

    static final VectorSpecies<Float> FLOAT = floatSpecies(System.getProperty(PROPERTY));

    private VectorWidth() {
    }

    static VectorSpecies<Float> floatSpecies(String bits) {
        if (bits == null || bits.isBlank()) {
            return FloatVector.SPECIES_PREFERRED;
        }
        return switch (bits.trim()) {
            case "128" -> FloatVector.SPECIES_128;
            case "256" -> FloatVector.SPECIES_256;
            case "512" -> FloatVector.SPECIES_512;
            default -> throw new IllegalArgumentException("-D" + PROPERTY + "=" + bits
                    + " is not a vector width the CPU kernels support; use 128, 256 or 512 (or leave it unset"
                    + " for the hardware's " + FloatVector.SPECIES_PREFERRED.vectorBitSize() + ")");
        };
    }

    /** The same shape with {@code e} lanes: ints or shorts beside the floats. */
    static <E> VectorSpecies<E> sameShape(Class<E> e) {
        return VectorSpecies.of(e, VectorShape.forBitSize(FLOAT.vectorBitSize()));
    }
}
