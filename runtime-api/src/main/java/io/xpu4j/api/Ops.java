package io.xpu4j.api;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * Every operator, backend-independent. Shapes, dtypes and devices are checked here, the same
 * way for every backend, so that bad input fails with one clear message wherever it runs; then
 * the op is dispatched to the kernel of the inputs' device. Creation methods put tensors on the
 * device this {@code Ops} was made for ({@link Runtime#ops()} / {@link Runtime#ops(Device)}).
 *
 * <p>Kernel contract (what a backend's kernel receives; see also {@code docs/ops.md}):
 * <ul>
 *   <li>Outputs are freshly allocated and contiguous, except for {@code copy}, whose output may be
 *       any strided view. Inputs may have any strides (including 0) unless noted "contiguous".</li>
 *   <li>Binary elementwise ops and {@code where} get inputs already broadcast (expanded) to the
 *       output shape.</li>
 *   <li>Reductions get attribute {@code axes} (sorted, non-negative) and an output in keep-dim shape.</li>
 *   <li>{@code matmul} gets a[..., M, K] and b[..., K, N] with identical batch dims (broadcast via
 *       stride 0; the last two dims may be transposed views), and attribute {@code f32Precision}
 *       ({@code "highest"} or {@code "high"}, from {@link Config#matmulPrecision()}); a kernel
 *       treats a call without it as {@code "highest"}.</li>
 * </ul>
 */
public final class Ops {
    static final Set<DType> FLOAT = EnumSet.of(DType.F32, DType.F16, DType.BF16);
    static final Set<DType> NUMERIC = EnumSet.of(DType.F32, DType.F16, DType.BF16, DType.I8, DType.I32, DType.I64);
    static final Set<DType> REDUCIBLE = EnumSet.of(DType.F32, DType.F16, DType.BF16, DType.I32, DType.I64);
    static final Set<DType> INDEX = EnumSet.of(DType.I32, DType.I64);
    static final Set<DType> ALL = EnumSet.allOf(DType.class);

    /** The {@code matmul} attribute carrying {@link Config#matmulPrecision()} to the kernel. */
    public static final String MATMUL_F32_PRECISION = "f32Precision";

    private final Runtime runtime;
    private final Device device;
    private final Dispatcher dispatch;

    Ops(Runtime runtime, Device device) {
        this.runtime = runtime;
        this.device = device;
        this.dispatch = runtime.dispatcher();
    }

    /** The device creation methods allocate on. */
    public Device device() {
        return device;
    }

    // ================================ creation ================================================

    /** An uninitialised tensor. */
    public Tensor empty(DType dtype, long... shape) {
        return dispatch.allocate(device, dtype, checkShape("empty", shape));
    }

    public Tensor zeros(long... shape) {
        return full(runtime.config().defaultDType(), 0, shape);
    }

    public Tensor zeros(DType dtype, long... shape) {
        return full(dtype, 0, shape);
    }

    public Tensor ones(DType dtype, long... shape) {
        return full(dtype, 1, shape);
    }

    /** A tensor with every element {@code value} (converted to {@code dtype}; integers must be exact). */
    public Tensor full(DType dtype, double value, long... shape) {
        if (dtype.isInteger() && (value != Math.rint(value) || Double.isInfinite(value))) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, "full: value " + value + " is not a whole number, as "
                    + dtype + " requires");
        }
        return dispatch.run("fill", OpAttrs.of("value", value), dtype, checkShape("full", shape), device);
    }

    /** A rank-0 tensor holding {@code value}. */
    public Tensor scalar(DType dtype, double value) {
        return full(dtype, value);
    }

    /** {@code [0, 1, ..., n-1]} as I64. */
    public Tensor arange(long n) {
        return arange(0, n, 1, DType.I64);
    }

    /** {@code start, start+step, ...} up to but excluding {@code end}, computed in float64 then converted. */
    public Tensor arange(double start, double end, double step, DType dtype) {
        if (step == 0 || Double.isNaN(step) || Double.isNaN(start) || Double.isNaN(end)) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, "arange: start=" + start + ", end=" + end + ", step="
                    + step + " is not a valid range (step must be non-zero and values not NaN)");
        }
        long n = Math.max(0, (long) Math.ceil((end - start) / step));
        return fromHost(dtype, new long[]{n}, i -> start + i * step);
    }

    /** Uniform random values in [low, high), reproducible for a seed on every backend. */
    public Tensor randUniform(long seed, double low, double high, DType dtype, long... shape) {
        requireDType("randUniform", "dtype", dtype, FLOAT);
        SplittableRandom r = new SplittableRandom(seed);
        return fromHost(dtype, checkShape("randUniform", shape), i -> low + (high - low) * r.nextDouble());
    }

    /** Normally distributed random values, reproducible for a seed on every backend. */
    public Tensor randNormal(long seed, double mean, double std, DType dtype, long... shape) {
        requireDType("randNormal", "dtype", dtype, FLOAT);
        SplittableRandom r = new SplittableRandom(seed);
        return fromHost(dtype, checkShape("randNormal", shape), i -> mean + std * gaussian(r));
    }

    private static double gaussian(SplittableRandom r) {
        // Box-Muller on the open interval so log never sees 0
        double u1 = (r.nextLong() >>> 11 | 1) * 0x1.0p-53;
        double u2 = r.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }

    private interface HostGen {
        double at(long i);
    }

    private Tensor fromHost(DType dtype, long[] shape, HostGen gen) {
        long n = Shapes.numel(shape);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate(Math.max(1, n * dtype.byteSize()), 64);
            for (long i = 0; i < n; i++) {
                HostValues.put(host, i, dtype, gen.at(i));
            }
            return upload(host, dtype, shape);
        }
    }

    private Tensor upload(MemorySegment host, DType dtype, long[] shape) {
        Tensor t = dispatch.allocate(device, dtype, shape);
        try {
            if (t.byteSize() > 0) {
                device.copyFromHost(host, 0, t.block(), 0, t.byteSize());
            }
            return t;
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
    }

    public Tensor tensor(float[] data, long... shape) {
        return fromSegment(MemorySegment.ofArray(data), data.length, DType.F32, shape);
    }

    public Tensor tensor(int[] data, long... shape) {
        return fromSegment(MemorySegment.ofArray(data), data.length, DType.I32, shape);
    }

    public Tensor tensor(long[] data, long... shape) {
        return fromSegment(MemorySegment.ofArray(data), data.length, DType.I64, shape);
    }

    public Tensor tensor(boolean[] data, long... shape) {
        byte[] b = new byte[data.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (data[i] ? 1 : 0);
        }
        return fromSegment(MemorySegment.ofArray(b), b.length, DType.BOOL, shape);
    }

    /** A tensor from {@code data} converted to {@code dtype} (round to nearest even; integers must be exact). */
    public Tensor tensor(DType dtype, double[] data, long... shape) {
        long[] s = checkShape("tensor", shape);
        checkCount("tensor", data.length, s);
        return fromHost(dtype, s, i -> data[(int) i]);
    }

    /** Copies raw bytes of {@code dtype} in row-major order from {@code src}. */
    public Tensor fromSegment(MemorySegment src, DType dtype, long... shape) {
        long[] s = checkShape("fromSegment", shape);
        long need = Shapes.numel(s) * dtype.byteSize();
        if (src.byteSize() < need) {
            throw new XpuException(ErrorCode.SHAPE_MISMATCH, "fromSegment: shape " + Arrays.toString(s) + " of " + dtype
                    + " needs " + need + " bytes but the segment has " + src.byteSize());
        }
        return upload(src, dtype, s);
    }

    private Tensor fromSegment(MemorySegment src, long count, DType dtype, long[] shape) {
        long[] s = checkShape("tensor", shape);
        checkCount("tensor", count, s);
        return upload(src, dtype, s);
    }

    private static void checkCount(String op, long count, long[] shape) {
        if (Shapes.numel(shape) != count) {
            throw new XpuException(ErrorCode.SHAPE_MISMATCH, op + ": " + count + " values do not fill shape "
                    + Arrays.toString(shape) + " (" + Shapes.numel(shape) + " elements)");
        }
    }

    private static long[] checkShape(String op, long[] shape) {
        for (long d : shape) {
            if (d < 0) {
                throw new XpuException(ErrorCode.SHAPE_MISMATCH, op + ": negative dimension in shape " + Arrays.toString(shape));
            }
        }
        return shape.clone();
    }

    // ================================ movement ================================================

    /** A contiguous version: a view of {@code t} when it already is, else a copy. */
    public Tensor contiguous(Tensor t) {
        checkOpen("contiguous", t);
        if (t.isContiguous()) {
            return t.share();
        }
        return copy(t);
    }

    /** A new contiguous copy. */
    public Tensor copy(Tensor t) {
        checkOpen("copy", t);
        return dispatch.run("copy", OpAttrs.NONE, t.dtype(), t.shape(), t.device(), t);
    }

    /**
     * Writes {@code src} into {@code dst} (which may be a strided view, e.g. a slice of a KV cache).
     * {@code src} must have {@code dst}'s dtype and a shape that broadcasts to {@code dst}'s.
     */
    public void copyInto(Tensor dst, Tensor src) {
        Device d = sameDevice("copyInto", dst, src);
        sameDType("copyInto", dst, src);
        long[] shape = dst.shape();
        if (!Arrays.equals(Shapes.broadcast("copyInto", shape, src.shape()), shape)) {
            throw new XpuException(ErrorCode.SHAPE_MISMATCH, "copyInto: source shape " + Arrays.toString(src.shape())
                    + " does not broadcast to destination shape " + Arrays.toString(shape));
        }
        try (Tensor s = src.expand(shape)) {
            dispatch.runInto("copy", OpAttrs.NONE, new Tensor[]{dst}, d, s);
        }
    }

    /** A copy of {@code t} on {@code target} (a view of {@code t} if it is already there). */
    public Tensor to(Tensor t, Device target) {
        checkOpen("to", t);
        Device src = t.device();
        if (src == target) {
            return t.share();
        }
        if (!t.isContiguous() && !src.isHostAccessible()) {
            // compact on the host, so moving data needs no kernel on the source device
            try (Tensor span = downloadSpan(t); Tensor compact = runtime.ops(span.device()).copy(span)) {
                return target == compact.device() ? compact.share() : to(compact, target);
            }
        }
        try (Tensor c = contiguous(t)) {
            Tensor out = dispatch.allocate(target, t.dtype(), t.shape());
            try {
                long bytes = c.byteSize();
                if (bytes > 0) {
                    if (target.isHostAccessible()) {
                        src.copyToHost(c.block(), c.byteOffset(), out.block().hostSegment(), 0, bytes);
                    } else if (src.isHostAccessible()) {
                        target.copyFromHost(c.block().hostSegment(), c.byteOffset(), out.block(), 0, bytes);
                    } else {
                        try (Arena arena = Arena.ofConfined()) {
                            MemorySegment stage = arena.allocate(bytes, 64);
                            src.copyToHost(c.block(), c.byteOffset(), stage, 0, bytes);
                            target.copyFromHost(stage, 0, out.block(), 0, bytes);
                        }
                    }
                }
                return out;
            } catch (RuntimeException e) {
                out.close();
                throw e;
            }
        }
    }

    /** The storage range a strided device view covers, as a CPU tensor with the same layout. */
    private Tensor downloadSpan(Tensor t) {
        long last = 0;
        long[] shape = t.shape();
        long[] strides = t.strides();
        for (int i = 0; i < shape.length; i++) {
            if (strides[i] < 0) {
                throw new XpuException(ErrorCode.INTERNAL, "negative strides are not supported: " + t.describe());
            }
            last += (shape[i] - 1) * strides[i];
        }
        long elems = t.numel() == 0 ? 0 : last + 1;
        Device cpu = runtime.cpu();
        Tensor flat = dispatch.allocate(cpu, t.dtype(), new long[]{elems});
        try {
            long bytes = elems * t.dtype().byteSize();
            if (bytes > 0) {
                t.device().copyToHost(t.block(), t.byteOffset(), flat.block().hostSegment(), 0, bytes);
            }
            return flat.restride(shape, strides, 0);
        } finally {
            flat.close();
        }
    }

    /** Converts to {@code target}; see {@link #cast(Tensor, DType, boolean)}; FP8 overflow becomes NaN/Inf. */
    public Tensor cast(Tensor t, DType target) {
        return cast(t, target, false);
    }

    /**
     * Converts to {@code target}. Floats round to nearest even. Float to integer truncates toward
     * zero; a NaN, infinite or out-of-range value is an error (the cast is not allowed for that
     * value). Integer to narrower integer must fit. Anything to BOOL is {@code value != 0}.
     * With {@code saturate}, values beyond an FP8 format's range clamp to its largest finite value;
     * without it they become NaN (E4M3) or infinity (E5M2), as the OCP FP8 spec defines.
     */
    public Tensor cast(Tensor t, DType target, boolean saturate) {
        checkOpen("cast", t);
        if (target == null) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, "cast: target dtype is null; allowed: " + Arrays.toString(DType.values()));
        }
        if (target == t.dtype()) {
            return copy(t);
        }
        return dispatch.run("cast", OpAttrs.of("saturate", saturate), target, t.shape(), t.device(), t);
    }

    /** Joins tensors along {@code axis}; all other dimensions must match. */
    public Tensor concat(int axis, Tensor... ts) {
        return concat(List.of(ts), axis);
    }

    public Tensor concat(List<Tensor> ts, int axis) {
        if (ts.isEmpty()) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, "concat: needs at least one tensor");
        }
        Tensor first = ts.get(0);
        Tensor[] arr = ts.toArray(new Tensor[0]);
        Device d = sameDevice("concat", arr);
        int rank = first.rank();
        int ax = Shapes.axis(axis, rank, "concat");
        long[] shape = first.shape();
        long total = 0;
        for (int i = 0; i < arr.length; i++) {
            Tensor t = arr[i];
            if (t.dtype() != first.dtype()) {
                throw new XpuException(ErrorCode.DTYPE_MISMATCH, "concat: tensor " + i + " is " + t.dtype()
                        + " but tensor 0 is " + first.dtype() + "; all must have one dtype");
            }
            if (t.rank() != rank) {
                throw new XpuException(ErrorCode.SHAPE_MISMATCH, "concat: tensor " + i + " has rank " + t.rank()
                        + " but tensor 0 has rank " + rank);
            }
            for (int k = 0; k < rank; k++) {
                if (k != ax && t.shape(k) != shape[k]) {
                    throw new XpuException(ErrorCode.SHAPE_MISMATCH, "concat: tensor " + i + " has shape "
                            + Arrays.toString(t.shape()) + " but tensor 0 has " + Arrays.toString(shape)
                            + "; only dimension " + ax + " may differ");
                }
            }
            total += t.shape(ax);
        }
        shape[ax] = total;
        Tensor out = dispatch.allocate(d, first.dtype(), shape);
        try {
            long off = 0;
            for (Tensor t : arr) {
                long len = t.shape(ax);
                if (len > 0) {
                    try (Tensor part = out.slice(ax, off, off + len)) {
                        dispatch.runInto("copy", OpAttrs.NONE, new Tensor[]{part}, d, t);
                    }
                }
                off += len;
            }
            return out;
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
    }

    // ================================ elementwise =============================================

    public Tensor add(Tensor a, Tensor b) {
        return binary("add", NUMERIC, a, b, null);
    }

    public Tensor sub(Tensor a, Tensor b) {
        return binary("sub", NUMERIC, a, b, null);
    }

    public Tensor mul(Tensor a, Tensor b) {
        return binary("mul", NUMERIC, a, b, null);
    }

    /** Division; integer division truncates toward zero and a zero divisor is an error. */
    public Tensor div(Tensor a, Tensor b) {
        return binary("div", NUMERIC, a, b, null);
    }

    public Tensor maximum(Tensor a, Tensor b) {
        return binary("maximum", NUMERIC, a, b, null);
    }

    public Tensor minimum(Tensor a, Tensor b) {
        return binary("minimum", NUMERIC, a, b, null);
    }

    public Tensor pow(Tensor a, Tensor b) {
        return binary("pow", FLOAT, a, b, null);
    }

    public Tensor add(Tensor a, double b) {
        return withScalar("add", NUMERIC, a, b, null);
    }

    public Tensor sub(Tensor a, double b) {
        return withScalar("sub", NUMERIC, a, b, null);
    }

    public Tensor mul(Tensor a, double b) {
        return withScalar("mul", NUMERIC, a, b, null);
    }

    public Tensor div(Tensor a, double b) {
        return withScalar("div", NUMERIC, a, b, null);
    }

    public Tensor maximum(Tensor a, double b) {
        return withScalar("maximum", NUMERIC, a, b, null);
    }

    public Tensor minimum(Tensor a, double b) {
        return withScalar("minimum", NUMERIC, a, b, null);
    }

    public Tensor pow(Tensor a, double b) {
        return withScalar("pow", FLOAT, a, b, null);
    }

    public Tensor eq(Tensor a, Tensor b) {
        return binary("eq", ALL_BUT_FP8, a, b, DType.BOOL);
    }

    public Tensor ne(Tensor a, Tensor b) {
        return binary("ne", ALL_BUT_FP8, a, b, DType.BOOL);
    }

    public Tensor lt(Tensor a, Tensor b) {
        return binary("lt", NUMERIC, a, b, DType.BOOL);
    }

    public Tensor le(Tensor a, Tensor b) {
        return binary("le", NUMERIC, a, b, DType.BOOL);
    }

    public Tensor gt(Tensor a, Tensor b) {
        return binary("gt", NUMERIC, a, b, DType.BOOL);
    }

    public Tensor ge(Tensor a, Tensor b) {
        return binary("ge", NUMERIC, a, b, DType.BOOL);
    }

    public Tensor eq(Tensor a, double b) {
        return withScalar("eq", ALL_BUT_FP8, a, b, DType.BOOL);
    }

    public Tensor lt(Tensor a, double b) {
        return withScalar("lt", NUMERIC, a, b, DType.BOOL);
    }

    public Tensor gt(Tensor a, double b) {
        return withScalar("gt", NUMERIC, a, b, DType.BOOL);
    }

    static final Set<DType> ALL_BUT_FP8 = EnumSet.of(DType.F32, DType.F16, DType.BF16, DType.I8, DType.I32, DType.I64, DType.BOOL);

    private Tensor binary(String op, Set<DType> allowed, Tensor a, Tensor b, DType outType) {
        Device d = sameDevice(op, a, b);
        sameDType(op, a, b);
        requireDType(op, "a", a.dtype(), allowed);
        long[] shape = Shapes.broadcast(op, a.shape(), b.shape());
        DType out = outType == null ? a.dtype() : outType;
        boolean ea = !Arrays.equals(a.shape(), shape);
        boolean eb = !Arrays.equals(b.shape(), shape);
        Tensor xa = ea ? a.expand(shape) : a;
        Tensor xb = eb ? b.expand(shape) : b;
        try {
            return dispatch.run(op, OpAttrs.NONE, out, shape, d, xa, xb);
        } finally {
            if (ea) {
                xa.close();
            }
            if (eb) {
                xb.close();
            }
        }
    }

    private Tensor withScalar(String op, Set<DType> allowed, Tensor a, double b, DType outType) {
        checkOpen(op, a);
        requireDType(op, "a", a.dtype(), allowed);
        if (a.dtype().isInteger() && (b != Math.rint(b) || Double.isInfinite(b))) {
            throw new XpuException(ErrorCode.DTYPE_MISMATCH, op + ": scalar " + b + " is not a whole number but the tensor is "
                    + a.dtype() + "; cast the tensor to a float dtype first");
        }
        try (Tensor s = runtime.ops(a.device()).full(a.dtype(), b)) {
            return binary(op, allowed, a, s, outType);
        }
    }

    public Tensor neg(Tensor t) {
        return unary("neg", NUMERIC, t, OpAttrs.NONE);
    }

    public Tensor abs(Tensor t) {
        return unary("abs", NUMERIC, t, OpAttrs.NONE);
    }

    public Tensor exp(Tensor t) {
        return unary("exp", FLOAT, t, OpAttrs.NONE);
    }

    public Tensor log(Tensor t) {
        return unary("log", FLOAT, t, OpAttrs.NONE);
    }

    public Tensor sqrt(Tensor t) {
        return unary("sqrt", FLOAT, t, OpAttrs.NONE);
    }

    public Tensor rsqrt(Tensor t) {
        return unary("rsqrt", FLOAT, t, OpAttrs.NONE);
    }

    public Tensor tanh(Tensor t) {
        return unary("tanh", FLOAT, t, OpAttrs.NONE);
    }

    public Tensor erf(Tensor t) {
        return unary("erf", FLOAT, t, OpAttrs.NONE);
    }

    public Tensor sigmoid(Tensor t) {
        return unary("sigmoid", FLOAT, t, OpAttrs.NONE);
    }

    public Tensor relu(Tensor t) {
        return unary("relu", NUMERIC, t, OpAttrs.NONE);
    }

    /** GELU, exact (erf) form. */
    public Tensor gelu(Tensor t) {
        return gelu(t, GeluApproximation.NONE);
    }

    public Tensor gelu(Tensor t, GeluApproximation approximation) {
        return unary("gelu", FLOAT, t, OpAttrs.of("approximate", approximation.name().toLowerCase()));
    }

    /** x·sigmoid(x). */
    public Tensor silu(Tensor t) {
        return unary("silu", FLOAT, t, OpAttrs.NONE);
    }

    private Tensor unary(String op, Set<DType> allowed, Tensor t, OpAttrs attrs) {
        checkOpen(op, t);
        requireDType(op, "input", t.dtype(), allowed);
        return dispatch.run(op, attrs, t.dtype(), t.shape(), t.device(), t);
    }

    /** Elementwise {@code cond ? a : b} with broadcasting; {@code cond} is BOOL. */
    public Tensor where(Tensor cond, Tensor a, Tensor b) {
        Device d = sameDevice("where", cond, a, b);
        requireDType("where", "cond", cond.dtype(), EnumSet.of(DType.BOOL));
        sameDType("where", a, b);
        long[] shape = Shapes.broadcast("where", Shapes.broadcast("where", cond.shape(), a.shape()), b.shape());
        try (Tensor c = cond.expand(shape); Tensor xa = a.expand(shape); Tensor xb = b.expand(shape)) {
            return dispatch.run("where", OpAttrs.NONE, a.dtype(), shape, d, c, xa, xb);
        }
    }

    /** {@code t} with elements where {@code mask} is true replaced by {@code value}. */
    public Tensor maskedFill(Tensor t, Tensor mask, double value) {
        checkOpen("maskedFill", t);
        try (Tensor s = runtime.ops(t.device()).full(t.dtype(), value)) {
            return where(mask, s, t);
        }
    }

    // ================================ reductions ==============================================

    /** Sum over {@code axes} (all axes when none are given). */
    public Tensor sum(Tensor t, boolean keepdim, int... axes) {
        return reduce("sum", REDUCIBLE, t, keepdim, axes, t.dtype());
    }

    public Tensor sum(Tensor t, int... axes) {
        return sum(t, false, axes);
    }

    /** Mean over {@code axes}; the mean of nothing is NaN. */
    public Tensor mean(Tensor t, boolean keepdim, int... axes) {
        return reduce("mean", FLOAT, t, keepdim, axes, t.dtype());
    }

    public Tensor mean(Tensor t, int... axes) {
        return mean(t, false, axes);
    }

    public Tensor max(Tensor t, boolean keepdim, int... axes) {
        return reduce("max", REDUCIBLE, t, keepdim, axes, t.dtype());
    }

    public Tensor max(Tensor t, int... axes) {
        return max(t, false, axes);
    }

    public Tensor min(Tensor t, boolean keepdim, int... axes) {
        return reduce("min", REDUCIBLE, t, keepdim, axes, t.dtype());
    }

    public Tensor min(Tensor t, int... axes) {
        return min(t, false, axes);
    }

    /** Index (I64) of the largest element along {@code axis}; the first one on ties; NaN counts as largest. */
    public Tensor argmax(Tensor t, int axis, boolean keepdim) {
        checkOpen("argmax", t);
        requireDType("argmax", "input", t.dtype(), NUMERIC);
        if (t.rank() == 0) {
            return reduceTo("argmax", t, new long[0], keepdim, DType.I64, OpAttrs.of("axis", 0L));
        }
        int ax = Shapes.axis(axis, t.rank(), "argmax");
        if (t.shape(ax) == 0) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, "argmax: axis " + ax + " of " + t.describe() + " is empty");
        }
        return reduceTo("argmax", t, new long[]{ax}, keepdim, DType.I64, OpAttrs.of("axis", (long) ax));
    }

    private Tensor reduce(String op, Set<DType> allowed, Tensor t, boolean keepdim, int[] axes, DType outType) {
        checkOpen(op, t);
        requireDType(op, "input", t.dtype(), allowed);
        TreeSet<Integer> set = new TreeSet<>();
        for (int a : axes) {
            if (!set.add(Shapes.axis(a, t.rank(), op))) {
                throw new XpuException(ErrorCode.INVALID_ARGUMENT, op + ": axis " + a + " is given twice in " + Arrays.toString(axes));
            }
        }
        if (axes.length == 0) {
            for (int i = 0; i < t.rank(); i++) {
                set.add(i);
            }
        }
        long[] ax = set.stream().mapToLong(Integer::longValue).toArray();
        if (op.equals("max") || op.equals("min")) {
            for (long a : ax) {
                if (t.shape((int) a) == 0) {
                    throw new XpuException(ErrorCode.INVALID_ARGUMENT, op + ": axis " + a + " of " + t.describe()
                            + " is empty; the " + op + " of no elements is undefined");
                }
            }
        }
        return reduceTo(op, t, ax, keepdim, outType, OpAttrs.of("axes", ax));
    }

    private Tensor reduceTo(String op, Tensor t, long[] axes, boolean keepdim, DType outType, OpAttrs attrs) {
        long[] keep = t.shape();
        for (long a : axes) {
            keep[(int) a] = 1;
        }
        Tensor out = dispatch.run(op, attrs, outType, keep, t.device(), t);
        if (keepdim) {
            return out;
        }
        long[] dropped = new long[keep.length - axes.length];
        for (int i = 0, j = 0, k = 0; i < keep.length; i++) {
            if (k < axes.length && axes[k] == i) {
                k++;
            } else {
                dropped[j++] = keep[i];
            }
        }
        try (out) {
            return out.reshape(dropped);
        }
    }

    // ================================ linear algebra ==========================================

    /**
     * Matrix product with NumPy semantics: 1-D operands are promoted (and the added dim removed),
     * batch dimensions broadcast. Float dtypes accumulate in float32. On accelerators, F32 inputs
     * may be rounded to a 19-bit-class format first when {@link Config#matmulPrecision()} is
     * {@code high}.
     */
    public Tensor matmul(Tensor a, Tensor b) {
        return matmul(a, b, false, false);
    }

    /** {@code op(a)·op(b)} where {@code op} transposes the last two dims when asked (no copy). */
    public Tensor matmul(Tensor a, Tensor b, boolean transposeA, boolean transposeB) {
        Device d = sameDevice("matmul", a, b);
        sameDType("matmul", a, b);
        requireDType("matmul", "a", a.dtype(), FLOAT);
        if (a.rank() == 0 || b.rank() == 0) {
            throw new XpuException(ErrorCode.SHAPE_MISMATCH, "matmul: operands must have rank >= 1, got "
                    + a.describe() + " and " + b.describe());
        }
        boolean vecA = a.rank() == 1;
        boolean vecB = b.rank() == 1;
        try (Tensor a2 = vecA ? a.unsqueeze(0) : transposeA ? a.transpose(-1, -2) : a.share();
             Tensor b2 = vecB ? b.unsqueeze(-1) : transposeB ? b.transpose(-1, -2) : b.share()) {
            long m = a2.shape(-2);
            long k = a2.shape(-1);
            long n = b2.shape(-1);
            if (b2.shape(-2) != k) {
                throw new XpuException(ErrorCode.SHAPE_MISMATCH, "matmul: a " + Arrays.toString(a2.shape()) + " and b "
                        + Arrays.toString(b2.shape()) + " do not fit: a has " + k + " columns but b has "
                        + b2.shape(-2) + " rows" + (transposeA || transposeB ? " (after the requested transposes)" : ""));
            }
            long[] batchA = Arrays.copyOf(a2.shape(), a2.rank() - 2);
            long[] batchB = Arrays.copyOf(b2.shape(), b2.rank() - 2);
            long[] batch = Shapes.broadcast("matmul (batch dims)", batchA, batchB);
            long[] sa = concat(batch, m, k);
            long[] sb = concat(batch, k, n);
            long[] so = concat(batch, m, n);
            try (Tensor xa = a2.expand(sa); Tensor xb = b2.expand(sb)) {
                OpAttrs attrs = OpAttrs.of(MATMUL_F32_PRECISION, runtime.config().matmulPrecision().id());
                Tensor out = dispatch.run("matmul", attrs, a.dtype(), so, d, xa, xb);
                if (!vecA && !vecB) {
                    return out;
                }
                try (out) {
                    long[] fin = vecA && vecB ? batch : vecA ? concat(batch, n) : concat(batch, m);
                    return out.reshape(fin);
                }
            }
        }
    }

    private static long[] concat(long[] head, long... tail) {
        long[] r = Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, r, head.length, tail.length);
        return r;
    }

    /** {@code x·wᵀ + bias} with {@code w} [out, in] and optional {@code bias} [out], as in a linear layer. */
    public Tensor linear(Tensor x, Tensor w, Tensor bias) {
        checkOpen("linear", w);
        if (w.rank() != 2) {
            throw new XpuException(ErrorCode.SHAPE_MISMATCH, "linear: weight must be [out, in], got " + w.describe());
        }
        checkOpen("linear", x);
        if (x.rank() == 0 || x.shape(-1) != w.shape(1)) {
            throw new XpuException(ErrorCode.SHAPE_MISMATCH, "linear: input " + Arrays.toString(x.shape())
                    + " must end in the weight's in-features " + w.shape(1) + " (weight " + Arrays.toString(w.shape()) + " is [out, in])");
        }
        if (bias != null && (bias.rank() != 1 || bias.shape(0) != w.shape(0))) {
            throw new XpuException(ErrorCode.SHAPE_MISMATCH, "linear: bias must be [" + w.shape(0) + "], got " + bias.describe());
        }
        Tensor y = matmul(x, w, false, true);
        if (bias == null) {
            return y;
        }
        try (y) {
            return add(y, bias);
        }
    }

    // ================================ neural-network ops ======================================

    public Tensor softmax(Tensor t, int axis) {
        return alongAxis("softmax", t, axis);
    }

    public Tensor logSoftmax(Tensor t, int axis) {
        return alongAxis("log_softmax", t, axis);
    }

    private Tensor alongAxis(String op, Tensor t, int axis) {
        checkOpen(op, t);
        requireDType(op, "input", t.dtype(), FLOAT);
        long ax = t.rank() == 0 ? 0 : Shapes.axis(axis, t.rank(), op);
        try (Tensor c = contiguous(t)) {
            return dispatch.run(op, OpAttrs.of("axis", ax), t.dtype(), t.shape(), t.device(), c);
        }
    }

    /**
     * Layer normalisation over the last dimension: (x - mean) / sqrt(var + eps) · weight + bias,
     * with the biased variance. {@code weight} and {@code bias} ([D], same dtype) may be null.
     */
    public Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, double eps) {
        checkOpen("layerNorm", x);
        requireDType("layerNorm", "x", x.dtype(), FLOAT);
        if (x.rank() == 0) {
            throw new XpuException(ErrorCode.SHAPE_MISMATCH, "layerNorm: x must have rank >= 1");
        }
        long dim = x.shape(-1);
        checkParam("layerNorm", "weight", weight, x, dim);
        checkParam("layerNorm", "bias", bias, x, dim);
        try (Tensor c = contiguous(x); Tensor w = weight == null ? null : contiguous(weight);
             Tensor b = bias == null ? null : contiguous(bias)) {
            Tensor[] in = w == null && b == null ? new Tensor[]{c} : w == null ? new Tensor[]{c, b}
                    : b == null ? new Tensor[]{c, w} : new Tensor[]{c, w, b};
            return dispatch.run("layer_norm", OpAttrs.of("eps", eps, "hasWeight", w != null, "hasBias", b != null),
                    x.dtype(), x.shape(), x.device(), in);
        }
    }

    /** RMS normalisation over the last dimension: x / sqrt(mean(x²) + eps) · weight. */
    public Tensor rmsNorm(Tensor x, Tensor weight, double eps) {
        checkOpen("rmsNorm", x);
        requireDType("rmsNorm", "x", x.dtype(), FLOAT);
        if (x.rank() == 0) {
            throw new XpuException(ErrorCode.SHAPE_MISMATCH, "rmsNorm: x must have rank >= 1");
        }
        if (weight == null) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, "rmsNorm: weight is required");
        }
        checkParam("rmsNorm", "weight", weight, x, x.shape(-1));
        try (Tensor c = contiguous(x); Tensor w = contiguous(weight)) {
            return dispatch.run("rms_norm", OpAttrs.of("eps", eps), x.dtype(), x.shape(), x.device(), c, w);
        }
    }

    private void checkParam(String op, String name, Tensor p, Tensor x, long dim) {
        if (p == null) {
            return;
        }
        sameDevice(op, x, p);
        if (p.dtype() != x.dtype()) {
            throw new XpuException(ErrorCode.DTYPE_MISMATCH, op + ": " + name + " is " + p.dtype() + " but x is "
                    + x.dtype() + "; they must match");
        }
        if (p.rank() != 1 || p.shape(0) != dim) {
            throw new XpuException(ErrorCode.SHAPE_MISMATCH, op + ": " + name + " must have shape [" + dim
                    + "] (the last dimension of x " + Arrays.toString(x.shape()) + "), got " + Arrays.toString(p.shape()));
        }
    }

    /** Rows of {@code weight} [V, D] picked by integer {@code ids}; the result is ids.shape + [D]. */
    public Tensor embedding(Tensor weight, Tensor ids) {
        Device d = sameDevice("embedding", weight, ids);
        requireDType("embedding", "ids", ids.dtype(), INDEX);
        if (weight.rank() != 2) {
            throw new XpuException(ErrorCode.SHAPE_MISMATCH, "embedding: weight must be [vocab, dim], got " + weight.describe());
        }
        long[] shape = concat(ids.shape(), weight.shape(1));
        try (Tensor w = contiguous(weight); Tensor i = contiguous(ids)) {
            return dispatch.run("embedding", OpAttrs.NONE, weight.dtype(), shape, d, w, i);
        }
    }

    /**
     * Rotary position embedding of {@code x} [..., S, D] with {@code cos}, {@code sin} F32 [S, D/2]
     * (see {@link #ropeTables}); pairs as {@code layout} says.
     */
    public Tensor rope(Tensor x, Tensor cos, Tensor sin, RopeLayout layout) {
        Device d = sameDevice("rope", x, cos, sin);
        requireDType("rope", "x", x.dtype(), FLOAT);
        requireDType("rope", "cos", cos.dtype(), EnumSet.of(DType.F32));
        requireDType("rope", "sin", sin.dtype(), EnumSet.of(DType.F32));
        if (x.rank() < 2 || x.shape(-1) % 2 != 0) {
            throw new XpuException(ErrorCode.SHAPE_MISMATCH, "rope: x must be [..., seq, headDim] with an even headDim, got "
                    + x.describe());
        }
        long s = x.shape(-2);
        long half = x.shape(-1) / 2;
        for (Tensor tab : new Tensor[]{cos, sin}) {
            if (tab.rank() != 2 || tab.shape(0) != s || tab.shape(1) != half) {
                throw new XpuException(ErrorCode.SHAPE_MISMATCH, "rope: cos and sin must be [" + s + ", " + half
                        + "] for x " + Arrays.toString(x.shape()) + ", got " + tab.describe());
            }
        }
        try (Tensor c = contiguous(x); Tensor cc = contiguous(cos); Tensor sc = contiguous(sin)) {
            return dispatch.run("rope", OpAttrs.of("layout", layout.name().toLowerCase()), x.dtype(), x.shape(), d, c, cc, sc);
        }
    }

    /**
     * The cos and sin tables for positions {@code start .. start+length-1}: angle(p, i) =
     * p · theta^(-2i/headDim), computed in float64; returns {cos, sin}, each F32 [length, headDim/2].
     */
    public Tensor[] ropeTables(long start, long length, int headDim, double theta) {
        if (headDim <= 0 || headDim % 2 != 0 || length < 0 || theta <= 0) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, "ropeTables: need even headDim > 0, length >= 0, theta > 0; got headDim="
                    + headDim + ", length=" + length + ", theta=" + theta);
        }
        int half = headDim / 2;
        long[] shape = {length, half};
        Tensor cos = fromHost(DType.F32, shape, i -> Math.cos((start + i / half) * Math.pow(theta, -2.0 * (i % half) / headDim)));
        try {
            return new Tensor[]{cos, fromHost(DType.F32, shape, i -> Math.sin((start + i / half) * Math.pow(theta, -2.0 * (i % half) / headDim)))};
        } catch (RuntimeException e) {
            cos.close();
            throw e;
        }
    }

    /**
     * Scaled dot-product attention: softmax(q·kᵀ·scale + mask) · v, per head.
     * q [B, Hq, Sq, D], k [B, Hkv, Sk, D], v [B, Hkv, Sk, Dv], with Hq a multiple of Hkv
     * (grouped-query attention: query head h reads kv head h / (Hq/Hkv)). {@code mask} (optional,
     * q's dtype) is added to the scores and broadcasts to [B, Hq, Sq, Sk]. With {@code causal},
     * query i sees keys j <= i + Sk - Sq (aligned to the end, as with a KV cache).
     * {@code scale} NaN means 1/sqrt(D).
     */
    public Tensor scaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor mask, boolean causal, double scale) {
        Device d = mask == null ? sameDevice("attention", q, k, v) : sameDevice("attention", q, k, v, mask);
        sameDType("attention", q, k);
        sameDType("attention", q, v);
        requireDType("attention", "q", q.dtype(), FLOAT);
        if (q.rank() != 4 || k.rank() != 4 || v.rank() != 4) {
            throw new XpuException(ErrorCode.SHAPE_MISMATCH, "attention: q, k, v must be [batch, heads, seq, headDim]; got "
                    + q.describe() + ", " + k.describe() + ", " + v.describe());
        }
        long b = q.shape(0);
        long hq = q.shape(1);
        long sq = q.shape(2);
        long dh = q.shape(3);
        long hkv = k.shape(1);
        long sk = k.shape(2);
        if (k.shape(0) != b || v.shape(0) != b || v.shape(1) != hkv || v.shape(2) != sk || k.shape(3) != dh) {
            throw new XpuException(ErrorCode.SHAPE_MISMATCH, "attention: shapes do not fit: q " + Arrays.toString(q.shape())
                    + ", k " + Arrays.toString(k.shape()) + ", v " + Arrays.toString(v.shape())
                    + " (need k [B, Hkv, Sk, D] and v [B, Hkv, Sk, Dv] matching q [B, Hq, Sq, D])");
        }
        if (hkv == 0 || hq % hkv != 0) {
            throw new XpuException(ErrorCode.SHAPE_MISMATCH, "attention: query heads " + hq
                    + " must be a multiple of key/value heads " + hkv);
        }
        double sc = Double.isNaN(scale) ? 1.0 / Math.sqrt(dh) : scale;
        long[] outShape = {b, hq, sq, v.shape(3)};
        OpAttrs attrs = OpAttrs.of("causal", causal, "scale", sc, "hasMask", mask != null);
        try (Tensor qc = contiguous(q); Tensor kc = contiguous(k); Tensor vc = contiguous(v)) {
            if (mask == null) {
                return dispatch.run("attention", attrs, q.dtype(), outShape, d, qc, kc, vc);
            }
            sameDType("attention", q, mask);
            long[] ms = {b, hq, sq, sk};
            if (!Arrays.equals(Shapes.broadcast("attention (mask)", ms, mask.shape()), ms)) {
                throw new XpuException(ErrorCode.SHAPE_MISMATCH, "attention: mask " + Arrays.toString(mask.shape())
                        + " does not broadcast to the scores' shape " + Arrays.toString(ms));
            }
            try (Tensor mx = mask.expand(ms)) {
                return dispatch.run("attention", attrs, q.dtype(), outShape, d, qc, kc, vc, mx);
            }
        }
    }

    // ================================ extension ===============================================

    /**
     * Runs a user-registered op (see {@link KernelRegistry}) producing one new tensor of
     * {@code outType} and {@code outShape} on the inputs' device.
     */
    public Tensor custom(String op, OpAttrs attrs, DType outType, long[] outShape, Tensor... inputs) {
        Device d = inputs.length == 0 ? device : sameDevice(op, inputs);
        return dispatch.run(op, attrs, outType, checkShape(op, outShape), d, inputs);
    }

    // ================================ checks ==================================================

    private static void checkOpen(String op, Tensor t) {
        if (t == null) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, op + ": tensor argument is null");
        }
        t.checkOpen();
    }

    private static Device sameDevice(String op, Tensor... ts) {
        Device d = null;
        for (int i = 0; i < ts.length; i++) {
            checkOpen(op, ts[i]);
            if (d == null) {
                d = ts[i].device();
            } else if (ts[i].device() != d) {
                throw new XpuException(ErrorCode.DEVICE_MISMATCH, op + ": tensors are on different devices: argument 0 on "
                        + d.id() + ", argument " + i + " on " + ts[i].device().id() + "; move one with tensor.to(device)");
            }
        }
        return d;
    }

    private static void sameDType(String op, Tensor a, Tensor b) {
        if (a.dtype() != b.dtype()) {
            throw new XpuException(ErrorCode.DTYPE_MISMATCH, op + ": dtypes differ: " + a.describe() + " and "
                    + b.describe() + "; cast one of them first");
        }
    }

    private static void requireDType(String op, String arg, DType t, Set<DType> allowed) {
        if (!allowed.contains(t)) {
            throw new XpuException(ErrorCode.DTYPE_MISMATCH, op + ": " + arg + " has dtype " + t + ", which " + op
                    + " does not support; allowed: " + allowed);
        }
    }
}
