package io.xpu4j.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A markdown table of JMH JSON results of any benchmark in this module, device runs included:
 * one row per benchmark and case with the median time per call and, where the op's work is
 * known, the rate (GFLOP/s, GB/s, sentences/s). Unlike {@link Report} it pairs nothing and
 * judges nothing; it is the record of a run on a machine the CPU report does not describe.
 *
 * <pre>
 * java -cp ... io.xpu4j.benchmarks.GpuSummary results.json [more.json ...]
 * </pre>
 */
public final class GpuSummary {
    /** Method-name suffixes that name who did the work; anything else is a limit (a copy, a sweep). */
    static final List<String> IMPLS = List.of("xpu4j", "openblas", "cublas", "onnxruntime");

    record Row(String op, String impl, String backend, Map<String, String> params, double medianSeconds, String rate) {
    }

    private GpuSummary() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length == 0) {
            System.err.println("usage: GpuSummary results.json [more.json ...]");
            System.exit(2);
        }
        List<Row> rows = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        for (String a : args) {
            Path p = Path.of(a);
            if (!Files.isRegularFile(p) || Files.size(p) == 0) {
                continue;
            }
            rows.addAll(rows(json.readTree(p.toFile())));
        }
        System.out.print(markdown(rows));
    }

    static List<Row> rows(JsonNode root) {
        if (!root.isArray()) {
            throw new IllegalArgumentException("a JMH JSON result file holds an array of results; this does not");
        }
        List<Row> out = new ArrayList<>();
        for (JsonNode r : root) {
            Measurement m = Measurement.of(r);
            String full = r.path("benchmark").asText();
            String method = full.substring(full.lastIndexOf('.') + 1);
            String op = method;
            String impl = "limit";
            int cut = method.lastIndexOf('_');
            if (cut > 0 && IMPLS.contains(method.substring(cut + 1))) {
                op = method.substring(0, cut);
                impl = method.substring(cut + 1);
            }
            Measurement named = new Measurement(op, impl, m.params(), m.threads(), m.median(), m.fastest(), m.slowest());
            Map<String, String> params = new TreeMap<>(m.params());
            String backend = params.remove("backend");
            out.add(new Row(op, impl, backend == null ? impl : backend, params, m.median(), rate(named)));
        }
        return out;
    }

    /** The median rate in words, or "" where the op's work per call is not known here. */
    static String rate(Measurement m) {
        if (m.op().equals("copy_dtod")) {
            return String.format(Locale.ROOT, "%.1f GB/s", 8.0 * m.intParam("n") / m.median() / 1e9);
        }
        if (m.op().equals("embed")) {
            return String.format(Locale.ROOT, "%.1f sentences/s", m.intParam("batch") / m.median());
        }
        Workload w = Workload.of(m.op());
        if (w == null || w.metric == Workload.Metric.NANOS) {
            return "";
        }
        return String.format(Locale.ROOT, "%.1f %s", w.rate(m), w.metric.unit);
    }

    static String markdown(List<Row> rows) {
        StringBuilder sb = new StringBuilder();
        if (rows.isEmpty()) {
            return "No benchmark results.\n";
        }
        sb.append("| op | by | backend | case | median per call | median rate |\n");
        sb.append("| --- | --- | --- | --- | ---: | ---: |\n");
        for (Row r : rows) {
            sb.append("| ").append(r.op()).append(" | ").append(r.impl()).append(" | ").append(r.backend())
                    .append(" | ").append(caseText(r.params())).append(" | ").append(time(r.medianSeconds()))
                    .append(" | ").append(r.rate()).append(" |\n");
        }
        return sb.toString();
    }

    private static String caseText(Map<String, String> params) {
        StringBuilder sb = new StringBuilder();
        params.forEach((k, v) -> sb.append(sb.isEmpty() ? "" : " ").append(k).append('=').append(v));
        return sb.toString();
    }

    static String time(double seconds) {
        if (seconds < 1e-6) {
            return String.format(Locale.ROOT, "%.0f ns", seconds * 1e9);
        }
        if (seconds < 1e-3) {
            return String.format(Locale.ROOT, "%.2f us", seconds * 1e6);
        }
        return String.format(Locale.ROOT, "%.3f ms", seconds * 1e3);
    }
}
