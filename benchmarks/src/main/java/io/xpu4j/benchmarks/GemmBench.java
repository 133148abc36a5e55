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
 * GEMM in every shape the issue names: square F32 (compute-bound), the skinny x·Wᵀ of a linear
 * layer at inference (M = tokens, weight-bandwidth-bound), BF16/F16 inputs with F32 accumulation,
 * and GEMV. The xpu4j figures include taking the output from the caching allocator (the public
 * API has no out= form); the peer writes into a preallocated C.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 8, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "--sun-misc-unsafe-memory-access=allow"})
public class GemmBench {

    // ---------------------------------------------------------------- square SGEMM

    @State(Scope.Benchmark)
    public static class Square extends XpuState {
        @Param({"256", "512", "1024", "2048", "4096"})
        public int n;
        Tensor a;
        Tensor b;

        @Setup
        public void setup() {
            open();
            float[] ha = Data.uniform(1, (long) n * n);
            float[] hb = Data.uniform(2, (long) n * n);
            a = tensor(ha, DType.F32, n, n);
            b = tensor(hb, DType.F32, n, n);
            try (Tensor c = ops.matmul(a, b)) {
                float[] hc = c.toFloatArray();
                Data.checkMatmul("xpu4j sgemm " + n, ha, hb, i -> hc[(int) i], n, n, n, false);
            }
        }

        @TearDown
        public void tearDown() {
            close(a, b);
        }
    }

    @State(Scope.Benchmark)
    public static class SquarePeer {
        @Param({"256", "512", "1024", "2048", "4096"})
        public int n;
        float[] ha;
        float[] hb;
        FloatPointer a;
        FloatPointer b;
        FloatPointer c;

        @Setup
        public void setup() {
            OpenBlas.init();
            ha = Data.uniform(1, (long) n * n);
            hb = Data.uniform(2, (long) n * n);
            a = OpenBlas.pointer(ha);
            b = OpenBlas.pointer(hb);
            c = new FloatPointer((long) n * n);
            run();
            Data.checkMatmul("OpenBLAS sgemm " + n, ha, hb, c::get, n, n, n, false);
        }

        void run() {
            openblas_full.cblas_sgemm(OpenBlas.ROW_MAJOR, OpenBlas.NO_TRANS, OpenBlas.NO_TRANS, n, n, n,
                    1f, a, n, b, n, 0f, c, n);
        }

        @TearDown
        public void tearDown() {
            OpenBlas.free(a, b, c);
        }
    }

    @Benchmark
    public void sgemm_xpu4j(Square s, Blackhole bh) {
        try (Tensor c = s.ops.matmul(s.a, s.b)) {
            s.sync();
            bh.consume(c);
        }
    }

    @Benchmark
    public void sgemm_openblas(SquarePeer s) {
        s.run();
    }

    // ---------------------------------------------------------------- skinny x·Wᵀ

    @State(Scope.Benchmark)
    public static class Skinny extends XpuState {
        @Param({"1", "8", "32"})
        public int m;
        /** K = N: the weight is [kn, kn]. */
        @Param({"1024", "4096"})
        public int kn;
        Tensor x;
        Tensor w;

        @Setup
        public void setup() {
            open();
            float[] hx = Data.uniform(3, (long) m * kn);
            float[] hw = Data.uniform(4, (long) kn * kn);
            x = tensor(hx, DType.F32, m, kn);
            w = tensor(hw, DType.F32, kn, kn);
            try (Tensor y = ops.linear(x, w, null)) {
                float[] hy = y.toFloatArray();
                Data.checkMatmul("xpu4j x·Wᵀ " + m + "x" + kn, hx, hw, i -> hy[(int) i], m, kn, kn, true);
            }
        }

        @TearDown
        public void tearDown() {
            close(x, w);
        }
    }

    @State(Scope.Benchmark)
    public static class SkinnyPeer {
        @Param({"1", "8", "32"})
        public int m;
        @Param({"1024", "4096"})
        public int kn;
        FloatPointer x;
        FloatPointer w;
        FloatPointer y;

        @Setup
        public void setup() {
            OpenBlas.init();
            float[] hx = Data.uniform(3, (long) m * kn);
            float[] hw = Data.uniform(4, (long) kn * kn);
            x = OpenBlas.pointer(hx);
            w = OpenBlas.pointer(hw);
            y = new FloatPointer((long) m * kn);
            run();
            Data.checkMatmul("OpenBLAS x·Wᵀ " + m + "x" + kn, hx, hw, y::get, m, kn, kn, true);
        }

        void run() {
            openblas_full.cblas_sgemm(OpenBlas.ROW_MAJOR, OpenBlas.NO_TRANS, OpenBlas.TRANS, m, kn, kn,
                    1f, x, kn, w, kn, 0f, y, kn);
        }

        @TearDown
        public void tearDown() {
            OpenBlas.free(x, w, y);
        }
    }

    @Benchmark
    public void skinny_xpu4j(Skinny s, Blackhole bh) {
        try (Tensor y = s.ops.linear(s.x, s.w, null)) {
            s.sync();
            bh.consume(y);
        }
    }

    @Benchmark
    public void skinny_openblas(SkinnyPeer s) {
        s.run();
    }

    // ---------------------------------------------------------------- skinny x·Wᵀ, BF16 / F16

    /**
     * A half-precision linear layer at decode-sized M: x and W in BF16 or F16, the output in the
     * same dtype, F32 accumulation. No peer (this OpenBLAS has no half-precision GEMM); the F32
     * skinny rows of the same M and K = N are the comparison, at twice the weight bytes.
     */
    @State(Scope.Benchmark)
    public static class SkinnyHalf extends XpuState {
        @Param({"BF16", "F16"})
        public String dtype;
        @Param({"1", "8", "32"})
        public int m;
        /** K = N: the weight is [kn, kn]. */
        @Param({"4096"})
        public int kn;
        Tensor x;
        Tensor w;

        @Setup
        public void setup() {
            open();
            DType t = DType.parse(dtype);
            x = tensor(Data.uniform(3, (long) m * kn), t, m, kn);
            w = tensor(Data.uniform(4, (long) kn * kn), t, kn, kn);
            try (Tensor y = ops.linear(x, w, null)) {
                float[] hy = y.toFloatArray();
                Data.checkMatmul("xpu4j " + dtype + " x·Wᵀ " + m + "x" + kn, x.toFloatArray(), w.toFloatArray(),
                        i -> hy[(int) i], m, kn, kn, true, t == DType.BF16 ? 0x1p-8 : 0x1p-11);
            }
        }

        @TearDown
        public void tearDown() {
            close(x, w);
        }
    }

    @Benchmark
    public void skinny_half_xpu4j(SkinnyHalf s, Blackhole bh) {
        try (Tensor y = s.ops.linear(s.x, s.w, null)) {
            s.sync();
            bh.consume(y);
        }
    }

    // ---------------------------------------------------------------- BF16 / F16 inputs

    /**
     * No peer here: the OpenBLAS in the JavaCPP jar is built without sbgemm/shgemm, so the report
     * sets these beside OpenBLAS SGEMM of the same size (what a user would otherwise run).
     */
    @State(Scope.Benchmark)
    public static class Half extends XpuState {
        @Param({"BF16", "F16"})
        public String dtype;
        @Param({"1024", "2048"})
        public int n;
        Tensor a;
        Tensor b;

        @Setup
        public void setup() {
            open();
            DType t = DType.parse(dtype);
            a = tensor(Data.uniform(1, (long) n * n), t, n, n);
            b = tensor(Data.uniform(2, (long) n * n), t, n, n);
            try (Tensor c = ops.matmul(a, b)) {
                float[] hc = c.toFloatArray();
                // the result is stored in the input dtype: allow its rounding (8 or 11 significant bits)
                Data.checkMatmul("xpu4j " + dtype + " gemm " + n, a.toFloatArray(), b.toFloatArray(), i -> hc[(int) i],
                        n, n, n, false, t == DType.BF16 ? 0x1p-8 : 0x1p-11);
            }
        }

        @TearDown
        public void tearDown() {
            close(a, b);
        }
    }

    @Benchmark
    public void gemm_half_xpu4j(Half s, Blackhole bh) {
        try (Tensor c = s.ops.matmul(s.a, s.b)) {
            s.sync();
            bh.consume(c);
        }
    }

    // ---------------------------------------------------------------- GEMV

    /** 4096² (64 MiB) as the issue names it, and 8192² (256 MiB), which no cache here can hold. */
    @State(Scope.Benchmark)
    public static class Gemv extends XpuState {
        @Param({"4096", "8192"})
        public int n;
        Tensor w;
        Tensor x;

        @Setup
        public void setup() {
            open();
            float[] hw = Data.uniform(5, (long) n * n);
            float[] hx = Data.uniform(6, n);
            w = tensor(hw, DType.F32, n, n);
            x = tensor(hx, DType.F32, n);
            try (Tensor y = ops.matmul(w, x)) {
                float[] hy = y.toFloatArray();
                // y = W·x is (xᵀ·Wᵀ)ᵀ: the same check with x as a 1-row a and W as a transposed b
                Data.checkMatmul("xpu4j gemv " + n, hx, hw, i -> hy[(int) i], 1, n, n, true);
            }
        }

        @TearDown
        public void tearDown() {
            close(w, x);
        }
    }

    @State(Scope.Benchmark)
    public static class GemvPeer {
        @Param({"4096", "8192"})
        public int n;
        FloatPointer w;
        FloatPointer x;
        FloatPointer y;

        @Setup
        public void setup() {
            OpenBlas.init();
            float[] hw = Data.uniform(5, (long) n * n);
            float[] hx = Data.uniform(6, n);
            w = OpenBlas.pointer(hw);
            x = OpenBlas.pointer(hx);
            y = new FloatPointer(n);
            run();
            Data.checkMatmul("OpenBLAS gemv " + n, hx, hw, y::get, 1, n, n, true);
        }

        void run() {
            openblas_full.cblas_sgemv(OpenBlas.ROW_MAJOR, OpenBlas.NO_TRANS, n, n, 1f, w, n, x, 1, 0f, y, 1);
        }

        @TearDown
        public void tearDown() {
            OpenBlas.free(w, x, y);
        }
    }

    @Benchmark
    public void gemv_xpu4j(Gemv s, Blackhole bh) {
        try (Tensor y = s.ops.matmul(s.w, s.x)) {
            s.sync();
            bh.consume(y);
        }
    }

    @Benchmark
    public void gemv_openblas(GemvPeer s) {
        s.run();
    }
}
