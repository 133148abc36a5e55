package io.xpu4j.backend.cuda;

import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.XpuException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * Shapes and strides as the kernels receive them (by value): {@code struct Dims { long long n[8];
 * int rank; int pad; }} (72 bytes) and {@code struct Strides { long long s[8]; }} (64 bytes), both
 * 8-byte aligned, in elements. Before packing, dims are merged where every operand allows it
 * (size-1 dims dropped, neighbours that are contiguous with each other joined), which keeps the
 * rank within the kernels' limit of 8 and the per-element index arithmetic short.
 */
final class TensorLayouts {
    static final int MAX_RANK = 8;
    static final long DIMS_BYTES = 72;
    static final long STRIDES_BYTES = 64;

    private TensorLayouts() {
    }

    /** A shape shared by several operands, each with its own strides, after merging. */
    record Merged(long[] shape, long[][] strides) {
    }

    /**
     * Merges the dims of {@code shape} for operands with the given strides: dim d joins d+1 when,
     * for every operand, stride[d] == stride[d+1] * shape[d+1]. Iteration order stays row-major,
     * so element i of the merged layout is element i of the original one.
     */
    static Merged merge(long[] shape, long[]... strides) {
        List<Long> dims = new ArrayList<>();
        List<long[]> st = new ArrayList<>();
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] == 1) {
                continue;
            }
            long[] s = new long[strides.length];
            for (int k = 0; k < strides.length; k++) {
                s[k] = strides[k][d];
            }
            if (!dims.isEmpty()) {
                int last = dims.size() - 1;
                long[] prev = st.get(last);
                boolean joinable = true;
                for (int k = 0; k < strides.length; k++) {
                    if (prev[k] != s[k] * shape[d]) {
                        joinable = false;
                        break;
                    }
                }
                if (joinable) {
                    dims.set(last, dims.get(last) * shape[d]);
                    st.set(last, s);
                    continue;
                }
            }
            dims.add(shape[d]);
            st.add(s);
        }
        long[] outShape = dims.stream().mapToLong(Long::longValue).toArray();
        long[][] outStrides = new long[strides.length][outShape.length];
        for (int d = 0; d < outShape.length; d++) {
            for (int k = 0; k < strides.length; k++) {
                outStrides[k][d] = st.get(d)[k];
            }
        }
        return new Merged(outShape, outStrides);
    }

    /** The contiguous (row-major) strides of {@code shape}. */
    static long[] contiguousStrides(long[] shape) {
        long[] s = new long[shape.length];
        long acc = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            s[d] = acc;
            acc *= shape[d];
        }
        return s;
    }

    static MemorySegment dims(Arena arena, long[] shape) {
        checkRank(shape.length);
        MemorySegment s = arena.allocate(DIMS_BYTES, 8);
        for (int d = 0; d < MAX_RANK; d++) {
            s.set(JAVA_LONG, 8L * d, d < shape.length ? shape[d] : 1);
        }
        s.set(JAVA_INT, 64, shape.length);
        s.set(JAVA_INT, 68, 0);
        return s;
    }

    static MemorySegment strides(Arena arena, long[] strides) {
        checkRank(strides.length);
        MemorySegment s = arena.allocate(STRIDES_BYTES, 8);
        for (int d = 0; d < MAX_RANK; d++) {
            s.set(JAVA_LONG, 8L * d, d < strides.length ? strides[d] : 0);
        }
        return s;
    }

    private static void checkRank(int rank) {
        if (rank > MAX_RANK) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, "the cuda backend's kernels take up to " + MAX_RANK
                    + " dims after merging contiguous ones; this layout still has " + rank
                    + " (make the tensor contiguous first)");
        }
    }
}
