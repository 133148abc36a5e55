package io.xpu4j.cli;

import io.xpu4j.api.Allocator;
import io.xpu4j.api.Availability;
import io.xpu4j.api.DType;
import io.xpu4j.api.Device;
import io.xpu4j.api.Kernel;
import io.xpu4j.api.KernelCall;
import io.xpu4j.api.KernelRegistry;
import io.xpu4j.api.MemoryInfo;
import io.xpu4j.api.Stream;
import io.xpu4j.api.Tensor;
import io.xpu4j.api.spi.Backend;
import io.xpu4j.api.spi.MemoryBlock;
import io.xpu4j.backend.cpu.CpuBackend;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * A test-only backend: the CPU under the name {@code mirror}, with its own device and allocator,
 * so that the demo's path for a non-CPU device (parity against cpu:0) runs without a GPU. It is
 * available only while {@link #enabled} is set, and then wins {@code backend: auto}.
 */
public final class MirrorBackend implements Backend {
    static volatile boolean enabled;

    private final CpuBackend cpu = new CpuBackend();

    @Override
    public String id() {
        return "mirror";
    }

    @Override
    public Availability availability() {
        return enabled ? Availability.yes("test backend: the CPU under another name")
                : Availability.no("test backend, switched off");
    }

    @Override
    public List<DeviceDescription> devices() {
        return enabled ? List.of(new DeviceDescription(0, "mirror of the CPU", -1, "test only")) : List.of();
    }

    @Override
    public Device openDevice(int index, long memoryLimitBytes) {
        return new MirrorDevice(cpu.openDevice(index, memoryLimitBytes));
    }

    @Override
    public void registerKernels(KernelRegistry registry) {
        // every CPU op, looked up per call so that the dtype-specific CPU kernel runs
        for (String op : registry.ops("cpu")) {
            registry.registerAnyDType(id(), op, call -> cpuKernel(registry, call).run(call));
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
        return 100;
    }

    private record MirrorDevice(Device inner) implements Device {
        @Override
        public String backendId() {
            return "mirror";
        }

        @Override
        public int index() {
            return inner.index();
        }

        @Override
        public String name() {
            return "mirror of " + inner.name();
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
            inner.synchronize();
        }

        @Override
        public boolean isHostAccessible() {
            return inner.isHostAccessible();
        }

        @Override
        public void copyFromHost(MemorySegment src, long srcOffset, MemoryBlock dst, long dstOffset, long bytes) {
            inner.copyFromHost(src, srcOffset, dst, dstOffset, bytes);
        }

        @Override
        public void copyToHost(MemoryBlock src, long srcOffset, MemorySegment dst, long dstOffset, long bytes) {
            inner.copyToHost(src, srcOffset, dst, dstOffset, bytes);
        }

        @Override
        public void copyWithin(MemoryBlock src, long srcOffset, MemoryBlock dst, long dstOffset, long bytes) {
            inner.copyWithin(src, srcOffset, dst, dstOffset, bytes);
        }

        @Override
        public void close() {
            inner.close();
        }
    }
}
