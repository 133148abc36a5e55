package io.xpu4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DoctorCommandTest {
    @TempDir
    Path dir;

    @Test
    void passesOnThisMachineAndReportsEveryCheck() {
        CliRun r = CliRun.run(dir, "doctor");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.out().matches("(?s).*^OK\\s+java\\s+25.*"), r::toString);
        assertTrue(r.out().contains("jdk.incubator.vector loaded"), r::toString);
        assertTrue(r.out().contains("bits,") && r.out().contains("float lanes"), r::toString);
        assertTrue(r.out().lines().anyMatch(l -> l.matches("OK\\s+native access.*")), r::toString);
        assertTrue(r.out().lines().anyMatch(l -> l.matches("OK\\s+backend cpu\\s+available.*")), r::toString);
        assertTrue(r.out().lines().anyMatch(l -> l.matches("WARN\\s+backend cuda\\s+unavailable: \\S.*")), r::toString);
        assertTrue(r.out().lines().anyMatch(l -> l.matches("WARN\\s+backend cann\\s+unavailable: \\S.*")), r::toString);
        assertTrue(r.out().contains("backend = auto  [default]"), r::toString);
        assertTrue(r.out().lines().anyMatch(l -> l.matches("OK\\s+smoke\\s+matmul 64x64 .* on cpu:0 .*max abs diff.*")),
                r::toString);
        assertTrue(r.out().contains(" 0 FAIL"), r::toString);
        assertTrue(r.err().isEmpty(), r::toString);
    }

    @Test
    void aFailingCheckIsExitCode1() {
        CliRun r = CliRun.run(dir, Map.of("XPU4J_BACKEND", "cuda", "XPU4J_FALLBACK_BACKENDS", ""), "doctor");
        assertEquals(1, r.exitCode(), r::toString);
        assertTrue(r.out().lines().anyMatch(l -> l.matches("FAIL\\s+smoke\\s+.*\\[BACKEND_UNAVAILABLE\\].*")), r::toString);
        assertTrue(r.out().contains(" 1 FAIL"), r::toString);
    }

    @Test
    void aFallbackIsAWarningThatSaysWhy() {
        CliRun r = CliRun.run(dir, Map.of("XPU4J_BACKEND", "cann"), "doctor");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.out().lines().anyMatch(l -> l.matches("WARN\\s+smoke\\s+matmul .* on cpu:0 .*")), r::toString);
        assertTrue(r.out().contains("backend 'cann' fell back: cann unavailable"), r::toString);
    }

    @Test
    void showsWhereEachValueCameFrom() throws Exception {
        Path file = dir.resolve("my.yaml");
        Files.writeString(file, "backend: cpu\nmemory:\n  limitBytes: 1GiB\n");
        CliRun r = CliRun.run(dir, Map.of("XPU4J_DEVICE", "0"), "--config", file.toString(), "doctor");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.out().contains("backend = cpu  [file " + file), r::toString);
        assertTrue(r.out().contains("device = 0  [env XPU4J_DEVICE]"), r::toString);
        assertTrue(r.out().contains("memory.limitBytes = 1.0 GiB (1073741824 bytes)  [file"), r::toString);
        assertTrue(r.out().contains("opFallback = cpu  [default]"), r::toString);
        assertTrue(r.out().contains("matmulPrecision = highest  [default]"), r::toString);
    }

    @Test
    void aBadEnvironmentVariableIsAConfigErrorWithExitCode2AndNoStackTrace() {
        CliRun r = CliRun.run(dir, Map.of("XPU4J_BACKEND", "tpu"), "doctor");
        assertEquals(2, r.exitCode(), r::toString);
        assertTrue(r.err().contains("xpu4j: error: [CONFIG] env XPU4J_BACKEND: bad value 'tpu'"), r::toString);
        assertTrue(r.err().contains("allowed: auto, cpu, cuda, cann"), r::toString);
        assertFalse(r.err().contains("\tat "), r::toString);
        assertTrue(r.out().lines().anyMatch(l -> l.matches("FAIL\\s+config\\s+.*XPU4J_BACKEND.*")), r::toString);
    }

    @Test
    void stacktraceOptionShowsTheTraceBeforeOrAfterTheCommand() {
        for (String[] args : new String[][]{{"--stacktrace", "doctor"}, {"doctor", "--stacktrace"}}) {
            CliRun r = CliRun.run(dir, Map.of("XPU4J_BACKEND", "tpu"), args);
            assertEquals(2, r.exitCode(), r::toString);
            assertTrue(r.err().contains("io.xpu4j.api.XpuException: [CONFIG]"), r::toString);
            assertTrue(r.err().contains("\tat io.xpu4j.api.ConfigLoader"), r::toString);
        }
    }

    @Test
    void aMissingConfigFileIsAConfigError() {
        CliRun r = CliRun.run(dir, "--config", dir.resolve("nope.yaml").toString(), "doctor");
        assertEquals(2, r.exitCode(), r::toString);
        assertTrue(r.err().startsWith("xpu4j: error: [CONFIG]"), r::toString);
        assertTrue(r.err().contains("nope.yaml"), r::toString);
    }
}
