package io.xpu4j.api;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShapesTest {
    @Test
    void contiguousReshapeIsAView() {
        long[] from = {2, 3, 4};
        assertArrayEquals(new long[]{4, 1}, Shapes.reshapeStrides(from, Shapes.contiguousStrides(from), new long[]{6, 4}));
        assertArrayEquals(new long[]{12, 4, 2, 1}, Shapes.reshapeStrides(from, Shapes.contiguousStrides(from), new long[]{2, 3, 2, 2}));
        assertArrayEquals(new long[]{1}, Shapes.reshapeStrides(from, Shapes.contiguousStrides(from), new long[]{24}));
    }

    @Test
    void transposedCanMergeOnlyCompatibleGroups() {
        // [2,3,4] permuted to [4,2,3] (strides 1,12,4): the trailing [2,3] group is contiguous among itself
        long[] shape = {4, 2, 3};
        long[] strides = {1, 12, 4};
        assertArrayEquals(new long[]{1, 4}, Shapes.reshapeStrides(shape, strides, new long[]{4, 6}));
        assertNull(Shapes.reshapeStrides(shape, strides, new long[]{24}));
        assertNull(Shapes.reshapeStrides(shape, strides, new long[]{8, 3}));
    }

    @Test
    void sizeOneDimsAreFree() {
        long[] shape = {3, 1, 5};
        long[] strides = {10, 99, 2};
        long[] got = Shapes.reshapeStrides(shape, strides, new long[]{1, 3, 5, 1});
        assertEquals(10, got[1]);
        assertEquals(2, got[2]);
    }

    @Test
    void contiguityIgnoresSizeOneStrides() {
        assertTrue(Shapes.isContiguous(new long[]{2, 1, 3}, new long[]{3, 77, 1}));
        assertTrue(Shapes.isContiguous(new long[]{0, 5}, new long[]{1, 1}));
    }

    @Test
    void reshapeRejectsWrongCountsWithSizes() {
        XpuException e = assertThrows(XpuException.class, () -> Shapes.resolveReshape(new long[]{2, 3}, new long[]{4, 2}));
        assertEquals(ErrorCode.SHAPE_MISMATCH, e.code());
        assertTrue(e.getMessage().contains("6 elements") && e.getMessage().contains("8 elements"), e.getMessage());
        assertArrayEquals(new long[]{3, 2}, Shapes.resolveReshape(new long[]{2, 3}, new long[]{-1, 2}));
        assertThrows(XpuException.class, () -> Shapes.resolveReshape(new long[]{2, 3}, new long[]{-1, -1}));
    }

    @Test
    void broadcastFollowsNumpy() {
        assertArrayEquals(new long[]{4, 3, 5}, Shapes.broadcast("t", new long[]{3, 1}, new long[]{4, 1, 5}));
        assertArrayEquals(new long[]{0, 2}, Shapes.broadcast("t", new long[]{0, 1}, new long[]{2}));
        XpuException e = assertThrows(XpuException.class, () -> Shapes.broadcast("add", new long[]{2, 3}, new long[]{4}));
        assertTrue(e.getMessage().startsWith("[SHAPE_MISMATCH] add: shapes [2, 3] and [4]"), e.getMessage());
    }

    @Test
    void axisNormalisationNamesTheRange() {
        assertEquals(2, Shapes.axis(-1, 3, "sum"));
        XpuException e = assertThrows(XpuException.class, () -> Shapes.axis(3, 3, "sum"));
        assertTrue(e.getMessage().contains("allowed: -3..2"), e.getMessage());
    }
}
