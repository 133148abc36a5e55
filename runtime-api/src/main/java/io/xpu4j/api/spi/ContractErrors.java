package io.xpu4j.api.spi;

import io.xpu4j.api.DType;
import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.Tensor;
import io.xpu4j.api.XpuException;

import java.util.Arrays;

/**
 * The errors the kernel contract ({@code docs/ops.md}) demands of every backend, worded once, so
 * that bad data gives the same message on the CPU, a GPU or an NPU: a migration that changes
 * the backend must not change what a user reads when their input is wrong.
 */
public final class ContractErrors {
    private ContractErrors() {
    }

    /** Integer {@code div} with a zero divisor. */
    public static XpuException integerDivisionByZero(DType dtype, String dividend) {
        return new XpuException(ErrorCode.INVALID_ARGUMENT, "div: integer division by zero (" + dtype
                + " dividend " + dividend + " / divisor 0); integer div needs non-zero divisors,"
                + " cast to a float dtype to get Inf/NaN instead");
    }

    /** A value that has no representation in the integer (or narrower integer) target of a cast. */
    public static XpuException castNotAllowed(String value, DType from, DType to) {
        return new XpuException(ErrorCode.INVALID_ARGUMENT, "cast " + from + " -> " + to + ": value " + value
                + " is not allowed; the target holds whole numbers in [" + minOf(to) + ", " + maxOf(to)
                + "] (floats are truncated toward zero first; NaN and infinities have no integer value)");
    }

    /** An {@code embedding} id outside the rows of the weight; {@code flatPosition} is row-major in {@code ids}. */
    public static XpuException embeddingIdOutOfRange(long id, long flatPosition, Tensor ids, Tensor weight) {
        return new XpuException(ErrorCode.INVALID_ARGUMENT, "embedding: id " + id + " at position "
                + position(ids.shape(), flatPosition) + " of ids " + ids.describe() + " is outside [0, "
                + weight.shape(0) + "), the rows of weight " + weight.describe());
    }

    /** The smallest value of an integer dtype (I8, I32, I64). */
    public static long minOf(DType t) {
        return switch (t) {
            case I8 -> Byte.MIN_VALUE;
            case I32 -> Integer.MIN_VALUE;
            default -> Long.MIN_VALUE;
        };
    }

    /** The largest value of an integer dtype (I8, I32, I64). */
    public static long maxOf(DType t) {
        return switch (t) {
            case I8 -> Byte.MAX_VALUE;
            case I32 -> Integer.MAX_VALUE;
            default -> Long.MAX_VALUE;
        };
    }

    /** Row-major index {@code flat} of {@code shape} as {@code [i, j, ...] (flat index n)}. */
    static String position(long[] shape, long flat) {
        long rest = flat;
        long[] idx = new long[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = rest % shape[d];
            rest /= shape[d];
        }
        return Arrays.toString(idx) + " (flat index " + flat + ")";
    }
}
