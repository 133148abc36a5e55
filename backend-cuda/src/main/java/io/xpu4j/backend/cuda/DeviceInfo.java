package io.xpu4j.backend.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** What the driver says about one device: name, compute capability, multiprocessors, memory. */
record DeviceInfo(String name, int ccMajor, int ccMinor, int multiprocessors, long totalMemory) {
    static DeviceInfo query(DriverApi driver, int cuDevice, String id) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment nameBuf = arena.allocate(256);
            driver.check(driver.deviceGetName(nameBuf, 256, cuDevice), "cuDeviceGetName", id);
            MemorySegment value = arena.allocate(JAVA_INT);
            driver.check(driver.deviceGetAttribute(value, DriverApi.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
                    cuDevice), "cuDeviceGetAttribute(COMPUTE_CAPABILITY_MAJOR)", id);
            int major = value.get(JAVA_INT, 0);
            driver.check(driver.deviceGetAttribute(value, DriverApi.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
                    cuDevice), "cuDeviceGetAttribute(COMPUTE_CAPABILITY_MINOR)", id);
            int minor = value.get(JAVA_INT, 0);
            driver.check(driver.deviceGetAttribute(value, DriverApi.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT,
                    cuDevice), "cuDeviceGetAttribute(MULTIPROCESSOR_COUNT)", id);
            int sms = value.get(JAVA_INT, 0);
            MemorySegment total = arena.allocate(JAVA_LONG);
            driver.check(driver.deviceTotalMem(total, cuDevice), "cuDeviceTotalMem_v2", id);
            return new DeviceInfo(nameBuf.getString(0), major, minor, sms, total.get(JAVA_LONG, 0));
        }
    }

    /** Enumerates device {@code ordinal} without opening it (no context is created). */
    static DeviceInfo ofOrdinal(DriverApi driver, int ordinal) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_INT);
            driver.check(driver.deviceGet(out, ordinal), "cuDeviceGet(" + ordinal + ")", "cuda:" + ordinal);
            return query(driver, out.get(JAVA_INT, 0), "cuda:" + ordinal);
        }
    }
}
