package io.xpu4j.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One JMH result, reduced to what the report needs: which op and implementation, its
 * parameters, and seconds per call on one thread (median, fastest and slowest iteration).
 *
 * <p>Benchmark methods are named {@code <op>_<impl>} with impl {@code xpu4j} or {@code openblas};
 * a method with neither suffix (the machine-limit loops) has impl {@code limit}.
 */
record Measurement(String op, String impl, Map<String, String> params, int threads,
                   double median, double fastest, double slowest) {

    static final List<String> IMPLS = List.of("xpu4j", "openblas");

    static Measurement of(JsonNode r) {
        String full = r.path("benchmark").asText();
        String method = full.substring(full.lastIndexOf('.') + 1);
        String op = method;
        String impl = "limit";
        int cut = method.lastIndexOf('_');
        if (cut > 0 && IMPLS.contains(method.substring(cut + 1))) {
            op = method.substring(0, cut);
            impl = method.substring(cut + 1);
        }
        Map<String, String> params = new TreeMap<>();
        r.path("params").properties().forEach(e -> params.put(e.getKey(), e.getValue().asText()));

        JsonNode pm = r.path("primaryMetric");
        String unit = pm.path("scoreUnit").asText();
        String mode = r.path("mode").asText();
        JsonNode p50 = pm.path("scorePercentiles").path("50.0");
        double medianScore = p50.isNumber() ? p50.asDouble() : pm.path("score").asDouble();
        List<Double> raw = new ArrayList<>();
        for (JsonNode fork : pm.path("rawData")) {
            for (JsonNode v : fork) {
                raw.add(v.asDouble());
            }
        }
        if (raw.isEmpty()) {
            raw.add(medianScore);
        }
        int threads = r.path("threads").asInt(1);
        // throughput scores are summed over the threads; average times are per thread: store per thread
        double perThread = mode.equals("thrpt") ? threads : 1;
        double lo = seconds(Collections.min(raw), unit, mode) * perThread;
        double hi = seconds(Collections.max(raw), unit, mode) * perThread;
        return new Measurement(op, impl, Collections.unmodifiableMap(params), threads,
                seconds(medianScore, unit, mode) * perThread, Math.min(lo, hi), Math.max(lo, hi));
    }

    /** Seconds per call from a JMH score: "us/op" and friends, or the inverse for throughput ("ops/ms"). */
    static double seconds(double score, String unit, String mode) {
        String[] parts = unit.split("/");
        if (parts.length != 2) {
            throw new IllegalArgumentException("unknown JMH score unit '" + unit + "'");
        }
        if (parts[1].equals("op")) {
            return score * unitSeconds(parts[0]);
        }
        if (parts[0].equals("ops") && ("thrpt".equals(mode) || mode.isEmpty())) {
            return unitSeconds(parts[1]) / score;
        }
        throw new IllegalArgumentException("cannot turn JMH unit '" + unit + "' (mode " + mode + ") into seconds per op");
    }

    private static double unitSeconds(String u) {
        return switch (u) {
            case "s" -> 1;
            case "ms" -> 1e-3;
            case "us" -> 1e-6;
            case "ns" -> 1e-9;
            case "min" -> 60;
            default -> throw new IllegalArgumentException("unknown JMH time unit '" + u + "'");
        };
    }

    int intParam(String name) {
        String v = params.get(name);
        if (v == null) {
            throw new IllegalArgumentException(op + "_" + impl + " has no parameter '" + name + "' (has " + params.keySet() + ")");
        }
        return Integer.parseInt(v);
    }

    /** The parameters that say which case this is, without the backend (peers have none). */
    Map<String, String> caseParams() {
        Map<String, String> m = new TreeMap<>(params);
        m.remove("backend");
        return m;
    }

    String backend() {
        return params.getOrDefault("backend", "");
    }

    /** Relative spread of the iterations: (slowest - fastest) / median. */
    double spread() {
        return (slowest - fastest) / median;
    }
}
