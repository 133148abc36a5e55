package io.xpu4j.cli;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The command on the cann backend over the AscendCL ABI emulator (the build runs this class with
 * ASCEND_HOME_PATH pointing at native/cann-emu's libraries): the emulator is named as such
 * everywhere, and the main job gives the published numbers there.
 */
class CannEmulatorCliTest {
    @TempDir
    static Path cache;

    @TempDir
    Path dir;

    @BeforeAll
    static void modelFiles() {
        TestModelFiles.use(cache);
    }

    @AfterAll
    static void restore() {
        TestModelFiles.restore();
    }

    @Test
    void devicesSaysItIsTheEmulatorNotAscendHardware() {
        CliRun r = CliRun.run(dir, "devices");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.out().lines().anyMatch(l -> l.matches("cann\\s+available\\s+.*ABI emulator, not Ascend hardware.*")),
                r::toString);
        assertTrue(r.out().lines().anyMatch(l -> l.matches("\\s+cann:0\\s+.*emulator.*")), r::toString);
    }

    @Test
    void theMainJobRunsOnCannByConfigAndGivesThePublishedNumbers() {
        CliRun r = CliRun.run(dir, Map.of("XPU4J_BACKEND", "cann"), "embed", "The weather is lovely today.",
                "It's so sunny outside!", "He drove to the stadium.");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.out().contains("backend      cann on cann:0 (requested cann)"), r::toString);
        assertEquals(0.6660, EmbedCommandTest.cell(r.out(), 1, 2), 5e-4, r::toString);
        assertEquals(0.1046, EmbedCommandTest.cell(r.out(), 1, 3), 5e-4, r::toString);
        assertEquals(0.1411, EmbedCommandTest.cell(r.out(), 2, 3), 5e-4, r::toString);
    }

    @Test
    void doctorRunsItsSmokeTestOnCann() {
        CliRun r = CliRun.run(dir, Map.of("XPU4J_BACKEND", "cann"), "doctor");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.out().lines().anyMatch(l -> l.matches("OK\\s+backend cann\\s+.*")), r::toString);
        assertTrue(r.out().lines().anyMatch(l -> l.matches("OK\\s+smoke\\s+.*cann:0.*")), r::toString);
    }
}
