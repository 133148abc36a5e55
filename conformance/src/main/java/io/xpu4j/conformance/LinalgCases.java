package io.xpu4j.conformance;

import io.xpu4j.api.DType;
import io.xpu4j.api.Tensor;

import java.util.List;

import static io.xpu4j.conformance.Gen.str;

/** matmul (shapes, transposes, batch broadcast, 1-D operands, K = 0) and linear. */
final class LinalgCases {
    private LinalgCases() {
    }

    private record Mm(String name, long[] a, Layout la, long[] b, Layout lb, boolean ta, boolean tb) {
        Mm(String name, long[] a, long[] b) {
            this(name, a, Layout.CONTIGUOUS, b, Layout.CONTIGUOUS, false, false);
        }
    }

    private static final List<Mm> MATMULS = List.of(
            new Mm("1×1·1×1", new long[]{1, 1}, new long[]{1, 1}),
            new Mm("small", new long[]{5, 7}, new long[]{7, 3}),
            new Mm("M=1 (vector-matrix row)", new long[]{1, 33}, new long[]{33, 20}),
            new Mm("N=1", new long[]{9, 20}, new long[]{20, 1}),
            new Mm("K=1", new long[]{6, 1}, new long[]{1, 9}),
            new Mm("K=70, not a multiple of 16", new long[]{17, 70}, new long[]{70, 19}),
            new Mm("K=64", new long[]{16, 64}, new long[]{64, 16}),
            new Mm("transposeA flag", new long[]{7, 5}, Layout.CONTIGUOUS, new long[]{7, 3}, Layout.CONTIGUOUS, true, false),
            new Mm("transposeB flag", new long[]{5, 7}, Layout.CONTIGUOUS, new long[]{3, 7}, Layout.CONTIGUOUS, false, true),
            new Mm("both transpose flags", new long[]{19, 6}, Layout.CONTIGUOUS, new long[]{11, 19}, Layout.CONTIGUOUS, true, true),
            new Mm("transposed views", new long[]{6, 19}, Layout.TRANSPOSED, new long[]{19, 11}, Layout.TRANSPOSED, false, false),
            new Mm("strided views", new long[]{6, 8}, Layout.STRIDED, new long[]{8, 5}, Layout.STRIDED, false, false),
            new Mm("batched", new long[]{2, 3, 4, 5}, new long[]{2, 3, 5, 6}),
            new Mm("batch broadcast: b 2-D", new long[]{2, 3, 4, 5}, new long[]{5, 6}),
            new Mm("batch broadcast: size-1 batch dims", new long[]{2, 1, 4, 5}, new long[]{1, 3, 5, 6}),
            new Mm("batch broadcast: expanded view", new long[]{3, 4, 5}, Layout.EXPANDED, new long[]{3, 5, 2}, Layout.CONTIGUOUS, false, false),
            new Mm("batched with transposeB", new long[]{2, 4, 8}, Layout.CONTIGUOUS, new long[]{2, 6, 8}, Layout.CONTIGUOUS, false, true),
            new Mm("1-D a", new long[]{7}, new long[]{7, 4}),
            new Mm("1-D b", new long[]{4, 7}, new long[]{7}),
            new Mm("1-D both (dot)", new long[]{13}, new long[]{13}),
            new Mm("batched a, 1-D b", new long[]{2, 3, 7}, new long[]{7}),
            new Mm("1-D a, batched b", new long[]{7}, new long[]{2, 7, 4}),
            new Mm("K=0 gives zeros", new long[]{3, 0}, new long[]{0, 4}),
            new Mm("M=0 (empty)", new long[]{0, 5}, new long[]{5, 4}),
            new Mm("large 130×70×90", new long[]{130, 70}, new long[]{70, 90}),
            new Mm("large transposeB 64×256×48", new long[]{64, 256}, Layout.CONTIGUOUS, new long[]{48, 256}, Layout.CONTIGUOUS, false, true),
            // more rows than one packed block of A, wider than one packed panel of B, K longer
            // than a slice and not a multiple of it: A packed once for both panels, slice by
            // slice, the second block of rows starting inside each slice, the last slice short
            new Mm("blocked: two blocks of rows, two panels of B, uneven K slices", new long[]{200, 1100},
                    new long[]{1100, 400}));

    static void addAll(Cases c) {
        for (DType t : Cases.FLOAT) {
            for (Mm m : MATMULS) {
                long k = m.a.length == 1 ? m.a[0] : m.ta ? m.a[m.a.length - 2] : m.a[m.a.length - 1];
                String detail = str(m.a) + (m.ta ? "ᵀ" : "") + (m.la == Layout.CONTIGUOUS ? "" : " " + m.la.label)
                        + " · " + str(m.b) + (m.tb ? "ᵀ" : "") + (m.lb == Layout.CONTIGUOUS ? "" : " " + m.lb.label);
                c.add("matmul", t, m.name, detail, h -> {
                    Harness.In a = h.input(t, m.la, Gen.uniform(-1, 1), m.a);
                    Harness.In b = h.input(t, m.lb, Gen.uniform(-1, 1), m.b);
                    Tensor out = h.keep(h.ops.matmul(a.t(), b.t(), m.ta, m.tb));
                    h.expect("matmul", out, t, NnReference.matmul(a.v(), b.v(), m.ta, m.tb), Tolerance.accumulate(t, k));
                });
            }
            linear(c, t);
        }
    }

    private static void linear(Cases c, DType t) {
        Object[][] variants = {
                {"with bias", new long[]{2, 3, 8}, Layout.CONTIGUOUS, 5L, true},
                {"no bias", new long[]{4, 33}, Layout.CONTIGUOUS, 20L, false},
                {"1-D input", new long[]{8}, Layout.CONTIGUOUS, 4L, true},
                {"transposed input", new long[]{6, 12}, Layout.TRANSPOSED, 7L, true},
                // a few rows against many weight rows (decoding a small batch): every number of
                // vectors along M, padded lanes, weight rows left over after whole tiles, K odd
                {"1 row, K=37", new long[]{1, 37}, Layout.CONTIGUOUS, 10L, false},
                // one row of x against groups of six weight rows and four left over, K with a
                // scalar tail after its whole vectors at every vector width
                {"1 row, 70 outputs, K=1030", new long[]{1, 1030}, Layout.CONTIGUOUS, 70L, true},
                {"2 rows, 13 outputs, K=517", new long[]{2, 517}, Layout.CONTIGUOUS, 13L, false},
                {"3 rows, K=70", new long[]{3, 70}, Layout.CONTIGUOUS, 13L, true},
                {"5 rows, K=37", new long[]{5, 37}, Layout.CONTIGUOUS, 21L, true},
                {"8 rows, 29 outputs", new long[]{8, 70}, Layout.CONTIGUOUS, 29L, false},
                {"6 rows, K=1100", new long[]{6, 1100}, Layout.CONTIGUOUS, 15L, true},
                {"13 rows in a batch", new long[]{1, 13, 41}, Layout.CONTIGUOUS, 11L, true},
                // K of one 16-lane vector: the broadcast tiles' loop runs K - 1 steps, then the last
                {"16 rows, 24 outputs, K=16", new long[]{16, 16}, Layout.CONTIGUOUS, 24L, false},
                {"20 rows, K=129", new long[]{20, 129}, Layout.CONTIGUOUS, 10L, false},
                {"32 rows, 9 outputs", new long[]{32, 65}, Layout.CONTIGUOUS, 9L, true},
        };
        for (Object[] v : variants) {
            long[] xs = (long[]) v[1];
            Layout layout = (Layout) v[2];
            long out = (Long) v[3];
            boolean hasBias = (Boolean) v[4];
            long in = xs[xs.length - 1];
            c.add("linear", t, (String) v[0], "x " + str(xs) + (layout == Layout.CONTIGUOUS ? "" : " " + layout.label)
                    + ", w [" + out + ", " + in + "]" + (hasBias ? ", bias [" + out + "]" : ""), h -> {
                Harness.In x = h.input(t, layout, Gen.uniform(-1, 1), xs);
                Harness.In w = h.input(t, Gen.uniform(-1, 1), out, in);
                Harness.In b = hasBias ? h.input(t, Gen.uniform(-1, 1), out) : null;
                Tensor y = h.keep(h.ops.linear(x.t(), w.t(), b == null ? null : b.t()));
                h.expect("linear", y, t, NnReference.linear(x.v(), w.v(), b == null ? null : b.v()), Tolerance.linear(t, in));
            });
        }
    }
}
