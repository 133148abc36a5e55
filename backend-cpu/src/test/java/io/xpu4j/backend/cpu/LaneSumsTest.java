package io.xpu4j.backend.cpu;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Lane sums come out the same, bit for bit, in every JIT tier: the same inputs summed many times
 * over (so that the interpreter, C1 and C2 code all run) always give the folding order's value,
 * and a softmax row's sum does not change once its loop is compiled.
 */
class LaneSumsTest {
    private static final int L = VectorWidth.FLOAT.length();

    /** The documented order, computed with scalar floats: lane i + lane i + L/2, then i + L/4, ... */
    private static float folded(float[] lanes) {
        float[] v = lanes.clone();
        for (int h = L / 2; h >= 1; h /= 2) {
            for (int i = 0; i < h; i++) {
                v[i] = v[i] + v[i + h];
            }
        }
        return v[0];
    }

    @Test
    void everyCallSumsInTheFoldingOrder() {
        SplittableRandom rnd = new SplittableRandom(11);
        int vectors = 64;
        float[] data = new float[vectors * L];
        for (int i = 0; i < data.length; i++) {
            // magnitudes 1e-3 .. 1e5 with both signs, so that any other order rounds differently
            data[i] = (float) ((rnd.nextBoolean() ? 1 : -1) * Math.pow(10, rnd.nextDouble(-3, 5)));
        }
        float[] want = new float[vectors];
        for (int v = 0; v < vectors; v++) {
            want[v] = folded(java.util.Arrays.copyOfRange(data, v * L, (v + 1) * L));
        }
        for (int round = 0; round < 3000; round++) {
            for (int v = 0; v < vectors; v++) {
                float got = LaneSums.sum(FloatVector.fromArray(VectorWidth.FLOAT, data, v * L));
                if (Float.floatToIntBits(got) != Float.floatToIntBits(want[v])) {
                    assertEquals(want[v], got, "vector " + v + " in round " + round);
                }
            }
        }
    }

    @Test
    void aSoftmaxRowSumsAlikeBeforeAndAfterTheJit() {
        SplittableRandom rnd = new SplittableRandom(7);
        int n = 4100;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) rnd.nextDouble(-30, 30);
        }
        float m = RowPasses.max(x, n);
        float[] o = new float[n];
        double first = RowPasses.expSum(x, o, n, m);
        for (int round = 0; round < 3000; round++) {
            double s = RowPasses.expSum(x, o, n, m);
            if (Double.doubleToLongBits(s) != Double.doubleToLongBits(first)) {
                assertEquals(first, s, "round " + round);
            }
        }
    }
}
