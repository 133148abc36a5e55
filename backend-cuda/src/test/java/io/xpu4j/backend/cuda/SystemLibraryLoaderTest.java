package io.xpu4j.backend.cuda;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Where the system loader looks for the CUDA libraries beyond the dynamic loader's search path. */
class SystemLibraryLoaderTest {
    @Test
    void toolkitDirectoriesFollowTheEnvironment() {
        assertEquals(List.of(Path.of("/opt/cuda-13/lib64"), Path.of("/usr/local/cuda/lib64")),
                new SystemLibraryLoader(Map.of("CUDA_HOME", "/opt/cuda-13")).toolkitDirectories());
        assertEquals(List.of(Path.of("/usr/local/cuda/lib64")),
                new SystemLibraryLoader(Map.of("CUDA_PATH", "/usr/local/cuda")).toolkitDirectories());
        assertEquals(List.of(Path.of("/usr/local/cuda/lib64")), new SystemLibraryLoader(Map.of()).toolkitDirectories());
    }

    @Test
    void companionsAreTheSameMajorVersion(@TempDir Path dir) throws IOException {
        for (String f : List.of("libcublasLt.so.13", "libcublasLt.so.13.0.2", "libcublasLt.so.12",
                "libnvrtc-builtins.so.13.0", "libnvrtc-builtins.so.12.9", "libcudart.so.13")) {
            Files.createFile(dir.resolve(f));
        }
        assertEquals(List.of(dir.resolve("libcublasLt.so.13"), dir.resolve("libcublasLt.so.13.0.2")),
                SystemLibraryLoader.companions(dir, "libcublas.so.13"));
        assertEquals(List.of(dir.resolve("libnvrtc-builtins.so.13.0")),
                SystemLibraryLoader.companions(dir, "libnvrtc.so.13"));
        assertEquals(List.of(), SystemLibraryLoader.companions(dir, "libcuda.so.1"));
    }

    /** A real shared library the JVM has mapped (libm), to stand in for a toolkit library. */
    private static Optional<Path> mappedLibm() throws IOException {
        Path maps = Path.of("/proc/self/maps");
        if (!Files.isReadable(maps)) {
            return Optional.empty();
        }
        return Files.readAllLines(maps).stream()
                .map(l -> l.substring(l.lastIndexOf(' ') + 1))
                .filter(p -> p.startsWith("/") && Path.of(p).getFileName().toString().startsWith("libm.so"))
                .findFirst().map(Path::of);
    }

    @Test
    void opensToolkitLibrariesFromCudaHomeButNeverTheDriver(@TempDir Path home) throws IOException {
        Optional<Path> libm = mappedLibm();
        Assumptions.assumeTrue(libm.isPresent(), "no libm mapped in this process to copy");
        Path lib64 = Files.createDirectories(home.resolve("lib64"));
        Files.copy(libm.get(), lib64.resolve("libcublas.so.99"));
        Files.copy(libm.get(), lib64.resolve(DriverApi.LIBRARY));
        SystemLibraryLoader loader = new SystemLibraryLoader(Map.of("CUDA_HOME", home.toString()));
        Optional<SymbolLookup> found = loader.open("libcublas.so.99");
        assertTrue(found.isPresent(), "found under $CUDA_HOME/lib64");
        assertTrue(found.get().find("cos").isPresent());
        assertEquals(new SystemLibraryLoader(Map.of()).open(DriverApi.LIBRARY).isPresent(),
                loader.open(DriverApi.LIBRARY).isPresent(),
                "libcuda.so.1 is looked up by name only, never in a toolkit directory");
    }
}
