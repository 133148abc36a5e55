package io.xpu4j.benchmarks;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The peers of the xpu4j benchmarks run with {@code -p backend=cuda}: cuBLAS called directly
 * (same shapes, same data, same row-major layout as {@link GemmBench}) and the device-to-device
 * copy, the bandwidth limit of the elementwise and row ops ({@link RowOpsBench}). Each call is
 * timed to completion (the context is synchronised), as the xpu4j side is. The copy counts
 * bytes read plus bytes written, as the report counts an add.
 *
 * <p>Without an NVIDIA GPU every setup here fails with the reason (no libcuda.so.1, no device);
 * {@code benchmarks/run.sh}, the CPU set, leaves these out.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 8, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "--sun-misc-unsafe-memory-access=allow"})
public class CudaPeerBench {

    /**
     * Device buffers of one problem, freed at teardown. The driver calls need the context current
     * on the calling thread, and JMH may run an iteration on another thread than the setup: each
     * state makes it current again before every iteration ({@code onThisThread}).
     */
    abstract static class Buffers {
        CudaDriver cuda;
        Cublas blas;
        long[] buffers = new long[0];

        void open(boolean withBlas) {
            cuda = CudaDriver.get();
            if (withBlas) {
                blas = new Cublas();
            }
        }

        long keep(long ptr) {
            buffers = java.util.Arrays.copyOf(buffers, buffers.length + 1);
            buffers[buffers.length - 1] = ptr;
            return ptr;
        }

        @Setup(Level.Iteration)
        public void onThisThread() {
            CudaDriver.get();
        }

        @TearDown
        public void tearDown() {
            closeAll();
        }

        void closeAll() {
            if (cuda != null) {
                cuda.synchronize();
                for (long p : buffers) {
                    cuda.free(p);
                }
            }
            buffers = new long[0];
            if (blas != null) {
                blas.close();
                blas = null;
            }
        }
    }

    // ---------------------------------------------------------------- square SGEMM

    @State(Scope.Benchmark)
    public static class Square extends Buffers {
        @Param({"256", "512", "1024", "2048", "4096"})
        public int n;
        long a;
        long b;
        long c;

        @Setup
        public void setup() {
            open(true);
            float[] ha = Data.uniform(1, (long) n * n);
            float[] hb = Data.uniform(2, (long) n * n);
            a = keep(cuda.upload(ha));
            b = keep(cuda.upload(hb));
            c = keep(cuda.alloc(4L * n * n));
            run();
            cuda.synchronize();
            float[] hc = cuda.downloadFloats(c, n * n);
            Data.checkMatmul("cuBLAS sgemm " + n, ha, hb, i -> hc[(int) i], n, n, n, false);
        }

        void run() {
            // row-major C = A·B is column-major Cᵀ = Bᵀ·Aᵀ
            blas.sgemm(Cublas.OP_N, Cublas.OP_N, n, n, n, b, n, a, n, c, n);
        }
    }

    @Benchmark
    public void sgemm_cublas(Square s) {
        s.run();
        s.cuda.synchronize();
    }

    // ---------------------------------------------------------------- skinny x·Wᵀ

    @State(Scope.Benchmark)
    public static class Skinny extends Buffers {
        @Param({"1", "8", "32"})
        public int m;
        @Param({"1024", "4096"})
        public int kn;
        long x;
        long w;
        long y;

        @Setup
        public void setup() {
            open(true);
            float[] hx = Data.uniform(3, (long) m * kn);
            float[] hw = Data.uniform(4, (long) kn * kn);
            x = keep(cuda.upload(hx));
            w = keep(cuda.upload(hw));
            y = keep(cuda.alloc(4L * m * kn));
            run();
            cuda.synchronize();
            float[] hy = cuda.downloadFloats(y, m * kn);
            Data.checkMatmul("cuBLAS x·Wᵀ " + m + "x" + kn, hx, hw, i -> hy[(int) i], m, kn, kn, true);
        }

        void run() {
            // row-major y = x·Wᵀ is column-major yᵀ = W·xᵀ; the row-major W reads as Wᵀ, hence op T
            blas.sgemm(Cublas.OP_T, Cublas.OP_N, kn, m, kn, w, kn, x, kn, y, kn);
        }
    }

    @Benchmark
    public void skinny_cublas(Skinny s) {
        s.run();
        s.cuda.synchronize();
    }

    // ---------------------------------------------------------------- BF16 / F16

    /** Inputs and output in the half type, float32 accumulation: what xpu4j's half matmul returns. */
    @State(Scope.Benchmark)
    public static class Half extends Buffers {
        @Param({"BF16", "F16"})
        public String dtype;
        @Param({"1024", "2048"})
        public int n;
        int type;
        long a;
        long b;
        long c;

        @Setup
        public void setup() {
            open(true);
            boolean bf16 = switch (dtype) {
                case "BF16" -> true;
                case "F16" -> false;
                default -> throw new IllegalArgumentException("dtype must be BF16 or F16, not '" + dtype + "'");
            };
            type = bf16 ? Cublas.R_16BF : Cublas.R_16F;
            short[] ha = HalfFloats.encode(Data.uniform(1, (long) n * n), bf16);
            short[] hb = HalfFloats.encode(Data.uniform(2, (long) n * n), bf16);
            a = keep(cuda.upload(ha));
            b = keep(cuda.upload(hb));
            c = keep(cuda.alloc(2L * n * n));
            run();
            cuda.synchronize();
            float[] hc = HalfFloats.decode(cuda.downloadShorts(c, n * n), bf16);
            Data.checkMatmul("cuBLAS " + dtype + " gemm " + n, HalfFloats.decode(ha, bf16), HalfFloats.decode(hb, bf16),
                    i -> hc[(int) i], n, n, n, false, bf16 ? 0x1p-8 : 0x1p-11);
        }

        void run() {
            blas.gemmEx(Cublas.OP_N, Cublas.OP_N, n, n, n, b, n, a, n, c, n, type);
        }
    }

    @Benchmark
    public void gemm_half_cublas(Half s) {
        s.run();
        s.cuda.synchronize();
    }

    // ---------------------------------------------------------------- device-to-device copy

    /** The bandwidth limit: one read and one write per element, as an add does twice and once. */
    @State(Scope.Benchmark)
    public static class Copy extends Buffers {
        /** 64 MiB per buffer as in RowOpsBench.Add; 256 MiB per buffer is far beyond any L2. */
        @Param({"16777216", "67108864"})
        public int n;
        long src;
        long dst;

        @Setup
        public void setup() {
            open(false);
            float[] h = Data.uniform(9, n);
            src = keep(cuda.upload(h));
            dst = keep(cuda.alloc(4L * n));
            cuda.copy(dst, src, 4L * n);
            cuda.synchronize();
            float[] back = cuda.downloadFloats(dst, n);
            for (int i = 0; i < n; i += 4093) {
                if (back[i] != h[i]) {
                    throw new IllegalStateException("cuMemcpyDtoD_v2 copied " + back[i] + " at " + i + " where " + h[i] + " was");
                }
            }
        }
    }

    @Benchmark
    public void copy_dtod(Copy s) {
        s.cuda.copy(s.dst, s.src, 4L * s.n);
        s.cuda.synchronize();
    }
}
