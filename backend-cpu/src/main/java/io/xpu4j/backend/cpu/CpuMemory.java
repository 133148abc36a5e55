package io.xpu4j.backend.cpu;

import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.XpuException;
import io.xpu4j.api.spi.DeviceMemory;
import io.xpu4j.api.spi.MemoryBlock;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * Host memory from the C library, 64-byte aligned (one cache line, one AVX-512 vector), and
 * freed at once rather than when an arena closes. Where the C library has {@code aligned_alloc}
 * (glibc, musl, macOS) blocks come from it; the Windows C runtime has none, so there a block is
 * cut from a {@code malloc} one alignment larger, with the pointer {@code malloc} returned kept
 * in the 8 bytes just before the block for {@code free}.
 */
final class CpuMemory implements DeviceMemory {
    private static final long ALIGN = 64;
    private static final MethodHandle ALIGNED_ALLOC;
    private static final MethodHandle MALLOC;
    private static final MethodHandle FREE;

    static {
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        Optional<MemorySegment> alignedAlloc = libc.find("aligned_alloc");
        ALIGNED_ALLOC = alignedAlloc.map(f -> linker.downcallHandle(f,
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG))).orElse(null);
        MALLOC = linker.downcallHandle(libc.find("malloc").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
        FREE = linker.downcallHandle(libc.find("free").orElseThrow(),
                FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
    }

    private final boolean alignedAlloc;

    CpuMemory() {
        this(ALIGNED_ALLOC != null);
    }

    /** {@code alignedAlloc = false} takes the malloc path even where aligned_alloc exists (tests). */
    CpuMemory(boolean alignedAlloc) {
        if (alignedAlloc && ALIGNED_ALLOC == null) {
            throw new IllegalStateException("this C library has no aligned_alloc");
        }
        this.alignedAlloc = alignedAlloc;
    }

    @Override
    public MemoryBlock allocate(long bytes) {
        long size = Math.max(ALIGN, (bytes + ALIGN - 1) / ALIGN * ALIGN);
        long address;
        try {
            if (alignedAlloc) {
                address = ((MemorySegment) ALIGNED_ALLOC.invokeExact(ALIGN, size)).address();
            } else {
                long raw = ((MemorySegment) MALLOC.invokeExact(size + ALIGN)).address();
                // malloc's blocks are at least 8-byte aligned, so the aligned block starts 8 to 64
                // bytes in and the 8 bytes before it are ours
                address = raw == 0 ? 0 : (raw + ALIGN) & -ALIGN;
                if (raw != 0) {
                    MemorySegment.ofAddress(address - Long.BYTES).reinterpret(Long.BYTES)
                            .set(ValueLayout.JAVA_LONG_UNALIGNED, 0, raw);
                }
            }
        } catch (Throwable t) {
            throw new XpuException(ErrorCode.INTERNAL, (alignedAlloc ? "aligned_alloc" : "malloc") + " failed: " + t, t);
        }
        if (address == 0) {
            throw new XpuException(ErrorCode.OUT_OF_MEMORY, "cpu:0: the C library could not allocate " + size + " bytes",
                    "cpu", null, null, null);
        }
        return new MemoryBlock(address, size, MemorySegment.ofAddress(address).reinterpret(size));
    }

    @Override
    public void free(MemoryBlock block) {
        long address = block.address();
        if (!alignedAlloc) {
            address = MemorySegment.ofAddress(address - Long.BYTES).reinterpret(Long.BYTES)
                    .get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
        }
        try {
            FREE.invokeExact(MemorySegment.ofAddress(address));
        } catch (Throwable t) {
            throw new XpuException(ErrorCode.INTERNAL, "free failed: " + t, t);
        }
    }

    @Override
    public String deviceId() {
        return "cpu:0";
    }
}
