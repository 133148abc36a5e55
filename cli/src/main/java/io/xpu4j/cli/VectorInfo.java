package io.xpu4j.cli;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The only class of the CLI that links against {@code jdk.incubator.vector}, so that the other
 * commands still load (and doctor can say what is wrong) when the module was not added.
 */
final class VectorInfo {
    private VectorInfo() {
    }

    static boolean moduleLoaded() {
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    /** Call only when {@link #moduleLoaded()}. */
    static String preferredSpecies() {
        VectorSpecies<Float> s = FloatVector.SPECIES_PREFERRED;
        return "FloatVector.SPECIES_PREFERRED is " + s.vectorBitSize() + " bits, " + s.length() + " float lanes";
    }
}
