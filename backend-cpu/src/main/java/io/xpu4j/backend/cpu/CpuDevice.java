package io.xpu4j.backend.cpu;

import io.xpu4j.api.Allocator;
import io.xpu4j.api.Device;
import io.xpu4j.api.MemoryInfo;
import io.xpu4j.api.Stream;
import io.xpu4j.api.spi.CachingAllocator;
import io.xpu4j.api.spi.MemoryBlock;

import java.lang.foreign.MemorySegment;

/** The host as a device: memory is ordinary host memory, copies are memcpy. */
final class CpuDevice implements Device {
    private final Allocator allocator;
    private final Stream stream = new CpuStream(this);

    CpuDevice(long memoryLimitBytes) {
        this.allocator = new CachingAllocator(new CpuMemory(), memoryLimitBytes);
    }

    @Override
    public String backendId() {
        return "cpu";
    }

    @Override
    public int index() {
        return 0;
    }

    @Override
    public String name() {
        return CpuBackend.cpuName();
    }

    @Override
    public MemoryInfo memoryInfo() {
        return CpuBackend.memoryInfo();
    }

    @Override
    public Allocator allocator() {
        return allocator;
    }

    @Override
    public Stream defaultStream() {
        return stream;
    }

    @Override
    public Stream newStream() {
        return new CpuStream(this);
    }

    @Override
    public void synchronize() {
    }

    @Override
    public boolean isHostAccessible() {
        return true;
    }

    @Override
    public void copyFromHost(MemorySegment src, long srcOffset, MemoryBlock dst, long dstOffset, long bytes) {
        MemorySegment.copy(src, srcOffset, dst.hostSegment(), dstOffset, bytes);
    }

    @Override
    public void copyToHost(MemoryBlock src, long srcOffset, MemorySegment dst, long dstOffset, long bytes) {
        MemorySegment.copy(src.hostSegment(), srcOffset, dst, dstOffset, bytes);
    }

    @Override
    public void copyWithin(MemoryBlock src, long srcOffset, MemoryBlock dst, long dstOffset, long bytes) {
        MemorySegment.copy(src.hostSegment(), srcOffset, dst.hostSegment(), dstOffset, bytes);
    }

    @Override
    public void close() {
        allocator.emptyCache();
    }

    @Override
    public String toString() {
        return id();
    }
}
