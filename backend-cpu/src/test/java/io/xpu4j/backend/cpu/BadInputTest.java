package io.xpu4j.backend.cpu;

import io.xpu4j.api.Config;
import io.xpu4j.api.DType;
import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.Runtime;
import io.xpu4j.api.Tensor;
import io.xpu4j.api.XpuException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.function.BinaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each kind of bad input fails with its error code and a message naming what was wrong and what
 * is allowed; afterwards the runtime still computes correctly and nothing leaked.
 */
class BadInputTest extends CpuRuntimeTest {
    /** Runs before {@link CpuRuntimeTest}'s leak check, which then shows the failure left no memory behind. */
    @AfterEach
    void runtimeStillWorks() {
        try (Tensor a = ops.tensor(new float[]{1, 2, 3}, 3); Tensor b = ops.add(a, a)) {
            assertArrayEquals(new float[]{2, 4, 6}, b.toFloatArray());
        }
    }

    private static XpuException fails(ErrorCode code, Executable e, String... mustMention) {
        XpuException x = assertThrows(XpuException.class, e);
        assertEquals(code, x.code(), x.getMessage());
        for (String m : mustMention) {
            assertTrue(x.getMessage().contains(m), "message should mention '" + m + "': " + x.getMessage());
        }
        return x;
    }

    @ParameterizedTest
    @ValueSource(strings = {"add", "sub", "mul", "div", "maximum", "minimum", "pow", "eq", "ne", "lt", "le", "gt", "ge"})
    void shapeMismatchInEveryBinaryOp(String op) {
        BinaryOperator<Tensor> f = switch (op) {
            case "add" -> ops::add;
            case "sub" -> ops::sub;
            case "mul" -> ops::mul;
            case "div" -> ops::div;
            case "maximum" -> ops::maximum;
            case "minimum" -> ops::minimum;
            case "pow" -> ops::pow;
            case "eq" -> ops::eq;
            case "ne" -> ops::ne;
            case "lt" -> ops::lt;
            case "le" -> ops::le;
            case "gt" -> ops::gt;
            case "ge" -> ops::ge;
            default -> throw new IllegalArgumentException(op);
        };
        Tensor a = ops.zeros(DType.F32, 2, 3);
        Tensor b = ops.zeros(DType.F32, 4);
        fails(ErrorCode.SHAPE_MISMATCH, () -> f.apply(a, b), op, "[2, 3]", "[4]", "cannot be broadcast");
        Tensor c = ops.zeros(DType.F16, 2, 3);
        fails(ErrorCode.DTYPE_MISMATCH, () -> f.apply(a, c), op, "F32", "F16");
    }

    @Test
    void matmulShapeMismatch() {
        Tensor a = ops.zeros(DType.F32, 2, 3);
        Tensor b = ops.zeros(DType.F32, 4, 5);
        fails(ErrorCode.SHAPE_MISMATCH, () -> ops.matmul(a, b), "matmul", "3 columns", "4 rows");
        Tensor x = ops.zeros(DType.F32, 2, 2, 3);
        Tensor y = ops.zeros(DType.F32, 3, 3, 4);
        fails(ErrorCode.SHAPE_MISMATCH, () -> ops.matmul(x, y), "batch dims", "[2]", "[3]");
        fails(ErrorCode.SHAPE_MISMATCH, () -> ops.linear(a, b, null), "linear");
        fails(ErrorCode.SHAPE_MISMATCH, () -> ops.matmul(ops.scalar(DType.F32, 1), a), "rank >= 1");
    }

    @Test
    void unsupportedDtypeNamesTheAllowedOnes() {
        Tensor i = ops.zeros(DType.I32, 4);
        fails(ErrorCode.DTYPE_MISMATCH, () -> ops.exp(i), "exp", "I32", "allowed", "F32");
        fails(ErrorCode.DTYPE_MISMATCH, () -> ops.matmul(i.reshape(2, 2), i.reshape(2, 2)), "matmul", "I32");
        Tensor f = ops.zeros(DType.F32, 4);
        fails(ErrorCode.DTYPE_MISMATCH, () -> ops.embedding(f.reshape(2, 2), f), "embedding", "ids", "I64");
        fails(ErrorCode.DTYPE_MISMATCH, () -> ops.add(i, 0.5), "not a whole number");
    }

    @Test
    void closedTensorInAnOp() {
        Tensor a = ops.zeros(DType.F32, 3);
        Tensor b = ops.zeros(DType.F32, 3);
        b.close();
        fails(ErrorCode.CLOSED, () -> ops.add(a, b), "is closed");
        fails(ErrorCode.CLOSED, b::toFloatArray, "is closed");
    }

    @Test
    void tensorsFromTwoDevices() {
        Tensor a = ops.zeros(DType.F32, 3);
        Tensor b = rt.ops(rt.device("fake", 0)).zeros(DType.F32, 3);
        try {
            fails(ErrorCode.DEVICE_MISMATCH, () -> ops.add(a, b), "cpu:0", "fake:0", "to(device)");
            fails(ErrorCode.DEVICE_MISMATCH, () -> ops.matmul(a.reshape(1, 3), b.reshape(3, 1)), "matmul");
        } finally {
            b.close();
        }
    }

    @Test
    void axisOutOfRange() {
        Tensor a = ops.zeros(DType.F32, 2, 3);
        fails(ErrorCode.INVALID_ARGUMENT, () -> ops.sum(a, 2), "axis 2", "allowed: -2..1");
        fails(ErrorCode.INVALID_ARGUMENT, () -> ops.softmax(a, -3), "softmax", "axis -3");
        fails(ErrorCode.INVALID_ARGUMENT, () -> a.transpose(0, 5), "transpose");
        fails(ErrorCode.INVALID_ARGUMENT, () -> ops.concat(3, a, a), "concat");
        fails(ErrorCode.INVALID_ARGUMENT, () -> ops.argmax(a, 7, false), "argmax");
        fails(ErrorCode.INVALID_ARGUMENT, () -> ops.sum(a, 1, 1), "given twice");
    }

    @Test
    void reshapeToADifferentElementCount() {
        Tensor a = ops.zeros(DType.F32, 2, 3);
        fails(ErrorCode.SHAPE_MISMATCH, () -> a.reshape(4, 2), "[2, 3]", "6 elements", "[4, 2]", "8 elements");
        fails(ErrorCode.SHAPE_MISMATCH, () -> a.reshape(4, -1), "cannot reshape");
        fails(ErrorCode.SHAPE_MISMATCH, () -> a.expand(4, 3), "only size-1 dimensions can grow");
        fails(ErrorCode.SHAPE_MISMATCH, () -> ops.tensor(new float[5], 2, 3), "5 values", "[2, 3]");
    }

    @Test
    void castsThatAreNotAllowed() {
        Tensor nan = ops.tensor(new float[]{1, Float.NaN}, 2);
        fails(ErrorCode.INVALID_ARGUMENT, () -> ops.cast(nan, DType.I32), "NaN", "I32");
        Tensor big = ops.tensor(new float[]{3e9f}, 1);
        fails(ErrorCode.INVALID_ARGUMENT, () -> ops.cast(big, DType.I32), "I32");
        Tensor wide = ops.tensor(new int[]{1000}, 1);
        fails(ErrorCode.INVALID_ARGUMENT, () -> ops.cast(wide, DType.I8), "1000", "I8");
        fails(ErrorCode.INVALID_ARGUMENT, () -> ops.cast(wide, null), "null", "allowed");
    }

    @Test
    void embeddingIdOutOfRange() {
        Tensor w = ops.zeros(DType.F32, 4, 2);
        Tensor ids = ops.tensor(new long[]{0, 4}, 2);
        fails(ErrorCode.INVALID_ARGUMENT, () -> ops.embedding(w, ids), "4");
    }

    @Test
    void unknownBackendAndMissingBackendModule() {
        fails(ErrorCode.CONFIG, () -> Config.builder().backend("tpu").build(), "tpu", "cpu", "cuda", "cann");
        XpuException e = fails(ErrorCode.BACKEND_UNAVAILABLE, () -> Runtime.create(
                        Config.builder().backend("cuda").fallbackBackends(java.util.List.of()).build()),
                "cuda", "not on the classpath");
        assertTrue(e.getMessage().contains("fallbackBackends"), e.getMessage());
        try (Runtime fallback = Runtime.create(Config.builder().backend("cann").fallbackBackends(java.util.List.of("cpu")).build())) {
            assertEquals("cpu:0", fallback.device().id(), "an unavailable backend falls back in the configured order");
            assertTrue(fallback.selectionNote().contains("cann unavailable"), fallback.selectionNote());
        }
    }

    @Test
    void allocationAboveTheMemoryLimit() {
        try (Runtime small = Runtime.create(Config.builder().memoryLimitBytes(4096).build())) {
            fails(ErrorCode.OUT_OF_MEMORY, () -> small.ops().zeros(DType.F32, 2048), "memory.limitBytes=4096", "8192");
            try (Tensor ok = small.ops().zeros(DType.F32, 10)) {
                assertEquals(10, ok.numel());
            }
        }
    }

    @Test
    void closedRuntime() {
        Runtime other = Runtime.create(Config.defaults());
        other.close();
        fails(ErrorCode.CLOSED, other::scope, "runtime is closed");
    }
}
