package io.xpu4j.backend.cuda;

import io.xpu4j.api.DType;
import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.FloatFormats;
import io.xpu4j.api.XpuException;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Kernel parameter buffers, layout structs and merged layouts, built without a GPU. */
class HostPackingTest {
    @Test
    void kernelParamsPointToEachValueInOrder() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment dims = TensorLayouts.dims(arena, new long[]{2, 3});
            KernelParams p = new KernelParams(arena).pointer(0xABCDEF00L).i64(-5).i32(7).f32(1.5f).f64(-2.25)
                    .struct(dims).u64(0xFFFF_FFFF_FFFF_FFFEL);
            assertEquals(List.of(8, 8, 4, 4, 8, 72, 8), p.sizes());
            MemorySegment array = p.pack().reinterpret(8L * p.count());
            assertEquals(0xABCDEF00L, array.getAtIndex(ADDRESS, 0).reinterpret(8).get(JAVA_LONG, 0));
            assertEquals(-5L, array.getAtIndex(ADDRESS, 1).reinterpret(8).get(JAVA_LONG, 0));
            assertEquals(7, array.getAtIndex(ADDRESS, 2).reinterpret(4).get(JAVA_INT, 0));
            assertEquals(1.5f, array.getAtIndex(ADDRESS, 3).reinterpret(4).get(JAVA_FLOAT, 0));
            assertEquals(-2.25, array.getAtIndex(ADDRESS, 4).reinterpret(8).get(JAVA_DOUBLE, 0));
            assertEquals(dims.address(), array.getAtIndex(ADDRESS, 5).address());
            assertEquals(-2L, array.getAtIndex(ADDRESS, 6).reinterpret(8).get(JAVA_LONG, 0));
            for (int i = 0; i < p.count(); i++) {
                assertEquals(0, array.getAtIndex(ADDRESS, i).address() % 4, "aligned");
            }
        }
    }

    @Test
    void dimsAndStridesStructs() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment d = TensorLayouts.dims(arena, new long[]{4, 5, 6});
            assertEquals(72, d.byteSize());
            assertEquals(0, d.address() % 8);
            assertArrayEquals(new long[]{4, 5, 6, 1, 1, 1, 1, 1}, d.asSlice(0, 64).toArray(JAVA_LONG));
            assertEquals(3, d.get(JAVA_INT, 64));
            MemorySegment s = TensorLayouts.strides(arena, new long[]{30, 0, 1});
            assertEquals(64, s.byteSize());
            assertArrayEquals(new long[]{30, 0, 1, 0, 0, 0, 0, 0}, s.toArray(JAVA_LONG));
            XpuException e = assertThrows(XpuException.class, () -> TensorLayouts.dims(arena, new long[9]));
            assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
        }
    }

    @Test
    void mergeJoinsContiguousDimsAndKeepsOrder() {
        // contiguous [2, 3, 4]: one dim of 24
        TensorLayouts.Merged m = TensorLayouts.merge(new long[]{2, 3, 4}, new long[]{12, 4, 1});
        assertArrayEquals(new long[]{24}, m.shape());
        assertArrayEquals(new long[]{1}, m.strides()[0]);
        // the second operand broadcast along dims 0 and 1: those two merge (0 = 0 * 3), the last does not
        m = TensorLayouts.merge(new long[]{2, 3, 4}, new long[]{12, 4, 1}, new long[]{0, 0, 1});
        assertArrayEquals(new long[]{6, 4}, m.shape());
        assertArrayEquals(new long[]{4, 1}, m.strides()[0]);
        assertArrayEquals(new long[]{0, 1}, m.strides()[1]);
        // size-1 dims vanish; all-ones is rank 0
        m = TensorLayouts.merge(new long[]{1, 1}, new long[]{7, 9});
        assertEquals(0, m.shape().length);
        // transposed: nothing merges
        m = TensorLayouts.merge(new long[]{3, 2}, new long[]{1, 3});
        assertArrayEquals(new long[]{3, 2}, m.shape());
        assertArrayEquals(new long[]{1, 3}, m.strides()[0]);
        // a rank-10 contiguous tensor packs fine after merging
        long[] shape = new long[10];
        java.util.Arrays.fill(shape, 2);
        m = TensorLayouts.merge(shape, TensorLayouts.contiguousStrides(shape));
        assertArrayEquals(new long[]{1024}, m.shape());
    }

    @Test
    void mergedOffsetsEqualTheOriginalOnes() {
        long[] shape = {2, 1, 3, 4};
        long[] a = {24, 99, 1, 3};  // inner dims transposed
        long[] b = {0, 5, 4, 1};    // broadcast along dim 0
        TensorLayouts.Merged m = TensorLayouts.merge(shape, a, b);
        long n = 24;
        for (long i = 0; i < n; i++) {
            assertEquals(offset(i, shape, a), offset(i, m.shape(), m.strides()[0]), "a at " + i);
            assertEquals(offset(i, shape, b), offset(i, m.shape(), m.strides()[1]), "b at " + i);
        }
    }

    /** The kernels' offset_of, in Java. */
    private static long offset(long i, long[] shape, long[] strides) {
        long off = 0;
        for (int d = shape.length - 1; d >= 0; d--) {
            off += (i % shape[d]) * strides[d];
            i /= shape[d];
        }
        return off;
    }

    @Test
    void reduceSplitSeparatesKeptAndReducedDims() {
        ReduceOps.Split s = ReduceOps.split(new long[]{2, 3, 4}, new long[]{12, 4, 1}, new long[]{1});
        assertArrayEquals(new long[]{2, 4}, s.outerShape());
        assertArrayEquals(new long[]{12, 1}, s.outerStrides());
        assertArrayEquals(new long[]{3}, s.innerShape());
        assertArrayEquals(new long[]{4}, s.innerStrides());
        assertEquals(8, s.outerCount());
        assertEquals(3, s.innerCount());
        s = ReduceOps.split(new long[]{2, 3, 4}, new long[]{12, 4, 1}, new long[]{0, 1, 2});
        assertEquals(1, s.outerCount());
        assertEquals(24, s.innerCount());
        assertArrayEquals(new long[]{24}, s.innerShape(), "all reduced dims merge when contiguous");
        s = ReduceOps.split(new long[]{5, 0}, new long[]{0, 1}, new long[]{1});
        assertEquals(0, s.innerCount(), "an empty reduction: the kernel writes the identity");
    }

    @Test
    void matmulOperandLayouts() {
        assertEquals(new MatmulOp.Operand(false, 4, 0), MatmulOp.describe(new long[]{3, 4}, new long[]{4, 1}));
        // transposed view of a contiguous [4, 3]
        assertEquals(new MatmulOp.Operand(true, 3, 0), MatmulOp.describe(new long[]{3, 4}, new long[]{1, 3}));
        // a row slice of a wider matrix keeps its leading dimension
        assertEquals(new MatmulOp.Operand(false, 10, 0), MatmulOp.describe(new long[]{3, 4}, new long[]{10, 1}));
        // batch dims that collapse, and broadcast ones
        assertEquals(new MatmulOp.Operand(false, 4, 12), MatmulOp.describe(new long[]{2, 5, 3, 4},
                new long[]{60, 12, 4, 1}));
        assertEquals(new MatmulOp.Operand(false, 4, 0), MatmulOp.describe(new long[]{2, 5, 3, 4},
                new long[]{0, 0, 4, 1}));
        // batch dims that do not collapse, and an element stride != 1: need a contiguous copy
        assertEquals(null, MatmulOp.describe(new long[]{2, 5, 3, 4}, new long[]{0, 12, 4, 1}));
        assertEquals(null, MatmulOp.describe(new long[]{3, 4}, new long[]{8, 2}));
    }

    @Test
    void fillEncodingMatchesFloatFormats() {
        assertEquals(Float.floatToRawIntBits(0.1f) & 0xFFFF_FFFFL, DTypeCodes.encode(DType.F32, 0.1));
        assertEquals(FloatFormats.doubleToHalf(65520.0) & 0xFFFFL, DTypeCodes.encode(DType.F16, 65520.0));
        assertEquals(0x7C00L, DTypeCodes.encode(DType.F16, 65520.0), "rounds to +Inf");
        assertEquals(0x3F80L, DTypeCodes.encode(DType.BF16, 1.0));
        assertEquals(0x7FL, DTypeCodes.encode(DType.F8_E4M3, 1000.0), "E4M3 overflow without saturation is NaN");
        assertEquals(0x7CL, DTypeCodes.encode(DType.F8_E5M2, 1e6), "E5M2 overflow is +Inf");
        assertEquals(0xFFL, DTypeCodes.encode(DType.I8, -1));
        assertEquals(0xFFFF_FFFFL, DTypeCodes.encode(DType.I32, -1));
        assertEquals(-1L, DTypeCodes.encode(DType.I64, -1));
        assertEquals(1L, DTypeCodes.encode(DType.BOOL, Double.NaN));
    }
}
