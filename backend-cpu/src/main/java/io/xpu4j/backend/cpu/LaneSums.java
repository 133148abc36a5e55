package io.xpu4j.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The sum of a float vector's lanes in one fixed order. {@code reduceLanes(ADD)} leaves the order
 * of its additions to the implementation, and HotSpot's compiled kernels and its interpreter do
 * not agree: a row's softmax sum changed in its last bits once the JIT had compiled the loop, so
 * the same input gave different outputs early and late in a run. Here the lanes are folded in
 * halves (lane i plus lane i + L/2, then i + L/4, ...), each step an exact lanewise add, which
 * every tier computes alike.
 */
final class LaneSums {
    private static final VectorSpecies<Float> S = VectorWidth.FLOAT;
    private static final int L = S.length();
    private static final VectorShuffle<Float> FOLD8 = L >= 16 ? fold(8) : null;
    private static final VectorShuffle<Float> FOLD4 = L >= 8 ? fold(4) : null;
    private static final VectorShuffle<Float> FOLD2 = L >= 4 ? fold(2) : null;
    private static final VectorShuffle<Float> FOLD1 = fold(1);

    private LaneSums() {
    }

    private static VectorShuffle<Float> fold(int h) {
        return VectorShuffle.fromOp(S, i -> i ^ h);
    }

    /** The lanes of {@code v} (of the kernels' species) summed in the fixed folding order. */
    static float sum(FloatVector v) {
        if (L >= 16) {
            v = v.add(v.rearrange(FOLD8));
        }
        if (L >= 8) {
            v = v.add(v.rearrange(FOLD4));
        }
        if (L >= 4) {
            v = v.add(v.rearrange(FOLD2));
        }
        return v.add(v.rearrange(FOLD1)).lane(0);
    }
}
