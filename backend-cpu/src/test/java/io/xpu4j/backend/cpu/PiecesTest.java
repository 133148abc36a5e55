package io.xpu4j.backend.cpu;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * {@link Pieces#coalesce}: which dims merge (all operands step through them as one), which stay
 * apart, and that the last dim's stride, which the kernels read from the tensors, never changes.
 */
class PiecesTest {
    private static long[][] merged(long[] shape, long[]... strides) {
        long[][] out = new long[strides.length][];
        long[] s = Pieces.coalesce(shape, strides, out);
        long[][] result = new long[strides.length + 1][];
        result[0] = s;
        System.arraycopy(out, 0, result, 1, out.length);
        return result;
    }

    @Test
    void contiguousOperandsBecomeOneRow() {
        long[][] m = merged(new long[]{1000, 3, 4}, new long[]{12, 4, 1}, new long[]{12, 4, 1});
        assertArrayEquals(new long[]{12000}, m[0]);
        assertArrayEquals(new long[]{1}, m[1]);
        assertArrayEquals(new long[]{1}, m[2]);
    }

    @Test
    void aBroadcastRowKeepsTheRowsApart() {
        // out [4096, 384] = x [4096, 384] + bias [384] (expanded: stride 0 along the rows)
        long[][] m = merged(new long[]{4096, 384}, new long[]{384, 1}, new long[]{0, 1}, new long[]{384, 1});
        assertArrayEquals(new long[]{4096, 384}, m[0]);
        assertArrayEquals(new long[]{0, 1}, m[2]);
    }

    @Test
    void onlyTheDimsThatLineUpMerge() {
        // a [2, 3, 4, 5] tensor with dims 0 and 1 swapped: dims 2 and 3 merge for both operands, 0 and 1 do not
        long[][] m = merged(new long[]{3, 2, 4, 5}, new long[]{20, 60, 5, 1}, new long[]{40, 20, 5, 1});
        assertArrayEquals(new long[]{3, 2, 20}, m[0]);
        assertArrayEquals(new long[]{20, 60, 1}, m[1]);
        assertArrayEquals(new long[]{40, 20, 1}, m[2]);
    }

    @Test
    void outerDimsOfOneElementGoAndALastDimOfOneStays() {
        long[][] m = merged(new long[]{1, 6, 1, 7}, new long[]{99, 7, 5, 1});
        assertArrayEquals(new long[]{42}, m[0]);
        // a last dim of one element keeps its own stride (merging would change the row's stride)
        long[][] col = merged(new long[]{6, 1}, new long[]{1, 6});
        assertArrayEquals(new long[]{6, 1}, col[0]);
        assertArrayEquals(new long[]{1, 6}, col[1]);
    }

    @Test
    void rowsStopGrowingAtTheLimit() {
        long[][] m = merged(new long[]{1 << 12, 1 << 20}, new long[]{1 << 20, 1});
        // 2^32 elements in all: merging would make a row longer than the kernels count in ints
        assertArrayEquals(new long[]{1 << 12, 1 << 20}, m[0]);
    }
}
