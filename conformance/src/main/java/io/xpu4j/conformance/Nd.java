package io.xpu4j.conformance;

import java.util.Arrays;

/**
 * A row-major float64 array with a shape: what the references compute on. Deliberately plain
 * (no views, no strides) so the references stay obviously right.
 */
public record Nd(long[] shape, double[] data) {
    public Nd {
        if (numel(shape) != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " needs " + numel(shape)
                    + " values, got " + data.length);
        }
    }

    public static Nd of(double[] data, long... shape) {
        return new Nd(shape.clone(), data);
    }

    public static Nd zeros(long... shape) {
        return new Nd(shape.clone(), new double[Math.toIntExact(numel(shape))]);
    }

    public int rank() {
        return shape.length;
    }

    public int size() {
        return data.length;
    }

    public long dim(int axis) {
        return shape[axis < 0 ? axis + shape.length : axis];
    }

    public double get(long... idx) {
        return data[offset(shape, idx)];
    }

    /** A copy with a new shape holding the same row-major values. */
    public Nd reshape(long... newShape) {
        return new Nd(newShape.clone(), data);
    }

    public static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** Row-major strides in elements. */
    public static int[] strides(long[] shape) {
        int[] s = new int[shape.length];
        int acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= (int) Math.max(shape[i], 1);
        }
        return s;
    }

    static int offset(long[] shape, long[] idx) {
        int[] st = strides(shape);
        int off = 0;
        for (int i = 0; i < idx.length; i++) {
            off += (int) idx[i] * st[i];
        }
        return off;
    }

    /** The multi-index of row-major position {@code pos} in {@code shape}. */
    static long[] unravel(long[] shape, long pos) {
        long[] idx = new long[shape.length];
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] > 0) {
                idx[i] = pos % shape[i];
                pos /= shape[i];
            }
        }
        return idx;
    }

    /**
     * Position in an array of {@code inShape} that output index {@code outIdx} reads under NumPy
     * broadcasting (trailing dims aligned, size-1 dims repeated).
     */
    static int broadcastOffset(long[] inShape, long[] outIdx) {
        int lead = outIdx.length - inShape.length;
        int[] st = strides(inShape);
        int off = 0;
        for (int i = 0; i < inShape.length; i++) {
            if (inShape[i] != 1) {
                off += (int) outIdx[i + lead] * st[i];
            }
        }
        return off;
    }

    /** NumPy broadcast of several shapes. */
    static long[] broadcast(long[]... shapes) {
        int rank = 0;
        for (long[] s : shapes) {
            rank = Math.max(rank, s.length);
        }
        long[] out = new long[rank];
        Arrays.fill(out, 1);
        for (long[] s : shapes) {
            for (int i = 0; i < s.length; i++) {
                int o = i + rank - s.length;
                if (s[i] != 1) {
                    if (out[o] != 1 && out[o] != s[i]) {
                        throw new IllegalArgumentException("shapes do not broadcast: " + Arrays.deepToString(shapes));
                    }
                    out[o] = s[i];
                }
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return "Nd" + Arrays.toString(shape) + (data.length <= 16 ? Arrays.toString(data) : "");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Nd n && Arrays.equals(shape, n.shape) && Arrays.equals(data, n.data);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
    }
}
