package io.xpu4j.benchmarks;

import io.xpu4j.api.DType;
import io.xpu4j.api.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.util.concurrent.TimeUnit;

/**
 * The fixed cost of one eager op: checks, kernel lookup, output allocation from the caching
 * allocator, the kernel on one element, and closing the result. {@code reshape} is the floor
 * of a view (no kernel, no allocation) for comparison.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 8, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "--sun-misc-unsafe-memory-access=allow"})
public class DispatchBench {

    @State(Scope.Benchmark)
    public static class Tiny extends XpuState {
        Tensor a;
        Tensor b;

        @Setup
        public void setup() {
            open();
            a = tensor(new float[]{1.5f}, DType.F32, 1);
            b = tensor(new float[]{2.5f}, DType.F32, 1);
        }

        @TearDown
        public void tearDown() {
            close(a, b);
        }
    }

    @Benchmark
    public void dispatch_add_xpu4j(Tiny s, Blackhole bh) {
        try (Tensor c = s.ops.add(s.a, s.b)) {
            s.sync();
            bh.consume(c);
        }
    }

    @Benchmark
    public void dispatch_reshape_xpu4j(Tiny s, Blackhole bh) {
        try (Tensor r = s.a.reshape(1, 1)) {
            bh.consume(r);
        }
    }
}
