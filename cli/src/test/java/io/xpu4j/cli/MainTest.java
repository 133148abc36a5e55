package io.xpu4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MainTest {
    @TempDir
    Path dir;

    @Test
    void versionNamesXpu4jAndJava() {
        CliRun r = CliRun.run(dir, "--version");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.out().startsWith("xpu4j "), r::toString);
        assertTrue(r.out().contains("Java 25"), r::toString);
    }

    @Test
    void helpListsTheCommandsAndExitCodes() {
        CliRun r = CliRun.run(dir, "--help");
        assertEquals(0, r.exitCode(), r::toString);
        for (String s : new String[]{"devices", "doctor", "demo", "--config", "--stacktrace", "Exit codes:"}) {
            assertTrue(r.out().contains(s), () -> s + "\n" + r);
        }
    }

    @Test
    void noCommandOrAnUnknownOneIsAUsageError() {
        CliRun none = CliRun.run(dir);
        assertEquals(2, none.exitCode(), none::toString);
        assertTrue(none.err().contains("missing command"), none::toString);
        CliRun bad = CliRun.run(dir, "demoo");
        assertEquals(2, bad.exitCode(), bad::toString);
        assertTrue(bad.err().contains("demo"), bad::toString);
    }
}
