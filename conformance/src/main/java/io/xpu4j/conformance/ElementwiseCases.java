package io.xpu4j.conformance;

import io.xpu4j.api.DType;
import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.GeluApproximation;
import io.xpu4j.api.Ops;
import io.xpu4j.api.Tensor;

import java.util.Arrays;
import java.util.List;

import static io.xpu4j.conformance.Gen.str;

/** Binary arithmetic, compares, where, and the unary ops. */
final class ElementwiseCases {
    private ElementwiseCases() {
    }

    private static final double NAN = Double.NaN;
    private static final double INF = Double.POSITIVE_INFINITY;

    /** Operand shapes and layouts every binary op runs with. */
    private record Pair(String variant, long[] a, Layout la, long[] b, Layout lb) {
    }

    private static List<Pair> pairs(long[] random) {
        return List.of(
                new Pair("same shape", random, Layout.CONTIGUOUS, random, Layout.CONTIGUOUS),
                new Pair("broadcast", new long[]{3, 1, 5}, Layout.CONTIGUOUS, new long[]{4, 1}, Layout.CONTIGUOUS),
                new Pair("broadcast rank-0 b", new long[]{2, 3}, Layout.CONTIGUOUS, new long[]{}, Layout.CONTIGUOUS),
                new Pair("broadcast a over leading dims", new long[]{7}, Layout.CONTIGUOUS, new long[]{2, 3, 7}, Layout.CONTIGUOUS),
                new Pair("rank 0", new long[]{}, Layout.CONTIGUOUS, new long[]{}, Layout.CONTIGUOUS),
                new Pair("size-1 dims", new long[]{1, 1, 7}, Layout.CONTIGUOUS, new long[]{1, 7}, Layout.CONTIGUOUS),
                new Pair("transposed a, strided b", new long[]{5, 7}, Layout.TRANSPOSED, new long[]{5, 7}, Layout.STRIDED),
                new Pair("expanded a, transposed b", new long[]{4, 6}, Layout.EXPANDED, new long[]{4, 6}, Layout.TRANSPOSED),
                new Pair("empty", new long[]{0, 3}, Layout.CONTIGUOUS, new long[]{1, 3}, Layout.CONTIGUOUS),
                new Pair("large", new long[]{37, 41}, Layout.CONTIGUOUS, new long[]{37, 41}, Layout.CONTIGUOUS));
    }

    static void addAll(Cases c) {
        for (String op : List.of("add", "sub", "mul", "div", "maximum", "minimum")) {
            for (DType t : Cases.NUMERIC) {
                binary(c, op, t);
            }
        }
        for (DType t : Cases.FLOAT) {
            binary(c, "pow", t);
        }
        floatSpecials(c);
        for (DType t : List.of(DType.I8, DType.I32, DType.I64)) {
            c.add("div", t, "zero divisor is an error", "", h -> {
                Harness.In a = h.values(t, new double[]{6, 7, 8}, 3);
                Harness.In b = h.values(t, new double[]{2, 0, 4}, 3);
                h.expectError("div by 0", ErrorCode.INVALID_ARGUMENT, () -> h.ops.div(a.t(), b.t()));
            });
        }
        for (String op : List.of("eq", "ne", "lt", "le", "gt", "ge")) {
            for (DType t : Cases.NUMERIC) {
                compare(c, op, t);
            }
            if (op.equals("eq") || op.equals("ne")) {
                compare(c, op, DType.BOOL);
            }
        }
        for (DType t : Cases.ALL) {
            where(c, t);
        }
        for (String op : List.of("neg", "abs", "relu")) {
            for (DType t : Cases.NUMERIC) {
                unaryExact(c, op, t);
            }
        }
        for (String op : List.of("exp", "log", "sqrt", "rsqrt", "tanh", "erf", "sigmoid", "silu", "gelu", "gelu_tanh")) {
            for (DType t : Cases.FLOAT) {
                unaryMath(c, op, t);
            }
        }
    }

    // ================================ binary =======================================================

    static Tensor binaryOp(Ops ops, String op, Tensor a, Tensor b) {
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

    static Tensor scalarOp(Ops ops, String op, Tensor a, double s) {
        return switch (op) {
            case "add" -> ops.add(a, s);
            case "sub" -> ops.sub(a, s);
            case "mul" -> ops.mul(a, s);
            case "div" -> ops.div(a, s);
            case "maximum" -> ops.maximum(a, s);
            case "minimum" -> ops.minimum(a, s);
            case "pow" -> ops.pow(a, s);
            case "eq" -> ops.eq(a, s);
            case "lt" -> ops.lt(a, s);
            case "gt" -> ops.gt(a, s);
            default -> throw new IllegalArgumentException(op);
        };
    }

    /** Operand generators that keep every result in range and exact where the dtype is an integer. */
    private static Gen[] operands(String op, DType t) {
        if (t.isFloatingPoint()) {
            return switch (op) {
                case "div" -> new Gen[]{Gen.uniform(-4, 4), Gen.magnitude(0.5, 4)};
                case "pow" -> new Gen[]{Gen.uniform(0.1, 4), Gen.uniform(-3, 3)};
                default -> new Gen[]{Gen.uniform(-4, 4), Gen.uniform(-4, 4)};
            };
        }
        long big = switch (t) {
            case I8 -> 127;
            case I32 -> Integer.MAX_VALUE;
            default -> 1L << 53; // the reference holds integers in doubles, exact up to 2^53
        };
        return switch (op) {
            // sums stay in range: |a| + |b| <= max
            case "add", "sub" -> new Gen[]{Gen.ints(-big / 2, big / 2), Gen.ints(-big / 2, big / 2)};
            // products stay in range: |a·b| <= max
            case "mul" -> {
                long m = (long) Math.sqrt((double) big) - 1;
                yield new Gen[]{Gen.ints(-m, m), Gen.ints(-m, m)};
            }
            // -max keeps MIN / -1 (which overflows) out
            case "div" -> new Gen[]{Gen.ints(-big, big), Gen.nonZeroInts(t == DType.I8 ? 20 : 1000)};
            default -> new Gen[]{Gen.ints(-big, big), Gen.ints(-big, big)};
        };
    }

    private static Tolerance.Bound bound(String op, DType t) {
        return switch (op) {
            case "maximum", "minimum" -> Tolerance.exact();
            case "pow" -> Tolerance.math(t);
            default -> Tolerance.arithmetic(t);
        };
    }

    private static void binary(Cases c, String op, DType t) {
        Gen[] g = operands(op, t);
        Tolerance.Bound bound = bound(op, t);
        long[] random = Gen.shape(Case.shapeRandom(Cases.seed(op, t, "same shape")), 1, 4, 400);
        for (Pair p : pairs(random)) {
            String detail = str(p.a) + (p.la == Layout.CONTIGUOUS ? "" : " " + p.la.label) + " ⊕ " + str(p.b)
                    + (p.lb == Layout.CONTIGUOUS ? "" : " " + p.lb.label);
            c.add(op, t, p.variant, detail, h -> {
                Harness.In a = h.input(t, p.la, g[0], p.a);
                Harness.In b = h.input(t, p.lb, g[1], p.b);
                Tensor out = h.keep(binaryOp(h.ops, op, a.t(), b.t()));
                h.expect(op, out, t, Expected.of(Reference.binary(op, a.v(), b.v(), t.isInteger())), bound);
            });
        }
        c.add(op, t, "scalar operand", "[4, 5] ⊕ scalar", h -> {
            Harness.In a = h.input(t, g[0], 4, 5);
            double s = Formats.round(g[1].next(h.rnd), t);
            Tensor out = h.keep(scalarOp(h.ops, op, a.t(), s));
            Nd sv = Nd.of(new double[]{s});
            h.expect(op + " scalar " + s, out, t, Expected.of(Reference.binary(op, a.v(), sv, t.isInteger())), bound);
        });
    }

    /** IEEE special values through the float binary ops. */
    private static void floatSpecials(Cases c) {
        for (DType t : Cases.FLOAT) {
            specialBinary(c, "add", t, "special values", new double[]{INF, INF, NAN, 1, -INF},
                    new double[]{1, -INF, 1, NAN, -INF});
            specialBinary(c, "mul", t, "special values", new double[]{INF, INF, NAN, 0, -2},
                    new double[]{2, 0, 1, -INF, INF});
            specialBinary(c, "div", t, "division by zero and infinity", new double[]{1, -1, 0, 1, INF},
                    new double[]{0, 0, 0, INF, INF});
            specialBinary(c, "pow", t, "zero base, zero exponent", new double[]{0, 0, 1.5, 2, 4},
                    new double[]{2, -1, 0, -1, 0.5});
            specialBinary(c, "pow", t, "negative base with integer exponent", new double[]{-2, -2, -0.5, -3, -2},
                    new double[]{2, 3, -3, 0, 0.5});
        }
    }

    private static void specialBinary(Cases c, String op, DType t, String variant, double[] a, double[] b) {
        c.add(op, t, variant, Arrays.toString(a) + " ⊕ " + Arrays.toString(b), h -> {
            Harness.In x = h.values(t, a, a.length);
            Harness.In y = h.values(t, b, b.length);
            Tensor out = h.keep(binaryOp(h.ops, op, x.t(), y.t()));
            h.expect(op, out, t, Expected.of(Reference.binary(op, x.v(), y.v(), false)), bound(op, t));
        });
    }

    // ================================ compare ======================================================

    private static void compare(Cases c, String op, DType t) {
        // values drawn from a small set so that equal pairs are common; -0.0 and 0.0 must compare equal
        Gen g = t == DType.BOOL ? Gen.bools()
                : t.isFloatingPoint() ? Gen.pick(-2, -1.5, -1, -0.5, -0.0, 0, 0.5, 1, 1.5, 2)
                : Gen.ints(-3, 3);
        long[] random = Gen.shape(Case.shapeRandom(Cases.seed(op, t, "same shape")), 1, 4, 400);
        for (Pair p : pairs(random)) {
            if (p.variant.equals("broadcast a over leading dims") || p.variant.equals("size-1 dims")) {
                continue;
            }
            String detail = str(p.a) + (p.la == Layout.CONTIGUOUS ? "" : " " + p.la.label) + " vs " + str(p.b)
                    + (p.lb == Layout.CONTIGUOUS ? "" : " " + p.lb.label);
            c.add(op, t, p.variant, detail, h -> {
                Harness.In a = h.input(t, p.la, g, p.a);
                Harness.In b = h.input(t, p.lb, g, p.b);
                Tensor out = h.keep(binaryOp(h.ops, op, a.t(), b.t()));
                h.expectExact(op, out, DType.BOOL, Reference.compare(op, a.v(), b.v()));
            });
        }
        if (op.equals("eq") || op.equals("lt") || op.equals("gt")) {
            c.add(op, t, "scalar operand", "[4, 5] vs scalar", h -> {
                Harness.In a = h.input(t, g, 4, 5);
                double s = t == DType.BOOL ? 1 : 0.5 * Math.round(2 * g.next(h.rnd));
                double sv = t.isInteger() ? Math.rint(s) : s;
                Tensor out = h.keep(scalarOp(h.ops, op, a.t(), sv));
                h.expectExact(op + " scalar " + sv, out, DType.BOOL, Reference.compare(op, a.v(), Nd.of(new double[]{sv})));
            });
        }
        if (t.isFloatingPoint()) {
            double[] a = {NAN, NAN, 1, NAN, INF, -INF};
            double[] b = {NAN, 1, NAN, 0, INF, INF};
            c.add(op, t, "NaN and infinities", "", h -> {
                Harness.In x = h.values(t, a, a.length);
                Harness.In y = h.values(t, b, b.length);
                Tensor out = h.keep(binaryOp(h.ops, op, x.t(), y.t()));
                h.expectExact(op, out, DType.BOOL, Reference.compare(op, x.v(), y.v()));
            });
        }
    }

    // ================================ where ========================================================

    private static void where(Cases c, DType t) {
        Gen g = Gen.forDType(t);
        Gen cond = Gen.bools();
        long[] random = Gen.shape(Case.shapeRandom(Cases.seed("where", t, "same shape")), 1, 4, 400);
        c.add("where", t, "same shape", str(random), h -> {
            Harness.In m = h.input(DType.BOOL, cond, random);
            Harness.In a = h.input(t, g, random);
            Harness.In b = h.input(t, g, random);
            Tensor out = h.keep(h.ops.where(m.t(), a.t(), b.t()));
            h.expectExact("where", out, t, Reference.where(m.v(), a.v(), b.v()));
        });
        c.add("where", t, "broadcast", "cond [3, 1], a [1, 4], b []", h -> {
            Harness.In m = h.input(DType.BOOL, cond, 3, 1);
            Harness.In a = h.input(t, g, 1, 4);
            Harness.In b = h.input(t, g);
            Tensor out = h.keep(h.ops.where(m.t(), a.t(), b.t()));
            h.expectExact("where", out, t, Reference.where(m.v(), a.v(), b.v()));
        });
        c.add("where", t, "views", "[5, 7] cond transposed, a strided, b expanded", h -> {
            Harness.In m = h.input(DType.BOOL, Layout.TRANSPOSED, cond, 5, 7);
            Harness.In a = h.input(t, Layout.STRIDED, g, 5, 7);
            Harness.In b = h.input(t, Layout.EXPANDED, g, 5, 7);
            Tensor out = h.keep(h.ops.where(m.t(), a.t(), b.t()));
            h.expectExact("where", out, t, Reference.where(m.v(), a.v(), b.v()));
        });
        c.add("where", t, "rank 0", "", h -> {
            Harness.In m = h.values(DType.BOOL, new double[]{1});
            Harness.In a = h.input(t, g);
            Harness.In b = h.input(t, g);
            Tensor out = h.keep(h.ops.where(m.t(), a.t(), b.t()));
            h.expectExact("where", out, t, Reference.where(m.v(), a.v(), b.v()));
        });
        c.add("where", t, "empty", "[0, 2]", h -> {
            Harness.In m = h.input(DType.BOOL, cond, 0, 2);
            Harness.In a = h.input(t, g, 0, 2);
            Harness.In b = h.input(t, g, 1, 2);
            Tensor out = h.keep(h.ops.where(m.t(), a.t(), b.t()));
            h.expectExact("where", out, t, Reference.where(m.v(), a.v(), b.v()));
        });
        c.add("where", t, "large", "[37, 41]", h -> {
            Harness.In m = h.input(DType.BOOL, cond, 37, 41);
            Harness.In a = h.input(t, g, 37, 41);
            Harness.In b = h.input(t, g, 37, 41);
            Tensor out = h.keep(h.ops.where(m.t(), a.t(), b.t()));
            h.expectExact("where", out, t, Reference.where(m.v(), a.v(), b.v()));
        });
        double fill = t == DType.BOOL ? 1 : t.isInteger() ? 7 : -1.5;
        c.add("where", t, "maskedFill", "[4, 6] with " + fill, h -> {
            Harness.In m = h.input(DType.BOOL, cond, 4, 6);
            Harness.In a = h.input(t, g, 4, 6);
            Tensor out = h.keep(h.ops.maskedFill(a.t(), m.t(), fill));
            h.expectExact("maskedFill", out, t, Reference.where(m.v(), Nd.of(new double[]{Formats.round(fill, t)}), a.v()));
        });
    }

    // ================================ unary ========================================================

    private record UnaryShape(String variant, Layout layout, long[] shape) {
    }

    private static List<UnaryShape> unaryShapes(long[] random) {
        return List.of(
                new UnaryShape("random shape", Layout.CONTIGUOUS, random),
                new UnaryShape("transposed", Layout.TRANSPOSED, new long[]{5, 7}),
                new UnaryShape("strided", Layout.STRIDED, new long[]{3, 9}),
                new UnaryShape("expanded", Layout.EXPANDED, new long[]{4, 6}),
                new UnaryShape("rank 0", Layout.CONTIGUOUS, new long[]{}),
                new UnaryShape("empty", Layout.CONTIGUOUS, new long[]{2, 0}),
                new UnaryShape("large", Layout.CONTIGUOUS, new long[]{37, 41}));
    }

    static Tensor unaryOp(Ops ops, String op, Tensor x) {
        return switch (op) {
            case "neg" -> ops.neg(x);
            case "abs" -> ops.abs(x);
            case "relu" -> ops.relu(x);
            case "exp" -> ops.exp(x);
            case "log" -> ops.log(x);
            case "sqrt" -> ops.sqrt(x);
            case "rsqrt" -> ops.rsqrt(x);
            case "tanh" -> ops.tanh(x);
            case "erf" -> ops.erf(x);
            case "sigmoid" -> ops.sigmoid(x);
            case "silu" -> ops.silu(x);
            case "gelu" -> ops.gelu(x, GeluApproximation.NONE);
            case "gelu_tanh" -> ops.gelu(x, GeluApproximation.TANH);
            default -> throw new IllegalArgumentException(op);
        };
    }

    private static void unaryExact(Cases c, String op, DType t) {
        Gen g = switch (t) {
            case I8 -> Gen.ints(-127, 127);
            case I32 -> Gen.ints(-Integer.MAX_VALUE, Integer.MAX_VALUE);
            case I64 -> Gen.ints(-(1L << 53), 1L << 53);
            default -> Gen.uniform(-4, 4);
        };
        long[] random = Gen.shape(Case.shapeRandom(Cases.seed(op, t, "random shape")), 0, 4, 400);
        for (UnaryShape u : unaryShapes(random)) {
            c.add(op, t, u.variant, str(u.shape), h -> {
                Harness.In x = h.input(t, u.layout, g, u.shape);
                Tensor out = h.keep(unaryOp(h.ops, op, x.t()));
                h.expectExact(op, out, t, Reference.unary(op, x.v()));
            });
        }
        if (t.isFloatingPoint()) {
            // relu of NaN is left unspecified by docs/ops.md
            double[] v = op.equals("relu") ? new double[]{INF, -INF, -0.0, 0} : new double[]{INF, -INF, NAN, -0.0, 0};
            c.add(op, t, "special values", Arrays.toString(v), h -> {
                Harness.In x = h.values(t, v, v.length);
                Tensor out = h.keep(unaryOp(h.ops, op, x.t()));
                h.expectExact(op, out, t, Reference.unary(op, x.v()));
            });
        }
    }

    private static Gen mathInputs(String op) {
        return switch (op) {
            case "exp" -> Gen.uniform(-10, 10);
            case "log", "rsqrt" -> Gen.uniform(0.01, 100);
            case "sqrt" -> Gen.uniform(0, 100);
            case "tanh" -> Gen.uniform(-5, 5);
            case "erf" -> Gen.uniform(-4, 4);
            case "sigmoid", "silu" -> Gen.uniform(-12, 12);
            default -> Gen.uniform(-6, 6); // gelu, both forms
        };
    }

    /** Special inputs per op; an op's behaviour at -Inf is left out where the formula gives 0·Inf. */
    private static double[] mathSpecials(String op) {
        return switch (op) {
            case "exp" -> new double[]{-INF, INF, NAN, 0, -0.0, 100, -100};
            case "log" -> new double[]{0, -1, INF, NAN, 1};
            case "sqrt" -> new double[]{0, -1, INF, NAN, 4};
            case "rsqrt" -> new double[]{0, -1, INF, NAN, 4};
            case "tanh" -> new double[]{INF, -INF, NAN, 20, -20, 0};
            case "erf" -> new double[]{INF, -INF, NAN, 10, -10, 0};
            case "sigmoid" -> new double[]{INF, -INF, NAN, 100, -100, 0};
            default -> new double[]{INF, NAN, 100, -100, 0}; // silu, gelu
        };
    }

    private static void unaryMath(Cases c, String op, DType t) {
        Gen g = mathInputs(op);
        String container = op.equals("gelu_tanh") ? "gelu" : op;
        String tag = op.equals("gelu_tanh") ? "tanh " : op.equals("gelu") ? "erf " : "";
        Tolerance.Bound bound = Tolerance.math(t);
        long[] random = Gen.shape(Case.shapeRandom(Cases.seed(op, t, "random shape")), 0, 4, 400);
        for (UnaryShape u : unaryShapes(random)) {
            c.add(container, t, tag + u.variant, str(u.shape), h -> {
                Harness.In x = h.input(t, u.layout, g, u.shape);
                Tensor out = h.keep(unaryOp(h.ops, op, x.t()));
                h.expect(op, out, t, mathExpected(op, x.v()), bound);
            });
        }
        double[] sv = mathSpecials(op);
        c.add(container, t, tag + "special values", Arrays.toString(sv), h -> {
            Harness.In x = h.values(t, sv, sv.length);
            Tensor out = h.keep(unaryOp(h.ops, op, x.t()));
            h.expect(op, out, t, mathExpected(op, x.v()), bound);
        });
    }

    static Expected mathExpected(String op, Nd x) {
        double[] scale = new double[x.size()];
        for (int i = 0; i < scale.length; i++) {
            scale[i] = Tolerance.mathScale(op, x.data()[i]);
        }
        return new Expected(Reference.unary(op, x), scale);
    }
}
