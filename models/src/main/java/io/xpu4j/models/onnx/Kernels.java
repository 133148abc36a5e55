package io.xpu4j.models.onnx;

import io.xpu4j.api.DType;
import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.Ops;
import io.xpu4j.api.Tensor;
import io.xpu4j.api.XpuException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Runs one step: ONNX semantics mapped onto {@link Ops}. Each op computes on the host when all
 * its inputs are host values and the result is small (shape arithmetic), and on the device
 * otherwise; movement ops (Reshape, Transpose, Unsqueeze, Slice, Expand, scalar Gather) return
 * views rather than copies.
 */
final class Kernels {
    /** The ONNX ops (default domain) the importer runs. */
    static final Set<String> SUPPORTED = new TreeSet<>(List.of(
            "Abs", "Add", "Cast", "Concat", "Constant", "ConstantOfShape", "Div", "Dropout", "Equal", "Erf", "Exp",
            "Expand", "Flatten", "Gather", "Gemm", "Greater", "GreaterOrEqual", "Identity", "LayerNormalization",
            "Less", "LessOrEqual", "Log", "LogSoftmax", "MatMul", "Max", "Min", "Mul", "Neg", "Not", "Pow", "Range",
            "Reciprocal", "ReduceMax", "ReduceMean", "ReduceMin", "ReduceSum", "Relu", "Reshape", "Shape", "Sigmoid",
            "Slice", "Softmax", "Sqrt", "Squeeze", "Sub", "Tanh", "Transpose", "Unsqueeze", "Where"));

    static final String FUSED_LAYER_NORM = "xpu4j.LayerNorm";
    static final String FUSED_GELU = "xpu4j.Gelu";
    static final String FUSED_ATTENTION = "xpu4j.Attention";

    private Kernels() {
    }

    /** Runs {@code s}; a fused step whose fast path does not apply runs the steps it replaced. */
    static void run(Step s, Exec e) {
        if (s.fused()) {
            boolean done = switch (s.op) {
                case FUSED_LAYER_NORM -> Fused.layerNorm(s, e);
                case FUSED_GELU -> Fused.gelu(s, e);
                case FUSED_ATTENTION -> Fused.attention(s, e);
                default -> throw new IllegalStateException(s.op);
            };
            if (!done) {
                for (Step p : s.parts) {
                    run(p, e);
                }
            }
            return;
        }
        try {
            e.put(s.out[0], compute(s, e));
        } catch (Exec.NeedsDevice nd) {
            throw nd;
        } catch (XpuException x) {
            throw withNode(s, x);
        }
    }

    static XpuException withNode(Step s, XpuException x) {
        String msg = x.getMessage();
        String prefix = "[" + x.code() + "] ";
        if (msg.startsWith(prefix)) {
            msg = msg.substring(prefix.length());
        }
        if (msg.startsWith("ONNX ")) {
            return x;
        }
        return new XpuException(x.code(), "ONNX " + s.node.describe() + ": " + msg, x);
    }

    private static XpuException bad(Step s, String what) {
        return new XpuException(ErrorCode.INVALID_ARGUMENT, "ONNX " + s.node.describe() + ": " + what);
    }

    private static Object compute(Step s, Exec e) {
        String op = s.op;
        return switch (op) {
            case "Identity" -> same(e, s.in[0]);
            case "Dropout" -> {
                if (s.out.length > 1 && s.out[1] != Step.NONE) {
                    throw bad(s, "the mask output of Dropout is not supported (inference only)");
                }
                yield same(e, s.in[0]);
            }
            case "Shape" -> shape(s, e);
            case "Cast" -> cast(s, e);
            case "Unsqueeze" -> unsqueeze(s, e);
            case "Squeeze" -> squeeze(s, e);
            case "Reshape" -> reshape(s, e, reshapeTarget(s, e));
            case "Flatten" -> flatten(s, e);
            case "Transpose" -> transpose(s, e);
            case "Concat" -> concat(s, e);
            case "Gather" -> gather(s, e);
            case "Slice" -> slice(s, e);
            case "Expand" -> expand(s, e);
            case "Where" -> where(s, e);
            case "ConstantOfShape" -> constantOfShape(s, e);
            case "Range" -> range(s, e);
            case "Add", "Sub", "Mul", "Div", "Pow", "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual" ->
                    binary(s, e, op, s.in[0], s.in[1]);
            case "Max", "Min" -> variadic(s, e, op);
            case "Neg", "Abs", "Sqrt", "Exp", "Log", "Erf", "Tanh", "Relu", "Sigmoid", "Reciprocal", "Not" -> unary(s, e, op);
            case "MatMul" -> matmul(s, e);
            case "Gemm" -> gemm(s, e);
            case "Softmax", "LogSoftmax" -> softmax(s, e, op.equals("LogSoftmax"));
            case "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin" -> reduce(s, e, op);
            case "LayerNormalization" -> layerNormalization(s, e);
            default -> throw new XpuException(ErrorCode.UNSUPPORTED_OP, "ONNX " + s.node.describe() + ": op " + op
                    + " is not supported");
        };
    }

    // ---- helpers ------------------------------------------------------------------------------

    private static Object same(Exec e, int id) {
        Object v = e.vals[id];
        return v instanceof Tensor t ? t.share() : v;
    }

    private static boolean allHost(Exec e, Step s) {
        for (int id : s.in) {
            if (id != Step.NONE && !e.isHost(id)) {
                return false;
            }
        }
        return true;
    }

    private static boolean small(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
            if (n > HostArray.HOST_LIMIT) {
                return false;
            }
        }
        return true;
    }

    static int axis(long axis, int rank, Step s, String what) {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw bad(s, what + " " + axis + " is out of range for rank " + rank + " (allowed: " + (-rank) + " to "
                    + (rank - 1) + ")");
        }
        return (int) a;
    }

    /** An ints attribute (older opsets) or the same list as input {@code slot} (newer ones); null when neither is given. */
    private static long[] intsFromAttrOrInput(Step s, Exec e, String attr, int slot) {
        long[] a = s.node.attrInts(attr);
        if (a != null) {
            return a;
        }
        int id = s.input(slot);
        return id == Step.NONE || e.vals[id] == null ? null : e.host(id).toLongs();
    }

    /** The dtype the value has on the device (or would have, once uploaded). */
    private static DType dtypeOf(Exec e, int id) {
        return e.isHost(id) ? OnnxTypes.dtype(e.host(id).type, "a value") : ((Tensor) e.vals[id]).dtype();
    }

    // ---- shapes and movement -----------------------------------------------------------------

    private static Object shape(Step s, Exec e) {
        long[] shape = e.shape(s.in[0]);
        int r = shape.length;
        long start = s.node.attrInt("start", 0);
        long end = s.node.attrInt("end", r);
        int a = Math.clamp(start < 0 ? start + r : start, 0, r);
        int b = Math.clamp(end < 0 ? end + r : end, 0, r);
        return HostArray.longs(Arrays.copyOfRange(shape, a, Math.max(a, b)));
    }

    private static Object cast(Step s, Exec e) {
        int to = (int) s.node.attrInt("to", 0);
        if (e.isHost(s.in[0])) {
            return e.host(s.in[0]).cast(to);
        }
        Tensor t = e.tensor(s.in[0]);
        DType d = OnnxTypes.dtype(to, "the Cast target");
        return t.dtype() == d ? t.share() : e.ops.cast(t, d);
    }

    private static Object unsqueeze(Step s, Exec e) {
        long[] axes = intsFromAttrOrInput(s, e, "axes", 1);
        if (axes == null) {
            throw bad(s, "Unsqueeze needs axes");
        }
        long[] in = e.shape(s.in[0]);
        int r = in.length + axes.length;
        boolean[] inserted = new boolean[r];
        for (long a : axes) {
            int x = axis(a, r, s, "axis");
            if (inserted[x]) {
                throw bad(s, "axis " + a + " is given twice");
            }
            inserted[x] = true;
        }
        long[] out = new long[r];
        for (int i = 0, j = 0; i < r; i++) {
            out[i] = inserted[i] ? 1 : in[j++];
        }
        return reshape(s, e, out);
    }

    private static Object squeeze(Step s, Exec e) {
        long[] axes = intsFromAttrOrInput(s, e, "axes", 1);
        long[] in = e.shape(s.in[0]);
        boolean[] drop = new boolean[in.length];
        if (axes == null) {
            for (int i = 0; i < in.length; i++) {
                drop[i] = in[i] == 1;
            }
        } else {
            for (long a : axes) {
                int x = axis(a, in.length, s, "axis");
                if (in[x] != 1) {
                    throw bad(s, "cannot squeeze axis " + a + " of shape " + Arrays.toString(in) + ": its size is not 1");
                }
                drop[x] = true;
            }
        }
        long[] out = new long[in.length];
        int n = 0;
        for (int i = 0; i < in.length; i++) {
            if (!drop[i]) {
                out[n++] = in[i];
            }
        }
        return reshape(s, e, Arrays.copyOf(out, n));
    }

    /** Reshape's target: 0 copies the input's dim (unless allowzero), -1 is inferred. */
    private static long[] reshapeTarget(Step s, Exec e) {
        long[] in = e.shape(s.in[0]);
        long[] want = e.host(s.in[1]).toLongs();
        boolean allowZero = s.node.attrInt("allowzero", 0) != 0;
        long known = 1;
        int infer = -1;
        for (int i = 0; i < want.length; i++) {
            if (want[i] == 0 && !allowZero) {
                if (i >= in.length) {
                    throw bad(s, "shape " + Arrays.toString(want) + " copies dimension " + i + " (0) but the input "
                            + Arrays.toString(in) + " has rank " + in.length);
                }
                want[i] = in[i];
            }
            if (want[i] == -1) {
                if (infer >= 0) {
                    throw bad(s, "shape " + Arrays.toString(want) + " has more than one -1");
                }
                infer = i;
            } else if (want[i] < 0) {
                throw bad(s, "shape " + Arrays.toString(want) + " has a negative dimension");
            } else {
                known *= want[i];
            }
        }
        long total = HostOps.numel(in);
        if (infer >= 0) {
            if (known == 0 || total % known != 0) {
                throw bad(s, "cannot reshape " + Arrays.toString(in) + " to " + Arrays.toString(want));
            }
            want[infer] = total / known;
        } else if (known != total) {
            throw bad(s, "cannot reshape " + Arrays.toString(in) + " (" + total + " elements) to " + Arrays.toString(want));
        }
        return want;
    }

    private static Object reshape(Step s, Exec e, long[] shape) {
        int id = s.in[0];
        if (e.isHost(id)) {
            HostArray h = e.host(id);
            if (HostOps.numel(shape) != h.size()) {
                throw bad(s, "cannot reshape " + Arrays.toString(h.shape) + " to " + Arrays.toString(shape));
            }
            return h.reshape(shape);
        }
        return e.tensor(id).reshape(shape);
    }

    private static Object flatten(Step s, Exec e) {
        long[] in = e.shape(s.in[0]);
        long a = s.node.attrInt("axis", 1);
        int ax = a == in.length ? in.length : axis(a, in.length, s, "axis");
        long outer = 1;
        for (int i = 0; i < ax; i++) {
            outer *= in[i];
        }
        return reshape(s, e, new long[]{outer, HostOps.numel(in) / Math.max(1, outer)});
    }

    private static Object transpose(Step s, Exec e) {
        int r = e.shape(s.in[0]).length;
        long[] perm = s.node.attrInts("perm");
        int[] p = new int[r];
        if (perm == null) {
            for (int i = 0; i < r; i++) {
                p[i] = r - 1 - i;
            }
        } else {
            if (perm.length != r) {
                throw bad(s, "perm " + Arrays.toString(perm) + " does not match rank " + r);
            }
            boolean[] seen = new boolean[r];
            for (int i = 0; i < r; i++) {
                p[i] = axis(perm[i], r, s, "perm entry");
                if (seen[p[i]]) {
                    throw bad(s, "perm " + Arrays.toString(perm) + " is not a permutation");
                }
                seen[p[i]] = true;
            }
        }
        if (e.isHost(s.in[0])) {
            return HostOps.transpose(e.host(s.in[0]), p);
        }
        return e.tensor(s.in[0]).permute(p);
    }

    private static Object concat(Step s, Exec e) {
        List<Integer> ids = new ArrayList<>();
        for (int id : s.in) {
            if (id != Step.NONE) {
                ids.add(id);
            }
        }
        if (ids.isEmpty()) {
            throw bad(s, "Concat needs at least one input");
        }
        long[] first = e.shape(ids.get(0));
        int ax = axis(s.node.attrInt("axis", 0), first.length, s, "axis");
        long[] shape = first.clone();
        shape[ax] = 0;
        for (int id : ids) {
            long[] sh = e.shape(id);
            if (sh.length != first.length) {
                throw bad(s, "inputs have different ranks: " + Arrays.toString(first) + " and " + Arrays.toString(sh));
            }
            for (int d = 0; d < sh.length; d++) {
                if (d != ax && sh[d] != first[d]) {
                    throw bad(s, "input shapes " + Arrays.toString(first) + " and " + Arrays.toString(sh)
                            + " differ outside axis " + ax);
                }
            }
            shape[ax] += sh[ax];
        }
        if (allHost(e, s) && small(shape)) {
            List<HostArray> parts = new ArrayList<>();
            for (int id : ids) {
                parts.add(e.host(id));
            }
            return HostOps.concat(parts, ax, shape);
        }
        DType dt = null;
        for (int id : ids) {
            if (!e.isHost(id)) {
                dt = e.tensor(id).dtype();
                break;
            }
        }
        if (dt == null) {
            dt = OnnxTypes.dtype(e.host(ids.get(0)).type, "Concat input");
        }
        List<Tensor> ts = new ArrayList<>();
        for (int id : ids) {
            ts.add(e.tensor(id, dt));
        }
        return e.ops.concat(ts, ax);
    }

    private static Object gather(Step s, Exec e) {
        long[] ds = e.shape(s.in[0]);
        if (ds.length == 0) {
            throw bad(s, "Gather data must have rank >= 1");
        }
        int ax = axis(s.node.attrInt("axis", 0), ds.length, s, "axis");
        int idxId = s.in[1];
        long[] is = e.shape(idxId);
        if (allHost(e, s)) {
            long[] out = new long[ds.length - 1 + is.length];
            System.arraycopy(ds, 0, out, 0, ax);
            System.arraycopy(is, 0, out, ax, is.length);
            System.arraycopy(ds, ax + 1, out, ax + is.length, ds.length - ax - 1);
            if (small(out)) {
                return HostOps.gather(e.host(s.in[0]), e.host(idxId), ax, s.node.describe());
            }
        }
        Tensor data = e.tensor(s.in[0]);
        if (e.isHost(idxId)) {
            HostArray idx = e.host(idxId);
            long[] norm = new long[idx.size()];
            for (int i = 0; i < norm.length; i++) {
                long v = idx.integer(i);
                norm[i] = v < 0 ? v + ds[ax] : v;
                if (norm[i] < 0 || norm[i] >= ds[ax]) {
                    throw bad(s, "index " + v + " is out of range for axis " + ax + " of size " + ds[ax]);
                }
            }
            if (idx.rank() == 0) {
                try (Tensor one = data.slice(ax, norm[0], norm[0] + 1)) {
                    return one.squeeze(ax);
                }
            }
            try (Tensor ids = e.upload(HostArray.ofInts(OnnxTypes.INT64, idx.shape, norm), DType.I64)) {
                return gatherRows(e.ops, data, ids, ax);
            }
        }
        Tensor ids = e.tensor(idxId);
        if (ids.dtype() != DType.I64 && ids.dtype() != DType.I32) {
            throw bad(s, "indices must be INT32 or INT64, got " + ids.dtype());
        }
        // indices computed on the device are used as they are: a negative one is reported by the kernel
        return gatherRows(e.ops, data, ids, ax);
    }

    /** Gather along {@code ax} as an embedding lookup over {@code data} with {@code ax} moved to the front. */
    private static Tensor gatherRows(Ops ops, Tensor data, Tensor ids, int ax) {
        int r = data.rank();
        if (ax == 0 && r == 2) {
            return ops.embedding(data, ids);
        }
        long[] ds = data.shape();
        int[] front = new int[r];
        front[0] = ax;
        for (int i = 0, j = 1; i < r; i++) {
            if (i != ax) {
                front[j++] = i;
            }
        }
        long rest = HostOps.numel(ds) / Math.max(1, ds[ax]);
        try (Tensor moved = data.permute(front); Tensor table = moved.reshape(ds[ax], rest);
             Tensor rows = ops.embedding(table, ids)) {
            // rows: ids.shape + [rest], where rest is data's other dims in order
            long[] is = ids.shape();
            long[] unflat = new long[is.length + r - 1];
            System.arraycopy(is, 0, unflat, 0, is.length);
            for (int i = 0, j = is.length; i < r; i++) {
                if (i != ax) {
                    unflat[j++] = ds[i];
                }
            }
            try (Tensor full = rows.reshape(unflat)) {
                if (ax == 0) {
                    return full.share();
                }
                // bring data's leading dims back in front of the index dims
                int k = is.length;
                int[] back = new int[unflat.length];
                int p = 0;
                for (int i = 0; i < ax; i++) {
                    back[p++] = k + i;
                }
                for (int i = 0; i < k; i++) {
                    back[p++] = i;
                }
                for (int i = k + ax; i < unflat.length; i++) {
                    back[p++] = i;
                }
                return full.permute(back);
            }
        }
    }

    private static Object slice(Step s, Exec e) {
        long[] shape = e.shape(s.in[0]);
        int r = shape.length;
        long[] starts;
        long[] ends;
        long[] axes;
        long[] steps;
        if (e.opset < 10 || s.node.has("starts")) {
            starts = s.node.attrInts("starts");
            ends = s.node.attrInts("ends");
            axes = s.node.attrInts("axes");
            steps = null;
        } else {
            starts = e.host(s.in[1]).toLongs();
            ends = e.host(s.in[2]).toLongs();
            axes = s.input(3) != Step.NONE ? e.host(s.in[3]).toLongs() : null;
            steps = s.input(4) != Step.NONE ? e.host(s.in[4]).toLongs() : null;
        }
        if (starts == null || ends == null || starts.length != ends.length
                || (axes != null && axes.length != starts.length) || (steps != null && steps.length != starts.length)) {
            throw bad(s, "starts, ends, axes and steps must be given and have the same length");
        }
        long[] st = new long[r];
        long[] sp = new long[r];
        long[] cnt = shape.clone();
        Arrays.fill(sp, 1);
        boolean[] seen = new boolean[r];
        for (int i = 0; i < starts.length; i++) {
            int a = axes == null ? i : axis(axes[i], r, s, "axis");
            if (seen[a]) {
                throw bad(s, "axis " + a + " is sliced twice");
            }
            seen[a] = true;
            long step = steps == null ? 1 : steps[i];
            if (step == 0) {
                throw bad(s, "step 0 on axis " + a);
            }
            long dim = shape[a];
            long b = starts[i] < 0 ? starts[i] + dim : starts[i];
            long en = ends[i] < 0 && ends[i] != Long.MIN_VALUE ? ends[i] + dim : ends[i];
            long count;
            if (dim == 0) {
                count = 0;
            } else if (step > 0) {
                b = Math.clamp(b, 0, dim);
                en = Math.clamp(en, 0, dim);
                count = en > b ? (en - b + step - 1) / step : 0;
            } else {
                b = Math.clamp(b, 0, dim - 1);
                en = ends[i] == Long.MIN_VALUE ? -1 : Math.clamp(en, -1, dim - 1);
                count = b > en ? (b - en + (-step) - 1) / (-step) : 0;
            }
            st[a] = count == 0 ? 0 : b;
            sp[a] = step;
            cnt[a] = count;
        }
        if (e.isHost(s.in[0]) && small(cnt)) {
            return HostOps.slice(e.host(s.in[0]), st, sp, cnt);
        }
        Tensor t = e.tensor(s.in[0]);
        Tensor cur = t.share();
        try {
            for (int a = 0; a < r; a++) {
                if (cnt[a] == shape[a] && sp[a] == 1) {
                    continue;
                }
                if (sp[a] < 0) {
                    throw new XpuException(ErrorCode.UNSUPPORTED_OP, "ONNX " + s.node.describe()
                            + ": a negative step on a device tensor is not supported");
                }
                Tensor next = cur.slice(a, st[a], st[a] + cnt[a] * sp[a], sp[a]);
                cur.close();
                cur = next;
            }
            return cur;
        } catch (RuntimeException ex) {
            cur.close();
            throw ex;
        }
    }

    private static Object expand(Step s, Exec e) {
        long[] want = e.host(s.in[1]).toLongs();
        long[] in = e.shape(s.in[0]);
        long[] out = HostOps.broadcast(in, want, s.node.describe());
        if (e.isHost(s.in[0]) && small(out)) {
            return HostOps.expand(e.host(s.in[0]), out);
        }
        return e.tensor(s.in[0]).expand(out);
    }

    private static Object where(Step s, Exec e) {
        long[] out = HostOps.broadcast(HostOps.broadcast(e.shape(s.in[0]), e.shape(s.in[1]), s.node.describe()),
                e.shape(s.in[2]), s.node.describe());
        if (allHost(e, s) && small(out)) {
            return HostOps.where(e.host(s.in[0]), e.host(s.in[1]), e.host(s.in[2]), s.node.describe());
        }
        DType dt = !e.isHost(s.in[1]) ? e.tensor(s.in[1]).dtype() : dtypeOf(e, s.in[2]);
        return e.ops.where(e.tensor(s.in[0], DType.BOOL), e.tensor(s.in[1], dt), e.tensor(s.in[2], dt));
    }

    private static Object constantOfShape(Step s, Exec e) {
        long[] shape = e.host(s.in[0]).toLongs();
        for (long d : shape) {
            if (d < 0) {
                throw bad(s, "shape " + Arrays.toString(shape) + " has a negative dimension");
            }
        }
        Attr a = s.node.attrs().get("value");
        HostArray v = a == null ? HostArray.ofReals(OnnxTypes.FLOAT, new long[]{1}, new double[]{0})
                : HostArray.of(a.t());
        if (v.size() != 1) {
            throw bad(s, "value must hold one element, got " + v);
        }
        if (small(shape)) {
            return HostOps.expand(v.reshape(new long[0]), shape);
        }
        e.requireDevice();
        return e.ops.full(OnnxTypes.dtype(v.type, "ConstantOfShape value"), v.real(0), shape);
    }

    private static Object range(Step s, Exec e) {
        HostArray start = e.host(s.in[0]);
        HostArray limit = e.host(s.in[1]);
        HostArray delta = e.host(s.in[2]);
        double d = delta.real(0);
        if (d == 0) {
            throw bad(s, "delta is 0");
        }
        double n = Math.max(0, Math.ceil((limit.real(0) - start.real(0)) / d));
        if (n > HostArray.HOST_LIMIT * 64L) {
            throw bad(s, "a range of " + (long) n + " elements is too long");
        }
        double[] v = new double[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = start.isFloat() ? start.real(0) + i * d : start.integer(0) + i * delta.integer(0);
        }
        return HostArray.ofReals(start.type, new long[]{v.length}, v);
    }

    // ---- arithmetic ---------------------------------------------------------------------------

    private static Object binary(Step s, Exec e, String op, int a, int b) {
        if (e.isHost(a) && e.isHost(b)) {
            long[] out = HostOps.broadcast(e.shape(a), e.shape(b), s.node.describe());
            if (small(out)) {
                return HostOps.binary(op, e.host(a), e.host(b), s.node.describe());
            }
        }
        // a host operand takes the device operand's dtype
        DType dt = !e.isHost(a) ? e.tensor(a).dtype() : !e.isHost(b) ? e.tensor(b).dtype() : dtypeOf(e, a);
        Ops ops = e.ops;
        if (op.equals("Pow") && e.isHost(b) && e.host(b).size() == 1) {
            double p = e.host(b).real(0);
            Tensor x = e.tensor(a, dt);
            if (p == 1) {
                return x.share();
            }
            if (p == 2) {
                return ops.mul(x, x);
            }
            if (p == 0.5) {
                return ops.sqrt(x);
            }
        }
        Tensor x = e.tensor(a, dt);
        Tensor y = e.tensor(b, dt);
        return switch (op) {
            case "Add" -> ops.add(x, y);
            case "Sub" -> ops.sub(x, y);
            case "Mul" -> ops.mul(x, y);
            case "Div" -> ops.div(x, y);
            case "Pow" -> ops.pow(x, y);
            case "Max" -> ops.maximum(x, y);
            case "Min" -> ops.minimum(x, y);
            case "Equal" -> ops.eq(x, y);
            case "Less" -> ops.lt(x, y);
            case "Greater" -> ops.gt(x, y);
            case "LessOrEqual" -> ops.le(x, y);
            case "GreaterOrEqual" -> ops.ge(x, y);
            default -> throw new IllegalArgumentException(op);
        };
    }

    private static Object variadic(Step s, Exec e, String op) {
        int[] ids = Arrays.stream(s.in).filter(i -> i != Step.NONE).toArray();
        if (ids.length == 0) {
            throw bad(s, op + " needs at least one input");
        }
        if (ids.length == 1) {
            return same(e, ids[0]);
        }
        Object acc = binary(s, e, op, ids[0], ids[1]);
        for (int i = 2; i < ids.length; i++) {
            // the running result sits in the output slot while the next input is folded in
            e.put(s.out[0], acc);
            Object next = binary(s, e, op, s.out[0], ids[i]);
            if (acc instanceof Tensor t) {
                t.close();
            }
            acc = next;
        }
        return acc;
    }

    private static Object unary(Step s, Exec e, String op) {
        int id = s.in[0];
        if (e.isHost(id) && !op.equals("Erf")) {
            HostArray h = e.host(id);
            return switch (op) {
                case "Neg" -> h.isFloat() ? HostOps.unary(h, v -> -v) : HostOps.binary("Sub", HostArray.scalarLong(0).cast(h.type), h, "Neg");
                case "Abs" -> h.isFloat() ? HostOps.unary(h, Math::abs) : HostArray.ofInts(h.type, h.shape, Arrays.stream(h.ints).map(Math::abs).toArray());
                case "Not" -> HostArray.ofInts(OnnxTypes.BOOL, h.shape, Arrays.stream(h.ints).map(v -> v == 0 ? 1 : 0).toArray());
                case "Sqrt" -> HostOps.unary(h, Math::sqrt);
                case "Exp" -> HostOps.unary(h, Math::exp);
                case "Log" -> HostOps.unary(h, Math::log);
                case "Tanh" -> HostOps.unary(h, Math::tanh);
                case "Relu" -> HostOps.unary(h, v -> Math.max(v, 0));
                case "Sigmoid" -> HostOps.unary(h, v -> 1 / (1 + Math.exp(-v)));
                case "Reciprocal" -> HostOps.unary(h, v -> 1 / v);
                default -> throw new IllegalArgumentException(op);
            };
        }
        Tensor x = e.tensor(id);
        Ops ops = e.ops;
        return switch (op) {
            case "Neg" -> ops.neg(x);
            case "Abs" -> ops.abs(x);
            case "Not" -> ops.eq(x, 0);
            case "Sqrt" -> ops.sqrt(x);
            case "Exp" -> ops.exp(x);
            case "Log" -> ops.log(x);
            case "Erf" -> ops.erf(x);
            case "Tanh" -> ops.tanh(x);
            case "Relu" -> ops.relu(x);
            case "Sigmoid" -> ops.sigmoid(x);
            case "Reciprocal" -> {
                try (Tensor one = ops.full(x.dtype(), 1)) {
                    yield ops.div(one, x);
                }
            }
            default -> throw new IllegalArgumentException(op);
        };
    }

    private static Object matmul(Step s, Exec e) {
        DType dt = !e.isHost(s.in[0]) ? e.tensor(s.in[0]).dtype() : dtypeOf(e, s.in[1]);
        return e.ops.matmul(e.tensor(s.in[0], dt), e.tensor(s.in[1], dt));
    }

    private static Object gemm(Step s, Exec e) {
        DType dt = !e.isHost(s.in[0]) ? e.tensor(s.in[0]).dtype() : dtypeOf(e, s.in[1]);
        Tensor a = e.tensor(s.in[0], dt);
        Tensor b = e.tensor(s.in[1], dt);
        if (a.rank() != 2 || b.rank() != 2) {
            throw bad(s, "Gemm needs rank-2 A and B, got " + a.describe() + " and " + b.describe());
        }
        double alpha = s.node.attrFloat("alpha", 1f);
        double beta = s.node.attrFloat("beta", 1f);
        Ops ops = e.ops;
        Tensor y = ops.matmul(a, b, s.node.attrInt("transA", 0) != 0, s.node.attrInt("transB", 0) != 0);
        if (alpha != 1) {
            try (Tensor t = y) {
                y = ops.mul(t, alpha);
            }
        }
        if (!e.present(s.input(2)) || beta == 0) {
            return y;
        }
        Tensor c = e.tensor(s.in[2], dt);
        try (Tensor t = y; Tensor scaled = beta == 1 ? c.share() : ops.mul(c, beta)) {
            return ops.add(t, scaled);
        }
    }

    private static Object softmax(Step s, Exec e, boolean log) {
        Tensor x = e.tensor(s.in[0]);
        int r = x.rank();
        long dflt = e.opset < 13 ? 1 : -1;
        int ax = r == 0 ? 0 : axis(s.node.attrInt("axis", dflt), r, s, "axis");
        Ops ops = e.ops;
        if (e.opset >= 13 || ax == r - 1 || r == 0) {
            return log ? ops.logSoftmax(x, ax) : ops.softmax(x, ax);
        }
        // before opset 13 the input is seen as 2-D: [dims before axis, dims from axis on]
        long[] shape = x.shape();
        long outer = 1;
        for (int i = 0; i < ax; i++) {
            outer *= shape[i];
        }
        try (Tensor flat = x.reshape(outer, -1); Tensor y = log ? ops.logSoftmax(flat, 1) : ops.softmax(flat, 1)) {
            return y.reshape(shape);
        }
    }

    private static Object reduce(Step s, Exec e, String op) {
        Tensor x = e.tensor(s.in[0]);
        boolean keep = s.node.attrInt("keepdims", 1) != 0;
        long[] axes = intsFromAttrOrInput(s, e, "axes", 1);
        if (axes == null || axes.length == 0) {
            if (s.node.attrInt("noop_with_empty_axes", 0) != 0) {
                return x.share();
            }
            axes = new long[0];
        }
        int[] ax = new int[axes.length];
        for (int i = 0; i < ax.length; i++) {
            ax[i] = axis(axes[i], x.rank(), s, "axis");
        }
        Ops ops = e.ops;
        return switch (op) {
            case "ReduceMean" -> ops.mean(x, keep, ax);
            case "ReduceSum" -> ops.sum(x, keep, ax);
            case "ReduceMax" -> ops.max(x, keep, ax);
            default -> ops.min(x, keep, ax);
        };
    }

    private static Object layerNormalization(Step s, Exec e) {
        for (int i = 1; i < s.out.length; i++) {
            if (s.out[i] != Step.NONE) {
                throw bad(s, "the Mean and InvStdDev outputs are not supported (inference only)");
            }
        }
        Tensor x = e.tensor(s.in[0]);
        int ax = axis(s.node.attrInt("axis", -1), x.rank(), s, "axis");
        double eps = s.node.attrFloat("epsilon", 1e-5f);
        long[] shape = x.shape();
        long d = 1;
        for (int i = ax; i < shape.length; i++) {
            d *= shape[i];
        }
        long[] flat = Arrays.copyOf(shape, ax + 1);
        flat[ax] = d;
        try (Tensor xf = x.reshape(flat);
             Tensor w = e.present(s.input(1)) ? e.tensor(s.in[1], x.dtype()).reshape(d) : null;
             Tensor b = e.present(s.input(2)) ? e.tensor(s.in[2], x.dtype()).reshape(d) : null;
             Tensor y = e.ops.layerNorm(xf, w, b, eps)) {
            return y.reshape(shape);
        }
    }
}
