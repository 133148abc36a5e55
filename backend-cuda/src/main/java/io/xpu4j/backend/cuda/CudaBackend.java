package io.xpu4j.backend.cuda;

import io.xpu4j.api.Availability;
import io.xpu4j.api.Device;
import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.KernelRegistry;
import io.xpu4j.api.XpuException;
import io.xpu4j.api.spi.Backend;

import java.util.ArrayList;
import java.util.List;

/**
 * NVIDIA GPUs through the CUDA driver API, cuBLAS and NVRTC, bound with java.lang.foreign at run
 * time: nothing native is linked at build time, and a machine without a driver, library or
 * device simply reports the backend unavailable with the reason.
 */
public final class CudaBackend implements Backend {
    private final LibraryLoader loader;
    private volatile CudaLibraries.Probe probe;

    public CudaBackend() {
        this(LibraryLoader.SYSTEM);
    }

    /** With another way of finding libraries (tests: missing libraries and symbols). */
    CudaBackend(LibraryLoader loader) {
        this.loader = loader;
    }

    private CudaLibraries.Probe probe() {
        CudaLibraries.Probe p = probe;
        if (p == null) {
            synchronized (this) {
                p = probe;
                if (p == null) {
                    p = CudaLibraries.probe(loader);
                    probe = p;
                }
            }
        }
        return p;
    }

    @Override
    public String id() {
        return "cuda";
    }

    @Override
    public Availability availability() {
        return probe().availability();
    }

    @Override
    public List<DeviceDescription> devices() {
        CudaLibraries libs = probe().libraries();
        if (libs == null) {
            return List.of();
        }
        List<DeviceDescription> out = new ArrayList<>();
        for (int i = 0; i < libs.deviceCount; i++) {
            try {
                DeviceInfo info = DeviceInfo.ofOrdinal(libs.driver, i);
                out.add(new DeviceDescription(i, info.name(), info.totalMemory(), "compute capability "
                        + info.ccMajor() + "." + info.ccMinor() + ", " + info.multiprocessors() + " SMs"));
            } catch (XpuException e) {
                out.add(new DeviceDescription(i, "unknown", -1, "could not be queried: " + e.getMessage()));
            }
        }
        return out;
    }

    @Override
    public Device openDevice(int index, long memoryLimitBytes) {
        CudaLibraries.Probe p = probe();
        if (p.libraries() == null) {
            throw new XpuException(ErrorCode.BACKEND_UNAVAILABLE, "the cuda backend is unavailable: "
                    + p.availability().reason());
        }
        if (index < 0 || index >= p.libraries().deviceCount) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, "cuda device index " + index + " does not exist; "
                    + "this machine has devices 0.." + (p.libraries().deviceCount - 1));
        }
        return new CudaDevice(p.libraries(), index, memoryLimitBytes);
    }

    @Override
    public void registerKernels(KernelRegistry registry) {
        CudaKernels.registerAll(registry);
    }

    /** Preferred over every other backend when {@code backend: auto} and a GPU is present. */
    @Override
    public int autoPriority() {
        return 100;
    }
}
