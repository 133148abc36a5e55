package io.xpu4j.backend.cpu;

import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.XpuException;
import io.xpu4j.api.spi.DeviceMemory;
import io.xpu4j.api.spi.MemoryBlock;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Host memory from the C library's {@code aligned_alloc}/{@code free}: 64-byte aligned (one
 * cache line, one AVX-512 vector), and freed at once rather than when an arena closes.
 */
final class CpuMemory implements DeviceMemory {
    private static final long ALIGN = 64;
    private static final MethodHandle ALIGNED_ALLOC;
    private static final MethodHandle FREE;

    static {
        Linker linker = Linker.nativeLinker();
        ALIGNED_ALLOC = linker.downcallHandle(linker.defaultLookup().find("aligned_alloc").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG));
        FREE = linker.downcallHandle(linker.defaultLookup().find("free").orElseThrow(),
                FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
    }

    @Override
    public MemoryBlock allocate(long bytes) {
        long size = Math.max(ALIGN, (bytes + ALIGN - 1) / ALIGN * ALIGN);
        MemorySegment p;
        try {
            p = (MemorySegment) ALIGNED_ALLOC.invokeExact(ALIGN, size);
        } catch (Throwable t) {
            throw new XpuException(ErrorCode.INTERNAL, "aligned_alloc failed: " + t, t);
        }
        if (p.address() == 0) {
            throw new XpuException(ErrorCode.OUT_OF_MEMORY, "cpu:0: the C library could not allocate " + size + " bytes",
                    "cpu", null, null, null);
        }
        return new MemoryBlock(p.address(), size, p.reinterpret(size));
    }

    @Override
    public void free(MemoryBlock block) {
        try {
            FREE.invokeExact(MemorySegment.ofAddress(block.address()));
        } catch (Throwable t) {
            throw new XpuException(ErrorCode.INTERNAL, "free failed: " + t, t);
        }
    }

    @Override
    public String deviceId() {
        return "cpu:0";
    }
}
