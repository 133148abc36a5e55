package io.xpu4j.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Turns JMH JSON result files (read as one run) into a markdown table and an SVG chart: xpu4j
 * against the peer (OpenBLAS) and the machine limits measured in the same run.
 *
 * <pre>
 * java -cp benchmarks.jar io.xpu4j.benchmarks.Report results.json [more.json ...] out-dir [--note "text"]...
 * </pre>
 * writes {@code out-dir/performance.md} and {@code out-dir/performance.svg}. Results of ops the
 * report does not know (see {@link Workload}) are left out. The markdown also says whether the run
 * was quiet enough to compare with others ({@link #stability()}).
 */
public final class Report {

    /** One line of the table: a case on one backend, with its peer and limit. NaN where absent. */
    record Row(Workload workload, String label, String backend, double xpu, double peer, double limit,
               double xpuSpread, double peerSpread, String peerNote, double xpuBest, double peerBest) {

        double vsPeer() {
            return ratio(xpu, peer);
        }

        /** The same ratio from each side's fastest iteration: less exposed to a noisy neighbour. */
        double vsPeerBest() {
            return ratio(xpuBest, peerBest);
        }

        private double ratio(double x, double p) {
            // for times (ns) lower is better, for rates higher is: both read "x faster than"
            return workload.metric == Workload.Metric.NANOS ? p / x : x / p;
        }

        double vsLimit() {
            return xpu / limit;
        }
    }

    private final List<Measurement> measurements;
    private final List<Line> lines = new ArrayList<>();
    private final double peak;
    private final double bandwidth;
    private final double readBandwidth;

    /** A row with its case parameters (the target depends on them). */
    record Line(Row row, Map<String, String> params) {
        Workload.Target target() {
            return row.workload().target(params);
        }

        boolean met() {
            Workload.Target t = target();
            return t != null && t.met(row.vsPeer(), row.vsLimit(), row.xpu());
        }
    }

    Report(List<Measurement> measurements) {
        this.measurements = measurements;
        this.peak = limitRate(Workload.FMA_PEAK);
        this.bandwidth = limitRate(Workload.TRIAD);
        double read = limitRate(Workload.READ);
        // an older result file without the read sweep: the triad stands in for it
        this.readBandwidth = Double.isNaN(read) ? bandwidth : read;
        build();
    }

    static Report parse(JsonNode root) {
        if (!root.isArray()) {
            throw new IllegalArgumentException("a JMH JSON result file holds an array of results; this does not");
        }
        List<Measurement> ms = new ArrayList<>();
        for (JsonNode r : root) {
            ms.add(Measurement.of(r));
        }
        return new Report(ms);
    }

    /**
     * A limit is the fastest iteration, not the median: on a shared machine a neighbour can only
     * slow the loop down, so the best iteration is the closest to what the hardware can do.
     */
    private double limitRate(Workload w) {
        Measurement m = limitMeasurement(w);
        return m == null ? Double.NaN : w.bestRate(m);
    }

    /** The limit's measurement with the fastest iteration, when it was measured more than once. */
    private Measurement limitMeasurement(Workload w) {
        Measurement best = null;
        for (Measurement m : measurements) {
            if (m.op().equals(w.op) && (best == null || m.fastest() < best.fastest())) {
                best = m;
            }
        }
        return best;
    }

    /**
     * How far the FMA loop may move, within one measurement (slowest against fastest iteration)
     * or between the measurements before and after the kernels, for the run to count as quiet.
     * On a quiet 2-core machine it moved by 1%; with neighbours on the same cores by about 20%.
     * The FMA loop is the judge because it is the most repeatable limit: the bandwidth loops
     * spread 5-11% even on a quiet machine.
     */
    static final double QUIET_SPREAD = 0.05;

    /**
     * Whether the cores were the run's own, judged by the FMA loop: a sentence for the report.
     * Neighbours on a shared machine often leave no mark in the load average (they run outside
     * the VM) but slow and scatter the FMA loop.
     */
    String stability() {
        List<Measurement> fma = limitRuns(Workload.FMA_PEAK);
        if (fma.isEmpty()) {
            return "Run stability: not assessed (the FMA loop was not measured).";
        }
        double worstSpread = 0;
        double fastest = 0;
        double slowestBest = Double.POSITIVE_INFINITY;
        StringBuilder spreads = new StringBuilder();
        for (Measurement m : fma) {
            worstSpread = Math.max(worstSpread, m.spread());
            double best = Workload.FMA_PEAK.bestRate(m);
            fastest = Math.max(fastest, best);
            slowestBest = Math.min(slowestBest, best);
            spreads.append(spreads.isEmpty() ? "" : ", ").append(pct(m.spread()));
        }
        double between = fma.size() > 1 ? (fastest - slowestBest) / fastest : 0;
        boolean quiet = worstSpread <= QUIET_SPREAD && between <= QUIET_SPREAD;
        String facts = "the FMA loop's iterations spread " + spreads
                + (fma.size() == 2 ? " (before, after the kernels)" : fma.size() > 2 ? " (one per measurement)" : "")
                + (fma.size() > 1 ? ", its best iterations " + pct(between) + " apart" : "");
        if (quiet) {
            return "Run stability: **quiet**: " + facts + ", within " + pct(QUIET_SPREAD) + ".";
        }
        return "Run stability: **not quiet**: " + facts + ", more than the " + pct(QUIET_SPREAD)
                + " a quiet machine stays within. Something else used these cores during the run, so every"
                + " figure of this run carries that noise; compare only quiet runs, or pairs measured in one process.";
    }

    /**
     * How far apart the best iterations of a bandwidth limit's measurements may be before the
     * report says the memory system changed during the run. Its own iterations spread 5-11% on a
     * quiet machine; on a VM whose host moves the vCPUs the available bandwidth halved within minutes.
     */
    static final double BANDWIDTH_DRIFT = 0.15;

    /**
     * A sentence when the triad or the read sweep ran much faster in one of its measurements
     * than in the other: the bandwidth-bound rows are then held to the faster one, which the
     * kernels between them may not have had. Empty when they agree or were measured once.
     */
    String bandwidthDrift() {
        StringBuilder moved = new StringBuilder();
        for (Workload w : List.of(Workload.TRIAD, Workload.READ)) {
            List<Measurement> runs = limitRuns(w);
            if (runs.size() < 2) {
                continue;
            }
            double hi = 0;
            double lo = Double.POSITIVE_INFINITY;
            StringBuilder each = new StringBuilder();
            for (Measurement m : runs) {
                double r = w.bestRate(m);
                hi = Math.max(hi, r);
                lo = Math.min(lo, r);
                each.append(each.isEmpty() ? "" : " and ").append(num(r));
            }
            if ((hi - lo) / hi > BANDWIDTH_DRIFT) {
                moved.append(moved.isEmpty() ? "" : "; ").append(w.title).append(" ").append(each).append(" ")
                        .append(w.metric.unit).append(" (").append(pct((hi - lo) / hi)).append(" apart)");
            }
        }
        if (moved.isEmpty()) {
            return "";
        }
        return "Memory bandwidth moved during the run: " + moved + " in the measurements "
                + "before and after the kernels. The bandwidth-bound rows are held to the faster one, which the "
                + "kernels in between may not have had, so their percentages can understate them by that much.";
    }

    /** Every measurement of the limit {@code w} (before and after the kernels, in file order). */
    private List<Measurement> limitRuns(Workload w) {
        return measurements.stream().filter(m -> m.op().equals(w.op)).toList();
    }

    private void build() {
        for (Workload w : Workload.values()) {
            if (w == Workload.FMA_PEAK || w == Workload.TRIAD || w == Workload.READ) {
                continue;
            }
            Set<Measurement> peersUsed = new LinkedHashSet<>();
            for (Measurement x : measurements) {
                if (!x.op().equals(w.op) || !x.impl().equals("xpu4j")) {
                    continue;
                }
                Measurement p = w == Workload.GEMM_HALF
                        ? find("sgemm", "openblas", Map.of("n", x.params().get("n")))
                        : find(w.op, "openblas", x.caseParams());
                if (p != null) {
                    peersUsed.add(p);
                }
                String note = p != null && w == Workload.GEMM_HALF ? "OpenBLAS SGEMM (F32)" : "";
                lines.add(line(w, x.caseParams(), x.backend(), x, p, note));
            }
            for (Measurement p : measurements) {
                if (p.op().equals(w.op) && p.impl().equals("openblas") && !peersUsed.contains(p)) {
                    lines.add(line(w, p.caseParams(), "—", null, p, ""));
                }
            }
        }
    }

    private Line line(Workload w, Map<String, String> params, String backend, Measurement x, Measurement p, String note) {
        Measurement any = x != null ? x : p;
        double limit = switch (w.limit) {
            case PEAK -> peak;
            case BANDWIDTH -> bandwidth;
            case ROOFLINE -> Math.min(readBandwidth, peak / w.flopsPerByte(any));
            case NONE -> Double.NaN;
        };
        Workload pw = p == null ? null : Workload.of(p.op());
        Row row = new Row(w, w.label(params), backend,
                x == null ? Double.NaN : w.rate(x), p == null ? Double.NaN : pw.rate(p),
                limit, x == null ? Double.NaN : x.spread(), p == null ? Double.NaN : p.spread(), note,
                x == null ? Double.NaN : w.bestRate(x), p == null ? Double.NaN : pw.bestRate(p));
        return new Line(row, params);
    }

    private Measurement find(String op, String impl, Map<String, String> caseParams) {
        for (Measurement m : measurements) {
            if (m.op().equals(op) && m.impl().equals(impl) && m.caseParams().equals(caseParams)) {
                return m;
            }
        }
        return null;
    }

    List<Line> lines() {
        return lines;
    }

    double peak() {
        return peak;
    }

    double bandwidth() {
        return bandwidth;
    }

    double readBandwidth() {
        return readBandwidth;
    }

    // ------------------------------------------------------------------------------ markdown

    String markdown(List<String> notes) {
        StringBuilder md = new StringBuilder();
        md.append("# xpu4j benchmark report\n\n");
        for (String n : notes) {
            md.append("- ").append(n).append('\n');
        }
        if (!measurements.isEmpty()) {
            md.append("- ").append(measurements.size()).append(" JMH results; rates come from the median iteration time; "
                    + "spread = (slowest − fastest iteration) / median.\n");
        }
        md.append('\n');

        md.append("## Machine limits, measured in this run\n\n");
        md.append("Limits are the fastest iteration (a neighbour on a shared machine can only slow a loop down); "
                + "the median is shown beside it.\n\n");
        md.append("| limit | value (best iteration) | median | threads | spread | measured |\n|---|---|---|---|---|---|\n");
        for (Workload w : List.of(Workload.FMA_PEAK, Workload.TRIAD, Workload.READ)) {
            Measurement m = limitMeasurement(w);
            md.append("| ").append(w.title).append(" | ")
                    .append(m == null ? "not measured" : num(w.bestRate(m)) + " " + w.metric.unit).append(" | ")
                    .append(m == null ? "" : num(w.rate(m)) + " " + w.metric.unit).append(" | ")
                    .append(m == null ? "" : m.threads()).append(" | ")
                    .append(m == null ? "" : pct(m.spread())).append(" | ")
                    .append(limitRuns(w).size() == 1 ? "once" : limitRuns(w).size() + " times, best shown").append(" |\n");
        }
        md.append('\n').append(stability()).append("\n\n");
        String drift = bandwidthDrift();
        if (!drift.isEmpty()) {
            md.append(drift).append("\n\n");
        }

        md.append("## Results\n\n");
        md.append("| op | case | backend | xpu4j | OpenBLAS | limit | xpu4j / OpenBLAS (best iterations) | xpu4j / limit | spread xpu4j, peer | target | met |\n");
        md.append("|---|---|---|---:|---:|---:|---:|---:|---|---|---|\n");
        for (Line l : lines) {
            Row r = l.row();
            Workload.Target t = l.target();
            String unit = " " + r.workload().metric.unit;
            md.append("| ").append(r.workload().title).append(" | ").append(r.label())
                    .append(" | ").append(r.backend())
                    .append(" | ").append(Double.isNaN(r.xpu()) ? "—" : num(r.xpu()) + unit)
                    .append(" | ").append(Double.isNaN(r.peer()) ? "—" : num(r.peer()) + unit
                            + (r.peerNote().isEmpty() ? "" : " (" + r.peerNote() + ")"))
                    .append(" | ").append(Double.isNaN(r.limit()) ? "—" : num(r.limit()) + unit)
                    .append(" | ").append(Double.isNaN(r.vsPeer()) ? "—"
                            : String.format(Locale.ROOT, "%.2f× (%.2f×)", r.vsPeer(), r.vsPeerBest()))
                    .append(" | ").append(Double.isNaN(r.vsLimit()) ? "—" : pct(r.vsLimit()))
                    .append(" | ").append(pct(r.xpuSpread())).append(", ").append(pct(r.peerSpread()))
                    .append(" | ").append(t == null ? "" : t.describe())
                    .append(" | ").append(t == null ? "" : l.met() ? "yes" : "**no**")
                    .append(" |\n");
        }
        md.append('\n');

        List<Line> misses = lines.stream().filter(l -> l.target() != null && !l.met()).toList();
        md.append("## Targets missed in this run\n\n");
        if (misses.isEmpty()) {
            md.append("None.\n");
        }
        for (Line l : misses) {
            md.append("- ").append(l.row().workload().title).append(' ').append(l.row().label())
                    .append(" (").append(l.row().backend()).append("): target ").append(l.target().describe()).append('\n');
        }
        return md.toString();
    }

    static String num(double v) {
        if (Double.isNaN(v)) {
            return "—";
        }
        double a = Math.abs(v);
        return String.format(Locale.ROOT, a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : "%.2f", v);
    }

    static String pct(double v) {
        return Double.isNaN(v) ? "—" : String.format(Locale.ROOT, "%.0f%%", v * 100);
    }

    // ------------------------------------------------------------------------------ SVG

    private static final String[] COLORS = {"#2f6db5", "#e8872a", "#9e9e9e"};
    private static final String[] SERIES = {"xpu4j", "OpenBLAS", "measured limit"};

    /** Grouped horizontal bars: one panel per unit, one group per case, xpu4j / OpenBLAS / limit. */
    String svg(String title) {
        int width = 920;
        int labelW = 250;
        int barW = 540;
        int barH = 9;
        int groupGap = 9;
        StringBuilder body = new StringBuilder();
        int y = 58;
        for (Workload.Metric metric : List.of(Workload.Metric.GFLOPS, Workload.Metric.GBPS)) {
            List<Row> rows = lines.stream().map(Line::row).filter(r -> r.workload().metric == metric).toList();
            if (rows.isEmpty()) {
                continue;
            }
            double max = 0;
            for (Row r : rows) {
                for (double v : new double[]{r.xpu(), r.peer(), r.limit()}) {
                    if (!Double.isNaN(v)) {
                        max = Math.max(max, v);
                    }
                }
            }
            max = niceCeiling(max);
            y += 8;
            body.append(text(8, y + 12, "panel", (metric == Workload.Metric.GFLOPS ? "Compute-bound" : "Memory-bound")
                    + " (" + metric.unit + ", higher is better)"));
            y += 22;
            int top = y;
            int groupH = 3 * barH + 2 * 2 + groupGap;
            int panelH = rows.size() * groupH;
            for (int t = 0; t <= 4; t++) {
                double v = max * t / 4;
                double x = labelW + barW * t / 4.0;
                body.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" class=\"grid\"/>%n",
                        x, top - 4, x, top + panelH));
                body.append(text(x - 10, top + panelH + 12, "tick", v == 0 ? "0" : num(v)));
            }
            for (Row r : rows) {
                String label = r.workload().op + " " + r.label() + (r.backend().equals("cpu") || r.backend().equals("—")
                        ? "" : " [" + r.backend() + "]") + (r.peerNote().isEmpty() ? "" : " (peer: F32)");
                body.append(text(labelW - 8, y + barH * 2, "label", label));
                double[] vals = {r.xpu(), r.peer(), r.limit()};
                for (int s = 0; s < 3; s++) {
                    int by = y + s * (barH + 2);
                    if (!Double.isNaN(vals[s]) && max > 0) {
                        double w = Math.max(1, barW * vals[s] / max);
                        body.append(String.format(Locale.ROOT,
                                "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"><title>%s: %s %s</title></rect>%n",
                                labelW, by, w, barH, COLORS[s], SERIES[s], num(vals[s]), escape(metric.unit)));
                        body.append(text(labelW + w + 4, by + barH - 1, "value", num(vals[s])));
                    }
                }
                y += groupH;
            }
            y += 22;
        }
        int height = y + 10;
        StringBuilder svg = new StringBuilder();
        svg.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">%n",
                width, height, width, height));
        svg.append("<style>text{font-family:sans-serif;fill:#222}.title{font-size:15px;font-weight:bold}"
                + ".panel{font-size:13px;font-weight:bold}.label{font-size:11px;text-anchor:end}"
                + ".value{font-size:9px;fill:#444}.tick{font-size:9px;fill:#666}.legend{font-size:11px}"
                + ".grid{stroke:#ddd;stroke-width:1}</style>\n");
        svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        svg.append(text(8, 20, "title", title));
        for (int s = 0; s < 3; s++) {
            int lx = 8 + s * 150;
            svg.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"32\" width=\"12\" height=\"12\" fill=\"%s\"/>%n", lx, COLORS[s]));
            svg.append(text(lx + 16, 42, "legend", SERIES[s]));
        }
        svg.append(body);
        svg.append("</svg>\n");
        return svg.toString();
    }

    private static double niceCeiling(double v) {
        if (v <= 0) {
            return 1;
        }
        double mag = Math.pow(10, Math.floor(Math.log10(v)));
        for (double step : new double[]{1, 2, 2.5, 5, 10}) {
            if (step * mag >= v) {
                return step * mag;
            }
        }
        return 10 * mag;
    }

    private static String text(double x, double y, String cls, String s) {
        return String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" class=\"%s\">%s</text>%n", x, y, cls, escape(s));
    }

    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    // ------------------------------------------------------------------------------ main

    public static void main(String[] args) throws IOException {
        List<String> positional = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--note") && i + 1 < args.length) {
                notes.add(args[++i]);
            } else if (args[i].startsWith("--")) {
                System.err.println("unknown option '" + args[i] + "'; allowed: --note \"text\"");
                System.exit(2);
            } else {
                positional.add(args[i]);
            }
        }
        if (positional.size() < 2) {
            System.err.println("usage: Report <jmh-results.json>... <out-dir> [--note \"text\"]...");
            System.exit(2);
        }
        Path outDir = Path.of(positional.removeLast());
        // several files are read as one run (benchmarks/run.sh measures the limits before and after)
        ArrayNode all = JsonNodeFactory.instance.arrayNode();
        ObjectMapper json = new ObjectMapper();
        for (String f : positional) {
            JsonNode root = json.readTree(Path.of(f).toFile());
            if (!root.isArray()) {
                throw new IllegalArgumentException(f + " is not a JMH JSON result file (no top-level array)");
            }
            all.addAll((ArrayNode) root);
        }
        Report report = parse(all);
        for (JsonNode r : all) {
            if (!r.path("benchmark").asText().contains("MachineLimits")) {
                notes.add("JVM: " + r.path("vmName").asText() + " " + r.path("vmVersion").asText()
                        + ", JMH " + r.path("jmhVersion").asText() + ", forks " + r.path("forks").asInt()
                        + ", warmup " + r.path("warmupIterations").asInt() + " × " + r.path("warmupTime").asText()
                        + ", measurement " + r.path("measurementIterations").asInt() + " × " + r.path("measurementTime").asText());
                break;
            }
        }
        Files.createDirectories(outDir);
        Files.writeString(outDir.resolve("performance.md"), report.markdown(notes), StandardCharsets.UTF_8);
        Files.writeString(outDir.resolve("performance.svg"),
                report.svg("xpu4j vs OpenBLAS vs measured machine limits (" + String.join(", ", positional.stream()
                        .map(f -> Objects.toString(Path.of(f).getFileName())).toList()) + ")"),
                StandardCharsets.UTF_8);
        System.out.println("wrote " + outDir.resolve("performance.md") + " and " + outDir.resolve("performance.svg"));
        // on the console too: whoever ran it should know before quoting a figure
        System.out.println(report.stability().replace("**", ""));
        String drift = report.bandwidthDrift();
        if (!drift.isEmpty()) {
            System.out.println(drift);
        }
    }
}
