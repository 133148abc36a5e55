package io.xpu4j.backend.cuda;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Opens libraries as {@code dlopen} finds them by file name and, for the toolkit libraries
 * (cuBLAS, NVRTC), then in the toolkit's own directory: a toolkit installed under
 * {@code /usr/local/cuda} or {@code $CUDA_HOME} is often missing from the loader's search path.
 * The driver's {@code libcuda.so.1} is only looked up by name (the NVIDIA driver installs it
 * where the loader finds it; the toolkit's {@code lib64/stubs} copy must never be opened).
 */
final class SystemLibraryLoader implements LibraryLoader {
    private final Map<String, String> env;

    SystemLibraryLoader(Map<String, String> env) {
        this.env = env;
    }

    @Override
    public Optional<SymbolLookup> open(String fileName) {
        Optional<SymbolLookup> found = load(fileName);
        if (found.isPresent() || fileName.equals(DriverApi.LIBRARY)) {
            return found;
        }
        for (Path dir : toolkitDirectories()) {
            Path file = dir.resolve(fileName);
            if (Files.isRegularFile(file)) {
                // a library's companions next to it (libcublasLt for libcublas, the builtins NVRTC
                // loads at compile time) are found by their soname once loaded from there
                companions(dir, fileName).forEach(c -> load(c.toString()));
                found = load(file.toString());
                if (found.isPresent()) {
                    return found;
                }
            }
        }
        return Optional.empty();
    }

    /** {@code $CUDA_HOME/lib64}, {@code $CUDA_PATH/lib64}, then {@code /usr/local/cuda/lib64}. */
    List<Path> toolkitDirectories() {
        List<Path> dirs = new ArrayList<>();
        for (String var : List.of("CUDA_HOME", "CUDA_PATH")) {
            String home = env.get(var);
            if (home != null && !home.isBlank()) {
                dirs.add(Path.of(home, "lib64"));
            }
        }
        dirs.add(Path.of("/usr/local/cuda/lib64"));
        return dirs.stream().distinct().toList();
    }

    /** Libraries in {@code dir} that {@code fileName} needs and its own search path may not reach. */
    static List<Path> companions(Path dir, String fileName) {
        String prefix;
        if (fileName.startsWith("libcublas.so.")) {
            prefix = "libcublasLt.so." + fileName.substring("libcublas.so.".length());
        } else if (fileName.startsWith("libnvrtc.so.")) {
            prefix = "libnvrtc-builtins.so." + fileName.substring("libnvrtc.so.".length());
        } else {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().startsWith(prefix)).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static Optional<SymbolLookup> load(String nameOrPath) {
        try {
            return Optional.of(SymbolLookup.libraryLookup(nameOrPath, Arena.global()));
        } catch (IllegalArgumentException | IllegalCallerException notLoadable) {
            return Optional.empty();
        }
    }
}
