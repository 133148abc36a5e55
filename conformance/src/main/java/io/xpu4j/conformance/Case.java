package io.xpu4j.conformance;

import java.util.SplittableRandom;

/**
 * One conformance test: an op, a readable name (dtype, variant, shapes) and a fixed seed. The seed
 * comes from the op, dtype and variant alone (not from the shapes it picks), so a name is stable
 * for as long as its variant exists; it is printed in the test name for reproduction.
 */
record Case(String op, String name, long seed, Body body) {
    interface Body {
        void run(Harness h) throws Exception;
    }

    String displayName() {
        return name + " [seed " + Long.toHexString(seed) + "]";
    }

    /** A stable 64-bit seed from text (FNV-1a, then a SplitMix finaliser to spread the bits). */
    static long seedOf(String... parts) {
        long h = 0xcbf29ce484222325L;
        for (String p : parts) {
            for (int i = 0; i < p.length(); i++) {
                h ^= p.charAt(i);
                h *= 0x100000001b3L;
            }
            h ^= '|';
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        return h;
    }

    /** A random generator for picking shapes when the case is built, independent of the body's. */
    static SplittableRandom shapeRandom(long seed) {
        return new SplittableRandom(seed ^ 0x5DEECE66DL);
    }
}
