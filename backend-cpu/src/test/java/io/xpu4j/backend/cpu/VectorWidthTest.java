package io.xpu4j.backend.cpu;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The width override the build uses to run the suite at other machines' vector widths: a run
 * that asks for a width gets it (so those runs cannot silently test the native width again),
 * and a width the kernels do not support is refused with the ones they do.
 */
class VectorWidthTest {
    @Test
    void theRequestedWidthIsTheKernelsWidthAndTheBackendSaysSo() {
        String requested = System.getProperty(VectorWidth.PROPERTY);
        int want = requested == null ? FloatVector.SPECIES_PREFERRED.vectorBitSize() : Integer.parseInt(requested);
        assertEquals(want, VectorWidth.FLOAT.vectorBitSize());
        String availability = new CpuBackend().availability().toString();
        assertTrue(availability.contains(want + "-bit"), availability);
    }

    @Test
    void eachSupportedWidthMapsToItsSpecies() {
        assertEquals(128, VectorWidth.floatSpecies("128").vectorBitSize());
        assertEquals(256, VectorWidth.floatSpecies(" 256 ").vectorBitSize());
        assertEquals(512, VectorWidth.floatSpecies("512").vectorBitSize());
        assertEquals(FloatVector.SPECIES_PREFERRED, VectorWidth.floatSpecies(null));
    }

    @Test
    void otherWidthsAreRefusedNamingTheSupportedOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> VectorWidth.floatSpecies("64"));
        assertTrue(e.getMessage().contains("xpu4j.internal.vectorBits=64") && e.getMessage().contains("128, 256 or 512"),
                e.getMessage());
    }
}
