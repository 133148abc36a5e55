package io.xpu4j.benchmarks;

import io.xpu4j.api.BackendStatus;
import io.xpu4j.api.Config;
import io.xpu4j.api.DType;
import io.xpu4j.api.Ops;
import io.xpu4j.api.Runtime;
import io.xpu4j.api.Tensor;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

import java.util.List;

/**
 * What every xpu4j benchmark state shares: the backend parameter and a runtime on it. Fallbacks
 * are switched off, so a figure labelled {@code cuda} can never be the CPU in disguise. Any
 * backend id works ({@code -p backend=cuda}); one that cannot run here fails the setup with the
 * probe's reason.
 */
@State(Scope.Benchmark)
public abstract class XpuState {
    @Param({"cpu"})
    public String backend;

    protected Runtime runtime;
    protected Ops ops;

    protected void open() {
        // a clear setup failure (JMH reports it and goes on) instead of a runtime error deep in a fork
        Runtime.backends().stream().filter(st -> st.id().equals(backend)).findFirst().ifPresentOrElse(st -> {
            if (!st.availability().available()) {
                throw new IllegalStateException("backend '" + backend + "' is not available on this machine: "
                        + st.availability().reason() + " (the default set runs -p backend=cpu)");
            }
        }, () -> {
            throw new IllegalArgumentException("no backend '" + backend + "'; known: "
                    + Runtime.backends().stream().map(BackendStatus::id).toList());
        });
        runtime = Runtime.create(Config.builder().backend(backend).fallbackBackends(List.of())
                .opFallback(Config.OpFallback.ERROR).build());
        ops = runtime.ops();
    }

    /** A tensor of {@code dtype} holding the given floats (rounded to the dtype). */
    protected Tensor tensor(float[] data, DType dtype, long... shape) {
        try (Tensor f = ops.tensor(data, shape)) {
            return dtype == DType.F32 ? f.share() : ops.cast(f, dtype);
        }
    }

    /** Waits for queued work, so that asynchronous backends are timed to completion. */
    protected void sync() {
        runtime.device().synchronize();
    }

    protected void close(Tensor... ts) {
        for (Tensor t : ts) {
            if (t != null) {
                t.close();
            }
        }
        if (runtime != null) {
            runtime.close();
        }
    }
}
