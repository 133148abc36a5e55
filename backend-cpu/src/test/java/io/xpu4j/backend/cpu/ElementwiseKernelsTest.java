package io.xpu4j.backend.cpu;

import io.xpu4j.api.DType;
import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.GeluApproximation;
import io.xpu4j.api.OpAttrs;
import io.xpu4j.api.Ops;
import io.xpu4j.api.Tensor;
import io.xpu4j.api.XpuException;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Binary, compare, where and unary kernels through {@link Ops}, against references computed
 * here in float64 from the dtype-rounded inputs (never with the code under test; results are
 * read back as raw bytes and decoded here, so no cast kernel is involved either).
 *
 * <p>Expectations: float32 add/sub/mul/div/maximum/minimum are correctly rounded, so they must
 * match {@code (float) (a op b)} exactly, and F16/BF16 results are that float32 value rounded
 * to the dtype. Integer results are exact (wrapping). Transcendental functions must stay within
 * the stated number of float32 ulps of the float64 function of the float32 input; their
 * measured maxima are printed (see {@link #transcendentalAccuracy()}).
 */
class ElementwiseKernelsTest extends CpuRuntimeTest {

    private static final List<DType> FLOATS = List.of(DType.F32, DType.F16, DType.BF16);

    // ================================ binary ====================================================

    private static final String[] ARITH = {"add", "sub", "mul", "div", "maximum", "minimum"};

    private Tensor apply(String op, Tensor a, Tensor b) {
        return switch (op) {
            case "add" -> ops.add(a, b);
            case "sub" -> ops.sub(a, b);
            case "mul" -> ops.mul(a, b);
            case "div" -> ops.div(a, b);
            case "maximum" -> ops.maximum(a, b);
            case "minimum" -> ops.minimum(a, b);
            case "pow" -> ops.pow(a, b);
            case "eq" -> ops.eq(a, b);
            case "ne" -> ops.ne(a, b);
            case "lt" -> ops.lt(a, b);
            case "le" -> ops.le(a, b);
            case "gt" -> ops.gt(a, b);
            case "ge" -> ops.ge(a, b);
            default -> throw new IllegalArgumentException(op);
        };
    }

    private static double ref(String op, double a, double b) {
        return switch (op) {
            case "add" -> a + b;
            case "sub" -> a - b;
            case "mul" -> a * b;
            case "div" -> a / b;
            case "maximum" -> Double.isNaN(a) || Double.isNaN(b) ? Double.NaN : Math.max(a, b);
            case "minimum" -> Double.isNaN(a) || Double.isNaN(b) ? Double.NaN : Math.min(a, b);
            case "pow" -> Math.pow(a, b);
            default -> throw new IllegalArgumentException(op);
        };
    }

    /** Checks {@code out = a op b} elementwise over the broadcast shape, for float dtypes. */
    private void checkFloatBinary(String op, Tensor a, Tensor b) {
        Tensor out = apply(op, a, b);
        long[] shape = out.shape();
        double[] av = broadcastValues(a, shape);
        double[] bv = broadcastValues(b, shape);
        double[] got = read(out);
        for (int i = 0; i < got.length; i++) {
            // float32 arithmetic is correctly rounded, and double then float rounding is exact for
            // these ops on float inputs, so the float32 result is (float) of the double result
            double want = round(out.dtype(), (float) ref(op, av[i], bv[i]));
            if (!same(want, got[i])) {
                fail(op + " " + out.dtype() + " element " + i + ": " + av[i] + ", " + bv[i] + " gave " + got[i]
                        + ", want " + want);
            }
        }
    }

    @Test
    void floatBinaryContiguousScalarAndTail() {
        SplittableRandom r = new SplittableRandom(1);
        // 37x53 has a tail after whole vectors; 100003 is split across threads and blocks
        for (long[] shape : new long[][]{{37, 53}, {100003}}) {
            int n = (int) (shape.length == 1 ? shape[0] : shape[0] * shape[1]);
            Tensor a = ops.tensor(DType.F32, normal(r, n, 0, 3), shape);
            Tensor b = ops.tensor(DType.F32, normal(r, n, 0.5, 2), shape);
            Tensor s = ops.scalar(DType.F32, -1.75);
            for (String op : ARITH) {
                checkFloatBinary(op, a, b);
                checkFloatBinary(op, a, s);   // b one broadcast value
                checkFloatBinary(op, s, a);   // a one broadcast value (sub and div are not symmetric)
            }
        }
        // the double-argument forms go through the same kernels
        Tensor x = ops.tensor(new float[]{1, -2, 3.5f}, 3);
        assertArrayEquals(new double[]{0.5, -1, 1.75}, read(ops.div(x, 2)));
        assertArrayEquals(new double[]{1, 0, 3.5}, read(ops.maximum(x, 0)));
    }

    @Test
    void floatBinaryBroadcastStridedAndHalf() {
        SplittableRandom r = new SplittableRandom(2);
        for (DType t : FLOATS) {
            Tensor m = ops.tensor(t, normal(r, 6 * 40, 1, 2), 6, 40);
            Tensor row = ops.tensor(t, normal(r, 40, -1, 1), 40);             // [40] -> [6, 40]
            Tensor col = ops.tensor(t, normal(r, 6, 2, 1), 6, 1);              // [6, 1] -> [6, 40]
            Tensor tr = ops.tensor(t, normal(r, 40 * 6, 0, 1), 40, 6).transpose(0, 1);  // strided
            Tensor stepped = ops.tensor(t, normal(r, 6 * 120, 0, 1), 6, 120).slice(1, 1, 120, 3);
            for (String op : ARITH) {
                checkFloatBinary(op, m, row);
                checkFloatBinary(op, col, m);
                checkFloatBinary(op, tr, stepped);
                checkFloatBinary(op, col, row);  // both broadcast
            }
            // rank-3 with broadcasting on both sides
            Tensor a = ops.tensor(t, normal(r, 4 * 5, 0, 1), 4, 1, 5);
            Tensor b = ops.tensor(t, normal(r, 3, 1, 1), 3, 1);
            checkFloatBinary("mul", a, b);
            checkFloatBinary("pow", ops.abs(a), b);
        }
    }

    @Test
    void halfResultsRoundToNearestEven() {
        // 1 + 2^-11 is a tie between 1 and 1 + 2^-10 in F16: the even one (1) wins; in BF16 the
        // same happens at 2^-8.
        Tensor one = ops.scalar(DType.F16, 1);
        assertEquals(1.0, read(ops.add(one, ops.scalar(DType.F16, 0x1p-11)))[0]);
        assertEquals(1 + 0x1p-9, read(ops.add(ops.scalar(DType.F16, 1 + 0x1p-10), ops.scalar(DType.F16, 0x1p-11)))[0]);
        assertEquals(1.0, read(ops.add(ops.scalar(DType.BF16, 1), ops.scalar(DType.BF16, 0x1p-8)))[0]);
        // overflow on store
        assertEquals(Double.POSITIVE_INFINITY, read(ops.mul(ops.scalar(DType.F16, 60000), ops.scalar(DType.F16, 2)))[0]);
    }

    @Test
    void maximumMinimumPropagateNaNAndPow() {
        Tensor a = ops.tensor(new float[]{Float.NaN, 1, -0f, 2, Float.NEGATIVE_INFINITY}, 5);
        Tensor b = ops.tensor(new float[]{1, Float.NaN, 0f, Float.NaN, -1}, 5);
        double[] mx = read(ops.maximum(a, b));
        double[] mn = read(ops.minimum(a, b));
        for (int i = 0; i < 4; i++) {
            if (i != 2) {
                assertTrue(Double.isNaN(mx[i]) && Double.isNaN(mn[i]), "NaN must win at " + i);
            }
        }
        assertEquals(-1.0, mx[4]);
        assertEquals(Double.NEGATIVE_INFINITY, mn[4]);
        for (DType t : FLOATS) {
            Tensor x = ops.tensor(t, new double[]{2, -8, 0, 9, Double.NaN, 4}, 6);
            Tensor y = ops.tensor(t, new double[]{10, 1.0 / 3, -1, 0.5, 0, -0.5}, 6);
            checkFloatBinary("pow", x, y);
            // scalar exponents 2 and 0.5 have their own loops; their special cases must match pow
            Tensor z = ops.tensor(t, new double[]{-0.0, 0, -3, 1e-3, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY,
                    Double.NaN, 2.5, 1e30}, 9);
            for (double e : new double[]{2, 0.5, 3, -1}) {
                checkFloatBinary("pow", z, ops.scalar(t, e));
            }
        }
    }

    @Test
    void integerArithmeticWraps() {
        Tensor a8 = ops.tensor(DType.I8, new double[]{100, -128, 127, -7, 7, -128}, 6);
        Tensor b8 = ops.tensor(DType.I8, new double[]{100, 1, 1, 2, -2, -1}, 6);
        assertArrayEquals(new long[]{-56, -127, -128, -5, 5, 127}, readLong(ops.add(a8, b8)));
        assertArrayEquals(new long[]{0, 127, 126, -9, 9, -127}, readLong(ops.sub(a8, b8)));
        assertArrayEquals(new long[]{16, -128, 127, -14, -14, -128}, readLong(ops.mul(a8, b8)));
        // truncation toward zero; MIN / -1 wraps to MIN
        assertArrayEquals(new long[]{1, -128, 127, -3, -3, -128}, readLong(ops.div(a8, b8)));
        assertArrayEquals(new long[]{100, 1, 127, 2, 7, -1}, readLong(ops.maximum(a8, b8)));

        Tensor a32 = ops.tensor(new int[]{Integer.MAX_VALUE, Integer.MIN_VALUE, 65536, -9}, 4);
        Tensor b32 = ops.tensor(new int[]{1, -1, 65536, 4}, 4);
        assertArrayEquals(new long[]{Integer.MIN_VALUE, Integer.MAX_VALUE, 131072, -5}, readLong(ops.add(a32, b32)));
        assertArrayEquals(new long[]{Integer.MAX_VALUE, Integer.MIN_VALUE, 0, -36}, readLong(ops.mul(a32, b32)));
        assertArrayEquals(new long[]{Integer.MAX_VALUE, Integer.MIN_VALUE, 1, -2}, readLong(ops.div(a32, b32)));

        Tensor a64 = ops.tensor(new long[]{Long.MAX_VALUE, Long.MIN_VALUE, (1L << 53) + 1, -3}, 4);
        Tensor b64 = ops.tensor(new long[]{1, -1, 2, 2}, 4);
        assertArrayEquals(new long[]{Long.MIN_VALUE, Long.MAX_VALUE, (1L << 53) + 3, -1}, readLong(ops.add(a64, b64)));
        assertArrayEquals(new long[]{Long.MAX_VALUE, Long.MIN_VALUE, (1L << 52), -1}, readLong(ops.div(a64, b64)));
        assertArrayEquals(new long[]{1, Long.MIN_VALUE, 2, -3}, readLong(ops.minimum(a64, b64)));

        // broadcast and strided integer operands
        Tensor m = ops.tensor(new int[]{1, 2, 3, 4, 5, 6}, 2, 3).transpose(0, 1);   // [[1,4],[2,5],[3,6]]
        Tensor c = ops.tensor(new int[]{10, 20}, 2);
        assertArrayEquals(new long[]{11, 24, 12, 25, 13, 26}, readLong(ops.add(m, c)));
        assertArrayEquals(new long[]{-9, -16, -8, -15, -7, -14}, readLong(ops.sub(m, c)));
    }

    @Test
    void integerDivisionByZeroIsAnError() {
        for (DType t : List.of(DType.I8, DType.I32, DType.I64)) {
            Tensor a = ops.tensor(t, new double[]{6, 7, 8}, 3);
            Tensor b = ops.tensor(t, new double[]{2, 0, 1}, 3);
            XpuException e = assertThrows(XpuException.class, () -> ops.div(a, b));
            assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
            assertTrue(e.getMessage().contains("div") && e.getMessage().contains("zero"), e.getMessage());
            assertThrows(XpuException.class, () -> ops.div(a, 0));
        }
        // floats divide by zero as IEEE says
        double[] q = read(ops.div(ops.tensor(new float[]{1, -1, 0}, 3), ops.tensor(new float[]{0, 0, 0}, 3)));
        assertEquals(Double.POSITIVE_INFINITY, q[0]);
        assertEquals(Double.NEGATIVE_INFINITY, q[1]);
        assertTrue(Double.isNaN(q[2]));
    }

    // ================================ compare ===================================================

    @Test
    void comparisons() {
        String[] cmp = {"eq", "ne", "lt", "le", "gt", "ge"};
        float[] xs = {1, Float.NaN, -0f, 2, Float.NEGATIVE_INFINITY, 3, Float.NaN};
        float[] ys = {1, 1, 0f, 1, -1, Float.POSITIVE_INFINITY, Float.NaN};
        for (DType t : FLOATS) {
            double[] xd = new double[xs.length];
            double[] yd = new double[ys.length];
            for (int i = 0; i < xs.length; i++) {
                xd[i] = xs[i];
                yd[i] = ys[i];
            }
            Tensor a = ops.tensor(t, xd, xs.length);
            Tensor b = ops.tensor(t, yd, ys.length);
            for (String op : cmp) {
                Tensor out = apply(op, a, b);
                assertEquals(DType.BOOL, out.dtype());
                byte[] got = out.toByteArray();
                for (int i = 0; i < xs.length; i++) {
                    assertEquals(cmpRef(op, xd[i], yd[i]) ? 1 : 0, got[i], op + " " + t + " at " + i);
                }
            }
        }
        // I64 values that float32 (or even float64) could not tell apart
        long big = (1L << 60) + 1;
        Tensor a = ops.tensor(new long[]{big, big, Long.MIN_VALUE}, 3);
        Tensor b = ops.tensor(new long[]{big - 1, big, Long.MAX_VALUE}, 3);
        assertArrayEquals(new byte[]{0, 1, 0}, ops.eq(a, b).toByteArray());
        assertArrayEquals(new byte[]{1, 0, 1}, ops.ne(a, b).toByteArray());
        assertArrayEquals(new byte[]{0, 0, 1}, ops.lt(a, b).toByteArray());
        assertArrayEquals(new byte[]{1, 1, 0}, ops.ge(a, b).toByteArray());
        // I8/I32 with broadcasting and a scalar
        Tensor i8 = ops.tensor(DType.I8, new double[]{-128, 0, 127}, 3, 1);
        Tensor i8r = ops.tensor(DType.I8, new double[]{0, 127}, 2);
        assertArrayEquals(new byte[]{1, 1, 0, 1, 0, 0}, ops.lt(i8, i8r).toByteArray());
        assertArrayEquals(new byte[]{0, 1, 1}, ops.gt(ops.tensor(new int[]{1, 2, 3}, 3), 1).toByteArray());
        // BOOL: any non-zero byte is true
        Tensor p = ops.fromSegment(MemorySegment.ofArray(new byte[]{0, 1, 2, 0}), DType.BOOL, 4);
        Tensor q = ops.tensor(new boolean[]{false, true, true, true}, 4);
        assertArrayEquals(new byte[]{1, 1, 1, 0}, ops.eq(p, q).toByteArray());
        assertArrayEquals(new byte[]{0, 0, 0, 1}, ops.ne(p, q).toByteArray());
    }

    private static boolean cmpRef(String op, double a, double b) {
        return switch (op) {
            case "eq" -> a == b;
            case "ne" -> a != b;
            case "lt" -> a < b;
            case "le" -> a <= b;
            case "gt" -> a > b;
            case "ge" -> a >= b;
            default -> throw new IllegalArgumentException(op);
        };
    }

    // ================================ where =====================================================

    @Test
    void whereMovesBytesForEveryDType() {
        Tensor cond = ops.tensor(new boolean[]{true, false, true}, 3, 1);       // broadcast along dim 1
        for (DType t : DType.values()) {
            int size = t.byteSize();
            byte[] ab = new byte[2 * size];
            byte[] bb = new byte[2 * size];
            for (int i = 0; i < ab.length; i++) {
                ab[i] = (byte) (0x11 * (i + 1));
                bb[i] = (byte) (0x80 | i);
            }
            Tensor a = ops.fromSegment(MemorySegment.ofArray(ab), t, 1, 2);
            Tensor b = ops.fromSegment(MemorySegment.ofArray(bb), t, 2);
            byte[] got = ops.where(cond, a, b).toByteArray();
            byte[] want = new byte[6 * size];
            for (int r = 0; r < 3; r++) {
                System.arraycopy(r != 1 ? ab : bb, 0, want, r * 2 * size, 2 * size);
            }
            assertArrayEquals(want, got, "where " + t);
        }
        // longer rows (whole vectors plus a tail), with a full a and with a single value as a
        SplittableRandom r = new SplittableRandom(6);
        int rows = 5;
        int len = 37;
        byte[] cb = new byte[rows * len];
        for (int i = 0; i < cb.length; i++) {
            cb[i] = (byte) (r.nextInt(3) == 0 ? 0 : 1 + r.nextInt(2));  // true is any non-zero byte
        }
        Tensor c = ops.fromSegment(MemorySegment.ofArray(cb), DType.BOOL, rows, len);
        for (DType t : DType.values()) {
            int size = t.byteSize();
            byte[] ab = new byte[rows * len * size];
            byte[] bb = new byte[rows * len * size];
            r.nextBytes(ab);
            r.nextBytes(bb);
            Tensor a = ops.fromSegment(MemorySegment.ofArray(ab), t, rows, len);
            Tensor b = ops.fromSegment(MemorySegment.ofArray(bb), t, rows, len);
            Tensor one = ops.fromSegment(MemorySegment.ofArray(ab), t);           // rank 0: ab's first element
            byte[] got = ops.where(c, a, b).toByteArray();
            byte[] gotOne = ops.where(c, one, b).toByteArray();
            for (int i = 0; i < rows * len; i++) {
                for (int k = 0; k < size; k++) {
                    byte want = cb[i] != 0 ? ab[i * size + k] : bb[i * size + k];
                    byte wantOne = cb[i] != 0 ? ab[k] : bb[i * size + k];
                    if (got[i * size + k] != want || gotOne[i * size + k] != wantOne) {
                        fail("where " + t + " element " + i);
                    }
                }
            }
        }
        // maskedFill and a strided a
        Tensor x = ops.tensor(new float[]{1, 2, 3, 4, 5, 6}, 2, 3).transpose(0, 1);   // [[1,4],[2,5],[3,6]]
        Tensor mask = ops.gt(x, 3.5);
        assertArrayEquals(new double[]{1, -1, 2, -1, 3, -1}, read(ops.maskedFill(x, mask, -1)));
    }

    /**
     * where with transposed condition, a and b, one at a time and all together, for every dtype:
     * the rows whose operands step through memory are gathered before they are selected.
     */
    @Test
    void whereOnTransposedOperands() {
        SplittableRandom r = new SplittableRandom(16);
        int rows = 37;
        int len = 45;
        byte[] cb = new byte[rows * len];
        for (int i = 0; i < cb.length; i++) {
            cb[i] = (byte) (r.nextInt(3) == 0 ? 0 : 1);
        }
        // stored [len, rows]; the transposed view is [rows, len] with element (i, j) at j * rows + i
        Tensor cT = ops.fromSegment(MemorySegment.ofArray(cb), DType.BOOL, len, rows).transpose(0, 1);
        Tensor cN = ops.fromSegment(MemorySegment.ofArray(cb), DType.BOOL, rows, len);
        for (DType t : DType.values()) {
            int size = t.byteSize();
            byte[] ab = new byte[rows * len * size];
            byte[] bb = new byte[rows * len * size];
            r.nextBytes(ab);
            r.nextBytes(bb);
            Tensor aT = ops.fromSegment(MemorySegment.ofArray(ab), t, len, rows).transpose(0, 1);
            Tensor bT = ops.fromSegment(MemorySegment.ofArray(bb), t, len, rows).transpose(0, 1);
            Tensor aN = ops.fromSegment(MemorySegment.ofArray(ab), t, rows, len);
            Tensor bN = ops.fromSegment(MemorySegment.ofArray(bb), t, rows, len);
            for (int mask = 1; mask < 8; mask++) {
                boolean tc = (mask & 1) != 0, ta = (mask & 2) != 0, tb = (mask & 4) != 0;
                byte[] got = ops.where(tc ? cT : cN, ta ? aT : aN, tb ? bT : bN).toByteArray();
                for (int i = 0; i < rows; i++) {
                    for (int j = 0; j < len; j++) {
                        int n = i * len + j;
                        int tr = j * rows + i;
                        boolean cond = cb[tc ? tr : n] != 0;
                        int src = cond ? (ta ? tr : n) : (tb ? tr : n);
                        byte[] from = cond ? ab : bb;
                        for (int k = 0; k < size; k++) {
                            if (got[n * size + k] != from[src * size + k]) {
                                fail("where " + t + " (transposed: cond " + tc + ", a " + ta + ", b " + tb + ") element ["
                                        + i + ", " + j + "] byte " + k);
                            }
                        }
                    }
                }
            }
        }
    }

    // ================================ unary =====================================================

    /** Reference erf: the everywhere-convergent series below 2.5, Lentz's continued fraction above. */
    static double erfRef(double x) {
        double a = Math.abs(x);
        double r = a < 2.5 ? erfSeries(a) : 1 - erfcFraction(a);
        return Math.copySign(r, x);
    }

    /** erfc without cancellation for large x. */
    static double erfcRef(double x) {
        return x < 2.5 ? 1 - erfRef(x) : erfcFraction(x);
    }

    /** erf(x) = 2/sqrt(pi) e^(-x^2) sum_n (2x^2)^n x / (1·3·...·(2n+1)): all terms positive. */
    private static double erfSeries(double x) {
        double x2 = x * x;
        double term = x;
        double sum = x;
        for (int n = 1; n < 1000 && term > 1e-17 * sum; n++) {
            term *= 2 * x2 / (2 * n + 1);
            sum += term;
        }
        return 2 / Math.sqrt(Math.PI) * Math.exp(-x2) * sum;
    }

    /** erfc(x) = e^(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), x > 0. */
    private static double erfcFraction(double x) {
        double tiny = 1e-300;
        double f = x;
        double c = x;
        double d = 0;
        for (int n = 1; n < 10000; n++) {
            double an = n / 2.0;
            d = x + an * d;
            d = d == 0 ? tiny : 1 / d;
            c = x + an / c;
            c = c == 0 ? tiny : c;
            double delta = c * d;
            f *= delta;
            if (Math.abs(delta - 1) < 1e-16) {
                break;
            }
        }
        return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
    }

    private static double sigmoidRef(double x) {
        return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    }

    /** 0.5 x (1 + tanh(u)) written as x·sigmoid(2u), which is the same number without cancellation. */
    private static double geluTanhRef(double x) {
        double u = Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x);
        return x * sigmoidRef(2 * u);
    }

    record Fn(String name, Function<Tensor, Tensor> op, DoubleUnaryOperator ref, double lo, double hi, double ulps) {
    }

    private List<Fn> functions() {
        return List.of(
                new Fn("exp", ops::exp, Math::exp, -103, 88.7, 2),
                new Fn("log", ops::log, Math::log, 1e-6, 1e6, 3),
                new Fn("sqrt", ops::sqrt, Math::sqrt, 0, 1e4, 0.5),
                new Fn("rsqrt", ops::rsqrt, x -> 1 / Math.sqrt(x), 1e-4, 1e4, 1.5),
                new Fn("tanh", ops::tanh, Math::tanh, -10, 10, 3),
                new Fn("erf", ops::erf, ElementwiseKernelsTest::erfRef, -5, 5, 3),
                new Fn("sigmoid", ops::sigmoid, ElementwiseKernelsTest::sigmoidRef, -100, 30, 4),
                new Fn("silu", ops::silu, x -> x * sigmoidRef(x), -100, 30, 5),
                // gelu: 6.7 ulp measured down to -9, 12 ulp near -13 where erfc is subnormal;
                // gelu_tanh: the float argument 2u costs ~1.2e-7 |2u| relative, 28 ulp at x = -5
                new Fn("gelu", ops::gelu, x -> 0.5 * x * erfcRef(-x / Math.sqrt(2)), -12, 10, 10),
                new Fn("gelu_tanh", x -> ops.gelu(x, GeluApproximation.TANH), ElementwiseKernelsTest::geluTanhRef, -5, 10, 40));
    }

    /**
     * Each function on a dense grid over its range plus points near 0, within the stated ulps of
     * the float64 reference (an ulp taken at the float32-rounded reference; see {@link #ulpFloor}).
     */
    @Test
    void transcendentalAccuracy() {
        int n = 40000;
        for (Fn f : functions()) {
            double[] xs = new double[n];
            for (int i = 0; i < n - 200; i++) {
                xs[i] = (float) (f.lo + (f.hi - f.lo) * i / (n - 201));
            }
            for (int i = 0; i < 200; i++) {
                // small magnitudes, where relative accuracy is hardest to keep
                double v = Math.scalb(1.0 + i / 200.0, -(i % 40));
                xs[n - 200 + i] = (float) Math.max(f.lo, Math.min(f.hi, (i % 2 == 0 ? v : -v)));
            }
            Tensor x = ops.tensor(DType.F32, xs, n);
            double[] got = read(f.op.apply(x));
            double worst = 0;
            double worstRel = 0;
            double at = 0;
            for (int i = 0; i < n; i++) {
                double want = f.ref.applyAsDouble(xs[i]);
                double ulp = ulpFloor(want);
                double err = Math.abs(got[i] - want) / ulp;
                if (!(err <= f.ulps)) {
                    fail(f.name + "(" + (float) xs[i] + ") = " + got[i] + ", want " + want + " (" + err + " ulps > " + f.ulps + ")");
                }
                if (err > worst) {
                    worst = err;
                    at = xs[i];
                }
                if (Math.abs(want) >= Float.MIN_NORMAL) {
                    worstRel = Math.max(worstRel, Math.abs(got[i] - want) / Math.abs(want));
                }
            }
            System.out.printf("%-9s max %.2f ulp (at %s), max relative error %.2e%n", f.name, worst, (float) at, worstRel);
        }
    }

    @Test
    void specialValues() {
        float inf = Float.POSITIVE_INFINITY;
        Tensor x = ops.tensor(new float[]{Float.NaN, inf, -inf, 0f, -0f, -1f, 1e-40f, 100f, -200f}, 9);
        double[] e = read(ops.exp(x));
        assertTrue(Double.isNaN(e[0]));
        assertArrayEquals(new double[]{inf, 0, 1, 1}, new double[]{e[1], e[2], e[3], e[4]});
        assertEquals(inf, e[7]);
        assertEquals(0.0, e[8]);
        double[] l = read(ops.log(x));
        assertTrue(Double.isNaN(l[0]) && Double.isNaN(l[2]) && Double.isNaN(l[5]) && Double.isNaN(l[8]));
        assertArrayEquals(new double[]{inf, -inf, -inf}, new double[]{l[1], l[3], l[4]});
        assertEquals(Math.log(1e-40f), l[6], 1e-5);                  // a subnormal input
        double[] t = read(ops.tanh(x));
        assertArrayEquals(new double[]{1, -1, 0, 1, -1}, new double[]{t[1], t[2], t[3], t[7], t[8]});
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(t[4]));
        double[] er = read(ops.erf(x));
        assertArrayEquals(new double[]{1, -1, 0, 1, -1}, new double[]{er[1], er[2], er[3], er[7], er[8]});
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(er[4]));
        double[] s = read(ops.sigmoid(x));
        assertArrayEquals(new double[]{1, 0, 0.5, 1, 0}, new double[]{s[1], s[2], s[3], s[7], s[8]});
        double[] g = read(ops.gelu(x));
        assertEquals(inf, g[1]);
        assertEquals(100.0, g[7]);
        assertEquals(0.0, g[8], 0.0);                          // -0: x times an underflowed Phi
        double[] q = read(ops.sqrt(x));
        assertTrue(Double.isNaN(q[5]));
        double[] rq = read(ops.rsqrt(x));
        assertEquals(inf, rq[3]);
        assertEquals(0.0, rq[1]);
        for (Tensor y : List.of(ops.exp(x), ops.tanh(x), ops.erf(x), ops.sigmoid(x), ops.silu(x), ops.gelu(x),
                ops.gelu(x, GeluApproximation.TANH), ops.sqrt(x), ops.relu(x), ops.abs(x), ops.neg(x))) {
            assertTrue(Double.isNaN(read(y)[0]), "NaN in, NaN out");
        }
    }

    @Test
    void simpleUnaryOnEveryNumericDType() {
        for (DType t : FLOATS) {
            Tensor x = ops.tensor(t, new double[]{-2.5, -0.0, 0, 3.25, Double.NEGATIVE_INFINITY}, 5);
            assertArrayEquals(new double[]{2.5, 0, -0.0, -3.25, Double.POSITIVE_INFINITY}, read(ops.neg(x)));
            assertArrayEquals(new double[]{2.5, 0, 0, 3.25, Double.POSITIVE_INFINITY}, read(ops.abs(x)));
            assertArrayEquals(new double[]{0, 0, 0, 3.25, 0}, read(ops.relu(x)));
        }
        Tensor i8 = ops.tensor(DType.I8, new double[]{-128, -5, 0, 127}, 4);
        assertArrayEquals(new long[]{-128, 5, 0, -127}, readLong(ops.neg(i8)));
        assertArrayEquals(new long[]{-128, 5, 0, 127}, readLong(ops.abs(i8)));
        assertArrayEquals(new long[]{0, 0, 0, 127}, readLong(ops.relu(i8)));
        Tensor i32 = ops.tensor(new int[]{Integer.MIN_VALUE, -7, 7}, 3);
        assertArrayEquals(new long[]{Integer.MIN_VALUE, 7, 7}, readLong(ops.abs(i32)));
        assertArrayEquals(new long[]{Integer.MIN_VALUE, 7, -7}, readLong(ops.neg(i32)));
        Tensor i64 = ops.tensor(new long[]{Long.MIN_VALUE, -1, 1}, 3);
        assertArrayEquals(new long[]{Long.MIN_VALUE, 1, 1}, readLong(ops.abs(i64)));
        assertArrayEquals(new long[]{0, 0, 1}, readLong(ops.relu(i64)));
    }

    /** F16/BF16 compute in float32 and round once on store: within one unit of the dtype's last place. */
    @Test
    void unaryOnHalfDTypesAndStridedInputs() {
        SplittableRandom r = new SplittableRandom(3);
        for (DType t : FLOATS) {
            Tensor base = ops.tensor(t, normal(r, 30 * 20, 0, 2), 30, 20);
            Tensor x = base.transpose(0, 1).slice(1, 2, 30, 3);           // [20, 10], strided
            double[] xv = read(x);
            for (Fn f : functions()) {
                double[] got = read(f.op.apply(f.name.equals("log") || f.name.endsWith("sqrt") ? ops.abs(x) : x));
                for (int i = 0; i < xv.length; i++) {
                    double in = f.name.equals("log") || f.name.endsWith("sqrt") ? Math.abs(xv[i]) : xv[i];
                    double want = f.ref.applyAsDouble(in);
                    double unit = t == DType.F32 ? f.ulps * ulpFloor(want)
                            : dtypeUlp(t, want);
                    if (!(Math.abs(got[i] - want) <= unit)) {
                        fail(f.name + " " + t + "(" + in + ") = " + got[i] + ", want " + want + " within " + unit);
                    }
                }
            }
        }
    }

    /**
     * A permuted view with contiguous rows against a contiguous tensor, a broadcast row and a
     * broadcast column: the short-row walk, with a tail after whole vectors in every row and
     * enough rows to be split across threads.
     */
    @Test
    void permutedViewsWithShortRows() {
        SplittableRandom r = new SplittableRandom(5);
        // [40, 50, 37] viewed as [50, 40, 37]: 74000 elements in rows of 37
        Tensor v = ops.tensor(DType.F32, normal(r, 40 * 50 * 37, 0, 2), 40, 50, 37).transpose(0, 1);
        Tensor c = ops.tensor(DType.F32, normal(r, 50 * 40 * 37, 1, 2), 50, 40, 37);
        Tensor row = ops.tensor(DType.F32, normal(r, 37, -1, 1), 37);
        Tensor col = ops.tensor(DType.F32, normal(r, 50 * 40, 2, 1), 50, 40, 1);
        for (String op : ARITH) {
            checkFloatBinary(op, v, c);
            checkFloatBinary(op, c, v);
            checkFloatBinary(op, v, row);
            checkFloatBinary(op, col, v);
        }
    }

    @Test
    void largeInputsSplitAcrossThreads() {
        SplittableRandom r = new SplittableRandom(4);
        // one long row (split into pieces across threads) and many short rows of a strided view
        Tensor longRow = ops.tensor(DType.F32, normal(r, 300_001, 0, 2), 300_001);
        Tensor rows = ops.tensor(DType.F32, normal(r, 1000 * 300, 0, 2), 300, 1000).transpose(0, 1);
        for (Tensor x : List.of(longRow, rows)) {
            double[] xv = read(x);
            double[] e = read(ops.exp(x));
            double[] g = read(ops.gelu(x));
            for (int i = 0; i < xv.length; i++) {
                double we = Math.exp(xv[i]);
                double wg = 0.5 * xv[i] * erfcRef(-xv[i] / Math.sqrt(2));
                if (!(Math.abs(e[i] - we) <= 2 * ulpFloor(we) && Math.abs(g[i] - wg) <= 10 * ulpFloor(wg))) {
                    fail("at " + xv[i] + ": exp " + e[i] + " want " + we + ", gelu " + g[i] + " want " + wg);
                }
            }
            checkFloatBinary("add", x, x);
            Tensor h = ops.cast(x, DType.BF16);
            checkFloatBinary("mul", h, h);
        }
    }

    @Test
    void rankZeroAndEmpty() {
        Tensor a = ops.scalar(DType.F32, 3);
        Tensor b = ops.scalar(DType.F32, -4);
        Tensor s = ops.mul(a, b);
        assertEquals(0, s.rank());
        assertArrayEquals(new double[]{-12}, read(s));
        assertArrayEquals(new double[]{Math.exp(3)}, read(ops.exp(a)), 1e-5);
        assertArrayEquals(new long[]{-1}, readLong(ops.sub(ops.scalar(DType.I32, 1), ops.scalar(DType.I32, 2))));
        assertArrayEquals(new byte[]{1}, ops.lt(b, a).toByteArray());
        Tensor e = ops.zeros(DType.F32, 0, 5);
        assertEquals(0, ops.add(e, ops.scalar(DType.F32, 1)).numel());
        assertArrayEquals(new long[]{0, 5}, ops.gelu(e).shape());
        assertEquals(0, ops.where(ops.tensor(new boolean[0], 0, 1), e, e).numel());
    }

    @Test
    void onlyDocumentedDTypesHaveKernels() {
        var k = rt.kernels();
        for (DType t : DType.values()) {
            boolean numeric = t != DType.BOOL && !t.isFloat8();
            boolean fl = FLOATS.contains(t);
            assertEquals(numeric, k.find("cpu", "add", List.of(t, t), List.of(t)) != null, "add " + t);
            assertEquals(fl, k.find("cpu", "pow", List.of(t, t), List.of(t)) != null, "pow " + t);
            assertEquals(numeric || t == DType.BOOL, k.find("cpu", "eq", List.of(t, t), List.of(DType.BOOL)) != null, "eq " + t);
            assertEquals(numeric, k.find("cpu", "lt", List.of(t, t), List.of(DType.BOOL)) != null, "lt " + t);
            assertEquals(numeric, k.find("cpu", "relu", List.of(t), List.of(t)) != null, "relu " + t);
            assertEquals(fl, k.find("cpu", "gelu", List.of(t), List.of(t)) != null, "gelu " + t);
            assertNotNull(k.find("cpu", "where", List.of(DType.BOOL, t, t), List.of(t)), "where " + t);
        }
        assertNull(k.find("cpu", "where", List.of(DType.I8, DType.F32, DType.F32), List.of(DType.F32)));
        // an unknown gelu approximation reaching the kernel directly
        Tensor x = ops.tensor(new float[]{1}, 1);
        XpuException e = assertThrows(XpuException.class, () -> ops.custom("gelu", OpAttrs.of("approximate", "erf"),
                DType.F32, new long[]{1}, x));
        assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
    }

    // ================================ helpers ===================================================

    static double[] normal(SplittableRandom r, int n, double mean, double std) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = mean + std * r.nextGaussian();
        }
        return v;
    }

    /** The values of {@code t}, decoded here from its raw bytes in row-major order. */
    static double[] read(Tensor t) {
        ByteBuffer b = ByteBuffer.wrap(t.toByteArray()).order(ByteOrder.nativeOrder());
        double[] v = new double[(int) t.numel()];
        for (int i = 0; i < v.length; i++) {
            v[i] = switch (t.dtype()) {
                case F32 -> b.getFloat(i * 4);
                case F16 -> Float.float16ToFloat(b.getShort(i * 2));
                case BF16 -> Float.intBitsToFloat(b.getShort(i * 2) << 16);
                case I8, BOOL -> b.get(i);
                case I32 -> b.getInt(i * 4);
                case I64 -> b.getLong(i * 8);
                default -> throw new IllegalArgumentException(t.dtype().toString());
            };
        }
        return v;
    }

    static long[] readLong(Tensor t) {
        ByteBuffer b = ByteBuffer.wrap(t.toByteArray()).order(ByteOrder.nativeOrder());
        long[] v = new long[(int) t.numel()];
        for (int i = 0; i < v.length; i++) {
            v[i] = switch (t.dtype()) {
                case I8, BOOL -> b.get(i);
                case I32 -> b.getInt(i * 4);
                case I64 -> b.getLong(i * 8);
                default -> throw new IllegalArgumentException(t.dtype().toString());
            };
        }
        return v;
    }

    /** {@code t}'s values broadcast to {@code shape} (numpy rules), row-major. */
    private static double[] broadcastValues(Tensor t, long[] shape) {
        double[] v = read(t);
        long[] ts = t.shape();
        int n = 1;
        for (long d : shape) {
            n *= (int) d;
        }
        double[] out = new double[n];
        int rank = shape.length;
        int lead = rank - ts.length;
        for (int i = 0; i < n; i++) {
            int rem = i;
            int src = 0;
            int mul = 1;
            for (int d = rank - 1; d >= 0; d--) {
                int idx = rem % (int) shape[d];
                rem /= (int) shape[d];
                if (d >= lead) {
                    int size = (int) ts[d - lead];
                    src += (size == 1 ? 0 : idx) * mul;
                    mul *= size;
                }
            }
            out[i] = v[src];
        }
        return out;
    }

    /** A float32 value rounded to {@code t} (round to nearest even), back as a double. */
    static double round(DType t, float v) {
        return switch (t) {
            case F32 -> v;
            case F16 -> Float.float16ToFloat(Float.floatToFloat16(v));
            case BF16 -> bf16Round(v);
            default -> throw new IllegalArgumentException(t.toString());
        };
    }

    /** Nearest bfloat16 (ties to even), chosen by comparing the two candidates' distances. */
    static double bf16Round(float v) {
        if (Float.isNaN(v) || Float.isInfinite(v)) {
            return v;
        }
        int bits = Float.floatToRawIntBits(v);
        float down = Float.intBitsToFloat(bits & 0xFFFF0000);
        float up = Float.intBitsToFloat((bits & 0xFFFF0000) + 0x10000);
        // past the largest bfloat16 the next step up is 2^128 (which then overflows to Inf)
        double upValue = Float.isInfinite(up) ? Math.copySign(0x1p128, up) : up;
        double dd = Math.abs((double) v - down);
        double du = Math.abs(upValue - v);
        if (dd < du) {
            return down;
        }
        if (du < dd) {
            return up;
        }
        return ((bits >>> 16) & 1) == 0 ? down : up;
    }

    /**
     * A float32 ulp at {@code v}, but at least 2^-143: results in the subnormal range carry fewer
     * bits, and intermediate subnormals (e^x before the multiply in silu) lose more, so there they
     * are held to an absolute 2^-143 (about 1e-43) per allowed ulp, far below the 1e-6 floor of
     * the accuracy budget.
     */
    static double ulpFloor(double v) {
        return Math.max(Math.ulp((float) v), 0x1p-143);
    }

    /** One unit in the last place of {@code t} at {@code v} (at least the smallest subnormal step). */
    private static double dtypeUlp(DType t, double v) {
        double a = Math.abs(v);
        int bits = t == DType.F32 ? 23 : t == DType.F16 ? 10 : 7;
        int minExp = t == DType.F16 ? -14 : -126;
        if (Double.isInfinite(a) || Double.isNaN(a)) {
            return 0;
        }
        int e = a == 0 ? minExp : Math.max(Math.getExponent(a), minExp);
        return Math.scalb(1.0, e - bits);
    }

    /** Equal as values and in the sign of zero; any NaN matches any NaN. */
    private static boolean same(double want, double got) {
        return Double.isNaN(want) ? Double.isNaN(got) : Double.doubleToRawLongBits(want) == Double.doubleToRawLongBits(got);
    }
}
