package io.xpu4j.conformance;

import io.xpu4j.api.DType;
import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.Tensor;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * cast: every one of the 81 dtype pairs with values the target can take, FP8 overflow with and
 * without saturation, rounding-once checks, layouts, and the values a cast must refuse.
 */
final class CastCases {
    private CastCases() {
    }

    private static final double NAN = Double.NaN;
    private static final double INF = Double.POSITIVE_INFINITY;
    private static final List<DType> FLOATS_WITH_SPECIALS = List.of(DType.F32, DType.F16, DType.BF16,
            DType.F8_E4M3, DType.F8_E5M2);

    static void addAll(Cases c) {
        for (DType src : DType.values()) {
            for (DType dst : DType.values()) {
                pair(c, src, dst);
            }
        }
        fp8Overflow(c);
        roundOnce(c);
        layouts(c);
        refused(c);
    }

    /** Largest magnitude a generated value may have so that the cast src → dst is valid. */
    private static double limit(DType t) {
        if (t == DType.BOOL) {
            return Double.POSITIVE_INFINITY;
        }
        if (t.isInteger()) {
            // the reference holds integers in doubles, exact up to 2^53
            return Math.min(Formats.intMax(t), 0x1p53);
        }
        return Formats.maxFinite(t);
    }

    /** One source value (already as src stores it) that casts validly to dst. */
    static double value(DType src, DType dst, SplittableRandom r) {
        if (src == DType.BOOL) {
            return r.nextBoolean() ? 1 : 0;
        }
        while (true) {
            double v;
            if (r.nextInt(8) == 0) {
                v = r.nextBoolean() ? 0.0 : -0.0;
            } else {
                double lim = Math.min(limit(src), limit(dst));
                double hiExp = Double.isInfinite(lim) ? 20 : Math.log(lim) / Math.log(2);
                // floats: from below the target's subnormals (to test underflow) up to the limit;
                // integer targets: from fractions (truncating to 0) up
                double loExp = src.isInteger() ? 0 : dst.isInteger() ? -3 : -30;
                double mag = Math.pow(2, loExp + (hiExp - loExp) * r.nextDouble());
                v = (r.nextBoolean() ? 1 : -1) * (src.isInteger() ? Math.floor(mag) : mag);
            }
            double stored = src.isInteger() ? v : Formats.round(v, src);
            try {
                double out = Reference.cast(stored, dst, false);
                if (Double.isFinite(out)) {
                    return v;
                }
            } catch (IllegalArgumentException e) {
                // rounding to the source's precision pushed it out of the target's range
            }
            // draw again
        }
    }

    private static void pair(Cases c, DType src, DType dst) {
        long[] shape = {3, 17};
        c.add("cast", src + "→" + dst, "values valid for the target", Gen.str(shape), h -> {
            double[] v = new double[51];
            for (int i = 0; i < v.length; i++) {
                v[i] = value(src, dst, h.rnd);
            }
            if (FLOATS_WITH_SPECIALS.contains(src) && FLOATS_WITH_SPECIALS.contains(dst)) {
                // NaN and infinities carry over between float formats (E4M3 has no Inf: NaN)
                System.arraycopy(new double[]{NAN, INF, -INF}, 0, v, 0, 3);
            } else if (src.isFloatingPoint() && dst == DType.BOOL) {
                System.arraycopy(new double[]{NAN, INF, -0.0}, 0, v, 0, 3); // all != 0 except -0.0
            }
            Harness.In x = h.values(src, v, shape);
            Tensor out = h.keep(h.ops.cast(x.t(), dst));
            h.expectExact("cast to " + dst, out, dst, Reference.cast(x.v(), dst, false));
        });
    }

    private static void fp8Overflow(Cases c) {
        double[] floats = {1.5, -3, 448, 464, -464, 465, 500, -1000, 57344, 61439, 61440, -70000, INF, -INF, NAN};
        double[] ints = {3, -3, 448, 464, 465, -1000, 57344, 61440, -100000};
        double[] e5m2 = {1.5, 448, 512, -512, 57344, INF, -INF, NAN};
        for (DType src : List.of(DType.F32, DType.F16, DType.BF16, DType.I32, DType.I64, DType.F8_E5M2)) {
            for (DType dst : List.of(DType.F8_E4M3, DType.F8_E5M2)) {
                if (src == dst) {
                    continue;
                }
                double[] v = src == DType.F8_E5M2 ? e5m2 : src.isInteger() ? ints : floats;
                for (boolean sat : new boolean[]{false, true}) {
                    c.add("cast", src + "→" + dst, "overflow " + (sat ? "saturating" : "non-saturating"),
                            Arrays.toString(v), h -> {
                                Harness.In x = h.values(src, v, v.length);
                                Tensor out = h.keep(h.ops.cast(x.t(), dst, sat));
                                h.expectExact("cast saturate=" + sat, out, dst, Reference.cast(x.v(), dst, sat));
                            });
                }
            }
        }
        c.add("cast", "F32→F16", "overflow to ±Inf", "", h -> {
            Harness.In x = h.values(DType.F32, new double[]{70000, -1e5, 65519, 65520, -65520}, 5);
            Tensor out = h.keep(h.ops.cast(x.t(), DType.F16));
            h.expectExact("cast", out, DType.F16, Reference.cast(x.v(), DType.F16, false));
        });
    }

    /** Integer → narrow float must round once from the exact integer, not via a float32 detour. */
    private static void roundOnce(Cases c) {
        double i32 = 0x1p30 + 0x1p22 + 1; // halfway + 1 for BF16; exactly halfway after rounding to F32
        double i64 = 0x1p50 + 0x1p42 + 1;
        Object[][] cases = {
                {DType.I32, DType.BF16, new double[]{i32, -i32, 0x1p24 + 0x1p16 + 1, 0x1p24 + 0x1p16}},
                {DType.I64, DType.BF16, new double[]{i64, -i64, i32, 0x1p24 + 0x1p16 + 1}},
                {DType.I64, DType.F32, new double[]{0x1p50 + 0x1p26 + 1, -(0x1p50 + 0x1p26 + 1), 0x1p50 + 0x1p26, 0x1p53 - 1}},
                {DType.I32, DType.F16, new double[]{2049, 2051, -2049, 65504, 65505}},
        };
        for (Object[] k : cases) {
            DType src = (DType) k[0];
            DType dst = (DType) k[1];
            double[] v = (double[]) k[2];
            c.add("cast", src + "→" + dst, "rounds once to nearest even", Arrays.toString(v), h -> {
                Harness.In x = h.values(src, v, v.length);
                Tensor out = h.keep(h.ops.cast(x.t(), dst));
                h.expectExact("cast", out, dst, Reference.cast(x.v(), dst, false));
            });
        }
        c.add("cast", "F32→I8", "truncation at the range ends", "", h -> {
            Harness.In x = h.values(DType.F32, new double[]{127.9, -128.9, 0.99, -0.99, -0.0, 5.5, -5.5}, 7);
            Tensor out = h.keep(h.ops.cast(x.t(), DType.I8));
            h.expectExact("cast", out, DType.I8, Reference.cast(x.v(), DType.I8, false));
        });
        c.add("cast", "F32→I32", "truncation at the range ends", "", h -> {
            Harness.In x = h.values(DType.F32, new double[]{2147483520.0, -2147483648.0, 16777217.0, -1.5}, 4);
            Tensor out = h.keep(h.ops.cast(x.t(), DType.I32));
            h.expectExact("cast", out, DType.I32, Reference.cast(x.v(), DType.I32, false));
        });
    }

    private static void layouts(Cases c) {
        Object[][] cases = {
                {DType.F32, DType.F16, Layout.TRANSPOSED, new long[]{5, 7}},
                {DType.I32, DType.F32, Layout.STRIDED, new long[]{4, 9}},
                {DType.BF16, DType.F32, Layout.EXPANDED, new long[]{4, 6}},
                {DType.F16, DType.I32, Layout.CONTIGUOUS, new long[]{}},
                {DType.F32, DType.BF16, Layout.CONTIGUOUS, new long[]{0, 5}},
                {DType.F32, DType.BF16, Layout.CONTIGUOUS, new long[]{37, 41}},
                {DType.F16, DType.F32, Layout.CONTIGUOUS, new long[]{37, 41}},
                {DType.F32, DType.F8_E4M3, Layout.TRANSPOSED, new long[]{33, 17}},
        };
        for (Object[] k : cases) {
            DType src = (DType) k[0];
            DType dst = (DType) k[1];
            Layout layout = (Layout) k[2];
            long[] shape = (long[]) k[3];
            c.add("cast", src + "→" + dst, layout.label, Gen.str(shape), h -> {
                Harness.In x = h.input(src, layout, r -> value(src, dst, r), shape);
                Tensor out = h.keep(h.ops.cast(x.t(), dst));
                h.expectExact("cast", out, dst, Reference.cast(x.v(), dst, false));
            });
        }
    }

    /** Values a cast must refuse with INVALID_ARGUMENT (docs/ops.md): NaN, ±Inf, out of range. */
    private static void refused(Cases c) {
        Object[][] cases = {
                {DType.F32, DType.I32, NAN},
                {DType.F32, DType.I64, INF},
                {DType.F32, DType.I32, 3e9},
                {DType.F32, DType.I8, -129.5},
                {DType.F16, DType.I8, NAN},
                {DType.BF16, DType.I64, 1e19},
                {DType.I32, DType.I8, 300.0},
                {DType.I64, DType.I32, 0x1p40},
                {DType.I64, DType.I32, -0x1p31 - 1},
        };
        for (Object[] k : cases) {
            DType src = (DType) k[0];
            DType dst = (DType) k[1];
            double bad = (Double) k[2];
            c.add("cast", src + "→" + dst, "refuses " + bad, "", h -> {
                Harness.In x = h.values(src, new double[]{1, bad, 2}, 3);
                h.expectError("cast of " + bad, ErrorCode.INVALID_ARGUMENT, () -> h.ops.cast(x.t(), dst));
            });
        }
    }
}
