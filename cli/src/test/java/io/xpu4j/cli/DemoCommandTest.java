package io.xpu4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DemoCommandTest {
    private static final String[] TINY = {"--seq", "8", "--dim", "32", "--heads", "2", "--layers", "2", "--iterations", "2"};

    @TempDir
    Path dir;

    private CliRun demo(Map<String, String> env, String... extra) {
        String[] args = new String[1 + TINY.length + extra.length];
        args[0] = "demo";
        System.arraycopy(TINY, 0, args, 1, TINY.length);
        System.arraycopy(extra, 0, args, 1 + TINY.length, extra.length);
        return CliRun.run(dir, env, args);
    }

    @Test
    void runsTinyModelOnCpuAndFreesEverything() {
        CliRun r = demo(Map.of(), "--backend", "cpu");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.out().contains("device       cpu:0"), r::toString);
        assertTrue(r.out().contains("output       F32[1, 8, 32]"), r::toString);
        assertTrue(r.out().matches("(?s).*checksum     sum -?[0-9.]+, mean \\|x\\| [0-9.]+.*"), r::toString);
        assertTrue(r.out().matches("(?s).*time         [0-9.]+ ms per forward pass.*"), r::toString);
        assertTrue(r.out().matches("(?s).*memory       live .*, peak .*, cached .*"), r::toString);
        assertTrue(r.out().contains("freed        cpu:0: live 0 bytes after the scope closed"), r::toString);
        assertTrue(r.out().contains("parity       skipped"), r::toString);
        assertTrue(r.out().contains("result       OK"), r::toString);
        assertTrue(r.err().contains("xpu4j demo: warm-up forward pass 1/1"), r::toString);
        assertTrue(r.err().contains("forward pass 2/2"), r::toString);
    }

    @Test
    void sameSeedGivesTheSameModelAndAnotherSeedAnother() {
        double a = checksum(demo(Map.of(), "--seed", "7"));
        // not assertEquals: parallel kernels may sum in another order from run to run
        assertEquals(a, checksum(demo(Map.of(), "--seed", "7")), 1e-4 * Math.max(1, Math.abs(a)));
        assertTrue(Math.abs(a - checksum(demo(Map.of(), "--seed", "8"))) > 1e-2);
    }

    private static double checksum(CliRun r) {
        assertEquals(0, r.exitCode(), r::toString);
        Matcher m = Pattern.compile("checksum     sum (\\S+),").matcher(r.out());
        assertTrue(m.find(), r::toString);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void onAnotherDeviceItAlsoRunsOnTheCpuAndReportsParity() {
        MirrorBackend.enabled = true;
        try {
            CliRun r = demo(Map.of());
            assertEquals(0, r.exitCode(), r::toString);
            assertTrue(r.out().contains("device       mirror:0"), r::toString);
            assertTrue(r.out().contains("freed        mirror:0: live 0 bytes"), r::toString);
            assertTrue(r.out().contains("freed        cpu:0: live 0 bytes"), r::toString);
            assertTrue(r.out().matches("(?s).*parity       max abs diff \\S+ vs cpu:0 \\(bound \\S+\\): OK.*"), r::toString);
            assertTrue(r.out().contains("result       OK"), r::toString);
            assertTrue(r.err().contains("parity: running the same model on cpu:0"), r::toString);
        } finally {
            MirrorBackend.enabled = false;
        }
    }

    @Test
    void anUnknownBackendIsAUsageErrorNamingTheAllowedOnes() {
        CliRun r = demo(Map.of(), "--backend", "tpu");
        assertEquals(2, r.exitCode(), r::toString);
        assertTrue(r.err().contains("'tpu' is not a backend; allowed: auto, cpu, cuda, cann"), r::toString);
        assertFalse(r.err().contains("\tat "), r::toString);
        assertTrue(r.out().isEmpty(), r::toString);
    }

    @Test
    void anExplicitUnavailableBackendFailsWithItsReasonInsteadOfFallingBack() {
        CliRun r = demo(Map.of(), "--backend", "cuda");
        assertEquals(2, r.exitCode(), r::toString);
        assertTrue(r.err().contains("xpu4j: error: [BACKEND_UNAVAILABLE] backend 'cuda' cannot run here"), r::toString);
        // the probe's own reason follows, whatever it is on this machine (no driver, no device, ...)
        assertTrue(r.err().matches("(?s).*cuda unavailable: \\S.*"), r::toString);
    }

    @Test
    void aConfiguredUnavailableBackendFallsBackToTheCpuAndSaysSo() {
        CliRun r = demo(Map.of("XPU4J_BACKEND", "cann"));
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.out().contains("backend      cpu (requested cann; fell back: cann unavailable"), r::toString);
    }

    @Test
    void aBadConfigIsExitCode2() {
        CliRun r = demo(Map.of("XPU4J_BACKEND", "tpu"));
        assertEquals(2, r.exitCode(), r::toString);
        assertTrue(r.err().contains("[CONFIG] env XPU4J_BACKEND: bad value 'tpu'"), r::toString);
    }

    @Test
    void sizesThatDoNotSplitIntoHeadsAreUsageErrors() {
        CliRun r = CliRun.run(dir, "demo", "--dim", "30", "--heads", "4");
        assertEquals(2, r.exitCode(), r::toString);
        assertTrue(r.err().contains("--dim 30 must split into --heads 4"), r::toString);
        CliRun zero = CliRun.run(dir, "demo", "--layers", "0");
        assertEquals(2, zero.exitCode(), zero::toString);
        assertTrue(zero.err().contains("'--layers': 0; must be at least 1"), zero::toString);
    }
}
