package io.xpu4j.backend.cpu;

import io.xpu4j.api.DType;
import io.xpu4j.api.Ops;
import io.xpu4j.api.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code copy} of permuted and overlapping views through {@link Ops}, element for element against
 * positions computed here from the permutation. The values are small integers, exact in every
 * dtype, read back through a cast to F32. The row lengths put rows through each of the kernel's
 * ways: whole vectors plus a tail of bytes, rows of single elements a stride apart, and rows long
 * enough for a bulk copy.
 */
class CopyKernelsTest extends CpuRuntimeTest {
    private static final List<DType> DTYPES = List.of(DType.F32, DType.F16, DType.BF16, DType.I8, DType.I32,
            DType.I64, DType.F8_E4M3);

    /** Element {@code i} of the test tensors: small enough for F8 E4M3 (integers up to 16 are exact). */
    private static double value(long i) {
        return i % 17 - 8;
    }

    private Tensor tensor(DType t, long... shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        double[] v = new double[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = value(i);
        }
        return ops.tensor(t, v, shape);
    }

    private float[] values(Tensor t) {
        return ops.cast(t, DType.F32).toFloatArray();
    }

    /**
     * x is [B, H, S, D]; heads to the middle ([B, S, H, D], rows of D contiguous elements) and D to
     * the middle ([B, S, D, H], rows of single elements S·D apart), as attention layouts do.
     */
    @Test
    void permutedViewsCopyEveryElementToItsPlace() {
        int b = 2, h = 3, s = 5;
        for (DType t : DTYPES) {
            // 37 elements: whole vectors and a tail for every element size; 40: no tail for 4-byte types
            for (int d : new int[]{1, 7, 37, 40}) {
                Tensor x = tensor(t, b, h, s, d);
                float[] rows = values(ops.contiguous(x.permute(0, 2, 1, 3)));
                float[] cols = values(ops.contiguous(x.permute(0, 2, 3, 1)));
                for (int bi = 0; bi < b; bi++) {
                    for (int hi = 0; hi < h; hi++) {
                        for (int si = 0; si < s; si++) {
                            for (int di = 0; di < d; di++) {
                                double want = value(((long) (bi * h + hi) * s + si) * d + di);
                                int r = ((bi * s + si) * h + hi) * d + di;
                                int c = ((bi * s + si) * d + di) * h + hi;
                                if (rows[r] != want || cols[c] != want) {
                                    fail(t + " d=" + d + " element [" + bi + ", " + hi + ", " + si + ", " + di + "]: want "
                                            + want + ", rows layout " + rows[r] + ", columns layout " + cols[c]);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /** Rows of 4400 bytes (past the bulk-copy threshold), outer dims swapped. */
    @Test
    void longRowsOfASwappedViewArriveWhole() {
        int p = 3, q = 2, n = 1100;
        Tensor x = tensor(DType.F32, p, q, n);
        float[] got = values(ops.contiguous(x.permute(1, 0, 2)));
        for (int i = 0; i < p; i++) {
            for (int j = 0; j < q; j++) {
                for (int k = 0; k < n; k++) {
                    float g = got[(j * p + i) * n + k];
                    if (g != value(((long) i * q + j) * n + k)) {
                        fail("element [" + i + ", " + j + ", " + k + "]: " + g);
                    }
                }
            }
        }
    }

    /**
     * Every order of three outer dimensions, copied out of a permuted view and into a permuted
     * destination from a source broadcast along one of them: the kernel walks rows in the
     * source's memory order, which differs from the destination's in all but one of these.
     */
    @Test
    void everyOuterOrderLandsInPlace() {
        int[] dims = {2, 3, 4};
        int d = 5;
        int[][] orders = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
        Tensor x = tensor(DType.F32, dims[0], dims[1], dims[2], d);
        for (int[] o : orders) {
            float[] got = values(ops.contiguous(x.permute(o[0], o[1], o[2], 3)));
            // the broadcast source: x's [0, :, :, :] repeated along dim 0
            Tensor dst = ops.zeros(DType.F32, dims[o[0]], dims[o[1]], dims[o[2]], d);
            Tensor row = x.slice(0, 0, 1);
            ops.copyInto(dst, row.expand(dims[0], dims[1], dims[2], d).permute(o[0], o[1], o[2], 3));
            float[] spread = values(dst);
            int[] idx = new int[3];
            for (int i = 0; i < got.length; i++) {
                int rest = i / d;
                int k = i % d;
                for (int a = 2; a >= 0; a--) {
                    idx[o[a]] = rest % dims[o[a]];
                    rest /= dims[o[a]];
                }
                double want = value(((long) (idx[0] * dims[1] + idx[1]) * dims[2] + idx[2]) * d + k);
                double wantSpread = value(((long) idx[1] * dims[2] + idx[2]) * d + k);
                if (got[i] != want || spread[i] != wantSpread) {
                    fail("order " + java.util.Arrays.toString(o) + " element " + i + ": want " + want + " and "
                            + wantSpread + ", got " + got[i] + " and " + spread[i]);
                }
            }
        }
    }

    /**
     * Copies large enough (480 KiB in F32, 240 KiB in F16) to be split between threads, so that
     * tasks start at rows other than the first: a permutation with contiguous rows, and one whose
     * rows are single elements (the transposing tiles). Every element is its own index (modulo a
     * prime under 2048 in F16, where those integers are exact), so a misplaced one shows.
     */
    @Test
    void largeCopiesSplitAcrossThreads() {
        int a = 64, b = 48, c = 40;
        for (DType t : List.of(DType.F32, DType.F16)) {
            int mod = t == DType.F32 ? Integer.MAX_VALUE : 2039;
            double[] v = new double[a * b * c];
            for (int i = 0; i < v.length; i++) {
                v[i] = i % mod;
            }
            Tensor x = ops.tensor(t, v, a, b, c);
            float[] rows = values(ops.contiguous(x.permute(1, 0, 2)));
            float[] elements = values(ops.contiguous(x.permute(2, 1, 0)));
            for (int i = 0; i < a; i++) {
                for (int j = 0; j < b; j++) {
                    for (int k = 0; k < c; k++) {
                        float want = ((i * b + j) * c + k) % mod;
                        if (rows[(j * a + i) * c + k] != want) {
                            fail(t + " [" + a + ", " + b + ", " + c + "] permuted (1, 0, 2), element [" + j + ", " + i
                                    + ", " + k + "]: " + rows[(j * a + i) * c + k] + " instead of " + want);
                        }
                        if (elements[(k * b + j) * a + i] != want) {
                            fail(t + " [" + a + ", " + b + ", " + c + "] permuted (2, 1, 0), element [" + k + ", " + j
                                    + ", " + i + "]: " + elements[(k * b + j) * a + i] + " instead of " + want);
                        }
                    }
                }
            }
        }
    }

    /**
     * Transposed 4-byte matrices, as 8 x 8 vector blocks in 64 x 64 tiles plus element-by-element
     * edges: a [150, 70] matrix (two tiles and edges both ways), the key layout [2, 3, 21, 19] from
     * [2, 3, 19, 21], and a source broadcast along the plane dim. Every element against its place.
     */
    @Test
    void transposedMatricesOfFourAndTwoByteElements() {
        for (DType t : List.of(DType.F32, DType.I32, DType.F16, DType.BF16)) {
            Tensor m = tensor(t, 150, 70);
            float[] mt = values(ops.contiguous(m.transpose(0, 1)));
            for (int i = 0; i < 70; i++) {
                for (int j = 0; j < 150; j++) {
                    if (mt[i * 150 + j] != value((long) j * 70 + i)) {
                        fail(t + " [150, 70]ᵀ element [" + i + ", " + j + "]: " + mt[i * 150 + j]);
                    }
                }
            }
            Tensor k = tensor(t, 2, 3, 19, 21);
            float[] kt = values(ops.contiguous(k.transpose(2, 3)));
            for (int p = 0; p < 6; p++) {
                for (int i = 0; i < 21; i++) {
                    for (int j = 0; j < 19; j++) {
                        if (kt[(p * 21 + i) * 19 + j] != value((long) (p * 19 + j) * 21 + i)) {
                            fail(t + " key layout plane " + p + " element [" + i + ", " + j + "]");
                        }
                    }
                }
            }
            Tensor one = tensor(t, 1, 17, 33);
            float[] b = values(ops.contiguous(one.expand(3, 17, 33).transpose(1, 2)));
            for (int p = 0; p < 3; p++) {
                for (int i = 0; i < 33; i++) {
                    for (int j = 0; j < 17; j++) {
                        if (b[(p * 33 + i) * 17 + j] != value((long) j * 33 + i)) {
                            fail(t + " broadcast plane " + p + " element [" + i + ", " + j + "]");
                        }
                    }
                }
            }
        }
    }

    /**
     * copyInto between overlapping views of one tensor moves each row as memmove would: shifting
     * every row right by one element within itself keeps the values it overwrites in order.
     */
    @Test
    void overlappingRowsShiftAsWithMemmove() {
        for (DType t : List.of(DType.F32, DType.I8, DType.I64)) {
            int rows = 4, n = 70;
            Tensor base = tensor(t, rows, n);
            ops.copyInto(base.slice(1, 1, n), base.slice(1, 0, n - 1));
            float[] got = values(base);
            for (int r = 0; r < rows; r++) {
                for (int i = 0; i < n; i++) {
                    double want = value((long) r * n + Math.max(0, i - 1));
                    if (got[r * n + i] != want) {
                        fail(t + " row " + r + " element " + i + ": want " + want + ", got " + got[r * n + i]);
                    }
                }
            }
        }
    }
}
