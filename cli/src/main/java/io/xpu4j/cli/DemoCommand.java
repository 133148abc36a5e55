package io.xpu4j.cli;

import io.xpu4j.api.Config;
import io.xpu4j.api.Device;
import io.xpu4j.api.MemoryStats;
import io.xpu4j.api.Runtime;
import io.xpu4j.api.Scope;
import io.xpu4j.api.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code xpu4j demo}: runs a small random-weight transformer encoder stack on one backend,
 * times it, shows the allocator's counters, checks that nothing is left allocated, and compares
 * with the CPU backend when it ran elsewhere.
 */
@Command(name = "demo", sortOptions = false,
        description = {"Builds a small transformer encoder stack with random weights (embedding; per layer: "
                + "layerNorm, q/k/v linear, rope, causal attention, output linear, residual, rmsNorm, "
                + "GELU MLP, residual), runs it on the chosen backend and reports device, output shape, "
                + "checksum, time per forward pass, memory, and parity with the CPU backend.",
                "Exit code 0 when live memory is 0 after the model is freed and parity holds, 1 otherwise."})
final class DemoCommand implements Callable<Integer> {
    static final List<String> BACKENDS = List.of("auto", "cpu", "cuda", "cann");

    @Option(names = "--backend", paramLabel = "BACKEND",
            description = "auto, cpu, cuda or cann. Given explicitly, exactly that backend is used (no "
                    + "fallback); default: the configured backend, with its fallbacks.")
    String backend;

    @Option(names = "--seq", paramLabel = "N", description = "Sequence length (default: ${DEFAULT-VALUE}).")
    int seq = 128;

    @Option(names = "--dim", paramLabel = "N", description = "Model width (default: ${DEFAULT-VALUE}).")
    int dim = 256;

    @Option(names = "--heads", paramLabel = "N",
            description = "Attention heads; must divide --dim into an even head size (default: ${DEFAULT-VALUE}).")
    int heads = 4;

    @Option(names = "--layers", paramLabel = "N", description = "Layers (default: ${DEFAULT-VALUE}).")
    int layers = 4;

    @Option(names = "--seed", paramLabel = "N",
            description = "Seed for the weights and the input tokens (default: ${DEFAULT-VALUE}).")
    long seed = 42;

    @Option(names = "--iterations", paramLabel = "N",
            description = "Timed forward passes after the warm-up (default: ${DEFAULT-VALUE}).")
    int iterations = 5;

    @Option(names = "--warmup", paramLabel = "N",
            description = "Untimed forward passes first; the JIT needs several for steady-state times "
                    + "(default: ${DEFAULT-VALUE}).")
    int warmup = 1;

    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    /** Parity bound: relative to the largest output magnitude, loose enough for other summation orders. */
    static final double PARITY_TOLERANCE = 1e-3;

    private record Run(float[] output, long[] shape, double[] millis, MemoryStats loaded, MemoryStats afterClose) {
    }

    @Override
    public Integer call() {
        DemoModel.Shape shape = validate();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();

        Config loaded = main.loadConfig();
        Config config = backend == null ? loaded
                : loaded.toBuilder().backend(backend).fallbackBackends(List.of()).build();
        progress(err, "starting the runtime (backend " + config.backend() + ", from "
                + (backend == null ? String.valueOf(config.sourceOf("backend")) : "--backend") + ")");
        try (Runtime rt = Runtime.create(config)) {
            Device device = rt.device();
            out.printf("backend      %s (requested %s%s)%n", device.backendId(), config.backend(),
                    rt.selectionNote().isEmpty() ? "" : "; fell back: " + rt.selectionNote());
            out.printf("device       %s  %s%n", device.id(), device.name());
            out.printf("model        %d layers, dim %d, %d heads of %d, mlp %d, vocab %d, seq %d, batch 1, seed %d,"
                            + " F32%n",
                    layers, dim, heads, shape.headDim(), shape.hidden(), DemoModel.VOCAB, seq, seed);
            out.flush();

            Run run = run(rt, device, shape, err);
            out.printf("output       F32%s%n", Arrays.toString(run.shape()));
            out.printf(Locale.ROOT, "checksum     sum %.6f, mean |x| %.6f%n", sum(run.output()), meanAbs(run.output()));
            // the median, because the first passes after one warm-up still include JIT compilation
            double[] sorted = run.millis().clone();
            Arrays.sort(sorted);
            double median = sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                    : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
            double seconds = median / 1e3;
            out.printf(Locale.ROOT, "time         %.2f ms per forward pass (median of %d after %d warm-up%s;"
                            + " min %.2f, max %.2f), %.0f tokens/s, %.2f GFLOP/s%n",
                    median, iterations, warmup, warmup == 1 ? "" : "s", sorted[0], sorted[sorted.length - 1],
                    seq / seconds, shape.flops() / seconds / 1e9);
            out.printf("memory       live %s, peak %s, cached %s (%d allocations, %d from the driver)%n",
                    Sizes.bytes(run.loaded().liveBytes()), Sizes.bytes(run.loaded().peakLiveBytes()),
                    Sizes.bytes(run.loaded().cachedBytes()), run.loaded().allocations(),
                    run.loaded().driverAllocations());
            boolean ok = reportFreed(out, device, run.afterClose());

            if (device.backendId().equals("cpu")) {
                out.println("parity       skipped: ran on the CPU backend itself");
            } else {
                progress(err, "parity: running the same model on cpu:0");
                Device cpu = rt.cpu();
                Run ref = run(rt, cpu, shape, err);
                double diff = maxAbsDiff(run.output(), ref.output());
                double bound = PARITY_TOLERANCE * Math.max(1, maxAbs(ref.output()));
                boolean same = diff <= bound;
                out.printf(Locale.ROOT, "parity       max abs diff %.3e vs %s (bound %.1e): %s%n",
                        diff, cpu.id(), bound, same ? "OK" : "FAIL");
                ok &= same & reportFreed(out, cpu, ref.afterClose());
            }
            out.println("result       " + (ok ? "OK" : "FAIL"));
            out.flush();
            return ok ? Main.OK : Main.CHECK_FAILED;
        }
    }

    private boolean reportFreed(PrintWriter out, Device device, MemoryStats after) {
        boolean ok = after.liveBytes() == 0;
        out.printf("freed        %s: live %d bytes after the scope closed (%s cached for reuse%s): %s%n",
                device.id(), after.liveBytes(), Sizes.bytes(after.cachedBytes()),
                after.leakedTensors() == 0 ? "" : ", " + after.leakedTensors() + " leaked tensor(s)",
                ok ? "OK" : "FAIL");
        return ok;
    }

    private Run run(Runtime rt, Device device, DemoModel.Shape shape, PrintWriter err) {
        float[] output;
        long[] outShape;
        double[] millis = new double[iterations];
        MemoryStats loaded;
        try (Scope scope = rt.scope()) {
            progress(err, "building the model on " + device.id());
            DemoModel model = new DemoModel(rt, rt.ops(device), shape, seed);
            for (int i = 0; i < warmup; i++) {
                progress(err, "warm-up forward pass " + (i + 1) + "/" + warmup + " on " + device.id());
                try (Tensor y = model.forward()) {
                    y.toFloatArray();
                }
            }
            output = null;
            outShape = null;
            for (int i = 0; i < iterations; i++) {
                long t0 = System.nanoTime();
                try (Tensor y = model.forward()) {
                    // reading the result waits for the device, so the time covers all the work
                    output = y.toFloatArray();
                    outShape = y.shape();
                }
                millis[i] = (System.nanoTime() - t0) / 1e6;
                progress(err, String.format(Locale.ROOT, "forward pass %d/%d: %.2f ms", i + 1, iterations, millis[i]));
            }
            device.synchronize();
            loaded = device.allocator().stats();
        }
        device.synchronize();
        return new Run(output, outShape, millis, loaded, device.allocator().stats());
    }

    private DemoModel.Shape validate() {
        requirePositive("--seq", seq);
        requirePositive("--dim", dim);
        requirePositive("--heads", heads);
        requirePositive("--layers", layers);
        requirePositive("--iterations", iterations);
        if (warmup < 0) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '--warmup': " + warmup
                    + "; must be at least 0");
        }
        if (backend != null && !BACKENDS.contains(backend.strip().toLowerCase(Locale.ROOT))) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '--backend': '" + backend
                    + "' is not a backend; allowed: " + String.join(", ", BACKENDS));
        }
        if (dim % heads != 0 || (dim / heads) % 2 != 0) {
            int suggestion = heads * 2 * Math.max(1, dim / (heads * 2));
            throw new ParameterException(spec.commandLine(), "--dim " + dim + " must split into --heads " + heads
                    + " heads of an even size (rope rotates pairs); e.g. --dim " + suggestion);
        }
        return new DemoModel.Shape(seq, dim, heads, layers);
    }

    private void requirePositive(String option, long value) {
        if (value <= 0) {
            throw new ParameterException(spec.commandLine(), "Invalid value for option '" + option + "': " + value
                    + "; must be at least 1");
        }
    }

    private static void progress(PrintWriter err, String line) {
        err.println("xpu4j demo: " + line);
        err.flush();
    }

    private static double sum(float[] v) {
        double s = 0;
        for (float f : v) {
            s += f;
        }
        return s;
    }

    private static double meanAbs(float[] v) {
        double s = 0;
        for (float f : v) {
            s += Math.abs(f);
        }
        return v.length == 0 ? 0 : s / v.length;
    }

    private static double maxAbs(float[] v) {
        double m = 0;
        for (float f : v) {
            m = Math.max(m, Math.abs(f));
        }
        return m;
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs((double) a[i] - b[i]));
        }
        return m;
    }
}
