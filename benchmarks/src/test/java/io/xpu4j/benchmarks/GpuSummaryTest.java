package io.xpu4j.benchmarks;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GpuSummaryTest {

    private static String result(String benchmark, String mode, String unit, double median, String params) {
        return """
                {"benchmark": "io.xpu4j.benchmarks.%s", "mode": "%s", "threads": 1, "params": {%s},
                 "primaryMetric": {"score": %s, "scoreUnit": "%s", "scorePercentiles": {"50.0": %s},
                                   "rawData": [[%s, %s]]}}
                """.formatted(benchmark, mode, params, median * 1.1, unit, median, median, median * 1.2);
    }

    private static List<GpuSummary.Row> parse(String... results) throws Exception {
        return GpuSummary.rows(new ObjectMapper().readTree("[" + String.join(",", results) + "]"));
    }

    @Test
    void ratesComeFromTheMedianAndTheWorkOfEachOp() throws Exception {
        List<GpuSummary.Row> rows = parse(
                result("CudaPeerBench.sgemm_cublas", "avgt", "us/op", 100, "\"n\": \"1024\""),
                result("GemmBench.sgemm_xpu4j", "avgt", "us/op", 200, "\"backend\": \"cuda\", \"n\": \"1024\""),
                result("CudaPeerBench.copy_dtod", "avgt", "us/op", 50, "\"n\": \"16777216\""),
                result("EmbedBench.embed_xpu4j", "thrpt", "ops/s", 10, "\"backend\": \"cuda\", \"batch\": \"32\""),
                result("DispatchBench.dispatch_add_xpu4j", "avgt", "ns/op", 5000, "\"backend\": \"cuda\""));
        assertEquals(5, rows.size());

        GpuSummary.Row cublas = rows.get(0);
        assertEquals("sgemm", cublas.op());
        assertEquals("cublas", cublas.impl());
        assertEquals("cublas", cublas.backend(), "a peer has no backend parameter: its implementation stands in");
        assertEquals(1e-4, cublas.medianSeconds(), 1e-12);
        // 2·1024³ flops in 100 us
        assertEquals(String.format(java.util.Locale.ROOT, "%.1f GFLOP/s", 2.0 * Math.pow(1024, 3) / 1e-4 / 1e9), cublas.rate());

        GpuSummary.Row xpu = rows.get(1);
        assertEquals("cuda", xpu.backend());
        assertEquals("xpu4j", xpu.impl());
        assertEquals("1024", xpu.params().get("n"));
        assertTrue(!xpu.params().containsKey("backend"), "the backend is its own column");

        // one read and one write of 64 MiB in 50 us
        assertEquals("2684.4 GB/s", rows.get(2).rate());
        assertEquals("copy_dtod", rows.get(2).op());
        assertEquals("limit", rows.get(2).impl());
        // throughput 10 batches/s of 32 sentences
        assertEquals("320.0 sentences/s", rows.get(3).rate());
        assertEquals("", rows.get(4).rate(), "dispatch is a time, not a rate");
        assertEquals(5e-6, rows.get(4).medianSeconds(), 1e-15);

        String md = GpuSummary.markdown(rows);
        assertTrue(md.contains("| sgemm | cublas | cublas | n=1024 | 100.00 us |"), md);
        assertTrue(md.contains("| dispatch_add | xpu4j | cuda |  | 5.00 us |  |"), md);
    }

    @Test
    void timesAreShownInAReadableUnit() {
        assertEquals("850 ns", GpuSummary.time(850e-9));
        assertEquals("12.50 us", GpuSummary.time(12.5e-6));
        assertEquals("3.000 ms", GpuSummary.time(3e-3));
    }

    @Test
    void noResultsSaysSoAndAnObjectIsRejected() throws Exception {
        assertEquals("No benchmark results.\n", GpuSummary.markdown(List.of()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GpuSummary.rows(new ObjectMapper().readTree("{\"benchmark\": \"x\"}")));
        assertTrue(e.getMessage().contains("array"), e.getMessage());
    }
}
