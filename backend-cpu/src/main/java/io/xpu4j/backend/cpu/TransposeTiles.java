package io.xpu4j.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * The copy of 4- and 2-byte elements whose destination rows are contiguous while the source is
 * contiguous along another dim (a transposed matrix made contiguous, or attention's key layout
 * [B, H, D, S] from [B, H, S, D]). Row by row, every element would be a scalar load from its own
 * cache line; here 8 x 8 blocks are read as eight vectors along the source's contiguous dim,
 * transposed in registers and written as eight vectors along the destination's rows, in 64 x 64
 * tiles: a [4096, 4096] F32 matrix in 21-29 ms against 67-93 ms row by row (two threads).
 * Scalar moves in the same tiles were no faster than row by row: the per-element load and
 * store, not the access pattern, was the cost.
 */
final class TransposeTiles {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_256;
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    /** Block side: one 256-bit vector of floats. */
    static final int B = 8;

    // Three rounds of two-vector shuffles (an index i - 16 < 0 takes lane i - 8 of the second
    // vector): pairs of rows interleaved, then pairs of pairs, then the halves. The same lane
    // pattern serves 8 floats (256 bits) and 8 shorts (128 bits).
    private static final int[][] ROUNDS = {
            {0, -8, 1, -7, 4, -4, 5, -3}, {2, -6, 3, -5, 6, -2, 7, -1},
            {0, 1, -8, -7, 4, 5, -4, -3}, {2, 3, -6, -5, 6, 7, -2, -1},
            {0, 1, 2, 3, -8, -7, -6, -5}, {4, 5, 6, 7, -4, -3, -2, -1}};
    private static final VectorShuffle<Float> LO1 = VectorShuffle.fromArray(S, ROUNDS[0], 0);
    private static final VectorShuffle<Float> HI1 = VectorShuffle.fromArray(S, ROUNDS[1], 0);
    private static final VectorShuffle<Float> LO2 = VectorShuffle.fromArray(S, ROUNDS[2], 0);
    private static final VectorShuffle<Float> HI2 = VectorShuffle.fromArray(S, ROUNDS[3], 0);
    private static final VectorShuffle<Float> LO4 = VectorShuffle.fromArray(S, ROUNDS[4], 0);
    private static final VectorShuffle<Float> HI4 = VectorShuffle.fromArray(S, ROUNDS[5], 0);
    private static final VectorSpecies<Short> H = ShortVector.SPECIES_128;
    private static final VectorShuffle<Short> H_LO1 = VectorShuffle.fromArray(H, ROUNDS[0], 0);
    private static final VectorShuffle<Short> H_HI1 = VectorShuffle.fromArray(H, ROUNDS[1], 0);
    private static final VectorShuffle<Short> H_LO2 = VectorShuffle.fromArray(H, ROUNDS[2], 0);
    private static final VectorShuffle<Short> H_HI2 = VectorShuffle.fromArray(H, ROUNDS[3], 0);
    private static final VectorShuffle<Short> H_LO4 = VectorShuffle.fromArray(H, ROUNDS[4], 0);
    private static final VectorShuffle<Short> H_HI4 = VectorShuffle.fromArray(H, ROUNDS[5], 0);

    private TransposeTiles() {
    }

    /**
     * Whether the blocks for elements of {@code size} bytes run natively: 4-byte blocks take
     * 256-bit vectors (AVX2, AVX-512; where the kernels' width is 128 bits they would be emulated,
     * and the scalar copy is faster), 2-byte blocks 128-bit ones, which every vector ISA has.
     */
    static boolean usable(int size) {
        return size == 2 || size == 4 && VectorWidth.FLOAT.vectorBitSize() >= 256;
    }

    /**
     * Copies the tensor of {@code size}-byte elements (4 or 2, see {@link #usable}): {@code shape}'s
     * last dim is the destination's contiguous dim, dim
     * {@code c} (not the last) the source's; {@code ss}/{@code ds} are element strides and
     * {@code sBase}/{@code dBase} element offsets.
     */
    static void copy(MemorySegment src, MemorySegment dst, int size, long[] shape, long[] ss, long[] ds, int c,
                     long sBase, long dBase) {
        int rank = shape.length;
        // the planes: every outer dim but c, walked in the destination's order
        int planeDims = rank - 2;
        long[] pShape = new long[planeDims];
        long[] pSs = new long[planeDims];
        long[] pDs = new long[planeDims];
        for (int d = 0, q = 0; d < rank - 1; d++) {
            if (d != c) {
                pShape[q] = shape[d];
                pSs[q] = ss[d];
                pDs[q] = ds[d];
                q++;
            }
        }
        long planes = 1;
        for (long e : pShape) {
            planes *= e;
        }
        int ni = Math.toIntExact(shape[c]);
        int nj = Math.toIntExact(shape[rank - 1]);
        long sj = ss[rank - 1] * size;
        long di = ds[c] * size;
        int tileRows = (ni + TILE - 1) / TILE;
        int minUnits = (int) Math.max(1, CopyKernels.MIN_TASK_BYTES / ((long) size * TILE * nj));
        Parallel.forRange(Math.toIntExact(planes * tileRows), minUnits, (from, to) -> {
            for (int u = from; u < to; u++) {
                long plane = u / tileRows;
                int i0 = (int) (u % tileRows) * TILE;
                long sOff = sBase;
                long dOff = dBase;
                long rem = plane;
                for (int d = planeDims - 1; d >= 0; d--) {
                    long idx = rem % pShape[d];
                    rem /= pShape[d];
                    sOff += idx * pSs[d];
                    dOff += idx * pDs[d];
                }
                int i1 = Math.min(ni, i0 + TILE);
                for (int j0 = 0; j0 < nj; j0 += TILE) {
                    tile(src, (sOff + i0) * size + j0 * sj, sj, dst, (dOff + i0 * ds[c] + j0) * size, di, size,
                            i1 - i0, Math.min(TILE, nj - j0));
                }
            }
        });
    }

    /**
     * Tile side: 64 source rows and 64 destination rows of 64 elements each (256 bytes of floats,
     * 128 of shorts), so that a tile's pages stay in the TLB; walking 8-row strips across a whole 4096 x 4096 matrix touched a new page
     * with every vector.
     */
    static final int TILE = 64;

    /** One tile of {@code rows} x {@code cols}: whole 8 x 8 blocks, then the edges element by element. */
    private static void tile(MemorySegment src, long s, long sj, MemorySegment dst, long d, long di, int size,
                             int rows, int cols) {
        int fullRows = rows - rows % B;
        int fullCols = cols - cols % B;
        for (int i = 0; i < fullRows; i += B) {
            for (int j = 0; j < fullCols; j += B) {
                if (size == 4) {
                    block(src, s + i * 4L + j * sj, sj, dst, d + i * di + j * 4L, di);
                } else {
                    block2(src, s + i * 2L + j * sj, sj, dst, d + i * di + j * 2L, di);
                }
            }
            scalar(src, s + (long) i * size + fullCols * sj, sj, dst, d + i * di + (long) fullCols * size, di, size,
                    B, cols - fullCols);
        }
        scalar(src, s + (long) fullRows * size, sj, dst, d + fullRows * di, di, size, rows - fullRows, cols);
    }

    /** One 8 x 8 block: source rows {@code sj} bytes apart, destination rows {@code di} bytes apart. */
    private static void block(MemorySegment src, long s, long sj, MemorySegment dst, long d, long di) {
        FloatVector a0 = FloatVector.fromMemorySegment(S, src, s, NATIVE);
        FloatVector a1 = FloatVector.fromMemorySegment(S, src, s + sj, NATIVE);
        FloatVector a2 = FloatVector.fromMemorySegment(S, src, s + 2 * sj, NATIVE);
        FloatVector a3 = FloatVector.fromMemorySegment(S, src, s + 3 * sj, NATIVE);
        FloatVector a4 = FloatVector.fromMemorySegment(S, src, s + 4 * sj, NATIVE);
        FloatVector a5 = FloatVector.fromMemorySegment(S, src, s + 5 * sj, NATIVE);
        FloatVector a6 = FloatVector.fromMemorySegment(S, src, s + 6 * sj, NATIVE);
        FloatVector a7 = FloatVector.fromMemorySegment(S, src, s + 7 * sj, NATIVE);
        FloatVector b0 = a0.rearrange(LO1, a1);
        FloatVector b1 = a0.rearrange(HI1, a1);
        FloatVector b2 = a2.rearrange(LO1, a3);
        FloatVector b3 = a2.rearrange(HI1, a3);
        FloatVector b4 = a4.rearrange(LO1, a5);
        FloatVector b5 = a4.rearrange(HI1, a5);
        FloatVector b6 = a6.rearrange(LO1, a7);
        FloatVector b7 = a6.rearrange(HI1, a7);
        FloatVector c0 = b0.rearrange(LO2, b2);
        FloatVector c1 = b0.rearrange(HI2, b2);
        FloatVector c2 = b1.rearrange(LO2, b3);
        FloatVector c3 = b1.rearrange(HI2, b3);
        FloatVector c4 = b4.rearrange(LO2, b6);
        FloatVector c5 = b4.rearrange(HI2, b6);
        FloatVector c6 = b5.rearrange(LO2, b7);
        FloatVector c7 = b5.rearrange(HI2, b7);
        c0.rearrange(LO4, c4).intoMemorySegment(dst, d, NATIVE);
        c1.rearrange(LO4, c5).intoMemorySegment(dst, d + di, NATIVE);
        c2.rearrange(LO4, c6).intoMemorySegment(dst, d + 2 * di, NATIVE);
        c3.rearrange(LO4, c7).intoMemorySegment(dst, d + 3 * di, NATIVE);
        c0.rearrange(HI4, c4).intoMemorySegment(dst, d + 4 * di, NATIVE);
        c1.rearrange(HI4, c5).intoMemorySegment(dst, d + 5 * di, NATIVE);
        c2.rearrange(HI4, c6).intoMemorySegment(dst, d + 6 * di, NATIVE);
        c3.rearrange(HI4, c7).intoMemorySegment(dst, d + 7 * di, NATIVE);
    }

    /**
     * {@link #block} for 2-byte elements: the same three rounds on 8-lane 128-bit short vectors.
     * A copy, not one generic method: the Vector API compiles a block to shuffles only where its
     * species is a constant, and a method shared by two species would not be.
     */
    private static void block2(MemorySegment src, long s, long sj, MemorySegment dst, long d, long di) {
        ShortVector a0 = ShortVector.fromMemorySegment(H, src, s, NATIVE);
        ShortVector a1 = ShortVector.fromMemorySegment(H, src, s + sj, NATIVE);
        ShortVector a2 = ShortVector.fromMemorySegment(H, src, s + 2 * sj, NATIVE);
        ShortVector a3 = ShortVector.fromMemorySegment(H, src, s + 3 * sj, NATIVE);
        ShortVector a4 = ShortVector.fromMemorySegment(H, src, s + 4 * sj, NATIVE);
        ShortVector a5 = ShortVector.fromMemorySegment(H, src, s + 5 * sj, NATIVE);
        ShortVector a6 = ShortVector.fromMemorySegment(H, src, s + 6 * sj, NATIVE);
        ShortVector a7 = ShortVector.fromMemorySegment(H, src, s + 7 * sj, NATIVE);
        ShortVector b0 = a0.rearrange(H_LO1, a1);
        ShortVector b1 = a0.rearrange(H_HI1, a1);
        ShortVector b2 = a2.rearrange(H_LO1, a3);
        ShortVector b3 = a2.rearrange(H_HI1, a3);
        ShortVector b4 = a4.rearrange(H_LO1, a5);
        ShortVector b5 = a4.rearrange(H_HI1, a5);
        ShortVector b6 = a6.rearrange(H_LO1, a7);
        ShortVector b7 = a6.rearrange(H_HI1, a7);
        ShortVector c0 = b0.rearrange(H_LO2, b2);
        ShortVector c1 = b0.rearrange(H_HI2, b2);
        ShortVector c2 = b1.rearrange(H_LO2, b3);
        ShortVector c3 = b1.rearrange(H_HI2, b3);
        ShortVector c4 = b4.rearrange(H_LO2, b6);
        ShortVector c5 = b4.rearrange(H_HI2, b6);
        ShortVector c6 = b5.rearrange(H_LO2, b7);
        ShortVector c7 = b5.rearrange(H_HI2, b7);
        c0.rearrange(H_LO4, c4).intoMemorySegment(dst, d, NATIVE);
        c1.rearrange(H_LO4, c5).intoMemorySegment(dst, d + di, NATIVE);
        c2.rearrange(H_LO4, c6).intoMemorySegment(dst, d + 2 * di, NATIVE);
        c3.rearrange(H_LO4, c7).intoMemorySegment(dst, d + 3 * di, NATIVE);
        c0.rearrange(H_HI4, c4).intoMemorySegment(dst, d + 4 * di, NATIVE);
        c1.rearrange(H_HI4, c5).intoMemorySegment(dst, d + 5 * di, NATIVE);
        c2.rearrange(H_HI4, c6).intoMemorySegment(dst, d + 6 * di, NATIVE);
        c3.rearrange(H_HI4, c7).intoMemorySegment(dst, d + 7 * di, NATIVE);
    }

    /** The edges: {@code dst[d + i·di + size·j] = src[s + size·i + j·sj]} for i < rows, j < cols, a row at a time. */
    private static void scalar(MemorySegment src, long s, long sj, MemorySegment dst, long d, long di, int size,
                               int rows, int cols) {
        for (int i = 0; i < rows; i++) {
            CopyKernels.copyElements(src, s + (long) i * size, sj, dst, d + i * di, size, cols, size);
        }
    }
}
