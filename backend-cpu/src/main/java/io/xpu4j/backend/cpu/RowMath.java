package io.xpu4j.backend.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;

/**
 * Vectorised loops over runs of floats, shared by the reduction and softmax kernels.
 *
 * <p>A run is read either from a float work array ({@code arr != null}, {@code pos} indexes it)
 * or straight from F32 tensor storage ({@code arr == null}, {@code pos} is an element index into
 * {@code seg}), so F32 contiguous data needs no copy while other dtypes are widened into a work
 * array first. The test on {@code arr} is the same on every iteration, so it costs a predicted
 * branch at most.
 *
 * <p>Sums are accurate to about 1e-7 relative to the sum of magnitudes at any length: floats are
 * summed in blocks of {@link #BLOCK} (with four vector accumulators each lane adds only
 * BLOCK / (4 · lanes) values, 32 with 512-bit vectors) and the block totals are added in double.
 */
final class RowMath {
    static final VectorSpecies<Float> S = VectorWidth.FLOAT;
    static final int L = S.length();
    static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    static final int BLOCK = 2048;

    private RowMath() {
    }

    static FloatVector vec(MemorySegment seg, float[] arr, long pos) {
        return arr != null ? FloatVector.fromArray(S, arr, (int) pos) : FloatVector.fromMemorySegment(S, seg, pos * 4, NATIVE);
    }

    static float at(MemorySegment seg, float[] arr, long pos) {
        return arr != null ? arr[(int) pos] : seg.get(Rows.F32, pos * 4);
    }

    /** Sum of {@code n} floats, in float blocks added in double. */
    static double sum(MemorySegment seg, float[] arr, long pos, long n) {
        double total = 0;
        for (long b = 0; b < n; b += BLOCK) {
            total += sumBlock(seg, arr, pos + b, (int) Math.min(BLOCK, n - b));
        }
        return total;
    }

    private static float sumBlock(MemorySegment seg, float[] arr, long pos, int n) {
        FloatVector a0 = FloatVector.zero(S);
        FloatVector a1 = a0;
        FloatVector a2 = a0;
        FloatVector a3 = a0;
        int i = 0;
        for (; i <= n - 4 * L; i += 4 * L) {
            a0 = a0.add(vec(seg, arr, pos + i));
            a1 = a1.add(vec(seg, arr, pos + i + L));
            a2 = a2.add(vec(seg, arr, pos + i + 2 * L));
            a3 = a3.add(vec(seg, arr, pos + i + 3 * L));
        }
        for (; i <= n - L; i += L) {
            a0 = a0.add(vec(seg, arr, pos + i));
        }
        float s = LaneSums.sum(a0.add(a1).add(a2.add(a3)));
        for (; i < n; i++) {
            s += at(seg, arr, pos + i);
        }
        return s;
    }

    /** Largest (or smallest) of {@code n >= 1} floats; NaN if any is NaN (as {@link Math#max}). */
    static float max(MemorySegment seg, float[] arr, long pos, int n, boolean isMax) {
        float r = isMax ? Float.NEGATIVE_INFINITY : Float.POSITIVE_INFINITY;
        int i = 0;
        if (n >= 4 * L) {
            // four independent chains: one would wait on max's latency every vector
            FloatVector m0 = vec(seg, arr, pos);
            FloatVector m1 = vec(seg, arr, pos + L);
            FloatVector m2 = vec(seg, arr, pos + 2 * L);
            FloatVector m3 = vec(seg, arr, pos + 3 * L);
            for (i = 4 * L; i <= n - 4 * L; i += 4 * L) {
                FloatVector v0 = vec(seg, arr, pos + i);
                FloatVector v1 = vec(seg, arr, pos + i + L);
                FloatVector v2 = vec(seg, arr, pos + i + 2 * L);
                FloatVector v3 = vec(seg, arr, pos + i + 3 * L);
                if (isMax) {
                    m0 = m0.max(v0);
                    m1 = m1.max(v1);
                    m2 = m2.max(v2);
                    m3 = m3.max(v3);
                } else {
                    m0 = m0.min(v0);
                    m1 = m1.min(v1);
                    m2 = m2.min(v2);
                    m3 = m3.min(v3);
                }
            }
            FloatVector m = isMax ? m0.max(m1).max(m2.max(m3)) : m0.min(m1).min(m2.min(m3));
            r = m.reduceLanes(isMax ? VectorOperators.MAX : VectorOperators.MIN);
        }
        for (; i <= n - L; i += L) {
            FloatVector v = vec(seg, arr, pos + i);
            float m = v.reduceLanes(isMax ? VectorOperators.MAX : VectorOperators.MIN);
            r = isMax ? Math.max(r, m) : Math.min(r, m);
        }
        for (; i < n; i++) {
            float v = at(seg, arr, pos + i);
            r = isMax ? Math.max(r, v) : Math.min(r, v);
        }
        return r;
    }

    /** First index in {@code [0, n)} holding {@code value} (NaN matches NaN), or -1. */
    static int indexOf(MemorySegment seg, float[] arr, long pos, int n, float value) {
        boolean nan = Float.isNaN(value);
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector v = vec(seg, arr, pos + i);
            var hit = nan ? v.test(VectorOperators.IS_NAN) : v.eq(value);
            if (hit.anyTrue()) {
                return i + hit.firstTrue();
            }
        }
        for (; i < n; i++) {
            float v = at(seg, arr, pos + i);
            if (nan ? Float.isNaN(v) : v == value) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Kahan-compensated {@code sum[j] += x[j]} for {@code j < n}; the compensation {@code comp}
     * holds the negated low-order part, so the total is {@code sum - comp}. Used where many rows
     * are added element by element (column sums), where blocking into double would not vectorise.
     */
    static void kahanAdd(float[] sum, float[] comp, MemorySegment seg, float[] arr, long pos, int n) {
        int j = 0;
        for (; j <= n - L; j += L) {
            FloatVector s = FloatVector.fromArray(S, sum, j);
            FloatVector y = vec(seg, arr, pos + j).sub(FloatVector.fromArray(S, comp, j));
            FloatVector t = s.add(y);
            t.sub(s).sub(y).intoArray(comp, j);
            t.intoArray(sum, j);
        }
        for (; j < n; j++) {
            float y = at(seg, arr, pos + j) - comp[j];
            float t = sum[j] + y;
            comp[j] = (t - sum[j]) - y;
            sum[j] = t;
        }
    }

    /**
     * {@link #kahanAdd} of four rows at once, {@code (r0 + r1) + (r2 + r3)}: the pairwise float
     * adds lose at most 2 ulp of the group, and the compensated update runs a quarter as often.
     * Rows are read from {@code seg} at element positions {@code p0..p3}, or from arrays
     * {@code a0..a3} when those are non-null (then the positions are 0).
     */
    static void kahanAdd4(float[] sum, float[] comp, MemorySegment seg, long p0, long p1, long p2, long p3,
                          float[] a0, float[] a1, float[] a2, float[] a3, int n) {
        int j = 0;
        for (; j <= n - L; j += L) {
            FloatVector x = vec(seg, a0, p0 + j).add(vec(seg, a1, p1 + j))
                    .add(vec(seg, a2, p2 + j).add(vec(seg, a3, p3 + j)));
            FloatVector s = FloatVector.fromArray(S, sum, j);
            FloatVector y = x.sub(FloatVector.fromArray(S, comp, j));
            FloatVector t = s.add(y);
            t.sub(s).sub(y).intoArray(comp, j);
            t.intoArray(sum, j);
        }
        for (; j < n; j++) {
            float x = (at(seg, a0, p0 + j) + at(seg, a1, p1 + j)) + (at(seg, a2, p2 + j) + at(seg, a3, p3 + j));
            float y = x - comp[j];
            float t = sum[j] + y;
            comp[j] = (t - sum[j]) - y;
            sum[j] = t;
        }
    }

    /** {@code acc[j] = max(acc[j], x[j])} (or min), NaN-propagating. */
    static void maxInto(float[] acc, MemorySegment seg, float[] arr, long pos, int n, boolean isMax) {
        int j = 0;
        for (; j <= n - L; j += L) {
            FloatVector a = FloatVector.fromArray(S, acc, j);
            FloatVector v = vec(seg, arr, pos + j);
            (isMax ? a.max(v) : a.min(v)).intoArray(acc, j);
        }
        for (; j < n; j++) {
            float v = at(seg, arr, pos + j);
            acc[j] = isMax ? Math.max(acc[j], v) : Math.min(acc[j], v);
        }
    }
}
