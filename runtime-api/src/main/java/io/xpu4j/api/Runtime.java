package io.xpu4j.api;

import io.xpu4j.api.spi.Backend;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The entry point: picks a backend and device from {@link Config}, holds the kernel registry and
 * dispatches ops. Model code asks it for {@link Ops} and never names a backend.
 *
 * <pre>{@code
 * try (Runtime rt = Runtime.create(); Scope scope = rt.scope()) {
 *     Ops ops = rt.ops();
 *     Tensor y = ops.softmax(ops.matmul(x, w), -1);
 * }
 * }</pre>
 */
public final class Runtime implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("io.xpu4j");

    private final Config config;
    private final KernelRegistry kernels = new KernelRegistry();
    private final Device device;
    private final String selectionNote;
    private final Map<String, Device> openDevices = new LinkedHashMap<>();
    private final Dispatcher dispatcher;
    private final Ops ops;
    private volatile boolean closed;

    private Runtime(Config config) {
        this.config = config;
        List<String> tried = new ArrayList<>();
        Backend chosen = choose(config, tried);
        this.selectionNote = tried.isEmpty() ? "" : String.join("; ", tried);
        for (Backend b : Backends.all().values()) {
            if (Backends.availability(b.id()).available()) {
                b.registerKernels(kernels);
            }
        }
        int index = chosen.id().equals(config.backend()) || "auto".equals(config.backend()) ? config.device() : 0;
        this.device = openDevice(chosen, index);
        this.dispatcher = new Dispatcher(this);
        this.ops = new Ops(this, device);
        if (!selectionNote.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "backend fallback: " + selectionNote + "; running on " + device.id());
        }
    }

    /** A runtime configured from defaults, {@code xpu4j.yaml}/{@code .json}, {@code XPU4J_*} and {@code -Dxpu4j.*}. */
    public static Runtime create() {
        return new Runtime(ConfigLoader.load());
    }

    public static Runtime create(Config config) {
        return new Runtime(config);
    }

    /** Every backend xpu4j knows of, with availability and devices; needs no runtime. */
    public static List<BackendStatus> backends() {
        return Backends.statuses();
    }

    private static Backend choose(Config config, List<String> tried) {
        String wanted = config.backend();
        if ("auto".equals(wanted)) {
            List<Backend> avail = Backends.availableByPriority();
            for (Backend b : avail) {
                if (config.device() < b.devices().size()) {
                    return b;
                }
                tried.add(b.id() + " has no device " + config.device());
            }
            throw new XpuException(ErrorCode.BACKEND_UNAVAILABLE, "backend auto: no available backend has device "
                    + config.device() + "; " + describeAll());
        }
        List<String> order = new ArrayList<>();
        order.add(wanted);
        for (String f : config.fallbackBackends()) {
            if (!order.contains(f)) {
                order.add(f);
            }
        }
        for (String id : order) {
            Availability a = Backends.availability(id);
            if (a.available()) {
                boolean primary = id.equals(wanted);
                int idx = primary ? config.device() : 0;
                if (idx < Backends.get(id).devices().size()) {
                    return Backends.get(id);
                }
                tried.add(id + " has no device " + idx);
            } else {
                tried.add(id + " unavailable: " + a.reason());
            }
        }
        throw new XpuException(ErrorCode.BACKEND_UNAVAILABLE, "backend '" + wanted + "' cannot run here and no fallback could: "
                + String.join("; ", tried) + " (fallbackBackends=" + config.fallbackBackends() + ")");
    }

    private static String describeAll() {
        StringBuilder sb = new StringBuilder();
        for (BackendStatus s : Backends.statuses()) {
            if (sb.length() > 0) {
                sb.append("; ");
            }
            sb.append(s.id()).append(": ").append(s.availability());
        }
        return sb.toString();
    }

    private synchronized Device openDevice(Backend b, int index) {
        String key = b.id() + ":" + index;
        Device d = openDevices.get(key);
        if (d == null) {
            d = b.openDevice(index, config.memoryLimitBytes());
            openDevices.put(key, d);
        }
        return d;
    }

    /** Opens (once) and returns device {@code index} of backend {@code backendId}. */
    public Device device(String backendId, int index) {
        checkOpen();
        Availability a = Backends.availability(backendId);
        if (!a.available()) {
            throw new XpuException(ErrorCode.BACKEND_UNAVAILABLE, "backend '" + backendId + "' is unavailable: " + a.reason());
        }
        Backend b = Backends.get(backendId);
        int count = b.devices().size();
        if (index < 0 || index >= count) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, "backend '" + backendId + "' has " + count
                    + " device(s); index " + index + " is out of range");
        }
        return openDevice(b, index);
    }

    /** The device this runtime runs on. */
    public Device device() {
        return device;
    }

    /** The CPU device, used for op fallback and host-side work. */
    public Device cpu() {
        return device("cpu", 0);
    }

    public Config config() {
        return config;
    }

    /** What happened while choosing the backend (fallbacks taken), or empty. */
    public String selectionNote() {
        return selectionNote;
    }

    /** Ops that create tensors on {@link #device()}. */
    public Ops ops() {
        return ops;
    }

    /** Ops that create tensors on {@code device}. */
    public Ops ops(Device device) {
        return device == this.device ? ops : new Ops(this, device);
    }

    public KernelRegistry kernels() {
        return kernels;
    }

    /** Opens a {@link Scope} on this thread. */
    public Scope scope() {
        checkOpen();
        return new Scope();
    }

    /** How often each op ran on the CPU because the device's backend had no kernel for it. */
    public Map<String, Long> opFallbackCounts() {
        return dispatcher.fallbackCounts();
    }

    Dispatcher dispatcher() {
        return dispatcher;
    }

    void checkOpen() {
        if (closed) {
            throw new XpuException(ErrorCode.CLOSED, "the runtime is closed");
        }
    }

    boolean isClosed() {
        return closed;
    }

    /** Synchronizes and closes the devices this runtime opened. Tensors must not be used afterwards. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Device d : openDevices.values()) {
            try {
                d.synchronize();
                MemoryStats s = d.allocator().stats();
                if (s.liveBytes() > 0) {
                    LOG.log(System.Logger.Level.WARNING, d.id() + ": runtime closed while tensors still hold "
                            + s.liveBytes() + " bytes in " + s.liveBlocks() + " block(s)");
                }
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "synchronizing " + d.id() + " failed: " + e.getMessage());
            } finally {
                // a device that failed to synchronize (lost, faulted) still owns streams and memory to release
                try {
                    d.close();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "closing " + d.id() + " failed: " + e.getMessage());
                }
            }
        }
    }

}
