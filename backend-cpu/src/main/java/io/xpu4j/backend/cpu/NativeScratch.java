package io.xpu4j.backend.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** Growth of per-thread native scratch buffers (kernels keep one kind of segment on their hot paths). */
final class NativeScratch {
    private NativeScratch() {
    }

    /**
     * {@code current} when it holds {@code bytes}, else a new 64-byte-aligned buffer at least half
     * as large again, so that a size growing call by call does not allocate each time. The old
     * buffer is freed by its automatic arena once nothing refers to it.
     */
    static MemorySegment atLeast(MemorySegment current, long bytes) {
        if (current.byteSize() >= bytes) {
            return current;
        }
        return Arena.ofAuto().allocate(Math.max(bytes, current.byteSize() * 3 / 2), 64);
    }
}
