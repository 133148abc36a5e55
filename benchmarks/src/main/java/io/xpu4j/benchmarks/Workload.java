package io.xpu4j.benchmarks;

import java.util.Locale;
import java.util.Map;

/**
 * What each benchmark op does per call, so that a time becomes a rate, and which machine limit
 * bounds it. Bytes are counted as STREAM does: each array element read or written once
 * (write-allocate traffic is not counted, for the triad alike).
 */
enum Workload {
    SGEMM("sgemm", "SGEMM F32, square", Metric.GFLOPS, Limit.PEAK),
    GEMM_HALF("gemm_half", "GEMM, BF16/F16 in, F32 accumulate", Metric.GFLOPS, Limit.PEAK),
    ATTENTION("attention", "attention B=1 H=12 D=64", Metric.GFLOPS, Limit.PEAK),
    SKINNY("skinny", "skinny x·Wᵀ (weight GB/s)", Metric.GBPS, Limit.ROOFLINE),
    SKINNY_HALF("skinny_half", "skinny x·Wᵀ, BF16/F16 (weight GB/s)", Metric.GBPS, Limit.ROOFLINE),
    GEMV("gemv", "GEMV (weight GB/s)", Metric.GBPS, Limit.ROOFLINE),
    ADD("add", "elementwise add", Metric.GBPS, Limit.BANDWIDTH),
    SOFTMAX("softmax", "softmax (last axis)", Metric.GBPS, Limit.BANDWIDTH),
    LAYERNORM("layernorm", "layernorm (weight, bias)", Metric.GBPS, Limit.BANDWIDTH),
    RMSNORM("rmsnorm", "rmsnorm (weight)", Metric.GBPS, Limit.BANDWIDTH),
    TRANSPOSE("transpose", "transposed view made contiguous", Metric.GBPS, Limit.BANDWIDTH),
    DISPATCH_ADD("dispatch_add", "eager add of two 1-element tensors", Metric.NANOS, Limit.NONE),
    DISPATCH_RESHAPE("dispatch_reshape", "reshape (a view: no kernel)", Metric.NANOS, Limit.NONE),
    FMA_PEAK("fma_peak", "FP32 FMA peak, all threads", Metric.GFLOPS, Limit.NONE),
    TRIAD("triad", "STREAM triad, all threads", Metric.GBPS, Limit.NONE),
    READ("read_bw", "read-only sweep (sum), all threads", Metric.GBPS, Limit.NONE);

    enum Metric {
        GFLOPS("GFLOP/s"), GBPS("GB/s"), NANOS("ns");

        final String unit;

        Metric(String unit) {
            this.unit = unit;
        }
    }

    /**
     * PEAK: the measured FMA peak. BANDWIDTH: the measured triad (reads and a fresh output, as
     * these ops do). ROOFLINE: the weight bytes' rate if the call ran at min(read bandwidth,
     * peak × bytes per flop), so that weights are held to the read-only sweep, and a skinny GEMM
     * with enough rows to be compute-bound is not held to a bandwidth it cannot use.
     */
    enum Limit { PEAK, BANDWIDTH, ROOFLINE, NONE }

    final String op;
    final String title;
    final Metric metric;
    final Limit limit;

    Workload(String op, String title, Metric metric, Limit limit) {
        this.op = op;
        this.title = title;
        this.metric = metric;
        this.limit = limit;
    }

    static Workload of(String op) {
        for (Workload w : values()) {
            if (w.op.equals(op)) {
                return w;
            }
        }
        return null;
    }

    /** Flops (GFLOPS) or bytes (GBPS) of one call on one thread; 1 for NANOS. */
    double amount(Measurement m) {
        return switch (this) {
            case SGEMM, GEMM_HALF -> 2.0 * cube(m.intParam("n"));
            case ATTENTION -> 4.0 * 12 * 64 * (double) m.intParam("s") * m.intParam("s");
            case SKINNY -> 4.0 * m.intParam("kn") * m.intParam("kn");
            case SKINNY_HALF -> 2.0 * m.intParam("kn") * m.intParam("kn");
            case GEMV -> 4.0 * m.intParam("n") * m.intParam("n");
            case ADD -> 12.0 * m.intParam("n");
            case SOFTMAX, LAYERNORM, RMSNORM -> 8.0 * m.intParam("rows") * m.intParam("cols");
            case TRANSPOSE -> 8.0 * m.intParam("tokens") * m.intParam("heads") * m.intParam("dim");
            case FMA_PEAK -> MachineLimits.FMA_FLOPS_PER_OP;
            case TRIAD -> 12.0 * MachineLimits.TRIAD_FLOATS;
            case READ -> 4.0 * MachineLimits.READ_FLOATS;
            case DISPATCH_ADD, DISPATCH_RESHAPE -> 1;
        };
    }

    /** Flops per weight byte, for the roofline of SKINNY and GEMV. */
    double flopsPerByte(Measurement m) {
        return switch (this) {
            case SKINNY -> 2.0 * m.intParam("m") / 4.0;
            case SKINNY_HALF -> 2.0 * m.intParam("m") / 2.0;
            case GEMV -> 0.5;
            default -> throw new IllegalStateException(op + " has no roofline");
        };
    }

    /** The median rate of one measurement: GFLOP/s or GB/s over all its threads, or ns per call. */
    double rate(Measurement m) {
        return rate(m, m.median());
    }

    /** The rate of the fastest iteration. */
    double bestRate(Measurement m) {
        return rate(m, m.fastest());
    }

    private double rate(Measurement m, double secondsPerCall) {
        if (metric == Metric.NANOS) {
            return secondsPerCall * 1e9;
        }
        return amount(m) * m.threads() / secondsPerCall / 1e9;
    }

    /** The row label: the parameters that tell the cases apart. */
    String label(Map<String, String> p) {
        return switch (this) {
            case SGEMM -> "n=" + p.get("n");
            case GEMM_HALF -> p.get("dtype") + " n=" + p.get("n");
            case ATTENTION -> "S=" + p.get("s");
            case SKINNY -> "M=" + p.get("m") + " K=N=" + p.get("kn");
            case SKINNY_HALF -> p.get("dtype") + " M=" + p.get("m") + " K=N=" + p.get("kn");
            case GEMV -> p.get("n") + "×" + p.get("n");
            case ADD -> p.get("n") + " floats";
            case SOFTMAX, LAYERNORM, RMSNORM -> "[" + p.get("rows") + ", " + p.get("cols") + "]";
            case TRANSPOSE -> {
                String thd = "[" + p.get("tokens") + ", " + p.get("heads") + ", " + p.get("dim") + "]";
                String htd = "[" + p.get("heads") + ", " + p.get("tokens") + ", " + p.get("dim") + "]";
                yield Boolean.parseBoolean(p.get("headsFirst")) ? htd + " to " + thd : thd + " to " + htd;
            }
            default -> p.isEmpty() ? "" : p.toString();
        };
    }

    /** The target for this case, or null where it sets none. */
    Target target(Map<String, String> p) {
        return switch (this) {
            case SGEMM -> Integer.parseInt(p.getOrDefault("n", "0")) >= 1024 ? new Target(1.0, 0.85, Double.NaN) : null;
            case SKINNY, GEMV -> new Target(Double.NaN, 0.85, Double.NaN);
            case ADD, SOFTMAX, LAYERNORM, RMSNORM -> new Target(Double.NaN, 0.80, Double.NaN);
            case DISPATCH_ADD -> new Target(Double.NaN, Double.NaN, 1000);
            default -> null;
        };
    }

    /** Minimum ratio to the peer, minimum fraction of the limit, maximum ns; NaN where unset. */
    record Target(double vsPeer, double vsLimit, double maxNanos) {
        String describe() {
            StringBuilder s = new StringBuilder();
            if (!Double.isNaN(vsPeer)) {
                s.append(String.format(Locale.ROOT, "≥%.1f× peer", vsPeer));
            }
            if (!Double.isNaN(vsLimit)) {
                s.append(s.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "≥%.0f%% limit", vsLimit * 100));
            }
            if (!Double.isNaN(maxNanos)) {
                s.append(String.format(Locale.ROOT, "<%.0f ns", maxNanos));
            }
            return s.toString();
        }

        /** True when every part that can be judged is met; parts with no figure count as missed. */
        boolean met(double vsPeerRatio, double vsLimitRatio, double nanos) {
            boolean ok = true;
            if (!Double.isNaN(vsPeer)) {
                ok &= vsPeerRatio >= vsPeer;
            }
            if (!Double.isNaN(vsLimit)) {
                ok &= vsLimitRatio >= vsLimit;
            }
            if (!Double.isNaN(maxNanos)) {
                ok &= nanos < maxNanos;
            }
            return ok;
        }
    }

    private static double cube(int n) {
        return (double) n * n * n;
    }
}
