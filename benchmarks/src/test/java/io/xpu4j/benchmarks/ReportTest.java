package io.xpu4j.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReportTest {

    private static Report fixture() throws Exception {
        try (InputStream in = ReportTest.class.getResourceAsStream("/jmh-fixture.json")) {
            return Report.parse(new ObjectMapper().readTree(in));
        }
    }

    private static Report.Line line(Report r, Workload w, String label) {
        return r.lines().stream().filter(l -> l.row().workload() == w && l.row().label().equals(label)).findFirst()
                .orElseThrow(() -> new AssertionError("no row " + w + " " + label + " in " + r.lines()));
    }

    @Test
    void limitsComeFromTheMachineLimitResultsWithTheirThreadCount() throws Exception {
        Report r = fixture();
        // throughput mode: JMH already sums the threads; the best iteration did 4.1 ops/ms of FMA_FLOPS_PER_OP flops
        assertEquals(4100 * (double) MachineLimits.FMA_FLOPS_PER_OP / 1e9, r.peak(), 1e-9);
        // the median triad iteration is 10 GB/s, the fastest took 0.98 of its time
        assertEquals(10.0 / 0.98, r.bandwidth(), 1e-9);
        // no read sweep in the fixture: the triad stands in
        assertEquals(r.bandwidth(), r.readBandwidth(), 1e-9);
    }

    @Test
    void pairsEachXpuCaseWithItsPeerAndLimit() throws Exception {
        Report r = fixture();
        assertEquals(5, r.lines().size(), r.lines().toString());

        Report.Row sgemm = line(r, Workload.SGEMM, "n=1000").row();
        assertEquals("cpu", sgemm.backend());
        assertEquals(200.0, sgemm.xpu(), 1e-9);
        assertEquals(100.0, sgemm.peer(), 1e-9);   // 20 ms/op: the unit is converted
        assertEquals(2.0, sgemm.vsPeer(), 1e-9);
        assertEquals(2.0, sgemm.vsPeerBest(), 1e-9);
        assertEquals(200.0 / 0.98, sgemm.xpuBest(), 1e-9);
        assertEquals(r.peak(), sgemm.limit(), 1e-9);
        assertEquals((1.03 - 0.98) * 10000 / 10000, sgemm.xpuSpread(), 1e-9);
        assertEquals(null, line(r, Workload.SGEMM, "n=1000").target());   // the issue sets targets from n=1024

        Report.Row half = line(r, Workload.GEMM_HALF, "BF16 n=1000").row();
        assertEquals(250.0, half.xpu(), 1e-9);
        assertEquals(100.0, half.peer(), 1e-9);   // OpenBLAS SGEMM of the same n
        assertFalse(half.peerNote().isEmpty());

        Report.Row skinny = line(r, Workload.SKINNY, "M=1 K=N=1000").row();
        assertEquals(10.0, skinny.xpu(), 1e-9);
        assertEquals(20.0, skinny.peer(), 1e-9);
        assertEquals(r.bandwidth(), skinny.limit(), 1e-9);   // roofline: bandwidth-bound at M=1

        Report.Line add = line(r, Workload.ADD, "1000000 floats");
        assertEquals(6.0, add.row().xpu(), 1e-9);
        assertTrue(Double.isNaN(add.row().peer()));
        assertFalse(add.met());

        Report.Line dispatch = line(r, Workload.DISPATCH_ADD, "");
        assertEquals(500.0, dispatch.row().xpu(), 1e-9);
        assertTrue(dispatch.met());
    }

    @Test
    void markdownHasOneTableRowPerCaseAndListsTheMisses() throws Exception {
        String md = fixture().markdown(List.of("machine: test"));
        List<String> rows = md.lines().filter(l -> l.startsWith("| ") && !l.startsWith("| op ") && !l.startsWith("| limit ")).toList();
        assertEquals(3 + 5, rows.size(), md);   // three limits (one not measured), five results
        assertTrue(md.contains("| read-only sweep (sum), all threads | not measured |"), md);
        assertTrue(md.contains("| SGEMM F32, square | n=1000 | cpu | 200 GFLOP/s | 100 GFLOP/s | 86.0 GFLOP/s | 2.00× (2.00×) | 233% | 5%, 5% |  |  |"), md);
        assertTrue(md.contains("- elementwise add 1000000 floats (cpu): target ≥80% limit"), md);
        assertTrue(md.contains("- machine: test"), md);
    }

    @Test
    void svgIsWellFormedXmlWithBarsForEveryFigure() throws Exception {
        String svg = fixture().svg("test <chart> & more");
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
        assertEquals("svg", doc.getDocumentElement().getNodeName());
        // 3 legend swatches + background, then bars: sgemm 3, half 3, skinny 3, add 2 (no peer)
        assertEquals(4 + 3 + 3 + 3 + 2, doc.getElementsByTagName("rect").getLength());
    }

    @Test
    void mainWritesBothFiles(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("results.json");
        try (InputStream in = ReportTest.class.getResourceAsStream("/jmh-fixture.json")) {
            Files.copy(in, json);
        }
        // a second file with a faster triad and a read sweep: the limit is the best over both
        Path faster = dir.resolve("limits-after.json");
        Files.writeString(faster, "[" + triadResult(20.0) + ", " + readResult(10.0) + "]");
        Report.main(new String[]{json.toString(), faster.toString(), dir.resolve("out").toString(), "--note", "hello"});
        String md = Files.readString(dir.resolve("out/performance.md"));
        assertTrue(md.contains("- hello"), md);
        assertTrue(md.contains("| STREAM triad, all threads | 40.3 GB/s | 40.3 GB/s | 2 | 0% | 2 times, best shown |"), md);
        // 2 threads × 256 MiB in 10 ms; the skinny M=1 row is now held to it
        assertTrue(md.contains("| read-only sweep (sum), all threads | 53.7 GB/s | 53.7 GB/s | 2 | 0% | once |"), md);
        assertTrue(md.contains("| M=1 K=N=1000 | cpu | 10.0 GB/s | 20.0 GB/s | 53.7 GB/s |"), md);
        assertTrue(Files.readString(dir.resolve("out/performance.svg")).startsWith("<?xml"));
    }

    /**
     * The run is called quiet only when the FMA loop stays within 5%, inside each measurement and
     * between the one before and the one after the kernels; the verdict sits under the limits.
     */
    @Test
    void judgesTheRunQuietOnlyWhenTheFmaLoopHeldStill() throws Exception {
        ObjectMapper json = new ObjectMapper();
        String unmeasured = new Report(List.of()).stability();
        assertTrue(unmeasured.contains("not assessed"), unmeasured);

        Report still = Report.parse(json.readTree("[" + fmaResult("100, 100.5, 101") + ", " + fmaResult("100.2, 100.9") + "]"));
        assertTrue(still.stability().startsWith("Run stability: **quiet**"), still.stability());
        assertTrue(still.stability().contains("spread 1%, 1% (before, after the kernels), its best iterations 0% apart"),
                still.stability());

        Report scattered = Report.parse(json.readTree("[" + fmaResult("100, 112, 130") + "]"));
        assertTrue(scattered.stability().startsWith("Run stability: **not quiet**"), scattered.stability());
        assertTrue(scattered.stability().contains("spread 27%"), scattered.stability());

        // each measurement steady, but the second 20% slower: a neighbour arrived between them
        Report moved = Report.parse(json.readTree("[" + fmaResult("100, 101") + ", " + fmaResult("125, 126") + "]"));
        assertTrue(moved.stability().startsWith("Run stability: **not quiet**"), moved.stability());
        assertTrue(moved.stability().contains("its best iterations 20% apart"), moved.stability());

        String md = moved.markdown(List.of());
        assertTrue(md.indexOf("Run stability") > md.indexOf("| limit |") && md.indexOf("Run stability") < md.indexOf("## Results"), md);
    }

    /**
     * A bandwidth limit whose two measurements disagree by more than 15% is called out under the
     * limits (the host changed what the VM gets); 10% apart, or measured once, says nothing.
     */
    @Test
    void saysWhenTheBandwidthMovedBetweenItsMeasurements() throws Exception {
        ObjectMapper json = new ObjectMapper();
        // 2 × 384 MiB in 10 ms and in 20 ms: 80.5 and 40.3 GB/s
        Report halved = Report.parse(json.readTree("[" + triadResult(10.0) + ", " + triadResult(20.0) + "]"));
        String drift = halved.bandwidthDrift();
        assertTrue(drift.startsWith("Memory bandwidth moved during the run: STREAM triad, all threads 80.5 and 40.3 GB/s (50% apart)"),
                drift);
        String md = halved.markdown(List.of());
        assertTrue(md.indexOf("Memory bandwidth moved") > md.indexOf("Run stability")
                && md.indexOf("Memory bandwidth moved") < md.indexOf("## Results"), md);

        Report steady = Report.parse(json.readTree("[" + triadResult(10.0) + ", " + triadResult(11.0) + ", "
                + readResult(10.0) + "]"));
        assertEquals("", steady.bandwidthDrift());
        assertFalse(steady.markdown(List.of()).contains("Memory bandwidth moved"));

        Report readMoved = Report.parse(json.readTree("[" + readResult(10.0) + ", " + readResult(13.0) + "]"));
        assertTrue(readMoved.bandwidthDrift().contains("read-only sweep (sum), all threads 53.7 and 41.3 GB/s (23% apart)"),
                readMoved.bandwidthDrift());
    }

    /** The transposing copy is counted as bytes read plus written and held to the triad, with no target. */
    @Test
    void transposeRowCountsEightBytesPerElementAgainstTheTriad() throws Exception {
        String transpose = """
                {"benchmark": "io.xpu4j.benchmarks.RowOpsBench.transpose_xpu4j", "mode": "avgt", "threads": 1,
                 "params": {"backend": "cpu", "tokens": "1000", "heads": "2", "dim": "4"},
                 "primaryMetric": {"score": 1.0, "scorePercentiles": {"50.0": 1.0}, "scoreUnit": "ms/op", "rawData": [[1.0, 1.0]]}}
                """;
        Report r = Report.parse(new ObjectMapper().readTree("[" + triadResult(20.0) + ", " + transpose + "]"));
        Report.Line l = line(r, Workload.TRANSPOSE, "[1000, 2, 4] to [2, 1000, 4]");
        assertEquals(8.0 * 1000 * 2 * 4 / 1e-3 / 1e9, l.row().xpu(), 1e-12);
        assertEquals(r.bandwidth(), l.row().limit(), 1e-9);
        assertEquals(null, l.target());
        // the way back, heads first: its own row, labelled in its direction
        String back = transpose.replace("\"dim\": \"4\"", "\"dim\": \"4\", \"headsFirst\": \"true\"")
                .replace("\"score\": 1.0", "\"score\": 2.0").replace("\"50.0\": 1.0", "\"50.0\": 2.0");
        Report both = Report.parse(new ObjectMapper().readTree("[" + triadResult(20.0) + ", " + transpose + ", " + back + "]"));
        assertEquals(8.0 * 1000 * 2 * 4 / 2e-3 / 1e9, line(both, Workload.TRANSPOSE, "[2, 1000, 4] to [1000, 2, 4]").row().xpu(),
                1e-12);
        assertEquals(l.row().xpu(), line(both, Workload.TRANSPOSE, "[1000, 2, 4] to [2, 1000, 4]").row().xpu(), 1e-12);
    }

    /**
     * Half-precision skinny rows count two bytes per weight, and their roofline turns compute-bound
     * at half the M of F32 (one flop per weight byte per row of x); they have no peer and no target.
     */
    @Test
    void skinnyHalfRowCountsTwoBytesPerWeight() throws Exception {
        String half = """
                {"benchmark": "io.xpu4j.benchmarks.GemmBench.skinny_half_xpu4j", "mode": "avgt", "threads": 1,
                 "params": {"backend": "cpu", "dtype": "BF16", "m": "M_", "kn": "1000"},
                 "primaryMetric": {"score": 1.0, "scorePercentiles": {"50.0": 1.0}, "scoreUnit": "ms/op", "rawData": [[1.0, 1.0]]}}
                """;
        // FMA loop: 4 ops/ms of FMA_FLOPS_PER_OP flops with 2 threads; triad 20 ms per call
        String limits = fmaResult("%s".formatted(1000.0 / 4)) + ", " + triadResult(20.0);
        Report r = Report.parse(new ObjectMapper().readTree("[" + limits + ", " + half.replace("M_", "1") + ", "
                + half.replace("M_", "32").replace("BF16", "F16") + "]"));
        Report.Line one = line(r, Workload.SKINNY_HALF, "BF16 M=1 K=N=1000");
        assertEquals(2.0 * 1000 * 1000 / 1e-3 / 1e9, one.row().xpu(), 1e-12);
        assertTrue(Double.isNaN(one.row().peer()));
        assertEquals(null, one.target());
        assertEquals(Math.min(r.readBandwidth(), r.peak() / 1.0), one.row().limit(), 1e-9);
        assertEquals(Math.min(r.readBandwidth(), r.peak() / 32.0),
                line(r, Workload.SKINNY_HALF, "F16 M=32 K=N=1000").row().limit(), 1e-9);
    }

    /** A hand-written FMA loop result, 2 threads, average time mode, the given iterations in µs per call. */
    private static String fmaResult(String iterationsUs) {
        String median = iterationsUs.split(",")[iterationsUs.split(",").length / 2].trim();
        return """
                {"benchmark": "io.xpu4j.benchmarks.MachineLimits.fma_peak", "mode": "avgt", "threads": 2, "params": {},
                 "primaryMetric": {"score": %s, "scorePercentiles": {"50.0": %s}, "scoreUnit": "us/op", "rawData": [[%s]]}}
                """.formatted(median, median, iterationsUs);
    }

    /** A hand-written triad result, 2 threads, every iteration {@code ms} per call. */
    private static String triadResult(double ms) {
        return """
                {"benchmark": "io.xpu4j.benchmarks.MachineLimits.triad", "mode": "avgt", "threads": 2, "params": {},
                 "primaryMetric": {"score": %s, "scorePercentiles": {"50.0": %s}, "scoreUnit": "ms/op", "rawData": [[%s, %s]]}}
                """.formatted(ms, ms, ms, ms);
    }

    private static String readResult(double ms) {
        return triadResult(ms).replace("MachineLimits.triad", "MachineLimits.read_bw");
    }

    @Test
    void rejectsWhatIsNotAJmhResultArray() {
        JsonNode notArray = new ObjectMapper().createObjectNode();
        assertThrows(IllegalArgumentException.class, () -> Report.parse(notArray));
        assertThrows(IllegalArgumentException.class, () -> Measurement.seconds(1, "furlongs", "avgt"));
    }
}
