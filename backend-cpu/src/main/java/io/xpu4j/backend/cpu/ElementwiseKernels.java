package io.xpu4j.backend.cpu;

import io.xpu4j.api.DType;
import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.Kernel;
import io.xpu4j.api.KernelCall;
import io.xpu4j.api.KernelRegistry;
import io.xpu4j.api.Tensor;
import io.xpu4j.api.XpuException;
import io.xpu4j.api.spi.ContractErrors;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static io.xpu4j.api.DType.BF16;
import static io.xpu4j.api.DType.BOOL;
import static io.xpu4j.api.DType.F16;
import static io.xpu4j.api.DType.F32;
import static io.xpu4j.api.DType.I32;
import static io.xpu4j.api.DType.I64;
import static io.xpu4j.api.DType.I8;

/**
 * Elementwise ops: binary arithmetic, comparisons, {@code where}, and unary math.
 *
 * <p>Every kernel walks its operands in {@link Pieces}: a piece is loaded into float (or, for
 * integer dtypes, long) scratch buffers ({@link HalfRows} converts F16/BF16 rows a vector at a
 * time), computed there by {@link FloatLoops} (vectorised), and stored, rounding to the output
 * dtype. That one path serves every dtype and layout (strided, transposed, broadcast with
 * stride 0). Float32 binary ops whose inputs are contiguous or a single broadcast value skip
 * the scratch copies ({@link F32Binary}); {@code where} moves raw bits ({@link Select}).
 *
 * <p>Integer arithmetic happens in 64 bits and wraps to the dtype on store, like Java's (and
 * two's complement C's) narrowing casts; integer division truncates toward zero and a zero
 * divisor is an error.
 */
final class ElementwiseKernels {
    private ElementwiseKernels() {
    }

    enum Binary {
        ADD("add"), SUB("sub"), MUL("mul"), DIV("div"), MAXIMUM("maximum"), MINIMUM("minimum"), POW("pow");

        final String key;

        Binary(String key) {
            this.key = key;
        }
    }

    enum Compare {
        EQ("eq"), NE("ne"), LT("lt"), LE("le"), GT("gt"), GE("ge");

        final String key;

        Compare(String key) {
            this.key = key;
        }
    }

    /** Unary ops; {@code GELU} and {@code GELU_TANH} share the key {@code gelu} (attr {@code approximate}). */
    enum Unary {
        NEG("neg"), ABS("abs"), RELU("relu"), EXP("exp"), LOG("log"), SQRT("sqrt"), RSQRT("rsqrt"),
        TANH("tanh"), ERF("erf"), SIGMOID("sigmoid"), SILU("silu"), GELU("gelu"), GELU_TANH("gelu");

        final String key;

        Unary(String key) {
            this.key = key;
        }

        /** Cheap enough that threads only pay off on large tensors. */
        boolean light() {
            return this == NEG || this == ABS || this == RELU;
        }
    }

    static final List<DType> FLOAT = List.of(F32, F16, BF16);
    static final List<DType> NUMERIC = List.of(F32, F16, BF16, I8, I32, I64);

    /** Elements per thread below which memory-bound work stays on one thread. */
    private static final long GRAIN = 32_768;
    /** The same for compute-bound work (transcendentals, pow). */
    private static final long GRAIN_HEAVY = 8_192;
    /** Unit of work splitting in the float32 fast path; a multiple of every vector length. */
    private static final int BLOCK = 4096;

    static void register(KernelRegistry r) {
        for (Binary op : Binary.values()) {
            for (DType t : op == Binary.POW ? FLOAT : NUMERIC) {
                Kernel k = t.isInteger() ? call -> binaryLong(call, op) : call -> binaryFloat(call, op);
                r.register("cpu", op.key, List.of(t, t), List.of(t), k);
            }
        }
        for (Compare op : Compare.values()) {
            List<DType> types = new ArrayList<>(NUMERIC);
            if (op == Compare.EQ || op == Compare.NE) {
                types.add(BOOL);
            }
            for (DType t : types) {
                Kernel k = t.isFloatingPoint() ? call -> compareFloat(call, op) : call -> compareLong(call, op);
                r.register("cpu", op.key, List.of(t, t), List.of(BOOL), k);
            }
        }
        for (DType t : DType.values()) {
            r.register("cpu", "where", List.of(BOOL, t, t), List.of(t), ElementwiseKernels::where);
        }
        for (Unary op : Unary.values()) {
            if (op == Unary.GELU_TANH) {
                continue;
            }
            for (DType t : op.light() ? NUMERIC : FLOAT) {
                Kernel k = t.isInteger() ? call -> unaryLong(call, op)
                        : op == Unary.GELU ? ElementwiseKernels::gelu : call -> unaryFloat(call, op);
                r.register("cpu", op.key, List.of(t), List.of(t), k);
            }
        }
    }

    // ================================================================ binary

    private static void binaryFloat(KernelCall call, Binary op) {
        Tensor a = call.input(0);
        Tensor b = call.input(1);
        Tensor out = call.output();
        DType t = out.dtype();
        if (t == F32 && op != Binary.POW && fastF32(op, a, b, out)) {
            return;
        }
        MemorySegment sa = a.segment();
        MemorySegment sb = b.segment();
        MemorySegment so = out.segment();
        long ia = Rows.innerStride(a);
        long ib = Rows.innerStride(b);
        float exponent = op == Binary.POW && isOneValue(b) ? firstValue(b) : Float.NaN;
        // F32 rows that are contiguous or one repeated value (a bias row, a column broadcast
        // along the row) are computed straight from the segments, like fastF32 does
        boolean f32Rows = t == F32 && op != Binary.POW && (ia == 1 || ia == 0) && (ib == 1 || ib == 0)
                && !(ia == 0 && ib == 0);
        if (f32Rows && Rows.rowLength(out.shape()) <= SHORT_ROW) {
            f32ShortRows(op, a, ia == 0, b, ib == 0, out);
            return;
        }
        Pieces.run(out.shape(), new Tensor[]{a, b, out}, op == Binary.POW ? GRAIN_HEAVY : GRAIN, (o, n) -> {
            if (f32Rows) {
                f32Row(op, sa, o[0], ia == 0, sb, o[1], ib == 0, so, o[2], n);
                return;
            }
            int m = Pieces.padded(n, FloatLoops.LANES);
            float[] x = Rows.scratch(0, m);
            Rows.load(sa, t, o[0], ia, n, x, 0);
            if (exponent == 2f) {
                // x^2 and x^0.5 (variances, norms) without the scalar pow: x * x and sqrt are
                // the correctly rounded results that pow gives too
                FloatLoops.binary(Binary.MUL, x, x, n);
            } else if (exponent == 0.5f) {
                FloatLoops.powHalf(x, n);
            } else {
                float[] y = Rows.scratch(1, m);
                Rows.load(sb, t, o[1], ib, n, y, 0);
                FloatLoops.binary(op, x, y, n);
            }
            Rows.store(x, 0, n, so, t, o[2], 1, false);
        });
    }

    /**
     * Rows of F32 binary ops at most this long, with an operand that is neither contiguous nor a
     * single value, are walked by {@link #f32ShortRows} instead of {@link Pieces}.
     */
    private static final int SHORT_ROW = 512;

    /**
     * The f32Row path for short rows of strided operands (a transposed view's rows of 32 floats,
     * say): the rows' offsets advance in this loop, so a row costs its arithmetic and little
     * else; through {@link Pieces}' per-row callbacks an add of a [32, 128, 12, 32] view took
     * 2-3x as long.
     */
    private static void f32ShortRows(Binary op, Tensor a, boolean aOne, Tensor b, boolean bOne, Tensor out) {
        long[] shape = out.shape();
        long rows = Rows.rowCount(shape);
        int len = Rows.rowLength(shape);
        if (rows * len == 0) {
            return;
        }
        MemorySegment ma = a.segment();
        MemorySegment mb = b.segment();
        MemorySegment mo = out.segment();
        long[] sa = a.strides();
        long[] sb = b.strides();
        long[] so = out.strides();
        long a0 = a.offset();
        long b0 = b.offset();
        long o0 = out.offset();
        int outer = Math.max(0, shape.length - 1);
        Parallel.RangeBody body = (from, to) -> {
            // an odometer in locals, as in CopyKernels.copy: the same stepping kept in a shared
            // cursor object (offsets in an array, a loop over the operands) measured 20-30% slower
            long[] idx = new long[outer];
            long ao = a0;
            long bo = b0;
            long oo = o0;
            long rem = from;
            for (int d = outer - 1; d >= 0; d--) {
                idx[d] = rem % shape[d];
                rem /= shape[d];
                ao += idx[d] * sa[d];
                bo += idx[d] * sb[d];
                oo += idx[d] * so[d];
            }
            for (long r = from; r < to; r++) {
                f32Row(op, ma, ao, aOne, mb, bo, bOne, mo, oo, len);
                for (int d = outer - 1; d >= 0; d--) {
                    ao += sa[d];
                    bo += sb[d];
                    oo += so[d];
                    if (++idx[d] < shape[d]) {
                        break;
                    }
                    ao -= sa[d] * shape[d];
                    bo -= sb[d] * shape[d];
                    oo -= so[d] * shape[d];
                    idx[d] = 0;
                }
            }
        };
        if (rows * len >= 2 * GRAIN && Parallel.accessibleByWorkers(ma) && Parallel.accessibleByWorkers(mb)
                && Parallel.accessibleByWorkers(mo)) {
            Parallel.forRange(Math.toIntExact(rows), (int) Math.max(1, GRAIN / len), body);
        } else {
            body.run(0, Math.toIntExact(rows));
        }
    }

    /**
     * One F32 row of n elements from element offsets; an operand marked one-value repeats its
     * first element along the row. Whole vectors straight between segments, the rest through
     * scratch.
     */
    private static void f32Row(Binary op, MemorySegment sa, long ao, boolean aOne, MemorySegment sb, long bo,
                               boolean bOne, MemorySegment so, long oo, int n) {
        int whole = n - n % FloatLoops.LANES;
        if (!aOne && !bOne) {
            F32Binary.vv(op, sa, ao * 4, sb, bo * 4, so, oo * 4, whole);
        } else if (bOne) {
            F32Binary.vs(op, sa, ao * 4, sb.get(Rows.F32, bo * 4), false, so, oo * 4, whole);
        } else {
            F32Binary.vs(op, sb, bo * 4, sa.get(Rows.F32, ao * 4), true, so, oo * 4, whole);
        }
        if (whole < n) {
            int rest = n - whole;
            float[] x = Rows.scratch(0, FloatLoops.LANES);
            float[] y = Rows.scratch(1, FloatLoops.LANES);
            Rows.load(sa, F32, aOne ? ao : ao + whole, aOne ? 0 : 1, rest, x, 0);
            Rows.load(sb, F32, bOne ? bo : bo + whole, bOne ? 0 : 1, rest, y, 0);
            FloatLoops.binary(op, x, y, rest);
            Rows.store(x, 0, rest, so, F32, oo + whole, 1, false);
        }
    }

    private static float firstValue(Tensor t) {
        float[] v = new float[1];
        Rows.load(t.segment(), t.dtype(), t.offset(), 1, 1, v, 0);
        return v[0];
    }

    /**
     * F32 with each input contiguous or a single broadcast value (but not both broadcast): the
     * whole tensor as one long row, split into blocks over the worker pool, whatever its shape
     * (so [1000000, 3] is as fast as [3000000]). Returns false when the layout does not qualify.
     */
    private static boolean fastF32(Binary op, Tensor a, Tensor b, Tensor out) {
        boolean ac = a.isContiguous();
        boolean bc = b.isContiguous();
        boolean as = !ac && isOneValue(a);
        boolean bs = !bc && isOneValue(b);
        if (!(ac && (bc || bs)) && !(as && bc)) {
            return false;
        }
        MemorySegment sa = a.segment();
        MemorySegment sb = b.segment();
        MemorySegment so = out.segment();
        long n = out.numel();
        int blocks = Math.toIntExact((n + BLOCK - 1) / BLOCK);
        Parallel.RangeBody body = (from, to) -> {
            for (int blk = from; blk < to; blk++) {
                long start = (long) blk * BLOCK;
                int len = (int) Math.min(BLOCK, n - start);
                f32Row(op, sa, a.offset() + (as ? 0 : start), as, sb, b.offset() + (bs ? 0 : start), bs,
                        so, out.offset() + start, len);
            }
        };
        if (n >= 2 * GRAIN && Parallel.accessibleByWorkers(sa) && Parallel.accessibleByWorkers(sb)
                && Parallel.accessibleByWorkers(so)) {
            Parallel.forRange(blocks, (int) (GRAIN / BLOCK), body);
        } else {
            body.run(0, blocks);
        }
        return true;
    }

    /** Every element is the same one: all strides of dimensions longer than 1 are 0. */
    private static boolean isOneValue(Tensor t) {
        long[] shape = t.shape();
        long[] strides = t.strides();
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] != 1 && strides[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static void binaryLong(KernelCall call, Binary op) {
        Tensor a = call.input(0);
        Tensor b = call.input(1);
        Tensor out = call.output();
        DType t = out.dtype();
        MemorySegment sa = a.segment();
        MemorySegment sb = b.segment();
        MemorySegment so = out.segment();
        long ia = Rows.innerStride(a);
        long ib = Rows.innerStride(b);
        Pieces.run(out.shape(), new Tensor[]{a, b, out}, GRAIN, (o, n) -> {
            long[] x = Rows.scratchLong(0, n);
            long[] y = Rows.scratchLong(1, n);
            Rows.loadLong(sa, t, o[0], ia, n, x, 0);
            Rows.loadLong(sb, t, o[1], ib, n, y, 0);
            switch (op) {
                case ADD -> addLong(x, y, n);
                case SUB -> subLong(x, y, n);
                case MUL -> mulLong(x, y, n);
                case DIV -> divLong(x, y, n, t);
                case MAXIMUM -> maxLong(x, y, n);
                case MINIMUM -> minLong(x, y, n);
                case POW -> throw new IllegalStateException("pow has no integer kernel");
            }
            Rows.storeLong(x, 0, n, so, t, o[2], 1);
        });
    }

    // Sums and products of two values of at most 32 bits are exact in a long, and for I64 Java's
    // long arithmetic already wraps; storing then wraps to the dtype.
    private static void addLong(long[] x, long[] y, int n) {
        for (int i = 0; i < n; i++) {
            x[i] += y[i];
        }
    }

    private static void subLong(long[] x, long[] y, int n) {
        for (int i = 0; i < n; i++) {
            x[i] -= y[i];
        }
    }

    private static void mulLong(long[] x, long[] y, int n) {
        for (int i = 0; i < n; i++) {
            x[i] *= y[i];
        }
    }

    /** Truncating division; MIN / -1 wraps to MIN (as the store to the dtype does for I8, I32). */
    private static void divLong(long[] x, long[] y, int n, DType t) {
        for (int i = 0; i < n; i++) {
            if (y[i] == 0) {
                throw ContractErrors.integerDivisionByZero(t, Long.toString(x[i]));
            }
            x[i] /= y[i];
        }
    }

    private static void maxLong(long[] x, long[] y, int n) {
        for (int i = 0; i < n; i++) {
            x[i] = Math.max(x[i], y[i]);
        }
    }

    private static void minLong(long[] x, long[] y, int n) {
        for (int i = 0; i < n; i++) {
            x[i] = Math.min(x[i], y[i]);
        }
    }

    // ================================================================ compare

    /** F16/BF16 widen to float exactly, so comparing in float32 is exact for every float dtype. */
    private static void compareFloat(KernelCall call, Compare op) {
        Tensor a = call.input(0);
        Tensor b = call.input(1);
        Tensor out = call.output();
        DType t = a.dtype();
        MemorySegment sa = a.segment();
        MemorySegment sb = b.segment();
        MemorySegment so = out.segment();
        long ia = Rows.innerStride(a);
        long ib = Rows.innerStride(b);
        Pieces.run(out.shape(), new Tensor[]{a, b, out}, GRAIN, (o, n) -> {
            float[] x = Rows.scratch(0, n);
            float[] y = Rows.scratch(1, n);
            Rows.load(sa, t, o[0], ia, n, x, 0);
            Rows.load(sb, t, o[1], ib, n, y, 0);
            FloatLoops.compare(op, x, y, n, so, o[2]);
        });
    }

    private static void compareLong(KernelCall call, Compare op) {
        Tensor a = call.input(0);
        Tensor b = call.input(1);
        Tensor out = call.output();
        DType t = a.dtype();
        MemorySegment sa = a.segment();
        MemorySegment sb = b.segment();
        MemorySegment so = out.segment();
        long ia = Rows.innerStride(a);
        long ib = Rows.innerStride(b);
        Pieces.run(out.shape(), new Tensor[]{a, b, out}, GRAIN, (o, n) -> {
            long[] x = Rows.scratchLong(0, n);
            long[] y = Rows.scratchLong(1, n);
            Rows.loadLong(sa, t, o[0], ia, n, x, 0);
            Rows.loadLong(sb, t, o[1], ib, n, y, 0);
            if (t == BOOL) {
                // a BOOL byte is true when non-zero, whatever its value
                for (int i = 0; i < n; i++) {
                    x[i] = x[i] != 0 ? 1 : 0;
                    y[i] = y[i] != 0 ? 1 : 0;
                }
            }
            switch (op) {
                case EQ -> {
                    for (int i = 0; i < n; i++) {
                        x[i] = x[i] == y[i] ? 1 : 0;
                    }
                }
                case NE -> {
                    for (int i = 0; i < n; i++) {
                        x[i] = x[i] != y[i] ? 1 : 0;
                    }
                }
                case LT -> {
                    for (int i = 0; i < n; i++) {
                        x[i] = x[i] < y[i] ? 1 : 0;
                    }
                }
                case LE -> {
                    for (int i = 0; i < n; i++) {
                        x[i] = x[i] <= y[i] ? 1 : 0;
                    }
                }
                case GT -> {
                    for (int i = 0; i < n; i++) {
                        x[i] = x[i] > y[i] ? 1 : 0;
                    }
                }
                case GE -> {
                    for (int i = 0; i < n; i++) {
                        x[i] = x[i] >= y[i] ? 1 : 0;
                    }
                }
            }
            Rows.storeLong(x, 0, n, so, BOOL, o[2], 1);
        });
    }

    // ================================================================ where

    /** {@code cond ? a : b}, moving raw element bytes (so FP8 and NaN payloads pass unchanged). */
    private static void where(KernelCall call) {
        Tensor c = call.input(0);
        Tensor a = call.input(1);
        Tensor b = call.input(2);
        Tensor out = call.output();
        MemorySegment sc = c.segment();
        MemorySegment sa = a.segment();
        MemorySegment sb = b.segment();
        MemorySegment so = out.segment();
        long ic = Rows.innerStride(c);
        long ia = Rows.innerStride(a);
        long ib = Rows.innerStride(b);
        int size = out.dtype().byteSize();
        // Rows where an operand steps through memory (a transposed view) are first gathered into
        // contiguous scratch and then selected as contiguous rows: the scalar loop over strided
        // operands made C2 trap and recompile it over and over (profiled loop predicates), and a
        // where over a transposed [2048, 2048] F32 view spent about a second in the interpreter.
        boolean gather = (size == 4 || size == 2) && (ic != 1 || ib != 1 || (ia != 1 && ia != 0));
        Pieces.run(out.shape(), new Tensor[]{c, a, b, out}, GRAIN, (o, n) -> {
            MemorySegment rc = sc, ra = sa, rb = sb;
            long co = o[0];
            long ao = o[1];
            long bo = o[2];
            long oo = o[3];
            if (gather) {
                if (ic != 1) {
                    rc = MemorySegment.ofArray(Rows.scratchLong(0, n));
                    CopyKernels.copyElements(sc, co, ic, rc, 0, 1, n, 1);
                    co = 0;
                }
                if (ia != 1 && ia != 0) {
                    ra = MemorySegment.ofArray(Rows.scratchLong(1, n));
                    CopyKernels.copyElements(sa, ao * size, ia * size, ra, 0, size, n, size);
                    ao = 0;
                }
                if (ib != 1) {
                    rb = MemorySegment.ofArray(Rows.scratchLong(2, n));
                    CopyKernels.copyElements(sb, bo * size, ib * size, rb, 0, size, n, size);
                    bo = 0;
                }
            }
            boolean aOne = ia == 0;
            if (size == 4) {
                Select.select32(rc, co, ra, ao, aOne, rb, bo, so, oo, n);
            } else if (size == 2) {
                Select.select16(rc, co, ra, ao, aOne, rb, bo, so, oo, n);
            } else {
                Select.scalar(size, sc, co, ic, sa, ao, ia, sb, bo, ib, so, oo, n);
            }
        });
    }

    // ================================================================ unary

    private static void gelu(KernelCall call) {
        String approx = call.attrs().has("approximate") ? call.attrs().getString("approximate") : "none";
        Unary op = switch (approx) {
            case "none" -> Unary.GELU;
            case "tanh" -> Unary.GELU_TANH;
            default -> throw new XpuException(ErrorCode.INVALID_ARGUMENT, "gelu: approximate='" + approx
                    + "' is not known; allowed: none, tanh");
        };
        unaryFloat(call, op);
    }

    private static void unaryFloat(KernelCall call, Unary op) {
        Tensor x = call.input(0);
        Tensor out = call.output();
        DType t = out.dtype();
        MemorySegment sx = x.segment();
        MemorySegment so = out.segment();
        long ix = Rows.innerStride(x);
        long grain = op.light() ? GRAIN : GRAIN_HEAVY;
        if (out.isContiguous() && !x.isContiguous() && Rows.rowLength(out.shape()) <= SHORT_ROW) {
            unaryShortRows(op, x, ix, out, grain);
            return;
        }
        Pieces.run(out.shape(), new Tensor[]{x, out}, grain, (o, n) -> {
            float[] v = Rows.scratch(0, Pieces.padded(n, FloatLoops.LANES));
            Rows.load(sx, t, o[0], ix, n, v, 0);
            FloatLoops.unary(op, v, n);
            Rows.store(v, 0, n, so, t, o[1], 1, false);
        });
    }

    /**
     * A float unary op on a strided input with short rows into a contiguous output: batches of
     * rows are gathered into one scratch buffer, computed in one go and stored as one run, so the
     * passes' fixed cost (a few calls each) is paid per batch of about {@link Pieces#PIECE}
     * elements instead of per row. Exact GELU on a transposed [32, 128, 12, 32] view (rows of 32):
     * 4.2-4.7 ms against 10-12.6 ms row by row, as fast as on the contiguous tensor.
     */
    private static void unaryShortRows(Unary op, Tensor x, long ix, Tensor out, long grain) {
        long[] shape = out.shape();
        long rows = Rows.rowCount(shape);
        int len = Rows.rowLength(shape);
        if (rows * len == 0) {
            return;
        }
        int batch = Math.max(1, Pieces.PIECE / len);
        int batches = Math.toIntExact((rows + batch - 1) / batch);
        DType t = out.dtype();
        MemorySegment sx = x.segment();
        MemorySegment so = out.segment();
        long[] xs = x.strides();
        long x0 = x.offset();
        long o0 = out.offset();
        int outer = Math.max(0, shape.length - 1);
        Parallel.RangeBody body = (from, to) -> {
            long r0 = (long) from * batch;
            long rEnd = Math.min(rows, (long) to * batch);
            // the input's row offsets as an odometer over the outer dims, from row r0 on
            long[] idx = new long[outer];
            long xo = x0;
            long rem = r0;
            for (int d = outer - 1; d >= 0; d--) {
                idx[d] = rem % shape[d];
                rem /= shape[d];
                xo += idx[d] * xs[d];
            }
            float[] v = Rows.scratch(0, Pieces.padded(batch * len, FloatLoops.LANES));
            for (long r = r0; r < rEnd; r += batch) {
                int n = (int) Math.min(batch, rEnd - r);
                for (int k = 0; k < n; k++) {
                    Rows.load(sx, t, xo, ix, len, v, k * len);
                    for (int d = outer - 1; d >= 0; d--) {
                        xo += xs[d];
                        if (++idx[d] < shape[d]) {
                            break;
                        }
                        xo -= xs[d] * shape[d];
                        idx[d] = 0;
                    }
                }
                FloatLoops.unary(op, v, n * len);
                Rows.store(v, 0, n * len, so, t, o0 + r * len, 1, false);
            }
        };
        if (rows * len >= 2 * grain && Parallel.accessibleByWorkers(sx) && Parallel.accessibleByWorkers(so)) {
            Parallel.forRange(batches, (int) Math.max(1, grain / ((long) batch * len)), body);
        } else {
            body.run(0, batches);
        }
    }

    /** neg, abs, relu on integers; like Java, -MIN and |MIN| wrap to MIN. */
    private static void unaryLong(KernelCall call, Unary op) {
        Tensor x = call.input(0);
        Tensor out = call.output();
        DType t = out.dtype();
        MemorySegment sx = x.segment();
        MemorySegment so = out.segment();
        long ix = Rows.innerStride(x);
        Pieces.run(out.shape(), new Tensor[]{x, out}, GRAIN, (o, n) -> {
            long[] v = Rows.scratchLong(0, n);
            Rows.loadLong(sx, t, o[0], ix, n, v, 0);
            switch (op) {
                case NEG -> {
                    for (int i = 0; i < n; i++) {
                        v[i] = -v[i];
                    }
                }
                case ABS -> {
                    for (int i = 0; i < n; i++) {
                        v[i] = Math.abs(v[i]);
                    }
                }
                case RELU -> {
                    for (int i = 0; i < n; i++) {
                        v[i] = Math.max(v[i], 0);
                    }
                }
                default -> throw new IllegalStateException(op + " has no integer kernel");
            }
            Rows.storeLong(v, 0, n, so, t, o[1], 1);
        });
    }
}
