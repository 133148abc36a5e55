package io.xpu4j.api.spi;

import java.lang.foreign.MemorySegment;

/**
 * A block of device memory as a backend hands it out.
 *
 * @param address     the device address (a host pointer for the CPU, a device pointer otherwise)
 * @param size        usable size in bytes (at least what was requested)
 * @param hostSegment a segment over the block when the host can address it, else {@code null}
 */
public record MemoryBlock(long address, long size, MemorySegment hostSegment) {
}
