package io.xpu4j.backend.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.util.Optional;

/**
 * Opens a shared library by file name (as {@code dlopen} searches for it). Tests substitute
 * their own to simulate missing libraries and symbols.
 */
interface LibraryLoader {
    /** The library's symbols, or empty when it cannot be found or opened. */
    Optional<SymbolLookup> open(String fileName);

    /** The system's dynamic loader; libraries stay loaded for the life of the JVM. */
    LibraryLoader SYSTEM = fileName -> {
        try {
            return Optional.of(SymbolLookup.libraryLookup(fileName, Arena.global()));
        } catch (IllegalArgumentException | IllegalCallerException notLoadable) {
            return Optional.empty();
        }
    };
}
