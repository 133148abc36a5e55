package io.xpu4j.conformance;

import io.xpu4j.api.DType;
import io.xpu4j.api.Tensor;

import java.util.ArrayList;
import java.util.List;

import static io.xpu4j.conformance.Gen.str;

/** fill (full, zeros, ones, scalar), arange, copy (copy, contiguous, copyInto) and concat. */
final class CreationCases {
    private CreationCases() {
    }

    static void addAll(Cases c) {
        for (DType t : Cases.ALL) {
            fill(c, t);
        }
        arange(c);
        for (DType t : Cases.ALL) {
            copy(c, t);
        }
        for (DType t : Cases.ALL) {
            concat(c, t);
        }
    }

    // ================================ fill =========================================================

    private static void fill(Cases c, DType t) {
        // a value that needs rounding where the dtype is a float, and an extreme one for integers
        double v = switch (t) {
            case F32, F16, BF16, F8_E4M3, F8_E5M2 -> -1.0 / 3;
            case I8 -> -128;
            case I32 -> Integer.MIN_VALUE;
            case I64 -> -(1L << 53);
            case BOOL -> 1;
        };
        for (long[] shape : List.of(new long[]{2, 3}, new long[]{}, new long[]{0, 4}, new long[]{1000})) {
            c.add("fill", t, "full " + v, str(shape), h -> {
                Tensor out = h.keep(h.ops.full(t, v, shape));
                h.expectExact("full", out, t, Reference.fill(t, v, shape));
            });
        }
        c.add("fill", t, "zeros, ones", "[3, 5]", h -> {
            h.expectExact("zeros", h.keep(h.ops.zeros(t, 3, 5)), t, Reference.fill(t, 0, 3, 5));
            h.expectExact("ones", h.keep(h.ops.ones(t, 3, 5)), t, Reference.fill(t, 1, 3, 5));
        });
        double s = t.isFloat8() ? 300 : t.isFloatingPoint() ? 65519 : t == DType.BOOL ? 1 : 127;
        c.add("fill", t, "scalar " + s, "rank 0", h ->
                h.expectExact("scalar", h.keep(h.ops.scalar(t, s)), t, Reference.fill(t, s)));
    }

    // ================================ arange =======================================================

    private record Range(double start, double end, double step, DType t) {
    }

    private static void arange(Cases c) {
        c.add("arange", DType.I64, "arange(n)", "n = 10", h ->
                h.expectExact("arange", h.keep(h.ops.arange(10)), DType.I64, Reference.arange(0, 10, 1, DType.I64)));
        List<Range> ranges = List.of(
                new Range(2.5, -1, -0.5, DType.F32),
                new Range(0, 1, 0.1, DType.F16),
                new Range(1, 2, 0.0625, DType.BF16),
                new Range(-3, 4, 2, DType.I32),
                new Range(-100, 100, 7, DType.I8),
                new Range(0, 0, 1, DType.F32),
                new Range(0, 3, 0.5, DType.F8_E4M3));
        for (Range r : ranges) {
            c.add("arange", r.t, "range", r.start + " to " + r.end + " step " + r.step, h ->
                    h.expectExact("arange", h.keep(h.ops.arange(r.start, r.end, r.step, r.t)), r.t,
                            Reference.arange(r.start, r.end, r.step, r.t)));
        }
    }

    // ================================ copy =========================================================

    private static void copy(Cases c, DType t) {
        Gen g = Gen.forDType(t);
        long[] random = Gen.shape(Case.shapeRandom(Cases.seed("copy", t, "contiguous")), 1, 4, 400);
        Object[][] variants = {
                {"contiguous", Layout.CONTIGUOUS, random},
                {"transposed", Layout.TRANSPOSED, new long[]{3, 5, 7}},
                {"strided", Layout.STRIDED, new long[]{4, 9}},
                {"expanded", Layout.EXPANDED, new long[]{4, 6}},
                {"rank 0", Layout.CONTIGUOUS, new long[]{}},
                {"empty", Layout.TRANSPOSED, new long[]{3, 0}},
                {"large transposed", Layout.TRANSPOSED, new long[]{45, 67}},
        };
        for (Object[] v : variants) {
            Layout layout = (Layout) v[1];
            long[] shape = (long[]) v[2];
            c.add("copy", t, (String) v[0], str(shape), h -> {
                Harness.In x = h.input(t, layout, g, shape);
                Tensor out = h.keep(h.ops.copy(x.t()));
                h.expectExact("copy", out, t, x.v());
                Tensor cont = h.keep(h.ops.contiguous(x.t()));
                if (!cont.isContiguous()) {
                    throw new AssertionError("contiguous() returned a non-contiguous " + cont.describe());
                }
                h.expectExact("contiguous", cont, t, x.v());
            });
        }
        c.add("copy", t, "copyInto strided destination", "[3, 4] into every other column of [3, 9]", h -> {
            Harness.In base = h.input(t, g, 3, 9);
            Harness.In src = h.input(t, Layout.TRANSPOSED, g, 3, 4);
            try (Tensor dst = base.t().slice(1, 1, 9, 2)) {
                h.ops.copyInto(dst, src.t());
            }
            double[] want = base.v().data().clone();
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 4; j++) {
                    want[i * 9 + 1 + 2 * j] = src.v().data()[i * 4 + j];
                }
            }
            h.expectExact("destination after copyInto (untouched elements must keep their values)", base.t(), t,
                    Nd.of(want, 3, 9));
        });
        c.add("copy", t, "copyInto with broadcast source", "[1, 4] into rows 1..2 of [4, 4]", h -> {
            Harness.In base = h.input(t, g, 4, 4);
            Harness.In src = h.input(t, g, 1, 4);
            try (Tensor dst = base.t().slice(0, 1, 3)) {
                h.ops.copyInto(dst, src.t());
            }
            double[] want = base.v().data().clone();
            for (int i = 1; i < 3; i++) {
                System.arraycopy(src.v().data(), 0, want, i * 4, 4);
            }
            h.expectExact("destination after copyInto", base.t(), t, Nd.of(want, 4, 4));
        });
    }

    // ================================ concat =======================================================

    private static void concat(Cases c, DType t) {
        Gen g = Gen.forDType(t);
        Object[][] variants = {
                {"axis 0", 0, new long[][]{{2, 3}, {4, 3}}, Layout.CONTIGUOUS},
                {"axis -1 with an empty part", -1, new long[][]{{2, 3, 1}, {2, 3, 0}, {2, 3, 5}}, Layout.CONTIGUOUS},
                {"axis 1 transposed parts", 1, new long[][]{{4, 5}, {4, 2}}, Layout.TRANSPOSED},
                {"single part", 0, new long[][]{{3}}, Layout.STRIDED},
        };
        for (Object[] v : variants) {
            int axis = (Integer) v[1];
            long[][] shapes = (long[][]) v[2];
            Layout layout = (Layout) v[3];
            StringBuilder d = new StringBuilder();
            for (long[] s : shapes) {
                d.append(d.length() == 0 ? "" : " + ").append(str(s));
            }
            c.add("concat", t, (String) v[0], d.toString(), h -> {
                List<Tensor> parts = new ArrayList<>();
                List<Nd> refs = new ArrayList<>();
                for (long[] s : shapes) {
                    Harness.In x = h.input(t, layout, g, s);
                    parts.add(x.t());
                    refs.add(x.v());
                }
                Tensor out = h.keep(h.ops.concat(parts, axis));
                h.expectExact("concat", out, t, NnReference.concat(refs, axis));
            });
        }
    }
}
