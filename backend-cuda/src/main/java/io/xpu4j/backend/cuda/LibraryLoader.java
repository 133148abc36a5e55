package io.xpu4j.backend.cuda;

import java.lang.foreign.SymbolLookup;
import java.util.Optional;

/**
 * Opens a shared library by file name. Tests substitute their own to simulate missing
 * libraries and symbols.
 */
interface LibraryLoader {
    /** The library's symbols, or empty when it cannot be found or opened. */
    Optional<SymbolLookup> open(String fileName);

    /**
     * The system's dynamic loader, then the CUDA toolkit's directory for cuBLAS and NVRTC;
     * libraries stay loaded for the life of the JVM.
     */
    LibraryLoader SYSTEM = new SystemLibraryLoader(System.getenv());
}
