package io.xpu4j.benchmarks;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The machine's limits, measured in the same run as the kernels: FP32 FMA throughput, memory
 * bandwidth for reading and for a STREAM triad, each on every hardware thread at once ({@code @Threads(MAX)}; the report multiplies
 * the per-thread rate by the thread count JMH records).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 8, time = 500, timeUnit = TimeUnit.MILLISECONDS)
@Threads(Threads.MAX)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "--sun-misc-unsafe-memory-access=allow"})
public class MachineLimits {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /**
     * Independent accumulator chains: at least FMA latency × ports (4 × 2 on Zen 3 and Skylake)
     * and few enough to stay in 16 vector registers with the two operands. On this Zen 3, 10
     * chains measured fastest (174 GFLOP/s on 2 cores, against 154 for 8 and 163–168 for 11–14).
     */
    static final int CHAINS = 10;
    /** Flops one call does per thread, whatever the vector width (a multiple of 2·10·16). */
    public static final long FMA_FLOPS_PER_OP = 2L * CHAINS * 16 * 65536;
    /** Floats per array in the triad, per thread: 3 × 128 MiB, far beyond any L3. */
    public static final int TRIAD_FLOATS = 32 << 20;
    /** Floats the read-only sweep reads per thread: 256 MiB. */
    public static final int READ_FLOATS = 64 << 20;

    @State(Scope.Thread)
    public static class Fma {
        // fields, so that C2 cannot fold the loop; a·b + c with these stays finite and normal
        float a = 0.5f;
        float b = 0.999999f;
        float c = 1e-6f;
    }

    @Benchmark
    public float fma_peak(Fma s) {
        FloatVector b = FloatVector.broadcast(S, s.b);
        FloatVector c = FloatVector.broadcast(S, s.c);
        FloatVector a0 = FloatVector.broadcast(S, s.a);
        FloatVector a1 = a0.add(1e-3f);
        FloatVector a2 = a0.add(2e-3f);
        FloatVector a3 = a0.add(3e-3f);
        FloatVector a4 = a0.add(4e-3f);
        FloatVector a5 = a0.add(5e-3f);
        FloatVector a6 = a0.add(6e-3f);
        FloatVector a7 = a0.add(7e-3f);
        FloatVector a8 = a0.add(8e-3f);
        FloatVector a9 = a0.add(9e-3f);
        int iterations = (int) (FMA_FLOPS_PER_OP / (2L * CHAINS * S.length()));
        for (int i = 0; i < iterations; i++) {
            a0 = a0.fma(b, c);
            a1 = a1.fma(b, c);
            a2 = a2.fma(b, c);
            a3 = a3.fma(b, c);
            a4 = a4.fma(b, c);
            a5 = a5.fma(b, c);
            a6 = a6.fma(b, c);
            a7 = a7.fma(b, c);
            a8 = a8.fma(b, c);
            a9 = a9.fma(b, c);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9)
                .reduceLanes(VectorOperators.ADD);
    }

    /**
     * Read-only bandwidth: a sum over an array of its own per thread. This is the bound for
     * streaming weights (GEMV, skinny GEMM), which read and write almost nothing else; the triad
     * also pays for writes and the write-allocate reads STREAM does not count.
     */
    @State(Scope.Thread)
    public static class Read {
        float[] a;

        @Setup
        public void setup() {
            a = Data.uniform(3, READ_FLOATS);
        }
    }

    /**
     * Four streams at once (quarters of the array), as a GEMV reads several weight rows at once:
     * on this machine one stream per core measured about 10% slower than four.
     */
    @Benchmark
    public float read_bw(Read s) {
        return readSweep(s.a);
    }

    /** The sum {@link #read_bw} reads with: four streams, the quarters of {@code a}. */
    static float readSweep(float[] a) {
        int l = S.length();
        int part = a.length / 4 / l * l;
        FloatVector s0 = FloatVector.zero(S);
        FloatVector s1 = FloatVector.zero(S);
        FloatVector s2 = FloatVector.zero(S);
        FloatVector s3 = FloatVector.zero(S);
        for (int i = 0; i < part; i += l) {
            s0 = s0.add(FloatVector.fromArray(S, a, i));
            s1 = s1.add(FloatVector.fromArray(S, a, i + part));
            s2 = s2.add(FloatVector.fromArray(S, a, i + 2 * part));
            s3 = s3.add(FloatVector.fromArray(S, a, i + 3 * part));
        }
        float tail = 0;
        for (int i = 4 * part; i < a.length; i++) {
            tail += a[i];
        }
        return s0.add(s1).add(s2).add(s3).reduceLanes(VectorOperators.ADD) + tail;
    }

    /** STREAM triad a = b + s·c; each thread on arrays of its own. */
    @State(Scope.Thread)
    public static class Triad {
        float[] a;
        float[] b;
        float[] c;
        float scalar = 3f;

        @Setup
        public void setup() {
            a = new float[TRIAD_FLOATS];
            b = Data.uniform(1, TRIAD_FLOATS);
            c = Data.uniform(2, TRIAD_FLOATS);
        }
    }

    @Benchmark
    public float triad(Triad s) {
        float[] a = s.a;
        float[] b = s.b;
        float[] c = s.c;
        FloatVector k = FloatVector.broadcast(S, s.scalar);
        int i = 0;
        for (int upper = S.loopBound(a.length); i < upper; i += S.length()) {
            FloatVector.fromArray(S, c, i).fma(k, FloatVector.fromArray(S, b, i)).intoArray(a, i);
        }
        for (; i < a.length; i++) {
            a[i] = b[i] + s.scalar * c[i];
        }
        return a[a.length - 1];
    }
}
