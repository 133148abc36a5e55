package io.xpu4j.cli;

import io.xpu4j.api.BackendStatus;
import io.xpu4j.api.Config;
import io.xpu4j.api.ConfigSource;
import io.xpu4j.api.DType;
import io.xpu4j.api.Ops;
import io.xpu4j.api.Runtime;
import io.xpu4j.api.Scope;
import io.xpu4j.api.Tensor;
import io.xpu4j.api.XpuException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code xpu4j doctor}: checks what a working setup needs and prints one OK/WARN/FAIL line per
 * check, so that a user can paste the output into a bug report.
 */
@Command(name = "doctor",
        description = {"Checks the setup: Java version, the Vector API module, native access, each backend, "
                + "the effective config and where each value came from, and a small matmul on the selected "
                + "backend compared with a float64 reference.",
                "Exit code 0 when no check FAILs, 1 when one does, 2 when the config is invalid."})
final class DoctorCommand implements Callable<Integer> {
    static final int REQUIRED_JAVA = 25;
    static final int SMOKE_N = 64;
    /** F32 accumulation over 64 products of values in [-1, 1] stays far below this. */
    static final double SMOKE_TOLERANCE = 1e-3;

    enum Status { OK, WARN, FAIL }

    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    private PrintWriter out;
    private final List<Status> results = new ArrayList<>();

    @Override
    public Integer call() {
        out = spec.commandLine().getOut();
        checkJava();
        boolean vector = checkVector();
        checkNativeAccess();
        for (BackendStatus s : Runtime.backends()) {
            checkBackend(s);
        }
        XpuException configError = null;
        Config config = null;
        try {
            config = main.loadConfig();
            reportConfig(config);
        } catch (XpuException e) {
            configError = e;
            report(Status.FAIL, "config", e.getMessage());
        }
        if (config == null) {
            report(Status.FAIL, "smoke", "skipped: no valid config");
        } else if (!vector) {
            report(Status.FAIL, "smoke", "skipped: the CPU backend needs jdk.incubator.vector");
        } else {
            smoke(config);
        }
        long fails = results.stream().filter(s -> s == Status.FAIL).count();
        long warns = results.stream().filter(s -> s == Status.WARN).count();
        out.printf("%d OK, %d WARN, %d FAIL%n", results.size() - fails - warns, warns, fails);
        out.flush();
        if (configError != null) {
            // exit code 2 and the message on stderr, like every command on a bad config
            throw configError;
        }
        return fails == 0 ? Main.OK : Main.CHECK_FAILED;
    }

    private void report(Status status, String name, String detail) {
        results.add(status);
        String[] lines = detail.split("\n", -1);
        out.printf("%-4s  %-14s %s%n", status, name, lines[0]);
        for (int i = 1; i < lines.length; i++) {
            out.printf("%-4s  %-14s %s%n", "", "", lines[i]);
        }
        out.flush();
    }

    private void checkJava() {
        java.lang.Runtime.Version v = java.lang.Runtime.version();
        String detail = v + " (" + System.getProperty("java.vendor") + ") at " + System.getProperty("java.home");
        if (v.feature() >= REQUIRED_JAVA) {
            report(Status.OK, "java", detail);
        } else {
            report(Status.FAIL, "java", detail + "; xpu4j needs Java " + REQUIRED_JAVA + " or newer");
        }
    }

    private boolean checkVector() {
        if (!VectorInfo.moduleLoaded()) {
            report(Status.FAIL, "vector api", "jdk.incubator.vector is not loaded; start java with "
                    + "--add-modules jdk.incubator.vector (the ./xpu4j launcher does)");
            return false;
        }
        report(Status.OK, "vector api", "jdk.incubator.vector loaded; " + VectorInfo.preferredSpecies());
        return true;
    }

    private void checkNativeAccess() {
        if (DoctorCommand.class.getModule().isNativeAccessEnabled()) {
            report(Status.OK, "native access", "enabled for " + moduleName());
        } else {
            // xpu4j calls native code (the CPU allocator, CUDA, CANN): today the JDK warns, later it will refuse
            report(Status.WARN, "native access", "not enabled for " + moduleName() + "; xpu4j calls native "
                    + "functions through the FFM API, which the JDK will block in a future release: start java "
                    + "with --enable-native-access=ALL-UNNAMED (the ./xpu4j launcher does)");
        }
    }

    private static String moduleName() {
        Module m = DoctorCommand.class.getModule();
        return m.isNamed() ? "module " + m.getName() : "the class path (ALL-UNNAMED)";
    }

    private void checkBackend(BackendStatus s) {
        String name = "backend " + s.id();
        if (s.availability().available()) {
            String devices = s.devices().stream().map(d -> s.id() + ":" + d.index() + " " + d.name())
                    .reduce((a, b) -> a + "; " + b).orElse("no devices");
            report(s.devices().isEmpty() ? Status.WARN : Status.OK, name,
                    "available (" + s.availability().reason() + "): " + devices);
        } else {
            // only the CPU backend is required; accelerators are optional
            report(s.id().equals("cpu") ? Status.FAIL : Status.WARN, name,
                    "unavailable: " + s.availability().reason());
        }
    }

    private void reportConfig(Config config) {
        StringBuilder sb = new StringBuilder();
        String file = main.configFile == null ? "" : " (--config " + main.configFile + ")";
        sb.append("valid").append(file);
        for (Map.Entry<String, ConfigSource> e : config.sources().entrySet()) {
            sb.append('\n').append(e.getKey()).append(" = ").append(value(config, e.getKey()))
                    .append("  [").append(config.sourceOf(e.getKey())).append(']');
        }
        report(Status.OK, "config", sb.toString());
    }

    private static String value(Config c, String key) {
        return switch (key) {
            case "backend" -> c.backend();
            case "device" -> Integer.toString(c.device());
            case "fallbackBackends" -> c.fallbackBackends().toString();
            case "opFallback" -> c.opFallback().name().toLowerCase(Locale.ROOT);
            case "defaultDType" -> c.defaultDType().name().toLowerCase(Locale.ROOT);
            case "matmulPrecision" -> c.matmulPrecision().id();
            case "memory.limitBytes" -> c.memoryLimitBytes() == 0 ? "0 (unlimited)"
                    : Sizes.bytesExact(c.memoryLimitBytes());
            default -> "(see Config.toString: " + c + ")";
        };
    }

    private void smoke(Config config) {
        int n = SMOKE_N;
        float[] a = new float[n * n];
        float[] b = new float[n * n];
        for (int i = 0; i < n * n; i++) {
            // deterministic values in [-1, 1] with no pattern a kernel bug could hide behind
            a[i] = (float) Math.sin(0.37 * i + 0.1);
            b[i] = (float) Math.cos(0.91 * i - 0.3);
        }
        double[] ref = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int k = 0; k < n; k++) {
                    s += (double) a[i * n + k] * b[k * n + j];
                }
                ref[i * n + j] = s;
            }
        }
        String what = "matmul " + n + "x" + n + " @ " + n + "x" + n + " F32";
        try (Runtime rt = Runtime.create(config)) {
            float[] got;
            try (Scope scope = rt.scope()) {
                Ops ops = rt.ops();
                Tensor c = ops.matmul(ops.tensor(a, n, n), ops.tensor(b, n, n));
                got = c.toFloatArray();
            }
            double maxDiff = 0;
            for (int i = 0; i < got.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(got[i] - ref[i]));
            }
            String detail = String.format(Locale.ROOT, "%s on %s (%s): max abs diff %.2e vs float64 (tolerance %.0e)",
                    what, rt.device().id(), rt.device().name(), maxDiff, SMOKE_TOLERANCE);
            Status st = maxDiff <= SMOKE_TOLERANCE ? Status.OK : Status.FAIL;
            if (st == Status.OK && !rt.selectionNote().isEmpty()) {
                st = Status.WARN;
                detail += "\nbackend '" + config.backend() + "' fell back: " + rt.selectionNote();
            }
            if (st == Status.OK && !rt.opFallbackCounts().isEmpty()) {
                st = Status.WARN;
                detail += "\nran on the CPU through op fallback: " + rt.opFallbackCounts();
            }
            report(st, "smoke", detail);
        } catch (XpuException e) {
            report(Status.FAIL, "smoke", what + " failed: " + e.getMessage());
        }
    }
}
