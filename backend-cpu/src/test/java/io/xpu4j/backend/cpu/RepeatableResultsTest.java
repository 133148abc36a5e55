package io.xpu4j.backend.cpu;

import io.xpu4j.api.DType;
import io.xpu4j.api.Tensor;
import org.junit.jupiter.api.Test;

import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The same input gives the same bits on every call: early calls run the kernels in HotSpot's
 * interpreter or C1 code, later ones in C2 code, and a kernel whose arithmetic depends on the
 * tier (the Vector API's reduceLanes(ADD) order, its EXP operator) changes its outputs in the
 * middle of a run. Each op is called enough times for its loops to be compiled.
 */
class RepeatableResultsTest extends CpuRuntimeTest {
    private static final int CALLS = 400;

    private void repeatable(String what, Supplier<Tensor> op) {
        float[] first;
        try (Tensor t = op.get()) {
            first = t.toFloatArray();
        }
        for (int call = 1; call < CALLS; call++) {
            float[] now;
            try (Tensor t = op.get()) {
                now = t.toFloatArray();
            }
            for (int i = 0; i < first.length; i++) {
                if (Float.floatToIntBits(first[i]) != Float.floatToIntBits(now[i])) {
                    fail(what + ": call " + call + " element " + i + " is " + now[i] + ", the first call gave " + first[i]);
                }
            }
        }
    }

    @Test
    void softmaxAlongEitherAxis() {
        Tensor x = ops.randUniform(1, -30, 30, DType.F32, 6, 4100);
        repeatable("softmax over the last axis of [6, 4100]", () -> ops.softmax(x, -1));
        Tensor y = ops.randUniform(2, -30, 30, DType.F32, 300, 37);
        repeatable("softmax over the first axis of [300, 37]", () -> ops.softmax(y, 0));
    }

    @Test
    void attention() {
        Tensor q = ops.randNormal(3, 0, 1, DType.F32, 1, 2, 20, 16);
        Tensor k = ops.randNormal(4, 0, 1, DType.F32, 1, 2, 300, 16);
        Tensor v = ops.randNormal(5, 0, 1, DType.F32, 1, 2, 300, 16);
        repeatable("attention, 20 queries", () -> ops.scaledDotProductAttention(q, k, v, null, false, Double.NaN));
        Tensor q1 = ops.randNormal(6, 0, 1, DType.F32, 1, 2, 1, 16);
        repeatable("attention, one query", () -> ops.scaledDotProductAttention(q1, k, v, null, false, Double.NaN));
    }

    @Test
    void normsAndDotProducts() {
        Tensor x = ops.randNormal(7, 0, 1, DType.F32, 5, 3000);
        Tensor w = ops.randNormal(8, 0, 1, DType.F32, 3000);
        repeatable("rms_norm of [5, 3000]", () -> ops.rmsNorm(x, w, 1e-6));
        Tensor weights = ops.randNormal(9, 0, 1, DType.F32, 70, 3000);
        repeatable("x·Wᵀ with 5 rows", () -> ops.linear(x, weights, null));
    }
}
