package io.xpu4j.models.onnx;

import io.xpu4j.api.DType;
import io.xpu4j.api.Device;
import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.Ops;
import io.xpu4j.api.Runtime;
import io.xpu4j.api.Scope;
import io.xpu4j.api.Tensor;
import io.xpu4j.api.XpuException;
import io.xpu4j.models.ProgressListener;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * An ONNX model compiled for one device: weights uploaded, the shape-computation part of the
 * graph folded where it only depends on constants (the rest runs on small host arrays each
 * run), LayerNorm/GELU/attention patterns fused into single runtime ops, unused nodes dropped,
 * and every intermediate tensor freed right after its last reader has run.
 *
 * <pre>{@code
 * try (OnnxSession s = OnnxSession.load(rt, Path.of("model.onnx"), ProgressListener.NONE);
 *      Scope scope = rt.scope()) {
 *     Map<String, Tensor> out = s.run(Map.of("input_ids", ids, "attention_mask", mask));
 * }
 * }</pre>
 *
 * <p>{@link #run} may be called from several threads at once. Closing the session frees its weights.
 */
public final class OnnxSession implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("io.xpu4j");

    private final Runtime runtime;
    private final Ops ops;
    private final String source;
    private final long opset;
    private final String[] names;
    private final List<Step> steps;
    /** Per step: the values to release once it has run. */
    private final int[][] release;
    /** The constant (or null) in each value slot: a HostArray or a device Tensor. */
    private final Object[] constants;
    private final int[] inputIds;
    private final ValueInfo[] inputInfo;
    private final int[] outputIds;
    private final List<ValueInfo> outputInfo;
    private final boolean[] keep;
    private final Map<Long, Tensor> uploads = new HashMap<>();
    private final Map<String, Integer> fusedCounts;
    private final int nodeCount;
    private volatile boolean closed;
    /** When set, each step's time is added here by op type: {nanoseconds, count}. For tests and tuning. */
    volatile Map<String, long[]> profile;

    private OnnxSession(Compiler c) {
        this.runtime = c.runtime;
        this.ops = c.ops;
        this.source = c.source;
        this.opset = c.opset;
        this.names = c.names.toArray(new String[0]);
        this.steps = List.copyOf(c.steps);
        this.release = c.release;
        this.constants = c.vals;
        this.inputIds = c.inputIds;
        this.inputInfo = c.inputInfo;
        this.outputIds = c.outputIds;
        this.outputInfo = c.model.outputs();
        this.keep = c.keep;
        this.fusedCounts = c.fusedCounts;
        this.nodeCount = c.nodeCount;
    }

    /** Reads {@code file}, compiles it for {@code runtime}'s device, and unmaps the file. */
    public static OnnxSession load(Runtime runtime, Path file, ProgressListener progress) {
        progress.progress("reading " + file.getFileName(), -1);
        try (OnnxModel model = OnnxModel.read(file)) {
            return create(runtime, model, progress);
        }
    }

    /** Compiles {@code model} for {@code runtime}'s device; the model may be closed afterwards. */
    public static OnnxSession create(Runtime runtime, OnnxModel model, ProgressListener progress) {
        return create(runtime, runtime.device(), model, progress);
    }

    /** Compiles {@code model} for {@code device} of {@code runtime}. */
    public static OnnxSession create(Runtime runtime, Device device, OnnxModel model, ProgressListener progress) {
        return create(runtime, device, model, progress, Set.of());
    }

    /** As {@link #create(Runtime, Device, OnnxModel, ProgressListener)}, leaving out the named fusions (for tests). */
    static OnnxSession create(Runtime runtime, Device device, OnnxModel model, ProgressListener progress,
                              Set<String> skipFusions) {
        Compiler c = new Compiler(runtime, runtime.ops(device), model, progress == null ? ProgressListener.NONE : progress);
        c.skipFusions = skipFusions;
        try {
            c.compile();
            return new OnnxSession(c);
        } catch (RuntimeException e) {
            c.closeAll();
            throw e;
        }
    }

    /** Names of the inputs {@link #run} needs, in graph order. */
    public List<String> inputNames() {
        List<String> l = new ArrayList<>();
        for (int id : inputIds) {
            l.add(names[id]);
        }
        return l;
    }

    public List<String> outputNames() {
        List<String> l = new ArrayList<>();
        for (int id : outputIds) {
            l.add(names[id]);
        }
        return l;
    }

    /**
     * The dims output {@code name} is declared with: -1 for a symbolic or unknown dim; null when
     * the model does not declare its rank.
     */
    public long[] outputDims(String name) {
        for (ValueInfo v : outputInfo) {
            if (v.name().equals(name)) {
                if (v.dims() == null) {
                    return null;
                }
                return v.dims().stream().mapToLong(d -> d instanceof Long l ? l : -1).toArray();
            }
        }
        throw new XpuException(ErrorCode.INVALID_ARGUMENT, "ONNX model " + source + " has no output '" + name
                + "'; its outputs are " + outputNames());
    }

    /** The device the weights live on and the graph runs on. */
    public Device device() {
        return ops.device();
    }

    /** How many times each pattern was fused ({@code xpu4j.LayerNorm}, {@code xpu4j.Gelu}, {@code xpu4j.Attention}). */
    public Map<String, Integer> fusedCounts() {
        return new TreeMap<>(fusedCounts);
    }

    /** Number of ops one run executes (after folding, fusion and dead-node removal). */
    public int stepCount() {
        return steps.size();
    }

    /** e.g. {@code 637 nodes -> 140 steps; fused: 13 xpu4j.LayerNorm, 6 xpu4j.Gelu, 6 xpu4j.Attention}. */
    public String summary() {
        StringBuilder sb = new StringBuilder();
        sb.append(nodeCount).append(" nodes -> ").append(steps.size()).append(" steps");
        if (!fusedCounts.isEmpty()) {
            sb.append("; fused:");
            fusedCounts().forEach((k, v) -> sb.append(' ').append(v).append(' ').append(k).append(','));
            sb.setLength(sb.length() - 1);
        }
        return sb.toString();
    }

    /**
     * Runs the graph. Inputs must be given by name with the dtype the model declares; tensors on
     * another device are copied over. Returns the graph outputs by name, in graph order; the
     * caller owns them (close them, or run inside a {@link Scope}).
     */
    public Map<String, Tensor> run(Map<String, Tensor> inputs) {
        if (closed) {
            throw new XpuException(ErrorCode.CLOSED, "the ONNX session for " + source + " is closed");
        }
        checkInputNames(inputs);
        Object[] vals = constants.clone();
        Exec exec = new Exec(ops, opset, vals, this::constantOnDevice);
        Map<String, Tensor> result = new LinkedHashMap<>();
        try (Scope scope = runtime.scope()) {
            for (int i = 0; i < inputIds.length; i++) {
                vals[inputIds[i]] = input(inputInfo[i], inputs.get(inputInfo[i].name()));
            }
            Map<String, long[]> prof = profile;
            for (int i = 0; i < steps.size(); i++) {
                Step s = steps.get(i);
                long t0 = prof == null ? 0 : System.nanoTime();
                Kernels.run(s, exec);
                if (prof != null) {
                    ops.device().synchronize();
                    long[] acc = prof.computeIfAbsent(s.op, k -> new long[2]);
                    acc[0] += System.nanoTime() - t0;
                    acc[1]++;
                }
                if (s.fused()) {
                    releaseAll(vals, s.internal);
                }
                releaseAll(vals, release[i]);
            }
            for (int id : outputIds) {
                Object v = vals[id];
                Tensor t = v instanceof HostArray h ? h.upload(ops, OnnxTypes.dtype(h.type, "graph output '" + names[id] + "'"))
                        : ((Tensor) v).share();
                result.put(names[id], scope.detach(t));
            }
            return result;
        } catch (RuntimeException e) {
            for (Tensor t : result.values()) {
                t.close();
            }
            throw e;
        }
    }

    private void releaseAll(Object[] vals, int[] ids) {
        for (int id : ids) {
            if (keep[id]) {
                continue;
            }
            if (vals[id] instanceof Tensor t) {
                t.close();
            }
            vals[id] = null;
        }
    }

    private void checkInputNames(Map<String, Tensor> inputs) {
        for (String n : inputs.keySet()) {
            boolean known = false;
            for (ValueInfo v : inputInfo) {
                known |= v.name().equals(n);
            }
            if (!known) {
                throw new XpuException(ErrorCode.INVALID_ARGUMENT, "ONNX model " + source + " has no input '" + n
                        + "'; its inputs are " + inputNames());
            }
        }
        for (ValueInfo v : inputInfo) {
            if (inputs.get(v.name()) == null) {
                throw new XpuException(ErrorCode.INVALID_ARGUMENT, "ONNX model " + source + ": input '" + v.name()
                        + "' (" + OnnxTypes.name(v.elemType()) + v.describeShape() + ") is missing; needed: " + inputNames());
            }
        }
    }

    /** Checks an input against its declaration and moves it to the session's device. */
    private Tensor input(ValueInfo info, Tensor t) {
        if (info.elemType() != 0 && OnnxTypes.dtypeOrNull(info.elemType()) != t.dtype()) {
            throw new XpuException(ErrorCode.DTYPE_MISMATCH, "ONNX model " + source + ": input '" + info.name()
                    + "' must be " + OnnxTypes.name(info.elemType()) + " (" + OnnxTypes.dtypeOrNull(info.elemType())
                    + "), got " + t.describe());
        }
        if (info.dims() != null) {
            boolean ok = info.dims().size() == t.rank();
            for (int i = 0; ok && i < t.rank(); i++) {
                ok = !(info.dims().get(i) instanceof Long d) || d == t.shape(i);
            }
            if (!ok) {
                throw new XpuException(ErrorCode.SHAPE_MISMATCH, "ONNX model " + source + ": input '" + info.name()
                        + "' must have shape " + info.describeShape() + ", got " + Arrays.toString(t.shape()));
            }
        }
        return t.device() == ops.device() ? t.share() : ops.to(t, ops.device());
    }

    /** The device copy of host constant {@code id}, made once per dtype. */
    private Tensor constantOnDevice(int id, HostArray value, DType dtype) {
        if (constants[id] != value) {
            return null;
        }
        long key = (long) id * 16 + dtype.ordinal();
        synchronized (uploads) {
            Tensor t = uploads.get(key);
            if (t == null) {
                // made inside a run's scope; detached so that it lives as long as the session
                try (Scope s = runtime.scope()) {
                    t = s.detach(value.upload(ops, dtype));
                }
                uploads.put(key, t);
            }
            return t;
        }
    }

    /** Frees the weights. Outputs already returned stay valid. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Object v : constants) {
            if (v instanceof Tensor t) {
                t.close();
            }
        }
        synchronized (uploads) {
            uploads.values().forEach(Tensor::close);
            uploads.clear();
        }
    }

    // =============================================================================================

    /** Turns a parsed model into steps, constants and release lists. */
    private static final class Compiler {
        final Runtime runtime;
        final Ops ops;
        final String source;
        final long opset;
        final OnnxParser.Parsed model;
        final ProgressListener progress;
        final List<String> names = new ArrayList<>();
        final Map<String, Integer> ids = new HashMap<>();
        final Map<Integer, TensorData> pending = new HashMap<>();
        Object[] vals;
        List<Step> steps = new ArrayList<>();
        int[][] release;
        int[] inputIds;
        ValueInfo[] inputInfo;
        int[] outputIds;
        boolean[] keep;
        Map<String, Integer> fusedCounts = Map.of();
        Set<String> skipFusions = Set.of();
        final int nodeCount;

        Compiler(Runtime runtime, Ops ops, OnnxModel model, ProgressListener progress) {
            this.runtime = runtime;
            this.ops = ops;
            this.source = model.source();
            this.opset = model.opset();
            this.model = model.parsed();
            this.progress = progress;
            this.nodeCount = model.nodeCount();
        }

        private int id(String name) {
            return ids.computeIfAbsent(name, n -> {
                names.add(n);
                return names.size() - 1;
            });
        }

        void compile() {
            progress.progress("compiling the graph (" + model.nodes().size() + " nodes)", -1);
            checkOps();
            List<Object> constList = new ArrayList<>();
            for (TensorData t : model.initializers()) {
                int id = id(t.name());
                setConst(constList, id, t);
            }
            List<Integer> in = new ArrayList<>();
            List<ValueInfo> info = new ArrayList<>();
            for (ValueInfo v : model.inputs()) {
                if (!ids.containsKey(v.name())) {
                    in.add(id(v.name()));
                    info.add(v);
                }
            }
            for (Node n : model.nodes()) {
                if (n.opType().equals("Constant")) {
                    setConst(constList, id(n.outputs().get(0)), constantValue(n));
                    continue;
                }
                int[] ins = n.inputs().stream().mapToInt(s -> s.isEmpty() ? Step.NONE : id(s)).toArray();
                int[] outs = n.outputs().stream().mapToInt(s -> s.isEmpty() ? Step.NONE : id(s)).toArray();
                if (outs.length == 0 || outs[0] == Step.NONE) {
                    throw new XpuException(ErrorCode.INVALID_ARGUMENT, "ONNX " + n.describe() + " has no output");
                }
                steps.add(new Step(n, n.opType(), ins, outs));
            }
            int count = names.size();
            vals = new Object[count];
            for (int i = 0; i < constList.size(); i += 2) {
                vals[(Integer) constList.get(i)] = constList.get(i + 1);
            }
            inputIds = in.stream().mapToInt(Integer::intValue).toArray();
            inputInfo = info.toArray(new ValueInfo[0]);
            outputIds = model.outputs().stream().mapToInt(o -> ids.get(o.name())).toArray();

            fold();
            boolean[] isOutput = new boolean[count];
            for (int id : outputIds) {
                isOutput[id] = true;
            }
            Fusion.Result fr = Fusion.apply(steps, count, isOutput, this::scalar, skipFusions);
            steps = new ArrayList<>(fr.steps());
            fusedCounts = fr.counts();
            prune(isOutput);
            upload();
            plan(isOutput);
        }

        private void checkOps() {
            for (Node n : model.nodes()) {
                boolean std = n.domain().isEmpty() || n.domain().equals("ai.onnx");
                if (!std || !Kernels.SUPPORTED.contains(n.opType())) {
                    long version = model.opsets().getOrDefault(std ? "" : n.domain(), 0L);
                    throw new XpuException(ErrorCode.UNSUPPORTED_OP, "ONNX model " + source + ": op '" + n.opType()
                            + "' (" + n.describe() + ", domain '" + (std ? "ai.onnx" : n.domain()) + "', opset " + version
                            + ") is not supported; supported ops (ai.onnx): " + String.join(", ", Kernels.SUPPORTED));
                }
            }
        }

        /** Small constants live on the host; weights are uploaded later, once pruning has shown they are used. */
        private void setConst(List<Object> list, int id, Object value) {
            Object v = value;
            if (value instanceof TensorData t) {
                boolean host = t.data() != null && t.numel() <= HostArray.HOST_LIMIT
                        && (!OnnxTypes.isFloat(t.type()) || t.numel() <= 1);
                if (host) {
                    v = HostArray.of(t);
                } else {
                    pending.put(id, t);
                    v = t;
                }
            }
            list.add(id);
            list.add(v);
        }

        private Object constantValue(Node n) {
            Map<String, Attr> a = n.attrs();
            if (a.size() != 1) {
                throw new XpuException(ErrorCode.INVALID_ARGUMENT, "ONNX " + n.describe()
                        + " must have exactly one value attribute, has " + a.keySet());
            }
            Attr v = a.values().iterator().next();
            return switch (v.name()) {
                case "value" -> {
                    if (v.t() == null) {
                        throw new XpuException(ErrorCode.INVALID_ARGUMENT, "ONNX " + n.describe() + ": value is not a tensor");
                    }
                    yield v.t();
                }
                case "value_float" -> HostArray.ofReals(OnnxTypes.FLOAT, new long[0], new double[]{v.f()});
                case "value_floats" -> {
                    double[] d = new double[v.floats().length];
                    for (int i = 0; i < d.length; i++) {
                        d[i] = v.floats()[i];
                    }
                    yield HostArray.ofReals(OnnxTypes.FLOAT, new long[]{d.length}, d);
                }
                case "value_int" -> HostArray.scalarLong(v.i());
                case "value_ints" -> HostArray.longs(v.ints());
                default -> throw new XpuException(ErrorCode.UNSUPPORTED_OP, "ONNX " + n.describe() + ": attribute '"
                        + v.name() + "' is not supported (value, value_float(s), value_int(s) are)");
            };
        }

        private Double scalar(int id) {
            return vals[id] instanceof HostArray h && h.size() == 1 ? h.real(0) : null;
        }

        /** Evaluates, on the host, every step whose inputs are all host constants. */
        private void fold() {
            Exec exec = new Exec(null, opset, vals, null);
            List<Step> kept = new ArrayList<>();
            for (Step s : steps) {
                boolean constant = true;
                for (int id : s.in) {
                    constant &= id == Step.NONE || vals[id] instanceof HostArray;
                }
                if (constant) {
                    try {
                        Kernels.run(s, exec);
                        continue;
                    } catch (Exec.NeedsDevice e) {
                        // stays a step
                    }
                }
                kept.add(s);
            }
            steps = kept;
        }

        /** Drops steps whose results nothing needs, and weights that no remaining step reads. */
        private void prune(boolean[] isOutput) {
            boolean[] needed = isOutput.clone();
            List<Step> kept = new ArrayList<>();
            for (int i = steps.size() - 1; i >= 0; i--) {
                Step s = steps.get(i);
                boolean use = false;
                for (int o : s.out) {
                    use |= o != Step.NONE && needed[o];
                }
                if (use) {
                    kept.add(s);
                    markInputs(s, needed);
                    // a fused step's fallback reads the pattern's constants too
                    for (Step p : s.parts) {
                        markInputs(p, needed);
                    }
                }
            }
            java.util.Collections.reverse(kept);
            steps = kept;
            for (int id = 0; id < vals.length; id++) {
                if (!needed[id] && vals[id] != null) {
                    vals[id] = null;
                    pending.remove(id);
                }
            }
        }

        private static void markInputs(Step s, boolean[] needed) {
            for (int id : s.in) {
                if (id != Step.NONE) {
                    needed[id] = true;
                }
            }
        }

        private void upload() {
            long total = 0;
            for (TensorData t : pending.values()) {
                total += t.data() == null ? 0 : t.data().byteSize();
            }
            long done = 0;
            long lastReport = -1;
            List<Integer> order = new ArrayList<>(pending.keySet());
            order.sort(null);
            for (int id : order) {
                TensorData t = pending.get(id);
                if (t.data() == null) {
                    throw new XpuException(ErrorCode.DTYPE_MISMATCH, "ONNX model " + source + ": " + t.describe()
                            + " holds strings, which xpu4j cannot compute with");
                }
                DType dt = OnnxTypes.dtype(t.type(), "ONNX model " + source + ": " + t.describe());
                try (Scope s = runtime.scope()) {
                    vals[id] = s.detach(ops.fromSegment(t.data(), dt, t.dims()));
                }
                done += t.data().byteSize();
                long pct = total == 0 ? 100 : done * 100 / total;
                if (pct / 5 != lastReport) {
                    lastReport = pct / 5;
                    progress.progress(String.format(Locale.ROOT, "uploading weights to %s (%.1f of %.1f MB)",
                            ops.device().id(), done / 1e6, total / 1e6), total == 0 ? 1 : (double) done / total);
                }
            }
            pending.clear();
        }

        /** For each step, the values whose last reader it is (or that nothing reads). */
        private void plan(boolean[] isOutput) {
            int count = vals.length;
            keep = new boolean[count];
            for (int id = 0; id < count; id++) {
                keep[id] = vals[id] != null || isOutput[id];
            }
            for (int id : inputIds) {
                keep[id] = true;
            }
            int[] last = new int[count];
            Arrays.fill(last, -1);
            for (int i = 0; i < steps.size(); i++) {
                Step s = steps.get(i);
                for (int o : s.out) {
                    if (o != Step.NONE) {
                        last[o] = i;
                    }
                }
                for (int id : s.in) {
                    if (id != Step.NONE) {
                        last[id] = i;
                    }
                }
            }
            List<List<Integer>> rel = new ArrayList<>();
            for (int i = 0; i < steps.size(); i++) {
                rel.add(new ArrayList<>());
            }
            for (int id = 0; id < count; id++) {
                if (last[id] >= 0 && !keep[id]) {
                    rel.get(last[id]).add(id);
                }
            }
            release = new int[steps.size()][];
            for (int i = 0; i < release.length; i++) {
                release[i] = rel.get(i).stream().mapToInt(Integer::intValue).toArray();
            }
            LOG.log(System.Logger.Level.DEBUG, () -> "ONNX " + source + ": " + nodeCount + " nodes -> " + steps.size()
                    + " steps, fused " + fusedCounts);
        }

        void closeAll() {
            if (vals == null) {
                return;
            }
            for (Object v : vals) {
                if (v instanceof Tensor t) {
                    t.close();
                }
            }
        }
    }
}
