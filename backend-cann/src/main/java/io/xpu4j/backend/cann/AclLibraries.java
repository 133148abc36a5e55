package io.xpu4j.backend.cann;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds and opens the CANN libraries the way an install lays them out: {@code lib64/} under
 * {@code ASCEND_HOME_PATH}, then under {@code ASCEND_TOOLKIT_HOME}, then the default toolkit
 * location, then the dynamic loader's own search path (a plain {@code dlopen} name).
 *
 * <p>Three roles: the runtime ({@code libascendcl.so}, or {@code libacl_rt.so} on newer CANN),
 * the meta/executor API ({@code libnnopbase.so}) and the operators (the split
 * {@code libopapi_math.so}/{@code libopapi_nn.so}, or the monolithic {@code libopapi.so}). A
 * symbol is taken from the first opened library of its role that has it. Nothing here throws:
 * what could not be found is recorded for the probe's message.
 */
final class AclLibraries {
    static final String DEFAULT_TOOLKIT = "/usr/local/Ascend/ascend-toolkit/latest";
    static final List<String> RUNTIME_NAMES = List.of("libascendcl.so", "libacl_rt.so");
    static final List<String> META_NAMES = List.of("libnnopbase.so");
    static final List<String> OP_NAMES = List.of("libopapi_math.so", "libopapi_nn.so", "libopapi.so");

    /** One opened library file. */
    record Opened(String file, SymbolLookup lookup) {
    }

    private final List<Path> searchDirs;
    private final boolean useLoaderPath;
    private final List<Opened> runtime = new ArrayList<>();
    private final List<Opened> meta = new ArrayList<>();
    private final List<Opened> ops = new ArrayList<>();
    private final Map<String, List<String>> tried = new LinkedHashMap<>();

    /** Search directories as the environment names them. */
    static AclLibraries fromEnvironment() {
        List<Path> dirs = new ArrayList<>();
        for (String var : List.of("ASCEND_HOME_PATH", "ASCEND_TOOLKIT_HOME")) {
            String v = System.getenv(var);
            if (v != null && !v.isBlank()) {
                dirs.add(Path.of(v.trim(), "lib64").toAbsolutePath());
            }
        }
        dirs.add(Path.of(DEFAULT_TOOLKIT, "lib64"));
        return new AclLibraries(dirs, true);
    }

    /** For tests: only {@code searchDirs}, and the loader path only when asked. */
    AclLibraries(List<Path> searchDirs, boolean useLoaderPath) {
        this.searchDirs = List.copyOf(searchDirs);
        this.useLoaderPath = useLoaderPath;
        openRole("runtime", RUNTIME_NAMES, runtime, true);
        openRole("meta", META_NAMES, meta, true);
        openRole("operators", OP_NAMES, ops, false);
    }

    /**
     * Opens the libraries of one role from the first directory holding any of {@code names}
     * (so split and monolithic operator libraries of different installs are never mixed).
     */
    private void openRole(String role, List<String> names, List<Opened> into, boolean firstOnly) {
        List<String> attempts = new ArrayList<>();
        tried.put(role, attempts);
        for (Path dir : searchDirs) {
            for (String name : names) {
                Path p = dir.resolve(name);
                if (!Files.exists(p)) {
                    attempts.add(p + " (not found)");
                    continue;
                }
                try {
                    into.add(new Opened(p.toString(), SymbolLookup.libraryLookup(p, Arena.global())));
                    if (firstOnly) {
                        return;
                    }
                } catch (RuntimeException e) {
                    attempts.add(p + " (could not be loaded: " + e.getMessage() + ")");
                }
            }
            if (!into.isEmpty()) {
                return;
            }
        }
        if (!useLoaderPath) {
            return;
        }
        for (String name : names) {
            try {
                into.add(new Opened(name, SymbolLookup.libraryLookup(name, Arena.global())));
                if (firstOnly) {
                    return;
                }
            } catch (RuntimeException e) {
                attempts.add(name + " via the loader path (" + e.getMessage() + ")");
            }
        }
    }

    List<Opened> runtime() {
        return runtime;
    }

    List<Opened> meta() {
        return meta;
    }

    List<Opened> ops() {
        return ops;
    }

    /** What was tried for {@code role} and why it failed, for messages. */
    String attempts(String role) {
        List<String> a = tried.getOrDefault(role, List.of());
        return a.isEmpty() ? "nothing to try" : String.join("; ", a);
    }

    /** A symbol from the first library in {@code libs} that has it. */
    static Optional<Found> find(List<Opened> libs, String symbol) {
        for (Opened o : libs) {
            Optional<MemorySegment> s = o.lookup().find(symbol);
            if (s.isPresent()) {
                return Optional.of(new Found(o.file(), s.get()));
            }
        }
        return Optional.empty();
    }

    record Found(String file, MemorySegment address) {
    }

    static String files(List<Opened> libs) {
        return libs.stream().map(Opened::file).toList().toString();
    }
}
