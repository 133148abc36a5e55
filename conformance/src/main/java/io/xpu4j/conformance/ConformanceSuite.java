package io.xpu4j.conformance;

import io.xpu4j.api.Allocator;
import io.xpu4j.api.BackendStatus;
import io.xpu4j.api.Config;
import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.Runtime;
import io.xpu4j.api.Scope;
import io.xpu4j.api.XpuException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The operator conformance suite: every op of {@code docs/ops.md}, every dtype it supports, on
 * random shapes (fixed seeds) and edge cases, checked against the float64 references of
 * {@link Reference} and {@link NnReference} within the tolerances of {@link Tolerance}.
 *
 * <p>A backend module runs it by extending this class in its tests:
 * <pre>{@code
 * class CudaConformanceTest extends ConformanceSuite {
 *     protected String backendId() { return "cuda"; }
 * }
 * }</pre>
 *
 * <ul>
 *   <li>The backend is probed first ({@link Runtime#backends()}). If it cannot run here, every
 *       test is reported as skipped (aborted) with the probe's reason: never as passed.</li>
 *   <li>The runtime allows no backend fallback and no per-op CPU fallback, so an op without a
 *       kernel on the backend fails with {@link ErrorCode#UNSUPPORTED_OP} instead of quietly
 *       running on the CPU.</li>
 *   <li>After each test the device allocator must hold no more live bytes than before it: a
 *       leak fails the test, naming the op.</li>
 *   <li>Test names carry the seed; {@code -Dxpu4j.conformance.filter=REGEX} runs only the cases
 *       whose "op: name" matches (e.g. {@code 'matmul: F16 large'}).</li>
 * </ul>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ConformanceSuite {
    private Runtime runtime;
    private RuntimeException startFailure;
    private final Map<String, int[]> tally = new TreeMap<>();
    private final Map<String, List<String>> failures = new LinkedHashMap<>();
    private String unavailable;

    /** The backend under test: {@code cpu}, {@code cuda} or {@code cann}. */
    protected abstract String backendId();

    @TestFactory
    public Stream<DynamicNode> ops() {
        String id = backendId();
        Optional<BackendStatus> status = Runtime.backends().stream().filter(s -> s.id().equals(id)).findFirst();
        if (status.isEmpty()) {
            unavailable = "backend " + id + " unavailable: no such backend; known: "
                    + Runtime.backends().stream().map(BackendStatus::id).toList();
        } else if (!status.get().availability().available()) {
            unavailable = "backend " + id + " unavailable: " + status.get().availability().reason();
        }
        if (unavailable != null) {
            System.out.println("[conformance] " + unavailable + " -- every test of the suite is skipped");
        }
        String filter = System.getProperty("xpu4j.conformance.filter", "");
        Pattern p = filter.isBlank() ? null : Pattern.compile(filter);
        Map<String, List<DynamicNode>> byOp = new LinkedHashMap<>();
        for (Case c : Cases.all()) {
            if (p != null && !p.matcher(c.op() + ": " + c.name()).find()) {
                continue;
            }
            byOp.computeIfAbsent(c.op(), k -> new ArrayList<>())
                    .add(DynamicTest.dynamicTest(c.displayName(), () -> run(c)));
        }
        return byOp.entrySet().stream().map(e -> DynamicContainer.dynamicContainer(e.getKey(), e.getValue().stream()));
    }

    private Runtime runtime() {
        if (runtime == null && startFailure == null) {
            try {
                runtime = Runtime.create(Config.builder().backend(backendId()).fallbackBackends(List.of())
                        .opFallback(Config.OpFallback.ERROR).build());
            } catch (RuntimeException e) {
                startFailure = e;
            }
        }
        if (startFailure != null) {
            throw new AssertionFailedError("backend " + backendId() + " is available but its runtime did not start: "
                    + startFailure.getMessage(), startFailure);
        }
        return runtime;
    }

    private void run(Case c) throws Throwable {
        if (unavailable != null) {
            count(c.op(), 2);
            Assumptions.abort(unavailable);
        }
        Runtime rt = runtime();
        Allocator alloc = rt.device().allocator();
        long before = alloc.stats().liveBytes();
        Harness h = new Harness(rt, c.seed(), c.op() + " " + c.name());
        Throwable failure = null;
        long leaked;
        int unclosed;
        // The scope only catches what the body (or an op) failed to close, so one leak cannot
        // spill into the next test; the leak is measured before it closes anything.
        try (Scope scope = rt.scope()) {
            try {
                c.body().run(h);
            } catch (XpuException e) {
                // the message names op, dtypes and backend; the stack would only show the dispatcher
                failure = e.code() == ErrorCode.UNSUPPORTED_OP
                        ? new AssertionFailedError(c.op() + " " + c.name() + ": no kernel on " + backendId() + ": "
                        + e.getMessage()) : e;
            } catch (Throwable t) {
                failure = t;
            } finally {
                h.closeAll();
            }
            leaked = alloc.stats().liveBytes() - before;
            unclosed = scope.size();
        }
        if (leaked > 0 || unclosed > 0) {
            AssertionFailedError leak = new AssertionFailedError("leak in op '" + c.op() + "' (" + c.name() + "): "
                    + leaked + " bytes still live on " + rt.device().id() + " and " + unclosed
                    + " tensor(s) left unclosed after every tensor the test obtained was closed");
            if (failure == null) {
                failure = leak;
            } else {
                failure.addSuppressed(leak);
            }
        }
        if (failure != null) {
            count(c.op(), 1);
            failures.computeIfAbsent(c.op(), k -> new ArrayList<>()).add(c.displayName() + " -- " + firstLine(failure));
            throw failure;
        }
        count(c.op(), 0);
    }

    private synchronized void count(String op, int outcome) {
        tally.computeIfAbsent(op, k -> new int[3])[outcome]++;
    }

    private static String firstLine(Throwable t) {
        if (t instanceof TestAbortedException) {
            return "skipped";
        }
        String m = String.valueOf(t.getMessage());
        int nl = m.indexOf('\n');
        return t.getClass().getSimpleName() + ": " + (nl < 0 ? m : m.substring(0, nl));
    }

    @AfterAll
    public void finish() {
        int[] total = new int[3];
        StringBuilder sb = new StringBuilder("[conformance] backend " + backendId() + ": ");
        tally.values().forEach(v -> {
            for (int i = 0; i < 3; i++) {
                total[i] += v[i];
            }
        });
        sb.append(total[0]).append(" passed, ").append(total[1]).append(" failed, ").append(total[2]).append(" skipped");
        if (unavailable != null) {
            sb.append(" (").append(unavailable).append(')');
        }
        tally.forEach((op, v) -> {
            if (v[1] > 0) {
                sb.append("\n  ").append(op).append(": ").append(v[1]).append(" of ").append(v[0] + v[1]).append(" failed");
            }
        });
        if (Boolean.getBoolean("xpu4j.conformance.listFailures")) {
            failures.forEach((op, list) -> list.forEach(f -> sb.append("\n    ").append(op).append(": ").append(f)));
        }
        System.out.println(sb);
        if (runtime != null) {
            runtime.close();
        }
    }
}
