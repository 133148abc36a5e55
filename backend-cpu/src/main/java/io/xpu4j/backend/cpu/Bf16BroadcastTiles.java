package io.xpu4j.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The broadcast tiles of {@link Gemm}'s skinny x·Wᵀ (Cᵀ = W·Xᵀ; one tile per shape of the F32 ones)
 * reading BF16 weights straight from the tensor, each weight widened in registers as it is broadcast.
 *
 * <p>Widening whole weight rows into a float buffer first reads the weights from memory in one
 * pass and multiplies in another, so memory and arithmetic take turns; here the weights stream
 * while the FMAs run, as F32 weights do. A BF16 value is the upper half of its float, so widening
 * costs a 32-bit broadcast load and one or two integer operations, and is exact for every bit
 * pattern. (F16 weights keep the buffer: without such a shortcut, widening each weight as it is
 * broadcast cost more than it saved.) Each tile does the F32 tile's arithmetic in the F32 tile's
 * order, so BF16 weights give the bits their F32 values would.
 *
 * <p>Little-endian only: a 32-bit load at element {@code i} holds element {@code i} in its low half.
 */
final class Bf16BroadcastTiles {
    private static final VectorSpecies<Float> S = VectorWidth.FLOAT;
    private static final int L = S.length();
    private static final VectorSpecies<Integer> IS =
            VectorSpecies.of(int.class, VectorShape.forBitSize(L * Integer.SIZE));
    private static final ValueLayout.OfInt TWO = ValueLayout.JAVA_INT_UNALIGNED;
    /**
     * Per 32-bit lane, for a broadcast pair of weights: even lanes shift the pair's first weight
     * (the low half) up, odd lanes keep the second (the high half) and clear the low half.
     */
    private static final int[] PAIR_SHIFTS = new int[L];
    private static final int[] PAIR_MASKS = new int[L];

    static {
        for (int i = 0; i < L; i++) {
            PAIR_SHIFTS[i] = i % 2 == 0 ? 16 : 0;
            PAIR_MASKS[i] = i % 2 == 0 ? -1 : 0xFFFF0000;
        }
    }

    private Bf16BroadcastTiles() {
    }

    /** Whether the tiles here serve this platform (its byte order). */
    static boolean serves() {
        return ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
    }

    /**
     * One vector of x per step holding two values of K ({@code xPairs}: row i's values at K = 2p
     * and 2p + 1 in lanes 2i and 2i + 1), against each weight row's pair at 2p, 2p + 1; the lane
     * pairs are summed at the end and an odd K's last value added one product at a time, as in
     * {@code Gemm.Op.bcastPairs8x1}.
     *
     * @param q0 element index of the first weight row's K = 0; rows {@code ks} elements apart
     * @param xt x transposed, K rows of {@code mp} floats (for the odd K's last value)
     */
    static void pairs8x1(MemorySegment b, long q0, long ks, float[] xPairs, float[] xt, int k, int m, int mp,
                         float[] tile) {
        IntVector shifts = IntVector.fromArray(IS, PAIR_SHIFTS, 0);
        IntVector masks = IntVector.fromArray(IS, PAIR_MASKS, 0);
        FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
        final int kp = k / 2;
        // byte offsets of the eight rows
        long o0 = 2 * q0, o1 = o0 + 2 * ks, o2 = o1 + 2 * ks, o3 = o2 + 2 * ks, o4 = o3 + 2 * ks, o5 = o4 + 2 * ks,
                o6 = o5 + 2 * ks, o7 = o6 + 2 * ks;
        for (int p = 0; p < kp; p++) {
            FloatVector x = FloatVector.fromArray(S, xPairs, p * L);
            long o = 4L * p;
            c0 = IntVector.broadcast(IS, b.get(TWO, o0 + o)).lanewise(VectorOperators.LSHL, shifts).and(masks)
                    .reinterpretAsFloats().fma(x, c0);
            c1 = IntVector.broadcast(IS, b.get(TWO, o1 + o)).lanewise(VectorOperators.LSHL, shifts).and(masks)
                    .reinterpretAsFloats().fma(x, c1);
            c2 = IntVector.broadcast(IS, b.get(TWO, o2 + o)).lanewise(VectorOperators.LSHL, shifts).and(masks)
                    .reinterpretAsFloats().fma(x, c2);
            c3 = IntVector.broadcast(IS, b.get(TWO, o3 + o)).lanewise(VectorOperators.LSHL, shifts).and(masks)
                    .reinterpretAsFloats().fma(x, c3);
            c4 = IntVector.broadcast(IS, b.get(TWO, o4 + o)).lanewise(VectorOperators.LSHL, shifts).and(masks)
                    .reinterpretAsFloats().fma(x, c4);
            c5 = IntVector.broadcast(IS, b.get(TWO, o5 + o)).lanewise(VectorOperators.LSHL, shifts).and(masks)
                    .reinterpretAsFloats().fma(x, c5);
            c6 = IntVector.broadcast(IS, b.get(TWO, o6 + o)).lanewise(VectorOperators.LSHL, shifts).and(masks)
                    .reinterpretAsFloats().fma(x, c6);
            c7 = IntVector.broadcast(IS, b.get(TWO, o7 + o)).lanewise(VectorOperators.LSHL, shifts).and(masks)
                    .reinterpretAsFloats().fma(x, c7);
        }
        c0.intoArray(tile, 0);
        c1.intoArray(tile, L);
        c2.intoArray(tile, 2 * L);
        c3.intoArray(tile, 3 * L);
        c4.intoArray(tile, 4 * L);
        c5.intoArray(tile, 5 * L);
        c6.intoArray(tile, 6 * L);
        c7.intoArray(tile, 7 * L);
        int last = 2 * kp;
        for (int rr = 0; rr < 8; rr++) {
            int t = rr * L;
            // in place: entry i is written after entries 2i and 2i + 1 were read
            for (int i = 0; i < L / 2; i++) {
                tile[t + i] = tile[t + 2 * i] + tile[t + 2 * i + 1];
            }
            if (last < k) {
                float w = Gemm.bf16At(b, q0 + rr * ks + last);
                for (int i = 0; i < m; i++) {
                    tile[t + i] += xt[last * mp + i] * w;
                }
            }
        }
    }

    /**
     * One vector of x per step (M &lt;= L), one weight per row broadcast. The loads are 32 bits
     * wide (the weight and the next one, shifted out), so the row's last weight, whose neighbour
     * may lie past the end of the tensor, is added after the loop with the same FMA.
     */
    static void rows8x1(MemorySegment b, long q0, long ks, float[] xt, int k, int m, float[] tile) {
        FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
        final int kk = k - 1;
        long o0 = 2 * q0, o1 = o0 + 2 * ks, o2 = o1 + 2 * ks, o3 = o2 + 2 * ks, o4 = o3 + 2 * ks, o5 = o4 + 2 * ks,
                o6 = o5 + 2 * ks, o7 = o6 + 2 * ks;
        for (int p = 0; p < kk; p++) {
            FloatVector x = FloatVector.fromArray(S, xt, p * L);
            long o = 2L * p;
            c0 = IntVector.broadcast(IS, b.get(TWO, o0 + o)).lanewise(VectorOperators.LSHL, 16)
                    .reinterpretAsFloats().fma(x, c0);
            c1 = IntVector.broadcast(IS, b.get(TWO, o1 + o)).lanewise(VectorOperators.LSHL, 16)
                    .reinterpretAsFloats().fma(x, c1);
            c2 = IntVector.broadcast(IS, b.get(TWO, o2 + o)).lanewise(VectorOperators.LSHL, 16)
                    .reinterpretAsFloats().fma(x, c2);
            c3 = IntVector.broadcast(IS, b.get(TWO, o3 + o)).lanewise(VectorOperators.LSHL, 16)
                    .reinterpretAsFloats().fma(x, c3);
            c4 = IntVector.broadcast(IS, b.get(TWO, o4 + o)).lanewise(VectorOperators.LSHL, 16)
                    .reinterpretAsFloats().fma(x, c4);
            c5 = IntVector.broadcast(IS, b.get(TWO, o5 + o)).lanewise(VectorOperators.LSHL, 16)
                    .reinterpretAsFloats().fma(x, c5);
            c6 = IntVector.broadcast(IS, b.get(TWO, o6 + o)).lanewise(VectorOperators.LSHL, 16)
                    .reinterpretAsFloats().fma(x, c6);
            c7 = IntVector.broadcast(IS, b.get(TWO, o7 + o)).lanewise(VectorOperators.LSHL, 16)
                    .reinterpretAsFloats().fma(x, c7);
        }
        c0.intoArray(tile, 0);
        c1.intoArray(tile, L);
        c2.intoArray(tile, 2 * L);
        c3.intoArray(tile, 3 * L);
        c4.intoArray(tile, 4 * L);
        c5.intoArray(tile, 5 * L);
        c6.intoArray(tile, 6 * L);
        c7.intoArray(tile, 7 * L);
        addLastK(b, q0, ks, 8, xt, k, m, L, tile);
    }

    /** Two vectors of x per step (L &lt; M &lt;= 2L), one weight per row broadcast; as {@link #rows8x1}. */
    static void rows8x2(MemorySegment b, long q0, long ks, float[] xt, int k, int m, float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        FloatVector c40 = c00, c41 = c00, c50 = c00, c51 = c00, c60 = c00, c61 = c00, c70 = c00, c71 = c00;
        final int kk = k - 1;
        long o0 = 2 * q0, o1 = o0 + 2 * ks, o2 = o1 + 2 * ks, o3 = o2 + 2 * ks, o4 = o3 + 2 * ks, o5 = o4 + 2 * ks,
                o6 = o5 + 2 * ks, o7 = o6 + 2 * ks;
        for (int p = 0; p < kk; p++) {
            int xi = p * (2 * L);
            FloatVector x0 = FloatVector.fromArray(S, xt, xi);
            FloatVector x1 = FloatVector.fromArray(S, xt, xi + L);
            long o = 2L * p;
            FloatVector w = IntVector.broadcast(IS, b.get(TWO, o0 + o)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            c00 = w.fma(x0, c00);
            c01 = w.fma(x1, c01);
            w = IntVector.broadcast(IS, b.get(TWO, o1 + o)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            c10 = w.fma(x0, c10);
            c11 = w.fma(x1, c11);
            w = IntVector.broadcast(IS, b.get(TWO, o2 + o)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            c20 = w.fma(x0, c20);
            c21 = w.fma(x1, c21);
            w = IntVector.broadcast(IS, b.get(TWO, o3 + o)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            c30 = w.fma(x0, c30);
            c31 = w.fma(x1, c31);
            w = IntVector.broadcast(IS, b.get(TWO, o4 + o)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            c40 = w.fma(x0, c40);
            c41 = w.fma(x1, c41);
            w = IntVector.broadcast(IS, b.get(TWO, o5 + o)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            c50 = w.fma(x0, c50);
            c51 = w.fma(x1, c51);
            w = IntVector.broadcast(IS, b.get(TWO, o6 + o)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            c60 = w.fma(x0, c60);
            c61 = w.fma(x1, c61);
            w = IntVector.broadcast(IS, b.get(TWO, o7 + o)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            c70 = w.fma(x0, c70);
            c71 = w.fma(x1, c71);
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, L);
        c10.intoArray(tile, 2 * L);
        c11.intoArray(tile, 3 * L);
        c20.intoArray(tile, 4 * L);
        c21.intoArray(tile, 5 * L);
        c30.intoArray(tile, 6 * L);
        c31.intoArray(tile, 7 * L);
        c40.intoArray(tile, 8 * L);
        c41.intoArray(tile, 9 * L);
        c50.intoArray(tile, 10 * L);
        c51.intoArray(tile, 11 * L);
        c60.intoArray(tile, 12 * L);
        c61.intoArray(tile, 13 * L);
        c70.intoArray(tile, 14 * L);
        c71.intoArray(tile, 15 * L);
        addLastK(b, q0, ks, 8, xt, k, m, 2 * L, tile);
    }

    /** Two vectors of x per step with four weight rows (16 vector registers); as {@link #rows8x1}. */
    static void rows4x2(MemorySegment b, long q0, long ks, float[] xt, int k, int m, float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00;
        FloatVector c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        final int kk = k - 1;
        long o0 = 2 * q0, o1 = o0 + 2 * ks, o2 = o1 + 2 * ks, o3 = o2 + 2 * ks;
        for (int p = 0; p < kk; p++) {
            int xi = p * (2 * L);
            FloatVector x0 = FloatVector.fromArray(S, xt, xi);
            FloatVector x1 = FloatVector.fromArray(S, xt, xi + L);
            long o = 2L * p;
            FloatVector w = IntVector.broadcast(IS, b.get(TWO, o0 + o)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            c00 = w.fma(x0, c00);
            c01 = w.fma(x1, c01);
            w = IntVector.broadcast(IS, b.get(TWO, o1 + o)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            c10 = w.fma(x0, c10);
            c11 = w.fma(x1, c11);
            w = IntVector.broadcast(IS, b.get(TWO, o2 + o)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            c20 = w.fma(x0, c20);
            c21 = w.fma(x1, c21);
            w = IntVector.broadcast(IS, b.get(TWO, o3 + o)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            c30 = w.fma(x0, c30);
            c31 = w.fma(x1, c31);
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, L);
        c10.intoArray(tile, 2 * L);
        c11.intoArray(tile, 3 * L);
        c20.intoArray(tile, 4 * L);
        c21.intoArray(tile, 5 * L);
        c30.intoArray(tile, 6 * L);
        c31.intoArray(tile, 7 * L);
        addLastK(b, q0, ks, 4, xt, k, m, 2 * L, tile);
    }

    /** Three vectors of x per step with three weight rows; as {@link #rows8x1}. */
    static void rows3x3(MemorySegment b, long q0, long ks, float[] xt, int k, int m, float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c10 = c00, c11 = c00, c12 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00;
        final int kk = k - 1;
        long o0 = 2 * q0, o1 = o0 + 2 * ks, o2 = o1 + 2 * ks;
        for (int p = 0; p < kk; p++) {
            int xi = p * (3 * L);
            FloatVector x0 = FloatVector.fromArray(S, xt, xi);
            FloatVector x1 = FloatVector.fromArray(S, xt, xi + L);
            FloatVector x2 = FloatVector.fromArray(S, xt, xi + 2 * L);
            long o = 2L * p;
            FloatVector w = IntVector.broadcast(IS, b.get(TWO, o0 + o)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            c00 = w.fma(x0, c00);
            c01 = w.fma(x1, c01);
            c02 = w.fma(x2, c02);
            w = IntVector.broadcast(IS, b.get(TWO, o1 + o)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            c10 = w.fma(x0, c10);
            c11 = w.fma(x1, c11);
            c12 = w.fma(x2, c12);
            w = IntVector.broadcast(IS, b.get(TWO, o2 + o)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            c20 = w.fma(x0, c20);
            c21 = w.fma(x1, c21);
            c22 = w.fma(x2, c22);
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, L);
        c02.intoArray(tile, 2 * L);
        c10.intoArray(tile, 3 * L);
        c11.intoArray(tile, 4 * L);
        c12.intoArray(tile, 5 * L);
        c20.intoArray(tile, 6 * L);
        c21.intoArray(tile, 7 * L);
        c22.intoArray(tile, 8 * L);
        addLastK(b, q0, ks, 3, xt, k, m, 3 * L, tile);
    }

    /** Four vectors of x per step with two weight rows; as {@link #rows8x1}. */
    static void rows2x4(MemorySegment b, long q0, long ks, float[] xt, int k, int m, float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c03 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        final int kk = k - 1;
        long o0 = 2 * q0, o1 = o0 + 2 * ks;
        for (int p = 0; p < kk; p++) {
            int xi = p * (4 * L);
            FloatVector x0 = FloatVector.fromArray(S, xt, xi);
            FloatVector x1 = FloatVector.fromArray(S, xt, xi + L);
            FloatVector x2 = FloatVector.fromArray(S, xt, xi + 2 * L);
            FloatVector x3 = FloatVector.fromArray(S, xt, xi + 3 * L);
            long o = 2L * p;
            FloatVector w = IntVector.broadcast(IS, b.get(TWO, o0 + o)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            c00 = w.fma(x0, c00);
            c01 = w.fma(x1, c01);
            c02 = w.fma(x2, c02);
            c03 = w.fma(x3, c03);
            w = IntVector.broadcast(IS, b.get(TWO, o1 + o)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            c10 = w.fma(x0, c10);
            c11 = w.fma(x1, c11);
            c12 = w.fma(x2, c12);
            c13 = w.fma(x3, c13);
        }
        c00.intoArray(tile, 0);
        c01.intoArray(tile, L);
        c02.intoArray(tile, 2 * L);
        c03.intoArray(tile, 3 * L);
        c10.intoArray(tile, 4 * L);
        c11.intoArray(tile, 5 * L);
        c12.intoArray(tile, 6 * L);
        c13.intoArray(tile, 7 * L);
        addLastK(b, q0, ks, 2, xt, k, m, 4 * L, tile);
    }

    /** Adds each row's product at the last K to its tile row, with the FMA the loop would have used. */
    private static void addLastK(MemorySegment b, long q0, long ks, int rows, float[] xt, int k, int m, int mp,
                                 float[] tile) {
        int last = k - 1;
        for (int rr = 0; rr < rows; rr++) {
            float w = Gemm.bf16At(b, q0 + rr * ks + last);
            for (int i = 0; i < m; i++) {
                tile[rr * mp + i] = Math.fma(w, xt[last * mp + i], tile[rr * mp + i]);
            }
        }
    }
}
