package io.xpu4j.benchmarks;

import io.xpu4j.api.Config;
import io.xpu4j.api.Ops;
import io.xpu4j.api.Runtime;
import io.xpu4j.api.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A probe behind one explanation in docs/performance.md, not a benchmark of the standard set:
 * how fast W·x can read F32 weights [N, K] = [8184, 8192] (256 MiB) row by row, as
 * {@code ops.matmul}/{@code ops.linear} get them, against the same numbers stored blocked, and
 * against the read sweep of {@link MachineLimits#read_bw}. They run in turn within seconds,
 * round after round, because the memory bandwidth of a shared VM moves within minutes and only
 * figures taken side by side compare (a JMH run measures one benchmark after another).
 *
 * <ul>
 *   <li>{@code ops.linear}: xpu4j's kernel (one row of x, six weight rows per pass) on its CPU
 *       pool; the other loops run on as many threads, each over its own share of the rows.</li>
 *   <li>{@code blocked}: the same loop over a copy of each thread's rows of W ordered as
 *       [K / CHUNK][rows / 6][CHUNK / lanes][6][lanes], so that it reads one sequential stream
 *       while its chunk of x (8 KiB) stays in L1. Row by row it reads six streams of K floats,
 *       then six new ones, and x (32 KiB) leaves L1 between its reuses.</li>
 *   <li>{@code read sweep}: four streams over a heap array of the same size per thread.</li>
 *   <li>{@code row sums} and {@code blocked sum}: the two access patterns without x (each
 *       thread's six weight rows, or its blocked copy, summed), to tell the cost of the weight
 *       streams' pattern from the cost of reading x beside them.</li>
 * </ul>
 *
 * {@code java --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED
 * -cp benchmarks/target/benchmarks.jar io.xpu4j.benchmarks.GemvLayoutProbe [rounds]} (default
 * 20). Each figure is the best of three calls, in GB/s of weights read; both GEMVs are checked
 * against float64 dot products first.
 */
public final class GemvLayoutProbe {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    static final int K = 8192;
    /** Rows of W: 12 × 682, so that two threads take whole groups of six rows each. */
    static final int N = 8184;
    /** Floats of x per block of the blocked layout: 8 KiB, a quarter of a 32 KiB L1. */
    static final int CHUNK = 2048;
    /** Bytes of one block of the blocked layout: six rows by one chunk of K. */
    static final int BLOCK_BYTES = 4 * 6 * CHUNK;

    private GemvLayoutProbe() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        // as many threads as xpu4j's pool; each reads whole groups of six rows of its own
        int threads = Data.threads();
        int rows = N / threads / 6 * 6;
        float[] w = Data.uniform(5, (long) N * K);
        float[] x = Data.uniform(6, K);
        long bytes = 4L * N * K;
        long perThreadBytes = 4L * rows * K * threads; // the rows past threads * rows go unread there
        try (Arena arena = Arena.ofShared();
             Runtime rt = Runtime.create(Config.builder().backend("cpu").fallbackBackends(List.of())
                     .opFallback(Config.OpFallback.ERROR).build())) {
            Ops ops = rt.ops();
            MemorySegment[] blocked = new MemorySegment[threads];
            float[][] heapCopies = new float[threads][];
            for (int t = 0; t < threads; t++) {
                blocked[t] = arena.allocate(4L * rows * K, 64);
                block(w, t * rows, rows, blocked[t]);
                heapCopies[t] = Arrays.copyOfRange(w, t * rows * K, (t + 1) * rows * K);
            }
            float[] y = new float[N];
            try (Tensor wt = ops.tensor(w, N, K); Tensor xt = ops.tensor(x, 1, K)) {
                ExecutorService pool = Executors.newFixedThreadPool(threads);
                try {
                    Runnable linear = () -> {
                        try (Tensor z = ops.linear(xt, wt, null)) {
                            rt.device().synchronize();
                            float[] r = z.toFloatArray();
                            System.arraycopy(r, 0, y, 0, N);
                        }
                    };
                    Runnable blockedGemv = () -> inParallel(pool, threads,
                            t -> blockedGemv(blocked[t], rows, x, y, t * rows));
                    Runnable readSweep = () -> inParallel(pool, threads, t -> y[t] = MachineLimits.readSweep(heapCopies[t]));
                    MemorySegment rowMajor = wt.segment();
                    long base = wt.byteOffset();
                    Runnable rowSums = () -> inParallel(pool, threads,
                            t -> rowSums(rowMajor, base, t * rows, rows, y));
                    Runnable blockedSums = () -> inParallel(pool, threads, t -> y[t] = blockedSum(blocked[t]));
                    check("ops.linear", linear, y, w, x, N);
                    check("blocked", blockedGemv, y, w, x, threads * rows);
                    String[] names = {"read sweep", "ops.linear", "blocked", "row sums", "blocked sum"};
                    Runnable[] runs = {readSweep, linear, blockedGemv, rowSums, blockedSums};
                    long[] read = {perThreadBytes, bytes, perThreadBytes, perThreadBytes, perThreadBytes};
                    List<double[]> rates = new ArrayList<>();
                    System.out.printf("GB/s of weights read (%.0f MiB, %d threads), best of 3 calls per round%n",
                            bytes / 1048576.0, threads);
                    for (int round = 0; round < rounds; round++) {
                        double[] r = new double[runs.length];
                        for (int v = 0; v < runs.length; v++) {
                            long best = Long.MAX_VALUE;
                            for (int it = 0; it < 3; it++) {
                                long t0 = System.nanoTime();
                                runs[v].run();
                                best = Math.min(best, System.nanoTime() - t0);
                            }
                            r[v] = (double) read[v] / best;
                        }
                        rates.add(r);
                        StringBuilder line = new StringBuilder(String.format("round %3d:", round + 1));
                        for (int v = 0; v < runs.length; v++) {
                            line.append(String.format("   %s %5.1f", names[v], r[v]));
                        }
                        System.out.println(line);
                    }
                    summarize("all rounds", names, rates);
                    // the VM's bandwidth has two states; a ratio can differ between them
                    double split = median(rates.stream().mapToDouble(r -> r[0]).toArray()) * 1.2;
                    summarize(String.format("rounds with the sweep above %.1f GB/s", split), names,
                            rates.stream().filter(r -> r[0] > split).toList());
                } finally {
                    pool.shutdownNow();
                }
            }
        }
    }

    private static void summarize(String which, String[] names, List<double[]> rates) {
        System.out.printf("%s (%d): median ratio to the read sweep", which, rates.size());
        for (int v = 1; v < names.length && !rates.isEmpty(); v++) {
            final int i = v;
            System.out.printf(", %s %.2f", names[v], median(rates.stream().mapToDouble(r -> r[i] / r[0]).toArray()));
        }
        System.out.println();
    }

    private static double median(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s.length == 0 ? Double.NaN : s[s.length / 2];
    }

    interface ThreadBody {
        void run(int thread);
    }

    private static void inParallel(ExecutorService pool, int threads, ThreadBody body) {
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            final int id = t;
            fs.add(pool.submit(() -> body.run(id)));
        }
        try {
            for (Future<?> f : fs) {
                f.get();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs {@code gemv} into {@code y}, then checks its first {@code rows} outputs against float64. */
    private static void check(String what, Runnable gemv, float[] y, float[] w, float[] x, int rows) {
        Arrays.fill(y, Float.NaN);
        gemv.run();
        Data.checkMatmul(what, x, w, i -> y[(int) i], 1, K, rows, true);
    }

    /** Rows [row0, row0 + rows) of row-major W in the blocked order described above. */
    static void block(float[] w, int row0, int rows, MemorySegment out) {
        int lanes = S.length();
        long o = 0;
        for (int k0 = 0; k0 < K; k0 += CHUNK) {
            for (int g = 0; g < rows; g += 6) {
                for (int kb = k0; kb < k0 + CHUNK; kb += lanes) {
                    for (int r = 0; r < 6; r++) {
                        MemorySegment.copy(w, (row0 + g + r) * K + kb, out, ValueLayout.JAVA_FLOAT, o, lanes);
                        o += 4L * lanes;
                    }
                }
            }
        }
    }

    /** y[y0 + j] for the blocked rows: six rows per pass, each load of x feeding six FMAs. */
    static void blockedGemv(MemorySegment w, int rows, float[] x, float[] y, int y0) {
        int lanes = S.length();
        int v = 4 * lanes;
        Arrays.fill(y, y0, y0 + rows, 0f);
        long o = 0;
        for (int k0 = 0; k0 < K; k0 += CHUNK) {
            for (int j = y0; j < y0 + rows; j += 6) {
                // a slice per block, read at int offsets, so that C2 hoists the bounds checks:
                // with a running long offset it checked every load and read about 25% less
                MemorySegment b = w.asSlice(o, BLOCK_BYTES);
                o += BLOCK_BYTES;
                FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
                for (int i = 0, p = k0; i < BLOCK_BYTES; i += 6 * v, p += lanes) {
                    FloatVector xv = FloatVector.fromArray(S, x, p);
                    c0 = xv.fma(FloatVector.fromMemorySegment(S, b, i, NATIVE), c0);
                    c1 = xv.fma(FloatVector.fromMemorySegment(S, b, i + v, NATIVE), c1);
                    c2 = xv.fma(FloatVector.fromMemorySegment(S, b, i + 2 * v, NATIVE), c2);
                    c3 = xv.fma(FloatVector.fromMemorySegment(S, b, i + 3 * v, NATIVE), c3);
                    c4 = xv.fma(FloatVector.fromMemorySegment(S, b, i + 4 * v, NATIVE), c4);
                    c5 = xv.fma(FloatVector.fromMemorySegment(S, b, i + 5 * v, NATIVE), c5);
                }
                y[j] += c0.reduceLanes(VectorOperators.ADD);
                y[j + 1] += c1.reduceLanes(VectorOperators.ADD);
                y[j + 2] += c2.reduceLanes(VectorOperators.ADD);
                y[j + 3] += c3.reduceLanes(VectorOperators.ADD);
                y[j + 4] += c4.reduceLanes(VectorOperators.ADD);
                y[j + 5] += c5.reduceLanes(VectorOperators.ADD);
            }
        }
    }

    /**
     * The row-major access pattern without x: six adjacent weight rows per pass, their vectors
     * summed, so that only the weight streams are read (y[j0] gets the sum of each group).
     */
    static void rowSums(MemorySegment w, long base, int row0, int rows, float[] y) {
        long rowBytes = 4L * K;
        for (int j = row0; j < row0 + rows; j += 6) {
            long at = base + rowBytes * j;
            MemorySegment w0 = w.asSlice(at, rowBytes);
            MemorySegment w1 = w.asSlice(at + rowBytes, rowBytes);
            MemorySegment w2 = w.asSlice(at + 2 * rowBytes, rowBytes);
            MemorySegment w3 = w.asSlice(at + 3 * rowBytes, rowBytes);
            MemorySegment w4 = w.asSlice(at + 4 * rowBytes, rowBytes);
            MemorySegment w5 = w.asSlice(at + 5 * rowBytes, rowBytes);
            FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
            for (int p = 0; p < K; p += S.length()) {
                long o = 4L * p;
                c0 = c0.add(FloatVector.fromMemorySegment(S, w0, o, NATIVE));
                c1 = c1.add(FloatVector.fromMemorySegment(S, w1, o, NATIVE));
                c2 = c2.add(FloatVector.fromMemorySegment(S, w2, o, NATIVE));
                c3 = c3.add(FloatVector.fromMemorySegment(S, w3, o, NATIVE));
                c4 = c4.add(FloatVector.fromMemorySegment(S, w4, o, NATIVE));
                c5 = c5.add(FloatVector.fromMemorySegment(S, w5, o, NATIVE));
            }
            y[row0] += c0.add(c1).add(c2).add(c3).add(c4).add(c5).reduceLanes(VectorOperators.ADD);
        }
    }

    /** The blocked copy read as {@link #blockedGemv} reads it, summed: one stream, no x. */
    static float blockedSum(MemorySegment w) {
        int v = 4 * S.length();
        FloatVector total = FloatVector.zero(S);
        for (long o = 0; o < w.byteSize(); o += BLOCK_BYTES) {
            MemorySegment b = w.asSlice(o, BLOCK_BYTES);
            FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0;
            for (int i = 0; i < BLOCK_BYTES; i += 6 * v) {
                c0 = c0.add(FloatVector.fromMemorySegment(S, b, i, NATIVE));
                c1 = c1.add(FloatVector.fromMemorySegment(S, b, i + v, NATIVE));
                c2 = c2.add(FloatVector.fromMemorySegment(S, b, i + 2 * v, NATIVE));
                c3 = c3.add(FloatVector.fromMemorySegment(S, b, i + 3 * v, NATIVE));
                c4 = c4.add(FloatVector.fromMemorySegment(S, b, i + 4 * v, NATIVE));
                c5 = c5.add(FloatVector.fromMemorySegment(S, b, i + 5 * v, NATIVE));
            }
            total = total.add(c0.add(c1).add(c2).add(c3).add(c4).add(c5));
        }
        return total.reduceLanes(VectorOperators.ADD);
    }
}
