package io.xpu4j.backend.cpu;

import io.xpu4j.api.DType;
import io.xpu4j.api.FloatFormats;
import io.xpu4j.api.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Moving runs of elements between tensor storage (any dtype, any stride) and float/long work
 * buffers, and walking a strided tensor row by row. Kernels compute on the work buffers, so each
 * kernel is written once for float (or long) and serves every dtype.
 */
final class Rows {
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED;
    static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED;
    static final ValueLayout.OfByte I8 = ValueLayout.JAVA_BYTE;

    private Rows() {
    }

    /** Reads {@code n} elements (element offset {@code off}, element stride {@code stride}) as floats. */
    static void load(MemorySegment s, DType t, long off, long stride, int n, float[] dst, int pos) {
        switch (t) {
            case F32 -> {
                if (stride == 1) {
                    MemorySegment.copy(s, F32, off * 4, dst, pos, n);
                } else {
                    for (int i = 0; i < n; i++) {
                        dst[pos + i] = s.get(F32, (off + i * stride) * 4);
                    }
                }
            }
            case F16 -> {
                if (stride == 1) {
                    HalfRows.load(s, t, off, n, dst, pos);
                } else {
                    for (int i = 0; i < n; i++) {
                        dst[pos + i] = FloatFormats.halfToFloat(s.get(I16, (off + i * stride) * 2));
                    }
                }
            }
            case BF16 -> {
                if (stride == 1) {
                    HalfRows.load(s, t, off, n, dst, pos);
                } else {
                    for (int i = 0; i < n; i++) {
                        dst[pos + i] = Float.intBitsToFloat(s.get(I16, (off + i * stride) * 2) << 16);
                    }
                }
            }
            case F8_E4M3 -> {
                for (int i = 0; i < n; i++) {
                    dst[pos + i] = FloatFormats.e4m3ToFloat(s.get(I8, off + i * stride));
                }
            }
            case F8_E5M2 -> {
                for (int i = 0; i < n; i++) {
                    dst[pos + i] = FloatFormats.e5m2ToFloat(s.get(I8, off + i * stride));
                }
            }
            case I8, BOOL -> {
                for (int i = 0; i < n; i++) {
                    dst[pos + i] = s.get(I8, off + i * stride);
                }
            }
            case I32 -> {
                for (int i = 0; i < n; i++) {
                    dst[pos + i] = s.get(I32, (off + i * stride) * 4);
                }
            }
            case I64 -> {
                for (int i = 0; i < n; i++) {
                    dst[pos + i] = s.get(I64, (off + i * stride) * 8);
                }
            }
        }
    }

    /**
     * Writes {@code n} floats as dtype {@code t}, rounding to nearest even. Only float dtypes:
     * integer outputs go through {@link #storeLong}. FP8 overflow follows {@code saturate}.
     */
    static void store(float[] src, int pos, int n, MemorySegment s, DType t, long off, long stride, boolean saturate) {
        switch (t) {
            case F32 -> {
                if (stride == 1) {
                    MemorySegment.copy(src, pos, s, F32, off * 4, n);
                } else {
                    for (int i = 0; i < n; i++) {
                        s.set(F32, (off + i * stride) * 4, src[pos + i]);
                    }
                }
            }
            case F16 -> {
                if (stride == 1) {
                    HalfRows.store(src, pos, n, s, t, off);
                } else {
                    for (int i = 0; i < n; i++) {
                        s.set(I16, (off + i * stride) * 2, FloatFormats.floatToHalf(src[pos + i]));
                    }
                }
            }
            case BF16 -> {
                if (stride == 1) {
                    HalfRows.store(src, pos, n, s, t, off);
                } else {
                    for (int i = 0; i < n; i++) {
                        s.set(I16, (off + i * stride) * 2, FloatFormats.floatToBf16(src[pos + i]));
                    }
                }
            }
            case F8_E4M3 -> {
                for (int i = 0; i < n; i++) {
                    s.set(I8, off + i * stride, FloatFormats.floatToE4M3(src[pos + i], saturate));
                }
            }
            case F8_E5M2 -> {
                for (int i = 0; i < n; i++) {
                    s.set(I8, off + i * stride, FloatFormats.floatToE5M2(src[pos + i], saturate));
                }
            }
            case BOOL -> {
                for (int i = 0; i < n; i++) {
                    s.set(I8, off + i * stride, (byte) (src[pos + i] != 0 ? 1 : 0));
                }
            }
            default -> throw new IllegalArgumentException("store(float) into integer dtype " + t + "; use storeLong");
        }
    }

    /** Reads {@code n} integer or BOOL elements as longs. */
    static void loadLong(MemorySegment s, DType t, long off, long stride, int n, long[] dst, int pos) {
        switch (t) {
            case I8, BOOL -> {
                for (int i = 0; i < n; i++) {
                    dst[pos + i] = s.get(I8, off + i * stride);
                }
            }
            case I32 -> {
                for (int i = 0; i < n; i++) {
                    dst[pos + i] = s.get(I32, (off + i * stride) * 4);
                }
            }
            case I64 -> {
                if (stride == 1) {
                    MemorySegment.copy(s, I64, off * 8, dst, pos, n);
                } else {
                    for (int i = 0; i < n; i++) {
                        dst[pos + i] = s.get(I64, (off + i * stride) * 8);
                    }
                }
            }
            default -> throw new IllegalArgumentException("loadLong from non-integer dtype " + t);
        }
    }

    /** Writes {@code n} longs as integer dtype {@code t}, wrapping like a C cast (callers check ranges first). */
    static void storeLong(long[] src, int pos, int n, MemorySegment s, DType t, long off, long stride) {
        switch (t) {
            case I8 -> {
                for (int i = 0; i < n; i++) {
                    s.set(I8, off + i * stride, (byte) src[pos + i]);
                }
            }
            case BOOL -> {
                for (int i = 0; i < n; i++) {
                    s.set(I8, off + i * stride, (byte) (src[pos + i] != 0 ? 1 : 0));
                }
            }
            case I32 -> {
                for (int i = 0; i < n; i++) {
                    s.set(I32, (off + i * stride) * 4, (int) src[pos + i]);
                }
            }
            case I64 -> {
                if (stride == 1) {
                    MemorySegment.copy(src, pos, s, I64, off * 8, n);
                } else {
                    for (int i = 0; i < n; i++) {
                        s.set(I64, (off + i * stride) * 8, src[pos + i]);
                    }
                }
            }
            default -> throw new IllegalArgumentException("storeLong into non-integer dtype " + t);
        }
    }

    /** Called once per innermost row: {@code offsets[k]} is operand k's element offset at the row start. */
    interface RowBody {
        void row(long[] offsets, long rowIndex);
    }

    /**
     * Walks all rows (all index combinations of every dim but the last) of operands sharing
     * {@code shape}, in row-major order, rows {@code [fromRow, toRow)}. Each operand has its own
     * strides and base offset. A rank-0 shape has one row of length 1.
     */
    static void forEachRow(long[] shape, long[][] strides, long[] base, long fromRow, long toRow, RowBody body) {
        int rank = shape.length;
        int ops = strides.length;
        long[] offs = new long[ops];
        if (rank <= 1) {
            for (long r = fromRow; r < toRow; r++) {
                System.arraycopy(base, 0, offs, 0, ops);
                body.row(offs, r);
            }
            return;
        }
        int outer = rank - 1;
        long[] idx = new long[outer];
        // decompose fromRow into an index
        long rem = fromRow;
        for (int d = outer - 1; d >= 0; d--) {
            idx[d] = rem % shape[d];
            rem /= shape[d];
        }
        for (int k = 0; k < ops; k++) {
            long o = base[k];
            for (int d = 0; d < outer; d++) {
                o += idx[d] * strides[k][d];
            }
            offs[k] = o;
        }
        long[] call = new long[ops];
        for (long r = fromRow; r < toRow; r++) {
            System.arraycopy(offs, 0, call, 0, ops);
            body.row(call, r);
            // increment the index like an odometer, updating offsets incrementally
            for (int d = outer - 1; d >= 0; d--) {
                idx[d]++;
                for (int k = 0; k < ops; k++) {
                    offs[k] += strides[k][d];
                }
                if (idx[d] < shape[d]) {
                    break;
                }
                for (int k = 0; k < ops; k++) {
                    offs[k] -= strides[k][d] * shape[d];
                }
                idx[d] = 0;
            }
        }
    }

    /** Number of rows of {@code shape} (product of all dims but the last; 1 for rank 0). */
    static long rowCount(long[] shape) {
        long n = 1;
        for (int i = 0; i < shape.length - 1; i++) {
            n *= shape[i];
        }
        return n;
    }

    /** Length of a row: the last dim, or 1 for rank 0. */
    static int rowLength(long[] shape) {
        return shape.length == 0 ? 1 : Math.toIntExact(shape[shape.length - 1]);
    }

    /** Last-dim stride of {@code t}, or 1 for rank 0. */
    static long innerStride(Tensor t) {
        return t.rank() == 0 ? 1 : t.stride(-1);
    }

    /** Per-thread float scratch of at least {@code n} elements, slot {@code k}. */
    static float[] scratch(int k, int n) {
        float[][] bufs = SCRATCH.get();
        if (bufs[k] == null || bufs[k].length < n) {
            bufs[k] = new float[Math.max(n, 1024)];
        }
        return bufs[k];
    }

    /** Per-thread long scratch of at least {@code n} elements, slot {@code k}. */
    static long[] scratchLong(int k, int n) {
        long[][] bufs = SCRATCH_LONG.get();
        if (bufs[k] == null || bufs[k].length < n) {
            bufs[k] = new long[Math.max(n, 1024)];
        }
        return bufs[k];
    }

    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[8][]);
    private static final ThreadLocal<long[][]> SCRATCH_LONG = ThreadLocal.withInitial(() -> new long[8][]);
}
