package io.xpu4j.backend.cann;

import io.xpu4j.api.Availability;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The probe says which file was tried and what was missing, and never throws. */
class LibraryDiscoveryTest {
    /** A shared library that loads but is not AscendCL. */
    private static Path foreignLibrary() {
        for (String p : List.of("/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/x86_64-linux-gnu/libz.so.1",
                "/lib64/libz.so.1", "/usr/lib64/libz.so.1", "/lib/aarch64-linux-gnu/libz.so.1")) {
            if (Files.isRegularFile(Path.of(p))) {
                return Path.of(p);
            }
        }
        return null;
    }

    @Test
    void emptyDirectoryNamesEveryFileTried(@TempDir Path dir) {
        Path lib64 = dir.resolve("lib64");
        AclRuntime rt = new AclRuntime(new AclLibraries(List.of(lib64), false), false);
        Availability a = new CannBackend(rt).availability();
        assertFalse(a.available());
        assertTrue(a.reason().contains(lib64.resolve("libascendcl.so") + " (not found)"), a.reason());
        assertTrue(a.reason().contains(lib64.resolve("libacl_rt.so") + " (not found)"), a.reason());
        assertTrue(new CannBackend(rt).devices().isEmpty());
    }

    @Test
    void libraryWithoutTheSymbolsIsNamed(@TempDir Path dir) throws Exception {
        Path foreign = foreignLibrary();
        assumeTrue(foreign != null, "no libz.so.1 on this machine to stand in for a wrong library");
        Files.copy(foreign, dir.resolve("libascendcl.so"));
        Files.copy(foreign, dir.resolve("libnnopbase.so"));
        AclRuntime rt = new AclRuntime(new AclLibraries(List.of(dir), false), false);
        Availability a = new CannBackend(rt).availability();
        assertFalse(a.available());
        assertTrue(a.reason().contains(dir.resolve("libascendcl.so").toString()), a.reason());
        assertTrue(a.reason().contains("lacks symbol(s)") && a.reason().contains("aclInit")
                && a.reason().contains("aclrtMalloc"), a.reason());
    }

    @Test
    void missingMetaLibraryIsNamed(@TempDir Path dir) throws Exception {
        Path foreign = foreignLibrary();
        assumeTrue(foreign != null, "no libz.so.1 on this machine to stand in for a library");
        Files.copy(foreign, dir.resolve("libacl_rt.so"));
        AclLibraries libs = new AclLibraries(List.of(dir), false);
        assertTrue(libs.runtime().getFirst().file().endsWith("libacl_rt.so"), "falls back to libacl_rt.so");
        AclRuntime rt = new AclRuntime(libs, false);
        assertTrue(rt.problem.contains("libnnopbase.so not found") && rt.problem.contains(dir.resolve("libnnopbase.so").toString()),
                rt.problem);
    }

    @Test
    void laterDirectoriesAreSearchedInOrder(@TempDir Path dir) throws Exception {
        Path foreign = foreignLibrary();
        assumeTrue(foreign != null, "no libz.so.1 on this machine to stand in for a library");
        Path first = dir.resolve("a");
        Path second = dir.resolve("b");
        Files.createDirectories(first);
        Files.createDirectories(second);
        Files.copy(foreign, second.resolve("libascendcl.so"));
        Files.copy(foreign, second.resolve("libopapi.so"));
        AclLibraries libs = new AclLibraries(List.of(first, second), false);
        assertTrue(libs.runtime().getFirst().file().equals(second.resolve("libascendcl.so").toString()));
        assertTrue(libs.ops().getFirst().file().equals(second.resolve("libopapi.so").toString()));
        assertTrue(libs.attempts("runtime").contains(first.resolve("libascendcl.so") + " (not found)"));
    }

    @Test
    void environmentProbeReportsAvailabilityWithAReason() {
        Availability a = new CannBackend().availability();
        assertNotNull(a.reason());
        assertFalse(a.reason().isBlank());
        if (a.available()) {
            AclRuntime rt = AclRuntime.shared();
            assertTrue(rt.deviceCount > 0);
            assertTrue(rt.ops.missing().isEmpty(), "operators missing: " + rt.ops.missing());
            if (rt.isEmulator()) {
                assertTrue(a.reason().contains(CannBackend.EMULATOR_NOTE), a.reason());
            }
        } else {
            System.out.println("[cann] backend unavailable here: " + a.reason());
            assertTrue(a.reason().contains("libascendcl.so"), a.reason());
        }
    }
}
