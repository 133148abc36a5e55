package io.xpu4j.backend.cpu;

import io.xpu4j.api.Availability;
import io.xpu4j.api.Device;
import io.xpu4j.api.ErrorCode;
import io.xpu4j.api.KernelRegistry;
import io.xpu4j.api.MemoryInfo;
import io.xpu4j.api.XpuException;
import io.xpu4j.api.spi.Backend;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The CPU backend: always available; the reference every other backend is compared with. */
public final class CpuBackend implements Backend {
    @Override
    public String id() {
        return "cpu";
    }

    @Override
    public Availability availability() {
        return Availability.yes(Parallel.threads() + " thread(s), Vector API species "
                + VectorWidth.FLOAT.vectorBitSize() + "-bit");
    }

    @Override
    public List<DeviceDescription> devices() {
        return List.of(new DeviceDescription(0, cpuName(), memoryInfo().totalBytes(),
                Parallel.threads() + " threads, " + VectorWidth.FLOAT.length() + " floats per vector"));
    }

    @Override
    public Device openDevice(int index, long memoryLimitBytes) {
        if (index != 0) {
            throw new XpuException(ErrorCode.INVALID_ARGUMENT, "the cpu backend has one device, cpu:0; got index " + index);
        }
        return new CpuDevice(memoryLimitBytes);
    }

    @Override
    public void registerKernels(KernelRegistry registry) {
        CpuKernels.registerAll(registry);
    }

    @Override
    public int autoPriority() {
        return 0;
    }

    static String cpuName() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux, or not readable: fall through to the generic name
        }
        return System.getProperty("os.arch") + " CPU";
    }

    static MemoryInfo memoryInfo() {
        try {
            long total = -1;
            long avail = -1;
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    total = kib(line);
                } else if (line.startsWith("MemAvailable:")) {
                    avail = kib(line);
                }
            }
            return new MemoryInfo(total, avail);
        } catch (IOException | RuntimeException e) {
            return new MemoryInfo(-1, -1);
        }
    }

    private static long kib(String line) {
        String[] parts = line.trim().split("\\s+");
        return Long.parseLong(parts[1]) * 1024;
    }
}
