package io.xpu4j.benchmarks;

import java.util.SplittableRandom;

/** Reproducible inputs and a sampled float64 check, shared by xpu4j and the peer. */
final class Data {
    private Data() {
    }

    /** Threads xpu4j's CPU pool uses (and so the peer and the machine-limit loops). */
    static int threads() {
        return Math.max(1, Integer.getInteger("xpu4j.internal.cpuThreads", java.lang.Runtime.getRuntime().availableProcessors()));
    }

    static float[] uniform(long seed, long n) {
        float[] a = new float[Math.toIntExact(n)];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) (r.nextDouble() * 2 - 1);
        }
        return a;
    }

    /** Reads element {@code i} of a result, whatever holds it. */
    interface Result {
        float at(long i);
    }

    /**
     * Checks 64 sampled entries of c = a·op(b) (a [m, k]; b [k, n], or [n, k] when transposed)
     * against float64 dot products: a benchmark of a wrong kernel is worthless.
     */
    static void checkMatmul(String what, float[] a, float[] b, Result c, int m, int k, int n, boolean bTransposed) {
        checkMatmul(what, a, b, c, m, k, n, bTransposed, 0);
    }

    /** As above, for an output stored in a narrower type whose rounding is {@code outputUlp} relative. */
    static void checkMatmul(String what, float[] a, float[] b, Result c, int m, int k, int n, boolean bTransposed,
                            double outputUlp) {
        SplittableRandom r = new SplittableRandom(7);
        for (int s = 0; s < 64; s++) {
            int i = r.nextInt(m);
            int j = r.nextInt(n);
            double ref = 0;
            double mag = 0;
            for (int p = 0; p < k; p++) {
                double prod = (double) a[i * k + p] * (bTransposed ? b[j * k + p] : b[p * n + j]);
                ref += prod;
                mag += Math.abs(prod);
            }
            double got = c.at((long) i * n + j);
            if (!(Math.abs(got - ref) <= 1e-4 * mag + outputUlp * Math.abs(ref) + 1e-6)) {
                throw new IllegalStateException(what + ": c[" + i + ", " + j + "] = " + got + " but float64 gives " + ref);
            }
        }
    }
}
