package io.xpu4j.conformance;

import io.xpu4j.api.DType;
import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.Ops;
import io.xpu4j.api.Tensor;

import java.util.Arrays;
import java.util.List;

import static io.xpu4j.conformance.Gen.str;

/** sum, mean, max, min over axes (keepdim both ways) and argmax. */
final class ReduceCases {
    private ReduceCases() {
    }

    private record Variant(String name, long[] shape, Layout layout, int[] axes, boolean keepdim) {
    }

    private static List<Variant> variants(long[] random) {
        return List.of(
                new Variant("all axes", random, Layout.CONTIGUOUS, new int[]{}, false),
                new Variant("all axes keepdim", new long[]{5, 7}, Layout.CONTIGUOUS, new int[]{}, true),
                new Variant("axis -1", new long[]{4, 9}, Layout.CONTIGUOUS, new int[]{-1}, false),
                new Variant("axis 0 keepdim", new long[]{6, 5}, Layout.CONTIGUOUS, new int[]{0}, true),
                new Variant("middle axis", new long[]{3, 17, 5}, Layout.CONTIGUOUS, new int[]{1}, false),
                new Variant("axes 0 and 2", new long[]{3, 4, 5}, Layout.CONTIGUOUS, new int[]{2, 0}, false),
                new Variant("negative axes keepdim", new long[]{2, 3, 4, 5}, Layout.CONTIGUOUS, new int[]{-1, -3}, true),
                new Variant("size-1 axis", new long[]{3, 1, 4}, Layout.CONTIGUOUS, new int[]{1}, false),
                new Variant("transposed input", new long[]{5, 7}, Layout.TRANSPOSED, new int[]{1}, false),
                new Variant("strided input", new long[]{4, 9}, Layout.STRIDED, new int[]{}, false),
                new Variant("expanded input", new long[]{4, 6}, Layout.EXPANDED, new int[]{0}, true),
                new Variant("rank 0", new long[]{}, Layout.CONTIGUOUS, new int[]{}, false),
                new Variant("empty kept dim", new long[]{0, 4}, Layout.CONTIGUOUS, new int[]{1}, false),
                new Variant("1000 elements", new long[]{1000}, Layout.CONTIGUOUS, new int[]{}, false),
                new Variant("rows of 1000", new long[]{3, 1000}, Layout.CONTIGUOUS, new int[]{-1}, true));
    }

    static void addAll(Cases c) {
        for (String op : List.of("sum", "mean", "max", "min")) {
            for (DType t : op.equals("mean") ? Cases.FLOAT : Cases.REDUCIBLE) {
                reduce(c, op, t);
            }
        }
        for (DType t : Cases.NUMERIC) {
            argmax(c, t);
        }
    }

    static Tensor reduceOp(Ops ops, String op, Tensor x, boolean keepdim, int[] axes) {
        return switch (op) {
            case "sum" -> ops.sum(x, keepdim, axes);
            case "mean" -> ops.mean(x, keepdim, axes);
            case "max" -> ops.max(x, keepdim, axes);
            case "min" -> ops.min(x, keepdim, axes);
            default -> throw new IllegalArgumentException(op);
        };
    }

    private static Gen values(String op, DType t) {
        return switch (t) {
            case I32 -> op.equals("sum") ? Gen.ints(-1000, 1000) : Gen.ints(-Integer.MAX_VALUE, Integer.MAX_VALUE);
            case I64 -> op.equals("sum") ? Gen.ints(-(1L << 40), 1L << 40) : Gen.ints(-(1L << 53), 1L << 53);
            default -> Gen.uniform(-4, 4);
        };
    }

    private static long reducedCount(long[] shape, int[] axes) {
        boolean[] red = Reference.reducedAxes(shape.length, axes);
        long k = 1;
        for (int i = 0; i < shape.length; i++) {
            if (red[i]) {
                k *= shape[i];
            }
        }
        return k;
    }

    private static void reduce(Cases c, String op, DType t) {
        Gen g = values(op, t);
        boolean exact = op.equals("max") || op.equals("min");
        long[] random = Gen.shape(Case.shapeRandom(Cases.seed(op, t, "all axes")), 1, 4, 400);
        for (Variant v : variants(random)) {
            Tolerance.Bound bound = exact ? Tolerance.exact() : Tolerance.accumulate(t, reducedCount(v.shape, v.axes));
            c.add(op, t, v.name, str(v.shape) + (v.layout == Layout.CONTIGUOUS ? "" : " " + v.layout.label)
                    + " axes " + Arrays.toString(v.axes) + (v.keepdim ? " keepdim" : ""), h -> {
                Harness.In x = h.input(t, v.layout, g, v.shape);
                Tensor out = h.keep(reduceOp(h.ops, op, x.t(), v.keepdim, v.axes));
                h.expect(op, out, t, Reference.reduce(op, x.v(), v.axes, v.keepdim), bound);
            });
        }
        if (exact) {
            c.add(op, t, "empty reduced axis is an error", "[3, 0, 2] axis 1", h -> {
                Harness.In x = h.input(t, g, 3, 0, 2);
                h.expectError(op + " over nothing", ErrorCode.INVALID_ARGUMENT, () -> reduceOp(h.ops, op, x.t(), false, new int[]{1}));
            });
            if (t.isFloatingPoint()) {
                c.add(op, t, "NaN propagates", "[2, 5] axis -1", h -> {
                    Harness.In x = h.values(t, new double[]{1, Double.NaN, 3, -2, 0, 4, 2, 9, -1, 5}, 2, 5);
                    Tensor out = h.keep(reduceOp(h.ops, op, x.t(), false, new int[]{-1}));
                    h.expect(op, out, t, Reference.reduce(op, x.v(), new int[]{-1}, false), Tolerance.exact());
                });
            }
        } else {
            c.add(op, t, "empty reduced axis", "[3, 0, 2] axis 1 (sum 0, mean NaN)", h -> {
                Harness.In x = h.input(t, g, 3, 0, 2);
                Tensor out = h.keep(reduceOp(h.ops, op, x.t(), false, new int[]{1}));
                h.expect(op, out, t, Reference.reduce(op, x.v(), new int[]{1}, false), Tolerance.accumulate(t, 0));
            });
        }
    }

    // ================================ argmax =======================================================

    private record ArgVariant(String name, long[] shape, Layout layout, int axis, boolean keepdim, Gen gen) {
    }

    private static void argmax(Cases c, DType t) {
        Gen g = switch (t) {
            case I8 -> Gen.ints(-128, 127);
            case I32 -> Gen.ints(Integer.MIN_VALUE, Integer.MAX_VALUE);
            case I64 -> Gen.ints(-(1L << 53), 1L << 53);
            default -> Gen.uniform(-4, 4);
        };
        long[] random = Gen.shape(Case.shapeRandom(Cases.seed("argmax", t, "axis -1")), 1, 3, 400);
        List<ArgVariant> variants = List.of(
                new ArgVariant("axis -1", random, Layout.CONTIGUOUS, -1, false, g),
                new ArgVariant("axis 0 keepdim", new long[]{5, 4}, Layout.CONTIGUOUS, 0, true, g),
                new ArgVariant("middle axis", new long[]{3, 6, 4}, Layout.CONTIGUOUS, 1, false, g),
                new ArgVariant("transposed input", new long[]{5, 7}, Layout.TRANSPOSED, 1, false, g),
                new ArgVariant("strided input", new long[]{4, 9}, Layout.STRIDED, -1, true, g),
                new ArgVariant("size-1 axis", new long[]{4, 1}, Layout.CONTIGUOUS, 1, false, g),
                new ArgVariant("rank 0", new long[]{}, Layout.CONTIGUOUS, 0, false, g),
                new ArgVariant("ties take the first index", new long[]{6, 8}, Layout.CONTIGUOUS, -1, false, Gen.pick(0, 1, 2)),
                new ArgVariant("rows of 1000", new long[]{2, 1000}, Layout.CONTIGUOUS, -1, false, g));
        for (ArgVariant v : variants) {
            c.add("argmax", t, v.name, str(v.shape) + (v.layout == Layout.CONTIGUOUS ? "" : " " + v.layout.label)
                    + " axis " + v.axis + (v.keepdim ? " keepdim" : ""), h -> {
                Harness.In x = h.input(t, v.layout, v.gen, v.shape);
                Tensor out = h.keep(h.ops.argmax(x.t(), v.axis, v.keepdim));
                h.expectExact("argmax", out, DType.I64, Reference.argmax(x.v(), v.axis, v.keepdim));
            });
        }
        if (t.isFloatingPoint()) {
            c.add("argmax", t, "NaN counts as the maximum", "[3, 4] axis -1", h -> {
                double nan = Double.NaN;
                Harness.In x = h.values(t, new double[]{1, nan, 3, nan, 5, 2, 9, 1, -1, -2, nan, 7}, 3, 4);
                Tensor out = h.keep(h.ops.argmax(x.t(), -1, false));
                h.expectExact("argmax", out, DType.I64, Reference.argmax(x.v(), -1, false));
            });
        }
    }
}
