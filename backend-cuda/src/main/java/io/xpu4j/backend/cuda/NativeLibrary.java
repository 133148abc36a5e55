package io.xpu4j.backend.cuda;

import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.List;
import java.util.Optional;

/** A shared library that was found, and the downcall handles bound from it. */
final class NativeLibrary {
    private final String fileName;
    private final SymbolLookup symbols;

    NativeLibrary(String fileName, SymbolLookup symbols) {
        this.fileName = fileName;
        this.symbols = symbols;
    }

    /**
     * The first of {@code candidates} (e.g. {@code libcublas.so.13}, {@code libcublas.so.12})
     * that {@code loader} can open.
     *
     * @throws NativeBindingException naming every file tried
     */
    static NativeLibrary openFirst(LibraryLoader loader, List<String> candidates, String missingHint)
            throws NativeBindingException {
        for (String name : candidates) {
            Optional<SymbolLookup> lookup = loader.open(name);
            if (lookup.isPresent()) {
                return new NativeLibrary(name, lookup.get());
            }
        }
        throw new NativeBindingException(String.join(", ", candidates) + " not found" + missingHint);
    }

    String fileName() {
        return fileName;
    }

    /** The major version encoded in the file name ({@code libcublas.so.13} gives 13), or -1. */
    int majorVersion() {
        int dot = fileName.lastIndexOf('.');
        try {
            return Integer.parseInt(fileName.substring(dot + 1));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    boolean has(String symbol) {
        return symbols.find(symbol).isPresent();
    }

    /** @throws NativeBindingException when the library does not export the function's symbol */
    MethodHandle bind(NativeFunction f) throws NativeBindingException {
        MemorySegment address = symbols.find(f.symbol()).orElseThrow(() -> new NativeBindingException(
                fileName + " has no symbol " + f.symbol() + " (needed for " + f.cName() + ")"));
        return Linker.nativeLinker().downcallHandle(address, f.descriptor());
    }
}
