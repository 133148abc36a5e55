package io.xpu4j.benchmarks;

import io.xpu4j.api.DType;
import io.xpu4j.api.Tensor;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_full;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.util.concurrent.TimeUnit;

/**
 * The bandwidth-bound ops, on tensors well beyond the last-level cache (64 MiB each against a
 * 32 MiB L3; the transposing copy 48 MiB), plus attention. Only the add has a peer: OpenBLAS's
 * saxpy (y += x) moves the same bytes per element (two reads, one write) as a + b into a new
 * tensor.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 8, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "--sun-misc-unsafe-memory-access=allow"})
public class RowOpsBench {

    @State(Scope.Benchmark)
    public static class Add extends XpuState {
        @Param({"16777216"})
        public int n;
        Tensor a;
        Tensor b;

        @Setup
        public void setup() {
            open();
            a = tensor(Data.uniform(1, n), DType.F32, n);
            b = tensor(Data.uniform(2, n), DType.F32, n);
        }

        @TearDown
        public void tearDown() {
            close(a, b);
        }
    }

    @State(Scope.Benchmark)
    public static class AddPeer {
        @Param({"16777216"})
        public int n;
        FloatPointer x;
        FloatPointer y;

        @Setup
        public void setup() {
            OpenBlas.init();
            x = OpenBlas.pointer(Data.uniform(1, n));
            y = OpenBlas.pointer(Data.uniform(2, n));
        }

        @TearDown
        public void tearDown() {
            OpenBlas.free(x, y);
        }
    }

    @Benchmark
    public void add_xpu4j(Add s, Blackhole bh) {
        try (Tensor c = s.ops.add(s.a, s.b)) {
            s.sync();
            bh.consume(c);
        }
    }

    @Benchmark
    public void add_openblas(AddPeer s) {
        openblas_full.cblas_saxpy(s.n, 1f, s.x, 1, s.y, 1);
    }

    /** softmax, layernorm and rmsnorm over the last axis of [rows, cols]. */
    @State(Scope.Benchmark)
    public static class Rows extends XpuState {
        @Param({"4096"})
        public int rows;
        @Param({"4096"})
        public int cols;
        Tensor x;
        Tensor weight;
        Tensor bias;

        @Setup
        public void setup() {
            open();
            x = tensor(Data.uniform(1, (long) rows * cols), DType.F32, rows, cols);
            weight = tensor(Data.uniform(2, cols), DType.F32, cols);
            bias = tensor(Data.uniform(3, cols), DType.F32, cols);
        }

        @TearDown
        public void tearDown() {
            close(x, weight, bias);
        }
    }

    @Benchmark
    public void softmax_xpu4j(Rows s, Blackhole bh) {
        try (Tensor y = s.ops.softmax(s.x, -1)) {
            s.sync();
            bh.consume(y);
        }
    }

    @Benchmark
    public void layernorm_xpu4j(Rows s, Blackhole bh) {
        try (Tensor y = s.ops.layerNorm(s.x, s.weight, s.bias, 1e-5)) {
            s.sync();
            bh.consume(y);
        }
    }

    @Benchmark
    public void rmsnorm_xpu4j(Rows s, Blackhole bh) {
        try (Tensor y = s.ops.rmsNorm(s.x, s.weight, 1e-6)) {
            s.sync();
            bh.consume(y);
        }
    }

    /**
     * The layout copies attention needs: [tokens, heads, dim] viewed as [heads, tokens, dim] (rows
     * of dim contiguous floats, heads·dim apart) and made contiguous, and with {@code headsFirst}
     * the way back, [heads, tokens, dim] viewed as [tokens, heads, dim]. 48 MiB, beyond the L3.
     */
    @State(Scope.Benchmark)
    public static class Transpose extends XpuState {
        @Param({"32768"})
        public int tokens;
        @Param({"12"})
        public int heads;
        @Param({"32"})
        public int dim;
        @Param({"false", "true"})
        public boolean headsFirst;
        Tensor x;
        Tensor view;

        @Setup
        public void setup() {
            open();
            long n = (long) tokens * heads * dim;
            x = headsFirst ? tensor(Data.uniform(5, n), DType.F32, heads, tokens, dim)
                    : tensor(Data.uniform(5, n), DType.F32, tokens, heads, dim);
            view = x.transpose(0, 1);
        }

        @TearDown
        public void tearDown() {
            close(view, x);
        }
    }

    @Benchmark
    public void transpose_xpu4j(Transpose s, Blackhole bh) {
        try (Tensor y = s.ops.contiguous(s.view)) {
            s.sync();
            bh.consume(y);
        }
    }

    /** Scaled dot-product attention, B=1, H=12, D=64 (a BERT-base layer), no mask. */
    @State(Scope.Benchmark)
    public static class Attention extends XpuState {
        @Param({"128", "512"})
        public int s;
        static final int HEADS = 12;
        static final int HEAD_DIM = 64;
        Tensor q;
        Tensor k;
        Tensor v;

        @Setup
        public void setup() {
            open();
            long n = (long) HEADS * s * HEAD_DIM;
            q = tensor(Data.uniform(1, n), DType.F32, 1, HEADS, s, HEAD_DIM);
            k = tensor(Data.uniform(2, n), DType.F32, 1, HEADS, s, HEAD_DIM);
            v = tensor(Data.uniform(3, n), DType.F32, 1, HEADS, s, HEAD_DIM);
        }

        @TearDown
        public void tearDown() {
            close(q, k, v);
        }
    }

    @Benchmark
    public void attention_xpu4j(Attention s, Blackhole bh) {
        try (Tensor y = s.ops.scaledDotProductAttention(s.q, s.k, s.v, null, false, Double.NaN)) {
            s.sync();
            bh.consume(y);
        }
    }
}
