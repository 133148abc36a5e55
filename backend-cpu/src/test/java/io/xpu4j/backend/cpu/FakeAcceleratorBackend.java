package io.xpu4j.backend.cpu;

import io.xpu4j.api.Allocator;
import io.xpu4j.api.Availability;
import io.xpu4j.api.DType;
import io.xpu4j.api.Device;
import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.KernelRegistry;
import io.xpu4j.api.MemoryInfo;
import io.xpu4j.api.Stream;
import io.xpu4j.api.Tensor;
import io.xpu4j.api.XpuException;
import io.xpu4j.api.spi.Backend;
import io.xpu4j.api.spi.CachingAllocator;
import io.xpu4j.api.spi.DeviceMemory;
import io.xpu4j.api.spi.MemoryBlock;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A test backend whose memory the host cannot address directly (like a GPU's), with a kernel
 * for F32 {@code add} only: it exercises host staging, cross-device checks and op fallback.
 */
public final class FakeAcceleratorBackend implements Backend {
    static final Map<Long, MemorySegment> MEMORY = new ConcurrentHashMap<>();

    @Override
    public String id() {
        return "fake";
    }

    @Override
    public Availability availability() {
        return Availability.yes("test double");
    }

    @Override
    public List<DeviceDescription> devices() {
        return List.of(new DeviceDescription(0, "fake accelerator", 1 << 30, "host memory behind a handle"));
    }

    @Override
    public Device openDevice(int index, long memoryLimitBytes) {
        return new FakeDevice(memoryLimitBytes);
    }

    @Override
    public void registerKernels(KernelRegistry r) {
        r.register("fake", "add", List.of(DType.F32, DType.F32), List.of(DType.F32), call -> {
            Tensor a = call.input(0);
            Tensor b = call.input(1);
            Tensor out = call.output();
            if (!a.isContiguous() || !b.isContiguous()) {
                throw new XpuException(ErrorCode.INVALID_ARGUMENT, "fake add handles contiguous inputs only");
            }
            MemorySegment sa = MEMORY.get(a.block().address());
            MemorySegment sb = MEMORY.get(b.block().address());
            MemorySegment so = MEMORY.get(out.block().address());
            for (long i = 0; i < out.numel(); i++) {
                float x = sa.get(ValueLayout.JAVA_FLOAT_UNALIGNED, a.byteOffset() + 4 * i);
                float y = sb.get(ValueLayout.JAVA_FLOAT_UNALIGNED, b.byteOffset() + 4 * i);
                so.set(ValueLayout.JAVA_FLOAT_UNALIGNED, out.byteOffset() + 4 * i, x + y);
            }
        });
    }

    @Override
    public int autoPriority() {
        return -100;
    }

    static final class FakeDevice implements Device {
        private final Allocator allocator;
        private final Stream stream = new CpuStream(this);

        FakeDevice(long limit) {
            allocator = new CachingAllocator(new DeviceMemory() {
                private long next = 0x10_0000;

                @Override
                public synchronized MemoryBlock allocate(long bytes) {
                    long addr = next;
                    next += bytes + 4096;
                    MEMORY.put(addr, Arena.ofAuto().allocate(Math.max(bytes, 1), 64));
                    return new MemoryBlock(addr, bytes, null);
                }

                @Override
                public void free(MemoryBlock block) {
                    MEMORY.remove(block.address());
                }

                @Override
                public String deviceId() {
                    return "fake:0";
                }
            }, limit);
        }

        @Override
        public String backendId() {
            return "fake";
        }

        @Override
        public int index() {
            return 0;
        }

        @Override
        public String name() {
            return "fake accelerator";
        }

        @Override
        public MemoryInfo memoryInfo() {
            return new MemoryInfo(1 << 30, 1 << 30);
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
            return false;
        }

        @Override
        public void copyFromHost(MemorySegment src, long srcOffset, MemoryBlock dst, long dstOffset, long bytes) {
            MemorySegment.copy(src, srcOffset, MEMORY.get(dst.address()), dstOffset, bytes);
        }

        @Override
        public void copyToHost(MemoryBlock src, long srcOffset, MemorySegment dst, long dstOffset, long bytes) {
            MemorySegment.copy(MEMORY.get(src.address()), srcOffset, dst, dstOffset, bytes);
        }

        @Override
        public void copyWithin(MemoryBlock src, long srcOffset, MemoryBlock dst, long dstOffset, long bytes) {
            MemorySegment.copy(MEMORY.get(src.address()), srcOffset, MEMORY.get(dst.address()), dstOffset, bytes);
        }

        @Override
        public void close() {
            allocator.emptyCache();
        }
    }
}
