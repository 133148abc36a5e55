package io.xpu4j.api;

import io.xpu4j.api.spi.MemoryBlock;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Finds the kernel for an op on the inputs' device and runs it; where the backend has none,
 * applies the op-fallback policy (run on the CPU, or fail naming op, dtypes and backend).
 */
final class Dispatcher {
    private static final System.Logger LOG = System.getLogger("io.xpu4j");

    private final Runtime runtime;
    private final boolean fallbackToCpu;
    private final Map<String, LongAdder> fallbacks = new ConcurrentHashMap<>();

    Dispatcher(Runtime runtime) {
        this.runtime = runtime;
        this.fallbackToCpu = "CPU".equalsIgnoreCase(runtime.config().opFallback().name());
    }

    Tensor allocate(Device device, DType dtype, long[] shape) {
        long bytes = Math.multiplyExact(Shapes.numel(shape), (long) dtype.byteSize());
        MemoryBlock block = device.allocator().allocate(bytes);
        return new Tensor(runtime, new Storage(device, block, bytes), dtype, shape.clone(),
                Shapes.contiguousStrides(shape), 0);
    }

    /** Runs {@code op} producing one new contiguous output. */
    Tensor run(String op, OpAttrs attrs, DType outType, long[] outShape, Device device, Tensor... inputs) {
        Tensor out = allocate(device, outType, outShape);
        try {
            runInto(op, attrs, new Tensor[]{out}, device, inputs);
            return out;
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
    }

    /** Runs {@code op} writing into existing {@code outputs} (which may be strided views for {@code copy}). */
    void runInto(String op, OpAttrs attrs, Tensor[] outputs, Device device, Tensor... inputs) {
        runtime.checkOpen();
        boolean empty = true;
        for (Tensor o : outputs) {
            empty &= o.numel() == 0;
        }
        if (empty) {
            return;
        }
        List<DType> inTypes = dtypes(inputs);
        List<DType> outTypes = dtypes(outputs);
        String backend = device.backendId();
        Kernel k = runtime.kernels().find(backend, op, inTypes, outTypes);
        if (k != null) {
            invoke(k, op, device, List.of(inputs), List.of(outputs), attrs);
            return;
        }
        if (!fallbackToCpu || backend.equals("cpu")) {
            throw new XpuException(ErrorCode.UNSUPPORTED_OP, "op '" + op + "' with input dtypes " + inTypes
                    + " and output dtypes " + outTypes + " has no kernel on backend '" + backend + "'"
                    + (backend.equals("cpu") ? "" : " and opFallback is 'error' (set opFallback: cpu to run it on the CPU)"));
        }
        runOnCpu(op, attrs, outputs, device, inputs, inTypes, outTypes);
    }

    private void runOnCpu(String op, OpAttrs attrs, Tensor[] outputs, Device device, Tensor[] inputs,
                          List<DType> inTypes, List<DType> outTypes) {
        if (op.equals("copy")) {
            // falling back would need a strided write into device memory, i.e. this very kernel
            throw new XpuException(ErrorCode.UNSUPPORTED_OP, "backend '" + device.backendId()
                    + "' has no 'copy' kernel for " + inTypes + "; every backend must provide one");
        }
        Kernel k = runtime.kernels().find("cpu", op, inTypes, outTypes);
        if (k == null) {
            throw new XpuException(ErrorCode.UNSUPPORTED_OP, "op '" + op + "' with input dtypes " + inTypes
                    + " has no kernel on backend '" + device.backendId() + "' nor on the CPU fallback");
        }
        LongAdder count = fallbacks.computeIfAbsent(op, o -> {
            LOG.log(System.Logger.Level.WARNING, "op '" + o + "' " + inTypes + " has no kernel on "
                    + device.backendId() + "; running it on the CPU (opFallback=cpu). Later fallbacks of this op are counted, not logged.");
            return new LongAdder();
        });
        count.increment();
        Device cpu = runtime.cpu();
        List<Tensor> temps = new ArrayList<>();
        try {
            List<Tensor> cpuIn = new ArrayList<>();
            for (Tensor t : inputs) {
                Tensor c = runtime.ops().to(t, cpu);
                temps.add(c);
                cpuIn.add(c);
            }
            List<Tensor> cpuOut = new ArrayList<>();
            for (Tensor o : outputs) {
                Tensor c = allocate(cpu, o.dtype(), o.shape());
                temps.add(c);
                cpuOut.add(c);
            }
            invoke(k, op, cpu, cpuIn, cpuOut, attrs);
            for (int i = 0; i < outputs.length; i++) {
                Tensor o = outputs[i];
                Tensor r = cpuOut.get(i);
                if (o.isContiguous()) {
                    device.copyFromHost(r.segment(), r.byteOffset(), o.block(), o.byteOffset(), o.byteSize());
                } else {
                    Tensor up = runtime.ops().to(r, device);
                    temps.add(up);
                    runInto("copy", OpAttrs.NONE, new Tensor[]{o}, device, up);
                }
            }
        } finally {
            temps.forEach(Tensor::close);
        }
    }

    private static void invoke(Kernel k, String op, Device device, List<Tensor> in, List<Tensor> out, OpAttrs attrs) {
        try {
            k.run(new KernelCall(op, device, in, out, attrs));
        } catch (XpuException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new XpuException(ErrorCode.INTERNAL, "kernel for '" + op + "' on " + device.id() + " failed: " + e, e);
        }
    }

    private static List<DType> dtypes(Tensor[] ts) {
        DType[] d = new DType[ts.length];
        for (int i = 0; i < ts.length; i++) {
            d[i] = ts[i].dtype();
        }
        return Arrays.asList(d);
    }

    Map<String, Long> fallbackCounts() {
        Map<String, Long> m = new TreeMap<>();
        fallbacks.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }
}
