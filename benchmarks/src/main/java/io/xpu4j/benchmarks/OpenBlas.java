package io.xpu4j.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas_full;

/**
 * The peer: OpenBLAS from the JavaCPP jar (no system install). Its kernels are chosen when the
 * library loads, from {@code OPENBLAS_CORETYPE} if set (benchmarks/run.sh sets it to the fastest
 * core type this CPU supports), else by auto-detection; {@link #coreName()} tells which ran.
 */
final class OpenBlas {
    static final int ROW_MAJOR = 101;
    static final int NO_TRANS = 111;
    static final int TRANS = 112;

    private static boolean ready;

    private OpenBlas() {
    }

    /**
     * Loads the library once and gives it as many threads as xpu4j's CPU pool has, unless
     * {@code OPENBLAS_NUM_THREADS} says otherwise (to study the peer alone; the standard run
     * leaves it unset so that both sides use the same cores).
     */
    static synchronized void init() {
        if (!ready) {
            Loader.load(openblas_full.class);
            String env = System.getenv("OPENBLAS_NUM_THREADS");
            openblas_full.openblas_set_num_threads(env == null || env.isBlank() ? Data.threads() : Integer.parseInt(env.trim()));
            ready = true;
            String core = coreName();
            if (cpuHasAvx512() && (core.equalsIgnoreCase("Haswell") || core.equalsIgnoreCase("Zen"))) {
                System.err.println("OpenBLAS runs its AVX2 '" + core + "' kernels on a CPU with AVX-512 (OPENBLAS_CORETYPE="
                        + System.getenv("OPENBLAS_CORETYPE") + "): the peer is slower than it can be;"
                        + " benchmarks/run.sh picks SkylakeX here, or set OPENBLAS_CORETYPE=SkylakeX");
            }
        }
    }

    static String coreName() {
        init();
        return openblas_full.openblas_get_corename().getString();
    }

    private static boolean cpuHasAvx512() {
        try {
            return Files.readString(Path.of("/proc/cpuinfo")).contains(" avx512f");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    static String config() {
        init();
        return openblas_full.openblas_get_config().getString().trim();
    }

    static int threads() {
        init();
        return openblas_full.openblas_get_num_threads();
    }

    static FloatPointer pointer(float[] data) {
        FloatPointer p = new FloatPointer(data.length);
        p.put(data);
        return p;
    }

    static void free(FloatPointer... ps) {
        for (FloatPointer p : ps) {
            if (p != null) {
                p.deallocate();
            }
        }
    }

    /** Prints what the peer will run with, for benchmarks/run.sh and the report. */
    public static void main(String[] args) {
        System.out.println("OpenBLAS core=" + coreName() + " threads=" + threads() + " config=" + config());
    }
}
