package io.xpu4j.conformance;

import io.xpu4j.api.DType;
import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.RopeLayout;
import io.xpu4j.api.Tensor;

import java.util.Arrays;
import java.util.List;

import static io.xpu4j.conformance.Gen.str;

/** softmax, log_softmax, layer_norm, rms_norm, embedding, rope, attention. */
final class NnCases {
    private NnCases() {
    }

    private static final double NEG_INF = Double.NEGATIVE_INFINITY;

    static void addAll(Cases c) {
        for (String op : List.of("softmax", "log_softmax")) {
            for (DType t : Cases.FLOAT) {
                softmax(c, op, t);
            }
        }
        for (DType t : Cases.FLOAT) {
            layerNorm(c, t);
        }
        for (DType t : Cases.FLOAT) {
            rmsNorm(c, t);
        }
        for (DType t : Cases.ALL) {
            embedding(c, t);
        }
        for (DType t : Cases.FLOAT) {
            for (RopeLayout l : RopeLayout.values()) {
                rope(c, t, l);
            }
        }
        for (DType t : Cases.FLOAT) {
            attention(c, t);
        }
    }

    // ================================ softmax ======================================================

    private record Sm(String name, long[] shape, Layout layout, int axis, Gen gen) {
    }

    private static void softmax(Cases c, String op, DType t) {
        Gen g = Gen.uniform(-5, 5);
        List<Sm> variants = List.of(
                new Sm("axis -1", new long[]{4, 7}, Layout.CONTIGUOUS, -1, g),
                new Sm("axis 1 of 3", new long[]{3, 4, 5}, Layout.CONTIGUOUS, 1, g),
                new Sm("axis 0", new long[]{6, 5}, Layout.CONTIGUOUS, 0, g),
                new Sm("axis -3", new long[]{3, 2, 4}, Layout.CONTIGUOUS, -3, g),
                new Sm("length-1 axis", new long[]{5, 1}, Layout.CONTIGUOUS, -1, g),
                new Sm("rank 0", new long[]{}, Layout.CONTIGUOUS, 0, g),
                new Sm("transposed input", new long[]{5, 9}, Layout.TRANSPOSED, -1, g),
                new Sm("large logits (needs the max subtracted)", new long[]{3, 17}, Layout.CONTIGUOUS, -1, Gen.uniform(-100, 100)),
                new Sm("with -inf (masked) entries", new long[]{4, 6}, Layout.CONTIGUOUS, -1,
                        r -> r.nextInt(3) == 0 ? NEG_INF : -5 + 10 * r.nextDouble()),
                new Sm("empty", new long[]{0, 5}, Layout.CONTIGUOUS, -1, g),
                new Sm("rows of 1000", new long[]{2, 1000}, Layout.CONTIGUOUS, -1, g),
                new Sm("rows of 2100 (several sum blocks and a tail)", new long[]{2, 2100}, Layout.CONTIGUOUS, -1,
                        Gen.uniform(-100, 100)));
        for (Sm v : variants) {
            c.add(op, t, v.name, str(v.shape) + (v.layout == Layout.CONTIGUOUS ? "" : " " + v.layout.label) + " axis " + v.axis, h -> {
                Harness.In x = h.input(t, v.layout, v.gen, v.shape);
                if (v.name.startsWith("with -inf")) {
                    x = ensureFiniteInEveryRow(h, t, x);
                }
                boolean soft = op.equals("softmax");
                Tensor out = h.keep(soft ? h.ops.softmax(x.t(), v.axis) : h.ops.logSoftmax(x.t(), v.axis));
                h.expect(op, out, t, soft ? NnReference.softmax(x.v(), v.axis) : NnReference.logSoftmax(x.v(), v.axis),
                        soft ? Tolerance.softmax(t) : Tolerance.logSoftmax(t));
            });
        }
    }

    /** A row of only -inf has no defined softmax; give such rows one finite entry. */
    private static Harness.In ensureFiniteInEveryRow(Harness h, DType t, Harness.In x) {
        double[] v = x.v().data().clone();
        int d = (int) x.v().dim(-1);
        for (int r = 0; r * d < v.length; r++) {
            boolean any = false;
            for (int i = 0; i < d; i++) {
                any |= v[r * d + i] != NEG_INF;
            }
            if (!any) {
                v[r * d] = 0.5;
            }
        }
        return h.values(t, v, x.v().shape());
    }

    // ================================ norms ========================================================

    private static void layerNorm(Cases c, DType t) {
        // a mean offset and a spread other than 1, so both centring and scaling matter
        Gen g = Gen.uniform(-1.5, 2.5);
        Object[][] variants = {
                {"weight and bias", new long[]{4, 16}, Layout.CONTIGUOUS, true, true},
                {"no weight, no bias", new long[]{4, 16}, Layout.CONTIGUOUS, false, false},
                {"weight only", new long[]{3, 8}, Layout.CONTIGUOUS, true, false},
                {"bias only", new long[]{3, 8}, Layout.CONTIGUOUS, false, true},
                {"rank 3", new long[]{2, 3, 64}, Layout.CONTIGUOUS, true, true},
                {"rank 1", new long[]{7}, Layout.CONTIGUOUS, true, true},
                {"D=1", new long[]{5, 1}, Layout.CONTIGUOUS, true, true},
                {"transposed input", new long[]{6, 10}, Layout.TRANSPOSED, true, true},
                {"empty", new long[]{0, 8}, Layout.CONTIGUOUS, true, true},
                {"rows of 1000", new long[]{2, 1000}, Layout.CONTIGUOUS, true, true},
                {"rows of 2100, weight only", new long[]{2, 2100}, Layout.CONTIGUOUS, true, false},
        };
        double eps = 1e-5;
        for (Object[] v : variants) {
            long[] shape = (long[]) v[1];
            Layout layout = (Layout) v[2];
            boolean hasW = (Boolean) v[3];
            boolean hasB = (Boolean) v[4];
            long d = shape[shape.length - 1];
            c.add("layer_norm", t, (String) v[0], str(shape) + (layout == Layout.CONTIGUOUS ? "" : " " + layout.label)
                    + " eps " + eps, h -> {
                Harness.In x = h.input(t, layout, g, shape);
                Harness.In w = hasW ? h.input(t, Gen.uniform(0.5, 1.5), d) : null;
                Harness.In b = hasB ? h.input(t, Gen.uniform(-1, 1), d) : null;
                Tensor out = h.keep(h.ops.layerNorm(x.t(), w == null ? null : w.t(), b == null ? null : b.t(), eps));
                h.expect("layer_norm", out, t, NnReference.layerNorm(x.v(), w == null ? null : w.v(),
                        b == null ? null : b.v(), eps), Tolerance.norm(t));
            });
        }
    }

    private static void rmsNorm(Cases c, DType t) {
        Gen g = Gen.uniform(-2, 2);
        Object[][] variants = {
                {"rank 2", new long[]{4, 16}, Layout.CONTIGUOUS, g},
                {"rank 3", new long[]{2, 3, 64}, Layout.CONTIGUOUS, g},
                {"rank 1", new long[]{7}, Layout.CONTIGUOUS, g},
                {"D=1", new long[]{3, 1}, Layout.CONTIGUOUS, g},
                {"transposed input", new long[]{6, 10}, Layout.TRANSPOSED, g},
                {"all-zero rows", new long[]{2, 8}, Layout.CONTIGUOUS, Gen.pick(0)},
                {"empty", new long[]{0, 8}, Layout.CONTIGUOUS, g},
                {"rows of 1000", new long[]{2, 1000}, Layout.CONTIGUOUS, g},
                {"rows of 2100", new long[]{2, 2100}, Layout.CONTIGUOUS, g},
        };
        double eps = 1e-6;
        for (Object[] v : variants) {
            long[] shape = (long[]) v[1];
            Layout layout = (Layout) v[2];
            Gen gen = (Gen) v[3];
            long d = shape[shape.length - 1];
            c.add("rms_norm", t, (String) v[0], str(shape) + (layout == Layout.CONTIGUOUS ? "" : " " + layout.label)
                    + " eps " + eps, h -> {
                Harness.In x = h.input(t, layout, gen, shape);
                Harness.In w = h.input(t, Gen.uniform(0.5, 1.5), d);
                Tensor out = h.keep(h.ops.rmsNorm(x.t(), w.t(), eps));
                h.expect("rms_norm", out, t, NnReference.rmsNorm(x.v(), w.v(), eps), Tolerance.norm(t));
            });
        }
    }

    // ================================ embedding ====================================================

    private static void embedding(Cases c, DType t) {
        Gen g = Gen.forDType(t);
        long vocab = 10;
        long dim = 6;
        for (DType idType : List.of(DType.I32, DType.I64)) {
            Object[][] variants = {
                    {"ids [5]", new long[]{5}, Layout.CONTIGUOUS, Layout.CONTIGUOUS},
                    {"ids [2, 3]", new long[]{2, 3}, Layout.CONTIGUOUS, Layout.CONTIGUOUS},
                    {"rank-0 id", new long[]{}, Layout.CONTIGUOUS, Layout.CONTIGUOUS},
                    {"no ids", new long[]{0}, Layout.CONTIGUOUS, Layout.CONTIGUOUS},
                    {"transposed weight, strided ids", new long[]{2, 4}, Layout.TRANSPOSED, Layout.STRIDED},
            };
            for (Object[] v : variants) {
                long[] ids = (long[]) v[1];
                Layout wl = (Layout) v[2];
                Layout il = (Layout) v[3];
                c.add("embedding", t + " ids " + idType, (String) v[0], "weight [" + vocab + ", " + dim + "]"
                        + (wl == Layout.CONTIGUOUS ? "" : " " + wl.label), h -> {
                    Harness.In w = h.input(t, wl, g, vocab, dim);
                    Harness.In i = h.input(idType, il, Gen.ints(0, vocab - 1), ids);
                    Tensor out = h.keep(h.ops.embedding(w.t(), i.t()));
                    h.expectExact("embedding", out, t, NnReference.embedding(w.v(), i.v()));
                });
            }
            for (long bad : new long[]{-1, vocab}) {
                c.add("embedding", t + " ids " + idType, "id " + bad + " is an error", "vocab " + vocab, h -> {
                    Harness.In w = h.input(t, g, vocab, dim);
                    Harness.In i = h.values(idType, new double[]{0, bad, 3}, 3);
                    h.expectError("embedding of id " + bad, ErrorCode.INVALID_ARGUMENT, () -> h.ops.embedding(w.t(), i.t()));
                });
            }
        }
    }

    // ================================ rope =========================================================

    private static void rope(Cases c, DType t, RopeLayout layout) {
        boolean inter = layout == RopeLayout.INTERLEAVED;
        String l = layout.name().toLowerCase();
        Object[][] variants = {
                // name, x shape, table start position, random (non-unit) tables, x layout
                {"[S, D] tables from position 0", new long[]{5, 8}, 0L, false, Layout.CONTIGUOUS},
                {"[B, H, S, D] from position 7", new long[]{2, 3, 5, 16}, 7L, false, Layout.CONTIGUOUS},
                {"D=2", new long[]{4, 2}, 3L, false, Layout.CONTIGUOUS},
                {"S=1 (decode)", new long[]{1, 2, 1, 64}, 100L, false, Layout.CONTIGUOUS},
                {"random tables", new long[]{3, 6, 10}, 0L, true, Layout.CONTIGUOUS},
                {"transposed input", new long[]{2, 6, 8}, 1L, false, Layout.TRANSPOSED},
                {"empty", new long[]{0, 4, 8}, 0L, false, Layout.CONTIGUOUS},
        };
        for (Object[] v : variants) {
            long[] shape = (long[]) v[1];
            long start = (Long) v[2];
            boolean randomTables = (Boolean) v[3];
            Layout xl = (Layout) v[4];
            int d = (int) shape[shape.length - 1];
            long s = shape[shape.length - 2];
            c.add("rope", t, l + " " + v[0], str(shape) + (xl == Layout.CONTIGUOUS ? "" : " " + xl.label), h -> {
                Harness.In x = h.input(t, xl, Gen.uniform(-2, 2), shape);
                Harness.In cos;
                Harness.In sin;
                if (randomTables) {
                    cos = h.input(DType.F32, Gen.uniform(-1, 1), s, d / 2);
                    sin = h.input(DType.F32, Gen.uniform(-1, 1), s, d / 2);
                } else {
                    Tensor[] tab = h.ops.ropeTables(start, s, d, 10000);
                    h.keep(tab[0]);
                    h.keep(tab[1]);
                    cos = new Harness.In(tab[0], h.read(tab[0]));
                    sin = new Harness.In(tab[1], h.read(tab[1]));
                }
                Tensor out = h.keep(h.ops.rope(x.t(), cos.t(), sin.t(), layout));
                h.expect("rope", out, t, NnReference.rope(x.v(), cos.v(), sin.v(), inter), Tolerance.rope(t));
            });
        }
    }

    // ================================ attention ====================================================

    private record Att(String name, int b, int hq, int hkv, int sq, int sk, int d, int dv, boolean causal,
                       double scale, long[] mask, boolean qTransposed) {
    }

    private static void attention(Cases c, DType t) {
        double dflt = Double.NaN;
        List<Att> variants = List.of(
                new Att("causal Sq=Sk", 1, 2, 2, 5, 5, 8, 8, true, dflt, null, false),
                new Att("non-causal, Dv≠D", 2, 2, 2, 4, 6, 8, 5, false, dflt, null, false),
                new Att("decode Sq=1<Sk causal", 2, 2, 2, 1, 9, 16, 16, true, dflt, null, false),
                new Att("chunk Sq=3<Sk=7 causal", 1, 2, 2, 3, 7, 8, 8, true, dflt, null, false),
                new Att("causal Sq>Sk: early rows see nothing (0)", 1, 1, 1, 4, 2, 4, 4, true, dflt, null, false),
                new Att("additive mask [Sq, Sk] broadcast", 2, 2, 2, 4, 6, 8, 8, false, dflt, new long[]{4, 6}, false),
                new Att("mask [B, 1, Sq, Sk] with causal", 2, 2, 2, 5, 5, 8, 8, true, dflt, new long[]{2, 1, 5, 5}, false),
                new Att("fully masked row gives 0", 1, 2, 2, 3, 4, 8, 8, false, dflt, new long[]{1, 1, 3, 4}, false),
                new Att("GQA Hq=4 Hkv=2 causal", 1, 4, 2, 6, 6, 8, 8, true, dflt, null, false),
                new Att("MQA Hq=6 Hkv=1 decode", 2, 6, 1, 1, 7, 8, 8, true, dflt, null, false),
                new Att("explicit scale 0.3", 1, 2, 2, 4, 4, 8, 8, false, 0.3, null, false),
                new Att("q as a transposed view [B, S, H, D]", 1, 4, 2, 5, 5, 8, 8, true, dflt, null, true),
                new Att("Sk=0: no keys gives 0", 1, 1, 1, 2, 0, 4, 3, false, dflt, null, false),
                new Att("larger: S=32, D=64, GQA", 1, 4, 2, 32, 32, 64, 64, true, dflt, null, false));
        for (Att a : variants) {
            String detail = "B=" + a.b + " Hq=" + a.hq + " Hkv=" + a.hkv + " Sq=" + a.sq + " Sk=" + a.sk + " D=" + a.d
                    + " Dv=" + a.dv + (a.causal ? " causal" : "") + (a.mask == null ? "" : " mask " + Arrays.toString(a.mask));
            c.add("attention", t, a.name, detail, h -> {
                Harness.In q;
                if (a.qTransposed) {
                    // models produce q as [B, S, H, D] and view it as [B, H, S, D]
                    Harness.In base = h.input(t, Gen.uniform(-1, 1), a.b, a.sq, a.hq, a.d);
                    Tensor view = h.keep(base.t().transpose(1, 2));
                    q = new Harness.In(view, permute0213(base.v()));
                } else {
                    q = h.input(t, Gen.uniform(-1, 1), a.b, a.hq, a.sq, a.d);
                }
                Harness.In k = h.input(t, Gen.uniform(-1, 1), a.b, a.hkv, a.sk, a.d);
                Harness.In v = h.input(t, Gen.uniform(-1, 1), a.b, a.hkv, a.sk, a.dv);
                Harness.In m = null;
                if (a.mask != null) {
                    boolean fullRow = a.name.startsWith("fully masked");
                    Gen mg = r -> r.nextInt(4) == 0 ? NEG_INF : -2 * r.nextDouble();
                    m = h.input(t, mg, a.mask);
                    if (fullRow) {
                        // row 1 entirely -inf, the others entirely finite
                        double[] mv = new double[(int) Nd.numel(a.mask)];
                        for (int i = 0; i < mv.length; i++) {
                            mv[i] = i / a.sk == 1 ? NEG_INF : -h.rnd.nextDouble();
                        }
                        m = h.values(t, mv, a.mask);
                    }
                }
                Tensor out = h.keep(h.ops.scaledDotProductAttention(q.t(), k.t(), v.t(), m == null ? null : m.t(),
                        a.causal, a.scale));
                double sc = Double.isNaN(a.scale) ? 1 / Math.sqrt(a.d) : a.scale;
                h.expect("attention", out, t, NnReference.attention(q.v(), k.v(), v.v(), m == null ? null : m.v(),
                        a.causal, sc), Tolerance.attention(t));
            });
        }
    }

    /** [B, S, H, D] values seen as [B, H, S, D]. */
    private static Nd permute0213(Nd x) {
        long b = x.dim(0);
        long s = x.dim(1);
        long hh = x.dim(2);
        long d = x.dim(3);
        double[] out = new double[x.size()];
        int o = 0;
        for (long i = 0; i < b; i++) {
            for (long j = 0; j < hh; j++) {
                for (long k = 0; k < s; k++) {
                    for (long l = 0; l < d; l++) {
                        out[o++] = x.get(i, k, j, l);
                    }
                }
            }
        }
        return Nd.of(out, b, hh, s, d);
    }
}
