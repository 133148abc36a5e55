package io.xpu4j.api.spi;

import io.xpu4j.api.Availability;
import io.xpu4j.api.Device;
import io.xpu4j.api.KernelRegistry;

import java.util.List;

/**
 * A compute backend, found with {@link java.util.ServiceLoader}. Implementations list themselves
 * in {@code META-INF/services/io.xpu4j.api.spi.Backend}.
 */
public interface Backend {
    /** {@code cpu}, {@code cuda} or {@code cann}. */
    String id();

    /**
     * Whether this backend can run here. Never throws: a missing library, symbol, driver or
     * device is reported as a reason. May be called often; implementations cache the answer.
     */
    Availability availability();

    /** Describes the devices (empty when unavailable); for listings such as {@code xpu4j devices}. */
    List<DeviceDescription> devices();

    /** Opens a device for one runtime; the runtime closes it. */
    Device openDevice(int index, long memoryLimitBytes);

    /** Adds this backend's kernels to {@code registry}. */
    void registerKernels(KernelRegistry registry);

    /** Order for {@code backend: auto}: higher is tried first. */
    int autoPriority();

    /** A device as listed before it is opened. */
    record DeviceDescription(int index, String name, long totalMemoryBytes, String details) {
    }
}
