package io.xpu4j.models.embed;

import io.xpu4j.api.Allocator;
import io.xpu4j.api.Availability;
import io.xpu4j.api.DType;
import io.xpu4j.api.Device;
import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.Kernel;
import io.xpu4j.api.KernelCall;
import io.xpu4j.api.KernelRegistry;
import io.xpu4j.api.MemoryInfo;
import io.xpu4j.api.Stream;
import io.xpu4j.api.Tensor;
import io.xpu4j.api.XpuException;
import io.xpu4j.api.spi.Backend;
import io.xpu4j.api.spi.MemoryBlock;
import io.xpu4j.backend.cpu.CpuBackend;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A test-only backend that runs on the CPU under the name {@code lossy} until its device is
 * "lost": after {@link #kernelsUntilLoss} more kernel launches every launch and copy fails with
 * {@link ErrorCode#DEVICE_LOST}, and the backend reports itself unavailable, as a backend does
 * after an accelerator falls off the bus. Available only while {@link #enabled}; it then wins
 * {@code backend: auto}.
 */
public final class LossyBackend implements Backend {
    static volatile boolean enabled;
    static volatile boolean lost;
    static final AtomicLong kernelsUntilLoss = new AtomicLong(Long.MAX_VALUE);

    private final CpuBackend cpu = new CpuBackend();

    static void reset() {
        enabled = false;
        lost = false;
        kernelsUntilLoss.set(Long.MAX_VALUE);
    }

    @Override
    public String id() {
        return "lossy";
    }

    @Override
    public Availability availability() {
        if (!enabled) {
            return Availability.no("test backend, switched off");
        }
        return lost ? Availability.no("device lost") : Availability.yes("test backend: the CPU until its device is lost");
    }

    @Override
    public List<DeviceDescription> devices() {
        return availability().available() ? List.of(new DeviceDescription(0, "lossy CPU", -1, "test only")) : List.of();
    }

    @Override
    public Device openDevice(int index, long memoryLimitBytes) {
        return new LossyDevice(cpu.openDevice(index, memoryLimitBytes));
    }

    @Override
    public void registerKernels(KernelRegistry registry) {
        for (String op : registry.ops("cpu")) {
            registry.registerAnyDType(id(), op, call -> {
                if (lost || kernelsUntilLoss.decrementAndGet() < 0) {
                    lost = true;
                    throw new XpuException(ErrorCode.DEVICE_LOST, "lossy:0 stopped responding (" + call.op() + ")");
                }
                cpuKernel(registry, call).run(call);
            });
        }
    }

    private static Kernel cpuKernel(KernelRegistry registry, KernelCall call) {
        Kernel k = registry.find("cpu", call.op(), dtypes(call.inputs()), dtypes(call.outputs()));
        if (k == null) {
            throw new IllegalStateException("no cpu kernel for " + call.op());
        }
        return k;
    }

    private static List<DType> dtypes(List<Tensor> ts) {
        return ts.stream().map(Tensor::dtype).toList();
    }

    @Override
    public int autoPriority() {
        return 1000;
    }

    private static void checkAlive() {
        if (lost) {
            throw new XpuException(ErrorCode.DEVICE_LOST, "lossy:0 is lost");
        }
    }

    private record LossyDevice(Device inner) implements Device {
        @Override
        public String backendId() {
            return "lossy";
        }

        @Override
        public int index() {
            return inner.index();
        }

        @Override
        public String name() {
            return "lossy " + inner.name();
        }

        @Override
        public MemoryInfo memoryInfo() {
            return inner.memoryInfo();
        }

        @Override
        public Allocator allocator() {
            return inner.allocator();
        }

        @Override
        public Stream defaultStream() {
            return inner.defaultStream();
        }

        @Override
        public Stream newStream() {
            return inner.newStream();
        }

        @Override
        public void synchronize() {
            checkAlive();
            inner.synchronize();
        }

        @Override
        public boolean isHostAccessible() {
            return inner.isHostAccessible();
        }

        @Override
        public void copyFromHost(MemorySegment src, long srcOffset, MemoryBlock dst, long dstOffset, long bytes) {
            checkAlive();
            inner.copyFromHost(src, srcOffset, dst, dstOffset, bytes);
        }

        @Override
        public void copyToHost(MemoryBlock src, long srcOffset, MemorySegment dst, long dstOffset, long bytes) {
            checkAlive();
            inner.copyToHost(src, srcOffset, dst, dstOffset, bytes);
        }

        @Override
        public void copyWithin(MemoryBlock src, long srcOffset, MemoryBlock dst, long dstOffset, long bytes) {
            checkAlive();
            inner.copyWithin(src, srcOffset, dst, dstOffset, bytes);
        }

        @Override
        public void close() {
            inner.close();
        }
    }
}
