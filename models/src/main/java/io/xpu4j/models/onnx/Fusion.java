package io.xpu4j.models.onnx;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * Finds the decomposed forms that exporters write for LayerNorm, GELU and attention and replaces
 * each with one fused step that runs as {@code ops.layerNorm}, {@code ops.gelu} or
 * {@code ops.scaledDotProductAttention}:
 * <ul>
 *   <li>LayerNorm: ReduceMean(x) → Sub → Pow 2 → ReduceMean → Add ε → Sqrt → Div [→ Mul γ [→ Add β]]</li>
 *   <li>GELU: Div by √2 (or Mul by 1/√2) → Erf → Add 1 → Mul x → Mul 0.5, in any of the three
 *       orders the multiplications appear in</li>
 *   <li>attention: MatMul(q, kᵀ) [→ Div or Mul by a constant] [→ Add mask] → Softmax → MatMul v</li>
 * </ul>
 * A value inside a pattern must have no reader outside it and must not be a graph output, so the
 * replaced nodes' results are not needed by anything else.
 */
final class Fusion {
    record Result(List<Step> steps, Map<String, Integer> counts) {
    }

    private final List<Step> steps;
    private final int[] producer;
    private final List<List<Integer>> consumers;
    private final boolean[] graphOutput;
    private final IntFunction<Double> scalar;
    private final boolean[] taken;
    private final Step[] replacement;
    private final Map<String, Integer> counts = new HashMap<>();

    private Fusion(List<Step> steps, int values, boolean[] graphOutput, IntFunction<Double> scalar) {
        this.steps = steps;
        this.graphOutput = graphOutput;
        this.scalar = scalar;
        this.producer = new int[values];
        Arrays.fill(producer, -1);
        this.consumers = new ArrayList<>(values);
        for (int i = 0; i < values; i++) {
            consumers.add(new ArrayList<>(2));
        }
        for (int i = 0; i < steps.size(); i++) {
            Step s = steps.get(i);
            for (int id : s.in) {
                if (id != Step.NONE) {
                    consumers.get(id).add(i);
                }
            }
            for (int id : s.out) {
                if (id != Step.NONE) {
                    producer[id] = i;
                }
            }
        }
        this.taken = new boolean[steps.size()];
        this.replacement = new Step[steps.size()];
    }

    /** @param scalar the value of a one-element host constant, or null for anything else */
    static Result apply(List<Step> steps, int values, boolean[] graphOutput, IntFunction<Double> scalar,
                        Set<String> skip) {
        Fusion f = new Fusion(steps, values, graphOutput, scalar);
        for (int i = 0; i < steps.size() && !skip.contains(Kernels.FUSED_LAYER_NORM); i++) {
            if (!f.taken[i] && steps.get(i).op.equals("ReduceMean")) {
                f.layerNorm(i);
            }
        }
        for (int i = 0; i < steps.size() && !skip.contains(Kernels.FUSED_GELU); i++) {
            if (!f.taken[i] && steps.get(i).op.equals("Erf")) {
                f.gelu(i);
            }
        }
        for (int i = 0; i < steps.size() && !skip.contains(Kernels.FUSED_ATTENTION); i++) {
            if (!f.taken[i] && steps.get(i).op.equals("Softmax")) {
                f.attention(i);
            }
        }
        List<Step> out = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            if (f.replacement[i] != null) {
                out.add(f.replacement[i]);
            } else if (!f.taken[i]) {
                out.add(steps.get(i));
            }
        }
        return new Result(out, Map.copyOf(f.counts));
    }

    // ---- matching helpers ---------------------------------------------------------------------

    /** The step that is the only reader of {@code id} (read once), or -1. */
    private int sole(int id) {
        if (id == Step.NONE || graphOutput[id]) {
            return -1;
        }
        List<Integer> c = consumers.get(id);
        return c.size() == 1 && !taken[c.get(0)] ? c.get(0) : -1;
    }

    private boolean is(int step, String op) {
        return step >= 0 && !taken[step] && steps.get(step).op.equals(op) && steps.get(step).out.length >= 1;
    }

    private int prod(int id) {
        return id == Step.NONE ? -1 : producer[id];
    }

    /** For a two-input step reading {@code id}, its other input, or NONE. */
    private int other(int step, int id) {
        Step s = steps.get(step);
        if (s.in.length != 2) {
            return Step.NONE;
        }
        return s.in[0] == id ? s.in[1] : s.in[1] == id ? s.in[0] : Step.NONE;
    }

    private boolean scalarIs(int id, double want, double tol) {
        Double v = id == Step.NONE ? null : scalar.apply(id);
        return v != null && Math.abs(v - want) <= tol;
    }

    private Double scalarOf(int id) {
        return id == Step.NONE ? null : scalar.apply(id);
    }

    private int out(int step) {
        return steps.get(step).out[0];
    }

    private void replace(String kind, int[] partIdx, int[] in, int out, int[] internal, double param, int nodeOf) {
        int[] sorted = partIdx.clone();
        Arrays.sort(sorted);
        List<Step> parts = new ArrayList<>();
        for (int p : sorted) {
            parts.add(steps.get(p));
            taken[p] = true;
        }
        replacement[sorted[sorted.length - 1]] = new Step(steps.get(nodeOf).node, kind, in, new int[]{out}, parts,
                internal, param);
        counts.merge(kind, 1, Integer::sum);
    }

    // ---- patterns ---------------------------------------------------------------------------

    private void layerNorm(int r1) {
        Step mean1 = steps.get(r1);
        if (mean1.in.length != 1 || mean1.node.attrInt("keepdims", 1) != 1) {
            return;
        }
        long[] axes = mean1.node.attrInts("axes");
        if (axes == null || axes.length != 1) {
            return;
        }
        int x = mean1.in[0];
        int m = out(r1);
        int sub = sole(m);
        if (!is(sub, "Sub") || steps.get(sub).in[0] != x || steps.get(sub).in[1] != m) {
            return;
        }
        int d = out(sub);
        if (graphOutput[d]) {
            return;
        }
        int pow = -1;
        int div = -1;
        for (int c : consumers.get(d)) {
            if (is(c, "Div") && steps.get(c).in[0] == d) {
                div = c;
            } else if ((is(c, "Pow") && steps.get(c).in[0] == d && scalarIs(steps.get(c).in[1], 2, 0))
                    || (is(c, "Mul") && steps.get(c).in[0] == d && steps.get(c).in[1] == d)) {
                pow = c;
            } else {
                return;
            }
        }
        if (pow < 0 || div < 0) {
            return;
        }
        int p = out(pow);
        int r2 = sole(p);
        if (!is(r2, "ReduceMean") || steps.get(r2).in.length != 1 || steps.get(r2).node.attrInt("keepdims", 1) != 1
                || !Arrays.equals(axes, steps.get(r2).node.attrInts("axes"))) {
            return;
        }
        int v = out(r2);
        int add = sole(v);
        if (!is(add, "Add")) {
            return;
        }
        Double eps = scalarOf(other(add, v));
        if (eps == null || eps < 0) {
            return;
        }
        int ve = out(add);
        int sqrt = sole(ve);
        if (!is(sqrt, "Sqrt")) {
            return;
        }
        int sd = out(sqrt);
        if (sole(sd) != div || steps.get(div).in[1] != sd) {
            return;
        }
        int n = out(div);
        List<Integer> parts = new ArrayList<>(List.of(r1, sub, pow, r2, add, sqrt, div));
        List<Integer> internal = new ArrayList<>(List.of(m, d, p, v, ve, sd));
        int result = n;
        int gamma = Step.NONE;
        int beta = Step.NONE;
        int mul = sole(n);
        if (is(mul, "Mul") && other(mul, n) != Step.NONE && other(mul, n) != n) {
            gamma = other(mul, n);
            parts.add(mul);
            internal.add(n);
            result = out(mul);
            int badd = sole(result);
            if (is(badd, "Add") && other(badd, result) != Step.NONE && other(badd, result) != result) {
                beta = other(badd, result);
                parts.add(badd);
                internal.add(result);
                result = out(badd);
            }
        }
        replace(Kernels.FUSED_LAYER_NORM, ints(parts), new int[]{x, gamma, beta}, result, ints(internal), eps, r1);
    }

    private void gelu(int erf) {
        int a = steps.get(erf).in.length == 1 ? steps.get(erf).in[0] : Step.NONE;
        int scale = prod(a);
        if (scale < 0 || taken[scale] || sole(a) != erf) {
            return;
        }
        Step sc = steps.get(scale);
        int x;
        if (is(scale, "Div") && scalarIs(sc.in[1], Math.sqrt(2), 1e-3)) {
            x = sc.in[0];
        } else if (is(scale, "Mul") && sc.in.length == 2 && scalarIs(sc.in[1], Math.sqrt(0.5), 1e-3)) {
            x = sc.in[0];
        } else if (is(scale, "Mul") && sc.in.length == 2 && scalarIs(sc.in[0], Math.sqrt(0.5), 1e-3)) {
            x = sc.in[1];
        } else {
            return;
        }
        int e = out(erf);
        int add = sole(e);
        if (!is(add, "Add") || !scalarIs(other(add, e), 1, 0)) {
            return;
        }
        int b = out(add);
        int m1 = sole(b);
        if (!is(m1, "Mul")) {
            return;
        }
        int o = other(m1, b);
        if (o == x) {
            // x·(1+erf) then ·0.5
            int c = out(m1);
            int m2 = sole(c);
            if (is(m2, "Mul") && scalarIs(other(m2, c), 0.5, 0)) {
                replace(Kernels.FUSED_GELU, new int[]{scale, erf, add, m1, m2}, new int[]{x}, out(m2),
                        new int[]{a, e, b, c}, 0, erf);
            }
        } else if (scalarIs(o, 0.5, 0)) {
            // (1+erf)·0.5 then ·x
            int c = out(m1);
            int m2 = sole(c);
            if (is(m2, "Mul") && other(m2, c) == x) {
                replace(Kernels.FUSED_GELU, new int[]{scale, erf, add, m1, m2}, new int[]{x}, out(m2),
                        new int[]{a, e, b, c}, 0, erf);
            }
        } else {
            // (x·0.5)·(1+erf)
            int half = prod(o);
            if (is(half, "Mul") && sole(o) == m1 && other(half, x) != Step.NONE && scalarIs(other(half, x), 0.5, 0)) {
                replace(Kernels.FUSED_GELU, new int[]{scale, erf, add, half, m1}, new int[]{x}, out(m1),
                        new int[]{a, e, b, o}, 0, erf);
            }
        }
    }

    /** MatMul(q, kᵀ), optionally scaled by a constant: the scores feeding a softmax. */
    private record Scores(int matmul, double scale, int[] parts, int[] internal) {
    }

    private Scores scores(int id, int reader) {
        if (sole(id) != reader) {
            return null;
        }
        int p = prod(id);
        if (is(p, "MatMul")) {
            return new Scores(p, 1, new int[]{p}, new int[]{id});
        }
        boolean div = is(p, "Div");
        if (!div && !is(p, "Mul")) {
            return null;
        }
        Step s = steps.get(p);
        if (s.in.length != 2) {
            return null;
        }
        int inner;
        Double c;
        if (div) {
            inner = s.in[0];
            c = scalarOf(s.in[1]);
        } else {
            c = scalarOf(s.in[1]);
            inner = s.in[0];
            if (c == null) {
                c = scalarOf(s.in[0]);
                inner = s.in[1];
            }
        }
        if (c == null || c == 0 || sole(inner) != p || !is(prod(inner), "MatMul")) {
            return null;
        }
        return new Scores(prod(inner), div ? 1 / c : c, new int[]{prod(inner), p}, new int[]{inner, id});
    }

    private void attention(int softmax) {
        Step sm = steps.get(softmax);
        if (sm.in.length != 1) {
            return;
        }
        int probs = out(softmax);
        int mm2 = sole(probs);
        if (!is(mm2, "MatMul") || steps.get(mm2).in[0] != probs) {
            return;
        }
        int sa = sm.in[0];
        int mask = Step.NONE;
        Scores sc = null;
        List<Integer> parts = new ArrayList<>(List.of(softmax, mm2));
        List<Integer> internal = new ArrayList<>(List.of(probs));
        int add = prod(sa);
        if (is(add, "Add") && sole(sa) == softmax && steps.get(add).in.length == 2) {
            Step ad = steps.get(add);
            for (int k = 0; k < 2 && sc == null; k++) {
                sc = scores(ad.in[k], add);
                mask = ad.in[1 - k];
            }
            if (sc != null) {
                parts.add(add);
                internal.add(sa);
            }
        }
        if (sc == null) {
            mask = Step.NONE;
            sc = scores(sa, softmax);
        }
        if (sc == null) {
            return;
        }
        for (int p : sc.parts) {
            parts.add(p);
        }
        for (int v : sc.internal) {
            internal.add(v);
        }
        Step mm1 = steps.get(sc.matmul);
        if (mm1.in.length != 2) {
            return;
        }
        replace(Kernels.FUSED_ATTENTION, ints(parts), new int[]{mm1.in[0], mm1.in[1], steps.get(mm2).in[1], mask},
                out(mm2), ints(internal), sc.scale, softmax);
    }

    private static int[] ints(List<Integer> l) {
        return l.stream().mapToInt(Integer::intValue).toArray();
    }
}
