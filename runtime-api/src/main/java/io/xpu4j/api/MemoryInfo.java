package io.xpu4j.api;

/** A device's memory capacity as the driver reports it; -1 where unknown. */
public record MemoryInfo(long totalBytes, long freeBytes) {
}
