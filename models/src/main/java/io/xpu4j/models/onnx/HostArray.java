package io.xpu4j.models.onnx;

import io.xpu4j.api.DType;
import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.Ops;
import io.xpu4j.api.Tensor;
import io.xpu4j.api.XpuException;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A small tensor kept on the host: constants, shapes and the values computed from them (the
 * shape-computation part of an exported graph). Integer and bool elements are held as longs,
 * float elements as doubles already rounded to their ONNX type. Large data never lives here.
 */
final class HostArray {
    /** Largest element count computed on the host; bigger results are computed on the device. */
    static final int HOST_LIMIT = 1 << 16;

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    final int type;
    final long[] shape;
    /** Elements of an integer or bool type, else null. */
    final long[] ints;
    /** Elements of a float type, else null. */
    final double[] reals;

    private HostArray(int type, long[] shape, long[] ints, double[] reals) {
        this.type = type;
        this.shape = shape;
        this.ints = ints;
        this.reals = reals;
    }

    static HostArray ofInts(int type, long[] shape, long[] values) {
        if (OnnxTypes.isFloat(type)) {
            double[] d = new double[values.length];
            for (int i = 0; i < d.length; i++) {
                d[i] = round(type, values[i]);
            }
            return new HostArray(type, shape.clone(), null, d);
        }
        long[] v = values.clone();
        if (type == OnnxTypes.BOOL) {
            for (int i = 0; i < v.length; i++) {
                v[i] = v[i] != 0 ? 1 : 0;
            }
        }
        return new HostArray(type, shape.clone(), v, null);
    }

    static HostArray ofReals(int type, long[] shape, double[] values) {
        if (!OnnxTypes.isFloat(type)) {
            long[] l = new long[values.length];
            for (int i = 0; i < l.length; i++) {
                l[i] = type == OnnxTypes.BOOL ? (values[i] != 0 ? 1 : 0) : toInteger(values[i]);
            }
            return new HostArray(type, shape.clone(), l, null);
        }
        double[] d = new double[values.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = round(type, values[i]);
        }
        return new HostArray(type, shape.clone(), null, d);
    }

    static HostArray longs(long... values) {
        return new HostArray(OnnxTypes.INT64, new long[]{values.length}, values.clone(), null);
    }

    static HostArray scalarLong(long v) {
        return new HostArray(OnnxTypes.INT64, new long[0], new long[]{v}, null);
    }

    int size() {
        return ints != null ? ints.length : reals.length;
    }

    int rank() {
        return shape.length;
    }

    boolean isFloat() {
        return reals != null;
    }

    double real(int i) {
        return reals != null ? reals[i] : ints[i];
    }

    long integer(int i) {
        return ints != null ? ints[i] : toInteger(reals[i]);
    }

    /** All elements as longs (floats truncated toward zero). */
    long[] toLongs() {
        if (ints != null) {
            return ints.clone();
        }
        long[] l = new long[reals.length];
        for (int i = 0; i < l.length; i++) {
            l[i] = toInteger(reals[i]);
        }
        return l;
    }

    HostArray reshape(long[] newShape) {
        return new HostArray(type, newShape.clone(), ints, reals);
    }

    /** The same elements converted to {@code newType} (ONNX Cast semantics on the host). */
    HostArray cast(int newType) {
        if (newType == type) {
            return this;
        }
        if (ints != null) {
            return ofInts(newType, shape, ints);
        }
        return ofReals(newType, shape, reals);
    }

    private static long toInteger(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, "cannot convert " + v + " to an integer");
        }
        return (long) v;
    }

    /** {@code v} rounded to the precision of float type {@code type}. */
    static double round(int type, double v) {
        return switch (type) {
            case OnnxTypes.FLOAT -> (float) v;
            case OnnxTypes.FLOAT16 -> Float.float16ToFloat(Float.floatToFloat16((float) v));
            case OnnxTypes.BFLOAT16 -> bf16(v);
            default -> v;
        };
    }

    private static double bf16(double v) {
        int bits = Float.floatToRawIntBits((float) v);
        if (Float.isNaN((float) v)) {
            return Double.NaN;
        }
        int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
        return Float.intBitsToFloat(rounded & 0xFFFF0000);
    }

    /** Decodes tensor data (little-endian raw layout of its ONNX type) into a host array. */
    static HostArray of(TensorData t) {
        if (t.data() == null) {
            throw new XpuException(ErrorCode.DTYPE_MISMATCH, t.describe() + " holds strings, which xpu4j cannot compute with");
        }
        if (t.numel() > Integer.MAX_VALUE - 8) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, t.describe() + " is too large to hold on the host");
        }
        int n = (int) t.numel();
        MemorySegment s = t.data();
        int type = t.type();
        if (OnnxTypes.isFloat(type)) {
            double[] d = new double[n];
            for (int i = 0; i < n; i++) {
                d[i] = switch (type) {
                    case OnnxTypes.FLOAT -> s.getAtIndex(F32, i);
                    case OnnxTypes.DOUBLE -> s.getAtIndex(F64, i);
                    case OnnxTypes.FLOAT16 -> Float.float16ToFloat(s.getAtIndex(I16, i));
                    case OnnxTypes.BFLOAT16 -> Float.intBitsToFloat((s.getAtIndex(I16, i) & 0xFFFF) << 16);
                    default -> throw new XpuException(ErrorCode.DTYPE_MISMATCH, t.describe()
                            + ": 8-bit float constants are not supported on the host");
                };
            }
            return new HostArray(type, t.dims().clone(), null, d);
        }
        long[] l = new long[n];
        for (int i = 0; i < n; i++) {
            l[i] = switch (type) {
                case OnnxTypes.INT64, OnnxTypes.UINT64 -> s.getAtIndex(I64, i);
                case OnnxTypes.INT32 -> s.getAtIndex(I32, i);
                case OnnxTypes.UINT32 -> s.getAtIndex(I32, i) & 0xFFFF_FFFFL;
                case OnnxTypes.INT16 -> s.getAtIndex(I16, i);
                case OnnxTypes.UINT16 -> s.getAtIndex(I16, i) & 0xFFFF;
                case OnnxTypes.INT8 -> s.get(ValueLayout.JAVA_BYTE, i);
                case OnnxTypes.UINT8 -> s.get(ValueLayout.JAVA_BYTE, i) & 0xFF;
                case OnnxTypes.BOOL -> s.get(ValueLayout.JAVA_BYTE, i) != 0 ? 1 : 0;
                default -> throw new XpuException(ErrorCode.DTYPE_MISMATCH, t.describe() + " has an unsupported type");
            };
        }
        return new HostArray(type, t.dims().clone(), l, null);
    }

    /** A new tensor on {@code ops}'s device holding these elements, as {@code dtype}. */
    Tensor upload(Ops ops, DType dtype) {
        long[] s = shape.clone();
        int n = size();
        switch (dtype) {
            case F32 -> {
                float[] f = new float[n];
                for (int i = 0; i < n; i++) {
                    f[i] = (float) real(i);
                }
                return ops.tensor(f, s);
            }
            case I64 -> {
                return ops.tensor(toLongs(), s);
            }
            case I32 -> {
                int[] v = new int[n];
                for (int i = 0; i < n; i++) {
                    long x = integer(i);
                    if (x != (int) x) {
                        throw new XpuException(ErrorCode.INVALID_ARGUMENT, "value " + x + " does not fit INT32");
                    }
                    v[i] = (int) x;
                }
                return ops.tensor(v, s);
            }
            case BOOL -> {
                boolean[] b = new boolean[n];
                for (int i = 0; i < n; i++) {
                    b[i] = real(i) != 0;
                }
                return ops.tensor(b, s);
            }
            default -> {
                double[] d = new double[n];
                for (int i = 0; i < n; i++) {
                    d[i] = real(i);
                }
                return ops.tensor(dtype, d, s);
            }
        }
    }

    /** Reads a (small) device tensor of ONNX type {@code type} back to the host. */
    static HostArray download(Tensor t, int type) {
        if (t.numel() > HOST_LIMIT) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, "a value of " + t.describe()
                    + " is needed on the host (as a shape or index) but has more than " + HOST_LIMIT + " elements");
        }
        if (t.dtype().isFloatingPoint()) {
            float[] f = t.toFloatArray();
            double[] d = new double[f.length];
            for (int i = 0; i < f.length; i++) {
                d[i] = f[i];
            }
            return new HostArray(type, t.shape(), null, d);
        }
        return new HostArray(type, t.shape(), t.dtype() == DType.BOOL ? bools(t) : t.toLongArray(), null);
    }

    private static long[] bools(Tensor t) {
        boolean[] b = t.toBooleanArray();
        long[] l = new long[b.length];
        for (int i = 0; i < b.length; i++) {
            l[i] = b[i] ? 1 : 0;
        }
        return l;
    }

    @Override
    public String toString() {
        return OnnxTypes.name(type) + Arrays.toString(shape) + (size() <= 8 ? " " + (ints != null
                ? Arrays.toString(ints) : Arrays.toString(reals)) : "");
    }
}
