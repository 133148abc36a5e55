package io.xpu4j.api;

import java.util.Arrays;

/** Shape arithmetic shared by tensors and ops; every error names the operation. */
final class Shapes {
    private Shapes() {
    }

    static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Normalises a possibly negative axis for a tensor of {@code rank}. */
    static int axis(int axis, int rank, String op) {
        if (axis < -rank || axis >= rank) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, op + ": axis " + axis + " is out of range for rank "
                    + rank + "; allowed: " + (rank == 0 ? "none" : -rank + ".." + (rank - 1)));
        }
        return axis < 0 ? axis + rank : axis;
    }

    static long[] contiguousStrides(long[] shape) {
        long[] s = new long[shape.length];
        long acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= Math.max(shape[i], 1);
        }
        return s;
    }

    /** Row-major dense, ignoring the strides of size-1 dimensions. */
    static boolean isContiguous(long[] shape, long[] strides) {
        long acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] == 0) {
                return true;
            }
            if (shape[i] != 1 && strides[i] != acc) {
                return false;
            }
            acc *= shape[i];
        }
        return true;
    }

    static long[] resolveReshape(long[] from, long[] to) {
        long have = numel(from);
        int infer = -1;
        long known = 1;
        for (int i = 0; i < to.length; i++) {
            if (to[i] == -1) {
                if (infer >= 0) {
                    throw new XpuException(ErrorCode.SHAPE_MISMATCH, "reshape: " + Arrays.toString(to) + " has more than one -1");
                }
                infer = i;
            } else if (to[i] < 0) {
                throw new XpuException(ErrorCode.SHAPE_MISMATCH, "reshape: negative size " + to[i] + " in " + Arrays.toString(to));
            } else {
                known *= to[i];
            }
        }
        long[] out = to.clone();
        if (infer >= 0) {
            if (known == 0 || have % known != 0) {
                throw new XpuException(ErrorCode.SHAPE_MISMATCH, "reshape: cannot reshape " + Arrays.toString(from)
                        + " (" + have + " elements) to " + Arrays.toString(to));
            }
            out[infer] = have / known;
        } else if (known != have) {
            throw new XpuException(ErrorCode.SHAPE_MISMATCH, "reshape: cannot reshape " + Arrays.toString(from)
                    + " (" + have + " elements) to " + Arrays.toString(to) + " (" + known + " elements); "
                    + "the element count must stay the same");
        }
        return out;
    }

    /**
     * Strides that let {@code to} view the same memory as ({@code from}, {@code strides}), or
     * {@code null} when no view is possible. Works group by group: each run of output
     * dimensions must map onto a run of input dimensions that is itself contiguous.
     */
    static long[] reshapeStrides(long[] from, long[] strides, long[] to) {
        if (numel(from) == 0) {
            return contiguousStrides(to);
        }
        // drop size-1 input dims: they constrain nothing
        int n = 0;
        long[] fs = new long[from.length];
        long[] ft = new long[from.length];
        for (int i = 0; i < from.length; i++) {
            if (from[i] != 1) {
                fs[n] = from[i];
                ft[n++] = strides[i];
            }
        }
        long[] out = new long[to.length];
        int i = 0;
        int j = 0;
        while (j < to.length) {
            if (to[j] == 1) {
                j++;
                continue;
            }
            if (i >= n) {
                return null;
            }
            // grow one group until the products match
            int i0 = i;
            int j0 = j;
            long pf = fs[i++];
            long pt = to[j++];
            while (pf != pt) {
                if (pf < pt) {
                    if (i >= n) {
                        return null;
                    }
                    pf *= fs[i++];
                } else {
                    while (j < to.length && to[j] == 1) {
                        j++;
                    }
                    if (j >= to.length) {
                        return null;
                    }
                    pt *= to[j++];
                }
            }
            for (int k = i0; k < i - 1; k++) {
                if (ft[k] != ft[k + 1] * fs[k + 1]) {
                    return null;
                }
            }
            long st = ft[i - 1];
            for (int k = j - 1; k >= j0; k--) {
                out[k] = st;
                st *= to[k];
            }
        }
        // size-1 output dims: any stride works; use the natural one
        for (int k = to.length - 1; k >= 0; k--) {
            if (to[k] == 1) {
                out[k] = k + 1 < to.length ? out[k + 1] * to[k + 1] : 1;
            }
        }
        return out;
    }

    /** NumPy broadcasting of two shapes. */
    static long[] broadcast(String op, long[] a, long[] b) {
        int rank = Math.max(a.length, b.length);
        long[] out = new long[rank];
        for (int i = 0; i < rank; i++) {
            long da = i - (rank - a.length) >= 0 ? a[i - (rank - a.length)] : 1;
            long db = i - (rank - b.length) >= 0 ? b[i - (rank - b.length)] : 1;
            if (da == db || db == 1) {
                out[i] = da;
            } else if (da == 1) {
                out[i] = db;
            } else {
                throw new XpuException(ErrorCode.SHAPE_MISMATCH, op + ": shapes " + Arrays.toString(a) + " and "
                        + Arrays.toString(b) + " cannot be broadcast: dimension " + i + " is " + da + " vs " + db
                        + " (sizes must match or one must be 1)");
            }
        }
        return out;
    }
}
